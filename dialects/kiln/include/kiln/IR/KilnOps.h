//===- KilnOps.h - Kiln dialect operations ----------------------*- C++ -*-===//

#ifndef KILN_IR_KILNOPS_H
#define KILN_IR_KILNOPS_H

#include "kiln/IR/KilnDialect.h"
#include "kiln/Shape/ShapeRules.h"

#include "mlir/Bytecode/BytecodeOpInterface.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Interfaces/InferTypeOpInterface.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

namespace kiln {

/// Converts an MLIR shape to the shape rules' form (dynamic -> -1).
shape::Dims toShapeDims(llvm::ArrayRef<int64_t> mlirShape);

/// Converts a shape-rule result back to an MLIR shape.
llvm::SmallVector<int64_t> toMlirShape(const shape::Dims &dims);

/// The shape-rule form of a ranked tensor type's shape; a type that is not a
/// ranked tensor gives an empty shape, which every rule then rejects.
shape::Dims shapeOf(mlir::Type type);

/// The f32 tensor type a shape rule gives. When the rule failed, a rank-0
/// placeholder: the op is still built, and its verifier reports the rule's
/// message instead of the builder aborting.
mlir::RankedTensorType tensorTypeFor(mlir::MLIRContext *context,
                                     const shape::ShapeResult &rule);

/// Kiln_Positionwise (KilnBase.td): each result element is computed from the
/// operands' elements at its own position. (In `kiln`, not an `OpTrait`
/// namespace of its own, which would make MLIR's ambiguous where both are
/// used.)
template <typename ConcreteType>
class Positionwise
    : public mlir::OpTrait::TraitBase<ConcreteType, Positionwise> {};

} // namespace kiln

#define GET_OP_CLASSES
#include "kiln/IR/KilnOps.h.inc"

#endif // KILN_IR_KILNOPS_H

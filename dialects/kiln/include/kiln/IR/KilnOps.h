//===- KilnOps.h - Kiln dialect operations ----------------------*- C++ -*-===//

#ifndef KILN_IR_KILNOPS_H
#define KILN_IR_KILNOPS_H

#include "kiln/IR/KilnDialect.h"
#include "kiln/Shape/ShapeRules.h"

#include "mlir/Bytecode/BytecodeOpInterface.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/Interfaces/InferTypeOpInterface.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

namespace kiln {

/// Converts an MLIR shape to the shape rules' form (dynamic -> -1).
shape::Dims toShapeDims(llvm::ArrayRef<int64_t> mlirShape);

/// Converts a shape-rule result back to an MLIR shape.
llvm::SmallVector<int64_t> toMlirShape(const shape::Dims &dims);

} // namespace kiln

#define GET_OP_CLASSES
#include "kiln/IR/KilnOps.h.inc"

#endif // KILN_IR_KILNOPS_H

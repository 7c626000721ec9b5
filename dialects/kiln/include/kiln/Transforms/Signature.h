//===- Signature.h - Roles of Kiln function arguments -----------*- C++ -*-===//
//
// The attribute names and roles of the contract between MLIRGen, the passes
// and codegen: which argument of @forward, @train_step or @infer is the input,
// the step, a parameter, a state tensor or an optimizer slot. Everything that
// reads or writes these attributes goes through this header.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_TRANSFORMS_SIGNATURE_H
#define KILN_TRANSFORMS_SIGNATURE_H

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringRef.h"

namespace kiln {

/// Names of the attributes on functions, their arguments and results.
namespace attr {
/// Argument/result role (see `role`).
inline constexpr llvm::StringLiteral kRole = "kiln.role";
/// Keras-style name of a parameter, state tensor or slot.
inline constexpr llvm::StringLiteral kName = "kiln.name";
/// Initialiser of a parameter, state tensor or slot.
inline constexpr llvm::StringLiteral kInit = "kiln.init";
/// L1 / L2 regularisation scale (f32) of a parameter.
inline constexpr llvm::StringLiteral kL1 = "kiln.l1";
inline constexpr llvm::StringLiteral kL2 = "kiln.l2";
/// Module attribute: the training set-up dictionary.
inline constexpr llvm::StringLiteral kTraining = "kiln.training";
/// @forward attribute: the activation Keras applies to the logits.
inline constexpr llvm::StringLiteral kOutputActivation =
    "kiln.output_activation";
/// Kernel attribute: byte offset of each result in the arena (-1: outside).
inline constexpr llvm::StringLiteral kOffsets = "kiln.offsets";
/// Function attributes of the memory plan.
inline constexpr llvm::StringLiteral kArenaBytes = "kiln.arena_bytes";
inline constexpr llvm::StringLiteral kBatch = "kiln.batch";
} // namespace attr

/// Values of `kiln.role`.
namespace role {
inline constexpr llvm::StringLiteral kInput = "input";
inline constexpr llvm::StringLiteral kLabels = "labels";
inline constexpr llvm::StringLiteral kStep = "step";
inline constexpr llvm::StringLiteral kLr = "lr";
inline constexpr llvm::StringLiteral kParam = "param";
inline constexpr llvm::StringLiteral kState = "state";
inline constexpr llvm::StringLiteral kSlot = "slot";
inline constexpr llvm::StringLiteral kLogits = "logits";
inline constexpr llvm::StringLiteral kLoss = "loss";
inline constexpr llvm::StringLiteral kCorrect = "correct";
inline constexpr llvm::StringLiteral kProbabilities = "probabilities";
} // namespace role

/// Names of the functions of the contract.
namespace fn {
inline constexpr llvm::StringLiteral kForward = "forward";
inline constexpr llvm::StringLiteral kTrainStep = "train_step";
inline constexpr llvm::StringLiteral kInfer = "infer";
} // namespace fn

/// The `kiln.role` of argument `index` of `func`, or "" when it has none.
llvm::StringRef argRole(mlir::func::FuncOp func, unsigned index);

/// The `kiln.name` of argument `index` of `func`, or "" when it has none.
llvm::StringRef argName(mlir::func::FuncOp func, unsigned index);

/// The arguments of @forward by role, in argument order.
struct ForwardSignature {
  unsigned input = 0;
  unsigned step = 0;
  llvm::SmallVector<unsigned> params;
  llvm::SmallVector<unsigned> state;
};

/// Checks @forward against the contract (one input, one i64 step, params
/// and state with static shapes, results: the logits then one updated value
/// per state argument of the same type) and returns its roles; reports what
/// is wrong at @forward's location otherwise.
mlir::FailureOr<ForwardSignature> analyzeForward(mlir::func::FuncOp forward);

/// The function `name` of `module`; reports an error at the module's
/// location, naming `pass`, when it is missing.
mlir::FailureOr<mlir::func::FuncOp> lookupFunction(mlir::ModuleOp module,
                                                   llvm::StringRef name,
                                                   llvm::StringRef pass);

} // namespace kiln

#endif // KILN_TRANSFORMS_SIGNATURE_H

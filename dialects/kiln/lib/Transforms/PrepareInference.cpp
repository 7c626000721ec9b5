//===- PrepareInference.cpp - @infer from @forward ------------------------===//
//
// kiln-prepare-inference: clones @forward into @infer and turns the training
// form into the inference form: dropout off, BatchNorm on its moving
// statistics and, where it directly follows a layer's bias, folded into that
// layer; only the (softmax of the) logits are returned and arguments nothing
// reads any more are dropped.
//
//===----------------------------------------------------------------------===//

#include "kiln/IR/KilnOps.h"
#include "kiln/Transforms/Passes.h"
#include "kiln/Transforms/Signature.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "llvm/ADT/BitVector.h"

namespace kiln {
#define GEN_PASS_DEF_KILNPREPAREINFERENCE
#include "kiln/Transforms/Passes.h.inc"
} // namespace kiln

using namespace mlir;
using namespace kiln;

namespace {

/// The pass name, prefixed to module-level diagnostics.
constexpr llvm::StringLiteral kPassName = "kiln-prepare-inference";

/// Replaces every dropout by its input. The mask must be unused: in @forward
/// only the train step's gradient reads it.
LogicalResult removeDropout(Block &body) {
  for (auto dropout : llvm::make_early_inc_range(body.getOps<DropoutOp>())) {
    if (!dropout.getMask().use_empty())
      return dropout.emitError()
             << "the dropout mask is used in @forward; inference cannot "
                "remove this dropout";
    dropout.getOutput().replaceAllUsesWith(dropout.getInput());
    dropout.erase();
  }
  return success();
}

/// The state argument that `stat` (a batch statistic) is folded into by a
/// kiln.moving_average, or null.
BlockArgument movingStatistic(func::FuncOp func, Value stat) {
  for (Operation *user : stat.getUsers()) {
    auto average = dyn_cast<MovingAverageOp>(user);
    if (!average || average.getBatch() != stat)
      continue;
    auto running = dyn_cast<BlockArgument>(average.getRunning());
    if (running && running.getOwner() == &func.getBody().front() &&
        argRole(func, running.getArgNumber()) == role::kState)
      return running;
  }
  return {};
}

/// Replaces each batch_norm_train by batch_norm_infer on the moving mean and
/// variance its statistics update.
LogicalResult useMovingStatistics(func::FuncOp func) {
  Block &body = func.getBody().front();
  for (auto bn : llvm::make_early_inc_range(body.getOps<BatchNormTrainOp>())) {
    BlockArgument mean = movingStatistic(func, bn.getBatchMean());
    BlockArgument variance = movingStatistic(func, bn.getBatchVar());
    if (!mean || !variance)
      return bn.emitError()
             << "cannot find the moving statistics of this batch "
                "normalization: its batch mean and variance must each feed a "
                "kiln.moving_average of a state argument";
    for (Value stat : {bn.getBatchMean(), bn.getBatchVar()})
      for (Operation *user : stat.getUsers())
        if (!isa<MovingAverageOp>(user))
          return user->emitError()
                 << "reads a batch statistic, which inference does not have";
    OpBuilder b(bn);
    auto infer = b.create<BatchNormInferOp>(
        bn.getLoc(), bn.getInput(), bn.getGamma(), bn.getBeta(), mean, variance,
        bn.getEpsilon().convertToFloat());
    bn.getOutput().replaceAllUsesWith(infer.getOutput());
  }
  return success();
}

/// Whether `value` is available before `op` (an argument, or defined by an
/// earlier op of the same block).
bool availableBefore(Value value, Operation *op) {
  if (isa<BlockArgument>(value))
    return true;
  Operation *def = value.getDefiningOp();
  return def->getBlock() == op->getBlock() && def->isBeforeInBlock(op);
}

/// Folds `bn` into the conv2d/conv1d/dense and bias_add before it when both
/// results are used only on that path: the weights are scaled by
/// gamma / sqrt(var + eps) and the bias normalized with the same statistics,
/// bn(layer(x, w) + b) = layer(x, fold_scale(w)) + bn(b). Returns whether it
/// folded.
bool foldIntoLayer(BatchNormInferOp bn) {
  auto biasAdd = bn.getInput().getDefiningOp<BiasAddOp>();
  if (!biasAdd || !biasAdd.getOutput().hasOneUse())
    return false;
  Operation *layer = biasAdd.getInput().getDefiningOp();
  if (!layer || !isa<Conv2DOp, Conv1DOp, DenseOp>(layer) ||
      !layer->getResult(0).hasOneUse())
    return false;
  for (Value v : {biasAdd.getBias(), bn.getGamma(), bn.getBeta(), bn.getMean(),
                  bn.getVariance()})
    if (!availableBefore(v, layer))
      return false;
  float epsilon = bn.getEpsilon().convertToFloat();
  // The weights are operand 1 of all three layers.
  OpBuilder b(layer);
  Value weights = layer->getOperand(1);
  Value scaled = b.create<FoldScaleOp>(bn.getLoc(), weights, bn.getGamma(),
                                       bn.getVariance(), epsilon);
  Value bias = b.create<BatchNormInferOp>(
      bn.getLoc(), biasAdd.getBias(), bn.getGamma(), bn.getBeta(), bn.getMean(),
      bn.getVariance(), epsilon);
  layer->setOperand(1, scaled);
  biasAdd.getBiasMutable().assign(bias);
  bn.getOutput().replaceAllUsesWith(biasAdd.getOutput());
  bn.erase();
  return true;
}

/// Erases the ops of `body` whose results are unused and that have no side
/// effect (every kiln op).
void eraseDeadOps(Block &body) {
  for (Operation &op : llvm::make_early_inc_range(llvm::reverse(body)))
    if (isOpTriviallyDead(&op))
      op.erase();
}

/// Builds @infer from @forward.
LogicalResult prepareInference(ModuleOp module) {
  FailureOr<func::FuncOp> found =
      lookupFunction(module, fn::kForward, kPassName);
  if (failed(found))
    return failure();
  func::FuncOp forward = *found;
  if (module.lookupSymbol(fn::kInfer))
    return module.emitError()
           << kPassName << ": the module already has @" << fn::kInfer;
  if (!forward.getBody().hasOneBlock())
    return forward.emitError() << "@forward must be a single block";
  FailureOr<ForwardSignature> sig = analyzeForward(forward);
  if (failed(sig))
    return failure();

  func::FuncOp infer = forward.clone();
  infer.setName(fn::kInfer);
  module.getBody()->getOperations().insertAfter(forward->getIterator(), infer);
  auto fail = [&]() -> LogicalResult {
    infer.erase();
    return failure();
  };
  Block &body = infer.getBody().front();
  if (failed(removeDropout(body)) || failed(useMovingStatistics(infer)))
    return fail();

  // Return only the logits, through a softmax when the model ends in one.
  auto ret = cast<func::ReturnOp>(body.getTerminator());
  Value output = ret.getOperand(0);
  bool softmax = false;
  if (auto activation =
          forward->getAttrOfType<StringAttr>(attr::kOutputActivation)) {
    if (activation.getValue() == outputActivation::kSoftmax)
      softmax = true;
    else if (activation.getValue() != outputActivation::kLinear) {
      forward.emitError() << "unsupported kiln.output_activation " << activation
                          << " (softmax or linear)";
      return fail();
    }
  }
  OpBuilder b(ret);
  if (softmax)
    output = b.create<SoftmaxOp>(ret.getLoc(), output);
  b.create<func::ReturnOp>(ret.getLoc(), output);
  ret.erase();
  llvm::BitVector stateResults(infer.getNumResults(), true);
  stateResults.reset(0);
  infer.eraseResults(stateResults);
  infer.setResultAttrs(
      0, DictionaryAttr::get(
             module.getContext(),
             {NamedAttribute(StringAttr::get(module.getContext(), attr::kRole),
                             StringAttr::get(module.getContext(),
                                             softmax ? role::kProbabilities
                                                     : role::kLogits))}));
  infer->removeAttr(attr::kOutputActivation);
  eraseDeadOps(body);

  for (auto bn : llvm::make_early_inc_range(body.getOps<BatchNormInferOp>()))
    foldIntoLayer(bn);
  eraseDeadOps(body);

  // Drop the arguments nothing reads (the step, state only the moving
  // averages read); the input stays even when unused.
  llvm::BitVector unused(infer.getNumArguments());
  for (BlockArgument arg : body.getArguments())
    if (arg.use_empty() && arg.getArgNumber() != sig->input)
      unused.set(arg.getArgNumber());
  infer.eraseArguments(unused);
  return success();
}

/// kiln-prepare-inference (see Passes.td).
struct PrepareInferencePass
    : kiln::impl::KilnPrepareInferenceBase<PrepareInferencePass> {
  void runOnOperation() override {
    if (failed(prepareInference(getOperation())))
      signalPassFailure();
  }
};

} // namespace

//===- BuildTrainStep.cpp - Loss, autodiff and optimizer update -----------===//
//
// kiln-build-train-step: clones @forward into @train_step, adds the loss and
// the correct count, differentiates every op on a path from a parameter to the
// loss in reverse order, and updates each parameter with the optimizer of
// kiln.training. The derivative of each op is written once, in
// Differentiator::differentiate.
//
//===----------------------------------------------------------------------===//

#include "kiln/IR/KilnOps.h"
#include "kiln/Transforms/Passes.h"
#include "kiln/Transforms/Signature.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/IRMapping.h"
#include "llvm/ADT/DenseSet.h"
#include "llvm/ADT/TypeSwitch.h"

namespace kiln {
#define GEN_PASS_DEF_KILNBUILDTRAINSTEP
#include "kiln/Transforms/Passes.h.inc"
} // namespace kiln

using namespace mlir;
using namespace kiln;

namespace {

/// The pass name, prefixed to module-level diagnostics.
constexpr llvm::StringLiteral kPassName = "kiln-build-train-step";

//===----------------------------------------------------------------------===//
// Optimizer set-up
//===----------------------------------------------------------------------===//

/// The optimizer kiln.training names, with the hyper-parameters its update
/// op takes (the learning rate is an argument of @train_step instead, so
/// schedules can change it).
struct Optimizer {
  enum class Kind { Adam, Sgd, RmsProp };
  Kind kind = Kind::Adam;
  float beta1 = 0, beta2 = 0, epsilon = 0, momentum = 0, rho = 0;
  bool nesterov = false;

  /// The slots each parameter gets, in argument order (Keras' slot names).
  SmallVector<StringRef> slotNames() const {
    switch (kind) {
    case Kind::Adam:
      return {"m", "v"};
    case Kind::Sgd:
      return {"momentum"};
    case Kind::RmsProp:
      return {"rms"};
    }
    llvm_unreachable("unknown optimizer kind");
  }
};

/// Reads number `key` of the training dictionary, or reports that the
/// optimizer named `optimizer` needs it.
FailureOr<float> readNumber(ModuleOp module, DictionaryAttr training,
                            StringRef key, StringRef optimizer) {
  Attribute value = training.get(key);
  if (auto f = dyn_cast_or_null<FloatAttr>(value))
    return static_cast<float>(f.getValueAsDouble());
  if (auto i = dyn_cast_or_null<IntegerAttr>(value))
    return static_cast<float>(i.getValue().getSExtValue());
  return module.emitError() << kPassName << ": kiln.training needs a number '"
                            << key << "' for optimizer \"" << optimizer << "\"";
}

/// Reads and checks the loss and optimizer of kiln.training.
FailureOr<Optimizer> readOptimizer(ModuleOp module) {
  auto training = module->getAttrOfType<DictionaryAttr>(attr::kTraining);
  if (!training)
    return module.emitError() << kPassName << ": the module has no "
                              << attr::kTraining << " dictionary";
  auto loss = training.getAs<StringAttr>(training::kLoss);
  if (!loss || loss.getValue() != training::kCategoricalCrossentropy)
    return module.emitError()
           << kPassName
           << ": kiln.training's loss must be \"categorical_crossentropy\""
              " (the only loss the train step builds), got "
           << training.get(training::kLoss);
  auto name = training.getAs<StringAttr>(training::kOptimizer);
  if (!name)
    return module.emitError()
           << kPassName << ": kiln.training has no 'optimizer' string";
  Optimizer opt;
  StringRef kind = name.getValue();
  auto number = [&](StringRef key, float &out) {
    FailureOr<float> value = readNumber(module, training, key, kind);
    if (succeeded(value))
      out = *value;
    return value;
  };
  if (kind == training::kAdam) {
    opt.kind = Optimizer::Kind::Adam;
    if (failed(number(training::kBeta1, opt.beta1)) ||
        failed(number(training::kBeta2, opt.beta2)) ||
        failed(number(training::kEpsilon, opt.epsilon)))
      return failure();
  } else if (kind == training::kSgd) {
    opt.kind = Optimizer::Kind::Sgd;
    if (failed(number(training::kMomentum, opt.momentum)))
      return failure();
    if (auto nesterov = training.getAs<BoolAttr>(training::kNesterov))
      opt.nesterov = nesterov.getValue();
  } else if (kind == training::kRmsProp) {
    opt.kind = Optimizer::Kind::RmsProp;
    if (failed(number(training::kRho, opt.rho)) ||
        failed(number(training::kEpsilon, opt.epsilon)))
      return failure();
  } else {
    return module.emitError() << kPassName << ": unknown optimizer \"" << kind
                              << "\" in kiln.training (adam, sgd or rmsprop)";
  }
  return opt;
}

//===----------------------------------------------------------------------===//
// Reverse-mode differentiation
//===----------------------------------------------------------------------===//

/// The non-batch extents of `value`, which the gradient ops take as
/// attributes; reports at `op` when one is dynamic.
FailureOr<SmallVector<int64_t>> staticTail(Operation *op, Value value) {
  auto type = cast<RankedTensorType>(value.getType());
  if (type.getRank() < 1)
    return op->emitError() << "cannot differentiate through a rank-0 value";
  ArrayRef<int64_t> tail = type.getShape().drop_front();
  if (llvm::any_of(tail, ShapedType::isDynamic))
    return op->emitError()
           << "needs static non-batch extents to be differentiated, got "
           << type;
  return SmallVector<int64_t>(tail);
}

/// Reverse-mode differentiation of one straight-line block. Values that
/// depend on a parameter are "varied"; only their gradients are built, so
/// e.g. the first convolution gets no gradient for the image.
class Differentiator {
public:
  explicit Differentiator(OpBuilder &builder) : b(builder) {}

  /// Marks `value` (a parameter) as varied.
  void markVaried(Value value) { varied.insert(value); }

  /// Propagates variedness forward through `ops`, in order.
  void propagateVaried(ArrayRef<Operation *> ops) {
    for (Operation *op : ops)
      if (llvm::any_of(op->getOperands(),
                       [&](Value v) { return varied.contains(v); }))
        varied.insert(op->result_begin(), op->result_end());
  }

  bool isVaried(Value value) const { return varied.contains(value); }

  /// The gradient of `value` summed so far, or null.
  Value gradient(Value value) const { return grads.lookup(value); }

  /// Adds `grad` to the gradient of `value` (with kiln.add when `value`
  /// already has one, because it is used more than once). Only varied
  /// values take gradients.
  void contribute(Value value, Value grad, Location loc) {
    if (!varied.contains(value))
      return;
    Value &slot = grads[value];
    slot = slot ? b.create<AddOp>(loc, slot, grad).getResult() : grad;
  }

  /// Differentiates `ops` in reverse order, each op whose results have a
  /// gradient.
  LogicalResult run(ArrayRef<Operation *> ops) {
    for (Operation *op : llvm::reverse(ops))
      if (llvm::any_of(op->getResults(), [&](Value r) { return gradient(r); }))
        if (failed(differentiate(op)))
          return failure();
    return success();
  }

private:
  /// Fails at `op` when its result `index` has a gradient: `what` cannot be
  /// differentiated through.
  LogicalResult rejectGradientOf(Operation *op, unsigned index,
                                 StringRef what) {
    if (!gradient(op->getResult(index)))
      return success();
    return op->emitError() << "cannot differentiate through " << what;
  }

  /// The derivative rules: given the gradient of `op`'s results, contributes
  /// the gradients of its varied operands. One case per op.
  LogicalResult differentiate(Operation *op);

  OpBuilder &b;
  DenseSet<Value> varied;
  DenseMap<Value, Value> grads;
};

LogicalResult Differentiator::differentiate(Operation *op) {
  Location loc = op->getLoc();
  Value g = gradient(op->getResult(0));
  auto want = [&](Value v) { return isVaried(v); };
  // Ops whose first result has no gradient reach a rule only through another
  // result; every rule below that takes several results checks them.
  if (!g && !isa<BatchNormTrainOp, DropoutOp>(op))
    return op->emitError() << "no gradient reaches the first result";

  return llvm::TypeSwitch<Operation *, LogicalResult>(op)
      // Convolution and dense: one heavy gradient op per varied operand.
      .Case([&](Conv2DOp o) -> LogicalResult {
        if (want(o.getFilter())) {
          ArrayRef<int64_t> w = o.getFilter().getType().getShape();
          contribute(o.getFilter(),
                     b.create<Conv2DGradFilterOp>(
                         loc, o.getInput(), g, o.getStrides(), o.getDilations(),
                         o.getPadding(), ArrayRef<int64_t>{w[0], w[1]}),
                     loc);
        }
        if (want(o.getInput())) {
          FailureOr<SmallVector<int64_t>> x = staticTail(op, o.getInput());
          if (failed(x))
            return failure();
          contribute(
              o.getInput(),
              b.create<Conv2DGradInputOp>(loc, g, o.getFilter(), o.getStrides(),
                                          o.getDilations(), o.getPadding(),
                                          ArrayRef<int64_t>{(*x)[0], (*x)[1]}),
              loc);
        }
        return success();
      })
      .Case([&](Conv1DOp o) -> LogicalResult {
        if (want(o.getFilter()))
          contribute(o.getFilter(),
                     b.create<Conv1DGradFilterOp>(
                         loc, o.getInput(), g, o.getStride(), o.getDilation(),
                         o.getPadding(), o.getFilter().getType().getShape()[0]),
                     loc);
        if (want(o.getInput())) {
          FailureOr<SmallVector<int64_t>> x = staticTail(op, o.getInput());
          if (failed(x))
            return failure();
          contribute(o.getInput(),
                     b.create<Conv1DGradInputOp>(loc, g, o.getFilter(),
                                                 o.getStride(), o.getDilation(),
                                                 o.getPadding(), (*x)[0]),
                     loc);
        }
        return success();
      })
      .Case([&](DenseOp o) {
        if (want(o.getWeights()))
          contribute(o.getWeights(),
                     b.create<DenseGradWeightsOp>(loc, o.getInput(), g), loc);
        if (want(o.getInput()))
          contribute(o.getInput(),
                     b.create<DenseGradInputOp>(loc, g, o.getWeights()), loc);
        return success();
      })
      .Case([&](BiasAddOp o) {
        contribute(o.getInput(), g, loc);
        if (want(o.getBias()))
          contribute(o.getBias(), b.create<BiasGradOp>(loc, g), loc);
        return success();
      })
      // Activations: from the input (relu, gelu) or the output (the rest).
      .Case([&](ReluOp o) {
        // relu(x) > 0 exactly when x > 0, so the mask can come from the
        // output, which later ops keep anyway: the pre-activation value then
        // need not outlive the forward kernel.
        contribute(o.getInput(), b.create<ReluGradOp>(loc, g, o.getOutput()),
                   loc);
        return success();
      })
      .Case([&](GeluOp o) {
        contribute(o.getInput(), b.create<GeluGradOp>(loc, g, o.getInput()),
                   loc);
        return success();
      })
      .Case([&](SigmoidOp o) {
        contribute(o.getInput(), b.create<SigmoidGradOp>(loc, g, o.getOutput()),
                   loc);
        return success();
      })
      .Case([&](TanhOp o) {
        contribute(o.getInput(), b.create<TanhGradOp>(loc, g, o.getOutput()),
                   loc);
        return success();
      })
      .Case([&](SoftmaxOp o) {
        contribute(o.getInput(), b.create<SoftmaxGradOp>(loc, g, o.getOutput()),
                   loc);
        return success();
      })
      // Pooling.
      .Case([&](MaxPool2DOp o) {
        contribute(o.getInput(),
                   b.create<MaxPool2DGradOp>(loc, g, o.getInput(),
                                             o.getWindow(), o.getStrides(),
                                             o.getPadding()),
                   loc);
        return success();
      })
      .Case([&](AvgPool2DOp o) -> LogicalResult {
        FailureOr<SmallVector<int64_t>> x = staticTail(op, o.getInput());
        if (failed(x))
          return failure();
        contribute(o.getInput(),
                   b.create<AvgPool2DGradOp>(
                       loc, g, o.getWindow(), o.getStrides(), o.getPadding(),
                       ArrayRef<int64_t>{(*x)[0], (*x)[1]}),
                   loc);
        return success();
      })
      .Case([&](MaxPool1DOp o) {
        contribute(o.getInput(),
                   b.create<MaxPool1DGradOp>(loc, g, o.getInput(),
                                             o.getWindow(), o.getStride(),
                                             o.getPadding()),
                   loc);
        return success();
      })
      .Case([&](AvgPool1DOp o) -> LogicalResult {
        FailureOr<SmallVector<int64_t>> x = staticTail(op, o.getInput());
        if (failed(x))
          return failure();
        contribute(o.getInput(),
                   b.create<AvgPool1DGradOp>(loc, g, o.getWindow(),
                                             o.getStride(), o.getPadding(),
                                             (*x)[0]),
                   loc);
        return success();
      })
      .Case([&](GlobalAvgPoolOp o) -> LogicalResult {
        FailureOr<SmallVector<int64_t>> x = staticTail(op, o.getInput());
        if (failed(x))
          return failure();
        contribute(o.getInput(), b.create<GlobalAvgPoolGradOp>(loc, g, *x),
                   loc);
        return success();
      })
      // Normalization and regularization.
      .Case([&](BatchNormTrainOp o) -> LogicalResult {
        if (failed(rejectGradientOf(op, 1, "the batch mean")) ||
            failed(rejectGradientOf(op, 2, "the batch variance")))
          return failure();
        auto grad = b.create<BatchNormTrainGradOp>(
            loc, g, o.getInput(), o.getGamma(), o.getBatchMean(),
            o.getBatchVar(), o.getEpsilon().convertToFloat());
        contribute(o.getInput(), grad.getGradIn(), loc);
        contribute(o.getGamma(), grad.getGradGamma(), loc);
        contribute(o.getBeta(), grad.getGradBeta(), loc);
        return success();
      })
      .Case([&](BatchNormInferOp o) -> LogicalResult {
        // With fixed statistics the op is affine in its input: the input's
        // gradient is g * gamma / sqrt(var + eps), which is fold_scale.
        for (Value v :
             {o.getGamma(), o.getBeta(), o.getMean(), o.getVariance()})
          if (want(v))
            return op->emitError()
                   << "cannot differentiate batch_norm_infer with respect to "
                      "its scale, offset or statistics";
        contribute(o.getInput(),
                   b.create<FoldScaleOp>(loc, g, o.getGamma(), o.getVariance(),
                                         o.getEpsilon().convertToFloat()),
                   loc);
        return success();
      })
      .Case([&](FoldScaleOp o) -> LogicalResult {
        if (want(o.getGamma()) || want(o.getVariance()))
          return op->emitError() << "cannot differentiate fold_scale with "
                                    "respect to its scale or variance";
        contribute(o.getInput(),
                   b.create<FoldScaleOp>(loc, g, o.getGamma(), o.getVariance(),
                                         o.getEpsilon().convertToFloat()),
                   loc);
        return success();
      })
      .Case([&](DropoutOp o) -> LogicalResult {
        if (failed(rejectGradientOf(op, 1, "a dropout mask")))
          return failure();
        contribute(o.getInput(), b.create<MulOp>(loc, g, o.getMask()), loc);
        return success();
      })
      // Elementwise arithmetic and shape manipulation.
      .Case([&](MulOp o) {
        contribute(o.getLhs(), b.create<MulOp>(loc, g, o.getRhs()), loc);
        contribute(o.getRhs(), b.create<MulOp>(loc, g, o.getLhs()), loc);
        return success();
      })
      .Case([&](AddOp o) {
        contribute(o.getLhs(), g, loc);
        contribute(o.getRhs(), g, loc);
        return success();
      })
      .Case([&](ConcatOp o) -> LogicalResult {
        FailureOr<SmallVector<int64_t>> whole = staticTail(op, o.getOutput());
        if (failed(whole))
          return failure();
        int64_t axis = o.getResolvedAxis();
        SmallVector<int64_t> offsets(whole->size(), 0);
        for (Value input : o.getInputs()) {
          FailureOr<SmallVector<int64_t>> sizes = staticTail(op, input);
          if (failed(sizes))
            return failure();
          if (want(input))
            contribute(input, b.create<SliceOp>(loc, g, offsets, *sizes), loc);
          offsets[axis - 1] += (*sizes)[axis - 1];
        }
        return success();
      })
      .Case<FlattenOp, ReshapeOp>([&](Operation *) -> LogicalResult {
        Value input = op->getOperand(0);
        FailureOr<SmallVector<int64_t>> x = staticTail(op, input);
        if (failed(x))
          return failure();
        contribute(input, b.create<ReshapeOp>(loc, g, *x), loc);
        return success();
      })
      .Case([&](ZeroPadOp o) -> LogicalResult {
        FailureOr<SmallVector<int64_t>> x = staticTail(op, o.getInput());
        if (failed(x))
          return failure();
        // padding is (before, after) per spatial axis; the channel axis is
        // not padded.
        SmallVector<int64_t> offsets;
        for (size_t i = 0; i + 1 < x->size(); ++i)
          offsets.push_back(o.getPadding()[2 * i]);
        offsets.push_back(0);
        contribute(o.getInput(), b.create<SliceOp>(loc, g, offsets, *x), loc);
        return success();
      })
      .Case([&](SliceOp o) -> LogicalResult {
        // The gradient scatters g back into zeros: a zero_pad, which exists
        // for spatial axes of NHWC/NWC values with every channel kept.
        FailureOr<SmallVector<int64_t>> x = staticTail(op, o.getInput());
        if (failed(x))
          return failure();
        ArrayRef<int64_t> offsets = o.getOffsets(), sizes = o.getSizes();
        size_t channel = x->size() - 1;
        if ((x->size() != 2 && x->size() != 3) || offsets[channel] != 0 ||
            sizes[channel] != (*x)[channel])
          return op->emitError()
                 << "can only differentiate a slice of the spatial axes of "
                    "an NWC or NHWC value";
        SmallVector<int64_t> padding;
        for (size_t i = 0; i < channel; ++i) {
          padding.push_back(offsets[i]);
          padding.push_back((*x)[i] - offsets[i] - sizes[i]);
        }
        contribute(o.getInput(), b.create<ZeroPadOp>(loc, g, padding), loc);
        return success();
      })
      .Default([&](Operation *) {
        return op->emitError()
               << "has no derivative rule; it cannot appear in @forward "
                  "between a parameter and the logits";
      });
}

//===----------------------------------------------------------------------===//
// Building @train_step
//===----------------------------------------------------------------------===//

/// A dictionary of `kiln.role` and, when not empty, `kiln.name`.
DictionaryAttr roleAttrs(MLIRContext *context, StringRef role,
                         StringRef name = {}, StringRef init = {}) {
  Builder b(context);
  NamedAttrList attrs;
  attrs.append(attr::kRole, b.getStringAttr(role));
  if (!name.empty())
    attrs.append(attr::kName, b.getStringAttr(name));
  if (!init.empty())
    attrs.append(attr::kInit, b.getStringAttr(init));
  return attrs.getDictionary(context);
}

/// The regularization scale `name` (kiln.l1 or kiln.l2) of @forward argument
/// `arg`: 0 when absent, failure when it is not a float.
FailureOr<float> penaltyScale(func::FuncOp forward, unsigned arg,
                              StringRef name) {
  Attribute scale = forward.getArgAttr(arg, name);
  if (!scale)
    return 0.0f;
  if (auto f = dyn_cast<FloatAttr>(scale))
    return static_cast<float>(f.getValueAsDouble());
  return forward.emitError() << "@forward argument #" << arg << ": " << name
                             << " must be an f32 scale, got " << scale;
}

/// Adds the regularization penalties of parameter `param` (its kiln.l1 and
/// kiln.l2 scales) to `loss` and their gradients to the parameter's.
FailureOr<Value> addPenalties(OpBuilder &b, Differentiator &diff,
                              func::FuncOp forward, unsigned forwardArg,
                              Value param, Value loss) {
  Location loc = param.getLoc();
  FailureOr<float> l2 = penaltyScale(forward, forwardArg, attr::kL2);
  FailureOr<float> l1 = penaltyScale(forward, forwardArg, attr::kL1);
  if (failed(l2) || failed(l1))
    return failure();
  if (forward.getArgAttr(forwardArg, attr::kL2)) {
    loss = b.create<AddOp>(loc, loss, b.create<L2PenaltyOp>(loc, param, *l2));
    diff.contribute(param, b.create<L2PenaltyGradOp>(loc, param, *l2), loc);
  }
  if (forward.getArgAttr(forwardArg, attr::kL1)) {
    loss = b.create<AddOp>(loc, loss, b.create<L1PenaltyOp>(loc, param, *l1));
    diff.contribute(param, b.create<L1PenaltyGradOp>(loc, param, *l1), loc);
  }
  return loss;
}

/// Builds @train_step from @forward.
LogicalResult buildTrainStep(ModuleOp module) {
  FailureOr<func::FuncOp> found =
      lookupFunction(module, fn::kForward, kPassName);
  if (failed(found))
    return failure();
  func::FuncOp forward = *found;
  if (module.lookupSymbol(fn::kTrainStep))
    return module.emitError()
           << kPassName << ": the module already has @" << fn::kTrainStep;
  if (!forward.getBody().hasOneBlock())
    return forward.emitError() << "@forward must be a single block";
  FailureOr<ForwardSignature> sig = analyzeForward(forward);
  if (failed(sig))
    return failure();
  FailureOr<Optimizer> opt = readOptimizer(module);
  if (failed(opt))
    return failure();

  MLIRContext *context = module.getContext();
  FunctionType forwardType = forward.getFunctionType();
  Type logitsType = forwardType.getResult(0);
  SmallVector<StringRef> slotNames = opt->slotNames();

  // Arguments: input, labels, step, seed (when @forward has one), lr,
  // params, state, slots.
  // Each argument keeps the location of the @forward argument it comes from
  // (a parameter's layer), so diagnostics and kernels point at the model.
  SmallVector<Type> argTypes;
  SmallVector<DictionaryAttr> argAttrs;
  SmallVector<Location> argLocs;
  auto addArg = [&](Type type, DictionaryAttr attrs, Location loc) {
    argTypes.push_back(type);
    argAttrs.push_back(attrs);
    argLocs.push_back(loc);
  };
  auto addForwardArg = [&](unsigned arg) {
    addArg(forwardType.getInput(arg), forward.getArgAttrDict(arg),
           forward.getArgument(arg).getLoc());
  };
  addForwardArg(sig->input);
  addArg(logitsType, roleAttrs(context, role::kLabels), forward.getLoc());
  addForwardArg(sig->step);
  if (sig->seed)
    addForwardArg(*sig->seed);
  addArg(Float32Type::get(context), roleAttrs(context, role::kLr),
         forward.getLoc());
  for (unsigned arg : llvm::concat<unsigned>(sig->params, sig->state))
    addForwardArg(arg);
  auto paramName = [&](unsigned k) -> std::string {
    StringRef name = argName(forward, sig->params[k]);
    return name.empty() ? ("param" + Twine(k)).str() : name.str();
  };
  for (unsigned k = 0; k < sig->params.size(); ++k)
    for (StringRef slot : slotNames)
      addArg(forwardType.getInput(sig->params[k]),
             roleAttrs(context, role::kSlot, paramName(k) + "/" + slot.str(),
                       "zeros"),
             forward.getArgument(sig->params[k]).getLoc());

  OpBuilder moduleBuilder(context);
  moduleBuilder.setInsertionPointAfter(forward);
  auto train = moduleBuilder.create<func::FuncOp>(
      forward.getLoc(), fn::kTrainStep,
      FunctionType::get(context, argTypes, {}));
  Block *entry = new Block();
  train.getBody().push_back(entry);
  for (unsigned i = 0; i < argTypes.size(); ++i) {
    entry->addArgument(argTypes[i], argLocs[i]);
    train.setArgAttrs(i, argAttrs[i]);
  }
  // A half-built @train_step must not stay behind when a rule fails.
  auto fail = [&]() -> LogicalResult {
    train.erase();
    return failure();
  };

  // The train step's argument positions.
  const unsigned inputArg = 0, labelsArg = 1, stepArg = 2;
  const unsigned seedArg = 3, lrArg = sig->seed ? 4 : 3;
  const unsigned firstParam = lrArg + 1;
  const unsigned firstState = firstParam + sig->params.size();
  const unsigned firstSlot = firstState + sig->state.size();

  // Forward, with every value kept for the backward pass.
  IRMapping map;
  map.map(forward.getArgument(sig->input), entry->getArgument(inputArg));
  map.map(forward.getArgument(sig->step), entry->getArgument(stepArg));
  if (sig->seed)
    map.map(forward.getArgument(*sig->seed), entry->getArgument(seedArg));
  for (auto [k, arg] : llvm::enumerate(sig->params))
    map.map(forward.getArgument(arg), entry->getArgument(firstParam + k));
  for (auto [k, arg] : llvm::enumerate(sig->state))
    map.map(forward.getArgument(arg), entry->getArgument(firstState + k));
  OpBuilder b = OpBuilder::atBlockEnd(entry);
  SmallVector<Operation *> forwardOps;
  Block &forwardBody = forward.getBody().front();
  for (Operation &op : forwardBody.without_terminator())
    forwardOps.push_back(b.clone(op, map));
  Operation *forwardReturn = forwardBody.getTerminator();
  Location outLoc = forwardReturn->getLoc();
  Value logits = map.lookup(forwardReturn->getOperand(0));
  Value labels = entry->getArgument(labelsArg);

  // Loss and metric.
  Value loss = b.create<SoftmaxCrossEntropyOp>(outLoc, logits, labels);
  Value correct = b.create<CorrectCountOp>(outLoc, logits, labels);

  // Backward.
  Differentiator diff(b);
  for (unsigned k = 0; k < sig->params.size(); ++k)
    diff.markVaried(entry->getArgument(firstParam + k));
  diff.propagateVaried(forwardOps);
  if (!diff.isVaried(logits)) {
    forward.emitError()
        << "the logits do not depend on any parameter: nothing to train";
    return fail();
  }
  diff.contribute(logits,
                  b.create<SoftmaxCrossEntropyGradOp>(outLoc, logits, labels),
                  outLoc);
  if (failed(diff.run(forwardOps)))
    return fail();
  for (unsigned k = 0; k < sig->params.size(); ++k) {
    FailureOr<Value> withPenalties =
        addPenalties(b, diff, forward, sig->params[k],
                     entry->getArgument(firstParam + k), loss);
    if (failed(withPenalties))
      return fail();
    loss = *withPenalties;
  }

  // Optimizer updates, one per parameter.
  Value lr = entry->getArgument(lrArg), step = entry->getArgument(stepArg);
  SmallVector<Value> newParams, newSlots;
  for (unsigned k = 0; k < sig->params.size(); ++k) {
    Value param = entry->getArgument(firstParam + k);
    unsigned slot0 = firstSlot + k * slotNames.size();
    auto slot = [&](unsigned i) { return entry->getArgument(slot0 + i); };
    Value grad = diff.gradient(param);
    if (!grad) {
      // Keras warns and skips a variable without gradient; so do we.
      emitWarning(param.getLoc())
          << "parameter '" << paramName(k)
          << "' does not affect the loss; the train step leaves it unchanged";
      newParams.push_back(param);
      for (unsigned i = 0; i < slotNames.size(); ++i)
        newSlots.push_back(slot(i));
      continue;
    }
    Location loc = param.getLoc();
    switch (opt->kind) {
    case Optimizer::Kind::Adam: {
      auto update =
          b.create<AdamUpdateOp>(loc, param, grad, slot(0), slot(1), lr, step,
                                 opt->beta1, opt->beta2, opt->epsilon);
      newParams.push_back(update.getNewParam());
      newSlots.append({update.getNewM(), update.getNewV()});
      break;
    }
    case Optimizer::Kind::Sgd: {
      auto update = b.create<SgdUpdateOp>(loc, param, grad, slot(0), lr,
                                          opt->momentum, opt->nesterov);
      newParams.push_back(update.getNewParam());
      newSlots.push_back(update.getNewVelocity());
      break;
    }
    case Optimizer::Kind::RmsProp: {
      auto update = b.create<RmsPropUpdateOp>(loc, param, grad, slot(0), lr,
                                              opt->rho, opt->epsilon);
      newParams.push_back(update.getNewParam());
      newSlots.push_back(update.getNewMs());
      break;
    }
    }
  }

  // Results: loss, correct, new params, new state, new slots, in the order
  // of the corresponding arguments.
  SmallVector<Value> results = {loss, correct};
  SmallVector<DictionaryAttr> resultAttrs = {
      roleAttrs(context, role::kLoss), roleAttrs(context, role::kCorrect)};
  for (auto [k, value] : llvm::enumerate(newParams)) {
    results.push_back(value);
    resultAttrs.push_back(roleAttrs(context, role::kParam, paramName(k)));
  }
  for (auto [k, arg] : llvm::enumerate(sig->state)) {
    results.push_back(map.lookup(forwardReturn->getOperand(1 + k)));
    resultAttrs.push_back(
        roleAttrs(context, role::kState, argName(forward, arg)));
  }
  for (auto [i, value] : llvm::enumerate(newSlots)) {
    results.push_back(value);
    resultAttrs.push_back(
        roleAttrs(context, role::kSlot, argName(train, firstSlot + i)));
  }
  b.create<func::ReturnOp>(outLoc, results);
  train.setFunctionType(
      FunctionType::get(context, argTypes, ValueRange(results).getTypes()));
  for (auto [i, attrs] : llvm::enumerate(resultAttrs))
    train.setResultAttrs(i, attrs);
  return success();
}

/// kiln-build-train-step (see Passes.td).
struct BuildTrainStepPass
    : kiln::impl::KilnBuildTrainStepBase<BuildTrainStepPass> {
  void runOnOperation() override {
    if (failed(buildTrainStep(getOperation())))
      signalPassFailure();
  }
};

} // namespace

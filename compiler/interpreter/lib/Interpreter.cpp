//===- Interpreter.cpp - Reference interpreter of kiln IR -----------------===//
//
// A function runs as one frame per block: a map from SSA values to their
// runtime values, filled op by op in order. Function arguments and the
// operands of a kernel are not copied (the frame points at the caller's
// values); each computed value is dropped after its last use, so a whole
// network's activations are not all alive at once.
//
//===----------------------------------------------------------------------===//

#include "kiln/Interpreter/Interpreter.h"

#include "kiln/IR/KilnDialect.h"
#include "kiln/IR/KilnOps.h"
#include "kiln/Reference/Ops.h"
#include "kiln/Transforms/Signature.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/SymbolTable.h"
#include "mlir/IR/Verifier.h"
#include "mlir/Interfaces/ControlFlowInterfaces.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Support/FileUtilities.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/DenseSet.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/TypeSwitch.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/raw_ostream.h"

#include <algorithm>
#include <memory>

using namespace kiln;
using namespace kiln::interp;
using mlir::Operation;
using ref::Tensor;

namespace {

/// kiln-fuse's region op, whose semantics are "run the region on these
/// operands", and its terminator. Matched by name so the interpreter does not
/// depend on the op's class; any other registered op that is isolated from
/// above, with one block taking its operands and a return-like terminator,
/// runs the same way (see isRegionCall).
constexpr llvm::StringLiteral kKernelOpName = "kiln.kernel";
constexpr llvm::StringLiteral kYieldOpName = "kiln.yield";

/// kiln-prepare-inference's weight scaling, matched by name (its op class is
/// newer than this library's dialect snapshot).
constexpr llvm::StringLiteral kFoldScaleOpName = "kiln.fold_scale";

/// Whether `op` ends a block and gives its operands as the results of the
/// function or region op around it.
bool isReturnLike(Operation &op) {
  return op.getName().getStringRef() == kYieldOpName ||
         op.hasTrait<mlir::OpTrait::ReturnLike>();
}

/// Whether `op` runs as "its region on its operands": kiln.kernel, or a
/// registered op isolated from above with one region (its form is then
/// checked by runRegionOp).
bool isRegionCall(Operation *op) {
  return op->getName().getStringRef() == kKernelOpName ||
         (op->hasTrait<mlir::OpTrait::IsIsolatedFromAbove>() &&
          op->getNumRegions() == 1);
}

/// The results of one op (or function), in order.
template <typename T> using Values = std::vector<RuntimeValue<T>>;
/// The runtime values of one op's operands, in order.
template <typename T> using Operands = llvm::ArrayRef<const RuntimeValue<T> *>;

//===----------------------------------------------------------------------===//
// Messages
//===----------------------------------------------------------------------===//

/// "LOC: error: MESSAGE", or "error: MESSAGE" when `loc` names no file.
std::string located(mlir::Location loc, const std::string &message) {
  std::string where = formatLocation(loc);
  return (where.empty() ? "" : where + ": ") + "error: " + message;
}

/// An error at `op`. The reference's messages start with the op's mnemonic
/// ("conv2d: ..."); others get the op's full name in front.
ref::Error opError(Operation *op, const std::string &message) {
  llvm::StringRef mnemonic = op->getName().stripDialect();
  bool named = llvm::StringRef(message).starts_with((mnemonic + ":").str());
  return ref::Error{
      located(op->getLoc(),
              named ? "kiln." + message
                    : op->getName().getStringRef().str() + ": " + message)};
}

/// How an MLIR type is described to a user.
std::string typeString(mlir::Type type) {
  std::string text;
  llvm::raw_string_ostream os(text);
  type.print(os);
  return text;
}

/// The slot a value of `type` fills, or an error saying the interpreter has
/// no runtime form for it.
ref::Result<SlotInfo> slotOf(mlir::Type type) {
  SlotInfo slot;
  if (auto tensor = mlir::dyn_cast<mlir::RankedTensorType>(type)) {
    if (tensor.getElementType().isF32()) {
      slot.kind = ValueKind::Tensor;
      slot.dims = toShapeDims(tensor.getShape());
      return slot;
    }
  } else if (type.isF32()) {
    slot.kind = ValueKind::F32;
    return slot;
  } else if (type.isSignlessInteger(64)) {
    slot.kind = ValueKind::I64;
    return slot;
  }
  return ref::Error{"type " + typeString(type) +
                    " has no runtime value (the interpreter handles ranked "
                    "f32 tensors, f32 and i64)"};
}

/// The string attribute `name` of a dictionary, or "".
std::string stringAttr(mlir::DictionaryAttr attrs, llvm::StringRef name) {
  if (!attrs)
    return {};
  if (auto s = attrs.getAs<mlir::StringAttr>(name))
    return s.getValue().str();
  return {};
}

/// Reads `kiln.init_args` (keys of kiln/Transforms/Signature.h) into
/// `slot`, with the defaults PlanBuilder gives the runtime (scale 1, fans
/// 1), so kiln-ref draws from the distribution the executables draw from.
void readInitArgs(mlir::DictionaryAttr attrs, SlotInfo &slot) {
  auto dict = attrs ? attrs.getAs<mlir::DictionaryAttr>(kiln::attr::kInitArgs)
                    : mlir::DictionaryAttr();
  if (!dict)
    return;
  auto text = [&](llvm::StringRef key) {
    auto s = dict.getAs<mlir::StringAttr>(key);
    return s ? s.str() : std::string();
  };
  auto number = [&](llvm::StringRef key, double fallback) {
    mlir::Attribute a = dict.get(key);
    if (auto f = llvm::dyn_cast_or_null<mlir::FloatAttr>(a))
      return f.getValueAsDouble();
    if (auto i = llvm::dyn_cast_or_null<mlir::IntegerAttr>(a))
      return static_cast<double>(i.getInt());
    return fallback;
  };
  namespace keys = kiln::initArgs;
  rt::InitArgs args;
  if (rt::Status s = rt::parseInitArgs(text(keys::kKind), text(keys::kMode),
                                       text(keys::kDistribution), args);
      !s) {
    slot.initArgsError = s.message();
    return;
  }
  args.value = number(keys::kValue, 0);
  args.minval = number(keys::kMinval, 0);
  args.maxval = number(keys::kMaxval, 0);
  args.mean = number(keys::kMean, 0);
  args.stddev = number(keys::kStddev, 0);
  args.scale = number(keys::kScale, 1);
  args.fans.in = number(keys::kFanIn, 1);
  args.fans.out = number(keys::kFanOut, 1);
  slot.initArgs = args;
}

/// The arguments and results of `func`.
ref::Result<Signature> signatureOf(mlir::func::FuncOp func) {
  Signature signature;
  mlir::FunctionType type = func.getFunctionType();
  std::string where = "@" + func.getSymName().str() + ": ";
  for (unsigned i = 0; i < type.getNumInputs(); ++i) {
    ref::Result<SlotInfo> slot = slotOf(type.getInput(i));
    if (!slot.ok())
      return ref::Error{where + "argument #" + std::to_string(i) + ": " +
                        slot.error};
    slot.value.role = stringAttr(func.getArgAttrDict(i), "kiln.role");
    slot.value.name = stringAttr(func.getArgAttrDict(i), "kiln.name");
    slot.value.init = stringAttr(func.getArgAttrDict(i), "kiln.init");
    readInitArgs(func.getArgAttrDict(i), slot.value);
    signature.arguments.push_back(std::move(slot.value));
  }
  for (unsigned i = 0; i < type.getNumResults(); ++i) {
    ref::Result<SlotInfo> slot = slotOf(type.getResult(i));
    if (!slot.ok())
      return ref::Error{where + "result #" + std::to_string(i) + ": " +
                        slot.error};
    slot.value.role = stringAttr(func.getResultAttrDict(i), "kiln.role");
    slot.value.name = stringAttr(func.getResultAttrDict(i), "kiln.name");
    signature.results.push_back(std::move(slot.value));
  }
  return signature;
}

/// An empty string when `value` fits `type`, else what differs.
template <typename T>
std::string checkType(const RuntimeValue<T> &value, mlir::Type type) {
  ref::Result<SlotInfo> slot = slotOf(type);
  if (!slot.ok())
    return slot.error;
  return checkFits(value, slot.value);
}

//===----------------------------------------------------------------------===//
// Attributes
//===----------------------------------------------------------------------===//

/// Element i of an attribute array, 0 past its end. The verifier checks
/// every array's length; this only keeps a wrong one from reading past it.
int64_t at(llvm::ArrayRef<int64_t> a, size_t i) {
  return i < a.size() ? a[i] : 0;
}

/// (H, W) of a 2-element attribute (strides, dilations, windows, extents).
ref::Pair pairOf(llvm::ArrayRef<int64_t> a) { return {at(a, 0), at(a, 1)}; }

/// kiln's (top, bottom, left, right) as the reference's (H, W) pads.
ref::Padding2 pads2Of(llvm::ArrayRef<int64_t> p) {
  return {shape::Pad{at(p, 0), at(p, 1)}, shape::Pad{at(p, 2), at(p, 3)}};
}

/// kiln's (left, right) as one pad.
shape::Pad pad1Of(llvm::ArrayRef<int64_t> p) { return {at(p, 0), at(p, 1)}; }

/// A (before, after) pair per spatial axis, for zero_pad of any rank.
std::vector<shape::Pad> padsOf(llvm::ArrayRef<int64_t> p) {
  std::vector<shape::Pad> pads;
  for (size_t i = 0; i + 1 < p.size(); i += 2)
    pads.push_back({p[i], p[i + 1]});
  return pads;
}

/// An i64 array attribute as the reference's shape type.
ref::Dims dimsOf(llvm::ArrayRef<int64_t> a) {
  return ref::Dims(a.begin(), a.end());
}

/// An f32 attribute's value, widened exactly.
double valueOf(mlir::FloatAttr attr) { return attr.getValueAsDouble(); }

//===----------------------------------------------------------------------===//
// Results
//===----------------------------------------------------------------------===//

/// The single result of a reference function as the op's result list.
template <typename T> ref::Result<Values<T>> one(ref::Result<Tensor<T>> r) {
  if (!r.ok())
    return ref::Error{r.error};
  Values<T> values;
  values.emplace_back(std::move(r.value));
  return values;
}

/// The fields of a multi-result reference function, in the op's result
/// order.
template <typename T, typename R, typename... Fields>
ref::Result<Values<T>> many(ref::Result<R> r, Fields... fields) {
  if (!r.ok())
    return ref::Error{r.error};
  Values<T> values;
  (values.emplace_back(std::move(r.value.*fields)), ...);
  return values;
}

//===----------------------------------------------------------------------===//
// kiln ops
//===----------------------------------------------------------------------===//

/// Runs one kiln op with the reference function of the same name. Operands
/// are positional, in the op's ODS order; their kinds match the op's types
/// (checked when each value was made).
template <typename T>
ref::Result<Values<T>> evalKilnOp(Operation *op, Operands<T> operands) {
  auto t = [&](size_t i) -> const Tensor<T> & {
    return operands[i]->getTensor();
  };
  auto f32 = [&](size_t i) { return operands[i]->getF32(); };
  auto i64 = [&](size_t i) { return operands[i]->getI64(); };
  using R = ref::Result<Values<T>>;
  using BN = ref::BatchNormTrainResult<T>;
  using BNGrad = ref::BatchNormGradResult<T>;

  return llvm::TypeSwitch<Operation *, R>(op)
      // Forward.
      .Case([&](Conv2DOp o) {
        return one(ref::conv2d(t(0), t(1), pairOf(o.getStrides()),
                               pairOf(o.getDilations()),
                               pads2Of(o.getPadding())));
      })
      .Case([&](Conv1DOp o) {
        return one(ref::conv1d(t(0), t(1), o.getStride(), o.getDilation(),
                               pad1Of(o.getPadding())));
      })
      .Case([&](DenseOp) { return one(ref::dense(t(0), t(1))); })
      .Case([&](BiasAddOp) { return one(ref::biasAdd(t(0), t(1))); })
      .Case([&](ReluOp) { return one(ref::relu(t(0))); })
      .Case([&](GeluOp) { return one(ref::gelu(t(0))); })
      .Case([&](SigmoidOp) { return one(ref::sigmoid(t(0))); })
      .Case([&](TanhOp) { return one(ref::tanh(t(0))); })
      .Case([&](SoftmaxOp) { return one(ref::softmax(t(0))); })
      .Case([&](MaxPool2DOp o) {
        return one(ref::maxPool2d(t(0), pairOf(o.getWindow()),
                                  pairOf(o.getStrides()),
                                  pads2Of(o.getPadding())));
      })
      .Case([&](AvgPool2DOp o) {
        return one(ref::avgPool2d(t(0), pairOf(o.getWindow()),
                                  pairOf(o.getStrides()),
                                  pads2Of(o.getPadding())));
      })
      .Case([&](MaxPool1DOp o) {
        return one(ref::maxPool1d(t(0), o.getWindow(), o.getStride(),
                                  pad1Of(o.getPadding())));
      })
      .Case([&](AvgPool1DOp o) {
        return one(ref::avgPool1d(t(0), o.getWindow(), o.getStride(),
                                  pad1Of(o.getPadding())));
      })
      .Case([&](GlobalAvgPoolOp) { return one(ref::globalAvgPool(t(0))); })
      .Case([&](BatchNormTrainOp o) {
        return many<T>(
            ref::batchNormTrain(t(0), t(1), t(2), valueOf(o.getEpsilonAttr())),
            &BN::y, &BN::mean, &BN::variance);
      })
      .Case([&](BatchNormInferOp o) {
        return one(ref::batchNormInfer(t(0), t(1), t(2), t(3), t(4),
                                       valueOf(o.getEpsilonAttr())));
      })
      .Case([&](MovingAverageOp o) {
        return one(
            ref::movingAverage(t(0), t(1), valueOf(o.getMomentumAttr())));
      })
      .Case([&](DropoutOp o) {
        return many<T>(ref::dropout(t(0), i64(1), valueOf(o.getRateAttr()),
                                    i64(2), o.getStreamAttr().getInt()),
                       &ref::DropoutResult<T>::y, &ref::DropoutResult<T>::mask);
      })
      .Case([&](MulOp) { return one(ref::mul(t(0), t(1))); })
      .Case([&](AddOp) { return one(ref::add(t(0), t(1))); })
      .Case([&](ConcatOp o) {
        std::vector<Tensor<T>> inputs;
        inputs.reserve(operands.size());
        for (size_t i = 0; i < operands.size(); ++i)
          inputs.push_back(t(i));
        return one(ref::concat(inputs, o.getAxisAttr().getInt()));
      })
      .Case([&](FlattenOp) { return one(ref::flatten(t(0))); })
      .Case([&](ReshapeOp o) {
        return one(ref::reshape(t(0), dimsOf(o.getShape())));
      })
      .Case([&](ZeroPadOp o) {
        return one(ref::zeroPad(t(0), padsOf(o.getPadding())));
      })
      .Case([&](SliceOp o) {
        return one(
            ref::slice(t(0), dimsOf(o.getOffsets()), dimsOf(o.getSizes())));
      })
      // Loss and metrics.
      .Case([&](SoftmaxCrossEntropyOp) {
        return one(ref::softmaxCrossEntropy(t(0), t(1)));
      })
      .Case([&](CorrectCountOp) { return one(ref::correctCount(t(0), t(1))); })
      .Case([&](L2PenaltyOp o) {
        return one(ref::l2Penalty(t(0), valueOf(o.getScaleAttr())));
      })
      .Case([&](L1PenaltyOp o) {
        return one(ref::l1Penalty(t(0), valueOf(o.getScaleAttr())));
      })
      // Backward.
      .Case([&](Conv2DGradInputOp o) {
        return one(ref::conv2dGradInput(
            t(0), t(1), pairOf(o.getStrides()), pairOf(o.getDilations()),
            pads2Of(o.getPadding()), pairOf(o.getInputHw())));
      })
      .Case([&](Conv2DGradFilterOp o) {
        return one(ref::conv2dGradFilter(
            t(0), t(1), pairOf(o.getStrides()), pairOf(o.getDilations()),
            pads2Of(o.getPadding()), pairOf(o.getKernelHw())));
      })
      .Case([&](Conv1DGradInputOp o) {
        return one(ref::conv1dGradInput(t(0), t(1), o.getStride(),
                                        o.getDilation(), pad1Of(o.getPadding()),
                                        o.getInputW()));
      })
      .Case([&](Conv1DGradFilterOp o) {
        return one(
            ref::conv1dGradFilter(t(0), t(1), o.getStride(), o.getDilation(),
                                  pad1Of(o.getPadding()), o.getKernelW()));
      })
      .Case([&](DenseGradInputOp) {
        return one(ref::denseGradInput(t(0), t(1)));
      })
      .Case([&](DenseGradWeightsOp) {
        return one(ref::denseGradWeights(t(0), t(1)));
      })
      .Case([&](BiasGradOp) { return one(ref::biasGrad(t(0))); })
      .Case([&](ReluGradOp) { return one(ref::reluGrad(t(0), t(1))); })
      .Case([&](GeluGradOp) { return one(ref::geluGrad(t(0), t(1))); })
      .Case([&](SigmoidGradOp) { return one(ref::sigmoidGrad(t(0), t(1))); })
      .Case([&](TanhGradOp) { return one(ref::tanhGrad(t(0), t(1))); })
      .Case([&](SoftmaxGradOp) { return one(ref::softmaxGrad(t(0), t(1))); })
      .Case([&](MaxPool2DGradOp o) {
        return one(ref::maxPool2dGrad(t(0), t(1), pairOf(o.getWindow()),
                                      pairOf(o.getStrides()),
                                      pads2Of(o.getPadding())));
      })
      .Case([&](AvgPool2DGradOp o) {
        return one(ref::avgPool2dGrad(
            t(0), pairOf(o.getWindow()), pairOf(o.getStrides()),
            pads2Of(o.getPadding()), pairOf(o.getInputHw())));
      })
      .Case([&](MaxPool1DGradOp o) {
        return one(ref::maxPool1dGrad(t(0), t(1), o.getWindow(), o.getStride(),
                                      pad1Of(o.getPadding())));
      })
      .Case([&](AvgPool1DGradOp o) {
        return one(ref::avgPool1dGrad(t(0), o.getWindow(), o.getStride(),
                                      pad1Of(o.getPadding()), o.getInputW()));
      })
      .Case([&](GlobalAvgPoolGradOp o) {
        return one(ref::globalAvgPoolGrad(t(0), dimsOf(o.getInputShape())));
      })
      .Case([&](BatchNormTrainGradOp o) {
        return many<T>(ref::batchNormTrainGrad(t(0), t(1), t(2), t(3), t(4),
                                               valueOf(o.getEpsilonAttr())),
                       &BNGrad::gradX, &BNGrad::gradGamma, &BNGrad::gradBeta);
      })
      .Case([&](SoftmaxCrossEntropyGradOp) {
        return one(ref::softmaxCrossEntropyGrad(t(0), t(1)));
      })
      .Case([&](L2PenaltyGradOp o) {
        return one(ref::l2PenaltyGrad(t(0), valueOf(o.getScaleAttr())));
      })
      .Case([&](L1PenaltyGradOp o) {
        return one(ref::l1PenaltyGrad(t(0), valueOf(o.getScaleAttr())));
      })
      // Optimizer updates.
      .Case([&](SgdUpdateOp o) {
        return many<T>(ref::sgdUpdate(t(0), t(1), t(2), f32(3),
                                      valueOf(o.getMomentumAttr()),
                                      o.getNesterov()),
                       &ref::SgdResult<T>::param, &ref::SgdResult<T>::velocity);
      })
      .Case([&](AdamUpdateOp o) {
        return many<T>(ref::adamUpdate(t(0), t(1), t(2), t(3), f32(4), i64(5),
                                       valueOf(o.getBeta1Attr()),
                                       valueOf(o.getBeta2Attr()),
                                       valueOf(o.getEpsilonAttr())),
                       &ref::AdamResult<T>::param, &ref::AdamResult<T>::m,
                       &ref::AdamResult<T>::v);
      })
      .Case([&](RmsPropUpdateOp o) {
        return many<T>(ref::rmspropUpdate(t(0), t(1), t(2), f32(3),
                                          valueOf(o.getRhoAttr()),
                                          valueOf(o.getEpsilonAttr())),
                       &ref::RmspropResult<T>::param,
                       &ref::RmspropResult<T>::ms);
      })
      .Default([&](Operation *) -> R {
        return ref::Error{"the interpreter has no definition of this op"};
      });
}

/// kiln.fold_scale(input, gamma, variance) {epsilon}: each output channel
/// (innermost) scaled by gamma / sqrt(variance + epsilon). That is
/// batch_norm_infer with zero mean and zero offset, so the reference's
/// definition of batch_norm_infer defines it too.
template <typename T>
ref::Result<Values<T>> evalFoldScale(Operation *op, Operands<T> operands) {
  auto epsilon = op->getAttrOfType<mlir::FloatAttr>("epsilon");
  if (operands.size() != 3 || !epsilon)
    return ref::Error{"needs operands (input, gamma, variance) and an f32 "
                      "'epsilon'"};
  const Tensor<T> &gamma = operands[1]->getTensor();
  Tensor<T> zeros(gamma.shape());
  return one(ref::batchNormInfer(operands[0]->getTensor(), gamma, zeros, zeros,
                                 operands[2]->getTensor(), valueOf(epsilon)));
}

/// The value of an arith.constant: a dense f32 tensor, an f32 or an i64.
template <typename T>
ref::Result<Values<T>> evalConstant(mlir::arith::ConstantOp op) {
  mlir::TypedAttr attr = op.getValue();
  Values<T> values;
  if (auto dense = mlir::dyn_cast<mlir::DenseFPElementsAttr>(attr)) {
    auto type = mlir::dyn_cast<mlir::RankedTensorType>(dense.getType());
    if (type && type.getElementType().isF32() && type.hasStaticShape()) {
      std::vector<T> data;
      data.reserve(dense.getNumElements());
      for (float v : dense.getValues<float>())
        data.push_back(static_cast<T>(v));
      values.emplace_back(
          Tensor<T>(toShapeDims(type.getShape()), std::move(data)));
      return values;
    }
  } else if (auto f = mlir::dyn_cast<mlir::FloatAttr>(attr)) {
    if (f.getType().isF32()) {
      values.push_back(RuntimeValue<T>::f32(f.getValueAsDouble()));
      return values;
    }
  } else if (auto i = mlir::dyn_cast<mlir::IntegerAttr>(attr)) {
    if (i.getType().isSignlessInteger(64)) {
      values.push_back(RuntimeValue<T>::i64(i.getInt()));
      return values;
    }
  }
  return ref::Error{"constant of type " + typeString(attr.getType()) +
                    " is not supported (dense f32 tensors, f32 and i64 are)"};
}

//===----------------------------------------------------------------------===//
// Execution
//===----------------------------------------------------------------------===//

/// Runs blocks, one frame each, reporting every op to the observer.
template <typename T> class Executor {
public:
  explicit Executor(const OpObserver<T> &observer) : observer(observer) {}

  /// Runs `func` with `args` (already checked against its signature).
  ref::Result<Values<T>> callFunction(mlir::func::FuncOp func, Operands<T> args,
                                      int depth);

  /// Runs one non-terminator op on `operands`, checks its results against
  /// the op's result types and shows them to the observer.
  ref::Result<Values<T>> runOp(Operation &op, Operands<T> operands, int depth);

private:
  /// The runtime value of one SSA value in a frame.
  struct Slot {
    const RuntimeValue<T> *value = nullptr;
    /// Set when the frame computed the value (not an argument it was given).
    std::unique_ptr<RuntimeValue<T>> owned;
    /// Uses not executed yet; the value is dropped when this reaches 0.
    unsigned pendingUses = 0;
  };
  using Frame = llvm::DenseMap<mlir::Value, Slot>;

  /// Runs `block` with its arguments bound to `args` until its terminator
  /// (func.return or kiln.yield), whose operands are the results.
  ref::Result<Values<T>> runBlock(mlir::Block &block, Operands<T> args,
                                  int depth);
  /// Runs one non-terminator op; errors carry their location.
  ref::Result<Values<T>> execute(Operation *op, Operands<T> operands,
                                 int depth);
  /// func.call: runs the callee in a new frame.
  ref::Result<Values<T>> call(mlir::func::CallOp op, Operands<T> operands,
                              int depth);
  /// kiln.kernel (or another isRegionCall op): runs its single-block region
  /// with the operands as block arguments.
  ref::Result<Values<T>> runRegionOp(Operation *op, Operands<T> operands,
                                     int depth);

  static void bind(Frame &frame, mlir::Value value, const RuntimeValue<T> *v,
                   std::unique_ptr<RuntimeValue<T>> owned);

  const OpObserver<T> &observer;
};

template <typename T>
void Executor<T>::bind(Frame &frame, mlir::Value value,
                       const RuntimeValue<T> *v,
                       std::unique_ptr<RuntimeValue<T>> owned) {
  unsigned uses =
      static_cast<unsigned>(std::distance(value.use_begin(), value.use_end()));
  if (uses == 0)
    return; // Never read: a computed value is dropped right away.
  Slot &slot = frame[value];
  slot.value = owned ? owned.get() : v;
  slot.owned = std::move(owned);
  slot.pendingUses = uses;
}

template <typename T>
ref::Result<Values<T>> Executor<T>::callFunction(mlir::func::FuncOp func,
                                                 Operands<T> args, int depth) {
  std::string name = "@" + func.getSymName().str();
  if (depth > kMaxCallDepth)
    return ref::Error{located(func.getLoc(), name +
                                                 ": calls nest deeper than " +
                                                 std::to_string(kMaxCallDepth) +
                                                 " (is it recursive?)")};
  if (func.isExternal())
    return ref::Error{
        located(func.getLoc(), name + " is a declaration without a body")};
  if (!llvm::hasSingleElement(func.getBody()))
    return ref::Error{located(
        func.getLoc(),
        name + " has more than one block; the interpreter runs "
               "straight-line functions (kiln IR has no control flow)")};
  return runBlock(func.getBody().front(), args, depth);
}

template <typename T>
ref::Result<Values<T>> Executor<T>::runBlock(mlir::Block &block,
                                             Operands<T> args, int depth) {
  Frame frame;
  for (auto [arg, value] : llvm::zip_equal(block.getArguments(), args))
    bind(frame, arg, value, nullptr);

  llvm::SmallVector<const RuntimeValue<T> *, 8> operands;
  for (Operation &op : block) {
    operands.clear();
    for (auto [i, v] : llvm::enumerate(op.getOperands())) {
      auto it = frame.find(v);
      if (it == frame.end())
        return opError(&op, "operand #" + std::to_string(i) +
                                " is not defined in this region (a "
                                "kiln.kernel region sees only its block "
                                "arguments)");
      operands.push_back(it->second.value);
    }

    bool isTerminator = &op == &block.back();
    if (isTerminator) {
      if (!isReturnLike(op))
        return opError(&op, "a block must end in func.return or kiln.yield");
      // The terminator's operands are the results; a value used last here
      // is moved out instead of copied.
      Values<T> results;
      for (mlir::Value v : op.getOperands()) {
        Slot &slot = frame[v];
        if (slot.owned && slot.pendingUses == 1)
          results.push_back(std::move(*slot.owned));
        else
          results.push_back(*slot.value);
        --slot.pendingUses;
      }
      return results;
    }

    ref::Result<Values<T>> results = runOp(op, operands, depth);
    if (!results.ok())
      return results;

    for (mlir::Value v : op.getOperands()) {
      auto it = frame.find(v);
      if (it != frame.end() && --it->second.pendingUses == 0)
        frame.erase(it);
    }
    for (auto [result, value] : llvm::zip_equal(op.getResults(), results.value))
      bind(frame, result, nullptr,
           std::make_unique<RuntimeValue<T>>(std::move(value)));
  }
  return ref::Error{
      located(block.getParentOp()->getLoc(), "a block without a terminator")};
}

template <typename T>
ref::Result<Values<T>> Executor<T>::runOp(Operation &op, Operands<T> operands,
                                          int depth) {
  ref::Result<Values<T>> results = execute(&op, operands, depth);
  if (!results.ok())
    return results;
  if (results.value.size() != op.getNumResults())
    return opError(&op, "produced " + std::to_string(results.value.size()) +
                            " values for " +
                            std::to_string(op.getNumResults()) + " results");
  for (auto [i, result] : llvm::enumerate(op.getResults())) {
    std::string mismatch = checkType(results.value[i], result.getType());
    if (!mismatch.empty())
      return opError(&op, "result #" + std::to_string(i) + " " + mismatch);
  }
  if (observer)
    observer(&op, operands, results.value);
  return results;
}

template <typename T>
ref::Result<Values<T>> Executor<T>::execute(Operation *op, Operands<T> operands,
                                            int depth) {
  if (auto callOp = mlir::dyn_cast<mlir::func::CallOp>(op))
    return call(callOp, operands, depth);
  if (isRegionCall(op))
    return runRegionOp(op, operands, depth);
  ref::Result<Values<T>> results;
  if (auto constant = mlir::dyn_cast<mlir::arith::ConstantOp>(op))
    results = evalConstant<T>(constant);
  else if (op->getName().getStringRef() == kFoldScaleOpName)
    results = evalFoldScale<T>(op, operands);
  else if (mlir::isa<KilnDialect>(op->getDialect()))
    results = evalKilnOp<T>(op, operands);
  else
    return opError(op, "unsupported op (the interpreter runs kiln ops, "
                       "kiln.kernel regions, func.call, func.return and "
                       "arith.constant)");
  if (!results.ok())
    return opError(op, results.error);
  return results;
}

template <typename T>
ref::Result<Values<T>> Executor<T>::call(mlir::func::CallOp op,
                                         Operands<T> operands, int depth) {
  auto callee = mlir::SymbolTable::lookupNearestSymbolFrom<mlir::func::FuncOp>(
      op, op.getCalleeAttr());
  if (!callee)
    return opError(op, "no function @" + op.getCallee().str());
  ref::Result<Values<T>> results = callFunction(callee, operands, depth + 1);
  if (!results.ok()) {
    std::string where = formatLocation(op.getLoc());
    results.error += "\n" + (where.empty() ? "" : where + ": ") +
                     "note: in the call to @" + op.getCallee().str();
  }
  return results;
}

template <typename T>
ref::Result<Values<T>>
Executor<T>::runRegionOp(Operation *op, Operands<T> operands, int depth) {
  if (op->getNumRegions() != 1 || !llvm::hasSingleElement(op->getRegion(0)))
    return opError(op, "needs exactly one region with one block");
  mlir::Block &body = op->getRegion(0).front();
  if (body.getNumArguments() != operands.size())
    return opError(op, "its region has " +
                           std::to_string(body.getNumArguments()) +
                           " block arguments for " +
                           std::to_string(operands.size()) + " operands");
  if (body.empty() || !isReturnLike(body.back()) ||
      body.back().getNumOperands() != op->getNumResults())
    return opError(op, "its region must end in kiln.yield of its " +
                           std::to_string(op->getNumResults()) + " results");
  for (auto [i, arg] : llvm::enumerate(body.getArguments())) {
    std::string mismatch = checkType(*operands[i], arg.getType());
    if (!mismatch.empty())
      return opError(op,
                     "block argument #" + std::to_string(i) + " " + mismatch);
  }
  return runBlock(body, operands, depth);
}

} // namespace

//===----------------------------------------------------------------------===//
// Public interface
//===----------------------------------------------------------------------===//

void kiln::interp::registerInterpreterDialects(mlir::MLIRContext &context) {
  context.loadDialect<KilnDialect, mlir::func::FuncDialect,
                      mlir::arith::ArithDialect>();
}

namespace {
/// Parses the only buffer of `sourceMgr`, collecting MLIR's diagnostics.
ref::Result<mlir::OwningOpRef<mlir::ModuleOp>>
parseSource(llvm::SourceMgr &sourceMgr, mlir::MLIRContext &context) {
  std::string diagnostics;
  llvm::raw_string_ostream os(diagnostics);
  mlir::SourceMgrDiagnosticHandler handler(sourceMgr, &context, os);
  mlir::OwningOpRef<mlir::ModuleOp> module =
      mlir::parseSourceFile<mlir::ModuleOp>(sourceMgr,
                                            mlir::ParserConfig(&context));
  if (!module) {
    os.flush();
    while (!diagnostics.empty() && diagnostics.back() == '\n')
      diagnostics.pop_back();
    return ref::Error{diagnostics.empty() ? "the module does not parse"
                                          : diagnostics};
  }
  return ref::Result<mlir::OwningOpRef<mlir::ModuleOp>>(std::move(module));
}
} // namespace

ref::Result<mlir::OwningOpRef<mlir::ModuleOp>>
kiln::interp::parseModuleFile(llvm::StringRef path,
                              mlir::MLIRContext &context) {
  std::string error;
  std::unique_ptr<llvm::MemoryBuffer> file = mlir::openInputFile(path, &error);
  if (!file)
    return ref::Error{path.str() + ": " + error};
  llvm::SourceMgr sourceMgr;
  sourceMgr.AddNewSourceBuffer(std::move(file), llvm::SMLoc());
  return parseSource(sourceMgr, context);
}

ref::Result<mlir::OwningOpRef<mlir::ModuleOp>> kiln::interp::parseModuleString(
    llvm::StringRef source, mlir::MLIRContext &context, llvm::StringRef name) {
  llvm::SourceMgr sourceMgr;
  sourceMgr.AddNewSourceBuffer(
      llvm::MemoryBuffer::getMemBufferCopy(source, name), llvm::SMLoc());
  return parseSource(sourceMgr, context);
}

std::string kiln::interp::formatLocation(mlir::Location loc) {
  if (auto file = loc->findInstanceOf<mlir::FileLineColLoc>())
    return file.getFilename().str() + ":" + std::to_string(file.getLine()) +
           ":" + std::to_string(file.getColumn());
  return {};
}

Interpreter::Interpreter(mlir::ModuleOp module) : module(module) {
  std::string messages;
  mlir::ScopedDiagnosticHandler handler(
      module.getContext(), [&](mlir::Diagnostic &diagnostic) {
        if (!messages.empty())
          messages += "\n";
        messages += located(diagnostic.getLocation(), diagnostic.str());
        return mlir::success();
      });
  if (mlir::failed(mlir::verify(module)))
    verifyError = messages.empty() ? "the module does not verify" : messages;
}

ref::Result<Signature> Interpreter::signature(llvm::StringRef name) const {
  // Op handles are values; a copy gives the non-const one lookup needs.
  mlir::ModuleOp m = module;
  auto func = m.lookupSymbol<mlir::func::FuncOp>(name);
  if (!func) {
    std::string known;
    for (auto f : m.getOps<mlir::func::FuncOp>())
      known += (known.empty() ? "@" : ", @") + f.getSymName().str();
    return ref::Error{"no function @" + name.str() + " in the module" +
                      (known.empty() ? "" : " (it has " + known + ")")};
  }
  return signatureOf(func);
}

template <typename T>
ref::Result<mlir::func::FuncOp>
Interpreter::checkInputs(llvm::StringRef name,
                         llvm::ArrayRef<RuntimeValue<T>> inputs) const {
  if (!verifyError.empty())
    return ref::Error{verifyError};
  ref::Result<Signature> sig = signature(name);
  if (!sig.ok())
    return ref::Error{sig.error};
  const std::vector<SlotInfo> &arguments = sig.value.arguments;
  std::string where = "@" + name.str() + ": ";
  if (inputs.size() != arguments.size())
    return ref::Error{where + "takes " + std::to_string(arguments.size()) +
                      " arguments, got " + std::to_string(inputs.size())};
  for (size_t i = 0; i < inputs.size(); ++i) {
    std::string mismatch = checkFits(inputs[i], arguments[i]);
    if (!mismatch.empty())
      return ref::Error{where + arguments[i].describe("argument", i) + " " +
                        mismatch};
  }
  mlir::ModuleOp m = module;
  return m.lookupSymbol<mlir::func::FuncOp>(name);
}

template <typename T>
ref::Result<std::vector<RuntimeValue<T>>>
Interpreter::run(llvm::StringRef name, llvm::ArrayRef<RuntimeValue<T>> inputs,
                 const OpObserver<T> &observer) const {
  ref::Result<mlir::func::FuncOp> func = checkInputs(name, inputs);
  if (!func.ok())
    return ref::Error{func.error};
  std::vector<const RuntimeValue<T> *> args;
  for (const RuntimeValue<T> &input : inputs)
    args.push_back(&input);
  Executor<T> executor(observer);
  return executor.callFunction(func.value, args, 0);
}

//===----------------------------------------------------------------------===//
// Reevaluator
//===----------------------------------------------------------------------===//

template <typename T>
ref::Result<Reevaluator<T>>
Reevaluator<T>::create(const Interpreter &interpreter, llvm::StringRef name,
                       std::vector<RuntimeValue<T>> inputs,
                       std::vector<unsigned> wanted) {
  ref::Result<mlir::func::FuncOp> func =
      interpreter.checkInputs(name, llvm::ArrayRef<RuntimeValue<T>>(inputs));
  if (!func.ok())
    return ref::Error{func.error};
  std::string where = "@" + name.str() + ": ";
  if (func.value.isExternal() || !llvm::hasSingleElement(func.value.getBody()))
    return ref::Error{where + "re-evaluation needs a body of one block"};
  mlir::Block &block = func.value.getBody().front();
  Operation *terminator = &block.back();
  if (!isReturnLike(*terminator))
    return opError(terminator, "a block must end in func.return");
  for (unsigned index : wanted)
    if (index >= terminator->getNumOperands())
      return ref::Error{where + "has no result #" + std::to_string(index)};

  Reevaluator<T> r;
  r.func = func.value;
  r.wanted = std::move(wanted);
  // The slice: the ops the wanted results depend on, found backwards from
  // the terminator's operands.
  llvm::DenseSet<mlir::Value> needed;
  for (unsigned index : r.wanted)
    needed.insert(terminator->getOperand(index));
  for (Operation &op : llvm::reverse(block.without_terminator())) {
    if (llvm::none_of(op.getResults(),
                      [&](mlir::Value v) { return needed.contains(v); }))
      continue;
    r.slice.push_back(&op);
    needed.insert(op.operand_begin(), op.operand_end());
  }
  std::reverse(r.slice.begin(), r.slice.end());

  // The first run, keeping every value of the slice.
  for (auto [arg, input] : llvm::zip_equal(block.getArguments(), inputs))
    r.base.try_emplace(arg, std::move(input));
  OpObserver<T> noObserver;
  Executor<T> executor(noObserver);
  llvm::SmallVector<const RuntimeValue<T> *, 8> operands;
  for (Operation *op : r.slice) {
    operands.clear();
    for (mlir::Value v : op->getOperands())
      operands.push_back(&r.base.find(v)->second);
    ref::Result<Values<T>> results = executor.runOp(*op, operands, 0);
    if (!results.ok())
      return ref::Error{results.error};
    for (auto [result, value] :
         llvm::zip_equal(op->getResults(), results.value))
      r.base.try_emplace(result, std::move(value));
  }
  for (unsigned index : r.wanted)
    r.baseResults.push_back(r.base.find(terminator->getOperand(index))->second);
  return r;
}

template <typename T>
ref::Result<std::vector<RuntimeValue<T>>>
Reevaluator<T>::rerun(unsigned argument, const RuntimeValue<T> &value) const {
  // Op handles are values; a copy gives the non-const one accessors need.
  mlir::func::FuncOp func = this->func;
  mlir::Block &block = func.getBody().front();
  std::string where = "@" + func.getSymName().str() + ": ";
  if (argument >= block.getNumArguments())
    return ref::Error{where + "has no argument #" + std::to_string(argument)};
  mlir::BlockArgument arg = block.getArgument(argument);
  std::string mismatch = checkType(value, arg.getType());
  if (!mismatch.empty())
    return ref::Error{where + "argument #" + std::to_string(argument) + " " +
                      mismatch};
  // Values that differ from the first run's; the rest are read from it.
  llvm::DenseMap<mlir::Value, const RuntimeValue<T> *> changed;
  std::vector<std::unique_ptr<RuntimeValue<T>>> owned;
  changed[arg] = &value;
  auto lookup = [&](mlir::Value v) {
    auto it = changed.find(v);
    return it != changed.end() ? it->second : &base.find(v)->second;
  };
  OpObserver<T> noObserver;
  Executor<T> executor(noObserver);
  llvm::SmallVector<const RuntimeValue<T> *, 8> operands;
  for (Operation *op : slice) {
    if (llvm::none_of(op->getOperands(),
                      [&](mlir::Value v) { return changed.contains(v); }))
      continue;
    operands.clear();
    for (mlir::Value v : op->getOperands())
      operands.push_back(lookup(v));
    ref::Result<Values<T>> results = executor.runOp(*op, operands, 0);
    if (!results.ok())
      return ref::Error{results.error};
    for (auto [result, v] : llvm::zip_equal(op->getResults(), results.value)) {
      owned.push_back(std::make_unique<RuntimeValue<T>>(std::move(v)));
      changed[result] = owned.back().get();
    }
  }
  std::vector<RuntimeValue<T>> results;
  for (unsigned index : wanted)
    results.push_back(*lookup(block.getTerminator()->getOperand(index)));
  return results;
}

template class kiln::interp::Reevaluator<float>;
template class kiln::interp::Reevaluator<double>;

template ref::Result<std::vector<RuntimeValue<float>>>
Interpreter::run(llvm::StringRef, llvm::ArrayRef<RuntimeValue<float>>,
                 const OpObserver<float> &) const;
template ref::Result<std::vector<RuntimeValue<double>>>
Interpreter::run(llvm::StringRef, llvm::ArrayRef<RuntimeValue<double>>,
                 const OpObserver<double> &) const;
template ref::Result<mlir::func::FuncOp>
    Interpreter::checkInputs(llvm::StringRef,
                             llvm::ArrayRef<RuntimeValue<float>>) const;
template ref::Result<mlir::func::FuncOp>
    Interpreter::checkInputs(llvm::StringRef,
                             llvm::ArrayRef<RuntimeValue<double>>) const;

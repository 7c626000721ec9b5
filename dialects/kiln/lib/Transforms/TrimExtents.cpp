//===- TrimExtents.cpp - Stop computing spatial tails nothing reads -------===//
//
// kiln-trim-extents: 'valid' window ops floor their output extent, so a
// pooling of 2 over 27 steps never reads step 26, and the convolution that
// made it need not compute it. A backward walk over @forward gives every
// value the prefix of each spatial axis that its users read; a forward walk
// rebuilds the window and elementwise ops on those prefixes. Elements outside
// a prefix are never read by anything, so no element that is still computed
// changes and neither does any gradient (the tail's were zero).
//
//===----------------------------------------------------------------------===//

#include "kiln/IR/KilnOps.h"
#include "kiln/Transforms/Passes.h"
#include "kiln/Transforms/Signature.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/IRMapping.h"
#include "llvm/ADT/TypeSwitch.h"

namespace kiln {
#define GEN_PASS_DEF_KILNTRIMEXTENTS
#include "kiln/Transforms/Passes.h.inc"
} // namespace kiln

using namespace mlir;
using namespace kiln;

namespace {

/// Per spatial axis (every axis but the batch and the channels), a length.
using Extents = SmallVector<int64_t, 2>;

/// The spatial extents of `value`, or none if it is not a ranked tensor with
/// static spatial extents (then it is never cut).
std::optional<Extents> spatialExtents(Value value) {
  auto type = dyn_cast<RankedTensorType>(value.getType());
  if (!type || type.getRank() < 3)
    return std::nullopt;
  Extents extents(type.getShape().begin() + 1, type.getShape().end() - 1);
  if (llvm::any_of(extents, ShapedType::isDynamic))
    return std::nullopt;
  return extents;
}

/// How a window op maps its input (operand 0) to its output along each
/// spatial axis: output element o reads padded input [o * stride, o * stride
/// + span), i.e. input [o * stride - before, ...).
struct Windows {
  Extents span, stride, before, after;
};

/// Appends one axis to `w`.
void addAxis(Windows &w, int64_t span, int64_t stride, int64_t before,
             int64_t after) {
  w.span.push_back(span);
  w.stride.push_back(stride);
  w.before.push_back(before);
  w.after.push_back(after);
}

/// The windows of a convolution or pooling; none for any other op.
std::optional<Windows> windowsOf(Operation *op) {
  // Padding lists (before, after) per axis, axis after axis.
  auto fromPadded = [](ArrayRef<int64_t> spans, ArrayRef<int64_t> strides,
                       ArrayRef<int64_t> padding) {
    Windows w;
    for (size_t a = 0; a < spans.size(); ++a)
      addAxis(w, spans[a], strides[a], padding[2 * a], padding[2 * a + 1]);
    return w;
  };
  return llvm::TypeSwitch<Operation *, std::optional<Windows>>(op)
      .Case([&](Conv2DOp o) -> std::optional<Windows> {
        ArrayRef<int64_t> filter =
            cast<RankedTensorType>(o.getFilter().getType()).getShape();
        int64_t spans[2];
        for (int a = 0; a < 2; ++a)
          spans[a] = o.getDilations()[a] * (filter[a] - 1) + 1;
        return fromPadded(spans, o.getStrides(), o.getPadding());
      })
      .Case([&](Conv1DOp o) -> std::optional<Windows> {
        int64_t k =
            cast<RankedTensorType>(o.getFilter().getType()).getDimSize(0);
        int64_t span = o.getDilation() * (k - 1) + 1;
        int64_t stride = o.getStride();
        return fromPadded(span, stride, o.getPadding());
      })
      .Case<MaxPool2DOp, AvgPool2DOp>([&](auto o) -> std::optional<Windows> {
        return fromPadded(o.getWindow(), o.getStrides(), o.getPadding());
      })
      .Case<MaxPool1DOp, AvgPool1DOp>([&](auto o) -> std::optional<Windows> {
        int64_t window = o.getWindow(), stride = o.getStride();
        return fromPadded(window, stride, o.getPadding());
      })
      .Default([](Operation *) { return std::nullopt; });
}

/// Ops whose result's prefix needs the same prefix of every operand of the
/// result's rank.
bool isElementwise(Operation *op) { return op->hasTrait<kiln::Positionwise>(); }

class TrimExtentsPass
    : public kiln::impl::KilnTrimExtentsBase<TrimExtentsPass> {
public:
  void runOnOperation() override {
    auto forward = getOperation().lookupSymbol<func::FuncOp>(fn::kForward);
    if (!forward || forward.isExternal())
      return;
    Block &body = forward.getBody().front();
    need.clear();
    computeNeeds(body);
    if (failed(rebuild(body)))
      signalPassFailure();
  }

private:
  /// The prefix of each spatial axis some user reads, for values where that
  /// is less than the whole value; absent means the whole value.
  DenseMap<Value, Extents> need;

  /// Raises what `value` must keep to `extents`, which is everything when
  /// `extents` is null; the users' needs combine by maximum.
  void require(Value value, const Extents *extents) {
    std::optional<Extents> full = spatialExtents(value);
    if (!full)
      return;
    // Only arguments and the ops rebuilt here are cut: cutting what another
    // op made whole (a BatchNorm, a zero pad) would add a copy, and in the
    // train step a zero pad of its gradient, to save a few elementwise ops.
    Operation *def = value.getDefiningOp();
    bool cuttable = !def || windowsOf(def) || isElementwise(def);
    const Extents &wanted = extents && cuttable ? *extents : *full;
    auto [it, inserted] = need.try_emplace(value, wanted);
    if (!inserted)
      for (size_t a = 0; a < wanted.size(); ++a)
        it->second[a] = std::max(it->second[a], wanted[a]);
  }

  /// Walks the body backwards; every use raises its operand's need. Users
  /// come after their operands, so a value's need is final when its own op
  /// is reached. Values needed whole are dropped from `need` at the end.
  void computeNeeds(Block &body) {
    for (Operation &op : llvm::reverse(body)) {
      // What the op's own (single) result must keep; a value nothing reads
      // is left whole rather than cut to nothing.
      std::optional<Extents> out;
      if (op.getNumResults() == 1) {
        auto it = need.find(op.getResult(0));
        out = it != need.end() ? std::optional<Extents>(it->second)
                               : spatialExtents(op.getResult(0));
      }

      std::optional<Windows> w = windowsOf(&op);
      std::optional<Extents> inExtents =
          w ? spatialExtents(op.getOperand(0)) : std::nullopt;
      if (w && out && inExtents) {
        const Extents &in = *inExtents;
        Extents reads(in.size());
        for (size_t a = 0; a < in.size(); ++a) {
          // The last element kept reads up to this input position.
          int64_t end =
              ((*out)[a] - 1) * w->stride[a] + w->span[a] - w->before[a];
          reads[a] = std::clamp<int64_t>(end, 1, in[a]);
        }
        require(op.getOperand(0), &reads);
        for (Value operand : llvm::drop_begin(op.getOperands()))
          require(operand, nullptr);
        continue;
      }
      if (isElementwise(&op) && out) {
        int64_t rank = cast<ShapedType>(op.getResult(0).getType()).getRank();
        for (Value operand : op.getOperands()) {
          bool sameRank = cast<ShapedType>(operand.getType()).getRank() == rank;
          require(operand, sameRank ? &*out : nullptr);
        }
        continue;
      }
      for (Value operand : op.getOperands())
        require(operand, nullptr);
    }
    SmallVector<Value> whole;
    for (const auto &[value, extents] : need)
      if (extents == *spatialExtents(value))
        whole.push_back(value);
    for (Value value : whole)
      need.erase(value);
  }

  /// The spatial extents `value` has now, or none.
  static Extents extentsOf(Value value) {
    return spatialExtents(value).value_or(Extents());
  }

  /// Cuts `value` to `extents` with a kiln.slice built by `b`.
  static Value slice(OpBuilder &b, Location loc, Value value,
                     const Extents &extents) {
    auto type = cast<RankedTensorType>(value.getType());
    SmallVector<int64_t> offsets(type.getRank() - 1, 0);
    SmallVector<int64_t> sizes(extents.begin(), extents.end());
    sizes.push_back(type.getShape().back());
    return b.create<SliceOp>(loc, value, offsets, sizes);
  }

  /// Rebuilds the body on the needed prefixes. `map` takes each cut value
  /// to its replacement; the originals go once nothing reads them.
  LogicalResult rebuild(Block &body) {
    SmallVector<Operation *> ops = llvm::map_to_vector(
        body.without_terminator(), [](Operation &op) { return &op; });
    ops.push_back(body.getTerminator());
    IRMapping map;
    OpBuilder b(&body, body.begin());
    // Arguments are cut once, at the top of the body.
    for (BlockArgument arg : body.getArguments())
      if (auto it = need.find(arg); it != need.end())
        map.map(arg, slice(b, arg.getLoc(), arg, it->second));

    SmallVector<Operation *> replaced;
    for (Operation *op : ops) {
      bool changed = llvm::any_of(op->getOperands(), [&](Value v) {
        return map.lookupOrDefault(v).getType() != v.getType();
      });
      if (changed && (windowsOf(op) || isElementwise(op))) {
        b.setInsertionPoint(op);
        Operation *copy = b.clone(*op, map);
        // The clone maps the old result to its own in `map`.
        if (failed(retype(b, copy, *op)))
          return failure();
        replaced.push_back(op);
        continue;
      }
      // Everything else reads its operands whole and makes whole results.
      if (changed)
        return op->emitOpError()
               << "kiln-trim-extents: an operand read whole was cut";
      for (OpOperand &operand : op->getOpOperands())
        operand.set(map.lookupOrDefault(operand.get()));
    }
    for (Operation *op : llvm::reverse(replaced)) {
      op->getResult(0).replaceAllUsesWith(map.lookup(op->getResult(0)));
      op->erase();
    }
    return success();
  }

  /// Gives the clone `copy` of `original` the result type its operands now
  /// give: a window op on a cut input drops its trailing padding there (the
  /// elements it read are all inside the cut); binary ops cut the longer
  /// operand to the shorter.
  LogicalResult retype(OpBuilder &b, Operation *copy, Operation &original) {
    if (std::optional<Windows> w = windowsOf(copy)) {
      Extents before = extentsOf(original.getOperand(0));
      Extents now = extentsOf(copy->getOperand(0));
      SmallVector<int64_t> padding;
      for (size_t a = 0; a < now.size(); ++a) {
        padding.push_back(w->before[a]);
        padding.push_back(now[a] < before[a] ? 0 : w->after[a]);
      }
      shape::ShapeResult rule =
          llvm::TypeSwitch<Operation *, shape::ShapeResult>(copy)
              .Case([&](Conv2DOp o) {
                o.setPadding(padding);
                return Conv2DOp::inferShape(
                    o.getInput().getType(), o.getFilter().getType(),
                    o.getStrides(), o.getDilations(), padding);
              })
              .Case([&](Conv1DOp o) {
                o.setPadding(padding);
                return Conv1DOp::inferShape(
                    o.getInput().getType(), o.getFilter().getType(),
                    o.getStride(), o.getDilation(), padding);
              })
              .Case<MaxPool2DOp, AvgPool2DOp>([&](auto o) {
                o.setPadding(padding);
                return decltype(o)::inferShape(o.getInput().getType(),
                                               o.getWindow(), o.getStrides(),
                                               padding);
              })
              .Case<MaxPool1DOp, AvgPool1DOp>([&](auto o) {
                o.setPadding(padding);
                return decltype(o)::inferShape(o.getInput().getType(),
                                               o.getWindow(), o.getStride(),
                                               padding);
              });
      if (!rule.ok())
        return original.emitOpError() << "kiln-trim-extents: " << rule.error;
      copy->getResult(0).setType(tensorTypeFor(copy->getContext(), rule));
      return success();
    }
    // Elementwise: the result has the extents of its shortest full-rank
    // operand; longer ones are cut to it.
    Type resultType = original.getResult(0).getType();
    Extents shortest;
    for (Value operand : copy->getOperands())
      if (cast<ShapedType>(operand.getType()).getRank() ==
          cast<ShapedType>(resultType).getRank()) {
        Extents e = extentsOf(operand);
        if (shortest.empty())
          shortest = e;
        for (size_t a = 0; a < e.size(); ++a)
          shortest[a] = std::min(shortest[a], e[a]);
      }
    b.setInsertionPoint(copy);
    for (OpOperand &operand : copy->getOpOperands()) {
      if (cast<ShapedType>(operand.get().getType()).getRank() !=
              cast<ShapedType>(resultType).getRank() ||
          extentsOf(operand.get()) == shortest)
        continue;
      operand.set(slice(b, copy->getLoc(), operand.get(), shortest));
    }
    copy->getResult(0).setType(copy->getOperand(0).getType());
    return success();
  }
};

} // namespace

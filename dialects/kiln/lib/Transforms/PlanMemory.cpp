//===- PlanMemory.cpp - One arena for the kernels' results ----------------===//
//
// kiln-plan-memory: every kernel result of @train_step and @infer that the
// function does not return is a buffer in one arena. A buffer lives from its
// kernel to the last op that reads it (directly or through flatten/reshape,
// which alias their operand); buffers are placed largest first at the lowest
// offset that no simultaneously live buffer occupies. The plan is checked
// afterwards by an independent pairwise test, which is also what
// `check-only` runs on annotations written by someone else.
//
//===----------------------------------------------------------------------===//

#include "kiln/IR/KilnOps.h"
#include "kiln/Transforms/Passes.h"
#include "kiln/Transforms/Signature.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"

namespace kiln {
#define GEN_PASS_DEF_KILNPLANMEMORY
#include "kiln/Transforms/Passes.h.inc"
} // namespace kiln

using namespace mlir;
using namespace kiln;

namespace {

/// One kernel result.
struct Buffer {
  /// Op handles are not const-correct; reading the kernel changes nothing.
  mutable KernelOp kernel;
  unsigned result = 0;
  /// Bytes at the planned batch, rounded up to the alignment.
  int64_t bytes = 0;
  /// Live range: positions (in the function's op order) of the kernel and
  /// of the last op reading the buffer.
  unsigned first = 0, last = 0;
  /// Returned by the function: lives outside the arena.
  bool persistent = false;
  int64_t offset = -1;

  bool liveWith(const Buffer &other) const {
    return first <= other.last && other.first <= last;
  }
  bool overlaps(const Buffer &other) const {
    return offset < other.offset + other.bytes && other.offset < offset + bytes;
  }
};

/// The buffers of one fused function and their live ranges.
class MemoryPlan {
public:
  MemoryPlan(func::FuncOp func, int64_t batch, int64_t alignment)
      : func(func), batch(batch), alignment(alignment) {}

  /// Collects the buffers and their live ranges.
  LogicalResult analyze();
  /// Places the arena buffers; returns the arena's size.
  int64_t place();
  /// Reads the offsets of existing kiln.offsets annotations.
  LogicalResult readOffsets();
  /// Checks that the offsets fit `arenaBytes` and that no two buffers live
  /// at the same time overlap; reports the first violation.
  LogicalResult check(int64_t arenaBytes) const;
  /// Writes kiln.offsets on each kernel.
  void annotate() const;

  /// The sum of all arena buffers, and the most bytes live at once (the
  /// least any arena can have).
  int64_t totalBytes() const;
  int64_t peakLiveBytes() const;

private:
  func::FuncOp func;
  int64_t batch, alignment;
  std::vector<Buffer> buffers;
};

/// `bytes` rounded up to a multiple of `alignment`.
int64_t alignTo(int64_t bytes, int64_t alignment) {
  return (bytes + alignment - 1) / alignment * alignment;
}

LogicalResult MemoryPlan::analyze() {
  if (!func.getBody().hasOneBlock())
    return func.emitError() << "kiln-plan-memory needs a single-block function";
  // Which buffer each value is (a kernel result, or a view of one).
  DenseMap<Value, unsigned> bufferOf;
  unsigned position = 0;
  for (Operation &op : func.getBody().front()) {
    ++position;
    for (Value operand : op.getOperands()) {
      auto it = bufferOf.find(operand);
      if (it == bufferOf.end())
        continue;
      Buffer &buffer = buffers[it->second];
      buffer.last = position;
      if (isa<func::ReturnOp>(op))
        buffer.persistent = true;
    }
    if (isa<FlattenOp, ReshapeOp>(op)) {
      auto it = bufferOf.find(op.getOperand(0));
      if (it != bufferOf.end())
        bufferOf[op.getResult(0)] = it->second;
      continue;
    }
    if (isa<func::ReturnOp>(op))
      continue;
    auto kernel = dyn_cast<KernelOp>(op);
    if (!kernel)
      return op.emitError() << "kiln-plan-memory needs @" << func.getName()
                            << " fused into kernels (run kiln-fuse first); "
                               "found this op outside a kernel";
    for (OpResult result : kernel->getResults()) {
      auto type = cast<RankedTensorType>(result.getType());
      int64_t elements = 1;
      for (auto [axis, extent] : llvm::enumerate(type.getShape())) {
        if (!ShapedType::isDynamic(extent)) {
          elements *= extent;
          continue;
        }
        if (axis != 0)
          return kernel.emitError()
                 << "result #" << result.getResultNumber()
                 << " has a dynamic extent besides the batch: " << type;
        elements *= batch;
      }
      Buffer buffer;
      buffer.kernel = kernel;
      buffer.result = result.getResultNumber();
      buffer.bytes = alignTo(
          elements * static_cast<int64_t>(type.getElementTypeBitWidth() / 8),
          alignment);
      buffer.first = buffer.last = position;
      bufferOf[result] = buffers.size();
      buffers.push_back(buffer);
    }
  }
  return success();
}

int64_t MemoryPlan::place() {
  std::vector<Buffer *> arena;
  for (Buffer &buffer : buffers)
    if (!buffer.persistent)
      arena.push_back(&buffer);
  // Largest first; ties in program order, so the plan is deterministic.
  llvm::stable_sort(arena, [](const Buffer *a, const Buffer *b) {
    return a->bytes > b->bytes;
  });
  int64_t arenaBytes = 0;
  std::vector<Buffer *> placed;
  for (Buffer *buffer : arena) {
    // The placed buffers live at the same time, by offset; take the first
    // gap that fits.
    std::vector<Buffer *> live;
    for (Buffer *other : placed)
      if (other->liveWith(*buffer))
        live.push_back(other);
    llvm::sort(live, [](const Buffer *a, const Buffer *b) {
      return a->offset < b->offset;
    });
    int64_t offset = 0;
    for (Buffer *other : live) {
      if (other->offset >= offset + buffer->bytes)
        break;
      offset = std::max(offset, other->offset + other->bytes);
    }
    buffer->offset = offset;
    arenaBytes = std::max(arenaBytes, offset + buffer->bytes);
    placed.push_back(buffer);
  }
  return arenaBytes;
}

LogicalResult MemoryPlan::readOffsets() {
  for (Buffer &buffer : buffers) {
    auto offsets =
        buffer.kernel->getAttrOfType<DenseI64ArrayAttr>(attr::kOffsets);
    if (!offsets || offsets.size() != buffer.kernel.getNumResults())
      return buffer.kernel.emitError()
             << "needs '" << attr::kOffsets << "' with one offset per result";
    buffer.offset = offsets[buffer.result];
  }
  return success();
}

LogicalResult MemoryPlan::check(int64_t arenaBytes) const {
  for (const Buffer &buffer : buffers) {
    if (buffer.persistent != (buffer.offset < 0))
      return buffer.kernel.emitError()
             << "memory plan: result #" << buffer.result << " "
             << (buffer.persistent ? "is returned and must live outside the "
                                     "arena (offset -1)"
                                   : "needs an offset in the arena");
    if (buffer.persistent)
      continue;
    if (buffer.offset % alignment != 0 ||
        buffer.offset + buffer.bytes > arenaBytes)
      return buffer.kernel.emitError()
             << "memory plan: result #" << buffer.result << " at offset "
             << buffer.offset << " (" << buffer.bytes
             << " bytes) is misaligned or outside the arena of " << arenaBytes
             << " bytes";
  }
  for (size_t i = 0; i < buffers.size(); ++i)
    for (size_t j = i + 1; j < buffers.size(); ++j) {
      const Buffer &a = buffers[i], &b = buffers[j];
      if (a.persistent || b.persistent || !a.liveWith(b) || !a.overlaps(b))
        continue;
      InFlightDiagnostic diag = b.kernel.emitError();
      diag << "memory plan: result #" << b.result << " (bytes [" << b.offset
           << ", " << b.offset + b.bytes << ")) overlaps result #" << a.result
           << " of kernel '" << a.kernel.getName().value_or("") << "' (bytes ["
           << a.offset << ", " << a.offset + a.bytes
           << ")) while both are live";
      diag.attachNote(a.kernel.getLoc()) << "the other kernel";
      return failure();
    }
  return success();
}

void MemoryPlan::annotate() const {
  DenseMap<Operation *, SmallVector<int64_t>> offsets;
  for (const Buffer &buffer : buffers) {
    SmallVector<int64_t> &list = offsets[buffer.kernel];
    list.resize(buffer.kernel.getNumResults(), -1);
    list[buffer.result] = buffer.persistent ? -1 : buffer.offset;
  }
  for (auto &[kernel, list] : offsets)
    kernel->setAttr(attr::kOffsets,
                    DenseI64ArrayAttr::get(kernel->getContext(), list));
}

int64_t MemoryPlan::totalBytes() const {
  int64_t total = 0;
  for (const Buffer &buffer : buffers)
    if (!buffer.persistent)
      total += buffer.bytes;
  return total;
}

int64_t MemoryPlan::peakLiveBytes() const {
  int64_t peak = 0;
  for (const Buffer &at : buffers) {
    // The live set changes only where a buffer starts.
    int64_t live = 0;
    for (const Buffer &buffer : buffers)
      if (!buffer.persistent && buffer.first <= at.first &&
          at.first <= buffer.last)
        live += buffer.bytes;
    peak = std::max(peak, live);
  }
  return peak;
}

/// kiln-plan-memory (see Passes.td).
struct PlanMemoryPass : kiln::impl::KilnPlanMemoryBase<PlanMemoryPass> {
  using KilnPlanMemoryBase::KilnPlanMemoryBase;

  /// The batch to plan for: the option, else kiln.training's batch_size.
  FailureOr<int64_t> plannedBatch(func::FuncOp func) {
    if (checkOnly)
      if (auto recorded = func->getAttrOfType<IntegerAttr>(attr::kBatch))
        return recorded.getInt();
    if (batch < 0)
      return func.emitError()
             << "kiln-plan-memory: batch must be positive, got " << batch;
    if (batch > 0)
      return static_cast<int64_t>(batch);
    ModuleOp module = getOperation();
    if (auto training = module->getAttrOfType<DictionaryAttr>(attr::kTraining))
      if (auto size = training.getAs<IntegerAttr>(training::kBatchSize))
        if (size.getInt() > 0)
          return size.getInt();
    return module.emitError()
           << "kiln-plan-memory: give batch=N (the module's kiln.training has "
              "no positive batch_size)";
  }

  LogicalResult planFunction(func::FuncOp func) {
    FailureOr<int64_t> n = plannedBatch(func);
    if (failed(n))
      return failure();
    if (alignment <= 0)
      return func.emitError() << "kiln-plan-memory: alignment must be positive";
    MemoryPlan plan(func, *n, alignment);
    if (failed(plan.analyze()))
      return failure();
    int64_t arenaBytes;
    if (checkOnly) {
      auto recorded = func->getAttrOfType<IntegerAttr>(attr::kArenaBytes);
      if (!recorded)
        return func.emitError() << "needs '" << attr::kArenaBytes << "'";
      arenaBytes = recorded.getInt();
      if (failed(plan.readOffsets()))
        return failure();
    } else {
      arenaBytes = plan.place();
    }
    if (failed(plan.check(arenaBytes)))
      return failure();
    if (!checkOnly) {
      plan.annotate();
      Builder b(func.getContext());
      func->setAttr(attr::kArenaBytes, b.getI64IntegerAttr(arenaBytes));
      func->setAttr(attr::kBatch, b.getI64IntegerAttr(*n));
    }
    if (report)
      emitRemark(func.getLoc())
          << "kiln-plan-memory: @" << func.getName() << " at batch " << *n
          << ": arena " << arenaBytes << " bytes; sum of all buffers "
          << plan.totalBytes() << " bytes; most bytes live at once "
          << plan.peakLiveBytes();
    return success();
  }

  void runOnOperation() override {
    ModuleOp module = getOperation();
    bool any = false;
    for (StringRef name : {fn::kTrainStep, fn::kInfer}) {
      auto func = module.lookupSymbol<func::FuncOp>(name);
      if (!func || func.isExternal())
        continue;
      any = true;
      if (failed(planFunction(func)))
        return signalPassFailure();
    }
    if (!any) {
      module.emitError() << "kiln-plan-memory: the module has neither @"
                         << fn::kTrainStep << " nor @" << fn::kInfer;
      signalPassFailure();
    }
  }
};

} // namespace

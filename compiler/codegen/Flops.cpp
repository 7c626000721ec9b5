//===- Flops.cpp - Floating-point work of kiln ops ------------------------===//

#include "kiln/Codegen/Flops.h"

#include "kiln/IR/KilnOps.h"

#include "mlir/IR/BuiltinTypes.h"
#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;
using namespace kiln;

namespace {

/// Elements of `type` with the dynamic batch set to `batch`.
double elements(Type type, int64_t batch) {
  auto tensor = dyn_cast<RankedTensorType>(type);
  if (!tensor)
    return 1;
  double n = 1;
  for (int64_t d : tensor.getShape())
    n *= ShapedType::isDynamic(d) ? static_cast<double>(batch)
                                  : static_cast<double>(d);
  return n;
}

/// A convolution's work: 2 * (output elements) * (filter elements per
/// output channel). Its gradients do the same work.
double convFlops(Type output, Type filter, int64_t batch) {
  auto f = cast<RankedTensorType>(filter);
  double perOutput = 1;
  for (int64_t d : f.getShape().drop_back())
    perOutput *= static_cast<double>(d);
  return 2 * elements(output, batch) * perOutput;
}

} // namespace

double codegen::flopsOf(Operation *op, int64_t batch) {
  return llvm::TypeSwitch<Operation *, double>(op)
      .Case<Conv2DOp, Conv1DOp>([&](auto o) {
        return convFlops(o.getType(), o.getFilter().getType(), batch);
      })
      .Case<Conv2DGradInputOp, Conv1DGradInputOp>([&](auto o) {
        return convFlops(o.getGradOut().getType(), o.getFilter().getType(),
                         batch);
      })
      .Case<Conv2DGradFilterOp, Conv1DGradFilterOp>([&](auto o) {
        return convFlops(o.getGradOut().getType(), o.getType(), batch);
      })
      .Case([&](DenseOp o) {
        return 2 * elements(o.getType(), batch) *
               static_cast<double>(
                   cast<RankedTensorType>(o.getWeights().getType())
                       .getDimSize(0));
      })
      .Case([&](DenseGradInputOp o) {
        return 2 * elements(o.getType(), batch) *
               static_cast<double>(
                   cast<RankedTensorType>(o.getWeights().getType())
                       .getDimSize(1));
      })
      .Case([&](DenseGradWeightsOp o) {
        return 2 * elements(o.getType(), batch) * static_cast<double>(batch);
      })
      .Default([&](Operation *o) {
        double n = 0;
        for (Type t : o->getResultTypes())
          n += elements(t, batch);
        return n;
      });
}

double codegen::flopsOf(Block &block, int64_t batch) {
  double total = 0;
  for (Operation &op : block.without_terminator())
    total += flopsOf(&op, batch);
  return total;
}

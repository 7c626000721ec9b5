//===- HalideLowering.h - Kiln kernels as Halide algorithms -----*- C++ -*-===//
//
// Turns one kernel (a block of kiln ops whose terminator yields the kernel's
// results) into a Halide algorithm: one Func per op, in Halide's dimension
// order (innermost first, so an NHWC tensor is indexed (c, x, y, n)). Only
// the algorithm is built here; ScheduleApply.h schedules it from data.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_CODEGEN_HALIDELOWERING_H
#define KILN_CODEGEN_HALIDELOWERING_H

#include "mlir/IR/Block.h"
#include "mlir/Support/LogicalResult.h"

#include <Halide.h>

#include <string>
#include <vector>

namespace kiln {
namespace codegen {

/// One argument of a kernel, in block-argument order: a tensor (an image
/// parameter of the tensor's rank) or a scalar (lr: f32, step: i64).
struct KernelArg {
  enum class Kind { Tensor, F32, I64 } kind;
  Halide::ImageParam image;
  Halide::Param<float> f32;
  Halide::Param<int64_t> i64;
  /// The tensor's shape in kiln (row-major) order; -1 for the dynamic batch.
  std::vector<int64_t> shape;
};

/// The family of a reduction op, which decides how ScheduleApply places it.
enum class AnchorKind {
  /// A reduction producing channels innermost at each position: forward
  /// and input-gradient convolutions, dense and its input gradient.
  Conv,
  /// A weight gradient: a reduction over every position of the batch into
  /// a small result, split over the batch to run in parallel.
  BatchReduction,
};

/// A reduction op of a kernel and the Funcs its schedule touches.
struct Anchor {
  AnchorKind kind;
  /// The op's Func: a pure initial value and one update over `rdom`.
  Halide::Func func;
  Halide::RDom rdom;
  /// The input as the reduction reads it (padded where the op pads);
  /// scheduled as a staging buffer.
  Halide::Func input;
  /// Whether `input` is computed (e.g. padded) rather than a kernel
  /// argument, so that it can be staged.
  bool inputIsComputed = false;
  /// The weights as the reduction reads them; staged with `.in()`.
  Halide::Func weights;
  /// Whether `weights` is computed (e.g. transposed) rather than an
  /// argument, so that it is computed once before the reduction.
  bool weightsIsComputed = false;
  /// The shape of `func` (kiln order, -1 for the batch): the op's result,
  /// or its width in tiles for a convolution computed in tiles of
  /// Winograd's F(m, 2), whose `func` is a Tuple of m + 1 sums per tile
  /// (`func.outputs()` is the number of accumulators per position).
  std::vector<int64_t> shape;
  /// The kernel output this op feeds through elementwise ops and at most
  /// one pooling whose windows neither overlap nor pad, so that it is
  /// computed per tile of that output; -1 when it is computed whole first
  /// (it feeds a reduction, several outputs, or nothing).
  int fusedOutput = -1;
  /// Positions of `func` per position of the fused output: the fused
  /// pooling's window size, 1 without one or for Winograd tiles (whose
  /// positions map to the pooled ones by `tileOutputs`).
  int fusedTaps = 1;
  /// Outputs per position of `func`: m for a convolution computed in tiles
  /// of Winograd's F(m, 2), 1 otherwise.
  int tileOutputs = 1;
};

/// A sum over every position of a channels-innermost tensor but the channel
/// (BatchNorm statistics and gradients, bias gradients): `func(c)` is zero
/// then one update over `rdom`, whose last dimension is the batch, so a
/// schedule can split the batch into parallel partial sums.
struct ChannelSum {
  Halide::Func func;
  Halide::RDom rdom;
  /// The number of channels (the extent of `func`).
  int64_t channels = 0;
};

/// A kernel's Halide algorithm.
struct HalideKernel {
  std::string name;
  std::vector<KernelArg> args;
  /// Result Funcs in yield order; each wraps the value the kernel yields so
  /// that a schedule can tile it independently of the op that produced it.
  std::vector<Halide::Func> outputs;
  /// Static result shapes (kiln order, -1 for the batch).
  std::vector<std::vector<int64_t>> outputShapes;
  std::vector<Anchor> anchors;
  /// The run's batch extent (undefined when no argument has a dynamic
  /// batch), for schedules that specialise on it.
  Halide::Expr batch;
  /// Funcs that must be computed once rather than inlined into each use:
  /// small reductions (BatchNorm statistics, softmax sums, per-row losses),
  /// the choices of overlapping pooling windows, dropout masks.
  std::vector<Halide::Func> reductions;
  /// Sums over every position but the channel; computed once each.
  std::vector<ChannelSum> channelSums;
  /// Per output, the window (innermost spatial dimension first) of the
  /// max-pooling gradient it is, through elementwise ops, when the windows
  /// tile the input (stride == window); otherwise empty. Every position of
  /// a window reads that window's taps to find its maximum, so a schedule
  /// that tiles the output by the window loads them once for all.
  std::vector<std::vector<int>> outputWindows;

  /// The Halide arguments in order, for compiling the pipeline.
  std::vector<Halide::Argument> arguments() const;
};

/// Choices between algorithms of the same result.
struct LoweringOptions {
  /// Two-tap 1-D convolutions under poolings of windows of two computed in
  /// tiles of Winograd's F(m, 2) (pairs, m = 2, or wider over long
  /// reductions), for Kiln's own schedules. Halide's autoschedulers get the
  /// direct algorithm, whose shape they model: Adams2019 split the pair
  /// form's 236 channels by more than 236 and read its bias before the
  /// start (report 002 Model 1's first layer).
  bool outputPairs = true;
};

/// The options for a kernel scheduled by an autoscheduler when
/// `autoscheduled`, else by Kiln's schedules.
inline LoweringOptions loweringFor(bool autoscheduled) {
  LoweringOptions options;
  options.outputPairs = !autoscheduled;
  return options;
}

/// Builds the Halide algorithm of `body`. Unsupported ops or types are
/// reported as errors at the op's location and the result is a failure.
mlir::FailureOr<HalideKernel>
lowerToHalide(mlir::Block &body, const std::string &name,
              const LoweringOptions &options = LoweringOptions());

} // namespace codegen
} // namespace kiln

#endif // KILN_CODEGEN_HALIDELOWERING_H

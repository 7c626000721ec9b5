//===- JitRunner.h - Run a kernel through Halide's JIT ----------*- C++ -*-===//
//
// Compiles a scheduled kernel for the host with Halide's JIT and runs it on
// row-major float tensors: what the tests (against the reference
// interpreter) and kiln-tune (timing candidates) both need.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_CODEGEN_JITRUNNER_H
#define KILN_CODEGEN_JITRUNNER_H

#include "kiln/Codegen/HalideLowering.h"

#include <cstdint>
#include <string>
#include <vector>

namespace kiln {
namespace codegen {

/// A row-major float tensor (kiln order: outermost extent first).
struct HostTensor {
  std::vector<int64_t> shape;
  std::vector<float> data;
};

/// One value per kernel argument, in argument order: a tensor, or a scalar
/// for f32/i64 arguments.
struct JitArg {
  HostTensor tensor;
  double scalar = 0;
};

/// How a random argument is drawn.
enum class Distribution { Uniform, Positive, OneHot };

/// Random arguments for a kernel whose block arguments are `args`, with the
/// dynamic batch set to `batch`: tensors uniform in [-1, 1] (Positive:
/// [0.1, 1.1]; OneHot: one-hot rows), lr 0.01, step 3. `kinds` may be
/// shorter than `args` (the rest are Uniform).
std::vector<JitArg> randomArgs(mlir::Block::BlockArgListType args,
                               int64_t batch, unsigned seed,
                               const std::vector<Distribution> &kinds = {});

/// Makes JIT code run its parallel loops on the executables' thread pool
/// (kiln/runtime/ThreadPool.h), so that what is timed in-process is what
/// the executables run.
void useRuntimeThreadPool(Halide::JITHandlers &handlers);

/// A kernel compiled for the host.
class JitKernel {
public:
  /// Compiles `kernel` (already scheduled) for `target`. On failure,
  /// `error()` says why.
  JitKernel(HalideKernel &kernel, const Halide::Target &target);

  const std::string &error() const { return message; }

  /// Runs the kernel with `batch` as the dynamic extent of every output
  /// and returns the outputs in yield order; empty on failure (see error()).
  std::vector<HostTensor> run(const std::vector<JitArg> &args, int64_t batch);

  /// Runs the kernel `iterations` times on `args` and returns the fastest
  /// time in seconds (the outputs are discarded).
  double time(const std::vector<JitArg> &args, int64_t batch, int iterations);

private:
  HalideKernel &kernel;
  Halide::Target target;
  Halide::Pipeline pipeline;
  std::string message;
};

} // namespace codegen
} // namespace kiln

#endif // KILN_CODEGEN_JITRUNNER_H

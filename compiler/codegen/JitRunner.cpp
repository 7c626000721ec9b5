//===- JitRunner.cpp - Run a kernel through Halide's JIT ------------------===//

#include "kiln/Codegen/JitRunner.h"
#include "kiln/runtime/ThreadPool.h"

#include "mlir/IR/BuiltinTypes.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <random>

using namespace kiln;
using namespace kiln::codegen;

namespace {

/// A Halide view of a row-major tensor: dimensions reversed, innermost
/// first, same memory.
Halide::Buffer<float> viewOf(HostTensor &t) {
  std::vector<int> extents(t.shape.rbegin(), t.shape.rend());
  if (extents.empty())
    return Halide::Buffer<float>::make_scalar(t.data.data());
  return Halide::Buffer<float>(t.data.data(), extents);
}

int64_t product(const std::vector<int64_t> &shape) {
  int64_t n = 1;
  for (int64_t d : shape)
    n *= d;
  return n;
}

} // namespace

std::vector<JitArg>
codegen::randomArgs(mlir::Block::BlockArgListType args, int64_t batch,
                    unsigned seed, const std::vector<Distribution> &kinds) {
  std::mt19937 gen(seed);
  std::uniform_real_distribution<float> uniform(-1.0f, 1.0f);
  std::vector<JitArg> result;
  for (mlir::BlockArgument arg : args) {
    JitArg value;
    auto tensor = llvm::dyn_cast<mlir::RankedTensorType>(arg.getType());
    if (!tensor) {
      value.scalar = arg.getType().isF32() ? 0.01 : 3; // lr, step
      result.push_back(value);
      continue;
    }
    Distribution kind = arg.getArgNumber() < kinds.size()
                            ? kinds[arg.getArgNumber()]
                            : Distribution::Uniform;
    for (int64_t d : tensor.getShape())
      value.tensor.shape.push_back(mlir::ShapedType::isDynamic(d) ? batch : d);
    int64_t n = product(value.tensor.shape);
    int64_t row = value.tensor.shape.empty() ? 1 : value.tensor.shape.back();
    value.tensor.data.reserve(n);
    for (int64_t k = 0; k < n; ++k) {
      float v = uniform(gen);
      if (kind == Distribution::Positive)
        v = 0.1f + std::fabs(v);
      else if (kind == Distribution::OneHot)
        v = (k % row) == ((k / row) * 7 % row) ? 1.0f : 0.0f;
      value.tensor.data.push_back(v);
    }
    result.push_back(std::move(value));
  }
  return result;
}

namespace {

/// Halide hands JIT tasks a JITUserContext where AOT code passes a void
/// pointer: the same pointer either way.
int jitParallelFor(Halide::JITUserContext *context,
                   int (*task)(Halide::JITUserContext *, int, uint8_t *),
                   int min, int extent, uint8_t *closure) {
  return kiln::rt::parallelFor(context,
                               reinterpret_cast<kiln::rt::ParallelTask>(task),
                               min, extent, closure);
}

} // namespace

void codegen::useRuntimeThreadPool(Halide::JITHandlers &handlers) {
  handlers.custom_do_par_for = jitParallelFor;
}

JitKernel::JitKernel(HalideKernel &kernel, const Halide::Target &target)
    : kernel(kernel), target(target), pipeline(kernel.outputs) {
  useRuntimeThreadPool(pipeline.jit_handlers());
  try {
    pipeline.compile_jit(target);
  } catch (const Halide::Error &e) {
    message =
        std::string("cannot compile kernel '") + kernel.name + "': " + e.what();
  }
}

namespace {

/// Inputs bound to a kernel's parameters and outputs allocated, ready for
/// any number of realizations.
struct Bound {
  std::vector<JitArg> inputs; // Halide needs mutable host pointers.
  Halide::ParamMap params;
  std::vector<HostTensor> outputs;
  std::vector<Halide::Buffer<>> buffers;
};

} // namespace

static bool bind(HalideKernel &kernel, const std::vector<JitArg> &args,
                 int64_t batch, Bound &bound, std::string &message) {
  if (args.size() != kernel.args.size()) {
    message = "kernel '" + kernel.name + "' takes " +
              std::to_string(kernel.args.size()) + " arguments, got " +
              std::to_string(args.size());
    return false;
  }
  bound.inputs = args;
  for (size_t i = 0; i < bound.inputs.size(); ++i) {
    KernelArg &ka = kernel.args[i];
    switch (ka.kind) {
    case KernelArg::Kind::Tensor:
      bound.params.set(ka.image, viewOf(bound.inputs[i].tensor));
      break;
    case KernelArg::Kind::F32:
      bound.params.set(ka.f32, static_cast<float>(bound.inputs[i].scalar));
      break;
    case KernelArg::Kind::I64:
      bound.params.set(ka.i64, static_cast<int64_t>(bound.inputs[i].scalar));
      break;
    }
  }
  bound.outputs.resize(kernel.outputs.size());
  for (size_t i = 0; i < bound.outputs.size(); ++i) {
    bound.outputs[i].shape = kernel.outputShapes[i];
    for (int64_t &d : bound.outputs[i].shape)
      if (d < 0)
        d = batch;
    // Halide's own allocation (at least as aligned as the runtime's arena,
    // which kernels assume of an output they also read), copied out after.
    std::vector<int> extents(bound.outputs[i].shape.rbegin(),
                             bound.outputs[i].shape.rend());
    Halide::Buffer<float> buffer = extents.empty()
                                       ? Halide::Buffer<float>::make_scalar()
                                       : Halide::Buffer<float>(extents);
    buffer.fill(0.0f);
    bound.buffers.push_back(buffer);
  }
  return true;
}

/// Copies the realized output buffers into the bound outputs.
static void copyOut(Bound &bound) {
  for (size_t i = 0; i < bound.outputs.size(); ++i) {
    Halide::Buffer<float> buffer = bound.buffers[i];
    const float *begin = buffer.data();
    bound.outputs[i].data.assign(begin, begin + buffer.number_of_elements());
  }
}

std::vector<HostTensor> JitKernel::run(const std::vector<JitArg> &args,
                                       int64_t batch) {
  if (!message.empty())
    return {};
  Bound bound;
  if (!bind(kernel, args, batch, bound, message))
    return {};
  try {
    pipeline.realize(Halide::Realization(bound.buffers), target, bound.params);
  } catch (const Halide::Error &e) {
    message = std::string("kernel '") + kernel.name + "' failed: " + e.what();
    return {};
  }
  copyOut(bound);
  return std::move(bound.outputs);
}

double JitKernel::time(const std::vector<JitArg> &args, int64_t batch,
                       int iterations) {
  if (!message.empty())
    return -1;
  Bound bound;
  if (!bind(kernel, args, batch, bound, message))
    return -1;
  // One untimed run first: it pays for first-touch page faults.
  double best = 1e30;
  try {
    for (int i = 0; i <= iterations; ++i) {
      auto start = std::chrono::steady_clock::now();
      pipeline.realize(Halide::Realization(bound.buffers), target,
                       bound.params);
      std::chrono::duration<double> elapsed =
          std::chrono::steady_clock::now() - start;
      if (i)
        best = std::min(best, elapsed.count());
    }
  } catch (const Halide::Error &e) {
    message = std::string("kernel '") + kernel.name + "' failed: " + e.what();
    return -1;
  }
  return best;
}

//===- JitRunner.cpp - Run a kernel through Halide's JIT ------------------===//

#include "kiln/Codegen/JitRunner.h"

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

std::vector<JitArg> codegen::randomArgs(mlir::Block::BlockArgListType args,
                                        int64_t batch, unsigned seed,
                                        const std::vector<Distribution> &kinds) {
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

JitKernel::JitKernel(HalideKernel &kernel, const Halide::Target &target)
    : kernel(kernel), target(target), pipeline(kernel.outputs) {
  try {
    pipeline.compile_jit(target);
  } catch (const Halide::Error &e) {
    message = std::string("cannot compile kernel '") + kernel.name +
              "': " + e.what();
  }
}

std::vector<HostTensor> JitKernel::run(const std::vector<JitArg> &args,
                                       int64_t batch) {
  if (!message.empty())
    return {};
  if (args.size() != kernel.args.size()) {
    message = "kernel '" + kernel.name + "' takes " +
              std::to_string(kernel.args.size()) + " arguments, got " +
              std::to_string(args.size());
    return {};
  }
  std::vector<JitArg> inputs = args; // Halide needs mutable host pointers.
  Halide::ParamMap params;
  for (size_t i = 0; i < inputs.size(); ++i) {
    KernelArg &ka = kernel.args[i];
    switch (ka.kind) {
    case KernelArg::Kind::Tensor:
      params.set(ka.image, viewOf(inputs[i].tensor));
      break;
    case KernelArg::Kind::F32:
      params.set(ka.f32, static_cast<float>(inputs[i].scalar));
      break;
    case KernelArg::Kind::I64:
      params.set(ka.i64, static_cast<int64_t>(inputs[i].scalar));
      break;
    }
  }
  std::vector<HostTensor> outputs(kernel.outputs.size());
  std::vector<Halide::Buffer<>> buffers;
  for (size_t i = 0; i < outputs.size(); ++i) {
    outputs[i].shape = kernel.outputShapes[i];
    for (int64_t &d : outputs[i].shape)
      if (d < 0)
        d = batch;
    outputs[i].data.assign(product(outputs[i].shape), 0.0f);
    buffers.push_back(viewOf(outputs[i]));
  }
  try {
    pipeline.realize(Halide::Realization(buffers), target, params);
  } catch (const Halide::Error &e) {
    message = std::string("kernel '") + kernel.name + "' failed: " + e.what();
    return {};
  }
  return outputs;
}

double JitKernel::time(const std::vector<JitArg> &args, int64_t batch,
                       int iterations) {
  double best = 1e30;
  for (int i = 0; i < iterations; ++i) {
    auto start = std::chrono::steady_clock::now();
    if (run(args, batch).empty())
      return -1;
    std::chrono::duration<double> elapsed =
        std::chrono::steady_clock::now() - start;
    best = std::min(best, elapsed.count());
  }
  return best;
}

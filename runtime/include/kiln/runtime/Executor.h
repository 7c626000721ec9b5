//===- Executor.h - Running a plan's kernels --------------------*- C++ -*-===//
//
// Executes the functions of a plan: one arena for every intermediate buffer
// (both functions share it, since they never run at the same time), the
// persistent tensors (parameters, state, optimizer slots) outside it, each
// with a second buffer its new value is written to and swapped in after the
// call, and small buffers for the function's other results. Kernels are
// called in plan order through their `_argv` entry points.
//
// For GPU kernels every call copies its inputs to the device and its outputs
// back (the Halide runtime caches device allocations): simple and correct,
// not fast; CPU targets pass host memory straight through.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_RUNTIME_EXECUTOR_H
#define KILN_RUNTIME_EXECUTOR_H

#include "kiln/runtime/KernelTable.h"
#include "kiln/runtime/Plan.h"
#include "kiln/runtime/Status.h"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace kiln {
namespace rt {

/// A persistent tensor: its value between calls and the buffer a call
/// writes its new value to.
struct PersistentBuffer {
  std::string name;
  fb::PersistentRole role = fb::PersistentRole::Param;
  std::vector<int64_t> shape;
  std::vector<float> current;
  std::vector<float> next;
};

/// The per-call inputs of a function.
struct CallArgs {
  /// batch x input extents, row-major (owned by the caller).
  const float *images = nullptr;
  /// batch x classes one-hot rows (train step only).
  const float *labels = nullptr;
  int64_t batch = 0;
  /// The 1-based optimizer step (Adam's t; the dropout counter).
  int64_t step = 1;
  /// The run's seed: the key of dropout's masks.
  uint64_t seed = 0;
  float learningRate = 0;
};

/// Runs one plan's functions; owns every buffer they use.
class Executor {
public:
  Executor() = default;
  Executor(const Executor &) = delete;
  Executor &operator=(const Executor &) = delete;

  /// Checks every kernel of `plan` against its metadata in `model`'s table
  /// (argument count, kinds, scalar types, ranks) and allocates the arena,
  /// the persistent tensors (zero) and the result buffers. `plan` and
  /// `model` must outlive the executor.
  Status init(const fb::Plan &plan, const EmbeddedModel &model);

  /// For GPU kernels, allocates a small device buffer to find out whether a
  /// device and its driver are usable; ok at once for CPU kernels.
  Status checkDevice();

  /// Calls the kernels of `fn` for `args.batch` samples (at most the
  /// planned batch), then swaps the new values of the persistent tensors
  /// it updates into place.
  Status run(const fb::Function &fn, const CallArgs &args);

  /// The persistent tensors in plan order.
  std::vector<PersistentBuffer> &persistent() { return tensors; }
  const std::vector<PersistentBuffer> &persistent() const { return tensors; }

  /// Non-persistent result `index` of the function last run (e.g. the loss,
  /// or batch x classes probabilities).
  const float *result(size_t index) const { return results[index].data(); }

private:
  struct Bound;
  Status bind(const fb::BufferRef &ref, const CallArgs &args, Bound &out);

  const fb::Plan *plan = nullptr;
  const EmbeddedModel *model = nullptr;
  std::vector<PersistentBuffer> tensors;
  std::unique_ptr<uint8_t, void (*)(void *)> arena{nullptr, nullptr};
  int64_t arenaBytes = 0;
  std::vector<std::vector<float>> results;
  /// Scalars passed by address.
  int64_t stepValue = 0;
  int64_t seedValue = 0;
  float lrValue = 0;
};

} // namespace rt
} // namespace kiln

#endif // KILN_RUNTIME_EXECUTOR_H

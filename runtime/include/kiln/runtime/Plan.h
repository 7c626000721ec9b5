//===- Plan.h - Loading and checking execution plans ------------*- C++ -*-===//
//
// The plan (schemas/plan.fbs) tells an executable which kernels to call in
// which order on which buffers. It is embedded into the executable by kilnc,
// but it is still checked as if it came from a file: the FlatBuffers
// verifier, the schema version, the model hash the kernel table was compiled
// with, and every buffer reference (a kernel index that exists, a persistent
// tensor that exists, an arena range inside the arena for the largest
// batch), so an inconsistent plan is a message and never a stray write.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_RUNTIME_PLAN_H
#define KILN_RUNTIME_PLAN_H

#include "kiln/runtime/Initializers.h"
#include "kiln/runtime/Status.h"

#include "kiln/runtime/schemas/plan_generated.h"

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace kiln {
namespace rt {

/// Version written into and required of every plan.
constexpr uint32_t kPlanSchemaVersion = 2;

/// What the executable expects of its plan.
struct PlanExpectations {
  /// The model hash compiled into the kernel table.
  uint64_t modelHash = 0;
  /// How many kernels the executable's table holds.
  size_t numKernels = 0;
  /// Whether @train_step must be present (train executables).
  bool needTrainStep = false;
};

/// Verifies `size` bytes at `bytes` as a plan meeting `expect` and returns
/// the root in `out` (a view of `bytes`, which must outlive it). `source`
/// names the plan in messages.
Status loadPlan(const uint8_t *bytes, size_t size,
                const PlanExpectations &expect, const std::string &source,
                const fb::Plan *&out);

/// Row-major extents of `ref` with the batch (-1) replaced by `batch`.
std::vector<int64_t> resolveShape(const fb::BufferRef &ref, int64_t batch);

/// The number of elements of `shape`.
int64_t elementCount(const std::vector<int64_t> &shape);

/// The extents of a flatbuffer vector of longs (nullptr: none).
std::vector<int64_t> toShape(const flatbuffers::Vector<int64_t> *dims);

/// The number of classes of a plan (its class names).
int numClasses(const fb::Plan &plan);

/// The initialiser arguments of `tensor` (its kiln.init_args), for an
/// initialiser the runtime has no name for; fails when absent or unknown.
Status initArgsOf(const fb::Persistent &tensor, InitArgs &out);

/// The source labels the model's data keeps, class k being label
/// selectedLabels(plan)[k]; empty when every label is its own class.
std::vector<int32_t> selectedLabels(const fb::Plan &plan);

/// Checks the selection: as many distinct labels in [0, 255] as classes.
Status checkSelectLabels(const fb::Plan &plan);

} // namespace rt
} // namespace kiln

#endif // KILN_RUNTIME_PLAN_H

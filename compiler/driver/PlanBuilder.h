//===- PlanBuilder.h - The execution plan of a fused module -----*- C++ -*-===//
//
// Turns @train_step and @infer, after kiln-fuse and kiln-plan-memory, into
// the FlatBuffers plans the executables embed (runtime/schemas/plan.fbs),
// and lists the kernels to compile in the order of the plans' kernel table.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_DRIVER_PLANBUILDER_H
#define KILN_DRIVER_PLANBUILDER_H

#include "kiln/IR/KilnOps.h"

#include "mlir/IR/BuiltinOps.h"

#include <cstdint>
#include <string>
#include <vector>

namespace kiln {
namespace driver {

/// A kernel to compile and the C symbol its entry points get.
struct KernelJob {
  KernelOp op;
  std::string symbol;
};

/// The plans of both executables and the kernels they call. The kernel
/// table puts @infer's kernels first, so the infer executable links only the
/// first `numInferKernels` and both plans share the numbering.
struct Plans {
  std::vector<uint8_t> train;
  std::vector<uint8_t> infer;
  std::vector<KernelJob> kernels;
  size_t numInferKernels = 0;
};

/// What the plans record besides the IR.
struct PlanInfo {
  std::string modelName;
  uint64_t modelHash = 0;
  std::string target;
  /// "cuda", "opencl" or "" (CPU).
  std::string device;
};

/// Builds the plans of `module`, which must have been through kiln-fuse and
/// kiln-plan-memory. Reports what it cannot express as errors at the
/// offending op.
mlir::FailureOr<Plans> buildPlans(mlir::ModuleOp module, const PlanInfo &info);

} // namespace driver
} // namespace kiln

#endif // KILN_DRIVER_PLANBUILDER_H

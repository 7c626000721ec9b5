//===- KernelTable.h - What kilnc compiles into an executable ---*- C++ -*-===//
//
// kilnc generates one small C++ source per executable that defines an
// EmbeddedModel: the plan's bytes, the model hash, and a table of the
// Halide kernels linked into the executable (their `_argv` entry points and
// metadata), plus the GPU device interface when the kernels run on one. The
// runtime's train and infer mains receive it from the generated main().
//
//===----------------------------------------------------------------------===//

#ifndef KILN_RUNTIME_KERNELTABLE_H
#define KILN_RUNTIME_KERNELTABLE_H

#include <HalideRuntime.h>

#include <cstddef>
#include <cstdint>

namespace kiln {
namespace rt {

/// One AOT-compiled kernel, called with one pointer per argument (inputs
/// then outputs): a halide_buffer_t for tensors, the value for scalars.
struct KernelEntry {
  const char *name;
  int (*argv)(void **args);
  const halide_filter_metadata_t *(*metadata)();
};

/// Everything kilnc compiled into one executable; static storage.
struct EmbeddedModel {
  const uint8_t *plan;
  size_t planSize;
  uint64_t modelHash;
  const KernelEntry *kernels;
  size_t numKernels;
  /// The Halide device interface of GPU kernels, or null for CPU kernels.
  const halide_device_interface_t *(*deviceInterface)();
  /// "cuda" or "opencl" for GPU kernels, else "".
  const char *deviceName;
};

/// The main() of a train executable.
int trainMain(int argc, char **argv, const EmbeddedModel &model);

/// The main() of an infer executable.
int inferMain(int argc, char **argv, const EmbeddedModel &model);

} // namespace rt
} // namespace kiln

#endif // KILN_RUNTIME_KERNELTABLE_H

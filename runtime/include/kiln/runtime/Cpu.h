//===- Cpu.h - Whether this CPU runs the kernels' instructions --*- C++ -*-===//
//
// kilnc compiles kernels for one Halide target (the plan records it). An
// executable copied to, or built for, a CPU without one of the target's
// instruction sets would die of SIGILL in its first kernel; the executables
// check the target against the CPU before running anything and say what is
// missing instead.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_RUNTIME_CPU_H
#define KILN_RUNTIME_CPU_H

#include "kiln/runtime/Status.h"

#include <functional>
#include <string>

namespace kiln {
namespace rt {

/// Whether this CPU (and its operating system, for the register state)
/// supports the Halide x86 feature `feature` ("sse41", "avx", "avx2",
/// "fma", "f16c", "avx512", "avx512_skylake", "avx512_cannonlake",
/// "avx512_sapphirerapids"). False off x86 and for other names.
bool cpuHasFeature(const std::string &feature);

/// Checks that the kernels of a Halide target string run here: an x86
/// target needs an x86-64 CPU with each of its instruction-set features
/// (`hasFeature`: cpuHasFeature, or a stand-in in tests), an arm-64 target
/// an AArch64 CPU. Other features (OS, GPU APIs) are not the CPU's.
Status checkTargetRunsHere(
    const std::string &target,
    const std::function<bool(const std::string &)> &hasFeature = cpuHasFeature);

} // namespace rt
} // namespace kiln

#endif // KILN_RUNTIME_CPU_H

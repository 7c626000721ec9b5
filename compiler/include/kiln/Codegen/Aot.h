//===- Aot.h - Ahead-of-time compilation of kernels -------------*- C++ -*-===//
//
// Writes scheduled kernels as object files for a target, each without the
// Halide runtime, and the one Halide runtime object an executable links; and
// prints a kernel's lowered Halide statement (kilnc --emit=halide-stmt).
//
//===----------------------------------------------------------------------===//

#ifndef KILN_CODEGEN_AOT_H
#define KILN_CODEGEN_AOT_H

#include "kiln/Codegen/HalideLowering.h"

#include <string>

namespace kiln {
namespace codegen {

/// The Kiln target name of this machine: "x86-avx512" when the CPU has
/// AVX-512 (Skylake's subset), "arm64" on 64-bit ARM, else "x86-avx2".
std::string hostTargetName();

/// Whether code compiled for `target` runs on this machine (JIT or an
/// executable built here): same architecture and OS, no GPU, and no
/// instruction set the CPU lacks.
bool runsOnHost(const Halide::Target &target);

/// Parses a Kiln target name into a Halide target. Accepts Halide's own
/// target strings and Kiln's short names: "x86-avx2", "x86-avx512",
/// "arm64", "x86-cuda", "arm64-cuda", "x86-opencl", and "host" (the short
/// name hostTargetName() gives, never Halide's raw host detection). Returns
/// false and sets `error` on an unknown name.
bool parseTarget(const std::string &name, Halide::Target &target,
                 std::string &error);

/// Compiles `kernel` (already scheduled) into the object file `path` with
/// the C entry point `functionName`, leaving the Halide runtime out.
/// Returns "" or a message.
std::string compileKernelObject(HalideKernel &kernel,
                                const Halide::Target &target,
                                const std::string &path,
                                const std::string &functionName);

/// Writes the Halide runtime for `target` as the object file `path`.
std::string compileRuntimeObject(const Halide::Target &target,
                                 const std::string &path);

/// The lowered Halide statement of `kernel` for `target` (text), or a
/// message prefixed with "error: ".
std::string loweredStmt(HalideKernel &kernel, const Halide::Target &target);

} // namespace codegen
} // namespace kiln

#endif // KILN_CODEGEN_AOT_H

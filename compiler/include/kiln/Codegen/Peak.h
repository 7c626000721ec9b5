//===- Peak.h - The machine's measured FP32 peak ----------------*- C++ -*-===//
//
// An FMA microbenchmark, compiled by Halide for the same target the kernels
// use, so a benchmark can state each kernel's fraction of what this machine
// really reaches rather than of a datasheet figure.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_CODEGEN_PEAK_H
#define KILN_CODEGEN_PEAK_H

#include <Halide.h>

namespace kiln {
namespace codegen {

/// Runs independent chains of vector FMAs on every thread Halide uses and
/// returns the best rate seen, in GFLOP/s (an FMA counts two).
double measurePeakGflops(const Halide::Target &target);

} // namespace codegen
} // namespace kiln

#endif // KILN_CODEGEN_PEAK_H

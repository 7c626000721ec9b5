//===- Alignment.h - The byte alignment of every kernel buffer -*- C++ -*-===//
//
// The one alignment the memory plan, the runtime's arena and the compiled
// kernels agree on. kiln-plan-memory places buffers at multiples of it, the
// executor allocates the arena with it, and the Halide lowering declares it
// on outputs a kernel reads back (Halide then uses aligned vector loads, so
// a buffer with less alignment is reported rather than faulting).
//
//===----------------------------------------------------------------------===//

#ifndef KILN_RUNTIME_ALIGNMENT_H
#define KILN_RUNTIME_ALIGNMENT_H

#include <cstdint>

namespace kiln {
namespace rt {

/// Bytes; one AVX-512 vector, and a cache line.
inline constexpr int64_t kBufferAlignment = 64;

} // namespace rt
} // namespace kiln

#endif // KILN_RUNTIME_ALIGNMENT_H

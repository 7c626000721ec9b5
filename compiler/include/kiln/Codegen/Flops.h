//===- Flops.h - Floating-point work of kiln ops ----------------*- C++ -*-===//
//
// Counts the floating-point operations of an op (a multiply-add counts two),
// so benchmarks can report GFLOP/s and the fraction of the machine's peak.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_CODEGEN_FLOPS_H
#define KILN_CODEGEN_FLOPS_H

#include "mlir/IR/Operation.h"

#include <cstdint>

namespace kiln {
namespace codegen {

/// Floating-point operations `op` performs with the dynamic batch equal to
/// `batch`: exact for the reductions (convolutions, dense and their
/// gradients), one per result element for everything else. A convolution
/// counts every tap of its window, as the layer defines its work, though
/// codegen skips taps that read only padding (a 3x3 'same' window on a 1x1
/// map) and, under a fused pooling, positions no window reads (the last
/// row and column of an 11x11 map pooled 2x2/2): such kernels can show
/// more than the machine's peak.
double flopsOf(mlir::Operation *op, int64_t batch);

/// The sum of flopsOf over the ops of `block`.
double flopsOf(mlir::Block &block, int64_t batch);

} // namespace codegen
} // namespace kiln

#endif // KILN_CODEGEN_FLOPS_H

//===- Signature.h - Structural signatures of fused kernels -----*- C++ -*-===//
//
// What the tuning database is keyed by: a kernel's structure (its ops in
// order, their attributes, operand wiring and types), independent of SSA
// names, the kernel's name, locations and the module it sits in, so the same
// layer in two models, or in the same model compiled twice, finds the same
// entry, and any change in a shape or an attribute finds another.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_TUNING_SIGNATURE_H
#define KILN_TUNING_SIGNATURE_H

#include "mlir/IR/Block.h"

#include <cstdint>
#include <string>

namespace kiln {
namespace tuning {

/// The canonical text of a kernel body: one line per op with its name,
/// operands as positions (block argument `a<i>`, result `r<op>.<i>`), its
/// attribute dictionary and its operand and result types; then the block's
/// argument types. Locations and every name are left out.
std::string canonicalText(mlir::Block &body);

/// A stable hash of canonicalText (64-bit XXH3, 16 lower-case hex
/// digits): the kernel's key in the tuning database.
std::string kernelSignature(mlir::Block &body);

/// The batch extent the function holding `kernel` was planned at (its
/// `kiln.batch` attribute, set by kiln-plan-memory), or 0 when it has none.
int64_t plannedBatch(mlir::Operation *kernel);

} // namespace tuning
} // namespace kiln

#endif // KILN_TUNING_SIGNATURE_H

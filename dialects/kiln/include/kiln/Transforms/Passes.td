//===- Passes.td - Kiln dialect passes ---------------------*- tablegen -*-===//
//
// Every kiln pass is declared here with a `kiln-` flag and its options as pass
// options (no cl::opt). kiln-opt registers all of them.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_TRANSFORMS_PASSES_TD
#define KILN_TRANSFORMS_PASSES_TD

include "mlir/Pass/PassBase.td"

#endif // KILN_TRANSFORMS_PASSES_TD

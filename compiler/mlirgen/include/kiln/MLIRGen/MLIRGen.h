//===- MLIRGen.h - A resolved network as a kiln module ----------*- C++ -*-===//
//
// Builds the MLIR form of a model that the passes start from: a module with
// the model's name, class names and training set-up as attributes, and
// @forward, the forward pass in training form (input, step, parameters,
// state -> logits, updated state). The argument and attribute names are
// those of kiln/Transforms/Signature.h; every value comes resolved from the
// frontend's Network (explicit padding, dropout streams, initialisers,
// regularisers, every default), so this step decides nothing about the
// model, it only spells it in the dialect.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_MLIRGEN_MLIRGEN_H
#define KILN_MLIRGEN_MLIRGEN_H

#include "kiln/Frontend/Network.h"
#include "kiln/Frontend/Source.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/OwningOpRef.h"

namespace kiln {

/// Builds the @forward module of `net` in `context` (loading the kiln and
/// func dialects). Every op carries a FileLineColLoc of its layer in the
/// model file, named as `sources` names it, so later diagnostics point into
/// the .kiln file. Returns null after reporting through the context's
/// diagnostic handler when the module does not verify, which means the
/// frontend and the dialect disagree about a shape (a bug, not bad input).
mlir::OwningOpRef<mlir::ModuleOp>
mlirGen(mlir::MLIRContext &context, const frontend::Network &net,
        const frontend::SourceManager &sources);

} // namespace kiln

#endif // KILN_MLIRGEN_MLIRGEN_H

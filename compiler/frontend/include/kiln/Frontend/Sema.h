//===- Sema.h - Semantic analysis of Kiln model files -----------*- C++ -*-===//
//
// Turns a parsed file into a resolved Network: binds every call against the
// tables of Specs.h (unknown names, wrong types, bounds, missing options),
// builds the layer graph (undefined, duplicate and cyclic names; one input,
// one output), computes every shape with kiln/Shape/ShapeRules.h, creates the
// parameters, and fills the training and data set-up with defaults. Errors
// are reported with source ranges; analysis goes on past them where the rest
// of the file does not depend on the broken part.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_FRONTEND_SEMA_H
#define KILN_FRONTEND_SEMA_H

#include "kiln/Frontend/AST.h"
#include "kiln/Frontend/Diagnostics.h"
#include "kiln/Frontend/Network.h"

namespace kiln {
namespace frontend {

/// Options of semantic analysis.
struct SemaOptions {
  /// Set when the parser reported errors: the tree may miss statements, so
  /// only checks that do not depend on the missing parts are run (names and
  /// options of each layer and setting), not shapes or the graph's wiring.
  bool syntaxErrors = false;
};

/// Analyses `file` into `net`. Returns true when no error was reported.
bool analyze(const ast::File &file, const SourceManager &sources,
             DiagnosticEngine &diags, Network &net,
             const SemaOptions &options = {});

/// Lexes, parses and analyses one buffer: the whole frontend in one call.
/// Returns true when the file is a valid model.
bool compileBuffer(const SourceManager &sources, uint32_t file,
                   DiagnosticEngine &diags, Network &net);

} // namespace frontend
} // namespace kiln

#endif // KILN_FRONTEND_SEMA_H

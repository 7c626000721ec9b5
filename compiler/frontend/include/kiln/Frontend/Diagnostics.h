//===- Diagnostics.h - Errors and warnings about model files ----*- C++ -*-===//
//
// Every problem the frontend finds becomes a Diagnostic with a source range.
// They are printed as `file:line:col: error: message`, then the source line
// and a caret under the range, the way compilers users already know do it.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_FRONTEND_DIAGNOSTICS_H
#define KILN_FRONTEND_DIAGNOSTICS_H

#include "kiln/Frontend/Source.h"

#include <iosfwd>
#include <string>
#include <vector>

namespace kiln {
namespace frontend {

/// How bad a diagnostic is. Notes attach to the error or warning before them.
enum class Severity { Error, Warning, Note };

/// One reported problem.
struct Diagnostic {
  Severity severity;
  SourceRange range;
  std::string message;
};

/// Collects diagnostics, prints them as they arrive (when given a stream) and
/// stops accepting errors after a limit, so a garbage input cannot make the
/// frontend spend its time formatting thousands of messages.
class DiagnosticEngine {
public:
  /// `os` may be null to only collect (unit tests, the fuzzer).
  DiagnosticEngine(const SourceManager &sources, std::ostream *os)
      : sources(sources), os(os) {}

  void error(SourceRange range, const std::string &message);
  void warning(SourceRange range, const std::string &message);
  /// A note is shown only when the diagnostic it belongs to was shown.
  void note(SourceRange range, const std::string &message);

  unsigned getNumErrors() const { return numErrors; }
  bool hadError() const { return numErrors != 0; }
  /// True once the error limit is reached: callers stop early.
  bool shouldStop() const { return numErrors >= errorLimit; }
  void setErrorLimit(unsigned limit) { errorLimit = limit; }

  const std::vector<Diagnostic> &getDiagnostics() const { return diags; }

  /// Formats one diagnostic: location, severity, message, source line, caret.
  std::string format(const Diagnostic &diag) const;

private:
  void report(Severity severity, SourceRange range, const std::string &msg);

  const SourceManager &sources;
  std::ostream *os;
  std::vector<Diagnostic> diags;
  unsigned numErrors = 0;
  unsigned errorLimit = 20;
  bool lastShown = true;
};

} // namespace frontend
} // namespace kiln

#endif // KILN_FRONTEND_DIAGNOSTICS_H

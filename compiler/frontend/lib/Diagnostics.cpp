//===- Diagnostics.cpp - Errors and warnings about model files ------------===//

#include "kiln/Frontend/Diagnostics.h"

#include <algorithm>
#include <ostream>

namespace kiln {
namespace frontend {

void DiagnosticEngine::error(SourceRange range, const std::string &message) {
  report(Severity::Error, range, message);
}

void DiagnosticEngine::warning(SourceRange range, const std::string &message) {
  report(Severity::Warning, range, message);
}

void DiagnosticEngine::note(SourceRange range, const std::string &message) {
  report(Severity::Note, range, message);
}

void DiagnosticEngine::report(Severity severity, SourceRange range,
                              const std::string &msg) {
  if (severity == Severity::Note) {
    if (!lastShown)
      return;
  } else if (numErrors >= errorLimit) {
    lastShown = false;
    return;
  }
  lastShown = true;
  diags.push_back({severity, range, msg});
  if (severity == Severity::Error)
    ++numErrors;
  if (os)
    *os << format(diags.back());
  if (severity == Severity::Error && numErrors == errorLimit) {
    Diagnostic stop{Severity::Note, range,
                    "too many errors; stopping after " +
                        std::to_string(errorLimit)};
    diags.push_back(stop);
    if (os)
      *os << format(stop);
  }
}

std::string DiagnosticEngine::format(const Diagnostic &diag) const {
  static const char *const names[] = {"error", "warning", "note"};
  std::string out;
  const SourceLoc &b = diag.range.begin;
  if (b.isValid()) {
    out += sources.getName(b.file) + ":" + std::to_string(b.line) + ":" +
           std::to_string(b.col) + ": ";
  }
  out += names[static_cast<int>(diag.severity)];
  out += ": " + diag.message + "\n";
  if (!b.isValid())
    return out;
  std::string_view line = sources.getLineText(b);
  out.append(line.data(), line.size());
  out += '\n';
  // Keep tabs so the caret lines up under the source text.
  std::string marker;
  for (uint32_t i = 1; i < b.col && i - 1 < line.size(); ++i)
    marker += line[i - 1] == '\t' ? '\t' : ' ';
  marker += '^';
  const SourceLoc &e = diag.range.end;
  if (e.isValid() && e.line == b.line && e.col > b.col + 1) {
    uint32_t last = std::min<uint32_t>(e.col - 1, line.size());
    for (uint32_t i = b.col + 1; i <= last; ++i)
      marker += '~';
  }
  out += marker + "\n";
  return out;
}

} // namespace frontend
} // namespace kiln

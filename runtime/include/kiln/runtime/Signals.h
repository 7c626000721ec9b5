//===- Signals.h - Stop training cleanly on SIGINT/SIGTERM ------*- C++ -*-===//
//
// Ctrl-C (SIGINT) or a scheduler's SIGTERM should not lose a training run:
// the handlers installed here only set a flag (and say so on stderr); the
// training loop polls stopRequested() after each step, finishes that step,
// writes a checkpoint and exits. A second signal while a stop is pending
// restores the default action and re-raises it, so a stuck run can still be
// killed at once.
//
// The handlers and the flag are process-wide; install them once, from the
// thread that owns the training loop.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_RUNTIME_SIGNALS_H
#define KILN_RUNTIME_SIGNALS_H

#include "kiln/runtime/Status.h"

namespace kiln {
namespace rt {

/// True once SIGINT or SIGTERM arrived since the handlers were installed or
/// the request was cleared. Async-signal-safe.
bool stopRequested();

/// The signal that requested the stop, or 0.
int stopSignal();

/// "SIGINT", "SIGTERM" or "signal N".
const char *signalName(int signal);

/// Forgets a pending request (the next signal requests a stop again).
void clearStopRequest();

/// Installs the handlers for SIGINT and SIGTERM for its lifetime and puts
/// back the previous dispositions when destroyed. Clears any pending
/// request. Only one may exist at a time.
class ScopedStopHandlers {
public:
  ScopedStopHandlers();
  ~ScopedStopHandlers();
  ScopedStopHandlers(const ScopedStopHandlers &) = delete;
  ScopedStopHandlers &operator=(const ScopedStopHandlers &) = delete;

  /// Whether installing succeeded (it fails if sigaction fails or another
  /// instance is alive).
  const Status &status() const { return installStatus; }

private:
  Status installStatus;
  bool installed = false;
};

} // namespace rt
} // namespace kiln

#endif // KILN_RUNTIME_SIGNALS_H

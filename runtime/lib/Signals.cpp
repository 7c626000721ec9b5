//===- Signals.cpp - Stop training cleanly on SIGINT/SIGTERM --------------===//

#include "kiln/runtime/Signals.h"

#include <csignal>
#include <cstring>
#include <string>
#include <unistd.h>

namespace kiln {
namespace rt {

namespace {

/// The pending signal number, 0 when none; written only by the handler and
/// clearStopRequest().
volatile std::sig_atomic_t pendingSignal = 0;

/// The dispositions to restore, and whether an instance is alive.
struct sigaction previousInt, previousTerm;
bool active = false;

/// The handler of SIGINT and SIGTERM: records the first signal, ends the
/// process on the second.
void onStopSignal(int signo) {
  if (pendingSignal) {
    // Second signal: act as if we had never caught it.
    struct sigaction dfl;
    std::memset(&dfl, 0, sizeof(dfl));
    dfl.sa_handler = SIG_DFL;
    sigemptyset(&dfl.sa_mask);
    sigaction(signo, &dfl, nullptr);
    raise(signo);
    return;
  }
  pendingSignal = signo;
  // write() is async-signal-safe; stdio is not.
  static const char note[] =
      "\nkiln: stop requested; finishing the step and writing a checkpoint "
      "(signal again to abort)\n";
  ssize_t ignored = ::write(STDERR_FILENO, note, sizeof(note) - 1);
  (void)ignored;
}

} // namespace

bool stopRequested() { return pendingSignal != 0; }

int stopSignal() { return pendingSignal; }

const char *signalName(int signal) {
  switch (signal) {
  case SIGINT:
    return "SIGINT";
  case SIGTERM:
    return "SIGTERM";
  default: {
    static thread_local std::string name;
    name = "signal " + std::to_string(signal);
    return name.c_str();
  }
  }
}

void clearStopRequest() { pendingSignal = 0; }

ScopedStopHandlers::ScopedStopHandlers() {
  if (active) {
    installStatus = Status::error("stop-signal handlers are already installed");
    return;
  }
  struct sigaction sa;
  std::memset(&sa, 0, sizeof(sa));
  sa.sa_handler = onStopSignal;
  sigemptyset(&sa.sa_mask);
  // Interrupted system calls (a read of the data, a write of a checkpoint)
  // resume instead of failing with EINTR.
  sa.sa_flags = SA_RESTART;
  clearStopRequest();
  if (sigaction(SIGINT, &sa, &previousInt) != 0) {
    installStatus = Status::error(std::string("cannot install a SIGINT "
                                              "handler: ") +
                                  std::strerror(errno));
    return;
  }
  if (sigaction(SIGTERM, &sa, &previousTerm) != 0) {
    installStatus = Status::error(std::string("cannot install a SIGTERM "
                                              "handler: ") +
                                  std::strerror(errno));
    sigaction(SIGINT, &previousInt, nullptr);
    return;
  }
  active = installed = true;
}

ScopedStopHandlers::~ScopedStopHandlers() {
  if (!installed)
    return;
  sigaction(SIGINT, &previousInt, nullptr);
  sigaction(SIGTERM, &previousTerm, nullptr);
  active = false;
}

} // namespace rt
} // namespace kiln

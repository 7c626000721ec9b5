//===- EarlyStopping.h - Keras' EarlyStopping, a state machine -*- C++ -*-===//
//
// Stops training when a monitored validation figure has not improved by
// more than min_delta for `patience` epochs, as keras.callbacks.EarlyStopping
// does (report 003: val_loss, patience 10, at most 100 epochs). The training
// loop feeds it each epoch's figure and acts on the decision: keep a copy of
// the weights when the epoch is the best so far, stop when told, and restore
// the best copy when restoreBest is set. The state is plain data so it can be
// saved with a checkpoint and a resumed run decides as the original would.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_RUNTIME_EARLYSTOPPING_H
#define KILN_RUNTIME_EARLYSTOPPING_H

#include "kiln/runtime/Status.h"

#include <optional>
#include <string>

namespace kiln {
namespace rt {

/// The monitored figure.
enum class Monitor { ValLoss, ValAccuracy, Loss, Accuracy };

/// The Keras name of `monitor` ("val_loss", ...).
const char *monitorName(Monitor monitor);

/// The figure called `name` in Keras, or nothing.
std::optional<Monitor> parseMonitor(const std::string &name);

/// EarlyStopping's arguments; losses are minimised and accuracies
/// maximised (Keras' mode="auto").
struct EarlyStoppingConfig {
  Monitor monitor = Monitor::ValLoss;
  /// An improvement must exceed this (absolute) amount.
  double minDelta = 0;
  /// Epochs without improvement before stopping.
  int patience = 0;
  /// Return to the best epoch's weights when stopping.
  bool restoreBest = false;
};

/// What the training loop does after an epoch.
struct EarlyStoppingDecision {
  /// This epoch is the best so far: keep its weights (when restoring).
  bool improved = false;
  /// Stop training now.
  bool stop = false;
  /// Before stopping, restore the weights of bestEpoch.
  bool restoreBest = false;
};

/// The state between epochs, plain data.
struct EarlyStoppingState {
  /// Epochs since the last improvement.
  int wait = 0;
  /// The best figure so far; meaningless while bestEpoch is -1.
  double best = 0;
  /// The 0-based epoch of `best`; -1 before the first epoch.
  int bestEpoch = -1;
};

/// The state machine.
class EarlyStopping {
public:
  explicit EarlyStopping(EarlyStoppingConfig config,
                         EarlyStoppingState state = {});

  /// Takes the monitored figure of 0-based `epoch`. A NaN figure (a
  /// diverged loss) never counts as an improvement.
  EarlyStoppingDecision update(int epoch, double value);

  /// True when a larger value is better (accuracies).
  bool maximises() const;
  const EarlyStoppingConfig &config() const { return cfg; }
  const EarlyStoppingState &state() const { return st; }

private:
  EarlyStoppingConfig cfg;
  EarlyStoppingState st;
};

/// Checks `config` (patience and min_delta non-negative), naming the field.
Status validateEarlyStopping(const EarlyStoppingConfig &config);

} // namespace rt
} // namespace kiln

#endif // KILN_RUNTIME_EARLYSTOPPING_H

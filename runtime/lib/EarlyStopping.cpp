//===- EarlyStopping.cpp - Keras' EarlyStopping as a state machine --------===//

#include "kiln/runtime/EarlyStopping.h"

#include <cmath>

namespace kiln {
namespace rt {

namespace {

/// A monitored figure: its Keras name and whether larger is better.
struct MonitorInfo {
  Monitor monitor;
  const char *name;
  bool maximise;
};

/// Every monitor, the one table of names and directions.
constexpr MonitorInfo kMonitors[] = {
    {Monitor::ValLoss, "val_loss", false},
    {Monitor::ValAccuracy, "val_accuracy", true},
    {Monitor::Loss, "loss", false},
    {Monitor::Accuracy, "accuracy", true},
};

/// The table row of `m`.
const MonitorInfo &infoOf(Monitor m) {
  for (const MonitorInfo &i : kMonitors)
    if (i.monitor == m)
      return i;
  return kMonitors[0];
}

} // namespace

const char *monitorName(Monitor monitor) { return infoOf(monitor).name; }

std::optional<Monitor> parseMonitor(const std::string &name) {
  for (const MonitorInfo &i : kMonitors)
    if (name == i.name)
      return i.monitor;
  return std::nullopt;
}

EarlyStopping::EarlyStopping(EarlyStoppingConfig config,
                             EarlyStoppingState state)
    : cfg(config), st(state) {}

bool EarlyStopping::maximises() const { return infoOf(cfg.monitor).maximise; }

EarlyStoppingDecision EarlyStopping::update(int epoch, double value) {
  EarlyStoppingDecision d;
  // Keras: improvement when (value - min_delta) > best for a maximised
  // figure, (value + min_delta) < best for a minimised one; the first epoch
  // always improves on the initial +-infinity.
  bool improved;
  if (std::isnan(value))
    improved = false;
  else if (st.bestEpoch < 0)
    improved = true;
  else if (maximises())
    improved = value - cfg.minDelta > st.best;
  else
    improved = value + cfg.minDelta < st.best;
  if (improved) {
    st.best = value;
    st.bestEpoch = epoch;
    st.wait = 0;
    d.improved = true;
    return d;
  }
  // Only an epoch without improvement can stop the run (so patience 0
  // stops at the first such epoch); for patience >= 1 every Keras version
  // agrees with this.
  ++st.wait;
  if (st.wait >= cfg.patience && epoch > 0) {
    d.stop = true;
    d.restoreBest = cfg.restoreBest && st.bestEpoch >= 0;
  }
  return d;
}

Status validateEarlyStopping(const EarlyStoppingConfig &config) {
  if (config.patience < 0)
    return Status::error("early stopping patience " +
                         std::to_string(config.patience) +
                         " must not be negative");
  if (!(config.minDelta >= 0))
    return Status::error("early stopping min_delta " +
                         std::to_string(config.minDelta) +
                         " must not be negative");
  return Status::ok();
}

} // namespace rt
} // namespace kiln

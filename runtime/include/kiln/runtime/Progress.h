//===- Progress.h - Keras-style epoch lines and progress bar ----*- C++ -*-===//
//
// Console output in the form of Keras' Progbar (verbose=1), so a Kiln run
// reads like the reports' logs:
//
//   Epoch 1/10
//   750/750 [=========...=====] - 47s 63ms/step - loss: 0.5846 - accuracy: ...
//
// The bar with its ETA is redrawn in place only when the output is a
// terminal; otherwise (a log file, a pipe) only the final line of each
// epoch is written. Times are passed in, so the formatting is testable.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_RUNTIME_PROGRESS_H
#define KILN_RUNTIME_PROGRESS_H

#include <cstdint>
#include <cstdio>
#include <string>
#include <utility>
#include <vector>

namespace kiln {
namespace rt {

/// Named values shown after the bar, in order ("loss", 0.5846).
using MetricList = std::vector<std::pair<std::string, double>>;

/// " - loss: 0.5846 - accuracy: 0.7841": 4 decimals, or 4 significant
/// digits in exponent form for magnitudes up to 1e-3, as Keras prints.
std::string formatMetrics(const MetricList &metrics);

/// " 60ms/step": the time per step in s, ms or us as Keras chooses.
std::string formatStepTime(double secondsPerStep);

/// "ETA: 1:02:03", "ETA: 5:07" or "ETA: 42s" (truncated seconds).
std::string formatEta(double seconds);

/// " 37/750 [=>............................]": the count right-aligned to
/// the width of the total, `width` bar cells.
std::string formatBar(int64_t current, int64_t total, int width = 30);

/// "Epoch 3/10".
std::string formatEpochHeader(int epoch, int epochs);

/// The line while an epoch runs: bar, " - ETA: ..." and the metrics.
std::string formatProgressLine(int64_t current, int64_t total,
                               double elapsedSeconds,
                               const MetricList &metrics);

/// The final line of an epoch: full bar, " - 47s 60ms/step" and metrics.
std::string formatEpochLine(int64_t steps, double elapsedSeconds,
                            const MetricList &metrics);

/// True when `stream` is a terminal (isatty on its descriptor).
bool isTerminal(std::FILE *stream);

/// Draws one epoch's progress to a stream it does not own (which must
/// outlive it).
class ProgressBar {
public:
  /// Draws in place only when `out` is a terminal.
  ProgressBar(int64_t totalSteps, std::FILE *out);
  /// Draws in place when `interactive`, whatever `out` is.
  ProgressBar(int64_t totalSteps, std::FILE *out, bool interactive);

  /// Step `current` (1-based) is done after `elapsedSeconds`. Redraws when
  /// interactive and at least `kMinRedrawSeconds` passed since the last
  /// drawing; otherwise writes nothing.
  void update(int64_t current, double elapsedSeconds,
              const MetricList &metrics);

  /// Writes the epoch's final line (in place of the bar when interactive)
  /// followed by `suffix` (e.g. " - 2500 images/s") and a newline.
  void finish(double elapsedSeconds, const MetricList &metrics,
              const std::string &suffix = "");

  bool isInteractive() const { return interactive; }

  /// Keras' Progbar interval.
  static constexpr double kMinRedrawSeconds = 0.05;

private:
  void draw(const std::string &line);

  int64_t total;
  std::FILE *out;
  bool interactive;
  double lastDrawn = -1;
  size_t lastWidth = 0;
};

} // namespace rt
} // namespace kiln

#endif // KILN_RUNTIME_PROGRESS_H

//===- Progress.cpp - Keras-style epoch lines and progress bar ------------===//

#include "kiln/runtime/Progress.h"

#include <cmath>
#include <unistd.h>

namespace kiln {
namespace rt {

namespace {

/// snprintf of one double into a string.
std::string printf1(const char *format, double v) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), format, v);
  return buf;
}

} // namespace

std::string formatMetrics(const MetricList &metrics) {
  std::string out;
  for (const auto &[name, value] : metrics) {
    out += " - " + name + ":";
    out += std::fabs(value) > 1e-3 ? printf1(" %.4f", value)
                                   : printf1(" %.4e", value);
  }
  return out;
}

std::string formatStepTime(double secondsPerStep) {
  if (secondsPerStep >= 1 || secondsPerStep == 0)
    return printf1(" %.0fs/step", secondsPerStep);
  if (secondsPerStep >= 1e-3)
    return printf1(" %.0fms/step", secondsPerStep * 1e3);
  return printf1(" %.0fus/step", secondsPerStep * 1e6);
}

std::string formatEta(double seconds) {
  long eta = static_cast<long>(seconds);
  char buf[64];
  if (seconds > 3600)
    std::snprintf(buf, sizeof(buf), "ETA: %ld:%02ld:%02ld", eta / 3600,
                  (eta % 3600) / 60, eta % 60);
  else if (seconds > 60)
    std::snprintf(buf, sizeof(buf), "ETA: %ld:%02ld", eta / 60, eta % 60);
  else
    std::snprintf(buf, sizeof(buf), "ETA: %lds", eta);
  return buf;
}

std::string formatBar(int64_t current, int64_t total, int width) {
  int digits = static_cast<int>(std::to_string(total).size());
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%*lld/%lld [", digits,
                static_cast<long long>(current), static_cast<long long>(total));
  std::string bar = buf;
  int filled =
      total > 0 ? static_cast<int>(width * (double(current) / total)) : width;
  filled = std::min(filled, width);
  if (filled > 0) {
    bar.append(filled - 1, '=');
    bar.push_back(current < total ? '>' : '=');
  }
  bar.append(width - filled, '.');
  bar.push_back(']');
  return bar;
}

std::string formatEpochHeader(int epoch, int epochs) {
  return "Epoch " + std::to_string(epoch) + "/" + std::to_string(epochs);
}

std::string formatProgressLine(int64_t current, int64_t total,
                               double elapsedSeconds,
                               const MetricList &metrics) {
  double perStep = current > 0 ? elapsedSeconds / current : 0;
  return formatBar(current, total) + " - " +
         formatEta(perStep * double(total - current)) + formatMetrics(metrics);
}

std::string formatEpochLine(int64_t steps, double elapsedSeconds,
                            const MetricList &metrics) {
  double perStep = steps > 0 ? elapsedSeconds / steps : 0;
  return formatBar(steps, steps) + printf1(" - %.0fs", elapsedSeconds) +
         formatStepTime(perStep) + formatMetrics(metrics);
}

bool isTerminal(std::FILE *stream) {
  return stream && ::isatty(::fileno(stream)) == 1;
}

ProgressBar::ProgressBar(int64_t totalSteps, std::FILE *out)
    : ProgressBar(totalSteps, out, isTerminal(out)) {}

ProgressBar::ProgressBar(int64_t totalSteps, std::FILE *out, bool interactive)
    : total(totalSteps), out(out), interactive(interactive) {}

void ProgressBar::draw(const std::string &line) {
  // Return to the line start and blank out what a longer line left.
  std::string text = "\r" + line;
  if (line.size() < lastWidth)
    text.append(lastWidth - line.size(), ' ');
  lastWidth = line.size();
  std::fputs(text.c_str(), out);
  std::fflush(out);
}

void ProgressBar::update(int64_t current, double elapsedSeconds,
                         const MetricList &metrics) {
  if (!interactive)
    return;
  if (lastDrawn >= 0 && elapsedSeconds - lastDrawn < kMinRedrawSeconds &&
      current < total)
    return;
  lastDrawn = elapsedSeconds;
  draw(formatProgressLine(current, total, elapsedSeconds, metrics));
}

void ProgressBar::finish(double elapsedSeconds, const MetricList &metrics,
                         const std::string &suffix) {
  std::string line = formatEpochLine(total, elapsedSeconds, metrics) + suffix;
  if (interactive)
    draw(line);
  else
    std::fputs(line.c_str(), out);
  std::fputs("\n", out);
  std::fflush(out);
}

} // namespace rt
} // namespace kiln

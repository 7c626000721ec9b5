//===- Metrics.cpp - Accuracy, confusion matrix, classification report ----===//

#include "kiln/runtime/Metrics.h"

#include "kiln/runtime/Json.h"

#include <algorithm>
#include <cstdio>

namespace kiln {
namespace rt {

namespace {

/// a / b, or 0 when b is 0 (scikit-learn's zero_division default).
double ratio(double a, double b) { return b == 0 ? 0.0 : a / b; }

/// Python's "{:>{width}s}".
std::string padLeft(const std::string &s, size_t width) {
  return s.size() >= width ? s : std::string(width - s.size(), ' ') + s;
}

/// Python's "{:>9.{digits}f}".
std::string fixed(double v, int digits) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%9.*f", digits, v);
  return buf;
}

/// Writes one row of scores as a JSON object.
void scoresJson(JsonWriter &json, const ClassScores &s) {
  json.beginObject()
      .key("precision")
      .value(s.precision)
      .key("recall")
      .value(s.recall)
      .key("f1-score")
      .value(s.f1)
      .key("support")
      .value(s.support)
      .endObject();
}

} // namespace

int32_t argmax(const float *scores, int n) {
  int32_t best = 0;
  for (int i = 1; i < n; ++i)
    if (scores[i] > scores[best])
      best = i;
  return best;
}

ConfusionMatrix::ConfusionMatrix(int numClasses)
    : n(std::max(numClasses, 1)), counts(size_t(n) * n, 0) {}

Status ConfusionMatrix::add(int32_t trueClass, int32_t predictedClass) {
  if (trueClass < 0 || trueClass >= n || predictedClass < 0 ||
      predictedClass >= n)
    return Status::error("class pair (" + std::to_string(trueClass) + ", " +
                         std::to_string(predictedClass) + ") is outside the " +
                         std::to_string(n) +
                         " classes of the confusion matrix");
  ++counts[size_t(trueClass) * n + predictedClass];
  ++samples;
  return Status::ok();
}

Status ConfusionMatrix::addScores(const int32_t *trueClasses,
                                  const float *scores, int64_t count) {
  for (int64_t i = 0; i < count; ++i)
    if (Status s = add(trueClasses[i], argmax(scores + i * n, n)); !s)
      return s;
  return Status::ok();
}

double ConfusionMatrix::accuracy() const {
  int64_t correct = 0;
  for (int c = 0; c < n; ++c)
    correct += at(c, c);
  return ratio(double(correct), double(samples));
}

ClassificationReport classificationReport(const ConfusionMatrix &matrix,
                                          std::vector<std::string> names) {
  int n = matrix.numClasses();
  ClassificationReport r;
  names.resize(n);
  for (int c = 0; c < n; ++c)
    if (names[c].empty())
      names[c] = std::to_string(c);
  r.names = std::move(names);
  int64_t total = matrix.total();
  for (int c = 0; c < n; ++c) {
    int64_t tp = matrix.at(c, c), predicted = 0, support = 0;
    for (int k = 0; k < n; ++k) {
      predicted += matrix.at(k, c);
      support += matrix.at(c, k);
    }
    ClassScores s;
    s.precision = ratio(double(tp), double(predicted));
    s.recall = ratio(double(tp), double(support));
    s.f1 = ratio(2 * s.precision * s.recall, s.precision + s.recall);
    s.support = support;
    r.classes.push_back(s);
    r.macroAvg.precision += s.precision;
    r.macroAvg.recall += s.recall;
    r.macroAvg.f1 += s.f1;
    r.weightedAvg.precision += s.precision * double(support);
    r.weightedAvg.recall += s.recall * double(support);
    r.weightedAvg.f1 += s.f1 * double(support);
  }
  r.macroAvg.precision /= n;
  r.macroAvg.recall /= n;
  r.macroAvg.f1 /= n;
  r.weightedAvg.precision = ratio(r.weightedAvg.precision, double(total));
  r.weightedAvg.recall = ratio(r.weightedAvg.recall, double(total));
  r.weightedAvg.f1 = ratio(r.weightedAvg.f1, double(total));
  r.macroAvg.support = r.weightedAvg.support = total;
  r.accuracy = matrix.accuracy();
  return r;
}

std::string formatClassificationReport(const ClassificationReport &report,
                                       int digits) {
  // scikit-learn: width = max(longest name, len("weighted avg"), digits);
  // each column is " {:>9}" after the name column and one space.
  size_t width = std::max<size_t>(12, static_cast<size_t>(digits));
  for (const std::string &name : report.names)
    width = std::max(width, name.size());
  std::string out = std::string(width, ' ') + " " + " " +
                    padLeft("precision", 9) + " " + padLeft("recall", 9) + " " +
                    padLeft("f1-score", 9) + " " + padLeft("support", 9) +
                    "\n\n";
  auto row = [&](const std::string &name, const ClassScores &s) {
    out += padLeft(name, width) + " " + " " + fixed(s.precision, digits) + " " +
           fixed(s.recall, digits) + " " + fixed(s.f1, digits) + " " +
           padLeft(std::to_string(s.support), 9) + "\n";
  };
  for (size_t c = 0; c < report.classes.size(); ++c)
    row(report.names[c], report.classes[c]);
  out += "\n";
  out += padLeft("accuracy", width) + " " + " " + std::string(9, ' ') + " " +
         std::string(9, ' ') + " " + fixed(report.accuracy, digits) + " " +
         padLeft(std::to_string(report.macroAvg.support), 9) + "\n";
  row("macro avg", report.macroAvg);
  row("weighted avg", report.weightedAvg);
  return out;
}

std::string formatConfusionMatrix(const ConfusionMatrix &matrix,
                                  const std::vector<std::string> &classNames) {
  int n = matrix.numClasses();
  bool named = classNames.size() == static_cast<size_t>(n);
  auto rowLabel = [&](int t) {
    return named ? classNames[t] + " " + std::to_string(t) : std::to_string(t);
  };
  size_t width = std::to_string(n - 1).size();
  for (int t = 0; t < n; ++t)
    for (int p = 0; p < n; ++p)
      width = std::max(width, std::to_string(matrix.at(t, p)).size());
  std::string out = "true\\pred";
  size_t label = out.size();
  for (int t = 0; t < n; ++t)
    label = std::max(label, rowLabel(t).size());
  out = padLeft(out, label);
  for (int p = 0; p < n; ++p)
    out += " " + padLeft(std::to_string(p), width);
  out += "\n";
  for (int t = 0; t < n; ++t) {
    out += padLeft(rowLabel(t), label);
    for (int p = 0; p < n; ++p)
      out += " " + padLeft(std::to_string(matrix.at(t, p)), width);
    out += "\n";
  }
  return out;
}

std::string classificationReportJson(const ClassificationReport &report,
                                     const ConfusionMatrix &matrix) {
  JsonWriter json;
  writeClassificationReport(json, report, matrix);
  return json.str();
}

void writeClassificationReport(JsonWriter &json,
                               const ClassificationReport &report,
                               const ConfusionMatrix &matrix) {
  json.beginObject();
  for (size_t c = 0; c < report.classes.size(); ++c) {
    json.key(report.names[c]);
    scoresJson(json, report.classes[c]);
  }
  json.key("accuracy").value(report.accuracy);
  json.key("macro avg");
  scoresJson(json, report.macroAvg);
  json.key("weighted avg");
  scoresJson(json, report.weightedAvg);
  json.key("confusion_matrix").beginArray();
  for (int t = 0; t < matrix.numClasses(); ++t) {
    json.beginArray(true);
    for (int p = 0; p < matrix.numClasses(); ++p)
      json.value(matrix.at(t, p));
    json.endArray();
  }
  json.endArray();
  json.endObject();
}

} // namespace rt
} // namespace kiln

//===- Metrics.h - Accuracy, confusion matrix, class report -----*- C++ -*-===//
//
// Evaluation results as the reports give them: accuracy, the confusion
// matrix (rows are true classes, columns predictions, as scikit-learn's
// confusion_matrix), and scikit-learn's classification_report: per-class
// precision, recall, F1 and support with macro and support-weighted
// averages, 0 where a ratio is undefined (its zero_division default), as
// text in its layout and as JSON in its output_dict form.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_RUNTIME_METRICS_H
#define KILN_RUNTIME_METRICS_H

#include "kiln/runtime/Status.h"

#include <cstdint>
#include <string>
#include <vector>

namespace kiln {
namespace rt {

/// The index of the largest of `n` scores; the first on ties (as argmax).
int32_t argmax(const float *scores, int n);

/// Counts of (true class, predicted class) pairs.
class ConfusionMatrix {
public:
  explicit ConfusionMatrix(int numClasses);

  /// Counts one prediction. Fails when either class is out of range.
  Status add(int32_t trueClass, int32_t predictedClass);
  /// Counts `count` predictions given as rows of numClasses() scores
  /// (probabilities or logits): the prediction is each row's argmax.
  Status addScores(const int32_t *trueClasses, const float *scores,
                   int64_t count);

  int numClasses() const { return n; }
  /// The number of samples of class `trueClass` predicted as `predicted`.
  int64_t at(int trueClass, int predicted) const {
    return counts[size_t(trueClass) * n + predicted];
  }
  int64_t total() const { return samples; }
  /// Correct predictions over all predictions; 0 when empty.
  double accuracy() const;

private:
  int n;
  int64_t samples = 0;
  std::vector<int64_t> counts;
};

/// Precision, recall, F1 and support of one class or one average.
struct ClassScores {
  double precision = 0;
  double recall = 0;
  double f1 = 0;
  int64_t support = 0;
};

/// scikit-learn's classification_report over every class of a matrix.
struct ClassificationReport {
  std::vector<std::string> names;
  std::vector<ClassScores> classes;
  double accuracy = 0;
  ClassScores macroAvg;
  ClassScores weightedAvg;
};

/// The report of `matrix`; `names` (one per class) label the rows, class
/// numbers are used when it is empty.
ClassificationReport classificationReport(const ConfusionMatrix &matrix,
                                          std::vector<std::string> names = {});

/// The report as scikit-learn prints it with `digits` decimals.
std::string formatClassificationReport(const ClassificationReport &report,
                                       int digits = 2);

/// The matrix as an aligned text grid with class numbers on both axes; with
/// `classNames` (one per class), each row also names its true class, so a
/// model trained on selected labels shows which classes the numbers are.
std::string
formatConfusionMatrix(const ConfusionMatrix &matrix,
                      const std::vector<std::string> &classNames = {});

/// The report as scikit-learn's output_dict (per-class objects, "accuracy",
/// "macro avg", "weighted avg") plus "confusion_matrix" (rows of counts).
std::string classificationReportJson(const ClassificationReport &report,
                                     const ConfusionMatrix &matrix);

class JsonWriter;
/// classificationReportJson()'s object written as the next value of `json`,
/// to embed the report in a larger document.
void writeClassificationReport(JsonWriter &json,
                               const ClassificationReport &report,
                               const ConfusionMatrix &matrix);

} // namespace rt
} // namespace kiln

#endif // KILN_RUNTIME_METRICS_H

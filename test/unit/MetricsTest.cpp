//===- MetricsTest.cpp - Confusion matrix and classification report -------===//

#include "kiln/runtime/Metrics.h"
#include "kiln/runtime/Json.h"

#include <gtest/gtest.h>

#include <cmath>

using namespace kiln::rt;

namespace {

/// The 4-class matrix of the hand computation below:
///   true\pred  0 1 2 3
///       0      5 1 0 0
///       1      2 3 1 0
///       2      0 0 0 0   (never true, predicted once)
///       3      1 0 0 2
ConfusionMatrix handMatrix() {
  ConfusionMatrix m(4);
  int counts[4][4] = {{5, 1, 0, 0}, {2, 3, 1, 0}, {0, 0, 0, 0}, {1, 0, 0, 2}};
  for (int t = 0; t < 4; ++t)
    for (int p = 0; p < 4; ++p)
      for (int k = 0; k < counts[t][p]; ++k)
        EXPECT_TRUE(m.add(t, p));
  return m;
}

// Tests per-class and averaged scores against values worked out by hand:
// precision tp / column sum, recall tp / row sum, F1 2tp / (2tp + fp + fn),
// 0 where undefined (class 2 has no support and no correct prediction).
TEST(Metrics, ReportMatchesHandComputation) {
  ConfusionMatrix m = handMatrix();
  EXPECT_EQ(m.total(), 15);
  EXPECT_DOUBLE_EQ(m.accuracy(), 10.0 / 15);
  ClassificationReport r = classificationReport(m);
  ASSERT_EQ(r.classes.size(), 4u);
  EXPECT_EQ(r.names, (std::vector<std::string>{"0", "1", "2", "3"}));
  const double p[] = {5.0 / 8, 3.0 / 4, 0, 1};
  const double rc[] = {5.0 / 6, 3.0 / 6, 0, 2.0 / 3};
  const double f[] = {10.0 / 14, 6.0 / 10, 0, 4.0 / 5};
  const int64_t support[] = {6, 6, 0, 3};
  for (int c = 0; c < 4; ++c) {
    EXPECT_DOUBLE_EQ(r.classes[c].precision, p[c]) << c;
    EXPECT_DOUBLE_EQ(r.classes[c].recall, rc[c]) << c;
    EXPECT_NEAR(r.classes[c].f1, f[c], 1e-15) << c;
    EXPECT_EQ(r.classes[c].support, support[c]) << c;
  }
  EXPECT_DOUBLE_EQ(r.macroAvg.precision, 2.375 / 4);
  EXPECT_DOUBLE_EQ(r.macroAvg.recall, 0.5);
  EXPECT_NEAR(r.macroAvg.f1, (10.0 / 14 + 0.6 + 0.8) / 4, 1e-15);
  EXPECT_DOUBLE_EQ(r.weightedAvg.precision, 11.25 / 15);
  EXPECT_DOUBLE_EQ(r.weightedAvg.recall, 10.0 / 15);
  EXPECT_NEAR(r.weightedAvg.f1, (60.0 / 14 + 3.6 + 2.4) / 15, 1e-15);
  EXPECT_EQ(r.macroAvg.support, 15);
  EXPECT_EQ(r.weightedAvg.support, 15);
}

// Tests the text layout against scikit-learn's format strings applied to the
// hand-computed values (0.625 rounds half to even, to 0.62, in both).
TEST(Metrics, ReportText) {
  ConfusionMatrix m = handMatrix();
  ClassificationReport r =
      classificationReport(m, {"T-shirt/top", "b", "c", "d"});
  EXPECT_EQ(formatClassificationReport(r),
            "              precision    recall  f1-score   support\n"
            "\n"
            " T-shirt/top       0.62      0.83      0.71         6\n"
            "           b       0.75      0.50      0.60         6\n"
            "           c       0.00      0.00      0.00         0\n"
            "           d       1.00      0.67      0.80         3\n"
            "\n"
            "    accuracy                           0.67        15\n"
            "   macro avg       0.59      0.50      0.53        15\n"
            "weighted avg       0.75      0.67      0.69        15\n");
}

// Tests the example of scikit-learn's classification_report documentation
// (y_true = [0, 1, 2, 2, 2], y_pred = [0, 0, 2, 2, 1]) character for
// character, built from predicted scores through argmax.
TEST(Metrics, ScikitLearnDocumentationExample) {
  ConfusionMatrix m(3);
  int32_t truth[] = {0, 1, 2, 2, 2};
  float scores[] = {0.9f, 0.1f, 0.0f, 0.6f, 0.3f, 0.1f, 0.1f, 0.2f,
                    0.7f, 0.0f, 0.0f, 1.0f, 0.2f, 0.5f, 0.3f};
  ASSERT_TRUE(m.addScores(truth, scores, 5));
  ClassificationReport r =
      classificationReport(m, {"class 0", "class 1", "class 2"});
  EXPECT_EQ(formatClassificationReport(r),
            "              precision    recall  f1-score   support\n"
            "\n"
            "     class 0       0.50      1.00      0.67         1\n"
            "     class 1       0.00      0.00      0.00         1\n"
            "     class 2       1.00      0.67      0.80         3\n"
            "\n"
            "    accuracy                           0.60         5\n"
            "   macro avg       0.50      0.56      0.49         5\n"
            "weighted avg       0.70      0.60      0.61         5\n");
  // digits=4 widens nothing but the decimals.
  std::string four = formatClassificationReport(r, 4);
  EXPECT_NE(
      four.find("     class 2     1.0000    0.6667    0.8000         3\n"),
      std::string::npos)
      << four;
}

// Tests the JSON form: scikit-learn's output_dict keys and the matrix rows.
TEST(Metrics, ReportJson) {
  ConfusionMatrix m = handMatrix();
  ClassificationReport r = classificationReport(m, {"a", "b", "c", "d"});
  std::string json = classificationReportJson(r, m);
  EXPECT_EQ(json.substr(0, 69), "{\n"
                                "  \"a\": {\n"
                                "    \"precision\": 0.625,\n"
                                "    \"recall\": 0.8333333333333334,\n");
  EXPECT_NE(json.find("\"accuracy\": 0.6666666666666666,"), std::string::npos)
      << json;
  EXPECT_NE(json.find("\"weighted avg\": {\n    \"precision\": 0.75,"),
            std::string::npos)
      << json;
  EXPECT_NE(json.find("\"confusion_matrix\": [\n    [5, 1, 0, 0],\n    [2, 3, "
                      "1, 0],\n    [0, 0, 0, 0],\n    [1, 0, 0, 2]\n  ]\n}\n"),
            std::string::npos)
      << json;
}

// Tests the text grid of the matrix.
TEST(Metrics, ConfusionMatrixText) {
  ConfusionMatrix m(3);
  ASSERT_TRUE(m.add(0, 0));
  for (int i = 0; i < 12; ++i)
    ASSERT_TRUE(m.add(2, 1));
  EXPECT_EQ(formatConfusionMatrix(m), "true\\pred  0  1  2\n"
                                      "        0  1  0  0\n"
                                      "        1  0  0  0\n"
                                      "        2  0 12  0\n");
  // With class names, each row names its true class.
  EXPECT_EQ(formatConfusionMatrix(m, {"Trouser", "Bag", "Coat"}),
            "true\\pred  0  1  2\n"
            "Trouser 0  1  0  0\n"
            "    Bag 1  0  0  0\n"
            "   Coat 2  0 12  0\n");
  // A list of another length is ignored.
  EXPECT_EQ(formatConfusionMatrix(m, {"a"}), formatConfusionMatrix(m));
}

// Tests argmax ties, out-of-range classes and an empty matrix.
TEST(Metrics, EdgeCases) {
  float tie[] = {0.2f, 0.5f, 0.5f};
  EXPECT_EQ(argmax(tie, 3), 1);
  ConfusionMatrix m(10);
  Status s = m.add(3, 10);
  ASSERT_FALSE(s);
  EXPECT_EQ(s.message(), "class pair (3, 10) is outside the 10 classes of "
                         "the confusion matrix");
  EXPECT_FALSE(m.add(-1, 0));
  EXPECT_EQ(m.total(), 0);
  EXPECT_EQ(m.accuracy(), 0.0);
  ClassificationReport r = classificationReport(m);
  EXPECT_EQ(r.weightedAvg.f1, 0.0);
  EXPECT_EQ(r.macroAvg.precision, 0.0);
}

// Tests the JSON writer: escaping, non-finite numbers, nesting, compact
// arrays and the shortest round-trip number form.
TEST(Json, Writer) {
  JsonWriter json;
  json.beginObject()
      .key("s")
      .value("a\"b\\c\nd\x01")
      .key("n")
      .beginArray(true)
      .value(0.1)
      .value(1e-7)
      .value(3.0)
      .value(NAN)
      .value(int64_t(-4))
      .endArray()
      .key("o")
      .beginObject()
      .key("t")
      .value(true)
      .key("z")
      .null()
      .endObject()
      .key("e")
      .beginArray()
      .endArray()
      .endObject();
  EXPECT_EQ(json.str(), "{\n"
                        "  \"s\": \"a\\\"b\\\\c\\nd\\u0001\",\n"
                        "  \"n\": [0.1, 1e-07, 3, null, -4],\n"
                        "  \"o\": {\n"
                        "    \"t\": true,\n"
                        "    \"z\": null\n"
                        "  },\n"
                        "  \"e\": []\n"
                        "}\n");
  EXPECT_EQ(formatNumber(0.30000000000000004), "0.30000000000000004");
  EXPECT_EQ(formatNumber(-INFINITY), "-inf");
  EXPECT_EQ(formatNumber(0.0005), "0.0005");
  EXPECT_EQ(formatNumber(-0.00012), "-0.00012");
  EXPECT_EQ(formatNumber(1e16), "1e+16");
  EXPECT_EQ(formatNumber(123456.75), "123456.75");
  EXPECT_EQ(formatNumber(2.5e15), "2500000000000000");
  EXPECT_EQ(formatNumber(0.0), "0");
  EXPECT_EQ(formatNumber(-3.0), "-3");
}

} // namespace

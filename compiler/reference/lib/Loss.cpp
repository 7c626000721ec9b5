//===- Loss.cpp - Reference loss, metrics and weight penalties ------------===//

#include "Common.h"

#include <cmath>

namespace kiln {
namespace ref {

using namespace detail;

namespace {

/// Checks logits and labels of a classification loss or metric (N x M
/// each).
template <typename T>
std::string checkClassification(const char *op, const Tensor<T> &logits,
                                const Tensor<T> &labels) {
  std::string bad =
      checkOperands<T>(op, {{&logits, "logits"}, {&labels, "labels"}});
  if (!bad.empty())
    return bad;
  shape::ShapeResult rule =
      shape::classification(logits.shape(), labels.shape());
  if (!rule.ok())
    return std::string(op) + ": " + rule.error;
  return {};
}

/// log(sum_j exp(row[j])) of a non-empty row, shifted by the row's maximum
/// so exp cannot overflow.
template <typename T> T logSumExp(const T *row, int64_t width) {
  T largest = row[0];
  for (int64_t j = 1; j < width; ++j)
    largest = std::max(largest, row[j]);
  T sum = 0;
  for (int64_t j = 0; j < width; ++j)
    sum += std::exp(row[j] - largest);
  return largest + std::log(sum);
}

/// Index of the first maximum of a row (a later equal value does not
/// replace it).
template <typename T> int64_t firstArgMax(const T *row, int64_t width) {
  int64_t best = 0;
  for (int64_t j = 1; j < width; ++j)
    if (row[j] > row[best])
      best = j;
  return best;
}

} // namespace

template <typename T>
Result<Tensor<T>> softmaxCrossEntropy(const Tensor<T> &logits,
                                      const Tensor<T> &labels) {
  const char *op = "softmax_cross_entropy";
  std::string bad = checkClassification(op, logits, labels);
  if (!bad.empty())
    return Error{bad};
  int64_t batch = logits.dim(0), classes = logits.dim(1);
  if (batch == 0 || classes == 0)
    return Error{std::string(op) + ": the mean loss of " +
                 shape::formatDims(logits.shape()) + " logits is undefined"};
  T total = 0;
  for (int64_t n = 0; n < batch; ++n) {
    const T *x = &logits.at({n, 0});
    const T *y = &labels.at({n, 0});
    T lse = logSumExp(x, classes);
    for (int64_t j = 0; j < classes; ++j)
      total -= y[j] * (x[j] - lse);
  }
  return Tensor<T>::scalar(total / T(batch));
}

template <typename T>
Result<Tensor<T>> softmaxCrossEntropyGrad(const Tensor<T> &logits,
                                          const Tensor<T> &labels) {
  const char *op = "softmax_cross_entropy_grad";
  std::string bad = checkClassification(op, logits, labels);
  if (!bad.empty())
    return Error{bad};
  Result<Tensor<T>> probabilities = softmax(logits);
  if (!probabilities.ok())
    return probabilities;
  Tensor<T> grad = std::move(probabilities.value);
  T batch = T(logits.dim(0));
  for (int64_t i = 0; i < grad.size(); ++i)
    grad[i] = (grad[i] - labels[i]) / batch;
  return grad;
}

template <typename T>
Result<Tensor<T>> correctCount(const Tensor<T> &logits,
                               const Tensor<T> &labels) {
  const char *op = "correct_count";
  std::string bad = checkClassification(op, logits, labels);
  if (!bad.empty())
    return Error{bad};
  int64_t batch = logits.dim(0), classes = logits.dim(1);
  int64_t correct = 0;
  for (int64_t n = 0; classes > 0 && n < batch; ++n)
    if (firstArgMax(&logits.at({n, 0}), classes) ==
        firstArgMax(&labels.at({n, 0}), classes))
      ++correct;
  return Tensor<T>::scalar(T(correct));
}

template <typename T>
Result<Tensor<T>> l2Penalty(const Tensor<T> &w, double scale) {
  std::string bad = checkOperands<T>("l2_penalty", {{&w, "w"}});
  if (!bad.empty())
    return Error{bad};
  T sum = 0;
  for (int64_t i = 0; i < w.size(); ++i)
    sum += w[i] * w[i];
  return Tensor<T>::scalar(T(scale) * sum);
}

template <typename T>
Result<Tensor<T>> l1Penalty(const Tensor<T> &w, double scale) {
  std::string bad = checkOperands<T>("l1_penalty", {{&w, "w"}});
  if (!bad.empty())
    return Error{bad};
  T sum = 0;
  for (int64_t i = 0; i < w.size(); ++i)
    sum += std::abs(w[i]);
  return Tensor<T>::scalar(T(scale) * sum);
}

template <typename T>
Result<Tensor<T>> l2PenaltyGrad(const Tensor<T> &w, double scale) {
  std::string bad = checkOperands<T>("l2_penalty_grad", {{&w, "w"}});
  if (!bad.empty())
    return Error{bad};
  Tensor<T> grad = w;
  for (int64_t i = 0; i < grad.size(); ++i)
    grad[i] = T(2) * T(scale) * w[i];
  return grad;
}

template <typename T>
Result<Tensor<T>> l1PenaltyGrad(const Tensor<T> &w, double scale) {
  std::string bad = checkOperands<T>("l1_penalty_grad", {{&w, "w"}});
  if (!bad.empty())
    return Error{bad};
  Tensor<T> grad = w;
  for (int64_t i = 0; i < grad.size(); ++i) {
    T sign = w[i] > 0 ? T(1) : w[i] < 0 ? T(-1) : T(0);
    grad[i] = T(scale) * sign;
  }
  return grad;
}

#define KILN_INSTANTIATE(T)                                                    \
  template Result<Tensor<T>> softmaxCrossEntropy(const Tensor<T> &,            \
                                                 const Tensor<T> &);           \
  template Result<Tensor<T>> softmaxCrossEntropyGrad(const Tensor<T> &,        \
                                                     const Tensor<T> &);       \
  template Result<Tensor<T>> correctCount(const Tensor<T> &,                   \
                                          const Tensor<T> &);                  \
  template Result<Tensor<T>> l2Penalty(const Tensor<T> &, double);             \
  template Result<Tensor<T>> l1Penalty(const Tensor<T> &, double);             \
  template Result<Tensor<T>> l2PenaltyGrad(const Tensor<T> &, double);         \
  template Result<Tensor<T>> l1PenaltyGrad(const Tensor<T> &, double);
KILN_INSTANTIATE(float)
KILN_INSTANTIATE(double)
#undef KILN_INSTANTIATE

} // namespace ref
} // namespace kiln

//===- Normalization.cpp - Reference batch normalisation ------------------===//
//
// Keras' BatchNormalization: training normalises with the batch mean and the
// biased batch variance over every axis but the channel axis (innermost);
// inference uses given statistics; the moving statistics follow
// running * momentum + batch * (1 - momentum).
//
// Statistics, sums and each element's arithmetic are carried out in double
// whatever the element type (only the results are rounded to it): over few
// samples per channel the input gradient is a small difference of large
// terms (at a batch of 2 a dense channel's xhat is +-1 up to epsilon, and
// the gradient is what 1 - xhat^2 leaves), and float intermediates would
// leave it with little more than their rounding.
//
//===----------------------------------------------------------------------===//

#include "Common.h"

#include <cmath>
#include <vector>

namespace kiln {
namespace ref {

using namespace detail;

namespace {

/// Checks that each named tensor is a per-channel parameter of `x`.
template <typename T>
std::string checkChannelParams(const char *op, const Tensor<T> &x,
                               std::initializer_list<Named<T>> params) {
  for (const Named<T> &param : params) {
    shape::ShapeResult rule =
        shape::channelParam(x.shape(), param.first->shape());
    if (!rule.ok())
      return std::string(op) + ": " + param.second + ": " + rule.error;
  }
  return {};
}

/// Elements per channel of `x` (its size over its innermost extent), or -1
/// with `error` set when a channel has no elements.
template <typename T>
int64_t perChannelCount(const char *op, const Tensor<T> &x,
                        std::string &error) {
  int64_t channels = x.dim(x.rank() - 1);
  if (channels == 0)
    return 0;
  int64_t count = x.size() / channels;
  if (count == 0)
    error = std::string(op) + ": x " + shape::formatDims(x.shape()) +
            " has no elements to take statistics over";
  return count;
}

/// 1 / sqrt(variance + epsilon) of each channel, in double.
template <typename T>
std::vector<double> inverseStd(const Tensor<T> &variance, double epsilon) {
  std::vector<double> invStd(variance.size());
  for (int64_t c = 0; c < variance.size(); ++c)
    invStd[c] = 1 / std::sqrt(double(variance[c]) + epsilon);
  return invStd;
}

/// y = gamma * (x - mean) / sqrt(variance + epsilon) + beta, per channel.
template <typename T>
Tensor<T> normalize(const Tensor<T> &x, const Tensor<T> &gamma,
                    const Tensor<T> &beta, const Tensor<T> &mean,
                    const Tensor<T> &variance, double epsilon) {
  Tensor<T> y(x.shape());
  int64_t channels = gamma.size();
  std::vector<double> invStd = inverseStd(variance, epsilon);
  for (int64_t i = 0; i < x.size(); ++i) {
    int64_t c = i % channels;
    y[i] =
        T(double(gamma[c]) * ((double(x[i]) - mean[c]) * invStd[c]) + beta[c]);
  }
  return y;
}

} // namespace

template <typename T>
Result<BatchNormTrainResult<T>>
batchNormTrain(const Tensor<T> &x, const Tensor<T> &gamma,
               const Tensor<T> &beta, double epsilon) {
  const char *op = "batch_norm_train";
  std::string bad =
      checkOperands<T>(op, {{&x, "x"}, {&gamma, "gamma"}, {&beta, "beta"}});
  if (bad.empty())
    bad = checkChannelParams<T>(op, x, {{&gamma, "gamma"}, {&beta, "beta"}});
  if (!bad.empty())
    return Error{bad};
  int64_t count = perChannelCount(op, x, bad);
  if (!bad.empty())
    return Error{bad};
  int64_t channels = gamma.size();
  // Two passes (mean, then squared deviations) for a variance that does not
  // cancel catastrophically.
  std::vector<double> sum(channels), squares(channels);
  for (int64_t i = 0; i < x.size(); ++i)
    sum[i % channels] += x[i];
  for (int64_t i = 0; i < x.size(); ++i) {
    double d = x[i] - sum[i % channels] / count;
    squares[i % channels] += d * d;
  }
  Tensor<T> mean({channels}), variance({channels});
  for (int64_t c = 0; c < channels; ++c) {
    mean[c] = T(sum[c] / count);
    variance[c] = T(squares[c] / count);
  }
  Tensor<T> y = normalize(x, gamma, beta, mean, variance, epsilon);
  return BatchNormTrainResult<T>{std::move(y), std::move(mean),
                                 std::move(variance)};
}

template <typename T>
Result<Tensor<T>> batchNormInfer(const Tensor<T> &x, const Tensor<T> &gamma,
                                 const Tensor<T> &beta, const Tensor<T> &mean,
                                 const Tensor<T> &variance, double epsilon) {
  const char *op = "batch_norm_infer";
  std::string bad = checkOperands<T>(op, {{&x, "x"},
                                          {&gamma, "gamma"},
                                          {&beta, "beta"},
                                          {&mean, "mean"},
                                          {&variance, "variance"}});
  if (bad.empty())
    bad = checkChannelParams<T>(op, x,
                                {{&gamma, "gamma"},
                                 {&beta, "beta"},
                                 {&mean, "mean"},
                                 {&variance, "variance"}});
  if (!bad.empty())
    return Error{bad};
  return normalize(x, gamma, beta, mean, variance, epsilon);
}

template <typename T>
Result<BatchNormGradResult<T>>
batchNormTrainGrad(const Tensor<T> &gradOut, const Tensor<T> &x,
                   const Tensor<T> &gamma, const Tensor<T> &mean,
                   const Tensor<T> &variance, double epsilon) {
  const char *op = "batch_norm_train_grad";
  std::string bad = checkOperands<T>(op, {{&gradOut, "grad_out"},
                                          {&x, "x"},
                                          {&gamma, "gamma"},
                                          {&mean, "mean"},
                                          {&variance, "variance"}});
  if (bad.empty()) {
    shape::ShapeResult same = shape::sameShape(gradOut.shape(), x.shape());
    if (!same.ok())
      bad = std::string(op) + ": grad_out and x: " + same.error;
  }
  if (bad.empty())
    bad = checkChannelParams<T>(
        op, x, {{&gamma, "gamma"}, {&mean, "mean"}, {&variance, "variance"}});
  if (!bad.empty())
    return Error{bad};
  int64_t count = perChannelCount(op, x, bad);
  if (!bad.empty())
    return Error{bad};
  int64_t channels = gamma.size();
  std::vector<double> invStd = inverseStd(variance, epsilon);
  std::vector<double> gradBeta(channels), gradGamma(channels);
  for (int64_t i = 0; i < x.size(); ++i) {
    int64_t c = i % channels;
    double xhat = (double(x[i]) - mean[c]) * invStd[c];
    gradBeta[c] += gradOut[i];
    gradGamma[c] += gradOut[i] * xhat;
  }
  BatchNormGradResult<T> out{Tensor<T>(x.shape()), Tensor<T>({channels}),
                             Tensor<T>({channels})};
  // The mean and variance depend on every x of the channel, which is where
  // the two subtracted terms come from.
  for (int64_t i = 0; i < x.size(); ++i) {
    int64_t c = i % channels;
    double xhat = (double(x[i]) - mean[c]) * invStd[c];
    out.gradX[i] =
        T(gamma[c] * invStd[c] *
          (gradOut[i] - gradBeta[c] / count - xhat * gradGamma[c] / count));
  }
  for (int64_t c = 0; c < channels; ++c) {
    out.gradGamma[c] = T(gradGamma[c]);
    out.gradBeta[c] = T(gradBeta[c]);
  }
  return out;
}

template <typename T>
Result<Tensor<T>> movingAverage(const Tensor<T> &running,
                                const Tensor<T> &batch, double momentum) {
  const char *op = "moving_average";
  std::string bad =
      checkOperands<T>(op, {{&running, "running"}, {&batch, "batch"}});
  if (!bad.empty())
    return Error{bad};
  shape::ShapeResult rule = shape::sameShape(running.shape(), batch.shape());
  if (!rule.ok())
    return shapeError(op, "running and batch: " + rule.error);
  Tensor<T> out = running;
  const T keep = T(momentum);
  for (int64_t i = 0; i < out.size(); ++i)
    out[i] = running[i] * keep + batch[i] * (T(1) - keep);
  return out;
}

#define KILN_INSTANTIATE(T)                                                    \
  template Result<BatchNormTrainResult<T>> batchNormTrain(                     \
      const Tensor<T> &, const Tensor<T> &, const Tensor<T> &, double);        \
  template Result<Tensor<T>> batchNormInfer(                                   \
      const Tensor<T> &, const Tensor<T> &, const Tensor<T> &,                 \
      const Tensor<T> &, const Tensor<T> &, double);                           \
  template Result<BatchNormGradResult<T>> batchNormTrainGrad(                  \
      const Tensor<T> &, const Tensor<T> &, const Tensor<T> &,                 \
      const Tensor<T> &, const Tensor<T> &, double);                           \
  template Result<Tensor<T>> movingAverage(const Tensor<T> &,                  \
                                           const Tensor<T> &, double);
KILN_INSTANTIATE(float)
KILN_INSTANTIATE(double)
#undef KILN_INSTANTIATE

} // namespace ref
} // namespace kiln

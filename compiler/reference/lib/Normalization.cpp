//===- Normalization.cpp - Reference batch normalisation ------------------===//
//
// Keras' BatchNormalization: training normalises with the batch mean and the
// biased batch variance over every axis but the channel axis (innermost);
// inference uses given statistics; the moving statistics follow
// running * momentum + batch * (1 - momentum).
//
//===----------------------------------------------------------------------===//

#include "Common.h"

#include <cmath>

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

/// y = gamma * (x - mean) / sqrt(variance + epsilon) + beta, per channel.
template <typename T>
Tensor<T> normalize(const Tensor<T> &x, const Tensor<T> &gamma,
                    const Tensor<T> &beta, const Tensor<T> &mean,
                    const Tensor<T> &variance, T epsilon) {
  Tensor<T> y(x.shape());
  int64_t channels = gamma.size();
  for (int64_t i = 0; i < x.size(); ++i) {
    int64_t c = i % channels;
    y[i] = gamma[c] * (x[i] - mean[c]) / std::sqrt(variance[c] + epsilon) +
           beta[c];
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
  Tensor<T> mean({channels}), variance({channels});
  // Two passes (mean, then squared deviations) for a variance that does not
  // cancel catastrophically.
  for (int64_t i = 0; i < x.size(); ++i)
    mean[i % channels] += x[i];
  for (int64_t c = 0; c < channels; ++c)
    mean[c] /= T(count);
  for (int64_t i = 0; i < x.size(); ++i) {
    T d = x[i] - mean[i % channels];
    variance[i % channels] += d * d;
  }
  for (int64_t c = 0; c < channels; ++c)
    variance[c] /= T(count);
  Tensor<T> y = normalize(x, gamma, beta, mean, variance, T(epsilon));
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
  return normalize(x, gamma, beta, mean, variance, T(epsilon));
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
  Tensor<T> invStd({channels});
  for (int64_t c = 0; c < channels; ++c)
    invStd[c] = T(1) / std::sqrt(variance[c] + T(epsilon));
  BatchNormGradResult<T> out{Tensor<T>(x.shape()), Tensor<T>({channels}),
                             Tensor<T>({channels})};
  for (int64_t i = 0; i < x.size(); ++i) {
    int64_t c = i % channels;
    T xhat = (x[i] - mean[c]) * invStd[c];
    out.gradBeta[c] += gradOut[i];
    out.gradGamma[c] += gradOut[i] * xhat;
  }
  // The mean and variance depend on every x of the channel, which is where
  // the two subtracted terms come from.
  for (int64_t i = 0; i < x.size(); ++i) {
    int64_t c = i % channels;
    T xhat = (x[i] - mean[c]) * invStd[c];
    out.gradX[i] = gamma[c] * invStd[c] *
                   (gradOut[i] - out.gradBeta[c] / T(count) -
                    xhat * out.gradGamma[c] / T(count));
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

//===- Dense.cpp - Reference dense layer, bias and their gradients --------===//
//
// Their sums are kept in double and rounded once (roundInto).
//
//===----------------------------------------------------------------------===//

#include "Common.h"

namespace kiln {
namespace ref {

using namespace detail;

template <typename T>
Result<Tensor<T>> dense(const Tensor<T> &input, const Tensor<T> &weights) {
  const char *op = "dense";
  std::string bad =
      checkOperands<T>(op, {{&input, "input"}, {&weights, "weights"}});
  if (!bad.empty())
    return Error{bad};
  shape::ShapeResult rule = shape::dense(input.shape(), weights.shape());
  if (!rule.ok())
    return shapeError(op, rule.error);
  Result<Tensor<T>> out = allocate<T>(op, rule.dims);
  if (!out.ok())
    return out;
  int64_t batch = input.dim(0), k = input.dim(1), m = weights.dim(1);
  Tensor<double> acc(rule.dims);
  for (int64_t n = 0; n < batch; ++n) {
    double *o = &acc.at({n, 0});
    for (int64_t i = 0; i < k; ++i) {
      double x = input.at({n, i});
      const T *w = &weights.at({i, 0});
      for (int64_t j = 0; j < m; ++j)
        o[j] += x * w[j];
    }
  }
  roundInto(acc, out.value);
  return out;
}

template <typename T>
Result<Tensor<T>> denseGradInput(const Tensor<T> &gradOut,
                                 const Tensor<T> &weights) {
  const char *op = "dense_grad_input";
  std::string bad =
      checkOperands<T>(op, {{&gradOut, "grad_out"}, {&weights, "weights"}});
  if (!bad.empty())
    return Error{bad};
  if (gradOut.rank() != 2 || weights.rank() != 2)
    return Error{std::string(op) +
                 ": grad_out and weights must be rank 2, "
                 "got " +
                 shape::formatDims(gradOut.shape()) + " and " +
                 shape::formatDims(weights.shape())};
  Dims inputDims{gradOut.dim(0), weights.dim(0)};
  bad = checkForwardShape(op, shape::dense(inputDims, weights.shape()),
                          gradOut.shape());
  if (!bad.empty())
    return Error{bad};
  Result<Tensor<T>> out = allocate<T>(op, inputDims);
  if (!out.ok())
    return out;
  int64_t batch = inputDims[0], k = inputDims[1], m = weights.dim(1);
  for (int64_t n = 0; n < batch; ++n) {
    const T *g = &gradOut.at({n, 0});
    for (int64_t i = 0; i < k; ++i) {
      const T *w = &weights.at({i, 0});
      double sum = 0;
      for (int64_t j = 0; j < m; ++j)
        sum += double(g[j]) * w[j];
      out.value.at({n, i}) = T(sum);
    }
  }
  return out;
}

template <typename T>
Result<Tensor<T>> denseGradWeights(const Tensor<T> &input,
                                   const Tensor<T> &gradOut) {
  const char *op = "dense_grad_weights";
  std::string bad =
      checkOperands<T>(op, {{&input, "input"}, {&gradOut, "grad_out"}});
  if (!bad.empty())
    return Error{bad};
  if (input.rank() != 2 || gradOut.rank() != 2)
    return Error{std::string(op) +
                 ": input and grad_out must be rank 2, "
                 "got " +
                 shape::formatDims(input.shape()) + " and " +
                 shape::formatDims(gradOut.shape())};
  Dims weightDims{input.dim(1), gradOut.dim(1)};
  bad = checkForwardShape(op, shape::dense(input.shape(), weightDims),
                          gradOut.shape());
  if (!bad.empty())
    return Error{bad};
  Result<Tensor<T>> out = allocate<T>(op, weightDims);
  if (!out.ok())
    return out;
  int64_t batch = input.dim(0), k = weightDims[0], m = weightDims[1];
  Tensor<double> acc(weightDims);
  for (int64_t n = 0; n < batch; ++n) {
    const T *g = &gradOut.at({n, 0});
    for (int64_t i = 0; i < k; ++i) {
      double x = input.at({n, i});
      double *gw = &acc.at({i, 0});
      for (int64_t j = 0; j < m; ++j)
        gw[j] += x * g[j];
    }
  }
  roundInto(acc, out.value);
  return out;
}

template <typename T>
Result<Tensor<T>> biasAdd(const Tensor<T> &x, const Tensor<T> &bias) {
  const char *op = "bias_add";
  std::string bad = checkOperands<T>(op, {{&x, "x"}, {&bias, "bias"}});
  if (!bad.empty())
    return Error{bad};
  shape::ShapeResult rule = shape::channelParam(x.shape(), bias.shape());
  if (!rule.ok())
    return shapeError(op, rule.error);
  Tensor<T> out = x;
  int64_t channels = bias.size();
  for (int64_t i = 0; i < out.size(); ++i)
    out[i] += bias[i % channels];
  return out;
}

template <typename T> Result<Tensor<T>> biasGrad(const Tensor<T> &gradOut) {
  const char *op = "bias_grad";
  std::string bad = checkOperands<T>(op, {{&gradOut, "grad_out"}});
  if (!bad.empty())
    return Error{bad};
  if (gradOut.rank() == 0)
    return Error{std::string(op) + ": grad_out must have a channel axis"};
  int64_t channels = gradOut.dim(gradOut.rank() - 1);
  Result<Tensor<T>> out = allocate<T>(op, {channels});
  if (!out.ok())
    return out;
  Tensor<double> acc({channels});
  for (int64_t i = 0; i < gradOut.size(); ++i)
    acc[i % channels] += gradOut[i];
  roundInto(acc, out.value);
  return out;
}

#define KILN_INSTANTIATE(T)                                                    \
  template Result<Tensor<T>> dense(const Tensor<T> &, const Tensor<T> &);      \
  template Result<Tensor<T>> denseGradInput(const Tensor<T> &,                 \
                                            const Tensor<T> &);                \
  template Result<Tensor<T>> denseGradWeights(const Tensor<T> &,               \
                                              const Tensor<T> &);              \
  template Result<Tensor<T>> biasAdd(const Tensor<T> &, const Tensor<T> &);    \
  template Result<Tensor<T>> biasGrad(const Tensor<T> &);
KILN_INSTANTIATE(float)
KILN_INSTANTIATE(double)
#undef KILN_INSTANTIATE

} // namespace ref
} // namespace kiln

//===- Elementwise.cpp - Reference activations, softmax, mul/add, dropout -===//

#include "Common.h"

#include "kiln/runtime/CounterRng.h"

#include <cmath>

namespace kiln {
namespace ref {

using namespace detail;

namespace {

/// out[i] = fn(x[i]).
template <typename T, typename Fn>
Result<Tensor<T>> unary(const char *op, const Tensor<T> &x, Fn fn) {
  std::string bad = checkOperands<T>(op, {{&x, "x"}});
  if (!bad.empty())
    return Error{bad};
  Tensor<T> out = x;
  for (int64_t i = 0; i < out.size(); ++i)
    out[i] = fn(x[i]);
  return out;
}

/// out[i] = fn(a[i], b[i]) for operands of one shape; `aName`, `bName` name
/// them in errors.
template <typename T, typename Fn>
Result<Tensor<T>> binary(const char *op, const Tensor<T> &a, const char *aName,
                         const Tensor<T> &b, const char *bName, Fn fn) {
  std::string bad = checkOperands<T>(op, {{&a, aName}, {&b, bName}});
  if (!bad.empty())
    return Error{bad};
  shape::ShapeResult rule = shape::sameShape(a.shape(), b.shape());
  if (!rule.ok())
    return shapeError(op,
                      std::string(aName) + " and " + bName + ": " + rule.error);
  Tensor<T> out = a;
  for (int64_t i = 0; i < out.size(); ++i)
    out[i] = fn(a[i], b[i]);
  return out;
}

/// The standard normal distribution function Phi(x) = (1 + erf(x/sqrt 2))/2.
template <typename T> T normalCdf(T x) {
  return T(0.5) * (T(1) + std::erf(x / std::sqrt(T(2))));
}

/// 1 / sqrt(2 pi), the normal density's constant.
constexpr double kInvSqrtTwoPi = 0.39894228040143267794;

/// The standard normal density phi(x) = exp(-x^2/2) / sqrt(2 pi).
template <typename T> T normalPdf(T x) {
  return T(kInvSqrtTwoPi) * std::exp(T(-0.5) * x * x);
}

/// 1 / (1 + exp(-x)) without overflow of exp for large |x|.
template <typename T> T logistic(T x) {
  if (x >= 0)
    return T(1) / (T(1) + std::exp(-x));
  T e = std::exp(x);
  return e / (T(1) + e);
}

} // namespace

template <typename T> Result<Tensor<T>> relu(const Tensor<T> &x) {
  return unary("relu", x, [](T v) { return v > 0 ? v : T(0); });
}

template <typename T> Result<Tensor<T>> gelu(const Tensor<T> &x) {
  return unary("gelu", x, [](T v) { return v * normalCdf(v); });
}

template <typename T> Result<Tensor<T>> sigmoid(const Tensor<T> &x) {
  return unary("sigmoid", x, [](T v) { return logistic(v); });
}

template <typename T> Result<Tensor<T>> tanh(const Tensor<T> &x) {
  return unary("tanh", x, [](T v) { return std::tanh(v); });
}

template <typename T>
Result<Tensor<T>> reluGrad(const Tensor<T> &gradOut, const Tensor<T> &x) {
  return binary("relu_grad", gradOut, "grad_out", x, "x",
                [](T g, T v) { return v > 0 ? g : T(0); });
}

template <typename T>
Result<Tensor<T>> geluGrad(const Tensor<T> &gradOut, const Tensor<T> &x) {
  // d/dx [x Phi(x)] = Phi(x) + x phi(x).
  return binary("gelu_grad", gradOut, "grad_out", x, "x",
                [](T g, T v) { return g * (normalCdf(v) + v * normalPdf(v)); });
}

template <typename T>
Result<Tensor<T>> sigmoidGrad(const Tensor<T> &gradOut, const Tensor<T> &y) {
  return binary("sigmoid_grad", gradOut, "grad_out", y, "y",
                [](T g, T s) { return g * s * (T(1) - s); });
}

template <typename T>
Result<Tensor<T>> tanhGrad(const Tensor<T> &gradOut, const Tensor<T> &y) {
  return binary("tanh_grad", gradOut, "grad_out", y, "y",
                [](T g, T t) { return g * (T(1) - t * t); });
}

template <typename T>
Result<Tensor<T>> mul(const Tensor<T> &a, const Tensor<T> &b) {
  return binary("mul", a, "lhs", b, "rhs", [](T u, T v) { return u * v; });
}

template <typename T>
Result<Tensor<T>> add(const Tensor<T> &a, const Tensor<T> &b) {
  return binary("add", a, "lhs", b, "rhs", [](T u, T v) { return u + v; });
}

template <typename T> Result<Tensor<T>> softmax(const Tensor<T> &x) {
  const char *op = "softmax";
  std::string bad = checkOperands<T>(op, {{&x, "x"}});
  if (!bad.empty())
    return Error{bad};
  if (x.rank() == 0)
    return Error{std::string(op) + ": x must have an axis to normalise"};
  int64_t width = x.dim(x.rank() - 1);
  Tensor<T> out = x;
  for (int64_t row = 0; width > 0 && row < x.size() / width; ++row) {
    const T *in = x.data() + row * width;
    T *y = out.data() + row * width;
    // Subtracting the row maximum keeps exp from overflowing.
    T largest = in[0];
    for (int64_t j = 1; j < width; ++j)
      largest = std::max(largest, in[j]);
    T sum = 0;
    for (int64_t j = 0; j < width; ++j) {
      y[j] = std::exp(in[j] - largest);
      sum += y[j];
    }
    for (int64_t j = 0; j < width; ++j)
      y[j] /= sum;
  }
  return out;
}

template <typename T>
Result<Tensor<T>> softmaxGrad(const Tensor<T> &gradOut, const Tensor<T> &y) {
  const char *op = "softmax_grad";
  Result<Tensor<T>> out =
      binary(op, gradOut, "grad_out", y, "y", [](T g, T) { return g; });
  if (!out.ok())
    return out;
  if (y.rank() == 0)
    return Error{std::string(op) + ": y must have an axis to normalise"};
  int64_t width = y.dim(y.rank() - 1);
  for (int64_t row = 0; width > 0 && row < y.size() / width; ++row) {
    const T *g = gradOut.data() + row * width;
    const T *s = y.data() + row * width;
    T dot = 0;
    for (int64_t j = 0; j < width; ++j)
      dot += g[j] * s[j];
    T *gi = out.value.data() + row * width;
    for (int64_t j = 0; j < width; ++j)
      gi[j] = s[j] * (g[j] - dot);
  }
  return out;
}

template <typename T>
Result<DropoutResult<T>> dropout(const Tensor<T> &x, int64_t step, double rate,
                                 int64_t seed, int64_t stream) {
  const char *op = "dropout";
  std::string bad = checkOperands<T>(op, {{&x, "x"}});
  if (!bad.empty())
    return Error{bad};
  if (!(rate >= 0 && rate < 1))
    return Error{std::string(op) + ": rate must be in [0, 1), got " +
                 std::to_string(rate)};
  // The keep decision compares float to float, as a float kernel does, so a
  // double run keeps exactly the same elements.
  const float threshold = static_cast<float>(rate);
  const T scale = T(1) / (T(1) - T(rate));
  DropoutResult<T> out{x, Tensor<T>(x.shape())};
  for (int64_t i = 0; i < x.size(); ++i) {
    bool keep = rng::uniformAt(static_cast<uint64_t>(seed),
                               static_cast<uint64_t>(stream),
                               static_cast<uint64_t>(step),
                               static_cast<uint32_t>(i)) >= threshold;
    out.mask[i] = keep ? scale : T(0);
    out.y[i] = x[i] * out.mask[i];
  }
  return out;
}

#define KILN_INSTANTIATE(T)                                                    \
  template Result<Tensor<T>> relu(const Tensor<T> &);                          \
  template Result<Tensor<T>> gelu(const Tensor<T> &);                          \
  template Result<Tensor<T>> sigmoid(const Tensor<T> &);                       \
  template Result<Tensor<T>> tanh(const Tensor<T> &);                          \
  template Result<Tensor<T>> softmax(const Tensor<T> &);                       \
  template Result<Tensor<T>> reluGrad(const Tensor<T> &, const Tensor<T> &);   \
  template Result<Tensor<T>> geluGrad(const Tensor<T> &, const Tensor<T> &);   \
  template Result<Tensor<T>> sigmoidGrad(const Tensor<T> &,                    \
                                         const Tensor<T> &);                   \
  template Result<Tensor<T>> tanhGrad(const Tensor<T> &, const Tensor<T> &);   \
  template Result<Tensor<T>> softmaxGrad(const Tensor<T> &,                    \
                                         const Tensor<T> &);                   \
  template Result<Tensor<T>> mul(const Tensor<T> &, const Tensor<T> &);        \
  template Result<Tensor<T>> add(const Tensor<T> &, const Tensor<T> &);        \
  template Result<DropoutResult<T>> dropout(const Tensor<T> &, int64_t,        \
                                            double, int64_t, int64_t);
KILN_INSTANTIATE(float)
KILN_INSTANTIATE(double)
#undef KILN_INSTANTIATE

} // namespace ref
} // namespace kiln

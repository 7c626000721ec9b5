//===- Optimizers.cpp - Reference SGD, Adam and RMSprop updates -----------===//
//
// The update rules of Keras 2's optimizers (tf.keras.optimizers.SGD, Adam,
// RMSprop with their default non-centred, momentum-free forms), applied
// elementwise to one parameter tensor and its slot tensors.
//
//===----------------------------------------------------------------------===//

#include "Common.h"

#include <cmath>

namespace kiln {
namespace ref {

using namespace detail;

namespace {

/// Checks that the parameter, its gradient and its optimizer slots all have
/// the parameter's shape.
template <typename T>
std::string checkUpdate(const char *op,
                        std::initializer_list<Named<T>> operands) {
  std::string bad = checkOperands<T>(op, operands);
  if (!bad.empty())
    return bad;
  const Named<T> &param = *operands.begin();
  for (const Named<T> &operand : operands) {
    shape::ShapeResult rule =
        shape::sameShape(param.first->shape(), operand.first->shape());
    if (!rule.ok())
      return std::string(op) + ": " + param.second + " and " + operand.second +
             ": " + rule.error;
  }
  return {};
}

} // namespace

template <typename T>
Result<SgdResult<T>> sgdUpdate(const Tensor<T> &param, const Tensor<T> &grad,
                               const Tensor<T> &velocity, double lr,
                               double momentum, bool nesterov) {
  std::string bad = checkUpdate<T>(
      "sgd_update",
      {{&param, "param"}, {&grad, "grad"}, {&velocity, "velocity"}});
  if (!bad.empty())
    return Error{bad};
  const T rate = T(lr), mu = T(momentum);
  SgdResult<T> out{param, velocity};
  for (int64_t i = 0; i < param.size(); ++i) {
    T v = mu * velocity[i] - rate * grad[i];
    out.velocity[i] = v;
    out.param[i] = nesterov ? param[i] + mu * v - rate * grad[i] : param[i] + v;
  }
  return out;
}

template <typename T>
Result<AdamResult<T>> adamUpdate(const Tensor<T> &param, const Tensor<T> &grad,
                                 const Tensor<T> &m, const Tensor<T> &v,
                                 double lr, int64_t step, double beta1,
                                 double beta2, double epsilon) {
  const char *op = "adam_update";
  std::string bad = checkUpdate<T>(
      op, {{&param, "param"}, {&grad, "grad"}, {&m, "m"}, {&v, "v"}});
  if (!bad.empty())
    return Error{bad};
  // The bias correction divides by 1 - beta1^t, which is zero at t = 0.
  if (step < 1)
    return Error{std::string(op) +
                 ": step must be at least 1 (it counts "
                 "updates from 1), got " +
                 std::to_string(step)};
  const T b1 = T(beta1), b2 = T(beta2), eps = T(epsilon);
  const T t = T(step);
  const T lrT =
      T(lr) * std::sqrt(T(1) - std::pow(b2, t)) / (T(1) - std::pow(b1, t));
  AdamResult<T> out{param, m, v};
  for (int64_t i = 0; i < param.size(); ++i) {
    T g = grad[i];
    out.m[i] = b1 * m[i] + (T(1) - b1) * g;
    out.v[i] = b2 * v[i] + (T(1) - b2) * g * g;
    out.param[i] = param[i] - lrT * out.m[i] / (std::sqrt(out.v[i]) + eps);
  }
  return out;
}

template <typename T>
Result<RmspropResult<T>>
rmspropUpdate(const Tensor<T> &param, const Tensor<T> &grad,
              const Tensor<T> &ms, double lr, double rho, double epsilon) {
  std::string bad = checkUpdate<T>(
      "rmsprop_update", {{&param, "param"}, {&grad, "grad"}, {&ms, "ms"}});
  if (!bad.empty())
    return Error{bad};
  const T rate = T(lr), r = T(rho), eps = T(epsilon);
  RmspropResult<T> out{param, ms};
  for (int64_t i = 0; i < param.size(); ++i) {
    T g = grad[i];
    out.ms[i] = r * ms[i] + (T(1) - r) * g * g;
    out.param[i] = param[i] - rate * g / (std::sqrt(out.ms[i]) + eps);
  }
  return out;
}

#define KILN_INSTANTIATE(T)                                                    \
  template Result<SgdResult<T>> sgdUpdate(                                     \
      const Tensor<T> &, const Tensor<T> &, const Tensor<T> &, double, double, \
      bool);                                                                   \
  template Result<AdamResult<T>> adamUpdate(                                   \
      const Tensor<T> &, const Tensor<T> &, const Tensor<T> &,                 \
      const Tensor<T> &, double, int64_t, double, double, double);             \
  template Result<RmspropResult<T>> rmspropUpdate(                             \
      const Tensor<T> &, const Tensor<T> &, const Tensor<T> &, double, double, \
      double);
KILN_INSTANTIATE(float)
KILN_INSTANTIATE(double)
#undef KILN_INSTANTIATE

} // namespace ref
} // namespace kiln

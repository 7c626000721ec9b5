//===- GradCheck.h - Finite-difference gradient checking --------*- C++ -*-===//
//
// Checks an analytic gradient against central finite differences of a scalar
// objective. Used by the reference's own tests (each backward op against its
// forward op, through the objective sum(gradOut * f(x))) and meant for whole
// training steps: any function from one tensor to a number can be checked.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_REFERENCE_GRADCHECK_H
#define KILN_REFERENCE_GRADCHECK_H

#include "kiln/Reference/Tensor.h"

#include <cstdint>
#include <functional>
#include <string>

namespace kiln {
namespace ref {

/// A scalar function of one tensor, evaluated in double. Return NaN when the
/// objective cannot be evaluated; the check then fails with a message.
template <typename T>
using Objective = std::function<double(const Tensor<T> &)>;

/// How checkGradient differentiates and compares.
struct GradCheckOptions {
  /// Central-difference step h, added to and subtracted from one element at
  /// a time. The error of (f(x+h) - f(x-h)) / 2h is about h^2 f'''/6 from
  /// truncation plus u |f| / h from rounding (u the unit roundoff of the
  /// arithmetic inside f), so h should be near (3 u |f| / |f'''|)^(1/3).
  double step = 1e-5;
  /// How many elements to check, spread evenly over the tensor; 0 checks
  /// every element. Large tensors (a whole network's weights) use a sample.
  int64_t maxChecked = 0;
  /// Elements whose gradients are much smaller than the tensor's largest are
  /// compared relative to floorFraction * largest instead of their own size:
  /// finite-difference noise is absolute (it scales with |f|, not with the
  /// element), so a near-zero entry's own relative error is meaningless.
  double floorFraction = 1e-2;
};

/// Outcome of checkGradient.
struct GradCheckReport {
  /// The largest |analytic - numeric| / max(|analytic|, |numeric|, floor).
  double maxRelError = 0;
  /// Flat index of the element with the largest error, and its two values.
  int64_t worstIndex = -1;
  double analytic = 0;
  double numeric = 0;
  /// How many elements were checked.
  int64_t checked = 0;
  /// Set when the check could not run (shape mismatch, objective not
  /// finite); maxRelError is then meaningless.
  std::string error;

  bool ok() const { return error.empty(); }
  /// One line for a test failure message.
  std::string describe() const;
};

/// Compares `analytic` (the claimed gradient of `objective` at `x`, same
/// shape as x) with central differences of `objective`, element by element.
/// The step actually taken is the difference of the two perturbed values as
/// stored in T, so rounding of x + h in float does not bias the quotient.
template <typename T>
GradCheckReport checkGradient(const Objective<T> &objective, const Tensor<T> &x,
                              const Tensor<T> &analytic,
                              const GradCheckOptions &options = {});

/// sum_i a[i] * b[i] accumulated in double: the scalar objective
/// sum(gradOut * f(x)) whose gradient is the backward op's result. NaN when
/// the shapes differ.
template <typename T> double sumProduct(const Tensor<T> &a, const Tensor<T> &b);

/// A tensor of `shape` with elements uniform in [lo, hi), reproducible from
/// (seed, stream) through the counter-based generator.
template <typename T>
Tensor<T> uniformTensor(const Dims &shape, uint64_t seed, uint64_t stream,
                        double lo, double hi);

} // namespace ref
} // namespace kiln

#endif // KILN_REFERENCE_GRADCHECK_H

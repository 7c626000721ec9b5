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
  /// With maxChecked, check in each of maxChecked equal stripes of the
  /// tensor the element whose analytic gradient is largest in magnitude,
  /// instead of the stripe's first: so a sample of a layer's weights does
  /// not land on elements whose gradient is exactly zero (inputs dropped
  /// by dropout, units a relu switched off), which agree trivially.
  bool largestInStripe = false;
  /// When positive, an element whose central difference is off by a tenth
  /// of this relative error or more is examined further: the objective is
  /// also evaluated at x and x +- 2h.
  /// - Kink: when the second-order one-sided differences
  ///   F = (-3f(x) + 4f(x+h) - f(x+2h)) / 2h and
  ///   B = (3f(x) - 4f(x-h) + f(x-2h)) / 2h differ by this relative error
  ///   or more, the objective is not smooth within 2h of x (a relu or a
  ///   max-pool choice switches there) and the element is skipped at a
  ///   kink instead of compared. Where the objective is smooth, F - B is
  ///   minus the fourth difference over 2h, about h^3 f''''/2, far below
  ///   any tolerance; at a kink it is of the order of the slope's jump.
  ///   The test reads only the objective's values, never the analytic
  ///   gradient, so no wrong gradient can make an element a kink.
  /// - Otherwise the element is compared with the five-point difference
  ///   (8(f(x+h) - f(x-h)) - (f(x+2h) - f(x-2h))) / 12h, whose error is
  ///   O(h^4) where the central one's is h^2 f'''/6: a strongly curved
  ///   objective (BatchNorm over a batch of 2) is then not mistaken for a
  ///   wrong gradient, and a wrong gradient still disagrees.
  /// 0 compares central differences only.
  double kinkTolerance = 0;
  /// When nonzero, the agreement of F and B below which the objective is
  /// smooth, in place of kinkTolerance: how small a kink the differences
  /// can see depends on their own arithmetic, not on the gradient's. Double
  /// differences checking a float gradient see kinks far below the float
  /// tolerance, which a five-point difference taken across them would
  /// otherwise blur into an error.
  double smoothTolerance = 0;
};

/// Outcome of checkGradient.
struct GradCheckReport {
  /// The largest |analytic - numeric| / max(|analytic|, |numeric|, floor).
  double maxRelError = 0;
  /// Flat index of the element with the largest error, and its two values.
  int64_t worstIndex = -1;
  double analytic = 0;
  double numeric = 0;
  /// How many elements were checked (kinks included).
  int64_t checked = 0;
  /// Elements compared with five-point instead of central differences
  /// (see GradCheckOptions::kinkTolerance).
  int64_t fivePoint = 0;
  /// Elements skipped at kinks (see GradCheckOptions::kinkTolerance); they
  /// are left out of maxRelError.
  int64_t kinks = 0;
  /// Of those, the elements whose analytic gradient matched one of the two
  /// one-sided differences within kinkTolerance: the derivative on the side
  /// of the kink x lies on, so the rule was still checked there.
  int64_t kinksMatchingOneSide = 0;
  /// The skipped element with the largest central-difference error, its
  /// values and the two one-sided differences (worstKinkIndex -1: none).
  int64_t worstKinkIndex = -1;
  double kinkAnalytic = 0, kinkNumeric = 0, kinkForward = 0, kinkBackward = 0;
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

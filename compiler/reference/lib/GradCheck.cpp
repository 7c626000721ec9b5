//===- GradCheck.cpp - Finite-difference gradient checking ----------------===//

#include "kiln/Reference/GradCheck.h"

#include "kiln/runtime/CounterRng.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <sstream>
#include <vector>

namespace kiln {
namespace ref {

std::string GradCheckReport::describe() const {
  std::ostringstream os;
  if (!ok()) {
    os << "gradient check failed to run: " << error;
    return os.str();
  }
  os.precision(10);
  os << "max relative error " << maxRelError << " over " << checked
     << " elements; worst at flat index " << worstIndex << ": analytic "
     << analytic << ", numeric " << numeric;
  if (fivePoint > 0)
    os << "; " << fivePoint << " compared with five-point differences";
  if (kinks > 0)
    os << "; " << kinks << " skipped at kinks (" << kinksMatchingOneSide
       << " matching a one-sided difference), worst at flat index "
       << worstKinkIndex << ": analytic " << kinkAnalytic << ", central "
       << kinkNumeric << ", forward " << kinkForward << ", backward "
       << kinkBackward;
  return os.str();
}

namespace {
/// The share of GradCheckOptions::kinkTolerance above which a central
/// difference's error gets an element examined: its truncation error
/// (h^2 f'''/6) may be near the tolerance on a strongly curved loss, and
/// the five-point difference then gives a comparison well clear of it.
constexpr double kExamineShare = 0.1;
/// How much smaller the step is when an element is not smooth at the first
/// one (see GradCheckOptions::kinkTolerance).
constexpr double kRefine = 8;
} // namespace

template <typename T>
GradCheckReport checkGradient(const Objective<T> &objective, const Tensor<T> &x,
                              const Tensor<T> &analytic,
                              const GradCheckOptions &options) {
  GradCheckReport report;
  report.error = x.checkValid("x");
  if (report.error.empty())
    report.error = analytic.checkValid("analytic gradient");
  if (!report.ok())
    return report;
  if (analytic.shape() != x.shape()) {
    report.error = "analytic gradient has shape " +
                   shape::formatDims(analytic.shape()) + " but x has " +
                   shape::formatDims(x.shape());
    return report;
  }
  if (!(options.step > 0)) {
    report.error = "the finite-difference step must be positive";
    return report;
  }

  std::vector<int64_t> indices;
  int64_t n = x.size();
  int64_t count = options.maxChecked > 0 ? std::min(options.maxChecked, n) : n;
  for (int64_t k = 0; k < count; ++k) {
    int64_t begin = k * n / count, end = (k + 1) * n / count;
    int64_t pick = begin;
    if (options.largestInStripe)
      for (int64_t i = begin + 1; i < end; ++i)
        if (std::abs(analytic[i]) > std::abs(analytic[pick]))
          pick = i;
    indices.push_back(pick);
  }

  // f at `probe` with element i set to x[i] + offset (in T).
  Tensor<T> probe = x;
  auto at = [&](int64_t i, double offset, double &stepTaken) {
    T moved = static_cast<T>(x[i] + offset);
    stepTaken = static_cast<double>(moved) - static_cast<double>(x[i]);
    probe[i] = moved;
    double f = objective(probe);
    probe[i] = x[i];
    return f;
  };
  auto notFinite = [&](int64_t i) {
    report.error = "objective is not finite when element " + std::to_string(i) +
                   " is perturbed";
  };

  std::vector<double> numeric, fPlus, fMinus;
  for (int64_t i : indices) {
    double up, down;
    double plus = at(i, options.step, up);
    double minus = at(i, -options.step, down);
    if (!std::isfinite(plus) || !std::isfinite(minus)) {
      notFinite(i);
      return report;
    }
    numeric.push_back((plus - minus) / (up - down));
    fPlus.push_back(plus);
    fMinus.push_back(minus);
  }

  double largest = 0;
  for (size_t k = 0; k < indices.size(); ++k)
    largest = std::max({largest, std::abs(numeric[k]),
                        std::abs(static_cast<double>(analytic[indices[k]]))});
  double floor = options.floorFraction * largest;
  // |p - q| relative to the larger of the two, or to the floor.
  auto relative = [&](double p, double q) {
    double scale = std::max({std::abs(p), std::abs(q), floor});
    return scale > 0 ? std::abs(p - q) / scale : 0.0;
  };

  double f0 = std::numeric_limits<double>::quiet_NaN();
  // The objective's values at x +- h and x +- 2h for one element.
  struct Stencil {
    double h, plus, minus, plus2, minus2;
  };
  // Evaluates f(x +- 2h) (and f(x +- h) unless given); false when a value
  // is not finite.
  auto stencil = [&](int64_t i, double h, Stencil &s, bool haveInner) {
    double taken;
    s.h = h;
    if (!haveInner) {
      s.plus = at(i, h, taken);
      s.minus = at(i, -h, taken);
    }
    s.plus2 = at(i, 2 * h, taken);
    s.minus2 = at(i, -2 * h, taken);
    return std::isfinite(s.plus) && std::isfinite(s.minus) &&
           std::isfinite(s.plus2) && std::isfinite(s.minus2);
  };
  // Second-order one-sided differences on the nominal step (in float the
  // steps taken differ from it by a rounding, about 1e-6 of it, far below
  // float's tolerance) and the five-point central difference.
  auto forwardOf = [&](const Stencil &s) {
    return (-3 * f0 + 4 * s.plus - s.plus2) / (2 * s.h);
  };
  auto backwardOf = [&](const Stencil &s) {
    return (3 * f0 - 4 * s.minus + s.minus2) / (2 * s.h);
  };
  auto fivePointOf = [&](const Stencil &s) {
    return (8 * (s.plus - s.minus) - (s.plus2 - s.minus2)) / (12 * s.h);
  };
  const double smoothTolerance = options.smoothTolerance > 0
                                     ? options.smoothTolerance
                                     : options.kinkTolerance;
  auto smooth = [&](const Stencil &s) {
    return relative(forwardOf(s), backwardOf(s)) < smoothTolerance;
  };

  double kinkError = -1;
  for (size_t k = 0; k < indices.size(); ++k) {
    int64_t i = indices[k];
    double a = analytic[i];
    double d = numeric[k];
    double relError = relative(a, d);
    if (options.kinkTolerance > 0 &&
        relError >= kExamineShare * options.kinkTolerance) {
      if (std::isnan(f0))
        f0 = objective(x);
      Stencil s{options.step, fPlus[k], fMinus[k], 0, 0};
      if (!std::isfinite(f0) || !stencil(i, s.h, s, true)) {
        notFinite(i);
        return report;
      }
      // Not smooth at h: a kink, or a curvature so strong that F - B
      // (O(h^3)) reaches the tolerance. At h / kRefine the second falls by
      // kRefine^3 and a kink further than 2h / kRefine from x drops out,
      // so only kinks that close are skipped.
      if (!smooth(s) && !stencil(i, options.step / kRefine, s, false)) {
        notFinite(i);
        return report;
      }
      if (!smooth(s)) {
        ++report.kinks;
        double forward = forwardOf(s), backward = backwardOf(s);
        if (std::min(relative(a, forward), relative(a, backward)) <
            options.kinkTolerance)
          ++report.kinksMatchingOneSide;
        if (relError > kinkError) {
          kinkError = relError;
          report.worstKinkIndex = i;
          report.kinkAnalytic = a;
          report.kinkNumeric = d;
          report.kinkForward = forward;
          report.kinkBackward = backward;
        }
        continue;
      }
      // Smooth: the five-point difference, whose error is O(h^4) where the
      // central one's is O(h^2), tells a curved loss from a wrong gradient.
      d = fivePointOf(s);
      relError = relative(a, d);
      ++report.fivePoint;
    }
    if (!(relError <= report.maxRelError) || report.worstIndex < 0) {
      report.maxRelError = relError;
      report.worstIndex = i;
      report.analytic = a;
      report.numeric = d;
    }
  }
  report.checked = static_cast<int64_t>(indices.size());
  return report;
}

template <typename T>
double sumProduct(const Tensor<T> &a, const Tensor<T> &b) {
  if (a.shape() != b.shape() || a.size() != b.size())
    return std::numeric_limits<double>::quiet_NaN();
  double sum = 0;
  for (int64_t i = 0; i < a.size(); ++i)
    sum += static_cast<double>(a[i]) * static_cast<double>(b[i]);
  return sum;
}

template <typename T>
Tensor<T> uniformTensor(const Dims &shape, uint64_t seed, uint64_t stream,
                        double lo, double hi) {
  Tensor<T> t(shape);
  for (int64_t i = 0; i < t.size(); ++i)
    t[i] = static_cast<T>(
        lo +
        (hi - lo) * rng::uniformAt(seed, stream, 0, static_cast<uint32_t>(i)));
  return t;
}

#define KILN_INSTANTIATE(T)                                                    \
  template GradCheckReport checkGradient(const Objective<T> &,                 \
                                         const Tensor<T> &, const Tensor<T> &, \
                                         const GradCheckOptions &);            \
  template double sumProduct(const Tensor<T> &, const Tensor<T> &);            \
  template Tensor<T> uniformTensor(const Dims &, uint64_t, uint64_t, double,   \
                                   double);
KILN_INSTANTIATE(float)
KILN_INSTANTIATE(double)
#undef KILN_INSTANTIATE

} // namespace ref
} // namespace kiln

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
  return os.str();
}

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
  for (int64_t k = 0; k < count; ++k)
    indices.push_back(k * n / count);

  std::vector<double> numeric;
  Tensor<T> probe = x;
  for (int64_t i : indices) {
    T original = x[i];
    T plus = static_cast<T>(original + options.step);
    T minus = static_cast<T>(original - options.step);
    probe[i] = plus;
    double fPlus = objective(probe);
    probe[i] = minus;
    double fMinus = objective(probe);
    probe[i] = original;
    if (!std::isfinite(fPlus) || !std::isfinite(fMinus)) {
      report.error = "objective is not finite when element " +
                     std::to_string(i) + " is perturbed";
      return report;
    }
    numeric.push_back((fPlus - fMinus) /
                      (static_cast<double>(plus) - static_cast<double>(minus)));
  }

  double largest = 0;
  for (size_t k = 0; k < indices.size(); ++k)
    largest = std::max({largest, std::abs(numeric[k]),
                        std::abs(static_cast<double>(analytic[indices[k]]))});
  double floor = options.floorFraction * largest;
  for (size_t k = 0; k < indices.size(); ++k) {
    double a = analytic[indices[k]], d = numeric[k];
    double scale = std::max({std::abs(a), std::abs(d), floor});
    double relError = scale > 0 ? std::abs(a - d) / scale : 0.0;
    if (!(relError <= report.maxRelError) || report.worstIndex < 0) {
      report.maxRelError = relError;
      report.worstIndex = indices[k];
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

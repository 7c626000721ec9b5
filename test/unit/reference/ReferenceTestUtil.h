//===- ReferenceTestUtil.h - Helpers for the reference's tests --*- C++ -*-===//

#ifndef KILN_TEST_UNIT_REFERENCE_REFERENCETESTUTIL_H
#define KILN_TEST_UNIT_REFERENCE_REFERENCETESTUTIL_H

#include "kiln/Reference/GradCheck.h"
#include "kiln/Reference/Ops.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <vector>

namespace kiln {
namespace ref {
namespace test {

/// The value of a result that the test expects to succeed; records a test
/// failure (and returns the default value) otherwise.
template <typename V> V unwrap(Result<V> r) {
  EXPECT_TRUE(r.ok()) << r.error;
  return std::move(r.value);
}

/// A tensor of `shape` holding `values` converted to T.
template <typename T>
Tensor<T> tensor(const Dims &shape, const std::vector<double> &values) {
  return Tensor<T>(shape, std::vector<T>(values.begin(), values.end()));
}

/// 1, 2, 3, ... in row-major order.
template <typename T> Tensor<T> iota(const Dims &shape) {
  Tensor<T> t(shape);
  std::iota(t.elements().begin(), t.elements().end(), T(1));
  return t;
}

/// Checks shape and every element of `got` against `expected` within
/// `tolerance` (absolute).
template <typename T>
void expectTensorNear(const Tensor<T> &got, const Dims &shape,
                      const std::vector<double> &expected,
                      double tolerance = 1e-12) {
  ASSERT_EQ(got.shape(), shape)
      << "got shape " << shape::formatDims(got.shape());
  ASSERT_EQ(got.size(), static_cast<int64_t>(expected.size()));
  for (int64_t i = 0; i < got.size(); ++i)
    EXPECT_NEAR(got[i], expected[i], tolerance) << "at flat index " << i;
}

/// A tensor whose elements are distinct and at least `spacing` apart, in a
/// shuffled order: ties and near-ties would make max pooling's choice (and so
/// its finite differences) depend on the step.
template <typename T>
Tensor<T> distinctValues(const Dims &shape, uint64_t seed, double spacing) {
  Tensor<T> keys = uniformTensor<T>(shape, seed, 99, 0, 1);
  std::vector<int64_t> order(keys.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](int64_t a, int64_t b) { return keys[a] < keys[b]; });
  Tensor<T> t(shape);
  for (size_t rank = 0; rank < order.size(); ++rank)
    t[order[rank]] = T((double(rank) - double(order.size()) / 2) * spacing);
  return t;
}

/// Uniform values in [-hi, -lo] U [lo, hi]: at least `lo` away from zero, for
/// functions with a kink at zero (relu, |w|).
template <typename T>
Tensor<T> awayFromZero(const Dims &shape, uint64_t seed, double lo, double hi) {
  Tensor<T> t = uniformTensor<T>(shape, seed, 7, -1, 1);
  for (int64_t i = 0; i < t.size(); ++i)
    t[i] = T((t[i] < 0 ? -1 : 1) * (lo + (hi - lo) * std::abs(double(t[i]))));
  return t;
}

} // namespace test
} // namespace ref
} // namespace kiln

#endif // KILN_TEST_UNIT_REFERENCE_REFERENCETESTUTIL_H

//===- ReferenceOptimizerTest.cpp - Optimizer updates and dropout ---------===//
//
// Optimizer updates are checked on two-step sequences worked out by hand from
// Keras 2's formulas (parameter 1, gradients 0.5 then -1); dropout against
// its definition on the counter-based generator and its statistics.
//
//===----------------------------------------------------------------------===//

#include "ReferenceTestUtil.h"

#include "kiln/runtime/CounterRng.h"

using namespace kiln::ref;
using namespace kiln::ref::test;

namespace {

template <typename T> class ReferenceOptimizer : public ::testing::Test {
protected:
  static double tol() { return sizeof(T) == 8 ? 1e-12 : 1e-6; }
};
using ElementTypes = ::testing::Types<float, double>;
TYPED_TEST_SUITE(ReferenceOptimizer, ElementTypes);

/// The gradients of the two steps, for two parameters: the second gets zero
/// gradients and must not move.
template <typename T> Tensor<T> gradAt(int step) {
  return tensor<T>({2}, {step == 1 ? 0.5 : -1.0, 0});
}

// Tests Keras SGD with momentum 0.9, lr 0.1:
// v1 = -0.1 * 0.5 = -0.05, p1 = 0.95; v2 = 0.9 * -0.05 + 0.1 = 0.055,
// p2 = 1.005. Nesterov: p1 = 1 + 0.9 * -0.05 - 0.05 = 0.905,
// p2 = 0.905 + 0.9 * 0.055 + 0.1 = 1.0545. Without momentum: 0.95, 1.05.
TYPED_TEST(ReferenceOptimizer, SgdTwoSteps) {
  using T = TypeParam;
  struct Case {
    double momentum;
    bool nesterov;
    double p1, p2;
  };
  for (Case c : {Case{0.9, false, 0.95, 1.005}, Case{0.9, true, 0.905, 1.0545},
                 Case{0.0, false, 0.95, 1.05}}) {
    SgdResult<T> s{tensor<T>({2}, {1, 1}), Tensor<T>({2})};
    s = unwrap(sgdUpdate(s.param, gradAt<T>(1), s.velocity, 0.1, c.momentum,
                         c.nesterov));
    expectTensorNear(s.param, {2}, {c.p1, 1}, this->tol());
    s = unwrap(sgdUpdate(s.param, gradAt<T>(2), s.velocity, 0.1, c.momentum,
                         c.nesterov));
    expectTensorNear(s.param, {2}, {c.p2, 1}, this->tol());
  }
}

// Tests Keras 2 Adam (lr 0.001, 0.9, 0.999, 1e-7).
// Step 1: m = 0.05, v = 0.00025, lr_1 = 0.001 sqrt(0.001) / 0.1 =
// 3.1622776601683816e-4, p = 1 - lr_1 * 0.05 / (sqrt(0.00025) + 1e-7) =
// 0.9990000063245154 (about lr * sign(g), as Adam's first step is).
// Step 2: m = 0.045 - 0.1 = -0.055, v = 0.00024975 + 0.001 = 0.00124975,
// lr_2 = 0.001 sqrt(1 - 0.998001) / (1 - 0.81) = 2.3531672532745276e-4,
// p = 0.9993661088159534.
TYPED_TEST(ReferenceOptimizer, AdamTwoSteps) {
  using T = TypeParam;
  AdamResult<T> s{tensor<T>({2}, {1, 1}), Tensor<T>({2}), Tensor<T>({2})};
  s = unwrap(
      adamUpdate(s.param, gradAt<T>(1), s.m, s.v, 0.001, 1, 0.9, 0.999, 1e-7));
  expectTensorNear(s.m, {2}, {0.05, 0}, this->tol());
  expectTensorNear(s.v, {2}, {0.00025, 0}, this->tol());
  expectTensorNear(s.param, {2}, {0.9990000063245154, 1}, this->tol());
  s = unwrap(
      adamUpdate(s.param, gradAt<T>(2), s.m, s.v, 0.001, 2, 0.9, 0.999, 1e-7));
  expectTensorNear(s.m, {2}, {-0.055, 0}, this->tol());
  expectTensorNear(s.v, {2}, {0.00124975, 0}, this->tol());
  expectTensorNear(s.param, {2}, {0.9993661088159534, 1}, this->tol());
}

// Tests Keras 2 RMSprop (lr 0.001, rho 0.9, eps 1e-7): ms1 = 0.025,
// p1 = 1 - 0.0005 / (0.15811388 + 1e-7) = 0.9968377243398303;
// ms2 = 0.0225 + 0.1 = 0.1225, p2 = p1 + 0.001 / (0.35 + 1e-7) =
// 0.9996948663806469.
TYPED_TEST(ReferenceOptimizer, RmspropTwoSteps) {
  using T = TypeParam;
  RmspropResult<T> s{tensor<T>({2}, {1, 1}), Tensor<T>({2})};
  s = unwrap(rmspropUpdate(s.param, gradAt<T>(1), s.ms, 0.001, 0.9, 1e-7));
  expectTensorNear(s.ms, {2}, {0.025, 0}, this->tol());
  expectTensorNear(s.param, {2}, {0.9968377243398303, 1}, this->tol());
  s = unwrap(rmspropUpdate(s.param, gradAt<T>(2), s.ms, 0.001, 0.9, 1e-7));
  expectTensorNear(s.ms, {2}, {0.1225, 0}, this->tol());
  expectTensorNear(s.param, {2}, {0.9996948663806469, 1}, this->tol());
}

// Tests that the mask is the sheet's definition, element by element:
// keep iff uniformAt(seed, stream, step, i) >= rate, kept elements scaled by
// 1 / (1 - rate), and y = x * mask.
TYPED_TEST(ReferenceOptimizer, DropoutDefinition) {
  using T = TypeParam;
  Tensor<T> x = uniformTensor<T>({4, 6, 6, 3}, 1, 0, -1, 1);
  const double rate = 0.25;
  DropoutResult<T> d = unwrap(dropout(x, /*step=*/17, rate, /*seed=*/42,
                                      /*stream=*/3));
  ASSERT_EQ(d.mask.shape(), x.shape());
  for (int64_t i = 0; i < x.size(); ++i) {
    bool keep = kiln::rng::uniformAt(42, 3, 17, static_cast<uint32_t>(i)) >=
                static_cast<float>(rate);
    ASSERT_EQ(d.mask[i], keep ? T(1) / T(0.75) : T(0)) << "element " << i;
    ASSERT_EQ(d.y[i], x[i] * d.mask[i]);
  }
}

// Tests that a mask is reproducible from (seed, stream, step), changes with
// each of them, and is the same in float and double.
TYPED_TEST(ReferenceOptimizer, DropoutReproducible) {
  using T = TypeParam;
  Tensor<T> x({1000});
  auto maskOf = [&](int64_t step, int64_t seed, int64_t stream) {
    return unwrap(dropout(x, step, 0.5, seed, stream)).mask.elements();
  };
  EXPECT_EQ(maskOf(5, 42, 1), maskOf(5, 42, 1));
  EXPECT_NE(maskOf(5, 42, 1), maskOf(6, 42, 1));
  EXPECT_NE(maskOf(5, 42, 1), maskOf(5, 43, 1));
  EXPECT_NE(maskOf(5, 42, 1), maskOf(5, 42, 2));
  DropoutResult<double> other =
      unwrap(dropout(x.template cast<double>(), 5, 0.5, 42, 1));
  std::vector<T> mask = maskOf(5, 42, 1);
  for (size_t i = 0; i < mask.size(); ++i)
    ASSERT_EQ(mask[i] != 0, other.mask[i] != 0) << "element " << i;
}

// Tests that about 1 - rate of a large tensor is kept (binomial standard
// deviation sqrt(p (1 - p) / n) < 0.0016 here, the bound is over 5 of them)
// and that the scaling keeps the mean of an all-ones input near one.
TYPED_TEST(ReferenceOptimizer, DropoutKeepRate) {
  using T = TypeParam;
  Tensor<T> ones({100, 1000});
  std::fill(ones.elements().begin(), ones.elements().end(), T(1));
  for (double rate : {0.2, 0.5, 0.8}) {
    DropoutResult<T> d = unwrap(dropout(ones, 1, rate, 7, 0));
    int64_t kept = 0;
    double sum = 0;
    for (int64_t i = 0; i < d.y.size(); ++i) {
      kept += d.mask[i] != 0;
      sum += d.y[i];
    }
    EXPECT_NEAR(double(kept) / d.y.size(), 1 - rate, 0.008) << "rate " << rate;
    EXPECT_NEAR(sum / d.y.size(), 1.0, 0.04) << "rate " << rate;
  }
  DropoutResult<T> none = unwrap(dropout(ones, 1, 0.0, 7, 0));
  EXPECT_EQ(none.y.elements(), ones.elements());
}

} // namespace

//===- ReferenceForwardTest.cpp - Reference forward ops by hand -----------===//
//
// Each case is small enough to work out on paper; the expected numbers in the
// comments and literals were computed by hand (transcendental constants from
// their definitions), not by the code under test.
//
//===----------------------------------------------------------------------===//

#include "ReferenceTestUtil.h"

using namespace kiln::ref;
using namespace kiln::ref::test;
using kiln::shape::samePadding;

namespace {

template <typename T> class ReferenceForward : public ::testing::Test {
protected:
  /// Absolute tolerance of a hand value of order one in T.
  static double tol() { return sizeof(T) == 8 ? 1e-12 : 2e-6; }
};
using ElementTypes = ::testing::Types<float, double>;
TYPED_TEST_SUITE(ReferenceForward, ElementTypes);

// Tests a valid 3x3 conv of a 4x4 image (x = 1..16) with two filters and a
// batch of two: filter 0 has taps 1 at (0,0), 10 at (1,2), 100 at (2,1), so
// each output's digits name the input elements it read; filter 1 is all ones.
TYPED_TEST(ReferenceForward, Conv2DValid) {
  using T = TypeParam;
  Tensor<T> x({2, 4, 4, 1});
  for (int64_t i = 0; i < 16; ++i) {
    x[i] = T(i + 1);
    x[16 + i] = 1;
  }
  Tensor<T> f({3, 3, 1, 2});
  for (int64_t kh = 0; kh < 3; ++kh)
    for (int64_t kw = 0; kw < 3; ++kw)
      f.at({kh, kw, 0, 1}) = 1;
  f.at({0, 0, 0, 0}) = 1;
  f.at({1, 2, 0, 0}) = 10;
  f.at({2, 1, 0, 0}) = 100;
  Tensor<T> y = unwrap(conv2d(x, f, {1, 1}, {1, 1}, {Pad{}, Pad{}}));
  // out(0,0) = x00 + 10 x12 + 100 x21 = 1 + 70 + 1000; window sums 54, 63,
  // 90, 99; the all-ones image gives 111 and 9.
  expectTensorNear(y, {2, 2, 2, 2},
                   {1071, 54, 1182, 63, 1515, 90, 1626, 99, //
                    111, 9, 111, 9, 111, 9, 111, 9});
}

// Tests that the filter is read as HWIO: a 1x1 conv of a 2-channel pixel is
// x * F with F[ci][co].
TYPED_TEST(ReferenceForward, Conv2DFilterLayout) {
  using T = TypeParam;
  Tensor<T> y = unwrap(conv2d(tensor<T>({1, 1, 1, 2}, {1, 2}),
                              tensor<T>({1, 1, 2, 2}, {1, 2, 3, 4}), {1, 1},
                              {1, 1}, {Pad{}, Pad{}}));
  expectTensorNear(y, {1, 1, 1, 2}, {1 * 1 + 2 * 3, 1 * 2 + 2 * 4});
}

// Tests Keras 'same' padding at stride 1: an all-ones 3x3 filter sums the
// in-bounds neighbours of each element of x = 1..9.
TYPED_TEST(ReferenceForward, Conv2DSameStride1) {
  using T = TypeParam;
  Pad same = samePadding(3, 3, 1, 1);
  Tensor<T> ones({3, 3, 1, 1});
  std::fill(ones.elements().begin(), ones.elements().end(), T(1));
  Tensor<T> y =
      unwrap(conv2d(iota<T>({1, 3, 3, 1}), ones, {1, 1}, {1, 1}, {same, same}));
  expectTensorNear(y, {1, 3, 3, 1}, {12, 21, 16, 27, 45, 33, 24, 39, 28});
}

// Tests 'same' padding at stride 2 on 4x4: TensorFlow puts the single pad
// element after (bottom/right), so the first window starts at (0, 0).
TYPED_TEST(ReferenceForward, Conv2DSameStride2) {
  using T = TypeParam;
  Pad same = samePadding(4, 3, 2, 1);
  ASSERT_EQ(same.before, 0);
  ASSERT_EQ(same.after, 1);
  Tensor<T> ones({3, 3, 1, 1});
  std::fill(ones.elements().begin(), ones.elements().end(), T(1));
  Tensor<T> y =
      unwrap(conv2d(iota<T>({1, 4, 4, 1}), ones, {2, 2}, {1, 1}, {same, same}));
  // Rows/cols 0-2 -> 54; cols 2-3 -> 3+4+7+8+11+12; rows 2-3 -> 72;
  // 11+12+15+16.
  expectTensorNear(y, {1, 2, 2, 1}, {54, 45, 72, 54});
}

// Tests dilation 2: a 2x2 filter with taps 1, 10, 100, 1000 reads
// x(oh, ow), x(oh, ow+2), x(oh+2, ow), x(oh+2, ow+2) of x = 1..25 (5x5).
TYPED_TEST(ReferenceForward, Conv2DDilation2) {
  using T = TypeParam;
  Tensor<T> y = unwrap(conv2d(iota<T>({1, 5, 5, 1}),
                              tensor<T>({2, 2, 1, 1}, {1, 10, 100, 1000}),
                              {1, 1}, {2, 2}, {Pad{}, Pad{}}));
  ASSERT_EQ(y.shape(), (Dims{1, 3, 3, 1}));
  EXPECT_EQ(y.at({0, 0, 0, 0}), T(1 + 30 + 1100 + 13000));
  EXPECT_EQ(y.at({0, 1, 2, 0}), T(8 + 100 + 1800 + 20000));
  EXPECT_EQ(y.at({0, 2, 2, 0}), T(13 + 150 + 2300 + 25000));
}

// Tests conv1d with dilation 2, left padding 1 and strides 1 and 2: filter
// taps 1 and 10 read x(o-1) and x(o+1) of x = 1..5.
TYPED_TEST(ReferenceForward, Conv1D) {
  using T = TypeParam;
  Tensor<T> f = tensor<T>({2, 1, 1}, {1, 10});
  Tensor<T> y = unwrap(conv1d(iota<T>({1, 5, 1}), f, 1, 2, Pad{1, 0}));
  expectTensorNear(y, {1, 4, 1}, {20, 31, 42, 53});
  Tensor<T> strided = unwrap(conv1d(iota<T>({1, 5, 1}), f, 2, 2, Pad{1, 0}));
  expectTensorNear(strided, {1, 2, 1}, {20, 42});
}

// Tests dense (K x M weights) and bias_add on the innermost axis.
TYPED_TEST(ReferenceForward, DenseAndBias) {
  using T = TypeParam;
  Tensor<T> y = unwrap(dense(tensor<T>({2, 3}, {1, 2, 3, 4, 5, 6}),
                             tensor<T>({3, 2}, {1, 0, 0, 1, 1, 1})));
  expectTensorNear(y, {2, 2}, {4, 5, 10, 11});
  Tensor<T> b = unwrap(biasAdd(y, tensor<T>({2}, {100, 200})));
  expectTensorNear(b, {2, 2}, {104, 205, 110, 211});
  Tensor<T> img =
      unwrap(biasAdd(Tensor<T>({1, 2, 1, 3}), tensor<T>({3}, {1, 2, 3})));
  expectTensorNear(img, {1, 2, 1, 3}, {1, 2, 3, 1, 2, 3});
}

// Tests the activations at points whose values are known: gelu(1) = Phi(1),
// the exact erf form (the tanh approximation gives 0.841192); sigmoid stays
// finite at +-1000.
TYPED_TEST(ReferenceForward, Activations) {
  using T = TypeParam;
  double tol = this->tol();
  Tensor<T> x = tensor<T>({5}, {-1000, -1, 0, 1, 2});
  expectTensorNear(unwrap(relu(x)), {5}, {0, 0, 0, 1, 2});
  expectTensorNear(
      unwrap(gelu(tensor<T>({4}, {-1, 0, 1, 2}))), {4},
      {-0.15865525393145707, 0, 0.8413447460685429, 1.9544997361036416}, tol);
  expectTensorNear(unwrap(sigmoid(tensor<T>({5}, {-1000, -2, 0, 2, 1000}))),
                   {5}, {0, 0.11920292202211755, 0.5, 0.8807970779778823, 1},
                   tol);
  expectTensorNear(unwrap(tanh(tensor<T>({2}, {0.5, -0.5}))), {2},
                   {0.46211715726000974, -0.46211715726000974}, tol);
}

// Tests softmax against exp(x) / sum exp(x) of [1, 2, 3], and that shifting
// the row by 1000 (exp would overflow) gives the same result.
TYPED_TEST(ReferenceForward, Softmax) {
  using T = TypeParam;
  std::vector<double> expected{0.09003057317038046,
                               0.24472847105479767,
                               0.6652409557748219,
                               1. / 3,
                               1. / 3,
                               1. / 3};
  expectTensorNear(unwrap(softmax(tensor<T>({2, 3}, {1, 2, 3, 0, 0, 0}))),
                   {2, 3}, expected, this->tol());
  expectTensorNear(
      unwrap(softmax(tensor<T>({2, 3}, {1001, 1002, 1003, -5, -5, -5}))),
      {2, 3}, expected, this->tol());
}

// Tests cross-entropy against log-sum-exp by hand: row [1,2,3] with label 2
// loses log(e + e^2 + e^3) - 3 = 0.40760596444438013, row [0,0,0] with label
// 0 loses log 3; the result is their mean.
TYPED_TEST(ReferenceForward, SoftmaxCrossEntropy) {
  using T = TypeParam;
  Tensor<T> loss =
      unwrap(softmaxCrossEntropy(tensor<T>({2, 3}, {1, 2, 3, 0, 0, 0}),
                                 tensor<T>({2, 3}, {0, 0, 1, 1, 0, 0})));
  expectTensorNear(loss, {}, {0.753109126556245}, this->tol());
  // A soft label row mixes the log-probabilities.
  Tensor<T> soft = unwrap(softmaxCrossEntropy(
      tensor<T>({1, 3}, {1, 2, 3}), tensor<T>({1, 3}, {0.5, 0, 0.5})));
  double lse = 3.40760596444438013;
  expectTensorNear(soft, {}, {0.5 * (lse - 1) + 0.5 * (lse - 3)},
                   this->tol() * 10);
}

// Tests correct_count with ties: the first maximum wins in logits and labels.
TYPED_TEST(ReferenceForward, CorrectCount) {
  using T = TypeParam;
  Tensor<T> count =
      unwrap(correctCount(tensor<T>({3, 3}, {1, 3, 3, 2, 1, 0, 0, 0, 0}),
                          tensor<T>({3, 3}, {0, 1, 0, 0, 0, 1, 1, 0, 0})));
  expectTensorNear(count, {}, {2});
}

// Tests the Keras regularizer penalties of w = [1, -2, 3] at scale 0.001.
TYPED_TEST(ReferenceForward, Penalties) {
  using T = TypeParam;
  Tensor<T> w = tensor<T>({3}, {1, -2, 3});
  expectTensorNear(unwrap(l2Penalty(w, 0.001)), {}, {0.014}, this->tol());
  expectTensorNear(unwrap(l1Penalty(w, 0.001)), {}, {0.006}, this->tol());
}

// Tests 2x2 max pooling at stride 2 and 3x3 'same' max pooling at stride 2,
// where the padding must act as -inf: on a negative image, zero padding would
// win every window that touches it.
TYPED_TEST(ReferenceForward, MaxPool2D) {
  using T = TypeParam;
  expectTensorNear(
      unwrap(maxPool2d(iota<T>({1, 4, 4, 1}), {2, 2}, {2, 2}, {Pad{}, Pad{}})),
      {1, 2, 2, 1}, {6, 8, 14, 16});
  Pad same = samePadding(4, 3, 2, 1);
  Tensor<T> x = iota<T>({1, 4, 4, 1});
  expectTensorNear(unwrap(maxPool2d(x, {3, 3}, {2, 2}, {same, same})),
                   {1, 2, 2, 1}, {11, 12, 15, 16});
  for (int64_t i = 0; i < x.size(); ++i)
    x[i] = -x[i];
  expectTensorNear(unwrap(maxPool2d(x, {3, 3}, {2, 2}, {same, same})),
                   {1, 2, 2, 1}, {-1, -3, -9, -11});
}

// Tests that average pooling divides by the in-bounds count: 3x3 'same' at
// stride 1 on x = 1..9 averages 4 elements at corners, 6 on edges, 9 inside.
TYPED_TEST(ReferenceForward, AvgPool2D) {
  using T = TypeParam;
  Pad same = samePadding(3, 3, 1, 1);
  expectTensorNear(
      unwrap(avgPool2d(iota<T>({1, 3, 3, 1}), {3, 3}, {1, 1}, {same, same})),
      {1, 3, 3, 1},
      {12. / 4, 21. / 6, 16. / 4, 27. / 6, 45. / 9, 33. / 6, 24. / 4, 39. / 6,
       28. / 4},
      this->tol() * 10);
}

// Tests 1-D pooling with right padding: the last window holds only x[4].
TYPED_TEST(ReferenceForward, Pool1D) {
  using T = TypeParam;
  Tensor<T> x = tensor<T>({1, 5, 1}, {3, 1, 4, 1, 5});
  expectTensorNear(unwrap(maxPool1d(x, 2, 2, Pad{0, 1})), {1, 3, 1}, {3, 4, 5});
  expectTensorNear(unwrap(avgPool1d(x, 2, 2, Pad{0, 1})), {1, 3, 1},
                   {2, 2.5, 5});
}

// Tests global average pooling of NHWC and NWC inputs.
TYPED_TEST(ReferenceForward, GlobalAvgPool) {
  using T = TypeParam;
  expectTensorNear(unwrap(globalAvgPool(
                       tensor<T>({1, 2, 2, 2}, {1, 10, 2, 20, 3, 30, 4, 40}))),
                   {1, 2}, {2.5, 25});
  expectTensorNear(unwrap(globalAvgPool(tensor<T>({2, 2, 1}, {1, 3, 5, 9}))),
                   {2, 1}, {2, 7});
}

// Tests batch statistics over N, H, W: channel 0 holds 1, 2, 3, 4 (mean 2.5,
// biased variance (2.25 + 0.25 + 0.25 + 2.25) / 4 = 1.25, not the unbiased
// 5/3); channel 1 is constant (variance 0, so y = beta).
TYPED_TEST(ReferenceForward, BatchNormTrain) {
  using T = TypeParam;
  Tensor<T> x = tensor<T>({4, 1, 1, 2}, {1, 2, 2, 2, 3, 2, 4, 2});
  Tensor<T> gamma = tensor<T>({2}, {2, 1}), beta = tensor<T>({2}, {0.5, -1});
  BatchNormTrainResult<T> bn =
      unwrap(batchNormTrain(x, gamma, beta, /*epsilon=*/1e-3));
  expectTensorNear(bn.mean, {2}, {2.5, 2}, this->tol());
  expectTensorNear(bn.variance, {2}, {1.25, 0}, this->tol());
  // 1 / sqrt(1.25 + 0.001) = 0.8940696346430336; y = 2 (x - 2.5) * that + 0.5.
  double s = 0.8940696346430336;
  expectTensorNear(bn.y, {4, 1, 1, 2},
                   {2 * -1.5 * s + 0.5, -1, 2 * -0.5 * s + 0.5, -1,
                    2 * 0.5 * s + 0.5, -1, 2 * 1.5 * s + 0.5, -1},
                   this->tol() * 4);
  // Inference with the batch's own statistics reproduces training's output.
  Tensor<T> inferred =
      unwrap(batchNormInfer(x, gamma, beta, bn.mean, bn.variance, 1e-3));
  expectTensorNear(
      inferred, {4, 1, 1, 2},
      std::vector<double>(bn.y.elements().begin(), bn.y.elements().end()),
      this->tol());
}

// Tests Keras' moving-statistics update at momentum 0.99.
TYPED_TEST(ReferenceForward, MovingAverage) {
  using T = TypeParam;
  expectTensorNear(unwrap(movingAverage(tensor<T>({2}, {1, 2}),
                                        tensor<T>({2}, {3, 4}), 0.99)),
                   {2}, {1.02, 2.02}, this->tol());
}

// Tests mul and add elementwise.
TYPED_TEST(ReferenceForward, MulAdd) {
  using T = TypeParam;
  Tensor<T> a = tensor<T>({2, 2}, {1, 2, 3, 4}),
            b = tensor<T>({2, 2}, {5, 6, 7, 8});
  expectTensorNear(unwrap(mul(a, b)), {2, 2}, {5, 12, 21, 32});
  expectTensorNear(unwrap(add(a, b)), {2, 2}, {6, 8, 10, 12});
}

// Tests concat on channels and on width, flatten and reshape (row-major order
// kept).
TYPED_TEST(ReferenceForward, ConcatFlattenReshape) {
  using T = TypeParam;
  Tensor<T> a = tensor<T>({2, 2, 1}, {1, 2, 3, 4});
  Tensor<T> b = tensor<T>({2, 2, 2}, {10, 11, 20, 21, 30, 31, 40, 41});
  expectTensorNear(unwrap(concat<T>({a, b}, -1)), {2, 2, 3},
                   {1, 10, 11, 2, 20, 21, 3, 30, 31, 4, 40, 41});
  expectTensorNear(unwrap(concat<T>({a, a}, 1)), {2, 4, 1},
                   {1, 2, 1, 2, 3, 4, 3, 4});
  Tensor<T> flat = unwrap(flatten(b));
  expectTensorNear(flat, {2, 4}, {10, 11, 20, 21, 30, 31, 40, 41});
  expectTensorNear(unwrap(reshape(flat, {2, -1})), {2, 2, 2},
                   {10, 11, 20, 21, 30, 31, 40, 41});
}

// Tests zero_pad of NHWC (top 1, right 1) and NWC, and slice undoing it.
TYPED_TEST(ReferenceForward, ZeroPadAndSlice) {
  using T = TypeParam;
  Tensor<T> x = iota<T>({1, 2, 2, 1});
  Tensor<T> padded = unwrap(zeroPad(x, {Pad{1, 0}, Pad{0, 1}}));
  expectTensorNear(padded, {1, 3, 3, 1}, {0, 0, 0, 1, 2, 0, 3, 4, 0});
  expectTensorNear(unwrap(slice(padded, {1, 0, 0}, {2, 2, 1})), {1, 2, 2, 1},
                   {1, 2, 3, 4});
  expectTensorNear(unwrap(zeroPad(iota<T>({1, 2, 2}), {Pad{2, 1}})), {1, 5, 2},
                   {0, 0, 0, 0, 1, 2, 3, 4, 0, 0});
  expectTensorNear(unwrap(slice(iota<T>({2, 3, 2}), {1, 1}, {2, 1})), {2, 2, 1},
                   {4, 6, 10, 12});
}

} // namespace

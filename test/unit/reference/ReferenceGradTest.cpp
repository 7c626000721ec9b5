//===- ReferenceGradTest.cpp - Backward ops against finite differences ----===//
//
// Every backward op (and every gradient the op sheet expresses with another
// op: dropout -> mul, flatten/reshape -> reshape, zero_pad/concat -> slice)
// is checked against central differences of its forward op through the
// scalar objective sum(gradOut * f(x)) with a random gradOut, whose gradient
// with respect to x is exactly what the backward op claims to compute.
// Shapes are odd-sized, batched, strided, dilated and padded.
//
//===----------------------------------------------------------------------===//

#include "ReferenceTestUtil.h"

#include <limits>

using namespace kiln::ref;
using namespace kiln::ref::test;
using kiln::shape::samePadding;

namespace {

/// How finely each element type is differentiated and how closely it must
/// agree. The relative error of an element is |analytic - numeric| divided
/// by max(|analytic|, |numeric|, floor * the largest gradient element).
///
/// double: the objective is accumulated in double, so its rounding noise is
/// about 1e-16 |f| and the quotient's noise ~1e-16 |f| / h; truncation is
/// h^2 |f'''| / 6. h = 1e-5 makes both ~1e-10, far below the 1e-6 required
/// (measured: 8e-8 at worst, for gelu), so the floor can sit at 1e-3 of the
/// largest element.
///
/// float: every output of the forward op carries float rounding (unit
/// roundoff 6e-8), so f(x+h) - f(x-h) has noise ~1e-6 |f| where |f| is the
/// size of the outputs the element touches (all of them for a loss or a
/// penalty, which reduce to one float), and the quotient ~1e-6 |f| / h, while
/// truncation stays h^2 |f'''| / 6. The optimum is near (3e-6)^(1/3) ~ 1e-2.
/// That noise is absolute: an element a hundredth of the largest would show
/// a relative error of 1e-2 however right it is, so elements are judged
/// relative to at least a tenth of the largest (measured worst: 5e-4, for the
/// cross-entropy, against the 1e-3 required).
///
/// Inputs are kept 0.05 or more away from kinks (relu and |w| at zero, ties
/// in max pooling) so that no step crosses one.
template <typename T> struct Precision;
template <> struct Precision<double> {
  static constexpr double step = 1e-5;
  static constexpr double floor = 1e-3;
  static constexpr double tolerance = 1e-6;
};
template <> struct Precision<float> {
  static constexpr double step = 1e-2;
  static constexpr double floor = 1e-1;
  static constexpr double tolerance = 1e-3;
};

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

template <typename T> class ReferenceGrad : public ::testing::Test {
protected:
  /// Checks `analytic` as the gradient of `objective` at `x`, every element.
  void expectGradient(const char *what, const Objective<T> &objective,
                      const Tensor<T> &x, const Tensor<T> &analytic) {
    GradCheckOptions options;
    options.step = Precision<T>::step;
    options.floorFraction = Precision<T>::floor;
    GradCheckReport report = checkGradient(objective, x, analytic, options);
    ASSERT_TRUE(report.ok()) << what << ": " << report.describe();
    EXPECT_EQ(report.checked, x.size()) << what;
    EXPECT_LT(report.maxRelError, Precision<T>::tolerance)
        << what << ": " << report.describe();
  }

  /// sum(gradOut * y) when the forward op succeeded, NaN otherwise (the
  /// checker then fails with a message).
  static double project(const Tensor<T> &gradOut, const Result<Tensor<T>> &y) {
    return y.ok() ? sumProduct(gradOut, y.value) : kNaN;
  }

  /// Random values in [-1, 1) for inputs, weights and output gradients.
  static Tensor<T> random(const Dims &shape, uint64_t stream) {
    return uniformTensor<T>(shape, /*seed=*/2024, stream, -1, 1);
  }
};
using ElementTypes = ::testing::Types<float, double>;
TYPED_TEST_SUITE(ReferenceGrad, ElementTypes);

/// One conv2d configuration to differentiate.
struct Conv2DCase {
  Dims input, filter;
  Pair strides, dilations;
  Padding2 padding;
};

// Tests conv2d_grad_input and conv2d_grad_filter on 'same' padding, mixed
// strides with dilation and asymmetric padding, and stride + dilation 2.
TYPED_TEST(ReferenceGrad, Conv2D) {
  using T = TypeParam;
  std::vector<Conv2DCase> cases = {
      {{2, 7, 6, 3},
       {3, 3, 3, 4},
       {1, 1},
       {1, 1},
       {samePadding(7, 3, 1, 1), samePadding(6, 3, 1, 1)}},
      {{2, 9, 8, 2}, {3, 2, 2, 3}, {2, 3}, {1, 2}, {Pad{1, 0}, Pad{2, 1}}},
      {{3, 5, 7, 1}, {2, 3, 1, 2}, {2, 2}, {2, 2}, {Pad{}, Pad{}}},
  };
  for (size_t k = 0; k < cases.size(); ++k) {
    const Conv2DCase &c = cases[k];
    SCOPED_TRACE("case " + std::to_string(k));
    Tensor<T> x = this->random(c.input, 1), f = this->random(c.filter, 2);
    Tensor<T> y = unwrap(conv2d(x, f, c.strides, c.dilations, c.padding));
    Tensor<T> g = this->random(y.shape(), 3);
    Tensor<T> gradIn = unwrap(conv2dGradInput(
        g, f, c.strides, c.dilations, c.padding, {c.input[1], c.input[2]}));
    this->expectGradient(
        "conv2d_grad_input",
        [&](const Tensor<T> &xp) {
          return this->project(
              g, conv2d(xp, f, c.strides, c.dilations, c.padding));
        },
        x, gradIn);
    Tensor<T> gradF = unwrap(conv2dGradFilter(
        x, g, c.strides, c.dilations, c.padding, {c.filter[0], c.filter[1]}));
    this->expectGradient(
        "conv2d_grad_filter",
        [&](const Tensor<T> &fp) {
          return this->project(
              g, conv2d(x, fp, c.strides, c.dilations, c.padding));
        },
        f, gradF);
  }
}

// Tests conv1d_grad_input and conv1d_grad_filter with stride 2, dilation 2
// and asymmetric padding, and a plain valid k=2 conv (report 002's models).
TYPED_TEST(ReferenceGrad, Conv1D) {
  using T = TypeParam;
  struct Case {
    Dims input, filter;
    int64_t stride, dilation;
    Pad padding;
  };
  std::vector<Case> cases = {{{2, 11, 3}, {3, 3, 2}, 2, 2, Pad{2, 1}},
                             {{3, 6, 4}, {2, 4, 3}, 1, 1, Pad{}}};
  for (const Case &c : cases) {
    Tensor<T> x = this->random(c.input, 4), f = this->random(c.filter, 5);
    Tensor<T> y = unwrap(conv1d(x, f, c.stride, c.dilation, c.padding));
    Tensor<T> g = this->random(y.shape(), 6);
    this->expectGradient(
        "conv1d_grad_input",
        [&](const Tensor<T> &xp) {
          return this->project(g,
                               conv1d(xp, f, c.stride, c.dilation, c.padding));
        },
        x,
        unwrap(conv1dGradInput(g, f, c.stride, c.dilation, c.padding,
                               c.input[1])));
    this->expectGradient(
        "conv1d_grad_filter",
        [&](const Tensor<T> &fp) {
          return this->project(g,
                               conv1d(x, fp, c.stride, c.dilation, c.padding));
        },
        f,
        unwrap(conv1dGradFilter(x, g, c.stride, c.dilation, c.padding,
                                c.filter[0])));
  }
}

// Tests dense_grad_input and dense_grad_weights.
TYPED_TEST(ReferenceGrad, Dense) {
  using T = TypeParam;
  Tensor<T> x = this->random({3, 5}, 1), w = this->random({5, 4}, 2);
  Tensor<T> g = this->random({3, 4}, 3);
  this->expectGradient(
      "dense_grad_input",
      [&](const Tensor<T> &xp) { return this->project(g, dense(xp, w)); }, x,
      unwrap(denseGradInput(g, w)));
  this->expectGradient(
      "dense_grad_weights",
      [&](const Tensor<T> &wp) { return this->project(g, dense(x, wp)); }, w,
      unwrap(denseGradWeights(x, g)));
}

// Tests bias_grad (the gradient of bias_add for its bias) on NHWC and N x C,
// and that bias_add passes the gradient to x unchanged.
TYPED_TEST(ReferenceGrad, Bias) {
  using T = TypeParam;
  for (const Dims &shape : {Dims{2, 3, 5, 4}, Dims{7, 4}}) {
    Tensor<T> x = this->random(shape, 1), b = this->random({4}, 2);
    Tensor<T> g = this->random(shape, 3);
    this->expectGradient(
        "bias_grad",
        [&](const Tensor<T> &bp) { return this->project(g, biasAdd(x, bp)); },
        b, unwrap(biasGrad(g)));
    this->expectGradient(
        "bias_add input gradient",
        [&](const Tensor<T> &xp) { return this->project(g, biasAdd(xp, b)); },
        x, g);
  }
}

// Tests relu_grad, gelu_grad, sigmoid_grad and tanh_grad; the last two take
// the forward result y as the op sheet says.
TYPED_TEST(ReferenceGrad, Activations) {
  using T = TypeParam;
  Dims shape{3, 4, 5};
  Tensor<T> g = this->random(shape, 3);
  Tensor<T> kinked = awayFromZero<T>(shape, 11, 0.05, 2);
  this->expectGradient(
      "relu_grad",
      [&](const Tensor<T> &xp) { return this->project(g, relu(xp)); }, kinked,
      unwrap(reluGrad(g, kinked)));
  Tensor<T> x = uniformTensor<T>(shape, 12, 0, -3, 3);
  this->expectGradient(
      "gelu_grad",
      [&](const Tensor<T> &xp) { return this->project(g, gelu(xp)); }, x,
      unwrap(geluGrad(g, x)));
  this->expectGradient(
      "sigmoid_grad",
      [&](const Tensor<T> &xp) { return this->project(g, sigmoid(xp)); }, x,
      unwrap(sigmoidGrad(g, unwrap(sigmoid(x)))));
  this->expectGradient(
      "tanh_grad",
      [&](const Tensor<T> &xp) { return this->project(g, tanh(xp)); }, x,
      unwrap(tanhGrad(g, unwrap(tanh(x)))));
}

// Tests softmax_grad from the forward result on a batch of rows.
TYPED_TEST(ReferenceGrad, Softmax) {
  using T = TypeParam;
  Tensor<T> x = uniformTensor<T>({4, 7}, 13, 0, -3, 3);
  Tensor<T> g = this->random({4, 7}, 3);
  this->expectGradient(
      "softmax_grad",
      [&](const Tensor<T> &xp) { return this->project(g, softmax(xp)); }, x,
      unwrap(softmaxGrad(g, unwrap(softmax(x)))));
}

/// One pooling configuration to differentiate.
struct Pool2DCase {
  Dims input;
  Pair window, strides;
  Padding2 padding;
};

// Tests max_pool2d_grad and avg_pool2d_grad on non-overlapping windows,
// overlapping 'same'-padded windows, and asymmetric explicit padding.
TYPED_TEST(ReferenceGrad, Pool2D) {
  using T = TypeParam;
  std::vector<Pool2DCase> cases = {
      {{2, 6, 6, 3}, {2, 2}, {2, 2}, {Pad{}, Pad{}}},
      {{2, 7, 5, 2},
       {3, 3},
       {2, 2},
       {samePadding(7, 3, 2, 1), samePadding(5, 3, 2, 1)}},
      {{1, 5, 6, 2}, {2, 3}, {1, 2}, {Pad{1, 0}, Pad{0, 2}}},
  };
  for (size_t k = 0; k < cases.size(); ++k) {
    const Pool2DCase &c = cases[k];
    SCOPED_TRACE("case " + std::to_string(k));
    Tensor<T> x = distinctValues<T>(c.input, 20 + k, 0.05);
    Tensor<T> y = unwrap(maxPool2d(x, c.window, c.strides, c.padding));
    Tensor<T> g = this->random(y.shape(), 3);
    this->expectGradient(
        "max_pool2d_grad",
        [&](const Tensor<T> &xp) {
          return this->project(g,
                               maxPool2d(xp, c.window, c.strides, c.padding));
        },
        x, unwrap(maxPool2dGrad(g, x, c.window, c.strides, c.padding)));
    this->expectGradient(
        "avg_pool2d_grad",
        [&](const Tensor<T> &xp) {
          return this->project(g,
                               avgPool2d(xp, c.window, c.strides, c.padding));
        },
        x,
        unwrap(avgPool2dGrad(g, c.window, c.strides, c.padding,
                             {c.input[1], c.input[2]})));
  }
}

// Tests max_pool1d_grad and avg_pool1d_grad with overlapping padded windows.
TYPED_TEST(ReferenceGrad, Pool1D) {
  using T = TypeParam;
  Dims shape{2, 9, 3};
  Tensor<T> x = distinctValues<T>(shape, 30, 0.05);
  Tensor<T> y = unwrap(maxPool1d(x, 3, 2, Pad{1, 1}));
  Tensor<T> g = this->random(y.shape(), 3);
  this->expectGradient(
      "max_pool1d_grad",
      [&](const Tensor<T> &xp) {
        return this->project(g, maxPool1d(xp, 3, 2, Pad{1, 1}));
      },
      x, unwrap(maxPool1dGrad(g, x, 3, 2, Pad{1, 1})));
  this->expectGradient(
      "avg_pool1d_grad",
      [&](const Tensor<T> &xp) {
        return this->project(g, avgPool1d(xp, 3, 2, Pad{1, 1}));
      },
      x, unwrap(avgPool1dGrad(g, 3, 2, Pad{1, 1}, 9)));
}

// Tests global_avg_pool_grad for NHWC and NWC inputs.
TYPED_TEST(ReferenceGrad, GlobalAvgPool) {
  using T = TypeParam;
  for (const Dims &shape : {Dims{2, 3, 5, 4}, Dims{3, 7, 2}}) {
    Tensor<T> x = this->random(shape, 1);
    Tensor<T> g = this->random({shape[0], shape.back()}, 3);
    this->expectGradient(
        "global_avg_pool_grad",
        [&](const Tensor<T> &xp) {
          return this->project(g, globalAvgPool(xp));
        },
        x, unwrap(globalAvgPoolGrad(g, Dims(shape.begin() + 1, shape.end()))));
  }
}

// Tests batch_norm_train_grad for x (through the batch statistics), gamma
// and beta, after a conv (NHWC) and after a dense layer (N x C).
TYPED_TEST(ReferenceGrad, BatchNorm) {
  using T = TypeParam;
  const double eps = 1e-3;
  for (const Dims &shape : {Dims{2, 3, 3, 4}, Dims{5, 6}}) {
    int64_t channels = shape.back();
    Tensor<T> x = this->random(shape, 1);
    // Per-channel offsets and scales, so the statistics differ by channel.
    for (int64_t i = 0; i < x.size(); ++i)
      x[i] = x[i] * T(1 + i % channels) + T(i % channels);
    Tensor<T> gamma = uniformTensor<T>({channels}, 5, 0, 0.5, 1.5);
    Tensor<T> beta = this->random({channels}, 6);
    Tensor<T> g = this->random(shape, 3);
    BatchNormTrainResult<T> fwd = unwrap(batchNormTrain(x, gamma, beta, eps));
    BatchNormGradResult<T> grads =
        unwrap(batchNormTrainGrad(g, x, gamma, fwd.mean, fwd.variance, eps));
    auto yOf = [&](const Tensor<T> &xp, const Tensor<T> &gp,
                   const Tensor<T> &bp) {
      Result<BatchNormTrainResult<T>> r = batchNormTrain(xp, gp, bp, eps);
      return r.ok() ? sumProduct(g, r.value.y) : kNaN;
    };
    this->expectGradient(
        "batch_norm_train_grad x",
        [&](const Tensor<T> &xp) { return yOf(xp, gamma, beta); }, x,
        grads.gradX);
    this->expectGradient(
        "batch_norm_train_grad gamma",
        [&](const Tensor<T> &gp) { return yOf(x, gp, beta); }, gamma,
        grads.gradGamma);
    this->expectGradient(
        "batch_norm_train_grad beta",
        [&](const Tensor<T> &bp) { return yOf(x, gamma, bp); }, beta,
        grads.gradBeta);
  }
}

/// The same values in double.
Tensor<double> toDouble(const Tensor<float> &t) {
  Tensor<double> d(t.shape());
  for (int64_t i = 0; i < t.size(); ++i)
    d[i] = t[i];
  return d;
}

/// Checks that `got` is `exact` rounded to float, element by element;
/// reports how many differ and the first.
void expectRounded(const char *op, const Tensor<float> &got,
                   const Tensor<double> &exact) {
  ASSERT_EQ(got.shape(), exact.shape()) << op;
  int64_t differing = 0, first = -1;
  for (int64_t i = 0; i < got.size(); ++i)
    if (got[i] != float(exact[i]) && differing++ == 0)
      first = i;
  EXPECT_EQ(differing, 0) << op << ": first at flat index " << first << ": "
                          << got[first] << " vs " << exact[first];
}

// Tests that the float convolutions, dense layers and bias gradient are
// their double results on the same values rounded once (their sums are kept
// in double): over long sums that cancel, float accumulation drifted by
// more than the float gradient check's tolerance allows.
TEST(ReferenceGradFloat, LongSumsAreRoundedOnce) {
  Tensor<float> x = uniformTensor<float>({2, 9, 8, 6}, 1, 0, -1, 1);
  Tensor<float> f = uniformTensor<float>({3, 3, 6, 5}, 2, 0, -1, 1);
  Padding2 same{samePadding(9, 3, 1, 1), samePadding(8, 3, 1, 1)};
  Tensor<float> y = unwrap(conv2d(x, f, {1, 1}, {1, 1}, same));
  Tensor<float> g = uniformTensor<float>(y.shape(), 3, 0, -1, 1);
  Tensor<double> xd = toDouble(x), fd = toDouble(f), gd = toDouble(g);
  expectRounded("conv2d", y, unwrap(conv2d(xd, fd, {1, 1}, {1, 1}, same)));
  expectRounded("conv2d_grad_input",
                unwrap(conv2dGradInput(g, f, {1, 1}, {1, 1}, same, {9, 8})),
                unwrap(conv2dGradInput(gd, fd, {1, 1}, {1, 1}, same, {9, 8})));
  expectRounded("conv2d_grad_filter",
                unwrap(conv2dGradFilter(x, g, {1, 1}, {1, 1}, same, {3, 3})),
                unwrap(conv2dGradFilter(xd, gd, {1, 1}, {1, 1}, same, {3, 3})));
  expectRounded("bias_grad", unwrap(biasGrad(g)), unwrap(biasGrad(gd)));
  // A dense layer as wide as Model 4's first (6272 inputs).
  Tensor<float> in = uniformTensor<float>({2, 6272}, 4, 0, -1, 1);
  Tensor<float> w = uniformTensor<float>({6272, 3}, 5, 0, -1, 1);
  Tensor<float> go = uniformTensor<float>({2, 3}, 6, 0, -1, 1);
  Tensor<double> ind = toDouble(in), wd = toDouble(w), god = toDouble(go);
  expectRounded("dense", unwrap(dense(in, w)), unwrap(dense(ind, wd)));
  expectRounded("dense_grad_input", unwrap(denseGradInput(go, w)),
                unwrap(denseGradInput(god, wd)));
  expectRounded("dense_grad_weights", unwrap(denseGradWeights(in, go)),
                unwrap(denseGradWeights(ind, god)));
}

// Tests that float batch normalisation over a batch of 2 (a dense layer's
// channel: xhat is +-1 up to epsilon, and the input gradient is what
// 1 - xhat^2 leaves, 1e-4 to 1e-3 of the incoming one here) loses no more
// than the rounding of its float statistics allows: its input gradient
// matches the double op's on the same values within 3e-4 (float
// intermediates left it 1.8e-3 off; the variance's own rounding, 6e-8 of
// it, moves 1 - xhat^2 by up to var / epsilon * 6e-8, 1e-3 here).
TEST(ReferenceGradFloat, BatchNormOverTwoSamples) {
  const double eps = 1e-3;
  const int64_t channels = 64;
  Tensor<float> x = uniformTensor<float>({2, channels}, 1, 0, -4, 4);
  Tensor<float> gamma = uniformTensor<float>({channels}, 2, 0, 0.5, 1.5);
  Tensor<float> g = uniformTensor<float>({2, channels}, 3, 0, -1, 1);
  // Each channel's two values 2 to 4 apart, so the variance is 1e3 to 4e3
  // times epsilon.
  for (int64_t c = 0; c < channels; ++c)
    x[channels + c] = x[c] + (x[c] < 0 ? 1 : -1) * (2 + std::abs(x[c]) / 2);
  Tensor<float> zero({channels});
  BatchNormTrainResult<float> fwd = unwrap(batchNormTrain(x, gamma, zero, eps));
  BatchNormGradResult<float> grads =
      unwrap(batchNormTrainGrad(g, x, gamma, fwd.mean, fwd.variance, eps));
  Tensor<double> xd = toDouble(x), gammad = toDouble(gamma);
  BatchNormTrainResult<double> fwdd =
      unwrap(batchNormTrain(xd, gammad, toDouble(zero), eps));
  BatchNormGradResult<double> exact = unwrap(batchNormTrainGrad(
      toDouble(g), xd, gammad, fwdd.mean, fwdd.variance, eps));
  double worst = 0;
  for (int64_t i = 0; i < x.size(); ++i)
    worst = std::max(worst, std::abs(grads.gradX[i] - exact.gradX[i]) /
                                std::abs(exact.gradX[i]));
  EXPECT_LT(worst, 3e-4);
}

// Tests softmax_cross_entropy_grad on one-hot labels and on soft labels whose
// rows sum to one (the sheet's formula assumes they do).
TYPED_TEST(ReferenceGrad, SoftmaxCrossEntropy) {
  using T = TypeParam;
  const int64_t kRows = 2;
  Tensor<T> logits = uniformTensor<T>({kRows, 5}, 14, 0, -3, 3);
  Tensor<T> oneHot({kRows, 5});
  for (int64_t n = 0; n < kRows; ++n)
    oneHot.at({n, (n * 3) % 5}) = 1;
  Tensor<T> soft = uniformTensor<T>({kRows, 5}, 15, 0, 0.1, 1);
  for (int64_t n = 0; n < kRows; ++n) {
    T sum = 0;
    for (int64_t j = 0; j < 5; ++j)
      sum += soft.at({n, j});
    for (int64_t j = 0; j < 5; ++j)
      soft.at({n, j}) /= sum;
  }
  for (const Tensor<T> *labels : {&oneHot, &soft}) {
    this->expectGradient(
        "softmax_cross_entropy_grad",
        [&](const Tensor<T> &lp) {
          Result<Tensor<T>> loss = softmaxCrossEntropy(lp, *labels);
          return loss.ok() ? double(loss.value[0]) : kNaN;
        },
        logits, unwrap(softmaxCrossEntropyGrad(logits, *labels)));
  }
}

// Tests l2_penalty_grad and l1_penalty_grad (weights away from l1's kink).
TYPED_TEST(ReferenceGrad, Penalties) {
  using T = TypeParam;
  Tensor<T> w = awayFromZero<T>({3, 2, 2, 2}, 16, 0.05, 1);
  const double scale = 0.5;
  auto scalarOf = [](const Result<Tensor<T>> &r) {
    return r.ok() ? double(r.value[0]) : kNaN;
  };
  this->expectGradient(
      "l2_penalty_grad",
      [&](const Tensor<T> &wp) { return scalarOf(l2Penalty(wp, scale)); }, w,
      unwrap(l2PenaltyGrad(w, scale)));
  this->expectGradient(
      "l1_penalty_grad",
      [&](const Tensor<T> &wp) { return scalarOf(l1Penalty(wp, scale)); }, w,
      unwrap(l1PenaltyGrad(w, scale)));
}

// Tests the gradients the sheet writes with other ops: dropout's is
// mul(grad, mask); mul's is mul(grad, other); add's is the gradient itself.
TYPED_TEST(ReferenceGrad, DropoutMulAdd) {
  using T = TypeParam;
  Dims shape{2, 5, 3};
  Tensor<T> x = this->random(shape, 1), b = this->random(shape, 2);
  Tensor<T> g = this->random(shape, 3);
  DropoutResult<T> drop = unwrap(dropout(x, /*step=*/3, 0.4, 77, 5));
  this->expectGradient(
      "dropout gradient",
      [&](const Tensor<T> &xp) {
        Result<DropoutResult<T>> r = dropout(xp, 3, 0.4, 77, 5);
        return r.ok() ? sumProduct(g, r.value.y) : kNaN;
      },
      x, unwrap(mul(g, drop.mask)));
  this->expectGradient(
      "mul gradient",
      [&](const Tensor<T> &xp) { return this->project(g, mul(xp, b)); }, x,
      unwrap(mul(g, b)));
  this->expectGradient(
      "add gradient",
      [&](const Tensor<T> &xp) { return this->project(g, add(xp, b)); }, x, g);
}

// Tests that slice is the gradient of zero_pad and of concat, and reshape the
// gradient of flatten and reshape.
TYPED_TEST(ReferenceGrad, Layout) {
  using T = TypeParam;
  Tensor<T> x = this->random({2, 3, 4, 2}, 1);
  std::vector<Pad> pads{Pad{1, 2}, Pad{0, 3}};
  Tensor<T> gPad = this->random({2, 6, 7, 2}, 3);
  this->expectGradient(
      "zero_pad gradient (slice)",
      [&](const Tensor<T> &xp) {
        return this->project(gPad, zeroPad(xp, pads));
      },
      x, unwrap(slice(gPad, {1, 0, 0}, {3, 4, 2})));

  Tensor<T> other = this->random({2, 3, 4, 3}, 2);
  Tensor<T> gCat = this->random({2, 3, 4, 5}, 4);
  this->expectGradient(
      "concat gradient, first input (slice)",
      [&](const Tensor<T> &xp) {
        return this->project(gCat, concat<T>({xp, other}, 3));
      },
      x, unwrap(slice(gCat, {0, 0, 0}, {3, 4, 2})));
  this->expectGradient(
      "concat gradient, second input (slice)",
      [&](const Tensor<T> &op) {
        return this->project(gCat, concat<T>({x, op}, 3));
      },
      other, unwrap(slice(gCat, {0, 0, 2}, {3, 4, 3})));

  Tensor<T> gFlat = this->random({2, 24}, 5);
  this->expectGradient(
      "flatten gradient (reshape)",
      [&](const Tensor<T> &xp) { return this->project(gFlat, flatten(xp)); }, x,
      unwrap(reshape(gFlat, {3, 4, 2})));
  Tensor<T> gShape = this->random({2, 6, 4}, 6);
  this->expectGradient(
      "reshape gradient (reshape)",
      [&](const Tensor<T> &xp) {
        return this->project(gShape, reshape(xp, {6, -1}));
      },
      x, unwrap(reshape(gShape, {3, 4, 2})));
}

// Tests the checker itself: a wrong gradient (one element off by 0.05) is
// caught, so the checks above can fail.
TYPED_TEST(ReferenceGrad, CheckerCatchesWrongGradient) {
  using T = TypeParam;
  Tensor<T> x = this->random({3, 5}, 1), w = this->random({5, 4}, 2);
  Tensor<T> g = this->random({3, 4}, 3);
  Tensor<T> wrong = unwrap(denseGradInput(g, w));
  wrong[7] += T(0.05);
  GradCheckOptions options;
  options.step = Precision<T>::step;
  GradCheckReport report = checkGradient<T>(
      [&](const Tensor<T> &xp) { return this->project(g, dense(xp, w)); }, x,
      wrong, options);
  ASSERT_TRUE(report.ok()) << report.describe();
  EXPECT_EQ(report.worstIndex, 7);
  EXPECT_GT(report.maxRelError, 5e-3);
  // A gradient of the wrong shape and a failing objective are reported.
  EXPECT_FALSE(
      checkGradient<T>([&](const Tensor<T> &) { return 0.0; }, x, w, options)
          .ok());
  EXPECT_FALSE(checkGradient<T>([&](const Tensor<T> &) { return kNaN; }, x,
                                wrong, options)
                   .ok());
}

/// sum_i slope[i] * relu(x[i] - kink[i]) + x[i]^2 / 2: smooth except at
/// each kink[i], where the slope jumps by slope[i].
double kinked(const Tensor<double> &x, const std::vector<double> &kink,
              const std::vector<double> &slope) {
  double f = 0;
  for (int64_t i = 0; i < x.size(); ++i)
    f += slope[i] * std::max(0.0, x[i] - kink[i]) + x[i] * x[i] / 2;
  return f;
}

// Tests the kink test: an element with a kink within 2h/8 is skipped and
// counted (matching the one-sided difference of its side), one with a kink
// further away is compared at the smaller step, a wrong gradient elsewhere
// is still caught, and a wrong gradient at the kink matches neither side.
// Without the test the kink is a disagreement.
TEST(GradCheckKinks, KinksAreSkippedAndWrongGradientsCaught) {
  const double h = 1e-5;
  Tensor<double> x({4}, {0.5, -1, 2, 3});
  // Element 0 has a kink 0.1h above it, element 1 one 0.6h above it; the
  // others none within 2h.
  std::vector<double> kink = {0.5 + 0.1 * h, -1 + 0.6 * h, -5, 5};
  std::vector<double> slope = {4, 4, 4, 4};
  auto objective = [&](const Tensor<double> &p) {
    return kinked(p, kink, slope);
  };
  // x[i] below its kink: slope 0 there; element 2 is past its kink.
  Tensor<double> right({4}, {0.5, -1, 2 + 4, 3});
  GradCheckOptions options;
  options.step = h;
  options.kinkTolerance = 1e-6;
  GradCheckReport report = checkGradient<double>(objective, x, right, options);
  ASSERT_TRUE(report.ok()) << report.describe();
  EXPECT_EQ(report.checked, 4);
  EXPECT_EQ(report.kinks, 1);
  EXPECT_EQ(report.kinksMatchingOneSide, 1);
  EXPECT_EQ(report.worstKinkIndex, 0);
  EXPECT_EQ(report.fivePoint, 1);
  // At h/8 the rounding of f is about 1e-9 of the quotient.
  EXPECT_LT(report.maxRelError, 1e-8) << report.describe();

  Tensor<double> wrong = right;
  wrong[3] *= 1 + 1e-5;
  report = checkGradient<double>(objective, x, wrong, options);
  EXPECT_EQ(report.kinks, 1);
  EXPECT_EQ(report.worstIndex, 3);
  EXPECT_GT(report.maxRelError, 5e-6);

  Tensor<double> wrongAtKink = right;
  wrongAtKink[0] += 1;
  report = checkGradient<double>(objective, x, wrongAtKink, options);
  EXPECT_EQ(report.kinks, 1);
  EXPECT_EQ(report.kinksMatchingOneSide, 0);

  options.kinkTolerance = 0;
  report = checkGradient<double>(objective, x, right, options);
  EXPECT_EQ(report.kinks, 0);
  EXPECT_GT(report.maxRelError, 0.1);
}

// Tests that smoothTolerance sets how small a kink is seen: a jump of 4e-4
// of the gradient, 0.1h above x, passes the kink test at a float tolerance
// (compared across the kink) but is skipped, matching its side's one-sided
// difference within the float tolerance, when the differences resolve 1e-6.
TEST(GradCheckKinks, SmoothToleranceResolvesSmallKinks) {
  const double h = 1e-5;
  Tensor<double> x({2}, {0.5, 2});
  std::vector<double> kink = {0.5 + 0.1 * h, 5};
  std::vector<double> slope = {4e-4, 1};
  auto objective = [&](const Tensor<double> &p) {
    return kinked(p, kink, slope);
  };
  GradCheckOptions options;
  options.step = h;
  options.kinkTolerance = 1e-3;
  GradCheckReport report = checkGradient<double>(objective, x, x, options);
  EXPECT_EQ(report.kinks, 0);
  EXPECT_EQ(report.fivePoint, 1);
  EXPECT_GT(report.maxRelError, 1e-4);

  options.smoothTolerance = 1e-6;
  report = checkGradient<double>(objective, x, x, options);
  EXPECT_EQ(report.kinks, 1);
  EXPECT_EQ(report.kinksMatchingOneSide, 1);
  EXPECT_LT(report.maxRelError, 1e-6) << report.describe();
}

// Tests that a strongly curved objective, whose central differences are off
// by their truncation error, is compared with five-point differences, and
// that a wrong gradient there is still caught.
TEST(GradCheckKinks, CurvedObjectiveUsesFivePointDifferences) {
  Tensor<double> x({2}, {0.1, 0.2});
  auto objective = [](const Tensor<double> &p) {
    return std::exp(20 * p[0]) + std::exp(20 * p[1]);
  };
  Tensor<double> gradient({2}, {20 * std::exp(2.0), 20 * std::exp(4.0)});
  GradCheckOptions options;
  options.step = 1e-3; // central truncation: (20h)^2 / 6, about 7e-5
  GradCheckReport central =
      checkGradient<double>(objective, x, gradient, options);
  EXPECT_GT(central.maxRelError, 1e-5);
  options.kinkTolerance = 1e-6;
  GradCheckReport fivePoint =
      checkGradient<double>(objective, x, gradient, options);
  EXPECT_EQ(fivePoint.fivePoint, 2);
  EXPECT_EQ(fivePoint.kinks, 0);
  EXPECT_LT(fivePoint.maxRelError, 1e-7) << fivePoint.describe();
  gradient[1] *= 1 + 1e-5;
  fivePoint = checkGradient<double>(objective, x, gradient, options);
  EXPECT_EQ(fivePoint.worstIndex, 1);
  EXPECT_GT(fivePoint.maxRelError, 5e-6);
}

// Tests that largestInStripe checks the element with the largest gradient
// of each stripe: a gradient wrong only there is caught, while the
// stripes' first elements agree.
TEST(GradCheckKinks, LargestInStripeChoosesTheLargestGradient) {
  Tensor<double> x({6}, {1, 2, 3, 4, 5, 6});
  Tensor<double> c({6}, {0, 5, 0, 0, 0, 7});
  auto objective = [&](const Tensor<double> &p) { return sumProduct(p, c); };
  Tensor<double> wrong = c;
  wrong[1] = 6;
  wrong[5] = 8;
  GradCheckOptions options;
  options.maxChecked = 2;
  EXPECT_LT(checkGradient<double>(objective, x, wrong, options).maxRelError,
            1e-9);
  options.largestInStripe = true;
  GradCheckReport report = checkGradient<double>(objective, x, wrong, options);
  EXPECT_EQ(report.checked, 2);
  EXPECT_GT(report.maxRelError, 0.1);
}

} // namespace

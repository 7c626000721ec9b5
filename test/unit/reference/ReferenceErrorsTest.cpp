//===- ReferenceErrorsTest.cpp - Bad operands give errors, not crashes ----===//

#include "ReferenceTestUtil.h"

#include <functional>

using namespace kiln::ref;
using namespace kiln::ref::test;

namespace {

/// Checks that `r` failed with a message containing `text`.
template <typename V>
void expectError(const Result<V> &r, const std::string &text) {
  ASSERT_FALSE(r.ok()) << "expected an error containing '" << text << "'";
  EXPECT_NE(r.error.find(text), std::string::npos) << r.error;
}

// Tests that shape-rule violations come back with the op's name and the
// rule's message.
TEST(ReferenceErrors, ShapeRules) {
  Tensor<float> x({1, 5, 5, 3}), f({3, 3, 2, 4});
  expectError(conv2d(x, f, {1, 1}, {1, 1}, {Pad{}, Pad{}}),
              "conv2d: input has 3 channels but the filter expects 2");
  expectError(dense(Tensor<float>({2, 3}), Tensor<float>({4, 2})),
              "dense: input has 3 features but the weights expect 4");
  expectError(maxPool2d(x, {7, 7}, {1, 1}, {Pad{}, Pad{}}),
              "max_pool2d: height: window of 7 does not fit");
  expectError(biasAdd(x, Tensor<float>({4})), "bias_add: per-channel");
  expectError(add(Tensor<float>({2, 3}), Tensor<float>({3, 2})),
              "add: lhs and rhs: shapes 2x3 and 3x2 do not match");
  expectError(concat<float>({Tensor<float>({2, 3}), Tensor<float>({3, 3})}, 1),
              "concat: concat inputs 2x3 and 3x3 differ in the batch extent");
  expectError(
      softmaxCrossEntropy(Tensor<float>({2, 3}), Tensor<float>({2, 4})),
      "softmax_cross_entropy: labels have shape 2x4 but the logits 2x3");
  expectError(slice(x, {0, 0, 0}, {6, 5, 3}),
              "slice [0, 6) does not fit into extent 5");
}

// Tests that gradient ops check their operands against the forward rule.
TEST(ReferenceErrors, GradShapes) {
  Tensor<double> f({3, 3, 2, 4});
  expectError(conv2dGradInput(Tensor<double>({1, 4, 4, 4}), f, {1, 1}, {1, 1},
                              {Pad{}, Pad{}}, {5, 5}),
              "conv2d_grad_input: grad_out has shape 1x4x4x4 but the forward "
              "op gives 1x3x3x4");
  expectError(conv2dGradFilter(Tensor<double>({1, 5, 5, 2}),
                               Tensor<double>({1, 3, 3, 4}), {1, 1}, {1, 1},
                               {Pad{}, Pad{}}, {2, 2}),
              "conv2d_grad_filter: grad_out has shape");
  expectError(avgPool2dGrad(Tensor<double>({1, 2, 2, 1}), {2, 2}, {2, 2},
                            {Pad{}, Pad{}}, {6, 7}),
              "avg_pool2d_grad: grad_out has shape 1x2x2x1 but the forward op "
              "gives 1x3x3x1");
  expectError(globalAvgPoolGrad(Tensor<double>({2, 3}), {4, 4, 5}),
              "global_avg_pool_grad: grad_out has shape 2x3");
  expectError(batchNormTrainGrad(Tensor<double>({2, 3}), Tensor<double>({2, 4}),
                                 Tensor<double>({4}), Tensor<double>({4}),
                                 Tensor<double>({4}), 1e-3),
              "batch_norm_train_grad: grad_out and x");
  expectError(adamUpdate(Tensor<double>({3}), Tensor<double>({3}),
                         Tensor<double>({2}), Tensor<double>({3}), 1e-3, 1, 0.9,
                         0.999, 1e-7),
              "adam_update: param and m");
}

// Tests the errors that are not about shapes: a buffer that does not match
// its shape, a negative extent, a result too large to allocate, a pooling
// window wholly in the padding, a dropout rate of one and Adam at step 0.
TEST(ReferenceErrors, Values) {
  expectError(relu(Tensor<float>({2, 3}, {1, 2, 3, 4, 5})),
              "relu: x: shape 2x3 needs 6 elements but the buffer holds 5");
  expectError(flatten(Tensor<float>({2, -1})), "flatten: x: shape 2x?");
  expectError(zeroPad(Tensor<float>({1, 2, 2, 1}),
                      {Pad{int64_t(1) << 20, 0}, Pad{int64_t(1) << 20, 0}}),
              "zero_pad: result shape");
  expectError(maxPool2d(Tensor<float>({1, 2, 2, 1}), {2, 2}, {2, 2},
                        {Pad{2, 0}, Pad{}}),
              "max_pool2d: the window of output row 0 lies wholly in the "
              "padding");
  expectError(dropout(Tensor<float>({4}), 1, 1.0, 1, 1),
              "dropout: rate must be in [0, 1)");
  Tensor<float> p({3});
  expectError(adamUpdate(p, p, p, p, 1e-3, 0, 0.9, 0.999, 1e-7),
              "adam_update: step must be at least 1");
  expectError(softmaxCrossEntropy(Tensor<float>({0, 3}), Tensor<float>({0, 3})),
              "softmax_cross_entropy: the mean loss");
  expectError(globalAvgPool(Tensor<float>({2, 0, 3})),
              "global_avg_pool: x 2x0x3 has no spatial elements");
  expectError(batchNormTrain(Tensor<float>({0, 3}), Tensor<float>({3}),
                             Tensor<float>({3}), 1e-3),
              "batch_norm_train: x 0x3 has no elements");
}

// Tests that no op crashes on operands of any rank from 0 to 5 with small
// extents (including zero): each call returns a value or an error naming the
// op. Run under a sanitizer, this also shows no out-of-bounds access.
TEST(ReferenceErrors, AnyRankNoCrash) {
  std::vector<Dims> shapes = {{},
                              {0},
                              {3},
                              {2, 3},
                              {3, 2},
                              {0, 3},
                              {2, 0},
                              {2, 3, 2},
                              {1, 4, 3},
                              {2, 2, 2, 3},
                              {1, 3, 3, 2},
                              {1, 2, 0, 2},
                              {2, 1, 2, 1, 2}};
  using T = float;
  using Unary = std::function<std::string(const Tensor<T> &)>;
  using Binary =
      std::function<std::string(const Tensor<T> &, const Tensor<T> &)>;
  auto err = [](const auto &r) { return r.ok() ? std::string() : r.error; };
  Padding2 same{Pad{1, 1}, Pad{1, 1}};
  std::vector<std::pair<std::string, Unary>> unaries = {
      {"relu", [&](auto &a) { return err(relu(a)); }},
      {"softmax", [&](auto &a) { return err(softmax(a)); }},
      {"max_pool2d",
       [&](auto &a) { return err(maxPool2d(a, {2, 2}, {1, 1}, same)); }},
      {"avg_pool1d",
       [&](auto &a) { return err(avgPool1d(a, 2, 1, Pad{1, 1})); }},
      {"global_avg_pool", [&](auto &a) { return err(globalAvgPool(a)); }},
      {"flatten", [&](auto &a) { return err(flatten(a)); }},
      {"reshape", [&](auto &a) { return err(reshape(a, {-1})); }},
      {"zero_pad", [&](auto &a) { return err(zeroPad(a, {Pad{1, 1}})); }},
      {"slice", [&](auto &a) { return err(slice(a, {0, 0}, {1, 1})); }},
      {"bias_grad", [&](auto &a) { return err(biasGrad(a)); }},
      {"l1_penalty", [&](auto &a) { return err(l1Penalty(a, 1)); }},
      {"dropout", [&](auto &a) { return err(dropout(a, 1, 0.5, 1, 1)); }},
      {"global_avg_pool_grad",
       [&](auto &a) { return err(globalAvgPoolGrad(a, {2, 2, 3})); }},
      {"avg_pool2d_grad",
       [&](auto &a) {
         return err(avgPool2dGrad(a, {2, 2}, {1, 1}, same, {3, 3}));
       }},
      {"concat", [&](auto &a) { return err(concat<T>({a, a}, -1)); }},
  };
  std::vector<std::pair<std::string, Binary>> binaries = {
      {"conv2d",
       [&](auto &a, auto &b) {
         return err(conv2d(a, b, {1, 1}, {1, 1}, same));
       }},
      {"conv1d",
       [&](auto &a, auto &b) { return err(conv1d(a, b, 1, 1, Pad{1, 0})); }},
      {"conv2d_grad_input",
       [&](auto &a, auto &b) {
         return err(conv2dGradInput(a, b, {1, 1}, {1, 1}, same, {3, 3}));
       }},
      {"conv2d_grad_filter",
       [&](auto &a, auto &b) {
         return err(conv2dGradFilter(a, b, {1, 1}, {1, 1}, same, {3, 3}));
       }},
      {"conv1d_grad_input",
       [&](auto &a, auto &b) {
         return err(conv1dGradInput(a, b, 1, 1, Pad{}, 3));
       }},
      {"conv1d_grad_filter",
       [&](auto &a, auto &b) {
         return err(conv1dGradFilter(a, b, 1, 1, Pad{}, 2));
       }},
      {"dense", [&](auto &a, auto &b) { return err(dense(a, b)); }},
      {"dense_grad_input",
       [&](auto &a, auto &b) { return err(denseGradInput(a, b)); }},
      {"dense_grad_weights",
       [&](auto &a, auto &b) { return err(denseGradWeights(a, b)); }},
      {"bias_add", [&](auto &a, auto &b) { return err(biasAdd(a, b)); }},
      {"softmax_grad",
       [&](auto &a, auto &b) { return err(softmaxGrad(a, b)); }},
      {"max_pool2d_grad",
       [&](auto &a, auto &b) {
         return err(maxPool2dGrad(a, b, {2, 2}, {1, 1}, same));
       }},
      {"max_pool1d_grad",
       [&](auto &a, auto &b) {
         return err(maxPool1dGrad(a, b, 2, 1, Pad{1, 1}));
       }},
      {"softmax_cross_entropy",
       [&](auto &a, auto &b) { return err(softmaxCrossEntropy(a, b)); }},
      {"correct_count",
       [&](auto &a, auto &b) { return err(correctCount(a, b)); }},
      {"batch_norm_train",
       [&](auto &a, auto &b) { return err(batchNormTrain(a, b, b, 1e-3)); }},
      {"batch_norm_train_grad",
       [&](auto &a, auto &b) {
         return err(batchNormTrainGrad(a, a, b, b, b, 1e-3));
       }},
      {"mul", [&](auto &a, auto &b) { return err(mul(a, b)); }},
      {"adam_update",
       [&](auto &a, auto &b) {
         return err(adamUpdate(a, b, a, a, 1e-3, 1, 0.9, 0.999, 1e-7));
       }},
  };
  int64_t failures = 0, successes = 0;
  for (const Dims &sa : shapes) {
    Tensor<T> a = uniformTensor<T>(sa, 1, 0, -1, 1);
    for (auto &[name, fn] : unaries) {
      std::string e = fn(a);
      (e.empty() ? successes : failures)++;
      if (!e.empty()) {
        EXPECT_EQ(e.rfind(name + ":", 0), 0u) << e;
      }
    }
    for (const Dims &sb : shapes) {
      Tensor<T> b = uniformTensor<T>(sb, 2, 0, -1, 1);
      for (auto &[name, fn] : binaries) {
        std::string e = fn(a, b);
        (e.empty() ? successes : failures)++;
        if (!e.empty()) {
          EXPECT_EQ(e.rfind(name + ":", 0), 0u) << e;
        }
      }
    }
  }
  // Both outcomes occur, so the sweep exercises the computing paths too.
  EXPECT_GT(successes, 100);
  EXPECT_GT(failures, 1000);
}

} // namespace

//===- InterpreterOpsTest.cpp - Every kiln op through the interpreter -----===//
//
// Each kiln op runs once through the interpreter, in float and in double, and
// its results are compared with a direct call of the reference function on
// the same inputs, with the attributes written out again by hand. The
// attributes are asymmetric (different strides, dilations and pads per side)
// so that reading them in the wrong order changes the result. A last test
// checks that the cases cover every op the dialect registers.
//
//===----------------------------------------------------------------------===//

#include "InterpreterTestUtil.h"

#include "kiln/IR/KilnDialect.h"
#include "kiln/Reference/Ops.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"

#include <cmath>
#include <map>
#include <set>

using namespace kiln;
using namespace kiln::interp;
using namespace kiln::interp::test;
using ref::Pad;
using ref::Tensor;

namespace {

/// One function @f per case; some cases hold several ops of a family.
const std::map<std::string, std::string> &cases() {
  static const std::map<std::string, std::string> sources = {
      {"conv2d", R"(
func.func @f(%x: tensor<2x5x6x3xf32>, %w: tensor<3x2x3x4xf32>) -> tensor<2x2x7x4xf32> {
  %y = kiln.conv2d %x, %w {strides = array<i64: 2, 1>, dilations = array<i64: 1, 2>,
                           padding = array<i64: 1, 0, 2, 1>}
      : (tensor<2x5x6x3xf32>, tensor<3x2x3x4xf32>) -> tensor<2x2x7x4xf32>
  return %y : tensor<2x2x7x4xf32>
})"},
      {"conv1d", R"(
func.func @f(%x: tensor<?x7x3xf32>, %w: tensor<3x3x2xf32>) -> tensor<?x3x2xf32> {
  %y = kiln.conv1d %x, %w {stride = 2, dilation = 2, padding = array<i64: 2, 1>}
      : (tensor<?x7x3xf32>, tensor<3x3x2xf32>) -> tensor<?x3x2xf32>
  return %y : tensor<?x3x2xf32>
})"},
      {"dense", R"(
func.func @f(%x: tensor<?x5xf32>, %w: tensor<5x4xf32>) -> tensor<?x4xf32> {
  %y = kiln.dense %x, %w : (tensor<?x5xf32>, tensor<5x4xf32>) -> tensor<?x4xf32>
  return %y : tensor<?x4xf32>
})"},
      {"bias_add", R"(
func.func @f(%x: tensor<2x3x4xf32>, %b: tensor<4xf32>) -> tensor<2x3x4xf32> {
  %y = kiln.bias_add %x, %b : tensor<2x3x4xf32>, tensor<4xf32>
  return %y : tensor<2x3x4xf32>
})"},
      {"activations", R"(
func.func @f(%x: tensor<3x5xf32>) -> (tensor<3x5xf32>, tensor<3x5xf32>, tensor<3x5xf32>,
                                      tensor<3x5xf32>, tensor<3x5xf32>) {
  %a = kiln.relu %x : tensor<3x5xf32>
  %b = kiln.gelu %x : tensor<3x5xf32>
  %c = kiln.sigmoid %x : tensor<3x5xf32>
  %d = kiln.tanh %x : tensor<3x5xf32>
  %e = kiln.softmax %x : tensor<3x5xf32>
  return %a, %b, %c, %d, %e : tensor<3x5xf32>, tensor<3x5xf32>, tensor<3x5xf32>,
                              tensor<3x5xf32>, tensor<3x5xf32>
})"},
      {"pool2d", R"(
func.func @f(%x: tensor<2x5x5x2xf32>) -> (tensor<2x3x3x2xf32>, tensor<2x3x3x2xf32>) {
  %a = kiln.max_pool2d %x {window = array<i64: 2, 3>, strides = array<i64: 2, 1>,
                           padding = array<i64: 0, 1, 0, 0>}
      : tensor<2x5x5x2xf32> -> tensor<2x3x3x2xf32>
  %b = kiln.avg_pool2d %x {window = array<i64: 2, 3>, strides = array<i64: 2, 1>,
                           padding = array<i64: 0, 1, 0, 0>}
      : tensor<2x5x5x2xf32> -> tensor<2x3x3x2xf32>
  return %a, %b : tensor<2x3x3x2xf32>, tensor<2x3x3x2xf32>
})"},
      {"pool1d", R"(
func.func @f(%x: tensor<2x7x3xf32>) -> (tensor<2x3x3xf32>, tensor<2x3x3xf32>) {
  %a = kiln.max_pool1d %x {window = 3, stride = 2, padding = array<i64: 1, 0>}
      : tensor<2x7x3xf32> -> tensor<2x3x3xf32>
  %b = kiln.avg_pool1d %x {window = 3, stride = 2, padding = array<i64: 1, 0>}
      : tensor<2x7x3xf32> -> tensor<2x3x3xf32>
  return %a, %b : tensor<2x3x3xf32>, tensor<2x3x3xf32>
})"},
      {"global_avg_pool", R"(
func.func @f(%x: tensor<2x3x4x5xf32>, %s: tensor<2x4x5xf32>) -> (tensor<2x5xf32>, tensor<2x5xf32>) {
  %a = kiln.global_avg_pool %x : tensor<2x3x4x5xf32> -> tensor<2x5xf32>
  %b = kiln.global_avg_pool %s : tensor<2x4x5xf32> -> tensor<2x5xf32>
  return %a, %b : tensor<2x5xf32>, tensor<2x5xf32>
})"},
      {"batch_norm", R"(
func.func @f(%x: tensor<2x3x3x4xf32>, %gamma: tensor<4xf32>, %beta: tensor<4xf32>,
             %mean: tensor<4xf32>, %var: tensor<4xf32>)
    -> (tensor<2x3x3x4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<2x3x3x4xf32>, tensor<4xf32>) {
  %y, %m, %v = kiln.batch_norm_train %x, %gamma, %beta {epsilon = 1.0e-3 : f32}
      : tensor<2x3x3x4xf32>, tensor<4xf32>
  %z = kiln.batch_norm_infer %x, %gamma, %beta, %mean, %var {epsilon = 1.0e-3 : f32}
      : tensor<2x3x3x4xf32>, tensor<4xf32>
  %r = kiln.moving_average %mean, %m {momentum = 0.99 : f32} : tensor<4xf32>
  return %y, %m, %v, %z, %r
      : tensor<2x3x3x4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<2x3x3x4xf32>, tensor<4xf32>
})"},
      {"dropout", R"(
func.func @f(%x: tensor<3x8xf32>, %step: i64, %seed: i64) -> (tensor<3x8xf32>, tensor<3x8xf32>) {
  %y, %mask = kiln.dropout %x, %step, %seed {rate = 0.3 : f32, stream = 5}
      : tensor<3x8xf32>
  return %y, %mask : tensor<3x8xf32>, tensor<3x8xf32>
})"},
      {"binary", R"(
func.func @f(%a: tensor<2x3xf32>, %b: tensor<2x3xf32>) -> (tensor<2x3xf32>, tensor<2x3xf32>) {
  %m = kiln.mul %a, %b : tensor<2x3xf32>
  %s = kiln.add %a, %b : tensor<2x3xf32>
  return %m, %s : tensor<2x3xf32>, tensor<2x3xf32>
})"},
      {"concat", R"(
func.func @f(%a: tensor<2x3x1xf32>, %b: tensor<2x3x2xf32>, %c: tensor<2x3x3xf32>,
             %d: tensor<2x2x1xf32>) -> (tensor<2x3x6xf32>, tensor<2x5x1xf32>) {
  %x = kiln.concat %a, %b, %c {axis = -1}
      : (tensor<2x3x1xf32>, tensor<2x3x2xf32>, tensor<2x3x3xf32>) -> tensor<2x3x6xf32>
  %y = kiln.concat %a, %d {axis = 1}
      : (tensor<2x3x1xf32>, tensor<2x2x1xf32>) -> tensor<2x5x1xf32>
  return %x, %y : tensor<2x3x6xf32>, tensor<2x5x1xf32>
})"},
      {"layout", R"(
func.func @f(%x: tensor<?x3x4xf32>) -> (tensor<?x12xf32>, tensor<?x4x3xf32>) {
  %f = kiln.flatten %x : tensor<?x3x4xf32> -> tensor<?x12xf32>
  %r = kiln.reshape %f {shape = array<i64: 4, 3>} : tensor<?x12xf32> -> tensor<?x4x3xf32>
  return %f, %r : tensor<?x12xf32>, tensor<?x4x3xf32>
})"},
      {"pad_slice", R"(
func.func @f(%x: tensor<2x3x3x2xf32>, %s: tensor<2x3x2xf32>, %y: tensor<2x5x4x3xf32>)
    -> (tensor<2x4x6x2xf32>, tensor<2x6x2xf32>, tensor<2x3x2x2xf32>) {
  %a = kiln.zero_pad %x {padding = array<i64: 1, 0, 2, 1>}
      : tensor<2x3x3x2xf32> -> tensor<2x4x6x2xf32>
  %b = kiln.zero_pad %s {padding = array<i64: 2, 1>} : tensor<2x3x2xf32> -> tensor<2x6x2xf32>
  %c = kiln.slice %y {offsets = array<i64: 1, 0, 1>, sizes = array<i64: 3, 2, 2>}
      : tensor<2x5x4x3xf32> -> tensor<2x3x2x2xf32>
  return %a, %b, %c : tensor<2x4x6x2xf32>, tensor<2x6x2xf32>, tensor<2x3x2x2xf32>
})"},
      {"loss", R"(
func.func @f(%logits: tensor<4x5xf32>, %labels: tensor<4x5xf32>, %w: tensor<3x4xf32>)
    -> (tensor<f32>, tensor<f32>, tensor<f32>, tensor<f32>) {
  %ce = kiln.softmax_cross_entropy %logits, %labels : tensor<4x5xf32>
  %n = kiln.correct_count %logits, %labels : tensor<4x5xf32>
  %l2 = kiln.l2_penalty %w {scale = 1.0e-2 : f32} : tensor<3x4xf32>
  %l1 = kiln.l1_penalty %w {scale = 0.5 : f32} : tensor<3x4xf32>
  return %ce, %n, %l2, %l1 : tensor<f32>, tensor<f32>, tensor<f32>, tensor<f32>
})"},
      {"conv2d_grad", R"(
func.func @f(%x: tensor<2x5x6x3xf32>, %w: tensor<3x2x3x4xf32>, %g: tensor<2x2x7x4xf32>)
    -> (tensor<2x5x6x3xf32>, tensor<3x2x3x4xf32>) {
  %gx = kiln.conv2d_grad_input %g, %w {strides = array<i64: 2, 1>, dilations = array<i64: 1, 2>,
                                       padding = array<i64: 1, 0, 2, 1>, input_hw = array<i64: 5, 6>}
      : (tensor<2x2x7x4xf32>, tensor<3x2x3x4xf32>) -> tensor<2x5x6x3xf32>
  %gw = kiln.conv2d_grad_filter %x, %g {strides = array<i64: 2, 1>, dilations = array<i64: 1, 2>,
                                        padding = array<i64: 1, 0, 2, 1>, kernel_hw = array<i64: 3, 2>}
      : (tensor<2x5x6x3xf32>, tensor<2x2x7x4xf32>) -> tensor<3x2x3x4xf32>
  return %gx, %gw : tensor<2x5x6x3xf32>, tensor<3x2x3x4xf32>
})"},
      {"conv1d_grad", R"(
func.func @f(%x: tensor<?x7x3xf32>, %w: tensor<3x3x2xf32>, %g: tensor<?x3x2xf32>)
    -> (tensor<?x7x3xf32>, tensor<3x3x2xf32>) {
  %gx = kiln.conv1d_grad_input %g, %w {stride = 2, dilation = 2, padding = array<i64: 2, 1>,
                                       input_w = 7}
      : (tensor<?x3x2xf32>, tensor<3x3x2xf32>) -> tensor<?x7x3xf32>
  %gw = kiln.conv1d_grad_filter %x, %g {stride = 2, dilation = 2, padding = array<i64: 2, 1>,
                                        kernel_w = 3}
      : (tensor<?x7x3xf32>, tensor<?x3x2xf32>) -> tensor<3x3x2xf32>
  return %gx, %gw : tensor<?x7x3xf32>, tensor<3x3x2xf32>
})"},
      {"dense_grad", R"(
func.func @f(%x: tensor<3x5xf32>, %w: tensor<5x4xf32>, %g: tensor<3x4xf32>)
    -> (tensor<3x5xf32>, tensor<5x4xf32>, tensor<4xf32>) {
  %gx = kiln.dense_grad_input %g, %w : (tensor<3x4xf32>, tensor<5x4xf32>) -> tensor<3x5xf32>
  %gw = kiln.dense_grad_weights %x, %g : (tensor<3x5xf32>, tensor<3x4xf32>) -> tensor<5x4xf32>
  %gb = kiln.bias_grad %g : tensor<3x4xf32> -> tensor<4xf32>
  return %gx, %gw, %gb : tensor<3x5xf32>, tensor<5x4xf32>, tensor<4xf32>
})"},
      {"activation_grads", R"(
func.func @f(%g: tensor<3x5xf32>, %x: tensor<3x5xf32>, %y: tensor<3x5xf32>)
    -> (tensor<3x5xf32>, tensor<3x5xf32>, tensor<3x5xf32>, tensor<3x5xf32>, tensor<3x5xf32>) {
  %a = kiln.relu_grad %g, %x : tensor<3x5xf32>
  %b = kiln.gelu_grad %g, %x : tensor<3x5xf32>
  %c = kiln.sigmoid_grad %g, %y : tensor<3x5xf32>
  %d = kiln.tanh_grad %g, %y : tensor<3x5xf32>
  %e = kiln.softmax_grad %g, %y : tensor<3x5xf32>
  return %a, %b, %c, %d, %e
      : tensor<3x5xf32>, tensor<3x5xf32>, tensor<3x5xf32>, tensor<3x5xf32>, tensor<3x5xf32>
})"},
      {"pool2d_grad", R"(
func.func @f(%g: tensor<2x3x3x2xf32>, %x: tensor<2x5x5x2xf32>)
    -> (tensor<2x5x5x2xf32>, tensor<2x5x5x2xf32>) {
  %a = kiln.max_pool2d_grad %g, %x {window = array<i64: 2, 3>, strides = array<i64: 2, 1>,
                                    padding = array<i64: 0, 1, 0, 0>}
      : tensor<2x3x3x2xf32>, tensor<2x5x5x2xf32>
  %b = kiln.avg_pool2d_grad %g {window = array<i64: 2, 3>, strides = array<i64: 2, 1>,
                                padding = array<i64: 0, 1, 0, 0>, input_hw = array<i64: 5, 5>}
      : tensor<2x3x3x2xf32> -> tensor<2x5x5x2xf32>
  return %a, %b : tensor<2x5x5x2xf32>, tensor<2x5x5x2xf32>
})"},
      {"pool1d_grad", R"(
func.func @f(%g: tensor<2x3x3xf32>, %x: tensor<2x7x3xf32>) -> (tensor<2x7x3xf32>, tensor<2x7x3xf32>) {
  %a = kiln.max_pool1d_grad %g, %x {window = 3, stride = 2, padding = array<i64: 1, 0>}
      : tensor<2x3x3xf32>, tensor<2x7x3xf32>
  %b = kiln.avg_pool1d_grad %g {window = 3, stride = 2, padding = array<i64: 1, 0>, input_w = 7}
      : tensor<2x3x3xf32> -> tensor<2x7x3xf32>
  return %a, %b : tensor<2x7x3xf32>, tensor<2x7x3xf32>
})"},
      {"global_avg_pool_grad", R"(
func.func @f(%g: tensor<2x5xf32>) -> tensor<2x3x4x5xf32> {
  %a = kiln.global_avg_pool_grad %g {input_shape = array<i64: 3, 4, 5>}
      : tensor<2x5xf32> -> tensor<2x3x4x5xf32>
  return %a : tensor<2x3x4x5xf32>
})"},
      {"batch_norm_grad", R"(
func.func @f(%g: tensor<2x3x3x4xf32>, %x: tensor<2x3x3x4xf32>, %gamma: tensor<4xf32>,
             %mean: tensor<4xf32>, %var: tensor<4xf32>)
    -> (tensor<2x3x3x4xf32>, tensor<4xf32>, tensor<4xf32>) {
  %gx, %gg, %gb = kiln.batch_norm_train_grad %g, %x, %gamma, %mean, %var
      {epsilon = 1.0e-3 : f32} : tensor<2x3x3x4xf32>, tensor<4xf32>
  return %gx, %gg, %gb : tensor<2x3x3x4xf32>, tensor<4xf32>, tensor<4xf32>
})"},
      {"loss_grads", R"(
func.func @f(%logits: tensor<4x5xf32>, %labels: tensor<4x5xf32>, %w: tensor<3x4xf32>)
    -> (tensor<4x5xf32>, tensor<3x4xf32>, tensor<3x4xf32>) {
  %g = kiln.softmax_cross_entropy_grad %logits, %labels : tensor<4x5xf32>
  %l2 = kiln.l2_penalty_grad %w {scale = 1.0e-2 : f32} : tensor<3x4xf32>
  %l1 = kiln.l1_penalty_grad %w {scale = 0.5 : f32} : tensor<3x4xf32>
  return %g, %l2, %l1 : tensor<4x5xf32>, tensor<3x4xf32>, tensor<3x4xf32>
})"},
      {"sgd", R"(
func.func @f(%p: tensor<3x4xf32>, %g: tensor<3x4xf32>, %v: tensor<3x4xf32>, %lr: f32)
    -> (tensor<3x4xf32>, tensor<3x4xf32>, tensor<3x4xf32>, tensor<3x4xf32>) {
  %p1, %v1 = kiln.sgd_update %p, %g, %v, %lr {momentum = 0.9 : f32} : tensor<3x4xf32>
  %p2, %v2 = kiln.sgd_update %p, %g, %v, %lr {momentum = 0.8 : f32, nesterov = true}
      : tensor<3x4xf32>
  return %p1, %v1, %p2, %v2 : tensor<3x4xf32>, tensor<3x4xf32>, tensor<3x4xf32>, tensor<3x4xf32>
})"},
      {"adam", R"(
func.func @f(%p: tensor<3x4xf32>, %g: tensor<3x4xf32>, %m: tensor<3x4xf32>, %v: tensor<3x4xf32>,
             %lr: f32, %step: i64) -> (tensor<3x4xf32>, tensor<3x4xf32>, tensor<3x4xf32>) {
  %p1, %m1, %v1 = kiln.adam_update %p, %g, %m, %v, %lr, %step
      {beta1 = 0.9 : f32, beta2 = 0.999 : f32, epsilon = 1.0e-07 : f32} : tensor<3x4xf32>
  return %p1, %m1, %v1 : tensor<3x4xf32>, tensor<3x4xf32>, tensor<3x4xf32>
})"},
      {"fold_scale", R"(
func.func @f(%w: tensor<3x2x4xf32>, %gamma: tensor<4xf32>, %var: tensor<4xf32>)
    -> tensor<3x2x4xf32> {
  %y = kiln.fold_scale %w, %gamma, %var {epsilon = 1.0e-3 : f32} : tensor<3x2x4xf32>, tensor<4xf32>
  return %y : tensor<3x2x4xf32>
})"},
      {"rmsprop", R"(
func.func @f(%p: tensor<3x4xf32>, %g: tensor<3x4xf32>, %ms: tensor<3x4xf32>, %lr: f32)
    -> (tensor<3x4xf32>, tensor<3x4xf32>) {
  %p1, %ms1 = kiln.rmsprop_update %p, %g, %ms, %lr {rho = 0.9 : f32, epsilon = 1.0e-07 : f32}
      : tensor<3x4xf32>
  return %p1, %ms1 : tensor<3x4xf32>, tensor<3x4xf32>
})"},
  };
  return sources;
}

/// Runs the cases in float and in double.
template <typename T> class InterpreterOps : public ::testing::Test {
protected:
  /// Runs @f of case `name` on `inputs`; fails the test on any error.
  std::vector<RuntimeValue<T>> run(const std::string &name,
                                   std::vector<RuntimeValue<T>> inputs) {
    auto source = cases().find(name);
    EXPECT_NE(source, cases().end()) << name;
    if (source == cases().end())
      return {};
    loaded = loadModule(source->second, name + ".mlir");
    EXPECT_EQ(loaded.error, "");
    if (!loaded.interpreter)
      return {};
    auto results = loaded.interpreter->run<T>("f", inputs);
    EXPECT_TRUE(results.ok()) << results.error;
    return results.value;
  }

  LoadedModule loaded;
};

/// The element types every case runs in.
using ElementTypes = ::testing::Types<float, double>;
TYPED_TEST_SUITE(InterpreterOps, ElementTypes);

/// One-hot labels of rows 0..3 with classes 2, 0, 4, 1.
template <typename T> Tensor<T> labels4x5() {
  Tensor<T> t({4, 5});
  int classes[] = {2, 0, 4, 1};
  for (int n = 0; n < 4; ++n)
    t[n * 5 + classes[n]] = T(1);
  return t;
}

TYPED_TEST(InterpreterOps, Conv2D) {
  using T = TypeParam;
  Tensor<T> x = random<T>({2, 5, 6, 3}, 1), w = random<T>({3, 2, 3, 4}, 2);
  auto got = this->run("conv2d", {x, w});
  ASSERT_EQ(got.size(), 1u);
  expectSameTensor(got[0], unwrap(ref::conv2d(x, w, {2, 1}, {1, 2},
                                              {Pad{1, 0}, Pad{2, 1}})));
}

TYPED_TEST(InterpreterOps, Conv1DWithDynamicBatch) {
  using T = TypeParam;
  Tensor<T> x = random<T>({3, 7, 3}, 1), w = random<T>({3, 3, 2}, 2);
  auto got = this->run("conv1d", {x, w});
  ASSERT_EQ(got.size(), 1u);
  expectSameTensor(got[0], unwrap(ref::conv1d(x, w, 2, 2, Pad{2, 1})));
}

TYPED_TEST(InterpreterOps, Dense) {
  using T = TypeParam;
  Tensor<T> x = random<T>({4, 5}, 1), w = random<T>({5, 4}, 2);
  auto got = this->run("dense", {x, w});
  ASSERT_EQ(got.size(), 1u);
  expectSameTensor(got[0], unwrap(ref::dense(x, w)));
}

TYPED_TEST(InterpreterOps, BiasAdd) {
  using T = TypeParam;
  Tensor<T> x = random<T>({2, 3, 4}, 1), b = random<T>({4}, 2);
  auto got = this->run("bias_add", {x, b});
  ASSERT_EQ(got.size(), 1u);
  expectSameTensor(got[0], unwrap(ref::biasAdd(x, b)));
}

TYPED_TEST(InterpreterOps, Activations) {
  using T = TypeParam;
  Tensor<T> x = random<T>({3, 5}, 1, -3, 3);
  auto got = this->run("activations", {x});
  ASSERT_EQ(got.size(), 5u);
  expectSameTensor(got[0], unwrap(ref::relu(x)), "relu");
  expectSameTensor(got[1], unwrap(ref::gelu(x)), "gelu");
  expectSameTensor(got[2], unwrap(ref::sigmoid(x)), "sigmoid");
  expectSameTensor(got[3], unwrap(ref::tanh(x)), "tanh");
  expectSameTensor(got[4], unwrap(ref::softmax(x)), "softmax");
}

TYPED_TEST(InterpreterOps, Pool2D) {
  using T = TypeParam;
  Tensor<T> x = random<T>({2, 5, 5, 2}, 1);
  auto got = this->run("pool2d", {x});
  ASSERT_EQ(got.size(), 2u);
  ref::Padding2 pads = {Pad{0, 1}, Pad{0, 0}};
  expectSameTensor(got[0], unwrap(ref::maxPool2d(x, {2, 3}, {2, 1}, pads)),
                   "max");
  expectSameTensor(got[1], unwrap(ref::avgPool2d(x, {2, 3}, {2, 1}, pads)),
                   "avg");
}

TYPED_TEST(InterpreterOps, Pool1D) {
  using T = TypeParam;
  Tensor<T> x = random<T>({2, 7, 3}, 1);
  auto got = this->run("pool1d", {x});
  ASSERT_EQ(got.size(), 2u);
  expectSameTensor(got[0], unwrap(ref::maxPool1d(x, 3, 2, Pad{1, 0})), "max");
  expectSameTensor(got[1], unwrap(ref::avgPool1d(x, 3, 2, Pad{1, 0})), "avg");
}

TYPED_TEST(InterpreterOps, GlobalAvgPool) {
  using T = TypeParam;
  Tensor<T> x = random<T>({2, 3, 4, 5}, 1), s = random<T>({2, 4, 5}, 2);
  auto got = this->run("global_avg_pool", {x, s});
  ASSERT_EQ(got.size(), 2u);
  expectSameTensor(got[0], unwrap(ref::globalAvgPool(x)), "NHWC");
  expectSameTensor(got[1], unwrap(ref::globalAvgPool(s)), "NWC");
}

TYPED_TEST(InterpreterOps, BatchNormTrainInferAndMovingAverage) {
  using T = TypeParam;
  Tensor<T> x = random<T>({2, 3, 3, 4}, 1), gamma = random<T>({4}, 2),
            beta = random<T>({4}, 3), mean = random<T>({4}, 4),
            var = random<T>({4}, 5, 0.1, 1);
  auto got = this->run("batch_norm", {x, gamma, beta, mean, var});
  ASSERT_EQ(got.size(), 5u);
  // The f32 attributes reach the reference as their f32 values.
  double eps = static_cast<double>(1.0e-3f), momentum = 0.99f;
  auto train = unwrap(ref::batchNormTrain(x, gamma, beta, eps));
  expectSameTensor(got[0], train.y, "y");
  expectSameTensor(got[1], train.mean, "batch mean");
  expectSameTensor(got[2], train.variance, "batch variance");
  expectSameTensor(got[3],
                   unwrap(ref::batchNormInfer(x, gamma, beta, mean, var, eps)),
                   "infer");
  expectSameTensor(got[4],
                   unwrap(ref::movingAverage(mean, train.mean, momentum)),
                   "moving average");
}

TYPED_TEST(InterpreterOps, DropoutTakesItsStepAndSeedFromI64Operands) {
  using T = TypeParam;
  Tensor<T> x = random<T>({3, 8}, 1);
  auto got = this->run("dropout",
                       {x, RuntimeValue<T>::i64(7), RuntimeValue<T>::i64(42)});
  ASSERT_EQ(got.size(), 2u);
  auto expected = unwrap(ref::dropout(x, 7, 0.3f, 42, 5));
  expectSameTensor(got[0], expected.y, "y");
  expectSameTensor(got[1], expected.mask, "mask");
  // Another step draws another mask.
  auto other = unwrap(ref::dropout(x, 8, 0.3f, 42, 5));
  EXPECT_NE(got[1].getTensor().elements(), other.mask.elements());
  // So does another seed at the same step: the mask above is seed 42's.
  auto reseeded = unwrap(ref::dropout(x, 7, 0.3f, 43, 5));
  EXPECT_NE(got[1].getTensor().elements(), reseeded.mask.elements());
}

TYPED_TEST(InterpreterOps, MulAndAdd) {
  using T = TypeParam;
  Tensor<T> a = random<T>({2, 3}, 1), b = random<T>({2, 3}, 2);
  auto got = this->run("binary", {a, b});
  ASSERT_EQ(got.size(), 2u);
  expectSameTensor(got[0], unwrap(ref::mul(a, b)), "mul");
  expectSameTensor(got[1], unwrap(ref::add(a, b)), "add");
}

TYPED_TEST(InterpreterOps, ConcatOfThreeAndAlongAnInnerAxis) {
  using T = TypeParam;
  Tensor<T> a = random<T>({2, 3, 1}, 1), b = random<T>({2, 3, 2}, 2),
            c = random<T>({2, 3, 3}, 3), d = random<T>({2, 2, 1}, 4);
  auto got = this->run("concat", {a, b, c, d});
  ASSERT_EQ(got.size(), 2u);
  expectSameTensor(got[0], unwrap(ref::concat<T>({a, b, c}, -1)), "axis -1");
  expectSameTensor(got[1], unwrap(ref::concat<T>({a, d}, 1)), "axis 1");
}

TYPED_TEST(InterpreterOps, FlattenAndReshape) {
  using T = TypeParam;
  Tensor<T> x = random<T>({2, 3, 4}, 1);
  auto got = this->run("layout", {x});
  ASSERT_EQ(got.size(), 2u);
  Tensor<T> flat = unwrap(ref::flatten(x));
  expectSameTensor(got[0], flat, "flatten");
  expectSameTensor(got[1], unwrap(ref::reshape(flat, {4, 3})), "reshape");
}

TYPED_TEST(InterpreterOps, ZeroPadAndSlice) {
  using T = TypeParam;
  Tensor<T> x = random<T>({2, 3, 3, 2}, 1), s = random<T>({2, 3, 2}, 2),
            y = random<T>({2, 5, 4, 3}, 3);
  auto got = this->run("pad_slice", {x, s, y});
  ASSERT_EQ(got.size(), 3u);
  expectSameTensor(got[0], unwrap(ref::zeroPad(x, {Pad{1, 0}, Pad{2, 1}})),
                   "NHWC pad");
  expectSameTensor(got[1], unwrap(ref::zeroPad(s, {Pad{2, 1}})), "NWC pad");
  expectSameTensor(got[2], unwrap(ref::slice(y, {1, 0, 1}, {3, 2, 2})),
                   "slice");
}

TYPED_TEST(InterpreterOps, LossesAndMetricsAreRankZero) {
  using T = TypeParam;
  Tensor<T> logits = random<T>({4, 5}, 1, -2, 2), labels = labels4x5<T>(),
            w = random<T>({3, 4}, 3);
  auto got = this->run("loss", {logits, labels, w});
  ASSERT_EQ(got.size(), 4u);
  expectSameTensor(got[0], unwrap(ref::softmaxCrossEntropy(logits, labels)),
                   "cross-entropy");
  expectSameTensor(got[1], unwrap(ref::correctCount(logits, labels)),
                   "correct");
  expectSameTensor(got[2], unwrap(ref::l2Penalty(w, 1.0e-2f)), "l2");
  expectSameTensor(got[3], unwrap(ref::l1Penalty(w, 0.5f)), "l1");
  EXPECT_EQ(got[0].typeString(), "tensor<f32>");
}

TYPED_TEST(InterpreterOps, Conv2DGradients) {
  using T = TypeParam;
  Tensor<T> x = random<T>({2, 5, 6, 3}, 1), w = random<T>({3, 2, 3, 4}, 2),
            g = random<T>({2, 2, 7, 4}, 3);
  auto got = this->run("conv2d_grad", {x, w, g});
  ASSERT_EQ(got.size(), 2u);
  ref::Padding2 pads = {Pad{1, 0}, Pad{2, 1}};
  expectSameTensor(
      got[0], unwrap(ref::conv2dGradInput(g, w, {2, 1}, {1, 2}, pads, {5, 6})),
      "input");
  expectSameTensor(
      got[1], unwrap(ref::conv2dGradFilter(x, g, {2, 1}, {1, 2}, pads, {3, 2})),
      "filter");
}

TYPED_TEST(InterpreterOps, Conv1DGradients) {
  using T = TypeParam;
  Tensor<T> x = random<T>({2, 7, 3}, 1), w = random<T>({3, 3, 2}, 2),
            g = random<T>({2, 3, 2}, 3);
  auto got = this->run("conv1d_grad", {x, w, g});
  ASSERT_EQ(got.size(), 2u);
  expectSameTensor(
      got[0], unwrap(ref::conv1dGradInput(g, w, 2, 2, Pad{2, 1}, 7)), "input");
  expectSameTensor(got[1],
                   unwrap(ref::conv1dGradFilter(x, g, 2, 2, Pad{2, 1}, 3)),
                   "filter");
}

TYPED_TEST(InterpreterOps, DenseAndBiasGradients) {
  using T = TypeParam;
  Tensor<T> x = random<T>({3, 5}, 1), w = random<T>({5, 4}, 2),
            g = random<T>({3, 4}, 3);
  auto got = this->run("dense_grad", {x, w, g});
  ASSERT_EQ(got.size(), 3u);
  expectSameTensor(got[0], unwrap(ref::denseGradInput(g, w)), "input");
  expectSameTensor(got[1], unwrap(ref::denseGradWeights(x, g)), "weights");
  expectSameTensor(got[2], unwrap(ref::biasGrad(g)), "bias");
}

TYPED_TEST(InterpreterOps, ActivationGradients) {
  using T = TypeParam;
  Tensor<T> g = random<T>({3, 5}, 1), x = random<T>({3, 5}, 2, -3, 3),
            y = random<T>({3, 5}, 3, 0, 1);
  auto got = this->run("activation_grads", {g, x, y});
  ASSERT_EQ(got.size(), 5u);
  expectSameTensor(got[0], unwrap(ref::reluGrad(g, x)), "relu");
  expectSameTensor(got[1], unwrap(ref::geluGrad(g, x)), "gelu");
  expectSameTensor(got[2], unwrap(ref::sigmoidGrad(g, y)), "sigmoid");
  expectSameTensor(got[3], unwrap(ref::tanhGrad(g, y)), "tanh");
  expectSameTensor(got[4], unwrap(ref::softmaxGrad(g, y)), "softmax");
}

TYPED_TEST(InterpreterOps, Pool2DGradients) {
  using T = TypeParam;
  Tensor<T> g = random<T>({2, 3, 3, 2}, 1), x = random<T>({2, 5, 5, 2}, 2);
  auto got = this->run("pool2d_grad", {g, x});
  ASSERT_EQ(got.size(), 2u);
  ref::Padding2 pads = {Pad{0, 1}, Pad{0, 0}};
  expectSameTensor(
      got[0], unwrap(ref::maxPool2dGrad(g, x, {2, 3}, {2, 1}, pads)), "max");
  expectSameTensor(got[1],
                   unwrap(ref::avgPool2dGrad(g, {2, 3}, {2, 1}, pads, {5, 5})),
                   "avg");
}

TYPED_TEST(InterpreterOps, Pool1DGradients) {
  using T = TypeParam;
  Tensor<T> g = random<T>({2, 3, 3}, 1), x = random<T>({2, 7, 3}, 2);
  auto got = this->run("pool1d_grad", {g, x});
  ASSERT_EQ(got.size(), 2u);
  expectSameTensor(got[0], unwrap(ref::maxPool1dGrad(g, x, 3, 2, Pad{1, 0})),
                   "max");
  expectSameTensor(got[1], unwrap(ref::avgPool1dGrad(g, 3, 2, Pad{1, 0}, 7)),
                   "avg");
}

TYPED_TEST(InterpreterOps, GlobalAvgPoolGradient) {
  using T = TypeParam;
  Tensor<T> g = random<T>({2, 5}, 1);
  auto got = this->run("global_avg_pool_grad", {g});
  ASSERT_EQ(got.size(), 1u);
  expectSameTensor(got[0], unwrap(ref::globalAvgPoolGrad(g, {3, 4, 5})));
}

TYPED_TEST(InterpreterOps, BatchNormTrainGradient) {
  using T = TypeParam;
  Tensor<T> g = random<T>({2, 3, 3, 4}, 1), x = random<T>({2, 3, 3, 4}, 2),
            gamma = random<T>({4}, 3);
  auto stats = unwrap(ref::batchNormTrain(x, gamma, gamma, 1.0e-3f));
  auto got =
      this->run("batch_norm_grad", {g, x, gamma, stats.mean, stats.variance});
  ASSERT_EQ(got.size(), 3u);
  auto expected = unwrap(ref::batchNormTrainGrad(g, x, gamma, stats.mean,
                                                 stats.variance, 1.0e-3f));
  expectSameTensor(got[0], expected.gradX, "x");
  expectSameTensor(got[1], expected.gradGamma, "gamma");
  expectSameTensor(got[2], expected.gradBeta, "beta");
}

TYPED_TEST(InterpreterOps, LossGradients) {
  using T = TypeParam;
  Tensor<T> logits = random<T>({4, 5}, 1, -2, 2), labels = labels4x5<T>(),
            w = random<T>({3, 4}, 3);
  auto got = this->run("loss_grads", {logits, labels, w});
  ASSERT_EQ(got.size(), 3u);
  expectSameTensor(got[0], unwrap(ref::softmaxCrossEntropyGrad(logits, labels)),
                   "cross-entropy");
  expectSameTensor(got[1], unwrap(ref::l2PenaltyGrad(w, 1.0e-2f)), "l2");
  expectSameTensor(got[2], unwrap(ref::l1PenaltyGrad(w, 0.5f)), "l1");
}

TYPED_TEST(InterpreterOps, SgdTakesItsLearningRateFromAnF32Operand) {
  using T = TypeParam;
  Tensor<T> p = random<T>({3, 4}, 1), g = random<T>({3, 4}, 2),
            v = random<T>({3, 4}, 3);
  auto got = this->run("sgd", {p, g, v, RuntimeValue<T>::f32(0.05)});
  ASSERT_EQ(got.size(), 4u);
  // The learning rate is an f32 value: the reference gets it as float.
  double lr = 0.05f;
  auto plain = unwrap(ref::sgdUpdate(p, g, v, lr, 0.9f, false));
  auto nesterov = unwrap(ref::sgdUpdate(p, g, v, lr, 0.8f, true));
  expectSameTensor(got[0], plain.param, "param");
  expectSameTensor(got[1], plain.velocity, "velocity");
  expectSameTensor(got[2], nesterov.param, "nesterov param");
  expectSameTensor(got[3], nesterov.velocity, "nesterov velocity");
}

TYPED_TEST(InterpreterOps, AdamTakesLearningRateAndStep) {
  using T = TypeParam;
  Tensor<T> p = random<T>({3, 4}, 1), g = random<T>({3, 4}, 2),
            m = random<T>({3, 4}, 3), v = random<T>({3, 4}, 4, 0, 1);
  auto got = this->run("adam", {p, g, m, v, RuntimeValue<T>::f32(1e-3),
                                RuntimeValue<T>::i64(3)});
  ASSERT_EQ(got.size(), 3u);
  auto expected =
      unwrap(ref::adamUpdate(p, g, m, v, 1e-3f, 3, 0.9f, 0.999f, 1.0e-07f));
  expectSameTensor(got[0], expected.param, "param");
  expectSameTensor(got[1], expected.m, "m");
  expectSameTensor(got[2], expected.v, "v");
}

TYPED_TEST(InterpreterOps, RmsProp) {
  using T = TypeParam;
  Tensor<T> p = random<T>({3, 4}, 1), g = random<T>({3, 4}, 2),
            ms = random<T>({3, 4}, 3, 0, 1);
  auto got = this->run("rmsprop", {p, g, ms, RuntimeValue<T>::f32(0.01)});
  ASSERT_EQ(got.size(), 2u);
  auto expected = unwrap(ref::rmspropUpdate(p, g, ms, 0.01f, 0.9f, 1.0e-07f));
  expectSameTensor(got[0], expected.param, "param");
  expectSameTensor(got[1], expected.ms, "ms");
}

/// Whether the ops of case `name` are registered. kiln.fold_scale is newer
/// than some dialect snapshots this library is built with; its case runs
/// where it is registered.
bool caseRegistered(const std::string &name) {
  if (name != "fold_scale")
    return true;
  mlir::MLIRContext context;
  registerInterpreterDialects(context);
  return mlir::RegisteredOperationName::lookup("kiln.fold_scale", &context)
      .has_value();
}

TYPED_TEST(InterpreterOps, FoldScale) {
  if (!caseRegistered("fold_scale"))
    GTEST_SKIP() << "kiln.fold_scale is not registered in this dialect";
  using T = TypeParam;
  Tensor<T> w = random<T>({3, 2, 4}, 1), gamma = random<T>({4}, 2),
            var = random<T>({4}, 3, 0.1, 1);
  auto got = this->run("fold_scale", {w, gamma, var});
  ASSERT_EQ(got.size(), 1u);
  ASSERT_EQ(got[0].getTensor().shape(), w.shape());
  // Against the op's formula, evaluated here in double.
  double eps = 1.0e-3f;
  for (int64_t i = 0; i < w.size(); ++i) {
    int64_t c = i % 4;
    double expected =
        double(w[i]) * double(gamma[c]) / std::sqrt(double(var[c]) + eps);
    EXPECT_NEAR(got[0].getTensor()[i], expected, 1e-6 * std::abs(expected))
        << "at flat index " << i;
  }
}

/// Every op the kiln dialect registers appears in a case above, so a new op
/// without an interpreter test fails here. kiln.kernel and kiln.yield are
/// run generically (InterpreterTest's kernel tests), not by a reference
/// function.
TEST(InterpreterOpsCoverage, EveryRegisteredKilnOpHasACase) {
  std::set<std::string> covered;
  for (const auto &[name, source] : cases()) {
    if (!caseRegistered(name))
      continue;
    LoadedModule loaded = loadModule(source, name + ".mlir");
    ASSERT_EQ(loaded.error, "") << name;
    loaded.module->walk([&](mlir::Operation *op) {
      if (op->getDialect() && op->getDialect()->getNamespace() ==
                                  KilnDialect::getDialectNamespace())
        covered.insert(op->getName().getStringRef().str());
    });
  }
  mlir::MLIRContext context;
  registerInterpreterDialects(context);
  std::set<std::string> registered;
  for (mlir::RegisteredOperationName op : context.getRegisteredOperations())
    if (op.getDialectNamespace() == KilnDialect::getDialectNamespace())
      registered.insert(op.getStringRef().str());
  registered.erase("kiln.kernel");
  registered.erase("kiln.yield");
  // Not vacuous: the dialect is loaded and has its 53 ops at least.
  EXPECT_GE(registered.size(), 53u);
  for (const std::string &op : registered)
    EXPECT_TRUE(covered.count(op)) << op << " has no interpreter test";
}

} // namespace

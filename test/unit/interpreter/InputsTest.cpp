//===- InputsTest.cpp - Deterministic inputs from a signature -------------===//

#include "kiln/Interpreter/Inputs.h"
#include "kiln/runtime/Initializers.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

using namespace kiln;
using namespace kiln::interp;

namespace {

/// A @train_step-like signature: input, labels, step, lr, a parameter, a
/// state tensor and a slot.
Signature trainStepSignature() {
  Signature sig;
  sig.arguments = {
      {ValueKind::Tensor, {-1, 4, 4, 1}, "input", ""},
      {ValueKind::Tensor, {-1, 10}, "labels", ""},
      {ValueKind::I64, {}, "step", ""},
      {ValueKind::F32, {}, "lr", ""},
      {ValueKind::Tensor, {3, 3, 1, 8}, "param", "conv2d/kernel"},
      {ValueKind::Tensor, {8}, "state", "bn/moving_variance"},
      {ValueKind::Tensor, {3, 3, 1, 8}, "slot", "conv2d/kernel/v"},
      {ValueKind::Tensor, {5}, "", ""},
  };
  return sig;
}

TEST(RandomInputs, FillEveryArgumentByRole) {
  RandomInputOptions options;
  options.seed = 11;
  options.batch = 6;
  options.step = 4;
  options.lr = 0.02;
  auto inputs = randomInputs<float>(trainStepSignature(), options);
  ASSERT_TRUE(inputs.ok()) << inputs.error;
  const std::vector<RuntimeValue<float>> &v = inputs.value;
  ASSERT_EQ(v.size(), 8u);
  EXPECT_EQ(v[0].getTensor().shape(), (ref::Dims{6, 4, 4, 1}));
  EXPECT_EQ(v[1].getTensor().shape(), (ref::Dims{6, 10}));
  for (int64_t n = 0; n < 6; ++n) {
    auto row = v[1].getTensor().elements().begin() + n * 10;
    EXPECT_EQ(std::count(row, row + 10, 1.0f), 1) << "row " << n;
    EXPECT_EQ(std::count(row, row + 10, 0.0f), 9) << "row " << n;
  }
  EXPECT_EQ(v[2].getI64(), 4);
  EXPECT_EQ(v[3].getF32(), double(0.02f));
  // Inputs, state and slots are in [0, 1); parameters and role-less tensors
  // in [-1, 1) and not all of one sign.
  for (int i : {0, 5, 6}) {
    const auto &e = v[i].getTensor().elements();
    EXPECT_GE(*std::min_element(e.begin(), e.end()), 0.0f) << i;
    EXPECT_LT(*std::max_element(e.begin(), e.end()), 1.0f) << i;
  }
  for (int i : {4, 7}) {
    const auto &e = v[i].getTensor().elements();
    EXPECT_LT(*std::min_element(e.begin(), e.end()), 0.0f) << i;
    EXPECT_GT(*std::max_element(e.begin(), e.end()), 0.0f) << i;
    EXPECT_GE(*std::min_element(e.begin(), e.end()), -1.0f) << i;
  }
}

TEST(RandomInputs, ReproducibleFromTheSeedAndEqualInFloatAndDouble) {
  RandomInputOptions options;
  options.seed = 3;
  options.batch = 2;
  auto a = randomInputs<float>(trainStepSignature(), options);
  auto b = randomInputs<float>(trainStepSignature(), options);
  auto d = randomInputs<double>(trainStepSignature(), options);
  options.seed = 4;
  auto other = randomInputs<float>(trainStepSignature(), options);
  ASSERT_TRUE(a.ok() && b.ok() && d.ok() && other.ok());
  for (int i : {0, 1, 4, 5, 6, 7}) {
    EXPECT_EQ(a.value[i].getTensor().elements(),
              b.value[i].getTensor().elements())
        << i;
    EXPECT_EQ(d.value[i].getTensor().template cast<float>().elements(),
              a.value[i].getTensor().elements())
        << i;
    if (i != 1) { // One-hot labels of 2 rows may well repeat.
      EXPECT_NE(other.value[i].getTensor().elements(),
                a.value[i].getTensor().elements())
          << i;
    }
  }
  // Arguments draw from different streams.
  EXPECT_NE(a.value[4].getTensor().elements(),
            a.value[6].getTensor().elements());
}

TEST(RandomInputs, KilnInitChoosesAKerasInitializer) {
  Signature sig;
  sig.arguments = {
      {ValueKind::Tensor,
       {3, 3, 2, 8},
       "param",
       "conv2d/kernel",
       "glorot_uniform"},
      {ValueKind::Tensor, {8}, "param", "conv2d/bias", "zeros"},
      {ValueKind::Tensor, {8}, "state", "bn/moving_variance", "ones"},
  };
  RandomInputOptions options;
  options.seed = 9;
  auto inputs = randomInputs<double>(sig, options);
  ASSERT_TRUE(inputs.ok()) << inputs.error;
  // Argument i is parameter i of the runtime's initialisers.
  std::vector<float> kernel(3 * 3 * 2 * 8);
  ASSERT_TRUE(rt::initializeParameter(rt::Initializer::GlorotUniform,
                                      {3, 3, 2, 8}, 9, 0, kernel.data()));
  EXPECT_EQ(inputs.value[0].getTensor().template cast<float>().elements(),
            kernel);
  // Glorot's limit: sqrt(6 / (fan_in + fan_out)) = sqrt(6 / (18 + 72)).
  const auto &k = inputs.value[0].getTensor().elements();
  EXPECT_LE(*std::max_element(k.begin(), k.end()), std::sqrt(6.0 / 90));
  EXPECT_EQ(inputs.value[1].getTensor().elements(),
            std::vector<double>(8, 0.0));
  EXPECT_EQ(inputs.value[2].getTensor().elements(),
            std::vector<double>(8, 1.0));

  sig.arguments[1].init = "glorot_sideways";
  auto bad = randomInputs<double>(sig, options);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error, "argument #1 (conv2d/bias): unknown initializer "
                       "'glorot_sideways' and no kiln.init_args");

  // An initialiser without a runtime name is drawn from its arguments.
  rt::InitArgs half;
  half.kind = rt::InitArgs::Kind::Constant;
  half.value = 0.5;
  sig.arguments[1].initArgs = half;
  auto drawn = randomInputs<double>(sig, options);
  ASSERT_TRUE(drawn.ok()) << drawn.error;
  EXPECT_EQ(drawn.value[1].getTensor().elements(), std::vector<double>(8, 0.5));
}

TEST(RandomInputs, Errors) {
  RandomInputOptions options;
  options.batch = 0;
  auto r = randomInputs<float>(trainStepSignature(), options);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error, "the batch must be at least 1, got 0");

  Signature labels3d;
  labels3d.arguments = {{ValueKind::Tensor, {2, 3, 4}, "labels", "y"}};
  r = randomInputs<float>(labels3d, RandomInputOptions());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error, "argument #0 (y): labels must be N x M with M >= 1, got "
                     "2x3x4");

  Signature huge;
  huge.arguments = {{ValueKind::Tensor, {-1, 1 << 20, 1 << 20}, "", ""}};
  r = randomInputs<float>(huge, RandomInputOptions());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error, "argument #0: shape 1x1048576x1048576 is too large");
}

} // namespace

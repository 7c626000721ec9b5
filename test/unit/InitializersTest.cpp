//===- InitializersTest.cpp - Keras initialisers on Philox ----------------===//

#include "kiln/runtime/Initializers.h"

#include <gtest/gtest.h>

#include <cmath>

using namespace kiln::rt;

namespace {

/// Sample statistics of a tensor.
struct Stats {
  double mean = 0, stddev = 0, min = 0, max = 0;
};

Stats statsOf(const std::vector<float> &v) {
  Stats s;
  s.min = s.max = v[0];
  double sum = 0, sq = 0;
  for (float x : v) {
    sum += x;
    sq += double(x) * x;
    s.min = std::min<double>(s.min, x);
    s.max = std::max<double>(s.max, x);
  }
  s.mean = sum / v.size();
  s.stddev = std::sqrt(sq / v.size() - s.mean * s.mean);
  return s;
}

std::vector<float> initialised(Initializer init,
                               const std::vector<int64_t> &shape,
                               uint64_t seed = 7, uint32_t parameter = 0) {
  int64_t n = 1;
  for (int64_t d : shape)
    n *= d;
  std::vector<float> v(n, -99.0f);
  Status s = initializeParameter(init, shape, seed, parameter, v.data());
  EXPECT_TRUE(s) << s.message();
  return v;
}

// Tests fans as Keras computes them for conv2d (HWIO), conv1d (WIO), dense
// (K x M), a bias and a scalar.
TEST(Initializers, Fans) {
  Fans conv = computeFans({3, 3, 1, 32});
  EXPECT_EQ(conv.in, 9);
  EXPECT_EQ(conv.out, 288);
  Fans conv1d = computeFans({2, 28, 236});
  EXPECT_EQ(conv1d.in, 56);
  EXPECT_EQ(conv1d.out, 472);
  Fans dense = computeFans({1152, 128});
  EXPECT_EQ(dense.in, 1152);
  EXPECT_EQ(dense.out, 128);
  Fans bias = computeFans({32});
  EXPECT_EQ(bias.in, 32);
  EXPECT_EQ(bias.out, 32);
  Fans scalar = computeFans({});
  EXPECT_EQ(scalar.in, 1);
  EXPECT_EQ(scalar.out, 1);
}

/// One initialiser, a shape and the standard deviation and bound Keras'
/// formulas give for it.
struct Expected {
  Initializer init;
  std::vector<int64_t> shape;
  double stddev;
  double bound;
};

// Tests mean, standard deviation and bounds of every random initialiser on
// tensors of 70,000 to 600,000 values against Keras' formulas: uniforms in
// [-sqrt(3 scale), sqrt(3 scale)) with stddev sqrt(scale); truncated normals
// with stddev sqrt(scale) after the 0.8796 correction, bounded by twice the
// corrected stddev.
TEST(Initializers, Statistics) {
  const double trunc = 0.87962566103423978;
  std::vector<Expected> cases = {
      {Initializer::GlorotUniform,
       {256, 512},
       std::sqrt(2.0 / 768),
       std::sqrt(6.0 / 768)},
      {Initializer::GlorotNormal,
       {3, 3, 64, 128},
       std::sqrt(2.0 / 1728),
       2 * std::sqrt(2.0 / 1728) / trunc},
      {Initializer::HeNormal,
       {3, 3, 64, 128},
       std::sqrt(2.0 / 576),
       2 * std::sqrt(2.0 / 576) / trunc},
      {Initializer::HeUniform,
       {6272, 96},
       std::sqrt(2.0 / 6272),
       std::sqrt(6.0 / 6272)},
      {Initializer::LecunNormal,
       {2, 28, 2560},
       std::sqrt(1.0 / 56),
       2 * std::sqrt(1.0 / 56) / trunc},
      {Initializer::LecunUniform,
       {784, 448},
       std::sqrt(1.0 / 784),
       std::sqrt(3.0 / 784)},
  };
  for (const Expected &e : cases) {
    SCOPED_TRACE(initializerName(e.init));
    InitDistribution d = initDistribution(e.init, e.shape);
    std::vector<float> v = initialised(e.init, e.shape);
    Stats s = statsOf(v);
    // Five standard errors of the mean.
    EXPECT_NEAR(s.mean, 0.0, 5 * e.stddev / std::sqrt(double(v.size())));
    EXPECT_NEAR(s.stddev / e.stddev, 1.0, 0.01);
    EXPECT_GE(s.min, -e.bound * (1 + 1e-6));
    EXPECT_LE(s.max, e.bound * (1 + 1e-6));
    // The extremes come close to the bounds (the draw fills its range).
    EXPECT_LT(s.max, e.bound);
    EXPECT_GT(s.max, 0.99 * e.bound);
    EXPECT_LT(s.min, -0.99 * e.bound);
    if (d.kind == InitDistribution::Uniform)
      EXPECT_DOUBLE_EQ(d.value, e.bound);
    else
      EXPECT_DOUBLE_EQ(2 * d.value, e.bound);
  }
}

// Tests the shape of the truncated normal: within one sigma of a unit normal
// truncated at two sigma lie 0.6827 / 0.9545 = 71.52% of the values.
TEST(Initializers, TruncatedNormalShape) {
  const int n = 200000;
  int withinOne = 0;
  for (int i = 0; i < n; ++i) {
    double z = truncatedNormalAt(3, 9, static_cast<uint32_t>(i), 2.0);
    ASSERT_LE(std::fabs(z), 2.0);
    withinOne += std::fabs(z) < 1.0;
  }
  EXPECT_NEAR(withinOne / double(n), 0.68269 / 0.95450, 0.004);
}

// Tests zeros and ones, and that they ignore the seed.
TEST(Initializers, Constants) {
  for (float v : initialised(Initializer::Zeros, {3, 3, 1, 32}))
    ASSERT_EQ(v, 0.0f);
  for (float v : initialised(Initializer::Ones, {64}, 12345))
    ASSERT_EQ(v, 1.0f);
}

// Tests reproducibility: the same (seed, parameter) gives identical values;
// another parameter index or seed gives other values.
TEST(Initializers, Reproducible) {
  std::vector<int64_t> shape = {3, 3, 32, 64};
  std::vector<float> a = initialised(Initializer::HeNormal, shape, 42, 3);
  std::vector<float> b = initialised(Initializer::HeNormal, shape, 42, 3);
  std::vector<float> otherParam =
      initialised(Initializer::HeNormal, shape, 42, 4);
  std::vector<float> otherSeed =
      initialised(Initializer::HeNormal, shape, 43, 3);
  EXPECT_EQ(a, b);
  size_t same = 0;
  for (size_t i = 0; i < a.size(); ++i)
    same += a[i] == otherParam[i] || a[i] == otherSeed[i];
  EXPECT_LT(same, 5u);
  std::vector<float> u1 = initialised(Initializer::GlorotUniform, {10, 10}, 1);
  std::vector<float> u2 = initialised(Initializer::GlorotUniform, {10, 10}, 1);
  EXPECT_EQ(u1, u2);
}

// Tests names both ways and that unknown names and bad shapes are refused.
TEST(Initializers, NamesAndErrors) {
  for (Initializer init :
       {Initializer::GlorotUniform, Initializer::GlorotNormal,
        Initializer::HeNormal, Initializer::HeUniform, Initializer::LecunNormal,
        Initializer::LecunUniform, Initializer::Zeros, Initializer::Ones})
    EXPECT_EQ(parseInitializer(initializerName(init)), init);
  EXPECT_EQ(parseInitializer("he_normal"), Initializer::HeNormal);
  EXPECT_FALSE(parseInitializer("orthogonal").has_value());
  float out[4];
  Status s = initializeParameter(Initializer::HeNormal, {2, 0, 2}, 1, 5, out);
  ASSERT_FALSE(s);
  EXPECT_EQ(s.message(), "cannot initialise parameter 5 with he_normal: "
                         "extent 0 is not positive");
}

/// `args` drawn for a parameter of `shape` (seed 7, parameter 0).
std::vector<float> initialisedFrom(const InitArgs &args,
                                   const std::vector<int64_t> &shape) {
  int64_t n = 1;
  for (int64_t d : shape)
    n *= d;
  std::vector<float> v(n, -99.0f);
  Status s = initializeParameter(args, shape, 7, 0, v.data());
  EXPECT_TRUE(s) << s.message();
  return v;
}

// Tests initialisers given by their arguments (kiln.init_args): a
// variance_scaling equal to a named initialiser draws the same values;
// report 001's PyTorch-style variance_scaling(1/3, fan_in, uniform) lies in
// [-sqrt(1/fan_in), sqrt(1/fan_in)); random_uniform, random_normal and
// truncated_normal have their ranges, means and deviations; a constant is
// its value.
TEST(Initializers, FromArguments) {
  std::vector<int64_t> shape = {5, 5, 8, 64};
  InitArgs lecun;
  ASSERT_TRUE(parseInitArgs("variance_scaling", "fan_in", "uniform", lecun));
  lecun.fans = computeFans(shape);
  EXPECT_EQ(initialisedFrom(lecun, shape),
            initialised(Initializer::LecunUniform, shape));

  InitArgs torch = lecun;
  torch.scale = 1.0 / 3.0;
  Stats t = statsOf(initialisedFrom(torch, shape));
  double bound = 1.0 / std::sqrt(200.0);
  EXPECT_GE(t.min, -bound);
  EXPECT_LT(t.max, bound);
  EXPECT_GT(t.max, 0.99 * bound);

  InitArgs uniform;
  ASSERT_TRUE(parseInitArgs("random_uniform", "", "", uniform));
  uniform.minval = 1;
  uniform.maxval = 3;
  Stats u = statsOf(initialisedFrom(uniform, {100000}));
  EXPECT_GE(u.min, 1.0);
  EXPECT_LT(u.max, 3.0);
  EXPECT_NEAR(u.mean, 2.0, 0.01);

  InitArgs normal;
  ASSERT_TRUE(parseInitArgs("random_normal", "", "", normal));
  normal.mean = -1;
  normal.stddev = 0.5;
  Stats n = statsOf(initialisedFrom(normal, {100000}));
  EXPECT_NEAR(n.mean, -1.0, 0.01);
  EXPECT_NEAR(n.stddev, 0.5, 0.01);
  EXPECT_LT(n.min, -1.0 - 2 * 0.5) << "an untruncated normal";

  InitArgs truncated = normal;
  ASSERT_TRUE(parseInitArgs("truncated_normal", "", "", truncated));
  Stats tn = statsOf(initialisedFrom(truncated, {100000}));
  EXPECT_GE(tn.min, -2.0);
  EXPECT_LE(tn.max, 0.0);
  EXPECT_NEAR(tn.stddev, 0.5 * kTruncatedNormalStddev, 0.01);

  InitArgs constant;
  ASSERT_TRUE(parseInitArgs("constant", "", "", constant));
  constant.value = 0.25;
  EXPECT_EQ(initialisedFrom(constant, {3}), std::vector<float>(3, 0.25f));

  InitArgs bad;
  Status s = parseInitArgs("orthogonal", "", "", bad);
  EXPECT_EQ(s.message(), "unknown initialiser kind 'orthogonal'");
  s = parseInitArgs("variance_scaling", "fan_sum", "uniform", bad);
  EXPECT_EQ(s.message(), "unknown variance_scaling mode 'fan_sum'");
  s = parseInitArgs("variance_scaling", "fan_in", "cauchy", bad);
  EXPECT_EQ(s.message(), "unknown variance_scaling distribution 'cauchy'");
}

} // namespace

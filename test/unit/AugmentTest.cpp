//===- AugmentTest.cpp - Flip, rotation, zoom and shift -------------------===//

#include "kiln/runtime/Augment.h"
#include "kiln/runtime/Idx.h"

#include <gtest/gtest.h>

#include <set>

#include <cmath>

using namespace kiln::rt;

namespace {

/// A height x width x channels image whose values are all distinct.
std::vector<float> distinctImage(int height, int width, int channels) {
  std::vector<float> v(size_t(height) * width * channels);
  for (size_t i = 0; i < v.size(); ++i)
    v[i] = static_cast<float>((i * 7919) % 1009) / 1009.0f;
  return v;
}

float at(const std::vector<float> &img, int width, int channels, int y, int x,
         int c = 0) {
  return img[(size_t(y) * width + x) * channels + c];
}

std::vector<float>
transformed(const AugmentParams &p, const std::vector<float> &in, int height,
            int width, int channels, FillMode fill = FillMode::Nearest,
            float fillValue = 0,
            Interpolation interpolation = Interpolation::Bilinear) {
  std::vector<float> out(in.size(), -1.0f);
  AugmentConfig config;
  config.fill = fill;
  config.fillValue = fillValue;
  config.interpolation = interpolation;
  applyAugment(p, config, in.data(), height, width, channels, out.data());
  return out;
}

// Tests that a flip is an exact left-right mirror of every channel, and
// that flipping twice restores the image.
TEST(Augment, FlipIsExactMirror) {
  const int h = 5, w = 6, c = 3;
  std::vector<float> in = distinctImage(h, w, c);
  AugmentParams p;
  p.flip = true;
  std::vector<float> out = transformed(p, in, h, w, c);
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x)
      for (int ch = 0; ch < c; ++ch)
        ASSERT_EQ(at(out, w, c, y, x, ch), at(in, w, c, y, w - 1 - x, ch));
  EXPECT_EQ(transformed(p, out, h, w, c), in);
  // An odd width keeps its middle column.
  std::vector<float> odd = distinctImage(2, 5, 1);
  std::vector<float> oddOut = transformed(p, odd, 2, 5, 1);
  EXPECT_EQ(at(oddOut, 5, 1, 1, 2), at(odd, 5, 1, 1, 2));
  EXPECT_EQ(at(oddOut, 5, 1, 1, 0), at(odd, 5, 1, 1, 4));
}

// Tests that a vertical flip is an exact up-down mirror of every row (the
// middle row of an odd height kept), that it undoes itself, and that both
// flips together are a half turn.
TEST(Augment, VerticalFlipIsExactMirror) {
  const int h = 5, w = 4, c = 2;
  std::vector<float> in = distinctImage(h, w, c);
  AugmentParams p;
  p.verticalFlip = true;
  ASSERT_FALSE(p.isIdentity());
  std::vector<float> out = transformed(p, in, h, w, c);
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x)
      for (int ch = 0; ch < c; ++ch)
        ASSERT_EQ(at(out, w, c, y, x, ch), at(in, w, c, h - 1 - y, x, ch));
  EXPECT_EQ(transformed(p, out, h, w, c), in);
  p.flip = true;
  std::vector<float> both = transformed(p, in, h, w, c);
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x)
      ASSERT_EQ(at(both, w, c, y, x, 1), at(in, w, c, h - 1 - y, w - 1 - x, 1));
}

// Tests nearest sampling (torchvision's default): every output pixel is one
// of the input's, a quarter turn of a square image is an exact transpose
// mirror, a small rotation still moves pixels, and constant fill writes the
// fill value outside the image.
TEST(Augment, NearestInterpolationCopiesPixels) {
  const int h = 6, w = 6, c = 2;
  std::vector<float> in = distinctImage(h, w, c);
  AugmentParams quarter;
  quarter.rotationDegrees = 90;
  std::vector<float> out = transformed(quarter, in, h, w, c, FillMode::Nearest,
                                       0, Interpolation::Nearest);
  // Counter-clockwise as displayed: output (y, x) shows input (x, w-1-y).
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x)
      for (int ch = 0; ch < c; ++ch)
        ASSERT_EQ(at(out, w, c, y, x, ch), at(in, w, c, x, w - 1 - y, ch))
            << y << "," << x;
  AugmentParams small;
  small.rotationDegrees = 10;
  small.shiftX = 1.5;
  std::vector<float> moved = transformed(small, in, h, w, c, FillMode::Constant,
                                         -7.0f, Interpolation::Nearest);
  std::set<float> inputs(in.begin(), in.end());
  int fills = 0;
  for (float v : moved) {
    fills += v == -7.0f;
    ASSERT_TRUE(v == -7.0f || inputs.count(v)) << v;
  }
  EXPECT_GT(fills, 0);
  EXPECT_NE(moved, in);
  // Bilinear sampling of the same transform blends pixels.
  std::vector<float> blended =
      transformed(small, in, h, w, c, FillMode::Constant, -7.0f);
  int blends = 0;
  for (float v : blended)
    blends += v != -7.0f && !inputs.count(v);
  EXPECT_GT(blends, 0);
}

// Tests the names the model language and the plan use.
TEST(Augment, FillAndInterpolationNames) {
  EXPECT_EQ(parseFillMode("nearest"), FillMode::Nearest);
  EXPECT_EQ(parseFillMode("constant"), FillMode::Constant);
  EXPECT_FALSE(parseFillMode("reflect"));
  EXPECT_EQ(parseInterpolation("bilinear"), Interpolation::Bilinear);
  EXPECT_EQ(parseInterpolation("nearest"), Interpolation::Nearest);
  EXPECT_FALSE(parseInterpolation("bicubic"));
}

// Tests that zero rotation, unit zoom and zero shift are the identity, even
// through the resampling path (a zero-angle rotation is not skipped).
TEST(Augment, ZeroTransformIsIdentity) {
  std::vector<float> in = distinctImage(28, 28, 1);
  EXPECT_EQ(transformed(AugmentParams{}, in, 28, 28, 1), in);
  AugmentParams p;
  p.rotationDegrees = 360.0; // a full turn goes through the bilinear path
  std::vector<float> turned = transformed(p, in, 28, 28, 1);
  for (size_t i = 0; i < in.size(); ++i)
    ASSERT_NEAR(turned[i], in[i], 1e-5);
  AugmentConfig none;
  Augmenter aug(none);
  std::vector<float> batch = in;
  int32_t label = 0;
  uint32_t index = 0;
  aug.augmentBatch(batch.data(), &label, &index, 1, 28, 28, 1, 1, 1);
  EXPECT_EQ(batch, in);
}

// Tests integer shifts: the content moves by whole pixels, with the edge
// repeated (nearest) or the constant filled in.
TEST(Augment, IntegerShift) {
  const int h = 4, w = 7;
  std::vector<float> in = distinctImage(h, w, 1);
  AugmentParams p;
  p.shiftX = 2;  // samples input column x + 2
  p.shiftY = -1; // samples input row y - 1
  std::vector<float> nearest = transformed(p, in, h, w, 1);
  std::vector<float> constant =
      transformed(p, in, h, w, 1, FillMode::Constant, 0.25f);
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) {
      int sx = x + 2, sy = y - 1;
      float clamped =
          at(in, w, 1, std::clamp(sy, 0, h - 1), std::clamp(sx, 0, w - 1));
      EXPECT_EQ(at(nearest, w, 1, y, x), clamped) << y << "," << x;
      bool inside = sx >= 0 && sx < w && sy >= 0 && sy < h;
      EXPECT_EQ(at(constant, w, 1, y, x), inside ? clamped : 0.25f)
          << y << "," << x;
    }
}

// Tests rotation by 90 degrees on a square image: a pixel permutation
// (counter-clockwise as displayed), exact up to cos(pi/2) rounding.
TEST(Augment, QuarterTurnPermutesPixels) {
  const int n = 9;
  std::vector<float> in = distinctImage(n, n, 2);
  AugmentParams p;
  p.rotationDegrees = 90;
  std::vector<float> out =
      transformed(p, in, n, n, 2, FillMode::Constant, -5.0f);
  for (int y = 0; y < n; ++y)
    for (int x = 0; x < n; ++x)
      for (int c = 0; c < 2; ++c)
        ASSERT_NEAR(at(out, n, 2, y, x, c), at(in, n, 2, x, n - 1 - y, c), 1e-5)
            << y << "," << x;
}

// Tests bilinear sampling and zoom: both reproduce a linear ramp exactly
// (bilinear interpolation is exact on linear functions).
TEST(Augment, BilinearZoomAndHalfShift) {
  const int h = 6, w = 10;
  std::vector<float> ramp(h * w);
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x)
      ramp[y * w + x] = 0.1f * x + 0.01f * y;
  AugmentParams zoomIn;
  zoomIn.zoomX = 0.5;
  zoomIn.zoomY = 0.5;
  std::vector<float> out = transformed(zoomIn, ramp, h, w, 1);
  double cx = 4.5, cy = 2.5;
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) {
      double sx = cx + 0.5 * (x - cx), sy = cy + 0.5 * (y - cy);
      ASSERT_NEAR(out[y * w + x], 0.1 * sx + 0.01 * sy, 1e-6);
    }
  AugmentParams half;
  half.shiftX = 0.5;
  out = transformed(half, ramp, h, w, 1);
  EXPECT_NEAR(out[2 * w + 3], 0.1 * 3.5 + 0.02, 1e-6);
  // The last column samples beyond the edge: nearest repeats it.
  EXPECT_NEAR(out[2 * w + 9], 0.1 * 9 + 0.02, 1e-6);
}

// Tests the draws: reproducible from (seed, epoch, index), varying across
// epochs and samples, within the configured ranges, flipping each way half
// the time, independently.
TEST(Augment, DrawsAreDeterministicAndInRange) {
  AugmentConfig cfg;
  cfg.horizontalFlip = true;
  cfg.verticalFlip = true;
  cfg.rotationDegrees = 15;
  cfg.zoom = 0.1;
  cfg.widthShift = 0.1;
  cfg.heightShift = 0.2;
  ASSERT_TRUE(validateAugmentConfig(cfg));
  int flips = 0, verticalFlips = 0, bothFlips = 0;
  const int n = 20000;
  double maxRotation = 0;
  for (uint32_t i = 0; i < n; ++i) {
    AugmentParams p = drawAugmentParams(cfg, 28, 28, 9, 3, i);
    ASSERT_LE(std::fabs(p.rotationDegrees), 15.0);
    ASSERT_GE(p.zoomX, 0.9);
    ASSERT_LT(p.zoomX, 1.1);
    ASSERT_GE(p.zoomY, 0.9);
    ASSERT_LT(p.zoomY, 1.1);
    ASSERT_LE(std::fabs(p.shiftX), 2.8);
    ASSERT_LE(std::fabs(p.shiftY), 5.6);
    flips += p.flip;
    verticalFlips += p.verticalFlip;
    bothFlips += p.flip && p.verticalFlip;
    maxRotation = std::max(maxRotation, std::fabs(p.rotationDegrees));
  }
  EXPECT_NEAR(flips / double(n), 0.5, 0.015);
  // The two flips are drawn independently.
  EXPECT_NEAR(verticalFlips / double(n), 0.5, 0.015);
  EXPECT_NEAR(bothFlips / double(n), 0.25, 0.015);
  EXPECT_GT(maxRotation, 14.9);
  AugmentParams a = drawAugmentParams(cfg, 28, 28, 9, 3, 17);
  AugmentParams b = drawAugmentParams(cfg, 28, 28, 9, 3, 17);
  AugmentParams otherEpoch = drawAugmentParams(cfg, 28, 28, 9, 4, 17);
  AugmentParams otherSample = drawAugmentParams(cfg, 28, 28, 9, 3, 18);
  EXPECT_EQ(a.rotationDegrees, b.rotationDegrees);
  EXPECT_EQ(a.zoomY, b.zoomY);
  EXPECT_EQ(a.flip, b.flip);
  EXPECT_NE(a.rotationDegrees, otherEpoch.rotationDegrees);
  EXPECT_NE(a.shiftX, otherSample.shiftX);
}

// Tests augmentBatch on real Fashion-MNIST images restricted to Pullover (2)
// and Shirt (6): other classes are untouched, the chosen ones change, and
// the same (seed, epoch) gives the same batch whatever the batch order.
TEST(Augment, RestrictedClassesOnRealImages) {
  Dataset test;
  ASSERT_TRUE(loadFashionMnist(FashionMnistSplit::Test, test));
  AugmentConfig cfg;
  cfg.horizontalFlip = true;
  cfg.rotationDegrees = 10;
  cfg.zoom = 0.1;
  cfg.classes = {2, 6};
  const int64_t count = 64;
  std::vector<uint32_t> indices(count);
  for (int64_t i = 0; i < count; ++i)
    indices[i] = static_cast<uint32_t>(i);
  std::vector<float> images(count * 784);
  std::vector<int32_t> labels(count);
  gatherBatch(test, indices.data(), count, images.data(), labels.data());
  std::vector<float> original = images;
  Augmenter aug(cfg);
  aug.augmentBatch(images.data(), labels.data(), indices.data(), count, 28, 28,
                   1, 5, 1);
  int changed = 0, chosen = 0;
  for (int64_t i = 0; i < count; ++i) {
    bool same =
        std::equal(images.begin() + i * 784, images.begin() + (i + 1) * 784,
                   original.begin() + i * 784);
    if (labels[i] == 2 || labels[i] == 6) {
      ++chosen;
      changed += !same;
    } else {
      EXPECT_TRUE(same) << "sample " << i << " of class " << labels[i];
    }
  }
  EXPECT_GT(chosen, 5);
  EXPECT_EQ(changed, chosen);
  for (float v : images)
    ASSERT_TRUE(v >= 0.0f && v <= 1.0f);

  // Sample 1 alone, augmented in another batch position, matches.
  std::vector<float> single(original.begin() + 784, original.begin() + 2 * 784);
  uint32_t index = 1;
  aug.augmentBatch(single.data(), &labels[1], &index, 1, 28, 28, 1, 5, 1);
  EXPECT_TRUE(std::equal(single.begin(), single.end(), images.begin() + 784));
}

// Tests doubling classes with augmented copies: the originals stay as they
// were, each chosen sample gains one transformed copy with its label.
TEST(Augment, AugmentedCopiesDoubleChosenClasses) {
  Dataset d;
  d.count = 4;
  d.height = d.width = 8;
  d.channels = 1;
  d.numClasses = 3;
  d.labels = {0, 1, 2, 1};
  d.images = distinctImage(4 * 8, 8, 1);
  std::vector<float> before = d.images;
  AugmentConfig cfg;
  cfg.rotationDegrees = 20;
  cfg.classes = {1};
  ASSERT_TRUE(addAugmentedCopies(d, cfg, 3));
  EXPECT_EQ(d.count, 6);
  EXPECT_EQ(d.labels, (std::vector<int32_t>{0, 1, 2, 1, 1, 1}));
  EXPECT_TRUE(std::equal(before.begin(), before.end(), d.images.begin()));
  EXPECT_FALSE(std::equal(d.image(1), d.image(1) + 64, d.image(4)));
  EXPECT_FALSE(std::equal(d.image(3), d.image(3) + 64, d.image(5)));

  AugmentConfig none;
  Status s = addAugmentedCopies(d, none, 3);
  ASSERT_FALSE(s);
  EXPECT_TRUE(s.message().find("no augmentation") != std::string::npos);
}

// Tests that two copies add two different transformed copies of each chosen
// sample, the first of them the same as a single copy would be.
TEST(Augment, TwoAugmentedCopiesDiffer) {
  Dataset one;
  one.count = 3;
  one.height = one.width = 8;
  one.channels = 1;
  one.numClasses = 2;
  one.labels = {0, 1, 1};
  one.images = distinctImage(3 * 8, 8, 1);
  Dataset two = one;
  AugmentConfig cfg;
  cfg.rotationDegrees = 30;
  cfg.classes = {1};
  ASSERT_TRUE(addAugmentedCopies(one, cfg, 5));
  ASSERT_TRUE(addAugmentedCopies(two, cfg, 5, 2));
  EXPECT_EQ(two.count, 7);
  EXPECT_EQ(two.labels, (std::vector<int32_t>{0, 1, 1, 1, 1, 1, 1}));
  EXPECT_TRUE(
      std::equal(one.images.begin(), one.images.end(), two.images.begin()));
  // Copies 0 and 1 of sample 1 are images 3 and 5.
  EXPECT_FALSE(std::equal(two.image(3), two.image(3) + 64, two.image(5)));
  EXPECT_FALSE(addAugmentedCopies(two, cfg, 5, 0));
}

// Tests that out-of-range settings are refused, naming the field.
TEST(Augment, ConfigValidation) {
  AugmentConfig cfg;
  cfg.zoom = 1.5;
  Status s = validateAugmentConfig(cfg);
  ASSERT_FALSE(s);
  EXPECT_EQ(s.message(), "augmentation zoom 1.500000 is outside [0, 1)");
  cfg.zoom = 0;
  cfg.rotationDegrees = -3;
  EXPECT_FALSE(validateAugmentConfig(cfg));
  cfg.rotationDegrees = 0;
  cfg.widthShift = 1.0;
  EXPECT_FALSE(validateAugmentConfig(cfg));
}

} // namespace

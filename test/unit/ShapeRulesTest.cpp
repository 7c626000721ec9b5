//===- ShapeRulesTest.cpp - Tests of the shared shape rules ---------------===//

#include "kiln/Shape/ShapeRules.h"

#include <gtest/gtest.h>

using namespace kiln::shape;

namespace {

// Tests that a valid 3x3 conv shrinks each spatial extent by two and keeps a
// dynamic batch dynamic (report 000's first layer).
TEST(ShapeRules, Conv2DValid) {
  ShapeResult r = conv2d({kDynamic, 28, 28, 1}, {3, 3, 1, 32}, {1, 1}, {1, 1},
                         {Pad{}, Pad{}});
  ASSERT_TRUE(r.ok()) << r.error;
  EXPECT_EQ(r.dims, (Dims{kDynamic, 26, 26, 32}));
}

// Tests that Keras' 'same' padding keeps the extent at stride 1 and gives
// ceil(in/stride) at stride 2, with the odd pad element after.
TEST(ShapeRules, SamePadding) {
  Pad p = samePadding(28, 3, 1, 1);
  EXPECT_EQ(p.before, 1);
  EXPECT_EQ(p.after, 1);
  ShapeResult r = conv2d({8, 28, 28, 1}, {3, 3, 1, 4}, {2, 2}, {1, 1},
                         {samePadding(28, 3, 2, 1), samePadding(28, 3, 2, 1)});
  ASSERT_TRUE(r.ok()) << r.error;
  EXPECT_EQ(r.dims, (Dims{8, 14, 14, 4}));
  Pad q = samePadding(28, 4, 1, 1);
  EXPECT_EQ(q.before, 1);
  EXPECT_EQ(q.after, 2);
}

// Tests the strided and dilated extent against a direct count of window
// positions.
TEST(ShapeRules, WindowExtentMatchesCount) {
  for (int64_t in = 1; in <= 20; ++in)
    for (int64_t k = 1; k <= 5; ++k)
      for (int64_t s = 1; s <= 3; ++s)
        for (int64_t d = 1; d <= 2; ++d) {
          int64_t count = 0;
          for (int64_t start = 0; start + d * (k - 1) < in; start += s)
            ++count;
          std::string error;
          int64_t got = windowOutputExtent(in, k, s, d, Pad{}, error);
          if (count == 0) {
            EXPECT_FALSE(error.empty());
          } else {
            EXPECT_TRUE(error.empty()) << error;
            EXPECT_EQ(got, count) << in << " " << k << " " << s << " " << d;
          }
        }
}

// Tests that a kernel larger than its input and a channel mismatch are
// reported with a message, not a shape.
TEST(ShapeRules, Conv2DErrors) {
  ShapeResult big = conv2d({1, 2, 2, 1}, {3, 3, 1, 1}, {1, 1}, {1, 1},
                           {Pad{}, Pad{}});
  EXPECT_FALSE(big.ok());
  EXPECT_NE(big.error.find("does not fit"), std::string::npos);
  ShapeResult chans = conv2d({1, 8, 8, 3}, {3, 3, 1, 1}, {1, 1}, {1, 1},
                             {Pad{}, Pad{}});
  EXPECT_FALSE(chans.ok());
  EXPECT_NE(chans.error.find("3 channels"), std::string::npos);
}

// Tests report 002's Conv1D stack: 28 steps of 28 features, k=2, pool 2.
TEST(ShapeRules, Conv1DAndPool1D) {
  ShapeResult c = conv1d({kDynamic, 28, 28}, {2, 28, 236}, 1, 1, Pad{});
  ASSERT_TRUE(c.ok()) << c.error;
  EXPECT_EQ(c.dims, (Dims{kDynamic, 27, 236}));
  ShapeResult p = pool1d(c.dims, 2, 2, Pad{});
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p.dims, (Dims{kDynamic, 13, 236}));
}

// Tests report 004 Model 1's tail: 3x3x128 flattens to 1152 for dense 128.
TEST(ShapeRules, PoolFlattenDense) {
  ShapeResult p = pool2d({kDynamic, 7, 7, 128}, {2, 2}, {2, 2}, {Pad{}, Pad{}});
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p.dims, (Dims{kDynamic, 3, 3, 128}));
  ShapeResult f = flatten(p.dims);
  ASSERT_TRUE(f.ok());
  EXPECT_EQ(f.dims, (Dims{kDynamic, 1152}));
  ShapeResult d = dense(f.dims, {1152, 128});
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d.dims, (Dims{kDynamic, 128}));
  EXPECT_FALSE(dense({kDynamic, 3, 3, 128}, {1152, 128}).ok());
  EXPECT_FALSE(dense(f.dims, {1000, 128}).ok());
}

// Tests reshape with an inferred extent, and the element-count check.
TEST(ShapeRules, Reshape) {
  ShapeResult r = reshape({kDynamic, 28, 28, 1}, {28, -1});
  ASSERT_TRUE(r.ok()) << r.error;
  EXPECT_EQ(r.dims, (Dims{kDynamic, 28, 28}));
  EXPECT_FALSE(reshape({kDynamic, 28, 28, 1}, {27, -1}).ok());
  EXPECT_FALSE(reshape({kDynamic, 28, 28, 1}, {-1, -1}).ok());
}

// Tests residual add, concat on channels, padding and global pooling.
TEST(ShapeRules, GraphOps) {
  EXPECT_TRUE(sameShape({kDynamic, 8, 8, 4}, {kDynamic, 8, 8, 4}).ok());
  EXPECT_FALSE(sameShape({kDynamic, 8, 8, 4}, {kDynamic, 8, 8, 5}).ok());
  ShapeResult c = concat({{kDynamic, 8, 8, 4}, {kDynamic, 8, 8, 6}}, -1);
  ASSERT_TRUE(c.ok()) << c.error;
  EXPECT_EQ(c.dims, (Dims{kDynamic, 8, 8, 10}));
  EXPECT_FALSE(concat({{kDynamic, 8, 8, 4}, {kDynamic, 7, 8, 6}}, 3).ok());
  ShapeResult z = zeroPad({kDynamic, 28, 28, 3}, {Pad{2, 2}, Pad{2, 2}});
  ASSERT_TRUE(z.ok());
  EXPECT_EQ(z.dims, (Dims{kDynamic, 32, 32, 3}));
  ShapeResult g = globalPool({kDynamic, 4, 4, 64});
  ASSERT_TRUE(g.ok());
  EXPECT_EQ(g.dims, (Dims{kDynamic, 64}));
  EXPECT_TRUE(channelParam({kDynamic, 4, 4, 64}, {64}).ok());
  EXPECT_FALSE(channelParam({kDynamic, 4, 4, 64}, {32}).ok());
}

TEST(ShapeRules, FormatDims) {
  EXPECT_EQ(formatDims({kDynamic, 28, 28, 1}), "?x28x28x1");
}

} // namespace

namespace {

// Tests that softmax keeps an N x M shape and rejects an image value.
TEST(ShapeRules, Softmax) {
  ShapeResult ok = softmax({kDynamic, 10});
  ASSERT_TRUE(ok.ok()) << ok.error;
  EXPECT_EQ(ok.dims, (Dims{kDynamic, 10}));
  ShapeResult bad = softmax({kDynamic, 26, 26, 8});
  EXPECT_FALSE(bad.ok());
  EXPECT_NE(bad.error.find("must be rank 2"), std::string::npos);
}

} // namespace

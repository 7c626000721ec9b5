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

TEST(ShapeRules, FormatDims) {
  EXPECT_EQ(formatDims({kDynamic, 28, 28, 1}), "?x28x28x1");
}

} // namespace

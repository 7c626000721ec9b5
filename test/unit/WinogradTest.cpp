//===- WinogradTest.cpp - F(m, 2) against the direct correlation ----------===//

#include "kiln/Codegen/Winograd.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <random>

using namespace kiln::codegen;

namespace {

// Tests every F(m, 2) the lowering may use against the direct two-tap
// correlation y[i] = d[i] g[0] + d[i+1] g[1] on small integers, where double
// arithmetic errs only in the filter transform's fractions.
TEST(Winograd, MatchesDirectCorrelation) {
  std::mt19937 rng(7);
  std::uniform_int_distribution<int> value(-9, 9);
  for (int m = 2; m <= kMaxWinogradOutputs; ++m) {
    WinogradF2 f = winogradF2(m);
    ASSERT_EQ(f.m, m);
    ASSERT_EQ(f.inputTransform.size(), static_cast<size_t>(m + 1));
    ASSERT_EQ(f.filterTransform.size(), static_cast<size_t>(m + 1));
    ASSERT_EQ(f.outputTransform.size(), static_cast<size_t>(m));
    for (int trial = 0; trial < 50; ++trial) {
      std::vector<double> d(m + 1);
      for (double &x : d)
        x = value(rng);
      double g0 = value(rng), g1 = value(rng);
      // The m + 1 products, one per transformed input.
      std::vector<double> products;
      for (int p = 0; p <= m; ++p) {
        ASSERT_EQ(f.inputTransform[p].size(), static_cast<size_t>(m + 1));
        double in = 0;
        for (int j = 0; j <= m; ++j)
          in += f.inputTransform[p][j] * d[j];
        products.push_back(
            in * (f.filterTransform[p][0] * g0 + f.filterTransform[p][1] * g1));
      }
      for (int i = 0; i < m; ++i) {
        ASSERT_EQ(f.outputTransform[i].size(), static_cast<size_t>(m + 1));
        double y = 0;
        for (int p = 0; p <= m; ++p)
          y += f.outputTransform[i][p] * products[p];
        EXPECT_NEAR(y, d[i] * g0 + d[i + 1] * g1, 1e-9)
            << "F(" << m << ",2), output " << i;
      }
    }
  }
}

// Tests that the pairs are the form the lowering documents:
// (d0 - d1) g0, d1 (g0 + g1), (d2 - d1) g1; output 0 the first two, output 1
// the last two.
TEST(Winograd, PairsAreF22) {
  WinogradF2 f = winogradF2(2);
  EXPECT_EQ(f.inputTransform,
            (std::vector<std::vector<int>>{{1, -1, 0}, {0, 1, 0}, {0, -1, 1}}));
  EXPECT_EQ(f.filterTransform[0], (std::array<double, 2>{1, 0}));
  EXPECT_EQ(f.filterTransform[1], (std::array<double, 2>{1, 1}));
  EXPECT_EQ(f.filterTransform[2], (std::array<double, 2>{0, 1}));
  EXPECT_EQ(f.outputTransform,
            (std::vector<std::vector<int>>{{1, 1, 0}, {0, 1, 1}}));
}

} // namespace

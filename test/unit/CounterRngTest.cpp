//===- CounterRngTest.cpp - Philox known answers and uniformity -----------===//

#include "kiln/runtime/CounterRng.h"

#include <gtest/gtest.h>

using namespace kiln::rng;

namespace {

// Tests Philox-4x32-10 against the known-answer vectors published with
// Random123 (kat_vectors).
TEST(CounterRng, KnownAnswers) {
  EXPECT_EQ(philox4x32({0, 0, 0, 0}, {0, 0}),
            (Counter{0x6627e8d5u, 0xe169c58du, 0xbc57ac4cu, 0x9b00dbd8u}));
  EXPECT_EQ(philox4x32({0xffffffffu, 0xffffffffu, 0xffffffffu, 0xffffffffu},
                       {0xffffffffu, 0xffffffffu}),
            (Counter{0x408f276du, 0x41c83b0eu, 0xa20bc7c6u, 0x6d5451fdu}));
  EXPECT_EQ(philox4x32({0x243f6a88u, 0x85a308d3u, 0x13198a2eu, 0x03707344u},
                       {0xa4093822u, 0x299f31d0u}),
            (Counter{0xd16cfe09u, 0x94fdccebu, 0x5001e420u, 0x24126ea1u}));
}

// Tests that uniforms lie in [0, 1), have mean 1/2 and differ across
// streams and steps.
TEST(CounterRng, Uniform) {
  double sum = 0;
  const int n = 100000;
  for (int i = 0; i < n; ++i) {
    float u = uniformAt(42, 3, 7, static_cast<uint32_t>(i));
    ASSERT_GE(u, 0.0f);
    ASSERT_LT(u, 1.0f);
    sum += u;
  }
  EXPECT_NEAR(sum / n, 0.5, 0.005);
  EXPECT_NE(uniformAt(42, 3, 7, 0), uniformAt(42, 4, 7, 0));
  EXPECT_NE(uniformAt(42, 3, 7, 0), uniformAt(42, 3, 8, 0));
  EXPECT_EQ(uniformAt(42, 3, 7, 5), uniformAt(42, 3, 7, 5));
}

} // namespace

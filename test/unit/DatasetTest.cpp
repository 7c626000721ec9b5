//===- DatasetTest.cpp - Validation split, shuffle and batching -----------===//

#include "kiln/runtime/Dataset.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <numeric>

using namespace kiln::rt;

namespace {

/// `n` 2x2x1 images whose pixels all equal their index, labelled index % 3.
Dataset indexed(int64_t n) {
  Dataset d;
  d.count = n;
  d.height = d.width = 2;
  d.channels = 1;
  d.numClasses = 3;
  for (int64_t i = 0; i < n; ++i) {
    d.images.insert(d.images.end(), 4, static_cast<float>(i));
    d.labels.push_back(static_cast<int32_t>(i % 3));
  }
  return d;
}

// Tests that the validation split takes the LAST fraction, unshuffled, with
// Keras' floor(n * (1 - fraction)) boundary.
TEST(Dataset, ValidationSplitIsTheTail) {
  Dataset all = indexed(10), train, val;
  ASSERT_TRUE(splitValidation(all, 0.25, train, val));
  // floor(10 * 0.75) = 7.
  EXPECT_EQ(train.count, 7);
  EXPECT_EQ(val.count, 3);
  EXPECT_EQ(train.images.size(), 28u);
  EXPECT_EQ(val.image(0)[0], 7.0f);
  EXPECT_EQ(val.image(2)[3], 9.0f);
  EXPECT_EQ(val.labels, (std::vector<int32_t>{1, 2, 0}));
  EXPECT_EQ(train.numClasses, 3);
  // 0.1 of 60,000 (1 - 0.1 = 0.9 in binary): 54,000 as Keras gets.
  Dataset big = indexed(60000), t2, v2;
  ASSERT_TRUE(splitValidation(big, 0.1, t2, v2));
  EXPECT_EQ(t2.count, 54000);
}

// Tests that keepFirst() keeps the first samples, and everything when the
// count is not below the size or not positive.
TEST(Dataset, KeepFirst) {
  Dataset d = indexed(10);
  keepFirst(d, 0);
  EXPECT_EQ(d.count, 10);
  keepFirst(d, 12);
  EXPECT_EQ(d.count, 10);
  keepFirst(d, 4);
  EXPECT_EQ(d.count, 4);
  EXPECT_EQ(d.images.size(), 16u);
  EXPECT_EQ(d.image(3)[0], 3.0f);
  EXPECT_EQ(d.labels, (std::vector<int32_t>{0, 1, 2, 0}));
}

// Tests that fractions outside (0, 1) and splits leaving a part empty fail.
TEST(Dataset, ValidationSplitErrors) {
  Dataset all = indexed(3), train, val;
  Status s = splitValidation(all, 1.0, train, val);
  ASSERT_FALSE(s);
  EXPECT_EQ(s.message(),
            "validation split 1.000000 is not a fraction in (0, 1)");
  EXPECT_FALSE(splitValidation(all, -0.1, train, val));
  // floor(3 * (1 - 0.7)) = 0 training samples.
  s = splitValidation(all, 0.7, train, val);
  ASSERT_FALSE(s);
  EXPECT_EQ(s.message(),
            "validation split 0.700000 of 3 samples leaves one part empty");
  // 1 - 1e-17 is 1 in doubles: no validation samples.
  EXPECT_FALSE(splitValidation(all, 1e-17, train, val));
}

// Tests that the shuffle is a permutation, a pure function of (seed,
// epoch), differs across epochs and seeds, and moves about every element.
TEST(Dataset, ShuffleIsReproduciblePermutation) {
  std::vector<uint32_t> a = shuffledOrder(1000, 5, 2);
  std::vector<uint32_t> sorted = a;
  std::sort(sorted.begin(), sorted.end());
  std::vector<uint32_t> identity(1000);
  std::iota(identity.begin(), identity.end(), 0u);
  EXPECT_EQ(sorted, identity);
  EXPECT_EQ(a, shuffledOrder(1000, 5, 2));
  EXPECT_NE(a, shuffledOrder(1000, 5, 3));
  EXPECT_NE(a, shuffledOrder(1000, 6, 2));
  int fixed = 0;
  for (uint32_t i = 0; i < 1000; ++i)
    fixed += a[i] == i;
  EXPECT_LT(fixed, 6); // a random permutation fixes 1 point on average
  EXPECT_TRUE(shuffledOrder(0, 1, 1).empty());
  EXPECT_EQ(shuffledOrder(1, 1, 1), (std::vector<uint32_t>{0}));
}

// Tests that the shuffle is uniform: over many epochs, element 0 lands in
// each of 5 positions about equally often (each of 120 orders appears).
TEST(Dataset, ShuffleIsUniform) {
  const int epochs = 60000;
  std::vector<int> position(5, 0);
  std::vector<int> orders(3125, 0);
  for (int e = 0; e < epochs; ++e) {
    std::vector<uint32_t> o = shuffledOrder(5, 11, e);
    ++position[std::find(o.begin(), o.end(), 0u) - o.begin()];
    ++orders[o[0] * 625 + o[1] * 125 + o[2] * 25 + o[3] * 5 + o[4]];
  }
  for (int p : position)
    EXPECT_NEAR(p, epochs / 5, 400);
  int seen = 0;
  for (int c : orders)
    seen += c > 0;
  EXPECT_EQ(seen, 120);
}

// Tests batching: ceil(n / b) batches, the last one smaller, covering the
// order exactly once, and the gathered images and labels.
TEST(Dataset, BatchesWithSmallerLast) {
  Dataset d = indexed(10);
  EpochBatches batches(shuffledOrder(10, 1, 0), 4);
  ASSERT_EQ(batches.numBatches(), 3);
  EXPECT_EQ(batches.batchCount(0), 4);
  EXPECT_EQ(batches.batchCount(1), 4);
  EXPECT_EQ(batches.batchCount(2), 2);
  std::vector<uint32_t> seen;
  for (int64_t b = 0; b < batches.numBatches(); ++b) {
    int64_t n = batches.batchCount(b);
    const uint32_t *idx = batches.batchIndices(b);
    std::vector<float> images(n * 4);
    std::vector<int32_t> labels(n);
    gatherBatch(d, idx, n, images.data(), labels.data());
    for (int64_t i = 0; i < n; ++i) {
      EXPECT_EQ(images[i * 4 + 3], static_cast<float>(idx[i]));
      EXPECT_EQ(labels[i], static_cast<int32_t>(idx[i] % 3));
      seen.push_back(idx[i]);
    }
  }
  EXPECT_EQ(seen, batches.order());
  EXPECT_EQ(EpochBatches(std::vector<uint32_t>(8), 4).numBatches(), 2);
}

// Tests one-hot rows.
TEST(Dataset, OneHot) {
  int32_t labels[] = {2, 0};
  float out[6];
  oneHot(labels, 2, 3, out);
  EXPECT_EQ(std::vector<float>(out, out + 6),
            (std::vector<float>{0, 0, 1, 1, 0, 0}));
}

} // namespace

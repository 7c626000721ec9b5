//===- Dataset.cpp - In-memory labelled image sets and batching -----------===//

#include "kiln/runtime/Dataset.h"

#include "kiln/runtime/CounterRng.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <numeric>
#include <string>

namespace kiln {
namespace rt {

namespace {

/// Copies samples [begin, end) of `all` into `part`.
void copyRange(const Dataset &all, int64_t begin, int64_t end, Dataset &part) {
  part.count = end - begin;
  part.height = all.height;
  part.width = all.width;
  part.channels = all.channels;
  part.numClasses = all.numClasses;
  part.images.assign(all.image(begin),
                     all.image(begin) + part.count * all.imageSize());
  part.labels.assign(all.labels.begin() + begin, all.labels.begin() + end);
}

} // namespace

Status splitValidation(const Dataset &all, double fraction, Dataset &train,
                       Dataset &validation) {
  if (!(fraction > 0.0 && fraction < 1.0))
    return Status::error("validation split " + std::to_string(fraction) +
                         " is not a fraction in (0, 1)");
  // Keras: split_at = int(floor(n * (1 - validation_split))), in doubles.
  int64_t splitAt = static_cast<int64_t>(
      std::floor(static_cast<double>(all.count) * (1.0 - fraction)));
  if (splitAt <= 0 || splitAt >= all.count)
    return Status::error("validation split " + std::to_string(fraction) +
                         " of " + std::to_string(all.count) +
                         " samples leaves one part empty");
  Dataset t, v;
  copyRange(all, 0, splitAt, t);
  copyRange(all, splitAt, all.count, v);
  train = std::move(t);
  validation = std::move(v);
  return Status::ok();
}

void keepFirst(Dataset &data, int64_t count) {
  if (count <= 0 || count >= data.count)
    return;
  data.count = count;
  data.images.resize(size_t(count) * data.imageSize());
  data.labels.resize(size_t(count));
}

std::vector<uint32_t> shuffledOrder(uint32_t count, uint64_t seed,
                                    uint64_t epoch) {
  std::vector<uint32_t> order(count);
  std::iota(order.begin(), order.end(), 0u);
  const uint64_t stream = rng::streamId(rng::StreamKind::Shuffle, 0);
  for (uint32_t i = count; i-- > 1;) {
    rng::Counter w = rng::wordsAt(seed, stream, epoch, i);
    // 64 random bits reduced modulo i + 1: the bias, below 2^-32 for any
    // 32-bit count, is far under anything a training run could notice.
    uint64_t r = (uint64_t(w[0]) << 32) | w[1];
    uint32_t j = static_cast<uint32_t>(r % (uint64_t(i) + 1));
    std::swap(order[i], order[j]);
  }
  return order;
}

EpochBatches::EpochBatches(std::vector<uint32_t> order, int64_t batchSize)
    : sampleOrder(std::move(order)),
      batchSize(std::max<int64_t>(batchSize, 1)) {}

int64_t EpochBatches::numBatches() const {
  int64_t n = static_cast<int64_t>(sampleOrder.size());
  return (n + batchSize - 1) / batchSize;
}

int64_t EpochBatches::batchCount(int64_t b) const {
  int64_t n = static_cast<int64_t>(sampleOrder.size());
  return std::min(batchSize, n - b * batchSize);
}

const uint32_t *EpochBatches::batchIndices(int64_t b) const {
  return sampleOrder.data() + b * batchSize;
}

void gatherBatch(const Dataset &data, const uint32_t *indices, int64_t count,
                 float *images, int32_t *labels) {
  size_t size = data.imageSize();
  for (int64_t i = 0; i < count; ++i) {
    std::memcpy(images + i * size, data.image(indices[i]),
                size * sizeof(float));
    labels[i] = data.labels[indices[i]];
  }
}

void oneHot(const int32_t *labels, int64_t count, int numClasses, float *out) {
  std::fill(out, out + count * numClasses, 0.0f);
  for (int64_t i = 0; i < count; ++i)
    out[i * numClasses + labels[i]] = 1.0f;
}

} // namespace rt
} // namespace kiln

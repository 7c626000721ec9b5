//===- Dataset.h - In-memory labelled image sets and batching ---*- C++ -*-===//
//
// A Dataset owns N images (NHWC float, values in [0, 1]) and their class
// indices. The training loop takes the validation split off the end of the
// training set once (as Keras' validation_split does, before any shuffle),
// shuffles the remaining indices each epoch with Philox keyed by the seed, and
// gathers batches (the last one smaller) into buffers the caller owns.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_RUNTIME_DATASET_H
#define KILN_RUNTIME_DATASET_H

#include "kiln/runtime/Status.h"

#include <cstddef>
#include <cstdint>
#include <vector>

namespace kiln {
namespace rt {

/// Labelled images owned by value. Image `i` occupies
/// images[i * imageSize() .. (i + 1) * imageSize()) in H x W x C order.
struct Dataset {
  int64_t count = 0;
  int height = 0;
  int width = 0;
  int channels = 0;
  /// Labels lie in [0, numClasses).
  int numClasses = 0;
  std::vector<float> images;
  std::vector<int32_t> labels;

  /// Floats per image.
  size_t imageSize() const {
    return static_cast<size_t>(height) * width * channels;
  }
  /// The first float of image `i`.
  const float *image(int64_t i) const {
    return images.data() + static_cast<size_t>(i) * imageSize();
  }
  float *image(int64_t i) {
    return images.data() + static_cast<size_t>(i) * imageSize();
  }
};

/// Splits `all` as Keras' `validation_split=fraction` does: the first
/// floor(count * (1 - fraction)) images train, the rest (the LAST fraction,
/// taken before any shuffling) validate. Fails when `fraction` is not in
/// (0, 1) or either part would be empty.
Status splitValidation(const Dataset &all, double fraction, Dataset &train,
                       Dataset &validation);

/// Keeps only the first `count` samples of `data` (all when `count` is not
/// below data.count or not positive), as the executables' --limit does.
void keepFirst(Dataset &data, int64_t count);

/// The order of `count` samples in epoch `epoch`: a Fisher-Yates shuffle
/// whose swap at position i draws from Philox word pair (seed, stream
/// Shuffle, step epoch, index i), so an epoch's order is a pure function of
/// (seed, epoch) and resuming at an epoch needs no saved state.
std::vector<uint32_t> shuffledOrder(uint32_t count, uint64_t seed,
                                    uint64_t epoch);

/// The batches of one epoch over an order of sample indices: batch b holds
/// order[b * batchSize .. min((b + 1) * batchSize, size)), so the last batch
/// is smaller when batchSize does not divide the count. Owns its order.
class EpochBatches {
public:
  /// `batchSize` must be positive.
  EpochBatches(std::vector<uint32_t> order, int64_t batchSize);

  /// ceil(size / batchSize).
  int64_t numBatches() const;
  /// The number of samples in batch `b` (batchSize except possibly the last).
  int64_t batchCount(int64_t b) const;
  /// The sample indices of batch `b`; valid while this object lives.
  const uint32_t *batchIndices(int64_t b) const;
  /// All sample indices of the epoch in order.
  const std::vector<uint32_t> &order() const { return sampleOrder; }

private:
  std::vector<uint32_t> sampleOrder;
  int64_t batchSize;
};

/// Copies images and labels of samples `indices[0..count)` of `data` into
/// `images` (count x H x W x C floats) and `labels` (count ints), both owned
/// by the caller and large enough.
void gatherBatch(const Dataset &data, const uint32_t *indices, int64_t count,
                 float *images, int32_t *labels);

/// Writes one-hot rows for `count` labels into `out` (count x numClasses).
void oneHot(const int32_t *labels, int64_t count, int numClasses, float *out);

} // namespace rt
} // namespace kiln

#endif // KILN_RUNTIME_DATASET_H

//===- Checkpoint.h - Training checkpoints ----------------------*- C++ -*-===//
//
// Reads and writes checkpoints (schemas/checkpoint.fbs). Writing goes to a
// temporary file in the same directory that is renamed over the target, so an
// existing checkpoint is never left half-written. Reading verifies the
// FlatBuffer, the schema version and the model hash before anything is used.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_RUNTIME_CHECKPOINT_H
#define KILN_RUNTIME_CHECKPOINT_H

#include "kiln/runtime/Status.h"

#include <cstdint>
#include <string>
#include <vector>

namespace kiln {
namespace rt {

/// Version written into and required of every checkpoint.
constexpr uint32_t kCheckpointSchemaVersion = 1;

/// A named float32 tensor owned by value.
struct NamedTensor {
  std::string name;
  std::vector<int64_t> shape;
  std::vector<float> data;
};

/// One finished epoch's figures, as the checkpoint keeps them.
struct EpochFigures {
  double loss = 0;
  double accuracy = 0;
  double valLoss = 0;
  double valAccuracy = 0;
  double learningRate = 0;
};

/// The full state of a training run, owned by value.
struct CheckpointData {
  uint64_t modelHash = 0;
  std::string modelName;
  uint32_t epoch = 0;
  uint64_t step = 0;
  std::vector<uint64_t> rngState;
  std::vector<NamedTensor> parameters;
  std::vector<NamedTensor> optimizerState;
  std::vector<NamedTensor> batchNormStats;
  /// Batches of `epoch` done; with the sums below, a mid-epoch position.
  uint64_t batchInEpoch = 0;
  double epochLossSum = 0;
  double epochCorrect = 0;
  uint64_t epochSamples = 0;
  /// Early stopping's state.
  int earlyStoppingWait = 0;
  double earlyStoppingBest = 0;
  int earlyStoppingBestEpoch = -1;
  /// Parameters and state of the best epoch (restore_best).
  std::vector<NamedTensor> bestTensors;
  std::vector<EpochFigures> history;
  /// Training ended; a resumed run has nothing left to do.
  bool finished = false;
  /// The run's batch size and training-set size (they decide its batches).
  uint64_t batchSize = 0;
  uint64_t trainSamples = 0;
};

/// Serialises `data` and atomically replaces `path` with it (write to
/// "path.tmp.<pid>", fsync, rename). On failure `path` is untouched.
Status writeCheckpoint(const std::string &path, const CheckpointData &data);

/// Reads `path` into `out`. Fails with a message naming the file when it is
/// missing, truncated, not a checkpoint, of another schema version, or (when
/// `expectedHash` is non-zero) of another model than `expectedName`.
Status readCheckpoint(const std::string &path, uint64_t expectedHash,
                      const std::string &expectedName, CheckpointData &out);

/// readCheckpoint() of bytes already read from `path` (which messages name).
Status parseCheckpoint(const std::string &path,
                       const std::vector<uint8_t> &bytes, uint64_t expectedHash,
                       const std::string &expectedName, CheckpointData &out);

/// True when `bytes` carry a checkpoint's file identifier.
bool looksLikeCheckpoint(const std::vector<uint8_t> &bytes);

} // namespace rt
} // namespace kiln

#endif // KILN_RUNTIME_CHECKPOINT_H

//===- CheckpointTest.cpp - Tests of checkpoint reading and writing -------===//

#include "kiln/runtime/Checkpoint.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <sys/stat.h>
#include <unistd.h>

using namespace kiln::rt;

namespace {

/// A fresh directory under TMPDIR, removed with its files at the end.
class TempDir {
public:
  TempDir() {
    const char *base = std::getenv("TMPDIR");
    std::string tmpl = std::string(base ? base : "/tmp") + "/kiln-ckpt-XXXXXX";
    path = mkdtemp(tmpl.data()) ? tmpl : "";
  }
  ~TempDir() {
    if (!path.empty())
      std::system(("rm -rf '" + path + "'").c_str());
  }
  std::string path;
};

CheckpointData sampleData() {
  CheckpointData d;
  d.modelHash = 0x1234abcdULL;
  d.modelName = "net";
  d.epoch = 3;
  d.step = 2250;
  d.rngState = {42, 7};
  d.parameters = {{"conv1.kernel", {3, 3, 1, 2}, std::vector<float>(18, 0.5f)},
                  {"conv1.bias", {2}, {0.25f, -1.5f}}};
  d.optimizerState = {{"conv1.bias.m", {2}, {1e-3f, 2e-3f}}};
  d.batchNormStats = {{"bn.mean", {2}, {0.1f, 0.2f}}};
  return d;
}

std::string readFile(const std::string &path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}

void writeFile(const std::string &path, const std::string &bytes) {
  std::ofstream(path, std::ios::binary) << bytes;
}

// Tests that every field survives a write/read round trip bit for bit.
TEST(Checkpoint, RoundTrip) {
  TempDir dir;
  std::string path = dir.path + "/a.kckpt";
  CheckpointData in = sampleData();
  ASSERT_TRUE(writeCheckpoint(path, in).isOk());
  CheckpointData out;
  Status s = readCheckpoint(path, in.modelHash, "net", out);
  ASSERT_TRUE(s.isOk()) << s.message();
  EXPECT_EQ(out.epoch, 3u);
  EXPECT_EQ(out.step, 2250u);
  EXPECT_EQ(out.rngState, in.rngState);
  ASSERT_EQ(out.parameters.size(), 2u);
  EXPECT_EQ(out.parameters[0].name, "conv1.kernel");
  EXPECT_EQ(out.parameters[0].shape, (std::vector<int64_t>{3, 3, 1, 2}));
  EXPECT_EQ(out.parameters[1].data, in.parameters[1].data);
  EXPECT_EQ(out.optimizerState[0].data, in.optimizerState[0].data);
  EXPECT_EQ(out.batchNormStats[0].name, "bn.mean");
  // No temporary file is left behind.
  EXPECT_NE(access((path + ".tmp." + std::to_string(getpid())).c_str(), F_OK),
            0);
}

// Tests that the position inside an epoch, early stopping's state, the best
// epoch's tensors and the history survive a round trip, so a resumed run can
// continue exactly where the interrupted one stopped.
TEST(Checkpoint, TrainingPositionRoundTrip) {
  TempDir dir;
  std::string path = dir.path + "/a.kckpt";
  CheckpointData in = sampleData();
  in.batchInEpoch = 17;
  in.epochLossSum = 12.375;
  in.epochCorrect = 931;
  in.epochSamples = 1088;
  in.earlyStoppingWait = 2;
  in.earlyStoppingBest = 0.3125;
  in.earlyStoppingBestEpoch = 1;
  in.bestTensors = {{"conv1.bias", {2}, {0.5f, 0.75f}}};
  in.history = {{0.5, 0.8, NAN, NAN, 1e-3}, {0.4, 0.85, 0.45, 0.84, 5e-4}};
  in.finished = true;
  in.batchSize = 64;
  in.trainSamples = 48000;
  ASSERT_TRUE(writeCheckpoint(path, in).isOk());
  CheckpointData out;
  Status s = readCheckpoint(path, in.modelHash, "net", out);
  ASSERT_TRUE(s.isOk()) << s.message();
  EXPECT_EQ(out.batchInEpoch, 17u);
  EXPECT_EQ(out.epochLossSum, 12.375);
  EXPECT_EQ(out.epochCorrect, 931);
  EXPECT_EQ(out.epochSamples, 1088u);
  EXPECT_EQ(out.earlyStoppingWait, 2);
  EXPECT_EQ(out.earlyStoppingBest, 0.3125);
  EXPECT_EQ(out.earlyStoppingBestEpoch, 1);
  ASSERT_EQ(out.bestTensors.size(), 1u);
  EXPECT_EQ(out.bestTensors[0].data, in.bestTensors[0].data);
  ASSERT_EQ(out.history.size(), 2u);
  EXPECT_TRUE(std::isnan(out.history[0].valLoss));
  EXPECT_EQ(out.history[1].valAccuracy, 0.84);
  EXPECT_EQ(out.history[1].learningRate, 5e-4);
  EXPECT_TRUE(out.finished);
  EXPECT_EQ(out.batchSize, 64u);
  EXPECT_EQ(out.trainSamples, 48000u);
  // A fresh run's defaults: no best epoch yet.
  CheckpointData fresh = sampleData(), back;
  ASSERT_TRUE(writeCheckpoint(path, fresh).isOk());
  ASSERT_TRUE(readCheckpoint(path, fresh.modelHash, "net", back).isOk());
  EXPECT_EQ(back.earlyStoppingBestEpoch, -1);
  EXPECT_FALSE(back.finished);
}

// Tests that a checkpoint of another model is refused, naming both models.
TEST(Checkpoint, OtherModelRefused) {
  TempDir dir;
  std::string path = dir.path + "/a.kckpt";
  ASSERT_TRUE(writeCheckpoint(path, sampleData()).isOk());
  CheckpointData out;
  Status s = readCheckpoint(path, 0x999, "other", out);
  ASSERT_FALSE(s.isOk());
  EXPECT_NE(s.message().find(path), std::string::npos);
  EXPECT_NE(s.message().find("'net'"), std::string::npos);
  EXPECT_NE(s.message().find("'other'"), std::string::npos);
}

// Tests that every truncation of a valid checkpoint is reported as an error
// naming the file, never accepted or crashed on.
TEST(Checkpoint, TruncatedRefused) {
  TempDir dir;
  std::string path = dir.path + "/a.kckpt";
  ASSERT_TRUE(writeCheckpoint(path, sampleData()).isOk());
  std::string bytes = readFile(path);
  std::string cut = dir.path + "/cut.kckpt";
  for (size_t len = 0; len < bytes.size(); len += 7) {
    writeFile(cut, bytes.substr(0, len));
    CheckpointData out;
    Status s = readCheckpoint(cut, 0, "", out);
    EXPECT_FALSE(s.isOk()) << "accepted " << len << " of " << bytes.size();
    EXPECT_EQ(s.message().rfind(cut, 0), 0u) << s.message();
  }
}

// Tests that flipped bytes are either rejected or read as a checkpoint whose
// tensors are consistent with their shapes, never a crash (run under ASan by
// the sanitizer build).
TEST(Checkpoint, CorruptBytesHandled) {
  TempDir dir;
  std::string path = dir.path + "/a.kckpt";
  ASSERT_TRUE(writeCheckpoint(path, sampleData()).isOk());
  std::string bytes = readFile(path);
  std::string bad = dir.path + "/bad.kckpt";
  int rejected = 0;
  for (size_t i = 0; i < bytes.size(); ++i) {
    std::string copy = bytes;
    copy[i] = static_cast<char>(copy[i] ^ 0x5a);
    writeFile(bad, copy);
    CheckpointData out;
    Status s = readCheckpoint(bad, 0, "", out);
    if (!s.isOk()) {
      ++rejected;
      continue;
    }
    for (const NamedTensor &t : out.parameters) {
      size_t n = 1;
      for (int64_t d : t.shape)
        n *= static_cast<size_t>(d);
      EXPECT_EQ(n, t.data.size());
    }
  }
  EXPECT_GT(rejected, 0);
}

// Tests that a failed write leaves what is at the target intact and no
// temporary file behind. The rename is made to fail (the target is a
// non-empty directory) because root, as CI runs, ignores permissions.
TEST(Checkpoint, FailedWriteKeepsExisting) {
  TempDir dir;
  std::string path = dir.path + "/a.kckpt";
  ASSERT_EQ(mkdir(path.c_str(), 0700), 0);
  writeFile(path + "/keep", "old");
  Status s = writeCheckpoint(path, sampleData());
  EXPECT_FALSE(s.isOk());
  EXPECT_NE(s.message().find("cannot replace checkpoint"), std::string::npos);
  EXPECT_EQ(readFile(path + "/keep"), "old");
  EXPECT_NE(access((path + ".tmp." + std::to_string(getpid())).c_str(), F_OK),
            0);
}

// Tests that a write into a missing directory fails with the path named.
TEST(Checkpoint, MissingDirectory) {
  TempDir dir;
  std::string path = dir.path + "/no/such/dir/a.kckpt";
  Status s = writeCheckpoint(path, sampleData());
  ASSERT_FALSE(s.isOk());
  EXPECT_NE(s.message().find("no/such/dir"), std::string::npos);
}

} // namespace

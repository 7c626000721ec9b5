//===- TensorFileTest.cpp - KLNT tensor files -----------------------------===//

#include "kiln/Interpreter/TensorFile.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <string>
#include <unistd.h>
#include <vector>

using namespace kiln;
using namespace kiln::interp;
using ref::Tensor;

namespace {

/// A file path in the test's temporary directory, removed afterwards.
class TensorFileTest : public ::testing::Test {
protected:
  void SetUp() override {
    char pattern[] = "/tmp/kiln-klnt-XXXXXX";
    ASSERT_NE(mkdtemp(pattern), nullptr);
    dir = pattern;
  }
  void TearDown() override {
    for (const std::string &f : created)
      std::remove(f.c_str());
    rmdir(dir.c_str());
  }
  std::string path(const std::string &name) {
    created.push_back(dir + "/" + name);
    return created.back();
  }
  /// Writes raw bytes.
  std::string writeBytes(const std::string &name,
                         const std::vector<char> &bytes) {
    std::string p = path(name);
    std::ofstream(p, std::ios::binary).write(bytes.data(), bytes.size());
    return p;
  }

  std::string dir;
  std::vector<std::string> created;
};

/// The bytes of a KLNT header: magic, rank, extents.
std::vector<char> header(const std::vector<int64_t> &dims,
                         const char *magic = "KLNT") {
  std::vector<char> bytes(magic, magic + 4);
  uint32_t rank = static_cast<uint32_t>(dims.size());
  const char *r = reinterpret_cast<const char *>(&rank);
  bytes.insert(bytes.end(), r, r + 4);
  for (int64_t d : dims) {
    const char *e = reinterpret_cast<const char *>(&d);
    bytes.insert(bytes.end(), e, e + 8);
  }
  return bytes;
}

/// `count` f32 elements 0, 1, 2, ... as bytes.
std::vector<char> floats(int count) {
  std::vector<char> bytes;
  for (int i = 0; i < count; ++i) {
    float v = static_cast<float>(i);
    const char *b = reinterpret_cast<const char *>(&v);
    bytes.insert(bytes.end(), b, b + 4);
  }
  return bytes;
}

TEST_F(TensorFileTest, RoundTripsTensorsOfEveryRank) {
  for (const Tensor<float> &t :
       {Tensor<float>::scalar(2.5f), Tensor<float>({3}, {1, -2, 3}),
        Tensor<float>({2, 1, 2, 2}, {1, 2, 3, 4, 5, 6, 7, 8.5f}),
        Tensor<float>({0, 4})}) {
    std::string p = path("t" + std::to_string(t.rank()) + ".bin");
    ASSERT_EQ(writeTensorFile(p, t), "");
    auto back = readTensorFile(p);
    ASSERT_TRUE(back.ok()) << back.error;
    EXPECT_EQ(back.value.shape(), t.shape());
    EXPECT_EQ(back.value.elements(), t.elements());
  }
}

TEST_F(TensorFileTest, LayoutIsMagicRankExtentsThenData) {
  // The codegen tests' kernel runner reads exactly these bytes.
  std::string p = path("layout.bin");
  ASSERT_EQ(writeTensorFile(p, Tensor<float>({1, 3}, {0, 1, 2})), "");
  std::ifstream in(p, std::ios::binary);
  std::vector<char> bytes((std::istreambuf_iterator<char>(in)),
                          std::istreambuf_iterator<char>());
  std::vector<char> expected = header({1, 3});
  std::vector<char> data = floats(3);
  expected.insert(expected.end(), data.begin(), data.end());
  EXPECT_EQ(bytes, expected);
}

TEST_F(TensorFileTest, ReadErrorsNameTheFileAndTheProblem) {
  auto error = [](const std::string &p) {
    auto r = readTensorFile(p);
    EXPECT_FALSE(r.ok());
    return r.error;
  };
  std::string p = dir + "/missing.bin";
  EXPECT_EQ(error(p), p + ": cannot open: No such file or directory");

  std::vector<char> bad = header({2}, "KLNX");
  p = writeBytes("magic.bin", bad);
  EXPECT_EQ(error(p), p + ": not a KLNT tensor file (it must start with the "
                          "bytes \"KLNT\")");

  p = writeBytes("short.bin", {'K', 'L', 'N', 'T', 1});
  EXPECT_EQ(error(p), p + ": truncated header: no rank");

  std::vector<char> rank99 = header({});
  rank99[4] = 99;
  p = writeBytes("rank.bin", rank99);
  EXPECT_EQ(error(p), p + ": rank 99 is above the limit of 16");

  std::vector<char> noExtents = header({2, 3});
  noExtents.resize(noExtents.size() - 4);
  p = writeBytes("extents.bin", noExtents);
  EXPECT_EQ(error(p), p + ": truncated header: expected 2 extents");

  p = writeBytes("negative.bin", header({2, -3}));
  EXPECT_EQ(error(p), p + ": shape 2x-3 has a negative extent or too many "
                          "elements");

  std::vector<char> truncated = header({2, 3});
  std::vector<char> five = floats(5);
  truncated.insert(truncated.end(), five.begin(), five.end());
  p = writeBytes("truncated.bin", truncated);
  EXPECT_EQ(error(p), p + ": shape 2x3 needs 6 f32 elements (24 bytes) but "
                          "the data has 20 bytes");

  std::vector<char> trailing = header({2});
  std::vector<char> three = floats(3);
  trailing.insert(trailing.end(), three.begin(), three.end());
  p = writeBytes("trailing.bin", trailing);
  EXPECT_EQ(error(p), p + ": shape 2 needs 2 f32 elements (8 bytes) but the "
                          "data has 12 bytes");

  // A header asking for 2^40 elements is refused before any allocation.
  p = writeBytes("huge.bin", header({1 << 20, 1 << 20}));
  EXPECT_EQ(error(p), p + ": shape 1048576x1048576 has a negative extent or "
                          "too many elements");
}

TEST_F(TensorFileTest, WriteErrorsNameTheFile) {
  std::string p = dir + "/no/such/dir/out.bin";
  EXPECT_EQ(writeTensorFile(p, Tensor<float>({1})),
            p + ": cannot create: No such file or directory");
  p = path("invalid.bin");
  EXPECT_EQ(writeTensorFile(p, Tensor<float>({2, 2}, {1})),
            p + ": tensor: shape 2x2 needs 4 elements but the buffer holds 1");
}

} // namespace

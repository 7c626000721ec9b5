//===- NpzTest.cpp - Tests of the .npz weights reader and writer ---------===//
//
// The fixtures in Inputs/npz were written by NumPy itself (Inputs/npz/make.py).

#include "kiln/runtime/Npz.h"
#include "kiln/runtime/File.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <string>

using namespace kiln::rt;

namespace {

std::string fixture(const std::string &name) {
  return std::string(KILN_SOURCE_DIR) + "/test/unit/Inputs/npz/" + name;
}

std::vector<uint8_t> bytesOf(const std::string &path) {
  std::vector<uint8_t> bytes;
  EXPECT_TRUE(readFile(path, "fixture", bytes)) << path;
  return bytes;
}

/// parseNpz() of the file at `path`.
Status readNpz(const std::string &path, std::vector<NamedTensor> &out) {
  std::vector<uint8_t> bytes;
  if (Status s = readFile(path, "weights", bytes); !s)
    return s;
  return parseNpz(path, bytes, out);
}

/// The arrays make.py saves, as float32.
void expectFixtureArrays(const std::vector<NamedTensor> &t) {
  ASSERT_EQ(t.size(), 3u);
  EXPECT_EQ(t[0].name, "conv2d/kernel");
  EXPECT_EQ(t[0].shape, (std::vector<int64_t>{2, 3}));
  EXPECT_EQ(t[0].data,
            (std::vector<float>{-0.5f, -0.25f, 0.0f, 0.25f, 0.5f, 0.75f}));
  EXPECT_EQ(t[1].name, "dense/bias");
  EXPECT_EQ(t[1].shape, (std::vector<int64_t>{3}));
  EXPECT_EQ(t[1].data, (std::vector<float>{1.5f, -2.25f, 3e-8f}));
  EXPECT_EQ(t[2].name, "scalar");
  EXPECT_TRUE(t[2].shape.empty());
  EXPECT_EQ(t[2].data, (std::vector<float>{7.0f}));
}

/// The message of a parse that must fail.
std::string failure(const std::vector<uint8_t> &bytes) {
  std::vector<NamedTensor> out;
  Status s = parseNpz("w.npz", bytes, out);
  EXPECT_FALSE(s);
  return s ? "" : s.message();
}

// Tests numpy.savez's output: stored members with ZIP64 local headers, a
// name with a slash, a scalar.
TEST(Npz, ReadsNumpySavez) {
  std::vector<NamedTensor> t;
  Status s = readNpz(fixture("savez.npz"), t);
  ASSERT_TRUE(s) << s.message();
  expectFixtureArrays(t);
}

// Tests numpy.savez_compressed's output (deflated members) of float64
// arrays, which are read as float32.
TEST(Npz, ReadsNumpySavezCompressedFloat64) {
  std::vector<NamedTensor> t;
  Status s = readNpz(fixture("savez_compressed_f8.npz"), t);
  ASSERT_TRUE(s) << s.message();
  expectFixtureArrays(t);
}

// Tests that what writeNpz writes reads back bit for bit, and that its
// members are laid out as numpy.savez lays them out (the .npy header padded
// to 64 bytes).
TEST(Npz, RoundTrip) {
  std::string dir =
      std::string(std::getenv("TMPDIR") ? std::getenv("TMPDIR") : "/tmp") +
      "/kiln-npz-XXXXXX";
  ASSERT_NE(mkdtemp(dir.data()), nullptr);
  std::vector<NamedTensor> in = {
      {"conv2d/kernel", {3, 3, 1, 2}, std::vector<float>(18, 0.5f)},
      {"dense/bias", {2}, {0.25f, -1.5f}},
      {"step", {}, {3.0f}}};
  in[0].data[7] = -1e-30f;
  std::string path = dir + "/w.npz";
  Status s = writeNpz(path, in);
  ASSERT_TRUE(s) << s.message();
  std::vector<NamedTensor> out;
  s = readNpz(path, out);
  std::system(("rm -rf '" + dir + "'").c_str());
  ASSERT_TRUE(s) << s.message();
  ASSERT_EQ(out.size(), in.size());
  for (size_t i = 0; i < in.size(); ++i) {
    EXPECT_EQ(out[i].name, in[i].name);
    EXPECT_EQ(out[i].shape, in[i].shape);
    EXPECT_EQ(out[i].data, in[i].data);
  }
}

// Tests that every truncation of a valid file is refused with a message,
// never read as weights or crashed on.
TEST(Npz, TruncatedFilesAreRefused) {
  for (const char *name : {"savez.npz", "savez_compressed_f8.npz"}) {
    std::vector<uint8_t> whole = bytesOf(fixture(name));
    for (size_t n = 0; n < whole.size(); ++n) {
      std::vector<uint8_t> cut(whole.begin(), whole.begin() + n);
      std::vector<NamedTensor> out;
      EXPECT_FALSE(parseNpz("w.npz", cut, out)) << name << " cut to " << n;
    }
  }
  EXPECT_NE(failure({}).find("w.npz: is truncated"), std::string::npos);
}

// Tests that a changed byte in a member's data is caught by its CRC-32.
TEST(Npz, CorruptDataIsRefused) {
  std::vector<uint8_t> bytes = bytesOf(fixture("savez.npz"));
  // The last element of conv2d/kernel, inside the first member's data.
  bytes[bytes.size() / 4] ^= 0x40;
  std::string message = failure(bytes);
  EXPECT_NE(message.find("is corrupt (CRC-32 mismatch)"), std::string::npos)
      << message;
}

// Tests that arrays Kiln cannot take as weights are named in the message.
TEST(Npz, UnsupportedArraysAreRefused) {
  std::string message = failure(bytesOf(fixture("int32.npz")));
  EXPECT_NE(message.find("w.npz: array 'steps' has dtype '<i4'"),
            std::string::npos)
      << message;
  message = failure(bytesOf(fixture("fortran.npz")));
  EXPECT_NE(message.find("w.npz: array 'w' is in Fortran order"),
            std::string::npos)
      << message;
  message = failure(bytesOf(fixture("make.py")));
  EXPECT_NE(message.find("not a ZIP archive"), std::string::npos) << message;
}

} // namespace

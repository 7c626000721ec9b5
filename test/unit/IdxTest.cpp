//===- IdxTest.cpp - IDX reading and Fashion-MNIST loading ----------------===//

#include "kiln/runtime/Idx.h"

#include "RuntimeTestUtil.h"

#include <gtest/gtest.h>
#include <zlib.h>

#include <array>
#include <cmath>

using namespace kiln::rt;
using kiln::test::contains;
using kiln::test::readBytes;
using kiln::test::ScratchDir;
using kiln::test::writeBytes;

namespace {

/// An unsigned-byte IDX file with `dims` and `data`.
std::vector<uint8_t> idxBytes(const std::vector<uint32_t> &dims,
                              const std::vector<uint8_t> &data,
                              uint8_t type = 0x08) {
  std::vector<uint8_t> b = {0, 0, type, static_cast<uint8_t>(dims.size())};
  for (uint32_t d : dims)
    for (int shift = 24; shift >= 0; shift -= 8)
      b.push_back(static_cast<uint8_t>(d >> shift));
  b.insert(b.end(), data.begin(), data.end());
  return b;
}

/// `bytes` as one gzip member.
std::vector<uint8_t> gzipBytes(const std::vector<uint8_t> &bytes) {
  z_stream zs{};
  EXPECT_EQ(
      deflateInit2(&zs, 6, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY),
      Z_OK);
  std::vector<uint8_t> out(deflateBound(&zs, bytes.size()) + 32);
  zs.next_in = const_cast<Bytef *>(bytes.data());
  zs.avail_in = static_cast<uInt>(bytes.size());
  zs.next_out = out.data();
  zs.avail_out = static_cast<uInt>(out.size());
  EXPECT_EQ(deflate(&zs, Z_FINISH), Z_STREAM_END);
  out.resize(zs.total_out);
  deflateEnd(&zs);
  return out;
}

/// A sequence 0, 1, 2, ... of `n` bytes (mod 256).
std::vector<uint8_t> ramp(size_t n) {
  std::vector<uint8_t> v(n);
  for (size_t i = 0; i < n; ++i)
    v[i] = static_cast<uint8_t>(i);
  return v;
}

// Tests that the real Fashion-MNIST test set loads with its known
// properties: 10,000 images of 28x28x1, 1,000 per class, its first labels,
// pixels in [0, 1] with the data set's mean, and the first image's pixels.
TEST(Idx, RealFashionMnistTestSet) {
  Dataset test;
  Status s = loadFashionMnist(FashionMnistSplit::Test, test);
  ASSERT_TRUE(s) << s.message();
  EXPECT_EQ(test.count, 10000);
  EXPECT_EQ(test.height, 28);
  EXPECT_EQ(test.width, 28);
  EXPECT_EQ(test.channels, 1);
  EXPECT_EQ(test.numClasses, 10);
  ASSERT_EQ(test.images.size(), 10000u * 28 * 28);
  ASSERT_EQ(test.labels.size(), 10000u);
  std::array<int, 10> histogram{};
  for (int32_t label : test.labels)
    ++histogram[label];
  for (int c = 0; c < 10; ++c)
    EXPECT_EQ(histogram[c], 1000) << "class " << c;
  EXPECT_EQ(std::vector<int32_t>(test.labels.begin(), test.labels.begin() + 10),
            (std::vector<int32_t>{9, 2, 1, 1, 6, 1, 4, 6, 5, 7}));
  double sum = 0;
  float lo = 1, hi = 0;
  for (float v : test.images) {
    sum += v;
    lo = std::min(lo, v);
    hi = std::max(hi, v);
  }
  EXPECT_EQ(lo, 0.0f);
  EXPECT_EQ(hi, 1.0f);
  EXPECT_NEAR(sum / test.images.size(), 0.286849, 1e-5);
  // Image 0 (an ankle boot): its byte sum is 33456; row 14, column 12 is 98.
  double first = 0;
  for (size_t i = 0; i < 784; ++i)
    first += test.images[i];
  EXPECT_NEAR(first * 255.0, 33456.0, 1e-2);
  EXPECT_EQ(test.images[14 * 28 + 12], 98.0f / 255.0f);
}

// Tests that the real training set holds 60,000 images, 6,000 per class, and
// that Keras' validation_split=0.2 leaves 48,000 training images: 750 steps
// of 64, as report 000 shows.
TEST(Idx, RealFashionMnistTrainSet) {
  Dataset train;
  Status s = loadFashionMnist(FashionMnistSplit::Train, train);
  ASSERT_TRUE(s) << s.message();
  EXPECT_EQ(train.count, 60000);
  std::array<int, 10> histogram{};
  for (int32_t label : train.labels)
    ++histogram[label];
  for (int c = 0; c < 10; ++c)
    EXPECT_EQ(histogram[c], 6000) << "class " << c;
  Dataset fit, val;
  ASSERT_TRUE(splitValidation(train, 0.2, fit, val));
  EXPECT_EQ(fit.count, 48000);
  EXPECT_EQ(val.count, 12000);
  EXPECT_EQ(EpochBatches(shuffledOrder(48000, 1, 0), 64).numBatches(), 750);
  // The validation part is the last 12,000 images, unshuffled: its class
  // counts are those of the file's tail.
  std::array<int, 10> valHistogram{};
  for (int32_t label : val.labels)
    ++valHistogram[label];
  EXPECT_EQ(valHistogram, (std::array<int, 10>{1236, 1206, 1232, 1204, 1215,
                                               1194, 1149, 1180, 1180, 1204}));
}

// Tests that Debian's file names are used for both splits.
TEST(Idx, FashionMnistFileNames) {
  IdxFilePair train = fashionMnistFiles(FashionMnistSplit::Train, "/d");
  EXPECT_EQ(train.images, "/d/train-images-idx3-ubyte.gz");
  EXPECT_EQ(train.labels, "/d/train-labels-idx1-ubyte.gz");
  IdxFilePair test = fashionMnistFiles(FashionMnistSplit::Test);
  EXPECT_EQ(test.images,
            "/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz");
  EXPECT_EQ(test.labels,
            "/usr/share/datasets/fashion-mnist/t10k-labels-idx1-ubyte.gz");
}

// Tests that plain and gzip'd IDX files (also two concatenated gzip
// members) read to the same extents and bytes.
TEST(Idx, PlainAndGzipAgree) {
  ScratchDir dir;
  std::vector<uint8_t> file = idxBytes({3, 4, 5}, ramp(60));
  writeBytes(dir.path("plain"), file);
  writeBytes(dir.path("gz"), gzipBytes(file));
  std::vector<uint8_t> head(file.begin(), file.begin() + 30);
  std::vector<uint8_t> tail(file.begin() + 30, file.end());
  std::vector<uint8_t> twoMembers = gzipBytes(head);
  std::vector<uint8_t> second = gzipBytes(tail);
  twoMembers.insert(twoMembers.end(), second.begin(), second.end());
  writeBytes(dir.path("gz2"), twoMembers);
  for (const char *name : {"plain", "gz", "gz2"}) {
    IdxArray a;
    Status s = readIdx(dir.path(name), a);
    ASSERT_TRUE(s) << s.message();
    EXPECT_EQ(a.dims, (std::vector<uint32_t>{3, 4, 5})) << name;
    EXPECT_EQ(a.data, ramp(60)) << name;
  }
}

// Tests that a missing file is reported with its path and the OS reason.
TEST(Idx, MissingFile) {
  IdxArray a;
  Status s = readIdx("/nonexistent/kiln/labels.gz", a);
  ASSERT_FALSE(s);
  EXPECT_TRUE(contains(s.message(), "/nonexistent/kiln/labels.gz: cannot open "
                                    "IDX file: No such file"))
      << s.message();
}

// Tests that data shorter or longer than the extents is refused.
TEST(Idx, TruncatedAndOverlongData) {
  ScratchDir dir;
  std::vector<uint8_t> file = idxBytes({10, 28, 28}, ramp(7000));
  writeBytes(dir.path("short.gz"), gzipBytes(file));
  IdxArray a;
  Status s = readIdx(dir.path("short.gz"), a);
  ASSERT_FALSE(s);
  EXPECT_TRUE(contains(s.message(), dir.path("short.gz") +
                                        ": truncated IDX data: extents "
                                        "10x28x28 need 7840 bytes, the file "
                                        "has 7000"))
      << s.message();

  writeBytes(dir.path("long"), idxBytes({2, 2}, ramp(6)));
  s = readIdx(dir.path("long"), a);
  ASSERT_FALSE(s);
  EXPECT_TRUE(contains(s.message(), "2 unexpected bytes after the IDX data"))
      << s.message();

  writeBytes(dir.path("header"), {0, 0, 8, 3, 0, 0});
  s = readIdx(dir.path("header"), a);
  ASSERT_FALSE(s);
  EXPECT_TRUE(contains(s.message(), "truncated IDX header")) << s.message();
}

// Tests that a gzip stream cut short (here the real label file, halved) is
// reported as truncated, not read as a short array.
TEST(Idx, TruncatedGzip) {
  std::vector<uint8_t> real =
      readBytes(fashionMnistFiles(FashionMnistSplit::Test).labels);
  ASSERT_GT(real.size(), 1000u);
  real.resize(real.size() / 2);
  ScratchDir dir;
  writeBytes(dir.path("half.gz"), real);
  IdxArray a;
  Status s = readIdx(dir.path("half.gz"), a);
  ASSERT_FALSE(s);
  EXPECT_TRUE(
      contains(s.message(), dir.path("half.gz") + ": gzip data is truncated"))
      << s.message();
}

// Tests that corrupt gzip data is reported with zlib's reason: a damaged
// CRC, a damaged header and garbage after the magic.
TEST(Idx, CorruptGzip) {
  ScratchDir dir;
  std::vector<uint8_t> good = gzipBytes(idxBytes({100}, ramp(100)));
  std::vector<uint8_t> badCrc = good;
  badCrc[badCrc.size() - 6] ^= 0xff; // inside the CRC-32 of the trailer
  writeBytes(dir.path("crc.gz"), badCrc);
  IdxArray a;
  Status s = readIdx(dir.path("crc.gz"), a);
  ASSERT_FALSE(s);
  EXPECT_TRUE(contains(s.message(), dir.path("crc.gz") +
                                        ": gzip data is corrupt: incorrect "
                                        "data check"))
      << s.message();

  std::vector<uint8_t> badMethod = good;
  badMethod[2] = 7; // compression method other than deflate
  writeBytes(dir.path("method.gz"), badMethod);
  s = readIdx(dir.path("method.gz"), a);
  ASSERT_FALSE(s);
  EXPECT_TRUE(contains(s.message(), "gzip data is corrupt: unknown "
                                    "compression method"))
      << s.message();

  std::vector<uint8_t> garbage = {0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3};
  for (int i = 0; i < 64; ++i)
    garbage.push_back(0xff);
  writeBytes(dir.path("garbage.gz"), garbage);
  s = readIdx(dir.path("garbage.gz"), a);
  ASSERT_FALSE(s);
  EXPECT_TRUE(contains(s.message(), "gzip data is corrupt")) << s.message();
}

// Tests that a file that is not IDX (bad magic) and an IDX file of another
// element type are refused with the bytes found.
TEST(Idx, BadMagicAndType) {
  ScratchDir dir;
  kiln::test::writeText(dir.path("text"), "hello, world");
  IdxArray a;
  Status s = readIdx(dir.path("text"), a);
  ASSERT_FALSE(s);
  EXPECT_TRUE(
      contains(s.message(), dir.path("text") + ": bad IDX magic 0x68656c6c"))
      << s.message();

  writeBytes(dir.path("float"), idxBytes({1}, {0, 0, 0, 0}, 0x0D));
  s = readIdx(dir.path("float"), a);
  ASSERT_FALSE(s);
  EXPECT_TRUE(contains(s.message(), "IDX element type 0x0D (float32) is not "
                                    "supported"))
      << s.message();
}

/// Writes an image and a label file into `dir` and loads them as 4x4x1
/// images of 3 classes.
Status loadPair(const ScratchDir &dir, const std::vector<uint32_t> &imageDims,
                const std::vector<uint8_t> &pixels,
                const std::vector<uint32_t> &labelDims,
                const std::vector<uint8_t> &labels, Dataset &out) {
  writeBytes(dir.path("images.gz"), gzipBytes(idxBytes(imageDims, pixels)));
  writeBytes(dir.path("labels"), idxBytes(labelDims, labels));
  return loadIdxDataset(dir.path("images.gz"), dir.path("labels"), 4, 4, 1, 3,
                        out);
}

// Tests that a small image/label pair loads scaled by 1/255 in NHWC order,
// and that rank-4 images with one channel are accepted too.
TEST(Idx, LoadsPair) {
  ScratchDir dir;
  std::vector<uint8_t> pixels = ramp(32);
  pixels[31] = 255;
  Dataset d;
  Status s = loadPair(dir, {2, 4, 4}, pixels, {2}, {2, 0}, d);
  ASSERT_TRUE(s) << s.message();
  EXPECT_EQ(d.count, 2);
  EXPECT_EQ(d.labels, (std::vector<int32_t>{2, 0}));
  EXPECT_EQ(d.image(1)[0], 16.0f / 255.0f);
  EXPECT_EQ(d.image(1)[15], 1.0f);
  EXPECT_EQ(d.images[5], 5.0f / 255.0f);

  s = loadPair(dir, {2, 4, 4, 1}, pixels, {2}, {1, 1}, d);
  ASSERT_TRUE(s) << s.message();
  EXPECT_EQ(d.count, 2);
}

// Tests the pair errors: wrong image extents, labels of rank 2, a count
// mismatch and a label out of range, each naming the offending file.
TEST(Idx, PairErrors) {
  ScratchDir dir;
  Dataset d;
  Status s = loadPair(dir, {2, 5, 4}, ramp(40), {2}, {0, 1}, d);
  ASSERT_FALSE(s);
  EXPECT_TRUE(contains(s.message(), dir.path("images.gz") +
                                        ": images have extents 2x5x4, "
                                        "expected N x 4x4"))
      << s.message();

  s = loadPair(dir, {2, 4, 4}, ramp(32), {2, 1}, {0, 1}, d);
  ASSERT_FALSE(s);
  EXPECT_TRUE(
      contains(s.message(), dir.path("labels") + ": labels have extents 2x1"))
      << s.message();

  s = loadPair(dir, {2, 4, 4}, ramp(32), {3}, {0, 1, 2}, d);
  ASSERT_FALSE(s);
  EXPECT_TRUE(contains(s.message(), dir.path("labels") + ": has 3 labels but " +
                                        dir.path("images.gz") +
                                        " has 2 images"))
      << s.message();

  s = loadPair(dir, {2, 4, 4}, ramp(32), {2}, {0, 3}, d);
  ASSERT_FALSE(s);
  EXPECT_TRUE(contains(s.message(), dir.path("labels") +
                                        ": label 3 of sample 1 is out of "
                                        "range [0, 3)"))
      << s.message();
  EXPECT_EQ(d.count, 0) << "a failed load leaves the output untouched";
}

// Tests a label selection (data { select = [7, 2] }): only samples labelled
// 7 or 2 stay, in file order, relabelled 0 and 1 in the list's order, with
// their own pixels; labels outside the list are dropped whatever their
// value; a selection that keeps nothing is an error naming the file.
TEST(Idx, SelectLabels) {
  ScratchDir dir;
  writeBytes(dir.path("images"), idxBytes({4, 2, 2}, ramp(16)));
  writeBytes(dir.path("labels"), idxBytes({4}, {2, 9, 7, 2}));
  Dataset d;
  Status s = loadIdxDataset(dir.path("images"), dir.path("labels"), 2, 2, 1, 2,
                            d, {7, 2});
  ASSERT_TRUE(s) << s.message();
  EXPECT_EQ(d.count, 3);
  EXPECT_EQ(d.numClasses, 2);
  EXPECT_EQ(d.labels, (std::vector<int32_t>{1, 0, 1}));
  EXPECT_EQ(d.images.size(), 12u);
  EXPECT_EQ(d.image(1)[0], 8.0f / 255.0f) << "sample 2 of the file";
  EXPECT_EQ(d.image(2)[3], 15.0f / 255.0f) << "sample 3 of the file";

  s = loadIdxDataset(dir.path("images"), dir.path("labels"), 2, 2, 1, 2, d,
                     {0, 1});
  ASSERT_FALSE(s);
  EXPECT_TRUE(contains(s.message(), dir.path("labels") +
                                        ": no sample has one of the model's "
                                        "selected labels"))
      << s.message();
}

} // namespace

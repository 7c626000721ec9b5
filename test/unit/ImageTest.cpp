//===- ImageTest.cpp - PGM/PPM/PNG reading for inference ------------------===//

#include "kiln/runtime/Image.h"
#include "kiln/runtime/Idx.h"

#include "RuntimeTestUtil.h"

#include <gtest/gtest.h>
#include <png.h>

#include <csetjmp>

using namespace kiln::rt;
using kiln::test::contains;
using kiln::test::readBytes;
using kiln::test::ScratchDir;
using kiln::test::writeBytes;
using kiln::test::writeText;

namespace {

/// Encodes a PNG with libpng directly (not through the runtime), so the
/// reader is tested on files it did not write. `samples` holds
/// width x height x channels values of `bitDepth` bits; for a palette image
/// they are indices into `palette` (RGB triples).
std::vector<uint8_t> encodePng(int width, int height, int colorType,
                               int bitDepth,
                               const std::vector<uint16_t> &samples,
                               bool interlace = false,
                               const std::vector<png_color> &palette = {}) {
  int channels = colorType == PNG_COLOR_TYPE_GRAY         ? 1
                 : colorType == PNG_COLOR_TYPE_GRAY_ALPHA ? 2
                 : colorType == PNG_COLOR_TYPE_RGB        ? 3
                 : colorType == PNG_COLOR_TYPE_RGB_ALPHA  ? 4
                                                          : 1;
  // Pack the samples into rows as PNG stores them (MSB first, big-endian).
  size_t rowBits = size_t(width) * channels * bitDepth;
  size_t rowBytes = (rowBits + 7) / 8;
  std::vector<uint8_t> packed(rowBytes * height, 0);
  for (int y = 0; y < height; ++y)
    for (int i = 0; i < width * channels; ++i) {
      uint16_t v = samples[size_t(y) * width * channels + i];
      uint8_t *row = packed.data() + y * rowBytes;
      if (bitDepth == 16) {
        row[2 * i] = uint8_t(v >> 8);
        row[2 * i + 1] = uint8_t(v);
      } else if (bitDepth == 8) {
        row[i] = uint8_t(v);
      } else {
        size_t bit = size_t(i) * bitDepth;
        row[bit / 8] |= uint8_t(v << (8 - bitDepth - bit % 8));
      }
    }
  std::vector<uint8_t> out;
  png_structp png =
      png_create_write_struct(PNG_LIBPNG_VER_STRING, nullptr, nullptr, nullptr);
  png_infop info = png_create_info_struct(png);
  if (setjmp(png_jmpbuf(png))) {
    ADD_FAILURE() << "libpng failed to encode the test image";
    png_destroy_write_struct(&png, &info);
    return {};
  }
  png_set_write_fn(
      png, &out,
      [](png_structp p, png_bytep data, size_t n) {
        auto *o = static_cast<std::vector<uint8_t> *>(png_get_io_ptr(p));
        o->insert(o->end(), data, data + n);
      },
      nullptr);
  png_set_IHDR(png, info, width, height, bitDepth, colorType,
               interlace ? PNG_INTERLACE_ADAM7 : PNG_INTERLACE_NONE,
               PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
  if (!palette.empty())
    png_set_PLTE(png, info, palette.data(), static_cast<int>(palette.size()));
  std::vector<png_bytep> rows(height);
  for (int y = 0; y < height; ++y)
    rows[y] = packed.data() + y * rowBytes;
  png_write_info(png, info);
  png_write_image(png, rows.data());
  png_write_end(png, nullptr);
  png_destroy_write_struct(&png, &info);
  return out;
}

/// width x height samples k * 255 / (n - 1) style ramp of `channels`.
std::vector<uint16_t> pattern(int width, int height, int channels,
                              uint16_t modulus = 256) {
  std::vector<uint16_t> v(size_t(width) * height * channels);
  for (size_t i = 0; i < v.size(); ++i)
    v[i] = static_cast<uint16_t>((i * 37 + 11) % modulus);
  return v;
}

// Tests that a real Fashion-MNIST test image survives writePng and writePnm
// and reads back bit-exactly as the data set holds it.
TEST(Image, RealImageRoundTrips) {
  Dataset test;
  ASSERT_TRUE(loadFashionMnist(FashionMnistSplit::Test, test));
  Image img{28, 28, 1,
            std::vector<float>(test.image(0), test.image(0) + 28 * 28)};
  ScratchDir dir;
  ASSERT_TRUE(writePng(dir.path("boot.png"), img));
  ASSERT_TRUE(writePnm(dir.path("boot.pgm"), img));
  for (const char *name : {"boot.png", "boot.pgm"}) {
    Image back;
    Status s = readImage(dir.path(name), 28, 28, 1, back);
    ASSERT_TRUE(s) << s.message();
    EXPECT_EQ(back.height, 28);
    EXPECT_EQ(back.width, 28);
    EXPECT_EQ(back.channels, 1);
    EXPECT_EQ(back.data, img.data) << name;
  }
}

// Tests 8-bit grey PNG decoding, also interlaced (Adam7) and at 1-bit and
// 16-bit depths, each scaled to [0, 1].
TEST(Image, GreyPngDepths) {
  ScratchDir dir;
  std::vector<uint16_t> grey = pattern(5, 3, 1);
  writeBytes(dir.path("g8.png"), encodePng(5, 3, PNG_COLOR_TYPE_GRAY, 8, grey));
  writeBytes(dir.path("g8i.png"),
             encodePng(5, 3, PNG_COLOR_TYPE_GRAY, 8, grey, true));
  for (const char *name : {"g8.png", "g8i.png"}) {
    Image img;
    Status s = readImage(dir.path(name), 3, 5, 1, img);
    ASSERT_TRUE(s) << s.message();
    ASSERT_EQ(img.data.size(), 15u);
    for (size_t i = 0; i < 15; ++i)
      EXPECT_EQ(img.data[i], grey[i] / 255.0f) << name << " sample " << i;
  }

  std::vector<uint16_t> bits = {1, 0, 1, 1, 0, 0, 0, 1};
  writeBytes(dir.path("g1.png"), encodePng(4, 2, PNG_COLOR_TYPE_GRAY, 1, bits));
  Image img;
  ASSERT_TRUE(readImage(dir.path("g1.png"), 2, 4, 1, img));
  for (size_t i = 0; i < bits.size(); ++i)
    EXPECT_EQ(img.data[i], bits[i] ? 1.0f : 0.0f) << i;

  std::vector<uint16_t> deep = {0, 65535, 257 * 128, 257 * 7};
  writeBytes(dir.path("g16.png"),
             encodePng(2, 2, PNG_COLOR_TYPE_GRAY, 16, deep));
  ASSERT_TRUE(readImage(dir.path("g16.png"), 2, 2, 1, img));
  EXPECT_EQ(img.data,
            (std::vector<float>{0.0f, 1.0f, 128 / 255.0f, 7 / 255.0f}));
}

// Tests colour handling: RGB kept for a 3-channel model, turned into ITU-R
// 601-2 luma for a 1-channel model; alpha dropped; a palette expanded; grey
// replicated for a 3-channel model.
TEST(Image, ColourConversion) {
  ScratchDir dir;
  std::vector<uint16_t> rgb = pattern(4, 2, 3);
  writeBytes(dir.path("rgb.png"), encodePng(4, 2, PNG_COLOR_TYPE_RGB, 8, rgb));
  Image colour, grey;
  ASSERT_TRUE(readImage(dir.path("rgb.png"), 2, 4, 3, colour));
  ASSERT_TRUE(readImage(dir.path("rgb.png"), 2, 4, 1, grey));
  ASSERT_EQ(colour.data.size(), 24u);
  ASSERT_EQ(grey.data.size(), 8u);
  for (size_t p = 0; p < 8; ++p) {
    for (int c = 0; c < 3; ++c)
      EXPECT_EQ(colour.data[3 * p + c], rgb[3 * p + c] / 255.0f);
    double luma =
        (0.299 * rgb[3 * p] + 0.587 * rgb[3 * p + 1] + 0.114 * rgb[3 * p + 2]) /
        255.0;
    EXPECT_NEAR(grey.data[p], luma, 1e-6) << "pixel " << p;
  }

  // RGBA with the same colours and varying alpha reads as the RGB image.
  std::vector<uint16_t> rgba;
  for (size_t p = 0; p < 8; ++p) {
    rgba.insert(rgba.end(), rgb.begin() + 3 * p, rgb.begin() + 3 * p + 3);
    rgba.push_back(static_cast<uint16_t>(p * 30));
  }
  writeBytes(dir.path("rgba.png"),
             encodePng(4, 2, PNG_COLOR_TYPE_RGB_ALPHA, 8, rgba));
  Image fromRgba;
  ASSERT_TRUE(readImage(dir.path("rgba.png"), 2, 4, 1, fromRgba));
  EXPECT_EQ(fromRgba.data, grey.data);

  std::vector<png_color> palette = {{255, 0, 0}, {0, 255, 0}, {10, 20, 30}};
  writeBytes(dir.path("pal.png"), encodePng(3, 1, PNG_COLOR_TYPE_PALETTE, 8,
                                            {2, 0, 1}, false, palette));
  Image pal;
  ASSERT_TRUE(readImage(dir.path("pal.png"), 1, 3, 3, pal));
  EXPECT_EQ(pal.data, (std::vector<float>{10 / 255.0f, 20 / 255.0f, 30 / 255.0f,
                                          1, 0, 0, 0, 1, 0}));

  std::vector<uint16_t> g = {0, 51, 255};
  writeBytes(dir.path("g.png"), encodePng(3, 1, PNG_COLOR_TYPE_GRAY, 8, g));
  Image replicated;
  ASSERT_TRUE(readImage(dir.path("g.png"), 1, 3, 3, replicated));
  EXPECT_EQ(replicated.data,
            (std::vector<float>{0, 0, 0, 0.2f, 0.2f, 0.2f, 1, 1, 1}));
}

// Tests binary PGM with comments and a small maxval, 16-bit PGM, and PPM.
TEST(Image, Netpbm) {
  ScratchDir dir;
  std::string pgm = "P5\n# made by hand\n3 # width\n2\n15\n";
  for (char v : {0, 3, 5, 15, 1, 10})
    pgm.push_back(v);
  writeText(dir.path("a.pgm"), pgm);
  Image img;
  Status s = readImage(dir.path("a.pgm"), 2, 3, 1, img);
  ASSERT_TRUE(s) << s.message();
  EXPECT_EQ(img.data,
            (std::vector<float>{0, 0.2f, 1 / 3.0f, 1, 1 / 15.0f, 2 / 3.0f}));

  std::vector<uint8_t> deep = {'P', '5', ' ', '2',  ' ',  '1',  ' ',  '1',
                               '0', '0', '0', '\n', 0x03, 0xE8, 0x01, 0xF4};
  writeBytes(dir.path("deep.pgm"), deep);
  ASSERT_TRUE(readImage(dir.path("deep.pgm"), 1, 2, 1, img));
  EXPECT_EQ(img.data, (std::vector<float>{1.0f, 0.5f}));

  Image rgb{1, 2, 3, {0, 0.2f, 0.4f, 0.6f, 0.8f, 1}};
  ASSERT_TRUE(writePnm(dir.path("c.ppm"), rgb));
  EXPECT_EQ(readBytes(dir.path("c.ppm")).size(), 11u + 6u);
  ASSERT_TRUE(readImage(dir.path("c.ppm"), 1, 2, 3, img));
  EXPECT_EQ(img.data, rgb.data);
}

// Tests that an image of another size than the model's input is refused
// (never resized), naming both sizes.
TEST(Image, SizeMismatch) {
  ScratchDir dir;
  Image img{32, 30, 1, std::vector<float>(32 * 30, 0.5f)};
  ASSERT_TRUE(writePng(dir.path("big.png"), img));
  Image out;
  Status s = readImage(dir.path("big.png"), 28, 28, 1, out);
  ASSERT_FALSE(s);
  EXPECT_EQ(s.message(), dir.path("big.png") +
                             ": image is 30x32 (width x height) but the model "
                             "takes 28x28; images are not resized");
}

// Tests that truncated and corrupt PNG and PGM files are refused with the
// reason, never read as partial images.
TEST(Image, TruncatedAndCorrupt) {
  ScratchDir dir;
  std::vector<uint8_t> good =
      encodePng(28, 28, PNG_COLOR_TYPE_GRAY, 8, pattern(28, 28, 1));
  Image out;

  std::vector<uint8_t> half(good.begin(), good.begin() + good.size() / 2);
  writeBytes(dir.path("half.png"), half);
  Status s = readImage(dir.path("half.png"), 28, 28, 1, out);
  ASSERT_FALSE(s);
  EXPECT_EQ(s.message(),
            dir.path("half.png") + ": corrupt PNG: file is truncated");

  // Cutting only the final IEND chunk still fails: the file is incomplete.
  std::vector<uint8_t> noEnd(good.begin(), good.end() - 12);
  writeBytes(dir.path("noend.png"), noEnd);
  s = readImage(dir.path("noend.png"), 28, 28, 1, out);
  ASSERT_FALSE(s);
  EXPECT_TRUE(contains(s.message(), "file is truncated")) << s.message();

  std::vector<uint8_t> flipped = good;
  std::string text(good.begin(), good.end());
  size_t idat = text.find("IDAT");
  ASSERT_NE(idat, std::string::npos);
  flipped[idat + 6] ^= 0x55; // inside IDAT's compressed data
  writeBytes(dir.path("flip.png"), flipped);
  s = readImage(dir.path("flip.png"), 28, 28, 1, out);
  ASSERT_FALSE(s);
  EXPECT_TRUE(
      contains(s.message(), dir.path("flip.png") + ": corrupt PNG: IDAT: "))
      << s.message();

  std::vector<uint8_t> badCrc = good;
  size_t idatLength = size_t(good[idat - 4]) << 24 |
                      size_t(good[idat - 3]) << 16 |
                      size_t(good[idat - 2]) << 8 | good[idat - 1];
  badCrc[idat + 4 + idatLength] ^= 0x01; // IDAT's CRC-32
  writeBytes(dir.path("crc.png"), badCrc);
  s = readImage(dir.path("crc.png"), 28, 28, 1, out);
  ASSERT_FALSE(s);
  EXPECT_EQ(s.message(),
            dir.path("crc.png") + ": corrupt PNG: IDAT: CRC error");

  writeText(dir.path("short.pgm"), "P5 28 28 255\n" + std::string(100, 'x'));
  s = readImage(dir.path("short.pgm"), 28, 28, 1, out);
  ASSERT_FALSE(s);
  EXPECT_EQ(s.message(), dir.path("short.pgm") +
                             ": truncated PGM data: 28x28 needs 784 bytes, "
                             "the file has 100");

  writeText(dir.path("header.pgm"), "P5 28 ");
  s = readImage(dir.path("header.pgm"), 28, 28, 1, out);
  ASSERT_FALSE(s);
  EXPECT_EQ(s.message(),
            dir.path("header.pgm") + ": truncated or malformed PGM header");

  writeText(dir.path("maxval.pgm"), "P5 1 1 70000\n\x01\x02");
  s = readImage(dir.path("maxval.pgm"), 1, 1, 1, out);
  ASSERT_FALSE(s);
  EXPECT_TRUE(contains(s.message(), "PGM maxval 70000 is outside 1..65535"))
      << s.message();

  writeText(dir.path("over.pgm"), "P5 2 1 9\n\x03\x0a");
  s = readImage(dir.path("over.pgm"), 1, 2, 1, out);
  ASSERT_FALSE(s);
  EXPECT_TRUE(contains(s.message(), "PGM sample 10 at offset 1 exceeds "
                                    "maxval 9"))
      << s.message();
}

// Tests that unsupported formats are named, unknown content is refused, and
// a missing file or an unsupported channel count is reported.
TEST(Image, UnsupportedInput) {
  ScratchDir dir;
  Image out;
  writeBytes(dir.path("x.jpg"), {0xff, 0xd8, 0xff, 0xe0, 0, 0x10, 'J', 'F'});
  Status s = readImage(dir.path("x.jpg"), 28, 28, 1, out);
  ASSERT_FALSE(s);
  EXPECT_EQ(s.message(), dir.path("x.jpg") +
                             ": JPEG images are not supported; use PNG or "
                             "binary PGM/PPM (P5/P6)");

  writeText(dir.path("ascii.pgm"), "P2 1 1 255 7\n");
  s = readImage(dir.path("ascii.pgm"), 1, 1, 1, out);
  ASSERT_FALSE(s);
  EXPECT_TRUE(contains(s.message(), "ASCII PGM/PPM (P2/P3) images are not "
                                    "supported"))
      << s.message();

  writeText(dir.path("notes.png"), "just some text, not a picture");
  s = readImage(dir.path("notes.png"), 28, 28, 1, out);
  ASSERT_FALSE(s);
  EXPECT_EQ(s.message(), dir.path("notes.png") +
                             ": not a PNG or binary PGM/PPM image "
                             "(unrecognised content)");

  s = readImage(dir.path("absent.png"), 28, 28, 1, out);
  ASSERT_FALSE(s);
  EXPECT_TRUE(contains(s.message(), dir.path("absent.png") +
                                        ": cannot open image: No such file"))
      << s.message();

  s = readImage(dir.path("absent.png"), 28, 28, 4, out);
  ASSERT_FALSE(s);
  EXPECT_TRUE(contains(s.message(), "the model takes 4-channel images"))
      << s.message();

  Image bad{2, 2, 2, std::vector<float>(8, 0.0f)};
  s = writePng(dir.path("bad.png"), bad);
  ASSERT_FALSE(s);
  EXPECT_TRUE(contains(s.message(), "1 or 3 channels only")) << s.message();
}

} // namespace

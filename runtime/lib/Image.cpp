//===- Image.cpp - Image files for inference ------------------------------===//

#include "kiln/runtime/Image.h"

#include "kiln/runtime/File.h"

#ifndef KILN_NO_PNG
#include <png.h>
#endif

#include <algorithm>
#include <cctype>
#include <cmath>
#include <csetjmp>
#include <cstdint>
#include <cstdio>
#include <cstring>

namespace kiln {
namespace rt {

namespace {

/// A decoded image before it is fitted to the model: 1 (grey) or 3 (RGB)
/// channels, values in [0, 1].
struct Decoded {
  int height = 0;
  int width = 0;
  int channels = 0;
  std::vector<float> data;
};

/// Images larger than this are refused before any allocation: no model
/// input is near it, and a corrupt header must not exhaust memory.
constexpr uint64_t kMaxPixels = uint64_t(1) << 26;

//===----------------------------------------------------------------------===//
// Netpbm (P5 grey, P6 RGB)
//===----------------------------------------------------------------------===//

/// Reads the next header token (a decimal number) after whitespace and
/// '#' comments. Returns false at the end of the data or on a non-digit.
bool pnmNumber(const std::vector<uint8_t> &b, size_t &pos, uint64_t &value) {
  for (;;) {
    while (pos < b.size() && std::isspace(b[pos]))
      ++pos;
    if (pos < b.size() && b[pos] == '#') {
      while (pos < b.size() && b[pos] != '\n' && b[pos] != '\r')
        ++pos;
      continue;
    }
    break;
  }
  if (pos >= b.size() || !std::isdigit(b[pos]))
    return false;
  value = 0;
  while (pos < b.size() && std::isdigit(b[pos])) {
    value = value * 10 + (b[pos++] - '0');
    if (value > 0xffffffffu)
      return false;
  }
  return true;
}

/// Decodes a binary PGM (P5) or PPM (P6) image whose magic was checked.
Status decodePnm(const std::string &path, const std::vector<uint8_t> &b,
                 Decoded &out) {
  int channels = b[1] == '5' ? 1 : 3;
  const char *kind = channels == 1 ? "PGM" : "PPM";
  size_t pos = 2;
  uint64_t width, height, maxval;
  if (!pnmNumber(b, pos, width) || !pnmNumber(b, pos, height) ||
      !pnmNumber(b, pos, maxval))
    return Status::fileError(path, std::string("truncated or malformed ") +
                                       kind + " header");
  if (width == 0 || height == 0 || width * height > kMaxPixels)
    return Status::fileError(
        path, std::string(kind) + " size " + std::to_string(width) + "x" +
                  std::to_string(height) + " is empty or too large");
  if (maxval == 0 || maxval > 65535)
    return Status::fileError(path, std::string(kind) + " maxval " +
                                       std::to_string(maxval) +
                                       " is outside 1..65535");
  // Exactly one whitespace character separates the header from the samples.
  if (pos >= b.size() || !std::isspace(b[pos]))
    return Status::fileError(path, std::string("truncated or malformed ") +
                                       kind + " header");
  ++pos;
  size_t bytesPerSample = maxval > 255 ? 2 : 1;
  size_t samples = size_t(width) * height * channels;
  size_t need = samples * bytesPerSample;
  if (b.size() - pos < need)
    return Status::fileError(
        path, std::string("truncated ") + kind +
                  " data: " + std::to_string(width) + "x" +
                  std::to_string(height) + " needs " + std::to_string(need) +
                  " bytes, the file has " + std::to_string(b.size() - pos));
  Decoded d;
  d.height = static_cast<int>(height);
  d.width = static_cast<int>(width);
  d.channels = channels;
  d.data.resize(samples);
  const uint8_t *p = b.data() + pos;
  for (size_t i = 0; i < samples; ++i) {
    uint32_t v =
        bytesPerSample == 1 ? p[i] : uint32_t(p[2 * i]) << 8 | p[2 * i + 1];
    if (v > maxval)
      return Status::fileError(
          path, std::string(kind) + " sample " + std::to_string(v) +
                    " at offset " + std::to_string(i) + " exceeds maxval " +
                    std::to_string(maxval));
    d.data[i] = static_cast<float>(v) / static_cast<float>(maxval);
  }
  // Bytes after the first image are ignored: Netpbm files may hold several.
  out = std::move(d);
  return Status::ok();
}

//===----------------------------------------------------------------------===//
// PNG (libpng)
//===----------------------------------------------------------------------===//

#ifdef KILN_NO_PNG
/// Why PNG files fail in a runtime built without libpng.
constexpr const char *kNoPngMessage =
    "this build of the Kiln runtime has no PNG support (it was built "
    "without libpng for this architecture); use a binary PGM/PPM image";
#else

/// What libpng's callbacks need: the bytes being read and room for the
/// error message, which outlives libpng's longjmp.
struct PngSource {
  const uint8_t *data;
  size_t size;
  size_t pos;
  char message[256];
};

/// libpng's error callback: keeps the message and jumps back to
/// pngGuarded().
[[noreturn]] void pngError(png_structp png, png_const_charp msg) {
  auto *src = static_cast<PngSource *>(png_get_error_ptr(png));
  std::snprintf(src->message, sizeof(src->message), "%s", msg);
  png_longjmp(png, 1);
}

/// libpng's warning callback: warnings about ancillary chunks are ignored.
void pngWarning(png_structp, png_const_charp) {}

/// libpng's read callback over the file's bytes; running out is an error.
void pngRead(png_structp png, png_bytep out, size_t n) {
  auto *src = static_cast<PngSource *>(png_get_io_ptr(png));
  if (src->size - src->pos < n)
    png_error(png, "file is truncated");
  std::memcpy(out, src->data + src->pos, n);
  src->pos += n;
}

/// Runs `f` with libpng's error jump target set; false when libpng reported
/// an error (the message is in the PngSource). `f` must not own objects with
/// destructors, since the jump skips them.
template <typename F> bool pngGuarded(png_structp png, F &&f) {
  if (setjmp(png_jmpbuf(png)))
    return false;
  f();
  return true;
}

/// Owns libpng's read structures.
class PngReader {
public:
  explicit PngReader(PngSource &src) {
    png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &src, pngError,
                                 pngWarning);
    if (png)
      info = png_create_info_struct(png);
    if (png && info)
      png_set_read_fn(png, &src, pngRead);
  }
  ~PngReader() { png_destroy_read_struct(&png, &info, nullptr); }
  PngReader(const PngReader &) = delete;
  PngReader &operator=(const PngReader &) = delete;
  png_structp png = nullptr;
  png_infop info = nullptr;
};

/// Decodes a PNG image whose signature was checked.
Status decodePng(const std::string &path, const std::vector<uint8_t> &b,
                 Decoded &out) {
  PngSource src{b.data(), b.size(), 0, {}};
  PngReader reader(src);
  if (!reader.png || !reader.info)
    return Status::fileError(path, "cannot initialise libpng");
  png_structp png = reader.png;
  png_infop info = reader.info;
  png_uint_32 width = 0, height = 0;
  size_t rowBytes = 0;
  int channels = 0;
  // Normalise every colour type to 8-bit grey or RGB: palettes expand to
  // RGB, low bit depths widen, 16 bits scale down, alpha (and any tRNS
  // transparency) is dropped as PIL's convert() drops it.
  bool ok = pngGuarded(png, [&] {
    png_read_info(png, info);
    width = png_get_image_width(png, info);
    height = png_get_image_height(png, info);
    png_byte colorType = png_get_color_type(png, info);
    if (colorType == PNG_COLOR_TYPE_PALETTE)
      png_set_palette_to_rgb(png);
    if (colorType == PNG_COLOR_TYPE_GRAY && png_get_bit_depth(png, info) < 8)
      png_set_expand_gray_1_2_4_to_8(png);
    png_set_scale_16(png);
    png_set_strip_alpha(png);
    png_set_interlace_handling(png);
    png_read_update_info(png, info);
    channels = png_get_channels(png, info);
    rowBytes = png_get_rowbytes(png, info);
  });
  if (!ok)
    return Status::fileError(path, std::string("corrupt PNG: ") + src.message);
  if (uint64_t(width) * height > kMaxPixels)
    return Status::fileError(path, "PNG size " + std::to_string(width) + "x" +
                                       std::to_string(height) +
                                       " is too large");
  if ((channels != 1 && channels != 3) || rowBytes != size_t(width) * channels)
    return Status::fileError(path, "PNG layout (" + std::to_string(channels) +
                                       " channels) is not supported");
  std::vector<uint8_t> pixels(rowBytes * height);
  std::vector<png_bytep> rows(height);
  for (png_uint_32 y = 0; y < height; ++y)
    rows[y] = pixels.data() + y * rowBytes;
  png_bytepp rowPointers = rows.data();
  // Reading to IEND also checks that nothing after the pixels is truncated.
  ok = pngGuarded(png, [&] {
    png_read_image(png, rowPointers);
    png_read_end(png, nullptr);
  });
  if (!ok)
    return Status::fileError(path, std::string("corrupt PNG: ") + src.message);
  Decoded d;
  d.height = static_cast<int>(height);
  d.width = static_cast<int>(width);
  d.channels = channels;
  d.data.resize(pixels.size());
  for (size_t i = 0; i < pixels.size(); ++i)
    d.data[i] = static_cast<float>(pixels[i]) / 255.0f;
  out = std::move(d);
  return Status::ok();
}

#endif // KILN_NO_PNG

/// Names a format we recognise but do not read, or returns null.
const char *unsupportedFormat(const std::vector<uint8_t> &b) {
  auto startsWith = [&](const char *magic, size_t n) {
    return b.size() >= n && std::memcmp(b.data(), magic, n) == 0;
  };
  if (startsWith("\xff\xd8\xff", 3))
    return "JPEG";
  if (startsWith("GIF8", 4))
    return "GIF";
  if (startsWith("BM", 2))
    return "BMP";
  if (startsWith("II*\0", 4) || startsWith("MM\0*", 4))
    return "TIFF";
  if (startsWith("RIFF", 4) && b.size() >= 12 &&
      std::memcmp(b.data() + 8, "WEBP", 4) == 0)
    return "WebP";
  if (startsWith("P1", 2) || startsWith("P4", 2))
    return "bitmap PBM (P1/P4)";
  if (startsWith("P2", 2) || startsWith("P3", 2))
    return "ASCII PGM/PPM (P2/P3)";
  return nullptr;
}

/// Quantises a [0, 1] value to 8 bits.
uint8_t toByte(float v) {
  return static_cast<uint8_t>(std::lround(std::clamp(v, 0.0f, 1.0f) * 255.0f));
}

/// Checks that `image` can be written as 8-bit grey or RGB.
Status checkWritable(const std::string &path, const Image &image) {
  if ((image.channels != 1 && image.channels != 3) || image.height <= 0 ||
      image.width <= 0 ||
      image.data.size() != size_t(image.height) * image.width * image.channels)
    return Status::fileError(
        path, "cannot write a " + std::to_string(image.height) + "x" +
                  std::to_string(image.width) + "x" +
                  std::to_string(image.channels) + " image holding " +
                  std::to_string(image.data.size()) +
                  " values (1 or 3 channels only)");
  return Status::ok();
}

#ifndef KILN_NO_PNG
/// Appends libpng's output to a byte vector.
void pngWrite(png_structp png, png_bytep data, size_t n) {
  auto *out = static_cast<std::vector<uint8_t> *>(png_get_io_ptr(png));
  out->insert(out->end(), data, data + n);
}

/// libpng's flush callback: nothing to flush in memory.
void pngFlush(png_structp) {}

#endif // KILN_NO_PNG

} // namespace

Status readImage(const std::string &path, int height, int width, int channels,
                 Image &out) {
  if (channels != 1 && channels != 3)
    return Status::fileError(path, "the model takes " +
                                       std::to_string(channels) +
                                       "-channel images; only 1 (grey) or 3 "
                                       "(RGB) can be read from image files");
  std::vector<uint8_t> bytes;
  if (Status s = readFile(path, "image", bytes); !s)
    return s;
  return decodeImage(path, bytes, height, width, channels, out);
}

Status decodeImage(const std::string &path, const std::vector<uint8_t> &bytes,
                   int height, int width, int channels, Image &out) {
  if (channels != 1 && channels != 3)
    return Status::fileError(path, "the model takes " +
                                       std::to_string(channels) +
                                       "-channel images; only 1 (grey) or 3 "
                                       "(RGB) can be read from image files");
  Decoded d;
  if (bytes.size() >= 8 && !std::memcmp(bytes.data(), "\x89PNG\r\n\x1a\n", 8)) {
#ifdef KILN_NO_PNG
    return Status::fileError(path, kNoPngMessage);
#else
    if (Status s = decodePng(path, bytes, d); !s)
      return s;
#endif
  } else if (bytes.size() >= 2 && bytes[0] == 'P' &&
             (bytes[1] == '5' || bytes[1] == '6')) {
    if (Status s = decodePnm(path, bytes, d); !s)
      return s;
  } else if (const char *format = unsupportedFormat(bytes)) {
    return Status::fileError(path, std::string(format) +
                                       " images are not supported; use PNG "
                                       "or binary PGM/PPM (P5/P6)");
  } else {
    return Status::fileError(path, "not a PNG or binary PGM/PPM image "
                                   "(unrecognised content)");
  }
  if (d.height != height || d.width != width)
    return Status::fileError(path, "image is " + std::to_string(d.width) + "x" +
                                       std::to_string(d.height) +
                                       " (width x height) but the model "
                                       "takes " +
                                       std::to_string(width) + "x" +
                                       std::to_string(height) +
                                       "; images are not resized");
  Image img;
  img.height = height;
  img.width = width;
  img.channels = channels;
  size_t pixels = size_t(height) * width;
  if (d.channels == channels) {
    img.data = std::move(d.data);
  } else if (channels == 1) {
    img.data.resize(pixels);
    for (size_t i = 0; i < pixels; ++i) {
      const float *rgb = d.data.data() + 3 * i;
      img.data[i] = 0.299f * rgb[0] + 0.587f * rgb[1] + 0.114f * rgb[2];
    }
  } else {
    img.data.resize(pixels * 3);
    for (size_t i = 0; i < pixels; ++i)
      std::fill_n(img.data.data() + 3 * i, 3, d.data[i]);
  }
  out = std::move(img);
  return Status::ok();
}

Status writePng(const std::string &path, const Image &image) {
  if (Status s = checkWritable(path, image); !s)
    return s;
#ifdef KILN_NO_PNG
  return Status::fileError(path, kNoPngMessage);
#else
  std::vector<uint8_t> pixels(image.data.size());
  std::transform(image.data.begin(), image.data.end(), pixels.begin(), toByte);
  size_t rowBytes = size_t(image.width) * image.channels;
  std::vector<png_bytep> rows(image.height);
  for (int y = 0; y < image.height; ++y)
    rows[y] = pixels.data() + y * rowBytes;
  std::vector<uint8_t> encoded;
  PngSource errors{nullptr, 0, 0, {}};
  png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, &errors,
                                            pngError, pngWarning);
  png_infop info = png ? png_create_info_struct(png) : nullptr;
  if (!png || !info) {
    png_destroy_write_struct(&png, &info);
    return Status::fileError(path, "cannot initialise libpng");
  }
  png_bytepp rowPointers = rows.data();
  std::vector<uint8_t> *sink = &encoded;
  bool ok = pngGuarded(png, [&] {
    png_set_write_fn(png, sink, pngWrite, pngFlush);
    png_set_IHDR(png, info, image.width, image.height, 8,
                 image.channels == 1 ? PNG_COLOR_TYPE_GRAY : PNG_COLOR_TYPE_RGB,
                 PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT,
                 PNG_FILTER_TYPE_DEFAULT);
    png_write_info(png, info);
    png_write_image(png, rowPointers);
    png_write_end(png, nullptr);
  });
  png_destroy_write_struct(&png, &info);
  if (!ok)
    return Status::fileError(path, std::string("cannot encode PNG: ") +
                                       errors.message);
  return writeFileAtomically(path, "image", encoded.data(), encoded.size());
#endif
}

Status writePnm(const std::string &path, const Image &image) {
  if (Status s = checkWritable(path, image); !s)
    return s;
  std::string text = std::string(image.channels == 1 ? "P5" : "P6") + "\n" +
                     std::to_string(image.width) + " " +
                     std::to_string(image.height) + "\n255\n";
  for (float v : image.data)
    text.push_back(static_cast<char>(toByte(v)));
  return writeFileAtomically(path, "image", text);
}

} // namespace rt
} // namespace kiln

//===- Image.h - Image files for inference ----------------------*- C++ -*-===//
//
// Reads the images an infer executable classifies: binary PGM (P5), binary
// PPM (P6) and PNG (any colour type and bit depth libpng reads). The image
// must already have the model's height and width: nothing is resized, since
// a silent resize would classify a different picture than the one given.
// Colour is adapted to the model's channel count the way Keras' load_img
// does: RGB becomes grey (ITU-R 601-2 luma, as PIL's convert("L")) only for a
// 1-channel model, grey is replicated for a 3-channel model, and alpha is
// dropped.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_RUNTIME_IMAGE_H
#define KILN_RUNTIME_IMAGE_H

#include "kiln/runtime/Status.h"

#include <cstddef>
#include <string>
#include <vector>

namespace kiln {
namespace rt {

/// An image owned by value: height x width x channels floats (HWC, channels
/// innermost), values in [0, 1] (sample / maxval).
struct Image {
  int height = 0;
  int width = 0;
  int channels = 0;
  std::vector<float> data;
};

/// Reads `path` for a model whose input is `height` x `width` x `channels`
/// (1 or 3). The format is recognised by content, not by the file name.
/// Fails, naming the file, on a missing, truncated or corrupt file, an
/// unsupported format, or a size other than `height` x `width`.
Status readImage(const std::string &path, int height, int width, int channels,
                 Image &out);

/// readImage() of bytes already in memory (e.g. read from standard input);
/// `path` names them in messages.
Status decodeImage(const std::string &path, const std::vector<uint8_t> &bytes,
                   int height, int width, int channels, Image &out);

/// Writes `image` (1 or 3 channels) as an 8-bit PNG, values clamped to
/// [0, 1] and rounded to the nearest of 256 levels; atomically replaces
/// `path`.
Status writePng(const std::string &path, const Image &image);

/// Writes `image` (1 or 3 channels) as an 8-bit binary PGM (P5) or PPM (P6),
/// quantised as writePng() does; atomically replaces `path`.
Status writePnm(const std::string &path, const Image &image);

} // namespace rt
} // namespace kiln

#endif // KILN_RUNTIME_IMAGE_H

//===- Idx.h - IDX files and the Fashion-MNIST data set ---------*- C++ -*-===//
//
// Reads IDX files (the MNIST/Fashion-MNIST container: two zero bytes, an
// element type, a dimension count, big-endian 32-bit extents, then the
// elements), gzip-compressed or plain, and pairs an image file with a label
// file into a Dataset. Only unsigned-byte elements are accepted, the type both
// data sets use. Every failure names the file and what is wrong with it.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_RUNTIME_IDX_H
#define KILN_RUNTIME_IDX_H

#include "kiln/runtime/Dataset.h"
#include "kiln/runtime/Status.h"

#include <array>
#include <cstdint>
#include <string>
#include <vector>

namespace kiln {
namespace rt {

/// The contents of one IDX file, owned by value.
struct IdxArray {
  std::vector<uint32_t> dims;
  /// The elements in row-major order, product(dims) of them.
  std::vector<uint8_t> data;
};

/// Reads `path`, gunzipping it when it starts with the gzip magic. Fails when
/// the file is missing, the gzip stream is corrupt or truncated, the magic or
/// element type is wrong, or the data is shorter or longer than the extents.
Status readIdx(const std::string &path, IdxArray &out);

/// Reads an image file (N x H x W, or N x H x W x C) and a label file (N) into
/// `out`: pixels scaled to [0, 1] by /255, NHWC, labels as class indices.
/// Fails (naming the file) unless the images are `height` x `width` x
/// `channels`, the counts agree and every label is below `numClasses`.
///
/// With `selectLabels` (the model's `data { select = [...] }`), only the
/// samples whose file label is in the list are kept, in file order, and
/// label selectLabels[k] becomes class k; other labels are dropped whatever
/// their value. `numClasses` must then be the list's length, and the
/// selection must keep at least one sample.
Status loadIdxDataset(const std::string &imagesPath,
                      const std::string &labelsPath, int height, int width,
                      int channels, int numClasses, Dataset &out,
                      const std::vector<int32_t> &selectLabels = {});

/// Where Debian's `dataset-fashion-mnist` package installs the data.
constexpr const char *kFashionMnistDir = "/usr/share/datasets/fashion-mnist";

/// The ten Fashion-MNIST classes in label order.
constexpr std::array<const char *, 10> kFashionMnistClasses = {
    "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
    "Sandal",      "Shirt",   "Sneaker",  "Bag",   "Ankle boot"};

/// The two halves of Fashion-MNIST.
enum class FashionMnistSplit { Train, Test };

/// An image file and the label file that goes with it.
struct IdxFilePair {
  std::string images;
  std::string labels;
};
/// The files of `split` in `dir`, by Debian's file names.
IdxFilePair fashionMnistFiles(FashionMnistSplit split,
                              const std::string &dir = kFashionMnistDir);

/// Loads `split` of Fashion-MNIST from `dir`: 28 x 28 x 1 images, 10 classes.
Status loadFashionMnist(FashionMnistSplit split, Dataset &out,
                        const std::string &dir = kFashionMnistDir);

} // namespace rt
} // namespace kiln

#endif // KILN_RUNTIME_IDX_H

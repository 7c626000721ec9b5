//===- Idx.cpp - IDX files and the Fashion-MNIST data set -----------------===//

#include "kiln/runtime/Idx.h"

#include "kiln/runtime/File.h"

#ifndef KILN_NO_ZLIB
#include <zlib.h>
#endif

#include <algorithm>
#include <cstdio>
#include <string>

namespace kiln {
namespace rt {

namespace {

/// The IDX element type code of unsigned bytes.
constexpr uint8_t kIdxUnsignedByte = 0x08;

/// Decompressed data larger than this is refused rather than exhausting
/// memory on a hostile or broken file (Fashion-MNIST's largest is 47 MB).
constexpr uint64_t kMaxInflatedBytes = uint64_t(1) << 32;

/// The name of an IDX element type code, for messages.
const char *idxTypeName(uint8_t code) {
  switch (code) {
  case 0x08:
    return "unsigned byte";
  case 0x09:
    return "signed byte";
  case 0x0B:
    return "int16";
  case 0x0C:
    return "int32";
  case 0x0D:
    return "float32";
  case 0x0E:
    return "float64";
  default:
    return "unknown";
  }
}

#ifdef KILN_NO_ZLIB
/// A runtime built without zlib cannot read gzip'd files.
Status gunzip(const std::string &path, const std::vector<uint8_t> &,
              std::vector<uint8_t> &) {
  return Status::fileError(
      path, "is gzip-compressed, but this build of the Kiln runtime has no "
            "zlib (it was built without zlib for this architecture); "
            "decompress it with gunzip first");
}
#else
/// Inflates the gzip stream `in` (one or more members) into `out`.
Status gunzip(const std::string &path, const std::vector<uint8_t> &in,
              std::vector<uint8_t> &out) {
  out.clear();
  z_stream zs{};
  // 16 + MAX_WBITS: gzip wrapper only, so a zlib or raw stream is an error.
  if (inflateInit2(&zs, 16 + MAX_WBITS) != Z_OK)
    return Status::fileError(path, "cannot initialise zlib");
  zs.next_in = const_cast<Bytef *>(in.data());
  zs.avail_in = static_cast<uInt>(in.size());
  // The gzip trailer stores the length modulo 2^32: a good first guess.
  if (in.size() >= 4) {
    size_t n = in.size();
    uint32_t isize = uint32_t(in[n - 4]) | uint32_t(in[n - 3]) << 8 |
                     uint32_t(in[n - 2]) << 16 | uint32_t(in[n - 1]) << 24;
    out.reserve(std::min<uint64_t>(isize, uint64_t(1) << 30));
  }
  uint8_t chunk[1 << 16];
  Status status = Status::ok();
  for (;;) {
    zs.next_out = chunk;
    zs.avail_out = sizeof(chunk);
    int rc = inflate(&zs, Z_NO_FLUSH);
    out.insert(out.end(), chunk, chunk + (sizeof(chunk) - zs.avail_out));
    if (out.size() > kMaxInflatedBytes) {
      status = Status::fileError(path, "decompresses to more than 4 GiB");
      break;
    }
    if (rc == Z_STREAM_END) {
      // Another gzip member may follow (as `cat a.gz b.gz` makes).
      if (zs.avail_in == 0)
        break;
      if (inflateReset(&zs) != Z_OK) {
        status = Status::fileError(path, "cannot reset zlib");
        break;
      }
      continue;
    }
    if (rc == Z_OK)
      continue;
    if (rc == Z_BUF_ERROR && zs.avail_in == 0) {
      status = Status::fileError(
          path, "gzip data is truncated (stream ends after " +
                    std::to_string(in.size()) + " compressed bytes)");
      break;
    }
    status = Status::fileError(
        path, std::string("gzip data is corrupt: ") +
                  (zs.msg ? zs.msg : "inflate error " + std::to_string(rc)));
    break;
  }
  inflateEnd(&zs);
  return status;
}

#endif // KILN_NO_ZLIB

} // namespace

Status readIdx(const std::string &path, IdxArray &out) {
  std::vector<uint8_t> raw;
  if (Status s = readFile(path, "IDX file", raw); !s)
    return s;
  std::vector<uint8_t> inflated;
  const std::vector<uint8_t> *bytes = &raw;
  if (raw.size() >= 2 && raw[0] == 0x1f && raw[1] == 0x8b) {
    if (Status s = gunzip(path, raw, inflated); !s)
      return s;
    bytes = &inflated;
  }
  const std::vector<uint8_t> &b = *bytes;
  if (b.size() < 4)
    return Status::fileError(path, "too short for an IDX header (" +
                                       std::to_string(b.size()) + " bytes)");
  if (b[0] != 0 || b[1] != 0) {
    char magic[16];
    std::snprintf(magic, sizeof(magic), "%02x%02x%02x%02x", b[0], b[1], b[2],
                  b[3]);
    return Status::fileError(path, std::string("bad IDX magic 0x") + magic +
                                       " (expected 0x0000 then type and rank)");
  }
  uint8_t type = b[2];
  if (type != kIdxUnsignedByte) {
    char code[8];
    std::snprintf(code, sizeof(code), "0x%02X", type);
    return Status::fileError(path, std::string("IDX element type ") + code +
                                       " (" + idxTypeName(type) +
                                       ") is not supported; only unsigned "
                                       "byte (0x08) is");
  }
  unsigned rank = b[3];
  if (rank == 0)
    return Status::fileError(path, "IDX file has no dimensions");
  size_t header = 4 + 4 * size_t(rank);
  if (b.size() < header)
    return Status::fileError(path,
                             "truncated IDX header: " + std::to_string(rank) +
                                 " dimensions need " + std::to_string(header) +
                                 " bytes, have " + std::to_string(b.size()));
  IdxArray a;
  uint64_t elements = 1;
  for (unsigned d = 0; d < rank; ++d) {
    const uint8_t *p = b.data() + 4 + 4 * d;
    uint32_t extent = uint32_t(p[0]) << 24 | uint32_t(p[1]) << 16 |
                      uint32_t(p[2]) << 8 | uint32_t(p[3]);
    a.dims.push_back(extent);
    elements *= extent;
    if (elements > kMaxInflatedBytes)
      return Status::fileError(path, "IDX extents " + extentsText(a.dims) +
                                         " exceed 4 GiB");
  }
  uint64_t have = b.size() - header;
  if (have < elements)
    return Status::fileError(
        path, "truncated IDX data: extents " + extentsText(a.dims) + " need " +
                  std::to_string(elements) + " bytes, the file has " +
                  std::to_string(have));
  if (have > elements)
    return Status::fileError(path, std::to_string(have - elements) +
                                       " unexpected bytes after the IDX data "
                                       "(extents " +
                                       extentsText(a.dims) + ")");
  a.data.assign(b.begin() + header, b.end());
  out = std::move(a);
  return Status::ok();
}

Status loadIdxDataset(const std::string &imagesPath,
                      const std::string &labelsPath, int height, int width,
                      int channels, int numClasses, Dataset &out,
                      const std::vector<int32_t> &selectLabels) {
  IdxArray images, labels;
  if (Status s = readIdx(imagesPath, images); !s)
    return s;
  if (Status s = readIdx(labelsPath, labels); !s)
    return s;
  std::string want = std::to_string(height) + "x" + std::to_string(width);
  const std::vector<uint32_t> &d = images.dims;
  bool shapeOk = (d.size() == 3 && channels == 1 && d[1] == uint32_t(height) &&
                  d[2] == uint32_t(width)) ||
                 (d.size() == 4 && d[1] == uint32_t(height) &&
                  d[2] == uint32_t(width) && d[3] == uint32_t(channels));
  if (!shapeOk)
    return Status::fileError(
        imagesPath,
        "images have extents " + extentsText(d) + ", expected N x " + want +
            (channels == 1 ? std::string(" (or N x ") + want + " x 1)"
                           : " x " + std::to_string(channels)));
  if (labels.dims.size() != 1)
    return Status::fileError(labelsPath, "labels have extents " +
                                             extentsText(labels.dims) +
                                             ", expected one dimension (N)");
  if (labels.dims[0] != d[0])
    return Status::fileError(labelsPath,
                             "has " + std::to_string(labels.dims[0]) +
                                 " labels but " + imagesPath + " has " +
                                 std::to_string(d[0]) + " images");
  if (!selectLabels.empty() &&
      selectLabels.size() != static_cast<size_t>(numClasses))
    return Status::error(
        "the model selects " + std::to_string(selectLabels.size()) +
        " labels but has " + std::to_string(numClasses) + " classes");
  // The class of each byte label: its position in the selection, -1 when
  // it is not selected; without a selection, the label itself if in range.
  std::array<int32_t, 256> classOf;
  classOf.fill(-1);
  if (selectLabels.empty()) {
    for (int l = 0; l < 256 && l < numClasses; ++l)
      classOf[l] = l;
  } else {
    for (size_t k = 0; k < selectLabels.size(); ++k)
      if (selectLabels[k] >= 0 && selectLabels[k] < 256)
        classOf[selectLabels[k]] = static_cast<int32_t>(k);
  }
  Dataset ds;
  ds.height = height;
  ds.width = width;
  ds.channels = channels;
  ds.numClasses = numClasses;
  size_t imageSize = ds.imageSize();
  ds.images.reserve(images.data.size());
  ds.labels.reserve(labels.data.size());
  for (size_t i = 0; i < labels.data.size(); ++i) {
    int32_t c = classOf[labels.data[i]];
    if (c < 0 && selectLabels.empty())
      return Status::fileError(labelsPath,
                               "label " + std::to_string(labels.data[i]) +
                                   " of sample " + std::to_string(i) +
                                   " is out of range [0, " +
                                   std::to_string(numClasses) + ")");
    if (c < 0)
      continue;
    ds.labels.push_back(c);
    const uint8_t *pixels = images.data.data() + i * imageSize;
    for (size_t k = 0; k < imageSize; ++k)
      ds.images.push_back(static_cast<float>(pixels[k]) / 255.0f);
  }
  ds.count = static_cast<int64_t>(ds.labels.size());
  if (ds.count == 0 && !selectLabels.empty())
    return Status::fileError(labelsPath,
                             "no sample has one of the model's selected "
                             "labels");
  out = std::move(ds);
  return Status::ok();
}

IdxFilePair fashionMnistFiles(FashionMnistSplit split, const std::string &dir) {
  const char *prefix = split == FashionMnistSplit::Train ? "train" : "t10k";
  return {dir + "/" + prefix + "-images-idx3-ubyte.gz",
          dir + "/" + prefix + "-labels-idx1-ubyte.gz"};
}

Status loadFashionMnist(FashionMnistSplit split, Dataset &out,
                        const std::string &dir) {
  IdxFilePair files = fashionMnistFiles(split, dir);
  return loadIdxDataset(files.images, files.labels, 28, 28, 1,
                        static_cast<int>(kFashionMnistClasses.size()), out);
}

} // namespace rt
} // namespace kiln

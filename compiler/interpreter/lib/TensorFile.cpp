//===- TensorFile.cpp - KLNT tensor files ---------------------------------===//
//
// The format is defined as little-endian; Kiln's hosts (x86-64, arm-64) are
// little-endian, so the bytes are read and written as they lie in memory.
//
//===----------------------------------------------------------------------===//

#include "kiln/Interpreter/TensorFile.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>

namespace kiln {
namespace interp {

namespace {

/// Closes a FILE when it goes out of scope.
struct FileCloser {
  void operator()(std::FILE *f) const { std::fclose(f); }
};
/// A FILE owned by the scope that opened it.
using FilePtr = std::unique_ptr<std::FILE, FileCloser>;

/// The magic bytes that open every KLNT file.
constexpr char kMagic[4] = {'K', 'L', 'N', 'T'};

/// "PATH: WHAT" as an error.
ref::Error fileError(const std::string &path, const std::string &what) {
  return ref::Error{path + ": " + what};
}

} // namespace

ref::Result<ref::Tensor<float>> readTensorFile(const std::string &path) {
  FilePtr file(std::fopen(path.c_str(), "rb"));
  if (!file)
    return fileError(path, std::string("cannot open: ") + std::strerror(errno));
  char magic[4];
  if (std::fread(magic, 1, 4, file.get()) != 4 ||
      std::memcmp(magic, kMagic, 4) != 0)
    return fileError(path, "not a KLNT tensor file (it must start with the "
                           "bytes \"KLNT\")");
  uint32_t rank = 0;
  if (std::fread(&rank, 4, 1, file.get()) != 1)
    return fileError(path, "truncated header: no rank");
  if (rank > kMaxTensorFileRank)
    return fileError(path, "rank " + std::to_string(rank) +
                               " is above the limit of " +
                               std::to_string(kMaxTensorFileRank));
  ref::Dims dims(rank);
  if (rank && std::fread(dims.data(), 8, rank, file.get()) != rank)
    return fileError(path, "truncated header: expected " +
                               std::to_string(rank) + " extents");
  int64_t count = ref::Tensor<float>::countElements(dims);
  if (count < 0)
    return fileError(path, "shape " + shape::formatDims(dims) +
                               " has a negative extent or too many elements");
  // The data's size is checked against the file's before allocating, so a
  // corrupt header cannot ask for gigabytes.
  long dataStart = std::ftell(file.get());
  if (dataStart < 0 || std::fseek(file.get(), 0, SEEK_END) != 0)
    return fileError(path, "cannot seek");
  long fileEnd = std::ftell(file.get());
  if (fileEnd < dataStart || std::fseek(file.get(), dataStart, SEEK_SET) != 0)
    return fileError(path, "cannot seek");
  int64_t dataBytes = fileEnd - dataStart;
  if (dataBytes != 4 * count)
    return fileError(path, "shape " + shape::formatDims(dims) + " needs " +
                               std::to_string(count) + " f32 elements (" +
                               std::to_string(4 * count) +
                               " bytes) but the data has " +
                               std::to_string(dataBytes) + " bytes");
  std::vector<float> data(static_cast<size_t>(count));
  if (std::fread(data.data(), 4, data.size(), file.get()) != data.size())
    return fileError(path, "read failed");
  return ref::Tensor<float>(std::move(dims), std::move(data));
}

std::string writeTensorFile(const std::string &path,
                            const ref::Tensor<float> &tensor) {
  std::string invalid = tensor.checkValid("tensor");
  if (!invalid.empty())
    return path + ": " + invalid;
  FilePtr file(std::fopen(path.c_str(), "wb"));
  if (!file)
    return path + ": cannot create: " + std::strerror(errno);
  uint32_t rank = static_cast<uint32_t>(tensor.rank());
  bool ok = std::fwrite(kMagic, 1, 4, file.get()) == 4 &&
            std::fwrite(&rank, 4, 1, file.get()) == 1;
  if (ok && rank)
    ok = std::fwrite(tensor.shape().data(), 8, rank, file.get()) == rank;
  size_t count = static_cast<size_t>(tensor.size());
  if (ok && count)
    ok = std::fwrite(tensor.data(), 4, count, file.get()) == count;
  // fclose flushes: its failure (a full disk) is a failed write too.
  ok = std::fclose(file.release()) == 0 && ok;
  if (!ok)
    return path + ": write failed: " + std::strerror(errno);
  return {};
}

} // namespace interp
} // namespace kiln

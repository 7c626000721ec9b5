//===- TensorFile.h - KLNT tensor files -------------------------*- C++ -*-===//
//
// The tensor file format shared by kiln-ref and the codegen tests' kernel
// runner: the 4 bytes "KLNT", a little-endian u32 rank, rank i64 extents
// (outermost first), then the f32 elements in row-major order. Nothing
// follows the data. Plain C++ (no MLIR), so any test or tool can use it.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_INTERPRETER_TENSORFILE_H
#define KILN_INTERPRETER_TENSORFILE_H

#include "kiln/Reference/Tensor.h"

#include <string>

namespace kiln {
namespace interp {

/// The highest rank a KLNT file may declare; far above any kiln tensor (4),
/// it stops a corrupt header from asking for a huge extent list.
constexpr uint32_t kMaxTensorFileRank = 16;

/// Reads a KLNT file. Errors name the file and what is wrong (cannot open,
/// bad magic, rank too high, negative or too many extents, a data size that
/// does not match the shape).
ref::Result<ref::Tensor<float>> readTensorFile(const std::string &path);

/// Writes `tensor` as a KLNT file; returns an empty string or a message
/// naming the file.
std::string writeTensorFile(const std::string &path,
                            const ref::Tensor<float> &tensor);

} // namespace interp
} // namespace kiln

#endif // KILN_INTERPRETER_TENSORFILE_H

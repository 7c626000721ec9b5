//===- Npz.h - NumPy .npz archives of named arrays --------------*- C++ -*-===//
//
// The interchange format for weights: what numpy.savez and
// numpy.savez_compressed write (a ZIP archive with one .npy file per array,
// named by its key), and what Keras, PyTorch or any NumPy script can produce
// and read. Kiln's tensors are named "<layer>/<role>" (for example
// "conv2d/kernel", HWIO as in Keras), so a member "conv2d/kernel.npy" is the
// tensor "conv2d/kernel".
//
//===----------------------------------------------------------------------===//

#ifndef KILN_RUNTIME_NPZ_H
#define KILN_RUNTIME_NPZ_H

#include "kiln/runtime/Checkpoint.h"
#include "kiln/runtime/Status.h"

#include <cstdint>
#include <string>
#include <vector>

namespace kiln {
namespace rt {

/// True when `bytes` start as a ZIP archive (an .npz) does.
bool looksLikeZip(const std::vector<uint8_t> &bytes);

/// Reads the arrays of the .npz `bytes` (read from `path`, which messages
/// name) into `out`, in archive order. Members may be stored or deflated
/// (ZIP64 included); each must be a C-order .npy array of little-endian
/// float32 or float64 (converted to float32), and its CRC-32 must match.
Status parseNpz(const std::string &path, const std::vector<uint8_t> &bytes,
                std::vector<NamedTensor> &out);

/// Writes `tensors` as an uncompressed .npz of float32 arrays (what
/// numpy.savez writes), atomically.
Status writeNpz(const std::string &path,
                const std::vector<NamedTensor> &tensors);

} // namespace rt
} // namespace kiln

#endif // KILN_RUNTIME_NPZ_H

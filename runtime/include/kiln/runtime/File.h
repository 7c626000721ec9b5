//===- File.h - Whole-file reading and atomic writing -----------*- C++ -*-===//
//
// The two ways the runtime touches files: read a whole file into memory, and
// replace a file atomically (write a temporary file in the same directory,
// fsync, rename), so an interrupted run never leaves a half-written
// checkpoint, history or report behind.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_RUNTIME_FILE_H
#define KILN_RUNTIME_FILE_H

#include "kiln/runtime/Status.h"

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace kiln {
namespace rt {

/// Reads all of `path` into `bytes` (replacing its contents). `what` names
/// the kind of file in messages ("cannot open <what>").
Status readFile(const std::string &path, const char *what,
                std::vector<uint8_t> &bytes);

/// Atomically replaces `path` with `size` bytes at `data` (write to
/// "path.tmp.<pid>", fsync, rename). On failure `path` is untouched and the
/// temporary file is removed. `what` names the kind of file in messages.
Status writeFileAtomically(const std::string &path, const char *what,
                           const void *data, size_t size);

/// writeFileAtomically() of a string's characters.
inline Status writeFileAtomically(const std::string &path, const char *what,
                                  const std::string &text) {
  return writeFileAtomically(path, what, text.data(), text.size());
}

} // namespace rt
} // namespace kiln

#endif // KILN_RUNTIME_FILE_H

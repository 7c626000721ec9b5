//===- Source.h - Source files and locations of model files -----*- C++ -*-===//
//
// Owns the text of the .kiln files being compiled and maps byte offsets to
// line and column, so every token, AST node and resolved layer can carry a
// location that diagnostics (and, later, MLIR locations) point back to.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_FRONTEND_SOURCE_H
#define KILN_FRONTEND_SOURCE_H

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace kiln {
namespace frontend {

/// A position in a source file: 1-based line and byte column, plus the byte
/// offset. The default value (file 0, line 0) means "no location".
struct SourceLoc {
  uint32_t file = 0;
  uint32_t offset = 0;
  uint32_t line = 0;
  uint32_t col = 0;

  bool isValid() const { return line != 0; }
};

/// A half-open range [begin, end) of one file.
struct SourceRange {
  SourceLoc begin;
  SourceLoc end;

  SourceRange() = default;
  SourceRange(SourceLoc b, SourceLoc e) : begin(b), end(e) {}
  bool isValid() const { return begin.isValid(); }
};

/// Holds every loaded file; file ids start at 1 so 0 means "none".
class SourceManager {
public:
  /// Adds a buffer under `name` and returns its file id.
  uint32_t addBuffer(std::string name, std::string text);

  /// Reads `path` into a new buffer. Returns 0 and sets `error` when the file
  /// cannot be read.
  uint32_t addFile(const std::string &path, std::string &error);

  /// The name a file was added under (its path for files on disk).
  const std::string &getName(uint32_t file) const;

  /// The whole text of a file.
  std::string_view getText(uint32_t file) const;

  /// The location of byte `offset` in `file` (offset may equal the size).
  SourceLoc getLoc(uint32_t file, uint32_t offset) const;

  /// The text of the line containing `loc`, without its line terminator.
  std::string_view getLineText(SourceLoc loc) const;

private:
  struct Buffer {
    std::string name;
    std::string text;
    std::vector<uint32_t> lineStarts;
  };
  std::vector<Buffer> buffers;

  const Buffer &get(uint32_t file) const { return buffers[file - 1]; }
};

} // namespace frontend
} // namespace kiln

#endif // KILN_FRONTEND_SOURCE_H

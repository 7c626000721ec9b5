//===- Source.cpp - Source files and locations of model files -------------===//

#include "kiln/Frontend/Source.h"

#include <algorithm>
#include <fstream>
#include <sstream>

namespace kiln {
namespace frontend {

uint32_t SourceManager::addBuffer(std::string name, std::string text) {
  Buffer buf;
  buf.name = std::move(name);
  buf.text = std::move(text);
  buf.lineStarts.push_back(0);
  for (uint32_t i = 0; i < buf.text.size(); ++i)
    if (buf.text[i] == '\n')
      buf.lineStarts.push_back(i + 1);
  buffers.push_back(std::move(buf));
  return static_cast<uint32_t>(buffers.size());
}

uint32_t SourceManager::addFile(const std::string &path, std::string &error) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    error = "cannot open '" + path + "'";
    return 0;
  }
  std::ostringstream ss;
  ss << in.rdbuf();
  if (in.bad()) {
    error = "cannot read '" + path + "'";
    return 0;
  }
  // Offsets are 32-bit; a model file is a few kilobytes.
  std::string text = ss.str();
  if (text.size() >= (1u << 30)) {
    error = "'" + path + "' is too large to be a model file";
    return 0;
  }
  return addBuffer(path, std::move(text));
}

const std::string &SourceManager::getName(uint32_t file) const {
  static const std::string none = "<unknown>";
  if (file == 0 || file > buffers.size())
    return none;
  return get(file).name;
}

std::string_view SourceManager::getText(uint32_t file) const {
  if (file == 0 || file > buffers.size())
    return {};
  return get(file).text;
}

SourceLoc SourceManager::getLoc(uint32_t file, uint32_t offset) const {
  const Buffer &buf = get(file);
  offset = std::min<uint32_t>(offset, buf.text.size());
  // The last line start not after `offset`.
  auto it =
      std::upper_bound(buf.lineStarts.begin(), buf.lineStarts.end(), offset);
  uint32_t line = static_cast<uint32_t>(it - buf.lineStarts.begin());
  SourceLoc loc;
  loc.file = file;
  loc.offset = offset;
  loc.line = line;
  loc.col = offset - buf.lineStarts[line - 1] + 1;
  return loc;
}

std::string_view SourceManager::getLineText(SourceLoc loc) const {
  if (!loc.isValid() || loc.file == 0 || loc.file > buffers.size())
    return {};
  const Buffer &buf = get(loc.file);
  if (loc.line > buf.lineStarts.size())
    return {};
  uint32_t start = buf.lineStarts[loc.line - 1];
  uint32_t end = loc.line < buf.lineStarts.size()
                     ? buf.lineStarts[loc.line] - 1
                     : static_cast<uint32_t>(buf.text.size());
  std::string_view line(buf.text.data() + start, end - start);
  if (!line.empty() && line.back() == '\r')
    line.remove_suffix(1);
  return line;
}

} // namespace frontend
} // namespace kiln

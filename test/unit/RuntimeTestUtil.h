//===- RuntimeTestUtil.h - Helpers for the runtime's unit tests -*- C++ -*-===//
//
// Scratch directories and file writers shared by the runtime's tests.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_TEST_UNIT_RUNTIMETESTUTIL_H
#define KILN_TEST_UNIT_RUNTIMETESTUTIL_H

#include <gtest/gtest.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

namespace kiln {
namespace test {

/// A fresh directory under the test temporary directory, removed with its
/// files when the object dies.
class ScratchDir {
public:
  ScratchDir() {
    std::string tmpl = ::testing::TempDir() + "kiln-rt-XXXXXX";
    std::vector<char> buf(tmpl.begin(), tmpl.end());
    buf.push_back('\0');
    const char *made = ::mkdtemp(buf.data());
    EXPECT_NE(made, nullptr);
    dir = made ? made : "";
  }
  ~ScratchDir() {
    if (!dir.empty())
      std::system(("rm -rf '" + dir + "'").c_str());
  }
  ScratchDir(const ScratchDir &) = delete;
  ScratchDir &operator=(const ScratchDir &) = delete;

  /// The path of `name` inside the directory.
  std::string path(const std::string &name) const { return dir + "/" + name; }

private:
  std::string dir;
};

/// Writes `bytes` to `path`, replacing it.
inline void writeBytes(const std::string &path,
                       const std::vector<uint8_t> &bytes) {
  std::FILE *f = std::fopen(path.c_str(), "wb");
  ASSERT_NE(f, nullptr) << path;
  ASSERT_EQ(std::fwrite(bytes.data(), 1, bytes.size(), f), bytes.size());
  std::fclose(f);
}

/// Writes `text` to `path`, replacing it.
inline void writeText(const std::string &path, const std::string &text) {
  writeBytes(path, std::vector<uint8_t>(text.begin(), text.end()));
}

/// Reads all of `path`.
inline std::vector<uint8_t> readBytes(const std::string &path) {
  std::vector<uint8_t> bytes;
  std::FILE *f = std::fopen(path.c_str(), "rb");
  if (!f)
    return bytes;
  int c;
  while ((c = std::fgetc(f)) != EOF)
    bytes.push_back(static_cast<uint8_t>(c));
  std::fclose(f);
  return bytes;
}

/// Reads all of `path` as text.
inline std::string readText(const std::string &path) {
  std::vector<uint8_t> b = readBytes(path);
  return std::string(b.begin(), b.end());
}

/// True when `text` contains `part` (for messages in EXPECT_TRUE).
inline bool contains(const std::string &text, const std::string &part) {
  return text.find(part) != std::string::npos;
}

} // namespace test
} // namespace kiln

#endif // KILN_TEST_UNIT_RUNTIMETESTUTIL_H

//===- File.cpp - Whole-file reading and atomic writing -------------------===//

#include "kiln/runtime/File.h"

#include <cerrno>
#include <cstdio>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace kiln {
namespace rt {

namespace {

/// Writes all of `size` bytes, retrying short and interrupted writes.
bool writeAll(int fd, const uint8_t *bytes, size_t size) {
  while (size) {
    ssize_t n = ::write(fd, bytes, size);
    if (n < 0) {
      if (errno == EINTR)
        continue;
      return false;
    }
    bytes += n;
    size -= static_cast<size_t>(n);
  }
  return true;
}

} // namespace

Status readFile(const std::string &path, const char *what,
                std::vector<uint8_t> &bytes) {
  bytes.clear();
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return Status::errnoError(path, std::string("cannot open ") + what);
  struct stat st;
  if (::fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
    ::close(fd);
    return Status::fileError(path, std::string("cannot read ") + what +
                                       ": is a directory");
  }
  if (::fstat(fd, &st) == 0 && st.st_size > 0)
    bytes.reserve(static_cast<size_t>(st.st_size));
  uint8_t chunk[1 << 16];
  for (;;) {
    ssize_t n = ::read(fd, chunk, sizeof(chunk));
    if (n < 0) {
      if (errno == EINTR)
        continue;
      Status s = Status::errnoError(path, std::string("cannot read ") + what);
      ::close(fd);
      return s;
    }
    if (n == 0)
      break;
    bytes.insert(bytes.end(), chunk, chunk + n);
  }
  ::close(fd);
  return Status::ok();
}

Status writeFileAtomically(const std::string &path, const char *what,
                           const void *data, size_t size) {
  std::string tmp = path + ".tmp." + std::to_string(::getpid());
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0)
    return Status::errnoError(tmp, std::string("cannot create ") + what);
  bool written = writeAll(fd, static_cast<const uint8_t *>(data), size) &&
                 ::fsync(fd) == 0;
  Status status =
      written ? Status::ok()
              : Status::errnoError(tmp, std::string("cannot write ") + what);
  if (::close(fd) != 0 && status)
    status = Status::errnoError(tmp, std::string("cannot write ") + what);
  if (status && ::rename(tmp.c_str(), path.c_str()) != 0)
    status = Status::errnoError(path, std::string("cannot replace ") + what);
  if (!status)
    ::unlink(tmp.c_str());
  return status;
}

} // namespace rt
} // namespace kiln

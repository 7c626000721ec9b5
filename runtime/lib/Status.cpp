//===- Status.cpp - Error reporting of the Kiln runtime -------------------===//

#include "kiln/runtime/Status.h"

#include <cerrno>
#include <cstring>

namespace kiln {
namespace rt {

Status Status::fileError(const std::string &path, const std::string &message) {
  return error(path + ": " + message);
}

Status Status::errnoError(const std::string &path, const std::string &what) {
  int saved = errno;
  return error(path + ": " + what + ": " + std::strerror(saved));
}

} // namespace rt
} // namespace kiln

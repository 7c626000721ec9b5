//===- Status.h - Error reporting of the Kiln runtime -----------*- C++ -*-===//
//
// The runtime reports failures as values, never by exceptions or aborts: a
// Status is either ok or carries a message for the user that names the file
// and what is wrong with it.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_RUNTIME_STATUS_H
#define KILN_RUNTIME_STATUS_H

#include <string>
#include <utility>
#include <vector>

namespace kiln {
namespace rt {

/// The outcome of a runtime operation. Cheap to copy when ok.
class [[nodiscard]] Status {
public:
  /// Success.
  static Status ok() { return Status(); }
  /// Failure with a message meant for the user.
  static Status error(std::string message) {
    Status s;
    s.failed = true;
    s.text = std::move(message);
    return s;
  }
  /// Failure about `path`: "path: message".
  static Status fileError(const std::string &path, const std::string &message);
  /// Failure about `path` from the current errno: "path: what: strerror".
  static Status errnoError(const std::string &path, const std::string &what);

  bool isOk() const { return !failed; }
  explicit operator bool() const { return !failed; }
  const std::string &message() const { return text; }

private:
  bool failed = false;
  std::string text;
};

/// Extents as messages print them: "10000x28x28" ("" for none).
template <typename T> std::string extentsText(const std::vector<T> &extents) {
  std::string text;
  for (size_t i = 0; i < extents.size(); ++i)
    text += (i ? "x" : "") + std::to_string(extents[i]);
  return text;
}

} // namespace rt
} // namespace kiln

#endif // KILN_RUNTIME_STATUS_H

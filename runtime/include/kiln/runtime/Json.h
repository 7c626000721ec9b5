//===- Json.h - A small JSON writer -----------------------------*- C++ -*-===//
//
// Enough JSON for the runtime's reports and histories: objects, arrays,
// strings, numbers (shortest form that reads back to the same double; NaN
// and infinities become null, which JSON lacks), booleans and null,
// indented two spaces. Arrays can be kept on one line for lists of numbers.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_RUNTIME_JSON_H
#define KILN_RUNTIME_JSON_H

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace kiln {
namespace rt {

/// The shortest decimal text that reads back as `value`, in fixed notation
/// for exponents -4 to 15 and scientific otherwise, as Python prints floats
/// ("0.1", "0.0005", "1e-07", "3"); "nan", "inf" or "-inf" when not finite.
std::string formatNumber(double value);

/// Builds one JSON document in memory. Calls must nest properly (a key
/// before each value inside an object); the writer does not check.
class JsonWriter {
public:
  JsonWriter &beginObject();
  JsonWriter &endObject();
  /// `compact` keeps the array's elements on one line.
  JsonWriter &beginArray(bool compact = false);
  JsonWriter &endArray();
  JsonWriter &key(std::string_view name);
  JsonWriter &value(double v);
  JsonWriter &value(int64_t v);
  JsonWriter &value(int v) { return value(static_cast<int64_t>(v)); }
  JsonWriter &value(std::string_view v);
  JsonWriter &value(const char *v) { return value(std::string_view(v)); }
  JsonWriter &value(bool v);
  JsonWriter &null();

  /// The document so far, with a final newline once it is complete.
  std::string str() const;

private:
  void beforeValue();
  void open(char bracket, bool compact);
  void close(char bracket);

  struct Level {
    bool compact;
    int count;
  };
  std::string out;
  std::vector<Level> levels;
  bool afterKey = false;
};

} // namespace rt
} // namespace kiln

#endif // KILN_RUNTIME_JSON_H

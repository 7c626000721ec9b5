//===- Json.cpp - A small JSON writer -------------------------------------===//

#include "kiln/runtime/Json.h"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>

namespace kiln {
namespace rt {

namespace {

/// Appends `s` as a quoted JSON string.
void appendQuoted(std::string &out, std::string_view s) {
  out.push_back('"');
  for (char ch : s) {
    unsigned char c = static_cast<unsigned char>(ch);
    switch (c) {
    case '"':
      out += "\\\"";
      break;
    case '\\':
      out += "\\\\";
      break;
    case '\n':
      out += "\\n";
      break;
    case '\t':
      out += "\\t";
      break;
    case '\r':
      out += "\\r";
      break;
    default:
      if (c < 0x20) {
        char buf[8];
        std::snprintf(buf, sizeof(buf), "\\u%04x", c);
        out += buf;
      } else {
        out.push_back(ch);
      }
    }
  }
  out.push_back('"');
}

} // namespace

std::string formatNumber(double value) {
  if (std::isnan(value))
    return "nan";
  if (std::isinf(value))
    return value > 0 ? "inf" : "-inf";
  // The shortest round-trip digits, laid out as Python's repr does: fixed
  // notation for exponents in [-4, 16), scientific otherwise.
  char buf[64];
  auto result = std::to_chars(buf, buf + sizeof(buf), value,
                              std::chars_format::scientific);
  std::string sci(buf, result.ptr);
  size_t e = sci.find('e');
  int exponent = std::atoi(sci.c_str() + e + 1);
  if (exponent < -4 || exponent >= 16)
    return sci;
  std::string sign = sci[0] == '-' ? "-" : "";
  std::string digits;
  for (size_t i = sign.size(); i < e; ++i)
    if (sci[i] != '.')
      digits.push_back(sci[i]);
  std::string text;
  if (exponent < 0) {
    text = "0." + std::string(-exponent - 1, '0') + digits;
  } else if (static_cast<size_t>(exponent) + 1 >= digits.size()) {
    text = digits + std::string(exponent + 1 - digits.size(), '0');
  } else {
    text = digits.substr(0, exponent + 1) + "." + digits.substr(exponent + 1);
  }
  return sign + text;
}

void JsonWriter::beforeValue() {
  if (afterKey) {
    afterKey = false;
    return;
  }
  if (levels.empty())
    return;
  Level &level = levels.back();
  if (level.count++)
    out.push_back(',');
  if (level.compact) {
    if (level.count > 1)
      out.push_back(' ');
  } else {
    out.push_back('\n');
    out.append(2 * levels.size(), ' ');
  }
}

void JsonWriter::open(char bracket, bool compact) {
  beforeValue();
  out.push_back(bracket);
  // Inside a compact array everything stays on the line.
  bool inherit = !levels.empty() && levels.back().compact;
  levels.push_back({compact || inherit, 0});
}

void JsonWriter::close(char bracket) {
  Level level = levels.back();
  levels.pop_back();
  if (!level.compact && level.count) {
    out.push_back('\n');
    out.append(2 * levels.size(), ' ');
  }
  out.push_back(bracket);
}

JsonWriter &JsonWriter::beginObject() {
  open('{', false);
  return *this;
}

JsonWriter &JsonWriter::endObject() {
  close('}');
  return *this;
}

JsonWriter &JsonWriter::beginArray(bool compact) {
  open('[', compact);
  return *this;
}

JsonWriter &JsonWriter::endArray() {
  close(']');
  return *this;
}

JsonWriter &JsonWriter::key(std::string_view name) {
  beforeValue();
  appendQuoted(out, name);
  out += ": ";
  afterKey = true;
  return *this;
}

JsonWriter &JsonWriter::value(double v) {
  if (!std::isfinite(v))
    return null();
  beforeValue();
  out += formatNumber(v);
  return *this;
}

JsonWriter &JsonWriter::value(int64_t v) {
  beforeValue();
  out += std::to_string(v);
  return *this;
}

JsonWriter &JsonWriter::value(std::string_view v) {
  beforeValue();
  appendQuoted(out, v);
  return *this;
}

JsonWriter &JsonWriter::value(bool v) {
  beforeValue();
  out += v ? "true" : "false";
  return *this;
}

JsonWriter &JsonWriter::null() {
  beforeValue();
  out += "null";
  return *this;
}

std::string JsonWriter::str() const {
  return levels.empty() && !out.empty() ? out + "\n" : out;
}

} // namespace rt
} // namespace kiln

//===- Lexer.cpp - Tokens of the Kiln model language ----------------------===//

#include "kiln/Frontend/Lexer.h"

#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdlib>

namespace kiln {
namespace frontend {

const char *getTokenKindName(TokenKind kind) {
  switch (kind) {
  case TokenKind::Eof:
    return "end of file";
  case TokenKind::Identifier:
    return "a name";
  case TokenKind::Integer:
    return "an integer";
  case TokenKind::Float:
    return "a number";
  case TokenKind::String:
    return "a string";
  case TokenKind::LParen:
    return "'('";
  case TokenKind::RParen:
    return "')'";
  case TokenKind::LBracket:
    return "'['";
  case TokenKind::RBracket:
    return "']'";
  case TokenKind::LBrace:
    return "'{'";
  case TokenKind::RBrace:
    return "'}'";
  case TokenKind::Comma:
    return "','";
  case TokenKind::Equal:
    return "'='";
  case TokenKind::Arrow:
    return "'->'";
  case TokenKind::Minus:
    return "'-'";
  case TokenKind::Error:
    return "invalid text";
  }
  return "a token";
}

namespace {

/// Whether `c` may start a name.
bool isIdentStart(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

/// Whether `c` is a decimal digit.
bool isDigit(char c) { return c >= '0' && c <= '9'; }

/// Whether `c` may continue a name.
bool isIdentChar(char c) { return isIdentStart(c) || isDigit(c); }

} // namespace

Lexer::Lexer(const SourceManager &sources, uint32_t file,
             DiagnosticEngine &diags)
    : sources(sources), file(file), diags(diags), text(sources.getText(file)) {}

SourceRange Lexer::rangeOf(uint32_t begin, uint32_t end) const {
  return {sources.getLoc(file, begin), sources.getLoc(file, end)};
}

Token Lexer::make(TokenKind kind, uint32_t begin) {
  Token tok;
  tok.kind = kind;
  tok.range = rangeOf(begin, pos);
  tok.text = text.substr(begin, pos - begin);
  tok.startsLine = atLineStart;
  atLineStart = false;
  return tok;
}

void Lexer::skipSpaceAndComments() {
  while (pos < text.size()) {
    char c = text[pos];
    if (c == '\n') {
      atLineStart = true;
      ++pos;
    } else if (c == ' ' || c == '\t' || c == '\r') {
      ++pos;
    } else if (c == '/' && pos + 1 < text.size() && text[pos + 1] == '/') {
      while (pos < text.size() && text[pos] != '\n')
        ++pos;
    } else if (c == '/' && pos + 1 < text.size() && text[pos + 1] == '*') {
      uint32_t begin = pos;
      pos += 2;
      bool closed = false;
      while (pos < text.size()) {
        if (text[pos] == '*' && pos + 1 < text.size() && text[pos + 1] == '/') {
          pos += 2;
          closed = true;
          break;
        }
        if (text[pos] == '\n')
          atLineStart = true;
        ++pos;
      }
      if (!closed)
        diags.error(rangeOf(begin, begin + 2),
                    "unterminated comment: '/*' has no matching '*/'");
    } else {
      return;
    }
  }
}

Token Lexer::next() {
  skipSpaceAndComments();
  uint32_t begin = pos;
  if (pos >= text.size())
    return make(TokenKind::Eof, begin);
  char c = text[pos];
  if (isIdentStart(c)) {
    while (pos < text.size() && isIdentChar(text[pos]))
      ++pos;
    return make(TokenKind::Identifier, begin);
  }
  if (isDigit(c) ||
      (c == '.' && pos + 1 < text.size() && isDigit(text[pos + 1])))
    return lexNumber(begin);
  if (c == '"')
    return lexString(begin);
  ++pos;
  switch (c) {
  case '(':
    return make(TokenKind::LParen, begin);
  case ')':
    return make(TokenKind::RParen, begin);
  case '[':
    return make(TokenKind::LBracket, begin);
  case ']':
    return make(TokenKind::RBracket, begin);
  case '{':
    return make(TokenKind::LBrace, begin);
  case '}':
    return make(TokenKind::RBrace, begin);
  case ',':
    return make(TokenKind::Comma, begin);
  case '=':
    return make(TokenKind::Equal, begin);
  case '-':
    if (pos < text.size() && text[pos] == '>') {
      ++pos;
      return make(TokenKind::Arrow, begin);
    }
    return make(TokenKind::Minus, begin);
  default:
    break;
  }
  // Swallow the rest of a UTF-8 sequence so one bad character is one error.
  while (pos < text.size() &&
         (static_cast<unsigned char>(text[pos]) & 0xC0) == 0x80)
    ++pos;
  Token tok = make(TokenKind::Error, begin);
  unsigned char uc = static_cast<unsigned char>(c);
  if (uc >= 0x20 && uc < 0x7F)
    diags.error(tok.range, std::string("unexpected character '") + c + "'");
  else
    diags.error(tok.range, "unexpected byte 0x" +
                               std::string(1, "0123456789abcdef"[uc >> 4]) +
                               std::string(1, "0123456789abcdef"[uc & 15]));
  return tok;
}

Token Lexer::lexNumber(uint32_t begin) {
  bool isFloat = false;
  while (pos < text.size() && isDigit(text[pos]))
    ++pos;
  if (pos < text.size() && text[pos] == '.') {
    isFloat = true;
    ++pos;
    while (pos < text.size() && isDigit(text[pos]))
      ++pos;
  }
  if (pos < text.size() && (text[pos] == 'e' || text[pos] == 'E')) {
    uint32_t save = pos++;
    if (pos < text.size() && (text[pos] == '+' || text[pos] == '-'))
      ++pos;
    if (pos < text.size() && isDigit(text[pos])) {
      isFloat = true;
      while (pos < text.size() && isDigit(text[pos]))
        ++pos;
    } else {
      pos = save;
    }
  }
  // A number glued to a name ("3x3") is one bad token, not two good ones.
  if (pos < text.size() && isIdentChar(text[pos])) {
    while (pos < text.size() && isIdentChar(text[pos]))
      ++pos;
    Token tok = make(TokenKind::Error, begin);
    diags.error(tok.range, "invalid number '" + std::string(tok.text) + "'");
    return tok;
  }
  Token tok = make(isFloat ? TokenKind::Float : TokenKind::Integer, begin);
  if (!isFloat) {
    auto res = std::from_chars(tok.text.data(),
                               tok.text.data() + tok.text.size(), tok.intValue);
    if (res.ec != std::errc()) {
      diags.error(tok.range,
                  "integer '" + std::string(tok.text) + "' is too large");
      tok.kind = TokenKind::Error;
    }
    tok.floatValue = static_cast<double>(tok.intValue);
    return tok;
  }
  std::string copy(tok.text);
  errno = 0;
  tok.floatValue = std::strtod(copy.c_str(), nullptr);
  if (errno == ERANGE && std::isinf(tok.floatValue)) {
    diags.error(tok.range, "number '" + copy + "' is too large");
    tok.kind = TokenKind::Error;
  }
  return tok;
}

Token Lexer::lexString(uint32_t begin) {
  ++pos; // opening quote
  std::string value;
  while (true) {
    if (pos >= text.size() || text[pos] == '\n') {
      Token tok = make(TokenKind::Error, begin);
      diags.error(rangeOf(begin, begin + 1),
                  "unterminated string: missing '\"' before the end of the "
                  "line");
      return tok;
    }
    char c = text[pos++];
    if (c == '"')
      break;
    if (c == '\\' && pos < text.size() && text[pos] != '\n') {
      char e = text[pos++];
      switch (e) {
      case 'n':
        value += '\n';
        break;
      case 't':
        value += '\t';
        break;
      case '"':
      case '\\':
        value += e;
        break;
      default:
        diags.error(rangeOf(pos - 2, pos),
                    std::string("unknown escape '\\") + e +
                        "' in string (use \\\" \\\\ \\n or \\t)");
        value += e;
      }
      continue;
    }
    value += c;
  }
  Token tok = make(TokenKind::String, begin);
  tok.value = std::move(value);
  return tok;
}

} // namespace frontend
} // namespace kiln

//===- Lexer.h - Tokens of the Kiln model language --------------*- C++ -*-===//
//
// Splits a .kiln file into tokens. Newlines are not tokens, but each token
// records whether it starts a line: the parser uses that only to resume after
// an error, so one run can report the independent errors of a file.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_FRONTEND_LEXER_H
#define KILN_FRONTEND_LEXER_H

#include "kiln/Frontend/Diagnostics.h"
#include "kiln/Frontend/Source.h"

#include <cstdint>
#include <string>
#include <string_view>

namespace kiln {
namespace frontend {

/// The kinds of token.
enum class TokenKind {
  Eof,
  Identifier,
  Integer,
  Float,
  String,
  LParen,
  RParen,
  LBracket,
  RBracket,
  LBrace,
  RBrace,
  Comma,
  Equal,
  Arrow,
  Minus,
  /// Text the lexer could not make sense of (already diagnosed).
  Error,
};

/// A human-readable name of a token kind, for "expected X" messages.
const char *getTokenKindName(TokenKind kind);

/// One token. `text` views the source buffer; for strings `value` holds the
/// unescaped contents.
struct Token {
  TokenKind kind = TokenKind::Eof;
  SourceRange range;
  std::string_view text;
  std::string value;
  int64_t intValue = 0;
  double floatValue = 0;
  bool startsLine = false;

  bool is(TokenKind k) const { return kind == k; }
};

/// Produces the tokens of one buffer on demand.
class Lexer {
public:
  Lexer(const SourceManager &sources, uint32_t file, DiagnosticEngine &diags);

  /// Returns the next token; Eof forever at the end.
  Token next();

private:
  Token make(TokenKind kind, uint32_t begin);
  void skipSpaceAndComments();
  Token lexNumber(uint32_t begin);
  Token lexString(uint32_t begin);
  SourceRange rangeOf(uint32_t begin, uint32_t end) const;

  const SourceManager &sources;
  uint32_t file;
  DiagnosticEngine &diags;
  std::string_view text;
  uint32_t pos = 0;
  bool atLineStart = true;
};

} // namespace frontend
} // namespace kiln

#endif // KILN_FRONTEND_LEXER_H

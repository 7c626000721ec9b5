//===- Parser.h - Parser of the Kiln model language -------------*- C++ -*-===//
//
// Recursive descent over the grammar in docs/language.md. On an error it
// reports, skips to the next statement (a name at the start of a line, or the
// end of the block) and continues, so one run reports the independent syntax
// errors of a file.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_FRONTEND_PARSER_H
#define KILN_FRONTEND_PARSER_H

#include "kiln/Frontend/AST.h"
#include "kiln/Frontend/Diagnostics.h"
#include "kiln/Frontend/Lexer.h"

namespace kiln {
namespace frontend {

/// Parses one buffer into an ast::File. Errors go to the DiagnosticEngine;
/// the returned tree holds everything that could be parsed.
class Parser {
public:
  Parser(const SourceManager &sources, uint32_t file, DiagnosticEngine &diags);

  ast::File parseFile();

  /// Parses the whole buffer as one value or chain (the defaults of the
  /// option tables are written this way). Null on error.
  ast::ExprPtr parseStandaloneValue();

private:
  void advance();
  void errorHere(const std::string &message);
  void errorMissing(const std::string &message);

  bool parseSection(ast::File &file);
  bool parseBlockBody(ast::Stmt &block, const Token &open);
  bool parseStatement(std::vector<ast::Stmt> &out);
  ast::ExprPtr parseChain();
  ast::ExprPtr parseValue();
  ast::ExprPtr parseCall();
  ast::ExprPtr parseList();
  bool parseArgs(ast::Expr &call);
  void recover();
  SourceRange from(SourceLoc begin) const;

  DiagnosticEngine &diags;
  Lexer lexer;
  Token tok;
  /// The token before `tok`, for the end of ranges and for recovery.
  Token prev;
  /// Offset of the first token of the statement being parsed.
  uint32_t stmtStart = 0;
  /// Nesting of lists and calls, bounded so no input can exhaust the stack.
  unsigned depth = 0;
};

/// Parses `file`, reporting problems to `diags`.
ast::File parse(const SourceManager &sources, uint32_t file,
                DiagnosticEngine &diags);

} // namespace frontend
} // namespace kiln

#endif // KILN_FRONTEND_PARSER_H

//===- Parser.cpp - Parser of the Kiln model language ---------------------===//

#include "kiln/Frontend/Parser.h"

namespace kiln {
namespace frontend {

namespace {

/// Deep enough for any real model, shallow enough for any stack.
constexpr unsigned kMaxDepth = 64;

/// A token as "expected ..., got X" messages name it.
std::string describe(const Token &tok) {
  switch (tok.kind) {
  case TokenKind::Eof:
  case TokenKind::Error:
    return getTokenKindName(tok.kind);
  case TokenKind::String:
    return "a string";
  default:
    return "'" + std::string(tok.text) + "'";
  }
}

} // namespace

Parser::Parser(const SourceManager &sources, uint32_t file,
               DiagnosticEngine &diags)
    : diags(diags), lexer(sources, file, diags) {
  advance();
}

void Parser::advance() {
  prev = std::move(tok);
  tok = lexer.next();
  if (diags.shouldStop())
    tok.kind = TokenKind::Eof;
}

SourceRange Parser::from(SourceLoc begin) const {
  return {begin, prev.range.end.isValid() ? prev.range.end : begin};
}

void Parser::errorHere(const std::string &message) {
  // The lexer has already reported an invalid token; a second message about
  // the same text would only repeat it.
  if (!tok.is(TokenKind::Error))
    diags.error(tok.range, message);
}

void Parser::recover() {
  // Resume at the next statement: a name that starts a line and does not
  // continue an argument list, or the '}' that ends the block. A '{' met on
  // the way is skipped with its contents, so the statements of a broken
  // nested block are not read as statements of this one.
  unsigned braces = 0;
  // The token the failed statement started with is no place to resume (that
  // would loop); any later one is.
  bool first = tok.range.begin.offset == stmtStart;
  while (!tok.is(TokenKind::Eof)) {
    if (tok.is(TokenKind::LBrace)) {
      ++braces;
    } else if (tok.is(TokenKind::RBrace)) {
      if (braces == 0)
        return;
      --braces;
    } else if (braces == 0 && !first && tok.is(TokenKind::Identifier) &&
               tok.startsLine) {
      bool continues = prev.is(TokenKind::Comma) ||
                       prev.is(TokenKind::LParen) ||
                       prev.is(TokenKind::LBracket) ||
                       prev.is(TokenKind::Equal) || prev.is(TokenKind::Arrow);
      if (!continues)
        return;
    }
    first = false;
    advance();
  }
}

ast::File Parser::parseFile() {
  ast::File file;
  file.fileId = tok.range.begin.file;
  while (!tok.is(TokenKind::Eof)) {
    stmtStart = tok.range.begin.offset;
    if (!parseSection(file))
      recover();
    // A stray '}' at the top level has no block to close.
    if (tok.is(TokenKind::RBrace)) {
      errorHere("'}' does not close any block");
      advance();
    }
  }
  return file;
}

ast::ExprPtr Parser::parseStandaloneValue() {
  ast::ExprPtr value = parseChain();
  if (value && !tok.is(TokenKind::Eof)) {
    errorHere("expected the end of the value, got " + describe(tok));
    return nullptr;
  }
  return value;
}

void Parser::errorMissing(const std::string &message) {
  // Something is missing after the previous token. When the next token is on
  // a later line, point just after the previous one, where it belongs.
  if (tok.is(TokenKind::Error))
    return;
  if (tok.startsLine && prev.range.end.isValid())
    diags.error({prev.range.end, prev.range.end}, message);
  else
    diags.error(tok.range, message);
}

bool Parser::parseSection(ast::File &file) {
  if (!tok.is(TokenKind::Identifier)) {
    errorHere("expected a section such as 'sequential NAME { ... }', "
              "'graph NAME { ... }', 'data { ... }' or 'train { ... }', got " +
              describe(tok));
    return false;
  }
  ast::Stmt section(ast::StmtKind::Block);
  SourceLoc begin = tok.range.begin;
  section.name = std::string(tok.text);
  section.nameRange = tok.range;
  advance();
  if (tok.is(TokenKind::Identifier) || tok.is(TokenKind::String)) {
    section.label =
        tok.is(TokenKind::String) ? tok.value : std::string(tok.text);
    section.labelRange = tok.range;
    advance();
  }
  if (!tok.is(TokenKind::LBrace)) {
    errorHere("expected '{' to open the '" + section.name + "' section, got " +
              describe(tok));
    return false;
  }
  Token open = tok;
  advance();
  bool ok = parseBlockBody(section, open);
  section.range = from(begin);
  file.sections.push_back(std::move(section));
  return ok;
}

bool Parser::parseBlockBody(ast::Stmt &block, const Token &open) {
  while (!tok.is(TokenKind::RBrace)) {
    if (tok.is(TokenKind::Eof)) {
      if (!diags.shouldStop())
        diags.error(open.range, "unterminated block: '{' of '" + block.name +
                                    "' has no matching '}'");
      return false;
    }
    stmtStart = tok.range.begin.offset;
    if (!parseStatement(block.body))
      recover();
  }
  advance(); // '}'
  return true;
}

bool Parser::parseStatement(std::vector<ast::Stmt> &out) {
  SourceLoc begin = tok.range.begin;
  if (tok.is(TokenKind::Identifier)) {
    Token name = tok;
    advance();
    if (tok.is(TokenKind::Equal)) {
      advance();
      ast::Stmt stmt(ast::StmtKind::Binding);
      stmt.name = std::string(name.text);
      stmt.nameRange = name.range;
      stmt.value = parseChain();
      if (!stmt.value)
        return false;
      stmt.range = from(begin);
      out.push_back(std::move(stmt));
      return true;
    }
    if (tok.is(TokenKind::LBrace)) {
      if (depth >= kMaxDepth) {
        errorHere("blocks are nested too deeply");
        return false;
      }
      Token open = tok;
      advance();
      ast::Stmt block(ast::StmtKind::Block);
      block.name = std::string(name.text);
      block.nameRange = name.range;
      ++depth;
      bool ok = parseBlockBody(block, open);
      --depth;
      block.range = from(begin);
      out.push_back(std::move(block));
      return ok;
    }
    // An expression statement that starts with a name: re-enter the value
    // parser with the name already consumed.
    ast::ExprPtr first = std::make_unique<ast::Expr>(ast::ExprKind::Call);
    first->text = std::string(name.text);
    first->nameRange = name.range;
    first->range = name.range;
    if (tok.is(TokenKind::LParen) && !parseArgs(*first))
      return false;
    first->range = from(begin);
    ast::ExprPtr value = std::move(first);
    if (tok.is(TokenKind::Arrow)) {
      ast::ExprPtr chain = std::make_unique<ast::Expr>(ast::ExprKind::Chain);
      chain->elements.push_back(std::move(value));
      while (tok.is(TokenKind::Arrow)) {
        advance();
        ast::ExprPtr step = parseValue();
        if (!step)
          return false;
        chain->elements.push_back(std::move(step));
      }
      chain->range = from(begin);
      value = std::move(chain);
    }
    ast::Stmt stmt(ast::StmtKind::Expr);
    stmt.value = std::move(value);
    stmt.range = from(begin);
    out.push_back(std::move(stmt));
    return true;
  }
  ast::ExprPtr value = parseChain();
  if (!value)
    return false;
  ast::Stmt stmt(ast::StmtKind::Expr);
  stmt.value = std::move(value);
  stmt.range = from(begin);
  out.push_back(std::move(stmt));
  return true;
}

ast::ExprPtr Parser::parseChain() {
  SourceLoc begin = tok.range.begin;
  ast::ExprPtr first = parseValue();
  if (!first || !tok.is(TokenKind::Arrow))
    return first;
  ast::ExprPtr chain = std::make_unique<ast::Expr>(ast::ExprKind::Chain);
  chain->elements.push_back(std::move(first));
  while (tok.is(TokenKind::Arrow)) {
    advance();
    ast::ExprPtr step = parseValue();
    if (!step)
      return nullptr;
    chain->elements.push_back(std::move(step));
  }
  chain->range = from(begin);
  return chain;
}

ast::ExprPtr Parser::parseValue() {
  SourceLoc begin = tok.range.begin;
  switch (tok.kind) {
  case TokenKind::Identifier:
    return parseCall();
  case TokenKind::LBracket:
    return parseList();
  case TokenKind::String: {
    auto e = std::make_unique<ast::Expr>(ast::ExprKind::String);
    e->text = tok.value;
    advance();
    e->range = from(begin);
    return e;
  }
  case TokenKind::Minus:
  case TokenKind::Integer:
  case TokenKind::Float: {
    bool negative = tok.is(TokenKind::Minus);
    if (negative) {
      advance();
      if (!tok.is(TokenKind::Integer) && !tok.is(TokenKind::Float)) {
        errorHere("expected a number after '-', got " + describe(tok));
        return nullptr;
      }
    }
    auto e = std::make_unique<ast::Expr>(tok.is(TokenKind::Integer)
                                             ? ast::ExprKind::Integer
                                             : ast::ExprKind::Float);
    e->intValue = negative ? -tok.intValue : tok.intValue;
    e->floatValue = negative ? -tok.floatValue : tok.floatValue;
    e->text = (negative ? "-" : "") + std::string(tok.text);
    advance();
    e->range = from(begin);
    return e;
  }
  case TokenKind::Error:
    // Already reported by the lexer.
    advance();
    return nullptr;
  default:
    errorHere("expected a value (a number, a string, a name or a list), got " +
              describe(tok));
    return nullptr;
  }
}

ast::ExprPtr Parser::parseCall() {
  SourceLoc begin = tok.range.begin;
  auto e = std::make_unique<ast::Expr>(ast::ExprKind::Call);
  e->text = std::string(tok.text);
  e->nameRange = tok.range;
  advance();
  if (tok.is(TokenKind::LParen) && !parseArgs(*e))
    return nullptr;
  e->range = from(begin);
  return e;
}

bool Parser::parseArgs(ast::Expr &call) {
  if (depth >= kMaxDepth) {
    errorHere("arguments are nested too deeply");
    return false;
  }
  Token open = tok;
  advance(); // '('
  call.hasParens = true;
  ++depth;
  struct Leave {
    unsigned &d;
    ~Leave() { --d; }
  } leave{depth};
  while (!tok.is(TokenKind::RParen)) {
    ast::Arg arg;
    if (tok.is(TokenKind::Identifier)) {
      // `name = value` or a value that starts with a name.
      Token name = tok;
      advance();
      if (tok.is(TokenKind::Equal)) {
        advance();
        arg.name = std::string(name.text);
        arg.nameRange = name.range;
        arg.value = parseValue();
      } else {
        auto e = std::make_unique<ast::Expr>(ast::ExprKind::Call);
        e->text = std::string(name.text);
        e->nameRange = name.range;
        if (tok.is(TokenKind::LParen) && !parseArgs(*e))
          return false;
        e->range = from(name.range.begin);
        arg.value = std::move(e);
      }
    } else {
      arg.value = parseValue();
    }
    if (!arg.value)
      return false;
    call.args.push_back(std::move(arg));
    if (tok.is(TokenKind::Comma)) {
      advance();
      continue;
    }
    if (!tok.is(TokenKind::RParen)) {
      if (tok.is(TokenKind::Eof))
        diags.error(open.range, "unterminated argument list: '(' of '" +
                                    call.text + "' has no matching ')'");
      else
        errorMissing("expected ',' or ')' after an argument of '" + call.text +
                     "', got " + describe(tok));
      return false;
    }
  }
  advance(); // ')'
  return true;
}

ast::ExprPtr Parser::parseList() {
  if (depth >= kMaxDepth) {
    errorHere("lists are nested too deeply");
    return nullptr;
  }
  SourceLoc begin = tok.range.begin;
  Token open = tok;
  advance(); // '['
  ++depth;
  struct Leave {
    unsigned &d;
    ~Leave() { --d; }
  } leave{depth};
  auto list = std::make_unique<ast::Expr>(ast::ExprKind::List);
  while (!tok.is(TokenKind::RBracket)) {
    ast::ExprPtr item = parseValue();
    if (!item)
      return nullptr;
    list->elements.push_back(std::move(item));
    if (tok.is(TokenKind::Comma)) {
      advance();
      continue;
    }
    if (!tok.is(TokenKind::RBracket)) {
      if (tok.is(TokenKind::Eof))
        diags.error(open.range, "unterminated list: '[' has no matching ']'");
      else
        errorMissing("expected ',' or ']' in a list, got " + describe(tok));
      return nullptr;
    }
  }
  advance(); // ']'
  list->range = from(begin);
  return list;
}

ast::File parse(const SourceManager &sources, uint32_t file,
                DiagnosticEngine &diags) {
  return Parser(sources, file, diags).parseFile();
}

} // namespace frontend
} // namespace kiln

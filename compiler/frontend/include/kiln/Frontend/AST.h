//===- AST.h - Syntax tree of the Kiln model language -----------*- C++ -*-===//
//
// The parser's output: a generic tree of blocks, statements and expressions,
// each with its source range. It knows nothing of layers or optimizers; what
// a name means is decided by semantic analysis against the layer and option
// tables (Specs.h), so the grammar stays small and the tables stay the single
// place that defines the vocabulary.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_FRONTEND_AST_H
#define KILN_FRONTEND_AST_H

#include "kiln/Frontend/Source.h"

#include <cstdint>
#include <iosfwd>
#include <memory>
#include <string>
#include <vector>

namespace kiln {
namespace frontend {
namespace ast {

/// The kinds of expression.
enum class ExprKind {
  /// An integer literal (possibly negative).
  Integer,
  /// A literal with a fraction or exponent.
  Float,
  /// A quoted string.
  String,
  /// A name, possibly applied to arguments: `relu`, `conv2d(32, 3)`,
  /// `adam(lr=1e-4)`. A bare word is a Call without parentheses.
  Call,
  /// `[a, b, ...]`.
  List,
  /// `a -> b -> c`: the output of each step feeds the next.
  Chain,
};

struct Expr;
/// Owning pointer to an expression.
using ExprPtr = std::unique_ptr<Expr>;

/// One argument of a call: positional when `name` is empty.
struct Arg {
  std::string name;
  SourceRange nameRange;
  ExprPtr value;
};

/// An expression. Which fields are meaningful depends on `kind`.
struct Expr {
  ExprKind kind;
  SourceRange range;
  /// Integer: the value; Float: the value (Integer also sets floatValue).
  int64_t intValue = 0;
  double floatValue = 0;
  /// Integer/Float: the spelling; String: the unescaped contents; Call: the
  /// callee's name.
  std::string text;
  /// Call: the range of the callee's name.
  SourceRange nameRange;
  /// Call: whether an argument list `(...)` was written.
  bool hasParens = false;
  /// Call: the arguments in source order.
  std::vector<Arg> args;
  /// List: the items; Chain: the steps (at least two).
  std::vector<ExprPtr> elements;

  explicit Expr(ExprKind kind) : kind(kind) {}

  /// A bare name: a Call without an argument list.
  bool isWord() const { return kind == ExprKind::Call && !hasParens; }
};

/// The kinds of statement.
enum class StmtKind {
  /// `name = expr`: a named value in a graph, or a setting in a section.
  Binding,
  /// An expression on its own: a layer (chain) of a sequential model, or an
  /// entry of a `defaults` block.
  Expr,
  /// `keyword [label] { statements }`: a section of the file or a nested
  /// group of settings.
  Block,
};

/// A statement.
struct Stmt {
  StmtKind kind;
  SourceRange range;
  /// Binding: the bound name; Block: the keyword.
  std::string name;
  SourceRange nameRange;
  /// Block: the optional label after the keyword (a name or a string).
  std::string label;
  SourceRange labelRange;
  /// Binding and Expr: the value.
  ExprPtr value;
  /// Block: the statements inside.
  std::vector<Stmt> body;

  explicit Stmt(StmtKind kind) : kind(kind) {}
};

/// A parsed file: its top-level blocks (sections).
struct File {
  uint32_t fileId = 0;
  std::vector<Stmt> sections;
};

/// Prints the tree with kinds, values and `<line:col-line:col>` ranges.
void dump(const File &file, const SourceManager &sources, std::ostream &os);

} // namespace ast
} // namespace frontend
} // namespace kiln

#endif // KILN_FRONTEND_AST_H

//===- AST.cpp - Syntax tree of the Kiln model language -------------------===//

#include "kiln/Frontend/AST.h"

#include <ostream>

namespace kiln {
namespace frontend {
namespace ast {

namespace {

/// Writes the tree one node per line, two spaces of indent per level.
class Dumper {
public:
  explicit Dumper(std::ostream &os) : os(os) {}

  void stmt(const Stmt &s, unsigned indent) {
    pad(indent);
    switch (s.kind) {
    case StmtKind::Binding:
      os << "binding " << s.name;
      break;
    case StmtKind::Expr:
      os << "statement";
      break;
    case StmtKind::Block:
      os << "block " << s.name;
      if (!s.label.empty())
        os << " \"" << s.label << "\"";
      break;
    }
    range(s.range);
    if (s.value)
      expr(*s.value, indent + 1);
    for (const Stmt &child : s.body)
      stmt(child, indent + 1);
  }

  void expr(const Expr &e, unsigned indent, const std::string &argName = "") {
    pad(indent);
    if (!argName.empty())
      os << argName << " = ";
    switch (e.kind) {
    case ExprKind::Integer:
      os << "int " << e.text;
      break;
    case ExprKind::Float:
      os << "float " << e.text;
      break;
    case ExprKind::String:
      os << "string \"";
      for (char c : e.text) {
        if (c == '\n')
          os << "\\n";
        else if (c == '\t')
          os << "\\t";
        else if (c == '"' || c == '\\')
          os << '\\' << c;
        else
          os << c;
      }
      os << "\"";
      break;
    case ExprKind::Call:
      os << (e.hasParens ? "call " : "name ") << e.text;
      break;
    case ExprKind::List:
      os << "list";
      break;
    case ExprKind::Chain:
      os << "chain";
      break;
    }
    range(e.range);
    for (const Arg &a : e.args)
      expr(*a.value, indent + 1, a.name);
    for (const ExprPtr &child : e.elements)
      expr(*child, indent + 1);
  }

private:
  void pad(unsigned indent) {
    for (unsigned i = 0; i < indent; ++i)
      os << "  ";
  }

  void range(const SourceRange &r) {
    os << " <" << r.begin.line << ":" << r.begin.col << "-" << r.end.line << ":"
       << r.end.col << ">\n";
  }

  std::ostream &os;
};

} // namespace

void dump(const File &file, const SourceManager &sources, std::ostream &os) {
  os << "file \"" << sources.getName(file.fileId) << "\"\n";
  Dumper d(os);
  for (const Stmt &s : file.sections)
    d.stmt(s, 1);
}

} // namespace ast
} // namespace frontend
} // namespace kiln

//===- CommandLine.h - Options of the train and infer mains -----*- C++ -*-===//
//
// A small option parser for the executables (the runtime links no LLVM):
// "--name value", "--name=value" and boolean "--name", positional arguments,
// "--" ending the options, and a help text generated from the declarations.
// Numbers must parse completely and lie in their declared range, so a typo
// is an error naming the option rather than a silent zero.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_RUNTIME_COMMANDLINE_H
#define KILN_RUNTIME_COMMANDLINE_H

#include "kiln/runtime/Status.h"

#include <cstdint>
#include <string>
#include <vector>

namespace kiln {
namespace rt {

/// Declared options and their destinations (which must outlive the parser).
class OptionParser {
public:
  /// `usage` is the synopsis line printed by help().
  OptionParser(std::string program, std::string usage);

  /// A boolean option set by its presence.
  void flag(const char *name, bool *out, const char *help);
  /// An option with a text value.
  void text(const char *name, std::string *out, const char *meta,
            const char *help);
  /// An option with an integer value in [min, max]; `given`, when not null,
  /// is set when the option appears.
  void integer(const char *name, int64_t *out, int64_t min, int64_t max,
               const char *help, bool *given = nullptr);
  /// An option with a real value in [min, max].
  void real(const char *name, double *out, double min, double max,
            const char *help, bool *given = nullptr);

  /// Parses argv[1..argc); positional arguments go to `positional`. Sets
  /// `helpRequested` on -h/--help (and stops).
  Status parse(int argc, char **argv, std::vector<std::string> &positional,
               bool &helpRequested);

  /// The synopsis and one line per option.
  std::string help() const;

private:
  enum class Kind { Flag, Text, Integer, Real };
  struct Option {
    std::string name;
    Kind kind;
    void *out;
    bool *given;
    std::string meta;
    std::string help;
    double min, max;
  };
  Status assign(const Option &option, const std::string &value);

  std::string program;
  std::string usage;
  std::vector<Option> options;
};

} // namespace rt
} // namespace kiln

#endif // KILN_RUNTIME_COMMANDLINE_H

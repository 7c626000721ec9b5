//===- kilnc.cpp - The Kiln compiler driver -------------------------------===//
//
// Reads a .kiln model file and runs the compiler up to the stage asked for.
// Today that is the frontend: `--emit=ast` stops after parsing,
// `--emit=network` and `--summary` after semantic analysis. Later stages
// (MLIR, Halide, linking) add EmitKind values and their options here.
//
// Exit status: 0 success, 1 the model has errors, 2 bad command line.
//
//===----------------------------------------------------------------------===//

#include "kiln/Frontend/Parser.h"
#include "kiln/Frontend/Sema.h"
#include "kiln/Frontend/Specs.h"

#include <cstdlib>
#include <iostream>
#include <string>
#include <string_view>

using namespace kiln::frontend;

namespace {

/// The stage the driver stops after and what it prints.
enum class EmitKind {
  /// Check the model and print nothing but diagnostics.
  None,
  /// The syntax tree (stops after parsing).
  Ast,
  /// The resolved network (stops after semantic analysis).
  Network,
};

/// The parsed command line.
struct Options {
  std::string input;
  EmitKind emit = EmitKind::None;
  bool summary = false;
  bool reference = false;
  unsigned maxErrors = 20;
};

const char *const usage =
    "USAGE: kilnc [options] FILE.kiln\n"
    "\n"
    "Compiles a Kiln model file. Today: parse and check it.\n"
    "\n"
    "OPTIONS:\n"
    "  --emit=ast       print the syntax tree and stop\n"
    "  --emit=network   print the resolved network: layers with shapes and\n"
    "                   explicit padding, parameters, training and data\n"
    "  --summary        print a Keras-like summary: layers, output shapes,\n"
    "                   parameter counts, totals and the training set-up\n"
    "  --reference      print every layer, option and setting of the\n"
    "                   language with its type and default, and exit\n"
    "  --max-errors=N   stop after N errors (default 20)\n"
    "  -h, --help       print this help\n";

/// Parses argv; on a bad command line prints why and returns false.
bool parseArgs(int argc, char **argv, Options &opts) {
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    auto value = [&](std::string_view prefix, std::string_view &out) {
      if (arg.substr(0, prefix.size()) != prefix)
        return false;
      out = arg.substr(prefix.size());
      return true;
    };
    std::string_view v;
    if (arg == "-h" || arg == "--help") {
      std::cout << usage;
      std::exit(0);
    } else if (value("--emit=", v)) {
      if (v == "ast")
        opts.emit = EmitKind::Ast;
      else if (v == "network")
        opts.emit = EmitKind::Network;
      else {
        std::cerr << "kilnc: unknown --emit kind '" << v
                  << "' (expected ast or network)\n";
        return false;
      }
    } else if (arg == "--summary") {
      opts.summary = true;
    } else if (arg == "--reference") {
      opts.reference = true;
    } else if (value("--max-errors=", v)) {
      char *end = nullptr;
      std::string s(v);
      unsigned long n = std::strtoul(s.c_str(), &end, 10);
      if (s.empty() || *end || n == 0 || n > 10000) {
        std::cerr << "kilnc: --max-errors needs a number from 1 to 10000\n";
        return false;
      }
      opts.maxErrors = static_cast<unsigned>(n);
    } else if (arg.size() > 1 && arg[0] == '-') {
      std::cerr << "kilnc: unknown option '" << arg << "'\n";
      return false;
    } else if (!opts.input.empty()) {
      std::cerr << "kilnc: more than one input file ('" << opts.input
                << "' and '" << arg << "')\n";
      return false;
    } else {
      opts.input = std::string(arg);
    }
  }
  if (opts.input.empty() && !opts.reference) {
    std::cerr << "kilnc: no input file\n" << usage;
    return false;
  }
  return true;
}

} // namespace

int main(int argc, char **argv) {
  Options opts;
  if (!parseArgs(argc, argv, opts))
    return 2;
  if (opts.reference) {
    printReference(std::cout);
    return 0;
  }

  SourceManager sources;
  std::string error;
  uint32_t file = sources.addFile(opts.input, error);
  if (!file) {
    std::cerr << "kilnc: error: " << error << "\n";
    return 1;
  }
  DiagnosticEngine diags(sources, &std::cerr);
  diags.setErrorLimit(opts.maxErrors);

  ast::File tree = parse(sources, file, diags);
  if (opts.emit == EmitKind::Ast) {
    if (diags.hadError())
      return 1;
    ast::dump(tree, sources, std::cout);
    return 0;
  }

  Network net;
  SemaOptions semaOptions;
  semaOptions.syntaxErrors = diags.hadError();
  analyze(tree, sources, diags, net, semaOptions);
  if (diags.hadError())
    return 1;
  if (opts.emit == EmitKind::Network)
    printNetwork(net, std::cout);
  if (opts.summary)
    printSummary(net, sources, std::cout);
  return 0;
}

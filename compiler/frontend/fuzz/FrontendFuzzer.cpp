//===- FrontendFuzzer.cpp - libFuzzer target for the model frontend -------===//
//
// Feeds arbitrary bytes through the lexer, parser, AST dump, semantic
// analysis and every printer, and checks the invariants later stages rely on
// for every model the frontend accepts. Built with clang's
// -fsanitize=fuzzer,address,undefined (see CMakeLists.txt); any crash,
// sanitizer report or broken invariant is a bug.
//
//===----------------------------------------------------------------------===//

#include "kiln/Frontend/Parser.h"
#include "kiln/Frontend/Sema.h"

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <sstream>
#include <string>

using namespace kiln;
using namespace kiln::frontend;

namespace {

/// Stops the run with a message; libFuzzer saves the input that got here.
void fail(const char *what) {
  std::fprintf(stderr, "frontend invariant broken: %s\n", what);
  std::abort();
}

/// What MLIRGen and the summary assume of a resolved network.
void checkInvariants(const Network &net) {
  if (net.layers.empty() || net.output >= net.layers.size() ||
      net.input >= net.layers.size())
    fail("input/output index");
  if (net.layers[net.input].kind != LayerKind::Input)
    fail("input layer kind");
  const shape::Dims &out = net.layers[net.output].shape;
  if (out.size() != 2 || out[1] != net.data.numClasses)
    fail("output shape");
  size_t params = 0;
  for (size_t i = 0; i < net.layers.size(); ++i) {
    const Layer &l = net.layers[i];
    for (unsigned in : l.inputs)
      if (in >= i)
        fail("layers not in topological order");
    if (l.shape.empty() || l.shape[0] != shape::kDynamic)
      fail("batch extent");
    for (size_t d = 1; d < l.shape.size(); ++d)
      if (l.shape[d] <= 0)
        fail("non-positive extent");
    for (unsigned p : l.params)
      if (p >= net.params.size() || net.params[p].layer != i)
        fail("parameter ownership");
    params += l.params.size();
  }
  if (params != net.params.size())
    fail("parameter count");
  if (net.getNumTrainableParams() > net.getNumParams())
    fail("trainable count");
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  SourceManager sources;
  uint32_t file = sources.addBuffer(
      "fuzz.kiln", std::string(reinterpret_cast<const char *>(data), size));
  DiagnosticEngine diags(sources, nullptr);
  ast::File tree = parse(sources, file, diags);
  std::ostringstream os;
  ast::dump(tree, sources, os);
  Network net;
  SemaOptions options;
  options.syntaxErrors = diags.hadError();
  bool ok = analyze(tree, sources, diags, net, options);
  for (const Diagnostic &d : diags.getDiagnostics())
    os << diags.format(d);
  if (ok && !diags.hadError()) {
    checkInvariants(net);
    printSummary(net, sources, os);
    printNetwork(net, os);
  }
  return 0;
}

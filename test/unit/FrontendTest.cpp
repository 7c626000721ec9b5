//===- FrontendTest.cpp - Tests of the model language's frontend ----------===//
//
// Lexer, parser, option tables and semantic analysis, through the library's
// API (the lit tests in test/Frontend go through kilnc).
//
//===----------------------------------------------------------------------===//

#include "kiln/Frontend/Lexer.h"
#include "kiln/Frontend/Parser.h"
#include "kiln/Frontend/Sema.h"
#include "kiln/Frontend/Specs.h"

#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <set>
#include <sstream>

using namespace kiln;
using namespace kiln::frontend;

namespace {

/// One buffer run through the whole frontend.
struct Compiled {
  SourceManager sources;
  std::unique_ptr<DiagnosticEngine> diags;
  Network net;
  bool ok = false;

  explicit Compiled(const std::string &text) {
    uint32_t file = sources.addBuffer("test.kiln", text);
    diags = std::make_unique<DiagnosticEngine>(sources, nullptr);
    ok = compileBuffer(sources, file, *diags, net);
  }

  std::string messages() const {
    std::string s;
    for (const Diagnostic &d : diags->getDiagnostics())
      s += diags->format(d);
    return s;
  }
};

std::vector<Token> lexAll(const std::string &text, unsigned &errors) {
  SourceManager sources;
  uint32_t file = sources.addBuffer("t", text);
  DiagnosticEngine diags(sources, nullptr);
  Lexer lexer(sources, file, diags);
  std::vector<Token> toks;
  while (true) {
    Token t = lexer.next();
    // Views into the buffer die with `sources`; keep only the kinds/values.
    t.text = {};
    toks.push_back(t);
    if (t.is(TokenKind::Eof))
      break;
  }
  errors = diags.getNumErrors();
  return toks;
}

// Tests that every token kind is recognised with its value and position,
// and that comments and line breaks only mark the next token as starting a
// line.
TEST(Lexer, TokensValuesAndLines) {
  unsigned errors = 0;
  std::vector<Token> t = lexAll(
      "a_1 = f(3, -2.5e-3, .5, \"x\\\"y\") // c\n/* b\n */ [1] { } ->", errors);
  EXPECT_EQ(errors, 0u);
  std::vector<TokenKind> kinds;
  for (const Token &k : t)
    kinds.push_back(k.kind);
  std::vector<TokenKind> expected = {
      TokenKind::Identifier, TokenKind::Equal,    TokenKind::Identifier,
      TokenKind::LParen,     TokenKind::Integer,  TokenKind::Comma,
      TokenKind::Minus,      TokenKind::Float,    TokenKind::Comma,
      TokenKind::Float,      TokenKind::Comma,    TokenKind::String,
      TokenKind::RParen,     TokenKind::LBracket, TokenKind::Integer,
      TokenKind::RBracket,   TokenKind::LBrace,   TokenKind::RBrace,
      TokenKind::Arrow,      TokenKind::Eof};
  EXPECT_EQ(kinds, expected);
  EXPECT_EQ(t[4].intValue, 3);
  EXPECT_DOUBLE_EQ(t[7].floatValue, 2.5e-3);
  EXPECT_DOUBLE_EQ(t[9].floatValue, 0.5);
  EXPECT_EQ(t[11].value, "x\"y");
  EXPECT_TRUE(t[0].startsLine);
  EXPECT_FALSE(t[1].startsLine);
  // '[' follows a comment that spans a line break.
  EXPECT_TRUE(t[13].startsLine);
  EXPECT_EQ(t[13].range.begin.line, 3u);
  EXPECT_EQ(t[13].range.begin.col, 5u);
}

// Tests that bad text becomes one Error token with one diagnostic each: an
// unterminated string, a number glued to a name, a too large integer and a
// stray non-ASCII byte sequence.
TEST(Lexer, ErrorsAreSingleTokens) {
  for (const char *text :
       {"\"abc\n", "3x3", "99999999999999999999", "\xc3\xa9", "1e999", "#"}) {
    unsigned errors = 0;
    std::vector<Token> t = lexAll(text, errors);
    EXPECT_EQ(errors, 1u) << text;
    ASSERT_EQ(t.size(), 2u) << text;
    EXPECT_TRUE(t[0].is(TokenKind::Error)) << text;
  }
}

// Tests that the parser builds bindings, blocks, chains and named arguments
// with their ranges.
TEST(Parser, BuildsTheTree) {
  SourceManager sources;
  uint32_t file = sources.addBuffer(
      "t", "graph g {\n  y = x -> conv2d(8, kernel=[3, 3],)\n}\ntrain { "
           "early_stopping { patience = 2 } }\n");
  DiagnosticEngine diags(sources, nullptr);
  ast::File tree = parse(sources, file, diags);
  ASSERT_FALSE(diags.hadError());
  ASSERT_EQ(tree.sections.size(), 2u);
  const ast::Stmt &g = tree.sections[0];
  EXPECT_EQ(g.name, "graph");
  EXPECT_EQ(g.label, "g");
  ASSERT_EQ(g.body.size(), 1u);
  const ast::Stmt &y = g.body[0];
  EXPECT_EQ(y.kind, ast::StmtKind::Binding);
  ASSERT_EQ(y.value->kind, ast::ExprKind::Chain);
  ASSERT_EQ(y.value->elements.size(), 2u);
  const ast::Expr &conv = *y.value->elements[1];
  EXPECT_EQ(conv.text, "conv2d");
  ASSERT_EQ(conv.args.size(), 2u);
  EXPECT_TRUE(conv.args[0].name.empty());
  EXPECT_EQ(conv.args[1].name, "kernel");
  EXPECT_EQ(conv.args[1].value->kind, ast::ExprKind::List);
  EXPECT_EQ(conv.range.begin.line, 2u);
  EXPECT_EQ(conv.range.begin.col, 12u);
  EXPECT_EQ(conv.range.end.col, 37u);
  const ast::Stmt &train = tree.sections[1];
  ASSERT_EQ(train.body.size(), 1u);
  EXPECT_EQ(train.body[0].kind, ast::StmtKind::Block);
  EXPECT_EQ(train.body[0].body[0].name, "patience");
}

// Tests that a statement after a syntax error is still parsed.
TEST(Parser, RecoversAtTheNextStatement) {
  SourceManager sources;
  uint32_t file = sources.addBuffer(
      "t",
      "sequential s {\n  dense(10 20)\n  flatten\n  ] relu\n  dense(5)\n}");
  DiagnosticEngine diags(sources, nullptr);
  ast::File tree = parse(sources, file, diags);
  EXPECT_EQ(diags.getNumErrors(), 2u);
  ASSERT_EQ(tree.sections.size(), 1u);
  std::vector<std::string> names;
  for (const ast::Stmt &s : tree.sections[0].body)
    names.push_back(s.value->text);
  EXPECT_EQ(names, (std::vector<std::string>{"flatten", "dense"}));
}

// Tests that deeply nested lists and blocks are rejected, not a stack
// overflow.
TEST(Parser, BoundsNesting) {
  std::string lists = "s m { x = " + std::string(100000, '[') + " }";
  std::string blocks;
  for (int i = 0; i < 10000; ++i)
    blocks += "a {";
  for (const std::string &text : {lists, "train { " + blocks}) {
    SourceManager sources;
    uint32_t file = sources.addBuffer("t", text);
    DiagnosticEngine diags(sources, nullptr);
    parse(sources, file, diags);
    EXPECT_TRUE(diags.hadError());
  }
}

// Tests the diagnostic format: location, message, source line, and a caret
// with an underline that keeps tabs aligned.
TEST(Diagnostics, FormatsLineAndCaret) {
  SourceManager sources;
  uint32_t file = sources.addBuffer("f.kiln", "a\n\tbb  ccc\n");
  DiagnosticEngine diags(sources, nullptr);
  diags.error({sources.getLoc(file, 6), sources.getLoc(file, 9)}, "bad");
  EXPECT_EQ(diags.format(diags.getDiagnostics()[0]),
            "f.kiln:2:5: error: bad\n\tbb  ccc\n\t   ^~~\n");
}

// Tests that the error limit stops reporting and says so once.
TEST(Diagnostics, StopsAtTheLimit) {
  SourceManager sources;
  sources.addBuffer("f", "x");
  DiagnosticEngine diags(sources, nullptr);
  diags.setErrorLimit(2);
  for (int i = 0; i < 5; ++i)
    diags.error({}, "e");
  EXPECT_EQ(diags.getNumErrors(), 2u);
  EXPECT_TRUE(diags.shouldStop());
  ASSERT_EQ(diags.getDiagnostics().size(), 3u);
  EXPECT_EQ(diags.getDiagnostics()[2].severity, Severity::Note);
}

// Tests "did you mean": transpositions, case, underscores and prefixes
// count as close; unrelated names are not suggested.
TEST(Specs, Suggestions) {
  std::vector<std::string> names = {"image", "conv2d", "maxpool2d", "train"};
  EXPECT_EQ(editDistance("imgae", "image"), 1u);
  EXPECT_EQ(suggest("imgae", names), "image");
  EXPECT_EQ(suggest("Conv2D", names), "conv2d");
  EXPECT_EQ(suggest("max_pool2d", names), "maxpool2d");
  EXPECT_EQ(suggest("training", names), "train");
  EXPECT_EQ(suggest("softmax", names), "");
}

// Tests the table's shape: names unique within each list, words defaults
// among their words, call defaults members of their family.
TEST(Specs, TableIsConsistent) {
  std::set<std::string> layers;
  for (const LayerSpec &l : getLayerSpecs()) {
    EXPECT_TRUE(layers.insert(l.call.name).second) << l.call.name;
    std::set<std::string> options;
    for (const OptionSpec &o : l.call.options) {
      EXPECT_TRUE(options.insert(o.name).second)
          << l.call.name << "." << o.name;
      if (o.type == OptionType::Call && !o.defaultText.empty()) {
        EXPECT_NE(o.family->find(o.defaultValue->text), nullptr) << o.name;
      }
    }
  }
  EXPECT_NE(findLayerSpec("conv2d"), nullptr);
  EXPECT_EQ(findLayerSpec("conv3d"), nullptr);
}

/// Writes `name=<default>` for every option of `c` that has a default.
std::string defaultArgs(const CallSpec &c,
                        const std::map<std::string, std::string> &override) {
  std::string s;
  for (const OptionSpec &o : c.options) {
    std::string value;
    auto it = override.find(o.name);
    if (it != override.end())
      value = it->second;
    else if (!o.defaultText.empty())
      value = o.defaultText;
    else
      continue;
    s += (s.empty() ? "" : ", ") + o.name + "=" + value;
  }
  return s;
}

/// A value of `o`'s type within its bounds, for required options.
std::string sampleValue(const OptionSpec &o) {
  switch (o.type) {
  case OptionType::Int:
    return std::to_string(std::isfinite(o.lo) ? static_cast<int64_t>(o.lo) + 1
                                              : 1);
  case OptionType::Float:
    return "0.5";
  case OptionType::String:
    return "\"file\"";
  default:
    ADD_FAILURE() << "no sample for " << o.name;
    return "";
  }
}

// Tests that every default written in the table is a valid value of its
// option, by writing each one out as a user would and compiling the file:
// every layer's defaults in a defaults block, every family member with its
// defaults (and sample values for required options), every section setting.
TEST(Specs, EveryDefaultCompiles) {
  std::string text = "defaults {\n";
  for (const LayerSpec &l : getLayerSpecs()) {
    std::string args = defaultArgs(l.call, {});
    if (!args.empty())
      text += "  " + l.call.name + "(" + args + ")\n";
  }
  auto member = [](const CallSpec &c) {
    std::map<std::string, std::string> req;
    for (const OptionSpec &o : c.options)
      if (o.isRequired())
        req[o.name] = sampleValue(o);
    return c.name + "(" + defaultArgs(c, req) + ")";
  };
  text += "}\nsequential m {\n  input([28, 28, 1])\n  flatten\n";
  for (const CallSpec &c : getInitializerFamily().members)
    text += "  dense(10, kernel_initializer=" + member(c) + ")\n";
  for (const CallSpec &c : getRegularizerFamily().members)
    text += "  dense(10, bias_regularizer=" + member(c) + ")\n";
  text += "  dense(10, activation=softmax)\n}\n";
  text += "data { " + defaultArgs(getDataSpec(), {}) + " }\n";
  std::string train =
      "train {\n" + defaultArgs(getTrainSpec(), {{"validation_split", "0.2"}});
  for (const char *block : {"early_stopping", "augment"}) {
    const OptionSpec &o =
        getTrainSpec().options[getTrainSpec().findOption(block)];
    train += std::string("\n  ") + block + " { " +
             defaultArgs(*o.block, {{"rotation", "10"}}) + " }";
  }
  // Settings are `name = value` statements, not comma-separated.
  for (size_t i; (i = train.find(", ")) != std::string::npos;)
    train.replace(i, 2, "\n  ");
  text += train + "\n}\n";
  Compiled c(text);
  EXPECT_TRUE(c.ok) << text << "\n" << c.messages();
  // Each family member in its own setting.
  for (const Family *f : {&getOptimizerFamily(), &getLossFamily(),
                          &getScheduleFamily(), &getDatasetFamily()}) {
    for (const CallSpec &m : f->members) {
      std::string setting = f == &getOptimizerFamily()  ? "optimizer"
                            : f == &getLossFamily()     ? "loss"
                            : f == &getScheduleFamily() ? "lr_schedule"
                                                        : "dataset";
      bool isData = f == &getDatasetFamily();
      std::string model = "sequential m { input([28, 28, 1]) flatten "
                          "dense(10, activation=softmax) }\n";
      std::string value = member(m);
      if (f == &getLossFamily())
        value = m.name; // its default (from_logits=false) fits the model
      Compiled one(model + (isData ? "data { " : "train { ") + setting + " = " +
                   value + " }\n");
      EXPECT_TRUE(one.ok) << m.name << "\n" << one.messages();
    }
  }
}

// Tests the resolved network as MLIRGen reads it: topological layers with
// inputs and shapes, explicit padding, parameters by role, the softmax flag.
TEST(Sema, ResolvedNetwork) {
  Compiled c("graph g {\n"
             "  x = input([28, 28, 1])\n"
             "  a = x -> conv2d(4, 3, stride=2, padding=same) -> batchnorm\n"
             "  b = x -> conv2d(4, 1, stride=2)\n"
             "  output = add(a, b) -> relu -> flatten -> dense(10, "
             "activation=softmax)\n"
             "}\n");
  ASSERT_TRUE(c.ok) << c.messages();
  const Network &net = c.net;
  EXPECT_TRUE(net.isGraph);
  EXPECT_TRUE(net.outputSoftmax);
  ASSERT_EQ(net.layers.size(), 8u);
  for (size_t i = 0; i < net.layers.size(); ++i)
    for (unsigned in : net.layers[i].inputs)
      EXPECT_LT(in, i);
  const Layer &conv = net.layers[1];
  EXPECT_EQ(conv.kind, LayerKind::Conv2D);
  EXPECT_EQ(conv.shape, (shape::Dims{shape::kDynamic, 14, 14, 4}));
  EXPECT_EQ(conv.pads[0].before, 0);
  EXPECT_EQ(conv.pads[0].after, 1);
  const Parameter *kernel = net.findParam(conv, ParamRole::Kernel);
  ASSERT_NE(kernel, nullptr);
  EXPECT_EQ(kernel->shape, (shape::Dims{3, 3, 1, 4}));
  EXPECT_EQ(kernel->init.kind, Initializer::Kind::VarianceScaling);
  EXPECT_EQ(kernel->init.mode, FanMode::FanAvg);
  const Layer &bn = net.layers[2];
  EXPECT_EQ(bn.name, "a");
  EXPECT_DOUBLE_EQ(bn.momentum, 0.99);
  EXPECT_FALSE(net.findParam(bn, ParamRole::MovingMean)->trainable);
  EXPECT_TRUE(net.findParam(bn, ParamRole::Gamma)->trainable);
  const Layer &add = net.layers[4];
  EXPECT_EQ(add.kind, LayerKind::Add);
  EXPECT_EQ(add.inputs, (std::vector<unsigned>{2, 3}));
  EXPECT_EQ(net.layers[net.output].kind, LayerKind::Dense);
  EXPECT_EQ(net.layers[net.input].kind, LayerKind::Input);
  // conv 3*3*1*4+4, bn 4*4, conv 1*1*1*4+4, dense 784*10+10.
  EXPECT_EQ(net.getNumParams(), 40 + 16 + 8 + 7850);
  EXPECT_EQ(net.getNumTrainableParams(), 40 + 8 + 8 + 7850);
}

// Tests that errors leave a file invalid and are counted once each, and that
// the values depending on a broken layer are not reported again.
TEST(Sema, ReportsIndependentErrorsOnce) {
  Compiled c("sequential m {\n  input([28, 28, 1])\n  conv2d(8, 40)\n"
             "  conv2d(8, 3, bogus=1)\n  flatten\n  dense(10)\n}\n");
  EXPECT_FALSE(c.ok);
  EXPECT_EQ(c.diags->getNumErrors(), 2u) << c.messages();
  EXPECT_NE(c.messages().find("window of 40"), std::string::npos);
  EXPECT_NE(c.messages().find("unknown option 'bogus'"), std::string::npos);
}

// Tests number and shape formatting used in every printed form.
TEST(Network, Formatting) {
  EXPECT_EQ(formatNumber(0.001), "0.001");
  EXPECT_EQ(formatNumber(1e-7), "1e-07");
  EXPECT_EQ(formatNumber(1.001e-5), "1.001e-05");
  EXPECT_EQ(formatNumber(180), "180");
  EXPECT_EQ(formatNumber(0.1), "0.1");
  EXPECT_EQ(formatCount(3383589), "3,383,589");
  EXPECT_EQ(formatCount(999), "999");
  EXPECT_EQ(formatShape({shape::kDynamic, 7, 7, 128}), "(None, 7, 7, 128)");
}

} // namespace

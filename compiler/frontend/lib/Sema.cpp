//===- Sema.cpp - Semantic analysis of Kiln model files -------------------===//

#include "kiln/Frontend/Sema.h"

#include "kiln/Frontend/Parser.h"
#include "kiln/Frontend/Specs.h"

#include <map>
#include <set>

namespace kiln {
namespace frontend {

namespace {

/// Bounds the depth of graph value resolution (it recurses through uses).
constexpr size_t kMaxValueDepth = 2000;

/// `s` in single quotes, as messages quote names.
std::string quote(const std::string &s) { return "'" + s + "'"; }

/// "the integer 3", "a string", "the name 'relu'", ... for type errors.
std::string describe(const ast::Expr &e) {
  switch (e.kind) {
  case ast::ExprKind::Integer:
    return "the integer " + e.text;
  case ast::ExprKind::Float:
    return "the number " + e.text;
  case ast::ExprKind::String:
    return "a string";
  case ast::ExprKind::Call:
    return e.hasParens ? "a call of " + quote(e.text)
                       : "the name " + quote(e.text);
  case ast::ExprKind::List:
    return "a list";
  case ast::ExprKind::Chain:
    return "a chain of '->' steps";
  }
  return "a value";
}

/// `msg` followed by "did you mean" when a name is close to `typo`.
std::string withSuggestion(std::string msg, const std::string &typo,
                           const std::vector<std::string> &names) {
  std::string s = suggest(typo, names);
  if (!s.empty())
    msg += "; did you mean " + quote(s) + "?";
  return msg;
}

/// The names of a call's options, for suggestions.
std::vector<std::string> optionNames(const CallSpec &c) {
  std::vector<std::string> names;
  for (const OptionSpec &o : c.options)
    names.push_back(o.name);
  return names;
}

/// The names of a family's members, for suggestions.
std::vector<std::string> memberNames(const Family &f) {
  std::vector<std::string> names;
  for (const CallSpec &c : f.members)
    names.push_back(c.name);
  return names;
}

/// The names of every layer kind, for suggestions.
std::vector<std::string> layerNames() {
  std::vector<std::string> names;
  for (const LayerSpec &l : getLayerSpecs())
    names.push_back(l.call.name);
  return names;
}

/// The steps of a chain, or the expression itself as a one-step chain.
std::vector<const ast::Expr *> stepsOf(const ast::Expr &e) {
  std::vector<const ast::Expr *> steps;
  if (e.kind == ast::ExprKind::Chain) {
    for (const ast::ExprPtr &s : e.elements)
      steps.push_back(s.get());
  } else {
    steps.push_back(&e);
  }
  return steps;
}

/// The analysis of one file.
class Sema {
public:
  Sema(DiagnosticEngine &diags, Network &net, const SemaOptions &options)
      : diags(diags), net(net), options(options) {}

  void run(const ast::File &file);

private:
  // --- Binding calls and settings against the tables ---------------------
  std::shared_ptr<BoundCall> bindCall(const CallSpec &spec,
                                      const ast::Expr &call,
                                      const BoundCall *userDefaults,
                                      bool partial);
  std::shared_ptr<BoundCall> bindSettings(const CallSpec &spec,
                                          const ast::Stmt &block);
  bool completeDefaults(const CallSpec &spec, BoundCall &bound,
                        const std::vector<bool> &given,
                        const BoundCall *userDefaults);
  bool convert(const OptionSpec &o, const CallSpec &owner, const ast::Expr &e,
               OptionValue &v);
  bool checkBounds(const OptionSpec &o, const CallSpec &owner,
                   const ast::Expr &e, double value);
  std::string optionLabel(const OptionSpec &o, const CallSpec &owner) const {
    return "option " + quote(o.name) + " of " + owner.name;
  }

  // --- Sections -----------------------------------------------------------
  void collectDefaults(const ast::Stmt &block);
  void resolveData(const ast::Stmt *block);
  void resolveTrain(const ast::Stmt *block);
  void buildSequential(const ast::Stmt &block);
  void buildGraph(const ast::Stmt &block);
  void checkOptionsOnly(const ast::Stmt &block);
  void checkModel();

  // --- Layers -------------------------------------------------------------
  int buildLayer(const ast::Expr &call, const LayerSpec &spec,
                 std::vector<int> inputs, const std::string &valueName);
  bool resolveLayer(Layer &layer, const BoundCall &b, const LayerSpec &spec);
  bool layerError(const Layer &layer, const std::string &msg) {
    diags.error(layer.range, layer.typeName + ": " + msg);
    return false;
  }
  bool applyShape(Layer &layer, const shape::ShapeResult &r) {
    if (!r.ok())
      return layerError(layer, r.error);
    layer.shape = r.dims;
    return true;
  }
  bool applyActivation(Layer &layer);
  void addWeights(Layer &layer, unsigned index, const BoundCall &b,
                  const shape::Dims &kernel, int64_t fanIn, int64_t fanOut);
  void addParam(Layer &layer, unsigned index, ParamRole role,
                const shape::Dims &shape, const Initializer &init,
                const Regularizer &reg, bool trainable, int64_t fanIn,
                int64_t fanOut);
  std::string autoName(const std::string &typeName);
  bool checkSizes(const Layer &layer);

  // --- Graph values -------------------------------------------------------
  int resolveBinding(size_t index, SourceRange use);
  int evalChain(const ast::Expr &value, const std::string &valueName);
  int resolveRef(const std::string &name, SourceRange use);
  void pruneUnused();

  DiagnosticEngine &diags;
  Network &net;
  SemaOptions options;

  std::map<std::string, std::shared_ptr<BoundCall>> layerDefaults;
  std::map<std::string, unsigned> nameCounters;
  std::set<std::string> usedNames;

  struct Binding {
    const ast::Stmt *stmt = nullptr;
    enum class State { Unvisited, Visiting, Done } state = State::Unvisited;
    int layer = -1;
  };
  std::vector<Binding> bindings;
  std::map<std::string, size_t> bindingIndex;
  std::vector<size_t> visiting;
  unsigned inputCalls = 0;
  const ast::Expr *firstInputCall = nullptr;
  bool modelOk = false;
  /// Whether the data section resolved without errors: its class names are
  /// only then the ones augment's classes must name.
  bool dataOk = true;
};

//===----------------------------------------------------------------------===//
// Binding
//===----------------------------------------------------------------------===//

bool Sema::checkBounds(const OptionSpec &o, const CallSpec &owner,
                       const ast::Expr &e, double value) {
  if (o.inBounds(value))
    return true;
  // Name the side that is broken: "at least 1" reads better than the range
  // up to a size cap nobody reaches.
  bool lowOk = o.loOpen ? value > o.lo : value >= o.lo;
  std::string bound =
      lowOk ? (o.hiOpen ? "less than " : "at most ") + formatNumber(o.hi)
            : (o.loOpen ? "greater than " : "at least ") + formatNumber(o.lo);
  diags.error(e.range,
              optionLabel(o, owner) + " must be " + bound + ", got " + e.text);
  return false;
}

bool Sema::convert(const OptionSpec &o, const CallSpec &owner,
                   const ast::Expr &e, OptionValue &v) {
  v.present = true;
  v.range = e.range;
  auto typeError = [&](const std::string &expected) {
    diags.error(e.range, optionLabel(o, owner) + " must be " + expected +
                             ", got " + describe(e));
    return false;
  };
  switch (o.type) {
  case OptionType::Int:
    if (e.kind != ast::ExprKind::Integer)
      return typeError("an integer");
    v.intValue = e.intValue;
    return checkBounds(o, owner, e, static_cast<double>(e.intValue));
  case OptionType::Float:
    if (e.kind != ast::ExprKind::Integer && e.kind != ast::ExprKind::Float)
      return typeError("a number");
    v.floatValue = e.floatValue;
    return checkBounds(o, owner, e, e.floatValue);
  case OptionType::Bool:
    if (e.isWord() && (e.text == kTrueWord || e.text == kFalseWord)) {
      v.boolValue = e.text == kTrueWord;
      return true;
    }
    return typeError("true or false");
  case OptionType::Word: {
    if (e.kind == ast::ExprKind::String) {
      for (const std::string &w : o.words)
        if (w == e.text) {
          diags.error(e.range, optionLabel(o, owner) +
                                   " is a name, not a "
                                   "string: write " +
                                   w + " without quotes");
          return false;
        }
      return typeError(o.describeExpected());
    }
    if (!e.isWord())
      return typeError(o.describeExpected());
    for (const std::string &w : o.words)
      if (w == e.text) {
        v.text = w;
        return true;
      }
    diags.error(e.range,
                withSuggestion("unknown " + o.name + " " + quote(e.text) +
                                   " for " + owner.name + "; expected " +
                                   o.describeExpected(),
                               e.text, o.words));
    return false;
  }
  case OptionType::String:
    if (e.kind != ast::ExprKind::String)
      return typeError("a string");
    v.text = e.text;
    return true;
  case OptionType::IntList: {
    std::vector<const ast::Expr *> items;
    if (e.kind == ast::ExprKind::Integer && o.allowScalar)
      items.push_back(&e);
    else if (e.kind == ast::ExprKind::List)
      for (const ast::ExprPtr &i : e.elements)
        items.push_back(i.get());
    else
      return typeError(o.allowScalar ? "an integer or a list of integers"
                                     : "a list of integers");
    if (items.empty())
      return typeError("a non-empty list of integers");
    if (o.count && items.size() != o.count)
      return typeError("a list of " + std::to_string(o.count) + " integers");
    bool ok = true;
    for (const ast::Expr *i : items) {
      if (i->kind != ast::ExprKind::Integer) {
        diags.error(i->range, optionLabel(o, owner) +
                                  " must hold integers, got " + describe(*i));
        ok = false;
        continue;
      }
      ok &= checkBounds(o, owner, *i, static_cast<double>(i->intValue));
      v.ints.push_back(i->intValue);
      v.itemRanges.push_back(i->range);
    }
    return ok;
  }
  case OptionType::StringList: {
    if (e.kind != ast::ExprKind::List || e.elements.empty())
      return typeError("a non-empty list of strings");
    bool ok = true;
    for (const ast::ExprPtr &i : e.elements) {
      if (i->kind != ast::ExprKind::String) {
        diags.error(i->range, optionLabel(o, owner) +
                                  " must hold strings, got " + describe(*i));
        ok = false;
        continue;
      }
      v.strings.push_back(i->text);
      v.itemRanges.push_back(i->range);
    }
    return ok;
  }
  case OptionType::Spatial: {
    if (e.kind == ast::ExprKind::Integer) {
      if (!checkBounds(o, owner, e, static_cast<double>(e.intValue)))
        return false;
      v.ints.assign(o.count, e.intValue);
      return true;
    }
    if (e.kind != ast::ExprKind::List || e.elements.size() != o.count)
      return typeError(o.describeExpected());
    bool ok = true;
    for (const ast::ExprPtr &i : e.elements) {
      if (i->kind != ast::ExprKind::Integer) {
        diags.error(i->range, optionLabel(o, owner) +
                                  " must hold integers, got " + describe(*i));
        ok = false;
        continue;
      }
      ok &= checkBounds(o, owner, *i, static_cast<double>(i->intValue));
      v.ints.push_back(i->intValue);
    }
    return ok;
  }
  case OptionType::Call: {
    if (e.kind != ast::ExprKind::Call)
      return typeError("a " + o.family->what + " (" + o.family->listNames() +
                       ")");
    const CallSpec *member = o.family->find(e.text);
    if (!member) {
      diags.error(e.nameRange,
                  withSuggestion("unknown " + o.family->what + " " +
                                     quote(e.text) + "; expected " +
                                     o.family->listNames(),
                                 e.text, memberNames(*o.family)));
      return false;
    }
    v.call = bindCall(*member, e, nullptr, false);
    return v.call != nullptr;
  }
  case OptionType::ValueRefs:
    if (!e.isWord())
      return typeError("the name of a value");
    v.strings.push_back(e.text);
    v.itemRanges.push_back(e.range);
    return true;
  case OptionType::Block:
    diags.error(e.range,
                quote(o.name) + " is a block: write " + o.name + " { ... }");
    return false;
  }
  return false;
}

bool Sema::completeDefaults(const CallSpec &spec, BoundCall &bound,
                            const std::vector<bool> &given,
                            const BoundCall *userDefaults) {
  bool ok = true;
  for (size_t i = 0; i < spec.options.size(); ++i) {
    if (given[i])
      continue;
    const OptionSpec &o = spec.options[i];
    OptionValue &v = bound.values[i];
    if (userDefaults && userDefaults->values[i].present) {
      v = userDefaults->values[i];
      continue;
    }
    if (o.defaultValue) {
      // Defaults are checked by the same conversion as user values; the
      // table's unit test guarantees they convert without a diagnostic.
      ok &= convert(o, spec, *o.defaultValue, v);
      v.fromDefault = true;
      v.range = bound.range;
      continue;
    }
    if (o.optional || o.type == OptionType::Block)
      continue;
    diags.error(bound.range,
                spec.name + " needs " + quote(o.name) + " (" +
                    o.describeExpected() +
                    (o.describeBounds().empty() ? std::string()
                                                : ", " + o.describeBounds()) +
                    ")");
    ok = false;
  }
  return ok;
}

std::shared_ptr<BoundCall> Sema::bindCall(const CallSpec &spec,
                                          const ast::Expr &call,
                                          const BoundCall *userDefaults,
                                          bool partial) {
  auto bound = std::make_shared<BoundCall>();
  bound->spec = &spec;
  bound->range = call.range;
  bound->values.resize(spec.options.size());
  std::vector<bool> given(spec.options.size(), false);
  bool ok = true;
  size_t nextPositional = 0;
  auto positionalIndices = [&] {
    std::vector<size_t> idx;
    for (size_t i = 0; i < spec.options.size(); ++i)
      if (spec.options[i].positional)
        idx.push_back(i);
    return idx;
  }();
  for (const ast::Arg &arg : call.args) {
    if (diags.shouldStop())
      return nullptr;
    size_t index;
    if (!arg.name.empty()) {
      int found = spec.findOption(arg.name);
      if (found < 0) {
        diags.error(arg.nameRange,
                    withSuggestion("unknown option " + quote(arg.name) +
                                       " for " + spec.name,
                                   arg.name, optionNames(spec)));
        ok = false;
        continue;
      }
      index = static_cast<size_t>(found);
      if (given[index] && spec.options[index].type != OptionType::ValueRefs) {
        diags.error(arg.nameRange,
                    "option " + quote(arg.name) + " is given twice");
        ok = false;
        continue;
      }
    } else {
      if (partial) {
        diags.error(arg.value->range,
                    "defaults take named options only: write name = value");
        ok = false;
        continue;
      }
      // Variadic value lists take every remaining positional argument.
      while (nextPositional < positionalIndices.size() &&
             given[positionalIndices[nextPositional]] &&
             spec.options[positionalIndices[nextPositional]].type !=
                 OptionType::ValueRefs)
        ++nextPositional;
      if (nextPositional >= positionalIndices.size()) {
        std::string names;
        for (size_t k = 0; k < positionalIndices.size(); ++k)
          names += (k ? ", " : "") + spec.options[positionalIndices[k]].name;
        diags.error(arg.value->range,
                    spec.name + " takes " +
                        std::to_string(positionalIndices.size()) +
                        " positional argument" +
                        (positionalIndices.size() == 1 ? "" : "s") +
                        (names.empty() ? "" : " (" + names + ")") +
                        "; name the others, e.g. stride=2");
        ok = false;
        continue;
      }
      index = positionalIndices[nextPositional];
    }
    given[index] = true;
    ok &= convert(spec.options[index], spec, *arg.value, bound->values[index]);
  }
  if (!partial)
    ok &= completeDefaults(spec, *bound, given, userDefaults);
  return ok ? bound : nullptr;
}

std::shared_ptr<BoundCall> Sema::bindSettings(const CallSpec &spec,
                                              const ast::Stmt &block) {
  auto bound = std::make_shared<BoundCall>();
  bound->spec = &spec;
  bound->range = block.nameRange;
  bound->values.resize(spec.options.size());
  std::vector<bool> given(spec.options.size(), false);
  std::vector<SourceRange> firstRange(spec.options.size());
  bool ok = true;
  for (const ast::Stmt &s : block.body) {
    if (diags.shouldStop())
      return nullptr;
    if (s.kind == ast::StmtKind::Expr) {
      diags.error(s.range, "expected a setting 'name = value' in " + spec.name +
                               ", got " + describe(*s.value));
      ok = false;
      continue;
    }
    int found = spec.findOption(s.name);
    if (found < 0) {
      diags.error(s.nameRange,
                  withSuggestion("unknown setting " + quote(s.name) + " in " +
                                     spec.name,
                                 s.name, optionNames(spec)));
      ok = false;
      continue;
    }
    size_t index = static_cast<size_t>(found);
    const OptionSpec &o = spec.options[index];
    if (given[index]) {
      diags.error(s.nameRange, "setting " + quote(s.name) + " is given twice");
      diags.note(firstRange[index], "first given here");
      ok = false;
      continue;
    }
    given[index] = true;
    firstRange[index] = s.nameRange;
    if (s.kind == ast::StmtKind::Block) {
      if (o.type != OptionType::Block) {
        diags.error(s.nameRange, quote(s.name) + " is a setting: write " +
                                     s.name + " = value");
        ok = false;
        continue;
      }
      OptionValue &v = bound->values[index];
      v.present = true;
      v.range = s.nameRange;
      v.call = bindSettings(*o.block, s);
      ok &= v.call != nullptr;
      continue;
    }
    ok &= convert(o, spec, *s.value, bound->values[index]);
  }
  ok &= completeDefaults(spec, *bound, given, nullptr);
  return ok ? bound : nullptr;
}

//===----------------------------------------------------------------------===//
// Resolving families into Network types
//===----------------------------------------------------------------------===//

/// The Network form of a bound initialiser: Keras' named initialisers
/// become variance scaling with their scale, mode and distribution.
Initializer resolveInitializer(const BoundCall &b) {
  Initializer init;
  init.name = b.spec->name;
  auto vs = [&](double scale, FanMode mode, Distribution dist) {
    init.kind = Initializer::Kind::VarianceScaling;
    init.scale = scale;
    init.mode = mode;
    init.distribution = dist;
  };
  using IT = InitializerTag;
  switch (static_cast<IT>(b.spec->tag)) {
  case IT::GlorotUniform:
    vs(1, FanMode::FanAvg, Distribution::Uniform);
    break;
  case IT::GlorotNormal:
    vs(1, FanMode::FanAvg, Distribution::TruncatedNormal);
    break;
  case IT::HeNormal:
    vs(2, FanMode::FanIn, Distribution::TruncatedNormal);
    break;
  case IT::HeUniform:
    vs(2, FanMode::FanIn, Distribution::Uniform);
    break;
  case IT::LecunNormal:
    vs(1, FanMode::FanIn, Distribution::TruncatedNormal);
    break;
  case IT::LecunUniform:
    vs(1, FanMode::FanIn, Distribution::Uniform);
    break;
  case IT::Zeros:
    init.kind = Initializer::Kind::Constant;
    init.value = 0;
    break;
  case IT::Ones:
    init.kind = Initializer::Kind::Constant;
    init.value = 1;
    break;
  case IT::Constant:
    init.kind = Initializer::Kind::Constant;
    init.value = b.get("value").floatValue;
    break;
  case IT::RandomNormal:
  case IT::TruncatedNormal:
    init.kind = static_cast<IT>(b.spec->tag) == IT::RandomNormal
                    ? Initializer::Kind::RandomNormal
                    : Initializer::Kind::TruncatedNormal;
    init.mean = b.get("mean").floatValue;
    init.stddev = b.get("stddev").floatValue;
    break;
  case IT::RandomUniform:
    init.kind = Initializer::Kind::RandomUniform;
    init.minval = b.get("minval").floatValue;
    init.maxval = b.get("maxval").floatValue;
    break;
  case IT::VarianceScaling: {
    const std::string &mode = b.get("mode").text;
    const std::string &dist = b.get("distribution").text;
    vs(b.get("scale").floatValue,
       mode == "fan_in"    ? FanMode::FanIn
       : mode == "fan_out" ? FanMode::FanOut
                           : FanMode::FanAvg,
       dist == "uniform"            ? Distribution::Uniform
       : dist == "truncated_normal" ? Distribution::TruncatedNormal
                                    : Distribution::UntruncatedNormal);
    break;
  }
  }
  return init;
}

/// The Network form of an optional bound regulariser (none: all zero).
Regularizer resolveRegularizer(const OptionValue &v) {
  Regularizer r;
  if (!v.present || !v.call)
    return r;
  const BoundCall &b = *v.call;
  switch (static_cast<RegularizerTag>(b.spec->tag)) {
  case RegularizerTag::L1:
    r.l1 = b.get("l1").floatValue;
    break;
  case RegularizerTag::L2:
    r.l2 = b.get("l2").floatValue;
    break;
  case RegularizerTag::L1L2:
    r.l1 = b.get("l1").floatValue;
    r.l2 = b.get("l2").floatValue;
    break;
  }
  return r;
}

/// The activation a word of the `activation` option names.
Activation activationByName(const std::string &name) {
  for (Activation a :
       {Activation::Linear, Activation::Relu, Activation::Gelu,
        Activation::Sigmoid, Activation::Tanh, Activation::Softmax})
    if (name == getActivationName(a))
      return a;
  return Activation::Linear;
}

/// The metric a word of the `monitor` option names.
Metric metricByName(const std::string &name) {
  for (Metric m :
       {Metric::Loss, Metric::Accuracy, Metric::ValLoss, Metric::ValAccuracy})
    if (name == getMetricName(m))
      return m;
  return Metric::ValLoss;
}

//===----------------------------------------------------------------------===//
// Layers
//===----------------------------------------------------------------------===//

std::string Sema::autoName(const std::string &typeName) {
  unsigned &n = nameCounters[typeName];
  while (true) {
    std::string name = n == 0 ? typeName : typeName + "_" + std::to_string(n);
    ++n;
    if (!usedNames.count(name)) {
      usedNames.insert(name);
      return name;
    }
  }
}

void Sema::addParam(Layer &layer, unsigned index, ParamRole role,
                    const shape::Dims &shape, const Initializer &init,
                    const Regularizer &reg, bool trainable, int64_t fanIn,
                    int64_t fanOut) {
  Parameter p;
  p.name = layer.name + "/" + getParamRoleName(role);
  p.layer = index;
  p.role = role;
  p.shape = shape;
  p.init = init;
  p.regularizer = reg;
  p.trainable = trainable;
  p.fanIn = fanIn;
  p.fanOut = fanOut;
  layer.params.push_back(static_cast<unsigned>(net.params.size()));
  net.params.push_back(std::move(p));
}

void Sema::addWeights(Layer &layer, unsigned index, const BoundCall &b,
                      const shape::Dims &kernel, int64_t fanIn,
                      int64_t fanOut) {
  bool trainable = b.get("trainable").boolValue;
  addParam(layer, index, ParamRole::Kernel, kernel,
           resolveInitializer(*b.get("kernel_initializer").call),
           resolveRegularizer(b.get("kernel_regularizer")), trainable, fanIn,
           fanOut);
  if (layer.useBias)
    addParam(layer, index, ParamRole::Bias, {layer.units},
             resolveInitializer(*b.get("bias_initializer").call),
             resolveRegularizer(b.get("bias_regularizer")), trainable,
             layer.units, layer.units);
}

bool Sema::applyActivation(Layer &layer) {
  if (layer.activation != Activation::Softmax)
    return true;
  shape::ShapeResult r = shape::softmax(layer.shape);
  if (!r.ok())
    return layerError(layer, "activation softmax: " + r.error);
  return true;
}

bool Sema::resolveLayer(Layer &layer, const BoundCall &b,
                        const LayerSpec &spec) {
  unsigned index = static_cast<unsigned>(net.layers.size());
  const shape::Dims *inPtr =
      layer.inputs.empty() ? nullptr : &net.layers[layer.inputs[0]].shape;
  static const shape::Dims none;
  const shape::Dims &in = inPtr ? *inPtr : none;
  auto spatial = [&](const char *name, std::array<int64_t, 2> &out) {
    const OptionValue &v = b.get(name);
    for (size_t i = 0; i < v.ints.size() && i < 2; ++i)
      out[i] = v.ints[i];
  };
  auto resolvePads = [&](const std::string &padding) {
    for (unsigned a = 0; a < layer.spatialRank; ++a) {
      if (padding == "same" && 1 + a < in.size())
        layer.pads[a] = shape::samePadding(
            in[1 + a], layer.window[a], layer.strides[a], layer.dilations[a]);
      else
        layer.pads[a] = {};
    }
  };
  switch (spec.kind) {
  case LayerKind::Input: {
    shape::Dims dims{shape::kDynamic};
    for (int64_t d : b.get("shape").ints)
      dims.push_back(d);
    // The element count must be representable; the shape rules multiply.
    int64_t count = 1;
    for (size_t i = 1; i < dims.size(); ++i) {
      if (dims[i] > (int64_t(1) << 31) / count)
        return layerError(layer, "shape " + formatShape(dims) +
                                     " has too many elements per example");
      count *= dims[i];
    }
    layer.shape = dims;
    return true;
  }
  case LayerKind::Conv2D:
  case LayerKind::Conv1D: {
    unsigned rank = spec.kind == LayerKind::Conv2D ? 2 : 1;
    layer.spatialRank = rank;
    layer.units = b.get("filters").intValue;
    spatial("kernel", layer.window);
    spatial("stride", layer.strides);
    spatial("dilation", layer.dilations);
    layer.activation = activationByName(b.get("activation").text);
    layer.useBias = b.get("use_bias").boolValue;
    if (in.size() != rank + 2)
      return layerError(
          layer, "needs a rank-" + std::to_string(rank + 2) +
                     (rank == 2 ? " (N x H x W x C)" : " (N x steps x C)") +
                     " input, got " + formatShape(in));
    resolvePads(b.get("padding").text);
    int64_t cin = in.back();
    shape::Dims kernel;
    int64_t receptive = 1;
    for (unsigned a = 0; a < rank; ++a) {
      kernel.push_back(layer.window[a]);
      receptive *= layer.window[a];
    }
    kernel.push_back(cin);
    kernel.push_back(layer.units);
    shape::ShapeResult r =
        rank == 2 ? shape::conv2d(in, kernel, layer.strides, layer.dilations,
                                  layer.pads)
                  : shape::conv1d(in, kernel, layer.strides[0],
                                  layer.dilations[0], layer.pads[0]);
    if (!applyShape(layer, r) || !applyActivation(layer))
      return false;
    addWeights(layer, index, b, kernel, receptive * cin,
               receptive * layer.units);
    return true;
  }
  case LayerKind::MaxPool2D:
  case LayerKind::AvgPool2D:
  case LayerKind::MaxPool1D:
  case LayerKind::AvgPool1D: {
    unsigned rank =
        spec.kind == LayerKind::MaxPool2D || spec.kind == LayerKind::AvgPool2D
            ? 2
            : 1;
    layer.spatialRank = rank;
    spatial("size", layer.window);
    if (b.get("stride").present)
      spatial("stride", layer.strides);
    else
      layer.strides = layer.window;
    if (in.size() != rank + 2)
      return layerError(
          layer, "needs a rank-" + std::to_string(rank + 2) +
                     (rank == 2 ? " (N x H x W x C)" : " (N x steps x C)") +
                     " input, got " + formatShape(in));
    resolvePads(b.get("padding").text);
    return applyShape(
        layer, rank == 2
                   ? shape::pool2d(in, layer.window, layer.strides, layer.pads)
                   : shape::pool1d(in, layer.window[0], layer.strides[0],
                                   layer.pads[0]));
  }
  case LayerKind::GlobalAvgPool:
    return applyShape(layer, shape::globalPool(in));
  case LayerKind::BatchNorm: {
    layer.momentum = b.get("momentum").floatValue;
    layer.epsilon = b.get("eps").floatValue;
    if (in.size() < 2)
      return layerError(layer, "needs an input with channels");
    int64_t c = in.back();
    if (!applyShape(layer, shape::channelParam(in, {c})))
      return false;
    bool trainable = b.get("trainable").boolValue;
    Initializer ones, zeros;
    ones.name = "ones";
    ones.value = 1;
    zeros.name = "zeros";
    addParam(layer, index, ParamRole::Gamma, {c}, ones, {}, trainable, c, c);
    addParam(layer, index, ParamRole::Beta, {c}, zeros, {}, trainable, c, c);
    addParam(layer, index, ParamRole::MovingMean, {c}, zeros, {}, false, c, c);
    addParam(layer, index, ParamRole::MovingVariance, {c}, ones, {}, false, c,
             c);
    return true;
  }
  case LayerKind::Dropout:
    layer.rate = b.get("rate").floatValue;
    layer.shape = in;
    return true;
  case LayerKind::Dense: {
    layer.units = b.get("units").intValue;
    layer.activation = activationByName(b.get("activation").text);
    layer.useBias = b.get("use_bias").boolValue;
    int64_t k = in.empty() ? 0 : in.back();
    shape::Dims weights{k, layer.units};
    if (!applyShape(layer, shape::dense(in, weights)) ||
        !applyActivation(layer))
      return false;
    addWeights(layer, index, b, weights, k, layer.units);
    return true;
  }
  case LayerKind::Flatten:
    return applyShape(layer, shape::flatten(in));
  case LayerKind::Reshape: {
    if (!applyShape(layer, shape::reshape(in, b.get("shape").ints)))
      return false;
    layer.target.assign(layer.shape.begin() + 1, layer.shape.end());
    return true;
  }
  case LayerKind::ZeroPad2D:
  case LayerKind::ZeroPad1D: {
    unsigned rank = spec.kind == LayerKind::ZeroPad2D ? 2 : 1;
    layer.spatialRank = rank;
    const std::vector<int64_t> &p = b.get("padding").ints;
    if (rank == 2 && p.size() == 1)
      layer.pads = {shape::Pad{p[0], p[0]}, shape::Pad{p[0], p[0]}};
    else if (rank == 2 && p.size() == 2)
      layer.pads = {shape::Pad{p[0], p[0]}, shape::Pad{p[1], p[1]}};
    else if (rank == 2 && p.size() == 4)
      layer.pads = {shape::Pad{p[0], p[1]}, shape::Pad{p[2], p[3]}};
    else if (rank == 1 && p.size() == 1)
      layer.pads[0] = {p[0], p[0]};
    else if (rank == 1 && p.size() == 2)
      layer.pads[0] = {p[0], p[1]};
    else
      return layerError(layer, rank == 2 ? "padding takes 1, 2 or 4 numbers "
                                           "(n, [h, w] or [top, bottom, left, "
                                           "right]), got " +
                                               std::to_string(p.size())
                                         : "padding takes 1 or 2 numbers (n or "
                                           "[left, right]), got " +
                                               std::to_string(p.size()));
    std::vector<shape::Pad> pads(layer.pads.begin(), layer.pads.begin() + rank);
    return applyShape(layer, shape::zeroPad(in, pads));
  }
  case LayerKind::Activation:
    layer.activation = spec.activation;
    if (spec.activation == Activation::Softmax)
      return applyShape(layer, shape::softmax(in));
    layer.shape = in;
    return true;
  case LayerKind::Add: {
    if (layer.inputs.size() < 2)
      return layerError(layer, "needs at least two values to add");
    shape::Dims acc = net.layers[layer.inputs[0]].shape;
    for (size_t i = 1; i < layer.inputs.size(); ++i) {
      shape::ShapeResult r =
          shape::sameShape(acc, net.layers[layer.inputs[i]].shape);
      if (!r.ok())
        return layerError(
            layer, "cannot add " + net.layers[layer.inputs[0]].name + " and " +
                       net.layers[layer.inputs[i]].name + ": " + r.error);
      acc = r.dims;
    }
    layer.shape = acc;
    return true;
  }
  case LayerKind::Concat: {
    if (layer.inputs.size() < 2)
      return layerError(layer, "needs at least two values to join");
    std::vector<shape::Dims> shapes;
    for (unsigned i : layer.inputs)
      shapes.push_back(net.layers[i].shape);
    int64_t axis = b.get("axis").intValue;
    if (!applyShape(layer, shape::concat(shapes, axis)))
      return false;
    layer.axis =
        shape::resolveAxis(axis, static_cast<int64_t>(shapes[0].size()));
    return true;
  }
  }
  return false;
}

/// Product of `dims` (the batch skipped when `skipBatch`), or -1 when it
/// exceeds `limit`.
int64_t boundedCount(const shape::Dims &dims, bool skipBatch, int64_t limit) {
  int64_t n = 1;
  for (size_t i = skipBatch ? 1 : 0; i < dims.size(); ++i) {
    if (dims[i] < 0 || (dims[i] != 0 && n > limit / dims[i]))
      return -1;
    n *= dims[i];
  }
  return n;
}

bool Sema::checkSizes(const Layer &layer) {
  // Limits keep later arithmetic (parameter totals, memory plans) exact.
  constexpr int64_t kMaxValues = int64_t(1) << 31;
  constexpr int64_t kMaxParams = int64_t(1) << 40;
  if (boundedCount(layer.shape, true, kMaxValues) < 0)
    return layerError(layer, "its output " + formatShape(layer.shape) +
                                 " has more than 2^31 values per example");
  for (unsigned p : layer.params)
    if (boundedCount(net.params[p].shape, false, kMaxParams) < 0)
      return layerError(layer,
                        "parameter " + net.params[p].name + " is too large");
  return true;
}

int Sema::buildLayer(const ast::Expr &call, const LayerSpec &spec,
                     std::vector<int> inputs, const std::string &valueName) {
  auto def = layerDefaults.find(spec.call.name);
  std::shared_ptr<BoundCall> b =
      bindCall(spec.call, call,
               def == layerDefaults.end() ? nullptr : def->second.get(), false);
  if (spec.kind == LayerKind::Input) {
    ++inputCalls;
    if (inputCalls > 1 && !options.syntaxErrors) {
      diags.error(call.range, "a model has exactly one input; this is a "
                              "second input(...)");
      if (firstInputCall)
        diags.note(firstInputCall->range, "the first input is here");
      return -1;
    }
    firstInputCall = &call;
  }
  // After a syntax error the graph's names are not collected (statements
  // may be missing), so only the options were worth checking.
  if (options.syntaxErrors)
    return -1;
  // Graph inputs of add/concat come from the bound value names.
  if (b && spec.arity == InputArity::Many) {
    const OptionValue &refs = b->get("inputs");
    for (size_t i = 0; i < refs.strings.size(); ++i)
      inputs.push_back(resolveRef(refs.strings[i], refs.itemRanges[i]));
  }
  if (!b)
    return -1;
  for (int i : inputs)
    if (i < 0)
      return -1;
  Layer layer;
  layer.kind = spec.kind;
  layer.typeName = spec.call.name;
  layer.range = call.range;
  for (int i : inputs)
    layer.inputs.push_back(static_cast<unsigned>(i));
  if (!valueName.empty()) {
    layer.name = valueName;
    usedNames.insert(valueName);
  } else {
    layer.name = autoName(spec.call.name);
  }
  if (!resolveLayer(layer, *b, spec) || !checkSizes(layer)) {
    // Parameters added before the failure belong to no layer.
    while (!layer.params.empty()) {
      net.params.pop_back();
      layer.params.pop_back();
    }
    return -1;
  }
  net.layers.push_back(std::move(layer));
  return static_cast<int>(net.layers.size() - 1);
}

//===----------------------------------------------------------------------===//
// Models
//===----------------------------------------------------------------------===//

void Sema::collectDefaults(const ast::Stmt &block) {
  std::map<std::string, SourceRange> seen;
  for (const ast::Stmt &s : block.body) {
    if (s.kind != ast::StmtKind::Expr || s.value->kind != ast::ExprKind::Call ||
        !s.value->hasParens) {
      diags.error(s.range, "expected a layer with named options in "
                           "defaults, e.g. conv2d(padding=same)");
      continue;
    }
    const ast::Expr &e = *s.value;
    const LayerSpec *spec = findLayerSpec(e.text);
    if (!spec) {
      diags.error(e.nameRange, withSuggestion("unknown layer " + quote(e.text),
                                              e.text, layerNames()));
      continue;
    }
    if (seen.count(e.text)) {
      diags.error(e.nameRange, "defaults for " + e.text + " are given twice");
      diags.note(seen[e.text], "first given here");
      continue;
    }
    seen[e.text] = e.nameRange;
    std::shared_ptr<BoundCall> b = bindCall(spec->call, e, nullptr, true);
    if (b)
      layerDefaults[e.text] = b;
  }
}

void Sema::checkOptionsOnly(const ast::Stmt &block) {
  for (const ast::Stmt &s : block.body) {
    if (!s.value)
      continue;
    for (const ast::Expr *step : stepsOf(*s.value)) {
      if (step->kind != ast::ExprKind::Call)
        continue;
      const LayerSpec *spec = findLayerSpec(step->text);
      if (!spec) {
        if (step->hasParens)
          diags.error(step->nameRange,
                      withSuggestion("unknown layer " + quote(step->text),
                                     step->text, layerNames()));
        continue;
      }
      buildLayer(*step, *spec, {}, "");
    }
  }
}

void Sema::buildSequential(const ast::Stmt &block) {
  int current = -1;
  bool first = true;
  for (const ast::Stmt &s : block.body) {
    if (diags.shouldStop())
      return;
    if (s.kind == ast::StmtKind::Block) {
      diags.error(s.nameRange, "a model holds layers, not blocks");
      continue;
    }
    if (s.kind == ast::StmtKind::Binding) {
      diags.error(s.nameRange, "named values need a graph model: write "
                               "'graph NAME { ... }' instead of 'sequential'");
      current = -1;
      first = false;
      continue;
    }
    for (const ast::Expr *step : stepsOf(*s.value)) {
      if (step->kind != ast::ExprKind::Call) {
        diags.error(step->range, "expected a layer, got " + describe(*step));
        current = -1;
        first = false;
        continue;
      }
      const LayerSpec *spec = findLayerSpec(step->text);
      if (!spec) {
        diags.error(step->nameRange,
                    withSuggestion("unknown layer " + quote(step->text),
                                   step->text, layerNames()));
        current = -1;
        first = false;
        continue;
      }
      if (first && spec->arity != InputArity::None)
        diags.error(step->range,
                    "a sequential model starts with its input: add "
                    "input([28, 28, 1]) (the per-example shape) before " +
                        spec->call.name);
      else if (!first && spec->arity == InputArity::None)
        diags.error(step->range, "input(...) must be the first layer");
      if (spec->arity == InputArity::Many) {
        diags.error(step->range, spec->call.name +
                                     " joins named values: write the model "
                                     "as 'graph NAME { ... }'");
        current = -1;
        first = false;
        continue;
      }
      std::vector<int> inputs;
      if (spec->arity == InputArity::One)
        inputs.push_back(current);
      current = buildLayer(*step, *spec, inputs, "");
      first = false;
    }
  }
  if (first) {
    diags.error(block.nameRange, "model " + quote(block.label) +
                                     " has no layers; a sequential model "
                                     "starts with input([...])");
    return;
  }
  if (current >= 0)
    net.output = static_cast<unsigned>(current);
  modelOk = current >= 0;
}

int Sema::resolveRef(const std::string &name, SourceRange use) {
  auto it = bindingIndex.find(name);
  if (it == bindingIndex.end()) {
    std::vector<std::string> names;
    for (const auto &kv : bindingIndex)
      names.push_back(kv.first);
    diags.error(use,
                withSuggestion("undefined value " + quote(name), name, names));
    return -1;
  }
  return resolveBinding(it->second, use);
}

int Sema::resolveBinding(size_t index, SourceRange use) {
  Binding &b = bindings[index];
  if (b.state == Binding::State::Done)
    return b.layer;
  if (b.state == Binding::State::Visiting) {
    std::string path;
    bool inCycle = false;
    for (size_t v : visiting) {
      inCycle |= v == index;
      if (inCycle)
        path += bindings[v].stmt->name + " -> ";
    }
    path += b.stmt->name;
    diags.error(use, "cycle: " + quote(b.stmt->name) + " depends on itself (" +
                         path + ")");
    return -1;
  }
  if (visiting.size() >= kMaxValueDepth) {
    diags.error(use, "values depend on each other too deeply");
    return -1;
  }
  b.state = Binding::State::Visiting;
  visiting.push_back(index);
  int layer = evalChain(*b.stmt->value, b.stmt->name);
  visiting.pop_back();
  // `bindings` does not grow during resolution, so `b` is still valid.
  b.state = Binding::State::Done;
  b.layer = layer;
  return layer;
}

int Sema::evalChain(const ast::Expr &value, const std::string &valueName) {
  std::vector<const ast::Expr *> steps = stepsOf(value);
  int current = -1;
  for (size_t i = 0; i < steps.size(); ++i) {
    if (diags.shouldStop())
      return -1;
    const ast::Expr &step = *steps[i];
    bool last = i + 1 == steps.size();
    const std::string &name = last ? valueName : std::string();
    if (step.kind != ast::ExprKind::Call) {
      diags.error(step.range,
                  "expected a value name or a layer, got " + describe(step));
      return -1;
    }
    if (step.isWord() && bindingIndex.count(step.text)) {
      if (i != 0) {
        diags.error(step.range, quote(step.text) +
                                    " is a value; only the first step of "
                                    "a chain can name a value (use "
                                    "add(...) or concat(...) to join "
                                    "values)");
        return -1;
      }
      current = resolveRef(step.text, step.range);
      continue;
    }
    const LayerSpec *spec = findLayerSpec(step.text);
    if (!spec) {
      if (step.isWord() && i == 0) {
        current = resolveRef(step.text, step.range);
        continue;
      }
      diags.error(step.nameRange,
                  withSuggestion("unknown layer " + quote(step.text), step.text,
                                 layerNames()));
      return -1;
    }
    std::vector<int> inputs;
    if (i == 0 && spec->arity == InputArity::One) {
      diags.error(step.range, spec->call.name +
                                  " needs an input: write 'x -> " +
                                  spec->call.name + "(...)'");
      buildLayer(step, *spec, {-1}, "");
      return -1;
    }
    if (i != 0 && spec->arity != InputArity::One) {
      diags.error(step.range,
                  spec->arity == InputArity::None
                      ? std::string("input(...) starts a chain; it cannot "
                                    "follow '->'")
                      : spec->call.name +
                            " takes its inputs as arguments, "
                            "e.g. " +
                            spec->call.name + "(a, b); it cannot follow '->'");
      return -1;
    }
    if (spec->arity == InputArity::One)
      inputs.push_back(current);
    current = buildLayer(step, *spec, inputs, name);
    if (current < 0)
      return -1;
  }
  return current;
}

void Sema::buildGraph(const ast::Stmt &block) {
  // Names first, so values may be used before the line that defines them
  // (the graph is a set of equations; order only matters for reading).
  for (const ast::Stmt &s : block.body) {
    if (s.kind == ast::StmtKind::Block) {
      diags.error(s.nameRange, "a model holds layers, not blocks");
      continue;
    }
    if (s.kind == ast::StmtKind::Expr) {
      diags.error(s.range, "every statement of a graph names its value: "
                           "write 'name = ...' (or 'output = ...')");
      continue;
    }
    if (findLayerSpec(s.name)) {
      diags.error(s.nameRange, quote(s.name) +
                                   " is a layer; choose another name for "
                                   "this value");
      continue;
    }
    auto it = bindingIndex.find(s.name);
    if (it != bindingIndex.end()) {
      diags.error(s.nameRange, "duplicate name " + quote(s.name));
      diags.note(bindings[it->second].stmt->nameRange, "first defined here");
      continue;
    }
    bindingIndex[s.name] = bindings.size();
    Binding b;
    b.stmt = &s;
    bindings.push_back(b);
    usedNames.insert(s.name);
  }
  for (size_t i = 0; i < bindings.size() && !diags.shouldStop(); ++i)
    resolveBinding(i, bindings[i].stmt->nameRange);
  auto out = bindingIndex.find(kOutputName);
  if (out == bindingIndex.end()) {
    diags.error(block.nameRange,
                "graph " + quote(block.label) +
                    " has no output: name the model's result 'output = ...'");
  }
  if (inputCalls == 0) {
    diags.error(block.nameRange, "graph " + quote(block.label) +
                                     " has no input: add e.g. 'image = "
                                     "input([28, 28, 1])'");
  }
  if (out == bindingIndex.end() || inputCalls == 0)
    return;
  int layer = bindings[out->second].layer;
  if (layer < 0)
    return;
  net.output = static_cast<unsigned>(layer);
  modelOk = true;
  pruneUnused();
}

void Sema::pruneUnused() {
  std::vector<bool> used(net.layers.size(), false);
  used[net.output] = true;
  for (size_t i = net.layers.size(); i-- > 0;)
    if (used[i])
      for (unsigned in : net.layers[i].inputs)
        used[in] = true;
  for (const Binding &b : bindings)
    if (b.layer >= 0 && !used[b.layer])
      diags.warning(b.stmt->nameRange, "value " + quote(b.stmt->name) +
                                           " does not contribute to the "
                                           "output and is dropped");
  std::vector<unsigned> newIndex(net.layers.size(), 0);
  std::vector<Layer> layers;
  for (size_t i = 0; i < net.layers.size(); ++i) {
    if (!used[i])
      continue;
    newIndex[i] = static_cast<unsigned>(layers.size());
    layers.push_back(std::move(net.layers[i]));
  }
  std::vector<unsigned> newParam(net.params.size(), 0);
  std::vector<Parameter> params;
  for (size_t p = 0; p < net.params.size(); ++p) {
    if (!used[net.params[p].layer])
      continue;
    newParam[p] = static_cast<unsigned>(params.size());
    params.push_back(std::move(net.params[p]));
    params.back().layer = newIndex[params.back().layer];
  }
  for (Layer &l : layers) {
    for (unsigned &in : l.inputs)
      in = newIndex[in];
    for (unsigned &p : l.params)
      p = newParam[p];
  }
  net.output = newIndex[net.output];
  net.layers = std::move(layers);
  net.params = std::move(params);
}

void Sema::checkModel() {
  bool foundInput = false;
  for (size_t i = 0; i < net.layers.size(); ++i)
    if (net.layers[i].kind == LayerKind::Input) {
      net.input = static_cast<unsigned>(i);
      foundInput = true;
    }
  if (!foundInput) {
    diags.error(net.layers[net.output].range,
                "the output does not depend on the model's input");
    modelOk = false;
    return;
  }
  // Dropout streams in layer order, after unused values were dropped.
  uint64_t stream = 0;
  for (Layer &l : net.layers)
    if (l.kind == LayerKind::Dropout)
      l.dropoutStream = stream++;

  const Layer &out = net.layers[net.output];
  net.outputSoftmax =
      out.activation == Activation::Softmax &&
      (out.kind == LayerKind::Activation || out.kind == LayerKind::Dense ||
       out.kind == LayerKind::Conv2D || out.kind == LayerKind::Conv1D);
  if (out.shape.size() != 2) {
    diags.error(out.range, "the model's output must be examples x classes, "
                           "got " +
                               formatShape(out.shape) +
                               " (end with flatten and dense(classes))");
    modelOk = false;
    return;
  }
  if (out.shape[1] != net.data.numClasses) {
    diags.error(out.range, "the output has " + std::to_string(out.shape[1]) +
                               " values per example but the data has " +
                               std::to_string(net.data.numClasses) +
                               " classes");
    modelOk = false;
  }
  const Layer &input = net.layers[net.input];
  if (!net.data.imageShape.empty()) {
    shape::Dims per(input.shape.begin() + 1, input.shape.end());
    if (shape::numElements(per) != shape::numElements(net.data.imageShape)) {
      diags.error(input.range,
                  "the input has " + std::to_string(shape::numElements(per)) +
                      " values per example but the data's images are " +
                      shape::formatDims(net.data.imageShape) + " (" +
                      std::to_string(shape::numElements(net.data.imageShape)) +
                      " values)");
      modelOk = false;
    }
  }
}

//===----------------------------------------------------------------------===//
// Data and training
//===----------------------------------------------------------------------===//

void Sema::resolveData(const ast::Stmt *block) {
  Dataset &d = net.data;
  std::shared_ptr<BoundCall> b;
  if (block) {
    b = bindSettings(getDataSpec(), *block);
  } else {
    ast::Stmt empty(ast::StmtKind::Block);
    empty.name = "data";
    b = bindSettings(getDataSpec(), empty);
  }
  if (!b)
    return;
  const BoundCall &ds = *b->get("dataset").call;
  int64_t sourceClasses = 10;
  if (static_cast<DatasetTag>(ds.spec->tag) == DatasetTag::FashionMnist) {
    d.kind = Dataset::Kind::FashionMnist;
    std::string dir = ds.get("dir").text;
    d.trainImages = dir + "/train-images-idx3-ubyte.gz";
    d.trainLabels = dir + "/train-labels-idx1-ubyte.gz";
    d.testImages = dir + "/t10k-images-idx3-ubyte.gz";
    d.testLabels = dir + "/t10k-labels-idx1-ubyte.gz";
    d.imageShape = getFashionMnistImageShape();
    d.classNames = getFashionMnistClassNames();
    const OptionValue &classes = b->get("classes");
    if (classes.present && classes.intValue != sourceClasses) {
      diags.error(classes.range,
                  "Fashion-MNIST has 10 classes; to train on some of them "
                  "use select = [...]");
      return;
    }
  } else {
    d.kind = Dataset::Kind::Idx;
    d.trainImages = ds.get("train_images").text;
    d.trainLabels = ds.get("train_labels").text;
    const OptionValue &ti = ds.get("test_images");
    const OptionValue &tl = ds.get("test_labels");
    if (ti.present != tl.present) {
      diags.error(ds.range, "idx needs both test_images and test_labels, or "
                            "neither");
      return;
    }
    d.testImages = ti.text;
    d.testLabels = tl.text;
    const OptionValue &classes = b->get("classes");
    const OptionValue &names = b->get("class_names");
    sourceClasses = classes.present ? classes.intValue
                    : names.present ? static_cast<int64_t>(names.strings.size())
                                    : 10;
    for (int64_t i = 0; i < sourceClasses; ++i)
      d.classNames.push_back("class " + std::to_string(i));
  }
  const OptionValue &select = b->get("select");
  if (select.present) {
    std::set<int64_t> seen;
    std::vector<std::string> names;
    for (size_t i = 0; i < select.ints.size(); ++i) {
      int64_t l = select.ints[i];
      if (l >= sourceClasses) {
        diags.error(select.itemRanges[i],
                    "label " + std::to_string(l) +
                        " does not exist; the "
                        "data has labels 0 to " +
                        std::to_string(sourceClasses - 1));
        return;
      }
      if (!seen.insert(l).second) {
        diags.error(select.itemRanges[i],
                    "label " + std::to_string(l) + " is selected twice");
        return;
      }
      names.push_back(d.classNames[l]);
    }
    if (select.ints.size() < 2) {
      diags.error(select.range, "select at least two labels");
      return;
    }
    d.selectLabels = select.ints;
    d.classNames = names;
  }
  d.numClasses = static_cast<int64_t>(d.classNames.size());
  const OptionValue &names = b->get("class_names");
  if (names.present) {
    if (static_cast<int64_t>(names.strings.size()) != d.numClasses) {
      // (After a syntax error the select that matched them may be lost.)
      if (options.syntaxErrors)
        return;
      diags.error(names.range, "class_names lists " +
                                   std::to_string(names.strings.size()) +
                                   " names but the data has " +
                                   std::to_string(d.numClasses) + " classes");
      return;
    }
    d.classNames = names.strings;
  }
  if (d.kind == Dataset::Kind::Idx && !select.present && names.present &&
      b->get("classes").present && b->get("classes").intValue != d.numClasses)
    diags.error(b->get("classes").range, "classes does not match class_names");
}

void Sema::resolveTrain(const ast::Stmt *block) {
  Training &t = net.training;
  std::shared_ptr<BoundCall> b;
  if (block) {
    b = bindSettings(getTrainSpec(), *block);
  } else {
    ast::Stmt empty(ast::StmtKind::Block);
    empty.name = "train";
    b = bindSettings(getTrainSpec(), empty);
  }
  if (!b)
    return;
  const OptionValue &lossValue = b->get("loss");
  t.loss.fromLogits = lossValue.call->get("from_logits").boolValue;
  t.loss.range = lossValue.range;

  const BoundCall &opt = *b->get("optimizer").call;
  Optimizer &o = t.optimizer;
  o.kind = static_cast<Optimizer::Kind>(opt.spec->tag);
  o.learningRate = opt.get("lr").floatValue;
  switch (o.kind) {
  case Optimizer::Kind::Adam:
    o.beta1 = opt.get("beta1").floatValue;
    o.beta2 = opt.get("beta2").floatValue;
    o.epsilon = opt.get("eps").floatValue;
    break;
  case Optimizer::Kind::Sgd:
    o.momentum = opt.get("momentum").floatValue;
    o.nesterov = opt.get("nesterov").boolValue;
    break;
  case Optimizer::Kind::RmsProp:
    o.rho = opt.get("rho").floatValue;
    o.epsilon = opt.get("eps").floatValue;
    break;
  }

  const BoundCall &sched = *b->get("lr_schedule").call;
  t.schedule.kind = static_cast<LrSchedule::Kind>(sched.spec->tag);
  switch (t.schedule.kind) {
  case LrSchedule::Kind::Constant:
    break;
  case LrSchedule::Kind::StepDecay:
    t.schedule.factor = sched.get("factor").floatValue;
    t.schedule.every = sched.get("every").intValue;
    break;
  case LrSchedule::Kind::ExponentialDecay:
    t.schedule.decaySteps = sched.get("decay_steps").intValue;
    t.schedule.decayRate = sched.get("decay_rate").floatValue;
    t.schedule.staircase = sched.get("staircase").boolValue;
    break;
  case LrSchedule::Kind::CosineDecay: {
    const OptionValue &steps = sched.get("decay_steps");
    t.schedule.decaySteps = steps.present ? steps.intValue : 0;
    t.schedule.alpha = sched.get("alpha").floatValue;
    break;
  }
  }

  t.batchSize = b->get("batch_size").intValue;
  t.epochs = b->get("epochs").intValue;
  t.validationSplit = b->get("validation_split").floatValue;
  t.shuffle = b->get("shuffle").boolValue;
  t.seed = static_cast<uint64_t>(b->get("seed").intValue);

  const OptionValue &es = b->get("early_stopping");
  if (es.present && es.call) {
    const BoundCall &e = *es.call;
    EarlyStopping &s = t.earlyStopping;
    s.enabled = true;
    s.monitor = metricByName(e.get("monitor").text);
    s.patience = e.get("patience").intValue;
    s.minDelta = e.get("min_delta").floatValue;
    s.restoreBest = e.get("restore_best").boolValue;
    // After a syntax error the split may be the statement that was lost.
    if ((s.monitor == Metric::ValLoss || s.monitor == Metric::ValAccuracy) &&
        t.validationSplit == 0 && !options.syntaxErrors)
      diags.error(
          e.get("monitor").fromDefault ? e.range : e.get("monitor").range,
          std::string("early stopping monitors ") + getMetricName(s.monitor) +
              ", which needs validation data: set validation_split "
              "(e.g. 0.2)");
  }

  const OptionValue &aug = b->get("augment");
  if (aug.present && aug.call) {
    const BoundCall &a = *aug.call;
    Augmentation &g = t.augmentation;
    g.enabled = true;
    g.horizontalFlip = a.get("horizontal_flip").boolValue;
    g.verticalFlip = a.get("vertical_flip").boolValue;
    g.rotation = a.get("rotation").floatValue;
    g.zoom = a.get("zoom").floatValue;
    g.shift = a.get("shift").floatValue;
    g.interpolation = a.get("interpolation").text;
    g.fill = a.get("fill").text;
    g.fillValue = a.get("fill_value").floatValue;
    g.copies = a.get("copies").intValue;
    const OptionValue &classes = a.get("classes");
    for (size_t i = 0; i < classes.strings.size(); ++i) {
      const std::vector<std::string> &names = net.data.classNames;
      int64_t found = -1;
      for (size_t k = 0; k < names.size(); ++k)
        if (names[k] == classes.strings[i])
          found = static_cast<int64_t>(k);
      if (found < 0) {
        // (After a syntax error class_names may be what was lost, and after
        // an error in the data section the names are not the file's.)
        if (!options.syntaxErrors && dataOk)
          diags.error(
              classes.itemRanges[i],
              withSuggestion("unknown class \"" + classes.strings[i] + "\"",
                             classes.strings[i], names));
        continue;
      }
      g.classes.push_back(found);
    }
    if (!g.horizontalFlip && !g.verticalFlip && g.rotation == 0 &&
        g.zoom == 0 && g.shift == 0)
      diags.error(a.range, "augment changes nothing: set horizontal_flip, "
                           "vertical_flip, rotation, zoom or shift");
  }

  if (!modelOk)
    return;
  // Categorical cross-entropy is applied to the softmax of logits. A model
  // that ends in softmax must not also be declared as producing logits, and
  // one that produces logits must say so; either mistake trains a wrong loss.
  const Layer &out = net.layers[net.output];
  SourceRange where = lossValue.fromDefault ? out.range : lossValue.range;
  if (net.outputSoftmax && t.loss.fromLogits) {
    diags.error(where, "the output " + quote(out.name) +
                           " already applies softmax, so the loss must not "
                           "treat it as logits: remove from_logits=true");
  } else if (!net.outputSoftmax && !t.loss.fromLogits) {
    diags.error(where, "categorical_crossentropy expects probabilities but "
                       "the output " +
                           quote(out.name) +
                           " has no softmax: add activation=softmax to it, "
                           "or write loss = "
                           "categorical_crossentropy(from_logits=true)");
  }
}

void Sema::run(const ast::File &file) {
  std::map<std::string, const ast::Stmt *> sections;
  const ast::Stmt *model = nullptr;
  for (const ast::Stmt &s : file.sections) {
    const std::vector<std::string> &known = getSectionNames();
    bool isKnown = false;
    for (const std::string &k : known)
      isKnown |= k == s.name;
    if (!isKnown) {
      diags.error(s.nameRange,
                  withSuggestion("unknown section " + quote(s.name) +
                                     "; expected sequential, graph, "
                                     "defaults, data or train",
                                 s.name, known));
      continue;
    }
    bool isModel = s.name == "sequential" || s.name == "graph";
    std::string key = isModel ? "model" : s.name;
    if (sections.count(key)) {
      diags.error(s.nameRange,
                  isModel ? "a file holds one model"
                          : "section " + quote(s.name) + " appears twice");
      diags.note(sections[key]->nameRange, "first here");
      continue;
    }
    sections[key] = &s;
    if (isModel)
      model = &s;
    if (!isModel && !s.label.empty())
      diags.error(s.labelRange, "section " + quote(s.name) + " takes no name");
  }

  if (sections.count("defaults"))
    collectDefaults(*sections["defaults"]);
  unsigned errorsBeforeData = diags.getNumErrors();
  resolveData(sections.count("data") ? sections["data"] : nullptr);
  dataOk = diags.getNumErrors() == errorsBeforeData;

  if (!model) {
    if (!options.syntaxErrors) {
      SourceLoc start;
      start.file = file.fileId;
      start.line = 1;
      start.col = 1;
      diags.error({start, start},
                  "no model in this file: add 'sequential NAME { ... }' or "
                  "'graph NAME { ... }'");
    }
  } else {
    net.name = model->label;
    net.isGraph = model->name == "graph";
    net.fileId = file.fileId;
    net.range = model->range;
    if (net.name.empty())
      diags.error(model->nameRange,
                  "the model needs a name: '" + model->name + " NAME { ... }'");
    if (options.syntaxErrors)
      checkOptionsOnly(*model);
    else if (net.isGraph)
      buildGraph(*model);
    else
      buildSequential(*model);
    if (modelOk && !diags.hadError())
      checkModel();
    else
      modelOk = false;
  }
  resolveTrain(sections.count("train") ? sections["train"] : nullptr);
}

} // namespace

bool analyze(const ast::File &file, const SourceManager &sources,
             DiagnosticEngine &diags, Network &net,
             const SemaOptions &options) {
  unsigned before = diags.getNumErrors();
  (void)sources;
  Sema(diags, net, options).run(file);
  return diags.getNumErrors() == before;
}

bool compileBuffer(const SourceManager &sources, uint32_t file,
                   DiagnosticEngine &diags, Network &net) {
  ast::File tree = parse(sources, file, diags);
  SemaOptions options;
  options.syntaxErrors = diags.hadError();
  analyze(tree, sources, diags, net, options);
  return !diags.hadError();
}

} // namespace frontend
} // namespace kiln

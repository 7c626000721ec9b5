//===- Specs.h - The vocabulary of the Kiln model language ------*- C++ -*-===//
//
// The one table of everything a model file can name: each layer kind with
// its options (type, bounds, default), and each family of choices
// (initialisers, regularisers, optimisers, losses, learning-rate schedules,
// datasets) and section of settings (train, data, early_stopping, augment).
// The parser knows none of these names; semantic analysis binds a call's
// arguments against its entry here, the docs' reference is printed from it,
// and defaults are written once, as source text, and parsed like user input.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_FRONTEND_SPECS_H
#define KILN_FRONTEND_SPECS_H

#include "kiln/Frontend/AST.h"
#include "kiln/Frontend/Network.h"

#include <iosfwd>
#include <limits>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace kiln {
namespace frontend {

/// The type of an option's value.
enum class OptionType {
  /// An integer within [lo, hi].
  Int,
  /// A number (integers accepted) within the bounds.
  Float,
  /// `true` or `false`.
  Bool,
  /// One of `words`, written without quotes (`padding = same`).
  Word,
  /// A quoted string.
  String,
  /// `[a, b, ...]` of integers within [lo, hi]; `count` fixes the length
  /// when non-zero; `allowScalar` accepts `n` for `[n]`.
  IntList,
  /// `["a", "b"]`.
  StringList,
  /// Per-spatial-axis integers: `3` for every axis, or a list of `count`.
  Spatial,
  /// A member of `family`: `he_normal`, `adam(lr=1e-4)`, `l2(0.001)`.
  Call,
  /// Names of graph values (the variadic inputs of add and concat).
  ValueRefs,
  /// A nested `{ ... }` block of settings described by `block`.
  Block,
};

struct CallSpec;
struct Family;

/// One option of a layer, a family member or a section.
struct OptionSpec {
  std::string name;
  OptionType type = OptionType::Int;
  std::string help;
  /// The default as source text ("glorot_uniform", "1", "0.99"); empty when
  /// the option is required or `optional`.
  std::string defaultText;
  /// `defaultText` parsed once by the language's own parser.
  std::shared_ptr<const ast::Expr> defaultValue;
  /// May be left out without a default; the layer decides (e.g. a pool's
  /// stride defaults to its size).
  bool optional = false;
  /// Filled by position, in table order, before any keyword argument.
  bool positional = false;
  double lo = -std::numeric_limits<double>::infinity();
  double hi = std::numeric_limits<double>::infinity();
  bool loOpen = false;
  bool hiOpen = false;
  /// `hi` only guards against absurd sizes and is not shown.
  bool hiIsCap = false;
  unsigned count = 0;
  bool allowScalar = false;
  std::vector<std::string> words;
  const Family *family = nullptr;
  const CallSpec *block = nullptr;

  bool isRequired() const { return defaultText.empty() && !optional; }
  /// Formats the allowed range, e.g. "at least 1" or "in [0, 1)".
  std::string describeBounds() const;
  /// Whether `v` is within the bounds.
  bool inBounds(double v) const;
  /// A short name of the type for messages and the reference ("integer").
  std::string describeType() const;
  /// The type as an error message expects it ("an integer", "valid or
  /// same", "an optimizer").
  std::string describeExpected() const;
};

/// A named callable with options: a layer, an optimiser, an initialiser, a
/// section of settings.
struct CallSpec {
  std::string name;
  std::string help;
  std::vector<OptionSpec> options;
  /// Distinguishes the members of a family for semantic analysis (the
  /// family's enum value: Optimizer::Kind, InitializerTag, ...).
  unsigned tag = 0;

  /// Index of the option called `name`, or -1.
  int findOption(std::string_view name) const;
};

/// The alternatives one option can choose from.
struct Family {
  /// What a member is, for messages: "optimizer", "initializer".
  std::string what;
  std::vector<CallSpec> members;

  const CallSpec *find(std::string_view name) const;
  /// "adam, sgd or rmsprop".
  std::string listNames() const;
};

/// The initialisers' tags (CallSpec::tag of the initializer family).
enum class InitializerTag {
  GlorotUniform,
  GlorotNormal,
  HeNormal,
  HeUniform,
  LecunNormal,
  LecunUniform,
  Zeros,
  Ones,
  Constant,
  RandomNormal,
  RandomUniform,
  TruncatedNormal,
  VarianceScaling,
};

/// The regularisers' tags.
enum class RegularizerTag { L1, L2, L1L2 };

/// The datasets' tags.
enum class DatasetTag { FashionMnist, Idx };

/// How many values flow into a layer.
enum class InputArity {
  /// `input`: starts the model.
  None,
  /// Takes the previous value of a chain.
  One,
  /// Takes named values as arguments (add, concat).
  Many,
};

/// A layer kind: its call signature and how it connects.
struct LayerSpec {
  CallSpec call;
  LayerKind kind;
  /// For the Activation kind: which function.
  Activation activation = Activation::Linear;
  InputArity arity = InputArity::One;
};

/// The name a graph binds its result to.
constexpr const char *kOutputName = "output";
/// The words of a Bool option.
constexpr const char *kTrueWord = "true";
constexpr const char *kFalseWord = "false";

/// Every layer kind, in the order the reference lists them.
const std::vector<LayerSpec> &getLayerSpecs();
/// The layer called `name`, or null.
const LayerSpec *findLayerSpec(std::string_view name);

const Family &getInitializerFamily();
const Family &getRegularizerFamily();
const Family &getOptimizerFamily();
const Family &getLossFamily();
const Family &getScheduleFamily();
const Family &getDatasetFamily();

/// The settings of the `train` and `data` sections.
const CallSpec &getTrainSpec();
const CallSpec &getDataSpec();

/// The names of the sections a file may contain, for messages.
const std::vector<std::string> &getSectionNames();

/// Fashion-MNIST's ten class names, in label order.
const std::vector<std::string> &getFashionMnistClassNames();
/// Fashion-MNIST's per-example image shape (28x28x1).
shape::Dims getFashionMnistImageShape();

/// Prints the whole vocabulary: layers, families and sections with every
/// option's type, bounds and default (`kilnc --reference`).
void printReference(std::ostream &os);

/// The value of one bound option.
struct BoundCall;
struct OptionValue {
  /// False when an optional option was left out.
  bool present = false;
  /// True when the value came from the table's default.
  bool fromDefault = false;
  /// Where the value was written (the call's range for defaults).
  SourceRange range;
  int64_t intValue = 0;
  double floatValue = 0;
  bool boolValue = false;
  /// Word and String.
  std::string text;
  /// IntList and Spatial.
  std::vector<int64_t> ints;
  /// StringList, with each item's range.
  std::vector<std::string> strings;
  std::vector<SourceRange> itemRanges;
  /// ValueRefs: the names and their ranges (in itemRanges).
  /// Call and Block: the bound member or block.
  std::shared_ptr<BoundCall> call;
};

/// A call (or block) whose arguments have been matched to its spec,
/// type-checked and completed with defaults.
struct BoundCall {
  const CallSpec *spec = nullptr;
  SourceRange range;
  /// One entry per spec option, in spec order.
  std::vector<OptionValue> values;

  /// The value of option `name`; the name must exist in the spec.
  const OptionValue &get(std::string_view name) const;
};

/// Edit distance between two names, for "did you mean" suggestions.
unsigned editDistance(std::string_view a, std::string_view b);

/// The closest of `names` to `typo` when close enough to suggest, else "".
std::string suggest(std::string_view typo,
                    const std::vector<std::string> &names);

} // namespace frontend
} // namespace kiln

#endif // KILN_FRONTEND_SPECS_H

//===- Initializers.h - Parameter initialisers (Keras) ----------*- C++ -*-===//
//
// The kernel and bias initialisers the model language names, with Keras'
// definitions: fans as keras.initializers computes them (the last two
// extents are input and output channels, the rest are the receptive field:
// HWIO for conv2d, WIO for conv1d, K x M for dense), variance scaling with a
// normal truncated at two standard deviations (and Keras' 0.8796 correction
// of its standard deviation) or a uniform. Every value comes from Philox:
// parameter `p` draws from stream streamId(Initializer, p), so a parameter's
// initial values depend only on the seed and its index.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_RUNTIME_INITIALIZERS_H
#define KILN_RUNTIME_INITIALIZERS_H

#include "kiln/runtime/Status.h"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace kiln {
namespace rt {

/// The initialisers, by their Keras names.
enum class Initializer {
  GlorotUniform,
  GlorotNormal,
  HeNormal,
  HeUniform,
  LecunNormal,
  LecunUniform,
  Zeros,
  Ones,
};

/// The Keras name of `init` ("glorot_uniform", ...).
const char *initializerName(Initializer init);

/// The initialiser called `name` in Keras, or nothing.
std::optional<Initializer> parseInitializer(const std::string &name);

/// Fan-in and fan-out of a parameter of `shape`, as Keras computes them:
/// rank 0 gives 1 and 1; rank 1 gives shape[0] for both; otherwise
/// fan_in = shape[-2] * receptive field, fan_out = shape[-1] * receptive
/// field, the receptive field being the product of the leading extents.
struct Fans {
  double in = 1;
  double out = 1;
};
/// The fans of `shape`.
Fans computeFans(const std::vector<int64_t> &shape);

/// Keras' stddev correction for a unit normal truncated to [-2, 2]: the
/// standard deviation of that truncated distribution.
constexpr double kTruncatedNormalStddev = 0.87962566103423978;

/// The distribution of an initialiser on a given shape.
struct InitDistribution {
  enum Kind { Constant, Uniform, TruncatedNormal, Normal } kind = Constant;
  /// Constant: the value. Uniform: values lie in [-limit, limit).
  /// TruncatedNormal: the normal's standard deviation before truncation
  /// (values lie in [-2 stddev, 2 stddev]). Normal: its standard deviation.
  double value = 0;
  /// Added to every drawn value (a uniform range's centre, a normal's
  /// mean); 0 for the named initialisers.
  double offset = 0;
};

/// The distribution `init` draws from for a parameter of `shape`.
InitDistribution initDistribution(Initializer init,
                                  const std::vector<int64_t> &shape);

/// An initialiser given by its Keras kind and arguments (the model file's
/// `kiln.init_args`), for those without a name of their own, such as
/// report 001's variance_scaling(scale=1/3, mode=fan_in,
/// distribution=uniform).
struct InitArgs {
  enum class Kind {
    Constant,
    RandomUniform,
    RandomNormal,
    TruncatedNormal,
    VarianceScaling
  };
  enum class Mode { FanIn, FanOut, FanAvg };
  enum class Distribution { Uniform, TruncatedNormal, UntruncatedNormal };
  Kind kind = Kind::Constant;
  /// Constant: value. RandomUniform: [minval, maxval). RandomNormal and
  /// TruncatedNormal (redrawn beyond two standard deviations): mean, stddev.
  double value = 0, minval = 0, maxval = 0, mean = 0, stddev = 0;
  /// VarianceScaling: variance scale / fan of `mode` (at least 1), drawn
  /// from `distribution`, the fans those of the parameter in Keras' sense.
  double scale = 1;
  Mode mode = Mode::FanIn;
  Distribution distribution = Distribution::Uniform;
  Fans fans;
};

/// Reads the Keras names of an InitArgs kind ("constant", "random_uniform",
/// "random_normal", "truncated_normal", "variance_scaling"), mode
/// ("fan_in", "fan_out", "fan_avg") and distribution ("uniform",
/// "truncated_normal", "untruncated_normal") into `out`; the message names
/// the unknown one. `mode` and `distribution` matter only for
/// variance_scaling.
Status parseInitArgs(const std::string &kind, const std::string &mode,
                     const std::string &distribution, InitArgs &out);

/// The distribution `args` draws from.
InitDistribution initDistribution(const InitArgs &args);

/// Fills `out` (product(shape) floats) as initializeParameter() does, from
/// `args` instead of a named initialiser.
Status initializeParameter(const InitArgs &args,
                           const std::vector<int64_t> &shape, uint64_t seed,
                           uint32_t parameterIndex, float *out);

/// Fills `out` (product(shape) floats, owned by the caller) with the initial
/// values of parameter number `parameterIndex`. Fails when a shape extent is
/// not positive.
Status initializeParameter(Initializer init, const std::vector<int64_t> &shape,
                           uint64_t seed, uint32_t parameterIndex, float *out);

/// A standard normal truncated to [-bound, bound] for element `index` of
/// stream `stream`: Box-Muller on Philox words, redrawing (at the next
/// step of the counter) while both values of a pair fall outside.
double truncatedNormalAt(uint64_t seed, uint64_t stream, uint32_t index,
                         double bound);

} // namespace rt
} // namespace kiln

#endif // KILN_RUNTIME_INITIALIZERS_H

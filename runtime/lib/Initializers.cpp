//===- Initializers.cpp - Parameter initialisers (Keras semantics) --------===//

#include "kiln/runtime/Initializers.h"

#include "kiln/runtime/CounterRng.h"

#include <algorithm>
#include <cmath>

namespace kiln {
namespace rt {

namespace {

/// One row per initialiser: its name and Keras' VarianceScaling arguments.
struct InitInfo {
  Initializer init;
  const char *name;
  double scale;
  enum Mode { FanIn, FanAvg, None } mode;
  InitDistribution::Kind kind;
};

/// Every initialiser, the one table of names and variance-scaling
/// arguments.
constexpr InitInfo kInitializers[] = {
    {Initializer::GlorotUniform, "glorot_uniform", 1.0, InitInfo::FanAvg,
     InitDistribution::Uniform},
    {Initializer::GlorotNormal, "glorot_normal", 1.0, InitInfo::FanAvg,
     InitDistribution::TruncatedNormal},
    {Initializer::HeNormal, "he_normal", 2.0, InitInfo::FanIn,
     InitDistribution::TruncatedNormal},
    {Initializer::HeUniform, "he_uniform", 2.0, InitInfo::FanIn,
     InitDistribution::Uniform},
    {Initializer::LecunNormal, "lecun_normal", 1.0, InitInfo::FanIn,
     InitDistribution::TruncatedNormal},
    {Initializer::LecunUniform, "lecun_uniform", 1.0, InitInfo::FanIn,
     InitDistribution::Uniform},
    {Initializer::Zeros, "zeros", 0.0, InitInfo::None,
     InitDistribution::Constant},
    {Initializer::Ones, "ones", 1.0, InitInfo::None,
     InitDistribution::Constant},
};

/// The table row of `init`.
const InitInfo &infoOf(Initializer init) {
  for (const InitInfo &i : kInitializers)
    if (i.init == init)
      return i;
  return kInitializers[0];
}

/// Attempts before giving up on a truncated draw: each fails with
/// probability 0.0455^2, so 64 never all fail in practice.
constexpr uint32_t kMaxTruncatedAttempts = 64;

/// 2 pi, for Box-Muller.
constexpr double kTwoPi = 6.283185307179586476925286766559;

} // namespace

const char *initializerName(Initializer init) { return infoOf(init).name; }

std::optional<Initializer> parseInitializer(const std::string &name) {
  for (const InitInfo &i : kInitializers)
    if (name == i.name)
      return i.init;
  return std::nullopt;
}

Fans computeFans(const std::vector<int64_t> &shape) {
  Fans f;
  if (shape.empty())
    return f;
  if (shape.size() == 1) {
    f.in = f.out = static_cast<double>(shape[0]);
    return f;
  }
  double receptive = 1;
  for (size_t i = 0; i + 2 < shape.size(); ++i)
    receptive *= static_cast<double>(shape[i]);
  f.in = static_cast<double>(shape[shape.size() - 2]) * receptive;
  f.out = static_cast<double>(shape[shape.size() - 1]) * receptive;
  return f;
}

InitDistribution initDistribution(Initializer init,
                                  const std::vector<int64_t> &shape) {
  const InitInfo &info = infoOf(init);
  InitDistribution d;
  d.kind = info.kind;
  if (info.kind == InitDistribution::Constant) {
    d.value = info.scale;
    return d;
  }
  Fans fans = computeFans(shape);
  double fan =
      info.mode == InitInfo::FanIn ? fans.in : (fans.in + fans.out) / 2.0;
  double scale = info.scale / std::max(1.0, fan);
  d.value = info.kind == InitDistribution::Uniform
                ? std::sqrt(3.0 * scale)
                : std::sqrt(scale) / kTruncatedNormalStddev;
  return d;
}

double truncatedNormalAt(uint64_t seed, uint64_t stream, uint32_t index,
                         double bound) {
  for (uint32_t attempt = 0; attempt < kMaxTruncatedAttempts; ++attempt) {
    rng::Counter w = rng::wordsAt(seed, stream, attempt, index);
    // u1 in (0, 1] keeps the logarithm finite; 32 bits each.
    double u1 = (static_cast<double>(w[0]) + 1.0) / 4294967296.0;
    double u2 = static_cast<double>(w[1]) / 4294967296.0;
    double r = std::sqrt(-2.0 * std::log(u1));
    double z0 = r * std::cos(kTwoPi * u2);
    if (std::fabs(z0) <= bound)
      return z0;
    double z1 = r * std::sin(kTwoPi * u2);
    if (std::fabs(z1) <= bound)
      return z1;
  }
  return 0.0;
}

Status initializeParameter(Initializer init, const std::vector<int64_t> &shape,
                           uint64_t seed, uint32_t parameterIndex, float *out) {
  int64_t count = 1;
  for (int64_t d : shape) {
    if (d <= 0)
      return Status::error(std::string("cannot initialise parameter ") +
                           std::to_string(parameterIndex) + " with " +
                           initializerName(init) + ": extent " +
                           std::to_string(d) + " is not positive");
    count *= d;
  }
  if (count > int64_t(UINT32_MAX))
    return Status::error("cannot initialise parameter " +
                         std::to_string(parameterIndex) +
                         ": more than 2^32 elements");
  InitDistribution d = initDistribution(init, shape);
  const uint64_t stream =
      rng::streamId(rng::StreamKind::Initializer, parameterIndex);
  for (int64_t i = 0; i < count; ++i) {
    uint32_t index = static_cast<uint32_t>(i);
    switch (d.kind) {
    case InitDistribution::Constant:
      out[i] = static_cast<float>(d.value);
      break;
    case InitDistribution::Uniform: {
      double u = rng::uniformAt(seed, stream, 0, index);
      out[i] = static_cast<float>(-d.value + 2.0 * d.value * u);
      break;
    }
    case InitDistribution::TruncatedNormal:
      out[i] = static_cast<float>(d.value *
                                  truncatedNormalAt(seed, stream, index, 2.0));
      break;
    }
  }
  return Status::ok();
}

} // namespace rt
} // namespace kiln

//===- Initializers.cpp - Parameter initialisers (Keras semantics) --------===//

#include "kiln/runtime/Initializers.h"

#include "kiln/runtime/CounterRng.h"

#include <algorithm>
#include <cmath>
#include <utility>

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
  // Each named initialiser is a constant or Keras' VarianceScaling.
  const InitInfo &info = infoOf(init);
  InitArgs args;
  if (info.kind == InitDistribution::Constant) {
    args.value = info.scale;
    return initDistribution(args);
  }
  args.kind = InitArgs::Kind::VarianceScaling;
  args.scale = info.scale;
  args.mode = info.mode == InitInfo::FanIn ? InitArgs::Mode::FanIn
                                           : InitArgs::Mode::FanAvg;
  args.distribution = info.kind == InitDistribution::Uniform
                          ? InitArgs::Distribution::Uniform
                          : InitArgs::Distribution::TruncatedNormal;
  args.fans = computeFans(shape);
  return initDistribution(args);
}

Status parseInitArgs(const std::string &kind, const std::string &mode,
                     const std::string &distribution, InitArgs &out) {
  using Kind = InitArgs::Kind;
  static const std::pair<const char *, Kind> kinds[] = {
      {"constant", Kind::Constant},
      {"random_uniform", Kind::RandomUniform},
      {"random_normal", Kind::RandomNormal},
      {"truncated_normal", Kind::TruncatedNormal},
      {"variance_scaling", Kind::VarianceScaling}};
  static const std::pair<const char *, InitArgs::Mode> modes[] = {
      {"fan_in", InitArgs::Mode::FanIn},
      {"fan_out", InitArgs::Mode::FanOut},
      {"fan_avg", InitArgs::Mode::FanAvg}};
  static const std::pair<const char *, InitArgs::Distribution> dists[] = {
      {"uniform", InitArgs::Distribution::Uniform},
      {"truncated_normal", InitArgs::Distribution::TruncatedNormal},
      {"untruncated_normal", InitArgs::Distribution::UntruncatedNormal}};
  auto find = [](const auto &table, const std::string &name, auto &value) {
    for (const auto &[n, v] : table)
      if (name == n) {
        value = v;
        return true;
      }
    return false;
  };
  if (!find(kinds, kind, out.kind))
    return Status::error("unknown initialiser kind '" + kind + "'");
  if (out.kind != Kind::VarianceScaling)
    return Status::ok();
  if (!find(modes, mode, out.mode))
    return Status::error("unknown variance_scaling mode '" + mode + "'");
  if (!find(dists, distribution, out.distribution))
    return Status::error("unknown variance_scaling distribution '" +
                         distribution + "'");
  return Status::ok();
}

InitDistribution initDistribution(const InitArgs &args) {
  InitDistribution d;
  switch (args.kind) {
  case InitArgs::Kind::Constant:
    d.value = args.value;
    break;
  case InitArgs::Kind::RandomUniform:
    d.kind = InitDistribution::Uniform;
    d.value = (args.maxval - args.minval) / 2.0;
    d.offset = (args.maxval + args.minval) / 2.0;
    break;
  case InitArgs::Kind::RandomNormal:
  case InitArgs::Kind::TruncatedNormal:
    d.kind = args.kind == InitArgs::Kind::RandomNormal
                 ? InitDistribution::Normal
                 : InitDistribution::TruncatedNormal;
    d.value = args.stddev;
    d.offset = args.mean;
    break;
  case InitArgs::Kind::VarianceScaling: {
    double fan = args.mode == InitArgs::Mode::FanIn ? args.fans.in
                 : args.mode == InitArgs::Mode::FanOut
                     ? args.fans.out
                     : (args.fans.in + args.fans.out) / 2.0;
    double scale = args.scale / std::max(1.0, fan);
    switch (args.distribution) {
    case InitArgs::Distribution::Uniform:
      d.kind = InitDistribution::Uniform;
      d.value = std::sqrt(3.0 * scale);
      break;
    case InitArgs::Distribution::TruncatedNormal:
      // Keras corrects the standard deviation for the truncation.
      d.kind = InitDistribution::TruncatedNormal;
      d.value = std::sqrt(scale) / kTruncatedNormalStddev;
      break;
    case InitArgs::Distribution::UntruncatedNormal:
      d.kind = InitDistribution::Normal;
      d.value = std::sqrt(scale);
      break;
    }
    break;
  }
  }
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

namespace {

/// Fills `out` with draws of `d` for parameter `parameterIndex` of `shape`;
/// `what` names the initialiser in messages.
Status fillParameter(const InitDistribution &d, const std::string &what,
                     const std::vector<int64_t> &shape, uint64_t seed,
                     uint32_t parameterIndex, float *out) {
  int64_t count = 1;
  for (int64_t e : shape) {
    if (e <= 0)
      return Status::error(std::string("cannot initialise parameter ") +
                           std::to_string(parameterIndex) + " with " + what +
                           ": extent " + std::to_string(e) +
                           " is not positive");
    count *= e;
  }
  if (count > int64_t(UINT32_MAX))
    return Status::error("cannot initialise parameter " +
                         std::to_string(parameterIndex) +
                         ": more than 2^32 elements");
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
      out[i] = static_cast<float>(d.offset + (-d.value + 2.0 * d.value * u));
      break;
    }
    case InitDistribution::TruncatedNormal:
      out[i] = static_cast<float>(
          d.offset + d.value * truncatedNormalAt(seed, stream, index, 2.0));
      break;
    case InitDistribution::Normal:
      // No bound: the first Box-Muller value is always taken.
      out[i] = static_cast<float>(
          d.offset +
          d.value * truncatedNormalAt(seed, stream, index, HUGE_VAL));
      break;
    }
  }
  return Status::ok();
}

} // namespace

Status initializeParameter(Initializer init, const std::vector<int64_t> &shape,
                           uint64_t seed, uint32_t parameterIndex, float *out) {
  return fillParameter(initDistribution(init, shape), initializerName(init),
                       shape, seed, parameterIndex, out);
}

Status initializeParameter(const InitArgs &args,
                           const std::vector<int64_t> &shape, uint64_t seed,
                           uint32_t parameterIndex, float *out) {
  return fillParameter(initDistribution(args), "its initialiser arguments",
                       shape, seed, parameterIndex, out);
}

} // namespace rt
} // namespace kiln

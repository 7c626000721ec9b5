//===- Augment.cpp - Random image augmentation (Keras-like) ---------------===//

#include "kiln/runtime/Augment.h"

#include "kiln/runtime/CounterRng.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <string>

namespace kiln {
namespace rt {

namespace {

/// pi, for degrees to radians.
constexpr double kPi = 3.14159265358979323846;

/// Sample coordinates this close outside the input still count as inside:
/// cos(90 deg) is not exactly 0 in doubles, and such rounding must not turn
/// an edge pixel into fill.
constexpr double kEdgeTolerance = 1e-6;

/// Stream numbers within StreamKind::Augmentation: two words-sets for the
/// per-epoch draw, two for the one-off copies of addAugmentedCopies.
constexpr uint32_t kEpochStream = 0;
constexpr uint32_t kCopyStream = 2;

/// Maps Philox word `w` to a uniform value in [lo, hi).
double uniformIn(uint32_t w, double lo, double hi) {
  return lo + (hi - lo) * rng::uniformFloat(w);
}

/// The parameters of one image from streams `firstStream` and
/// `firstStream + 1` of StreamKind::Augmentation at (seed, epoch, index).
AugmentParams drawFrom(const AugmentConfig &config, int height, int width,
                       uint64_t seed, uint64_t epoch, uint32_t sampleIndex,
                       uint32_t firstStream) {
  using rng::StreamKind;
  rng::Counter a =
      rng::wordsAt(seed, rng::streamId(StreamKind::Augmentation, firstStream),
                   epoch, sampleIndex);
  rng::Counter b = rng::wordsAt(
      seed, rng::streamId(StreamKind::Augmentation, firstStream + 1), epoch,
      sampleIndex);
  AugmentParams p;
  // Each parameter has its own word, so enabling one transformation does
  // not change the draws of the others.
  if (config.rotationDegrees > 0)
    p.rotationDegrees =
        uniformIn(a[0], -config.rotationDegrees, config.rotationDegrees);
  if (config.heightShift > 0)
    p.shiftY =
        uniformIn(a[1], -config.heightShift, config.heightShift) * height;
  if (config.widthShift > 0)
    p.shiftX = uniformIn(a[2], -config.widthShift, config.widthShift) * width;
  if (config.zoom > 0) {
    p.zoomX = uniformIn(a[3], 1 - config.zoom, 1 + config.zoom);
    p.zoomY = uniformIn(b[0], 1 - config.zoom, 1 + config.zoom);
  }
  if (config.horizontalFlip)
    p.flip = rng::uniformFloat(b[1]) < 0.5f;
  if (config.verticalFlip)
    p.verticalFlip = rng::uniformFloat(b[2]) < 0.5f;
  return p;
}

} // namespace

bool AugmentConfig::enabled() const {
  return horizontalFlip || verticalFlip || rotationDegrees > 0 || zoom > 0 ||
         widthShift > 0 || heightShift > 0;
}

bool AugmentConfig::appliesTo(int32_t label) const {
  return classes.empty() ||
         std::find(classes.begin(), classes.end(), label) != classes.end();
}

Status validateAugmentConfig(const AugmentConfig &config) {
  auto bad = [](const char *field, double v, const char *range) {
    return Status::error("augmentation " + std::string(field) + " " +
                         std::to_string(v) + " is outside " + range);
  };
  if (!(config.rotationDegrees >= 0 && config.rotationDegrees <= 180))
    return bad("rotation", config.rotationDegrees, "[0, 180] degrees");
  if (!(config.zoom >= 0 && config.zoom < 1))
    return bad("zoom", config.zoom, "[0, 1)");
  if (!(config.widthShift >= 0 && config.widthShift < 1))
    return bad("width shift", config.widthShift, "[0, 1)");
  if (!(config.heightShift >= 0 && config.heightShift < 1))
    return bad("height shift", config.heightShift, "[0, 1)");
  return Status::ok();
}

bool AugmentParams::isIdentity() const {
  return !flip && !verticalFlip && rotationDegrees == 0 && zoomX == 1 &&
         zoomY == 1 && shiftX == 0 && shiftY == 0;
}

AugmentParams drawAugmentParams(const AugmentConfig &config, int height,
                                int width, uint64_t seed, uint64_t epoch,
                                uint32_t sampleIndex) {
  return drawFrom(config, height, width, seed, epoch, sampleIndex,
                  kEpochStream);
}

std::optional<FillMode> parseFillMode(const std::string &name) {
  if (name == "nearest")
    return FillMode::Nearest;
  if (name == "constant")
    return FillMode::Constant;
  return std::nullopt;
}

std::optional<Interpolation> parseInterpolation(const std::string &name) {
  if (name == "bilinear")
    return Interpolation::Bilinear;
  if (name == "nearest")
    return Interpolation::Nearest;
  return std::nullopt;
}

void applyAugment(const AugmentParams &params, const AugmentConfig &config,
                  const float *in, int height, int width, int channels,
                  float *out) {
  size_t rowSize = size_t(width) * channels;
  bool affine = params.rotationDegrees != 0 || params.zoomX != 1 ||
                params.zoomY != 1 || params.shiftX != 0 || params.shiftY != 0;
  if (!affine) {
    std::memcpy(out, in, rowSize * height * sizeof(float));
  } else {
    // input = centre + R (shift + Z (output - centre)), x right, y down.
    double theta = params.rotationDegrees * kPi / 180.0;
    double c = std::cos(theta), s = std::sin(theta);
    double cx = (width - 1) / 2.0, cy = (height - 1) / 2.0;
    for (int y = 0; y < height; ++y) {
      for (int x = 0; x < width; ++x) {
        double u = params.zoomX * (x - cx) + params.shiftX;
        double v = params.zoomY * (y - cy) + params.shiftY;
        double sx = cx + c * u - s * v;
        double sy = cy + s * u + c * v;
        float *o = out + size_t(y) * rowSize + size_t(x) * channels;
        bool outside = sx < -kEdgeTolerance ||
                       sx > width - 1 + kEdgeTolerance ||
                       sy < -kEdgeTolerance || sy > height - 1 + kEdgeTolerance;
        if (outside && config.fill == FillMode::Constant) {
          std::fill_n(o, channels, config.fillValue);
          continue;
        }
        // Nearest fill clamps the sample point onto the image, which with
        // bilinear sampling repeats the edge pixels outward.
        sx = std::clamp(sx, 0.0, double(width - 1));
        sy = std::clamp(sy, 0.0, double(height - 1));
        if (config.interpolation == Interpolation::Nearest) {
          const float *p = in + size_t(std::lround(sy)) * rowSize +
                           size_t(std::lround(sx)) * channels;
          std::copy_n(p, channels, o);
          continue;
        }
        int x0 = static_cast<int>(std::floor(sx));
        int y0 = static_cast<int>(std::floor(sy));
        int x1 = std::min(x0 + 1, width - 1);
        int y1 = std::min(y0 + 1, height - 1);
        double fx = sx - x0, fy = sy - y0;
        const float *p00 = in + size_t(y0) * rowSize + size_t(x0) * channels;
        const float *p01 = in + size_t(y0) * rowSize + size_t(x1) * channels;
        const float *p10 = in + size_t(y1) * rowSize + size_t(x0) * channels;
        const float *p11 = in + size_t(y1) * rowSize + size_t(x1) * channels;
        for (int ch = 0; ch < channels; ++ch) {
          double top = p00[ch] + fx * (p01[ch] - p00[ch]);
          double bottom = p10[ch] + fx * (p11[ch] - p10[ch]);
          o[ch] = static_cast<float>(top + fy * (bottom - top));
        }
      }
    }
  }
  if (params.flip) {
    for (int y = 0; y < height; ++y) {
      float *row = out + size_t(y) * rowSize;
      for (int x = 0; x < width / 2; ++x)
        std::swap_ranges(row + size_t(x) * channels,
                         row + size_t(x + 1) * channels,
                         row + size_t(width - 1 - x) * channels);
    }
  }
  if (params.verticalFlip)
    for (int y = 0; y < height / 2; ++y)
      std::swap_ranges(out + size_t(y) * rowSize, out + size_t(y + 1) * rowSize,
                       out + size_t(height - 1 - y) * rowSize);
}

Augmenter::Augmenter(AugmentConfig config) : cfg(std::move(config)) {}

void Augmenter::augmentBatch(float *images, const int32_t *labels,
                             const uint32_t *sampleIndices, int64_t count,
                             int height, int width, int channels, uint64_t seed,
                             uint64_t epoch) {
  if (!cfg.enabled())
    return;
  size_t size = size_t(height) * width * channels;
  scratch.resize(size);
  for (int64_t i = 0; i < count; ++i) {
    if (!cfg.appliesTo(labels[i]))
      continue;
    AugmentParams p =
        drawAugmentParams(cfg, height, width, seed, epoch, sampleIndices[i]);
    if (p.isIdentity())
      continue;
    float *image = images + size_t(i) * size;
    applyAugment(p, cfg, image, height, width, channels, scratch.data());
    std::memcpy(image, scratch.data(), size * sizeof(float));
  }
}

Status addAugmentedCopies(Dataset &data, const AugmentConfig &config,
                          uint64_t seed, int copies) {
  if (Status s = validateAugmentConfig(config); !s)
    return s;
  if (!config.enabled())
    return Status::error("augmented copies requested but no augmentation "
                         "(flip, rotation, zoom or shift) is configured");
  size_t size = data.imageSize();
  int64_t original = data.count;
  std::vector<uint32_t> chosen;
  for (int64_t i = 0; i < original; ++i)
    if (config.appliesTo(data.labels[i]))
      chosen.push_back(static_cast<uint32_t>(i));
  if (copies < 1)
    return Status::error("augmented copies must be at least 1, not " +
                         std::to_string(copies));
  int64_t added = static_cast<int64_t>(chosen.size()) * copies;
  data.images.resize(size_t(original + added) * size);
  data.labels.reserve(size_t(original + added));
  int64_t next = original;
  for (int copy = 0; copy < copies; ++copy) {
    for (uint32_t src : chosen) {
      AugmentParams p = drawFrom(config, data.height, data.width, seed,
                                 uint64_t(copy), src, kCopyStream);
      applyAugment(p, config, data.image(src), data.height, data.width,
                   data.channels, data.image(next++));
      data.labels.push_back(data.labels[src]);
    }
  }
  data.count = original + added;
  return Status::ok();
}

} // namespace rt
} // namespace kiln

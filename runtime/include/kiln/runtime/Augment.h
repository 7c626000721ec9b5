//===- Augment.h - Random image augmentation (Keras-like) -------*- C++ -*-===//
//
// Random horizontal and vertical flips, rotations, zooms and shifts of NHWC
// images, after Keras' ImageDataGenerator: one affine map per image from output
// to input coordinates about the image centre (rotation . shift . zoom),
// bilinear sampling, and points outside the input filled from the nearest edge
// pixel or with a constant. The flips are applied last, as Keras applies them.
//
// Each image's parameters are drawn from Philox at (seed, epoch, the
// sample's index in its data set), so they do not depend on the shuffle or
// the batch, and a run is reproducible from its seed. Augmentation can be
// restricted to some classes, as report 003 augmented only Pullover and
// Shirt.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_RUNTIME_AUGMENT_H
#define KILN_RUNTIME_AUGMENT_H

#include "kiln/runtime/Dataset.h"
#include "kiln/runtime/Status.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace kiln {
namespace rt {

/// How points that map outside the input are filled (Keras' fill_mode).
enum class FillMode {
  /// The nearest edge pixel ("aaaa|abcd|dddd"), Keras' default.
  Nearest,
  /// A constant value (`fillValue`).
  Constant,
};

/// How a transformed image is sampled.
enum class Interpolation {
  /// The four nearest pixels, weighted (Keras).
  Bilinear,
  /// The nearest pixel (torchvision's default), so every value is an input
  /// value.
  Nearest,
};

/// The model language's names of fill modes ("nearest", "constant") and
/// interpolations ("bilinear", "nearest"); std::nullopt for others.
std::optional<FillMode> parseFillMode(const std::string &name);
std::optional<Interpolation> parseInterpolation(const std::string &name);

/// What to augment and by how much; Keras' ImageDataGenerator arguments.
struct AugmentConfig {
  /// Flip left-right with probability 1/2 (horizontal_flip).
  bool horizontalFlip = false;
  /// Flip up-down with probability 1/2 (vertical_flip), drawn apart from
  /// the left-right flip.
  bool verticalFlip = false;
  /// Rotate by an angle uniform in [-rotationDegrees, rotationDegrees]
  /// (rotation_range).
  double rotationDegrees = 0;
  /// Zoom factors for x and y, drawn independently and uniformly from
  /// [1 - zoom, 1 + zoom] (zoom_range); factors above 1 zoom out.
  double zoom = 0;
  /// Shift by a fraction of the width / height uniform in [-f, f]
  /// (width_shift_range, height_shift_range).
  double widthShift = 0;
  double heightShift = 0;
  FillMode fill = FillMode::Nearest;
  /// The value of FillMode::Constant (cval).
  float fillValue = 0;
  Interpolation interpolation = Interpolation::Bilinear;
  /// Only samples of these classes are augmented; empty means every class.
  std::vector<int32_t> classes;

  /// True when some transformation is configured.
  bool enabled() const;
  /// True when samples labelled `label` are augmented.
  bool appliesTo(int32_t label) const;
};

/// Checks the ranges of `config`: angles and fractions non-negative,
/// zoom and shifts below 1. The message names the offending field.
Status validateAugmentConfig(const AugmentConfig &config);

/// The parameters of one image's transformation.
struct AugmentParams {
  bool flip = false;
  /// Up-down.
  bool verticalFlip = false;
  /// Counter-clockwise as displayed, in degrees.
  double rotationDegrees = 0;
  /// Output-to-input scale factors (above 1: the content shrinks).
  double zoomX = 1;
  double zoomY = 1;
  /// Offsets in pixels added to the input coordinates sampled, so the
  /// content moves by minus these amounts.
  double shiftX = 0;
  double shiftY = 0;

  /// True when the parameters leave every image unchanged.
  bool isIdentity() const;
};

/// The parameters of sample `sampleIndex` in `epoch` for `height` x `width`
/// images: Philox words of streams Augmentation 0 and 1 at (seed, epoch,
/// sampleIndex).
AugmentParams drawAugmentParams(const AugmentConfig &config, int height,
                                int width, uint64_t seed, uint64_t epoch,
                                uint32_t sampleIndex);

/// Writes the transformed `in` (height x width x channels) into `out`, a
/// distinct buffer of the same size owned by the caller, sampled and filled
/// as `config` says.
void applyAugment(const AugmentParams &params, const AugmentConfig &config,
                  const float *in, int height, int width, int channels,
                  float *out);

/// Augments batches in place; owns a scratch image so batches need no
/// allocation. One per training loop (not thread-safe).
class Augmenter {
public:
  /// `config` should have passed validateAugmentConfig().
  explicit Augmenter(AugmentConfig config);

  /// Transforms `count` images of `height` x `width` x `channels` at
  /// `images` whose labels and data-set indices are `labels[i]` and
  /// `sampleIndices[i]`; images of other classes are left untouched.
  void augmentBatch(float *images, const int32_t *labels,
                    const uint32_t *sampleIndices, int64_t count, int height,
                    int width, int channels, uint64_t seed, uint64_t epoch);

  const AugmentConfig &config() const { return cfg; }

private:
  AugmentConfig cfg;
  std::vector<float> scratch;
};

/// Appends `copies` augmented copies of every sample of `data` whose class
/// `config` applies to (report 003 doubled Pullover and Shirt this way with
/// one copy): first copy 0 of each chosen sample, then copy 1, and so on.
/// The copies are drawn from streams of their own (copy c at counter step
/// c), so they differ from each other and from the per-epoch augmentation
/// of the same sample.
Status addAugmentedCopies(Dataset &data, const AugmentConfig &config,
                          uint64_t seed, int copies = 1);

} // namespace rt
} // namespace kiln

#endif // KILN_RUNTIME_AUGMENT_H

//===- ShapeRules.h - Shape rules of Kiln's ops -----------------*- C++ -*-===//
//
// The single definition of how each kiln op maps operand shapes to result
// shapes. The ODS verifiers and type inference call these, and so does the
// frontend's semantic analysis, which must stay free of MLIR so the parser can
// be fuzzed on its own. Plain C++: no MLIR or LLVM types appear here.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_SHAPE_SHAPERULES_H
#define KILN_SHAPE_SHAPERULES_H

#include <array>
#include <cstdint>
#include <string>
#include <vector>

namespace kiln {
namespace shape {

/// Marks an extent unknown until run time (the batch). Distinct from MLIR's
/// ShapedType::kDynamic; convert at the MLIR boundary with toMlir/fromMlir in
/// the dialect.
constexpr int64_t kDynamic = -1;

/// A tensor shape, outermost dimension first (NHWC for images).
using Dims = std::vector<int64_t>;

/// The outcome of a shape rule: either the result shape or a message that
/// says which rule the operands break (phrased to be shown to a user).
struct ShapeResult {
  Dims dims;
  std::string error;

  bool ok() const { return error.empty(); }
  static ShapeResult success(Dims d) { return {std::move(d), {}}; }
  static ShapeResult failure(std::string msg) { return {{}, std::move(msg)}; }
};

/// Explicit padding of one spatial axis.
struct Pad {
  int64_t before = 0;
  int64_t after = 0;
};

/// Extent of a sliding-window output along one axis, or -1 (with `error` set)
/// when the dilated window does not fit into the padded input. A dynamic
/// input extent gives a dynamic output extent.
int64_t windowOutputExtent(int64_t input, int64_t window, int64_t stride,
                           int64_t dilation, Pad pad, std::string &error);

/// Keras' 'same' padding for one axis: output extent ceil(input / stride),
/// with the odd element of padding placed after, as TensorFlow does.
Pad samePadding(int64_t input, int64_t window, int64_t stride,
                int64_t dilation);

/// Formats a shape as MLIR does in a tensor type, e.g. "?x28x28x1".
std::string formatDims(const Dims &dims);

/// 2-D convolution. input NHWC, filter HWIO (Keras' kernel layout), result
/// NHWC with O channels. `strides`, `dilations` are (H, W); `pads` (H, W).
ShapeResult conv2d(const Dims &input, const Dims &filter,
                   std::array<int64_t, 2> strides,
                   std::array<int64_t, 2> dilations, std::array<Pad, 2> pads);

/// 1-D convolution. input NWC (steps x features), filter WIO, result NWO.
ShapeResult conv1d(const Dims &input, const Dims &filter, int64_t stride,
                   int64_t dilation, Pad pad);

/// 2-D max/average pooling of an NHWC input with a (H, W) window; channels
/// are kept.
ShapeResult pool2d(const Dims &input, std::array<int64_t, 2> window,
                   std::array<int64_t, 2> strides, std::array<Pad, 2> pads);

/// 1-D pooling of an NWC input.
ShapeResult pool1d(const Dims &input, int64_t window, int64_t stride, Pad pad);

/// Global average pooling: NHWC -> NC, or NWC -> NC.
ShapeResult globalPool(const Dims &input);

/// Dense (fully connected): input N x K, weights K x M -> N x M.
ShapeResult dense(const Dims &input, const Dims &weights);

/// Flatten: N x d1 x ... x dk -> N x (d1 * ... * dk). The batch is kept.
ShapeResult flatten(const Dims &input);

/// Reshape of the non-batch extents to `target` (one entry may be -1, to be
/// inferred); the element count per example must be preserved.
ShapeResult reshape(const Dims &input, const Dims &target);

/// Zero padding of the spatial extents of NHWC (two pads) or NWC (one pad).
ShapeResult zeroPad(const Dims &input, const std::vector<Pad> &pads);

/// Elementwise op of two operands of the same shape (residual add).
ShapeResult sameShape(const Dims &lhs, const Dims &rhs);

/// Concatenation along `axis` (negative counts from the end); all other
/// extents must agree.
ShapeResult concat(const std::vector<Dims> &inputs, int64_t axis);

/// Softmax over the last axis (kiln.softmax): the input must be N x M.
ShapeResult softmax(const Dims &input);

/// A per-channel parameter (bias, BatchNorm scale/offset/statistics) of a
/// value whose channels are innermost: checks `param` is [C].
ShapeResult channelParam(const Dims &value, const Dims &param);

/// Number of elements of a static shape, or -1 when any extent is dynamic.
int64_t numElements(const Dims &dims);

} // namespace shape
} // namespace kiln

#endif // KILN_SHAPE_SHAPERULES_H

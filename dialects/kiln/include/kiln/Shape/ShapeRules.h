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

/// `axis` of a rank-`rank` value counted from the front: a negative axis
/// counts from the end, as in concat.
int64_t resolveAxis(int64_t axis, int64_t rank);

/// A per-channel parameter (bias, BatchNorm scale/offset/statistics) of a
/// value whose channels are innermost: checks `param` is [C].
ShapeResult channelParam(const Dims &value, const Dims &param);

/// Slice of the non-batch extents: `offsets` and `sizes` have one entry per
/// non-batch axis; each window [offset, offset + size) must lie inside the
/// input. Result: batch x sizes. (The gradient of zero_pad and concat.)
ShapeResult slice(const Dims &input, const Dims &offsets, const Dims &sizes);

/// Softmax over the last axis of a batch of rows: input N x M, same result.
ShapeResult softmax(const Dims &input);

/// Loss and metric of a classifier: logits and labels both N x M with equal
/// shapes; the result is a scalar (rank 0).
ShapeResult classification(const Dims &logits, const Dims &labels);

/// Gradient of conv2d with respect to its input: the input is batch x
/// `inputHW` x filter's I; conv2d of that input must give `gradOut`.
ShapeResult conv2dGradInput(const Dims &gradOut, const Dims &filter,
                            std::array<int64_t, 2> strides,
                            std::array<int64_t, 2> dilations,
                            std::array<Pad, 2> pads,
                            std::array<int64_t, 2> inputHW);

/// Gradient of conv2d with respect to its filter: KH x KW x C x F with
/// (KH, KW) = `kernelHW`, C from the input and F from `gradOut`; conv2d of
/// the input with that filter must give `gradOut`.
ShapeResult conv2dGradFilter(const Dims &input, const Dims &gradOut,
                             std::array<int64_t, 2> strides,
                             std::array<int64_t, 2> dilations,
                             std::array<Pad, 2> pads,
                             std::array<int64_t, 2> kernelHW);

/// 1-D counterpart of conv2dGradInput (NWC input of width `inputW`).
ShapeResult conv1dGradInput(const Dims &gradOut, const Dims &filter,
                            int64_t stride, int64_t dilation, Pad pad,
                            int64_t inputW);

/// 1-D counterpart of conv2dGradFilter (WIO filter of width `kernelW`).
ShapeResult conv1dGradFilter(const Dims &input, const Dims &gradOut,
                             int64_t stride, int64_t dilation, Pad pad,
                             int64_t kernelW);

/// Gradient of 2-D pooling of `input`: pool2d of `input` must give `gradOut`;
/// the result has the input's shape.
ShapeResult pool2dGrad(const Dims &gradOut, const Dims &input,
                       std::array<int64_t, 2> window,
                       std::array<int64_t, 2> strides, std::array<Pad, 2> pads);

/// Gradient of 2-D pooling when only the input's spatial extents are known
/// (average pooling needs no input values): the input is batch x `inputHW` x
/// gradOut's channels.
ShapeResult pool2dGradFromExtents(const Dims &gradOut,
                                  std::array<int64_t, 2> inputHW,
                                  std::array<int64_t, 2> window,
                                  std::array<int64_t, 2> strides,
                                  std::array<Pad, 2> pads);

/// 1-D counterpart of pool2dGrad.
ShapeResult pool1dGrad(const Dims &gradOut, const Dims &input, int64_t window,
                       int64_t stride, Pad pad);

/// 1-D counterpart of pool2dGradFromExtents (input width `inputW`).
ShapeResult pool1dGradFromExtents(const Dims &gradOut, int64_t inputW,
                                  int64_t window, int64_t stride, Pad pad);

/// Gradient of global average pooling: `gradOut` is N x C, `inputShape` the
/// non-batch extents of the pooled input (H, W, C or W, C); result N x
/// inputShape.
ShapeResult globalPoolGrad(const Dims &gradOut, const Dims &inputShape);

/// Gradient of dense with respect to its input: gradOut N x M, weights K x M
/// -> N x K.
ShapeResult denseGradInput(const Dims &gradOut, const Dims &weights);

/// Gradient of dense with respect to its weights: input N x K, gradOut N x M
/// -> K x M.
ShapeResult denseGradWeights(const Dims &input, const Dims &gradOut);

/// Gradient of a per-channel bias: the sum of `gradOut` over every axis but
/// the innermost, giving [C].
ShapeResult biasGrad(const Dims &gradOut);

/// Running statistics and the batch statistics folded into them (BatchNorm's
/// moving average): both [C], static and equal.
ShapeResult movingAverage(const Dims &running, const Dims &batch);

/// Number of elements of a static shape, or -1 when any extent is dynamic.
int64_t numElements(const Dims &dims);

} // namespace shape
} // namespace kiln

#endif // KILN_SHAPE_SHAPERULES_H

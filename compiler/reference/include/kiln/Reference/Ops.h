//===- Ops.h - Reference definitions of Kiln's ops -------------*- C++ -*-===//
//
// The numerical oracle of Kiln: one function per kiln op (forward, loss and
// metrics, backward, optimizer updates), written as plain loops, with the
// semantics of the op sheet (docs/architecture.md, "Reference"). The MLIR
// interpreter dispatches each op to the function of the same name, and every
// compiled kernel is checked against these functions.
//
// Conventions shared by all functions:
// - Layouts: NHWC / NWC activations, HWIO / WIO filters, K x M dense weights,
//   channels innermost for per-channel parameters.
// - Padding is explicit, one shape::Pad (before, after) per spatial axis, in
//   (H, W) order for 2-D ops: kiln's `array<i64: top, bottom, left, right>` is
//   {Pad{top, bottom}, Pad{left, right}}.
// - Scalar attributes and operands (learning rate, epsilon, momentum, ...)
//   are passed as double and converted to the element type T once, so float
//   runs compute with the same constants a float kernel does.
// - Output shapes come from kiln/Shape/ShapeRules.h. Operands that break a
//   rule, or a tensor whose buffer does not match its shape, give an Error
//   whose message starts with the op's name; nothing aborts.
// - Each function is instantiated for float and double.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_REFERENCE_OPS_H
#define KILN_REFERENCE_OPS_H

#include "kiln/Reference/Tensor.h"

#include <array>
#include <cstdint>
#include <vector>

namespace kiln {
namespace ref {

using shape::Pad;

/// (H, W) pair of a 2-D window attribute (strides, dilations, window size).
using Pair = std::array<int64_t, 2>;
/// (H, W) padding of a 2-D op.
using Padding2 = std::array<Pad, 2>;

//===----------------------------------------------------------------------===//
// Forward ops
//===----------------------------------------------------------------------===//

/// kiln.conv2d: out[n,oh,ow,o] = sum over kh,kw,c of
/// in[n, oh*sh - top + kh*dh, ow*sw - left + kw*dw, c] * filter[kh,kw,c,o],
/// where taps in the padding read zero.
template <typename T>
Result<Tensor<T>> conv2d(const Tensor<T> &input, const Tensor<T> &filter,
                         Pair strides, Pair dilations, Padding2 padding);

/// kiln.conv1d: conv2d of an NWC input and WIO filter along W alone.
template <typename T>
Result<Tensor<T>> conv1d(const Tensor<T> &input, const Tensor<T> &filter,
                         int64_t stride, int64_t dilation, Pad padding);

/// kiln.dense: out[n,m] = sum_k in[n,k] * weights[k,m].
template <typename T>
Result<Tensor<T>> dense(const Tensor<T> &input, const Tensor<T> &weights);

/// kiln.bias_add: x + bias broadcast along the innermost (channel) axis.
template <typename T>
Result<Tensor<T>> biasAdd(const Tensor<T> &x, const Tensor<T> &bias);

/// kiln.relu: max(x, 0).
template <typename T> Result<Tensor<T>> relu(const Tensor<T> &x);

/// kiln.gelu, exact form (Keras' default): x * Phi(x) with
/// Phi(x) = (1 + erf(x / sqrt(2))) / 2.
template <typename T> Result<Tensor<T>> gelu(const Tensor<T> &x);

/// kiln.sigmoid: 1 / (1 + exp(-x)).
template <typename T> Result<Tensor<T>> sigmoid(const Tensor<T> &x);

/// kiln.tanh.
template <typename T> Result<Tensor<T>> tanh(const Tensor<T> &x);

/// kiln.softmax over the last axis, computed as exp(x - max) / sum.
template <typename T> Result<Tensor<T>> softmax(const Tensor<T> &x);

/// kiln.max_pool2d: maximum of the in-bounds elements of each window (the
/// padding acts as -inf and is never chosen).
template <typename T>
Result<Tensor<T>> maxPool2d(const Tensor<T> &x, Pair window, Pair strides,
                            Padding2 padding);

/// kiln.avg_pool2d: mean of the in-bounds elements of each window (padding
/// is excluded from the count, as Keras/TF 'same' pooling does).
template <typename T>
Result<Tensor<T>> avgPool2d(const Tensor<T> &x, Pair window, Pair strides,
                            Padding2 padding);

/// kiln.max_pool1d on NWC.
template <typename T>
Result<Tensor<T>> maxPool1d(const Tensor<T> &x, int64_t window, int64_t stride,
                            Pad padding);

/// kiln.avg_pool1d on NWC.
template <typename T>
Result<Tensor<T>> avgPool1d(const Tensor<T> &x, int64_t window, int64_t stride,
                            Pad padding);

/// kiln.global_avg_pool: NHWC or NWC -> N x C, the mean over space.
template <typename T> Result<Tensor<T>> globalAvgPool(const Tensor<T> &x);

/// Results of kiln.batch_norm_train.
template <typename T> struct BatchNormTrainResult {
  Tensor<T> y;
  /// Per-channel mean over all axes but the last.
  Tensor<T> mean;
  /// Per-channel biased variance (divided by the count, not count - 1).
  Tensor<T> variance;
};

/// kiln.batch_norm_train: normalises with the batch statistics,
/// y = gamma * (x - mean) / sqrt(variance + epsilon) + beta.
template <typename T>
Result<BatchNormTrainResult<T>>
batchNormTrain(const Tensor<T> &x, const Tensor<T> &gamma,
               const Tensor<T> &beta, double epsilon);

/// kiln.batch_norm_infer: the same formula with given statistics.
template <typename T>
Result<Tensor<T>> batchNormInfer(const Tensor<T> &x, const Tensor<T> &gamma,
                                 const Tensor<T> &beta, const Tensor<T> &mean,
                                 const Tensor<T> &variance, double epsilon);

/// kiln.moving_average: running * momentum + batch * (1 - momentum), Keras'
/// BatchNormalization update of the moving statistics.
template <typename T>
Result<Tensor<T>> movingAverage(const Tensor<T> &running,
                                const Tensor<T> &batch, double momentum);

/// Results of kiln.dropout.
template <typename T> struct DropoutResult {
  Tensor<T> y;
  /// 1 / (1 - rate) where kept, 0 where dropped; the gradient is
  /// mul(grad, mask).
  Tensor<T> mask;
};

/// kiln.dropout: element i (flat row-major index) is kept when
/// rng::uniformAt(seed, stream, step, i) >= rate, compared in float so float
/// and double runs drop the same elements. Needs 0 <= rate < 1.
template <typename T>
Result<DropoutResult<T>> dropout(const Tensor<T> &x, int64_t step, double rate,
                                 int64_t seed, int64_t stream);

/// kiln.mul: elementwise a * b of equal shapes.
template <typename T>
Result<Tensor<T>> mul(const Tensor<T> &a, const Tensor<T> &b);

/// kiln.add: elementwise a + b of equal shapes (residual add).
template <typename T>
Result<Tensor<T>> add(const Tensor<T> &a, const Tensor<T> &b);

/// kiln.concat along `axis` (a non-batch axis; negative counts from the end).
template <typename T>
Result<Tensor<T>> concat(const std::vector<Tensor<T>> &inputs, int64_t axis);

/// kiln.flatten: N x d1 x ... x dk -> N x (d1 * ... * dk).
template <typename T> Result<Tensor<T>> flatten(const Tensor<T> &x);

/// kiln.reshape of the non-batch extents to `shape` (one entry may be -1).
template <typename T>
Result<Tensor<T>> reshape(const Tensor<T> &x, const Dims &shape);

/// kiln.zero_pad of the spatial axes of NHWC (two pads, H then W) or NWC
/// (one pad).
template <typename T>
Result<Tensor<T>> zeroPad(const Tensor<T> &x, const std::vector<Pad> &padding);

/// kiln.slice: out[n, i...] = x[n, offsets + i...]; one offset and size per
/// non-batch axis.
template <typename T>
Result<Tensor<T>> slice(const Tensor<T> &x, const Dims &offsets,
                        const Dims &sizes);

//===----------------------------------------------------------------------===//
// Loss and metrics (rank-0 results)
//===----------------------------------------------------------------------===//

/// kiln.softmax_cross_entropy: mean over the batch of
/// -sum_m labels[n,m] * log_softmax(logits)[n,m], with log_softmax computed
/// as x - max - log(sum exp(x - max)).
template <typename T>
Result<Tensor<T>> softmaxCrossEntropy(const Tensor<T> &logits,
                                      const Tensor<T> &labels);

/// kiln.correct_count: the number of rows whose argmax of logits equals the
/// argmax of labels (the first maximum wins in both).
template <typename T>
Result<Tensor<T>> correctCount(const Tensor<T> &logits,
                               const Tensor<T> &labels);

/// kiln.l2_penalty: scale * sum(w^2) (Keras' l2 regularizer).
template <typename T>
Result<Tensor<T>> l2Penalty(const Tensor<T> &w, double scale);

/// kiln.l1_penalty: scale * sum(|w|) (Keras' l1 regularizer).
template <typename T>
Result<Tensor<T>> l1Penalty(const Tensor<T> &w, double scale);

//===----------------------------------------------------------------------===//
// Backward ops
//===----------------------------------------------------------------------===//

/// kiln.conv2d_grad_input: the gradient of conv2d with respect to its input
/// of spatial extent `inputHW`; each output gradient flows back through the
/// filter taps of its window, taps in the padding are dropped.
template <typename T>
Result<Tensor<T>>
conv2dGradInput(const Tensor<T> &gradOut, const Tensor<T> &filter, Pair strides,
                Pair dilations, Padding2 padding, Pair inputHW);

/// kiln.conv2d_grad_filter: the gradient of conv2d with respect to its
/// filter of spatial extent `kernelHW`: sum over n, oh, ow of
/// in[window tap] * gradOut.
template <typename T>
Result<Tensor<T>>
conv2dGradFilter(const Tensor<T> &input, const Tensor<T> &gradOut, Pair strides,
                 Pair dilations, Padding2 padding, Pair kernelHW);

/// kiln.conv1d_grad_input.
template <typename T>
Result<Tensor<T>>
conv1dGradInput(const Tensor<T> &gradOut, const Tensor<T> &filter,
                int64_t stride, int64_t dilation, Pad padding, int64_t inputW);

/// kiln.conv1d_grad_filter.
template <typename T>
Result<Tensor<T>> conv1dGradFilter(const Tensor<T> &input,
                                   const Tensor<T> &gradOut, int64_t stride,
                                   int64_t dilation, Pad padding,
                                   int64_t kernelW);

/// kiln.dense_grad_input: gradOut * weights^T (N x K).
template <typename T>
Result<Tensor<T>> denseGradInput(const Tensor<T> &gradOut,
                                 const Tensor<T> &weights);

/// kiln.dense_grad_weights: input^T * gradOut (K x M).
template <typename T>
Result<Tensor<T>> denseGradWeights(const Tensor<T> &input,
                                   const Tensor<T> &gradOut);

/// kiln.bias_grad: [C], the sum of gradOut over all axes but the last.
template <typename T> Result<Tensor<T>> biasGrad(const Tensor<T> &gradOut);

/// kiln.relu_grad: gradOut * (x > 0).
template <typename T>
Result<Tensor<T>> reluGrad(const Tensor<T> &gradOut, const Tensor<T> &x);

/// kiln.gelu_grad: gradOut * (Phi(x) + x * phi(x)), phi the normal density.
template <typename T>
Result<Tensor<T>> geluGrad(const Tensor<T> &gradOut, const Tensor<T> &x);

/// kiln.sigmoid_grad from the forward result y: gradOut * y * (1 - y).
template <typename T>
Result<Tensor<T>> sigmoidGrad(const Tensor<T> &gradOut, const Tensor<T> &y);

/// kiln.tanh_grad from the forward result y: gradOut * (1 - y^2).
template <typename T>
Result<Tensor<T>> tanhGrad(const Tensor<T> &gradOut, const Tensor<T> &y);

/// kiln.softmax_grad from the forward result y:
/// y * (gradOut - sum(gradOut * y, last axis)).
template <typename T>
Result<Tensor<T>> softmaxGrad(const Tensor<T> &gradOut, const Tensor<T> &y);

/// kiln.max_pool2d_grad: each output gradient goes to the first maximum of
/// its window in row-major scan order (the element max_pool2d returned).
template <typename T>
Result<Tensor<T>> maxPool2dGrad(const Tensor<T> &gradOut, const Tensor<T> &x,
                                Pair window, Pair strides, Padding2 padding);

/// kiln.avg_pool2d_grad: each output gradient is shared equally by the
/// in-bounds elements of its window.
template <typename T>
Result<Tensor<T>> avgPool2dGrad(const Tensor<T> &gradOut, Pair window,
                                Pair strides, Padding2 padding, Pair inputHW);

/// kiln.max_pool1d_grad.
template <typename T>
Result<Tensor<T>> maxPool1dGrad(const Tensor<T> &gradOut, const Tensor<T> &x,
                                int64_t window, int64_t stride, Pad padding);

/// kiln.avg_pool1d_grad.
template <typename T>
Result<Tensor<T>> avgPool1dGrad(const Tensor<T> &gradOut, int64_t window,
                                int64_t stride, Pad padding, int64_t inputW);

/// kiln.global_avg_pool_grad: gradOut[n,c] / (spatial size), broadcast over
/// an input of non-batch extents `inputShape` (H x W x C or W x C).
template <typename T>
Result<Tensor<T>> globalAvgPoolGrad(const Tensor<T> &gradOut,
                                    const Dims &inputShape);

/// Results of kiln.batch_norm_train_grad.
template <typename T> struct BatchNormGradResult {
  Tensor<T> gradX;
  Tensor<T> gradGamma;
  Tensor<T> gradBeta;
};

/// kiln.batch_norm_train_grad: the gradient of batch_norm_train through the
/// batch statistics. With xhat = (x - mean) / sqrt(variance + epsilon) and M
/// elements per channel: gradBeta = sum g, gradGamma = sum g * xhat,
/// gradX = gamma / sqrt(variance + epsilon) *
///         (g - gradBeta / M - xhat * gradGamma / M).
template <typename T>
Result<BatchNormGradResult<T>>
batchNormTrainGrad(const Tensor<T> &gradOut, const Tensor<T> &x,
                   const Tensor<T> &gamma, const Tensor<T> &mean,
                   const Tensor<T> &variance, double epsilon);

/// kiln.softmax_cross_entropy_grad: (softmax(logits) - labels) / N, the
/// gradient of the mean loss when each labels row sums to one.
template <typename T>
Result<Tensor<T>> softmaxCrossEntropyGrad(const Tensor<T> &logits,
                                          const Tensor<T> &labels);

/// kiln.l2_penalty_grad: 2 * scale * w.
template <typename T>
Result<Tensor<T>> l2PenaltyGrad(const Tensor<T> &w, double scale);

/// kiln.l1_penalty_grad: scale * sign(w), with sign(0) = 0.
template <typename T>
Result<Tensor<T>> l1PenaltyGrad(const Tensor<T> &w, double scale);

//===----------------------------------------------------------------------===//
// Optimizer updates (Keras 2 formulas)
//===----------------------------------------------------------------------===//

/// Results of kiln.sgd_update.
template <typename T> struct SgdResult {
  Tensor<T> param;
  Tensor<T> velocity;
};

/// kiln.sgd_update: v' = momentum * v - lr * g; p' = p + v', or with
/// Nesterov momentum p' = p + momentum * v' - lr * g.
template <typename T>
Result<SgdResult<T>> sgdUpdate(const Tensor<T> &param, const Tensor<T> &grad,
                               const Tensor<T> &velocity, double lr,
                               double momentum, bool nesterov);

/// Results of kiln.adam_update.
template <typename T> struct AdamResult {
  Tensor<T> param;
  Tensor<T> m;
  Tensor<T> v;
};

/// kiln.adam_update at 1-based `step` t: m' = b1 m + (1 - b1) g;
/// v' = b2 v + (1 - b2) g^2; lr_t = lr sqrt(1 - b2^t) / (1 - b1^t);
/// p' = p - lr_t m' / (sqrt(v') + epsilon).
template <typename T>
Result<AdamResult<T>> adamUpdate(const Tensor<T> &param, const Tensor<T> &grad,
                                 const Tensor<T> &m, const Tensor<T> &v,
                                 double lr, int64_t step, double beta1,
                                 double beta2, double epsilon);

/// Results of kiln.rmsprop_update.
template <typename T> struct RmspropResult {
  Tensor<T> param;
  Tensor<T> ms;
};

/// kiln.rmsprop_update: ms' = rho ms + (1 - rho) g^2;
/// p' = p - lr g / (sqrt(ms') + epsilon).
template <typename T>
Result<RmspropResult<T>>
rmspropUpdate(const Tensor<T> &param, const Tensor<T> &grad,
              const Tensor<T> &ms, double lr, double rho, double epsilon);

} // namespace ref
} // namespace kiln

#endif // KILN_REFERENCE_OPS_H

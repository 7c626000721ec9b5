//===- ShapeRules.cpp - Shape rules of Kiln's ops -------------------------===//

#include "kiln/Shape/ShapeRules.h"

#include <sstream>

namespace kiln {
namespace shape {

int64_t windowOutputExtent(int64_t input, int64_t window, int64_t stride,
                           int64_t dilation, Pad pad, std::string &error) {
  if (window <= 0 || stride <= 0 || dilation <= 0) {
    error = "window, stride and dilation must be positive";
    return -1;
  }
  if (pad.before < 0 || pad.after < 0) {
    error = "padding must not be negative";
    return -1;
  }
  if (input == kDynamic)
    return kDynamic;
  int64_t effective = dilation * (window - 1) + 1;
  int64_t padded = input + pad.before + pad.after;
  if (effective > padded) {
    std::ostringstream os;
    os << "window of " << effective << " does not fit into input extent "
       << padded;
    if (pad.before + pad.after)
      os << " (with padding)";
    error = os.str();
    return -1;
  }
  return (padded - effective) / stride + 1;
}

Pad samePadding(int64_t input, int64_t window, int64_t stride,
                int64_t dilation) {
  if (input == kDynamic || input <= 0 || stride <= 0)
    return {};
  int64_t out = (input + stride - 1) / stride;
  int64_t effective = dilation * (window - 1) + 1;
  int64_t total = (out - 1) * stride + effective - input;
  if (total < 0)
    total = 0;
  return {total / 2, total - total / 2};
}

std::string formatDims(const Dims &dims) {
  std::string s;
  for (size_t i = 0; i < dims.size(); ++i) {
    if (i)
      s += 'x';
    s += dims[i] == kDynamic ? std::string("?") : std::to_string(dims[i]);
  }
  return s;
}

ShapeResult conv2d(const Dims &input, const Dims &filter,
                   std::array<int64_t, 2> strides,
                   std::array<int64_t, 2> dilations, std::array<Pad, 2> pads) {
  if (input.size() != 4)
    return ShapeResult::failure("input must be rank 4 (NHWC), got rank " +
                                std::to_string(input.size()));
  if (filter.size() != 4)
    return ShapeResult::failure("filter must be rank 4 (HWIO), got rank " +
                                std::to_string(filter.size()));
  for (int64_t d : filter)
    if (d == kDynamic || d <= 0)
      return ShapeResult::failure("filter extents must be static and positive, "
                                  "got " +
                                  formatDims(filter));
  if (input[3] != kDynamic && input[3] != filter[2])
    return ShapeResult::failure("input has " + std::to_string(input[3]) +
                                " channels but the filter expects " +
                                std::to_string(filter[2]));
  Dims out{input[0], 0, 0, filter[3]};
  for (int axis = 0; axis < 2; ++axis) {
    std::string error;
    int64_t extent =
        windowOutputExtent(input[1 + axis], filter[axis], strides[axis],
                           dilations[axis], pads[axis], error);
    if (!error.empty())
      return ShapeResult::failure((axis == 0 ? "height: " : "width: ") + error);
    out[1 + axis] = extent;
  }
  return ShapeResult::success(out);
}

namespace {

std::string rankError(const char *what, size_t expected, const Dims &got) {
  return std::string(what) + " must be rank " + std::to_string(expected) +
         ", got " + std::to_string(got.size()) + " (" + formatDims(got) + ")";
}

bool staticPositive(const Dims &dims) {
  for (int64_t d : dims)
    if (d == kDynamic || d <= 0)
      return false;
  return true;
}

} // namespace

int64_t numElements(const Dims &dims) {
  int64_t n = 1;
  for (int64_t d : dims) {
    if (d == kDynamic)
      return -1;
    n *= d;
  }
  return n;
}

ShapeResult conv1d(const Dims &input, const Dims &filter, int64_t stride,
                   int64_t dilation, Pad pad) {
  if (input.size() != 3)
    return ShapeResult::failure(rankError("input (NWC)", 3, input));
  if (filter.size() != 3)
    return ShapeResult::failure(rankError("filter (WIO)", 3, filter));
  if (!staticPositive(filter))
    return ShapeResult::failure(
        "filter extents must be static and positive, got " +
        formatDims(filter));
  if (input[2] != kDynamic && input[2] != filter[1])
    return ShapeResult::failure("input has " + std::to_string(input[2]) +
                                " channels but the filter expects " +
                                std::to_string(filter[1]));
  std::string error;
  int64_t w =
      windowOutputExtent(input[1], filter[0], stride, dilation, pad, error);
  if (!error.empty())
    return ShapeResult::failure("width: " + error);
  return ShapeResult::success({input[0], w, filter[2]});
}

ShapeResult pool2d(const Dims &input, std::array<int64_t, 2> window,
                   std::array<int64_t, 2> strides, std::array<Pad, 2> pads) {
  if (input.size() != 4)
    return ShapeResult::failure(rankError("input (NHWC)", 4, input));
  Dims out = input;
  for (int axis = 0; axis < 2; ++axis) {
    std::string error;
    out[1 + axis] = windowOutputExtent(input[1 + axis], window[axis],
                                       strides[axis], 1, pads[axis], error);
    if (!error.empty())
      return ShapeResult::failure((axis == 0 ? "height: " : "width: ") + error);
  }
  return ShapeResult::success(out);
}

ShapeResult pool1d(const Dims &input, int64_t window, int64_t stride, Pad pad) {
  if (input.size() != 3)
    return ShapeResult::failure(rankError("input (NWC)", 3, input));
  std::string error;
  Dims out = input;
  out[1] = windowOutputExtent(input[1], window, stride, 1, pad, error);
  if (!error.empty())
    return ShapeResult::failure("width: " + error);
  return ShapeResult::success(out);
}

ShapeResult globalPool(const Dims &input) {
  if (input.size() != 3 && input.size() != 4)
    return ShapeResult::failure("input must be rank 3 (NWC) or 4 (NHWC), got " +
                                formatDims(input));
  return ShapeResult::success({input.front(), input.back()});
}

ShapeResult dense(const Dims &input, const Dims &weights) {
  if (input.size() != 2)
    return ShapeResult::failure(rankError("input", 2, input) +
                                "; flatten it first");
  if (weights.size() != 2 || !staticPositive(weights))
    return ShapeResult::failure("weights must be a static rank-2 shape, got " +
                                formatDims(weights));
  if (input[1] != kDynamic && input[1] != weights[0])
    return ShapeResult::failure("input has " + std::to_string(input[1]) +
                                " features but the weights expect " +
                                std::to_string(weights[0]));
  return ShapeResult::success({input[0], weights[1]});
}

ShapeResult flatten(const Dims &input) {
  if (input.empty())
    return ShapeResult::failure("cannot flatten a scalar");
  Dims rest(input.begin() + 1, input.end());
  int64_t n = numElements(rest);
  if (n < 0)
    return ShapeResult::failure("only the batch extent may be dynamic, got " +
                                formatDims(input));
  return ShapeResult::success({input[0], n});
}

ShapeResult reshape(const Dims &input, const Dims &target) {
  if (input.empty())
    return ShapeResult::failure("cannot reshape a scalar");
  int64_t have = numElements(Dims(input.begin() + 1, input.end()));
  if (have < 0)
    return ShapeResult::failure("only the batch extent may be dynamic, got " +
                                formatDims(input));
  int64_t known = 1, inferAt = -1;
  for (size_t i = 0; i < target.size(); ++i) {
    if (target[i] == -1) {
      if (inferAt >= 0)
        return ShapeResult::failure("at most one extent may be -1");
      inferAt = static_cast<int64_t>(i);
    } else if (target[i] <= 0) {
      return ShapeResult::failure("reshape extents must be positive, got " +
                                  std::to_string(target[i]));
    } else {
      known *= target[i];
    }
  }
  Dims out{input[0]};
  out.insert(out.end(), target.begin(), target.end());
  if (inferAt >= 0) {
    if (have % known)
      return ShapeResult::failure("cannot reshape " + std::to_string(have) +
                                  " elements per example into " +
                                  formatDims(target));
    out[1 + inferAt] = have / known;
  } else if (known != have) {
    return ShapeResult::failure("cannot reshape " + std::to_string(have) +
                                " elements per example into " +
                                std::to_string(known));
  }
  return ShapeResult::success(out);
}

ShapeResult zeroPad(const Dims &input, const std::vector<Pad> &pads) {
  if (input.size() != pads.size() + 2)
    return ShapeResult::failure(
        "zero padding of " + std::to_string(pads.size()) +
        " spatial axes needs a rank-" + std::to_string(pads.size() + 2) +
        " input, got " + formatDims(input));
  Dims out = input;
  for (size_t i = 0; i < pads.size(); ++i) {
    if (pads[i].before < 0 || pads[i].after < 0)
      return ShapeResult::failure("padding must not be negative");
    if (out[1 + i] != kDynamic)
      out[1 + i] += pads[i].before + pads[i].after;
  }
  return ShapeResult::success(out);
}

ShapeResult sameShape(const Dims &lhs, const Dims &rhs) {
  if (lhs.size() != rhs.size())
    return ShapeResult::failure("shapes " + formatDims(lhs) + " and " +
                                formatDims(rhs) + " differ in rank");
  Dims out = lhs;
  for (size_t i = 0; i < lhs.size(); ++i) {
    if (lhs[i] == kDynamic || rhs[i] == kDynamic) {
      out[i] = lhs[i] == kDynamic ? rhs[i] : lhs[i];
      continue;
    }
    if (lhs[i] != rhs[i])
      return ShapeResult::failure("shapes " + formatDims(lhs) + " and " +
                                  formatDims(rhs) + " do not match");
  }
  return ShapeResult::success(out);
}

int64_t resolveAxis(int64_t axis, int64_t rank) {
  return axis < 0 ? axis + rank : axis;
}

ShapeResult concat(const std::vector<Dims> &inputs, int64_t axis) {
  if (inputs.empty())
    return ShapeResult::failure("concat needs at least one input");
  int64_t rank = static_cast<int64_t>(inputs[0].size());
  axis = resolveAxis(axis, rank);
  if (axis <= 0 || axis >= rank)
    return ShapeResult::failure("concat axis must name a non-batch axis of a "
                                "rank-" +
                                std::to_string(rank) + " value");
  Dims out = inputs[0];
  for (size_t k = 1; k < inputs.size(); ++k) {
    const Dims &in = inputs[k];
    if (static_cast<int64_t>(in.size()) != rank)
      return ShapeResult::failure(
          "concat inputs differ in rank: " + formatDims(inputs[0]) + " and " +
          formatDims(in));
    // The batch may be dynamic on one side; any other extent must be equal.
    if (in[0] != kDynamic && out[0] != kDynamic && in[0] != out[0])
      return ShapeResult::failure("concat inputs " + formatDims(inputs[0]) +
                                  " and " + formatDims(in) +
                                  " differ in the batch extent");
    if (out[0] == kDynamic)
      out[0] = in[0];
    for (int64_t i = 1; i < rank; ++i) {
      if (i == axis)
        continue;
      if (in[i] != out[i])
        return ShapeResult::failure(
            "concat inputs " + formatDims(inputs[0]) + " and " +
            formatDims(in) + " differ outside axis " + std::to_string(axis));
    }
    out[axis] = (out[axis] == kDynamic || in[axis] == kDynamic)
                    ? kDynamic
                    : out[axis] + in[axis];
  }
  return ShapeResult::success(out);
}

ShapeResult channelParam(const Dims &value, const Dims &param) {
  if (value.empty())
    return ShapeResult::failure("a per-channel parameter needs a value with "
                                "channels");
  if (param.size() != 1 || param[0] != value.back())
    return ShapeResult::failure("per-channel parameter must have shape " +
                                std::to_string(value.back()) + ", got " +
                                formatDims(param));
  return ShapeResult::success(value);
}

namespace {

/// Checks that `gradOut` equals the shape the forward op gives for the
/// operands the gradient reconstructs, and returns `result` if so.
ShapeResult matchForward(const char *op, const ShapeResult &forward,
                         const Dims &gradOut, Dims result) {
  if (!forward.ok())
    return forward;
  if (forward.dims != gradOut)
    return ShapeResult::failure("gradient has shape " + formatDims(gradOut) +
                                " but " + op + " gives " +
                                formatDims(forward.dims));
  return ShapeResult::success(std::move(result));
}

} // namespace

ShapeResult slice(const Dims &input, const Dims &offsets, const Dims &sizes) {
  if (input.empty())
    return ShapeResult::failure("cannot slice a scalar");
  size_t axes = input.size() - 1;
  if (offsets.size() != axes || sizes.size() != axes)
    return ShapeResult::failure(
        "offsets and sizes need one entry per non-batch axis (" +
        std::to_string(axes) + "), got " + std::to_string(offsets.size()) +
        " and " + std::to_string(sizes.size()));
  Dims out{input[0]};
  for (size_t i = 0; i < axes; ++i) {
    if (offsets[i] < 0 || sizes[i] <= 0)
      return ShapeResult::failure("axis " + std::to_string(i + 1) +
                                  ": offset must be >= 0 and size > 0, got " +
                                  std::to_string(offsets[i]) + " and " +
                                  std::to_string(sizes[i]));
    int64_t extent = input[i + 1];
    if (extent == kDynamic)
      return ShapeResult::failure("only the batch extent may be dynamic, got " +
                                  formatDims(input));
    if (offsets[i] + sizes[i] > extent)
      return ShapeResult::failure("axis " + std::to_string(i + 1) +
                                  ": slice [" + std::to_string(offsets[i]) +
                                  ", " + std::to_string(offsets[i] + sizes[i]) +
                                  ") does not fit into extent " +
                                  std::to_string(extent));
    out.push_back(sizes[i]);
  }
  return ShapeResult::success(out);
}

ShapeResult softmax(const Dims &input) {
  if (input.size() != 2)
    return ShapeResult::failure(rankError("input (batch x classes)", 2, input));
  return ShapeResult::success(input);
}

ShapeResult classification(const Dims &logits, const Dims &labels) {
  if (logits.size() != 2)
    return ShapeResult::failure(
        rankError("logits (batch x classes)", 2, logits));
  if (labels != logits)
    return ShapeResult::failure("labels have shape " + formatDims(labels) +
                                " but the logits " + formatDims(logits));
  return ShapeResult::success({});
}

ShapeResult conv2dGradInput(const Dims &gradOut, const Dims &filter,
                            std::array<int64_t, 2> strides,
                            std::array<int64_t, 2> dilations,
                            std::array<Pad, 2> pads,
                            std::array<int64_t, 2> inputHW) {
  if (gradOut.size() != 4)
    return ShapeResult::failure(rankError("gradient (NHWC)", 4, gradOut));
  if (filter.size() != 4)
    return ShapeResult::failure(rankError("filter (HWIO)", 4, filter));
  if (inputHW[0] <= 0 || inputHW[1] <= 0)
    return ShapeResult::failure("input extents must be positive");
  Dims input{gradOut[0], inputHW[0], inputHW[1], filter[2]};
  return matchForward("conv2d", conv2d(input, filter, strides, dilations, pads),
                      gradOut, input);
}

ShapeResult conv2dGradFilter(const Dims &input, const Dims &gradOut,
                             std::array<int64_t, 2> strides,
                             std::array<int64_t, 2> dilations,
                             std::array<Pad, 2> pads,
                             std::array<int64_t, 2> kernelHW) {
  if (input.size() != 4)
    return ShapeResult::failure(rankError("input (NHWC)", 4, input));
  if (gradOut.size() != 4)
    return ShapeResult::failure(rankError("gradient (NHWC)", 4, gradOut));
  Dims filter{kernelHW[0], kernelHW[1], input[3], gradOut[3]};
  return matchForward("conv2d", conv2d(input, filter, strides, dilations, pads),
                      gradOut, filter);
}

ShapeResult conv1dGradInput(const Dims &gradOut, const Dims &filter,
                            int64_t stride, int64_t dilation, Pad pad,
                            int64_t inputW) {
  if (gradOut.size() != 3)
    return ShapeResult::failure(rankError("gradient (NWC)", 3, gradOut));
  if (filter.size() != 3)
    return ShapeResult::failure(rankError("filter (WIO)", 3, filter));
  if (inputW <= 0)
    return ShapeResult::failure("input width must be positive");
  Dims input{gradOut[0], inputW, filter[1]};
  return matchForward("conv1d", conv1d(input, filter, stride, dilation, pad),
                      gradOut, input);
}

ShapeResult conv1dGradFilter(const Dims &input, const Dims &gradOut,
                             int64_t stride, int64_t dilation, Pad pad,
                             int64_t kernelW) {
  if (input.size() != 3)
    return ShapeResult::failure(rankError("input (NWC)", 3, input));
  if (gradOut.size() != 3)
    return ShapeResult::failure(rankError("gradient (NWC)", 3, gradOut));
  Dims filter{kernelW, input[2], gradOut[2]};
  return matchForward("conv1d", conv1d(input, filter, stride, dilation, pad),
                      gradOut, filter);
}

ShapeResult pool2dGrad(const Dims &gradOut, const Dims &input,
                       std::array<int64_t, 2> window,
                       std::array<int64_t, 2> strides,
                       std::array<Pad, 2> pads) {
  return matchForward("pooling", pool2d(input, window, strides, pads), gradOut,
                      input);
}

ShapeResult pool2dGradFromExtents(const Dims &gradOut,
                                  std::array<int64_t, 2> inputHW,
                                  std::array<int64_t, 2> window,
                                  std::array<int64_t, 2> strides,
                                  std::array<Pad, 2> pads) {
  if (gradOut.size() != 4)
    return ShapeResult::failure(rankError("gradient (NHWC)", 4, gradOut));
  if (inputHW[0] <= 0 || inputHW[1] <= 0)
    return ShapeResult::failure("input extents must be positive");
  return pool2dGrad(gradOut, {gradOut[0], inputHW[0], inputHW[1], gradOut[3]},
                    window, strides, pads);
}

ShapeResult pool1dGrad(const Dims &gradOut, const Dims &input, int64_t window,
                       int64_t stride, Pad pad) {
  return matchForward("pooling", pool1d(input, window, stride, pad), gradOut,
                      input);
}

ShapeResult pool1dGradFromExtents(const Dims &gradOut, int64_t inputW,
                                  int64_t window, int64_t stride, Pad pad) {
  if (gradOut.size() != 3)
    return ShapeResult::failure(rankError("gradient (NWC)", 3, gradOut));
  if (inputW <= 0)
    return ShapeResult::failure("input width must be positive");
  return pool1dGrad(gradOut, {gradOut[0], inputW, gradOut[2]}, window, stride,
                    pad);
}

ShapeResult globalPoolGrad(const Dims &gradOut, const Dims &inputShape) {
  if (gradOut.size() != 2)
    return ShapeResult::failure(rankError("gradient (NC)", 2, gradOut));
  if (inputShape.size() != 2 && inputShape.size() != 3)
    return ShapeResult::failure(
        "input shape must have 2 (WC) or 3 (HWC) extents, got " +
        std::to_string(inputShape.size()));
  if (!staticPositive(inputShape))
    return ShapeResult::failure("input extents must be positive, got " +
                                formatDims(inputShape));
  Dims input{gradOut[0]};
  input.insert(input.end(), inputShape.begin(), inputShape.end());
  return matchForward("global pooling", globalPool(input), gradOut, input);
}

ShapeResult denseGradInput(const Dims &gradOut, const Dims &weights) {
  if (gradOut.size() != 2)
    return ShapeResult::failure(rankError("gradient", 2, gradOut));
  if (weights.size() != 2 || !staticPositive(weights))
    return ShapeResult::failure("weights must be a static rank-2 shape, got " +
                                formatDims(weights));
  Dims input{gradOut[0], weights[0]};
  return matchForward("dense", dense(input, weights), gradOut, input);
}

ShapeResult denseGradWeights(const Dims &input, const Dims &gradOut) {
  if (input.size() != 2)
    return ShapeResult::failure(rankError("input", 2, input));
  if (gradOut.size() != 2)
    return ShapeResult::failure(rankError("gradient", 2, gradOut));
  Dims weights{input[1], gradOut[1]};
  return matchForward("dense", dense(input, weights), gradOut, weights);
}

ShapeResult biasGrad(const Dims &gradOut) {
  if (gradOut.empty())
    return ShapeResult::failure("a bias gradient needs a value with channels");
  if (gradOut.back() == kDynamic)
    return ShapeResult::failure("the channel extent must be static, got " +
                                formatDims(gradOut));
  return ShapeResult::success({gradOut.back()});
}

ShapeResult movingAverage(const Dims &running, const Dims &batch) {
  if (running.size() != 1 || !staticPositive(running))
    return ShapeResult::failure(
        "running statistics must be a static [C] vector, got " +
        formatDims(running));
  if (batch != running)
    return ShapeResult::failure("batch statistics have shape " +
                                formatDims(batch) + " but the running ones " +
                                formatDims(running));
  return ShapeResult::success(running);
}

} // namespace shape
} // namespace kiln

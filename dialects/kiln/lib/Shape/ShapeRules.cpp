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
                                  "got " + formatDims(filter));
  if (input[3] != kDynamic && input[3] != filter[2])
    return ShapeResult::failure("input has " + std::to_string(input[3]) +
                                " channels but the filter expects " +
                                std::to_string(filter[2]));
  Dims out{input[0], 0, 0, filter[3]};
  for (int axis = 0; axis < 2; ++axis) {
    std::string error;
    int64_t extent = windowOutputExtent(input[1 + axis], filter[axis],
                                        strides[axis], dilations[axis],
                                        pads[axis], error);
    if (!error.empty())
      return ShapeResult::failure((axis == 0 ? "height: " : "width: ") +
                                  error);
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
  int64_t w = windowOutputExtent(input[1], filter[0], stride, dilation, pad,
                                 error);
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
      return ShapeResult::failure((axis == 0 ? "height: " : "width: ") +
                                  error);
  }
  return ShapeResult::success(out);
}

ShapeResult pool1d(const Dims &input, int64_t window, int64_t stride,
                   Pad pad) {
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
    return ShapeResult::failure(
        rankError("input", 2, input) + "; flatten it first");
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
    return ShapeResult::failure("zero padding of " +
                                std::to_string(pads.size()) +
                                " spatial axes needs a rank-" +
                                std::to_string(pads.size() + 2) +
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

ShapeResult concat(const std::vector<Dims> &inputs, int64_t axis) {
  if (inputs.empty())
    return ShapeResult::failure("concat needs at least one input");
  int64_t rank = static_cast<int64_t>(inputs[0].size());
  if (axis < 0)
    axis += rank;
  if (axis <= 0 || axis >= rank)
    return ShapeResult::failure("concat axis must name a non-batch axis of a "
                                "rank-" + std::to_string(rank) + " value");
  Dims out = inputs[0];
  for (size_t k = 1; k < inputs.size(); ++k) {
    const Dims &in = inputs[k];
    if (static_cast<int64_t>(in.size()) != rank)
      return ShapeResult::failure("concat inputs differ in rank: " +
                                  formatDims(inputs[0]) + " and " +
                                  formatDims(in));
    for (int64_t i = 1; i < rank; ++i) {
      if (i == axis)
        continue;
      if (in[i] != out[i])
        return ShapeResult::failure(
            "concat inputs " + formatDims(inputs[0]) + " and " +
            formatDims(in) + " differ outside axis " + std::to_string(axis));
    }
    out[axis] += in[axis];
  }
  return ShapeResult::success(out);
}

ShapeResult softmax(const Dims &input) {
  if (input.size() != 2)
    return ShapeResult::failure(rankError("softmax input (N x M)", 2, input));
  return ShapeResult::success(input);
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

} // namespace shape
} // namespace kiln

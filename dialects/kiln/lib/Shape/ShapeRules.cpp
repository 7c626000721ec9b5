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

} // namespace shape
} // namespace kiln

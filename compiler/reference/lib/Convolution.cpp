//===- Convolution.cpp - Reference conv1d/conv2d and their gradients ------===//
//
// The forward op and both gradients walk the same correspondence between
// output positions, filter taps and input positions (forEachTap), so the
// three are visibly adjoint. 1-D convolution is 2-D convolution of height 1.
// Their sums are kept in double and rounded once (roundInto).
//
//===----------------------------------------------------------------------===//

#include "Common.h"

namespace kiln {
namespace ref {

using namespace detail;

namespace {

/// Extents and attributes of one 2-D convolution, after the shape rule has
/// accepted it.
struct ConvGeometry {
  int64_t batch, inH, inW, inC, kernelH, kernelW, outH, outW, outC;
  Pair strides, dilations;
  Padding2 padding;
};

/// Calls fn(n, oh, ow, kh, kw, ih, iw) for every filter tap (kh, kw) of every
/// output position (n, oh, ow) whose input position (ih, iw) lies inside the
/// input; taps that land in the zero padding contribute nothing and are
/// skipped.
template <typename Fn> void forEachTap(const ConvGeometry &g, Fn fn) {
  for (int64_t n = 0; n < g.batch; ++n)
    for (int64_t oh = 0; oh < g.outH; ++oh)
      for (int64_t ow = 0; ow < g.outW; ++ow)
        for (int64_t kh = 0; kh < g.kernelH; ++kh) {
          int64_t ih =
              oh * g.strides[0] - g.padding[0].before + kh * g.dilations[0];
          if (ih < 0 || ih >= g.inH)
            continue;
          for (int64_t kw = 0; kw < g.kernelW; ++kw) {
            int64_t iw =
                ow * g.strides[1] - g.padding[1].before + kw * g.dilations[1];
            if (iw < 0 || iw >= g.inW)
              continue;
            fn(n, oh, ow, kh, kw, ih, iw);
          }
        }
}

/// Geometry from the input, filter and output shapes of a checked conv2d.
ConvGeometry geometry(const Dims &input, const Dims &filter, const Dims &out,
                      Pair strides, Pair dilations, Padding2 padding) {
  return {input[0], input[1], input[2], input[3], filter[0], filter[1],
          out[1],   out[2],   out[3],   strides,  dilations, padding};
}

/// An NWC activation as the NHWC activation of height 1 that conv2d sees.
Dims nwcAsNhwc(const Dims &dims) { return {dims[0], 1, dims[1], dims[2]}; }

/// A WIO filter as the HWIO filter of height 1 that conv2d sees.
Dims wioAsHwio(const Dims &dims) { return {1, dims[0], dims[1], dims[2]}; }

} // namespace

template <typename T>
Result<Tensor<T>> conv2d(const Tensor<T> &input, const Tensor<T> &filter,
                         Pair strides, Pair dilations, Padding2 padding) {
  const char *op = "conv2d";
  std::string bad =
      checkOperands<T>(op, {{&input, "input"}, {&filter, "filter"}});
  if (!bad.empty())
    return Error{bad};
  shape::ShapeResult rule =
      shape::conv2d(input.shape(), filter.shape(), strides, dilations, padding);
  if (!rule.ok())
    return shapeError(op, rule.error);
  Result<Tensor<T>> out = allocate<T>(op, rule.dims);
  if (!out.ok())
    return out;
  ConvGeometry g = geometry(input.shape(), filter.shape(), rule.dims, strides,
                            dilations, padding);
  Tensor<double> result(rule.dims);
  forEachTap(g, [&](int64_t n, int64_t oh, int64_t ow, int64_t kh, int64_t kw,
                    int64_t ih, int64_t iw) {
    double *o = &result.at({n, oh, ow, 0});
    const T *in = &input.at({n, ih, iw, 0});
    for (int64_t c = 0; c < g.inC; ++c) {
      const T *f = &filter.at({kh, kw, c, 0});
      for (int64_t co = 0; co < g.outC; ++co)
        o[co] += double(in[c]) * f[co];
    }
  });
  roundInto(result, out.value);
  return out;
}

template <typename T>
Result<Tensor<T>>
conv2dGradInput(const Tensor<T> &gradOut, const Tensor<T> &filter, Pair strides,
                Pair dilations, Padding2 padding, Pair inputHW) {
  const char *op = "conv2d_grad_input";
  std::string bad =
      checkOperands<T>(op, {{&gradOut, "grad_out"}, {&filter, "filter"}});
  if (!bad.empty())
    return Error{bad};
  if (gradOut.rank() != 4 || filter.rank() != 4)
    return Error{std::string(op) +
                 ": grad_out (NHWC) and filter (HWIO) must "
                 "be rank 4, got " +
                 shape::formatDims(gradOut.shape()) + " and " +
                 shape::formatDims(filter.shape())};
  Dims inputDims{gradOut.dim(0), inputHW[0], inputHW[1], filter.dim(2)};
  bad = checkForwardShape(
      op, shape::conv2d(inputDims, filter.shape(), strides, dilations, padding),
      gradOut.shape());
  if (!bad.empty())
    return Error{bad};
  Result<Tensor<T>> out = allocate<T>(op, inputDims);
  if (!out.ok())
    return out;
  ConvGeometry g = geometry(inputDims, filter.shape(), gradOut.shape(), strides,
                            dilations, padding);
  Tensor<double> gradIn(inputDims);
  forEachTap(g, [&](int64_t n, int64_t oh, int64_t ow, int64_t kh, int64_t kw,
                    int64_t ih, int64_t iw) {
    const T *go = &gradOut.at({n, oh, ow, 0});
    double *gi = &gradIn.at({n, ih, iw, 0});
    for (int64_t c = 0; c < g.inC; ++c) {
      const T *f = &filter.at({kh, kw, c, 0});
      for (int64_t co = 0; co < g.outC; ++co)
        gi[c] += double(go[co]) * f[co];
    }
  });
  roundInto(gradIn, out.value);
  return out;
}

template <typename T>
Result<Tensor<T>>
conv2dGradFilter(const Tensor<T> &input, const Tensor<T> &gradOut, Pair strides,
                 Pair dilations, Padding2 padding, Pair kernelHW) {
  const char *op = "conv2d_grad_filter";
  std::string bad =
      checkOperands<T>(op, {{&input, "input"}, {&gradOut, "grad_out"}});
  if (!bad.empty())
    return Error{bad};
  if (input.rank() != 4 || gradOut.rank() != 4)
    return Error{std::string(op) +
                 ": input and grad_out must be rank 4 "
                 "(NHWC), got " +
                 shape::formatDims(input.shape()) + " and " +
                 shape::formatDims(gradOut.shape())};
  Dims filterDims{kernelHW[0], kernelHW[1], input.dim(3), gradOut.dim(3)};
  bad = checkForwardShape(
      op, shape::conv2d(input.shape(), filterDims, strides, dilations, padding),
      gradOut.shape());
  if (!bad.empty())
    return Error{bad};
  Result<Tensor<T>> out = allocate<T>(op, filterDims);
  if (!out.ok())
    return out;
  ConvGeometry g = geometry(input.shape(), filterDims, gradOut.shape(), strides,
                            dilations, padding);
  Tensor<double> gradFilter(filterDims);
  forEachTap(g, [&](int64_t n, int64_t oh, int64_t ow, int64_t kh, int64_t kw,
                    int64_t ih, int64_t iw) {
    const T *go = &gradOut.at({n, oh, ow, 0});
    const T *in = &input.at({n, ih, iw, 0});
    for (int64_t c = 0; c < g.inC; ++c) {
      double *gf = &gradFilter.at({kh, kw, c, 0});
      for (int64_t co = 0; co < g.outC; ++co)
        gf[co] += double(in[c]) * go[co];
    }
  });
  roundInto(gradFilter, out.value);
  return out;
}

template <typename T>
Result<Tensor<T>> conv1d(const Tensor<T> &input, const Tensor<T> &filter,
                         int64_t stride, int64_t dilation, Pad padding) {
  const char *op = "conv1d";
  std::string bad =
      checkOperands<T>(op, {{&input, "input"}, {&filter, "filter"}});
  if (!bad.empty())
    return Error{bad};
  shape::ShapeResult rule =
      shape::conv1d(input.shape(), filter.shape(), stride, dilation, padding);
  if (!rule.ok())
    return shapeError(op, rule.error);
  Result<Tensor<T>> out =
      conv2d(withShape(input, nwcAsNhwc(input.shape())),
             withShape(filter, wioAsHwio(filter.shape())), Pair{1, stride},
             Pair{1, dilation}, Padding2{Pad{}, padding});
  if (!out.ok())
    return out;
  return withShape(out.value, rule.dims);
}

template <typename T>
Result<Tensor<T>>
conv1dGradInput(const Tensor<T> &gradOut, const Tensor<T> &filter,
                int64_t stride, int64_t dilation, Pad padding, int64_t inputW) {
  const char *op = "conv1d_grad_input";
  std::string bad =
      checkOperands<T>(op, {{&gradOut, "grad_out"}, {&filter, "filter"}});
  if (!bad.empty())
    return Error{bad};
  if (gradOut.rank() != 3 || filter.rank() != 3)
    return Error{std::string(op) +
                 ": grad_out (NWC) and filter (WIO) must "
                 "be rank 3, got " +
                 shape::formatDims(gradOut.shape()) + " and " +
                 shape::formatDims(filter.shape())};
  Dims inputDims{gradOut.dim(0), inputW, filter.dim(1)};
  bad = checkForwardShape(
      op, shape::conv1d(inputDims, filter.shape(), stride, dilation, padding),
      gradOut.shape());
  if (!bad.empty())
    return Error{bad};
  Result<Tensor<T>> out = conv2dGradInput(
      withShape(gradOut, nwcAsNhwc(gradOut.shape())),
      withShape(filter, wioAsHwio(filter.shape())), Pair{1, stride},
      Pair{1, dilation}, Padding2{Pad{}, padding}, Pair{1, inputW});
  if (!out.ok())
    return out;
  return withShape(out.value, inputDims);
}

template <typename T>
Result<Tensor<T>> conv1dGradFilter(const Tensor<T> &input,
                                   const Tensor<T> &gradOut, int64_t stride,
                                   int64_t dilation, Pad padding,
                                   int64_t kernelW) {
  const char *op = "conv1d_grad_filter";
  std::string bad =
      checkOperands<T>(op, {{&input, "input"}, {&gradOut, "grad_out"}});
  if (!bad.empty())
    return Error{bad};
  if (input.rank() != 3 || gradOut.rank() != 3)
    return Error{std::string(op) +
                 ": input and grad_out must be rank 3 "
                 "(NWC), got " +
                 shape::formatDims(input.shape()) + " and " +
                 shape::formatDims(gradOut.shape())};
  Dims filterDims{kernelW, input.dim(2), gradOut.dim(2)};
  bad = checkForwardShape(
      op, shape::conv1d(input.shape(), filterDims, stride, dilation, padding),
      gradOut.shape());
  if (!bad.empty())
    return Error{bad};
  Result<Tensor<T>> out = conv2dGradFilter(
      withShape(input, nwcAsNhwc(input.shape())),
      withShape(gradOut, nwcAsNhwc(gradOut.shape())), Pair{1, stride},
      Pair{1, dilation}, Padding2{Pad{}, padding}, Pair{1, kernelW});
  if (!out.ok())
    return out;
  return withShape(out.value, filterDims);
}

#define KILN_INSTANTIATE(T)                                                    \
  template Result<Tensor<T>> conv2d(const Tensor<T> &, const Tensor<T> &,      \
                                    Pair, Pair, Padding2);                     \
  template Result<Tensor<T>> conv2dGradInput(                                  \
      const Tensor<T> &, const Tensor<T> &, Pair, Pair, Padding2, Pair);       \
  template Result<Tensor<T>> conv2dGradFilter(                                 \
      const Tensor<T> &, const Tensor<T> &, Pair, Pair, Padding2, Pair);       \
  template Result<Tensor<T>> conv1d(const Tensor<T> &, const Tensor<T> &,      \
                                    int64_t, int64_t, Pad);                    \
  template Result<Tensor<T>> conv1dGradInput(                                  \
      const Tensor<T> &, const Tensor<T> &, int64_t, int64_t, Pad, int64_t);   \
  template Result<Tensor<T>> conv1dGradFilter(                                 \
      const Tensor<T> &, const Tensor<T> &, int64_t, int64_t, Pad, int64_t);
KILN_INSTANTIATE(float)
KILN_INSTANTIATE(double)
#undef KILN_INSTANTIATE

} // namespace ref
} // namespace kiln

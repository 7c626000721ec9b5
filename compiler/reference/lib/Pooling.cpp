//===- Pooling.cpp - Reference max/avg/global pooling and gradients -------===//
//
// Pooling only ever looks at the in-bounds part of a window: that is max
// pooling's -inf padding and average pooling's count that excludes padding.
// The forward ops and their gradients share the window walk (forEachWindow)
// and, for max pooling, the choice of the element (firstMax). 1-D pooling is
// 2-D pooling of height 1.
//
//===----------------------------------------------------------------------===//

#include "Common.h"

namespace kiln {
namespace ref {

using namespace detail;

namespace {

/// The in-bounds input positions [begin, end) of a window along one axis.
struct Span {
  int64_t begin;
  int64_t end;
  int64_t size() const { return end - begin; }
};

/// Span of the window of output position `o` (pooling has no dilation).
Span windowSpan(int64_t o, int64_t window, int64_t stride, Pad pad,
                int64_t extent) {
  int64_t start = o * stride - pad.before;
  return {std::max<int64_t>(start, 0), std::min(start + window, extent)};
}

/// Extents and attributes of one 2-D pooling, after the shape rule has
/// accepted it.
struct PoolGeometry {
  int64_t batch, inH, inW, channels, outH, outW;
  Pair window, strides;
  Padding2 padding;

  Span rows(int64_t oh) const {
    return windowSpan(oh, window[0], strides[0], padding[0], inH);
  }
  Span cols(int64_t ow) const {
    return windowSpan(ow, window[1], strides[1], padding[1], inW);
  }
};

/// An error unless every window holds at least one input element. Explicit
/// padding of a window's size or more can leave a window wholly in the
/// padding, where neither a maximum nor a mean exists.
std::string checkWindows(const char *op, const PoolGeometry &g) {
  for (int64_t oh = 0; oh < g.outH; ++oh)
    if (g.rows(oh).size() <= 0)
      return std::string(op) + ": the window of output row " +
             std::to_string(oh) + " lies wholly in the padding";
  for (int64_t ow = 0; ow < g.outW; ++ow)
    if (g.cols(ow).size() <= 0)
      return std::string(op) + ": the window of output column " +
             std::to_string(ow) + " lies wholly in the padding";
  return {};
}

/// Calls fn(n, oh, ow, c, rows, cols) for every output element with the
/// in-bounds spans of its window.
template <typename Fn> void forEachWindow(const PoolGeometry &g, Fn fn) {
  for (int64_t n = 0; n < g.batch; ++n)
    for (int64_t oh = 0; oh < g.outH; ++oh)
      for (int64_t ow = 0; ow < g.outW; ++ow)
        for (int64_t c = 0; c < g.channels; ++c)
          fn(n, oh, ow, c, g.rows(oh), g.cols(ow));
}

/// Flat position in `x` of the first maximum of the window (rows, cols) of
/// channel c, scanning rows outer and columns inner; a later equal value
/// does not replace it.
template <typename T>
int64_t firstMax(const Tensor<T> &x, int64_t n, int64_t c, Span rows,
                 Span cols) {
  int64_t best = x.offset({n, rows.begin, cols.begin, c});
  for (int64_t ih = rows.begin; ih < rows.end; ++ih)
    for (int64_t iw = cols.begin; iw < cols.end; ++iw) {
      int64_t at = x.offset({n, ih, iw, c});
      if (x[at] > x[best])
        best = at;
    }
  return best;
}

/// Checks a 2-D pooling of an input of shape `inputDims` whose output has
/// shape `outDims` (from the rule), and returns its geometry in `g`.
std::string poolGeometry(const char *op, const Dims &inputDims,
                         const Dims &outDims, Pair window, Pair strides,
                         Padding2 padding, PoolGeometry &g) {
  g = {inputDims[0], inputDims[1], inputDims[2], inputDims[3], outDims[1],
       outDims[2],   window,       strides,      padding};
  return checkWindows(op, g);
}

/// An NWC activation as the NHWC activation of height 1 that pool2d sees.
Dims nwcAsNhwc(const Dims &dims) { return {dims[0], 1, dims[1], dims[2]}; }

/// Which pooling a shared implementation computes.
enum class PoolKind { Max, Average };

template <typename T>
Result<Tensor<T>> pool2d(const char *op, PoolKind kind, const Tensor<T> &x,
                         Pair window, Pair strides, Padding2 padding) {
  std::string bad = checkOperands<T>(op, {{&x, "x"}});
  if (!bad.empty())
    return Error{bad};
  shape::ShapeResult rule = shape::pool2d(x.shape(), window, strides, padding);
  if (!rule.ok())
    return shapeError(op, rule.error);
  PoolGeometry g;
  bad = poolGeometry(op, x.shape(), rule.dims, window, strides, padding, g);
  if (!bad.empty())
    return Error{bad};
  Result<Tensor<T>> out = allocate<T>(op, rule.dims);
  if (!out.ok())
    return out;
  forEachWindow(g, [&](int64_t n, int64_t oh, int64_t ow, int64_t c, Span rows,
                       Span cols) {
    T &o = out.value.at({n, oh, ow, c});
    if (kind == PoolKind::Max) {
      o = x[firstMax(x, n, c, rows, cols)];
      return;
    }
    T sum = 0;
    for (int64_t ih = rows.begin; ih < rows.end; ++ih)
      for (int64_t iw = cols.begin; iw < cols.end; ++iw)
        sum += x.at({n, ih, iw, c});
    o = sum / T(rows.size() * cols.size());
  });
  return out;
}

/// The gradient of max pooling (`x` given) or average pooling (`x` null,
/// input extent `inputHW`).
template <typename T>
Result<Tensor<T>> pool2dGrad(const char *op, const Tensor<T> &gradOut,
                             const Tensor<T> *x, Pair window, Pair strides,
                             Padding2 padding, Pair inputHW) {
  std::string bad = checkOperands<T>(op, {{&gradOut, "grad_out"}});
  if (bad.empty() && x)
    bad = checkOperands<T>(op, {{x, "x"}});
  if (!bad.empty())
    return Error{bad};
  if (gradOut.rank() != 4)
    return Error{std::string(op) + ": grad_out must be rank 4 (NHWC), got " +
                 shape::formatDims(gradOut.shape())};
  Dims inputDims =
      x ? x->shape()
        : Dims{gradOut.dim(0), inputHW[0], inputHW[1], gradOut.dim(3)};
  bad = checkForwardShape(
      op, shape::pool2d(inputDims, window, strides, padding), gradOut.shape());
  if (!bad.empty())
    return Error{bad};
  PoolGeometry g;
  bad =
      poolGeometry(op, inputDims, gradOut.shape(), window, strides, padding, g);
  if (!bad.empty())
    return Error{bad};
  Result<Tensor<T>> out = allocate<T>(op, inputDims);
  if (!out.ok())
    return out;
  Tensor<T> &gradIn = out.value;
  forEachWindow(g, [&](int64_t n, int64_t oh, int64_t ow, int64_t c, Span rows,
                       Span cols) {
    T grad = gradOut.at({n, oh, ow, c});
    if (x) {
      gradIn[firstMax(*x, n, c, rows, cols)] += grad;
      return;
    }
    T share = grad / T(rows.size() * cols.size());
    for (int64_t ih = rows.begin; ih < rows.end; ++ih)
      for (int64_t iw = cols.begin; iw < cols.end; ++iw)
        gradIn.at({n, ih, iw, c}) += share;
  });
  return out;
}

/// 1-D pooling as 2-D pooling of height 1, with errors in 1-D terms.
template <typename T>
Result<Tensor<T>> pool1d(const char *op, PoolKind kind, const Tensor<T> &x,
                         int64_t window, int64_t stride, Pad padding) {
  std::string bad = checkOperands<T>(op, {{&x, "x"}});
  if (!bad.empty())
    return Error{bad};
  shape::ShapeResult rule = shape::pool1d(x.shape(), window, stride, padding);
  if (!rule.ok())
    return shapeError(op, rule.error);
  Result<Tensor<T>> out =
      pool2d(op, kind, withShape(x, nwcAsNhwc(x.shape())), Pair{1, window},
             Pair{1, stride}, Padding2{Pad{}, padding});
  if (!out.ok())
    return out;
  return withShape(out.value, rule.dims);
}

/// The gradient of 1-D max (`x` given) or average (`x` null) pooling.
template <typename T>
Result<Tensor<T>> pool1dGrad(const char *op, const Tensor<T> &gradOut,
                             const Tensor<T> *x, int64_t window, int64_t stride,
                             Pad padding, int64_t inputW) {
  std::string bad = checkOperands<T>(op, {{&gradOut, "grad_out"}});
  if (bad.empty() && x)
    bad = checkOperands<T>(op, {{x, "x"}});
  if (!bad.empty())
    return Error{bad};
  if (gradOut.rank() != 3)
    return Error{std::string(op) + ": grad_out must be rank 3 (NWC), got " +
                 shape::formatDims(gradOut.shape())};
  Dims inputDims =
      x ? x->shape() : Dims{gradOut.dim(0), inputW, gradOut.dim(2)};
  bad = checkForwardShape(op, shape::pool1d(inputDims, window, stride, padding),
                          gradOut.shape());
  if (!bad.empty())
    return Error{bad};
  Tensor<T> x2d = x ? withShape(*x, nwcAsNhwc(inputDims)) : Tensor<T>();
  Result<Tensor<T>> out =
      pool2dGrad(op, withShape(gradOut, nwcAsNhwc(gradOut.shape())),
                 x ? &x2d : nullptr, Pair{1, window}, Pair{1, stride},
                 Padding2{Pad{}, padding}, Pair{1, inputDims[1]});
  if (!out.ok())
    return out;
  return withShape(out.value, inputDims);
}

} // namespace

template <typename T>
Result<Tensor<T>> maxPool2d(const Tensor<T> &x, Pair window, Pair strides,
                            Padding2 padding) {
  return pool2d("max_pool2d", PoolKind::Max, x, window, strides, padding);
}

template <typename T>
Result<Tensor<T>> avgPool2d(const Tensor<T> &x, Pair window, Pair strides,
                            Padding2 padding) {
  return pool2d("avg_pool2d", PoolKind::Average, x, window, strides, padding);
}

template <typename T>
Result<Tensor<T>> maxPool1d(const Tensor<T> &x, int64_t window, int64_t stride,
                            Pad padding) {
  return pool1d("max_pool1d", PoolKind::Max, x, window, stride, padding);
}

template <typename T>
Result<Tensor<T>> avgPool1d(const Tensor<T> &x, int64_t window, int64_t stride,
                            Pad padding) {
  return pool1d("avg_pool1d", PoolKind::Average, x, window, stride, padding);
}

template <typename T>
Result<Tensor<T>> maxPool2dGrad(const Tensor<T> &gradOut, const Tensor<T> &x,
                                Pair window, Pair strides, Padding2 padding) {
  return pool2dGrad("max_pool2d_grad", gradOut, &x, window, strides, padding,
                    Pair{0, 0});
}

template <typename T>
Result<Tensor<T>> avgPool2dGrad(const Tensor<T> &gradOut, Pair window,
                                Pair strides, Padding2 padding, Pair inputHW) {
  return pool2dGrad<T>("avg_pool2d_grad", gradOut, nullptr, window, strides,
                       padding, inputHW);
}

template <typename T>
Result<Tensor<T>> maxPool1dGrad(const Tensor<T> &gradOut, const Tensor<T> &x,
                                int64_t window, int64_t stride, Pad padding) {
  return pool1dGrad("max_pool1d_grad", gradOut, &x, window, stride, padding, 0);
}

template <typename T>
Result<Tensor<T>> avgPool1dGrad(const Tensor<T> &gradOut, int64_t window,
                                int64_t stride, Pad padding, int64_t inputW) {
  return pool1dGrad<T>("avg_pool1d_grad", gradOut, nullptr, window, stride,
                       padding, inputW);
}

template <typename T> Result<Tensor<T>> globalAvgPool(const Tensor<T> &x) {
  const char *op = "global_avg_pool";
  std::string bad = checkOperands<T>(op, {{&x, "x"}});
  if (!bad.empty())
    return Error{bad};
  shape::ShapeResult rule = shape::globalPool(x.shape());
  if (!rule.ok())
    return shapeError(op, rule.error);
  Result<Tensor<T>> out = allocate<T>(op, rule.dims);
  if (!out.ok())
    return out;
  int64_t batch = rule.dims[0], channels = rule.dims[1];
  if (batch * channels == 0)
    return out;
  int64_t spatial = x.size() / (batch * channels);
  if (spatial == 0)
    return Error{std::string(op) + ": x " + shape::formatDims(x.shape()) +
                 " has no spatial elements to average"};
  // Row-major NHWC / NWC: example n's elements are contiguous, channel
  // innermost.
  for (int64_t n = 0; n < batch; ++n) {
    T *o = &out.value.at({n, 0});
    for (int64_t s = 0; s < spatial; ++s)
      for (int64_t c = 0; c < channels; ++c)
        o[c] += x[(n * spatial + s) * channels + c];
    for (int64_t c = 0; c < channels; ++c)
      o[c] /= T(spatial);
  }
  return out;
}

template <typename T>
Result<Tensor<T>> globalAvgPoolGrad(const Tensor<T> &gradOut,
                                    const Dims &inputShape) {
  const char *op = "global_avg_pool_grad";
  std::string bad = checkOperands<T>(op, {{&gradOut, "grad_out"}});
  if (!bad.empty())
    return Error{bad};
  if (gradOut.rank() != 2)
    return Error{std::string(op) + ": grad_out must be rank 2 (N x C), got " +
                 shape::formatDims(gradOut.shape())};
  Dims inputDims{gradOut.dim(0)};
  inputDims.insert(inputDims.end(), inputShape.begin(), inputShape.end());
  bad = checkForwardShape(op, shape::globalPool(inputDims), gradOut.shape());
  if (!bad.empty())
    return Error{bad};
  Result<Tensor<T>> out = allocate<T>(op, inputDims);
  if (!out.ok())
    return out;
  int64_t batch = gradOut.dim(0), channels = gradOut.dim(1);
  if (out.value.size() == 0)
    return out;
  int64_t spatial = out.value.size() / (batch * channels);
  for (int64_t n = 0; n < batch; ++n)
    for (int64_t s = 0; s < spatial; ++s)
      for (int64_t c = 0; c < channels; ++c)
        out.value[(n * spatial + s) * channels + c] =
            gradOut.at({n, c}) / T(spatial);
  return out;
}

#define KILN_INSTANTIATE(T)                                                    \
  template Result<Tensor<T>> maxPool2d(const Tensor<T> &, Pair, Pair,          \
                                       Padding2);                              \
  template Result<Tensor<T>> avgPool2d(const Tensor<T> &, Pair, Pair,          \
                                       Padding2);                              \
  template Result<Tensor<T>> maxPool1d(const Tensor<T> &, int64_t, int64_t,    \
                                       Pad);                                   \
  template Result<Tensor<T>> avgPool1d(const Tensor<T> &, int64_t, int64_t,    \
                                       Pad);                                   \
  template Result<Tensor<T>> maxPool2dGrad(                                    \
      const Tensor<T> &, const Tensor<T> &, Pair, Pair, Padding2);             \
  template Result<Tensor<T>> avgPool2dGrad(const Tensor<T> &, Pair, Pair,      \
                                           Padding2, Pair);                    \
  template Result<Tensor<T>> maxPool1dGrad(                                    \
      const Tensor<T> &, const Tensor<T> &, int64_t, int64_t, Pad);            \
  template Result<Tensor<T>> avgPool1dGrad(const Tensor<T> &, int64_t,         \
                                           int64_t, Pad, int64_t);             \
  template Result<Tensor<T>> globalAvgPool(const Tensor<T> &);                 \
  template Result<Tensor<T>> globalAvgPoolGrad(const Tensor<T> &, const Dims &);
KILN_INSTANTIATE(float)
KILN_INSTANTIATE(double)
#undef KILN_INSTANTIATE

} // namespace ref
} // namespace kiln

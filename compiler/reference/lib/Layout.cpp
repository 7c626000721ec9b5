//===- Layout.cpp - Reference concat, flatten, reshape, zero_pad, slice ---===//
//
// Ops that move elements without arithmetic. Flatten and reshape keep the
// row-major order of the elements and only change the shape.
//
//===----------------------------------------------------------------------===//

#include "Common.h"

namespace kiln {
namespace ref {

using namespace detail;

template <typename T>
Result<Tensor<T>> concat(const std::vector<Tensor<T>> &inputs, int64_t axis) {
  const char *op = "concat";
  std::vector<Dims> shapes;
  for (size_t k = 0; k < inputs.size(); ++k) {
    std::string bad =
        inputs[k].checkValid(std::string(op) + ": input " + std::to_string(k));
    if (!bad.empty())
      return Error{bad};
    shapes.push_back(inputs[k].shape());
  }
  shape::ShapeResult rule = shape::concat(shapes, axis);
  if (!rule.ok())
    return shapeError(op, rule.error);
  Result<Tensor<T>> out = allocate<T>(op, rule.dims);
  if (!out.ok())
    return out;
  int64_t rank = static_cast<int64_t>(rule.dims.size());
  if (axis < 0)
    axis += rank;
  // Viewed as [outer, extent along axis, inner], each input contributes one
  // contiguous block per outer index.
  int64_t outer = 1, inner = 1;
  for (int64_t i = 0; i < axis; ++i)
    outer *= rule.dims[i];
  for (int64_t i = axis + 1; i < rank; ++i)
    inner *= rule.dims[i];
  T *dst = out.value.data();
  for (int64_t o = 0; o < outer; ++o)
    for (const Tensor<T> &in : inputs) {
      int64_t block = in.dim(axis) * inner;
      const T *src = in.data() + o * block;
      dst = std::copy(src, src + block, dst);
    }
  return out;
}

template <typename T> Result<Tensor<T>> flatten(const Tensor<T> &x) {
  const char *op = "flatten";
  std::string bad = checkOperands<T>(op, {{&x, "x"}});
  if (!bad.empty())
    return Error{bad};
  shape::ShapeResult rule = shape::flatten(x.shape());
  if (!rule.ok())
    return shapeError(op, rule.error);
  return withShape(x, rule.dims);
}

template <typename T>
Result<Tensor<T>> reshape(const Tensor<T> &x, const Dims &shape) {
  const char *op = "reshape";
  std::string bad = checkOperands<T>(op, {{&x, "x"}});
  if (!bad.empty())
    return Error{bad};
  shape::ShapeResult rule = shape::reshape(x.shape(), shape);
  if (!rule.ok())
    return shapeError(op, rule.error);
  return withShape(x, rule.dims);
}

template <typename T>
Result<Tensor<T>> zeroPad(const Tensor<T> &x, const std::vector<Pad> &padding) {
  const char *op = "zero_pad";
  std::string bad = checkOperands<T>(op, {{&x, "x"}});
  if (!bad.empty())
    return Error{bad};
  shape::ShapeResult rule = shape::zeroPad(x.shape(), padding);
  if (!rule.ok())
    return shapeError(op, rule.error);
  Result<Tensor<T>> out = allocate<T>(op, rule.dims);
  if (!out.ok())
    return out;
  // Element x[n, s..., c] lands at out[n, s + before..., c].
  Dims shifted(x.shape().size());
  forEachIndex(x.shape(), [&](const Dims &index) {
    shifted = index;
    for (size_t i = 0; i < padding.size(); ++i)
      shifted[1 + i] += padding[i].before;
    out.value[flatIndex(rule.dims, shifted)] = x[flatIndex(x.shape(), index)];
  });
  return out;
}

template <typename T>
Result<Tensor<T>> slice(const Tensor<T> &x, const Dims &offsets,
                        const Dims &sizes) {
  const char *op = "slice";
  std::string bad = checkOperands<T>(op, {{&x, "x"}});
  if (!bad.empty())
    return Error{bad};
  shape::ShapeResult rule = shape::slice(x.shape(), offsets, sizes);
  if (!rule.ok())
    return shapeError(op, rule.error);
  Result<Tensor<T>> out = allocate<T>(op, rule.dims);
  if (!out.ok())
    return out;
  // out[n, i...] = x[n, offsets + i...].
  Dims source(rule.dims.size());
  forEachIndex(rule.dims, [&](const Dims &index) {
    source = index;
    for (size_t i = 0; i < offsets.size(); ++i)
      source[1 + i] += offsets[i];
    out.value[flatIndex(rule.dims, index)] = x[flatIndex(x.shape(), source)];
  });
  return out;
}

#define KILN_INSTANTIATE(T)                                                    \
  template Result<Tensor<T>> concat(const std::vector<Tensor<T>> &, int64_t);  \
  template Result<Tensor<T>> flatten(const Tensor<T> &);                       \
  template Result<Tensor<T>> reshape(const Tensor<T> &, const Dims &);         \
  template Result<Tensor<T>> zeroPad(const Tensor<T> &,                        \
                                     const std::vector<Pad> &);                \
  template Result<Tensor<T>> slice(const Tensor<T> &, const Dims &,            \
                                   const Dims &);
KILN_INSTANTIATE(float)
KILN_INSTANTIATE(double)
#undef KILN_INSTANTIATE

} // namespace ref
} // namespace kiln

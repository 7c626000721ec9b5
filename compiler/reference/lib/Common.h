//===- Common.h - Helpers shared by the reference op files ------*- C++ -*-===//
//
// Operand checking, result allocation and index iteration used by every file
// of the reference library. Internal: not installed with the public headers.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_REFERENCE_LIB_COMMON_H
#define KILN_REFERENCE_LIB_COMMON_H

#include "kiln/Reference/Ops.h"

#include <algorithm>
#include <initializer_list>
#include <string>
#include <utility>

namespace kiln {
namespace ref {
namespace detail {

/// An operand and the name it has in error messages.
template <typename T> using Named = std::pair<const Tensor<T> *, const char *>;

/// Checks that every operand's buffer matches its shape; returns "op: name:
/// what is wrong" for the first that does not, or an empty string.
template <typename T>
std::string checkOperands(const char *op,
                          std::initializer_list<Named<T>> operands) {
  for (const Named<T> &operand : operands) {
    std::string error =
        operand.first->checkValid(std::string(op) + ": " + operand.second);
    if (!error.empty())
      return error;
  }
  return {};
}

/// A zero-filled result of shape `dims` for `op`, or an error when the shape
/// cannot be allocated (a huge padding attribute, say).
template <typename T>
Result<Tensor<T>> allocate(const char *op, const Dims &dims) {
  Result<Tensor<T>> t = Tensor<T>::zeros(dims);
  if (!t.ok())
    return Error{std::string(op) + ": result " + t.error};
  return t;
}

/// Error of `op` from a shape rule's message.
inline Error shapeError(const char *op, const std::string &message) {
  return Error{std::string(op) + ": " + message};
}

/// For grad ops whose forward operand shapes are given by attributes: an
/// error unless the forward rule accepts them and yields `gradOut`'s shape.
inline std::string checkForwardShape(const char *op,
                                     const shape::ShapeResult &forward,
                                     const Dims &gradOut) {
  if (!forward.ok())
    return std::string(op) + ": " + forward.error;
  if (forward.dims != gradOut)
    return std::string(op) + ": grad_out has shape " +
           shape::formatDims(gradOut) + " but the forward op gives " +
           shape::formatDims(forward.dims);
  return {};
}

/// A copy of `t` with the same elements under another shape of equal count
/// (how the 1-D ops run as 2-D ops of height 1).
template <typename T> Tensor<T> withShape(const Tensor<T> &t, Dims dims) {
  return Tensor<T>(std::move(dims), t.elements());
}

/// Calls fn(index) for every multi-index of `dims` in row-major order (the
/// last axis fastest).
template <typename Fn> void forEachIndex(const Dims &dims, Fn fn) {
  if (std::find(dims.begin(), dims.end(), 0) != dims.end())
    return;
  Dims index(dims.size(), 0);
  while (true) {
    fn(static_cast<const Dims &>(index));
    int64_t axis = static_cast<int64_t>(dims.size()) - 1;
    while (axis >= 0 && ++index[axis] == dims[axis])
      index[axis--] = 0;
    if (axis < 0)
      return;
  }
}

/// Copies the double accumulator `sums` into `out` (of the same size),
/// rounding each element once: the ops whose results are long sums
/// (convolutions, dense layers) accumulate in double whatever T is, so a
/// float result is the double one rounded and float gradients through
/// cancelling sums stay within float's rounding of double's.
template <typename T>
void roundInto(const Tensor<double> &sums, Tensor<T> &out) {
  for (int64_t i = 0; i < out.size(); ++i)
    out[i] = T(sums[i]);
}

/// Row-major flat position of `index` in `dims`.
inline int64_t flatIndex(const Dims &dims, const Dims &index) {
  int64_t flat = 0;
  for (size_t i = 0; i < dims.size(); ++i)
    flat = flat * dims[i] + index[i];
  return flat;
}

} // namespace detail
} // namespace ref
} // namespace kiln

#endif // KILN_REFERENCE_LIB_COMMON_H

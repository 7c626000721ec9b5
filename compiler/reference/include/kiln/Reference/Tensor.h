//===- Tensor.h - Owned tensors of the reference implementation -*- C++ -*-===//
//
// The value type of Kiln's numerical reference: a shape and a contiguous
// row-major buffer that the tensor owns. It is deliberately plain (no views,
// no strides, no broadcasting) so the op definitions built on it read like
// the formulas in docs and tests. Templated on the element type: the
// reference runs every op in float (to compare with compiled kernels) and in
// double (to check gradients tightly).
//
//===----------------------------------------------------------------------===//

#ifndef KILN_REFERENCE_TENSOR_H
#define KILN_REFERENCE_TENSOR_H

#include "kiln/Shape/ShapeRules.h"

#include <cstdint>
#include <initializer_list>
#include <string>
#include <utility>
#include <vector>

namespace kiln {
namespace ref {

using shape::Dims;

/// The most elements the reference will allocate for one tensor. Far above
/// any Kiln network (report 004 Model 4 at batch 256 has tensors of 6.4M
/// elements), and it keeps flat indices within the 32-bit counter word that
/// dropout's random numbers are indexed by. A bad attribute (a huge padding,
/// say) becomes an error instead of an allocation failure.
constexpr int64_t kMaxElements = int64_t(1) << 31;

/// A failure message; converts to any Result so functions can
/// `return Error{"..."}` whatever they return on success.
struct Error {
  std::string message;
};

/// Either a value or a message that says which rule the operands break.
/// `value` is always constructed, so reading it after a failure is safe (it
/// is then a default value), never undefined.
template <typename V> struct Result {
  V value{};
  std::string error;

  Result() = default;
  Result(V v) : value(std::move(v)) {}
  Result(Error e) : error(std::move(e.message)) {
    if (error.empty())
      error = "unknown error";
  }

  bool ok() const { return error.empty(); }
};

/// A dense tensor owning its elements in row-major order (the last extent
/// varies fastest). A rank-0 tensor holds one element.
template <typename T> class Tensor {
public:
  /// A rank-0 tensor holding zero.
  Tensor() : values(1, T(0)) {}

  /// A zero-filled tensor of `shape`. A shape with a negative extent, or more
  /// than kMaxElements elements, gives a tensor without elements that
  /// checkValid() reports; use zeros() to get that as an error value.
  explicit Tensor(Dims shape) : dims(std::move(shape)) {
    int64_t n = countElements(dims);
    values.assign(n < 0 ? 0 : static_cast<size_t>(n), T(0));
  }

  /// A tensor of `shape` holding `data` in row-major order. The sizes are not
  /// checked here (a constructor cannot fail); every op calls checkValid() on
  /// its operands.
  Tensor(Dims shape, std::vector<T> data)
      : dims(std::move(shape)), values(std::move(data)) {}

  /// A zero-filled tensor of `shape`, or an error naming what is wrong with
  /// the shape.
  static Result<Tensor> zeros(const Dims &shape);

  /// A rank-0 tensor holding `v`.
  static Tensor scalar(T v) { return Tensor(Dims{}, std::vector<T>{v}); }

  const Dims &shape() const { return dims; }
  int64_t rank() const { return static_cast<int64_t>(dims.size()); }
  int64_t dim(int64_t axis) const { return dims[axis]; }
  int64_t size() const { return static_cast<int64_t>(values.size()); }

  T *data() { return values.data(); }
  const T *data() const { return values.data(); }
  std::vector<T> &elements() { return values; }
  const std::vector<T> &elements() const { return values; }

  /// Element at flat row-major position `i`.
  T &operator[](int64_t i) { return values[i]; }
  const T &operator[](int64_t i) const { return values[i]; }

  /// Flat position of the element at `index` (one entry per axis). Not
  /// bounds-checked: it is called in the ops' inner loops after the shapes
  /// have been checked.
  int64_t offset(std::initializer_list<int64_t> index) const {
    int64_t flat = 0;
    const int64_t *extent = dims.data();
    for (int64_t i : index)
      flat = flat * *extent++ + i;
    return flat;
  }
  T &at(std::initializer_list<int64_t> index) { return values[offset(index)]; }
  const T &at(std::initializer_list<int64_t> index) const {
    return values[offset(index)];
  }

  /// An empty string when the shape has no negative extent and the buffer
  /// holds exactly as many elements as the shape; otherwise a message about
  /// `name` (e.g. "conv2d: input: ...").
  std::string checkValid(const std::string &name) const;

  /// The same tensor with elements converted to `U` (float <-> double).
  template <typename U> Tensor<U> cast() const {
    return Tensor<U>(dims, std::vector<U>(values.begin(), values.end()));
  }

  /// Number of elements of `shape`, or -1 when an extent is negative or the
  /// count exceeds kMaxElements.
  static int64_t countElements(const Dims &shape);

private:
  Dims dims;
  std::vector<T> values;
};

extern template class Tensor<float>;
extern template class Tensor<double>;

} // namespace ref
} // namespace kiln

#endif // KILN_REFERENCE_TENSOR_H

//===- Tensor.cpp - Owned tensors of the reference implementation --------===//

#include "kiln/Reference/Tensor.h"

namespace kiln {
namespace ref {

template <typename T> int64_t Tensor<T>::countElements(const Dims &shape) {
  int64_t n = 1;
  for (int64_t d : shape) {
    if (d < 0)
      return -1;
    // Checked before multiplying so the product never overflows.
    if (d > 0 && n > kMaxElements / d)
      return -1;
    n *= d;
  }
  return n;
}

template <typename T> Result<Tensor<T>> Tensor<T>::zeros(const Dims &shape) {
  for (int64_t d : shape)
    if (d < 0)
      return Error{"shape " + shape::formatDims(shape) +
                   " has a negative or dynamic extent"};
  if (countElements(shape) < 0)
    return Error{"shape " + shape::formatDims(shape) + " has more than " +
                 std::to_string(kMaxElements) + " elements"};
  return Tensor(shape);
}

template <typename T>
std::string Tensor<T>::checkValid(const std::string &name) const {
  int64_t expected = countElements(dims);
  if (expected < 0)
    return name + ": shape " + shape::formatDims(dims) +
           " has a negative extent or too many elements";
  if (expected != size())
    return name + ": shape " + shape::formatDims(dims) + " needs " +
           std::to_string(expected) + " elements but the buffer holds " +
           std::to_string(size());
  return {};
}

template class Tensor<float>;
template class Tensor<double>;

} // namespace ref
} // namespace kiln

//===- Value.cpp - Values the reference interpreter computes with ---------===//

#include "kiln/Interpreter/Value.h"

namespace kiln {
namespace interp {

const char *kindName(ValueKind kind) {
  switch (kind) {
  case ValueKind::Tensor:
    return "tensor";
  case ValueKind::F32:
    return "f32";
  case ValueKind::I64:
    return "i64";
  }
  return "?";
}

namespace {
/// "tensor<AxBxf32>" for `dims` (rank 0: "tensor<f32>").
std::string tensorTypeString(const ref::Dims &dims) {
  if (dims.empty())
    return "tensor<f32>";
  return "tensor<" + shape::formatDims(dims) + "xf32>";
}
} // namespace

template <typename T> std::string RuntimeValue<T>::typeString() const {
  if (kind != ValueKind::Tensor)
    return kindName(kind);
  return tensorTypeString(tensor.shape());
}

std::string SlotInfo::typeString() const {
  if (kind != ValueKind::Tensor)
    return kindName(kind);
  return tensorTypeString(dims);
}

std::string SlotInfo::describe(const char *what, size_t index) const {
  std::string text = std::string(what) + " #" + std::to_string(index);
  if (!name.empty())
    text += " (" + name + ")";
  return text;
}

template <typename T>
std::string checkFits(const RuntimeValue<T> &value, const SlotInfo &slot) {
  bool fits = value.getKind() == slot.kind;
  if (fits && slot.kind == ValueKind::Tensor) {
    // A buffer that does not match its own shape is reported as such.
    std::string invalid = value.getTensor().checkValid("value");
    if (!invalid.empty())
      return invalid;
    const ref::Dims &got = value.getTensor().shape();
    fits = got.size() == slot.dims.size();
    for (size_t i = 0; fits && i < got.size(); ++i)
      fits = slot.dims[i] == shape::kDynamic || slot.dims[i] == got[i];
  }
  if (fits)
    return {};
  return "expects " + slot.typeString() + ", got " + value.typeString();
}

template class RuntimeValue<float>;
template class RuntimeValue<double>;
template std::string checkFits(const RuntimeValue<float> &, const SlotInfo &);
template std::string checkFits(const RuntimeValue<double> &, const SlotInfo &);

} // namespace interp
} // namespace kiln

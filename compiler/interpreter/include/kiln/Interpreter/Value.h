//===- Value.h - Values the reference interpreter computes with -*- C++ -*-===//
//
// What flows between ops when the interpreter runs kiln IR: a tensor of the
// run's element type (float or double, whatever the IR says, since kiln
// tensors are f32), an f32 scalar (the learning rate) or an i64 scalar (the
// training step). Also the plain description of a function's arguments and
// results that callers use to build inputs. No MLIR types appear here, so
// tools and tests can fill inputs without touching MLIR.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_INTERPRETER_VALUE_H
#define KILN_INTERPRETER_VALUE_H

#include "kiln/Reference/Tensor.h"
#include "kiln/runtime/Initializers.h"

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace kiln {
namespace interp {

/// What an SSA value of kiln IR holds.
enum class ValueKind {
  /// A ranked f32 tensor (computed in the run's element type).
  Tensor,
  /// An f32 scalar (builtin float, e.g. the learning rate).
  F32,
  /// An i64 scalar (builtin integer, e.g. the training step).
  I64,
};

/// Spells a kind as the IR does for scalars ("f32", "i64") and "tensor".
const char *kindName(ValueKind kind);

/// A value of one SSA value during a run with element type T. A tensor is
/// stored as T; an f32 scalar is stored rounded to float (it is an f32 in the
/// IR) but held in a double so a double run passes it on unchanged.
template <typename T> class RuntimeValue {
public:
  /// A rank-0 tensor holding zero.
  RuntimeValue() = default;
  /// A tensor value.
  RuntimeValue(ref::Tensor<T> tensor) : tensor(std::move(tensor)) {}

  /// An f32 scalar, rounded to float.
  static RuntimeValue f32(double value) {
    RuntimeValue v;
    v.kind = ValueKind::F32;
    v.scalar = static_cast<float>(value);
    return v;
  }
  /// An i64 scalar.
  static RuntimeValue i64(int64_t value) {
    RuntimeValue v;
    v.kind = ValueKind::I64;
    v.integer = value;
    return v;
  }

  ValueKind getKind() const { return kind; }
  bool isTensor() const { return kind == ValueKind::Tensor; }

  /// The tensor; a rank-0 zero tensor when the value is a scalar.
  const ref::Tensor<T> &getTensor() const { return tensor; }
  ref::Tensor<T> &getTensor() { return tensor; }
  /// The f32 scalar's value (0 for other kinds).
  double getF32() const { return scalar; }
  /// The i64 scalar's value (0 for other kinds).
  int64_t getI64() const { return integer; }

  /// The value's type as MLIR spells it with the run's extents, e.g.
  /// "tensor<4x10xf32>", "f32" or "i64".
  std::string typeString() const;

private:
  ValueKind kind = ValueKind::Tensor;
  ref::Tensor<T> tensor;
  double scalar = 0;
  int64_t integer = 0;
};

/// One argument or result of a function, read from its type and its
/// `kiln.role` / `kiln.name` attributes (see the IR contract).
struct SlotInfo {
  ValueKind kind = ValueKind::Tensor;
  /// Tensor extents, shape::kDynamic (-1) where the type says `?`.
  ref::Dims dims;
  /// `kiln.role` ("input", "labels", "step", "lr", "param", "state",
  /// "slot", "loss", ...), empty when absent.
  std::string role;
  /// `kiln.name` (Keras' parameter name), empty when absent.
  std::string name;
  /// `kiln.init` (a Keras initialiser name, e.g. "glorot_uniform"), empty
  /// when absent.
  std::string init;
  /// `kiln.init_args` read into the runtime's form, for an initialiser
  /// without a name of its own (`init` is then not a runtime name).
  std::optional<rt::InitArgs> initArgs;
  /// Why `kiln.init_args` could not be read, empty when it could or is absent.
  std::string initArgsError;

  /// The slot's type as MLIR spells it, e.g. "tensor<?x28x28x1xf32>".
  std::string typeString() const;
  /// "argument #i", followed by the name in parentheses when there is one.
  std::string describe(const char *what, size_t index) const;
};

/// A function's arguments and results, in order.
struct Signature {
  std::vector<SlotInfo> arguments;
  std::vector<SlotInfo> results;
};

/// An empty string when `value` fits `slot` (same kind, same rank, equal
/// static extents; `?` takes any extent), otherwise what differs, e.g.
/// "expects tensor<?x3xf32>, got tensor<2x4xf32>".
template <typename T>
std::string checkFits(const RuntimeValue<T> &value, const SlotInfo &slot);

extern template class RuntimeValue<float>;
extern template class RuntimeValue<double>;

} // namespace interp
} // namespace kiln

#endif // KILN_INTERPRETER_VALUE_H

//===- Inputs.h - Deterministic inputs for a function -----------*- C++ -*-===//
//
// Builds a full set of arguments for a function from its signature alone,
// reproducibly from a seed, so kiln-ref, the interpreter's tests and the
// codegen tests feed the interpreter and a compiled kernel the very same
// values without files.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_INTERPRETER_INPUTS_H
#define KILN_INTERPRETER_INPUTS_H

#include "kiln/Interpreter/Value.h"

#include <cstdint>
#include <vector>

namespace kiln {
namespace interp {

/// How randomInputs fills a signature.
struct RandomInputOptions {
  /// Seed of the counter-based generator; argument i draws from stream i.
  uint64_t seed = 0;
  /// The extent given to every dynamic (`?`) extent: the batch.
  int64_t batch = 1;
  /// Value of every i64 argument but the seed (the 1-based training step);
  /// an i64 argument with kiln.role "seed" takes `seed`.
  int64_t step = 1;
  /// Value of every f32 argument (the learning rate).
  double lr = 1e-3;
};

/// Arguments for `signature`. A tensor with a `kiln.init` takes that Keras
/// initialiser's values (kiln/runtime/Initializers.h, argument i as
/// parameter i), so a whole network runs at the scale it trains at. Others,
/// by role:
/// - "labels": one-hot rows (N x M), the class of each row drawn uniformly;
/// - "input", "state", "slot": uniform in [0, 1), like scaled pixels, and
///   non-negative so moving variances and Adam/RMSprop second moments are
///   valid;
/// - any other tensor (parameters, arguments without a role): uniform in
///   [-1, 1);
/// - i64 scalars take `step`, f32 scalars take `lr`.
/// The values are rounded to float first, so a float and a double run get
/// the same numbers.
template <typename T>
ref::Result<std::vector<RuntimeValue<T>>>
randomInputs(const Signature &signature, const RandomInputOptions &options);

} // namespace interp
} // namespace kiln

#endif // KILN_INTERPRETER_INPUTS_H

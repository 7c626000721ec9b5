//===- InterpreterTestUtil.h - Interpreter test helpers ---------*- C++ -*-===//

#ifndef KILN_TEST_UNIT_INTERPRETER_INTERPRETERTESTUTIL_H
#define KILN_TEST_UNIT_INTERPRETER_INTERPRETERTESTUTIL_H

#include "kiln/Interpreter/Interpreter.h"
#include "kiln/Reference/GradCheck.h"

#include "mlir/IR/MLIRContext.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

namespace kiln {
namespace interp {
namespace test {

/// A parsed module and an interpreter on it, in a context of its own.
struct LoadedModule {
  std::unique_ptr<mlir::MLIRContext> context;
  mlir::OwningOpRef<mlir::ModuleOp> module;
  std::unique_ptr<Interpreter> interpreter;
  /// Why parsing failed, or empty.
  std::string error;
};

/// Parses `source` (named `name` in locations) and builds an interpreter.
inline LoadedModule loadModule(const std::string &source,
                               const std::string &name = "test.mlir",
                               bool allowUnregistered = false) {
  LoadedModule loaded;
  loaded.context = std::make_unique<mlir::MLIRContext>();
  loaded.context->allowUnregisteredDialects(allowUnregistered);
  registerInterpreterDialects(*loaded.context);
  auto module = parseModuleString(source, *loaded.context, name);
  if (!module.ok()) {
    loaded.error = module.error;
    return loaded;
  }
  loaded.module = std::move(module.value);
  loaded.interpreter = std::make_unique<Interpreter>(loaded.module.get());
  return loaded;
}

/// Parses the file `name` of test/Interpreter/Inputs.
inline LoadedModule loadInput(const std::string &name) {
  LoadedModule loaded;
  loaded.context = std::make_unique<mlir::MLIRContext>();
  registerInterpreterDialects(*loaded.context);
  auto module = parseModuleFile(
      std::string(KILN_INTERPRETER_TEST_INPUTS) + "/" + name, *loaded.context);
  if (!module.ok()) {
    loaded.error = module.error;
    return loaded;
  }
  loaded.module = std::move(module.value);
  loaded.interpreter = std::make_unique<Interpreter>(loaded.module.get());
  return loaded;
}

/// Uniform values in [lo, hi) from `stream`, drawn in float so float and
/// double tests see the same numbers.
template <typename T>
ref::Tensor<T> random(const ref::Dims &shape, uint64_t stream, double lo = -1,
                      double hi = 1) {
  return ref::uniformTensor<float>(shape, /*seed=*/2024, stream, lo, hi)
      .template cast<T>();
}

/// The value that a result the test expects to exist holds.
template <typename V> V unwrap(ref::Result<V> r) {
  EXPECT_TRUE(r.ok()) << r.error;
  return std::move(r.value);
}

/// Checks that `got` is a tensor equal to `expected` element for element
/// (the interpreter calls the very function the test calls, so the results
/// are bitwise equal).
template <typename T>
void expectSameTensor(const RuntimeValue<T> &got,
                      const ref::Tensor<T> &expected, const char *what = "") {
  ASSERT_TRUE(got.isTensor()) << what << ": got a " << got.typeString();
  ASSERT_EQ(got.getTensor().shape(), expected.shape())
      << what << ": got " << got.typeString();
  ASSERT_TRUE(expected.size() > 0) << what;
  for (int64_t i = 0; i < expected.size(); ++i)
    ASSERT_EQ(got.getTensor()[i], expected[i])
        << what << ": at flat index " << i;
}

} // namespace test
} // namespace interp
} // namespace kiln

#endif // KILN_TEST_UNIT_INTERPRETER_INTERPRETERTESTUTIL_H

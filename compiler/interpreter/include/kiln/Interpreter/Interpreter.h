//===- Interpreter.h - Reference interpreter of kiln IR ---------*- C++ -*-===//
//
// Runs a function of kiln-dialect IR op by op with the plain-loop reference
// (kiln/Reference/Ops.h): the oracle compiled kernels and autodiff are
// checked against. Each kiln op is dispatched to the reference function of
// the same name with the op's attributes; func.call, func.return,
// arith.constant and `kiln.kernel` regions (run with the kernel's operands as
// block arguments, `kiln.yield` giving its results) are executed too.
//
// Every failure (an unsupported op, an input that does not fit the
// signature, an operand the reference rejects) is a message that starts with
// the failing op's location, "FILE:LINE:COL: error: ...", never a crash.
//
// Usage:
//   mlir::MLIRContext context;
//   registerInterpreterDialects(context);
//   auto module = parseModuleFile("net.mlir", context);
//   Interpreter interpreter(module.value.get());
//   auto results = interpreter.run<float>("forward", inputs);
//   if (!results.ok()) report(results.error);
//
//===----------------------------------------------------------------------===//

#ifndef KILN_INTERPRETER_INTERPRETER_H
#define KILN_INTERPRETER_INTERPRETER_H

#include "kiln/Interpreter/Value.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/OwningOpRef.h"
#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/StringRef.h"

#include <functional>
#include <string>
#include <vector>

namespace mlir {
class MLIRContext;
class Operation;
} // namespace mlir

namespace kiln {
namespace interp {

/// Loads the dialects interpreted IR may use (kiln, func, arith) into
/// `context`.
void registerInterpreterDialects(mlir::MLIRContext &context);

/// Parses and verifies the module in `path`; the error carries MLIR's
/// diagnostics ("FILE:LINE:COL: error: ...").
ref::Result<mlir::OwningOpRef<mlir::ModuleOp>>
parseModuleFile(llvm::StringRef path, mlir::MLIRContext &context);

/// Parses and verifies a module from `source` (named `name` in messages).
ref::Result<mlir::OwningOpRef<mlir::ModuleOp>>
parseModuleString(llvm::StringRef source, mlir::MLIRContext &context,
                  llvm::StringRef name = "<string>");

/// "FILE:LINE:COL" of the first file location inside `loc` (through fused,
/// named and call-site locations), or an empty string when it has none.
std::string formatLocation(mlir::Location loc);

/// Called after each op the interpreter executes, in execution order (ops
/// inside kernels and callees included), with its operands and results.
/// Used to trace a run and to read values no result exposes (the gradient an
/// optimizer update consumes).
template <typename T>
using OpObserver =
    std::function<void(mlir::Operation *op,
                       llvm::ArrayRef<const RuntimeValue<T> *> operands,
                       llvm::ArrayRef<RuntimeValue<T>> results)>;

/// Runs the functions of one module. Holds no state between runs, so one
/// interpreter may run many times.
class Interpreter {
public:
  /// Interprets `module`, which must outlive the interpreter. The module is
  /// verified here; when it does not verify, every run returns error().
  explicit Interpreter(mlir::ModuleOp module);

  /// Why the module cannot be interpreted (its verifier's diagnostics), or
  /// an empty string.
  const std::string &error() const { return verifyError; }

  /// The arguments and results of function `name`, or why it cannot be run
  /// (no such function, an argument type the interpreter does not handle).
  ref::Result<Signature> signature(llvm::StringRef name) const;

  /// Runs function `name` on `inputs` (one per argument, each fitting the
  /// argument's type; `?` extents take any size) with tensors computed in T
  /// (float or double), and returns its results in order. `observer`, when
  /// set, sees every op executed.
  template <typename T>
  ref::Result<std::vector<RuntimeValue<T>>>
  run(llvm::StringRef name, llvm::ArrayRef<RuntimeValue<T>> inputs,
      const OpObserver<T> &observer = nullptr) const;

  mlir::ModuleOp getModule() const { return module; }

  /// Function `name`, once `inputs` fit its signature; else why not.
  template <typename T>
  ref::Result<mlir::func::FuncOp>
  checkInputs(llvm::StringRef name,
              llvm::ArrayRef<RuntimeValue<T>> inputs) const;

private:
  mlir::ModuleOp module;
  std::string verifyError;
};

/// Runs one function many times with a single argument changed at a time,
/// executing only the ops that depend on that argument and lead to the
/// results asked for; every other value comes from a first run on the
/// original inputs. Finite differences evaluate a training step's loss
/// hundreds of times with one parameter perturbed: a perturbed last-layer
/// weight then re-runs the last layers of the forward pass, and nothing of
/// the backward pass or the updates (which the loss does not depend on).
/// Ops are functions of their operands and attributes (dropout's mask comes
/// from its seed, stream and the step operand), so rerun() returns what
/// Interpreter::run would, bit for bit. Ops of the function's own block are
/// the unit: a kiln.kernel or func.call re-runs whole. It keeps every value
/// the wanted results depend on, so it holds one forward pass in memory.
template <typename T> class Reevaluator {
public:
  /// Runs `name` on `inputs` (checked against its signature) for its
  /// results numbered `wanted`, keeping the values they depend on.
  static ref::Result<Reevaluator> create(const Interpreter &interpreter,
                                         llvm::StringRef name,
                                         std::vector<RuntimeValue<T>> inputs,
                                         std::vector<unsigned> wanted);

  /// The wanted results on the original inputs, in the order asked for.
  const std::vector<RuntimeValue<T>> &originalResults() const {
    return baseResults;
  }

  /// The wanted results with argument `argument` replaced by `value` (which
  /// must fit its type) and every other argument as first given.
  ref::Result<std::vector<RuntimeValue<T>>>
  rerun(unsigned argument, const RuntimeValue<T> &value) const;

private:
  mlir::func::FuncOp func;
  std::vector<unsigned> wanted;
  /// The ops the wanted results depend on, in execution order.
  std::vector<mlir::Operation *> slice;
  /// The first run's value of every argument and slice result.
  llvm::DenseMap<mlir::Value, RuntimeValue<T>> base;
  std::vector<RuntimeValue<T>> baseResults;
};

/// The most nested func.call frames a run may open, so a recursive function
/// gives an error instead of exhausting the stack.
constexpr int kMaxCallDepth = 64;

} // namespace interp
} // namespace kiln

#endif // KILN_INTERPRETER_INTERPRETER_H

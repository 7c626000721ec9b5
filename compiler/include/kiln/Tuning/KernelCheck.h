//===- KernelCheck.h - Compiled kernels against the interpreter -*- C++ -*-===//
//
// How a compiled kernel is compared with the reference interpreter: inputs
// drawn so every op is defined (positive variances, one-hot labels), the
// kernel's body outlined into a function the interpreter runs, and the error
// measured as max |got - want| / max |want| per result. kiln-tune accepts a
// schedule only after this check; the codegen tests use the same code.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_TUNING_KERNELCHECK_H
#define KILN_TUNING_KERNELCHECK_H

#include "kiln/Codegen/JitRunner.h"
#include "kiln/Interpreter/Interpreter.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"

#include <string>
#include <vector>

namespace kiln {
namespace tuning {

/// The largest scaled error a compiled kernel may have (float sums in
/// another order differ at about 1e-6 of the largest value).
constexpr double kMaxRelativeError = 1e-4;

/// How each argument of `body` must be drawn for the ops it feeds to be
/// defined: variances and second moments positive, labels one-hot.
std::vector<codegen::Distribution> distributionsFor(mlir::Block &body);

/// The interpreter's form of `args` (arguments of `body`).
std::vector<interp::RuntimeValue<float>>
toInterpreter(const std::vector<codegen::JitArg> &args, mlir::Block &body);

/// max |got - want| / max |want| (the plain max when `want` is all zero;
/// infinity for NaN or a size mismatch).
double scaledError(const codegen::HostTensor &got,
                   const ref::Tensor<float> &want);

/// Appends to `module` a function `name` whose body is a copy of the kernel
/// region `body` (its arguments, its ops, its yielded values returned).
mlir::func::FuncOp outlineKernel(mlir::Block &body, mlir::ModuleOp module,
                                 const std::string &name);

/// The worst scaledError over the results of `got` against `want`;
/// infinity when the counts differ.
double worstError(const std::vector<codegen::HostTensor> &got,
                  const std::vector<interp::RuntimeValue<float>> &want);

} // namespace tuning
} // namespace kiln

#endif // KILN_TUNING_KERNELCHECK_H

//===- KernelCheck.cpp - Compiled kernels against the interpreter ---------===//

#include "kiln/Tuning/KernelCheck.h"
#include "kiln/IR/KilnOps.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/IRMapping.h"

#include <cmath>

using namespace kiln;
using namespace kiln::tuning;
using codegen::Distribution;

std::vector<Distribution> tuning::distributionsFor(mlir::Block &body) {
  std::vector<Distribution> kinds(body.getNumArguments(),
                                  Distribution::Uniform);
  for (mlir::BlockArgument arg : body.getArguments())
    for (mlir::OpOperand &use : arg.getUses()) {
      mlir::Operation *user = use.getOwner();
      unsigned n = use.getOperandNumber();
      bool positive =
          (llvm::isa<BatchNormInferOp>(user) && n == 4) ||
          (llvm::isa<BatchNormTrainGradOp>(user) && n == 4) ||
          (llvm::isa<FoldScaleOp>(user) && n == 2) ||
          (llvm::isa<AdamUpdateOp>(user) && n == 3) ||
          (llvm::isa<RmsPropUpdateOp>(user) && n == 2) ||
          (llvm::isa<SigmoidGradOp, TanhGradOp, SoftmaxGradOp>(user) && n == 1);
      bool oneHot = llvm::isa<SoftmaxCrossEntropyOp, CorrectCountOp,
                              SoftmaxCrossEntropyGradOp>(user) &&
                    n == 1;
      if (positive)
        kinds[arg.getArgNumber()] = Distribution::Positive;
      if (oneHot)
        kinds[arg.getArgNumber()] = Distribution::OneHot;
    }
  return kinds;
}

std::vector<interp::RuntimeValue<float>>
tuning::toInterpreter(const std::vector<codegen::JitArg> &args,
                      mlir::Block &body) {
  using Value = interp::RuntimeValue<float>;
  std::vector<Value> values;
  for (mlir::BlockArgument arg : body.getArguments()) {
    const codegen::JitArg &a = args[arg.getArgNumber()];
    if (arg.getType().isF32())
      values.push_back(Value::f32(a.scalar));
    else if (arg.getType().isInteger(64))
      values.push_back(Value::i64(static_cast<int64_t>(a.scalar)));
    else
      values.push_back(Value(ref::Tensor<float>(
          ref::Dims(a.tensor.shape.begin(), a.tensor.shape.end()),
          a.tensor.data)));
  }
  return values;
}

double tuning::scaledError(const codegen::HostTensor &got,
                           const ref::Tensor<float> &want) {
  if (static_cast<int64_t>(got.data.size()) != want.size())
    return INFINITY;
  double worst = 0, scale = 0;
  for (int64_t i = 0; i < want.size(); ++i) {
    scale = std::max(scale, std::fabs(static_cast<double>(want[i])));
    worst = std::max(worst, std::fabs(static_cast<double>(got.data[i]) -
                                      static_cast<double>(want[i])));
  }
  if (std::isnan(worst))
    return INFINITY;
  return scale == 0 ? worst : worst / scale;
}

double
tuning::worstError(const std::vector<codegen::HostTensor> &got,
                   const std::vector<interp::RuntimeValue<float>> &want) {
  if (got.size() != want.size())
    return INFINITY;
  double worst = 0;
  for (size_t i = 0; i < got.size(); ++i)
    worst = std::max(worst, scaledError(got[i], want[i].getTensor()));
  return worst;
}

mlir::func::FuncOp tuning::outlineKernel(mlir::Block &body,
                                         mlir::ModuleOp module,
                                         const std::string &name) {
  mlir::Operation *kernel = body.getParentOp();
  mlir::OpBuilder builder = mlir::OpBuilder::atBlockEnd(module.getBody());
  auto type = builder.getFunctionType(body.getArgumentTypes(),
                                      kernel->getResultTypes());
  auto func = builder.create<mlir::func::FuncOp>(kernel->getLoc(), name, type);
  mlir::Block *entry = func.addEntryBlock();
  mlir::IRMapping mapping;
  mapping.map(body.getArguments(), entry->getArguments());
  mlir::OpBuilder inner = mlir::OpBuilder::atBlockEnd(entry);
  for (mlir::Operation &nested : body.without_terminator())
    inner.clone(nested, mapping);
  llvm::SmallVector<mlir::Value> results;
  for (mlir::Value v : body.getTerminator()->getOperands())
    results.push_back(mapping.lookup(v));
  inner.create<mlir::func::ReturnOp>(kernel->getLoc(), results);
  return func;
}

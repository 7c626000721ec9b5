//===- GradientCheck.cpp - Gradients of whole training steps --------------===//

#include "kiln/Interpreter/GradientCheck.h"

#include "kiln/IR/KilnOps.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "llvm/ADT/STLExtras.h"

#include <algorithm>
#include <cstdio>
#include <limits>
#include <map>

using namespace kiln;
using namespace kiln::interp;

template <> double interp::gradientTolerance<double>() { return 1e-6; }
template <> double interp::gradientTolerance<float>() { return 1e-3; }

template <>
TrainStepCheck interp::defaultTrainStepCheck<double>(DifferencePrecision) {
  TrainStepCheck check;
  check.differences.step = 1e-5;
  check.differences.floorFraction = 1e-3;
  check.differences.largestInStripe = true;
  check.differences.kinkTolerance = gradientTolerance<double>();
  return check;
}

template <>
TrainStepCheck
interp::defaultTrainStepCheck<float>(DifferencePrecision precision) {
  TrainStepCheck check;
  check.precision = precision;
  bool inDouble = precision == DifferencePrecision::Double;
  check.differences.step = inDouble ? 1e-5 : 1e-2;
  check.differences.floorFraction = inDouble ? 1e-2 : 1e-1;
  check.differences.largestInStripe = true;
  check.differences.kinkTolerance = gradientTolerance<float>();
  if (inDouble)
    check.differences.smoothTolerance = gradientTolerance<double>();
  return check;
}

bool interp::parameterPasses(const ParamGradientReport &report,
                             double tolerance) {
  const ref::GradCheckReport &r = report.report;
  return r.ok() && r.checked > r.kinks && r.maxRelError < tolerance;
}

TrainStepVerdict interp::judge(const std::vector<ParamGradientReport> &reports,
                               double tolerance, double maxKinkFraction) {
  TrainStepVerdict verdict;
  for (const ParamGradientReport &r : reports) {
    verdict.checked += r.report.checked;
    verdict.kinks += r.report.kinks;
    verdict.kinksMatchingOneSide += r.report.kinksMatchingOneSide;
    if (r.report.ok() && r.report.checked > r.report.kinks)
      verdict.worstRelError =
          std::max(verdict.worstRelError, r.report.maxRelError);
    if (parameterPasses(r, tolerance))
      continue;
    verdict.reasons += r.name + ": " +
                       (!r.report.ok() ? "the check did not run"
                        : r.report.checked == r.report.kinks
                            ? "every element checked is at a kink"
                            : "an element not at a kink disagrees") +
                       "\n";
  }
  if (static_cast<double>(verdict.kinks) >
      maxKinkFraction * static_cast<double>(verdict.checked)) {
    char share[32];
    std::snprintf(share, sizeof(share), "%g", maxKinkFraction);
    verdict.reasons += std::to_string(verdict.kinks) + " of " +
                       std::to_string(verdict.checked) +
                       " elements are at kinks, more than the share " + share +
                       " allowed\n";
  }
  verdict.passed = verdict.reasons.empty();
  return verdict;
}

namespace {

/// The gradient applied to each parameter argument, by argument number.
template <typename T> using Gradients = std::map<unsigned, ref::Tensor<T>>;

/// Runs `function` once and reads the `grad` operand (#1) of each update
/// whose `param` operand (#0) is an argument of the function.
template <typename T>
ref::Result<Gradients<T>>
collectGradients(const Interpreter &interpreter, llvm::StringRef function,
                 const std::vector<RuntimeValue<T>> &inputs) {
  std::string where = "@" + function.str() + ": ";
  auto func =
      interpreter.getModule().lookupSymbol<mlir::func::FuncOp>(function);
  mlir::Block *entry = &func.getBody().front();
  Gradients<T> gradients;
  std::string collectError;
  OpObserver<T> collect = [&](mlir::Operation *op,
                              llvm::ArrayRef<const RuntimeValue<T> *> operands,
                              llvm::ArrayRef<RuntimeValue<T>>) {
    if (!mlir::isa<SgdUpdateOp, AdamUpdateOp, RmsPropUpdateOp>(op))
      return;
    auto param = mlir::dyn_cast<mlir::BlockArgument>(op->getOperand(0));
    if (!param || param.getOwner() != entry)
      return;
    if (!gradients.emplace(param.getArgNumber(), operands[1]->getTensor())
             .second)
      collectError = where + "argument #" +
                     std::to_string(param.getArgNumber()) +
                     " is updated by more than one optimizer op";
  };
  ref::Result<std::vector<RuntimeValue<T>>> run =
      interpreter.run<T>(function, inputs, collect);
  if (!run.ok())
    return ref::Error{run.error};
  if (!collectError.empty())
    return ref::Error{collectError};
  if (gradients.empty())
    return ref::Error{where + "no argument is updated by kiln.sgd_update, "
                              "kiln.adam_update or kiln.rmsprop_update, so "
                              "there is no gradient to check"};
  return gradients;
}

/// `values` with their tensors converted to U (scalars unchanged).
template <typename U, typename T>
std::vector<RuntimeValue<U>>
castValues(const std::vector<RuntimeValue<T>> &values) {
  std::vector<RuntimeValue<U>> cast;
  for (const RuntimeValue<T> &v : values) {
    if (v.getKind() == ValueKind::F32)
      cast.push_back(RuntimeValue<U>::f32(v.getF32()));
    else if (v.getKind() == ValueKind::I64)
      cast.push_back(RuntimeValue<U>::i64(v.getI64()));
    else
      cast.emplace_back(v.getTensor().template cast<U>());
  }
  return cast;
}

/// The name a report gives argument `index`: its `kiln.name`, or
/// "argument #i".
std::string paramName(const Signature &signature, unsigned index) {
  const std::string &name = signature.arguments[index].name;
  return name.empty() ? "argument #" + std::to_string(index) : name;
}

/// Compares each gradient with central differences of the loss, evaluated
/// by runs in U on `inputs`.
template <typename U, typename T>
ref::Result<std::vector<ParamGradientReport>> compareWithDifferences(
    const Interpreter &interpreter, llvm::StringRef function,
    const std::vector<RuntimeValue<U>> &inputs, const Gradients<T> &gradients,
    const Signature &signature, const TrainStepCheck &check) {
  ref::Result<Reevaluator<U>> reevaluator =
      Reevaluator<U>::create(interpreter, function, inputs, {check.lossResult});
  if (!reevaluator.ok())
    return ref::Error{reevaluator.error};
  std::vector<ParamGradientReport> reports;
  for (const auto &[index, gradient] : gradients) {
    std::string name = paramName(signature, index);
    if (!check.only.empty() && !llvm::is_contained(check.only, name))
      continue;
    std::string runError;
    ref::Objective<U> loss = [&, index = index](const ref::Tensor<U> &probe) {
      ref::Result<std::vector<RuntimeValue<U>>> out =
          reevaluator.value.rerun(index, RuntimeValue<U>(probe));
      if (!out.ok()) {
        runError = out.error;
        return std::numeric_limits<double>::quiet_NaN();
      }
      return static_cast<double>(out.value[0].getTensor()[0]);
    };
    ParamGradientReport report;
    report.argIndex = index;
    report.name = name;
    report.report =
        ref::checkGradient(loss, inputs[index].getTensor(),
                           gradient.template cast<U>(), check.differences);
    if (!report.report.ok() && !runError.empty())
      report.report.error += ": " + runError;
    reports.push_back(std::move(report));
  }
  return reports;
}

} // namespace

template <typename T>
ref::Result<std::vector<ParamGradientReport>> interp::checkTrainStepGradients(
    const Interpreter &interpreter, llvm::StringRef function,
    const std::vector<RuntimeValue<T>> &inputs, const TrainStepCheck &check) {
  ref::Result<Signature> signature = interpreter.signature(function);
  if (!signature.ok())
    return ref::Error{signature.error};
  std::string where = "@" + function.str() + ": ";
  const std::vector<SlotInfo> &results = signature.value.results;
  if (check.lossResult >= results.size() ||
      results[check.lossResult].kind != ValueKind::Tensor ||
      !results[check.lossResult].dims.empty())
    return ref::Error{where + "result #" + std::to_string(check.lossResult) +
                      " must be the loss, a rank-0 tensor<f32>"};
  ref::Result<Gradients<T>> gradients =
      collectGradients(interpreter, function, inputs);
  if (!gradients.ok())
    return ref::Error{gradients.error};
  for (const std::string &name : check.only)
    if (llvm::none_of(gradients.value, [&](const auto &entry) {
          return paramName(signature.value, entry.first) == name;
        }))
      return ref::Error{where + "no optimizer op updates a parameter named '" +
                        name + "'"};
  if (check.precision == DifferencePrecision::Double)
    return compareWithDifferences(interpreter, function,
                                  castValues<double>(inputs), gradients.value,
                                  signature.value, check);
  return compareWithDifferences(interpreter, function, inputs, gradients.value,
                                signature.value, check);
}

template ref::Result<std::vector<ParamGradientReport>>
interp::checkTrainStepGradients(const Interpreter &, llvm::StringRef,
                                const std::vector<RuntimeValue<float>> &,
                                const TrainStepCheck &);
template ref::Result<std::vector<ParamGradientReport>>
interp::checkTrainStepGradients(const Interpreter &, llvm::StringRef,
                                const std::vector<RuntimeValue<double>> &,
                                const TrainStepCheck &);

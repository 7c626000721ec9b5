//===- GradientCheck.h - Gradients of whole training steps ------*- C++ -*-===//
//
// Checks the gradients a training-step function applies against central
// finite differences of the loss it reports, with the interpreter as the
// evaluator. The function has the shape of the IR contract's @train_step:
// its first result (or `lossResult`) is the rank-0 loss, and each trainable
// parameter argument is updated by one optimizer op (kiln.sgd_update,
// kiln.adam_update or kiln.rmsprop_update) whose `param` operand is that
// argument. The analytic gradient of a parameter is the `grad` operand that
// update consumes, read with an OpObserver; so the check holds for any
// optimizer, and it checks the backward pass autodiff (or a hand) wrote.
//
// Run it on the unfused function: inside a kiln.kernel the update's operand
// is a block argument of the kernel, not of the function.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_INTERPRETER_GRADIENTCHECK_H
#define KILN_INTERPRETER_GRADIENTCHECK_H

#include "kiln/Interpreter/Interpreter.h"
#include "kiln/Reference/GradCheck.h"

#include <string>
#include <vector>

namespace kiln {
namespace interp {

/// The outcome of one parameter's check.
struct ParamGradientReport {
  /// The parameter's argument position in the function.
  unsigned argIndex = 0;
  /// Its `kiln.name`, or "argument #i" when it has none.
  std::string name;
  ref::GradCheckReport report;
};

/// The arithmetic the finite differences of the loss are taken in.
enum class DifferencePrecision {
  /// The run's element type T: checks T's analytic gradients against T's own
  /// loss. In float, the loss's rounding (about 1e-7 |loss|) makes the
  /// quotient's noise about 1e-5 absolute, and a step of 1e-2 may cross a
  /// relu or max-pool kink, so only some inputs meet float's 1e-3.
  Same,
  /// double, whatever T is: checks T's analytic gradients against the
  /// true derivative, to within T's own rounding. Robust for float.
  Double,
};

/// How checkTrainStepGradients differentiates and what it checks.
struct TrainStepCheck {
  /// Step, floor and sample size of the central differences.
  ref::GradCheckOptions differences;
  /// The result holding the loss (a rank-0 tensor).
  unsigned lossResult = 0;
  /// The arithmetic of the differences.
  DifferencePrecision precision = DifferencePrecision::Same;
  /// The parameters to check, by `kiln.name` (or "argument #i"); empty
  /// checks every parameter an optimizer op updates.
  std::vector<std::string> only;
  /// The largest share of all elements checked that judge() lets be
  /// skipped at kinks. Kinks are rare at a small step (each is a relu or a
  /// max-pool choice switching within 2h/8 of the element), so many of them
  /// mean the step is too large or the check sees little.
  double maxKinkFraction = 0.1;
};

/// What judge() concludes from the reports of one check.
struct TrainStepVerdict {
  /// Whether the gradients pass (see judge()).
  bool passed = false;
  /// Totals over every parameter checked.
  int64_t checked = 0;
  int64_t kinks = 0;
  int64_t kinksMatchingOneSide = 0;
  /// The largest relative error of an element not skipped at a kink.
  double worstRelError = 0;
  /// Why the check failed (one line per reason); empty when it passed.
  std::string reasons;
};

/// Settings that keep the comparison's own error well under the tolerance
/// for gradients in T and differences in `precision`. Every setting checks
/// in each of maxChecked stripes the element with the largest gradient and
/// examines disagreeing elements for kinks at T's tolerance
/// (ref::GradCheckOptions::largestInStripe and kinkTolerance):
/// - double: step 1e-5 (truncation and rounding both near 1e-10), elements
///   under 1e-3 of the largest compared against that floor;
/// - float, Same: step 1e-2 (a float loss's rounding noise is about
///   1e-7 |loss| / step), floor 1e-1;
/// - float, Double: step 1e-5; floor 1e-2, because the float gradient's own
///   rounding is absolute (about 1e-7 of the largest terms summed), so a
///   small element's relative error says nothing below that; smoothness
///   judged at double's tolerance (ref::GradCheckOptions::smoothTolerance),
///   since double differences see kinks far below float's.
template <typename T>
TrainStepCheck defaultTrainStepCheck(
    DifferencePrecision precision = DifferencePrecision::Same);

/// The tolerance the checks are held to: 1e-6 for double, 1e-3 for float.
template <typename T> double gradientTolerance();

/// Whether one parameter's check passes: it ran, at least one element was
/// compared without a kink, and no such element is off by `tolerance`.
bool parameterPasses(const ParamGradientReport &report, double tolerance);

/// The verdict on a whole check: every parameter passes, and at most
/// `maxKinkFraction` of all elements checked were skipped at kinks.
TrainStepVerdict judge(const std::vector<ParamGradientReport> &reports,
                       double tolerance, double maxKinkFraction);

/// Runs `function` once on `inputs` in T to collect the gradient applied to
/// each parameter argument, then compares each with central differences of
/// the loss as that parameter is perturbed, one element at a time (or
/// `check.differences.maxChecked` stripes of it), examined for kinks as
/// ref::checkGradient describes. The loss is re-evaluated with a
/// Reevaluator: only the ops between the perturbed parameter and the loss
/// run again. Fails when the function does not run, the loss is not rank 0,
/// no argument is updated by an optimizer op, or `check.only` names a
/// parameter that is not updated.
template <typename T>
ref::Result<std::vector<ParamGradientReport>> checkTrainStepGradients(
    const Interpreter &interpreter, llvm::StringRef function,
    const std::vector<RuntimeValue<T>> &inputs, const TrainStepCheck &check);

} // namespace interp
} // namespace kiln

#endif // KILN_INTERPRETER_GRADIENTCHECK_H

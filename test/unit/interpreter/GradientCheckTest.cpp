//===- GradientCheckTest.cpp - Whole training steps against differences ---===//
//
// The four hand-written training steps of test/Interpreter/Inputs (forward,
// backward with the kiln *_grad ops, optimizer update) run through the
// interpreter, and the gradient each update applies is compared with
// central differences of the step's loss:
// - double against double, tolerance 1e-6 (measured worst over seeds 1-10
//   and batches 2 and 4: 1.3e-7);
// - float against double, tolerance 1e-3 (measured worst: 1.1e-4): the
//   float gradients' own accuracy;
// - float against float, tolerance 1e-3, at seed 1, batch 4 (measured worst
//   4.8e-4). Float differences carry the float loss's rounding noise (about
//   1e-5 in the quotient) and, with a step of 1e-2, may cross a relu or
//   max-pool kink: on other inputs the relu + max-pool network exceeds 1e-3
//   (6 of 10 seeds at batch 4), which is why the two checks above exist.
// Mutated backward passes show that the check fails when a gradient is
// wrong. The steps double as integration tests of the reference library
// through the interpreter.
//
//===----------------------------------------------------------------------===//

#include "InterpreterTestUtil.h"

#include "kiln/Interpreter/GradientCheck.h"
#include "kiln/Interpreter/Inputs.h"

#include <fstream>
#include <sstream>

using namespace kiln;
using namespace kiln::interp;
using namespace kiln::interp::test;

namespace {

/// A training step of test/Interpreter/Inputs and its parameters' names.
struct StepCase {
  const char *file;
  std::vector<std::string> params;
};

/// The four steps and the parameters each updates, in argument order.
const std::vector<StepCase> &stepCases() {
  static const std::vector<StepCase> steps = {
      {"conv_pool_dense.mlir",
       {"conv2d/kernel", "conv2d/bias", "dense/kernel", "dense/bias"}},
      {"bn_dropout.mlir",
       {"conv2d/kernel", "batch_normalization/gamma",
        "batch_normalization/beta", "dense/kernel", "dense/bias"}},
      {"conv1d_pool.mlir", {"conv1d/kernel", "conv1d/bias", "conv1d_1/kernel"}},
      {"residual.mlir", {"conv2d/kernel", "conv2d_1/kernel", "dense/kernel"}},
  };
  return steps;
}

/// Random inputs of @train_step from `seed` at `batch`.
template <typename T>
std::vector<RuntimeValue<T>> stepInputs(const Interpreter &interpreter,
                                        uint64_t seed, int64_t batch) {
  auto sig = interpreter.signature("train_step");
  EXPECT_TRUE(sig.ok()) << sig.error;
  RandomInputOptions options;
  options.seed = seed;
  options.batch = batch;
  return unwrap(randomInputs<T>(sig.value, options));
}

/// Checks every parameter of `step` and expects all within the tolerance of
/// T.
template <typename T>
void expectGradientsMatch(const StepCase &step, uint64_t seed, int64_t batch,
                          DifferencePrecision precision) {
  SCOPED_TRACE(std::string(step.file) + " seed " + std::to_string(seed) +
               " batch " + std::to_string(batch));
  LoadedModule loaded = loadInput(step.file);
  ASSERT_EQ(loaded.error, "");
  auto reports = checkTrainStepGradients<T>(
      *loaded.interpreter, "train_step",
      stepInputs<T>(*loaded.interpreter, seed, batch),
      defaultTrainStepCheck<T>(precision));
  ASSERT_TRUE(reports.ok()) << reports.error;
  ASSERT_EQ(reports.value.size(), step.params.size());
  for (size_t i = 0; i < reports.value.size(); ++i) {
    const ParamGradientReport &r = reports.value[i];
    EXPECT_EQ(r.name, step.params[i]);
    ASSERT_TRUE(r.report.ok()) << r.name << ": " << r.report.describe();
    EXPECT_GT(r.report.checked, 0) << r.name;
    EXPECT_LT(r.report.maxRelError, gradientTolerance<T>())
        << r.name << ": " << r.report.describe();
  }
}

TEST(TrainStepGradients, DoubleAgainstDoubleDifferences) {
  for (const StepCase &step : stepCases())
    for (uint64_t seed : {1, 2, 3})
      for (int64_t batch : {2, 4})
        expectGradientsMatch<double>(step, seed, batch,
                                     DifferencePrecision::Same);
}

TEST(TrainStepGradients, FloatAgainstDoubleDifferences) {
  for (const StepCase &step : stepCases())
    for (uint64_t seed : {1, 2, 3})
      for (int64_t batch : {2, 4})
        expectGradientsMatch<float>(step, seed, batch,
                                    DifferencePrecision::Double);
}

TEST(TrainStepGradients, FloatAgainstFloatDifferences) {
  for (const StepCase &step : stepCases())
    expectGradientsMatch<float>(step, 1, 4, DifferencePrecision::Same);
}

/// The text of `file` in test/Interpreter/Inputs with `from` replaced by
/// `to` (which must occur).
std::string mutate(const std::string &file, const std::string &from,
                   const std::string &to) {
  std::ifstream in(std::string(KILN_INTERPRETER_TEST_INPUTS) + "/" + file);
  std::stringstream text;
  text << in.rdbuf();
  std::string source = text.str();
  size_t at = source.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  if (at != std::string::npos)
    source.replace(at, from.size(), to);
  return source;
}

/// The relative error of each parameter of a (mutated) step, in double.
std::map<std::string, double> errorsOf(const std::string &source) {
  std::map<std::string, double> errors;
  LoadedModule loaded = loadModule(source);
  EXPECT_EQ(loaded.error, "");
  if (!loaded.interpreter)
    return errors;
  auto reports = checkTrainStepGradients<double>(
      *loaded.interpreter, "train_step",
      stepInputs<double>(*loaded.interpreter, 1, 3),
      defaultTrainStepCheck<double>());
  EXPECT_TRUE(reports.ok()) << reports.error;
  for (const ParamGradientReport &r : reports.value) {
    EXPECT_TRUE(r.report.ok()) << r.report.describe();
    errors[r.name] = r.report.maxRelError;
  }
  return errors;
}

TEST(TrainStepGradients, WrongBackwardPassesAreCaught) {
  // The l2 penalty's gradient left out of the conv kernel's update.
  auto errors =
      errorsOf(mutate("conv_pool_dense.mlir", "kiln.sgd_update %w, %gw,",
                      "kiln.sgd_update %w, %gwc,"));
  EXPECT_GT(errors["conv2d/kernel"], 1e-3);
  EXPECT_LT(errors["dense/kernel"], 1e-6);

  // Dropout's gradient without its mask.
  errors = errorsOf(mutate("bn_dropout.mlir", "%ga = kiln.mul %gdropped, %mask",
                           "%ga = kiln.mul %gdropped, %gdropped"));
  EXPECT_GT(errors["conv2d/kernel"], 1e-3);
  EXPECT_GT(errors["batch_normalization/gamma"], 1e-3);
  EXPECT_LT(errors["dense/kernel"], 1e-6);

  // zero_pad's gradient sliced at the wrong offset.
  errors = errorsOf(mutate("residual.mlir", "offsets = array<i64: 1, 1, 0>",
                           "offsets = array<i64: 0, 1, 0>"));
  EXPECT_GT(errors["conv2d/kernel"], 1e-3);
  EXPECT_LT(errors["conv2d_1/kernel"], 1e-6);

  // avg_pool1d's gradient with the padding on the wrong side.
  errors = errorsOf(mutate(
      "conv1d_pool.mlir",
      "%gt = kiln.avg_pool1d_grad %gp {window = 2, stride = 2, padding = "
      "array<i64: 0, 1>",
      "%gt = kiln.avg_pool1d_grad %gp {window = 2, stride = 2, padding = "
      "array<i64: 1, 0>"));
  EXPECT_GT(errors["conv1d/kernel"], 1e-3);
  EXPECT_LT(errors["conv1d_1/kernel"], 1e-6);
}

TEST(TrainStepGradients, MaxCheckedAndOnlyChooseWhatIsChecked) {
  LoadedModule loaded = loadInput("conv_pool_dense.mlir");
  ASSERT_EQ(loaded.error, "");
  TrainStepCheck check = defaultTrainStepCheck<double>();
  check.differences.maxChecked = 5;
  auto inputs = stepInputs<double>(*loaded.interpreter, 1, 2);
  auto reports = checkTrainStepGradients<double>(*loaded.interpreter,
                                                 "train_step", inputs, check);
  ASSERT_TRUE(reports.ok()) << reports.error;
  ASSERT_EQ(reports.value.size(), 4u);
  for (const ParamGradientReport &r : reports.value)
    EXPECT_EQ(r.report.checked, r.name == "conv2d/bias"  ? 2
                                : r.name == "dense/bias" ? 3
                                                         : 5)
        << r.name;

  check.only = {"dense/bias", "conv2d/kernel"};
  reports = checkTrainStepGradients<double>(*loaded.interpreter, "train_step",
                                            inputs, check);
  ASSERT_TRUE(reports.ok()) << reports.error;
  ASSERT_EQ(reports.value.size(), 2u);
  EXPECT_EQ(reports.value[0].name, "conv2d/kernel");
  EXPECT_EQ(reports.value[1].name, "dense/bias");

  check.only = {"dense/gamma"};
  reports = checkTrainStepGradients<double>(*loaded.interpreter, "train_step",
                                            inputs, check);
  ASSERT_FALSE(reports.ok());
  EXPECT_EQ(reports.error, "@train_step: no optimizer op updates a parameter "
                           "named 'dense/gamma'");
}

// Tests that re-running with one argument changed gives exactly what a full
// run gives, for each parameter of a training step, and that a bad argument
// number or value is an error.
TEST(Reevaluator, MatchesFullRuns) {
  LoadedModule loaded = loadInput("bn_dropout.mlir");
  ASSERT_EQ(loaded.error, "");
  const Interpreter &interpreter = *loaded.interpreter;
  std::vector<RuntimeValue<double>> inputs =
      stepInputs<double>(interpreter, 4, 3);
  auto reevaluator =
      Reevaluator<double>::create(interpreter, "train_step", inputs, {0, 1});
  ASSERT_TRUE(reevaluator.ok()) << reevaluator.error;
  auto full = interpreter.run<double>("train_step", inputs);
  ASSERT_TRUE(full.ok()) << full.error;
  ASSERT_EQ(reevaluator.value.originalResults().size(), 2u);
  EXPECT_EQ(reevaluator.value.originalResults()[0].getTensor().elements(),
            full.value[0].getTensor().elements());
  auto sig = interpreter.signature("train_step");
  ASSERT_TRUE(sig.ok());
  int changed = 0;
  for (size_t i = 0; i < inputs.size(); ++i) {
    if (sig.value.arguments[i].role != "param")
      continue;
    std::vector<RuntimeValue<double>> moved = inputs;
    ref::Tensor<double> t = moved[i].getTensor();
    for (int64_t k = 0; k < t.size(); ++k)
      t[k] += 0.01 * static_cast<double>(k % 7 + 1);
    moved[i] = RuntimeValue<double>(t);
    auto expected = interpreter.run<double>("train_step", moved);
    auto got = reevaluator.value.rerun(static_cast<unsigned>(i), moved[i]);
    ASSERT_TRUE(expected.ok() && got.ok()) << expected.error << got.error;
    for (unsigned r : {0u, 1u})
      EXPECT_EQ(got.value[r].getTensor().elements(),
                expected.value[r].getTensor().elements())
          << "argument " << i << ", result " << r;
    ++changed;
  }
  EXPECT_EQ(changed, 5);

  auto bad = reevaluator.value.rerun(99, inputs[0]);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error, "@train_step: has no argument #99");
  bad = reevaluator.value.rerun(0, RuntimeValue<double>::f32(1));
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error.find("@train_step: argument #0 "), std::string::npos)
      << bad.error;
  auto noResult =
      Reevaluator<double>::create(interpreter, "train_step", inputs, {99});
  ASSERT_FALSE(noResult.ok());
  EXPECT_EQ(noResult.error, "@train_step: has no result #99");
}

/// A parameter's report with `checked` elements, `kinks` of them skipped
/// and `error` as the largest relative error of the others.
ParamGradientReport reportOf(const std::string &name, int64_t checked,
                             int64_t kinks, double error) {
  ParamGradientReport r;
  r.name = name;
  r.report.checked = checked;
  r.report.kinks = kinks;
  r.report.maxRelError = error;
  return r;
}

// Tests the verdict on a whole check: a disagreeing element, a parameter
// checked only at kinks and too many kinks each fail it.
TEST(TrainStepGradients, Judge) {
  TrainStepVerdict v = judge(
      {reportOf("a", 10, 1, 1e-8), reportOf("b", 10, 0, 2e-7)}, 1e-6, 0.1);
  EXPECT_TRUE(v.passed) << v.reasons;
  EXPECT_EQ(v.checked, 20);
  EXPECT_EQ(v.kinks, 1);
  EXPECT_EQ(v.worstRelError, 2e-7);

  v = judge({reportOf("a", 10, 1, 1e-8), reportOf("b", 10, 0, 2e-6)}, 1e-6,
            0.1);
  EXPECT_FALSE(v.passed);
  EXPECT_EQ(v.reasons, "b: an element not at a kink disagrees\n");

  v = judge({reportOf("a", 10, 0, 1e-8), reportOf("b", 2, 2, 0)}, 1e-6, 0.5);
  EXPECT_FALSE(v.passed);
  EXPECT_EQ(v.reasons, "b: every element checked is at a kink\n");

  v = judge({reportOf("a", 10, 3, 1e-8)}, 1e-6, 0.2);
  EXPECT_FALSE(v.passed);
  EXPECT_EQ(v.reasons, "3 of 10 elements are at kinks, more than the share 0.2 "
                       "allowed\n");
}

TEST(TrainStepGradients, Errors) {
  LoadedModule loaded = loadModule(R"(
func.func @no_update(%w: tensor<3xf32>) -> (tensor<f32>, tensor<3xf32>) {
  %l = kiln.l2_penalty %w {scale = 1.0 : f32} : tensor<3xf32>
  return %l, %w : tensor<f32>, tensor<3xf32>
}
func.func @step(%w: tensor<3xf32>, %v: tensor<3xf32>, %lr: f32)
    -> (tensor<f32>, tensor<3xf32>, tensor<3xf32>) {
  %l = kiln.l2_penalty %w {scale = 1.0 : f32} : tensor<3xf32>
  %g = kiln.l2_penalty_grad %w {scale = 1.0 : f32} : tensor<3xf32>
  %w2, %v2 = kiln.sgd_update %w, %g, %v, %lr {momentum = 0.0 : f32} : tensor<3xf32>
  return %l, %w2, %v2 : tensor<f32>, tensor<3xf32>, tensor<3xf32>
}
)");
  ASSERT_EQ(loaded.error, "");
  const Interpreter &interpreter = *loaded.interpreter;
  ref::Tensor<double> w({3}, {0.5, -1, 2});
  TrainStepCheck check = defaultTrainStepCheck<double>();

  auto r =
      checkTrainStepGradients<double>(interpreter, "no_update", {w}, check);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error, "@no_update: no argument is updated by kiln.sgd_update, "
                     "kiln.adam_update or kiln.rmsprop_update, so there is "
                     "no gradient to check");

  std::vector<RuntimeValue<double>> inputs = {w, w,
                                              RuntimeValue<double>::f32(0.1)};
  TrainStepCheck wrongLoss = check;
  wrongLoss.lossResult = 1;
  r = checkTrainStepGradients<double>(interpreter, "step", inputs, wrongLoss);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error, "@step: result #1 must be the loss, a rank-0 "
                     "tensor<f32>");

  r = checkTrainStepGradients<double>(interpreter, "step", {w}, check);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error, "@step: takes 3 arguments, got 1");

  // The smallest step: the penalty's gradient is exact.
  r = checkTrainStepGradients<double>(interpreter, "step", inputs, check);
  ASSERT_TRUE(r.ok()) << r.error;
  ASSERT_EQ(r.value.size(), 1u);
  EXPECT_EQ(r.value[0].name, "argument #0");
  EXPECT_LT(r.value[0].report.maxRelError, 1e-9);
}

} // namespace

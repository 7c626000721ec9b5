//===- kiln-ref.cpp - Run kiln IR with the reference interpreter ----------===//
//
// Runs one function of a kiln-dialect module with the plain-loop reference
// and prints (or writes) its results, so a compiled kernel's output can be
// compared with the oracle's from the shell and lit tests can check values:
//
//   kiln-ref net.mlir --func=forward --input=x.bin --input=1 --input=w.bin
//   kiln-ref net.mlir --func=forward --random-seed=7 --batch=4 --print=summary
//   kiln-ref step.mlir --func=train_step --random-seed=1 --batch=2
//       --type=f64 --check-gradients
//
// --check-gradients compares each parameter's gradient with central
// differences of the loss, skipping elements where the loss has a kink
// within two steps (see its --help and GradCheckOptions::kinkTolerance).
//
// Inputs come one per argument (`--input`, in order) or from a seed
// (`--random-seed`, see kiln/Interpreter/Inputs.h). Every error is one
// message naming the file (and the op's location) on stderr, exit code 1.
//
//===----------------------------------------------------------------------===//

#include "kiln/Interpreter/GradientCheck.h"
#include "kiln/Interpreter/Inputs.h"
#include "kiln/Interpreter/Interpreter.h"
#include "kiln/Interpreter/TensorFile.h"

#include "mlir/IR/MLIRContext.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/raw_ostream.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

using namespace kiln;
using namespace kiln::interp;
namespace cl = llvm::cl;

namespace {

/// kiln-ref's own options (--help hides LLVM's).
cl::OptionCategory category("kiln-ref options");

/// The module to run.
cl::opt<std::string> inputFile(cl::Positional, cl::desc("<module.mlir>"),
                               cl::Required, cl::cat(category));
/// The function of the module to run.
cl::opt<std::string> funcName("func", cl::desc("Function to run"), cl::Required,
                              cl::cat(category));
/// The arguments, one per --input, in order.
cl::list<std::string> inputSpecs(
    "input",
    cl::desc("One per argument, in order: a KLNT tensor file, a number (for "
             "an f32 or i64 argument), or an inline tensor SHAPE:V,V,... "
             "(e.g. 2x2:1,2,3,4; a rank-0 tensor is :V)"),
    cl::cat(category));
/// Seed of the random arguments; -1 when --input gives them.
cl::opt<int64_t> randomSeed(
    "random-seed",
    cl::desc("Fill every argument from this seed instead of --input"),
    cl::init(-1), cl::cat(category));
/// The extent of `?` with --random-seed.
cl::opt<int64_t> batch("batch",
                       cl::desc("Batch for ? extents with "
                                "--random-seed"),
                       cl::init(1), cl::cat(category));
/// The i64 arguments' value with --random-seed.
cl::opt<int64_t> stepValue("step",
                           cl::desc("i64 arguments' value with --random-seed"),
                           cl::init(1), cl::cat(category));
/// The f32 arguments' value with --random-seed.
cl::opt<double> lrValue("lr",
                        cl::desc("f32 arguments' value with "
                                 "--random-seed"),
                        cl::init(1e-3), cl::cat(category));
/// float or double arithmetic.
cl::opt<std::string>
    elementType("type",
                cl::desc("Element type tensors are computed in: f32 or f64"),
                cl::init("f32"), cl::cat(category));
/// How results are printed.
cl::opt<std::string> printMode(
    "print",
    cl::desc("auto (values up to --max-values elements, else a summary), "
             "values, summary or none"),
    cl::init("auto"), cl::cat(category));
/// The largest result printed in full by --print=auto.
cl::opt<int64_t> maxValues("max-values",
                           cl::desc("Largest result --print=auto prints in "
                                    "full"),
                           cl::init(64), cl::cat(category));
/// Where results are written as KLNT files.
cl::opt<std::string> outputPrefix(
    "output-prefix",
    cl::desc("Write result i to PREFIX<i>.bin as a KLNT file (scalars as "
             "rank-0 tensors)"),
    cl::cat(category));
/// Print every executed op's results.
cl::opt<bool> trace("trace",
                    cl::desc("Print each executed op's results as a summary"),
                    cl::cat(category));
/// How many runs --time averages over.
cl::opt<int> repeat("repeat", cl::desc("Run this many times (with --time)"),
                    cl::init(1), cl::cat(category));
/// Print the time per run.
cl::opt<bool> timeRuns("time",
                       cl::desc("Print the wall time per run on stderr"),
                       cl::cat(category));
/// Check the function's gradients instead of printing its results.
cl::opt<bool> checkGradients(
    "check-gradients",
    cl::desc("Check the gradients the function's optimizer updates apply "
             "against finite differences of its loss (result --loss-result), "
             "to 1e-6 relative in f64 and 1e-3 in f32. An element whose "
             "central difference at h is off by a tenth of that is examined: "
             "the loss is evaluated at x and x+-2h too, and the second-order "
             "one-sided differences F=(-3f(x)+4f(x+h)-f(x+2h))/2h and "
             "B=(3f(x)-4f(x-h)+f(x-2h))/2h, which agree to O(h^3) where the "
             "loss is smooth, are compared. If they agree within the "
             "tolerance (1e-6 for f32 gradients with --fd-type=f64: double "
             "differences see kinks that small), the element is compared "
             "with the five-point difference (O(h^4)); if not, the test is "
             "repeated at h/8, and "
             "an element still not smooth there (a relu or max pool switches "
             "within 2h/8 of x) is skipped at a kink and counted. The test "
             "reads only the loss, never the gradient. The check fails when a "
             "parameter has an element off by the tolerance not at a kink or "
             "only kinks, or when more than --max-kink-fraction of all "
             "elements are at kinks"),
    cl::cat(category));
/// Whether --check-gradients looks for kinks.
cl::opt<bool> kinks(
    "kinks",
    cl::desc("With --check-gradients, examine disagreeing elements for kinks "
             "(--kinks=false counts every disagreement)"),
    cl::init(true), cl::cat(category));
/// The largest share of elements --check-gradients skips at kinks.
cl::opt<double> maxKinkFraction(
    "max-kink-fraction",
    cl::desc("With --check-gradients, the largest share of all elements "
             "checked that may be skipped at kinks"),
    cl::init(TrainStepCheck().maxKinkFraction), cl::cat(category));
/// Which result is the loss, for --check-gradients.
cl::opt<unsigned> lossResult("loss-result", cl::desc("Result holding the loss"),
                             cl::init(0), cl::cat(category));
/// Arithmetic of the finite differences.
cl::opt<std::string> fdType(
    "fd-type",
    cl::desc("Arithmetic of the finite differences: f32 or f64 (default: "
             "--type); f64 checks f32 gradients without float's noise"),
    cl::cat(category));
/// The finite-difference step, overriding the default.
cl::opt<double>
    fdStep("fd-step",
           cl::desc("Finite-difference step (0: the element type's default)"),
           cl::init(0), cl::cat(category));
/// The parameters --check-gradients checks (default: all).
cl::list<std::string> checkParams(
    "check-param",
    cl::desc("Check only this parameter (by kiln.name; repeatable)"),
    cl::cat(category));
/// Elements checked per parameter.
cl::opt<int64_t> maxChecked(
    "max-checked",
    cl::desc("Elements checked per parameter: the largest gradient of "
             "each of this many equal stripes (0: all)"),
    cl::init(0), cl::cat(category));

/// Whether `message` starts with its own "FILE:LINE:COL: error: " (from
/// the interpreter or MLIR's parser), judged on its first line: notes may
/// follow.
bool isLocated(const std::string &message) {
  size_t at = message.find(": error: ");
  return at != std::string::npos && at < message.find('\n');
}

/// Prints the message and returns the failing exit code. A located message
/// is printed as it is; others get "kiln-ref: error: " in front.
int fail(const std::string &message) {
  llvm::errs() << (isLocated(message) ? "" : "kiln-ref: error: ") << message
               << "\n";
  return 1;
}

/// `message` about the module file: its path in front unless the message
/// has a location of its own.
std::string inFile(const std::string &message) {
  return isLocated(message) ? message : inputFile + ": " + message;
}

/// A number as kiln-ref prints it: up to 7 significant digits, no
/// trailing noise, so hand-computed values can be checked.
std::string formatNumber(double v) {
  char buffer[32];
  std::snprintf(buffer, sizeof(buffer), "%.7g", v);
  return buffer;
}

/// Parses an input number; `integer` demands an i64.
bool parseNumber(llvm::StringRef text, bool integer, double &value) {
  text = text.trim();
  if (integer) {
    long long i;
    if (llvm::getAsSignedInteger(text, 10, i))
      return false;
    value = static_cast<double>(i);
    return true;
  }
  return !text.empty() && !text.getAsDouble(value);
}

/// The tensor of an inline SHAPE:V,V,... spec.
ref::Result<ref::Tensor<float>> parseInlineTensor(llvm::StringRef spec) {
  auto [shapeText, valuesText] = spec.split(':');
  ref::Dims dims;
  if (!shapeText.empty()) {
    llvm::SmallVector<llvm::StringRef> extents;
    shapeText.split(extents, 'x');
    for (llvm::StringRef e : extents) {
      int64_t d;
      if (e.getAsInteger(10, d) || d < 0)
        return ref::Error{"bad extent '" + e.str() + "' in shape '" +
                          shapeText.str() + "'"};
      dims.push_back(d);
    }
  }
  int64_t count = ref::Tensor<float>::countElements(dims);
  if (count < 0)
    return ref::Error{"shape " + shapeText.str() + " is too large"};
  llvm::SmallVector<llvm::StringRef> items;
  if (!valuesText.trim().empty())
    valuesText.split(items, ',');
  if (static_cast<int64_t>(items.size()) != count)
    return ref::Error{"shape '" + shapeText.str() + "' needs " +
                      std::to_string(count) + " values, got " +
                      std::to_string(items.size())};
  std::vector<float> data;
  for (llvm::StringRef item : items) {
    double v;
    if (!parseNumber(item, false, v))
      return ref::Error{"bad number '" + item.trim().str() + "'"};
    data.push_back(static_cast<float>(v));
  }
  return ref::Tensor<float>(std::move(dims), std::move(data));
}

/// Whether `spec` is an inline tensor: its text before the first ':' is a
/// shape ("", "3", "2x3", ...), which no path to a KLNT file looks like.
bool isInlineTensor(llvm::StringRef spec) {
  size_t colon = spec.find(':');
  if (colon == llvm::StringRef::npos)
    return false;
  return llvm::all_of(spec.take_front(colon),
                      [](char c) { return llvm::isDigit(c) || c == 'x'; });
}

/// The value `spec` gives argument `slot`.
template <typename T>
ref::Result<RuntimeValue<T>> parseInput(const std::string &spec,
                                        const SlotInfo &slot) {
  if (slot.kind != ValueKind::Tensor) {
    double v;
    if (!parseNumber(spec, slot.kind == ValueKind::I64, v))
      return ref::Error{
          "'" + spec + "' is not " +
          (slot.kind == ValueKind::I64 ? "an integer" : "a number")};
    return slot.kind == ValueKind::I64
               ? RuntimeValue<T>::i64(static_cast<int64_t>(v))
               : RuntimeValue<T>::f32(v);
  }
  ref::Result<ref::Tensor<float>> tensor =
      isInlineTensor(spec) ? parseInlineTensor(spec) : readTensorFile(spec);
  if (!tensor.ok())
    return ref::Error{tensor.error};
  return RuntimeValue<T>(tensor.value.template cast<T>());
}

/// The inputs the command line asks for.
template <typename T>
ref::Result<std::vector<RuntimeValue<T>>> buildInputs(const Signature &sig) {
  if (randomSeed >= 0) {
    if (!inputSpecs.empty())
      return ref::Error{"give either --input or --random-seed, not both"};
    RandomInputOptions options;
    options.seed = static_cast<uint64_t>(randomSeed);
    options.batch = batch;
    options.step = stepValue;
    options.lr = lrValue;
    return randomInputs<T>(sig, options);
  }
  if (inputSpecs.size() != sig.arguments.size())
    return ref::Error{"@" + funcName + " takes " +
                      std::to_string(sig.arguments.size()) +
                      " arguments; give one --input for each (got " +
                      std::to_string(inputSpecs.size()) + ") or --random-seed"};
  std::vector<RuntimeValue<T>> inputs;
  for (size_t i = 0; i < inputSpecs.size(); ++i) {
    const SlotInfo &slot = sig.arguments[i];
    std::string what = "--input=" + inputSpecs[i] + " for @" + funcName + " " +
                       slot.describe("argument", i) + ": ";
    ref::Result<RuntimeValue<T>> value = parseInput<T>(inputSpecs[i], slot);
    if (!value.ok())
      return ref::Error{what + value.error};
    std::string mismatch = checkFits(value.value, slot);
    if (!mismatch.empty())
      return ref::Error{what + mismatch};
    inputs.push_back(std::move(value.value));
  }
  return inputs;
}

/// "sum=S min=A max=B" of a value (scalars: their value).
template <typename T> std::string summary(const RuntimeValue<T> &value) {
  if (value.getKind() == ValueKind::F32)
    return formatNumber(value.getF32());
  if (value.getKind() == ValueKind::I64)
    return std::to_string(value.getI64());
  const ref::Tensor<T> &t = value.getTensor();
  if (t.size() == 0)
    return "(no elements)";
  double sum = 0, lo = INFINITY, hi = -INFINITY;
  for (int64_t i = 0; i < t.size(); ++i) {
    double v = static_cast<double>(t[i]);
    sum += v;
    lo = std::min(lo, v);
    hi = std::max(hi, v);
  }
  return "sum=" + formatNumber(sum) + " min=" + formatNumber(lo) +
         " max=" + formatNumber(hi);
}

/// Every element, one line per run of the innermost axis.
template <typename T> void printValues(const RuntimeValue<T> &value) {
  if (!value.isTensor()) {
    llvm::outs() << "  " << summary(value) << "\n";
    return;
  }
  const ref::Tensor<T> &t = value.getTensor();
  int64_t row = t.rank() ? t.shape().back() : 1;
  if (t.size() == 0 || row == 0) {
    llvm::outs() << "  (no elements)\n";
    return;
  }
  for (int64_t start = 0; start < t.size(); start += row) {
    llvm::outs() << " ";
    for (int64_t i = start; i < start + row; ++i)
      llvm::outs() << " " << formatNumber(static_cast<double>(t[i]));
    llvm::outs() << "\n";
  }
}

/// "result #i (role): TYPE" and the values or a summary.
template <typename T>
void printResult(size_t index, const SlotInfo &slot,
                 const RuntimeValue<T> &value) {
  llvm::outs() << "result #" << index;
  const std::string &label = slot.role.empty() ? slot.name : slot.role;
  if (!label.empty())
    llvm::outs() << " (" << label << ")";
  llvm::outs() << ": " << value.typeString();
  int64_t elements = value.isTensor() ? value.getTensor().size() : 1;
  bool full =
      printMode == "values" || (printMode == "auto" && elements <= maxValues);
  if (full) {
    llvm::outs() << "\n";
    printValues(value);
  } else {
    llvm::outs() << " " << summary(value) << "\n";
  }
}

/// Writes each result to PREFIX<i>.bin.
template <typename T>
std::string writeResults(const std::vector<RuntimeValue<T>> &results) {
  for (size_t i = 0; i < results.size(); ++i) {
    const RuntimeValue<T> &r = results[i];
    ref::Tensor<float> t =
        r.isTensor() ? r.getTensor().template cast<float>()
        : r.getKind() == ValueKind::F32
            ? ref::Tensor<float>::scalar(static_cast<float>(r.getF32()))
            : ref::Tensor<float>::scalar(static_cast<float>(r.getI64()));
    std::string error =
        writeTensorFile(outputPrefix + std::to_string(i) + ".bin", t);
    if (!error.empty())
      return error;
  }
  return {};
}

/// --check-gradients: one line per parameter; fails when any is above the
/// tolerance of T.
template <typename T>
int runGradientCheck(const Interpreter &interpreter,
                     const std::vector<RuntimeValue<T>> &inputs) {
  if (!fdType.empty() && fdType != "f32" && fdType != "f64")
    return fail("--fd-type must be f32 or f64, got '" + fdType + "'");
  TrainStepCheck check =
      defaultTrainStepCheck<T>(fdType == "f64" ? DifferencePrecision::Double
                                               : DifferencePrecision::Same);
  check.differences.maxChecked = maxChecked;
  if (fdStep > 0)
    check.differences.step = fdStep;
  if (!kinks)
    check.differences.kinkTolerance = 0;
  check.maxKinkFraction = maxKinkFraction;
  check.lossResult = lossResult;
  check.only.assign(checkParams.begin(), checkParams.end());
  auto reports =
      checkTrainStepGradients<T>(interpreter, funcName, inputs, check);
  if (!reports.ok())
    return fail(inFile(reports.error));
  double tolerance = gradientTolerance<T>();
  for (const ParamGradientReport &r : reports.value)
    llvm::outs() << "gradient " << r.name << ": "
                 << (parameterPasses(r, tolerance) ? "ok" : "FAILED") << ", "
                 << r.report.describe() << "\n";
  TrainStepVerdict verdict =
      judge(reports.value, tolerance, check.maxKinkFraction);
  llvm::outs() << "tolerance " << formatNumber(tolerance) << ": "
               << (verdict.passed ? "all gradients match" : "gradients differ")
               << "; worst relative error "
               << formatNumber(verdict.worstRelError) << " over "
               << verdict.checked << " elements, " << verdict.kinks
               << " skipped at kinks (" << verdict.kinksMatchingOneSide
               << " matching a one-sided difference)\n";
  if (!verdict.passed)
    llvm::outs() << verdict.reasons;
  return verdict.passed ? 0 : 1;
}

/// Everything after the module is loaded, in element type T.
template <typename T> int runAs(const Interpreter &interpreter) {
  ref::Result<Signature> sig = interpreter.signature(funcName);
  if (!sig.ok())
    return fail(inFile(sig.error));
  ref::Result<std::vector<RuntimeValue<T>>> inputs = buildInputs<T>(sig.value);
  if (!inputs.ok())
    return fail(inFile(inputs.error));
  if (checkGradients)
    return runGradientCheck<T>(interpreter, inputs.value);

  OpObserver<T> observer;
  if (trace)
    observer = [](mlir::Operation *op, llvm::ArrayRef<const RuntimeValue<T> *>,
                  llvm::ArrayRef<RuntimeValue<T>> results) {
      std::string where = formatLocation(op->getLoc());
      llvm::outs() << "trace: " << (where.empty() ? "" : where + " ")
                   << op->getName().getStringRef();
      for (const RuntimeValue<T> &r : results)
        llvm::outs() << " -> " << r.typeString() << " " << summary(r);
      llvm::outs() << "\n";
    };

  ref::Result<std::vector<RuntimeValue<T>>> results;
  auto start = std::chrono::steady_clock::now();
  int runs = std::max(1, repeat.getValue());
  for (int i = 0; i < runs; ++i) {
    results = interpreter.run<T>(funcName, inputs.value, observer);
    if (!results.ok())
      return fail(inFile(results.error));
  }
  std::chrono::duration<double, std::milli> took =
      std::chrono::steady_clock::now() - start;
  if (timeRuns)
    llvm::errs() << "time: " << formatNumber(took.count() / runs)
                 << " ms per run (" << runs << " runs)\n";

  if (!outputPrefix.empty()) {
    std::string error = writeResults(results.value);
    if (!error.empty())
      return fail(error);
  }
  if (printMode != "none")
    for (size_t i = 0; i < results.value.size(); ++i)
      printResult(i, sig.value.results[i], results.value[i]);
  return 0;
}

} // namespace

int main(int argc, char **argv) {
  llvm::InitLLVM init(argc, argv);
  cl::HideUnrelatedOptions(category);
  cl::ParseCommandLineOptions(
      argc, argv, "kiln-ref: run kiln IR with the reference interpreter\n");

  if (elementType != "f32" && elementType != "f64")
    return fail("--type must be f32 or f64, got '" + elementType + "'");
  if (printMode != "auto" && printMode != "values" && printMode != "summary" &&
      printMode != "none")
    return fail("--print must be auto, values, summary or none, got '" +
                printMode + "'");

  mlir::MLIRContext context;
  registerInterpreterDialects(context);
  auto module = parseModuleFile(inputFile, context);
  if (!module.ok())
    return fail(module.error);
  Interpreter interpreter(module.value.get());
  if (!interpreter.error().empty())
    return fail(interpreter.error());
  return elementType == "f64" ? runAs<double>(interpreter)
                              : runAs<float>(interpreter);
}

//===- CodegenVsInterpreterTest.cpp - Kernels against the interpreter -----===//
//
// Every kernel Kiln compiles is checked against the reference interpreter on
// the same random inputs: each function of Inputs/codegen-ops.mlir (every op
// the codegen lowers), and every kiln.kernel of the train steps and
// inference functions of report networks, as kiln-fuse produces them, and
// of every model in models/ (but the two largest), built as kilnc builds them.
// Agreement is measured as max |halide - reference| / max |reference| over
// each result (float sums in another order differ at that scale).
//
//===----------------------------------------------------------------------===//

#include "kiln/Codegen/Aot.h"
#include "kiln/Codegen/HalideLowering.h"
#include "kiln/Codegen/JitRunner.h"
#include "kiln/Codegen/ScheduleApply.h"
#include "kiln/Driver/Driver.h"
#include "kiln/Frontend/Sema.h"
#include "kiln/IR/KilnDialect.h"
#include "kiln/IR/KilnOps.h"
#include "kiln/Interpreter/Interpreter.h"
#include "kiln/MLIRGen/MLIRGen.h"
#include "kiln/Tuning/KernelCheck.h"
#include "kiln/Tuning/Signature.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"

#include "kiln/Transforms/Passes.h"

#include <gtest/gtest.h>

#include "AotTestUtil.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <iostream>
#include <set>

using namespace kiln;
using namespace kiln::codegen;

namespace {

using Value = interp::RuntimeValue<float>;
using tuning::distributionsFor;
using tuning::scaledError;
using tuning::toInterpreter;

/// Compiles the function `name` of `module` for `target` under `schedule`
/// (empty: the heuristic), runs it at `batch` and compares each result with
/// the interpreter's. Failures are reported through gtest.
void checkFunction(const interp::Interpreter &interpreter,
                   mlir::func::FuncOp func, const Halide::Target &target,
                   const std::string &schedule, int64_t batch,
                   const std::string &crossCompiler = "",
                   const std::string &launcher = "") {
  std::string name = func.getSymName().str();
  mlir::Block &body = func.getBody().front();
  std::vector<JitArg> args =
      randomArgs(body.getArguments(), batch, 17, distributionsFor(body));
  // A dropout's seed gets both halves of the Philox key non-zero, so the
  // lowering's split of the i64 seed into the key is checked too.
  for (mlir::BlockArgument arg : body.getArguments())
    for (mlir::OpOperand &use : arg.getUses())
      if (auto dropout = llvm::dyn_cast<DropoutOp>(use.getOwner()))
        if (use.get() == dropout.getSeed())
          args[arg.getArgNumber()].scalar = 1234567890123.0;
  std::vector<Value> inputs = toInterpreter(args, body);
  ref::Result<std::vector<Value>> expected =
      interpreter.run<float>(name, inputs);
  ASSERT_TRUE(expected.ok()) << name << ": " << expected.error;

  mlir::FailureOr<HalideKernel> kernel = lowerToHalide(body, "k");
  ASSERT_TRUE(mlir::succeeded(kernel)) << name;
  Schedule chosen = heuristicSchedule(*kernel, target);
  std::string error;
  if (!schedule.empty())
    chosen = *Schedule::parse(schedule, error);
  ASSERT_EQ(applySchedule(*kernel, chosen, target), "") << name;
  std::vector<HostTensor> got;
  if (crossCompiler.empty()) {
    JitKernel jit(*kernel, target);
    ASSERT_EQ(jit.error(), "") << name;
    got = jit.run(args, batch);
    ASSERT_EQ(got.size(), expected.value.size()) << name << ": " << jit.error();
  } else {
    std::string log;
    got = testing_util::runAot(*kernel, target, args, batch, crossCompiler,
                               launcher, log);
    ASSERT_EQ(got.size(), expected.value.size()) << name << ": " << log;
  }
  for (size_t i = 0; i < got.size(); ++i) {
    const ref::Tensor<float> &want = expected.value[i].getTensor();
    ASSERT_EQ(static_cast<int64_t>(got[i].data.size()), want.size())
        << name << " result " << i;
    EXPECT_LT(scaledError(got[i], want), tuning::kMaxRelativeError)
        << name << " result " << i << " on " << target.to_string()
        << " with '" << chosen.toString() << "' at batch " << batch;
  }
}

mlir::OwningOpRef<mlir::ModuleOp> parseFile(mlir::MLIRContext &context,
                                            const std::string &path) {
  interp::registerInterpreterDialects(context);
  return mlir::parseSourceFile<mlir::ModuleOp>(path, &context);
}

const char *kTargets[] = {
    "x86-64-linux-avx-avx2-f16c-fma-sse41",
    "x86-64-linux-avx-avx2-avx512-avx512_skylake-f16c-fma-sse41"};

// Tests every op's kernel against the interpreter on AVX2 and AVX-512, under
// the heuristic schedule and a second one with other tiles, at batch 3 and 1.
TEST(CodegenVsInterpreter, EveryOp) {
  mlir::MLIRContext context;
  mlir::OwningOpRef<mlir::ModuleOp> module =
      parseFile(context, KILN_SOURCE_DIR "/test/unit/Inputs/codegen-ops.mlir");
  ASSERT_TRUE(module);
  interp::Interpreter interpreter(*module);
  ASSERT_EQ(interpreter.error(), "");
  for (mlir::func::FuncOp func : module->getOps<mlir::func::FuncOp>())
    for (const char *target : kTargets) {
      checkFunction(interpreter, func, Halide::Target(target), "", 3);
      checkFunction(interpreter, func, Halide::Target(target),
                    "v8 t1x3 u2 nostage rf2 pb gpu32x4", 1);
    }
}

// Tests the schedule shapes the heuristic picks only for large layers on
// small ones: a dense reduction summed in blocks (37 steps in blocks of 16
// and 8, the last block partial) and weight gradients without a batch split
// (rf0), at a batch that fills a tile and one that does not.
TEST(CodegenVsInterpreter, BlockedDenseAndUnsplitGradients) {
  mlir::MLIRContext context;
  mlir::OwningOpRef<mlir::ModuleOp> module =
      parseFile(context, KILN_SOURCE_DIR "/test/unit/Inputs/codegen-ops.mlir");
  ASSERT_TRUE(module);
  interp::Interpreter interpreter(*module);
  ASSERT_EQ(interpreter.error(), "");
  for (const char *name : {"dense_bias_gelu", "dense_grads", "conv2d_grads",
                           "conv1d_grads"}) {
    auto func = module->lookupSymbol<mlir::func::FuncOp>(name);
    ASSERT_TRUE(func) << name;
    for (const char *target : kTargets)
      for (const char *schedule : {"v8 t2x3 u1 stage rf0 pr kb16 gpu32x4",
                                   "v0 t1x7 u1 nostage rf0 pr kb8 gpu32x4"})
        for (int64_t batch : {9, 2})
          checkFunction(interpreter, func, Halide::Target(target), schedule,
                        batch);
  }
}

// Tests that Mullapudi2016 schedules the dropout kernel (its 64-bit Philox
// arithmetic once tripped Halide's bounds analysis) and that the mask bits
// still match the interpreter's. Autoscheduled kernels assume at least the
// estimated batch, so it runs at that batch.
TEST(CodegenVsInterpreter, DropoutUnderMullapudi2016) {
  mlir::MLIRContext context;
  mlir::OwningOpRef<mlir::ModuleOp> module =
      parseFile(context, KILN_SOURCE_DIR "/test/unit/Inputs/codegen-ops.mlir");
  ASSERT_TRUE(module);
  interp::Interpreter interpreter(*module);
  ASSERT_EQ(interpreter.error(), "");
  auto func = module->lookupSymbol<mlir::func::FuncOp>("dropout");
  ASSERT_TRUE(func);
  for (const char *target : kTargets)
    checkFunction(interpreter, func, Halide::Target(target),
                  "auto:Mullapudi2016", kBatchEstimate);
}

/// Runs the train-step and inference passes on `path` and returns a module
/// with one function per kiln.kernel (its body, arguments and results).
mlir::OwningOpRef<mlir::ModuleOp> kernelsOf(mlir::MLIRContext &context,
                                            const std::string &path) {
  mlir::OwningOpRef<mlir::ModuleOp> model = parseFile(context, path);
  if (!model)
    return {};
  mlir::PassManager pm(&context);
  pm.addPass(createKilnBuildTrainStep());
  pm.addPass(createKilnPrepareInference());
  pm.addPass(createKilnFuse());
  if (mlir::failed(pm.run(*model)))
    return {};
  mlir::OpBuilder builder(&context);
  mlir::OwningOpRef<mlir::ModuleOp> kernels =
      mlir::ModuleOp::create(builder.getUnknownLoc());
  int index = 0;
  model->walk([&](KernelOp op) {
    std::string name = "kernel" + std::to_string(index++);
    if (auto label = op.getNameAttr())
      name += "_" + label.str();
    tuning::outlineKernel(op.getBody().front(), *kernels, name);
  });
  return kernels;
}

/// Where a network's kernels run: JIT-compiled for AVX2 and AVX-512 in this
/// process, or compiled ahead of time for arm-64 (run under qemu) or OpenCL
/// (run on PoCL) in a process of their own.
enum class Where { Jit, Arm64, OpenCl };

/// Compares every kernel of a network's train step and inference function.
void checkNetwork(const std::string &path, int64_t batch, Where where) {
  mlir::MLIRContext context;
  mlir::OwningOpRef<mlir::ModuleOp> kernels = kernelsOf(context, path);
  ASSERT_TRUE(kernels) << path;
  interp::Interpreter interpreter(*kernels);
  ASSERT_EQ(interpreter.error(), "");
  Halide::Target target;
  std::string error;
  if (where != Where::Jit)
    ASSERT_TRUE(parseTarget(where == Where::Arm64 ? "arm64" : "x86-opencl",
                            target, error));
  int count = 0;
  for (mlir::func::FuncOp func : kernels->getOps<mlir::func::FuncOp>()) {
    if (where == Where::Jit)
      for (const char *name : kTargets)
        checkFunction(interpreter, func, Halide::Target(name), "", batch);
    else if (where == Where::Arm64)
      checkFunction(interpreter, func, target, "", batch,
                    "aarch64-linux-gnu-g++ -static",
                    "qemu-aarch64 -L /usr/aarch64-linux-gnu");
    else
      checkFunction(interpreter, func, target, "", batch, "c++", "");
    ++count;
  }
  EXPECT_GT(count, 10) << path;
}

const char *kReport000 =
    KILN_SOURCE_DIR "/test/Dialect/Kiln/Transforms/Inputs/report000.mlir";
const char *kReport004Model4 = KILN_SOURCE_DIR
    "/test/Dialect/Kiln/Transforms/Inputs/report004_model4.mlir";

// Tests every kernel of report 000's train step and inference function.
TEST(CodegenVsInterpreter, Report000Kernels) {
  checkNetwork(kReport000, 5, Where::Jit);
}

// Tests the same kernels compiled for arm-64 and run under qemu.
TEST(CodegenVsInterpreter, Report000KernelsArm64) {
  checkNetwork(kReport000, 5, Where::Arm64);
}

// Tests the same kernels' GPU schedules run through OpenCL on PoCL.
TEST(CodegenVsInterpreter, Report000KernelsOpenCl) {
  checkNetwork(kReport000, 5, Where::OpenCl);
}

// Tests every kernel of report 004 Model 4's train step and inference
// function (BatchNorm, dropout, L2, 'same' padding).
TEST(CodegenVsInterpreter, Report004Model4Kernels) {
  checkNetwork(kReport004Model4, 3, Where::Jit);
}

/// The kernels of a model file built as kilnc builds them, each outlined into
/// a function of `kernels`; `inference` names those of @infer.
struct ModelKernels {
  mlir::OwningOpRef<mlir::ModuleOp> kernels;
  std::set<std::string> inference;
};

/// Runs the frontend, MLIRGen and the kernel passes kilnc -o runs on the
/// model file `path`; failures are reported through gtest.
void buildModelKernels(mlir::MLIRContext &context, const std::string &path,
                       ModelKernels &out) {
  frontend::SourceManager sources;
  std::string error;
  uint32_t file = sources.addFile(path, error);
  ASSERT_NE(file, 0u) << path << ": " << error;
  frontend::DiagnosticEngine diags(sources, &std::cerr);
  frontend::Network net;
  ASSERT_TRUE(frontend::compileBuffer(sources, file, diags, net)) << path;
  interp::registerInterpreterDialects(context);
  mlir::OwningOpRef<mlir::ModuleOp> model = mlirGen(context, net, sources);
  ASSERT_TRUE(model) << path;
  mlir::PassManager pm(&context);
  driver::addKernelPasses(pm, 0);
  ASSERT_TRUE(mlir::succeeded(pm.run(*model))) << path;
  mlir::OpBuilder builder(&context);
  out.kernels = mlir::ModuleOp::create(builder.getUnknownLoc());
  int index = 0;
  for (mlir::func::FuncOp func : model->getOps<mlir::func::FuncOp>())
    func.walk([&](KernelOp op) {
      std::string name =
          func.getSymName().str() + "_kernel" + std::to_string(index++);
      if (auto label = op.getNameAttr())
        name += "_" + label.str();
      tuning::outlineKernel(op.getBody().front(), *out.kernels, name);
      if (func.getSymName() == "infer")
        out.inference.insert(name);
    });
}

/// The model files the ModelKernels cases check: every models/*.kiln but
/// the two already checked above (report 000, report 004 Model 4) and
/// report 004's ResNet-50 and VGG-16, whose kernels take minutes to compile
/// and interpret, too slow for CI on two cores.
std::vector<std::string> modelsToCheck() {
  const std::set<std::string> skipped = {
      "report000", "report004-model4", "report004-resnet50", "report004-vgg16"};
  std::vector<std::string> names;
  for (const auto &entry :
       std::filesystem::directory_iterator(KILN_SOURCE_DIR "/models"))
    if (entry.path().extension() == ".kiln" &&
        !skipped.count(entry.path().stem().string()))
      names.push_back(entry.path().stem().string());
  std::sort(names.begin(), names.end());
  return names;
}

/// One case per model file (so CTest lists each model on its own).
class ModelKernelsTest : public ::testing::TestWithParam<std::string> {};

// Tests every kernel of a model's train step and inference function, built
// as kilnc builds them, on AVX-512 under the heuristic schedule at batch 2,
// and the inference kernels at batch 1 too. A kernel the same as one already
// checked (same structure, same batch) is checked once.
TEST_P(ModelKernelsTest, MatchInterpreter) {
  mlir::MLIRContext context;
  ModelKernels model;
  buildModelKernels(context, KILN_SOURCE_DIR "/models/" + GetParam() + ".kiln",
                    model);
  ASSERT_TRUE(model.kernels);
  interp::Interpreter interpreter(*model.kernels);
  ASSERT_EQ(interpreter.error(), "");
  Halide::Target target(kTargets[1]);
  std::set<std::string> checked;
  for (mlir::func::FuncOp func : model.kernels->getOps<mlir::func::FuncOp>()) {
    std::string signature = tuning::kernelSignature(func.getBody().front());
    std::vector<int64_t> batches = {2};
    if (model.inference.count(func.getSymName().str()))
      batches.push_back(1);
    for (int64_t batch : batches)
      if (checked.insert(signature + "@" + std::to_string(batch)).second)
        checkFunction(interpreter, func, target, "", batch);
  }
  // Every model has a forward pass, a loss, gradients and an update.
  EXPECT_FALSE(model.inference.empty()) << GetParam();
  EXPECT_GT(checked.size(), 8u) << GetParam();
  RecordProperty("kernel_runs", static_cast<int>(checked.size()));
}

INSTANTIATE_TEST_SUITE_P(CodegenVsInterpreter, ModelKernelsTest,
                         ::testing::ValuesIn(modelsToCheck()),
                         [](const ::testing::TestParamInfo<std::string> &info) {
                           std::string name = info.param;
                           std::replace(name.begin(), name.end(), '-', '_');
                           return name;
                         });

} // namespace

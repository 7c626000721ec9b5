//===- CodegenVsInterpreterTest.cpp - Kernels against the interpreter -----===//
//
// Every kernel Kiln compiles is checked against the reference interpreter on
// the same random inputs: each function of Inputs/codegen-ops.mlir (every op
// the codegen lowers), and every kiln.kernel of the train step and inference
// function of every model in models/, built as kilnc builds them: each
// distinct kernel signature once, in the case of the first model file (by
// name) that has it. Model kernels are checked on AVX2 and AVX-512
// (JIT, in this process), on arm-64 under qemu and with their GPU schedules
// through OpenCL on PoCL (all of a model's kernels linked into one
// executable, run in one process of its own), and for CUDA their PTX is
// assembled by ptxas for sm_80 and sm_90. Agreement is measured as
// max |halide - reference| / max |reference| over each result (float sums in
// another order differ at that scale).
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

#include <gtest/gtest.h>

#include "AotTestUtil.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <map>
#include <optional>
#include <set>
#include <tuple>
#include <unistd.h>

using namespace kiln;
using namespace kiln::codegen;

namespace {

using Value = interp::RuntimeValue<float>;
using tuning::distributionsFor;
using tuning::scaledError;
using tuning::toInterpreter;

/// The random arguments `func` (an outlined kernel) is checked on at
/// `batch`: the same for every target, so they can be drawn again.
std::vector<JitArg> argsFor(mlir::func::FuncOp func, int64_t batch) {
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
  return args;
}

/// Compares `got`, the results of a compiled `func` on `args`, with the
/// interpreter's; `where` (target, schedule, batch, log) goes into failure
/// messages, which are reported through gtest.
void expectMatches(const interp::Interpreter &interpreter,
                   mlir::func::FuncOp func, const std::vector<JitArg> &args,
                   const std::vector<HostTensor> &got,
                   const std::string &where) {
  std::string name = func.getSymName().str();
  ref::Result<std::vector<Value>> expected =
      interpreter.run<float>(name, toInterpreter(args, func.getBody().front()));
  ASSERT_TRUE(expected.ok()) << name << ": " << expected.error;
  ASSERT_EQ(got.size(), expected.value.size()) << name << " " << where;
  for (size_t i = 0; i < got.size(); ++i) {
    const ref::Tensor<float> &want = expected.value[i].getTensor();
    ASSERT_EQ(static_cast<int64_t>(got[i].data.size()), want.size())
        << name << " result " << i << " " << where;
    EXPECT_LT(scaledError(got[i], want), tuning::kMaxRelativeError)
        << name << " result " << i << " " << where;
  }
}

/// Lowers `func` and applies `schedule` (empty: the heuristic's for
/// `target`; an autoscheduler's estimates of the batch are `estimate`);
/// failures are reported through gtest and leave `kernel` empty. `chosen` gets
/// the schedule's text.
void lowerAndSchedule(mlir::func::FuncOp func, const Halide::Target &target,
                      const std::string &schedule,
                      std::optional<HalideKernel> &kernel, std::string &chosen,
                      int estimate = kBatchEstimate) {
  std::string name = func.getSymName().str();
  mlir::FailureOr<HalideKernel> lowered =
      lowerToHalide(func.getBody().front(), "k");
  ASSERT_TRUE(mlir::succeeded(lowered)) << name;
  Schedule applied = heuristicSchedule(*lowered, target);
  std::string error;
  if (!schedule.empty())
    applied = *Schedule::parse(schedule, error);
  if (!applied.autoscheduler.empty())
    lowered = lowerToHalide(func.getBody().front(), "k", loweringFor(true));
  ASSERT_TRUE(mlir::succeeded(lowered)) << name;
  chosen = applied.toString();
  ASSERT_EQ(applySchedule(*lowered, applied, target, estimate), "") << name;
  kernel.emplace(std::move(*lowered));
}

/// Compiles `func` (an outlined kernel) for `target` under `schedule`
/// (empty: the heuristic), runs it at `batch` through the JIT and compares
/// each result with the interpreter's.
void checkFunction(const interp::Interpreter &interpreter,
                   mlir::func::FuncOp func, const Halide::Target &target,
                   const std::string &schedule, int64_t batch) {
  std::optional<HalideKernel> kernel;
  std::string chosen;
  // An autoscheduler's estimate of the batch is the batch it runs at.
  lowerAndSchedule(func, target, schedule, kernel, chosen,
                   static_cast<int>(batch));
  if (!kernel)
    return;
  JitKernel jit(*kernel, target);
  ASSERT_EQ(jit.error(), "") << func.getSymName().str();
  std::vector<JitArg> args = argsFor(func, batch);
  std::vector<HostTensor> got = jit.run(args, batch);
  expectMatches(interpreter, func, args, got,
                "on " + target.to_string() + " with '" + chosen +
                    "' at batch " + std::to_string(batch) + ": " + jit.error());
}

/// Parses the MLIR file `path` with the dialects the interpreter runs.
mlir::OwningOpRef<mlir::ModuleOp> parseFile(mlir::MLIRContext &context,
                                            const std::string &path) {
  interp::registerInterpreterDialects(context);
  return mlir::parseSourceFile<mlir::ModuleOp>(path, &context);
}

/// The x86 targets the op-level cases check, as Halide target strings.
const char *kTargets[] = {
    "x86-64-linux-avx-avx2-f16c-fma-sse41",
    "x86-64-linux-avx-avx2-avx512-avx512_skylake-f16c-fma-sse41"};

/// kTargets that this CPU runs (a CPU without AVX-512 runs only the first).
std::vector<Halide::Target> runnableTargets() {
  std::vector<Halide::Target> targets;
  for (const char *name : kTargets)
    if (runsOnHost(Halide::Target(name)))
      targets.emplace_back(name);
  return targets;
}

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
    for (const Halide::Target &target : runnableTargets()) {
      checkFunction(interpreter, func, target, "", 3);
      checkFunction(interpreter, func, target,
                    "v8 t1x3 u2 nostage rf2 pb gpu32x4", 1);
    }
}

/// Checks the functions `names` of codegen-ops.mlir on both x86 targets,
/// under each of `schedules` ("": the heuristic's) at each of `batches`.
void checkOps(std::initializer_list<const char *> names,
              std::initializer_list<const char *> schedules,
              std::initializer_list<int64_t> batches) {
  mlir::MLIRContext context;
  mlir::OwningOpRef<mlir::ModuleOp> module =
      parseFile(context, KILN_SOURCE_DIR "/test/unit/Inputs/codegen-ops.mlir");
  ASSERT_TRUE(module);
  interp::Interpreter interpreter(*module);
  ASSERT_EQ(interpreter.error(), "");
  for (const char *name : names) {
    auto func = module->lookupSymbol<mlir::func::FuncOp>(name);
    ASSERT_TRUE(func) << name;
    for (const Halide::Target &target : runnableTargets())
      for (const char *schedule : schedules)
        for (int64_t batch : batches)
          checkFunction(interpreter, func, target, schedule, batch);
  }
}

// Tests the schedule shapes the heuristic picks only for large layers on
// small ones: a dense reduction summed in blocks (37 steps in blocks of 16
// and 8, the last block partial) and weight gradients without a batch split
// (rf0), at a batch that fills a tile and one that does not (a dense layer
// then sums in one pass, not in blocks).
TEST(CodegenVsInterpreter, BlockedDenseAndUnsplitGradients) {
  checkOps({"dense_bias_gelu", "dense_grads", "conv2d_grads", "conv1d_grads"},
           {"v8 t2x3 u1 stage rf0 pr kb16 gpu32x4",
            "v0 t1x7 u1 nostage rf0 pr kb8 gpu32x4"},
           {9, 2});
}

// Tests convolutions on maps narrower than the register tile (1 and 2
// columns), whose heuristic schedule tiles images instead: at batch 9 (a
// full tile and one shifted inwards, 7 images on AVX-512 and 5 on AVX2)
// and at batch 3 and 1, which fall back to column tiles.
TEST(CodegenVsInterpreter, NarrowMapsTileImages) {
  checkOps(
      {"narrow_conv", "narrow_strided_conv", "narrow_conv_grads", "dead_taps"},
      {""}, {9, 3, 1});
}

// Tests convolutions in Winograd tiles whose register tiles hold several
// images: wider than pairs (2 images for F(5,2)'s 12 sums a row, 4 for
// F(4,2)'s 5 with AVX-512), and pairs in tiles of one pair (4 images, 2
// with AVX2). At batch 9 (full tiles and one shifted inwards), 3 and 1
// (fewer images than a tile, where pairs widen their tile), under the
// heuristic's tiles and others: F(5,2) in 4 tiles for 2 a row, the pooled
// tile guarded past the row's end.
TEST(CodegenVsInterpreter, WinogradTilesOfImages) {
  checkOps({"conv_winograd"}, {"", "v8 t1x3 u2 nostage rf2 pb gpu32x4"},
           {9, 3, 1});
  checkOps({"conv_pairs"}, {"v0 t2x1 u1 stage rf4 pr gpu32x4"}, {9, 3, 1});
}

// Tests that Mullapudi2016 schedules the dropout kernel (its 64-bit Philox
// arithmetic once tripped Halide's bounds analysis) and that the mask bits
// still match the interpreter's. Autoscheduled kernels assume at least the
// estimated batch, so it runs at that batch.
TEST(CodegenVsInterpreter, DropoutUnderMullapudi2016) {
  checkOps({"dropout"}, {"auto:Mullapudi2016"}, {kBatchEstimate});
}

// Tests that a convolution Kiln's schedules compute in output pairs is given
// to Adams2019 in its direct form: for a batch of 256, Adams2019 split the
// pair form's 236 channels by more than 236, and the kernel failed reading
// its bias before the start.
TEST(CodegenVsInterpreter, ConvPairsUnderAdams2019) {
  checkOps({"conv_pairs_wide"}, {"auto:Adams2019"}, {256});
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

/// Where a model's kernels are checked: JIT-compiled for AVX2 or AVX-512
/// in this process; compiled ahead of time for arm-64 (run under qemu) or
/// OpenCL (GPU schedules, run on PoCL), all of a model's kernels in one
/// executable; or compiled for CUDA with their PTX assembled by ptxas.
enum class Where { Avx2, Avx512, Arm64, OpenCl, CudaPtx };

/// The target name (parseTarget) of each Where.
const char *targetName(Where where) {
  switch (where) {
  case Where::Avx2:
    return "x86-avx2";
  case Where::Avx512:
    return "x86-avx512";
  case Where::Arm64:
    return "arm64";
  case Where::OpenCl:
    return "x86-opencl";
  case Where::CudaPtx:
    return "x86-cuda";
  }
  return "";
}

/// Prints a Where as its target name (in gtest's case descriptions).
void PrintTo(Where where, std::ostream *os) { *os << targetName(where); }

/// A distinct kernel of a model (the first of its signature) and the
/// batches it is run at.
struct DistinctKernel {
  mlir::func::FuncOp func;
  std::vector<int64_t> batches;
};

/// The batches each kernel signature of `model` is run at: 2, and 1 too for
/// the kernels of the inference function.
std::map<std::string, std::set<int64_t>> signatureBatches(ModelKernels &model) {
  std::map<std::string, std::set<int64_t>> batches;
  for (mlir::func::FuncOp func : model.kernels->getOps<mlir::func::FuncOp>()) {
    std::set<int64_t> &of =
        batches[tuning::kernelSignature(func.getBody().front())];
    of.insert(2);
    if (model.inference.count(func.getSymName().str()))
      of.insert(1);
  }
  return batches;
}

/// The kernels of `model` a case checks: one per signature (kernels the
/// same in structure compile to the same code), with its batches, but for
/// those `earlier` (the case of another model file) already runs at the
/// same batches.
std::vector<DistinctKernel>
distinctKernels(ModelKernels &model,
                const std::map<std::string, std::set<int64_t>> &earlier) {
  std::map<std::string, std::set<int64_t>> batches = signatureBatches(model);
  std::vector<DistinctKernel> distinct;
  for (mlir::func::FuncOp func : model.kernels->getOps<mlir::func::FuncOp>()) {
    auto it = batches.find(tuning::kernelSignature(func.getBody().front()));
    if (it == batches.end())
      continue;
    auto seen = earlier.find(it->first);
    if (seen == earlier.end() ||
        !std::includes(seen->second.begin(), seen->second.end(),
                       it->second.begin(), it->second.end()))
      distinct.push_back(
          {func, std::vector<int64_t>(it->second.rbegin(), it->second.rend())});
    batches.erase(it);
  }
  return distinct;
}

/// Runs every kernel in `distinct` at its batches through the JIT for
/// `target` and compares the results with the interpreter's.
void checkJit(const interp::Interpreter &interpreter,
              const std::vector<DistinctKernel> &distinct,
              const Halide::Target &target) {
  for (const DistinctKernel &k : distinct) {
    mlir::func::FuncOp func = k.func;
    std::optional<HalideKernel> kernel;
    std::string chosen;
    lowerAndSchedule(func, target, "", kernel, chosen);
    if (!kernel)
      continue;
    JitKernel jit(*kernel, target);
    EXPECT_EQ(jit.error(), "") << func.getSymName().str();
    if (!jit.error().empty())
      continue;
    for (int64_t batch : k.batches) {
      std::vector<JitArg> args = argsFor(func, batch);
      std::vector<HostTensor> got = jit.run(args, batch);
      expectMatches(interpreter, func, args, got,
                    "on " + target.to_string() + " with '" + chosen +
                        "' at batch " + std::to_string(batch) + ": " +
                        jit.error());
    }
  }
}

/// Compiles every kernel in `distinct` ahead of time for `target` into one
/// executable, linked with `cxx` and run once under `launcher`, and compares
/// each run's results with the interpreter's.
void checkAot(const interp::Interpreter &interpreter,
              const std::vector<DistinctKernel> &distinct,
              const Halide::Target &target, const std::string &cxx,
              const std::string &launcher) {
  if (distinct.empty())
    return; // Nothing to link: every kernel is another model file's.
  testing_util::AotProgram program(target, cxx, launcher);
  // Each run: the kernel function, its schedule and batch.
  struct Run {
    mlir::func::FuncOp func;
    std::string schedule;
    int64_t batch;
  };
  std::vector<Run> runs;
  for (const DistinctKernel &k : distinct) {
    mlir::func::FuncOp func = k.func;
    std::optional<HalideKernel> kernel;
    std::string chosen, log;
    lowerAndSchedule(func, target, "", kernel, chosen);
    if (!kernel)
      continue;
    int index = program.addKernel(*kernel, log);
    EXPECT_GE(index, 0) << func.getSymName().str() << ": " << log;
    if (index < 0)
      continue;
    // The arguments are drawn again for the comparison, so that only one
    // run's tensors are held at a time (VGG-16's Adam updates are large).
    for (int64_t batch : k.batches) {
      program.addRun(index, argsFor(func, batch), batch);
      runs.push_back({func, chosen, batch});
    }
  }
  std::string log;
  ASSERT_TRUE(program.runAll(log)) << log;
  for (size_t r = 0; r < runs.size(); ++r)
    expectMatches(
        interpreter, runs[r].func, argsFor(runs[r].func, runs[r].batch),
        program.outputs(static_cast<int>(r)),
        "on " + target.to_string() + " with '" + runs[r].schedule +
            "' at batch " + std::to_string(runs[r].batch) + ": " + log);
}

/// Compiles every kernel in `distinct` for the CUDA `target` and assembles
/// the PTX each object embeds with ptxas for sm_80 and sm_90.
void checkPtx(const std::vector<DistinctKernel> &distinct,
              const Halide::Target &target, const std::string &ptxas) {
  std::string dir =
      ::testing::TempDir() + "/kiln_ptx_" + std::to_string(getpid());
  std::filesystem::create_directories(dir);
  for (const DistinctKernel &k : distinct) {
    mlir::func::FuncOp func = k.func;
    std::string name = func.getSymName().str();
    std::optional<HalideKernel> kernel;
    std::string chosen;
    lowerAndSchedule(func, target, "", kernel, chosen);
    if (!kernel)
      continue;
    std::string object = dir + "/" + name + ".o";
    std::string log = compileKernelObject(*kernel, target, object, "kiln_k");
    EXPECT_EQ(log, "") << name;
    if (!log.empty())
      continue;
    std::string ptx = testing_util::extractPtx(object);
    // Every kernel runs its loops on the GPU, so every object has PTX.
    EXPECT_NE(ptx.find(".entry"), std::string::npos)
        << name << " with '" << chosen << "' has no GPU kernel";
    std::string ptxPath = dir + "/" + name + ".ptx";
    std::ofstream(ptxPath) << ptx;
    for (const char *arch : {"sm_80", "sm_90"}) {
      std::string cmd = ptxas + " --gpu-name " + arch + " " + ptxPath + " -o " +
                        dir + "/" + name + ".cubin 2>" + dir + "/ptxas.log";
      int status = std::system(cmd.c_str());
      std::ifstream errors(dir + "/ptxas.log");
      EXPECT_EQ(status, 0) << name << " with '" << chosen << "' for " << arch
                           << ": "
                           << std::string(
                                  std::istreambuf_iterator<char>(errors), {});
    }
  }
  std::filesystem::remove_all(dir);
}

/// Every models/*.kiln file, by stem.
std::vector<std::string> modelFiles() {
  std::vector<std::string> names;
  for (const auto &entry :
       std::filesystem::directory_iterator(KILN_SOURCE_DIR "/models"))
    if (entry.path().extension() == ".kiln")
      names.push_back(entry.path().stem().string());
  std::sort(names.begin(), names.end());
  return names;
}

/// One case per model file and target (so CTest runs them apart and a
/// failure names both).
class ModelKernelsTest
    : public ::testing::TestWithParam<std::tuple<std::string, Where>> {};

// Tests every kernel of a model's train step and inference function, built
// as kilnc builds them, under the heuristic schedule of one target: run at
// batch 2 (the inference kernels at batch 1 too) against the interpreter, or
// for CUDA, assembled by ptxas. A kernel the same as one already checked
// (same signature, here or in an earlier model file) is checked once.
TEST_P(ModelKernelsTest, MatchInterpreter) {
  const auto &[name, where] = GetParam();
  const char *ptxas = "/usr/local/cuda/bin/ptxas";
  if (where == Where::CudaPtx && access(ptxas, X_OK) != 0)
    GTEST_SKIP() << "no CUDA toolkit at /usr/local/cuda";
  Halide::Target target;
  std::string error;
  ASSERT_TRUE(parseTarget(targetName(where), target, error)) << error;
  if ((where == Where::Avx2 || where == Where::Avx512) && !runsOnHost(target))
    GTEST_SKIP() << "this CPU cannot run " << target.to_string();
  mlir::MLIRContext context;
  ModelKernels model;
  buildModelKernels(context, KILN_SOURCE_DIR "/models/" + name + ".kiln",
                    model);
  ASSERT_TRUE(model.kernels);
  // Every model has a forward pass, a loss, gradients and an update.
  EXPECT_FALSE(model.inference.empty()) << name;
  std::map<std::string, std::set<int64_t>> own = signatureBatches(model);
  EXPECT_GT(own.size(), 8u) << name;
  // A kernel some model file earlier in name order has too is checked in
  // that model's case (the report 003 'augmented' files only change the
  // data; report 002's models share layers): every kernel is still checked
  // on every target, and each model file's case stays apart.
  std::map<std::string, std::set<int64_t>> earlier;
  for (const std::string &other : modelFiles()) {
    if (other >= name)
      break;
    ModelKernels before;
    buildModelKernels(context, KILN_SOURCE_DIR "/models/" + other + ".kiln",
                      before);
    ASSERT_TRUE(before.kernels) << other;
    for (auto &[signature, batches] : signatureBatches(before))
      earlier[signature].insert(batches.begin(), batches.end());
  }
  std::vector<DistinctKernel> distinct = distinctKernels(model, earlier);
  RecordProperty("distinct_kernels", static_cast<int>(own.size()));
  RecordProperty("checked_here", static_cast<int>(distinct.size()));
  std::cout << name << ": " << own.size() << " distinct kernels, "
            << distinct.size() << " not in an earlier model file\n";
  if (where == Where::CudaPtx)
    return checkPtx(distinct, target, ptxas);
  interp::Interpreter interpreter(*model.kernels);
  ASSERT_EQ(interpreter.error(), "");
  if (where == Where::Arm64)
    checkAot(interpreter, distinct, target, "aarch64-linux-gnu-g++ -static",
             "qemu-aarch64 -L /usr/aarch64-linux-gnu");
  else if (where == Where::OpenCl)
    checkAot(interpreter, distinct, target, "c++", "");
  else
    checkJit(interpreter, distinct, target);
}

/// A case's name: the model (with '_' for '-') and the target.
std::string
caseName(const ::testing::TestParamInfo<std::tuple<std::string, Where>> &info) {
  static const char *suffix[] = {"Avx2", "Avx512", "Arm64", "OpenCl",
                                 "CudaPtx"};
  std::string name = std::get<0>(info.param);
  std::replace(name.begin(), name.end(), '-', '_');
  return name + "_" + suffix[static_cast<int>(std::get<1>(info.param))];
}

INSTANTIATE_TEST_SUITE_P(
    CodegenVsInterpreter, ModelKernelsTest,
    ::testing::Combine(::testing::ValuesIn(modelFiles()),
                       ::testing::Values(Where::Avx2, Where::Avx512,
                                         Where::Arm64, Where::OpenCl,
                                         Where::CudaPtx)),
    caseName);

} // namespace

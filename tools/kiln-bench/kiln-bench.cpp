//===- kiln-bench.cpp - Time every kernel of a kiln module ----------------===//
//
// Compiles each kernel of a module (every kiln.kernel op, or every function
// when there are none) with a schedule, times it on random inputs at a given
// batch, and prints a table: time, GFLOP/s and the fraction of this
// machine's FP32 peak, measured by an FMA microbenchmark in the same run.
// Kernels are named function/kernel. With --json the same figures come as
// one JSON document (tools/bench/compare reads it to say how much of the
// peak a whole train step reaches). A benchmark, not a test: it prints
// figures and never fails on them.
//
//===----------------------------------------------------------------------===//

#include "kiln/Codegen/Aot.h"
#include "kiln/Codegen/Flops.h"
#include "kiln/Codegen/HalideLowering.h"
#include "kiln/Codegen/JitRunner.h"
#include "kiln/Codegen/Peak.h"
#include "kiln/Codegen/ScheduleApply.h"
#include "kiln/IR/KilnDialect.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/raw_ostream.h"

using namespace kiln;
using namespace kiln::codegen;
using namespace llvm;

namespace {

/// The options --help lists; LLVM's own codegen flags stay hidden.
cl::OptionCategory category("kiln-bench options");

cl::opt<std::string> inputFile(cl::Positional, cl::desc("<module.mlir>"),
                               cl::Required, cl::cat(category));
cl::opt<std::string> targetName(
    "target",
    cl::desc("host (default), a Kiln target name or a Halide target string"),
    cl::init("host"), cl::cat(category));
cl::opt<int> batch("batch", cl::desc("Batch extent"), cl::init(128),
                   cl::cat(category));
cl::opt<std::string>
    scheduleText("schedule",
                 cl::desc("heuristic, Adams2019, Mullapudi2016, Li2018 or a "
                          "schedule's text form"),
                 cl::init("heuristic"), cl::cat(category));
cl::opt<int> iterations("iterations", cl::desc("Timed runs per kernel"),
                        cl::init(5), cl::cat(category));
cl::opt<bool> printStmt("print-stmt",
                        cl::desc("Print each kernel's lowered Halide "
                                 "statement before timing it"),
                        cl::init(false), cl::cat(category));
cl::opt<bool> emitJson("json",
                       cl::desc("Print the figures as one JSON document (peak, "
                                "and each kernel's function, name, time and "
                                "FLOPs)"),
                       cl::init(false), cl::cat(category));
cl::opt<bool> flopsOnly(
    "flops-only",
    cl::desc("Count each kernel's FLOPs without compiling or timing it (with "
             "a module from kilnc --no-trim-extents: the layers' own work)"),
    cl::init(false), cl::cat(category));
cl::opt<std::string> only("only",
                          cl::desc("Time only kernels whose name "
                                   "contains this"),
                          cl::init(""), cl::cat(category));

/// One kernel to time: its body, display name (function/kernel) and the
/// schedule the module gives it, if any.
struct Bench {
  mlir::Block *body;
  std::string name;
  std::string schedule;
};

} // namespace

int main(int argc, char **argv) {
  InitLLVM init(argc, argv);
  cl::HideUnrelatedOptions(category);
  cl::ParseCommandLineOptions(argc, argv, "Kiln kernel benchmark\n");

  mlir::MLIRContext context;
  context.loadDialect<KilnDialect, mlir::func::FuncDialect>();
  mlir::OwningOpRef<mlir::ModuleOp> module =
      mlir::parseSourceFile<mlir::ModuleOp>(inputFile, &context);
  if (!module)
    return 1;
  Halide::Target target;
  std::string error;
  if (!parseTarget(targetName, target, error)) {
    errs() << "kiln-bench: " << error << "\n";
    return 1;
  }

  std::vector<Bench> benches;
  int index = 0;
  module->walk([&](mlir::Operation *op) {
    if (op->getName().getStringRef() != "kiln.kernel")
      return;
    auto name = op->getAttrOfType<mlir::StringAttr>("name");
    auto schedule = op->getAttrOfType<mlir::StringAttr>("schedule");
    std::string function = "?";
    if (auto func = op->getParentOfType<mlir::func::FuncOp>())
      function = func.getSymName().str();
    benches.push_back(
        {&op->getRegion(0).front(),
         function + "/" +
             (name ? name.str() : "kernel" + std::to_string(index)),
         schedule ? schedule.str() : ""});
    ++index;
  });
  if (benches.empty())
    for (mlir::func::FuncOp f : module->getOps<mlir::func::FuncOp>())
      benches.push_back({&f.getBody().front(), f.getSymName().str(), ""});

  double peak = flopsOnly ? 0 : measurePeakGflops(target);
  std::optional<json::OStream> js;
  if (emitJson) {
    js.emplace(outs(), 1);
    js->objectBegin();
    js->attribute("target", target.to_string());
    js->attribute("batch", int64_t(batch));
    if (!flopsOnly)
      js->attribute("peak_gflops", peak);
    js->attributeBegin("kernels");
    js->arrayBegin();
  } else if (flopsOnly) {
    outs() << "batch " << batch << "\n"
           << "kernel                                            FLOPs\n";
  } else {
    outs() << "target " << target.to_string() << ", batch " << batch
           << ", FMA peak " << format("%.1f", peak) << " GFLOP/s\n"
           << "kernel                                           ms    "
              "GFLOP/s     peak  schedule\n";
  }
  double totalTime = 0, totalFlops = 0;
  for (Bench &bench : benches) {
    if (!only.empty() && bench.name.find(only) == std::string::npos)
      continue;
    if (flopsOnly) {
      double flops = flopsOf(*bench.body, batch);
      totalFlops += flops;
      if (js)
        js->object([&] {
          js->attribute("name", bench.name);
          js->attribute("flops", flops);
        });
      else
        outs() << format("%-40s %14.0f\n", bench.name.c_str(), flops);
      continue;
    }
    FailureOr<HalideKernel> kernel = lowerToHalide(*bench.body, "k");
    if (failed(kernel))
      return 1;
    Schedule schedule = heuristicSchedule(*kernel, target);
    if (scheduleText == "Adams2019" || scheduleText == "Mullapudi2016" ||
        scheduleText == "Li2018") {
      schedule = Schedule();
      schedule.autoscheduler = scheduleText;
    } else if (scheduleText != "heuristic") {
      std::optional<Schedule> parsed = Schedule::parse(scheduleText, error);
      if (!parsed) {
        errs() << "kiln-bench: " << error << "\n";
        return 1;
      }
      schedule = *parsed;
    } else if (!bench.schedule.empty()) {
      if (std::optional<Schedule> parsed =
              Schedule::parse(bench.schedule, error))
        schedule = *parsed;
    }
    if (!schedule.autoscheduler.empty()) {
      kernel = lowerToHalide(*bench.body, "k", loweringFor(true));
      if (failed(kernel))
        return 1;
    }
    error = applySchedule(*kernel, schedule, target, batch);
    if (!error.empty()) {
      errs() << "kiln-bench: " << bench.name << ": " << error << "\n";
      return 1;
    }
    if (printStmt)
      outs() << loweredStmt(*kernel, target) << "\n";
    JitKernel jit(*kernel, target);
    double seconds = jit.time(randomArgs(bench.body->getArguments(), batch, 1),
                              batch, iterations);
    if (seconds < 0) {
      errs() << "kiln-bench: " << bench.name << ": " << jit.error() << "\n";
      return 1;
    }
    double flops = flopsOf(*bench.body, batch);
    totalTime += seconds;
    totalFlops += flops;
    double gflops = flops / seconds / 1e9;
    if (js) {
      js->object([&] {
        js->attribute("name", bench.name);
        js->attribute("ms", seconds * 1e3);
        js->attribute("flops", flops);
        js->attribute("schedule", schedule.toString());
      });
      continue;
    }
    outs() << format("%-40s %10.3f %10.1f %7.1f%%  %s\n", bench.name.c_str(),
                     seconds * 1e3, gflops, 100 * gflops / peak,
                     schedule.toString().c_str());
  }
  if (js) {
    js->arrayEnd();
    js->attributeEnd();
    js->objectEnd();
    outs() << "\n";
  } else if (flopsOnly)
    outs() << format("%-40s %14.0f\n", static_cast<const char *>("total"),
                     totalFlops);
  else
    outs() << format("%-40s %10.3f %10.1f %7.1f%%\n",
                     static_cast<const char *>("total"), totalTime * 1e3,
                     totalFlops / totalTime / 1e9,
                     100 * totalFlops / totalTime / 1e9 / peak);
  return 0;
}

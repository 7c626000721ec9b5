//===- kiln-tune.cpp - Measured schedule search for a model's kernels -----===//
//
//   kiln-tune models/NET.kiln --target T [--budget MINUTES] [--seed N]
//             [-o tuning.kdb] [--batch N] [--only NAME] [--pin NAME=SCHEDULE]
//   kiln-tune --show tuning.kdb
//
// Compiles the model as kilnc does up to its fused, planned kernels, then
// searches each kernel's schedule by timing candidates with Halide's JIT on
// this machine (kiln/Tuning/Tuner.h), checks the winners against the
// reference interpreter and merges them into the tuning database that
// `kilnc --tuning-db` reads. The database is rewritten after every kernel,
// so an interrupted run resumes where it stopped.
//
// Exit status: 0 success, 1 an error (bad model, target, database path).
//
//===----------------------------------------------------------------------===//

#include "kiln/Driver/Driver.h"
#include "kiln/Frontend/Sema.h"
#include "kiln/MLIRGen/MLIRGen.h"
#include "kiln/Tuning/Tuner.h"
#include "kiln/Tuning/TuningDb.h"

#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Pass/PassManager.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/raw_ostream.h"

#include <chrono>
#include <iostream>
#include <unistd.h>

using namespace llvm;
using namespace kiln;

namespace {

/// The options --help lists; LLVM's own codegen flags stay hidden.
cl::OptionCategory category("kiln-tune options");

cl::opt<std::string> inputFile(cl::Positional,
                               cl::desc("<model.kiln | database with --show>"),
                               cl::Required, cl::cat(category));
cl::opt<std::string> targetName("target",
                                cl::desc("x86-avx2, x86-avx512, host or a "
                                         "Halide x86 target string (timed on "
                                         "this machine)"),
                                cl::init("host"), cl::cat(category));
cl::opt<double> budget("budget",
                       cl::desc("Minutes of search for the whole model"),
                       cl::init(5), cl::cat(category));
cl::opt<uint64_t> seed("seed", cl::desc("Seed of the search"), cl::init(1),
                       cl::cat(category));
cl::opt<std::string> dbPath("o", cl::desc("Tuning database to merge into"),
                            cl::value_desc("file"), cl::init("tuning.kdb"),
                            cl::cat(category));
cl::opt<int64_t> batch("batch",
                       cl::desc("Batch the kernels are planned and timed at "
                                "(default: the model's batch_size)"),
                       cl::init(0), cl::cat(category));
cl::opt<std::string> only("only",
                          cl::desc("Only kernels whose name (func/kernel) "
                                   "contains this"),
                          cl::init(""), cl::cat(category));
cl::list<std::string>
    pins("pin",
         cl::desc("NAME=SCHEDULE: measure, check and store this schedule for "
                  "kernel NAME (func/kernel or kernel) instead of searching; "
                  "without --only, only pinned kernels are processed"),
         cl::cat(category));
cl::opt<int> adamsBeam("adams-beam",
                       cl::desc("Beam size of the Adams2019 candidate (0: "
                                "its default search, minutes per big kernel)"),
                       cl::init(1), cl::cat(category));
cl::opt<bool> show("show", cl::desc("Print the database given as input"),
                   cl::init(false), cl::cat(category));

/// Prints every entry of the database at `path`.
int showDatabase(const std::string &path) {
  tuning::TuningDb db;
  std::string warning;
  if (!db.load(path, warning)) {
    errs() << "kiln-tune: warning: " << warning << "\n";
    return 1;
  }
  outs() << "tuning database " << path << ": " << db.entries().size()
         << " entries\n";
  for (const auto &[key, e] : db.entries())
    outs() << e.signature << " batch " << e.batch << " " << e.kernel << " "
           << format("%.4f -> %.4f ms, budget %g min, ", e.defaultMs, e.bestMs,
                     e.budgetMinutes)
           << e.candidates << " candidates: \"" << e.schedule << "\" on "
           << e.target << "\n";
  return 0;
}

} // namespace

int main(int argc, char **argv) {
  InitLLVM init(argc, argv);
  cl::HideUnrelatedOptions(category);
  cl::ParseCommandLineOptions(argc, argv,
                              "Kiln schedule tuner: searches each kernel's "
                              "schedule by measurement\n");
  if (show)
    return showDatabase(inputFile);

  tuning::TuneOptions options;
  options.target = targetName;
  options.budgetMinutes = budget;
  options.seed = seed;
  options.dbPath = dbPath;
  options.only = only;
  options.adamsBeam = adamsBeam;
  options.progressInPlace = ::isatty(2);
  for (const std::string &pin : pins) {
    size_t eq = pin.find('=');
    if (eq == std::string::npos || eq == 0) {
      errs() << "kiln-tune: --pin needs NAME=SCHEDULE, got '" << pin << "'\n";
      return 1;
    }
    options.pinned[pin.substr(0, eq)] = pin.substr(eq + 1);
  }
  if (adamsBeam < 0) {
    errs() << "kiln-tune: --adams-beam must not be negative\n";
    return 1;
  }
  if (budget < 0) {
    errs() << "kiln-tune: --budget must not be negative\n";
    return 1;
  }

  // The frontend, MLIRGen and the kernel passes, as kilnc -o runs them.
  frontend::SourceManager sources;
  std::string error;
  uint32_t file = sources.addFile(inputFile, error);
  if (!file) {
    errs() << "kiln-tune: error: " << error << "\n";
    return 1;
  }
  frontend::DiagnosticEngine diags(sources, &std::cerr);
  frontend::Network net;
  if (!frontend::compileBuffer(sources, file, diags, net))
    return 1;
  mlir::MLIRContext context;
  context.printOpOnDiagnostic(false);
  llvm::SourceMgr sourceMgr;
  sourceMgr.AddNewSourceBuffer(
      MemoryBuffer::getMemBufferCopy(
          StringRef(sources.getText(file).data(), sources.getText(file).size()),
          sources.getName(file)),
      SMLoc());
  mlir::SourceMgrDiagnosticHandler handler(sourceMgr, &context, errs());
  mlir::OwningOpRef<mlir::ModuleOp> module = mlirGen(context, net, sources);
  if (!module)
    return 1;
  mlir::PassManager pm(&context);
  driver::addKernelPasses(pm, batch);
  if (mlir::failed(pm.run(*module)))
    return 1;

  auto start = std::chrono::steady_clock::now();
  std::vector<tuning::KernelOutcome> outcomes =
      tuning::tuneModule(*module, options, errs(), error);
  if (!error.empty()) {
    errs() << "kiln-tune: error: " << error << "\n";
    return 1;
  }
  double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
          .count();
  tuning::printSummary(outcomes, outs());
  unsigned candidates = 0;
  for (const tuning::KernelOutcome &o : outcomes)
    candidates += o.candidates;
  outs() << format("tuned in %.1f s, %u candidates, seed %llu; database %s\n",
                   seconds, candidates,
                   static_cast<unsigned long long>(options.seed),
                   options.dbPath.c_str());
  return 0;
}

//===- kiln-build.cpp - Compile a kiln module into executables ------------===//
//
// The driver's entry point for modules written or transformed by hand: reads
// a module holding @forward (the form MLIRGen emits, e.g. from kilnc
// --emit=mlir) and writes DIR/NET-train and DIR/NET-infer as kilnc -o does.
//
//   kiln-build model.mlir -o DIR [--target T] [--batch N] [--schedule S]
//              [--tuning-db FILE] [-j N] [--keep-build-files] [-v]
//
//===----------------------------------------------------------------------===//

#include "kiln/Driver/Driver.h"
#include "kiln/IR/KilnDialect.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Support/FileUtilities.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/raw_ostream.h"

using namespace llvm;

namespace {

/// The options --help lists; LLVM's own codegen flags stay hidden.
cl::OptionCategory category("kiln-build options");

cl::opt<std::string> inputFile(cl::Positional, cl::desc("<model.mlir>"),
                               cl::Required, cl::cat(category));
cl::opt<std::string> outDir("o", cl::desc("Output directory"),
                            cl::value_desc("dir"), cl::init("."),
                            cl::cat(category));
cl::opt<std::string> target("target",
                            cl::desc("x86-avx2, x86-avx512, arm64, x86-cuda, "
                                     "arm64-cuda, x86-opencl, host or a "
                                     "Halide target string"),
                            cl::init("host"), cl::cat(category));
cl::opt<int64_t> batch("batch",
                       cl::desc("Largest batch (default: the model's)"),
                       cl::init(0), cl::cat(category));
cl::opt<std::string> schedule("schedule",
                              cl::desc("heuristic, Adams2019, Mullapudi2016, "
                                       "Li2018 or a schedule's text form"),
                              cl::init("heuristic"), cl::cat(category));
cl::opt<std::string> tuningDb("tuning-db",
                              cl::desc("Take each kernel's schedule from this "
                                       "kiln-tune database where it has one"),
                              cl::value_desc("file"), cl::init(""),
                              cl::cat(category));
cl::opt<unsigned> jobs("j", cl::desc("Kernels compiled at once (0: cores)"),
                       cl::init(0), cl::cat(category));
cl::opt<bool> keep("keep-build-files",
                   cl::desc("Keep DIR/NET.build (objects, sources, plans)"),
                   cl::cat(category));
cl::opt<bool> verbose("v", cl::desc("Print commands and timings"),
                      cl::cat(category));

} // namespace

int main(int argc, char **argv) {
  InitLLVM init(argc, argv);
  cl::HideUnrelatedOptions(category);
  cl::ParseCommandLineOptions(argc, argv,
                              "Compiles a kiln module into NET-train and "
                              "NET-infer\n");
  mlir::MLIRContext context;
  context.loadDialect<kiln::KilnDialect, mlir::func::FuncDialect>();
  llvm::SourceMgr sourceMgr;
  mlir::SourceMgrDiagnosticHandler handler(sourceMgr, &context);
  std::string error;
  auto file = mlir::openInputFile(inputFile, &error);
  if (!file) {
    errs() << "kiln-build: " << error << "\n";
    return 1;
  }
  sourceMgr.AddNewSourceBuffer(std::move(file), SMLoc());
  mlir::OwningOpRef<mlir::ModuleOp> module =
      mlir::parseSourceFile<mlir::ModuleOp>(sourceMgr, &context);
  if (!module)
    return 1;
  kiln::driver::Options options;
  options.outDir = outDir;
  options.target = target;
  options.batch = batch;
  options.schedule = schedule;
  options.tuningDb = tuningDb;
  options.jobs = jobs;
  options.keepBuildFiles = keep;
  options.verbose = verbose;
  return mlir::failed(kiln::driver::compileToExecutables(*module, options)) ? 1
                                                                            : 0;
}

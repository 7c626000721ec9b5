//===- kilnc.cpp - The Kiln compiler driver -------------------------------===//
//
// Reads a .kiln model file and runs the compiler up to the stage asked for:
//
//   frontend   --emit=ast (after parsing), --emit=network, --emit=json,
//              --summary
//   MLIRGen    --emit=mlir        the @forward module
//   passes     --emit=train-mlir  + kiln-trim-extents (unless
//              --no-trim-extents), kiln-build-train-step,
//              kiln-prepare-inference
//              --emit=kernels     + kiln-fuse, kiln-plan-memory,
//              kiln-assign-schedules
//   codegen    --emit=halide-stmt each kernel's lowered Halide statement
//
// Diagnostics of every stage point into the .kiln file (file:line:col), the
// frontend's through its own engine, the MLIR stages' through a source
// manager that holds the model file.
//
// Exit status: 0 success, 1 the model has errors (or a stage failed on it),
// 2 bad command line.
//
//===----------------------------------------------------------------------===//

#include "kiln/Codegen/Aot.h"
#include "kiln/Codegen/HalideLowering.h"
#include "kiln/Codegen/Passes.h"
#include "kiln/Codegen/ScheduleApply.h"
#include "kiln/Driver/Driver.h"
#include "kiln/Frontend/Parser.h"
#include "kiln/Frontend/Sema.h"
#include "kiln/Frontend/Specs.h"
#include "kiln/IR/KilnOps.h"
#include "kiln/MLIRGen/MLIRGen.h"
#include "kiln/Transforms/Passes.h"
#include "kiln/Transforms/Signature.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/OperationSupport.h"
#include "mlir/Pass/PassManager.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/raw_ostream.h"

#include <cstdlib>
#include <iostream>
#include <string>
#include <string_view>

using namespace kiln::frontend;

namespace {

/// The stage the driver stops after and what it prints. Later stages come
/// later in the enum, so `emit >= X` means "runs stage X".
enum class EmitKind {
  /// Check the model and print nothing but diagnostics.
  None,
  /// The syntax tree (stops after parsing).
  Ast,
  /// The resolved network (stops after semantic analysis).
  Network,
  /// The resolved network as JSON (stops after semantic analysis).
  Json,
  /// The @forward module MLIRGen builds.
  Mlir,
  /// The module with @train_step and @infer.
  TrainMlir,
  /// The module with kernels, memory plan and schedules.
  Kernels,
  /// Each kernel's lowered Halide statement for the target.
  HalideStmt,
  // The executables stage (`kilnc NET.kiln -o DIR`) follows HalideStmt:
  // it hands the kernels module to compiler/driver's compileToExecutables.
};

/// The parsed command line.
struct Options {
  std::string input;
  EmitKind emit = EmitKind::None;
  bool summary = false;
  bool reference = false;
  bool printDebugInfo = false;
  unsigned maxErrors = 20;
  std::string target = "host";
  std::string schedule = "heuristic";
  /// 0: kiln.training's batch_size.
  int64_t batch = 0;
  /// --emit=halide-stmt: only kernels whose name contains this.
  std::string kernelFilter;
  /// -o DIR: write DIR/NET-train and DIR/NET-infer.
  std::string outDir;
  /// --tuning-db FILE: measured schedules from kiln-tune.
  std::string tuningDb;
  /// --no-trim-extents clears it.
  bool trimExtents = true;
};

const char *const usage =
    "USAGE: kilnc [options] FILE.kiln\n"
    "\n"
    "Compiles a Kiln model file. Without --emit, checks it.\n"
    "\n"
    "OPTIONS:\n"
    "  --emit=ast          print the syntax tree and stop\n"
    "  --emit=network      print the resolved network: layers with shapes and\n"
    "                      explicit padding, parameters, training and data\n"
    "  --emit=json         ... the same as one JSON document (for tools\n"
    "                      such as tools/bench's PyTorch peer)\n"
    "  --emit=mlir         print the kiln module: @forward in training form\n"
    "  --emit=train-mlir   ... after kiln-trim-extents,\n"
    "                      kiln-build-train-step and\n"
    "                      kiln-prepare-inference (@train_step, @infer)\n"
    "  --emit=kernels      ... after kiln-fuse, kiln-plan-memory and\n"
    "                      kiln-assign-schedules (kernels, arena, schedules)\n"
    "  --emit=halide-stmt  print each kernel's lowered Halide statement\n"
    "  --target=T          host (default: x86-avx512 where the CPU has\n"
    "                      AVX-512, else x86-avx2; arm64 on ARM), x86-avx2,\n"
    "                      x86-avx512, arm64, x86-cuda, arm64-cuda,\n"
    "                      x86-opencl or a Halide target string\n"
    "  --schedule=S        heuristic (default), Adams2019, Mullapudi2016 or\n"
    "                      Li2018\n"
    "  --tuning-db=FILE    take each kernel's schedule from this kiln-tune\n"
    "                      database when it has one (else the heuristic)\n"
    "  -o DIR              compile and link DIR/NET-train and DIR/NET-infer\n"
    "  --batch=N           plan memory and schedules for batches up to N\n"
    "                      (default: the model's batch_size)\n"
    "  --kernel=NAME       with --emit=halide-stmt, only kernels whose name\n"
    "                      contains NAME\n"
    "  --no-trim-extents   compute every element of every layer, also those\n"
    "                      no later layer reads (kiln-trim-extents off)\n"
    "  --mlir-print-debuginfo  print each op's location in the model file\n"
    "  --summary           print a Keras-like summary: layers, output shapes,\n"
    "                      parameter counts, totals and the training set-up\n"
    "  --reference         print every layer, option and setting of the\n"
    "                      language with its type and default, and exit\n"
    "  --max-errors=N      stop after N errors (default 20)\n"
    "  -h, --help          print this help\n";

/// Parses a whole decimal number in [1, max] from `text`.
bool parseCount(std::string_view text, int64_t max, int64_t &out) {
  std::string s(text);
  char *end = nullptr;
  long long n = std::strtoll(s.c_str(), &end, 10);
  if (s.empty() || *end || n < 1 || n > max)
    return false;
  out = n;
  return true;
}

/// Parses argv; on a bad command line prints why and returns false.
bool parseArgs(int argc, char **argv, Options &opts) {
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    auto value = [&](std::string_view prefix, std::string_view &out) {
      if (arg.substr(0, prefix.size()) != prefix)
        return false;
      out = arg.substr(prefix.size());
      return true;
    };
    std::string_view v;
    if (arg == "-h" || arg == "--help") {
      std::cout << usage;
      std::exit(0);
    } else if (arg == "--no-trim-extents") {
      opts.trimExtents = false;
    } else if (value("--emit=", v)) {
      if (v == "ast")
        opts.emit = EmitKind::Ast;
      else if (v == "network")
        opts.emit = EmitKind::Network;
      else if (v == "json")
        opts.emit = EmitKind::Json;
      else if (v == "mlir")
        opts.emit = EmitKind::Mlir;
      else if (v == "train-mlir")
        opts.emit = EmitKind::TrainMlir;
      else if (v == "kernels")
        opts.emit = EmitKind::Kernels;
      else if (v == "halide-stmt")
        opts.emit = EmitKind::HalideStmt;
      else {
        std::cerr << "kilnc: unknown --emit kind '" << v
                  << "' (expected ast, network, json, mlir, train-mlir, "
                     "kernels or halide-stmt)\n";
        return false;
      }
    } else if (value("--target=", v)) {
      // Checked here, so a typo is a usage error before any work is done.
      Halide::Target target;
      std::string error;
      if (!kiln::codegen::parseTarget(std::string(v), target, error)) {
        std::cerr << "kilnc: " << error << "\n";
        return false;
      }
      opts.target = std::string(v);
    } else if (value("--schedule=", v)) {
      if (v != "heuristic" && v != "Adams2019" && v != "Mullapudi2016" &&
          v != "Li2018") {
        std::cerr << "kilnc: unknown --schedule '" << v
                  << "' (expected heuristic, Adams2019, Mullapudi2016 or "
                     "Li2018)\n";
        return false;
      }
      opts.schedule = std::string(v);
    } else if (value("--batch=", v)) {
      if (!parseCount(v, int64_t(1) << 20, opts.batch)) {
        std::cerr << "kilnc: --batch needs a number from 1 to 1048576\n";
        return false;
      }
    } else if (value("--tuning-db=", v)) {
      opts.tuningDb = std::string(v);
    } else if (arg == "--tuning-db") {
      if (i + 1 >= argc) {
        std::cerr << "kilnc: --tuning-db needs a file\n";
        return false;
      }
      opts.tuningDb = argv[++i];
    } else if (value("--kernel=", v)) {
      opts.kernelFilter = std::string(v);
    } else if (arg == "--mlir-print-debuginfo") {
      opts.printDebugInfo = true;
    } else if (arg == "--summary") {
      opts.summary = true;
    } else if (arg == "--reference") {
      opts.reference = true;
    } else if (value("--max-errors=", v)) {
      int64_t n = 0;
      if (!parseCount(v, 10000, n)) {
        std::cerr << "kilnc: --max-errors needs a number from 1 to 10000\n";
        return false;
      }
      opts.maxErrors = static_cast<unsigned>(n);
    } else if (arg == "-o") {
      if (i + 1 >= argc) {
        std::cerr << "kilnc: -o needs a directory\n";
        return false;
      }
      opts.outDir = argv[++i];
    } else if (arg.size() > 1 && arg[0] == '-') {
      std::cerr << "kilnc: unknown option '" << arg << "'\n";
      return false;
    } else if (!opts.input.empty()) {
      std::cerr << "kilnc: more than one input file ('" << opts.input
                << "' and '" << arg << "')\n";
      return false;
    } else {
      opts.input = std::string(arg);
    }
  }
  if (opts.input.empty() && !opts.reference) {
    std::cerr << "kilnc: no input file\n" << usage;
    return false;
  }
  return true;
}

/// Runs the passes from @forward up to the stage `opts.emit` names.
mlir::LogicalResult runPasses(mlir::ModuleOp module, const Options &opts) {
  mlir::PassManager pm(module->getName());
  // The executables' pipeline (kiln/Driver/Driver.h), then the schedules.
  if (opts.emit < EmitKind::Kernels) {
    kiln::driver::addTrainingPasses(pm, opts.trimExtents);
  } else {
    kiln::driver::addKernelPasses(pm, opts.batch, opts.trimExtents);
    kiln::KilnAssignSchedulesOptions schedules;
    schedules.target = opts.target;
    schedules.schedule = opts.schedule;
    schedules.tuningDb = opts.tuningDb;
    pm.addPass(kiln::createKilnAssignSchedules(schedules));
  }
  return pm.run(module);
}

/// Prints the lowered Halide statement of every kernel (whose name contains
/// opts.kernelFilter), each scheduled as its `schedule` attribute says for
/// the batch its function was planned for.
mlir::LogicalResult printHalideStmts(mlir::ModuleOp module,
                                     const Options &opts) {
  using namespace kiln::codegen;
  Halide::Target target;
  std::string error;
  if (!parseTarget(opts.target, target, error))
    return module.emitError() << error;
  for (auto func : module.getOps<mlir::func::FuncOp>()) {
    auto planned = func->getAttrOfType<mlir::IntegerAttr>(kiln::attr::kBatch);
    int batch = planned ? static_cast<int>(planned.getInt()) : kBatchEstimate;
    for (auto kernel : func.getOps<kiln::KernelOp>()) {
      std::string name = kernel.getName().value_or("kernel").str();
      if (name.find(opts.kernelFilter) == std::string::npos)
        continue;
      std::string scheduleText = kernel.getSchedule().value_or("").str();
      std::optional<Schedule> schedule = Schedule::parse(scheduleText, error);
      if (!schedule)
        return kernel.emitError()
               << "bad schedule '" << scheduleText << "': " << error;
      mlir::FailureOr<HalideKernel> lowered =
          lowerToHalide(kernel.getBodyBlock(), name,
                        loweringFor(!schedule->autoscheduler.empty()));
      if (mlir::failed(lowered))
        return mlir::failure();
      error = applySchedule(*lowered, *schedule, target, batch);
      if (!error.empty())
        return kernel.emitError() << error;
      std::string stmt = loweredStmt(*lowered, target);
      if (stmt.rfind("error: ", 0) == 0)
        return kernel.emitError() << stmt.substr(7);
      llvm::outs() << "// kernel " << name << " of @" << func.getSymName()
                   << ", schedule \"" << scheduleText << "\", target "
                   << target.to_string() << "\n"
                   << stmt << "\n";
    }
  }
  return mlir::success();
}

/// Runs MLIRGen and the MLIR stages on `net`, printing what opts.emit asks
/// for; diagnostics point into the model file through `sources`.
int compileNetwork(const Network &net, const SourceManager &sources,
                   uint32_t file, const Options &opts) {
  mlir::MLIRContext context;
  context.printOpOnDiagnostic(false);
  llvm::SourceMgr sourceMgr;
  sourceMgr.AddNewSourceBuffer(
      llvm::MemoryBuffer::getMemBufferCopy(
          llvm::StringRef(sources.getText(file).data(),
                          sources.getText(file).size()),
          sources.getName(file)),
      llvm::SMLoc());
  mlir::SourceMgrDiagnosticHandler handler(sourceMgr, &context, llvm::errs());

  mlir::OwningOpRef<mlir::ModuleOp> module =
      kiln::mlirGen(context, net, sources);
  if (!module)
    return 1;
  if (opts.emit >= EmitKind::TrainMlir &&
      mlir::failed(runPasses(*module, opts)))
    return 1;
  if (opts.emit == EmitKind::HalideStmt)
    return mlir::failed(printHalideStmts(*module, opts)) ? 1 : 0;
  if (!opts.outDir.empty()) {
    // The driver runs the passes itself, then compiles and links.
    kiln::driver::Options driverOptions;
    driverOptions.outDir = opts.outDir;
    driverOptions.target = opts.target;
    driverOptions.schedule = opts.schedule;
    driverOptions.batch = opts.batch;
    driverOptions.tuningDb = opts.tuningDb;
    driverOptions.trimExtents = opts.trimExtents;
    return mlir::failed(
               kiln::driver::compileToExecutables(*module, driverOptions))
               ? 1
               : 0;
  }
  mlir::OpPrintingFlags flags;
  if (opts.printDebugInfo)
    flags.enableDebugInfo().useLocalScope();
  module->print(llvm::outs(), flags);
  llvm::outs() << "\n";
  return 0;
}

} // namespace

int main(int argc, char **argv) {
  Options opts;
  if (!parseArgs(argc, argv, opts))
    return 2;
  if (opts.reference) {
    printReference(std::cout);
    return 0;
  }

  SourceManager sources;
  std::string error;
  uint32_t file = sources.addFile(opts.input, error);
  if (!file) {
    std::cerr << "kilnc: error: " << error << "\n";
    return 1;
  }
  DiagnosticEngine diags(sources, &std::cerr);
  diags.setErrorLimit(opts.maxErrors);

  ast::File tree = parse(sources, file, diags);
  if (opts.emit == EmitKind::Ast) {
    if (diags.hadError())
      return 1;
    ast::dump(tree, sources, std::cout);
    return 0;
  }

  Network net;
  SemaOptions semaOptions;
  semaOptions.syntaxErrors = diags.hadError();
  analyze(tree, sources, diags, net, semaOptions);
  if (diags.hadError())
    return 1;
  if (opts.emit == EmitKind::Network)
    printNetwork(net, std::cout);
  if (opts.emit == EmitKind::Json)
    printNetworkJson(net, std::cout);
  if (opts.summary)
    printSummary(net, sources, std::cout);
  std::cout.flush();
  if (!opts.outDir.empty() && opts.emit != EmitKind::None) {
    std::cerr << "kilnc: -o writes executables; it does not go with --emit\n";
    return 2;
  }
  if (opts.emit >= EmitKind::Mlir || !opts.outDir.empty())
    return compileNetwork(net, sources, file, opts);
  return 0;
}

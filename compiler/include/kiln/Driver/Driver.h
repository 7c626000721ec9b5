//===- Driver.h - From a kiln module to train/infer executables -*- C++ -*-===//
//
// The back half of kilnc: takes a module holding @forward (as MLIRGen emits
// it), runs the pass pipeline (build-train-step, prepare-inference, fuse,
// plan-memory), compiles every kernel of @train_step and @infer to an object
// for the target (in parallel), the Halide runtime once, writes the plan,
// and links DIR/NET-train and DIR/NET-infer with the system C++ compiler
// against the runtime library.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_DRIVER_DRIVER_H
#define KILN_DRIVER_DRIVER_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Support/LogicalResult.h"

#include <cstdint>
#include <string>

namespace kiln {
namespace driver {

/// How to compile and link.
struct Options {
  /// Directory the executables are written to (created when missing).
  std::string outDir = ".";
  /// A Kiln target name or Halide target string (see codegen::parseTarget).
  std::string target = "host";
  /// "heuristic" (the default: each kernel's `schedule` attribute when it
  /// has one, else the heuristic), an autoscheduler name ("Adams2019",
  /// "Mullapudi2016", "Li2018") or a schedule's text form for every kernel.
  std::string schedule = "heuristic";
  /// Largest batch the executables run (0: kiln.training's batch_size).
  int64_t batch = 0;
  /// Kernels compiled at once (0: the number of cores).
  unsigned jobs = 0;
  /// Keep DIR/NET.build (objects, generated sources, plans) after linking.
  bool keepBuildFiles = false;
  /// Print what is being done and how long each phase takes.
  bool verbose = false;
  /// A tuning database (kiln-tune): kernels it holds a schedule for (same
  /// structure, target and batch) use it; the others the heuristic.
  std::string tuningDb;
  /// Run kiln-trim-extents: layers compute only what later layers read.
  /// Off, every element of every layer is computed (kilnc
  /// --no-trim-extents, to compare or to count the layers' own work).
  bool trimExtents = true;
};

/// Adds the passes that build @train_step and @infer from @forward:
/// trim-extents (unless `trimExtents` is false), build-train-step and
/// prepare-inference.
void addTrainingPasses(mlir::OpPassManager &pm, bool trimExtents = true);

/// Adds the passes that turn a module holding @forward into the fused,
/// memory-planned kernels of @train_step and @infer (addTrainingPasses,
/// then fuse and plan-memory at `batch`, 0: the model's batch_size): what
/// the executables and kiln-tune compile.
void addKernelPasses(mlir::OpPassManager &pm, int64_t batch,
                     bool trimExtents = true);

/// Compiles `module` (which must hold @forward; the passes add to it) into
/// DIR/NET-train and DIR/NET-infer, NET being the module's `kiln.model`.
/// Errors are reported as diagnostics on the module's context.
mlir::LogicalResult compileToExecutables(mlir::ModuleOp module,
                                         const Options &options);

/// The model hash kept in plans and checkpoints: FNV-1a over @forward
/// printed without locations, and the class names, so it does not depend on
/// the target, the schedule or the training set-up.
uint64_t modelHash(mlir::ModuleOp module);

} // namespace driver
} // namespace kiln

#endif // KILN_DRIVER_DRIVER_H

//===- Tuner.h - Measured schedule search per fused kernel ------*- C++ -*-===//
//
// kiln-tune's engine. For every kernel of @train_step and @infer (a module
// after kiln-fuse and kiln-plan-memory), it times the heuristic schedule,
// splits the budget across kernels by that time, runs a ScheduleSearch whose
// candidates are compiled with Halide's JIT on this machine and timed on
// buffers of the kernel's shapes at its planned batch, re-checks the best
// candidates against the reference interpreter, and merges the winner into
// the tuning database, which is written after every kernel.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_TUNING_TUNER_H
#define KILN_TUNING_TUNER_H

#include "kiln/Codegen/Schedule.h"

#include "mlir/IR/BuiltinOps.h"
#include "llvm/Support/raw_ostream.h"

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace kiln {
namespace tuning {

/// What to tune and how long.
struct TuneOptions {
  /// Kiln or Halide target; it must run on this machine (JIT timing).
  std::string target = "host";
  /// Wall-clock minutes for the whole search (checks come on top).
  double budgetMinutes = 5;
  /// Seed of the search's random choices.
  uint64_t seed = 1;
  /// The database read at the start and rewritten after every kernel.
  std::string dbPath = "tuning.kdb";
  /// Only kernels whose name ("func/kernel") contains this.
  std::string only;
  /// Kernel name ("func/kernel" or "kernel") -> schedule text: that kernel
  /// is measured and checked with this schedule only, not searched. With
  /// pins and no `only`, only the pinned kernels are processed.
  std::map<std::string, std::string> pinned;
  /// Beam size of the Adams2019 candidate ("auto:Adams2019/beamN"); 0 is
  /// its default search, which takes minutes on big kernels.
  int adamsBeam = 1;
  /// Redraw a progress line in place (a terminal) instead of one line per
  /// kernel.
  bool progressInPlace = false;
};

/// The outcome for one kernel.
struct KernelOutcome {
  /// "func/kernel".
  std::string name;
  std::string signature;
  int64_t batch = 0;
  double defaultMs = 0;
  double bestMs = 0;
  codegen::Schedule best;
  unsigned candidates = 0;
  double maxError = 0;
  /// "tuned", "pinned", "cached" (in the database with an equal or larger
  /// budget), "same as <name>", or why the heuristic was kept.
  std::string status;
  /// Whether it belongs to @train_step (else @infer).
  bool trainStep = false;
};

/// Tunes the kernels of `module`, printing progress to `progress` and
/// returning one outcome per kernel, or an error message in `error` (bad
/// target, unreadable database path, a kernel that does not lower).
std::vector<KernelOutcome> tuneModule(mlir::ModuleOp module,
                                      const TuneOptions &options,
                                      llvm::raw_ostream &progress,
                                      std::string &error);

/// Prints the summary table: per kernel default and best milliseconds,
/// speed-up, status and winning schedule; then each function's total.
void printSummary(const std::vector<KernelOutcome> &outcomes,
                  llvm::raw_ostream &os);

} // namespace tuning
} // namespace kiln

#endif // KILN_TUNING_TUNER_H

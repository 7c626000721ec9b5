//===- Schedule.h - Schedules of fused kernels as data ----------*- C++ -*-===//
//
// A schedule says how one fused kernel's Halide pipeline runs: tiling,
// vectorisation, parallelism, staging, reductions split for parallelism, or
// which Halide autoscheduler decides instead. It is plain data so that the
// heuristic, the autoschedulers and kiln-tune all produce the same thing, the
// `kiln-assign-schedules` pass can carry it as an attribute, and the tuning
// database can store it. Applying it is separate code (ScheduleApply.cpp);
// the algorithms (HalideLowering.cpp) never read it.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_CODEGEN_SCHEDULE_H
#define KILN_CODEGEN_SCHEDULE_H

#include <optional>
#include <string>

namespace kiln {
namespace codegen {

/// The schedule of one kernel. Fields that do not apply to a kernel's family
/// are ignored by it (e.g. `rfactor` only splits reductions over the batch).
struct Schedule {
  /// When non-empty, a Halide autoscheduler ("Adams2019", "Mullapudi2016",
  /// "Li2018") schedules the kernel and the fields below are unused.
  std::string autoscheduler;
  /// Adams2019's beam size (its HL_BEAM_SIZE); 0 = its default (a beam of
  /// 32, five passes), 1 = one greedy pass, seconds instead of minutes on
  /// big kernels. Written "auto:Adams2019/beam1".
  int autoschedulerBeam = 0;
  /// Lanes of the vectorised innermost (channel) loop; 0 = the target's
  /// natural float vector width.
  int vectorWidth = 0;
  /// Register tile: vectors along the innermost dimension ...
  int tileInner = 1;
  /// ... times positions along the next dimension (width), kept as
  /// accumulators across the whole reduction.
  int tileOuter = 1;
  /// Unroll factor of the innermost reduction loop.
  int unrollReduction = 1;
  /// Materialise each batch element's (padded) input once before use
  /// instead of evaluating padding conditions in the inner loop.
  bool stageInput = true;
  /// Split a reduction over the batch into this many parallel partial sums
  /// (Halide's rfactor); 0 or 1 = no split.
  int rfactor = 0;
  /// Parallelise over the batch (true) or over rows of each image (false).
  bool parallelBatch = true;
  /// Dense layers: sum the reduction in blocks of this many steps, each
  /// block's partial sums accumulated in registers for every output tile
  /// before the next block starts, so a block of the weights stays in cache
  /// while the whole batch uses it; 0 = the whole reduction per tile.
  int reductionBlock = 0;
  /// GPU: threads along the innermost dimension and tile of the next one.
  int gpuThreads = 32;
  int gpuTile = 4;

  /// A compact, stable text form, e.g.
  /// "v16 t4x5 u2 stage rf8 pb gpu32x4", "auto:Adams2019" or
  /// "auto:Adams2019/beam1"; a reduction block is written only when set
  /// (" kb256" after "pb"/"pr").
  std::string toString() const;

  /// Parses toString()'s form; on failure returns nullopt and sets `error`.
  static std::optional<Schedule> parse(const std::string &text,
                                       std::string &error);

  bool operator==(const Schedule &other) const {
    return toString() == other.toString();
  }
};

} // namespace codegen
} // namespace kiln

#endif // KILN_CODEGEN_SCHEDULE_H

//===- ScheduleApply.h - Apply schedule data to a kernel --------*- C++ -*-===//
//
// The only code that turns a Schedule into Halide scheduling calls, and the
// heuristic that picks a Schedule for a kernel and target.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_CODEGEN_SCHEDULEAPPLY_H
#define KILN_CODEGEN_SCHEDULEAPPLY_H

#include "kiln/Codegen/HalideLowering.h"
#include "kiln/Codegen/Schedule.h"

#include <Halide.h>

#include <string>

namespace kiln {
namespace codegen {

/// Extent assumed for the dynamic batch where Halide needs a number
/// (autoscheduler estimates, the heuristic's choice of parallel loop).
constexpr int kBatchEstimate = 128;

/// The heuristic schedule of `kernel` on `target`: apps/conv_layer-style
/// register tiles sized for the target's vector registers.
Schedule heuristicSchedule(const HalideKernel &kernel,
                           const Halide::Target &target);

/// Schedules `kernel`'s Funcs as `schedule` says. Returns an empty string on
/// success, otherwise what went wrong (e.g. an autoscheduler plugin that
/// cannot be loaded). Autoschedulers assume every run has at least
/// `batchEstimate` batch elements (their splits are not guarded), so an
/// autoscheduled kernel is only valid for batches of at least that size.
std::string applySchedule(HalideKernel &kernel, const Schedule &schedule,
                          const Halide::Target &target,
                          int batchEstimate = kBatchEstimate);

} // namespace codegen
} // namespace kiln

#endif // KILN_CODEGEN_SCHEDULEAPPLY_H

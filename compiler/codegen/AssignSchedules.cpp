//===- AssignSchedules.cpp - Schedules onto kiln.kernel ops ---------------===//

#include "kiln/Codegen/Aot.h"
#include "kiln/Codegen/HalideLowering.h"
#include "kiln/Codegen/Passes.h"
#include "kiln/Codegen/ScheduleApply.h"
#include "kiln/IR/KilnOps.h"
#include "kiln/Tuning/Signature.h"
#include "kiln/Tuning/TuningDb.h"

namespace kiln {
#define GEN_PASS_DEF_KILNASSIGNSCHEDULES
#include "kiln/Codegen/Passes.h.inc"
} // namespace kiln

using namespace mlir;
using namespace kiln;
using namespace kiln::codegen;

namespace {

struct AssignSchedulesPass
    : public kiln::impl::KilnAssignSchedulesBase<AssignSchedulesPass> {
  using KilnAssignSchedulesBase::KilnAssignSchedulesBase;

  void runOnOperation() override {
    Halide::Target halideTarget;
    std::string error;
    if (!parseTarget(target, halideTarget, error)) {
      getOperation().emitError() << error;
      return signalPassFailure();
    }
    // A fixed choice (an autoscheduler or a schedule text) is the same for
    // every kernel; the heuristic looks at each kernel's shapes.
    std::optional<Schedule> fixed;
    if (schedule == "Adams2019" || schedule == "Mullapudi2016" ||
        schedule == "Li2018") {
      fixed = Schedule();
      fixed->autoscheduler = schedule;
    } else if (schedule != "heuristic") {
      fixed = Schedule::parse(schedule, error);
      if (!fixed) {
        getOperation().emitError() << error;
        return signalPassFailure();
      }
    }
    tuning::TuningDb db;
    if (!fixed && !tuningDb.empty()) {
      std::string warning;
      if (!db.load(tuningDb, warning))
        getOperation().emitWarning() << "ignoring tuning database: " << warning
                                     << "; using heuristic schedules";
    }
    std::string targetKey = halideTarget.to_string();
    WalkResult result = getOperation().walk([&](KernelOp kernel) {
      if (kernel.getScheduleAttr() && !force)
        return WalkResult::advance();
      Schedule chosen;
      const tuning::TuningEntry *entry = nullptr;
      if (!fixed && !db.entries().empty())
        entry = db.lookup(tuning::kernelSignature(kernel.getBodyBlock()),
                          targetKey, tuning::plannedBatch(kernel));
      std::optional<Schedule> tuned;
      if (entry) {
        tuned = Schedule::parse(entry->schedule, error);
        if (!tuned)
          kernel.emitWarning() << "ignoring the entry of tuning database '"
                               << tuningDb << "' for this kernel: " << error;
      }
      if (fixed) {
        chosen = *fixed;
      } else if (tuned) {
        chosen = *tuned;
      } else {
        FailureOr<HalideKernel> lowered =
            lowerToHalide(kernel.getBody().front(), "k");
        if (failed(lowered))
          return WalkResult::interrupt();
        chosen = heuristicSchedule(*lowered, halideTarget);
      }
      kernel.setScheduleAttr(
          StringAttr::get(kernel.getContext(), chosen.toString()));
      return WalkResult::advance();
    });
    if (result.wasInterrupted())
      signalPassFailure();
  }
};

} // namespace

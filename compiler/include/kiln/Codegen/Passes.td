//===- Passes.td - Kiln codegen passes ---------------------*- tablegen -*-===//
//
// Passes that need the Halide codegen (and so live outside the dialect
// library, which must not depend on Halide).
//
//===----------------------------------------------------------------------===//

#ifndef KILN_CODEGEN_PASSES_TD
#define KILN_CODEGEN_PASSES_TD

include "mlir/Pass/PassBase.td"

def KilnAssignSchedules : Pass<"kiln-assign-schedules", "::mlir::ModuleOp"> {
  let summary = "Sets the `schedule` of every kiln.kernel";
  let description = [{
    Gives every `kiln.kernel` a `schedule`: the text form of the schedule
    its Halide pipeline is compiled with (see kiln/Codegen/Schedule.h). With
    `schedule=heuristic` (the default) that is the heuristic's choice for
    the kernel's shapes on `target`; with an autoscheduler's name it is
    `auto:<name>`; any other value is taken as a schedule's text form and
    checked. Kernels that already carry a schedule keep it unless `force`
    is set.

    With `tuning-db=FILE` (written by kiln-tune), a kernel whose structural
    signature, target and planned batch have an entry gets the database's
    schedule instead of the heuristic's (a fixed `schedule` still wins). A
    database that is corrupt or of another schema version, or an entry that
    does not parse, gives a warning naming the file and is ignored.

    Example: `kiln-opt --kiln-assign-schedules="target=x86-avx2"`.
  }];
  let options = [
    Option<"target", "target", "std::string", /*default=*/"\"x86-avx512\"",
           "Kiln or Halide target the schedules are for">,
    Option<"schedule", "schedule", "std::string", /*default=*/"\"heuristic\"",
           "heuristic, Adams2019, Mullapudi2016, Li2018 or a schedule text">,
    Option<"force", "force", "bool", /*default=*/"false",
           "Replace schedules kernels already carry">,
    Option<"tuningDb", "tuning-db", "std::string", /*default=*/"\"\"",
           "Tuning database (kiln-tune) to take measured schedules from">,
  ];
  let dependentDialects = ["::kiln::KilnDialect"];
}

#endif // KILN_CODEGEN_PASSES_TD

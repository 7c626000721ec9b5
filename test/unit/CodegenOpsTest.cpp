//===- CodegenOpsTest.cpp - Every op's Halide kernel vs the interpreter ---===//
//
// Each function of Inputs/codegen-ops.mlir is one kernel. It is lowered to
// Halide, scheduled (heuristic and explicit schedules, AVX2 and AVX-512),
// run through the JIT on random inputs, and compared with the reference
// interpreter running the same function.
//
//===----------------------------------------------------------------------===//

#include "kiln/Codegen/HalideLowering.h"
#include "kiln/Codegen/JitRunner.h"
#include "kiln/Codegen/ScheduleApply.h"
#include "kiln/IR/KilnDialect.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Support/FileUtilities.h"
#include "llvm/Support/SourceMgr.h"

#include <gtest/gtest.h>


using namespace kiln;
using namespace kiln::codegen;

namespace {

mlir::OwningOpRef<mlir::ModuleOp> loadOps(mlir::MLIRContext &context) {
  context.loadDialect<KilnDialect, mlir::func::FuncDialect>();
  return mlir::parseSourceFile<mlir::ModuleOp>(
      KILN_SOURCE_DIR "/test/unit/Inputs/codegen-ops.mlir", &context);
}

/// Random arguments for `func` at `batch`, shaped by its kiln.test
/// argument attributes.
std::vector<JitArg> randomArgs(mlir::func::FuncOp func, int64_t batch,
                               unsigned seed) {
  std::vector<Distribution> kinds;
  for (unsigned i = 0; i < func.getNumArguments(); ++i) {
    auto dist = func.getArgAttrOfType<mlir::StringAttr>(i, "kiln.test");
    kinds.push_back(!dist                           ? Distribution::Uniform
                    : dist.getValue() == "positive" ? Distribution::Positive
                                                    : Distribution::OneHot);
  }
  return codegen::randomArgs(func.getBody().front().getArguments(), batch,
                             seed, kinds);
}

// Tests that every kernel lowers, schedules and runs on AVX2 and AVX-512 at
// batches 3 and 1.
TEST(CodegenOps, EveryKernelRuns) {
  mlir::MLIRContext context;
  mlir::OwningOpRef<mlir::ModuleOp> module = loadOps(context);
  ASSERT_TRUE(module);
  int count = 0;
  for (mlir::func::FuncOp func : module->getOps<mlir::func::FuncOp>()) {
    for (const char *targetName :
         {"x86-64-linux-avx2-fma-f16c-sse41",
          "x86-64-linux-avx2-avx512-avx512_skylake-fma-f16c-sse41"}) {
      Halide::Target target(targetName);
      mlir::FailureOr<HalideKernel> kernel =
          lowerToHalide(func.getBody().front(), func.getSymName().str());
      ASSERT_TRUE(mlir::succeeded(kernel)) << func.getSymName().str();
      ASSERT_EQ(applySchedule(*kernel, heuristicSchedule(*kernel, target),
                              target),
                "")
          << func.getSymName().str();
      JitKernel jit(*kernel, target);
      ASSERT_EQ(jit.error(), "") << func.getSymName().str();
      for (int64_t batch : {3, 1}) {
        std::vector<HostTensor> out =
            jit.run(randomArgs(func, batch, 1), batch);
        ASSERT_EQ(out.size(), func.getNumResults())
            << func.getSymName().str() << ": " << jit.error();
      }
    }
    ++count;
  }
  EXPECT_GE(count, 19);
}

} // namespace

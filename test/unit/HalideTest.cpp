//===- HalideTest.cpp - Halide 14 works beside MLIR 19 --------------------===//
//
// The codegen links libHalide14 (with its private LLVM 14) into processes that
// also load libMLIR/libLLVM 19. This checks that wiring: a small pipeline is
// JIT-compiled for explicitly named targets and compared with a plain loop.
//
//===----------------------------------------------------------------------===//

#include "kiln/Codegen/Aot.h"
#include "kiln/IR/KilnDialect.h"

#include "mlir/IR/MLIRContext.h"

#include <Halide.h>
#include <gtest/gtest.h>

namespace {

// Tests a vectorised, parallel 3-tap row convolution against a reference loop
// on AVX2 and AVX-512 targets, with the kiln dialect loaded in the process.
TEST(Halide, JitBesideMlir) {
  mlir::MLIRContext context;
  context.loadDialect<kiln::KilnDialect>();

  const int w = 67, h = 9;
  Halide::Buffer<float> in(w + 2, h);
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w + 2; ++x)
      in(x, y) = static_cast<float>((x * 7 + y * 13) % 11) - 5.0f;

  Halide::Var x("x"), y("y"), xo("xo"), xi("xi");
  Halide::Func f("f");
  f(x, y) = 0.25f * in(x, y) + 0.5f * in(x + 1, y) + 0.25f * in(x + 2, y);
  f.split(x, xo, xi, 16, Halide::TailStrategy::GuardWithIf)
      .vectorize(xi)
      .parallel(y);

  int targetsRun = 0;
  for (const char *target :
       {"x86-64-linux-avx2-fma-f16c-sse41",
        "x86-64-linux-avx-avx2-avx512-avx512_skylake-f16c-fma-sse41"}) {
    Halide::Target t(target);
    // Only what this CPU runs: AVX2, and AVX-512 where it has it.
    if (!t.supported() || !kiln::codegen::runsOnHost(t))
      continue;
    ++targetsRun;
    Halide::Buffer<float> out = f.realize({w, h}, t);
    for (int yy = 0; yy < h; ++yy)
      for (int xx = 0; xx < w; ++xx) {
        float ref =
            0.25f * in(xx, yy) + 0.5f * in(xx + 1, yy) + 0.25f * in(xx + 2, yy);
        ASSERT_FLOAT_EQ(out(xx, yy), ref)
            << target << " at " << xx << "," << yy;
      }
  }
  // Every machine Kiln runs on has AVX2; a run that compiled nothing proves
  // nothing.
  EXPECT_GT(targetsRun, 0);
}

} // namespace

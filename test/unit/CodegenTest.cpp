//===- CodegenTest.cpp - Halide kernels against plain loops ---------------===//

#include "kiln/Codegen/Aot.h"
#include "kiln/Codegen/HalideLowering.h"
#include "kiln/Codegen/JitRunner.h"
#include "kiln/Codegen/ScheduleApply.h"
#include "kiln/IR/KilnDialect.h"

#include "AotTestUtil.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <random>
#include <sys/wait.h>
#include <unistd.h>

using namespace kiln;
using namespace kiln::codegen;
using namespace kiln::codegen::testing_util;

namespace {

/// Parses `source` and keeps the module alive for the test.
class KernelFixture : public ::testing::Test {
protected:
  KernelFixture() {
    context.loadDialect<KilnDialect, mlir::func::FuncDialect>();
  }

  mlir::Block &parse(const char *source) {
    module = mlir::parseSourceString<mlir::ModuleOp>(source, &context);
    EXPECT_TRUE(module);
    auto func = *module->getOps<mlir::func::FuncOp>().begin();
    return func.getBody().front();
  }

  mlir::MLIRContext context;
  mlir::OwningOpRef<mlir::ModuleOp> module;
};

HostTensor randomTensor(std::vector<int64_t> shape, unsigned seed) {
  HostTensor t{std::move(shape), {}};
  int64_t n = 1;
  for (int64_t d : t.shape)
    n *= d;
  std::mt19937 gen(seed);
  std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
  for (int64_t i = 0; i < n; ++i)
    t.data.push_back(dist(gen));
  return t;
}

/// NHWC x HWIO convolution with explicit padding, then ReLU: the plain loop
/// the Halide kernel must agree with.
HostTensor convReluLoop(const HostTensor &in, const HostTensor &w, int sy,
                        int sx, int padTop, int padLeft, int outH, int outW) {
  int64_t n = in.shape[0], h = in.shape[1], wd = in.shape[2], ci = in.shape[3];
  int64_t kh = w.shape[0], kw = w.shape[1], co = w.shape[3];
  HostTensor out{{n, outH, outW, co}, {}};
  out.data.assign(n * outH * outW * co, 0.0f);
  for (int64_t b = 0; b < n; ++b)
    for (int64_t oy = 0; oy < outH; ++oy)
      for (int64_t ox = 0; ox < outW; ++ox)
        for (int64_t o = 0; o < co; ++o) {
          double acc = 0;
          for (int64_t ky = 0; ky < kh; ++ky)
            for (int64_t kx = 0; kx < kw; ++kx) {
              int64_t iy = oy * sy + ky - padTop, ix = ox * sx + kx - padLeft;
              if (iy < 0 || iy >= h || ix < 0 || ix >= wd)
                continue;
              for (int64_t c = 0; c < ci; ++c)
                acc += in.data[((b * h + iy) * wd + ix) * ci + c] *
                       w.data[((ky * kw + kx) * ci + c) * co + o];
            }
          out.data[((b * outH + oy) * outW + ox) * co + o] =
              static_cast<float>(std::max(acc, 0.0));
        }
  return out;
}

double maxRelError(const HostTensor &a, const HostTensor &b) {
  double worst = 0;
  for (size_t i = 0; i < a.data.size(); ++i) {
    double denom = std::max(1.0, std::fabs(static_cast<double>(b.data[i])));
    worst = std::max(worst, std::fabs(a.data[i] - b.data[i]) / denom);
  }
  return worst;
}

const char *kConvRelu = R"mlir(
func.func @k(%x: tensor<?x14x13x8xf32>, %w: tensor<3x3x8x32xf32>) -> tensor<?x7x7x32xf32> {
  %y = kiln.conv2d %x, %w {strides = array<i64: 2, 2>, padding = array<i64: 1, 1, 1, 1>}
      : (tensor<?x14x13x8xf32>, tensor<3x3x8x32xf32>) -> tensor<?x7x7x32xf32>
  %r = kiln.relu %y : tensor<?x7x7x32xf32>
  return %r : tensor<?x7x7x32xf32>
}
)mlir";

// Tests that "host" names the x86 target this CPU runs: AVX-512 where the
// CPU has Skylake's subset of it (as the compiler's own detection says),
// else AVX2, and that code for it runs here.
TEST(Target, HostIsWhatThisCpuRuns) {
#if defined(__x86_64__)
  __builtin_cpu_init();
  bool avx512 =
      __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512cd") &&
      __builtin_cpu_supports("avx512vl") &&
      __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512dq");
  EXPECT_EQ(hostTargetName(), avx512 ? "x86-avx512" : "x86-avx2");
#endif
  Halide::Target host, named, avx512Target;
  std::string error;
  ASSERT_TRUE(parseTarget("host", host, error)) << error;
  ASSERT_TRUE(parseTarget(hostTargetName(), named, error)) << error;
  EXPECT_EQ(host, named);
  EXPECT_TRUE(runsOnHost(host));
  ASSERT_TRUE(parseTarget("x86-avx512", avx512Target, error)) << error;
  EXPECT_EQ(runsOnHost(avx512Target), hostTargetName() == "x86-avx512");
  ASSERT_TRUE(parseTarget("arm64", named, error)) << error;
  EXPECT_FALSE(runsOnHost(named));
}

// Tests a padded, strided conv + ReLU kernel under the heuristic schedule
// and under explicit tiles, on AVX2 and AVX-512, at batch 3 and 1.
TEST_F(KernelFixture, ConvReluMatchesLoop) {
  mlir::Block &body = parse(kConvRelu);
  HostTensor x = randomTensor({3, 14, 13, 8}, 1);
  HostTensor w = randomTensor({3, 3, 8, 32}, 2);
  HostTensor expected = convReluLoop(x, w, 2, 2, 1, 1, 7, 7);
  HostTensor x1 = x;
  x1.shape[0] = 1;
  x1.data.resize(14 * 13 * 8);
  HostTensor expected1 = convReluLoop(x1, w, 2, 2, 1, 1, 7, 7);

  std::string error;
  std::vector<Schedule> schedules = {
      *Schedule::parse("v8 t2x3 u2 stage rf0 pb gpu32x4", error),
      *Schedule::parse("v16 t1x7 u1 nostage rf0 pr gpu32x4", error)};
  for (const char *targetName :
       {"x86-64-linux-avx2-fma-f16c-sse41",
        "x86-64-linux-avx2-avx512-avx512_skylake-fma-f16c-sse41"}) {
    Halide::Target target(targetName);
    if (!runsOnHost(target))
      continue; // AVX-512 on a CPU without it
    mlir::FailureOr<HalideKernel> probe = lowerToHalide(body, "probe");
    ASSERT_TRUE(mlir::succeeded(probe));
    std::vector<Schedule> all = schedules;
    all.push_back(heuristicSchedule(*probe, target));
    for (const Schedule &schedule : all) {
      mlir::FailureOr<HalideKernel> kernel = lowerToHalide(body, "k");
      ASSERT_TRUE(mlir::succeeded(kernel));
      ASSERT_EQ(applySchedule(*kernel, schedule, target), "");
      JitKernel jit(*kernel, target);
      ASSERT_EQ(jit.error(), "");
      std::vector<HostTensor> out = jit.run({{x, 0}, {w, 0}}, 3);
      ASSERT_EQ(out.size(), 1u) << jit.error();
      EXPECT_EQ(out[0].shape, (std::vector<int64_t>{3, 7, 7, 32}));
      EXPECT_LT(maxRelError(out[0], expected), 1e-4)
          << targetName << " " << schedule.toString();
      std::vector<HostTensor> out1 = jit.run({{x1, 0}, {w, 0}}, 1);
      ASSERT_EQ(out1.size(), 1u) << jit.error();
      EXPECT_LT(maxRelError(out1[0], expected1), 1e-4);
    }
  }
}

// Tests that each Halide autoscheduler schedules the same kernel correctly.
TEST_F(KernelFixture, AutoschedulersMatchLoop) {
  // Adams2019's full beam search takes minutes on two cores; its greedy
  // form exercises the same plugin path in a fraction of a second.
  setenv("HL_BEAM_SIZE", "1", /*overwrite=*/0);
  mlir::Block &body = parse(kConvRelu);
  HostTensor x = randomTensor({2, 14, 13, 8}, 3);
  HostTensor w = randomTensor({3, 3, 8, 32}, 4);
  HostTensor expected = convReluLoop(x, w, 2, 2, 1, 1, 7, 7);
  Halide::Target target("x86-64-linux-avx2-fma-f16c-sse41");
  for (const char *name : {"Adams2019", "Mullapudi2016", "Li2018"}) {
    mlir::FailureOr<HalideKernel> kernel = lowerToHalide(body, "k");
    ASSERT_TRUE(mlir::succeeded(kernel));
    Schedule schedule;
    schedule.autoscheduler = name;
    auto start = std::chrono::steady_clock::now();
    ASSERT_EQ(applySchedule(*kernel, schedule, target, /*batchEstimate=*/2), "")
        << name;
    std::chrono::duration<double> took =
        std::chrono::steady_clock::now() - start;
    std::printf("%s scheduled in %.2f s\n", name, took.count());
    JitKernel jit(*kernel, target);
    ASSERT_EQ(jit.error(), "");
    std::vector<HostTensor> out = jit.run({{x, 0}, {w, 0}}, 2);
    ASSERT_EQ(out.size(), 1u) << jit.error();
    EXPECT_LT(maxRelError(out[0], expected), 1e-4) << name;
  }
}

// Tests the GPU schedule by running it for real through OpenCL on PoCL (in
// a separate process: PoCL's LLVM cannot share one with libHalide's).
TEST_F(KernelFixture, OpenClMatchesLoop) {
  mlir::Block &body = parse(kConvRelu);
  HostTensor x = randomTensor({2, 14, 13, 8}, 5);
  HostTensor w = randomTensor({3, 3, 8, 32}, 6);
  HostTensor expected = convReluLoop(x, w, 2, 2, 1, 1, 7, 7);
  Halide::Target target;
  std::string error;
  ASSERT_TRUE(parseTarget("x86-opencl", target, error)) << error;
  mlir::FailureOr<HalideKernel> kernel = lowerToHalide(body, "k");
  ASSERT_TRUE(mlir::succeeded(kernel));
  ASSERT_EQ(applySchedule(*kernel, heuristicSchedule(*kernel, target), target),
            "");
  std::string stmt = loweredStmt(*kernel, target);
  EXPECT_NE(stmt.find("block_id_x"), std::string::npos);
  EXPECT_NE(stmt.find("thread_id_x"), std::string::npos);
  std::string log;
  std::vector<HostTensor> out =
      runAot(*kernel, target, {{x, 0}, {w, 0}}, 2, "c++", "", log);
  ASSERT_EQ(out.size(), 1u) << log;
  EXPECT_LT(maxRelError(out[0], expected), 1e-4);
}

const char *kWideConv = R"mlir(
func.func @k(%x: tensor<?x4x4x1024xf32>, %w: tensor<3x3x1024x8xf32>) -> tensor<?x4x4x8xf32> {
  %y = kiln.conv2d %x, %w {strides = array<i64: 1, 1>, padding = array<i64: 1, 1, 1, 1>}
      : (tensor<?x4x4x1024xf32>, tensor<3x3x1024x8xf32>) -> tensor<?x4x4x8xf32>
  %r = kiln.relu %y : tensor<?x4x4x8xf32>
  return %r : tensor<?x4x4x8xf32>
}
)mlir";

// Tests that a GPU conv whose staged input window spans many channels (1024
// here, 6144 values per block row) still launches: the window is filled in
// tiles of the block's threads. It once gave every value of the window a
// thread, a work group PoCL refuses (CL_INVALID_WORK_GROUP_SIZE), as it
// refused ResNet-50's and VGG-16's 512-channel gradient convs.
TEST_F(KernelFixture, OpenClWideStagedInput) {
  mlir::Block &body = parse(kWideConv);
  HostTensor x = randomTensor({1, 4, 4, 1024}, 9);
  HostTensor w = randomTensor({3, 3, 1024, 8}, 10);
  HostTensor expected = convReluLoop(x, w, 1, 1, 1, 1, 4, 4);
  Halide::Target target;
  std::string error;
  ASSERT_TRUE(parseTarget("x86-opencl", target, error)) << error;
  mlir::FailureOr<HalideKernel> kernel = lowerToHalide(body, "k");
  ASSERT_TRUE(mlir::succeeded(kernel));
  ASSERT_EQ(applySchedule(*kernel, heuristicSchedule(*kernel, target), target),
            "");
  std::string log;
  std::vector<HostTensor> out =
      runAot(*kernel, target, {{x, 0}, {w, 0}}, 1, "c++", "", log);
  ASSERT_EQ(out.size(), 1u) << log;
  EXPECT_LT(maxRelError(out[0], expected), 1e-4);
}

// Tests the arm-64 code: cross-compiled, linked statically and run under
// qemu, it agrees with the loop.
TEST_F(KernelFixture, Arm64UnderQemuMatchesLoop) {
  mlir::Block &body = parse(kConvRelu);
  HostTensor x = randomTensor({3, 14, 13, 8}, 7);
  HostTensor w = randomTensor({3, 3, 8, 32}, 8);
  HostTensor expected = convReluLoop(x, w, 2, 2, 1, 1, 7, 7);
  Halide::Target target;
  std::string error;
  ASSERT_TRUE(parseTarget("arm64", target, error)) << error;
  mlir::FailureOr<HalideKernel> kernel = lowerToHalide(body, "k");
  ASSERT_TRUE(mlir::succeeded(kernel));
  ASSERT_EQ(applySchedule(*kernel, heuristicSchedule(*kernel, target), target),
            "");
  std::string log;
  std::vector<HostTensor> out = runAot(
      *kernel, target, {{x, 0}, {w, 0}}, 3, "aarch64-linux-gnu-g++ -static",
      "qemu-aarch64 -L /usr/aarch64-linux-gnu", log);
  ASSERT_EQ(out.size(), 1u) << log;
  EXPECT_LT(maxRelError(out[0], expected), 1e-4);
}

// Tests that the CUDA object's PTX assembles for sm_80 and sm_90.
TEST_F(KernelFixture, CudaPtxAssembles) {
  const char *ptxas = "/usr/local/cuda/bin/ptxas";
  if (access(ptxas, X_OK) != 0)
    GTEST_SKIP() << "no CUDA toolkit at /usr/local/cuda";
  mlir::Block &body = parse(kConvRelu);
  Halide::Target target;
  std::string error;
  ASSERT_TRUE(parseTarget("x86-cuda", target, error)) << error;
  mlir::FailureOr<HalideKernel> kernel = lowerToHalide(body, "k");
  ASSERT_TRUE(mlir::succeeded(kernel));
  ASSERT_EQ(applySchedule(*kernel, heuristicSchedule(*kernel, target), target),
            "");
  std::string dir = testing::TempDir();
  std::string object = dir + "/kiln_cuda_kernel.o";
  ASSERT_EQ(compileKernelObject(*kernel, target, object, "kiln_k"), "");
  std::string ptx = extractPtx(object);
  ASSERT_NE(ptx.find(".entry"), std::string::npos);
  std::string ptxPath = dir + "/kiln_cuda_kernel.ptx";
  std::ofstream(ptxPath) << ptx;
  for (const char *arch : {"sm_80", "sm_90"}) {
    std::string cmd = std::string(ptxas) + " --gpu-name " + arch + " " +
                      ptxPath + " -o " + dir + "/kiln.cubin";
    EXPECT_EQ(std::system(cmd.c_str()), 0) << cmd;
  }
}

// Tests that schedules survive their text form and bad text is refused.
TEST(Schedule, TextRoundTrip) {
  Schedule s;
  s.vectorWidth = 16;
  s.tileInner = 4;
  s.tileOuter = 5;
  s.unrollReduction = 2;
  s.rfactor = 8;
  s.parallelBatch = false;
  std::string error;
  std::optional<Schedule> back = Schedule::parse(s.toString(), error);
  ASSERT_TRUE(back) << error;
  EXPECT_EQ(*back, s);
  EXPECT_FALSE(Schedule::parse("v16 t0x5", error));
  EXPECT_FALSE(Schedule::parse("v16 bogus", error));
  EXPECT_NE(error.find("bogus"), std::string::npos);
  EXPECT_FALSE(Schedule::parse("auto:Nope", error));
  EXPECT_TRUE(Schedule::parse("auto:Adams2019", error));
}

// Tests that a reduction block survives the text form, is written only when
// set (so existing schedule texts keep their form), and is read back.
TEST(Schedule, ReductionBlockText) {
  Schedule s;
  EXPECT_EQ(s.toString().find("kb"), std::string::npos);
  s.reductionBlock = 384;
  EXPECT_NE(s.toString().find(" kb384 "), std::string::npos) << s.toString();
  std::string error;
  std::optional<Schedule> back = Schedule::parse(s.toString(), error);
  ASSERT_TRUE(back) << error;
  EXPECT_EQ(back->reductionBlock, 384);
  EXPECT_FALSE(Schedule::parse("v16 kbx", error));
}

} // namespace

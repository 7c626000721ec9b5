//===- CpuTest.cpp - Tests of the executables' CPU check ------------------===//

#include "kiln/runtime/Cpu.h"

#include <gtest/gtest.h>

#include <set>

using namespace kiln::rt;

namespace {

const char *const kAvx2 = "x86-64-linux-avx-avx2-f16c-fma-sse41";
const char *const kAvx512 =
    "x86-64-linux-avx-avx2-avx512-avx512_skylake-f16c-fma-sse41";

/// A CPU with exactly `features`.
std::function<bool(const std::string &)>
cpuWith(std::set<std::string> features) {
  return [features](const std::string &f) { return features.count(f) > 0; };
}

// Tests that an AVX-512 target on an AVX2-only CPU names what is missing
// and how to recompile, and that the same target passes where all is there.
TEST(Cpu, MissingFeaturesAreNamed) {
  auto avx2Cpu = cpuWith({"sse41", "avx", "avx2", "fma", "f16c"});
  Status s = checkTargetRunsHere(kAvx512, avx2Cpu);
  ASSERT_FALSE(s);
  EXPECT_EQ(s.message(),
            std::string("the kernels were compiled for ") + kAvx512 +
                ", but this CPU lacks avx512, avx512_skylake (compile the "
                "model for this machine with kilnc --target=host)");
  EXPECT_TRUE(checkTargetRunsHere(kAvx2, avx2Cpu));
  auto avx512Cpu = cpuWith(
      {"sse41", "avx", "avx2", "fma", "f16c", "avx512", "avx512_skylake"});
  EXPECT_TRUE(checkTargetRunsHere(kAvx512, avx512Cpu));
  // GPU APIs and the OS are not the CPU's to have.
  EXPECT_TRUE(checkTargetRunsHere(std::string(kAvx2) + "-opencl", avx2Cpu));
  Status old = checkTargetRunsHere("x86-64-linux-sse41", cpuWith({}));
  ASSERT_FALSE(old);
  EXPECT_NE(old.message().find("lacks sse41 ("), std::string::npos);
}

// Tests that another architecture and a malformed target are refused.
TEST(Cpu, OtherArchitecturesAreRefused) {
  auto all = [](const std::string &) { return true; };
#if defined(__x86_64__)
  Status s = checkTargetRunsHere("arm-64-linux", all);
  ASSERT_FALSE(s);
  EXPECT_EQ(s.message(), "the kernels were compiled for arm-64-linux, which "
                         "does not run on this x86-64 CPU");
#endif
  Status bad = checkTargetRunsHere("host", all);
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.message(), "kernel target 'host' is not a Halide target "
                           "string");
}

#if defined(__x86_64__)
// Tests the CPUID reading against the compiler's own detection.
TEST(Cpu, AgreesWithTheCompilersDetection) {
  __builtin_cpu_init();
  EXPECT_EQ(cpuHasFeature("sse41"), bool(__builtin_cpu_supports("sse4.1")));
  EXPECT_EQ(cpuHasFeature("avx"), bool(__builtin_cpu_supports("avx")));
  EXPECT_EQ(cpuHasFeature("avx2"), bool(__builtin_cpu_supports("avx2")));
  EXPECT_EQ(cpuHasFeature("fma"), bool(__builtin_cpu_supports("fma")));
  bool avx512 =
      __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512cd");
  EXPECT_EQ(cpuHasFeature("avx512"), avx512);
  EXPECT_EQ(cpuHasFeature("avx512_skylake"),
            avx512 && __builtin_cpu_supports("avx512vl") &&
                __builtin_cpu_supports("avx512bw") &&
                __builtin_cpu_supports("avx512dq"));
  EXPECT_FALSE(cpuHasFeature("avx1024"));
  // Every machine Kiln runs on has AVX2, so the AVX2 target runs here.
  EXPECT_TRUE(checkTargetRunsHere(kAvx2));
}
#endif

} // namespace

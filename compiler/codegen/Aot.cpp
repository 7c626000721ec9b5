//===- Aot.cpp - Ahead-of-time compilation of kernels ---------------------===//

#include "kiln/Codegen/Aot.h"

#include <cstdio>
#include <fstream>
#include <iterator>
#include <map>
#include <unistd.h>

using namespace kiln;
using namespace kiln::codegen;

std::string codegen::hostTargetName() {
  Halide::Target host = Halide::get_host_target();
  if (host.arch == Halide::Target::ARM && host.bits == 64)
    return "arm64";
  // The later AVX-512 levels Halide detects include Skylake's subset
  // (F, CD, VL, BW, DQ), which is all x86-avx512 uses.
  if (host.features_any_of({Halide::Target::AVX512_Skylake,
                            Halide::Target::AVX512_Cannonlake,
                            Halide::Target::AVX512_SapphireRapids}))
    return "x86-avx512";
  return "x86-avx2";
}

bool codegen::runsOnHost(const Halide::Target &target) {
  Halide::Target host = Halide::get_host_target();
  if (target.arch != host.arch || target.bits != host.bits ||
      target.os != host.os || target.has_gpu_feature())
    return false;
  for (Halide::Target::Feature f :
       {Halide::Target::SSE41, Halide::Target::AVX, Halide::Target::AVX2,
        Halide::Target::FMA, Halide::Target::F16C, Halide::Target::AVX512,
        Halide::Target::AVX512_Skylake, Halide::Target::AVX512_Cannonlake,
        Halide::Target::AVX512_SapphireRapids})
    if (target.has_feature(f) && !host.has_feature(f))
      return false;
  return true;
}

bool codegen::parseTarget(const std::string &name, Halide::Target &target,
                          std::string &error) {
  // Host detection calls some AMD CPUs "avx512_sapphirerapids"; Kiln's
  // names spell the features out, and "host" picks one of them.
  static const std::map<std::string, std::string> shortNames = {
      {"x86-avx2", "x86-64-linux-avx-avx2-f16c-fma-sse41"},
      {"x86-avx512", "x86-64-linux-avx-avx2-avx512-avx512_skylake-f16c-fma-"
                     "sse41"},
      {"arm64", "arm-64-linux"},
      {"x86-cuda", "x86-64-linux-avx-avx2-f16c-fma-sse41-cuda-cuda_"
                   "capability_80"},
      {"arm64-cuda", "arm-64-linux-cuda-cuda_capability_80"},
      {"x86-opencl", "x86-64-linux-avx-avx2-f16c-fma-sse41-opencl"},
  };
  auto it = shortNames.find(name == "host" ? hostTargetName() : name);
  std::string spelled = it == shortNames.end() ? name : it->second;
  if (!Halide::Target::validate_target_string(spelled)) {
    error = "unknown target '" + name +
            "' (use host, x86-avx2, x86-avx512, arm64, x86-cuda, arm64-cuda, "
            "x86-opencl or a Halide target string)";
    return false;
  }
  target = Halide::Target(spelled);
  return true;
}

std::string codegen::compileKernelObject(HalideKernel &kernel,
                                         const Halide::Target &target,
                                         const std::string &path,
                                         const std::string &functionName) {
  try {
    Halide::Pipeline pipeline(kernel.outputs);
    pipeline.compile_to_object(path, kernel.arguments(), functionName,
                               target.with_feature(Halide::Target::NoRuntime));
  } catch (const Halide::Error &e) {
    return "cannot compile kernel '" + kernel.name + "' for " +
           target.to_string() + ": " + e.what();
  }
  return "";
}

std::string codegen::compileRuntimeObject(const Halide::Target &target,
                                          const std::string &path) {
  try {
    Halide::compile_standalone_runtime(path, target);
  } catch (const Halide::Error &e) {
    return "cannot compile the Halide runtime for " + target.to_string() +
           ": " + e.what();
  }
  return "";
}

std::string codegen::loweredStmt(HalideKernel &kernel,
                                 const Halide::Target &target) {
  char path[] = "/tmp/kiln-stmt-XXXXXX";
  int fd = mkstemp(path);
  if (fd < 0)
    return "error: cannot create a temporary file";
  close(fd);
  std::string text;
  try {
    Halide::Pipeline pipeline(kernel.outputs);
    pipeline.compile_to_lowered_stmt(
        path, kernel.arguments(), Halide::StmtOutputFormat::Text,
        target.with_feature(Halide::Target::NoRuntime));
    std::ifstream in(path);
    text.assign(std::istreambuf_iterator<char>(in), {});
  } catch (const Halide::Error &e) {
    text = std::string("error: ") + e.what();
  }
  std::remove(path);
  return text;
}

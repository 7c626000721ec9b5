//===- AotTestUtil.h - Run AOT-compiled kernels in tests --------*- C++ -*-===//
//
// Compiles a kernel ahead of time, links it with KernelRunner.cpp and the
// Halide runtime, and runs it in its own process: for arm-64 under qemu, and
// for OpenCL on PoCL (whose LLVM cannot share a process with libHalide's).
//
//===----------------------------------------------------------------------===//

#ifndef KILN_TEST_UNIT_AOTTESTUTIL_H
#define KILN_TEST_UNIT_AOTTESTUTIL_H

#include "kiln/Codegen/Aot.h"
#include "kiln/Codegen/JitRunner.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <string>
#include <unistd.h>
#include <vector>

namespace kiln {
namespace codegen {
namespace testing_util {

inline void writeTensor(const std::string &path, const HostTensor &t) {
  std::ofstream out(path, std::ios::binary);
  uint32_t rank = static_cast<uint32_t>(t.shape.size());
  out.write("KLNT", 4);
  out.write(reinterpret_cast<const char *>(&rank), 4);
  out.write(reinterpret_cast<const char *>(t.shape.data()), 8 * rank);
  out.write(reinterpret_cast<const char *>(t.data.data()),
            4 * t.data.size());
}

inline bool readTensor(const std::string &path, HostTensor &t) {
  std::ifstream in(path, std::ios::binary);
  char magic[4];
  uint32_t rank = 0;
  if (!in.read(magic, 4) || !in.read(reinterpret_cast<char *>(&rank), 4))
    return false;
  t.shape.resize(rank);
  in.read(reinterpret_cast<char *>(t.shape.data()), 8 * rank);
  int64_t n = 1;
  for (int64_t d : t.shape)
    n *= d;
  t.data.resize(n);
  return static_cast<bool>(
      in.read(reinterpret_cast<char *>(t.data.data()), 4 * n));
}

/// Compiles `kernel` ahead of time for `target`, links it with the Halide
/// runtime and KernelRunner.cpp using `cxx`, runs it (under `launcher` when
/// not empty) on `inputs`, and returns its outputs (empty on failure, with
/// the reason in `log`).
inline std::vector<HostTensor> runAot(HalideKernel &kernel,
                               const Halide::Target &target,
                               const std::vector<JitArg> &inputs,
                               int64_t batch, const std::string &cxx,
                               const std::string &launcher, std::string &log) {
  std::string dir = ::testing::TempDir() + "/kiln_aot_" + kernel.name + "_" +
                    std::to_string(getpid());
  std::system(("mkdir -p " + dir).c_str());
  log = compileKernelObject(kernel, target, dir + "/k.o", "kiln_k");
  if (log.empty())
    log = compileRuntimeObject(target, dir + "/rt.o");
  if (!log.empty())
    return {};
  std::string link = cxx + " -O1 -std=c++17 -I/usr/include/halide14" +
                     " -DKILN_KERNEL_ARGV=kiln_k_argv" +
                     " -DKILN_KERNEL_METADATA=kiln_k_metadata " +
                     KILN_SOURCE_DIR "/test/unit/KernelRunner.cpp " + dir +
                     "/k.o " + dir + "/rt.o -lpthread -ldl -o " + dir +
                     "/runner 2>" + dir + "/link.log";
  if (std::system(link.c_str()) != 0) {
    log = "link failed: " + link;
    return {};
  }
  std::string run = launcher + " " + dir + "/runner " + dir + "/out " +
                    std::to_string(batch);
  for (size_t i = 0; i < inputs.size(); ++i) {
    if (kernel.args[i].kind != KernelArg::Kind::Tensor) {
      if (kernel.args[i].kind == KernelArg::Kind::F32)
        run += " " + std::to_string(inputs[i].scalar);
      else
        run += " " + std::to_string(static_cast<int64_t>(inputs[i].scalar));
      continue;
    }
    std::string path = dir + "/in" + std::to_string(i) + ".bin";
    writeTensor(path, inputs[i].tensor);
    run += " " + path;
  }
  for (const std::vector<int64_t> &shape : kernel.outputShapes) {
    std::string spec;
    for (int64_t d : shape)
      spec += (spec.empty() ? "" : "x") +
              (d < 0 ? std::string("?") : std::to_string(d));
    if (spec.empty())
      spec = "scalar";
    run += " " + spec;
  }
  if (std::system((run + " 2>" + dir + "/run.log").c_str()) != 0) {
    log = "run failed: " + run;
    return {};
  }
  std::vector<HostTensor> outputs(kernel.outputs.size());
  for (size_t i = 0; i < outputs.size(); ++i)
    if (!readTensor(dir + "/out" + std::to_string(i) + ".bin", outputs[i])) {
      log = "missing output " + std::to_string(i);
      return {};
    }
  std::system(("rm -rf " + dir).c_str());
  return outputs;
}

} // namespace testing_util
} // namespace codegen
} // namespace kiln

#endif // KILN_TEST_UNIT_AOTTESTUTIL_H

//===- AotTestUtil.h - Run AOT-compiled kernels in tests --------*- C++ -*-===//
//
// Compiles kernels ahead of time, links them all into one executable with
// KernelRunner.cpp and the Halide runtime, and runs them in one process of
// their own: for arm-64 under qemu, and for OpenCL on PoCL (whose LLVM cannot
// share a process with libHalide's). One link and one emulator or PoCL
// start-up serve every kernel of a network. Also finds the PTX a CUDA
// kernel object embeds, for ptxas.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_TEST_UNIT_AOTTESTUTIL_H
#define KILN_TEST_UNIT_AOTTESTUTIL_H

#include "kiln/Codegen/Aot.h"
#include "kiln/Codegen/JitRunner.h"
#include "kiln/Interpreter/TensorFile.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <unistd.h>
#include <vector>

namespace kiln {
namespace codegen {
namespace testing_util {

/// Kernels compiled ahead of time for one target and the runs queued on
/// them, linked into one executable and run in one process.
class AotProgram {
public:
  /// Kernels are compiled for `target`, linked with `cxx` (a compiler
  /// command) and run under `launcher` when it is not empty. The files live
  /// in a fresh directory under the test's temporary directory, removed at
  /// the end unless something failed.
  AotProgram(const Halide::Target &target, std::string cxx,
             std::string launcher)
      : target(target), cxx(std::move(cxx)), launcher(std::move(launcher)) {
    static int programs = 0;
    dir = ::testing::TempDir() + "/kiln_aot_" + std::to_string(getpid()) + "_" +
          std::to_string(programs++);
    std::filesystem::create_directories(dir);
  }

  ~AotProgram() {
    if (!failed)
      std::filesystem::remove_all(dir);
  }

  /// Compiles `kernel` (already scheduled) into the program and returns its
  /// index, or -1 with the reason in `log`.
  int addKernel(HalideKernel &kernel, std::string &log) {
    int index = static_cast<int>(kernels.size());
    std::string name = "kiln_k" + std::to_string(index);
    log = compileKernelObject(kernel, target, dir + "/" + name + ".o", name);
    if (!log.empty()) {
      failed = true;
      return -1;
    }
    KernelInfo info;
    for (const KernelArg &arg : kernel.args)
      info.argKinds.push_back(arg.kind);
    info.outputShapes = kernel.outputShapes;
    kernels.push_back(std::move(info));
    return index;
  }

  /// Queues a run of kernel `kernel` on `inputs` (one per argument) with
  /// `batch` as the dynamic extent; returns the run's index.
  int addRun(int kernel, const std::vector<JitArg> &inputs, int64_t batch) {
    int run = static_cast<int>(outputCounts.size());
    std::string prefix = dir + "/r" + std::to_string(run) + "_";
    std::string line =
        std::to_string(kernel) + " " + prefix + "out " + std::to_string(batch);
    const KernelInfo &info = kernels[kernel];
    for (size_t i = 0; i < inputs.size(); ++i) {
      if (info.argKinds[i] == KernelArg::Kind::F32) {
        line += " " + std::to_string(inputs[i].scalar);
      } else if (info.argKinds[i] == KernelArg::Kind::I64) {
        line += " " + std::to_string(static_cast<int64_t>(inputs[i].scalar));
      } else {
        std::string path = prefix + "in" + std::to_string(i) + ".bin";
        writeError += interp::writeTensorFile(
            path,
            ref::Tensor<float>(inputs[i].tensor.shape, inputs[i].tensor.data));
        line += " " + path;
      }
    }
    for (const std::vector<int64_t> &shape : info.outputShapes) {
      std::string spec;
      for (int64_t d : shape)
        spec += (spec.empty() ? "" : "x") +
                (d < 0 ? std::string("?") : std::to_string(d));
      line += " " + (spec.empty() ? std::string("scalar") : spec);
    }
    manifest += line + "\n";
    outputCounts.push_back(info.outputShapes.size());
    return run;
  }

  /// Writes the Halide runtime and the kernel table, links the program and
  /// runs every queued run in one process. Returns false with the reason in
  /// `log` when it cannot; a run that failed in the program just has no
  /// outputs, and `log` holds the program's messages.
  bool runAll(std::string &log) {
    failed = true;
    if (!writeError.empty()) {
      log = writeError;
      return false;
    }
    log = compileRuntimeObject(target, dir + "/rt.o");
    if (!log.empty())
      return false;
    std::ofstream table(dir + "/table.cpp");
    table << "#include <HalideRuntime.h>\n";
    std::string objects, argv, metadata;
    for (size_t i = 0; i < kernels.size(); ++i) {
      std::string name = "kiln_k" + std::to_string(i);
      table << "extern \"C\" int " << name << "_argv(void **);\n"
            << "extern \"C\" const halide_filter_metadata_t *" << name
            << "_metadata();\n";
      objects += " " + dir + "/" + name + ".o";
      argv += name + "_argv, ";
      metadata += name + "_metadata, ";
    }
    table << "extern \"C\" int (*const kiln_kernel_argv[])(void **) = {" << argv
          << "};\n"
          << "extern \"C\" const halide_filter_metadata_t "
             "*(*const kiln_kernel_metadata[])() = {"
          << metadata << "};\n"
          << "extern \"C\" const int kiln_kernel_count = " << kernels.size()
          << ";\n";
    table.close();
    std::ofstream(dir + "/manifest") << manifest;
    // The runner reads the runtime's buffer alignment (Alignment.h).
    std::string flags = " -O1 -std=c++17 -I/usr/include/halide14"
                        " -I" KILN_SOURCE_DIR "/runtime/include ";
    std::string link =
        cxx + flags + KILN_SOURCE_DIR "/test/unit/KernelRunner.cpp " + dir +
        "/table.cpp" + objects + " " + dir + "/rt.o -lpthread -ldl -o " + dir +
        "/runner 2>" + dir + "/link.log";
    if (std::system(link.c_str()) != 0) {
      log = "link failed (" + dir + "/link.log): " + link;
      return false;
    }
    std::string run = launcher + " " + dir + "/runner " + dir + "/manifest 2>" +
                      dir + "/run.log";
    int status = std::system(run.c_str());
    std::ifstream runLog(dir + "/run.log");
    log.assign(std::istreambuf_iterator<char>(runLog), {});
    if (status != 0 && log.empty())
      log = "'" + run + "' exited with " + std::to_string(status);
    failed = status != 0;
    return true;
  }

  /// The outputs of run `run` after runAll (empty when it failed).
  std::vector<HostTensor> outputs(int run) const {
    std::vector<HostTensor> result(outputCounts[run]);
    for (size_t i = 0; i < result.size(); ++i) {
      ref::Result<ref::Tensor<float>> t =
          interp::readTensorFile(dir + "/r" + std::to_string(run) + "_out" +
                                 std::to_string(i) + ".bin");
      if (!t.ok())
        return {};
      result[i].shape = t.value.shape();
      result[i].data = t.value.elements();
    }
    return result;
  }

private:
  /// What a run needs to know of a compiled kernel.
  struct KernelInfo {
    std::vector<KernelArg::Kind> argKinds;
    std::vector<std::vector<int64_t>> outputShapes;
  };

  Halide::Target target;
  std::string cxx, launcher, dir;
  std::vector<KernelInfo> kernels;
  std::vector<size_t> outputCounts;
  std::string manifest, writeError;
  bool failed = false;
};

/// Compiles `kernel` ahead of time for `target`, links it with the Halide
/// runtime and KernelRunner.cpp using `cxx`, runs it once (under `launcher`
/// when not empty) on `inputs`, and returns its outputs (empty on failure,
/// with the reason in `log`).
inline std::vector<HostTensor>
runAot(HalideKernel &kernel, const Halide::Target &target,
       const std::vector<JitArg> &inputs, int64_t batch, const std::string &cxx,
       const std::string &launcher, std::string &log) {
  AotProgram program(target, cxx, launcher);
  int index = program.addKernel(kernel, log);
  if (index < 0)
    return {};
  int run = program.addRun(index, inputs, batch);
  if (!program.runAll(log))
    return {};
  return program.outputs(run);
}

/// The PTX Halide embeds in a CUDA kernel object: from NVPTX's banner to
/// the NUL that ends it; empty when there is none.
inline std::string extractPtx(const std::string &objectPath) {
  std::ifstream in(objectPath, std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), {});
  size_t start = bytes.find("// Generated by LLVM NVPTX Back-End");
  if (start == std::string::npos)
    return "";
  size_t end = bytes.find('\0', start);
  return bytes.substr(start, end - start);
}

} // namespace testing_util
} // namespace codegen
} // namespace kiln

#endif // KILN_TEST_UNIT_AOTTESTUTIL_H

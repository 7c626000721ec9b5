//===- KernelRunner.cpp - Run one AOT-compiled kernel from files ----------===//
//
// Linked by the codegen tests with one kernel object and the Halide runtime
// of its target, for the targets the test process cannot JIT: arm-64 (run
// under qemu) and OpenCL (run on PoCL, whose LLVM cannot share a process with
// libHalide's). The kernel's metadata says what each argument is.
//
//   runner OUT_PREFIX BATCH ARG...
// where each ARG is a tensor file (for a buffer input) or a number (for a
// scalar input), then one shape per output ("?x13x13x32", "scalar" for rank
// 0); outputs are written to OUT_PREFIX<i>.bin. Tensor files are
// "KLNT", u32 rank, i64 extents (outermost first), f32 data.
//
// Built by the tests with only HalideRuntime.h: no libHalide, no MLIR.
//
//===----------------------------------------------------------------------===//

#include <HalideRuntime.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

extern "C" int KILN_KERNEL_ARGV(void **args);
extern "C" const halide_filter_metadata_t *KILN_KERNEL_METADATA();

namespace {

struct Tensor {
  std::vector<int64_t> shape;
  std::vector<float> data;
  std::vector<halide_dimension_t> dims;
  halide_buffer_t buffer{};
};

bool readTensor(const char *path, Tensor &t) {
  FILE *f = std::fopen(path, "rb");
  if (!f)
    return false;
  char magic[4];
  uint32_t rank = 0;
  bool ok = std::fread(magic, 1, 4, f) == 4 && !std::memcmp(magic, "KLNT", 4) &&
            std::fread(&rank, 4, 1, f) == 1 && rank <= 8;
  t.shape.resize(rank);
  size_t n = 1;
  for (uint32_t i = 0; ok && i < rank; ++i) {
    ok = std::fread(&t.shape[i], 8, 1, f) == 1 && t.shape[i] >= 0;
    n *= ok ? static_cast<size_t>(t.shape[i]) : 0;
  }
  t.data.resize(n);
  ok = ok && std::fread(t.data.data(), 4, n, f) == n;
  std::fclose(f);
  return ok;
}

bool writeTensor(const std::string &path, const Tensor &t) {
  FILE *f = std::fopen(path.c_str(), "wb");
  if (!f)
    return false;
  uint32_t rank = static_cast<uint32_t>(t.shape.size());
  bool ok = std::fwrite("KLNT", 1, 4, f) == 4 && std::fwrite(&rank, 4, 1, f) == 1;
  for (int64_t d : t.shape)
    ok = ok && std::fwrite(&d, 8, 1, f) == 1;
  ok = ok && std::fwrite(t.data.data(), 4, t.data.size(), f) == t.data.size();
  return std::fclose(f) == 0 && ok;
}

/// Points `t.buffer` at `t.data`, dimensions innermost first.
void bind(Tensor &t) {
  size_t rank = t.shape.size();
  t.dims.assign(rank, halide_dimension_t{});
  int32_t stride = 1;
  for (size_t d = 0; d < rank; ++d) {
    int32_t extent = static_cast<int32_t>(t.shape[rank - 1 - d]);
    t.dims[d] = halide_dimension_t{0, extent, stride, 0};
    stride *= extent;
  }
  t.buffer.host = reinterpret_cast<uint8_t *>(t.data.data());
  t.buffer.type = halide_type_t(halide_type_float, 32, 1);
  t.buffer.dimensions = static_cast<int32_t>(rank);
  t.buffer.dim = t.dims.data();
}

} // namespace

int main(int argc, char **argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: %s OUT_PREFIX BATCH ARG...\n", argv[0]);
    return 2;
  }
  const halide_filter_metadata_t *md = KILN_KERNEL_METADATA();
  int64_t batch = std::atoll(argv[2]);
  int nextArg = 3;
  std::vector<Tensor> tensors(md->num_arguments);
  std::vector<float> f32(md->num_arguments);
  std::vector<int64_t> i64(md->num_arguments);
  std::vector<void *> args(md->num_arguments);
  std::vector<int> outputs;
  for (int i = 0; i < md->num_arguments; ++i) {
    const halide_filter_argument_t &a = md->arguments[i];
    if (a.kind == halide_argument_kind_input_scalar) {
      if (nextArg >= argc)
        return std::fprintf(stderr, "missing scalar %s\n", a.name), 2;
      if (a.type.code == halide_type_float) {
        f32[i] = std::strtof(argv[nextArg++], nullptr);
        args[i] = &f32[i];
      } else {
        i64[i] = std::strtoll(argv[nextArg++], nullptr, 10);
        args[i] = &i64[i];
      }
    } else if (a.kind == halide_argument_kind_input_buffer) {
      if (nextArg >= argc || !readTensor(argv[nextArg++], tensors[i]))
        return std::fprintf(stderr, "cannot read tensor for %s\n", a.name), 2;
      bind(tensors[i]);
      // The data is on the host only: a GPU pipeline copies it over.
      tensors[i].buffer.set_host_dirty(true);
      args[i] = &tensors[i].buffer;
    } else {
      outputs.push_back(i);
    }
  }
  // Output shapes: the estimates Halide records are the static extents; the
  // outermost (batch) extent is the run's batch where it is dynamic.
  for (int i : outputs) {
    const halide_filter_argument_t &a = md->arguments[i];
    if (nextArg >= argc)
      return std::fprintf(stderr, "missing shape for %s\n", a.name), 2;
    // Shapes are given as "d0xd1x..." (outermost first), with "?" for the
    // batch.
    std::string spec = argv[nextArg++];
    Tensor &t = tensors[i];
    size_t pos = 0;
    while (spec != "scalar" && pos <= spec.size() && !spec.empty()) {
      size_t x = spec.find('x', pos);
      std::string part = spec.substr(pos, x == std::string::npos ? x : x - pos);
      t.shape.push_back(part == "?" ? batch : std::atoll(part.c_str()));
      if (x == std::string::npos)
        break;
      pos = x + 1;
    }
    size_t n = 1;
    for (int64_t d : t.shape)
      n *= static_cast<size_t>(d);
    t.data.assign(n, 0.0f);
    bind(t);
    args[i] = &t.buffer;
  }
  int rc = KILN_KERNEL_ARGV(args.data());
  if (rc != 0)
    return std::fprintf(stderr, "kernel failed with %d\n", rc), 1;
  for (size_t k = 0; k < outputs.size(); ++k) {
    Tensor &t = tensors[outputs[k]];
    if (t.buffer.device) {
      halide_copy_to_host(nullptr, &t.buffer);
      halide_device_free(nullptr, &t.buffer);
    }
    if (!writeTensor(std::string(argv[1]) + std::to_string(k) + ".bin", t))
      return std::fprintf(stderr, "cannot write output %zu\n", k), 1;
  }
  for (Tensor &t : tensors)
    if (t.buffer.device)
      halide_device_free(nullptr, &t.buffer);
  return 0;
}

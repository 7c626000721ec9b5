//===- Executor.cpp - Running a plan's kernels ----------------------------===//

#include "kiln/runtime/Executor.h"
#include "kiln/runtime/Alignment.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <mutex>

namespace kiln {
namespace rt {

namespace {

/// The last messages the Halide runtime reported, for the next Status.
std::mutex halideErrorMutex;
std::string halideErrorText;

/// Collects Halide runtime errors instead of printing them, so a failing
/// kernel becomes one message of ours.
void collectHalideError(void *, const char *message) {
  std::lock_guard<std::mutex> lock(halideErrorMutex);
  if (!halideErrorText.empty())
    halideErrorText += "; ";
  halideErrorText += message;
  while (!halideErrorText.empty() && halideErrorText.back() == '\n')
    halideErrorText.pop_back();
}

/// Returns and forgets the collected Halide errors; with `lastOnly`, only
/// the last one (the runtime reports each missing driver function first,
/// then the conclusion).
std::string takeHalideError(bool lastOnly = false) {
  std::lock_guard<std::mutex> lock(halideErrorMutex);
  std::string text = std::move(halideErrorText);
  halideErrorText.clear();
  if (lastOnly)
    if (size_t sep = text.rfind("; "); sep != std::string::npos)
      text = text.substr(sep + 2);
  return text.empty() ? "no message" : text;
}

/// The largest result count of any function of `plan`.
size_t maxResults(const fb::Plan &plan) {
  size_t n = 0;
  for (const fb::Function *fn : {plan.train_step(), plan.infer()})
    if (fn && fn->result_shapes())
      n = std::max<size_t>(n, fn->result_shapes()->size());
  return n;
}

/// Checks argument `index` of kernel metadata `md` against plan buffer
/// `ref`; `kind` is what the plan expects of it.
bool argumentMatches(const halide_filter_argument_t &arg,
                     const fb::BufferRef &ref, bool isOutput) {
  if (ref.kind() == fb::BufferKind::Step || ref.kind() == fb::BufferKind::Seed)
    return arg.kind == halide_argument_kind_input_scalar &&
           arg.type.code == halide_type_int && arg.type.bits == 64;
  if (ref.kind() == fb::BufferKind::LearningRate)
    return arg.kind == halide_argument_kind_input_scalar &&
           arg.type.code == halide_type_float && arg.type.bits == 32;
  size_t rank = ref.shape() ? ref.shape()->size() : 0;
  return arg.kind == (isOutput ? halide_argument_kind_output_buffer
                               : halide_argument_kind_input_buffer) &&
         arg.type.code == halide_type_float && arg.type.bits == 32 &&
         arg.dimensions == static_cast<int32_t>(rank);
}

constexpr int kMaxRank = 8;

} // namespace

/// A halide_buffer_t over host memory with its dimensions.
struct Executor::Bound {
  halide_buffer_t buffer{};
  halide_dimension_t dims[kMaxRank];
  /// What the kernel's argv receives: &buffer or a scalar's address.
  void *argument = nullptr;
  bool isBuffer = false;
};

Status Executor::init(const fb::Plan &p, const EmbeddedModel &m) {
  plan = &p;
  model = &m;
  halide_set_error_handler(collectHalideError);

  for (const fb::Function *fn : {p.train_step(), p.infer()}) {
    if (!fn)
      continue;
    for (const fb::KernelCall *call : *fn->calls()) {
      const KernelEntry &entry = m.kernels[call->kernel()];
      const halide_filter_metadata_t *md = entry.metadata();
      std::string where = "@" + fn->name()->str() + " kernel '" +
                          call->name()->str() + "' (" + entry.name + ")";
      size_t numIn = call->inputs()->size(), numOut = call->outputs()->size();
      if (md->num_arguments != static_cast<int>(numIn + numOut))
        return Status::error("plan and executable disagree: " + where +
                             " takes " + std::to_string(md->num_arguments) +
                             " arguments, the plan passes " +
                             std::to_string(numIn + numOut));
      for (size_t i = 0; i < numIn + numOut; ++i) {
        bool isOutput = i >= numIn;
        const fb::BufferRef *ref =
            isOutput ? call->outputs()->Get(i - numIn) : call->inputs()->Get(i);
        if (!argumentMatches(md->arguments[i], *ref, isOutput))
          return Status::error("plan and executable disagree: " + where +
                               " argument " + std::to_string(i) + " (" +
                               md->arguments[i].name +
                               ") is not what the plan passes");
        if (ref->shape() && ref->shape()->size() > kMaxRank)
          return Status::error(where + ": rank above " +
                               std::to_string(kMaxRank));
      }
    }
    arenaBytes = std::max<int64_t>(arenaBytes, fn->arena_bytes());
  }

  tensors.clear();
  for (const fb::Persistent *pt : *p.persistent()) {
    PersistentBuffer t;
    t.name = pt->name()->str();
    t.role = pt->role();
    t.shape = toShape(pt->shape());
    size_t n = static_cast<size_t>(elementCount(t.shape));
    t.current.assign(n, 0.0f);
    t.next.assign(n, 0.0f);
    tensors.push_back(std::move(t));
  }

  results.assign(maxResults(p), {});
  for (const fb::Function *fn : {p.train_step(), p.infer()}) {
    if (!fn || !fn->result_shapes())
      continue;
    for (size_t i = 0; i < fn->result_shapes()->size(); ++i) {
      std::vector<int64_t> shape = toShape(fn->result_shapes()->Get(i)->dims());
      for (int64_t &d : shape)
        if (d < 0)
          d = fn->batch();
      size_t n = static_cast<size_t>(elementCount(shape));
      if (results[i].size() < n)
        results[i].assign(n, 0.0f);
    }
  }

  void *memory = nullptr;
  // The plan's offsets are multiples of the alignment, so every buffer is
  // aligned as the kernels assume.
  if (posix_memalign(&memory, kBufferAlignment,
                     static_cast<size_t>(
                         std::max<int64_t>(arenaBytes, kBufferAlignment))) != 0)
    return Status::error("cannot allocate the " + std::to_string(arenaBytes) +
                         "-byte arena");
  arena = std::unique_ptr<uint8_t, void (*)(void *)>(
      static_cast<uint8_t *>(memory), std::free);
  std::memset(arena.get(), 0, static_cast<size_t>(arenaBytes));
  return Status::ok();
}

Status Executor::checkDevice() {
  if (!model->deviceInterface)
    return Status::ok();
  halide_reuse_device_allocations(nullptr, true);
  float probe[4] = {0, 0, 0, 0};
  halide_dimension_t dim{0, 4, 1, 0};
  halide_buffer_t buffer{};
  buffer.host = reinterpret_cast<uint8_t *>(probe);
  buffer.type = halide_type_t(halide_type_float, 32, 1);
  buffer.dimensions = 1;
  buffer.dim = &dim;
  int rc = halide_device_malloc(nullptr, &buffer, model->deviceInterface());
  if (rc != 0)
    return Status::error(std::string("this executable's kernels run on a ") +
                         model->deviceName +
                         " GPU, but no usable device was found (" +
                         takeHalideError(/*lastOnly=*/true) + ")");
  halide_device_free(nullptr, &buffer);
  return Status::ok();
}

Status Executor::bind(const fb::BufferRef &ref, const CallArgs &args,
                      Bound &out) {
  out.isBuffer = true;
  float *host = nullptr;
  switch (ref.kind()) {
  case fb::BufferKind::Input:
    host = const_cast<float *>(args.images);
    break;
  case fb::BufferKind::Labels:
    host = const_cast<float *>(args.labels);
    break;
  case fb::BufferKind::Step:
    out.isBuffer = false;
    out.argument = &stepValue;
    return Status::ok();
  case fb::BufferKind::Seed:
    out.isBuffer = false;
    out.argument = &seedValue;
    return Status::ok();
  case fb::BufferKind::LearningRate:
    out.isBuffer = false;
    out.argument = &lrValue;
    return Status::ok();
  case fb::BufferKind::Current:
    host = tensors[ref.index()].current.data();
    break;
  case fb::BufferKind::Next:
    host = tensors[ref.index()].next.data();
    break;
  case fb::BufferKind::Arena:
    host = reinterpret_cast<float *>(arena.get() + ref.index());
    break;
  case fb::BufferKind::Result:
    host = results[ref.index()].data();
    break;
  }
  if (!host)
    return Status::error("a kernel needs an input the caller did not give");
  std::vector<int64_t> shape = resolveShape(ref, args.batch);
  size_t rank = shape.size();
  int32_t stride = 1;
  for (size_t d = 0; d < rank; ++d) {
    int32_t extent = static_cast<int32_t>(shape[rank - 1 - d]);
    out.dims[d] = halide_dimension_t{0, extent, stride, 0};
    stride *= extent;
  }
  out.buffer = halide_buffer_t{};
  out.buffer.host = reinterpret_cast<uint8_t *>(host);
  out.buffer.type = halide_type_t(halide_type_float, 32, 1);
  out.buffer.dimensions = static_cast<int32_t>(rank);
  out.buffer.dim = out.dims;
  out.argument = &out.buffer;
  return Status::ok();
}

Status Executor::run(const fb::Function &fn, const CallArgs &args) {
  if (args.batch <= 0 || args.batch > fn.batch())
    return Status::error("batch " + std::to_string(args.batch) +
                         " is outside 1.." + std::to_string(fn.batch()) +
                         ", the batch the plan was made for (compile with a "
                         "larger --batch)");
  stepValue = args.step;
  // The kernels take the seed as an i64 and use its 64 bits as Philox's key.
  seedValue = static_cast<int64_t>(args.seed);
  lrValue = args.learningRate;
  bool onDevice = model->deviceInterface != nullptr;
  std::vector<Bound> bound;
  std::vector<void *> argv;
  for (const fb::KernelCall *call : *fn.calls()) {
    size_t numIn = call->inputs()->size(), numOut = call->outputs()->size();
    bound.assign(numIn + numOut, Bound());
    argv.assign(numIn + numOut, nullptr);
    for (size_t i = 0; i < numIn + numOut; ++i) {
      const fb::BufferRef *ref =
          i < numIn ? call->inputs()->Get(i) : call->outputs()->Get(i - numIn);
      if (Status s = bind(*ref, args, bound[i]); !s)
        return s;
      argv[i] = bound[i].isBuffer ? &bound[i].buffer : bound[i].argument;
      if (onDevice && bound[i].isBuffer && i < numIn)
        bound[i].buffer.set_host_dirty(true);
    }
    const KernelEntry &entry = model->kernels[call->kernel()];
    int rc = entry.argv(argv.data());
    if (onDevice) {
      for (size_t i = 0; i < bound.size(); ++i) {
        if (!bound[i].isBuffer || !bound[i].buffer.device)
          continue;
        if (i >= numIn && rc == 0 &&
            halide_copy_to_host(nullptr, &bound[i].buffer) != 0)
          rc = -1;
        halide_device_free(nullptr, &bound[i].buffer);
      }
    }
    if (rc != 0)
      return Status::error("kernel '" + call->name()->str() + "' of @" +
                           fn.name()->str() + " failed (Halide error " +
                           std::to_string(rc) + "): " + takeHalideError());
  }
  if (fn.copies())
    for (const fb::PassThrough *copy : *fn.copies()) {
      PersistentBuffer &t = tensors[copy->from()->index()];
      t.next = t.current;
    }
  // Swap in every persistent tensor the function wrote (each is written by
  // exactly one kernel output or copy).
  std::vector<bool> written(tensors.size(), false);
  for (const fb::KernelCall *call : *fn.calls())
    for (const fb::BufferRef *ref : *call->outputs())
      if (ref->kind() == fb::BufferKind::Next)
        written[ref->index()] = true;
  if (fn.copies())
    for (const fb::PassThrough *copy : *fn.copies())
      written[copy->to()->index()] = true;
  for (size_t i = 0; i < tensors.size(); ++i)
    if (written[i])
      tensors[i].current.swap(tensors[i].next);
  return Status::ok();
}

} // namespace rt
} // namespace kiln

//===- Session.cpp - A compiled model ready to run ------------------------===//

#include "kiln/runtime/Session.h"

#include "kiln/runtime/Cpu.h"
#include "kiln/runtime/File.h"
#include "kiln/runtime/Initializers.h"
#include "kiln/runtime/Json.h"
#include "kiln/runtime/Npz.h"
#include "kiln/runtime/ThreadPool.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <fcntl.h>
#include <malloc.h>
#include <unistd.h>

namespace kiln {
namespace rt {

namespace {

/// Keras' epsilon, the clip of probabilities in its cross-entropy.
constexpr double kProbabilityClip = 1e-7;

/// Replaces `count` rows of `classes` scores with their softmax.
void softmaxRows(float *scores, int64_t count, int classes) {
  for (int64_t r = 0; r < count; ++r) {
    float *row = scores + r * classes;
    float top = *std::max_element(row, row + classes);
    double sum = 0;
    for (int c = 0; c < classes; ++c)
      sum += std::exp(double(row[c]) - top);
    for (int c = 0; c < classes; ++c)
      row[c] = float(std::exp(double(row[c]) - top) / sum);
  }
}

/// "3x3x1x32" ("scalar" for rank 0), for messages.
std::string shapeText(const std::vector<int64_t> &shape) {
  return shape.empty() ? "scalar" : extentsText(shape);
}

/// Up to four of `names`, quoted, and how many more there are.
std::string someNames(const std::vector<std::string> &names) {
  std::string text;
  for (size_t i = 0; i < names.size() && i < 4; ++i)
    text += (i ? ", '" : "'") + names[i] + "'";
  if (names.size() > 4)
    text += " and " + std::to_string(names.size() - 4) + " more";
  return text.empty() ? "none" : text;
}

} // namespace

Status Session::open(const EmbeddedModel &model, bool training,
                     int64_t threads) {
  embedded = &model;
  PlanExpectations expect;
  expect.modelHash = model.modelHash;
  expect.numKernels = model.numKernels;
  expect.needTrainStep = training;
  if (Status s = loadPlan(model.plan, model.planSize, expect, "embedded plan",
                          planRoot);
      !s)
    return s;
  name = planRoot->model_name()->str();
  if (planRoot->target())
    if (Status s = checkTargetRunsHere(planRoot->target()->str()); !s)
      return Status::error(name + ": " + s.message());
  std::vector<int64_t> input = toShape(planRoot->input_shape());
  if (input.size() < 2 || input.size() > 3)
    return Status::error(name +
                         ": the runtime reads images of rank 2 or 3; "
                         "the model's input has rank " +
                         std::to_string(input.size()));
  dims[0] = int(input[0]);
  dims[1] = int(input[1]);
  dims[2] = input.size() == 3 ? int(input[2]) : 1;
  // Kiln's pool, not Halide's, runs the kernels' parallel loops (see
  // ThreadPool.h for why).
  setParallelThreads(int(threads));
  halide_set_custom_do_par_for(parallelFor);
  // Kernels allocate their scratch buffers (up to tens of MB) on every call.
  // glibc would map and unmap each one afresh, page-faulting its memory in
  // again; keeping freed memory in the heap instead made report 004 Model 4
  // train 1.8x faster (49 -> 87 images/s at batch 128).
  mallopt(M_MMAP_THRESHOLD, 32 << 20);
  mallopt(M_TRIM_THRESHOLD, 1 << 30);
  if (Status s = exec.init(*planRoot, model); !s)
    return s;
  return exec.checkDevice();
}

std::vector<std::string> Session::classNames() const {
  std::vector<std::string> names;
  for (const flatbuffers::String *s : *planRoot->class_names())
    names.push_back(s->str());
  return names;
}

Status Session::initialize(uint64_t seed) {
  std::vector<PersistentBuffer> &tensors = exec.persistent();
  for (size_t i = 0; i < tensors.size(); ++i) {
    const fb::Persistent *p = planRoot->persistent()->Get(i);
    // loadPlan() checked that the name or the arguments parse. A named
    // initialiser is drawn as such, its arguments only tell the others.
    std::optional<Initializer> init = parseInitializer(p->init()->str());
    InitArgs args;
    Status s = init ? Status::ok() : initArgsOf(*p, args);
    if (s)
      s = init ? initializeParameter(*init, tensors[i].shape, seed,
                                     static_cast<uint32_t>(i),
                                     tensors[i].current.data())
               : initializeParameter(args, tensors[i].shape, seed,
                                     static_cast<uint32_t>(i),
                                     tensors[i].current.data());
    if (!s)
      return Status::error(tensors[i].name + ": " + s.message());
  }
  return Status::ok();
}

Status Session::loadCheckpoint(const std::string &path, CheckpointData &out) {
  if (Status s = readCheckpoint(path, modelHash(), name, out); !s)
    return s;
  std::vector<PersistentBuffer> &tensors = exec.persistent();
  auto find = [&](const std::string &tensor) -> const NamedTensor * {
    for (const auto *list :
         {&out.parameters, &out.batchNormStats, &out.optimizerState})
      for (const NamedTensor &t : *list)
        if (t.name == tensor)
          return &t;
    return nullptr;
  };
  for (PersistentBuffer &t : tensors) {
    // An inference-only plan has no slots: they need not be present.
    const NamedTensor *saved = find(t.name);
    if (!saved)
      return Status::fileError(path,
                               "checkpoint has no tensor '" + t.name + "'");
    if (saved->shape != t.shape)
      return Status::fileError(path, "checkpoint tensor '" + t.name +
                                         "' has another shape than the "
                                         "model's");
    t.current = saved->data;
  }
  return Status::ok();
}

Status Session::loadWeights(const std::string &path, bool requireAll,
                            WeightsReport &report) {
  std::vector<uint8_t> bytes;
  if (Status s = readFile(path, "weights", bytes); !s)
    return s;
  std::vector<NamedTensor> file;
  if (looksLikeZip(bytes)) {
    if (Status s = parseNpz(path, bytes, file); !s)
      return s;
  } else if (looksLikeCheckpoint(bytes)) {
    // Any model's checkpoint: the names decide, not the model hash.
    CheckpointData ckpt;
    if (Status s = parseCheckpoint(path, bytes, /*expectedHash=*/0, name, ckpt);
        !s)
      return s;
    file = std::move(ckpt.parameters);
    for (NamedTensor &t : ckpt.batchNormStats)
      file.push_back(std::move(t));
  } else {
    return Status::fileError(path, "is neither a NumPy .npz archive nor a "
                                   "Kiln checkpoint");
  }
  report = WeightsReport();
  std::vector<bool> used(file.size(), false);
  std::vector<std::string> modelNames;
  for (PersistentBuffer &t : exec.persistent()) {
    if (t.role == fb::PersistentRole::Slot)
      continue;
    modelNames.push_back(t.name);
    size_t i = 0;
    while (i < file.size() && file[i].name != t.name)
      ++i;
    if (i == file.size()) {
      report.kept.push_back(t.name);
      continue;
    }
    if (file[i].shape != t.shape)
      return Status::fileError(
          path, "tensor '" + t.name + "' is " + shapeText(file[i].shape) +
                    " there and " + shapeText(t.shape) + " in " + name);
    used[i] = true;
    t.current = file[i].data;
    report.loaded.push_back(t.name);
  }
  for (size_t i = 0; i < file.size(); ++i)
    if (!used[i])
      report.unused.push_back(file[i].name);
  if (requireAll && !report.kept.empty())
    return Status::fileError(
        path, "lacks " + std::to_string(report.kept.size()) + " of " + name +
                  "'s " + std::to_string(modelNames.size()) +
                  " tensors: " + someNames(report.kept));
  if (report.loaded.empty())
    return Status::fileError(path,
                             "has none of " + name + "'s tensors (it has " +
                                 someNames(report.unused) + "; the model has " +
                                 someNames(modelNames) + ")");
  return Status::ok();
}

Status Session::saveWeights(const std::string &path, size_t &count) const {
  std::vector<NamedTensor> tensors = modelTensors();
  count = tensors.size();
  return writeNpz(path, tensors);
}

void Session::snapshot(CheckpointData &out) const {
  out.parameters.clear();
  out.batchNormStats.clear();
  out.optimizerState.clear();
  for (const PersistentBuffer &t : exec.persistent()) {
    NamedTensor nt{t.name, t.shape, t.current};
    switch (t.role) {
    case fb::PersistentRole::Param:
      out.parameters.push_back(std::move(nt));
      break;
    case fb::PersistentRole::State:
      out.batchNormStats.push_back(std::move(nt));
      break;
    case fb::PersistentRole::Slot:
      out.optimizerState.push_back(std::move(nt));
      break;
    }
  }
}

std::vector<NamedTensor> Session::modelTensors() const {
  std::vector<NamedTensor> out;
  for (const PersistentBuffer &t : exec.persistent())
    if (t.role != fb::PersistentRole::Slot)
      out.push_back({t.name, t.shape, t.current});
  return out;
}

void Session::restoreModelTensors(const std::vector<NamedTensor> &saved) {
  for (PersistentBuffer &t : exec.persistent())
    for (const NamedTensor &s : saved)
      if (s.name == t.name && s.data.size() == t.current.size())
        t.current = s.data;
}

double Session::penalty() const {
  double total = 0;
  const std::vector<PersistentBuffer> &tensors = exec.persistent();
  for (size_t i = 0; i < tensors.size(); ++i) {
    const fb::Persistent *p = planRoot->persistent()->Get(i);
    if (p->l1() == 0 && p->l2() == 0)
      continue;
    double abs = 0, squares = 0;
    for (float w : tensors[i].current) {
      abs += std::fabs(w);
      squares += double(w) * w;
    }
    total += p->l1() * abs + p->l2() * squares;
  }
  return total;
}

Status Session::predict(const float *images, int64_t count, int64_t batch,
                        std::vector<float> &probabilities) {
  const fb::Function &infer = *planRoot->infer();
  if (batch <= 0)
    batch = infer.batch();
  int numClasses = classes();
  size_t imageSize = size_t(dims[0]) * dims[1] * dims[2];
  probabilities.assign(size_t(count) * numClasses, 0.0f);
  for (int64_t start = 0; start < count; start += batch) {
    int64_t n = std::min(batch, count - start);
    CallArgs args;
    args.images = images + size_t(start) * imageSize;
    args.batch = n;
    if (Status s = exec.run(infer, args); !s)
      return s;
    float *out = probabilities.data() + size_t(start) * numClasses;
    std::copy_n(exec.result(0), size_t(n) * numClasses, out);
    if (!planRoot->probabilities())
      softmaxRows(out, n, numClasses);
  }
  return Status::ok();
}

Status Session::evaluate(const Dataset &data, int64_t batch, Evaluation &out) {
  std::vector<float> probs;
  if (Status s = predict(data.images.data(), data.count, batch, probs); !s)
    return s;
  int numClasses = classes();
  out.confusion = ConfusionMatrix(numClasses);
  if (Status s =
          out.confusion.addScores(data.labels.data(), probs.data(), data.count);
      !s)
    return s;
  double sum = 0;
  for (int64_t i = 0; i < data.count; ++i) {
    double p = probs[size_t(i) * numClasses + data.labels[i]];
    p = std::min(std::max(p, kProbabilityClip), 1 - kProbabilityClip);
    sum -= std::log(p);
  }
  out.loss = (data.count ? sum / double(data.count) : 0) + penalty();
  out.accuracy = out.confusion.accuracy();
  return Status::ok();
}

std::string evaluationJson(const std::string &modelName, int64_t images,
                           const Evaluation &eval,
                           const std::vector<std::string> &classNames,
                           double seconds) {
  JsonWriter json;
  json.beginObject();
  json.key("model").value(modelName);
  json.key("images").value(images);
  json.key("loss").value(eval.loss);
  json.key("accuracy").value(eval.accuracy);
  json.key("seconds").value(seconds);
  json.key("report");
  writeClassificationReport(
      json, classificationReport(eval.confusion, classNames), eval.confusion);
  json.endObject();
  return json.str();
}

std::string directoryOf(const std::string &path) {
  size_t slash = path.find_last_of('/');
  if (slash == std::string::npos)
    return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

Status checkWritableDirectory(const std::string &path, const char *what) {
  std::string dir = directoryOf(path);
  std::string probe = dir + "/.kiln-write-probe." + std::to_string(::getpid());
  int fd = ::open(probe.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0)
    return Status::errnoError(dir,
                              std::string("cannot write ") + what + " here");
  ::close(fd);
  ::unlink(probe.c_str());
  return Status::ok();
}

} // namespace rt
} // namespace kiln

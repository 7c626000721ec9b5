//===- ScheduleApply.cpp - Apply schedule data to a kernel ----------------===//

#include "kiln/Codegen/ScheduleApply.h"

#include <algorithm>
#include <map>
#include <mutex>

using namespace kiln;
using namespace kiln::codegen;

namespace {

using Halide::Func;
using Halide::TailStrategy;
using Halide::Var;
using Halide::VarOrRVar;

/// Largest power of two not above `n` (n >= 1).
int floorPow2(int64_t n) {
  int p = 1;
  while (p * 2 <= n)
    p *= 2;
  return p;
}

/// Vector lanes for an innermost extent of `extent`.
int lanesFor(const Schedule &s, const Halide::Target &target, int64_t extent) {
  int natural = s.vectorWidth ? s.vectorWidth
                              : target.natural_vector_size(Halide::Float(32));
  return std::max(1, std::min<int>(natural, floorPow2(std::max<int64_t>(
                                                extent, 1))));
}

/// Pure vars of `f`, innermost first.
std::vector<Var> varsOf(const Func &f) { return f.args(); }

/// Elementwise outputs: vectorise the innermost dimension, parallelise the
/// outermost (fused with the next where it is short).
void scheduleElementwise(Func out, const std::vector<int64_t> &shape,
                         const Schedule &s, const Halide::Target &target) {
  std::vector<Var> v = varsOf(out);
  int64_t inner = shape.empty() ? 1 : shape.back();
  int lanes = lanesFor(s, target, inner);
  if (!v.empty() && inner >= lanes && lanes > 1)
    out.vectorize(v[0], lanes);
  if (v.size() >= 3) {
    Var fused("fused");
    out.fuse(v[v.size() - 2], v.back(), fused).parallel(fused);
  } else if (v.size() == 2) {
    out.parallel(v[1], 8);
  }
}

/// apps/conv_layer-style CPU schedule of a conv anchor feeding `out`
/// (c, x, y, n): a register tile of `tileInner` vectors of output channels
/// by `tileOuter` columns accumulates over the whole reduction, filter
/// vectors are staged per input channel, and the padded input is
/// materialised per image (or per row when rows are the parallel loop).
void scheduleConvCpu(Func out, const std::vector<int64_t> &shape,
                     Anchor &anchor, const Schedule &s,
                     const Halide::Target &target) {
  std::vector<Var> v = varsOf(out);
  Var c = v[0], x = v[1], y = v[2], n = v[3];
  int64_t channels = shape[3], width = shape[2];
  int lanes = lanesFor(s, target, channels);
  int tileInner = std::max<int>(
      1, std::min<int64_t>(s.tileInner, channels / lanes));
  int tileOuter = std::max<int>(1, std::min<int64_t>(s.tileOuter, width));

  Var co("co"), ci("ci"), xo("xo"), xi("xi"), rows("rows");
  out.split(c, co, ci, lanes * tileInner, TailStrategy::ShiftInwards)
      .split(x, xo, xi, tileOuter, TailStrategy::ShiftInwards)
      .reorder(ci, xi, xo, co, y, n)
      .vectorize(ci, lanes)
      .unroll(ci)
      .unroll(xi);
  Halide::LoopLevel stageAt;
  if (s.parallelBatch) {
    out.parallel(n);
    stageAt = Halide::LoopLevel(out, n);
  } else {
    out.fuse(y, n, rows).parallel(rows);
    stageAt = Halide::LoopLevel(out, rows);
  }

  Func conv = anchor.func;
  std::vector<Var> cv = varsOf(conv);
  Halide::RDom r = anchor.rdom;
  conv.compute_at(out, xo)
      .vectorize(cv[0], lanes)
      .unroll(cv[0])
      .unroll(cv[1])
      .unroll(cv[2]);
  Halide::Stage update = conv.update();
  update.reorder(cv[0], cv[1], cv[2], r.x, r.y, r.z, cv[3])
      .vectorize(cv[0], lanes)
      .unroll(cv[0])
      .unroll(cv[1])
      .unroll(cv[2]);
  int inChannels = r.x.extent().as<Halide::Internal::IntImm>()
                       ? static_cast<int>(
                             r.x.extent().as<Halide::Internal::IntImm>()->value)
                       : 1;
  if (s.unrollReduction > 1 && inChannels % s.unrollReduction == 0)
    update.unroll(r.x, s.unrollReduction);

  anchor.weights.in()
      .compute_at(conv, r.x)
      .vectorize(Halide::_0, lanes)
      .unroll(Halide::_0);
  if (s.stageInput && anchor.inputIsComputed) {
    std::vector<Var> iv = varsOf(anchor.input);
    anchor.input.compute_at(stageAt);
    if (!iv.empty())
      anchor.input.vectorize(iv[0], lanes, TailStrategy::GuardWithIf);
  }
}

/// Loads an autoscheduler plugin once per process.
std::string loadAutoscheduler(const std::string &name) {
  static std::mutex mutex;
  static std::map<std::string, std::string> loaded;
  std::lock_guard<std::mutex> lock(mutex);
  auto it = loaded.find(name);
  if (it != loaded.end())
    return it->second;
  std::string lib;
  if (name == "Adams2019")
    lib = "adams2019";
  else if (name == "Mullapudi2016")
    lib = "mullapudi2016";
  else if (name == "Li2018")
    lib = "li2018";
  else
    return loaded[name] = "unknown autoscheduler '" + name + "'";
  std::string path = std::string(KILN_HALIDE_PLUGIN_DIR) + "/libautoschedule_" +
                     lib + ".so";
  try {
    Halide::load_plugin(path);
  } catch (const Halide::Error &e) {
    return loaded[name] = "cannot load autoscheduler " + path + ": " + e.what();
  }
  return loaded[name] = "";
}

/// Gives Halide the extents it needs to autoschedule: static shapes as they
/// are, the batch as `batch`.
void setEstimates(HalideKernel &kernel, int batch) {
  auto extentOf = [batch](int64_t d) {
    return static_cast<int>(d < 0 ? batch : d);
  };
  for (KernelArg &arg : kernel.args) {
    if (arg.kind == KernelArg::Kind::Tensor) {
      for (size_t d = 0; d < arg.shape.size(); ++d)
        arg.image.dim(d).set_estimate(
            0, extentOf(arg.shape[arg.shape.size() - 1 - d]));
    } else if (arg.kind == KernelArg::Kind::F32) {
      arg.f32.set_estimate(1e-3f);
    } else {
      arg.i64.set_estimate(1);
    }
  }
  for (size_t i = 0; i < kernel.outputs.size(); ++i) {
    const std::vector<int64_t> &shape = kernel.outputShapes[i];
    std::vector<Var> v = varsOf(kernel.outputs[i]);
    for (size_t d = 0; d < v.size(); ++d)
      kernel.outputs[i].set_estimate(v[d], 0,
                                     extentOf(shape[shape.size() - 1 - d]));
  }
}

} // namespace

Schedule codegen::heuristicSchedule(const HalideKernel &kernel,
                                    const Halide::Target &target) {
  Schedule s;
  // Accumulator tiles as in Halide's conv_layer app: with 32 vector
  // registers (AVX-512, AArch64) a wider tile fits than with AVX2's 16.
  bool manyRegisters = target.has_feature(Halide::Target::AVX512_Skylake) ||
                       target.arch == Halide::Target::ARM;
  s.tileInner = manyRegisters ? 2 : 1;
  s.tileOuter = manyRegisters ? 7 : 6;
  s.unrollReduction = 1;
  s.stageInput = true;
  s.parallelBatch = false;
  for (size_t i = 0; i < kernel.outputs.size(); ++i) {
    const std::vector<int64_t> &shape = kernel.outputShapes[i];
    // Prefer a column tile that divides the width so no column is computed
    // twice by the shifted-in last tile.
    if (shape.size() == 4 && shape[2] > 0) {
      for (int t = s.tileOuter; t >= 3; --t)
        if (shape[2] % t == 0) {
          s.tileOuter = t;
          break;
        }
    }
  }
  return s;
}

std::string codegen::applySchedule(HalideKernel &kernel,
                                   const Schedule &schedule,
                                   const Halide::Target &target,
                                   int batchEstimate) {
  try {
    if (!schedule.autoscheduler.empty()) {
      std::string error = loadAutoscheduler(schedule.autoscheduler);
      if (!error.empty())
        return error;
      setEstimates(kernel, batchEstimate);
      Halide::Pipeline pipeline(kernel.outputs);
      Halide::MachineParams params(target.has_gpu_feature() ? 16 : 2,
                                   16 * 1024 * 1024, 40);
      pipeline.auto_schedule(schedule.autoscheduler, target, params);
      return "";
    }
    if (kernel.anchors.size() > 1)
      return "kernel '" + kernel.name + "' has " +
             std::to_string(kernel.anchors.size()) +
             " reductions; a fused kernel holds at most one";
    for (size_t i = 0; i < kernel.outputs.size(); ++i) {
      const std::vector<int64_t> &shape = kernel.outputShapes[i];
      if (i == 0 && !kernel.anchors.empty() &&
          kernel.anchors[0].kind == AnchorKind::Conv && shape.size() == 4)
        scheduleConvCpu(kernel.outputs[0], shape, kernel.anchors[0], schedule,
                        target);
      else
        scheduleElementwise(kernel.outputs[i], shape, schedule, target);
    }
  } catch (const Halide::Error &e) {
    return std::string("cannot apply schedule '") + schedule.toString() +
           "' to kernel '" + kernel.name + "': " + e.what();
  }
  return "";
}

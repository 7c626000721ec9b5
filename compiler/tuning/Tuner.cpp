//===- Tuner.cpp - Measured schedule search per fused kernel --------------===//

#include "kiln/Tuning/Tuner.h"
#include "kiln/Codegen/Aot.h"
#include "kiln/Codegen/JitRunner.h"
#include "kiln/Codegen/ScheduleApply.h"
#include "kiln/IR/KilnOps.h"
#include "kiln/Transforms/Signature.h"
#include "kiln/Tuning/KernelCheck.h"
#include "kiln/Tuning/Search.h"
#include "kiln/Tuning/Signature.h"
#include "kiln/Tuning/TuningDb.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/xxhash.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <fcntl.h>
#include <memory>
#include <unistd.h>

using namespace kiln;
using namespace kiln::tuning;
using namespace kiln::codegen;

namespace {

using Clock = std::chrono::steady_clock;

/// Seconds from `start` to now.
double secondsSince(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

/// Sends standard error to /dev/null for its lifetime.
class QuietStderr {
public:
  explicit QuietStderr(bool enable) {
    if (!enable)
      return;
    fflush(stderr);
    saved = ::dup(2);
    int null = ::open("/dev/null", O_WRONLY);
    if (saved < 0 || null < 0) {
      if (null >= 0)
        ::close(null);
      return;
    }
    ::dup2(null, 2);
    ::close(null);
  }
  ~QuietStderr() {
    if (saved < 0)
      return;
    fflush(stderr);
    ::dup2(saved, 2);
    ::close(saved);
  }

private:
  int saved = -1;
};

/// A kernel lowered, scheduled and JIT-compiled; `error` says why not.
struct Compiled {
  std::unique_ptr<HalideKernel> kernel;
  std::unique_ptr<JitKernel> jit;
  std::string error;
};

/// Lowers `body`, applies `schedule` for `batch` and JIT-compiles it.
Compiled compile(mlir::Block &body, const Schedule &schedule,
                 const Halide::Target &target, int64_t batch) {
  Compiled c;
  mlir::FailureOr<HalideKernel> lowered =
      lowerToHalide(body, "k", loweringFor(!schedule.autoscheduler.empty()));
  if (mlir::failed(lowered)) {
    c.error = "cannot lower the kernel";
    return c;
  }
  // Halide's compiler warns on stderr (storage folding, autoscheduler
  // progress), which would bury kiln-tune's lines; failures come back as
  // error strings.
  QuietStderr quiet(true);
  c.kernel = std::make_unique<HalideKernel>(std::move(*lowered));
  c.error = applySchedule(*c.kernel, schedule, target, int(batch));
  if (!c.error.empty())
    return c;
  c.jit = std::make_unique<JitKernel>(*c.kernel, target);
  c.error = c.jit->error();
  return c;
}

/// Inputs at one batch and the interpreter's results for them.
struct Reference {
  std::vector<JitArg> args;
  std::vector<interp::RuntimeValue<float>> results;
  std::string error;
};

/// One kernel to tune.
struct Job {
  KernelOp op;
  std::string name;
  bool trainStep = false;
  std::string signature;
  int64_t batch = 0;
  /// Its body outlined into the interpreter's module.
  std::string function;
  std::vector<JitArg> args;
  int iterations = 3;
  double defaultSeconds = -1;
  KernelOutcome outcome;
  /// By batch, filled by the first check.
  std::map<int64_t, Reference> references;
};

/// Whether `target` runs on this machine: same architecture and OS, no GPU,
/// and no instruction set the host lacks.
bool runsHere(const Halide::Target &target, std::string &why) {
  if (runsOnHost(target))
    return true;
  Halide::Target host = Halide::get_host_target();
  if (target.arch != host.arch || target.bits != host.bits ||
      target.os != host.os || target.has_gpu_feature())
    why = "kiln-tune times kernels on this machine (" + host.to_string() +
          "); target " + target.to_string() +
          " does not run here (GPU and cross targets are not tuned)";
  else
    why = "target " + target.to_string() +
          " uses instructions this machine lacks (" + host.to_string() + ")";
  return false;
}

/// The pinned schedule of `job`, by "func/kernel" or bare kernel name.
const std::string *pinnedFor(const Job &job, const TuneOptions &options) {
  auto it = options.pinned.find(job.name);
  if (it == options.pinned.end())
    it = options.pinned.find(job.name.substr(job.name.find('/') + 1));
  return it == options.pinned.end() ? nullptr : &it->second;
}

/// A candidate that passed the interpreter check, re-timed as kilnc
/// compiles it.
struct Checked {
  Schedule schedule;
  double seconds = -1;
  double error = INFINITY;
};

/// The engine: holds the jobs, the interpreter's module and the database.
class Tuner {
public:
  Tuner(const TuneOptions &options, llvm::raw_ostream &progress)
      : options(options), progress(progress) {}

  /// Tunes every kernel of `module`; see tuneModule().
  std::vector<KernelOutcome> run(mlir::ModuleOp module, std::string &error);

private:
  /// Makes a Job per kernel of @infer and @train_step (as `options.only`
  /// and the pins select) and the interpreter's module of their bodies.
  bool collect(mlir::ModuleOp module, std::string &error);
  /// Searches `job` for `share` seconds (or measures its pin) and sets its
  /// outcome to the checked winner.
  void tune(Job &job, double share);
  /// Compiles `schedule` as kilnc does, compares it with the interpreter at
  /// the planned batch and at 1, and times it; `seconds` < 0 and `why`
  /// when it fails.
  Checked check(Job &job, const Schedule &schedule, std::string &why);
  /// Prints `job`'s progress: redrawn in place on a terminal, else only
  /// the final line.
  void line(const Job &job, size_t index, const std::string &text, bool done);

  const TuneOptions &options;
  llvm::raw_ostream &progress;
  Halide::Target target;
  std::string targetKey;
  std::vector<Job> jobs;
  mlir::OwningOpRef<mlir::ModuleOp> outlined;
  std::unique_ptr<interp::Interpreter> interpreter;
  TuningDb db;
};

bool Tuner::collect(mlir::ModuleOp module, std::string &error) {
  mlir::OpBuilder builder(module.getContext());
  outlined = mlir::ModuleOp::create(builder.getUnknownLoc());
  for (llvm::StringRef fn : {fn::kInfer, fn::kTrainStep}) {
    auto func = module.lookupSymbol<mlir::func::FuncOp>(fn);
    if (!func)
      continue;
    for (KernelOp op : func.getOps<KernelOp>()) {
      Job job;
      job.op = op;
      job.name = fn.str() + "/" + op.getName().value_or("kernel").str();
      if (!options.only.empty() &&
          job.name.find(options.only) == std::string::npos)
        continue;
      // Pins without --only: only the pinned kernels.
      if (options.only.empty() && !options.pinned.empty() &&
          !pinnedFor(job, options))
        continue;
      job.trainStep = fn == fn::kTrainStep;
      mlir::Block &body = op.getBodyBlock();
      job.signature = kernelSignature(body);
      job.batch = plannedBatch(op);
      if (job.batch <= 0) {
        error = "kernel " + job.name +
                " has no planned batch (run kiln-plan-memory first)";
        return false;
      }
      job.function = "kernel" + std::to_string(jobs.size());
      outlineKernel(body, *outlined, job.function);
      job.args = randomArgs(body.getArguments(), job.batch, 17,
                            distributionsFor(body));
      job.outcome.name = job.name;
      job.outcome.signature = job.signature;
      job.outcome.batch = job.batch;
      job.outcome.trainStep = job.trainStep;
      jobs.push_back(std::move(job));
    }
  }
  if (jobs.empty()) {
    error = options.only.empty()
                ? "the module has no kernels (@train_step and @infer)"
                : "no kernel name contains '" + options.only + "'";
    return false;
  }
  interpreter = std::make_unique<interp::Interpreter>(*outlined);
  if (!interpreter->error().empty()) {
    error = "the reference interpreter cannot run the kernels: " +
            interpreter->error();
    return false;
  }
  return true;
}

void Tuner::line(const Job &job, size_t index, const std::string &text,
                 bool done) {
  std::string head = "[" + std::to_string(index + 1) + "/" +
                     std::to_string(jobs.size()) + "] " + job.name + ": ";
  if (options.progressInPlace)
    progress << "\r\033[K" << head << text << (done ? "\n" : "");
  else if (done)
    progress << head << text << "\n";
  progress.flush();
}

Checked Tuner::check(Job &job, const Schedule &schedule, std::string &why) {
  Checked result;
  result.schedule = schedule;
  mlir::Block &body = job.op.getBodyBlock();
  Compiled c = compile(body, schedule, target, job.batch);
  if (!c.error.empty()) {
    why = c.error;
    return result;
  }
  // At the planned batch and at batch 1 (an epoch's last batch is smaller,
  // and inference runs single images): a schedule must handle both.
  double worst = 0;
  for (int64_t batch : {job.batch, int64_t(1)}) {
    Reference &cached = job.references[batch];
    if (cached.args.empty()) {
      // The interpreter's results are computed once per kernel and batch.
      cached.args = batch == job.batch ? job.args
                                       : randomArgs(body.getArguments(), batch,
                                                    18, distributionsFor(body));
      ref::Result<std::vector<interp::RuntimeValue<float>>> want =
          interpreter->run<float>(job.function,
                                  toInterpreter(cached.args, body));
      cached.error = want.ok() ? "" : want.error;
      cached.results = std::move(want.value);
    }
    if (!cached.error.empty()) {
      why = "the reference interpreter failed: " + cached.error;
      return result;
    }
    const std::vector<JitArg> &args = cached.args;
    const auto &want = cached.results;
    std::vector<HostTensor> got = c.jit->run(args, batch);
    if (got.empty()) {
      why = c.jit->error();
      return result;
    }
    worst = std::max(worst, worstError(got, want));
  }
  result.error = worst;
  if (!(worst < kMaxRelativeError)) {
    why = "differs from the reference interpreter (relative error " +
          std::to_string(worst) + ")";
    return result;
  }
  result.seconds = c.jit->time(job.args, job.batch, job.iterations);
  if (result.seconds < 0)
    why = c.jit->error();
  return result;
}

void Tuner::tune(Job &job, double share) {
  size_t index = &job - jobs.data();
  KernelOutcome &out = job.outcome;
  auto start = Clock::now();
  mlir::Block &body = job.op.getBodyBlock();
  Schedule heuristic = out.best;

  std::vector<Checked> accepted;
  std::string why;
  if (const std::string *pinned = pinnedFor(job, options)) {
    std::string parseError;
    std::optional<Schedule> schedule = Schedule::parse(*pinned, parseError);
    if (!schedule) {
      out.status = "pinned schedule rejected: " + parseError;
      return;
    }
    Checked c = check(job, *schedule, why);
    out.candidates = 1;
    if (c.seconds < 0) {
      out.status = "pinned schedule rejected: " + why;
      return;
    }
    accepted.push_back(c);
    out.status = "pinned";
  } else {
    // Per kernel a seed of its own, fixed by the run's seed and the
    // kernel's signature.
    uint64_t seed = llvm::xxh3_64bits(
        llvm::StringRef(job.signature + "/" + std::to_string(options.seed)));
    std::vector<Schedule> initial = {heuristic};
    for (const char *name : {"Mullapudi2016", "Adams2019", "Li2018"}) {
      Schedule s;
      s.autoscheduler = name;
      // Adams2019's default beam search takes minutes and gigabytes on
      // the big kernels; its greedy pass is what the budget affords, and
      // the schedule text keeps the setting so kilnc compiles the same.
      s.autoschedulerBeam =
          s.autoscheduler == "Adams2019" ? options.adamsBeam : 0;
      initial.push_back(s);
    }
    ScheduleSearch search(seed, initial);
    Schedule candidate;
    search.next(candidate); // the heuristic, measured already
    search.report(candidate, job.defaultSeconds);
    unsigned tried = 0;
    // At least one candidate besides the heuristic, then the budget.
    while ((tried == 0 || secondsSince(start) < share) &&
           search.next(candidate)) {
      Compiled c = compile(body, candidate, target, job.batch);
      double seconds = c.error.empty()
                           ? c.jit->time(job.args, job.batch, job.iterations)
                           : -1;
      search.report(candidate, seconds);
      ++tried;
      double best = search.ranked().front().second;
      line(job, index,
           std::to_string(tried) + " candidates, best " +
               llvm::formatv("{0:f4}", best * 1e3).str() + " ms (" +
               llvm::formatv("{0:f2}", job.defaultSeconds / best).str() +
               "x), " +
               std::to_string(int(std::max(0.0, share - secondsSince(start)))) +
               " s left",
           false);
    }
    out.candidates = tried + 1;
    // The three fastest distinct candidates that beat the heuristic are
    // compiled as kilnc compiles them, checked and re-timed; the fastest
    // that passes wins.
    int checks = 0;
    for (const auto &[schedule, seconds] : search.ranked()) {
      if (accepted.size() == 3 || checks == 5 || seconds >= job.defaultSeconds)
        break;
      if (schedule == heuristic)
        continue;
      ++checks;
      Checked c = check(job, schedule, why);
      if (c.seconds >= 0)
        accepted.push_back(c);
    }
    out.status = "tuned";
  }

  std::sort(
      accepted.begin(), accepted.end(),
      [](const Checked &a, const Checked &b) { return a.seconds < b.seconds; });
  if (out.status != "pinned" &&
      (accepted.empty() || accepted.front().seconds >= job.defaultSeconds)) {
    // Nothing faster passed: the heuristic stays, checked all the same so
    // the entry's error is a measured one.
    Checked h = check(job, heuristic, why);
    if (h.seconds < 0) {
      out.status = "heuristic fails its check: " + why;
      return;
    }
    // Its two timings differ only by noise: the better one stands for both.
    job.defaultSeconds = h.seconds = std::min(h.seconds, job.defaultSeconds);
    out.defaultMs = job.defaultSeconds * 1e3;
    accepted.assign(1, h);
    out.status = "heuristic kept";
  }
  const Checked &winner = accepted.front();
  out.best = winner.schedule;
  out.bestMs = winner.seconds * 1e3;
  out.maxError = winner.error;
}

std::vector<KernelOutcome> Tuner::run(mlir::ModuleOp module,
                                      std::string &error) {
  auto start = Clock::now();
  if (!parseTarget(options.target, target, error))
    return {};
  if (!runsHere(target, error))
    return {};
  targetKey = target.to_string();
  std::string warning;
  if (!db.load(options.dbPath, warning)) {
    // Not overwritten: it may be some other file given by mistake.
    error = warning + "; remove it or write to another file (-o)";
    return {};
  }
  if (!collect(module, error))
    return {};

  // The heuristic's time of every kernel decides how the budget is split.
  std::map<std::string, const Job *> firstOfKey;
  double totalDefault = 0;
  for (size_t i = 0; i < jobs.size(); ++i) {
    Job &job = jobs[i];
    KernelOutcome &out = job.outcome;
    mlir::FailureOr<HalideKernel> lowered =
        lowerToHalide(job.op.getBodyBlock(), "k");
    if (mlir::failed(lowered)) {
      error = job.name + ": cannot lower the kernel to Halide";
      return {};
    }
    out.best = heuristicSchedule(*lowered, target);
    const TuningEntry *entry = db.lookup(job.signature, targetKey, job.batch);
    std::string key = tuningKey(job.signature, targetKey, job.batch);
    if (firstOfKey.count(key)) {
      job.defaultSeconds = firstOfKey[key]->defaultSeconds;
    } else if (entry && entry->budgetMinutes >= options.budgetMinutes &&
               !pinnedFor(job, options)) {
      job.defaultSeconds = entry->defaultMs / 1e3;
    } else {
      line(job, i, "timing the heuristic", false);
      Compiled c = compile(job.op.getBodyBlock(), out.best, target, job.batch);
      if (c.error.empty()) {
        // A first measurement sets the runs per measurement (about a tenth
        // of a second of them, 3 to 15); the second, with that many, is
        // the heuristic's time.
        double first = c.jit->time(job.args, job.batch, 3);
        if (first > 0) {
          job.iterations = std::clamp(int(0.1 / first), 3, 15);
          job.defaultSeconds =
              std::min(first, c.jit->time(job.args, job.batch, job.iterations));
        }
      }
      if (job.defaultSeconds < 0) {
        error = job.name + ": the heuristic schedule does not run: " +
                (c.error.empty() ? c.jit->error() : c.error);
        return {};
      }
    }
    firstOfKey.emplace(key, &job);
    out.defaultMs = job.defaultSeconds * 1e3;
    totalDefault += job.defaultSeconds;
  }

  // Shares by the heuristic's time, plus a quarter of the mean each, so
  // small kernels still get a few candidates.
  double remaining =
      std::max(0.0, options.budgetMinutes * 60 - secondsSince(start));
  double mean = totalDefault / jobs.size();
  for (size_t i = 0; i < jobs.size(); ++i) {
    Job &job = jobs[i];
    KernelOutcome &out = job.outcome;
    std::string key = tuningKey(job.signature, targetKey, job.batch);
    const Job *first = firstOfKey[key];
    if (first != &job) {
      out = first->outcome;
      out.name = job.name;
      out.trainStep = job.trainStep;
      out.status = "same as " + first->name;
      line(job, i, out.status, true);
      continue;
    }
    const TuningEntry *entry = db.lookup(job.signature, targetKey, job.batch);
    if (entry && entry->budgetMinutes >= options.budgetMinutes &&
        !pinnedFor(job, options)) {
      std::string parseError;
      if (std::optional<Schedule> s =
              Schedule::parse(entry->schedule, parseError)) {
        out.best = *s;
        out.bestMs = entry->bestMs;
        out.defaultMs = entry->defaultMs;
        out.candidates = entry->candidates;
        out.maxError = entry->maxError;
        out.status = "cached";
        line(job, i,
             "in the database (budget " +
                 std::string(llvm::formatv(
                     "{0}", llvm::format("%g", entry->budgetMinutes))) +
                 " min)",
             true);
        continue;
      }
    }
    double share =
        remaining * (job.defaultSeconds + 0.25 * mean) / (1.25 * totalDefault);
    tune(job, share);
    if (out.bestMs <= 0) {
      line(job, i, out.status + "; not stored", true);
      continue;
    }
    TuningEntry e;
    e.signature = job.signature;
    e.target = targetKey;
    e.batch = job.batch;
    e.schedule = out.best.toString();
    e.kernel = job.name;
    e.defaultMs = out.defaultMs;
    e.bestMs = out.bestMs;
    e.budgetMinutes = options.budgetMinutes;
    e.candidates = out.candidates;
    e.seed = options.seed;
    e.maxError = out.maxError;
    db.merge(e);
    std::string saveError = db.save(options.dbPath);
    if (!saveError.empty()) {
      error = saveError;
      return {};
    }
    line(job, i,
         llvm::formatv("{0} candidates, {1:f4} -> {2:f4} ms ({3:f2}x), "
                       "error {4:e1}, {5}: {6}",
                       out.candidates, out.defaultMs, out.bestMs,
                       out.defaultMs / out.bestMs, out.maxError, out.status,
                       e.schedule)
             .str(),
         true);
  }
  std::vector<KernelOutcome> outcomes;
  for (Job &job : jobs)
    outcomes.push_back(job.outcome);
  return outcomes;
}

} // namespace

std::vector<KernelOutcome> tuning::tuneModule(mlir::ModuleOp module,
                                              const TuneOptions &options,
                                              llvm::raw_ostream &progress,
                                              std::string &error) {
  return Tuner(options, progress).run(module, error);
}

void tuning::printSummary(const std::vector<KernelOutcome> &outcomes,
                          llvm::raw_ostream &os) {
  os << llvm::format("%-44s %10s %10s %8s  %-16s %s\n",
                     static_cast<const char *>("kernel"),
                     static_cast<const char *>("default ms"),
                     static_cast<const char *>("best ms"),
                     static_cast<const char *>("speed-up"),
                     static_cast<const char *>("status"),
                     static_cast<const char *>("schedule"));
  for (bool train : {false, true}) {
    double totalDefault = 0, totalBest = 0;
    bool any = false;
    for (const KernelOutcome &o : outcomes) {
      if (o.trainStep != train)
        continue;
      any = true;
      bool stored = o.bestMs > 0;
      double best = stored ? o.bestMs : o.defaultMs;
      totalDefault += o.defaultMs;
      totalBest += best;
      std::string status = o.status.substr(0, o.status.find(':'));
      os << llvm::format("%-44s %10.4f %10.4f %7.2fx  %-16s %s\n",
                         o.name.c_str(), o.defaultMs, best, o.defaultMs / best,
                         status.c_str(),
                         stored ? o.best.toString().c_str() : "-");
    }
    if (any)
      os << llvm::format("%-44s %10.4f %10.4f %7.2fx\n",
                         static_cast<const char *>(train ? "total @train_step"
                                                         : "total @infer"),
                         totalDefault, totalBest, totalDefault / totalBest);
  }
}

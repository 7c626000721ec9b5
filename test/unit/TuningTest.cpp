//===- TuningTest.cpp - Kernel signatures, tuning database, search --------===//
//
// The pieces of kiln-tune that need no timing: the structural signature
// the database is keyed by, the database's encoding, merging and refusal of
// bad files, and the search's determinism and convergence on a synthetic
// cost.
//
//===----------------------------------------------------------------------===//

#include "kiln/IR/KilnDialect.h"
#include "kiln/IR/KilnOps.h"
#include "kiln/Tuning/Search.h"
#include "kiln/Tuning/Signature.h"
#include "kiln/Tuning/TuningDb.h"
#include "kiln/tuning/schemas/tuning_generated.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <unistd.h>

using namespace kiln;
using namespace kiln::tuning;
using codegen::Schedule;

namespace {

/// A conv + ReLU kernel as kiln-fuse makes it, with `cin` input channels,
/// `pad` padding and the SSA, kernel and function names given.
std::string convModule(const std::string &func, const std::string &kernel,
                       const std::string &ssa, int cin, int pad,
                       const std::string &prefix = "") {
  std::string in = "tensor<?x14x14x" + std::to_string(cin) + "xf32>";
  std::string w = "tensor<3x3x" + std::to_string(cin) + "x128xf32>";
  std::string out = pad ? "tensor<?x14x14x128xf32>" : "tensor<?x12x12x128xf32>";
  std::string p = std::to_string(pad);
  return "func.func @" + func + "(%x: " + in + ", %w: " + w + ") -> " + out +
         " attributes {kiln.batch = 32 : i64} {\n" + prefix + "  %" + ssa +
         " = kiln.kernel \"" + kernel + "\"(%x, %w) : (" + in + ", " + w +
         ") -> " + out + " {\n  ^bb0(%" + ssa + "a: " + in + ", %" + ssa +
         "b: " + w + "):\n    %" + ssa + "y = kiln.conv2d %" + ssa + "a, %" +
         ssa + "b {padding = array<i64: " + p + ", " + p + ", " + p + ", " + p +
         ">} : (" + in + ", " + w + ") -> " + out + " loc(\"" + func +
         ".kiln\":3:4)\n    %" + ssa + "z = kiln.relu %" + ssa + "y : " + out +
         "\n    kiln.yield %" + ssa + "z : " + out + "\n  }\n  return %" + ssa +
         " : " + out + "\n}\n";
}

/// The signature of the (last) kernel of a parsed module.
struct Parsed {
  mlir::OwningOpRef<mlir::ModuleOp> module;
  KernelOp kernel;
};

Parsed parse(mlir::MLIRContext &context, const std::string &text) {
  context.loadDialect<KilnDialect, mlir::func::FuncDialect>();
  Parsed p;
  p.module = mlir::parseSourceString<mlir::ModuleOp>(text, &context);
  if (p.module)
    p.module->walk([&](KernelOp op) { p.kernel = op; });
  return p;
}

// Tests that the same kernel in two modules (other SSA, kernel and function
// names, locations, another kernel before it) gets the same signature, and
// that the signature is a 16-digit hex string.
TEST(TuningSignature, SameKernelSameKey) {
  mlir::MLIRContext c1, c2;
  Parsed a = parse(c1, convModule("f", "k0_conv2d", "r", 64, 1));
  std::string other =
      "func.func @g(%q: tensor<4xf32>) -> tensor<4xf32> {\n"
      "  %0 = kiln.kernel \"k0_relu\"(%q) : (tensor<4xf32>) -> tensor<4xf32> "
      "{\n"
      "  ^bb0(%e: tensor<4xf32>):\n    %f = kiln.relu %e : tensor<4xf32>\n"
      "    kiln.yield %f : tensor<4xf32>\n  }\n  return %0 : tensor<4xf32>\n"
      "}\n";
  Parsed b =
      parse(c2, other + convModule("train_step", "k9_conv2d", "s", 64, 1));
  ASSERT_TRUE(a.kernel && b.kernel);
  std::string key = kernelSignature(a.kernel.getBodyBlock());
  EXPECT_EQ(key.size(), 16u);
  EXPECT_EQ(key.find_first_not_of("0123456789abcdef"), std::string::npos);
  EXPECT_EQ(key, kernelSignature(b.kernel.getBodyBlock()));
  EXPECT_EQ(canonicalText(a.kernel.getBodyBlock()),
            canonicalText(b.kernel.getBodyBlock()));
  EXPECT_EQ(plannedBatch(a.kernel), 32);
}

// Tests that a changed shape or a changed attribute gives another key.
TEST(TuningSignature, ChangedShapeOrAttributeOtherKey) {
  mlir::MLIRContext c1, c2, c3;
  Parsed base = parse(c1, convModule("f", "k", "r", 64, 1));
  Parsed shape = parse(c2, convModule("f", "k", "r", 32, 1));
  Parsed padding = parse(c3, convModule("f", "k", "r", 64, 0));
  ASSERT_TRUE(base.kernel && shape.kernel && padding.kernel);
  std::string key = kernelSignature(base.kernel.getBodyBlock());
  EXPECT_NE(key, kernelSignature(shape.kernel.getBodyBlock()));
  EXPECT_NE(key, kernelSignature(padding.kernel.getBodyBlock()));
}

TuningEntry entry(const std::string &signature, double bestMs,
                  const std::string &schedule, double budget = 1) {
  TuningEntry e;
  e.signature = signature;
  e.target = "x86-64-linux-avx-avx2-f16c-fma-sse41";
  e.batch = 128;
  e.schedule = schedule;
  e.kernel = "train_step/k0_conv2d";
  e.defaultMs = 2;
  e.bestMs = bestMs;
  e.budgetMinutes = budget;
  e.candidates = 17;
  e.seed = 5;
  e.maxError = 3e-7;
  return e;
}

/// A fresh path in a temporary directory.
std::string tempPath(const std::string &name) {
  char dir[] = "/tmp/kiln-tuning-test-XXXXXX";
  EXPECT_NE(::mkdtemp(dir), nullptr);
  return std::string(dir) + "/" + name;
}

// Tests that every field survives encoding and decoding.
TEST(TuningDb, RoundTrip) {
  TuningDb db;
  db.merge(entry("00000000000000aa", 1.5, "v16 t2x7 u1 stage rf16 pr gpu32x4"));
  db.merge(entry("00000000000000bb", 0.5, "auto:Adams2019"));
  TuningDb back;
  std::string error;
  ASSERT_TRUE(back.decode(db.encode(), error)) << error;
  ASSERT_EQ(back.entries().size(), 2u);
  const TuningEntry *e = back.lookup(
      "00000000000000aa", "x86-64-linux-avx-avx2-f16c-fma-sse41", 128);
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(e->schedule, "v16 t2x7 u1 stage rf16 pr gpu32x4");
  EXPECT_EQ(e->kernel, "train_step/k0_conv2d");
  EXPECT_DOUBLE_EQ(e->bestMs, 1.5);
  EXPECT_DOUBLE_EQ(e->defaultMs, 2);
  EXPECT_DOUBLE_EQ(e->budgetMinutes, 1);
  EXPECT_EQ(e->candidates, 17u);
  EXPECT_EQ(e->seed, 5u);
  EXPECT_DOUBLE_EQ(e->maxError, 3e-7);
  // Another batch or target is another key.
  EXPECT_EQ(back.lookup("00000000000000aa",
                        "x86-64-linux-avx-avx2-f16c-fma-sse41", 64),
            nullptr);
  EXPECT_EQ(back.lookup("00000000000000aa", "arm-64-linux", 128), nullptr);
}

// Tests that merging keeps the faster schedule per key and the larger
// budget, and that save() merges with what the file holds.
TEST(TuningDb, MergeKeepsBest) {
  TuningDb db;
  EXPECT_TRUE(db.merge(entry("aa", 1.5, "v8 t1x1 u1 stage rf0 pr gpu32x4", 2)));
  EXPECT_FALSE(
      db.merge(entry("aa", 1.9, "v16 t2x2 u1 stage rf0 pr gpu32x4", 5)));
  const TuningEntry *e =
      db.lookup("aa", "x86-64-linux-avx-avx2-f16c-fma-sse41", 128);
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(e->schedule, "v8 t1x1 u1 stage rf0 pr gpu32x4");
  EXPECT_DOUBLE_EQ(e->budgetMinutes, 5);
  EXPECT_TRUE(db.merge(entry("aa", 1.0, "v4 t1x1 u1 stage rf0 pr gpu32x4", 1)));
  EXPECT_EQ(e->schedule, "v4 t1x1 u1 stage rf0 pr gpu32x4");
  EXPECT_DOUBLE_EQ(e->budgetMinutes, 5);

  // Two runs sharing one file: the second save keeps the first's entries.
  std::string path = tempPath("shared.kdb");
  TuningDb first, second;
  first.merge(entry("aa", 1.0, "v4 t1x1 u1 stage rf0 pr gpu32x4"));
  second.merge(entry("bb", 1.0, "auto:Li2018"));
  second.merge(entry("aa", 3.0, "v8 t1x1 u1 stage rf0 pr gpu32x4"));
  ASSERT_EQ(first.save(path), "");
  ASSERT_EQ(second.save(path), "");
  TuningDb loaded;
  std::string warning;
  ASSERT_TRUE(loaded.load(path, warning)) << warning;
  EXPECT_EQ(loaded.entries().size(), 2u);
  EXPECT_EQ(loaded.lookup("aa", "x86-64-linux-avx-avx2-f16c-fma-sse41", 128)
                ->schedule,
            "v4 t1x1 u1 stage rf0 pr gpu32x4");
  // Written atomically: no temporary file is left next to it.
  std::string dir = path.substr(0, path.rfind('/'));
  EXPECT_EQ(std::system(("test $(ls " + dir + " | wc -l) -eq 1").c_str()), 0);
}

// Tests that a missing file is an empty database, and that a corrupt, a
// truncated and a stale (other schema version) file are refused with a
// warning naming the file.
TEST(TuningDb, BadFilesAreIgnoredWithAWarning) {
  TuningDb db;
  std::string warning;
  EXPECT_TRUE(db.load(tempPath("missing.kdb"), warning));
  EXPECT_EQ(warning, "");
  EXPECT_TRUE(db.entries().empty());

  TuningDb good;
  good.merge(entry("aa", 1.0, "auto:Li2018"));
  std::vector<uint8_t> bytes = good.encode();

  std::string corrupt = tempPath("corrupt.kdb");
  std::ofstream(corrupt) << "this is not a tuning database at all";
  EXPECT_FALSE(db.load(corrupt, warning));
  EXPECT_NE(warning.find(corrupt), std::string::npos) << warning;
  EXPECT_NE(warning.find("not a valid tuning database"), std::string::npos);
  EXPECT_TRUE(db.entries().empty());

  std::string truncated = tempPath("truncated.kdb");
  std::ofstream(truncated, std::ios::binary)
      .write(reinterpret_cast<const char *>(bytes.data()), bytes.size() / 2);
  warning.clear();
  EXPECT_FALSE(db.load(truncated, warning));
  EXPECT_NE(warning.find(truncated), std::string::npos) << warning;

  flatbuffers::FlatBufferBuilder builder;
  fb::FinishDatabaseBuffer(
      builder, fb::CreateDatabase(builder, kTuningSchemaVersion + 1));
  std::string stale = tempPath("stale.kdb");
  std::ofstream(stale, std::ios::binary)
      .write(reinterpret_cast<const char *>(builder.GetBufferPointer()),
             builder.GetSize());
  warning.clear();
  EXPECT_FALSE(db.load(stale, warning));
  EXPECT_NE(warning.find(stale), std::string::npos) << warning;
  EXPECT_NE(warning.find("schema version " +
                         std::to_string(kTuningSchemaVersion + 1)),
            std::string::npos)
      << warning;
}

// Tests that Adams2019's beam size is part of a schedule's text (so the
// database gives kilnc the very setting that was measured) and that other
// options are refused.
TEST(TuningSchedule, AutoschedulerBeamText) {
  std::string error;
  std::optional<Schedule> s = Schedule::parse("auto:Adams2019/beam1", error);
  ASSERT_TRUE(s) << error;
  EXPECT_EQ(s->autoscheduler, "Adams2019");
  EXPECT_EQ(s->autoschedulerBeam, 1);
  EXPECT_EQ(s->toString(), "auto:Adams2019/beam1");
  EXPECT_EQ(Schedule::parse("auto:Adams2019", error)->autoschedulerBeam, 0);
  EXPECT_FALSE(s == *Schedule::parse("auto:Adams2019", error));
  for (const char *bad : {"auto:Li2018/beam1", "auto:Adams2019/beam0",
                          "auto:Adams2019/beam", "auto:Adams2019/width4"}) {
    error.clear();
    EXPECT_FALSE(Schedule::parse(bad, error)) << bad;
    EXPECT_NE(error.find("bad autoscheduler option"), std::string::npos)
        << error;
  }
}

/// A synthetic cost with one optimum: every field's distance from it.
double syntheticCost(const Schedule &s) {
  if (!s.autoscheduler.empty())
    return 50;
  return 1 + std::abs(s.vectorWidth - 16) / 4.0 + std::abs(s.tileInner - 3) +
         std::abs(s.tileOuter - 6) + std::abs(s.unrollReduction - 4) +
         (s.stageInput ? 0 : 1) + std::abs(s.rfactor - 32) / 8.0 +
         (s.parallelBatch ? 1 : 0);
}

/// The candidates a search proposes in `steps` steps on syntheticCost.
std::vector<std::string> runSearch(uint64_t seed, int steps,
                                   double *best = nullptr) {
  Schedule start;
  Schedule adams;
  adams.autoscheduler = "Adams2019";
  ScheduleSearch search(seed, {start, adams});
  std::vector<std::string> sequence;
  Schedule candidate;
  for (int i = 0; i < steps && search.next(candidate); ++i) {
    sequence.push_back(candidate.toString());
    search.report(candidate, syntheticCost(candidate));
  }
  if (best)
    *best = search.ranked().front().second;
  return sequence;
}

// Tests that the initial candidates come first in order, no candidate is
// proposed twice, and the same seed gives the same sequence (another seed
// another one).
TEST(TuningSearch, DeterministicWithoutRepeats) {
  std::vector<std::string> a = runSearch(7, 150), b = runSearch(7, 150),
                           c = runSearch(8, 150);
  ASSERT_EQ(a.size(), 150u);
  EXPECT_EQ(a[0], Schedule().toString());
  EXPECT_EQ(a[1], "auto:Adams2019");
  EXPECT_EQ(a, b);
  EXPECT_NE(a, c);
  std::set<std::string> unique(a.begin(), a.end());
  EXPECT_EQ(unique.size(), a.size());
}

// Tests that the search reaches the synthetic optimum, which is 11 field
// steps away from the start, well within its budget.
TEST(TuningSearch, ConvergesOnSyntheticCost) {
  double best = 0;
  runSearch(3, 400, &best);
  EXPECT_DOUBLE_EQ(best, 1);
}

} // namespace

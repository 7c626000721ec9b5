//===- PlanTest.cpp - Tests of the plan loader and the option parser ------===//

#include "kiln/runtime/Plan.h"
#include "kiln/runtime/CommandLine.h"

#include <gtest/gtest.h>

using namespace kiln;
using namespace kiln::rt;

namespace {

/// What a test plan deviates in from a valid one.
struct PlanVariant {
  uint32_t version = kPlanSchemaVersion;
  uint32_t kernel = 0;
  int64_t arenaOffset = 0;
  int64_t arenaBytes = 64;
  fb::BufferKind weightKind = fb::BufferKind::Current;
  bool withTrainStep = false;
  /// The data's label selection (none when empty).
  std::vector<int32_t> select;
};

/// A one-kernel @infer over 2x2x1 images and 2 classes: the kernel reads the
/// input and a 4 x 2 parameter, writes an arena buffer; a second kernel
/// turns it into the probabilities.
std::vector<uint8_t> makePlan(const PlanVariant &v = {}) {
  flatbuffers::FlatBufferBuilder fbb;
  auto ref = [&](fb::BufferKind kind, int64_t index,
                 std::vector<int64_t> shape) {
    return fb::CreateBufferRef(fbb, kind, index, fbb.CreateVector(shape));
  };
  std::vector<flatbuffers::Offset<fb::KernelCall>> calls;
  {
    std::vector<flatbuffers::Offset<fb::BufferRef>> in = {
        ref(fb::BufferKind::Input, 0, {-1, 4}), ref(v.weightKind, 0, {4, 2})};
    std::vector<flatbuffers::Offset<fb::BufferRef>> out = {
        ref(fb::BufferKind::Arena, v.arenaOffset, {-1, 2})};
    calls.push_back(fb::CreateKernelCall(fbb, v.kernel, fbb.CreateString("k0"),
                                         fbb.CreateVector(in),
                                         fbb.CreateVector(out)));
  }
  {
    std::vector<flatbuffers::Offset<fb::BufferRef>> in = {
        ref(fb::BufferKind::Arena, v.arenaOffset, {-1, 2})};
    std::vector<flatbuffers::Offset<fb::BufferRef>> out = {
        ref(fb::BufferKind::Result, 0, {-1, 2})};
    calls.push_back(fb::CreateKernelCall(fbb, 1, fbb.CreateString("k1"),
                                         fbb.CreateVector(in),
                                         fbb.CreateVector(out)));
  }
  std::vector<flatbuffers::Offset<fb::Shape>> shapes = {
      fb::CreateShape(fbb, fbb.CreateVector(std::vector<int64_t>{-1, 2}))};
  auto infer =
      fb::CreateFunction(fbb, fbb.CreateString("infer"), 8, v.arenaBytes,
                         fbb.CreateVector(calls), 0, fbb.CreateVector(shapes));
  flatbuffers::Offset<fb::Function> train;
  if (v.withTrainStep)
    train = fb::CreateFunction(
        fbb, fbb.CreateString("train_step"), 8, 0,
        fbb.CreateVector(std::vector<flatbuffers::Offset<fb::KernelCall>>{}));
  std::vector<flatbuffers::Offset<fb::Persistent>> persistent = {
      fb::CreatePersistent(fbb, fbb.CreateString("dense/kernel"),
                           fb::PersistentRole::Param,
                           fbb.CreateVector(std::vector<int64_t>{4, 2}),
                           fbb.CreateString("glorot_uniform"))};
  std::vector<flatbuffers::Offset<flatbuffers::String>> classes = {
      fbb.CreateString("a"), fbb.CreateString("b")};
  auto name = fbb.CreateString("tiny");
  auto input = fbb.CreateVector(std::vector<int64_t>{2, 2, 1});
  auto classNames = fbb.CreateVector(classes);
  auto tensors = fbb.CreateVector(persistent);
  flatbuffers::Offset<fb::DataSource> data;
  if (!v.select.empty())
    data = fb::CreateDataSource(fbb, 0, 0, 0, 0, fbb.CreateVector(v.select));
  fb::TrainingBuilder tb(fbb);
  if (!data.IsNull())
    tb.add_data(data);
  auto training = tb.Finish();
  fb::PlanBuilder pb(fbb);
  pb.add_schema_version(v.version);
  pb.add_model_name(name);
  pb.add_model_hash(0xabcdef);
  pb.add_input_shape(input);
  pb.add_class_names(classNames);
  pb.add_persistent(tensors);
  pb.add_infer(infer);
  if (v.withTrainStep)
    pb.add_train_step(train);
  pb.add_training(training);
  fb::FinishPlanBuffer(fbb, pb.Finish());
  return {fbb.GetBufferPointer(), fbb.GetBufferPointer() + fbb.GetSize()};
}

/// Loads `bytes` expecting the test plan's hash and two kernels.
Status load(const std::vector<uint8_t> &bytes, bool needTrainStep = false) {
  PlanExpectations expect;
  expect.modelHash = 0xabcdef;
  expect.numKernels = 2;
  expect.needTrainStep = needTrainStep;
  const fb::Plan *plan = nullptr;
  return loadPlan(bytes.data(), bytes.size(), expect, "test.kplan", plan);
}

// Tests that a consistent plan loads and its shapes resolve the batch.
TEST(Plan, ValidPlanLoads) {
  std::vector<uint8_t> bytes = makePlan();
  PlanExpectations expect{0xabcdef, 2, false};
  const fb::Plan *plan = nullptr;
  Status s = loadPlan(bytes.data(), bytes.size(), expect, "p", plan);
  ASSERT_TRUE(s.isOk()) << s.message();
  ASSERT_NE(plan, nullptr);
  EXPECT_EQ(plan->model_name()->str(), "tiny");
  EXPECT_EQ(numClasses(*plan), 2);
  const fb::BufferRef *in = plan->infer()->calls()->Get(0)->inputs()->Get(0);
  EXPECT_EQ(resolveShape(*in, 5), (std::vector<int64_t>{5, 4}));
}

// Tests that truncated bytes and bytes of another kind are refused before
// anything is read, naming the source.
TEST(Plan, TruncatedAndForeignBytesRefused) {
  std::vector<uint8_t> bytes = makePlan();
  std::vector<uint8_t> cut(bytes.begin(), bytes.begin() + bytes.size() / 2);
  Status s = load(cut);
  ASSERT_FALSE(s.isOk());
  EXPECT_NE(s.message().find("test.kplan: plan is truncated or corrupt"),
            std::string::npos)
      << s.message();
  std::vector<uint8_t> foreign = bytes;
  foreign[4] = 'X';
  s = load(foreign);
  ASSERT_FALSE(s.isOk());
  EXPECT_NE(s.message().find("not a Kiln plan"), std::string::npos);
}

// Tests that another schema version and another model's hash are refused.
TEST(Plan, VersionAndHashChecked) {
  PlanVariant v;
  v.version = kPlanSchemaVersion + 1;
  Status s = load(makePlan(v));
  ASSERT_FALSE(s.isOk());
  EXPECT_NE(s.message().find("schema version"), std::string::npos);
  PlanExpectations expect{0x1234, 2, false};
  std::vector<uint8_t> bytes = makePlan();
  const fb::Plan *plan = nullptr;
  s = loadPlan(bytes.data(), bytes.size(), expect, "p", plan);
  ASSERT_FALSE(s.isOk());
  EXPECT_NE(s.message().find("'tiny' has hash abcdef"), std::string::npos)
      << s.message();
  EXPECT_NE(s.message().find("1234"), std::string::npos);
}

// Tests that references the executable cannot honour are refused: a kernel
// it does not have, an arena range past the arena, a parameter written as
// an input, a missing @train_step.
TEST(Plan, InconsistentReferencesRefused) {
  PlanVariant v;
  v.kernel = 7;
  Status s = load(makePlan(v));
  ASSERT_FALSE(s.isOk());
  EXPECT_NE(s.message().find("kernel 'k0' has index 7"), std::string::npos)
      << s.message();

  v = PlanVariant();
  v.arenaOffset = 32; // 8 x 2 floats = 64 bytes do not fit from 32 on.
  s = load(makePlan(v));
  ASSERT_FALSE(s.isOk());
  EXPECT_NE(s.message().find("outside the arena of 64 bytes"),
            std::string::npos)
      << s.message();

  v = PlanVariant();
  v.weightKind = fb::BufferKind::Next;
  s = load(makePlan(v));
  ASSERT_FALSE(s.isOk());
  EXPECT_NE(s.message().find("persistent tensor"), std::string::npos);

  s = load(makePlan(), /*needTrainStep=*/true);
  ASSERT_FALSE(s.isOk());
  EXPECT_NE(s.message().find("no @train_step"), std::string::npos);
  PlanVariant withStep;
  withStep.withTrainStep = true;
  EXPECT_TRUE(load(makePlan(withStep), true).isOk());
}

// Tests the data's label selection: as many distinct byte labels as
// classes load and are returned in order; a selection of another length, a
// label twice or a label no IDX file can hold is refused, naming the plan.
TEST(Plan, SelectedLabels) {
  PlanVariant v;
  v.select = {7, 3};
  std::vector<uint8_t> bytes = makePlan(v);
  PlanExpectations expect{0xabcdef, 2, false};
  const fb::Plan *plan = nullptr;
  Status s = loadPlan(bytes.data(), bytes.size(), expect, "p", plan);
  ASSERT_TRUE(s.isOk()) << s.message();
  EXPECT_EQ(selectedLabels(*plan), (std::vector<int32_t>{7, 3}));
  EXPECT_TRUE(selectedLabels(*fb::GetPlan(makePlan().data())).empty());

  v.select = {1, 2, 3};
  s = load(makePlan(v));
  ASSERT_FALSE(s.isOk());
  EXPECT_NE(s.message().find("test.kplan: plan selects 3 labels for 2 classes"),
            std::string::npos)
      << s.message();
  v.select = {4, 4};
  s = load(makePlan(v));
  ASSERT_FALSE(s.isOk());
  EXPECT_NE(s.message().find("plan selects label 4 twice"), std::string::npos)
      << s.message();
  v.select = {4, 300};
  s = load(makePlan(v));
  ASSERT_FALSE(s.isOk());
  EXPECT_NE(s.message().find("label 300, which no IDX file has"),
            std::string::npos)
      << s.message();
}

/// Parses `args` with a parser of every kind of option.
struct Parsed {
  bool flag = false;
  std::string text;
  int64_t count = 5;
  double rate = 0;
  bool countGiven = false;
  std::vector<std::string> positional;
  bool help = false;
  Status status;
};
Parsed parse(std::vector<std::string> args) {
  Parsed p;
  OptionParser parser("prog", "[options] FILE...");
  parser.flag("json", &p.flag, "print JSON");
  parser.text("checkpoint", &p.text, "FILE", "checkpoint");
  parser.integer("batch", &p.count, 1, 512, "batch", &p.countGiven);
  parser.real("lr", &p.rate, 0, 1, "learning rate");
  std::vector<char *> argv = {const_cast<char *>("prog")};
  for (std::string &a : args)
    argv.push_back(a.data());
  p.status = parser.parse(int(argv.size()), argv.data(), p.positional, p.help);
  return p;
}

// Tests both spellings of values, flags, positionals and "--".
TEST(CommandLine, ParsesOptions) {
  Parsed p = parse({"--json", "--checkpoint", "a.kckpt", "--batch=64", "--lr",
                    "0.01", "x.png", "--", "--odd-name"});
  ASSERT_TRUE(p.status.isOk()) << p.status.message();
  EXPECT_TRUE(p.flag);
  EXPECT_EQ(p.text, "a.kckpt");
  EXPECT_EQ(p.count, 64);
  EXPECT_TRUE(p.countGiven);
  EXPECT_EQ(p.rate, 0.01);
  EXPECT_EQ(p.positional, (std::vector<std::string>{"x.png", "--odd-name"}));
  EXPECT_FALSE(parse({}).countGiven);
  EXPECT_TRUE(parse({"-"}).positional == std::vector<std::string>{"-"});
  EXPECT_TRUE(parse({"--help"}).help);
}

// Tests that malformed values and unknown options are errors naming the
// option, never a silent default.
TEST(CommandLine, RejectsBadValues) {
  EXPECT_NE(parse({"--batch", "6x4"})
                .status.message()
                .find("--batch: '6x4' is not an integer"),
            std::string::npos);
  EXPECT_NE(parse({"--batch", "0"}).status.message().find("outside 1..512"),
            std::string::npos);
  EXPECT_NE(parse({"--lr", "fast"}).status.message().find("not a number"),
            std::string::npos);
  EXPECT_NE(
      parse({"--epochs", "3"}).status.message().find("unknown option --epochs"),
      std::string::npos);
  EXPECT_NE(parse({"--batch"}).status.message().find("needs a value"),
            std::string::npos);
  EXPECT_NE(parse({"--json=yes"}).status.message().find("takes no value"),
            std::string::npos);
}

} // namespace

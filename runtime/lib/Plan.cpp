//===- Plan.cpp - Loading and checking execution plans --------------------===//

#include "kiln/runtime/Plan.h"

#include "kiln/runtime/Initializers.h"

#include <sstream>

namespace kiln {
namespace rt {

namespace {

/// Checks one function of a plan; `what` names it in messages.
class FunctionChecker {
public:
  FunctionChecker(const fb::Plan &plan, const fb::Function &fn,
                  const PlanExpectations &expect, const std::string &source)
      : plan(plan), fn(fn), expect(expect), source(source) {}

  Status check() {
    std::string name = fn.name()->str();
    if (fn.batch() <= 0)
      return fail("planned batch " + std::to_string(fn.batch()) +
                  " is not positive");
    if (fn.arena_bytes() < 0)
      return fail("arena size is negative");
    for (const fb::KernelCall *call : *fn.calls()) {
      std::string where = call->name() ? call->name()->str() : "?";
      if (call->kernel() >= expect.numKernels)
        return fail("kernel '" + where + "' has index " +
                    std::to_string(call->kernel()) +
                    " but the executable has " +
                    std::to_string(expect.numKernels) + " kernels");
      for (const fb::BufferRef *ref : *call->inputs())
        if (Status s = checkRef(*ref, where, /*isOutput=*/false); !s)
          return s;
      for (const fb::BufferRef *ref : *call->outputs())
        if (Status s = checkRef(*ref, where, /*isOutput=*/true); !s)
          return s;
    }
    if (fn.copies())
      for (const fb::PassThrough *copy : *fn.copies()) {
        if (copy->from()->kind() != fb::BufferKind::Current ||
            copy->to()->kind() != fb::BufferKind::Next ||
            copy->from()->index() != copy->to()->index())
          return fail("a pass-through copy must copy a persistent tensor "
                      "onto itself");
        if (Status s = checkRef(*copy->from(), "copy", false); !s)
          return s;
      }
    return Status::ok();
  }

private:
  Status fail(const std::string &message) const {
    return Status::fileError(source, "@" + fn.name()->str() + ": " + message);
  }

  Status checkRef(const fb::BufferRef &ref, const std::string &kernel,
                  bool isOutput) const {
    std::vector<int64_t> shape = toShape(ref.shape());
    for (size_t d = 0; d < shape.size(); ++d)
      if (shape[d] <= 0 && !(d == 0 && shape[d] == -1))
        return fail("kernel '" + kernel + "' has a buffer of invalid extent " +
                    std::to_string(shape[d]));
    int64_t elements = elementCount(resolveShape(ref, fn.batch()));
    bool batched = !shape.empty() && shape[0] == -1;
    auto bad = [&](const std::string &what) {
      return fail("kernel '" + kernel + "': " + what);
    };
    switch (ref.kind()) {
    case fb::BufferKind::Input: {
      int64_t image = elementCount(toShape(plan.input_shape()));
      if (isOutput || !batched || elements != fn.batch() * image)
        return bad("the input batch is used with extents that do not match "
                   "the model's input");
      return Status::ok();
    }
    case fb::BufferKind::Labels:
      if (isOutput || shape.size() != 2 || !batched ||
          shape[1] != numClasses(plan))
        return bad("the labels are used with extents other than N x classes");
      return Status::ok();
    case fb::BufferKind::Step:
    case fb::BufferKind::Seed:
    case fb::BufferKind::LearningRate:
      if (isOutput || !shape.empty())
        return bad("a scalar argument is used as a tensor or written");
      return Status::ok();
    case fb::BufferKind::Current:
    case fb::BufferKind::Next: {
      if (isOutput != (ref.kind() == fb::BufferKind::Next))
        return bad("a persistent tensor's old value is written or its new "
                   "value read");
      if (ref.index() < 0 ||
          ref.index() >= static_cast<int64_t>(plan.persistent()->size()))
        return bad("persistent tensor " + std::to_string(ref.index()) +
                   " does not exist");
      const fb::Persistent *p = plan.persistent()->Get(ref.index());
      if (batched || elementCount(toShape(p->shape())) != elements)
        return bad("persistent tensor '" + p->name()->str() +
                   "' is used with other extents than its own");
      return Status::ok();
    }
    case fb::BufferKind::Arena:
      if (ref.index() < 0 || ref.index() % 4 != 0 ||
          ref.index() + 4 * elements > fn.arena_bytes())
        return bad("arena buffer at offset " + std::to_string(ref.index()) +
                   " of " + std::to_string(4 * elements) +
                   " bytes lies outside the arena of " +
                   std::to_string(fn.arena_bytes()) + " bytes");
      return Status::ok();
    case fb::BufferKind::Result: {
      if (!fn.result_shapes() || ref.index() < 0 ||
          ref.index() >= static_cast<int64_t>(fn.result_shapes()->size()))
        return bad("result " + std::to_string(ref.index()) + " does not exist");
      std::vector<int64_t> own =
          toShape(fn.result_shapes()->Get(ref.index())->dims());
      if (elementCount(own) != elementCount(shape))
        return bad("result " + std::to_string(ref.index()) +
                   " is used with other extents than its own");
      return Status::ok();
    }
    }
    return bad("unknown buffer kind");
  }

  const fb::Plan &plan;
  const fb::Function &fn;
  const PlanExpectations &expect;
  const std::string &source;
};

} // namespace

std::vector<int64_t> toShape(const flatbuffers::Vector<int64_t> *dims) {
  if (!dims)
    return {};
  return std::vector<int64_t>(dims->begin(), dims->end());
}

int64_t elementCount(const std::vector<int64_t> &shape) {
  int64_t n = 1;
  for (int64_t d : shape)
    n *= d;
  return n;
}

std::vector<int64_t> resolveShape(const fb::BufferRef &ref, int64_t batch) {
  std::vector<int64_t> shape = toShape(ref.shape());
  for (int64_t &d : shape)
    if (d < 0)
      d = batch;
  return shape;
}

int numClasses(const fb::Plan &plan) {
  return static_cast<int>(plan.class_names()->size());
}

Status initArgsOf(const fb::Persistent &tensor, InitArgs &out) {
  const fb::InitArgs *a = tensor.init_args();
  if (!a)
    return Status::error("has no initialiser arguments");
  auto text = [](const flatbuffers::String *s) {
    return s ? s->str() : std::string();
  };
  if (Status s = parseInitArgs(a->kind()->str(), text(a->mode()),
                               text(a->distribution()), out);
      !s)
    return s;
  out.value = a->value();
  out.minval = a->minval();
  out.maxval = a->maxval();
  out.mean = a->mean();
  out.stddev = a->stddev();
  out.scale = a->scale();
  out.fans.in = static_cast<double>(a->fan_in());
  out.fans.out = static_cast<double>(a->fan_out());
  return Status::ok();
}

std::vector<int32_t> selectedLabels(const fb::Plan &plan) {
  const fb::Training *training = plan.training();
  const fb::DataSource *data = training ? training->data() : nullptr;
  if (!data || !data->select_labels())
    return {};
  return {data->select_labels()->begin(), data->select_labels()->end()};
}

Status checkSelectLabels(const fb::Plan &plan) {
  std::vector<int32_t> select = selectedLabels(plan);
  if (select.empty())
    return Status::ok();
  if (select.size() != static_cast<size_t>(numClasses(plan)))
    return Status::error("plan selects " + std::to_string(select.size()) +
                         " labels for " + std::to_string(numClasses(plan)) +
                         " classes");
  std::vector<bool> seen(256, false);
  for (int32_t l : select) {
    // IDX label files hold one byte per label.
    if (l < 0 || l > 255 || seen[l])
      return Status::error(
          "plan selects label " + std::to_string(l) +
          (l < 0 || l > 255 ? ", which no IDX file has" : " twice"));
    seen[l] = true;
  }
  return Status::ok();
}

Status loadPlan(const uint8_t *bytes, size_t size,
                const PlanExpectations &expect, const std::string &source,
                const fb::Plan *&out) {
  out = nullptr;
  if (size < 8 ||
      !flatbuffers::BufferHasIdentifier(bytes, fb::PlanIdentifier()))
    return Status::fileError(source, "not a Kiln plan (bad header)");
  flatbuffers::Verifier verifier(bytes, size);
  if (!fb::VerifyPlanBuffer(verifier))
    return Status::fileError(source, "plan is truncated or corrupt (" +
                                         std::to_string(size) + " bytes)");
  const fb::Plan *plan = fb::GetPlan(bytes);
  if (plan->schema_version() != kPlanSchemaVersion)
    return Status::fileError(source,
                             "plan schema version " +
                                 std::to_string(plan->schema_version()) +
                                 " is not the supported version " +
                                 std::to_string(kPlanSchemaVersion));
  if (plan->model_hash() != expect.modelHash) {
    std::ostringstream os;
    os << "plan of model '" << plan->model_name()->str() << "' has hash "
       << std::hex << plan->model_hash() << " but the executable's kernels "
       << "were compiled for hash " << expect.modelHash;
    return Status::fileError(source, os.str());
  }
  std::vector<int64_t> input = toShape(plan->input_shape());
  if (input.empty() || elementCount(input) <= 0)
    return Status::fileError(source, "plan has no valid input shape");
  for (int64_t d : input)
    if (d <= 0)
      return Status::fileError(source, "plan has no valid input shape");
  if (numClasses(*plan) < 2)
    return Status::fileError(source, "plan names fewer than two classes");
  if (Status s = checkSelectLabels(*plan); !s)
    return Status::fileError(source, s.message());
  for (const fb::Persistent *p : *plan->persistent()) {
    for (int64_t d : *p->shape())
      if (d <= 0)
        return Status::fileError(source, "persistent tensor '" +
                                             p->name()->str() +
                                             "' has a non-positive extent");
    if (parseInitializer(p->init()->str()))
      continue;
    InitArgs args;
    if (!p->init_args())
      return Status::fileError(
          source, "persistent tensor '" + p->name()->str() +
                      "' has unknown initialiser '" + p->init()->str() + "'");
    if (Status s = initArgsOf(*p, args); !s)
      return Status::fileError(source, "persistent tensor '" +
                                           p->name()->str() +
                                           "': " + s.message());
  }
  if (expect.needTrainStep && (!plan->train_step() || !plan->training()))
    return Status::fileError(source, "plan has no @train_step");
  if (Status s = FunctionChecker(*plan, *plan->infer(), expect, source).check();
      !s)
    return s;
  if (plan->train_step())
    if (Status s =
            FunctionChecker(*plan, *plan->train_step(), expect, source).check();
        !s)
      return s;
  out = plan;
  return Status::ok();
}

} // namespace rt
} // namespace kiln

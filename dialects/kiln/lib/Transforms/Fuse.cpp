//===- Fuse.cpp - Group ops into kiln.kernel regions ----------------------===//
//
// kiln-fuse: partitions the ops of @train_step and @infer into groups, each
// seeded by one op that is not elementwise (at most one heavy reduction per
// group) and grown by elementwise consumers and producers, then rebuilds the
// function as one kiln.kernel per group, in a topological order of the groups.
// Growth is refused whenever it would make the groups depend on each other in
// a cycle, so the order always exists.
//
//===----------------------------------------------------------------------===//

#include "kiln/IR/KilnOps.h"
#include "kiln/Transforms/Passes.h"
#include "kiln/Transforms/Signature.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/IRMapping.h"
#include "llvm/ADT/DenseSet.h"
#include "llvm/ADT/SetVector.h"
#include "llvm/ADT/TypeSwitch.h"

#include <queue>

namespace kiln {
#define GEN_PASS_DEF_KILNFUSE
#include "kiln/Transforms/Passes.h.inc"
} // namespace kiln

using namespace mlir;
using namespace kiln;

namespace {

/// How kiln-fuse treats an op.
enum class FuseClass {
  /// flatten/reshape: a view of its operand's memory, never in a kernel.
  View,
  /// conv2d/conv1d/dense and their gradients: at most one per kernel.
  Heavy,
  /// Window pooling: seeds a kernel, or follows a heavy op's chain.
  Pool,
  /// Other reductions (bias_grad, BatchNorm, softmax, losses, pooling
  /// gradients): seed a kernel of their own.
  Reduction,
  /// Optimizer updates: one kernel per parameter.
  Optimizer,
  /// Elementwise or index-remapping ops: fused around a seed.
  Elementwise,
  /// Anything else: cannot be put into a kernel.
  Unknown,
};

/// The fusion class of every op kiln-fuse knows: the one table of it
/// (positionwise ops by their ODS trait).
FuseClass classify(Operation *op) {
  if (op->hasTrait<kiln::Positionwise>())
    return FuseClass::Elementwise;
  return llvm::TypeSwitch<Operation *, FuseClass>(op)
      .Case<FlattenOp, ReshapeOp>([](Operation *) { return FuseClass::View; })
      .Case<Conv2DOp, Conv1DOp, DenseOp, Conv2DGradInputOp, Conv2DGradFilterOp,
            Conv1DGradInputOp, Conv1DGradFilterOp, DenseGradInputOp,
            DenseGradWeightsOp>([](Operation *) { return FuseClass::Heavy; })
      .Case<MaxPool2DOp, AvgPool2DOp, MaxPool1DOp, AvgPool1DOp>(
          [](Operation *) { return FuseClass::Pool; })
      .Case<BiasGradOp, BatchNormTrainOp, BatchNormTrainGradOp, SoftmaxOp,
            SoftmaxGradOp, SoftmaxCrossEntropyOp, SoftmaxCrossEntropyGradOp,
            CorrectCountOp, L1PenaltyOp, L2PenaltyOp, MaxPool2DGradOp,
            AvgPool2DGradOp, MaxPool1DGradOp, AvgPool1DGradOp, GlobalAvgPoolOp,
            GlobalAvgPoolGradOp>(
          [](Operation *) { return FuseClass::Reduction; })
      .Case<AdamUpdateOp, SgdUpdateOp, RmsPropUpdateOp>(
          [](Operation *) { return FuseClass::Optimizer; })
      .Case<MovingAverageOp, DropoutOp, ConcatOp, ZeroPadOp, SliceOp,
            L1PenaltyGradOp, L2PenaltyGradOp>(
          [](Operation *) { return FuseClass::Elementwise; })
      .Default([](Operation *) { return FuseClass::Unknown; });
}

/// One future kernel.
struct Group {
  /// The op the group was started from; it names the kernel.
  Operation *seed = nullptr;
  /// Members; kept in program order when the kernel is built.
  SmallVector<Operation *> ops;
  /// Whether a member is a heavy reduction / a pooling (one of each at most).
  bool hasHeavy = false;
  bool hasPool = false;
  /// The kernel's name, "k<index>_<seed op>", index in the built order.
  std::string name;
};

/// Partitions the ops of one block into groups and rebuilds the block with
/// one kiln.kernel per group.
class Fuser {
public:
  Fuser(func::FuncOp func, bool report) : func(func), report(report) {}

  /// Groups the ops and rebuilds the function; reports what it cannot fuse.
  LogicalResult run();

private:
  /// A node of the dependence graph: a group, or an op in no group (given
  /// as kNoGroup + its position).
  using Node = unsigned;
  static constexpr Node kNoGroup = 1u << 30;

  /// The node `op` belongs to.
  Node nodeOf(Operation *op) const {
    auto it = groupOf.find(op);
    return it != groupOf.end() ? it->second : kNoGroup + position.at(op);
  }
  /// The ops of `node`.
  ArrayRef<Operation *> opsOf(Node node) const {
    if (node < kNoGroup)
      return groups[node].ops;
    return order[node - kNoGroup];
  }
  /// The nodes that use a result of `node` (the return op excluded).
  SmallVector<Node> successors(Node node) const;
  /// Whether a path of at least two edges leads from `from` to `to`.
  bool reachesIndirectly(Node from, Node to) const;
  /// Why `op` cannot join group `g`, or "" when it can.
  std::string refusal(Operation *op, unsigned g) const;

  /// Starts a group from `seed`; returns its index.
  unsigned newGroup(Operation *seed);
  /// Puts `op` into group `g`.
  void add(Operation *op, unsigned g);
  /// Adds `op` to `g` unless refused; records the refusal for the report.
  bool tryAdd(Operation *op, unsigned g);
  /// Grows `g` by the elementwise (and, for a heavy group, one pooling)
  /// users of its values, earliest first.
  void growConsumers(unsigned g);
  /// Grows `g` by the elementwise ops that define its operands.
  void growProducers(unsigned g);
  /// Reports, for each value that crosses from one kernel to another op,
  /// why the two were not fused.
  void reportRefusals();
  /// The nodes (groups and views) in a topological order, the earliest
  /// original position first among the ready ones, so the result reads like
  /// the input; names the groups in that order.
  FailureOr<std::vector<Node>> sortAndName();
  /// Rebuilds the block from the sorted nodes: kernels and views.
  void rebuild(ArrayRef<Node> sorted);

  func::FuncOp func;
  bool report;
  /// The function's ops (terminator excluded) and their positions.
  std::vector<Operation *> order;
  DenseMap<Operation *, unsigned> position;
  DenseMap<Operation *, unsigned> groupOf;
  std::vector<Group> groups;
  /// Refusals seen while growing: (op, group) -> reason.
  std::map<std::pair<Operation *, unsigned>, std::string> refusals;
};

SmallVector<Fuser::Node> Fuser::successors(Node node) const {
  SmallVector<Node> result;
  for (Operation *op : opsOf(node))
    for (Operation *user : op->getUsers()) {
      if (!position.count(user))
        continue; // the return op
      Node next = nodeOf(user);
      if (next != node && !llvm::is_contained(result, next))
        result.push_back(next);
    }
  return result;
}

bool Fuser::reachesIndirectly(Node from, Node to) const {
  SmallVector<Node> stack;
  DenseSet<Node> seen;
  for (Node next : successors(from))
    if (next != to && seen.insert(next).second)
      stack.push_back(next);
  while (!stack.empty()) {
    Node node = stack.pop_back_val();
    if (node == to)
      return true;
    for (Node next : successors(node))
      if (next != from && seen.insert(next).second)
        stack.push_back(next);
  }
  return false;
}

std::string Fuser::refusal(Operation *op, unsigned g) const {
  const Group &group = groups[g];
  switch (classify(op)) {
  case FuseClass::View:
    return "flatten and reshape are views of their operand and stay outside "
           "kernels";
  case FuseClass::Heavy:
    return group.hasHeavy ? "a kernel holds at most one heavy reduction"
                          : "a heavy reduction seeds its own kernel";
  case FuseClass::Pool:
    if (!group.hasHeavy)
      return "a pooling joins only the kernel of a heavy reduction";
    if (group.hasPool)
      return "a kernel holds at most one pooling";
    break;
  case FuseClass::Reduction:
    return "a reduction seeds its own kernel";
  case FuseClass::Optimizer:
    return "each optimizer update is a kernel of its own";
  case FuseClass::Unknown:
    return "it is not a kiln op";
  case FuseClass::Elementwise:
    break;
  }
  if (groupOf.count(op))
    return "it is already in another kernel";
  Node node = kNoGroup + position.at(op);
  if (reachesIndirectly(g, node) || reachesIndirectly(node, g))
    return "the kernels would depend on each other in a cycle";
  return {};
}

unsigned Fuser::newGroup(Operation *seed) {
  groups.push_back(Group{seed, {}, false, false});
  add(seed, groups.size() - 1);
  return groups.size() - 1;
}

void Fuser::add(Operation *op, unsigned g) {
  groupOf[op] = g;
  groups[g].ops.push_back(op);
  FuseClass kind = classify(op);
  groups[g].hasHeavy |= kind == FuseClass::Heavy;
  groups[g].hasPool |= kind == FuseClass::Pool;
}

bool Fuser::tryAdd(Operation *op, unsigned g) {
  if (groupOf.count(op) || refusals.count({op, g}))
    return false;
  std::string reason = refusal(op, g);
  if (!reason.empty()) {
    refusals[{op, g}] = reason;
    return false;
  }
  add(op, g);
  return true;
}

void Fuser::growConsumers(unsigned g) {
  for (bool grew = true; grew;) {
    grew = false;
    // The earliest candidate first, so chains are taken in program order.
    SmallVector<Operation *> candidates;
    for (Operation *op : groups[g].ops)
      for (Operation *user : op->getUsers())
        if (position.count(user) && !groupOf.count(user) &&
            !refusals.count({user, g}))
          candidates.push_back(user);
    llvm::sort(candidates, [&](Operation *a, Operation *b) {
      return position[a] < position[b];
    });
    for (Operation *user : candidates) {
      FuseClass kind = classify(user);
      if (kind != FuseClass::Elementwise && kind != FuseClass::Pool)
        continue;
      if (tryAdd(user, g)) {
        grew = true;
        break;
      }
    }
  }
}

void Fuser::growProducers(unsigned g) {
  for (bool grew = true; grew;) {
    grew = false;
    // The latest producer first: the one closest to the group.
    SmallVector<Operation *> candidates;
    for (Operation *op : groups[g].ops)
      for (Value operand : op->getOperands())
        if (Operation *def = operand.getDefiningOp())
          if (position.count(def) && !groupOf.count(def) &&
              classify(def) == FuseClass::Elementwise)
            candidates.push_back(def);
    llvm::sort(candidates, [&](Operation *a, Operation *b) {
      return position[a] > position[b];
    });
    for (Operation *def : candidates)
      if (tryAdd(def, g)) {
        grew = true;
        break;
      }
  }
}

void Fuser::reportRefusals() {
  // One remark per (op, kernel) pair whose values meet but did not fuse.
  std::set<std::pair<Operation *, unsigned>> reported;
  for (Operation *op : order) {
    for (Value operand : op->getOperands()) {
      Operation *def = operand.getDefiningOp();
      if (!def || !groupOf.count(def))
        continue;
      unsigned g = groupOf[def];
      auto opGroup = groupOf.find(op);
      if (opGroup != groupOf.end() && opGroup->second == g)
        continue;
      if (!reported.insert({op, g}).second)
        continue;
      auto recorded = refusals.find({op, g});
      std::string reason = recorded != refusals.end()
                               ? recorded->second
                               : std::string(refusal(op, g));
      if (reason.empty())
        reason = "it was taken by another kernel first";
      // A remark at the location only: attaching the op would print it.
      emitRemark(op->getLoc())
          << "kiln-fuse: '" << op->getName() << "' not fused into kernel '"
          << groups[g].name << "': " << reason;
    }
  }
}

LogicalResult Fuser::run() {
  if (!func.getBody().hasOneBlock())
    return func.emitError() << "kiln-fuse needs a single-block function";
  Block &body = func.getBody().front();
  // A slice is a copy of a box: each user gets its own, fused into its
  // kernel, instead of one kernel writing the box out for the others (the
  // train step's image, cut by kiln-trim-extents, feeds the first layer and
  // its filter gradient).
  for (auto slice : llvm::make_early_inc_range(body.getOps<SliceOp>()))
    for (OpOperand &use :
         llvm::make_early_inc_range(llvm::drop_begin(slice->getUses()))) {
      OpBuilder b(slice);
      use.set(b.clone(*slice)->getResult(0));
    }
  // A kernel must have results, so ops nothing reads go first (all kiln ops
  // are pure).
  for (Operation &op : llvm::make_early_inc_range(llvm::reverse(body)))
    if (!op.hasTrait<OpTrait::IsTerminator>() && op.use_empty() && isPure(&op))
      op.erase();
  for (Operation &op : body.without_terminator()) {
    if (isa<KernelOp>(op))
      return op.emitError() << "@" << func.getName()
                            << " is already fused (run kiln-fuse once)";
    if (classify(&op) == FuseClass::Unknown)
      return op.emitError()
             << "kiln-fuse cannot put '" << op.getName() << "' into a kernel";
    position[&op] = order.size();
    order.push_back(&op);
  }

  // Seeds in program order, each taking its consumers at once, so a
  // pooling after a heavy op's chain joins it before it seeds a kernel.
  for (Operation *op : order) {
    FuseClass kind = classify(op);
    if (groupOf.count(op) ||
        (kind != FuseClass::Heavy && kind != FuseClass::Pool &&
         kind != FuseClass::Reduction && kind != FuseClass::Optimizer))
      continue;
    growConsumers(newGroup(op));
  }
  for (unsigned g = 0, e = groups.size(); g < e; ++g)
    growProducers(g);
  // Elementwise ops no seed took form chains of their own.
  for (Operation *op : order)
    if (!groupOf.count(op) && classify(op) == FuseClass::Elementwise) {
      unsigned g = newGroup(op);
      growConsumers(g);
      growProducers(g);
    }
  FailureOr<std::vector<Node>> sorted = sortAndName();
  if (failed(sorted))
    return failure();
  if (report)
    reportRefusals();
  rebuild(*sorted);
  return success();
}

FailureOr<std::vector<Fuser::Node>> Fuser::sortAndName() {
  std::vector<Node> nodes;
  DenseMap<Node, unsigned> firstPosition;
  for (Operation *op : order) {
    Node node = nodeOf(op);
    if (!firstPosition.count(node)) {
      firstPosition[node] = position[op];
      nodes.push_back(node);
    }
  }
  DenseMap<Node, unsigned> indegree;
  for (Node node : nodes)
    for (Node next : successors(node))
      ++indegree[next];
  using Ready = std::pair<unsigned, Node>;
  std::priority_queue<Ready, std::vector<Ready>, std::greater<Ready>> ready;
  for (Node node : nodes)
    if (!indegree.lookup(node))
      ready.push({firstPosition[node], node});
  std::vector<Node> sorted;
  while (!ready.empty()) {
    Node node = ready.top().second;
    ready.pop();
    sorted.push_back(node);
    for (Node next : successors(node))
      if (--indegree[next] == 0)
        ready.push({firstPosition[next], next});
  }
  if (sorted.size() != nodes.size())
    return func.emitError() << "kiln-fuse: the kernels of @" << func.getName()
                            << " depend on each other in a cycle";
  unsigned kernelIndex = 0;
  for (Node node : sorted)
    if (node < kNoGroup)
      groups[node].name =
          ("k" + Twine(kernelIndex++) + "_" +
           groups[node].seed->getName().getStringRef().drop_front(
               KilnDialect::getDialectNamespace().size() + 1))
              .str();
  return sorted;
}

void Fuser::rebuild(ArrayRef<Node> sorted) {
  Block &body = func.getBody().front();
  Operation *ret = body.getTerminator();
  OpBuilder b(ret);
  for (Node node : sorted) {
    if (node >= kNoGroup) {
      order[node - kNoGroup]->moveBefore(ret);
      continue;
    }
    Group &group = groups[node];
    llvm::sort(group.ops, [&](Operation *x, Operation *y) {
      return position[x] < position[y];
    });
    DenseSet<Operation *> members(group.ops.begin(), group.ops.end());
    llvm::SetVector<Value> inputs;
    SmallVector<Value> exported;
    for (Operation *op : group.ops) {
      for (Value operand : op->getOperands()) {
        Operation *def = operand.getDefiningOp();
        if (!def || !members.contains(def))
          inputs.insert(operand);
      }
      for (Value result : op->getResults())
        if (llvm::any_of(result.getUsers(), [&](Operation *user) {
              return !members.contains(user);
            }))
          exported.push_back(result);
    }
    auto kernel = b.create<KernelOp>(group.seed->getLoc(),
                                     ValueRange(exported).getTypes(),
                                     inputs.getArrayRef(), group.name);
    IRMapping map;
    Block &kernelBody = kernel.getBodyBlock();
    for (auto [input, arg] : llvm::zip(inputs, kernelBody.getArguments()))
      map.map(input, arg);
    OpBuilder inner = OpBuilder::atBlockEnd(&kernelBody);
    for (Operation *op : group.ops)
      inner.clone(*op, map);
    SmallVector<Value> yielded;
    for (Value value : exported)
      yielded.push_back(map.lookup(value));
    inner.create<YieldOp>(group.seed->getLoc(), yielded);
    for (auto [value, result] : llvm::zip(exported, kernel.getResults()))
      value.replaceUsesWithIf(result, [&](OpOperand &use) {
        return !members.contains(use.getOwner());
      });
  }
  // The grouped originals now feed only each other: erase them last first.
  for (Operation *op : llvm::reverse(order))
    if (groupOf.count(op))
      op->erase();
}

/// kiln-fuse (see Passes.td).
struct FusePass : kiln::impl::KilnFuseBase<FusePass> {
  using KilnFuseBase::KilnFuseBase;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    bool any = false;
    for (StringRef name : {fn::kTrainStep, fn::kInfer}) {
      auto func = module.lookupSymbol<func::FuncOp>(name);
      if (!func || func.isExternal())
        continue;
      any = true;
      if (failed(Fuser(func, report).run()))
        return signalPassFailure();
    }
    if (!any) {
      module.emitError() << "kiln-fuse: the module has neither @"
                         << fn::kTrainStep << " nor @" << fn::kInfer
                         << " (run kiln-build-train-step or "
                            "kiln-prepare-inference first)";
      signalPassFailure();
    }
  }
};

} // namespace

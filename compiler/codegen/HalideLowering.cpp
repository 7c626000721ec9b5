//===- HalideLowering.cpp - Kiln kernels as Halide algorithms -------------===//

#include "kiln/Codegen/HalideLowering.h"

#include "kiln/IR/KilnOps.h"

#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Diagnostics.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;
using namespace kiln;
using namespace kiln::codegen;

std::vector<Halide::Argument> HalideKernel::arguments() const {
  std::vector<Halide::Argument> result;
  for (const KernelArg &arg : args) {
    switch (arg.kind) {
    case KernelArg::Kind::Tensor:
      result.push_back(arg.image);
      break;
    case KernelArg::Kind::F32:
      result.push_back(arg.f32);
      break;
    case KernelArg::Kind::I64:
      result.push_back(arg.i64);
      break;
    }
  }
  return result;
}

namespace {

/// Pure variables for a rank-`rank` Func, innermost first.
std::vector<Halide::Var> makeVars(size_t rank) {
  static const char *names[] = {"c", "x", "y", "n", "d4", "d5"};
  std::vector<Halide::Var> vars;
  for (size_t i = 0; i < rank; ++i)
    vars.emplace_back(i < 6 ? names[i] : "d" + std::to_string(i));
  return vars;
}

std::vector<Halide::Expr> asExprs(const std::vector<Halide::Var> &vars) {
  return std::vector<Halide::Expr>(vars.begin(), vars.end());
}

/// Builds the Funcs of one kernel body, op by op.
class Lowering {
public:
  explicit Lowering(HalideKernel &kernel) : kernel(kernel) {}

  LogicalResult run(Block &body);

private:
  /// The Func holding `value`, which must have been lowered already.
  Halide::Func get(Value value) { return funcs.lookup(value); }

  LogicalResult lowerConv2D(Conv2DOp op);
  LogicalResult lowerRelu(ReluOp op);

  /// Zero-pads a (c, x, y, n) Func of extents (C, W, H) by `pads` =
  /// (top, bottom, left, right), indexed from 0 in the padded frame.
  Halide::Func padSpatial(Halide::Func in, int64_t channels, int64_t width,
                          int64_t height, ArrayRef<int64_t> pads);

  HalideKernel &kernel;
  llvm::DenseMap<Value, Halide::Func> funcs;
};

Halide::Func Lowering::padSpatial(Halide::Func in, int64_t channels,
                                  int64_t width, int64_t height,
                                  ArrayRef<int64_t> pads) {
  if (llvm::all_of(pads, [](int64_t p) { return p == 0; }))
    return in;
  Halide::Func bounded = Halide::BoundaryConditions::constant_exterior(
      in, 0.0f,
      {{0, static_cast<int>(channels)},
       {0, static_cast<int>(width)},
       {0, static_cast<int>(height)},
       {Halide::Expr(), Halide::Expr()}});
  Halide::Func padded(in.name() + "_padded");
  Halide::Var c("c"), x("x"), y("y"), n("n");
  padded(c, x, y, n) = bounded(c, x - static_cast<int>(pads[2]),
                               y - static_cast<int>(pads[0]), n);
  return padded;
}

LogicalResult Lowering::lowerConv2D(Conv2DOp op) {
  auto inType = cast<RankedTensorType>(op.getInput().getType());
  auto filterType = cast<RankedTensorType>(op.getFilter().getType());
  int64_t height = inType.getDimSize(1), width = inType.getDimSize(2),
          inChannels = inType.getDimSize(3);
  int64_t kh = filterType.getDimSize(0), kw = filterType.getDimSize(1);
  ArrayRef<int64_t> strides = op.getStrides(), dilations = op.getDilations();

  Halide::Func unpadded = get(op.getInput());
  Halide::Func input = padSpatial(unpadded, inChannels, width, height,
                                  op.getPadding());
  Halide::Func filter = get(op.getFilter());
  Halide::Func conv("conv2d");
  Halide::Var c("c"), x("x"), y("y"), n("n");
  // Reduction over (input channel, kernel column, kernel row), channel
  // innermost so the schedule can vectorise over output channels and
  // accumulate a register tile across the whole reduction.
  Halide::RDom r(0, static_cast<int>(inChannels), 0, static_cast<int>(kw), 0,
                 static_cast<int>(kh), "r");
  conv(c, x, y, n) = 0.0f;
  // Filter HWIO is (o, i, kx, ky) in Halide order.
  conv(c, x, y, n) +=
      filter(c, r.x, r.y, r.z) *
      input(r.x, x * static_cast<int>(strides[1]) +
                     r.y * static_cast<int>(dilations[1]),
            y * static_cast<int>(strides[0]) +
                r.z * static_cast<int>(dilations[0]),
            n);
  funcs[op.getOutput()] = conv;
  kernel.anchors.push_back({AnchorKind::Conv, conv, r, input,
                            input.name() != unpadded.name(), filter});
  return success();
}

LogicalResult Lowering::lowerRelu(ReluOp op) {
  auto type = cast<RankedTensorType>(op.getType());
  std::vector<Halide::Var> vars = makeVars(type.getRank());
  Halide::Func relu("relu");
  relu(vars) = Halide::max(get(op.getInput())(asExprs(vars)), 0.0f);
  funcs[op.getOutput()] = relu;
  return success();
}

LogicalResult Lowering::run(Block &body) {
  for (BlockArgument arg : body.getArguments()) {
    KernelArg ka;
    std::string argName = "arg" + std::to_string(arg.getArgNumber());
    if (auto tensor = dyn_cast<RankedTensorType>(arg.getType())) {
      if (!tensor.getElementType().isF32())
        return emitError(arg.getLoc()) << "kernel argument must be f32";
      ka.kind = KernelArg::Kind::Tensor;
      ka.image = Halide::ImageParam(Halide::Float(32), tensor.getRank(),
                                    kernel.name + "_" + argName);
      ka.shape = toShapeDims(tensor.getShape());
      // Static extents are known: telling Halide lets it drop bounds checks
      // and unroll fully. The batch (outermost) stays free.
      for (int64_t d = 0; d < tensor.getRank(); ++d) {
        int64_t extent = tensor.getDimSize(tensor.getRank() - 1 - d);
        if (!ShapedType::isDynamic(extent))
          ka.image.dim(d).set_bounds(0, static_cast<int>(extent));
      }
      funcs[arg] = Halide::Func(ka.image);
    } else if (arg.getType().isF32()) {
      ka.kind = KernelArg::Kind::F32;
      ka.f32 = Halide::Param<float>(kernel.name + "_" + argName);
    } else if (arg.getType().isInteger(64)) {
      ka.kind = KernelArg::Kind::I64;
      ka.i64 = Halide::Param<int64_t>(kernel.name + "_" + argName);
    } else {
      return emitError(arg.getLoc())
             << "unsupported kernel argument type " << arg.getType();
    }
    kernel.args.push_back(std::move(ka));
  }

  for (Operation &op : body.without_terminator()) {
    LogicalResult result =
        llvm::TypeSwitch<Operation *, LogicalResult>(&op)
            .Case<Conv2DOp>([&](auto o) { return lowerConv2D(o); })
            .Case<ReluOp>([&](auto o) { return lowerRelu(o); })
            .Default([&](Operation *o) {
              return o->emitError("no Halide lowering for ") << o->getName();
            });
    if (failed(result))
      return failure();
  }

  Operation *terminator = body.getTerminator();
  for (auto [i, value] : llvm::enumerate(terminator->getOperands())) {
    auto type = dyn_cast<RankedTensorType>(value.getType());
    if (!type)
      return terminator->emitError("kernel results must be tensors");
    std::vector<Halide::Var> vars = makeVars(type.getRank());
    Halide::Func out(kernel.name + "_out" + std::to_string(i));
    out(vars) = get(value)(asExprs(vars));
    kernel.outputs.push_back(out);
    kernel.outputShapes.push_back(toShapeDims(type.getShape()));
  }
  return success();
}

} // namespace

FailureOr<HalideKernel> codegen::lowerToHalide(Block &body,
                                               const std::string &name) {
  HalideKernel kernel;
  kernel.name = name;
  Lowering lowering(kernel);
  try {
    if (failed(lowering.run(body)))
      return failure();
  } catch (const Halide::Error &e) {
    // Halide rejects only malformed algorithms; verified kiln IR should never
    // produce one, so this is an internal error, reported rather than fatal.
    return emitError(body.getParentOp()->getLoc())
           << "internal error building Halide algorithm: " << e.what();
  }
  return kernel;
}

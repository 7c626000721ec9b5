//===- HalideLowering.cpp - Kiln kernels as Halide algorithms -------------===//

#include "kiln/Codegen/HalideLowering.h"
#include "kiln/Codegen/Winograd.h"

#include "kiln/IR/KilnOps.h"
#include "kiln/runtime/Alignment.h"
#include "kiln/runtime/CounterRng.h"

#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Diagnostics.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/Sequence.h"
#include "llvm/ADT/SmallPtrSet.h"
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

using Halide::Expr;
using Halide::Func;
using Halide::RDom;
using Halide::Var;

/// Pure variables for a rank-`rank` Func, innermost first.
std::vector<Var> makeVars(size_t rank) {
  static const char *names[] = {"c", "x", "y", "n", "d4", "d5"};
  std::vector<Var> vars;
  for (size_t i = 0; i < rank; ++i)
    vars.emplace_back(i < 6 ? names[i] : "d" + std::to_string(i));
  return vars;
}

std::vector<Expr> asExprs(const std::vector<Var> &vars) {
  return std::vector<Expr>(vars.begin(), vars.end());
}

int asInt(int64_t v) { return static_cast<int>(v); }

float asFloat(const llvm::APFloat &v) { return v.convertToFloat(); }

/// Extents of a tensor type in Halide order (innermost first); the dynamic
/// batch is -1.
std::vector<int64_t> halideExtents(Type type) {
  auto tensor = cast<RankedTensorType>(type);
  std::vector<int64_t> e(tensor.getShape().rbegin(), tensor.getShape().rend());
  for (int64_t &d : e)
    if (ShapedType::isDynamic(d))
      d = -1;
  return e;
}

/// The geometry of a sliding window over 1 or 2 spatial dimensions, in
/// Halide order (index 0 = x, the innermost spatial dimension).
struct Window {
  int spatial = 0;
  std::vector<int> kernel, stride, dilation, padBefore, inExtent, outExtent;
};

/// Constrains a kernel buffer of kiln shape `shape` (outermost first) to
/// its static extents and to the dense layout the runtime allocates: every
/// stride is then a constant, so an address a register tile reads at
/// several positions is one base plus constant offsets (a 6x2 tile read at
/// twelve runtime-strided addresses ran short of general registers).
void constrainDense(Halide::Internal::Parameter buffer,
                    ArrayRef<int64_t> shape) {
  int64_t stride = 1;
  for (int64_t d = 0; d < static_cast<int64_t>(shape.size()); ++d) {
    int64_t extent = shape[shape.size() - 1 - d];
    int dim = static_cast<int>(d);
    if (stride > 0)
      buffer.set_stride_constraint(dim, asInt(stride));
    if (ShapedType::isDynamic(extent)) {
      stride = 0;
      continue;
    }
    buffer.set_min_constraint(dim, 0);
    buffer.set_extent_constraint(dim, asInt(extent));
    stride = stride > 0 ? stride * extent : 0;
  }
}

/// Builds a Window from attributes in kiln order: (H, W) arrays for 2-D,
/// scalars for 1-D; `padding` is (top, bottom, left, right) or (left, right).
Window makeWindow(ArrayRef<int64_t> kernelHW, ArrayRef<int64_t> strideHW,
                  ArrayRef<int64_t> dilationHW, ArrayRef<int64_t> padding,
                  ArrayRef<int64_t> inHW, ArrayRef<int64_t> outHW) {
  Window w;
  w.spatial = static_cast<int>(kernelHW.size());
  for (int i = w.spatial - 1; i >= 0; --i) {
    w.kernel.push_back(asInt(kernelHW[i]));
    w.stride.push_back(asInt(strideHW[i]));
    w.dilation.push_back(dilationHW.empty() ? 1 : asInt(dilationHW[i]));
    w.padBefore.push_back(asInt(padding[2 * i]));
    w.inExtent.push_back(asInt(inHW[i]));
    w.outExtent.push_back(asInt(outHW[i]));
  }
  return w;
}

/// The taps of spatial dimension `i` that read the input for some output
/// position, as {first, count}; the others read only zero padding (a 3x3
/// 'same' convolution on ResNet-50's 1x1 maps reads the centre tap alone),
/// so a reduction leaves them out. Output o reads input o*s + k*d - pad; a
/// tap is kept when the span that covers meets [0, in), which may keep a
/// tap a stride steps over but never drops one that reads the input.
std::pair<int, int> liveTaps(const Window &w, int i) {
  auto reads = [&](int k) {
    int first = k * w.dilation[i] - w.padBefore[i];
    int last = first + (w.outExtent[i] - 1) * w.stride[i];
    return last >= 0 && first < w.inExtent[i];
  };
  int lo = 0, hi = w.kernel[i] - 1;
  while (lo < hi && !reads(lo))
    ++lo;
  while (hi > lo && !reads(hi))
    --hi;
  return {lo, hi - lo + 1};
}

/// The channel (innermost) extent of a tensor type.
int64_t channelsOf(Type type) {
  return cast<RankedTensorType>(type).getShape().back();
}

/// The spatial extents (kiln order) of an NHWC / NWC tensor type.
SmallVector<int64_t> spatialOf(Type type) {
  auto shape = cast<RankedTensorType>(type).getShape();
  return SmallVector<int64_t>(shape.begin() + 1, shape.end() - 1);
}

/// erf by Abramowitz & Stegun 7.1.26 (|error| < 1.5e-7, below float
/// resolution at the scale of gelu's result); Halide has no erf.
Expr erfApprox(Expr x) {
  Expr s = Halide::select(x < 0, -1.0f, 1.0f);
  Expr a = Halide::abs(x);
  Expr t = 1.0f / (1.0f + 0.3275911f * a);
  Expr poly =
      t * (0.254829592f +
           t * (-0.284496736f +
                t * (1.421413741f + t * (-1.453152027f + t * 1.061405429f))));
  return s * (1.0f - poly * Halide::exp(-a * a));
}

/// Unsigned constants (Halide's Expr has no unambiguous unsigned
/// constructor).
Expr u32(uint32_t v) {
  return Halide::Internal::make_const(Halide::UInt(32), v);
}
Expr u64(uint64_t v) {
  return Halide::Internal::make_const(Halide::UInt(64), v);
}

/// Philox-4x32-10 as Halide expressions: the same rounds as
/// kiln::rng::philox4x32 (runtime/include/kiln/runtime/CounterRng.h), which
/// the tests compare against. Returns the first output word. `seed` is an
/// i64 expression (a kernel argument), its two halves the key as in
/// kiln::rng::keyFromSeed.
Expr philoxFirstWord(Expr c0, Expr c1, Expr c2, Expr c3, Expr seed) {
  Expr key0 = Halide::cast<uint32_t>(seed),
       key1 = Halide::cast<uint32_t>(Halide::cast<uint64_t>(seed) >> u64(32));
  uint32_t bump0 = 0, bump1 = 0;
  for (int round = 0; round < rng::kPhiloxRounds; ++round) {
    if (round) {
      bump0 += rng::kPhiloxW0;
      bump1 += rng::kPhiloxW1;
    }
    // The round's key: the seed's plus the Weyl increments (mod 2^32).
    Expr k0 = key0 + u32(bump0), k1 = key1 + u32(bump1);
    Expr p0 = Halide::cast<uint64_t>(c0) * u64(rng::kPhiloxM0);
    Expr p1 = Halide::cast<uint64_t>(c2) * u64(rng::kPhiloxM1);
    // Shift amounts of the shifted value's own type: Halide's bounds
    // analysis (Mullapudi2016) turns a constant shift into a division and
    // rejects mixed operand types.
    Expr hi0 = Halide::cast<uint32_t>(p0 >> u64(32)),
         lo0 = Halide::cast<uint32_t>(p0);
    Expr hi1 = Halide::cast<uint32_t>(p1 >> u64(32)),
         lo1 = Halide::cast<uint32_t>(p1);
    Expr n0 = hi1 ^ c1 ^ k0;
    Expr n2 = hi0 ^ c3 ^ k1;
    c0 = n0;
    c1 = lo1;
    c2 = n2;
    c3 = lo0;
  }
  return c0;
}

/// Ops computed elementwise from their operands at the same position (a
/// consumer of a reduction that can be computed per tile of it).
static bool isElementwise(Operation *op) {
  return op->hasTrait<kiln::Positionwise>();
}

/// Builds the Funcs of one kernel body, op by op.
class Lowering {
public:
  Lowering(HalideKernel &kernel, const LoweringOptions &options)
      : kernel(kernel), options(options) {}

  LogicalResult run(Block &body);

private:
  Func get(Value value) { return funcs.lookup(value); }
  void set(Value value, Func f) { funcs[value] = f; }

  /// The batch extent of this kernel's run, read from the first tensor
  /// argument with a dynamic batch.
  FailureOr<Expr> batchExtent(Operation *op);

  /// A reduction over every position of a channels-innermost tensor of
  /// `type` but its channel: the batch and the spatial extents.
  struct ChannelReduction {
    RDom r;
    /// Positions summed per channel.
    Expr count;
    /// The coordinates (c, r...) of channel `c` at the reduction's point.
    std::vector<Expr> at(const Var &c) const {
      std::vector<Expr> coords = {c};
      for (int i = 0; i < r.dimensions(); ++i)
        coords.push_back(r[i]);
      return coords;
    }
  };
  FailureOr<ChannelReduction> channelReduction(Operation *op, Type type);
  /// The sum of `value` (an expression in `c` and `red`'s coordinates) over
  /// `red`, as a Func of `c` recorded in kernel.channelSums.
  Func channelSum(const char *name, const Var &c, const ChannelReduction &red,
                  int64_t channels, Expr value);

  /// Zero-pads the spatial dims of a (c, x[, y], n) Func by `w`'s
  /// padding; the result is indexed from 0 in the padded frame.
  Func padSpatial(Func in, int64_t channels, const Window &w);

  /// Flat row-major index of a Func element whose non-batch extents (Halide
  /// order) are `extents`.
  Expr flatIndex(const std::vector<Var> &vars,
                 const std::vector<int64_t> &extents);

  LogicalResult lowerConv(Operation *op, Value input, Value filter,
                          const Window &w);
  LogicalResult lowerConvWinograd(Operation *op, Value input, Value filter,
                                  const Window &w, int m);
  LogicalResult lowerConvGradInput(Operation *op, Value gradOut, Value filter,
                                   const Window &w);
  LogicalResult lowerConvGradFilter(Operation *op, Value input, Value gradOut,
                                    const Window &w);
  LogicalResult lowerPool(Operation *op, Value input, const Window &w,
                          bool isMax);
  LogicalResult lowerMaxPoolGrad(Operation *op, Value gradOut, Value input,
                                 const Window &w);
  LogicalResult lowerAvgPoolGrad(Operation *op, Value gradOut, const Window &w);
  LogicalResult lowerElementwise(Operation *op);
  LogicalResult lowerOp(Operation *op);

  /// Records `op`'s first result as a reduction anchor.
  void addAnchor(Operation *op, AnchorKind kind, Func func, RDom rdom,
                 Func input, bool inputIsComputed, Func weights,
                 bool weightsIsComputed);

  /// Finds the output an anchor reaches through elementwise ops and at
  /// most one tilable pooling; on success sets `taps` to that pooling's
  /// window size (1 without one).
  int fusedOutputOf(Value value, Operation *terminator, int &taps);

  /// The pooled positions a row when `conv`'s result reaches, through ops
  /// with one use each that are elementwise, a 1-D pooling of
  /// non-overlapping windows of two (each pooled position then reads one
  /// pair of the convolution's outputs); 0 otherwise.
  static int64_t pooledPairs(Operation *conv);
  /// Each weight vector of a convolution in pairs serves the pairs of its
  /// row: report 002 Model 1's third convolution, 2 pairs a row, ran 1.5x
  /// slower so than directly (0.10 against 0.065 ms at batch 256), its
  /// first two (13 and 6 pairs) faster.
  static constexpr int64_t kMinPairsPerRow = 5;
  /// The outputs per F(m, 2) tile for a two-tap convolution whose row of
  /// `pooled` pooled positions reads `inChannels` channels; 0 for the
  /// direct algorithm.
  static int winogradOutputs(int64_t pooled, int64_t inChannels);

  /// Every pooling lowered, with its window size and whether its windows
  /// neither overlap nor pad (tilable): then each output position reads
  /// positions no other one reads, so what it pools can be computed per
  /// tile of its result.
  struct PoolInfo {
    int taps;
    bool tilable;
  };
  llvm::DenseMap<Operation *, PoolInfo> pools;

  /// Poolings lowered to read a kernel output (the value they pool is
  /// yielded too) rather than that value's algorithm.
  llvm::SmallPtrSet<Operation *, 4> poolsOfOutputs;

  /// The ops anchors came from, parallel to kernel.anchors.
  std::vector<Operation *> anchorOps;

  /// Max-pooling gradients whose windows tile the input, with their
  /// windows (see HalideKernel::outputWindows).
  std::vector<std::pair<Operation *, std::vector<int>>> disjointPoolGrads;

  HalideKernel &kernel;
  LoweringOptions options;
  llvm::DenseMap<Value, Func> funcs;
};

FailureOr<Expr> Lowering::batchExtent(Operation *op) {
  for (KernelArg &arg : kernel.args)
    if (arg.kind == KernelArg::Kind::Tensor && !arg.shape.empty() &&
        arg.shape[0] < 0)
      return Expr(
          arg.image.dim(static_cast<int>(arg.shape.size()) - 1).extent());
  for (KernelArg &arg : kernel.args)
    if (arg.kind == KernelArg::Kind::Tensor && !arg.shape.empty())
      return Expr(asInt(arg.shape[0]));
  return op->emitError("kernel has no tensor argument to take the batch from");
}

FailureOr<Lowering::ChannelReduction> Lowering::channelReduction(Operation *op,
                                                                 Type type) {
  FailureOr<Expr> batch = batchExtent(op);
  if (failed(batch))
    return failure();
  std::vector<int64_t> e = halideExtents(type);
  Halide::Region dom;
  Expr count = *batch;
  for (size_t d = 1; d + 1 < e.size(); ++d) {
    dom.push_back({0, asInt(e[d])});
    count = count * asInt(e[d]);
  }
  dom.push_back({0, *batch});
  return ChannelReduction{RDom(dom, "r"), count};
}

Func Lowering::channelSum(const char *name, const Var &c,
                          const ChannelReduction &red, int64_t channels,
                          Expr value) {
  Func f(name);
  f(c) = 0.0f;
  f(c) += value;
  kernel.channelSums.push_back({f, red.r, channels});
  return f;
}

Func Lowering::padSpatial(Func in, int64_t channels, const Window &w) {
  if (llvm::all_of(w.padBefore, [](int p) { return p == 0; }) &&
      llvm::none_of(llvm::seq<int>(0, w.spatial), [&](int i) {
        // Windows may also read past the end (bottom/right padding).
        return (w.outExtent[i] - 1) * w.stride[i] +
                   (w.kernel[i] - 1) * w.dilation[i] >=
               w.inExtent[i];
      }))
    return in;
  Halide::Region bounds = {{0, asInt(channels)}};
  for (int i = 0; i < w.spatial; ++i)
    bounds.push_back({0, w.inExtent[i]});
  bounds.push_back({Expr(), Expr()});
  Func bounded =
      Halide::BoundaryConditions::constant_exterior(in, 0.0f, bounds);
  std::vector<Var> v = makeVars(w.spatial + 2);
  std::vector<Expr> at = asExprs(v);
  for (int i = 0; i < w.spatial; ++i)
    at[1 + i] = v[1 + i] - w.padBefore[i];
  Func padded(in.name() + "_padded");
  padded(v) = bounded(at);
  return padded;
}

Expr Lowering::flatIndex(const std::vector<Var> &vars,
                         const std::vector<int64_t> &extents) {
  Expr index = Halide::cast<int64_t>(vars.back());
  for (int d = static_cast<int>(vars.size()) - 2; d >= 0; --d)
    index = index * static_cast<int>(extents[d]) + vars[d];
  return index;
}

LogicalResult Lowering::lowerConv(Operation *op, Value input, Value filter,
                                  const Window &w) {
  int64_t inChannels =
      cast<RankedTensorType>(input.getType()).getShape().back();
  Func unpadded = get(input);
  Func in = padSpatial(unpadded, inChannels, w);
  Func weights = get(filter);
  std::vector<Var> v = makeVars(w.spatial + 2);
  // Reduction over (input channel, kernel x[, kernel y]), channel innermost
  // so the schedule vectorises over output channels and keeps a register
  // tile of accumulators across the whole reduction.
  Halide::Region dom = {{0, asInt(inChannels)}};
  for (int i = 0; i < w.spatial; ++i) {
    auto [first, count] = liveTaps(w, i);
    dom.push_back({first, count});
  }
  RDom r(dom, "r");
  std::vector<Expr> filterAt = {v[0], r[0]};
  std::vector<Expr> inAt = {r[0]};
  for (int i = 0; i < w.spatial; ++i) {
    filterAt.push_back(r[1 + i]);
    inAt.push_back(v[1 + i] * w.stride[i] + r[1 + i] * w.dilation[i]);
  }
  inAt.push_back(v.back());
  Func conv("conv");
  conv(v) = 0.0f;
  conv(v) += weights(filterAt) * in(inAt);
  set(op->getResult(0), conv);
  addAnchor(op, AnchorKind::Conv, conv, r, in, in.name() != unpadded.name(),
            weights, false);
  return success();
}

// A 2-tap filter gives m outputs from m + 1 inputs with m + 1 products
// instead of 2m (Winograd's minimal filtering F(m, 2), see Winograd.h).
// Summed over input channels, the m + 1 products are m + 1 reductions
// sharing one loop: `tiles(c, t, n)` holds them for outputs mt..mt+m-1, and
// the transforms of the input and the filter are computed once, before the
// reduction. It pays only where a tile's outputs are wanted together, as
// under a pooling of windows of two: report 002 Model 1's convolutions ran
// at 90% of the FMA peak, so fewer products was the one way left to run
// them faster.
LogicalResult Lowering::lowerConvWinograd(Operation *op, Value input,
                                          Value filter, const Window &w,
                                          int m) {
  WinogradF2 f = winogradF2(m);
  int64_t inChannels = channelsOf(input.getType());
  // The last tile may run past the last output (a schedule may compute
  // whole tiles beyond it too): it reads zeros there, not past the input.
  Func in = Halide::BoundaryConditions::constant_exterior(
      padSpatial(get(input), inChannels, w), 0.0f,
      {{Expr(), Expr()},
       {0, asInt(w.padBefore[0] + w.inExtent[0])},
       {Expr(), Expr()}});
  Func weights = get(filter);
  // The usual names (c, x, n): an autoscheduler names its splits after a
  // Func's vars (c -> ci), so a var named "ci" clashed under Adams2019.
  std::vector<Var> v = makeVars(3);
  Var c = v[0], t = v[1], n = v[2], ci = v[1];
  // Integer coefficients: +-1 as additions, others as products.
  auto combine = [](const std::vector<int> &coefficients, auto term) {
    Expr sum;
    for (size_t j = 0; j < coefficients.size(); ++j) {
      int k = coefficients[j];
      if (k == 0)
        continue;
      Expr e = std::abs(k) == 1 ? term(j)
                                : term(j) * static_cast<float>(std::abs(k));
      sum = !sum.defined() ? (k < 0 ? -e : e) : (k < 0 ? sum - e : sum + e);
    }
    return sum;
  };
  Func tileIn("winograd_in");
  std::vector<Expr> ins;
  for (const std::vector<int> &row : f.inputTransform)
    ins.push_back(combine(
        row, [&](size_t j) { return in(c, m * t + static_cast<int>(j), n); }));
  tileIn(c, t, n) = Halide::Tuple(ins);

  Func tileFilter("winograd_filter");
  std::vector<Expr> gs;
  for (const std::array<double, 2> &row : f.filterTransform) {
    Expr g;
    for (int k = 0; k < 2; ++k)
      if (row[k] != 0) {
        Expr e = weights(c, ci, k) * static_cast<float>(row[k]);
        g = g.defined() ? g + e : e;
      }
    gs.push_back(g);
  }
  tileFilter(c, ci) = Halide::Tuple(gs);

  RDom r(0, asInt(inChannels), "r");
  Func tiles("conv_winograd");
  tiles(c, t, n) = Halide::Tuple(std::vector<Expr>(m + 1, 0.0f));
  std::vector<Expr> sums;
  for (int p = 0; p <= m; ++p)
    sums.push_back(tiles(c, t, n)[p] +
                   tileFilter(c, r)[p] * tileIn(r, t, n)[p]);
  tiles(c, t, n) = Halide::Tuple(sums);

  Var x = t;
  Expr tile = x / m;
  Expr out = combine(f.outputTransform[m - 1],
                     [&](size_t p) { return tiles(c, tile, n)[p]; });
  for (int i = m - 2; i >= 0; --i)
    out =
        Halide::select(x % m == i,
                       combine(f.outputTransform[i],
                               [&](size_t p) { return tiles(c, tile, n)[p]; }),
                       out);
  Func conv("conv");
  conv(c, x, n) = out;
  set(op->getResult(0), conv);
  addAnchor(op, AnchorKind::Conv, tiles, r, tileIn, true, tileFilter, true);
  Anchor &anchor = kernel.anchors.back();
  int64_t &width = anchor.shape[anchor.shape.size() - 2];
  width = (width + m - 1) / m;
  anchor.tileOutputs = m;
  return success();
}

int64_t Lowering::pooledPairs(Operation *conv) {
  Value value = conv->getResult(0);
  while (value.hasOneUse()) {
    Operation *user = *value.getUsers().begin();
    auto pairWindows = [](auto pool) -> int64_t {
      bool pairs =
          pool.getWindow() == 2 && pool.getStride() == 2 &&
          llvm::all_of(pool.getPadding(), [](int64_t pad) { return pad == 0; });
      return pairs ? pool.getType().getDimSize(1) : 0;
    };
    if (auto pool = dyn_cast<MaxPool1DOp>(user))
      return pairWindows(pool);
    if (auto pool = dyn_cast<AvgPool1DOp>(user))
      return pairWindows(pool);
    if (!isElementwise(user) || user->getNumResults() != 1)
      return 0;
    value = user->getResult(0);
  }
  return 0;
}

// Pairs (F(2,2)) where a row has kMinPairsPerRow pooled positions, the
// direct algorithm below. Wider tiles save more products, but each output
// costs an output transform of m + 1 terms where a pair's costs two, so
// they pay only over long reductions: report 002 Model 1's first layer (28
// input channels, 11 pooled positions) ran at 0.30 ms in F(4,2) and 0.40 in
// F(6,2) against 0.26 in pairs; its second (236 channels, 5 positions) at
// 0.45-0.47 ms in F(5,2) against 0.53 in pairs, its third (128 channels, 2
// positions) at 0.054 in F(4,2) against 0.064 direct (batch 256). A row's
// tiles make one register tile, of two images at least (ScheduleApply), so
// its sums must fit half of 24 accumulators: 12.
int Lowering::winogradOutputs(int64_t pooled, int64_t inChannels) {
  constexpr int64_t kMinChannelsForWiderTiles = 128;
  constexpr int64_t kRowSums = 12;
  if (pooled < 1)
    return 0;
  int best = pooled < kMinPairsPerRow ? 0 : 2;
  int64_t fewest = pooled < kMinPairsPerRow ? 4 * pooled : 3 * pooled;
  if (inChannels >= kMinChannelsForWiderTiles)
    for (int m = 3; m <= kMaxWinogradOutputs; ++m) {
      int64_t sums = (2 * pooled + m - 1) / m * (m + 1);
      if (sums <= kRowSums && sums < fewest) {
        best = m;
        fewest = sums;
      }
    }
  return best;
}

LogicalResult Lowering::lowerConvGradInput(Operation *op, Value gradOut,
                                           Value filter, const Window &w) {
  auto filterShape = cast<RankedTensorType>(filter.getType()).getShape();
  int64_t outChannels = filterShape.back();
  // Transposed filter (ci, co, kx[, ky]) so the result's channels, the
  // vectorised dimension, are innermost in the filter too.
  Func weights = get(filter);
  std::vector<Var> fv = makeVars(w.spatial + 2);
  std::vector<Expr> swapped = asExprs(fv);
  std::swap(swapped[0], swapped[1]);
  Func transposed("filter_t");
  transposed(fv) = weights(swapped);

  Halide::Region gBounds = {{0, asInt(outChannels)}};
  for (int i = 0; i < w.spatial; ++i)
    gBounds.push_back({0, w.outExtent[i]});
  gBounds.push_back({Expr(), Expr()});
  Func g = Halide::BoundaryConditions::constant_exterior(get(gradOut), 0.0f,
                                                         gBounds);
  std::vector<Var> v = makeVars(w.spatial + 2);
  Halide::Region dom = {{0, asInt(outChannels)}};
  for (int i = 0; i < w.spatial; ++i) {
    // A tap that reads no input position sends no position a gradient.
    auto [first, count] = liveTaps(w, i);
    dom.push_back({first, count});
  }
  RDom r(dom, "r");
  // Input position p receives from output o where o*s + k*d - pad = p.
  std::vector<Expr> gAt = {r[0]};
  std::vector<Expr> filterAt = {v[0], r[0]};
  Expr valid = Halide::Internal::const_true();
  for (int i = 0; i < w.spatial; ++i) {
    Expr t = v[1 + i] + w.padBefore[i] - r[1 + i] * w.dilation[i];
    if (w.stride[i] > 1) {
      valid = valid && (t % w.stride[i] == 0);
      gAt.push_back(t / w.stride[i]);
    } else {
      gAt.push_back(t);
    }
    filterAt.push_back(r[1 + i]);
  }
  gAt.push_back(v.back());
  Func grad("conv_grad_input");
  grad(v) = 0.0f;
  Expr term = transposed(filterAt) * g(gAt);
  // With a 1x1 filter, whether a position receives anything does not
  // depend on the reduction: the positions a stride skips (3 in 4 for
  // ResNet-50's stride-2 projections) skip the whole reduction, rather
  // than computing it and selecting zero at every step.
  bool pointwise = llvm::all_of(w.kernel, [](int64_t k) { return k == 1; });
  // Rows of a 2-D window: the row is outside the register tile, so a
  // predicate on it trims the kernel-row loop to the rows that reach an
  // output instead of summing zeros from the padding (on a 3x3 map, 5 rows
  // of 3 taps reach 9 of 15 row-tap pairs).
  int rows = w.spatial - 1;
  bool trimRows = !pointwise && w.spatial == 2 && w.stride[rows] == 1;
  if (trimRows) {
    Expr t = v[1 + rows] + w.padBefore[rows] - r[1 + rows] * w.dilation[rows];
    r.where(t >= 0 && t < w.outExtent[rows]);
  }
  if (pointwise && !Halide::Internal::is_const_one(valid)) {
    r.where(valid);
    grad(v) += term;
  } else {
    grad(v) += Halide::select(valid, term, 0.0f);
  }
  set(op->getResult(0), grad);
  addAnchor(op, AnchorKind::Conv, grad, r, g, true, transposed, true);
  return success();
}

LogicalResult Lowering::lowerConvGradFilter(Operation *op, Value input,
                                            Value gradOut, const Window &w) {
  FailureOr<Expr> batch = batchExtent(op);
  if (failed(batch))
    return failure();
  int64_t inChannels =
      cast<RankedTensorType>(input.getType()).getShape().back();
  Func unpadded = get(input);
  Func in = padSpatial(unpadded, inChannels, w);
  Func g = get(gradOut);
  // Result (co, ci, kx[, ky]); reduction over output positions and batch.
  std::vector<Var> v = makeVars(w.spatial + 2);
  Halide::Region dom;
  for (int i = 0; i < w.spatial; ++i)
    dom.push_back({0, w.outExtent[i]});
  dom.push_back({0, *batch});
  RDom r(dom, "r");
  // The gradient of a tap that reads only padding is zero: its reduction
  // is skipped (the test is on the result's tap, outside the reduction).
  Expr live = Halide::Internal::const_true();
  for (int i = 0; i < w.spatial; ++i) {
    auto [first, count] = liveTaps(w, i);
    if (count < w.kernel[i])
      live = live && v[2 + i] >= first && v[2 + i] < first + count;
  }
  if (!Halide::Internal::is_const_one(live))
    r.where(live);
  std::vector<Expr> gAt = {v[0]};
  std::vector<Expr> inAt = {v[1]};
  for (int i = 0; i < w.spatial; ++i) {
    gAt.push_back(r[i]);
    inAt.push_back(r[i] * w.stride[i] + v[2 + i] * w.dilation[i]);
  }
  gAt.push_back(r[w.spatial]);
  inAt.push_back(r[w.spatial]);
  Func grad("conv_grad_filter");
  grad(v) = 0.0f;
  grad(v) += g(gAt) * in(inAt);
  set(op->getResult(0), grad);
  addAnchor(op, AnchorKind::BatchReduction, grad, r, in,
            in.name() != unpadded.name(), g, false);
  return success();
}

/// The offsets of a window in row-major order (y outer, x inner), in Halide
/// order (index 0 = x).
static std::vector<std::vector<int>> windowOffsets(const Window &w) {
  std::vector<std::vector<int>> offsets = {{}};
  for (int i = w.spatial - 1; i >= 0; --i) {
    std::vector<std::vector<int>> next;
    for (const std::vector<int> &prefix : offsets)
      for (int k = 0; k < w.kernel[i]; ++k) {
        std::vector<int> o = prefix;
        o.insert(o.begin(), k);
        next.push_back(o);
      }
    offsets = next;
  }
  return offsets;
}

/// One position of a pooling window at `v`: whether it lies inside the
/// input, and the input there (clamped to the edge when it does not).
struct WindowTap {
  Expr inside;
  Expr value;
};

/// The taps of the window at `v`, in row-major window order. Windows are
/// small and static, so poolings are plain expressions over their taps:
/// they inline and vectorise with their consumer like elementwise ops.
static std::vector<WindowTap> windowTaps(Func in, const std::vector<Var> &v,
                                         const Window &w) {
  std::vector<WindowTap> taps;
  for (const std::vector<int> &k : windowOffsets(w)) {
    std::vector<Expr> at = {v[0]};
    Expr inside = Halide::Internal::const_true();
    for (int i = 0; i < w.spatial; ++i) {
      Expr p = v[1 + i] * w.stride[i] + k[i] - w.padBefore[i];
      inside = inside && p >= 0 && p < w.inExtent[i];
      at.push_back(Halide::clamp(p, 0, w.inExtent[i] - 1));
    }
    at.push_back(v.back());
    taps.push_back({inside, in(at)});
  }
  return taps;
}

/// A tap's value for a maximum: the lowest float outside the input.
static Expr maxOperand(const WindowTap &tap) {
  return Halide::select(tap.inside, tap.value, Halide::Float(32).min());
}

LogicalResult Lowering::lowerPool(Operation *op, Value input, const Window &w,
                                  bool isMax) {
  Func in = get(input);
  std::vector<Var> v = makeVars(w.spatial + 2);
  std::vector<WindowTap> taps = windowTaps(in, v, w);
  Expr result;
  if (isMax) {
    result = maxOperand(taps[0]);
    for (size_t i = 1; i < taps.size(); ++i)
      result = Halide::max(result, maxOperand(taps[i]));
  } else {
    for (const WindowTap &tap : taps) {
      Expr term = Halide::select(tap.inside, tap.value, 0.0f);
      result = result.defined() ? result + term : term;
    }
    // In-bounds positions of the window (padding is not counted).
    Expr count = 1;
    for (int i = 0; i < w.spatial; ++i) {
      Expr lo = Halide::max(v[1 + i] * w.stride[i] - w.padBefore[i], 0);
      Expr hi = Halide::min(
          v[1 + i] * w.stride[i] - w.padBefore[i] + w.kernel[i], w.inExtent[i]);
      count = count * (hi - lo);
    }
    result = result / Halide::cast<float>(count);
  }
  bool tilable = true;
  for (int i = 0; i < w.spatial; ++i)
    tilable = tilable && w.stride[i] >= w.kernel[i] && w.padBefore[i] == 0 &&
              w.outExtent[i] * w.stride[i] <= w.inExtent[i];
  pools[op] = {static_cast<int>(taps.size()), tilable};
  Func pool(isMax ? "max_pool" : "avg_pool");
  pool(v) = result;
  set(op->getResult(0), pool);
  return success();
}

LogicalResult Lowering::lowerMaxPoolGrad(Operation *op, Value gradOut,
                                         Value input, const Window &w) {
  Func in = get(input);
  Func g = get(gradOut);
  std::vector<Var> v = makeVars(w.spatial + 2);
  // The first maximum of each window (row-major scan: y outer, x inner),
  // as a flat window index: a later tap wins only when strictly greater.
  std::vector<WindowTap> taps = windowTaps(in, v, w);
  Expr best = maxOperand(taps[0]);
  Expr index = 0;
  for (size_t i = 1; i < taps.size(); ++i) {
    Expr value = maxOperand(taps[i]);
    Expr better = value > best;
    index = Halide::select(better, static_cast<int>(i), index);
    best = Halide::select(better, value, best);
  }
  Func argIdx("pool_argidx");
  argIdx(v) = index;
  bool disjoint = llvm::all_of(llvm::seq<int>(0, w.spatial), [&](int i) {
    return w.stride[i] == w.kernel[i];
  });
  if (disjoint) {
    // Each input position reads one window's choice: inlined, it is
    // recomputed from cached inputs rather than stored and read back.
    // Windows that tile the input (stride == window, the usual 2x2/2):
    // each input position lies in exactly one window, so it takes that
    // window's gradient when it was the window's first maximum.
    std::vector<Expr> gAt = {v[0]};
    Expr valid = Halide::Internal::const_true();
    Expr flatPos = 0;
    for (int i = w.spatial - 1; i >= 0; --i) {
      Expr t = v[1 + i] + w.padBefore[i];
      Expr o = t / w.stride[i];
      valid = valid && o < w.outExtent[i];
      flatPos = flatPos * w.kernel[i] + (t % w.stride[i]);
      gAt.insert(gAt.begin() + 1, Halide::min(o, w.outExtent[i] - 1));
    }
    gAt.push_back(v.back());
    Func grad("max_pool_grad");
    grad(v) = Halide::select(valid && argIdx(gAt) == flatPos, g(gAt), 0.0f);
    set(op->getResult(0), grad);
    std::vector<int> window;
    for (int i = 0; i < w.spatial; ++i)
      window.push_back(static_cast<int>(w.kernel[i]));
    disjointPoolGrads.emplace_back(op, std::move(window));
    return success();
  }
  // Overlapping windows: each input position gathers from the windows that
  // contain it and chose it; each window's choice is computed once.
  kernel.reductions.push_back(argIdx);
  Halide::Region back;
  for (int i = 0; i < w.spatial; ++i)
    back.push_back({0, w.kernel[i]});
  RDom k(back, "k");
  std::vector<Expr> gAt = {v[0]};
  Expr valid = Halide::Internal::const_true();
  Expr flatK = w.spatial == 2 ? k[1] * w.kernel[0] + k[0] : Expr(k[0]);
  for (int i = 0; i < w.spatial; ++i) {
    Expr t = v[1 + i] + w.padBefore[i] - k[i];
    Expr o = t / w.stride[i];
    valid = valid && t >= 0 && t % w.stride[i] == 0 && o < w.outExtent[i];
    gAt.push_back(Halide::clamp(o, 0, w.outExtent[i] - 1));
  }
  gAt.push_back(v.back());
  Func grad("max_pool_grad");
  grad(v) =
      Halide::sum(Halide::select(valid && argIdx(gAt) == flatK, g(gAt), 0.0f));
  set(op->getResult(0), grad);
  return success();
}

LogicalResult Lowering::lowerAvgPoolGrad(Operation *op, Value gradOut,
                                         const Window &w) {
  Func g = get(gradOut);
  std::vector<Var> v = makeVars(w.spatial + 2);
  Halide::Region back;
  for (int i = 0; i < w.spatial; ++i)
    back.push_back({0, w.kernel[i]});
  RDom k(back, "k");
  std::vector<Expr> gAt = {v[0]};
  Expr valid = Halide::Internal::const_true();
  Expr count = 1;
  for (int i = 0; i < w.spatial; ++i) {
    Expr t = v[1 + i] + w.padBefore[i] - k[i];
    Expr o = Halide::clamp(t / w.stride[i], 0, w.outExtent[i] - 1);
    valid = valid && t >= 0 && t % w.stride[i] == 0 &&
            t / w.stride[i] < w.outExtent[i];
    gAt.push_back(o);
    Expr lo = Halide::max(o * w.stride[i] - w.padBefore[i], 0);
    Expr hi = Halide::min(o * w.stride[i] - w.padBefore[i] + w.kernel[i],
                          w.inExtent[i]);
    count = count * (hi - lo);
  }
  gAt.push_back(v.back());
  Func grad("avg_pool_grad");
  grad(v) = Halide::sum(
      Halide::select(valid, g(gAt) / Halide::cast<float>(count), 0.0f));
  set(op->getResult(0), grad);
  return success();
}

LogicalResult Lowering::lowerOp(Operation *op) {
  auto outVars = [&](unsigned result = 0) {
    return makeVars(
        cast<RankedTensorType>(op->getResult(result).getType()).getRank());
  };
  auto def = [&](const char *name, const std::vector<Var> &v, Expr e,
                 unsigned result = 0) {
    Func f(name);
    f(v) = e;
    set(op->getResult(result), f);
    return success();
  };
  /// Calls operand `i`'s Func at `at`.
  auto at = [&](unsigned i, const std::vector<Var> &v) {
    return get(op->getOperand(i))(asExprs(v));
  };

  return llvm::TypeSwitch<Operation *, LogicalResult>(op)
      // --- convolutions, windows ---------------------------------------
      .Case([&](Conv2DOp o) {
        return lowerConv(
            o, o.getInput(), o.getFilter(),
            makeWindow(cast<RankedTensorType>(o.getFilter().getType())
                           .getShape()
                           .take_front(2),
                       o.getStrides(), o.getDilations(), o.getPadding(),
                       spatialOf(o.getInput().getType()),
                       spatialOf(o.getType())));
      })
      .Case([&](Conv1DOp o) {
        int64_t k =
            cast<RankedTensorType>(o.getFilter().getType()).getDimSize(0);
        Window w = makeWindow({k}, {int64_t(o.getStride())},
                              {int64_t(o.getDilation())}, o.getPadding(),
                              spatialOf(o.getInput().getType()),
                              spatialOf(o.getType()));
        if (options.outputPairs && k == 2 && w.stride[0] == 1 &&
            w.dilation[0] == 1)
          if (int m = winogradOutputs(pooledPairs(o),
                                      channelsOf(o.getInput().getType())))
            return lowerConvWinograd(o, o.getInput(), o.getFilter(), w, m);
        return lowerConv(o, o.getInput(), o.getFilter(), w);
      })
      .Case([&](Conv2DGradInputOp o) {
        return lowerConvGradInput(
            o, o.getGradOut(), o.getFilter(),
            makeWindow(cast<RankedTensorType>(o.getFilter().getType())
                           .getShape()
                           .take_front(2),
                       o.getStrides(), o.getDilations(), o.getPadding(),
                       spatialOf(o.getType()),
                       spatialOf(o.getGradOut().getType())));
      })
      .Case([&](Conv1DGradInputOp o) {
        int64_t k =
            cast<RankedTensorType>(o.getFilter().getType()).getDimSize(0);
        return lowerConvGradInput(
            o, o.getGradOut(), o.getFilter(),
            makeWindow({k}, {int64_t(o.getStride())},
                       {int64_t(o.getDilation())}, o.getPadding(),
                       spatialOf(o.getType()),
                       spatialOf(o.getGradOut().getType())));
      })
      .Case([&](Conv2DGradFilterOp o) {
        return lowerConvGradFilter(
            o, o.getInput(), o.getGradOut(),
            makeWindow(o.getKernelHw(), o.getStrides(), o.getDilations(),
                       o.getPadding(), spatialOf(o.getInput().getType()),
                       spatialOf(o.getGradOut().getType())));
      })
      .Case([&](Conv1DGradFilterOp o) {
        return lowerConvGradFilter(
            o, o.getInput(), o.getGradOut(),
            makeWindow({int64_t(o.getKernelW())}, {int64_t(o.getStride())},
                       {int64_t(o.getDilation())}, o.getPadding(),
                       spatialOf(o.getInput().getType()),
                       spatialOf(o.getGradOut().getType())));
      })
      .Case<MaxPool2DOp, AvgPool2DOp>([&](auto o) {
        return lowerPool(o, o.getInput(),
                         makeWindow(o.getWindow(), o.getStrides(), {},
                                    o.getPadding(),
                                    spatialOf(o.getInput().getType()),
                                    spatialOf(o.getType())),
                         isa<MaxPool2DOp>(o.getOperation()));
      })
      .Case<MaxPool1DOp, AvgPool1DOp>([&](auto o) {
        return lowerPool(
            o, o.getInput(),
            makeWindow({int64_t(o.getWindow())}, {int64_t(o.getStride())}, {},
                       o.getPadding(), spatialOf(o.getInput().getType()),
                       spatialOf(o.getType())),
            isa<MaxPool1DOp>(o.getOperation()));
      })
      .Case([&](MaxPool2DGradOp o) {
        return lowerMaxPoolGrad(
            o, o.getGradOut(), o.getInput(),
            makeWindow(o.getWindow(), o.getStrides(), {}, o.getPadding(),
                       spatialOf(o.getInput().getType()),
                       spatialOf(o.getGradOut().getType())));
      })
      .Case([&](MaxPool1DGradOp o) {
        return lowerMaxPoolGrad(
            o, o.getGradOut(), o.getInput(),
            makeWindow({int64_t(o.getWindow())}, {int64_t(o.getStride())}, {},
                       o.getPadding(), spatialOf(o.getInput().getType()),
                       spatialOf(o.getGradOut().getType())));
      })
      .Case([&](AvgPool2DGradOp o) {
        return lowerAvgPoolGrad(
            o, o.getGradOut(),
            makeWindow(o.getWindow(), o.getStrides(), {}, o.getPadding(),
                       o.getInputHw(), spatialOf(o.getGradOut().getType())));
      })
      .Case([&](AvgPool1DGradOp o) {
        return lowerAvgPoolGrad(
            o, o.getGradOut(),
            makeWindow({int64_t(o.getWindow())}, {int64_t(o.getStride())}, {},
                       o.getPadding(), {int64_t(o.getInputW())},
                       spatialOf(o.getGradOut().getType())));
      })
      // --- dense ----------------------------------------------------------
      .Case([&](DenseOp o) {
        int64_t k =
            cast<RankedTensorType>(o.getWeights().getType()).getDimSize(0);
        Var m("c"), n("x");
        RDom r(0, asInt(k), "r");
        Func dense("dense");
        dense(m, n) = 0.0f;
        dense(m, n) += get(o.getWeights())(m, r) * get(o.getInput())(r, n);
        set(o.getOutput(), dense);
        addAnchor(op, AnchorKind::Conv, dense, r, get(o.getInput()), false,
                  get(o.getWeights()), false);
        return success();
      })
      .Case([&](DenseGradInputOp o) {
        int64_t m =
            cast<RankedTensorType>(o.getWeights().getType()).getDimSize(1);
        Var k("c"), n("x");
        Func wt("weights_t");
        wt(k, Var("m")) = get(o.getWeights())(Var("m"), k);
        RDom r(0, asInt(m), "r");
        Func grad("dense_grad_input");
        grad(k, n) = 0.0f;
        grad(k, n) += wt(k, r) * get(o.getGradOut())(r, n);
        set(o.getGradIn(), grad);
        addAnchor(op, AnchorKind::Conv, grad, r, get(o.getGradOut()), false, wt,
                  true);
        return success();
      })
      .Case([&](DenseGradWeightsOp o) {
        FailureOr<Expr> batch = batchExtent(o);
        if (failed(batch))
          return failure();
        Var m("c"), k("x");
        RDom r(0, *batch, "r");
        Func grad("dense_grad_weights");
        grad(m, k) = 0.0f;
        grad(m, k) += get(o.getGradOut())(m, r) * get(o.getInput())(k, r);
        set(o.getGradWeights(), grad);
        addAnchor(op, AnchorKind::BatchReduction, grad, r, get(o.getInput()),
                  false, get(o.getGradOut()), false);
        return success();
      })
      .Case([&](BiasAddOp o) {
        std::vector<Var> v = outVars();
        return def("bias_add", v, at(0, v) + get(o.getBias())(v[0]));
      })
      .Case([&](BiasGradOp o) {
        FailureOr<ChannelReduction> red =
            channelReduction(o, o.getGradOut().getType());
        if (failed(red))
          return failure();
        Var c("c");
        set(o.getResult(),
            channelSum("bias_grad", c, *red, channelsOf(o.getType()),
                       get(o.getGradOut())(red->at(c))));
        return success();
      })
      // --- normalisation ----------------------------------------------------
      .Case([&](BatchNormTrainOp o) {
        FailureOr<ChannelReduction> red =
            channelReduction(o, o.getInput().getType());
        if (failed(red))
          return failure();
        Var c("c");
        std::vector<Expr> xAt = red->at(c);
        Expr count = red->count;
        Func x = get(o.getInput());
        Expr countF = Halide::cast<float>(count);
        int64_t channels = channelsOf(o.getInput().getType());
        Func mean("bn_mean"), var("bn_var");
        mean(c) = channelSum("bn_sum", c, *red, channels, x(xAt))(c) / countF;
        Expr centered = x(xAt) - mean(c);
        var(c) =
            channelSum("bn_sqsum", c, *red, channels, centered * centered)(c) /
            countF;
        kernel.reductions.push_back(mean);
        kernel.reductions.push_back(var);
        std::vector<Var> v = outVars();
        float eps = asFloat(o.getEpsilon());
        Expr y = get(o.getGamma())(v[0]) * (at(0, v) - mean(v[0])) /
                     Halide::sqrt(var(v[0]) + eps) +
                 get(o.getBeta())(v[0]);
        (void)def("bn_out", v, y, 0);
        set(o.getBatchMean(), mean);
        set(o.getBatchVar(), var);
        return success();
      })
      .Case([&](BatchNormInferOp o) {
        std::vector<Var> v = outVars();
        Var c = v[0];
        float eps = asFloat(o.getEpsilon());
        Expr y = get(o.getGamma())(c) * (at(0, v) - get(o.getMean())(c)) /
                     Halide::sqrt(get(o.getVariance())(c) + eps) +
                 get(o.getBeta())(c);
        return def("bn_infer", v, y);
      })
      .Case([&](BatchNormTrainGradOp o) {
        FailureOr<ChannelReduction> red =
            channelReduction(o, o.getInput().getType());
        if (failed(red))
          return failure();
        Var c("c");
        std::vector<Expr> xAt = red->at(c);
        Expr count = red->count;
        float eps = asFloat(o.getEpsilon());
        Func x = get(o.getInput()), g = get(o.getGradOut());
        Func mean = get(o.getBatchMean()), var = get(o.getBatchVar());
        Func rstd("bn_rstd");
        rstd(c) = 1.0f / Halide::sqrt(var(c) + eps);
        int64_t channels = channelsOf(o.getInput().getType());
        Func dgamma("bn_dgamma");
        Func dbeta = channelSum("bn_dbeta", c, *red, channels, g(xAt));
        dgamma(c) = channelSum("bn_dgamma_sum", c, *red, channels,
                               g(xAt) * (x(xAt) - mean(c)))(c) *
                    rstd(c);
        kernel.reductions.push_back(dgamma);
        std::vector<Var> v = outVars();
        Expr m = Halide::cast<float>(count);
        Expr xhat = (at(1, v) - mean(v[0])) * rstd(v[0]);
        Expr dx = get(o.getGamma())(v[0]) * rstd(v[0]) / m *
                  (m * at(0, v) - dbeta(v[0]) - xhat * dgamma(v[0]));
        (void)def("bn_grad_in", v, dx, 0);
        set(o.getGradGamma(), dgamma);
        set(o.getGradBeta(), dbeta);
        return success();
      })
      .Case([&](FoldScaleOp o) {
        std::vector<Var> v = outVars();
        float eps = asFloat(o.getEpsilon());
        return def("fold_scale", v,
                   at(0, v) * get(o.getGamma())(v[0]) /
                       Halide::sqrt(get(o.getVariance())(v[0]) + eps));
      })
      .Case([&](MovingAverageOp o) {
        Var c("c");
        float mom = asFloat(o.getMomentum());
        return def("moving_average", {c},
                   get(o.getRunning())(c) * mom +
                       get(o.getBatch())(c) * (1.0f - mom));
      })
      .Case([&](DropoutOp o) {
        std::vector<Var> v = outVars();
        std::vector<int64_t> e = halideExtents(o.getType(0));
        float rate = asFloat(o.getRate());
        uint64_t stream = static_cast<uint64_t>(o.getStream());
        auto stepArgNo = dyn_cast<BlockArgument>(o.getStep());
        auto seedArgNo = dyn_cast<BlockArgument>(o.getSeed());
        if (!stepArgNo || !seedArgNo)
          return LogicalResult(
              o.emitError("dropout step and seed must be kernel arguments"));
        Expr step = kernel.args[stepArgNo.getArgNumber()].i64;
        Expr seed = kernel.args[seedArgNo.getArgNumber()].i64;
        Expr index = Halide::cast<uint32_t>(flatIndex(v, e));
        Expr word = philoxFirstWord(
            index, Halide::cast<uint32_t>(step),
            u32(static_cast<uint32_t>(stream)),
            u32(static_cast<uint32_t>(stream >> 32)) ^
                Halide::cast<uint32_t>(Halide::cast<uint64_t>(step) >> u64(32)),
            seed);
        Expr u = Halide::cast<float>(word >> u32(8)) * (1.0f / 16777216.0f);
        Expr mask = Halide::select(u >= rate, 1.0f / (1.0f - rate), 0.0f);
        (void)def("dropout_mask", v, mask, 1);
        Func maskF = get(o.getResult(1));
        // Both results use the mask: draw it once.
        kernel.reductions.push_back(maskF);
        return def("dropout", v, at(0, v) * maskF(v), 0);
      })
      // --- shape ops ----------------------------------------------------
      .Case([&](FlattenOp o) { return lowerElementwise(o); })
      .Case([&](ReshapeOp o) { return lowerElementwise(o); })
      .Case([&](ZeroPadOp o) {
        std::vector<Var> v = outVars();
        std::vector<int64_t> e = halideExtents(o.getInput().getType());
        ArrayRef<int64_t> pad = o.getPadding();
        int spatial = static_cast<int>(pad.size() / 2);
        std::vector<Expr> inAt = asExprs(v);
        Expr inside = Halide::Internal::const_true();
        for (int i = 0; i < spatial; ++i) {
          // Halide spatial dim 1 + i is kiln spatial dim spatial - 1 - i.
          int64_t before = pad[2 * (spatial - 1 - i)];
          Expr p = v[1 + i] - asInt(before);
          inside = inside && p >= 0 && p < asInt(e[1 + i]);
          inAt[1 + i] = Halide::clamp(p, 0, asInt(e[1 + i]) - 1);
        }
        return def("zero_pad", v,
                   Halide::select(inside, get(o.getInput())(inAt), 0.0f));
      })
      .Case([&](SliceOp o) {
        std::vector<Var> v = outVars();
        ArrayRef<int64_t> offsets = o.getOffsets();
        std::vector<Expr> inAt = asExprs(v);
        // Offsets cover the non-batch axes in kiln order.
        for (size_t i = 0; i < offsets.size(); ++i)
          inAt[offsets.size() - 1 - i] =
              inAt[offsets.size() - 1 - i] + asInt(offsets[i]);
        return def("slice", v, get(o.getInput())(inAt));
      })
      .Case([&](ConcatOp o) {
        std::vector<Var> v = outVars();
        int64_t rank = cast<RankedTensorType>(o.getType()).getRank();
        int64_t axis = o.getResolvedAxis();
        int d = static_cast<int>(rank - 1 - axis);
        Expr value = 0.0f;
        int64_t start = 0;
        std::vector<std::pair<Expr, Expr>> pieces;
        for (Value in : o.getInputs()) {
          int64_t extent =
              cast<RankedTensorType>(in.getType()).getDimSize(axis);
          std::vector<Expr> inAt = asExprs(v);
          inAt[d] = Halide::clamp(v[d] - asInt(start), 0, asInt(extent) - 1);
          pieces.push_back({v[d] < asInt(start + extent), get(in)(inAt)});
          start += extent;
        }
        value = pieces.back().second;
        for (int i = static_cast<int>(pieces.size()) - 2; i >= 0; --i)
          value = Halide::select(pieces[i].first, pieces[i].second, value);
        return def("concat", v, value);
      })
      // --- losses and metrics ---------------------------------------------
      .Case([&](SoftmaxCrossEntropyOp o) {
        FailureOr<Expr> batch = batchExtent(o);
        if (failed(batch))
          return failure();
        int64_t m =
            cast<RankedTensorType>(o.getLogits().getType()).getDimSize(1);
        Func logits = get(o.getLogits()), labels = get(o.getLabels());
        Var n("n");
        RDom j(0, asInt(m), "j");
        Func mx("lse_max"), lse("lse");
        mx(n) = Halide::maximum(logits(j, n));
        lse(n) =
            mx(n) + Halide::log(Halide::sum(Halide::exp(logits(j, n) - mx(n))));
        Func rowLoss("row_loss");
        rowLoss(n) = Halide::sum(labels(j, n) * (lse(n) - logits(j, n)));
        kernel.reductions.push_back(rowLoss);
        RDom b(0, *batch, "b");
        Func loss("loss");
        loss() = Halide::sum(rowLoss(b)) / Halide::cast<float>(*batch);
        set(o.getResult(), loss);
        return success();
      })
      .Case([&](CorrectCountOp o) {
        FailureOr<Expr> batch = batchExtent(o);
        if (failed(batch))
          return failure();
        int64_t m =
            cast<RankedTensorType>(o.getLogits().getType()).getDimSize(1);
        Func logits = get(o.getLogits()), labels = get(o.getLabels());
        Var n("n");
        RDom j(0, asInt(m), "j");
        Func hit("hit");
        hit(n) = Halide::select(Halide::argmax(logits(j, n))[0] ==
                                    Halide::argmax(labels(j, n))[0],
                                1.0f, 0.0f);
        kernel.reductions.push_back(hit);
        RDom b(0, *batch, "b");
        Func count("correct");
        count() = Halide::sum(hit(b));
        set(o.getResult(), count);
        return success();
      })
      .Case([&](SoftmaxCrossEntropyGradOp o) {
        FailureOr<Expr> batch = batchExtent(o);
        if (failed(batch))
          return failure();
        int64_t m =
            cast<RankedTensorType>(o.getLogits().getType()).getDimSize(1);
        Func logits = get(o.getLogits()), labels = get(o.getLabels());
        Var c("c"), n("x");
        RDom j(0, asInt(m), "j");
        Func mx("sm_max"), denom("sm_sum");
        mx(n) = Halide::maximum(logits(j, n));
        denom(n) = Halide::sum(Halide::exp(logits(j, n) - mx(n)));
        kernel.reductions.push_back(denom);
        return def(
            "xent_grad", {c, n},
            (Halide::exp(logits(c, n) - mx(n)) / denom(n) - labels(c, n)) /
                Halide::cast<float>(*batch));
      })
      .Case([&](L2PenaltyOp o) {
        std::vector<int64_t> e = halideExtents(o.getWeights().getType());
        Halide::Region dom;
        for (int64_t d : e)
          dom.push_back({0, asInt(d)});
        RDom r(dom, "r");
        std::vector<Expr> wAt;
        for (int i = 0; i < r.dimensions(); ++i)
          wAt.push_back(r[i]);
        Expr w = get(o.getWeights())(wAt);
        Func f("l2");
        f() = asFloat(o.getScale()) * Halide::sum(w * w);
        set(o.getResult(), f);
        return success();
      })
      .Case([&](L1PenaltyOp o) {
        std::vector<int64_t> e = halideExtents(o.getWeights().getType());
        Halide::Region dom;
        for (int64_t d : e)
          dom.push_back({0, asInt(d)});
        RDom r(dom, "r");
        std::vector<Expr> wAt;
        for (int i = 0; i < r.dimensions(); ++i)
          wAt.push_back(r[i]);
        Func f("l1");
        f() = asFloat(o.getScale()) *
              Halide::sum(Halide::abs(get(o.getWeights())(wAt)));
        set(o.getResult(), f);
        return success();
      })
      .Case([&](GlobalAvgPoolOp o) {
        std::vector<int64_t> e = halideExtents(o.getInput().getType());
        Halide::Region dom;
        int64_t count = 1;
        for (size_t d = 1; d + 1 < e.size(); ++d) {
          dom.push_back({0, asInt(e[d])});
          count *= e[d];
        }
        RDom r(dom, "r");
        Var c("c"), n("x");
        std::vector<Expr> inAt = {c};
        for (int i = 0; i < r.dimensions(); ++i)
          inAt.push_back(r[i]);
        inAt.push_back(n);
        return def("global_avg_pool", {c, n},
                   Halide::sum(get(o.getInput())(inAt)) /
                       static_cast<float>(count));
      })
      .Case([&](GlobalAvgPoolGradOp o) {
        std::vector<Var> v = outVars();
        int64_t count = 1;
        for (size_t d = 1; d + 1 < v.size(); ++d)
          count *= halideExtents(o.getType())[d];
        return def("global_avg_pool_grad", v,
                   get(o.getGradOut())(v[0], v.back()) /
                       static_cast<float>(count));
      })
      // --- optimizer updates -----------------------------------------------
      .Case([&](SgdUpdateOp o) {
        std::vector<Var> v = outVars();
        Expr lr =
            kernel.args[cast<BlockArgument>(o.getLr()).getArgNumber()].f32;
        float mom = asFloat(o.getMomentum());
        Expr vel = mom * at(2, v) - lr * at(1, v);
        Expr param = o.getNesterov() ? at(0, v) + mom * vel - lr * at(1, v)
                                     : at(0, v) + vel;
        (void)def("sgd_param", v, param, 0);
        return def("sgd_velocity", v, vel, 1);
      })
      .Case([&](AdamUpdateOp o) {
        std::vector<Var> v = outVars();
        Expr lr =
            kernel.args[cast<BlockArgument>(o.getLr()).getArgNumber()].f32;
        Expr step =
            kernel.args[cast<BlockArgument>(o.getStep()).getArgNumber()].i64;
        float b1 = asFloat(o.getBeta1()), b2 = asFloat(o.getBeta2()),
              eps = asFloat(o.getEpsilon());
        Expr g = at(1, v);
        Expr m = b1 * at(2, v) + (1.0f - b1) * g;
        Expr s = b2 * at(3, v) + (1.0f - b2) * g * g;
        // Keras: lr_t = lr * sqrt(1 - b2^t) / (1 - b1^t), computed in double
        // once per step so the bias correction is exact for large t.
        Expr t = Halide::cast<double>(step);
        Expr lrT = Halide::cast<float>(
            Halide::cast<double>(lr) *
            Halide::sqrt(Expr(1.0) - Halide::pow(Expr(double(b2)), t)) /
            (Expr(1.0) - Halide::pow(Expr(double(b1)), t)));
        (void)def("adam_param", v, at(0, v) - lrT * m / (Halide::sqrt(s) + eps),
                  0);
        (void)def("adam_m", v, m, 1);
        return def("adam_v", v, s, 2);
      })
      .Case([&](RmsPropUpdateOp o) {
        std::vector<Var> v = outVars();
        Expr lr =
            kernel.args[cast<BlockArgument>(o.getLr()).getArgNumber()].f32;
        float rho = asFloat(o.getRho()), eps = asFloat(o.getEpsilon());
        Expr g = at(1, v);
        Expr ms = rho * at(2, v) + (1.0f - rho) * g * g;
        (void)def("rmsprop_param", v,
                  at(0, v) - lr * g / (Halide::sqrt(ms) + eps), 0);
        return def("rmsprop_ms", v, ms, 1);
      })
      .Default([&](Operation *o) { return lowerElementwise(o); });
}

void Lowering::addAnchor(Operation *op, AnchorKind kind, Func func, RDom rdom,
                         Func input, bool inputIsComputed, Func weights,
                         bool weightsIsComputed) {
  Anchor a{
      kind, func, rdom, input, inputIsComputed, weights, weightsIsComputed};
  a.shape = toShapeDims(
      cast<RankedTensorType>(op->getResult(0).getType()).getShape());
  kernel.anchors.push_back(a);
  anchorOps.push_back(op);
}

int Lowering::fusedOutputOf(Value value, Operation *terminator, int &taps) {
  int windowTaps = 1;
  while (true) {
    // One use, or one yield besides poolings that read the yielded output.
    Operation *user = nullptr;
    int yieldedAt = -1;
    for (OpOperand &use : value.getUses()) {
      if (use.getOwner() == terminator && yieldedAt < 0)
        yieldedAt = static_cast<int>(use.getOperandNumber());
      else if (poolsOfOutputs.contains(use.getOwner()))
        continue;
      else if (user || use.getOwner() == terminator)
        return -1;
      else
        user = use.getOwner();
    }
    if (yieldedAt >= 0) {
      if (user)
        return -1;
      taps = windowTaps;
      return yieldedAt;
    }
    if (!user || user->getNumResults() != 1)
      return -1;
    auto pool = pools.find(user);
    if (pool != pools.end() && pool->second.tilable && windowTaps == 1)
      windowTaps = pool->second.taps;
    else if (!isElementwise(user))
      return -1;
    value = user->getResult(0);
  }
}

LogicalResult Lowering::lowerElementwise(Operation *op) {
  if (op->getNumResults() != 1)
    return op->emitError("no Halide lowering for ") << op->getName();
  auto type = cast<RankedTensorType>(op->getResult(0).getType());
  std::vector<Var> v = makeVars(type.getRank());
  auto in = [&](unsigned i) { return get(op->getOperand(i))(asExprs(v)); };
  auto def = [&](const char *name, Expr e) {
    Func f(name);
    f(v) = e;
    set(op->getResult(0), f);
    return success();
  };
  const float invSqrt2 = 0.70710678118654752f;
  const float invSqrt2Pi = 0.39894228040143268f;
  return llvm::TypeSwitch<Operation *, LogicalResult>(op)
      .Case([&](ReluOp) { return def("relu", Halide::max(in(0), 0.0f)); })
      .Case([&](GeluOp) {
        return def("gelu", 0.5f * in(0) * (1.0f + erfApprox(in(0) * invSqrt2)));
      })
      .Case([&](SigmoidOp) {
        return def("sigmoid", 1.0f / (1.0f + Halide::exp(-in(0))));
      })
      .Case([&](TanhOp) { return def("tanh", Halide::tanh(in(0))); })
      .Case([&](SoftmaxOp o) {
        int64_t m = type.getDimSize(type.getRank() - 1);
        Func x = get(o.getInput());
        std::vector<Var> rowVars(v.begin() + 1, v.end());
        RDom j(0, asInt(m), "j");
        std::vector<Expr> xj = {Expr(j)};
        for (Var rv : rowVars)
          xj.push_back(rv);
        Func mx("softmax_max"), denom("softmax_sum");
        mx(rowVars) = Halide::maximum(x(xj));
        denom(rowVars) = Halide::sum(Halide::exp(x(xj) - mx(asExprs(rowVars))));
        kernel.reductions.push_back(denom);
        std::vector<Expr> row(v.begin() + 1, v.end());
        return def("softmax", Halide::exp(in(0) - mx(row)) / denom(row));
      })
      .Case([&](ReluGradOp) {
        return def("relu_grad", Halide::select(in(1) > 0.0f, in(0), 0.0f));
      })
      .Case([&](GeluGradOp) {
        Expr x = in(1);
        Expr cdf = 0.5f * (1.0f + erfApprox(x * invSqrt2));
        Expr pdf = invSqrt2Pi * Halide::exp(-0.5f * x * x);
        return def("gelu_grad", in(0) * (cdf + x * pdf));
      })
      .Case([&](SigmoidGradOp) {
        return def("sigmoid_grad", in(0) * in(1) * (1.0f - in(1)));
      })
      .Case([&](TanhGradOp) {
        return def("tanh_grad", in(0) * (1.0f - in(1) * in(1)));
      })
      .Case([&](SoftmaxGradOp o) {
        int64_t m = type.getDimSize(type.getRank() - 1);
        std::vector<Var> rowVars(v.begin() + 1, v.end());
        RDom j(0, asInt(m), "j");
        std::vector<Expr> at = {Expr(j)};
        for (Var rv : rowVars)
          at.push_back(rv);
        Func dot("softmax_dot");
        dot(rowVars) =
            Halide::sum(get(o.getGradOut())(at) * get(o.getOutput())(at));
        kernel.reductions.push_back(dot);
        std::vector<Expr> row(v.begin() + 1, v.end());
        return def("softmax_grad", in(1) * (in(0) - dot(row)));
      })
      .Case([&](MulOp) { return def("mul", in(0) * in(1)); })
      .Case([&](AddOp) { return def("add", in(0) + in(1)); })
      .Case([&](L2PenaltyGradOp o) {
        return def("l2_grad", 2.0f * asFloat(o.getScale()) * in(0));
      })
      .Case([&](L1PenaltyGradOp o) {
        Expr w = in(0);
        return def("l1_grad",
                   asFloat(o.getScale()) *
                       Halide::select(w > 0.0f, 1.0f,
                                      Halide::select(w < 0.0f, -1.0f, 0.0f)));
      })
      .Case<FlattenOp, ReshapeOp>([&](Operation *o) {
        // Same memory, other shape: map the result's coordinates to the
        // per-example flat index and back to the input's coordinates.
        std::vector<int64_t> outE = halideExtents(o->getResult(0).getType());
        std::vector<int64_t> inE = halideExtents(o->getOperand(0).getType());
        Expr flat = 0;
        for (int d = static_cast<int>(v.size()) - 2; d >= 0; --d)
          flat = flat * asInt(outE[d]) + v[d];
        std::vector<Expr> inAt;
        for (size_t d = 0; d + 1 < inE.size(); ++d) {
          inAt.push_back(flat % asInt(inE[d]));
          flat = flat / asInt(inE[d]);
        }
        inAt.push_back(v.back());
        return def("reshape", get(o->getOperand(0))(inAt));
      })
      .Default([&](Operation *o) {
        return o->emitError("no Halide lowering for ") << o->getName();
      });
}

LogicalResult Lowering::run(Block &body) {
  for (BlockArgument arg : body.getArguments()) {
    KernelArg ka;
    std::string argName =
        kernel.name + "_arg" + std::to_string(arg.getArgNumber());
    if (auto tensor = dyn_cast<RankedTensorType>(arg.getType())) {
      if (!tensor.getElementType().isF32())
        return emitError(arg.getLoc()) << "kernel argument must be f32";
      ka.kind = KernelArg::Kind::Tensor;
      ka.image = Halide::ImageParam(
          Halide::Float(32), static_cast<int>(tensor.getRank()), argName);
      ka.shape = toShapeDims(tensor.getShape());
      // Static extents are known: telling Halide lets it drop bounds checks
      // and unroll fully. The batch (outermost) stays free.
      constrainDense(ka.image.parameter(), tensor.getShape());
      funcs[arg] = Func(ka.image);
    } else if (arg.getType().isF32()) {
      ka.kind = KernelArg::Kind::F32;
      ka.f32 = Halide::Param<float>(argName);
    } else if (arg.getType().isInteger(64)) {
      ka.kind = KernelArg::Kind::I64;
      ka.i64 = Halide::Param<int64_t>(argName);
    } else {
      return emitError(arg.getLoc())
             << "unsupported kernel argument type " << arg.getType();
    }
    kernel.args.push_back(std::move(ka));
  }

  for (KernelArg &arg : kernel.args)
    if (arg.kind == KernelArg::Kind::Tensor && !arg.shape.empty() &&
        arg.shape[0] < 0 && !kernel.batch.defined())
      kernel.batch =
          arg.image.dim(static_cast<int>(arg.shape.size()) - 1).extent();
  for (Operation &op : body.without_terminator())
    if (failed(lowerOp(&op)))
      return failure();

  Operation *terminator = body.getTerminator();
  auto operands = terminator->getOperands();
  for (auto [i, value] : llvm::enumerate(operands)) {
    auto type = dyn_cast<RankedTensorType>(value.getType());
    if (!type)
      return terminator->emitError("kernel results must be tensors");
    Func out(kernel.name + "_out" + std::to_string(i));
    kernel.outputs.push_back(out);
    kernel.outputShapes.push_back(toShapeDims(type.getShape()));
  }
  // A pooling of a value the kernel also yields (training keeps the
  // activations a max pool's gradient reads) pools that output instead of
  // recomputing its value, so the reduction before them is computed once,
  // per tile of that output, and not whole into a buffer of its own.
  llvm::DenseMap<Value, unsigned> yielded;
  for (auto [i, value] : llvm::enumerate(operands))
    yielded.try_emplace(value, i);
  // The output a yielded pooling reads, -1 if none. That output is not a
  // pooling itself, so every source is defined in the first pass below.
  auto pooledOutput = [&](Value value) -> int {
    Operation *def = value.getDefiningOp();
    if (!pools.count(def))
      return -1;
    Value in = def->getOperand(0);
    auto it = yielded.find(in);
    if (it == yielded.end() || pools.count(in.getDefiningOp()))
      return -1;
    return static_cast<int>(it->second);
  };
  for (int pass = 0; pass < 2; ++pass)
    for (auto [i, value] : llvm::enumerate(operands)) {
      int source = pooledOutput(value);
      if ((source >= 0) != (pass == 1))
        continue;
      Func result = get(value);
      if (source >= 0) {
        Operation *pool = value.getDefiningOp();
        Value in = pool->getOperand(0);
        Func computed = get(in);
        set(in, kernel.outputs[source]);
        if (failed(lowerOp(pool)))
          return failure();
        result = get(value);
        set(in, computed);
        set(value, result);
        poolsOfOutputs.insert(pool);
        // Halide reads an output it also consumes with the alignment of
        // its own allocations (aligned vector loads): stated, so that a
        // buffer without it is an error, not a fault. The runtime's arena
        // and JitRunner's buffers are aligned so.
        kernel.outputs[source].output_buffer().set_host_alignment(
            kiln::rt::kBufferAlignment);
      }
      std::vector<Var> vars = makeVars(kernel.outputShapes[i].size());
      kernel.outputs[i](vars) = result(asExprs(vars));
      // As for the arguments: static extents of the result are known, so
      // loops over them have constant extents (an autoscheduler may unroll
      // them).
      constrainDense(kernel.outputs[i].output_buffer().parameter(),
                     cast<RankedTensorType>(value.getType()).getShape());
    }
  for (size_t i = 0; i < kernel.anchors.size(); ++i) {
    Anchor &anchor = kernel.anchors[i];
    anchor.fusedOutput =
        fusedOutputOf(anchorOps[i]->getResult(0), terminator, anchor.fusedTaps);
    // A Func of output tiles has one position per m outputs.
    if (anchor.tileOutputs > 1)
      anchor.fusedTaps = 1;
  }
  kernel.outputWindows.assign(kernel.outputs.size(), {});
  for (auto &[op, window] : disjointPoolGrads) {
    int taps = 1;
    int out = fusedOutputOf(op->getResult(0), terminator, taps);
    if (out >= 0 && taps == 1)
      kernel.outputWindows[out] = window;
  }
  return success();
}

} // namespace

FailureOr<HalideKernel> codegen::lowerToHalide(Block &body,
                                               const std::string &name,
                                               const LoweringOptions &options) {
  HalideKernel kernel;
  kernel.name = name;
  Lowering lowering(kernel, options);
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

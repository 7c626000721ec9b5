//===- ScheduleApply.cpp - Apply schedule data to a kernel ----------------===//

#include "kiln/Codegen/ScheduleApply.h"

#include <algorithm>
#include <array>
#include <cstdlib>
#include <limits>
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
  return std::max(
      1, std::min<int>(natural, floorPow2(std::max<int64_t>(extent, 1))));
}

/// Vector registers of the target's float unit: 32 with AVX-512 and on
/// AArch64, 16 with AVX2.
int vectorRegisters(const Halide::Target &target) {
  return target.has_feature(Halide::Target::AVX512_Skylake) ||
                 target.arch == Halide::Target::ARM
             ? 32
             : 16;
}

/// The accumulators a convolution's register tile may hold at most (a
/// Winograd tile's, a Conv1D row's or a Conv2D map's columns): 24 of 32
/// vector registers, 12 of AVX2's 16 (the rest hold weights and inputs).
int tileAccumulators(const Halide::Target &target) {
  return vectorRegisters(target) == 32 ? 24 : 12;
}

/// Pure vars of `f`, innermost first.
std::vector<Var> varsOf(const Func &f) { return f.args(); }

/// A register tile of a result whose innermost dimension is its channels:
/// `inner` vectors of `lanes` channels by `outer` steps of the next
/// dimension, one accumulator register per vector.
struct RegisterTile {
  int lanes;
  int inner;
  int outer;
};

/// The tile `s` asks for, clamped to `channels` innermost and `next` in the
/// next dimension (no clamp when `next` is 0: a batch known at run time).
RegisterTile registerTile(const Schedule &s, const Halide::Target &target,
                          int64_t channels, int64_t next) {
  RegisterTile t;
  t.lanes = lanesFor(s, target, channels);
  t.inner =
      std::max<int>(1, std::min<int64_t>(s.tileInner, channels / t.lanes));
  t.outer = next > 0 ? std::max<int>(1, std::min<int64_t>(s.tileOuter, next))
                     : std::max(1, s.tileOuter);
  return t;
}

/// Splits `c` (channels) into `co` x `ci` and `x` into `xo` x `xi` by the
/// tile (`outer` steps of `x`), `ci` vectorised and both inner loops
/// unrolled. Every tile has the same size (the last one shifted inwards),
/// so the accumulators computed inside it fit registers.
Halide::Stage splitIntoTiles(Halide::Stage stage, Var c, Var x, Var co, Var ci,
                             Var xo, Var xi, const RegisterTile &t, int outer,
                             TailStrategy xTail = TailStrategy::ShiftInwards) {
  return stage.split(c, co, ci, t.lanes * t.inner, TailStrategy::ShiftInwards)
      .split(x, xo, xi, outer, xTail)
      .vectorize(ci, t.lanes)
      .unroll(ci)
      .unroll(xi);
}

/// Computes the accumulator `acc` per tile at `at`: its initial and update
/// definitions vectorised over the channels and unrolled over the tile's
/// two dimensions; the update's loops in `order` (those two first, then the
/// reduction). The caller adds what is particular to its kind.
void accumulateInRegisters(Func acc, Halide::LoopLevel at,
                           const std::vector<VarOrRVar> &order, int lanes) {
  std::vector<Var> v = varsOf(acc);
  acc.compute_at(at).vectorize(v[0], lanes).unroll(v[0]).unroll(v[1]);
  acc.update().reorder(order).vectorize(v[0], lanes).unroll(v[0]).unroll(v[1]);
}

/// A transposed copy of a layer's weights (an input gradient's filter, a
/// blocked dense layer's matrix), computed whole before the reduction uses
/// it. A plain loop vectorised over the copy's first dimension gathers
/// every vector with the source's row stride (2048 floats apart for
/// ResNet-50's widest filters) and ran serially: a quarter of some input
/// gradients' time. Square blocks of `lanes` keep each block's source rows
/// in L1 while all its vectors are built, and the blocks' rows run in
/// parallel.
void scheduleTransposedRoot(Func weights, int lanes) {
  std::vector<Var> v = varsOf(weights);
  Var io("tio"), ii("tii"), oo("too"), oi("toi");
  weights.compute_root()
      .tile(v[0], v[1], io, oo, ii, oi, lanes, lanes, TailStrategy::GuardWithIf)
      .vectorize(ii)
      .unroll(oi);
  std::vector<VarOrRVar> order = {ii, oi, io};
  for (size_t d = 2; d < v.size(); ++d)
    order.push_back(v[d]);
  order.push_back(oo);
  weights.reorder(order).parallel(oo);
}

/// Elementwise outputs: vectorise the innermost dimension, parallelise the
/// outermost (fused with the next where it is short). A max-pooling
/// gradient's output (`window` non-empty) is tiled by the window, unrolled,
/// so the positions of a window share the loads of its taps: measured 2x
/// faster on report 002 Model 4's 26x26x32 one (0.24 -> 0.13 ms).
void scheduleElementwise(Func out, const std::vector<int64_t> &shape,
                         const std::vector<int> &window, const Schedule &s,
                         const Halide::Target &target) {
  std::vector<Var> v = varsOf(out);
  int64_t inner = shape.empty() ? 1 : shape.back();
  int lanes = lanesFor(s, target, inner);
  if (!v.empty() && inner >= lanes && lanes > 1)
    out.vectorize(v[0], lanes);
  bool tileByWindow = !window.empty() && v.size() == window.size() + 2;
  for (size_t i = 0; tileByWindow && i < window.size(); ++i)
    tileByWindow = window[i] > 1 && shape[shape.size() - 2 - i] > 0 &&
                   shape[shape.size() - 2 - i] % window[i] == 0;
  if (tileByWindow) {
    // (c, x[, y], n) -> (c, xi[, yi], xo[, yo], n). Only where the windows
    // divide the extents: a tile shifted inwards straddles two windows
    // (an 11x11 map ran 1.2x slower so).
    std::vector<VarOrRVar> order = {v[0]}, outer;
    for (size_t i = 0; i < window.size(); ++i) {
      Var o(v[1 + i].name() + "o"), in(v[1 + i].name() + "i");
      out.split(v[1 + i], o, in, window[i], TailStrategy::ShiftInwards)
          .unroll(in);
      order.push_back(in);
      outer.push_back(o);
    }
    order.insert(order.end(), outer.begin(), outer.end());
    order.push_back(v.back());
    Var fused("fused");
    out.reorder(order).fuse(outer.back().var, v.back(), fused).parallel(fused);
  } else if (v.size() >= 3) {
    Var fused("fused");
    out.fuse(v[v.size() - 2], v.back(), fused).parallel(fused);
  } else if (v.size() == 2) {
    // Rows (usually the batch, known at run time) in parallel chunks.
    Var rows("rows"), row("row");
    out.split(v[1], rows, row, 8, TailStrategy::GuardWithIf).parallel(rows);
  }
}

/// apps/conv_layer-style CPU schedule of a Conv anchor computed per tile of
/// `out` (vars (c, x[, y], n) or, for dense, (c, n)): a register tile of
/// `tileInner` vectors of output channels by `tileOuter` positions along
/// the next dimension accumulates over the whole reduction; weights are
/// staged per reduction step; a computed (padded) input is materialised per
/// image, or per row when rows are the parallel loop.
void scheduleConvCpu(Func out, const std::vector<int64_t> &shape,
                     Anchor &anchor, const Schedule &s,
                     const Halide::Target &target, Halide::Expr batch) {
  std::vector<Var> v = varsOf(out);
  size_t rank = v.size();
  bool nextIsBatch = rank == 2; // dense: the tiled dimension is the batch
  RegisterTile t = registerTile(s, target, shape.back(),
                                nextIsBatch ? 0 : shape[shape.size() - 2]);
  int lanes = t.lanes;
  int tileOuter = t.outer;
  // A convolution in tiles of F(m, 2) under a pooling of windows of two:
  // `tileOuter` tiles (an even number of outputs) are tileOuter * m / 2
  // pooled positions. The pooled tiles start at multiples of that, so
  // each computes whole, aligned F(m, 2) tiles, and the output transform's
  // select on the position within a tile folds away; the last pooled tile
  // is guarded (shifted inwards, it would straddle F(m, 2) tiles).
  // (Computed whole, `out` is a copy of the F(m, 2) tiles themselves,
  // tiled as any result.)
  int m = anchor.tileOutputs;
  TailStrategy xTail = TailStrategy::ShiftInwards;
  if (m > 2 && !nextIsBatch && shape != anchor.shape) {
    tileOuter = static_cast<int>(std::max<int64_t>(
        1,
        std::min<int64_t>(s.tileOuter, anchor.shape[anchor.shape.size() - 2])));
    if (tileOuter * m % 2)
      ++tileOuter;
    t.outer = tileOuter * m / 2;
    xTail = TailStrategy::GuardWithIf;
  }

  Var co("co"), ci("ci"), xo("xo"), xi("xi"), rows("rows");
  Halide::LoopLevel stageAt = Halide::LoopLevel::root();
  // A convolution in Winograd tiles takes as many images per register tile
  // as its accumulators allow, so each weight vector loaded serves them
  // all. Its tiles may then be narrower than a row, down to one tile, which
  // wastes none of a row of odd length. Wider F(m, 2) tiles (over long
  // reductions only, see HalideLowering's winogradOutputs) take two images
  // at least. Report 002 Model 1 at batch 256: its second layer in F(5,2)
  // (12 sums a row) streamed its 90 KiB of weights per channel tile from
  // L2 for every image one at a time and ran at 0.79 ms; two at a time
  // 0.47 (three 0.48, four 0.57; with AVX2's 12 accumulators, two 1.36 ms
  // against one 1.53). Its third in F(4,2) (5 sums a row): one image 0.14
  // ms, two 0.084, four 0.054 (direct: 0.064). Its first in pairs, 11 a
  // row: 2x1 tiles of four images 0.238 ms against 2x4 of one 0.265 (12
  // pairs computed), 13 a row (without kiln-trim-extents) 0.277 against
  // 1x7's 0.338; with AVX2 2x1 of two 0.48 against 2x2's 0.53. The images'
  // outer loop is `no` in both specialisations (below), where the staged
  // input is computed.
  int accumulators = tileAccumulators(target);
  int images = 1;
  if (rank == 3 && m > 1 && batch.defined())
    images =
        std::max(m > 2 ? 2 : 1, accumulators / (tileOuter * (m + 1) * t.inner));
  Var no("no"), nii("nii");
  auto tile = [&](Halide::Stage stage, int outerFactor, int imagesPerTile = 1) {
    splitIntoTiles(stage, v[0], v[1], co, ci, xo, xi, t, outerFactor, xTail);
    if (rank == 3 && images > 1) {
      stage.split(v[2], no, nii, imagesPerTile, TailStrategy::ShiftInwards)
          .unroll(nii)
          .reorder(ci, xi, nii, xo, co, no)
          .parallel(no);
      stageAt = Halide::LoopLevel(out, no);
    } else if (rank == 2) {
      // Dense: a tile of output channels is the outer (parallel) loop and
      // the batch tiles run inside it, so that tile's panel of weights is
      // read from memory once and reused from cache by the whole batch.
      stage.reorder(ci, xi, xo, co).parallel(co);
      stageAt = Halide::LoopLevel(out, co);
    } else if (rank == 3) {
      stage.reorder(ci, xi, xo, co, v[2]).parallel(v[2]);
      stageAt = Halide::LoopLevel(out, v[2]);
    } else {
      stage.reorder(ci, xi, xo, co, v[2], v[3]);
      if (s.parallelBatch) {
        stage.parallel(v[3]);
        stageAt = Halide::LoopLevel(out, v[3]);
      } else {
        stage.fuse(v[2], v[3], rows).parallel(rows);
        stageAt = Halide::LoopLevel(out, rows);
      }
    }
  };
  // Maps narrower than the tile (ResNet-50's last stages, 2x2 and 1x1)
  // leave too few columns to reuse each weight vector from registers, so
  // every image would stream the whole filter from memory: tile images
  // instead, `tileOuter` of them at one position.
  // Not under a fused pool: each output position would then hold a whole
  // window of accumulators per image, more than the registers.
  int64_t width = nextIsBatch ? 0 : shape[shape.size() - 2];
  bool pooled = shape != anchor.shape;
  bool tileImages = rank == 4 && !pooled && !s.parallelBatch &&
                    batch.defined() && width > 0 && width < s.tileOuter &&
                    s.tileOuter > 1;
  // The outer images' loop is named `rows` as the column tiles' parallel
  // loop is, so that what is computed there (the padded input) has its
  // place in both specialisations.
  Var ni("ni");
  auto tileBatch = [&](Halide::Stage stage) {
    stage.split(v[0], co, ci, t.lanes * t.inner, TailStrategy::ShiftInwards)
        .split(v.back(), rows, ni, s.tileOuter, TailStrategy::ShiftInwards)
        .split(v[1], xo, xi, 1)
        .vectorize(ci, t.lanes)
        .unroll(ci)
        .unroll(ni);
    // xo as in column tiles: the accumulators are computed there in both.
    std::vector<VarOrRVar> loops = {ci, ni, xi, xo};
    for (size_t d = 2; d + 1 < rank; ++d)
      loops.push_back(v[d]);
    loops.push_back(co);
    loops.push_back(rows);
    stage.reorder(loops).parallel(rows);
    stageAt = Halide::LoopLevel(out, rows);
  };
  if (tileImages) {
    tileBatch(out.specialize(batch >= s.tileOuter));
    tile(out, 1);
  } else if (nextIsBatch && batch.defined() && tileOuter > 1) {
    // The batch is only known at run time: tile it where it is large enough
    // (every tile the same size, so accumulators stay in registers) and run
    // row by row otherwise (inference at batch 1).
    tile(out.specialize(batch >= tileOuter), tileOuter);
    tile(out, 1);
  } else if (images > 1) {
    tile(out.specialize(batch >= images), t.outer, images);
    // Fewer images (inference at batch 1): pairs widen the tile to fill
    // the accumulators (F(m, 2) tiles are bound to one width).
    if (m == 2)
      tile(out, static_cast<int>(std::min<int64_t>(
                    shape[shape.size() - 2],
                    std::max(t.outer, accumulators / (3 * t.inner)))));
    else
      tile(out, t.outer);
  } else {
    tile(out, nextIsBatch ? 1 : t.outer);
  }

  Func conv = anchor.func;
  std::vector<Var> cv = varsOf(conv);
  Halide::RDom r = anchor.rdom;
  // The innermost loop over tiles: one tile's accumulators at a time, the
  // tile's two dimensions innermost (channels and columns, or channels and
  // images) so each reduction step updates all of them.
  std::vector<VarOrRVar> order = {cv[0], cv[1]};
  for (size_t d = 2; d + 1 < cv.size(); ++d)
    order.push_back(cv[d]);
  for (int d = 0; d < r.dimensions(); ++d)
    order.push_back(r[d]);
  if (cv.size() > 2)
    order.push_back(cv.back());
  if (tileImages) {
    // The images, outermost so far, move in next to the channels.
    order.pop_back();
    order.insert(order.begin() + 1, cv.back());
  }
  if (images > 1) {
    order.pop_back();
    order.insert(order.begin() + 2, cv.back());
  }
  accumulateInRegisters(conv, Halide::LoopLevel(out, xo), order, lanes);
  if (xTail == TailStrategy::GuardWithIf)
    conv.bound_extent(cv[1], tileOuter);
  Halide::Stage update = conv.update();
  for (size_t d = 2; d + 1 < cv.size(); ++d) {
    conv.unroll(cv[d]);
    update.unroll(cv[d]);
  }
  if (tileImages || images > 1) {
    // A tile of images: unrolled like a tile of columns.
    conv.unroll(cv.back());
    update.unroll(cv.back());
  }
  const auto *reduceExtent = r[0].extent().as<Halide::Internal::IntImm>();
  if (s.unrollReduction > 1 && reduceExtent &&
      reduceExtent->value % s.unrollReduction == 0)
    update.unroll(r[0], s.unrollReduction);

  if (anchor.weightsIsComputed) {
    // Dense (transposed weights): only the panel of the channel tile, when
    // it is used; an input gradient's filter is transposed whole, once.
    if (rank == 2)
      anchor.weights.compute_at(stageAt).vectorize(
          varsOf(anchor.weights)[0], lanes, TailStrategy::GuardWithIf);
    else
      scheduleTransposedRoot(anchor.weights, lanes);
  }
  Func staged = anchor.weights.in(conv);
  staged.compute_at(conv, r[0])
      .vectorize(varsOf(staged)[0], lanes, TailStrategy::GuardWithIf);
  if (s.stageInput && anchor.inputIsComputed) {
    std::vector<Var> iv = varsOf(anchor.input);
    anchor.input.compute_at(stageAt);
    if (!iv.empty())
      anchor.input.vectorize(iv[0], lanes, TailStrategy::GuardWithIf);
  }
}

/// A dense layer whose reduction is summed in blocks of `reductionBlock`
/// steps (Halide's rfactor over the block index): for each block, every
/// register tile of the output adds its partial sum over the block, so the
/// block's panel of weights is read from memory once per step rather than
/// once per batch tile. The result is computed whole (root); its consumers
/// (bias, activation) are scheduled as elementwise outputs.
void scheduleBlockedDenseCpu(Anchor &anchor, const Schedule &s,
                             const Halide::Target &target, Halide::Expr batch) {
  Func dense = anchor.func;
  std::vector<Var> v = varsOf(dense);
  // The tiled dimension is the batch, known at run time.
  RegisterTile t = registerTile(s, target, anchor.shape.back(), 0);
  int lanes = t.lanes;
  Halide::RDom r = anchor.rdom;
  Halide::RVar block("rkb"), step("rks");
  Var u("kblock");
  if (batch.defined() && t.outer > 1) {
    // A few rows (inference at batch 1) reuse no block of weights: each
    // block would cost two parallel loops for a few vectors of work. One
    // pass instead, wide channel tiles in parallel, each streaming its
    // columns of the weights once (report 001's 4608x512 layer at batch 1:
    // 0.10-0.12 ms against 0.21-0.33 ms blocked).
    Halide::Stage few = dense.update().specialize(batch < t.outer);
    Var fo("fo"), fi("fi");
    few.split(v[0], fo, fi, lanes * 4, TailStrategy::GuardWithIf)
        .vectorize(fi, lanes)
        .unroll(fi)
        .reorder(fi, r[0], v[1], fo)
        .parallel(fo);
  }
  Func partial =
      dense.update()
          .split(r[0], block, step, s.reductionBlock, TailStrategy::GuardWithIf)
          .rfactor(block, u);
  // The running sums live in memory; each block adds its partial sums.
  Var co("co"), ci("ci"), xo("xo"), xi("xi");
  dense.compute_root().vectorize(v[0], lanes, TailStrategy::GuardWithIf);
  dense.update()
      .reorder(v[0], v[1], block)
      .vectorize(v[0], lanes, TailStrategy::GuardWithIf)
      .split(v[1], xo, xi, 8, TailStrategy::GuardWithIf)
      .parallel(xo);
  // A block's partial sums for the whole output, computed per block through
  // a pure wrapper so its tiles may shift inwards (every tile the same size,
  // accumulators in registers).
  Func tiles = partial.in();
  tiles.compute_at(dense, block);
  std::vector<Var> tv = varsOf(tiles);
  auto tile = [&](Halide::Stage stage, int outerFactor) {
    // Channel tiles in parallel, batch tiles inside (each thread reuses its
    // slice of the block's weights).
    splitIntoTiles(stage, tv[0], tv[1], co, ci, xo, xi, t, outerFactor)
        .reorder(ci, xi, xo, co, tv[2])
        .parallel(co);
  };
  if (batch.defined() && t.outer > 1) {
    tile(tiles.specialize(batch >= t.outer), t.outer);
    tile(tiles, 1);
  } else {
    tile(tiles, 1);
  }
  std::vector<Var> pv = varsOf(partial);
  accumulateInRegisters(partial, Halide::LoopLevel(tiles, xo),
                        {pv[0], pv[1], step, pv[2]}, lanes);
  if (anchor.weightsIsComputed)
    scheduleTransposedRoot(anchor.weights, lanes);
}

/// A reduction over the batch (weight gradients): the batch is split into
/// chunks whose partial sums are computed in parallel (Halide's rfactor),
/// each as register tiles of `tileInner` vectors of output channels by
/// `tileOuter` input channels, then summed.
///
/// With `rfactor` 0 or 1 the batch is not split: each register tile sums the
/// whole reduction and the tiles run in parallel (large results with a
/// short reduction, e.g. a dense layer's weight gradient); the tile is
/// computed straight into `out` when given (the kernel output it feeds).
/// Returns whether `out` was scheduled.
bool scheduleBatchReductionCpu(Anchor &anchor, const Schedule &s,
                               const Halide::Target &target, Func out) {
  Func grad = anchor.func;
  std::vector<Var> v = varsOf(grad);
  Halide::RDom r = anchor.rdom;
  RegisterTile t = registerTile(s, target, anchor.shape.back(),
                                anchor.shape[anchor.shape.size() - 2]);
  int lanes = t.lanes;
  int chunk = std::max(1, s.rfactor);

  if (chunk == 1) {
    bool intoOutput = out.defined();
    Func tiles = intoOutput ? out : grad.in();
    std::vector<Var> tv = varsOf(tiles);
    Var co("co"), ci("ci"), ko("ko"), ki("ki");
    tiles.compute_root();
    splitIntoTiles(tiles, tv[0], tv[1], co, ci, ko, ki, t, t.outer)
        .reorder(ci, ki, co, ko)
        .parallel(tv.size() > 2 ? tv.back() : ko);
    std::vector<VarOrRVar> order = {v[0], v[1]};
    for (int d = 0; d < r.dimensions(); ++d)
      order.push_back(r[d]);
    for (size_t d = 2; d < v.size(); ++d)
      order.push_back(v[d]);
    accumulateInRegisters(grad, Halide::LoopLevel(tiles, co), order, lanes);
    if (s.stageInput && anchor.inputIsComputed) {
      std::vector<Var> iv = varsOf(anchor.input);
      anchor.input.compute_root().vectorize(iv[0], lanes,
                                            TailStrategy::GuardWithIf);
    }
    return intoOutput;
  }

  Halide::RVar batchOuter("rbo"), batchInner("rbi");
  Var u("u");
  Func partial = grad.update()
                     .split(r[r.dimensions() - 1], batchOuter, batchInner,
                            chunk, TailStrategy::GuardWithIf)
                     .rfactor(batchOuter, u);
  // The tile loop nest of the partial sums; the partials themselves live
  // in registers at the tile.
  Func tiles = partial.in();
  std::vector<Var> pv = varsOf(tiles);
  Var co("co"), ci("ci"), ko("ko"), ki("ki"), task("task");
  std::vector<Var> qv = varsOf(partial);

  // A conv filter with fewer input channels than the tile's columns (a
  // first layer's 1) would tile one input channel: each output-gradient
  // vector loaded then feeds as few FMAs as there are vectors. Its whole
  // window (every tap and input channel) is the tile instead, so each
  // vector loaded meets kh*kw*cin broadcast inputs; four registers are left
  // for those and the loads. (A quarter left out report 001's 5x5 window,
  // 25 sums: tiled by tap, it streamed the output gradient 25 times and ran
  // 7.5x slower, 0.41 ms against 0.055 at batch 64 on AVX-512.)
  const std::vector<int64_t> &fs = anchor.shape; // (kh, kw, cin, cout)
  bool wholeWindow = false;
  int windowInner = t.inner;
  if (fs.size() == 4 && fs[0] > 0 && fs[1] > 0 && fs[2] > 0 &&
      fs[2] < s.tileOuter) {
    int64_t window = fs[0] * fs[1] * fs[2];
    int budget = vectorRegisters(target) - 4;
    while (windowInner > 1 && windowInner * window > budget)
      --windowInner;
    wholeWindow = windowInner * window <= budget;
  }
  // Static extents at least as large as the tiles: shifting the last tile
  // inwards keeps every tile the same size, so the partial sums have a
  // constant size and live in registers.
  tiles.compute_root();
  if (wholeWindow)
    tiles.split(pv[0], co, ci, lanes * windowInner, TailStrategy::ShiftInwards)
        .vectorize(ci, lanes)
        .unroll(ci)
        .unroll(pv[1])
        .unroll(pv[2])
        .unroll(pv[3])
        .reorder(ci, pv[1], pv[2], pv[3], co, pv[4])
        .parallel(pv[4]);
  else
    splitIntoTiles(tiles, pv[0], pv[1], co, ci, ko, ki, t, t.outer)
        .reorder(ci, ki, ko, co)
        .parallel(pv.back());
  // Pad each chunk's input once instead of testing bounds in the inner
  // loop.
  if (s.stageInput && anchor.inputIsComputed) {
    std::vector<Var> iv = varsOf(anchor.input);
    anchor.input.compute_at(tiles, pv.back())
        .vectorize(iv[0], lanes, TailStrategy::GuardWithIf);
  }
  // The tile's dimensions innermost, then the reduction, then the rest.
  size_t tileDims = wholeWindow ? 4 : 2;
  std::vector<VarOrRVar> order(qv.begin(), qv.begin() + tileDims);
  for (int d = 0; d + 1 < r.dimensions(); ++d)
    order.push_back(r[d]);
  order.push_back(batchInner);
  for (size_t d = tileDims; d < qv.size(); ++d)
    order.push_back(qv[d]);
  accumulateInRegisters(
      partial, Halide::LoopLevel(tiles, wholeWindow ? co : ko), order, lanes);
  for (size_t d = 2; d < tileDims; ++d) {
    partial.unroll(qv[d]);
    partial.update().unroll(qv[d]);
  }
  grad.compute_root().vectorize(v[0], lanes, TailStrategy::GuardWithIf);
  grad.update().vectorize(v[0], lanes, TailStrategy::GuardWithIf);
  return false;
}

/// A sum over every position but the channel: the batch is split into
/// chunks of `rfactor` images whose partial sums run in parallel, each
/// streaming through its images in memory order with the channels
/// vectorised; the partial sums are then added up per channel.
void scheduleChannelSumCpu(ChannelSum &sum, const Schedule &s,
                           const Halide::Target &target) {
  Func f = sum.func;
  Var c = varsOf(f)[0];
  Halide::RDom r = sum.rdom;
  int lanes = lanesFor(s, target, sum.channels);
  int chunk = std::max(1, s.rfactor);
  Halide::RVar batchOuter("rbo"), batchInner("rbi");
  Var u("u");
  Func partial = f.update()
                     .split(r[r.dimensions() - 1], batchOuter, batchInner,
                            chunk, TailStrategy::GuardWithIf)
                     .rfactor(batchOuter, u);
  f.compute_root().vectorize(c, lanes, TailStrategy::GuardWithIf);
  f.update().vectorize(c, lanes, TailStrategy::GuardWithIf);
  std::vector<Var> pv = varsOf(partial);
  partial.compute_root().vectorize(pv[0], lanes, TailStrategy::GuardWithIf);
  Var co("co"), ci("ci");
  std::vector<VarOrRVar> order = {ci, co};
  for (int d = 0; d + 1 < r.dimensions(); ++d)
    order.push_back(r[d]);
  order.push_back(batchInner);
  order.push_back(pv[1]);
  Halide::Stage update = partial.update();
  update.split(pv[0], co, ci, lanes, TailStrategy::GuardWithIf)
      .reorder(order)
      .vectorize(ci)
      .parallel(pv[1]);
  // A few vectors of channels per position: unrolled, so each position is
  // one straight run of loads and adds.
  if (sum.channels <= 8 * lanes)
    update.unroll(co);
}

/// GPU schedules: every output is tiled over gpu blocks and threads (two
/// innermost dimensions, the rest fused into blocks); a fused reduction is
/// computed per thread in registers and its computed input is staged per
/// block in shared memory; whole-tensor reductions run one thread per
/// result element.
void gpuTile(Func f, const Schedule &s, bool update = false) {
  std::vector<Var> v = varsOf(f);
  if (v.empty()) {
    f.gpu_single_thread();
    if (update)
      for (int i = 0; i < f.num_update_definitions(); ++i)
        f.update(i).gpu_single_thread();
    return;
  }
  auto tile = [&](auto &&stage) {
    if (v.size() == 1) {
      Var b("gb"), t("gt");
      stage.gpu_tile(v[0], b, t, s.gpuThreads * s.gpuTile,
                     TailStrategy::GuardWithIf);
      return;
    }
    Var b0("gb0"), b1("gb1"), t0("gt0"), t1("gt1");
    stage.gpu_tile(v[0], v[1], b0, b1, t0, t1, s.gpuThreads, s.gpuTile,
                   TailStrategy::GuardWithIf);
    if (v.size() > 2) {
      Var outer = v[2];
      for (size_t d = 3; d < v.size(); ++d) {
        Var fused("gfused" + std::to_string(d));
        stage.fuse(outer, v[d], fused);
        outer = fused;
      }
      stage.gpu_blocks(outer);
    }
  };
  tile(f);
  if (update)
    for (int i = 0; i < f.num_update_definitions(); ++i)
      tile(f.update(i));
}

void scheduleGpu(HalideKernel &kernel, const Schedule &s) {
  for (Func f : kernel.reductions) {
    f.compute_root();
    gpuTile(f, s);
  }
  // One thread per channel, summing every position.
  for (ChannelSum &sum : kernel.channelSums) {
    sum.func.compute_root();
    gpuTile(sum.func, s, /*update=*/true);
  }
  std::vector<bool> outputDone(kernel.outputs.size(), false);
  for (Anchor &anchor : kernel.anchors) {
    if (anchor.weightsIsComputed) {
      anchor.weights.compute_root();
      gpuTile(anchor.weights, s);
    }
    Func host;
    if (anchor.kind == AnchorKind::Conv && anchor.fusedOutput >= 0) {
      host = kernel.outputs[anchor.fusedOutput];
      outputDone[anchor.fusedOutput] = true;
    } else {
      host = anchor.func.in();
      host.compute_root();
    }
    gpuTile(host, s);
    // Per thread: the result element's whole reduction in a register.
    std::vector<Var> hv = varsOf(host);
    Var thread = hv.size() == 1 ? Var("gt") : Var("gt0");
    anchor.func.compute_at(host, thread);
    if (anchor.inputIsComputed && anchor.kind == AnchorKind::Conv) {
      // The block's input window, once, in shared memory.
      Var block = hv.size() == 1 ? Var("gb") : Var("gb0");
      anchor.input.compute_at(host, block);
      // The window spans every channel the reduction reads (up to 512 in
      // VGG-16 and ResNet-50): filled in tiles of the block's own thread
      // shape, so the block never needs more threads than its output tile
      // (a launch with more fails: CUDA allows 1024 per block).
      std::vector<Var> iv = varsOf(anchor.input);
      if (iv.size() >= 2) {
        Var o0("so0"), o1("so1"), t0("st0"), t1("st1");
        anchor.input
            .tile(iv[0], iv[1], o0, o1, t0, t1, s.gpuThreads, s.gpuTile,
                  TailStrategy::GuardWithIf)
            .gpu_threads(t0, t1);
      } else if (iv.size() == 1) {
        Var o("so"), t("st");
        anchor.input
            .split(iv[0], o, t, s.gpuThreads * s.gpuTile,
                   TailStrategy::GuardWithIf)
            .gpu_threads(t);
      }
    }
  }
  for (size_t i = 0; i < kernel.outputs.size(); ++i)
    if (!outputDone[i])
      gpuTile(kernel.outputs[i], s);
}

/// Sets HL_BEAM_SIZE (Adams2019's beam) for its lifetime when `beam` > 0,
/// restoring what was there after.
class BeamSize {
public:
  explicit BeamSize(int beam) : active(beam > 0) {
    if (!active)
      return;
    const char *old = std::getenv("HL_BEAM_SIZE");
    hadValue = old != nullptr;
    previous = old ? old : "";
    ::setenv("HL_BEAM_SIZE", std::to_string(beam).c_str(), 1);
  }
  ~BeamSize() {
    if (!active)
      return;
    if (hadValue)
      ::setenv("HL_BEAM_SIZE", previous.c_str(), 1);
    else
      ::unsetenv("HL_BEAM_SIZE");
  }

private:
  bool active;
  bool hadValue = false;
  std::string previous;
};

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
  std::string path =
      std::string(KILN_HALIDE_PLUGIN_DIR) + "/libautoschedule_" + lib + ".so";
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
  bool manyRegisters = vectorRegisters(target) == 32;
  s.tileInner = 2;
  s.tileOuter = manyRegisters ? 7 : 5;
  // Weight gradients: batch chunks of 4 give enough parallel partial sums
  // for a few threads while a chunk's input and output gradient stay in
  // the L2 cache (measured on report 004 Model 4's 14x14x64->128 layer:
  // chunks of 4 and 8 ran 1.3-1.8x faster than 16).
  s.rfactor = 4;
  s.unrollReduction = 1;
  s.stageInput = true;
  s.parallelBatch = false;
  int lanes = target.natural_vector_size(Halide::Float(32));
  for (const Anchor &anchor : kernel.anchors) {
    int64_t resultElements = 1;
    for (int64_t d : anchor.shape)
      resultElements *= d < 0 ? kBatchEstimate : d;
    const auto *extent = anchor.rdom[0].extent().as<Halide::Internal::IntImm>();
    if (anchor.kind == AnchorKind::BatchReduction) {
      int64_t resultBytes = resultElements * 4;
      auto partialBytes = [&] {
        return resultBytes * (kBatchEstimate / s.rfactor);
      };
      int64_t positions = 1;
      for (int d = 0; d + 1 < anchor.rdom.dimensions(); ++d) {
        const auto *e = anchor.rdom[d].extent().as<Halide::Internal::IntImm>();
        positions *= e ? e->value : 1;
      }
      if (anchor.rdom.dimensions() > 1 && positions * kBatchEstimate > 1024) {
        // Convolution weight gradients also reduce over every position:
        // one unsplit sum per tile streams the whole batch's gradient
        // through memory for each tile. Larger chunks instead, as few as
        // keep all partial sums within 32 MB, two at the least (measured
        // on VGG-16's 128-, 256- and 512-channel layers: 1.5-3x faster
        // than unsplit, best at 19 MB of partial sums). A short reduction
        // (VGG-16's 2x2 maps) is cached whole and need not be split.
        while (s.rfactor < kBatchEstimate / 2 && partialBytes() > (32 << 20))
          s.rfactor *= 2;
        if (partialBytes() > (32 << 20))
          s.rfactor = 0;
      } else if (anchor.rdom.dimensions() == 1 || partialBytes() > (16 << 20)) {
        // Dense weight gradients, reduced over the batch alone, and any
        // large result: chunks of a few images would each write a partial
        // result as large as the whole for a sum of only that many
        // products, and the result's own tiles are parallelism enough.
        // Measured unsplit against chunks of 4 (AVX-512, 2 threads):
        // 512x128 at batch 128 0.038 ms against 0.177, 576x64 at batch 64
        // 0.009 against 0.044, 512x10 0.006 against 0.047.
        s.rfactor = 0;
      }
      // Convolution weight gradients: register tiles of output-channel
      // vectors by input channels, as many accumulators as the convolutions
      // take (tileAccumulators): 4x6 where 32 vector registers hold them
      // and there are 4 vectors of output channels, else 2x8; 2x6 with
      // AVX2's 16. The tile spans input channels, not columns: it keeps
      // its width where that does not divide them (64 in tiles of 6
      // computes 66; cut to 4 to divide, it ran 1.3x slower), and is cut
      // to them where there are fewer (a first layer's 3; below 3 the
      // whole window is the tile: scheduleBatchReductionCpu).
      // Measured (2 threads) on the weight gradients of every model: with
      // AVX-512, on the 75 of 64 or more output and 6 or more input
      // channels, 4x6 took 16% less time in all than 4x4 (111 ms against
      // 132) and at most 1.19x the best of 4x4, 2x8, 4x6, 3x8 and 2x12 on
      // any of them (4x4: up to 1.79x); report 004 Model 4's
      // 14x14x64->128 layer 8.3 ms against 10.8. With AVX2, 2x6 against
      // 2x4: 16.1 ms against 20.7 on that layer, 5.6-6.2 against 7.1-7.9
      // on report 004 Model 3's largest.
      if (anchor.rdom.dimensions() > 1) {
        bool wide = manyRegisters && anchor.shape.back() >= 4 * lanes;
        s.tileInner = wide ? 4 : 2;
        // (2x12 ran 1.1x slower than 2x8 on 32 output channels.)
        s.tileOuter =
            manyRegisters && !wide ? 8 : tileAccumulators(target) / s.tileInner;
        int64_t inChannels =
            anchor.shape.size() == 4 ? anchor.shape[2] : int64_t(0);
        if (inChannels >= 3 && inChannels < s.tileOuter)
          s.tileOuter = static_cast<int>(inChannels);
      }
    } else if (anchor.shape.size() == 2 && anchor.rdom.dimensions() == 1 &&
               extent &&
               extent->value * lanes * s.tileInner * 4 > (256 << 10)) {
      // A dense layer whose tile of weights (a column panel over the whole
      // reduction) overflows the L2 cache: block the reduction, preferring
      // a block that divides it (no guarded last block).
      int64_t k = extent->value;
      s.reductionBlock = 256;
      for (int64_t b = 256; b >= 64; --b)
        if (k % b == 0) {
          s.reductionBlock = static_cast<int>(b);
          break;
        }
    }
  }
  // A conv under a fused pooling keeps a window of accumulators for each
  // position of the pooled tile: 16 accumulators in all where 32 vector
  // registers hold them (8 with 16), the channels widest first. Measured
  // on report 002 Model 4's convolutions at batch 256 (AVX-512): 4x1
  // pooled tiles of a 2x2 window ran 1.2x faster than 2x2 and 1.4x faster
  // than 2x3 (24 accumulators); 2x2 on 32 channels 1.6x faster than 2x3.
  // (`tiled`: what the column tile below is sized by. The output a
  // convolution is tiled by, when it is computed per tile of one; else the
  // convolution's own result, when it is computed whole first (a training
  // step's conv yields its activation and a pooling of it, and sizing its
  // 7x7 maps by the 3x3 pooled ones cost 2x on report 003's CNN); else
  // every output.)
  int pooledTaps = 1, convOutput = -1;
  int64_t pooledChannels = 0;
  const std::vector<int64_t> *wholeConv = nullptr;
  for (const Anchor &anchor : kernel.anchors) {
    if (anchor.kind != AnchorKind::Conv)
      continue;
    if (anchor.fusedOutput < 0) {
      wholeConv = &anchor.shape;
      continue;
    }
    convOutput = anchor.fusedOutput;
    if (anchor.fusedTaps > 1) {
      pooledTaps = std::max(pooledTaps, anchor.fusedTaps);
      pooledChannels = std::max(pooledChannels, anchor.shape.back());
    }
  }
  // A convolution in output pairs (F(2,2)) keeps three sums per pair and
  // reads three weight vectors per input channel for each vector of
  // channels, each used by every pair (and image) of the tile: one vector
  // of channels by up to as many pairs as 24 accumulators allow (12 with 16
  // registers), the fewest pairs computed across the row (the last tile is
  // shifted in), then the widest tile; a narrower one takes several images
  // (scheduleConvCpu). Two vectors of channels may share each pair's inputs
  // instead, where the six weight vectors they read per input channel stay
  // well inside L1 and no more pairs are computed.
  // Measured on report 002 Model 1 at batch 256 (AVX-512), its first layer
  // (13 pairs a row, 28 input channels), one image a tile: 1x7 0.325 ms, 2x4
  // 0.34, 2x3 and 3x2 0.35, 4x2 0.35-0.40, 2x5 0.40; 11 pairs a row
  // (kiln-trim-extents): 2x4 0.26 ms, 1x6 0.295, 2x3 0.29; 2x1 of four
  // images 0.24 (13 pairs: 0.28). Its second (6 pairs, 236 input channels,
  // 90 KiB of weights for two vectors): 1x6 0.63 ms, 4x2, 2x3 and 3x3
  // 0.70-0.81; 5 pairs: 1x5 0.52-0.54 ms, 2x3 0.74. With AVX2's 12
  // accumulators, the first layer: 13 pairs 2x2 0.62 ms, 1x4 0.80; 11 pairs
  // 2x2 0.54, 1x4 0.61, 2x1 of two images 0.48.
  for (const Anchor &anchor : kernel.anchors) {
    int sums = anchor.func.outputs();
    if (anchor.kind != AnchorKind::Conv || anchor.fusedOutput < 0 || sums == 1)
      continue;
    // The pooled positions a row: one pair each.
    const std::vector<int64_t> &pooled =
        kernel.outputShapes[anchor.fusedOutput];
    int64_t width = std::max<int64_t>(1, pooled[pooled.size() - 2]);
    if (anchor.tileOutputs > 2) {
      // Wider F(m, 2) tiles: a row's tiles in one register tile, of one
      // vector of channels (of several images: scheduleConvCpu).
      int64_t m = anchor.tileOutputs;
      s.tileInner = 1;
      s.tileOuter = static_cast<int>((2 * width + m - 1) / m);
      return s;
    }
    // (channel vectors, pairs per tile, pairs computed per row): the fewest
    // pairs computed, then the widest tile (images fill the accumulators a
    // narrower one leaves: scheduleConvCpu).
    auto tile = [&](int64_t vectors) {
      int64_t most =
          std::max<int64_t>(1, tileAccumulators(target) / (sums * vectors));
      std::array<int64_t, 3> best{vectors, 0, 0};
      for (int64_t pairs = std::min(most, width); pairs >= 1; --pairs) {
        int64_t computed = (width + pairs - 1) / pairs * pairs;
        if (best[1] == 0 || computed < best[2])
          best = {vectors, pairs, computed};
      }
      return best;
    };
    std::array<int64_t, 3> chosen = tile(1);
    const int64_t *inChannels =
        Halide::Internal::as_const_int(anchor.rdom[0].extent());
    int64_t weightBytes = inChannels ? *inChannels * sums * 2 * lanes * 4
                                     : std::numeric_limits<int64_t>::max();
    constexpr int64_t kSharedWeightBytes = 16 * 1024;
    if (anchor.shape.back() >= 2 * lanes && weightBytes <= kSharedWeightBytes &&
        tile(2)[2] <= chosen[2])
      chosen = tile(2);
    s.tileInner = static_cast<int>(chosen[0]);
    s.tileOuter = static_cast<int>(chosen[1]);
    return s;
  }
  if (pooledTaps > 1) {
    int accumulators = manyRegisters ? 16 : 8;
    s.tileInner =
        pooledChannels >= 4 * lanes && accumulators >= 4 * pooledTaps ? 4 : 2;
    s.tileOuter = std::max(1, accumulators / (s.tileInner * pooledTaps));
  }
  // A weight gradient's tile is sized above, by its channels; what follows
  // sizes column tiles.
  if (llvm::any_of(kernel.anchors, [](const Anchor &a) {
        return a.kind == AnchorKind::BatchReduction;
      }))
    return s;
  bool conv = convOutput >= 0 || wholeConv;
  std::vector<const std::vector<int64_t> *> tiled;
  if (convOutput >= 0)
    tiled.push_back(&kernel.outputShapes[convOutput]);
  else if (wholeConv)
    tiled.push_back(wholeConv);
  else
    for (const std::vector<int64_t> &shape : kernel.outputShapes)
      tiled.push_back(&shape);
  for (const std::vector<int64_t> *tiledShape : tiled) {
    const std::vector<int64_t> &shape = *tiledShape;
    // Prefer a column tile that divides the width so no column is computed
    // twice by the shifted-in last tile; failing that, the widest tile that
    // computes at most a tenth more columns than there are (an 11-wide map:
    // 6, two tiles of 12 columns, not 5, three of 15).
    //
    // A convolution's rows (Conv1D: n, x, c) and maps (Conv2D) may be as
    // wide as the accumulators allow (24 with 32 vector registers, 12 with
    // 16), not 7 (5): fewer, wider tiles load each weight vector for more
    // columns. Measured on the training steps (AVX-512 unless named):
    // report 002 Model 1's 10- and 11-wide rows in one tile 0.14 and 0.18
    // ms against 0.20 and 0.23 in two of 7, its 22-wide one in two of 11
    // 0.082 against 0.103, Model 3's 8-wide one 0.19 against 0.33; report
    // 000's 10-wide map in tiles of 10 0.46 ms against 0.57 in 5, report
    // 004 Model 3's 0.89 against 1.14; with AVX2 12-wide input gradients
    // in tiles of 6 1.10 ms against 1.22 in 4 and 2.21 against 2.52. The
    // first layers (one input channel, 9 taps) lose up to 0.02 ms. Maps of
    // a power-of-two width keep the tiles measured for them (VGG-16's,
    // below).
    bool convRow = conv && shape.size() == 3;
    if ((shape.size() == 4 || convRow) && shape[shape.size() - 2] > 0 &&
        pooledTaps == 1) {
      int64_t width = shape[shape.size() - 2];
      bool powerOfTwo = (width & (width - 1)) == 0;
      int widest =
          conv && (convRow || !powerOfTwo)
              ? std::max(s.tileOuter, tileAccumulators(target) / s.tileInner)
              : s.tileOuter;
      bool divides = false;
      for (int t = widest; t >= 3; --t)
        if (width % t == 0) {
          s.tileOuter = t;
          divides = true;
          break;
        }
      if (!divides && width > widest)
        for (int t = widest; t >= 3; --t)
          if ((width + t - 1) / t * t * 10 <= width * 11) {
            s.tileOuter = t;
            break;
          }
      // A power-of-two width (VGG-16's 32- to 4-wide maps) cuts the tile
      // to 4 columns: 8 accumulators, which leaves most of 32 vector
      // registers idle. Twice the channels per tile use each input value
      // loaded twice as often: measured 1.05-1.25x on VGG-16's 128- to
      // 512-channel convolutions and input gradients, 0.94x at 64 channels.
      if (manyRegisters && shape.size() == 4 && s.tileOuter == 4 &&
          s.tileInner == 2 && shape[3] >= 8 * lanes)
        s.tileInner = 4;
      // Fewer than 8 accumulators (a 3-wide map: 2x3) cannot keep two FMA
      // units of 4 cycles' latency busy: twice the channels where 32
      // registers hold them. Measured on report 000's 5x5x64 -> 3x3x64
      // convolution: t4x3 0.18 ms against t2x3 0.35 ms (with AVX2's 16
      // registers t4x3 ran 1.4x slower).
      if (manyRegisters && shape.size() == 4 && s.tileInner == 2 &&
          s.tileInner * s.tileOuter < 8 && shape[3] >= 4 * lanes)
        s.tileInner = 4;
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
      // Halide 14's Adams2019 reads its beam size from the environment,
      // which is one per process: autoscheduling is serialised (the driver
      // schedules kernels on several threads).
      static std::mutex autoscheduleMutex;
      std::lock_guard<std::mutex> lock(autoscheduleMutex);
      BeamSize beam(schedule.autoschedulerBeam);
      pipeline.auto_schedule(schedule.autoscheduler, target, params);
      return "";
    }
    if (target.has_gpu_feature()) {
      scheduleGpu(kernel, schedule);
      return "";
    }
    for (Func f : kernel.reductions) {
      f.compute_root();
      std::vector<Var> v = varsOf(f);
      if (!v.empty())
        f.vectorize(v[0], target.natural_vector_size(Halide::Float(32)),
                    TailStrategy::GuardWithIf);
      if (v.size() >= 2)
        f.parallel(v.back());
    }
    for (ChannelSum &sum : kernel.channelSums)
      scheduleChannelSumCpu(sum, schedule, target);
    std::vector<bool> outputDone(kernel.outputs.size(), false);
    for (Anchor &anchor : kernel.anchors) {
      if (anchor.kind == AnchorKind::BatchReduction) {
        Func out = anchor.fusedOutput >= 0 ? kernel.outputs[anchor.fusedOutput]
                                           : Func();
        if (scheduleBatchReductionCpu(anchor, schedule, target, out))
          outputDone[anchor.fusedOutput] = true;
        continue;
      }
      const auto *reduceExtent =
          anchor.rdom[0].extent().as<Halide::Internal::IntImm>();
      if (anchor.shape.size() == 2 && schedule.reductionBlock > 0 &&
          anchor.rdom.dimensions() == 1 && reduceExtent &&
          reduceExtent->value > schedule.reductionBlock) {
        scheduleBlockedDenseCpu(anchor, schedule, target, kernel.batch);
        continue;
      }
      if (anchor.fusedOutput >= 0) {
        // Tiles split the output's loops, so they are sized by its shape: a
        // fused pool may be narrower than the conv (3 -> 1), and a tile
        // wider than the output would shift in before its first position.
        scheduleConvCpu(kernel.outputs[anchor.fusedOutput],
                        kernel.outputShapes[anchor.fusedOutput], anchor,
                        schedule, target, kernel.batch);
        outputDone[anchor.fusedOutput] = true;
        continue;
      }
      // Computed whole before its consumers: tile a wrapper of it.
      Func tiles = anchor.func.in();
      tiles.compute_root();
      // Computed over its whole static extent: a consumer that reads less
      // (a pool leaving the last row, 5 -> 2) would otherwise shrink the
      // region below a tile, and the shifted-in tile start before 0.
      std::vector<Var> tv = varsOf(tiles);
      for (size_t d = 0; d < tv.size() && d < anchor.shape.size(); ++d) {
        int64_t extent = anchor.shape[anchor.shape.size() - 1 - d];
        if (extent > 0)
          tiles.bound(tv[d], 0, static_cast<int>(extent));
      }
      scheduleConvCpu(tiles, anchor.shape, anchor, schedule, target,
                      kernel.batch);
    }
    for (size_t i = 0; i < kernel.outputs.size(); ++i)
      if (!outputDone[i])
        scheduleElementwise(kernel.outputs[i], kernel.outputShapes[i],
                            kernel.outputWindows[i], schedule, target);
    // Elementwise outputs of one shape (an optimizer's parameter and slots,
    // a dropout's result and mask) share one loop nest, so the inputs they
    // have in common are read from memory once.
    for (size_t i = 0; i < kernel.outputs.size(); ++i) {
      if (outputDone[i] || kernel.outputShapes[i].size() < 2)
        continue;
      for (size_t j = i + 1; j < kernel.outputs.size(); ++j)
        if (!outputDone[j] &&
            kernel.outputShapes[j] == kernel.outputShapes[i]) {
          kernel.outputs[j].compute_with(
              kernel.outputs[i],
              Var(kernel.outputShapes[i].size() == 2 ? "rows" : "fused"));
          outputDone[j] = true;
        }
    }
  } catch (const Halide::Error &e) {
    return std::string("cannot apply schedule '") + schedule.toString() +
           "' to kernel '" + kernel.name + "': " + e.what();
  }
  return "";
}

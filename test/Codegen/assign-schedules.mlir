// RUN: kiln-opt %s --kiln-assign-schedules="target=x86-avx512" | FileCheck %s
// RUN: kiln-opt %s --kiln-assign-schedules="target=x86-avx2" | FileCheck %s --check-prefix=AVX2
// RUN: kiln-opt %s --kiln-assign-schedules="schedule=Adams2019" | FileCheck %s --check-prefix=AUTO
// RUN: kiln-opt %s --kiln-assign-schedules="schedule=Adams2019 force=true" | FileCheck %s --check-prefix=FORCE
// RUN: not kiln-opt %s --kiln-assign-schedules="schedule='v16 t0x2'" 2>&1 | FileCheck %s --check-prefix=BAD
// RUN: not kiln-opt %s --kiln-assign-schedules="target=sparc" 2>&1 | FileCheck %s --check-prefix=TARGET

// Tests that the heuristic sizes the register tile for the target (32 vector
// registers on AVX-512, 16 on AVX2) and divides the 14-wide rows evenly.
// CHECK-LABEL: func.func @conv
// CHECK: kiln.kernel "k0"{{.*}}schedule = "v0 t2x7 u1 stage rf4 pr gpu32x4"
// AVX2-LABEL: func.func @conv
// AVX2: kiln.kernel "k0"{{.*}}schedule = "v0 t2x5 u1 stage rf4 pr gpu32x4"
// AUTO-LABEL: func.func @conv
// AUTO: kiln.kernel "k0"{{.*}}schedule = "auto:Adams2019"
func.func @conv(%x: tensor<?x14x14x64xf32>, %w: tensor<3x3x64x128xf32>) -> tensor<?x14x14x128xf32> {
  %r = kiln.kernel "k0"(%x, %w) : (tensor<?x14x14x64xf32>, tensor<3x3x64x128xf32>) -> tensor<?x14x14x128xf32> {
  ^bb0(%a: tensor<?x14x14x64xf32>, %b: tensor<3x3x64x128xf32>):
    %y = kiln.conv2d %a, %b {padding = array<i64: 1, 1, 1, 1>} : (tensor<?x14x14x64xf32>, tensor<3x3x64x128xf32>) -> tensor<?x14x14x128xf32>
    %z = kiln.relu %y : tensor<?x14x14x128xf32>
    kiln.yield %z : tensor<?x14x14x128xf32>
  }
  return %r : tensor<?x14x14x128xf32>
}

// Tests that a power-of-two width, which cuts the column tile to 4, gets
// twice the channels per tile on AVX-512 where there are 128 channels or
// more (8x8x256), not at 64 channels (16x16x64), and not on AVX2.
// CHECK-LABEL: func.func @narrow_tiles
// CHECK: kiln.kernel "k1"{{.*}}schedule = "v0 t4x4 u1 stage rf4 pr gpu32x4"
// CHECK: kiln.kernel "k2"{{.*}}schedule = "v0 t2x4 u1 stage rf4 pr gpu32x4"
// AVX2-LABEL: func.func @narrow_tiles
// AVX2: kiln.kernel "k1"{{.*}}schedule = "v0 t2x4 u1 stage rf4 pr gpu32x4"
func.func @narrow_tiles(%x: tensor<?x8x8x256xf32>, %w: tensor<3x3x256x256xf32>, %x2: tensor<?x16x16x64xf32>, %w2: tensor<3x3x64x64xf32>) -> (tensor<?x8x8x256xf32>, tensor<?x16x16x64xf32>) {
  %r = kiln.kernel "k1"(%x, %w) : (tensor<?x8x8x256xf32>, tensor<3x3x256x256xf32>) -> tensor<?x8x8x256xf32> {
  ^bb0(%a: tensor<?x8x8x256xf32>, %b: tensor<3x3x256x256xf32>):
    %y = kiln.conv2d %a, %b {padding = array<i64: 1, 1, 1, 1>} : (tensor<?x8x8x256xf32>, tensor<3x3x256x256xf32>) -> tensor<?x8x8x256xf32>
    kiln.yield %y : tensor<?x8x8x256xf32>
  }
  %r2 = kiln.kernel "k2"(%x2, %w2) : (tensor<?x16x16x64xf32>, tensor<3x3x64x64xf32>) -> tensor<?x16x16x64xf32> {
  ^bb0(%a: tensor<?x16x16x64xf32>, %b: tensor<3x3x64x64xf32>):
    %y = kiln.conv2d %a, %b {padding = array<i64: 1, 1, 1, 1>} : (tensor<?x16x16x64xf32>, tensor<3x3x64x64xf32>) -> tensor<?x16x16x64xf32>
    kiln.yield %y : tensor<?x16x16x64xf32>
  }
  return %r, %r2 : tensor<?x8x8x256xf32>, tensor<?x16x16x64xf32>
}

// Tests how the heuristic splits the batch of a convolution's weight
// gradient: chunks of 4 while all partial sums stay within 32 MB (64x128
// channels), larger chunks as the result grows (256x256: 16 images, 8
// partial sums of 2.4 MB; 512x512: 64 images, 2 of 9.4 MB), and no split
// when the reduction is short (2x2 maps), since it stays in cache. Their
// register tiles hold 24 accumulators on AVX-512 (4 vectors of output
// channels by 6 input channels, though 6 does not divide 64) and 12 on AVX2
// (2 by 6).
// CHECK-LABEL: func.func @grad_filters
// CHECK: kiln.kernel "g0"{{.*}}schedule = "v0 t4x6 u1 stage rf4 pr gpu32x4"
// CHECK: kiln.kernel "g1"{{.*}}schedule = "v0 t4x6 u1 stage rf16 pr gpu32x4"
// CHECK: kiln.kernel "g2"{{.*}}schedule = "v0 t4x6 u1 stage rf64 pr gpu32x4"
// CHECK: kiln.kernel "g3"{{.*}}schedule = "v0 t4x6 u1 stage rf0 pr gpu32x4"
// AVX2-LABEL: func.func @grad_filters
// AVX2: kiln.kernel "g0"{{.*}}schedule = "v0 t2x6 u1 stage rf4 pr gpu32x4"
func.func @grad_filters(%x64: tensor<?x14x14x64xf32>, %g128: tensor<?x14x14x128xf32>, %x256: tensor<?x8x8x256xf32>, %x512: tensor<?x4x4x512xf32>, %y512: tensor<?x2x2x512xf32>) {
  %0 = kiln.kernel "g0"(%x64, %g128) : (tensor<?x14x14x64xf32>, tensor<?x14x14x128xf32>) -> tensor<3x3x64x128xf32> {
  ^bb0(%a: tensor<?x14x14x64xf32>, %b: tensor<?x14x14x128xf32>):
    %y = kiln.conv2d_grad_filter %a, %b {kernel_hw = array<i64: 3, 3>, padding = array<i64: 1, 1, 1, 1>} : (tensor<?x14x14x64xf32>, tensor<?x14x14x128xf32>) -> tensor<3x3x64x128xf32>
    kiln.yield %y : tensor<3x3x64x128xf32>
  }
  %1 = kiln.kernel "g1"(%x256, %x256) : (tensor<?x8x8x256xf32>, tensor<?x8x8x256xf32>) -> tensor<3x3x256x256xf32> {
  ^bb0(%a: tensor<?x8x8x256xf32>, %b: tensor<?x8x8x256xf32>):
    %y = kiln.conv2d_grad_filter %a, %b {kernel_hw = array<i64: 3, 3>, padding = array<i64: 1, 1, 1, 1>} : (tensor<?x8x8x256xf32>, tensor<?x8x8x256xf32>) -> tensor<3x3x256x256xf32>
    kiln.yield %y : tensor<3x3x256x256xf32>
  }
  %2 = kiln.kernel "g2"(%x512, %x512) : (tensor<?x4x4x512xf32>, tensor<?x4x4x512xf32>) -> tensor<3x3x512x512xf32> {
  ^bb0(%a: tensor<?x4x4x512xf32>, %b: tensor<?x4x4x512xf32>):
    %y = kiln.conv2d_grad_filter %a, %b {kernel_hw = array<i64: 3, 3>, padding = array<i64: 1, 1, 1, 1>} : (tensor<?x4x4x512xf32>, tensor<?x4x4x512xf32>) -> tensor<3x3x512x512xf32>
    kiln.yield %y : tensor<3x3x512x512xf32>
  }
  %3 = kiln.kernel "g3"(%y512, %y512) : (tensor<?x2x2x512xf32>, tensor<?x2x2x512xf32>) -> tensor<3x3x512x512xf32> {
  ^bb0(%a: tensor<?x2x2x512xf32>, %b: tensor<?x2x2x512xf32>):
    %y = kiln.conv2d_grad_filter %a, %b {kernel_hw = array<i64: 3, 3>, padding = array<i64: 1, 1, 1, 1>} : (tensor<?x2x2x512xf32>, tensor<?x2x2x512xf32>) -> tensor<3x3x512x512xf32>
    kiln.yield %y : tensor<3x3x512x512xf32>
  }
  return
}

// Tests the tiles of two-tap convolutions computed in output pairs under a
// max pool: the fewest pairs computed a row, then the widest tile, of one
// vector of channels by up to 8 pairs (4 with AVX2's 16 registers): the
// row's 6 pairs in one tile (two of 3); two vectors of channels by up to 4
// (2) where their weights, 28 input channels', fit in L1 and no more pairs
// are computed: rows of 13 and 11 pairs in tiles of one pair (of several
// images), computing none twice.
// CHECK-LABEL: func.func @conv_pairs
// CHECK: kiln.kernel "k1"{{.*}}schedule = "v0 t2x1 u1 stage rf4 pr gpu32x4"
// CHECK: kiln.kernel "k2"{{.*}}schedule = "v0 t1x6 u1 stage rf4 pr gpu32x4"
// CHECK: kiln.kernel "k3"{{.*}}schedule = "v0 t2x1 u1 stage rf4 pr gpu32x4"
// AVX2-LABEL: func.func @conv_pairs
// AVX2: kiln.kernel "k1"{{.*}}schedule = "v0 t2x1 u1 stage rf4 pr gpu32x4"
// AVX2: kiln.kernel "k2"{{.*}}schedule = "v0 t1x3 u1 stage rf4 pr gpu32x4"
// AVX2: kiln.kernel "k3"{{.*}}schedule = "v0 t2x1 u1 stage rf4 pr gpu32x4"
func.func @conv_pairs(%x: tensor<?x28x28xf32>, %w: tensor<2x28x236xf32>, %x2: tensor<?x13x236xf32>, %w2: tensor<2x236x128xf32>, %x3: tensor<?x23x28xf32>) -> (tensor<?x13x236xf32>, tensor<?x6x128xf32>, tensor<?x11x236xf32>) {
  %r = kiln.kernel "k1"(%x, %w) : (tensor<?x28x28xf32>, tensor<2x28x236xf32>) -> tensor<?x13x236xf32> {
  ^bb0(%a: tensor<?x28x28xf32>, %b: tensor<2x28x236xf32>):
    %y = kiln.conv1d %a, %b : (tensor<?x28x28xf32>, tensor<2x28x236xf32>) -> tensor<?x27x236xf32>
    %p = kiln.max_pool1d %y {window = 2, stride = 2} : tensor<?x27x236xf32> -> tensor<?x13x236xf32>
    kiln.yield %p : tensor<?x13x236xf32>
  }
  %r2 = kiln.kernel "k2"(%x2, %w2) : (tensor<?x13x236xf32>, tensor<2x236x128xf32>) -> tensor<?x6x128xf32> {
  ^bb0(%a: tensor<?x13x236xf32>, %b: tensor<2x236x128xf32>):
    %y = kiln.conv1d %a, %b : (tensor<?x13x236xf32>, tensor<2x236x128xf32>) -> tensor<?x12x128xf32>
    %p = kiln.max_pool1d %y {window = 2, stride = 2} : tensor<?x12x128xf32> -> tensor<?x6x128xf32>
    kiln.yield %p : tensor<?x6x128xf32>
  }
  %r3 = kiln.kernel "k3"(%x3, %w) : (tensor<?x23x28xf32>, tensor<2x28x236xf32>) -> tensor<?x11x236xf32> {
  ^bb0(%a: tensor<?x23x28xf32>, %b: tensor<2x28x236xf32>):
    %y = kiln.conv1d %a, %b : (tensor<?x23x28xf32>, tensor<2x28x236xf32>) -> tensor<?x22x236xf32>
    %p = kiln.max_pool1d %y {window = 2, stride = 2} : tensor<?x22x236xf32> -> tensor<?x11x236xf32>
    kiln.yield %p : tensor<?x11x236xf32>
  }
  return %r, %r2, %r3 : tensor<?x13x236xf32>, tensor<?x6x128xf32>, tensor<?x11x236xf32>
}

// Tests the tiles of two-tap convolutions over 128 or more input channels
// computed in wider Winograd tiles under a max pool: one vector of channels
// by a row's tiles, on both targets: F(5,2)'s two for 5 pooled positions,
// F(4,2)'s one for 2.
// CHECK-LABEL: func.func @conv_winograd
// CHECK: kiln.kernel "k1"{{.*}}schedule = "v0 t1x2 u1 stage rf4 pr gpu32x4"
// CHECK: kiln.kernel "k2"{{.*}}schedule = "v0 t1x1 u1 stage rf4 pr gpu32x4"
// AVX2-LABEL: func.func @conv_winograd
// AVX2: kiln.kernel "k1"{{.*}}schedule = "v0 t1x2 u1 stage rf4 pr gpu32x4"
// AVX2: kiln.kernel "k2"{{.*}}schedule = "v0 t1x1 u1 stage rf4 pr gpu32x4"
func.func @conv_winograd(%x: tensor<?x11x236xf32>, %w: tensor<2x236x128xf32>, %x2: tensor<?x5x128xf32>, %w2: tensor<2x128x64xf32>) -> (tensor<?x5x128xf32>, tensor<?x2x64xf32>) {
  %r = kiln.kernel "k1"(%x, %w) : (tensor<?x11x236xf32>, tensor<2x236x128xf32>) -> tensor<?x5x128xf32> {
  ^bb0(%a: tensor<?x11x236xf32>, %b: tensor<2x236x128xf32>):
    %y = kiln.conv1d %a, %b : (tensor<?x11x236xf32>, tensor<2x236x128xf32>) -> tensor<?x10x128xf32>
    %p = kiln.max_pool1d %y {window = 2, stride = 2} : tensor<?x10x128xf32> -> tensor<?x5x128xf32>
    kiln.yield %p : tensor<?x5x128xf32>
  }
  %r2 = kiln.kernel "k2"(%x2, %w2) : (tensor<?x5x128xf32>, tensor<2x128x64xf32>) -> tensor<?x2x64xf32> {
  ^bb0(%a: tensor<?x5x128xf32>, %b: tensor<2x128x64xf32>):
    %y = kiln.conv1d %a, %b : (tensor<?x5x128xf32>, tensor<2x128x64xf32>) -> tensor<?x4x64xf32>
    %p = kiln.max_pool1d %y {window = 2, stride = 2} : tensor<?x4x64xf32> -> tensor<?x2x64xf32>
    kiln.yield %p : tensor<?x2x64xf32>
  }
  return %r, %r2 : tensor<?x5x128xf32>, tensor<?x2x64xf32>
}

// Tests that a Conv1D row takes a column tile as wide as the accumulators
// allow (24 with AVX-512's 32 registers, 12 with AVX2's 16), the widest
// that divides it: a 10-wide row in one tile of 10 (two of 5 on AVX2), a
// 22-wide one in two of 11 (on AVX2 four of 6, 24 columns, as no tile of
// 3 to 6 divides 22).
// CHECK-LABEL: func.func @conv_rows
// CHECK: kiln.kernel "k1"{{.*}}schedule = "v0 t2x10 u1 stage rf4 pr gpu32x4"
// CHECK: kiln.kernel "k2"{{.*}}schedule = "v0 t2x11 u1 stage rf4 pr gpu32x4"
// AVX2-LABEL: func.func @conv_rows
// AVX2: kiln.kernel "k1"{{.*}}schedule = "v0 t2x5 u1 stage rf4 pr gpu32x4"
// AVX2: kiln.kernel "k2"{{.*}}schedule = "v0 t2x6 u1 stage rf4 pr gpu32x4"
func.func @conv_rows(%x: tensor<?x11x236xf32>, %w: tensor<2x236x128xf32>, %x2: tensor<?x23x28xf32>, %w2: tensor<2x28x236xf32>) -> (tensor<?x10x128xf32>, tensor<?x22x236xf32>) {
  %r = kiln.kernel "k1"(%x, %w) : (tensor<?x11x236xf32>, tensor<2x236x128xf32>) -> tensor<?x10x128xf32> {
  ^bb0(%a: tensor<?x11x236xf32>, %b: tensor<2x236x128xf32>):
    %y = kiln.conv1d %a, %b : (tensor<?x11x236xf32>, tensor<2x236x128xf32>) -> tensor<?x10x128xf32>
    %z = kiln.relu %y : tensor<?x10x128xf32>
    kiln.yield %z : tensor<?x10x128xf32>
  }
  %r2 = kiln.kernel "k2"(%x2, %w2) : (tensor<?x23x28xf32>, tensor<2x28x236xf32>) -> tensor<?x22x236xf32> {
  ^bb0(%a: tensor<?x23x28xf32>, %b: tensor<2x28x236xf32>):
    %y = kiln.conv1d %a, %b : (tensor<?x23x28xf32>, tensor<2x28x236xf32>) -> tensor<?x22x236xf32>
    kiln.yield %y : tensor<?x22x236xf32>
  }
  return %r, %r2 : tensor<?x10x128xf32>, tensor<?x22x236xf32>
}

// Tests that a Conv2D map whose width is not a power of two takes a column
// tile as wide as the accumulators allow, the widest that divides it: 10
// wide in one tile of 10 (two of 5 on AVX2), 12 wide in one of 12 (two of 6
// on AVX2), not 5 and 6 (4).
// CHECK-LABEL: func.func @conv_maps
// CHECK: kiln.kernel "k1"{{.*}}schedule = "v0 t2x10 u1 stage rf4 pr gpu32x4"
// CHECK: kiln.kernel "k2"{{.*}}schedule = "v0 t2x12 u1 stage rf4 pr gpu32x4"
// AVX2-LABEL: func.func @conv_maps
// AVX2: kiln.kernel "k1"{{.*}}schedule = "v0 t2x5 u1 stage rf4 pr gpu32x4"
// AVX2: kiln.kernel "k2"{{.*}}schedule = "v0 t2x6 u1 stage rf4 pr gpu32x4"
func.func @conv_maps(%x: tensor<?x12x12x32xf32>, %w: tensor<3x3x32x64xf32>, %w2: tensor<3x3x32x32xf32>) -> (tensor<?x10x10x64xf32>, tensor<?x12x12x32xf32>) {
  %r = kiln.kernel "k1"(%x, %w) : (tensor<?x12x12x32xf32>, tensor<3x3x32x64xf32>) -> tensor<?x10x10x64xf32> {
  ^bb0(%a: tensor<?x12x12x32xf32>, %b: tensor<3x3x32x64xf32>):
    %y = kiln.conv2d %a, %b : (tensor<?x12x12x32xf32>, tensor<3x3x32x64xf32>) -> tensor<?x10x10x64xf32>
    %z = kiln.relu %y : tensor<?x10x10x64xf32>
    kiln.yield %z : tensor<?x10x10x64xf32>
  }
  %r2 = kiln.kernel "k2"(%x, %w2) : (tensor<?x12x12x32xf32>, tensor<3x3x32x32xf32>) -> tensor<?x12x12x32xf32> {
  ^bb0(%a: tensor<?x12x12x32xf32>, %b: tensor<3x3x32x32xf32>):
    %y = kiln.conv2d %a, %b {padding = array<i64: 1, 1, 1, 1>} : (tensor<?x12x12x32xf32>, tensor<3x3x32x32xf32>) -> tensor<?x12x12x32xf32>
    kiln.yield %y : tensor<?x12x12x32xf32>
  }
  return %r, %r2 : tensor<?x10x10x64xf32>, tensor<?x12x12x32xf32>
}

// Tests the weight-gradient tiles that are not 4x6: 2 vectors of 32 output
// channels by 8 input channels (AVX-512), and a filter with fewer input
// channels than the tile's 6 (a first layer's 3), whose tile is cut to them.
// CHECK-LABEL: func.func @grad_filter_tiles
// CHECK: kiln.kernel "g4"{{.*}}schedule = "v0 t2x8 u1 stage rf4 pr gpu32x4"
// CHECK: kiln.kernel "g5"{{.*}}schedule = "v0 t4x3 u1 stage rf4 pr gpu32x4"
// AVX2-LABEL: func.func @grad_filter_tiles
// AVX2: kiln.kernel "g4"{{.*}}schedule = "v0 t2x6 u1 stage rf4 pr gpu32x4"
// AVX2: kiln.kernel "g5"{{.*}}schedule = "v0 t2x3 u1 stage rf4 pr gpu32x4"
func.func @grad_filter_tiles(%x32: tensor<?x14x14x32xf32>, %x3: tensor<?x32x32x3xf32>, %g64: tensor<?x16x16x64xf32>) {
  %0 = kiln.kernel "g4"(%x32, %x32) : (tensor<?x14x14x32xf32>, tensor<?x14x14x32xf32>) -> tensor<3x3x32x32xf32> {
  ^bb0(%a: tensor<?x14x14x32xf32>, %b: tensor<?x14x14x32xf32>):
    %y = kiln.conv2d_grad_filter %a, %b {kernel_hw = array<i64: 3, 3>, padding = array<i64: 1, 1, 1, 1>} : (tensor<?x14x14x32xf32>, tensor<?x14x14x32xf32>) -> tensor<3x3x32x32xf32>
    kiln.yield %y : tensor<3x3x32x32xf32>
  }
  %1 = kiln.kernel "g5"(%x3, %g64) : (tensor<?x32x32x3xf32>, tensor<?x16x16x64xf32>) -> tensor<7x7x3x64xf32> {
  ^bb0(%a: tensor<?x32x32x3xf32>, %b: tensor<?x16x16x64xf32>):
    %y = kiln.conv2d_grad_filter %a, %b {kernel_hw = array<i64: 7, 7>, strides = array<i64: 2, 2>, padding = array<i64: 3, 3, 3, 3>} : (tensor<?x32x32x3xf32>, tensor<?x16x16x64xf32>) -> tensor<7x7x3x64xf32>
    kiln.yield %y : tensor<7x7x3x64xf32>
  }
  return
}

// Tests that a convolution computed whole before its outputs (a training
// step's conv yields its activation for the backward pass, and a dropout of
// its pooling) has its column tile sized by its own 7-wide maps, not by the
// 3-wide pooled ones: 2x7 (2x5 on AVX2), not 4x3 (2x3).
// CHECK-LABEL: func.func @conv_whole
// CHECK: kiln.kernel "k1"{{.*}}schedule = "v0 t2x7 u1 stage rf4 pr gpu32x4"
// AVX2-LABEL: func.func @conv_whole
// AVX2: kiln.kernel "k1"{{.*}}schedule = "v0 t2x5 u1 stage rf4 pr gpu32x4"
func.func @conv_whole(%x: tensor<?x7x7x32xf32>, %w: tensor<3x3x32x128xf32>, %step: i64, %seed: i64) -> (tensor<?x7x7x128xf32>, tensor<?x3x3x128xf32>, tensor<?x3x3x128xf32>) {
  %r:3 = kiln.kernel "k1"(%x, %w, %step, %seed) : (tensor<?x7x7x32xf32>, tensor<3x3x32x128xf32>, i64, i64) -> (tensor<?x7x7x128xf32>, tensor<?x3x3x128xf32>, tensor<?x3x3x128xf32>) {
  ^bb0(%a: tensor<?x7x7x32xf32>, %b: tensor<3x3x32x128xf32>, %c: i64, %d: i64):
    %y = kiln.conv2d %a, %b {padding = array<i64: 1, 1, 1, 1>} : (tensor<?x7x7x32xf32>, tensor<3x3x32x128xf32>) -> tensor<?x7x7x128xf32>
    %z = kiln.relu %y : tensor<?x7x7x128xf32>
    %p = kiln.max_pool2d %z {strides = array<i64: 2, 2>, window = array<i64: 2, 2>} : tensor<?x7x7x128xf32> -> tensor<?x3x3x128xf32>
    %o, %m = kiln.dropout %p, %c, %d {rate = 4.000000e-01 : f32, stream = 1 : i64} : tensor<?x3x3x128xf32>
    kiln.yield %z, %o, %m : tensor<?x7x7x128xf32>, tensor<?x3x3x128xf32>, tensor<?x3x3x128xf32>
  }
  return %r#0, %r#1, %r#2 : tensor<?x7x7x128xf32>, tensor<?x3x3x128xf32>, tensor<?x3x3x128xf32>
}

// Tests that a schedule a kernel already carries (from a tuning database) is
// kept unless force is set.
// CHECK-LABEL: func.func @tuned
// CHECK: schedule = "v16 t4x4 u2 stage rf8 pb gpu32x4"
// FORCE-LABEL: func.func @tuned
// FORCE: schedule = "auto:Adams2019"
func.func @tuned(%x: tensor<?x10xf32>) -> tensor<?x10xf32> {
  %r = kiln.kernel "k1"(%x) {schedule = "v16 t4x4 u2 stage rf8 pb gpu32x4"} : (tensor<?x10xf32>) -> tensor<?x10xf32> {
  ^bb0(%a: tensor<?x10xf32>):
    %y = kiln.relu %a : tensor<?x10xf32>
    kiln.yield %y : tensor<?x10xf32>
  }
  return %r : tensor<?x10xf32>
}

// BAD: error: schedule tiles and unroll factors must be at least 1 in 'v16 t0x2'
// TARGET: error: unknown target 'sparc'

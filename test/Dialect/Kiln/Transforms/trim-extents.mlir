// RUN: kiln-opt %s -split-input-file -kiln-trim-extents | FileCheck %s

// Tests that the cut changes nothing a network computes: report 002 Model 1
// (a cut at every layer) and report 000 (2-D, rows and columns), their
// train steps (loss, correct count, every updated parameter and slot) and
// inference, on the reference interpreter, print the same values with and
// without the pass, and the pass did cut.
// RUN: kilnc %kiln_src/models/report002-model1.kiln --emit=mlir > %t.m1.mlir
// RUN: kiln-opt %t.m1.mlir -kiln-build-train-step -kiln-prepare-inference > %t.m1.whole.mlir
// RUN: kiln-opt %t.m1.mlir -kiln-trim-extents -kiln-build-train-step -kiln-prepare-inference > %t.m1.cut.mlir
// RUN: FileCheck %s --check-prefix=CUT1 < %t.m1.cut.mlir
// RUN: kiln-ref %t.m1.whole.mlir --func=train_step --random-seed=4 --batch=3 --print=values --max-values=1000000 > %t.m1.whole.train
// RUN: kiln-ref %t.m1.cut.mlir --func=train_step --random-seed=4 --batch=3 --print=values --max-values=1000000 > %t.m1.cut.train
// RUN: diff %t.m1.whole.train %t.m1.cut.train
// RUN: kiln-ref %t.m1.whole.mlir --func=infer --random-seed=4 --batch=3 --print=values > %t.m1.whole.infer
// RUN: kiln-ref %t.m1.cut.mlir --func=infer --random-seed=4 --batch=3 --print=values > %t.m1.cut.infer
// RUN: diff %t.m1.whole.infer %t.m1.cut.infer
// RUN: kiln-opt %S/Inputs/report000.mlir -kiln-build-train-step > %t.r0.whole.mlir
// RUN: kiln-opt %S/Inputs/report000.mlir -kiln-trim-extents -kiln-build-train-step > %t.r0.cut.mlir
// RUN: FileCheck %s --check-prefix=CUT0 < %t.r0.cut.mlir
// RUN: kiln-ref %t.r0.whole.mlir --func=train_step --random-seed=5 --batch=2 --print=values --max-values=1000000 > %t.r0.whole.train
// RUN: kiln-ref %t.r0.cut.mlir --func=train_step --random-seed=5 --batch=2 --print=values --max-values=1000000 > %t.r0.cut.train
// RUN: diff %t.r0.whole.train %t.r0.cut.train
// CUT1-LABEL: func.func @infer(
// CUT1: kiln.conv1d {{.*}} -> tensor<?x22x236xf32>
// CUT1-LABEL: func.func @train_step(
// CUT1: kiln.conv1d {{.*}} -> tensor<?x22x236xf32>
// CUT1: kiln.conv1d {{.*}} -> tensor<?x10x128xf32>
// CUT1: kiln.conv1d {{.*}} -> tensor<?x4x64xf32>
// CUT0-LABEL: func.func @train_step(
// CUT0: kiln.conv2d {{.*}} -> tensor<?x24x24x32xf32>
// CUT0: kiln.conv2d {{.*}} -> tensor<?x10x10x64xf32>

// Tests report 002 Model 1's pattern: the first pooling reads 10 of its 11
// steps, so the first convolution computes 10 and reads 11 of the 12 input
// steps, which a slice cuts; the second convolution and pooling are read
// whole and keep their extents.
// CHECK-LABEL: func.func @forward(
// CHECK-SAME: %[[X:.*]]: tensor<?x12x4xf32>
// CHECK-NEXT: %[[XC:.*]] = kiln.slice %[[X]] {offsets = array<i64: 0, 0>, sizes = array<i64: 11, 4>} : tensor<?x12x4xf32> -> tensor<?x11x4xf32>
// CHECK-NEXT: %[[C1:.*]] = kiln.conv1d %[[XC]], %{{.*}} : (tensor<?x11x4xf32>, tensor<2x4x8xf32>) -> tensor<?x10x8xf32>
// CHECK-NEXT: %[[B1:.*]] = kiln.bias_add %[[C1]], %{{.*}} : tensor<?x10x8xf32>, tensor<8xf32>
// CHECK-NEXT: %[[R1:.*]] = kiln.relu %[[B1]] : tensor<?x10x8xf32>
// CHECK-NEXT: %[[P1:.*]] = kiln.max_pool1d %[[R1]] {stride = 2 : i64, window = 2 : i64} : tensor<?x10x8xf32> -> tensor<?x5x8xf32>
// CHECK-NEXT: %[[C2:.*]] = kiln.conv1d %[[P1]], %{{.*}} : (tensor<?x5x8xf32>, tensor<2x8x8xf32>) -> tensor<?x4x8xf32>
// CHECK-NEXT: %[[P2:.*]] = kiln.max_pool1d %[[C2]] {stride = 2 : i64, window = 2 : i64} : tensor<?x4x8xf32> -> tensor<?x2x8xf32>
// CHECK-NEXT: return %[[P2]]
func.func @forward(%x: tensor<?x12x4xf32>, %w1: tensor<2x4x8xf32>,
                   %b1: tensor<8xf32>, %w2: tensor<2x8x8xf32>)
    -> tensor<?x2x8xf32> {
  %0 = kiln.conv1d %x, %w1 : (tensor<?x12x4xf32>, tensor<2x4x8xf32>) -> tensor<?x11x8xf32>
  %1 = kiln.bias_add %0, %b1 : tensor<?x11x8xf32>, tensor<8xf32>
  %2 = kiln.relu %1 : tensor<?x11x8xf32>
  %3 = kiln.max_pool1d %2 {window = 2, stride = 2} : tensor<?x11x8xf32> -> tensor<?x5x8xf32>
  %4 = kiln.conv1d %3, %w2 : (tensor<?x5x8xf32>, tensor<2x8x8xf32>) -> tensor<?x4x8xf32>
  %5 = kiln.max_pool1d %4 {window = 2, stride = 2} : tensor<?x4x8xf32> -> tensor<?x2x8xf32>
  return %5 : tensor<?x2x8xf32>
}

// -----

// Tests both axes of a 2-D convolution with 'same'-style trailing padding:
// the 3x3 pooling reads 3 of its 4 rows and columns, so the stride-2
// convolution computes 3 from 7 of the 8 input rows and columns. Its padding
// after the cut is dropped, since the cut ends past every element it read.
// CHECK-LABEL: func.func @forward(
// CHECK-NEXT: %[[XC:.*]] = kiln.slice %{{.*}} {offsets = array<i64: 0, 0, 0>, sizes = array<i64: 7, 7, 1>} : tensor<?x8x8x1xf32> -> tensor<?x7x7x1xf32>
// CHECK-NEXT: %[[C:.*]] = kiln.conv2d %[[XC]], %{{.*}} {strides = array<i64: 2, 2>} : (tensor<?x7x7x1xf32>, tensor<3x3x1x2xf32>) -> tensor<?x3x3x2xf32>
// CHECK-NEXT: kiln.avg_pool2d %[[C]] {{.*}} : tensor<?x3x3x2xf32> -> tensor<?x1x1x2xf32>
func.func @forward(%x: tensor<?x8x8x1xf32>, %w: tensor<3x3x1x2xf32>)
    -> tensor<?x1x1x2xf32> {
  %0 = kiln.conv2d %x, %w {strides = array<i64: 2, 2>, padding = array<i64: 0, 1, 0, 1>}
      : (tensor<?x8x8x1xf32>, tensor<3x3x1x2xf32>) -> tensor<?x4x4x2xf32>
  %1 = kiln.avg_pool2d %0 {window = array<i64: 3, 3>, strides = array<i64: 3, 3>}
      : tensor<?x4x4x2xf32> -> tensor<?x1x1x2xf32>
  return %1 : tensor<?x1x1x2xf32>
}

// -----

// Tests that what another op produces is not cut: the dropout's masks are
// drawn per element index, so the convolution before it keeps all 11 steps
// although the pooling after it reads 10.
// CHECK-LABEL: func.func @forward(
// CHECK-NOT: kiln.slice
// CHECK: kiln.conv1d %{{.*}} -> tensor<?x11x8xf32>
// CHECK: kiln.max_pool1d %{{.*}} : tensor<?x11x8xf32> -> tensor<?x5x8xf32>
func.func @forward(%x: tensor<?x12x4xf32>, %w: tensor<2x4x8xf32>, %step: i64,
                   %seed: i64) -> tensor<?x5x8xf32> {
  %0 = kiln.conv1d %x, %w : (tensor<?x12x4xf32>, tensor<2x4x8xf32>) -> tensor<?x11x8xf32>
  %1, %mask = kiln.dropout %0, %step, %seed {rate = 0.5 : f32, stream = 1 : i64} : tensor<?x11x8xf32>
  %2 = kiln.max_pool1d %1 {window = 2, stride = 2} : tensor<?x11x8xf32> -> tensor<?x5x8xf32>
  return %2 : tensor<?x5x8xf32>
}

// -----

// Tests a value read by two users: it keeps the longer prefix either needs
// (here all of it, as it is returned), and the add cuts it to the extent of
// its other operand, which the pooling after the add lets shrink to 6 of 8.
// CHECK-LABEL: func.func @forward(
// CHECK-SAME: %[[X:[^:]*]]: tensor<?x9x4xf32>, %[[Y:[^:]*]]: tensor<?x9x4xf32>
// CHECK-NEXT: %[[YC:.*]] = kiln.slice %[[Y]] {{.*}} -> tensor<?x7x4xf32>
// CHECK-NEXT: %[[A:.*]] = kiln.conv1d %[[X]], {{.*}} -> tensor<?x8x4xf32>
// CHECK-NEXT: %[[B:.*]] = kiln.conv1d %[[YC]], {{.*}} -> tensor<?x6x4xf32>
// CHECK-NEXT: %[[AC:.*]] = kiln.slice %[[A]] {offsets = array<i64: 0, 0>, sizes = array<i64: 6, 4>}
// CHECK-NEXT: %[[S:.*]] = kiln.add %[[AC]], %[[B]] : tensor<?x6x4xf32>
// CHECK-NEXT: %[[P:.*]] = kiln.max_pool1d %[[S]] {{.*}} : tensor<?x6x4xf32> -> tensor<?x2x4xf32>
// CHECK-NEXT: return %[[A]], %[[P]] : tensor<?x8x4xf32>, tensor<?x2x4xf32>
func.func @forward(%x: tensor<?x9x4xf32>, %y: tensor<?x9x4xf32>,
                   %w: tensor<2x4x4xf32>)
    -> (tensor<?x8x4xf32>, tensor<?x2x4xf32>) {
  %a = kiln.conv1d %x, %w : (tensor<?x9x4xf32>, tensor<2x4x4xf32>) -> tensor<?x8x4xf32>
  %b = kiln.conv1d %y, %w : (tensor<?x9x4xf32>, tensor<2x4x4xf32>) -> tensor<?x8x4xf32>
  %s = kiln.add %a, %b : tensor<?x8x4xf32>
  %p = kiln.max_pool1d %s {window = 3, stride = 3} : tensor<?x8x4xf32> -> tensor<?x2x4xf32>
  return %a, %p : tensor<?x8x4xf32>, tensor<?x2x4xf32>
}

// -----

// Tests that the pass reads only @forward: other functions keep their tails.
// CHECK-LABEL: func.func @other(
// CHECK-NOT: kiln.slice
// CHECK: kiln.max_pool1d %{{.*}} : tensor<?x11x8xf32> -> tensor<?x5x8xf32>
func.func @other(%x: tensor<?x11x8xf32>) -> tensor<?x5x8xf32> {
  %0 = kiln.relu %x : tensor<?x11x8xf32>
  %1 = kiln.max_pool1d %0 {window = 2, stride = 2} : tensor<?x11x8xf32> -> tensor<?x5x8xf32>
  return %1 : tensor<?x5x8xf32>
}

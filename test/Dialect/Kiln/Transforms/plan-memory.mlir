// RUN: split-file %s %t
// RUN: kiln-opt %t/plan.mlir -split-input-file -verify-diagnostics -kiln-plan-memory="batch=2 report=true" | FileCheck %t/plan.mlir
// RUN: kiln-opt %t/check.mlir -split-input-file -verify-diagnostics -kiln-plan-memory=check-only=true | FileCheck %t/check.mlir
// RUN: kiln-opt %S/Inputs/report004_model4.mlir -kiln-build-train-step -kiln-prepare-inference -kiln-fuse -kiln-plan-memory="batch=128 report=true" -o /dev/null 2>&1 | FileCheck %s --check-prefix=MODEL4
// RUN: kiln-opt %S/Inputs/report000.mlir -kiln-build-train-step -kiln-prepare-inference -kiln-fuse -kiln-plan-memory=report=true 2>&1 | FileCheck %s --check-prefix=R000

// Tests that Model 4's train step at batch 128 fits in an arena much
// smaller than the sum of its buffers (the forward activations the backward
// pass reads dominate), and that the arena equals the most bytes live at
// once, the least any placement can reach; likewise for its @infer.
// MODEL4: remark: kiln-plan-memory: @train_step at batch 128: arena 135155264 bytes; sum of all buffers 220706752 bytes; most bytes live at once 135155264
// MODEL4: remark: kiln-plan-memory: @infer at batch 128: arena 16056320 bytes; sum of all buffers 26022912 bytes

// Tests that without batch=N the plan is for kiln.training's batch_size (64
// for report 000).
// R000: remark: kiln-plan-memory: @train_step at batch 64: arena 12848704 bytes; sum of all buffers 19531584 bytes
// R000: remark: kiln-plan-memory: @infer at batch 64:

//--- plan.mlir
// Tests that a buffer's space is reused once its last reader has run: "c"
// takes the offset of "a", which "b" read last; the returned result of "d"
// lives outside the arena (-1). Each buffer is 2 x 16 x 4 = 128 bytes.
// CHECK-LABEL: func.func @infer(
// CHECK-SAME: attributes {kiln.arena_bytes = 256 : i64, kiln.batch = 2 : i64}
// CHECK: kiln.kernel "a"(%arg0) {kiln.offsets = array<i64: 0>}
// CHECK: kiln.kernel "b"(%{{.*}}) {kiln.offsets = array<i64: 128>}
// CHECK: kiln.kernel "c"(%{{.*}}) {kiln.offsets = array<i64: 0>}
// CHECK: kiln.kernel "d"(%{{.*}}) {kiln.offsets = array<i64: -1>}
// expected-remark@+1 {{kiln-plan-memory: @infer at batch 2: arena 256 bytes; sum of all buffers 384 bytes; most bytes live at once 256}}
func.func @infer(%x: tensor<?x16xf32>) -> tensor<?x16xf32> {
  %a = kiln.kernel "a" (%x) : (tensor<?x16xf32>) -> tensor<?x16xf32> {
  ^bb0(%v: tensor<?x16xf32>):
    %r = kiln.relu %v : tensor<?x16xf32>
    kiln.yield %r : tensor<?x16xf32>
  }
  %b = kiln.kernel "b" (%a) : (tensor<?x16xf32>) -> tensor<?x16xf32> {
  ^bb0(%v: tensor<?x16xf32>):
    %r = kiln.relu %v : tensor<?x16xf32>
    kiln.yield %r : tensor<?x16xf32>
  }
  %c = kiln.kernel "c" (%b) : (tensor<?x16xf32>) -> tensor<?x16xf32> {
  ^bb0(%v: tensor<?x16xf32>):
    %r = kiln.relu %v : tensor<?x16xf32>
    kiln.yield %r : tensor<?x16xf32>
  }
  %d = kiln.kernel "d" (%c) : (tensor<?x16xf32>) -> tensor<?x16xf32> {
  ^bb0(%v: tensor<?x16xf32>):
    %r = kiln.relu %v : tensor<?x16xf32>
    kiln.yield %r : tensor<?x16xf32>
  }
  return %d : tensor<?x16xf32>
}

// -----

// Tests that a flatten aliases its operand: "a" stays live until "e" reads
// its flattened view, so neither "b" nor "c" may take its offset.
// CHECK-LABEL: func.func @infer(
// CHECK-SAME: attributes {kiln.arena_bytes = 384 : i64, kiln.batch = 2 : i64}
// CHECK: kiln.kernel "a"(%arg0) {kiln.offsets = array<i64: 0>}
// CHECK: kiln.flatten
// CHECK: kiln.kernel "b"(%arg1) {kiln.offsets = array<i64: 128>}
// CHECK: kiln.kernel "c"(%{{.*}}) {kiln.offsets = array<i64: 256>}
// CHECK: kiln.kernel "e"(%{{.*}}, %{{.*}}) {kiln.offsets = array<i64: -1>}
// expected-remark@+1 {{kiln-plan-memory: @infer at batch 2: arena 384 bytes; sum of all buffers 384 bytes; most bytes live at once 384}}
func.func @infer(%x: tensor<?x4x4xf32>, %y: tensor<?x16xf32>) -> tensor<?x16xf32> {
  %a = kiln.kernel "a" (%x) : (tensor<?x4x4xf32>) -> tensor<?x4x4xf32> {
  ^bb0(%v: tensor<?x4x4xf32>):
    %r = kiln.relu %v : tensor<?x4x4xf32>
    kiln.yield %r : tensor<?x4x4xf32>
  }
  %f = kiln.flatten %a : tensor<?x4x4xf32> -> tensor<?x16xf32>
  %b = kiln.kernel "b" (%y) : (tensor<?x16xf32>) -> tensor<?x16xf32> {
  ^bb0(%v: tensor<?x16xf32>):
    %r = kiln.relu %v : tensor<?x16xf32>
    kiln.yield %r : tensor<?x16xf32>
  }
  %c = kiln.kernel "c" (%b) : (tensor<?x16xf32>) -> tensor<?x16xf32> {
  ^bb0(%v: tensor<?x16xf32>):
    %r = kiln.relu %v : tensor<?x16xf32>
    kiln.yield %r : tensor<?x16xf32>
  }
  %e = kiln.kernel "e" (%f, %c) : (tensor<?x16xf32>, tensor<?x16xf32>) -> tensor<?x16xf32> {
  ^bb0(%v: tensor<?x16xf32>, %w: tensor<?x16xf32>):
    %r = kiln.add %v, %w : tensor<?x16xf32>
    kiln.yield %r : tensor<?x16xf32>
  }
  return %e : tensor<?x16xf32>
}

// -----

// Tests that an op outside a kernel (other than a view) is reported.
func.func @infer(%x: tensor<?x16xf32>) -> tensor<?x16xf32> {
  // expected-error@+1 {{kiln-plan-memory needs @infer fused into kernels (run kiln-fuse first); found this op outside a kernel}}
  %r = kiln.relu %x : tensor<?x16xf32>
  return %r : tensor<?x16xf32>
}

//--- check.mlir
// The overlap check alone (check-only: the annotations are given).

// Tests that the check accepts a plan that reuses memory only across live
// ranges that do not meet.
// CHECK-LABEL: func.func @train_step(
// CHECK: kiln.kernel "c"(%{{.*}}) {kiln.offsets = array<i64: 0>}
func.func @train_step(%x: tensor<?x16xf32>) -> tensor<?x16xf32>
    attributes {kiln.arena_bytes = 256 : i64, kiln.batch = 2 : i64} {
  %a = kiln.kernel "a" (%x) {kiln.offsets = array<i64: 0>} : (tensor<?x16xf32>) -> tensor<?x16xf32> {
  ^bb0(%v: tensor<?x16xf32>):
    kiln.yield %v : tensor<?x16xf32>
  }
  %b = kiln.kernel "b" (%a) {kiln.offsets = array<i64: 128>} : (tensor<?x16xf32>) -> tensor<?x16xf32> {
  ^bb0(%v: tensor<?x16xf32>):
    kiln.yield %v : tensor<?x16xf32>
  }
  %c = kiln.kernel "c" (%b) {kiln.offsets = array<i64: 0>} : (tensor<?x16xf32>) -> tensor<?x16xf32> {
  ^bb0(%v: tensor<?x16xf32>):
    kiln.yield %v : tensor<?x16xf32>
  }
  %d = kiln.kernel "d" (%c) {kiln.offsets = array<i64: -1>} : (tensor<?x16xf32>) -> tensor<?x16xf32> {
  ^bb0(%v: tensor<?x16xf32>):
    kiln.yield %v : tensor<?x16xf32>
  }
  return %d : tensor<?x16xf32>
}

// -----

// Tests that two buffers live at the same time may not overlap: "b" is
// placed across the end of "a" while "a" is still to be read by "c".
func.func @train_step(%x: tensor<?x16xf32>) -> tensor<?x16xf32>
    attributes {kiln.arena_bytes = 256 : i64, kiln.batch = 2 : i64} {
  // expected-note@+1 {{the other kernel}}
  %a = kiln.kernel "a" (%x) {kiln.offsets = array<i64: 0>} : (tensor<?x16xf32>) -> tensor<?x16xf32> {
  ^bb0(%v: tensor<?x16xf32>):
    kiln.yield %v : tensor<?x16xf32>
  }
  // expected-error@+1 {{memory plan: result #0 (bytes [64, 192)) overlaps result #0 of kernel 'a' (bytes [0, 128)) while both are live}}
  %b = kiln.kernel "b" (%x) {kiln.offsets = array<i64: 64>} : (tensor<?x16xf32>) -> tensor<?x16xf32> {
  ^bb0(%v: tensor<?x16xf32>):
    kiln.yield %v : tensor<?x16xf32>
  }
  %c = kiln.kernel "c" (%a, %b) {kiln.offsets = array<i64: -1>} : (tensor<?x16xf32>, tensor<?x16xf32>) -> tensor<?x16xf32> {
  ^bb0(%v: tensor<?x16xf32>, %w: tensor<?x16xf32>):
    %s = kiln.add %v, %w : tensor<?x16xf32>
    kiln.yield %s : tensor<?x16xf32>
  }
  return %c : tensor<?x16xf32>
}

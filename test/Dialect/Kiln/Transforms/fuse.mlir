// RUN: kiln-opt %s -split-input-file -verify-diagnostics -allow-unregistered-dialect -kiln-fuse=report=true | FileCheck %s
// RUN: kiln-opt %S/Inputs/report000.mlir -kiln-build-train-step -kiln-prepare-inference -kiln-fuse | FileCheck %s --check-prefix=R000
// RUN: kiln-opt %S/Inputs/report004_model4.mlir -kiln-prepare-inference -kiln-fuse | FileCheck %s --check-prefix=MODEL4

// Tests that conv2d + bias_add + relu + max_pool2d become one kernel whose
// inputs are the image, filter and bias and whose only result is the pooled
// value; the next conv2d, a second heavy reduction, gets its own kernel.
// CHECK-LABEL: func.func @infer(
// CHECK: %[[K0:.*]] = kiln.kernel "k0_conv2d"(%arg0, %arg1, %arg2) : (tensor<?x28x28x1xf32>, tensor<3x3x1x32xf32>, tensor<32xf32>) -> tensor<?x13x13x32xf32> {
// CHECK-NEXT: ^bb0(%[[X:.*]]: tensor<?x28x28x1xf32>, %[[W:.*]]: tensor<3x3x1x32xf32>, %[[B:.*]]: tensor<32xf32>):
// CHECK-NEXT: %[[C:.*]] = kiln.conv2d %[[X]], %[[W]]
// CHECK-NEXT: %[[Z:.*]] = kiln.bias_add %[[C]], %[[B]]
// CHECK-NEXT: %[[A:.*]] = kiln.relu %[[Z]]
// CHECK-NEXT: %[[P:.*]] = kiln.max_pool2d %[[A]]
// CHECK-NEXT: kiln.yield %[[P]] : tensor<?x13x13x32xf32>
// CHECK-NEXT: }
// CHECK-NEXT: %[[K1:.*]] = kiln.kernel "k1_conv2d"(%[[K0]], %arg3)
// CHECK: return %[[K1]]
func.func @infer(%x: tensor<?x28x28x1xf32>, %w: tensor<3x3x1x32xf32>, %b: tensor<32xf32>,
                 %w1: tensor<3x3x32x8xf32>) -> tensor<?x11x11x8xf32> {
  %c = kiln.conv2d %x, %w : (tensor<?x28x28x1xf32>, tensor<3x3x1x32xf32>) -> tensor<?x26x26x32xf32>
  %z = kiln.bias_add %c, %b : tensor<?x26x26x32xf32>, tensor<32xf32>
  %a = kiln.relu %z : tensor<?x26x26x32xf32>
  %p = kiln.max_pool2d %a {window = array<i64: 2, 2>, strides = array<i64: 2, 2>} : tensor<?x26x26x32xf32> -> tensor<?x13x13x32xf32>
  // expected-remark@+1 {{kiln-fuse: 'kiln.conv2d' not fused into kernel 'k0_conv2d': a kernel holds at most one heavy reduction}}
  %c1 = kiln.conv2d %p, %w1 : (tensor<?x13x13x32xf32>, tensor<3x3x32x8xf32>) -> tensor<?x11x11x8xf32>
  return %c1 : tensor<?x11x11x8xf32>
}

// -----

// Tests that a slice read by two kernels is copied into each of them (a
// trimmed image feeds the first convolution and its filter gradient), so
// neither kernel writes the box out for the other.
// CHECK-LABEL: func.func @train_step(
// CHECK: kiln.kernel "k0_conv1d"(%arg0, %arg1) : (tensor<?x12x4xf32>, tensor<2x4x8xf32>) -> tensor<?x10x8xf32> {
// CHECK-NEXT: ^bb0(%[[X0:.*]]: tensor<?x12x4xf32>, %{{.*}}: tensor<2x4x8xf32>):
// CHECK-NEXT: kiln.slice %[[X0]] {{.*}} -> tensor<?x11x4xf32>
// CHECK: kiln.kernel "k1_conv1d_grad_filter"(%arg0, %arg2) : (tensor<?x12x4xf32>, tensor<?x10x8xf32>) -> tensor<2x4x8xf32> {
// CHECK-NEXT: ^bb0(%[[X1:.*]]: tensor<?x12x4xf32>, %{{.*}}: tensor<?x10x8xf32>):
// CHECK-NEXT: kiln.slice %[[X1]] {{.*}} -> tensor<?x11x4xf32>
func.func @train_step(%x: tensor<?x12x4xf32>, %w: tensor<2x4x8xf32>, %g: tensor<?x10x8xf32>)
    -> (tensor<?x10x8xf32>, tensor<2x4x8xf32>) {
  %s = kiln.slice %x {offsets = array<i64: 0, 0>, sizes = array<i64: 11, 4>} : tensor<?x12x4xf32> -> tensor<?x11x4xf32>
  %c = kiln.conv1d %s, %w : (tensor<?x11x4xf32>, tensor<2x4x8xf32>) -> tensor<?x10x8xf32>
  %d = kiln.conv1d_grad_filter %s, %g {kernel_w = 2} : (tensor<?x11x4xf32>, tensor<?x10x8xf32>) -> tensor<2x4x8xf32>
  return %c, %d : tensor<?x10x8xf32>, tensor<2x4x8xf32>
}

// -----

// Tests that an elementwise chain without a seed becomes one kernel.
// CHECK-LABEL: func.func @infer(
// CHECK: %[[K:.*]] = kiln.kernel "k0_add"(%arg0, %arg1) : (tensor<4x10xf32>, tensor<4x10xf32>) -> tensor<4x10xf32> {
// CHECK: kiln.add
// CHECK-NEXT: kiln.relu
// CHECK-NEXT: %[[S:.*]] = kiln.sigmoid
// CHECK-NEXT: kiln.yield %[[S]]
// CHECK: return %[[K]]
func.func @infer(%x: tensor<4x10xf32>, %y: tensor<4x10xf32>) -> tensor<4x10xf32> {
  %s = kiln.add %x, %y : tensor<4x10xf32>
  %r = kiln.relu %s : tensor<4x10xf32>
  %g = kiln.sigmoid %r : tensor<4x10xf32>
  return %g : tensor<4x10xf32>
}

// -----

// Tests that flatten stays outside the kernels and that the ReLU feeding it
// is exported from the conv's kernel.
// CHECK-LABEL: func.func @infer(
// CHECK: %[[K0:.*]] = kiln.kernel "k0_conv2d"
// CHECK: %[[F:.*]] = kiln.flatten %[[K0]]
// CHECK-NEXT: kiln.kernel "k1_dense"(%[[F]], %arg2)
func.func @infer(%x: tensor<?x5x5x2xf32>, %w: tensor<3x3x2x4xf32>, %d: tensor<36x10xf32>) -> tensor<?x10xf32> {
  %c = kiln.conv2d %x, %w : (tensor<?x5x5x2xf32>, tensor<3x3x2x4xf32>) -> tensor<?x3x3x4xf32>
  %a = kiln.relu %c : tensor<?x3x3x4xf32>
  // expected-remark@+1 {{kiln-fuse: 'kiln.flatten' not fused into kernel 'k0_conv2d': flatten and reshape are views of their operand and stay outside kernels}}
  %f = kiln.flatten %a : tensor<?x3x3x4xf32> -> tensor<?x36xf32>
  %y = kiln.dense %f, %d : (tensor<?x36xf32>, tensor<36x10xf32>) -> tensor<?x10xf32>
  return %y : tensor<?x10xf32>
}

// -----

// Tests that an elementwise op is not fused into a kernel when one of its
// other operands depends on that kernel through another kernel (a cycle),
// and joins the other kernel instead; the pre-activation value both read is
// a result of the first kernel.
// CHECK-LABEL: func.func @train_step(
// CHECK: %[[K0:.*]] = kiln.kernel "k0_conv2d"
// CHECK-NOT: kiln.add
// CHECK: kiln.yield
// CHECK: %[[K1:.*]]:3 = kiln.kernel "k1_batch_norm_train"(%[[K0]], %arg2, %arg3)
// CHECK: %[[Y:.*]], %{{.*}}, %{{.*}} = kiln.batch_norm_train
// CHECK-NEXT: %[[S:.*]] = kiln.add %{{.*}}, %[[Y]]
// CHECK: kiln.yield %{{.*}}, %{{.*}}, %[[S]]
func.func @train_step(%x: tensor<?x5x5x2xf32>, %w: tensor<3x3x2x4xf32>, %g: tensor<4xf32>, %e: tensor<4xf32>)
    -> (tensor<?x3x3x4xf32>, tensor<4xf32>, tensor<4xf32>) {
  %c = kiln.conv2d %x, %w : (tensor<?x5x5x2xf32>, tensor<3x3x2x4xf32>) -> tensor<?x3x3x4xf32>
  // expected-remark@+1 {{kiln-fuse: 'kiln.batch_norm_train' not fused into kernel 'k0_conv2d': a reduction seeds its own kernel}}
  %y, %m, %v = kiln.batch_norm_train %c, %g, %e {epsilon = 1.0e-3 : f32} : tensor<?x3x3x4xf32>, tensor<4xf32>
  // expected-remark@+1 {{kiln-fuse: 'kiln.add' not fused into kernel 'k0_conv2d': the kernels would depend on each other in a cycle}}
  %s = kiln.add %c, %y : tensor<?x3x3x4xf32>
  return %s, %m, %v : tensor<?x3x3x4xf32>, tensor<4xf32>, tensor<4xf32>
}

// -----

// Tests that each optimizer update is a kernel of its own, reading the
// learning rate and step as kernel inputs (each value once), that only the
// results used outside a kernel are yielded, and that the gradient sum and
// the penalty gradient join the kernel of the gradient op they follow.
// CHECK-LABEL: func.func @train_step(
// CHECK: %[[G:.*]] = kiln.kernel "k0_dense_grad_weights"(%arg0, %arg1, %arg2)
// CHECK: kiln.dense_grad_weights
// CHECK-NEXT: kiln.l2_penalty_grad
// CHECK-NEXT: kiln.add
// CHECK: %[[U0:.*]] = kiln.kernel "k1_adam_update"(%arg2, %[[G]], %arg4, %arg5, %arg6, %arg7) : (tensor<4x3xf32>, tensor<4x3xf32>, tensor<4x3xf32>, tensor<4x3xf32>, f32, i64) -> tensor<4x3xf32>
// CHECK: %[[U1:.*]] = kiln.kernel "k2_adam_update"(%arg3, %arg4, %arg5, %arg6, %arg7)
// CHECK: return %[[U0]], %[[U1]]
func.func @train_step(%x: tensor<?x4xf32>, %gy: tensor<?x3xf32>, %w: tensor<4x3xf32>, %v: tensor<4x3xf32>,
                      %m: tensor<4x3xf32>, %s: tensor<4x3xf32>, %lr: f32, %step: i64)
    -> (tensor<4x3xf32>, tensor<4x3xf32>) {
  %gw = kiln.dense_grad_weights %x, %gy : (tensor<?x4xf32>, tensor<?x3xf32>) -> tensor<4x3xf32>
  %pg = kiln.l2_penalty_grad %w {scale = 1.0e-3 : f32} : tensor<4x3xf32>
  %g = kiln.add %gw, %pg : tensor<4x3xf32>
  // expected-remark@+1 {{kiln-fuse: 'kiln.adam_update' not fused into kernel 'k0_dense_grad_weights': each optimizer update is a kernel of its own}}
  %w2, %m2, %s2 = kiln.adam_update %w, %g, %m, %s, %lr, %step {beta1 = 0.9 : f32, beta2 = 0.999 : f32, epsilon = 1.0e-7 : f32} : tensor<4x3xf32>
  %v2, %m3, %s3 = kiln.adam_update %v, %v, %m, %s, %lr, %step {beta1 = 0.9 : f32, beta2 = 0.999 : f32, epsilon = 1.0e-7 : f32} : tensor<4x3xf32>
  return %w2, %v2 : tensor<4x3xf32>, tensor<4x3xf32>
}

// -----

// Tests that an op of another dialect is reported: a kernel can only hold
// kiln ops.
func.func @infer(%x: tensor<4x10xf32>) -> tensor<4x10xf32> {
  // expected-error@+1 {{kiln-fuse cannot put 'test.op' into a kernel}}
  %y = "test.op"(%x) : (tensor<4x10xf32>) -> tensor<4x10xf32>
  return %y : tensor<4x10xf32>
}

// -----

// Tests that a function that is already fused is reported.
func.func @infer(%x: tensor<4x10xf32>) -> tensor<4x10xf32> {
  // expected-error@+1 {{@infer is already fused (run kiln-fuse once)}}
  %k = kiln.kernel (%x) : (tensor<4x10xf32>) -> tensor<4x10xf32> {
  ^bb0(%a: tensor<4x10xf32>):
    kiln.yield %a : tensor<4x10xf32>
  }
  return %k : tensor<4x10xf32>
}

// -----

// Tests that a module with neither @train_step nor @infer is reported.
// expected-error@+1 {{kiln-fuse: the module has neither @train_step nor @infer (run kiln-build-train-step or kiln-prepare-inference first)}}
module {
  func.func @forward() {
    return
  }
}

//===----------------------------------------------------------------------===//
// Whole networks
//===----------------------------------------------------------------------===//

// Tests that report 000's @infer becomes seven kernels (three conv blocks
// with their pooling, three dense layers, the softmax) around one flatten,
// and that its train step keeps every kiln op in a kernel: the ReLU
// gradient is the epilogue of the dense_grad_input kernel before it, and
// each of the 12 parameters has its own Adam kernel.
// R000-LABEL: func.func @infer(
// R000: %[[K0:.*]] = kiln.kernel "k0_conv2d"(%arg0, %arg1, %arg2)
// R000: kiln.max_pool2d
// R000: %[[K1:.*]] = kiln.kernel "k1_conv2d"(%[[K0]], %arg3, %arg4)
// R000: kiln.max_pool2d
// R000: %[[K2:.*]] = kiln.kernel "k2_conv2d"(%[[K1]], %arg5, %arg6)
// R000: %[[F:.*]] = kiln.flatten %[[K2]]
// R000-NEXT: %[[K3:.*]] = kiln.kernel "k3_dense"(%[[F]], %arg7, %arg8)
// R000: %[[K4:.*]] = kiln.kernel "k4_dense"(%[[K3]], %arg9, %arg10)
// R000: %[[K5:.*]] = kiln.kernel "k5_dense"(%[[K4]], %arg11, %arg12)
// R000: %[[K6:.*]] = kiln.kernel "k6_softmax"(%[[K5]])
// R000: return %[[K6]]
// R000-LABEL: func.func @train_step(
// R000: %[[D4:.*]] = kiln.kernel "k4_dense"
// R000: kiln.kernel "k11_dense_grad_input"(%{{.*}}, %arg14, %[[D4]])
// R000-NEXT: ^bb0(
// R000-NEXT: %[[GI:.*]] = kiln.dense_grad_input
// R000-NEXT: %[[GR:.*]] = kiln.relu_grad %[[GI]]
// R000-NEXT: kiln.yield %[[GR]]
// R000-COUNT-12: kiln.kernel "k{{[0-9]+}}_adam_update"
// R000-NOT: kiln.kernel
// R000: return

// Tests that in Model 4's @infer each conv's BatchNorm (after its ReLU) and
// the following pooling run in the conv's kernel.
// MODEL4-LABEL: func.func @infer(
// MODEL4: kiln.kernel "k1_conv2d"
// MODEL4: kiln.conv2d
// MODEL4-NEXT: kiln.bias_add
// MODEL4-NEXT: kiln.relu
// MODEL4-NEXT: kiln.batch_norm_infer
// MODEL4-NEXT: %[[P:.*]] = kiln.max_pool2d
// MODEL4-NEXT: kiln.yield %[[P]]

// RUN: kiln-opt %S/Inputs/report000.mlir -kiln-build-train-step | FileCheck %s --check-prefix=R000
// RUN: kiln-opt %S/Inputs/report004_model4.mlir -kiln-build-train-step | FileCheck %s --check-prefix=MODEL4
// RUN: kiln-opt %s -split-input-file -verify-diagnostics -kiln-build-train-step | FileCheck %s

//===----------------------------------------------------------------------===//
// Report 000 (Inputs/report000.mlir): 6 kernels + 6 biases, Adam
//===----------------------------------------------------------------------===//

// Tests that report 000's train step has the contract's signature (input,
// labels, step, lr, the 12 parameters, then m and v of each), computes the
// loss and the correct count from the logits, takes the ReLU gradient's mask
// from the ReLU's output (so the pre-activation need not be kept), gives the
// first convolution no gradient for the image, and updates all 12
// parameters and both Adam moments of each, returned in argument order.
// @forward is kept.
// R000-LABEL: func.func @forward(
// R000-LABEL: func.func @train_step(
// R000-SAME: %arg0: tensor<?x28x28x1xf32> {kiln.role = "input"}
// R000-SAME: %arg1: tensor<?x10xf32> {kiln.role = "labels"}
// R000-SAME: %arg2: i64 {kiln.role = "step"}
// R000-SAME: %arg3: f32 {kiln.role = "lr"}
// R000-SAME: %arg4: tensor<3x3x1x32xf32> {kiln.init = "glorot_uniform", kiln.name = "conv2d/kernel", kiln.role = "param"}
// R000-SAME: %arg15: tensor<10xf32> {kiln.init = "zeros", kiln.name = "dense_2/bias", kiln.role = "param"}
// R000-SAME: %arg16: tensor<3x3x1x32xf32> {kiln.init = "zeros", kiln.name = "conv2d/kernel/m", kiln.role = "slot"}
// R000-SAME: %arg17: tensor<3x3x1x32xf32> {kiln.init = "zeros", kiln.name = "conv2d/kernel/v", kiln.role = "slot"}
// R000-SAME: %arg39: tensor<10xf32> {kiln.init = "zeros", kiln.name = "dense_2/bias/v", kiln.role = "slot"})
// R000-SAME: -> (tensor<f32> {kiln.role = "loss"}, tensor<f32> {kiln.role = "correct"}, tensor<3x3x1x32xf32> {kiln.name = "conv2d/kernel", kiln.role = "param"}
// R000: %{{.*}} = kiln.dense %[[A4:.*]], %arg14
// R000: %[[LOGITS:.*]] = kiln.bias_add %{{.*}}, %arg15
// R000: %[[LOSS:.*]] = kiln.softmax_cross_entropy %[[LOGITS]], %arg1
// R000: %[[CORRECT:.*]] = kiln.correct_count %[[LOGITS]], %arg1
// R000: %[[GLOGITS:.*]] = kiln.softmax_cross_entropy_grad %[[LOGITS]], %arg1
// R000: %[[GB5:.*]] = kiln.bias_grad %[[GLOGITS]]
// R000: %[[GA4:.*]] = kiln.dense_grad_input %[[GLOGITS]], %arg14
// R000-NEXT: kiln.relu_grad %[[GA4]], %[[A4]]
// R000: %[[GW0:.*]] = kiln.conv2d_grad_filter %arg0, %{{.*}} {kernel_hw = array<i64: 3, 3>}
// R000-NOT: kiln.conv2d_grad_input %{{.*}}, %arg4
// R000: %[[P0:[^,]*]], %[[M0:[^,]*]], %[[V0:[^,]*]] = kiln.adam_update %arg4, %[[GW0]], %arg16, %arg17, %arg3, %arg2
// R000: %[[P1:[^,]*]], %[[M1:[^,]*]], %[[V1:[^,]*]] = kiln.adam_update %arg5, %{{.*}}, %arg18, %arg19, %arg3, %arg2
// R000: %[[P2:[^,]*]], %[[M2:[^,]*]], %[[V2:[^,]*]] = kiln.adam_update %arg6, %{{.*}}, %arg20, %arg21, %arg3, %arg2
// R000: %[[P3:[^,]*]], %[[M3:[^,]*]], %[[V3:[^,]*]] = kiln.adam_update %arg7, %{{.*}}, %arg22, %arg23, %arg3, %arg2
// R000: %[[P4:[^,]*]], %[[M4:[^,]*]], %[[V4:[^,]*]] = kiln.adam_update %arg8, %{{.*}}, %arg24, %arg25, %arg3, %arg2
// R000: %[[P5:[^,]*]], %[[M5:[^,]*]], %[[V5:[^,]*]] = kiln.adam_update %arg9, %{{.*}}, %arg26, %arg27, %arg3, %arg2
// R000: %[[P6:[^,]*]], %[[M6:[^,]*]], %[[V6:[^,]*]] = kiln.adam_update %arg10, %{{.*}}, %arg28, %arg29, %arg3, %arg2
// R000: %[[P7:[^,]*]], %[[M7:[^,]*]], %[[V7:[^,]*]] = kiln.adam_update %arg11, %{{.*}}, %arg30, %arg31, %arg3, %arg2
// R000: %[[P8:[^,]*]], %[[M8:[^,]*]], %[[V8:[^,]*]] = kiln.adam_update %arg12, %{{.*}}, %arg32, %arg33, %arg3, %arg2
// R000: %[[P9:[^,]*]], %[[M9:[^,]*]], %[[V9:[^,]*]] = kiln.adam_update %arg13, %{{.*}}, %arg34, %arg35, %arg3, %arg2
// R000: %[[P10:[^,]*]], %[[M10:[^,]*]], %[[V10:[^,]*]] = kiln.adam_update %arg14, %{{.*}}, %arg36, %arg37, %arg3, %arg2
// R000: %[[P11:[^,]*]], %[[M11:[^,]*]], %[[V11:[^,]*]] = kiln.adam_update %arg15, %[[GB5]], %arg38, %arg39, %arg3, %arg2
// R000: return %[[LOSS]], %[[CORRECT]], %[[P0]], %[[P1]], %[[P2]], %[[P3]], %[[P4]], %[[P5]], %[[P6]], %[[P7]], %[[P8]], %[[P9]], %[[P10]], %[[P11]], %[[M0]], %[[V0]], %[[M1]], %[[V1]], %[[M2]], %[[V2]], %[[M3]], %[[V3]], %[[M4]], %[[V4]], %[[M5]], %[[V5]], %[[M6]], %[[V6]], %[[M7]], %[[V7]], %[[M8]], %[[V8]], %[[M9]], %[[V9]], %[[M10]], %[[V10]], %[[M11]], %[[V11]] :

//===----------------------------------------------------------------------===//
// Report 004 Model 4 (Inputs/report004_model4.mlir): BatchNorm, dropout, L2
//===----------------------------------------------------------------------===//

// Tests that Model 4's train step returns the BatchNorm moving averages of
// @forward as the new state (after the 26 parameters, before the slots),
// differentiates BatchNorm with batch_norm_train_grad on the batch
// statistics, dropout (on the step and seed arguments, which come before the
// learning rate) by the product with its mask, and adds the L2 penalty
// of each conv kernel to the loss and its gradient to the kernel's.
// MODEL4-LABEL: func.func @train_step(
// MODEL4-SAME: %arg2: i64 {kiln.role = "step"}, %arg3: i64 {kiln.role = "seed"}, %arg4: f32 {kiln.role = "lr"}
// MODEL4-SAME: %arg31: tensor<32xf32> {kiln.init = "zeros", kiln.name = "batch_normalization/moving_mean", kiln.role = "state"}
// MODEL4-SAME: %arg43: tensor<3x3x1x32xf32> {kiln.init = "zeros", kiln.name = "conv2d/kernel/m", kiln.role = "slot"}
// MODEL4: %[[BN0:.*]], %[[MEAN0:.*]], %[[VAR0:.*]] = kiln.batch_norm_train %[[A0:[^,]*]], %arg7, %arg8
// MODEL4: %[[NM0:.*]] = kiln.moving_average %arg31, %[[MEAN0]] {momentum = 9.900000e-01 : f32}
// MODEL4: %[[NV0:.*]] = kiln.moving_average %arg32, %[[VAR0]] {momentum = 9.900000e-01 : f32}
// MODEL4: kiln.moving_average %arg42, %{{.*}} : tensor<128xf32>
// MODEL4: %{{.*}}, %[[MASK5:.*]] = kiln.dropout %{{.*}}, %arg2, %arg3 {rate = 5.000000e-01 : f32, stream = 8589934611 : i64}
// MODEL4: %[[LOSS0:.*]] = kiln.softmax_cross_entropy
// MODEL4: %[[GD5:.*]] = kiln.dense_grad_input %{{.*}}, %arg29
// MODEL4-NEXT: kiln.mul %[[GD5]], %[[MASK5]]
// MODEL4: %{{.*}}, %[[GGAMMA0:.*]], %[[GBETA0:.*]] = kiln.batch_norm_train_grad %{{.*}}, %[[A0]], %arg7, %[[MEAN0]], %[[VAR0]] {epsilon = 1.000000e-03 : f32}
// MODEL4: %[[GW0:.*]] = kiln.conv2d_grad_filter %arg0
// MODEL4: %[[PEN0:.*]] = kiln.l2_penalty %arg5 {scale = 1.000000e-03 : f32}
// MODEL4: %[[LOSS1:.*]] = kiln.add %[[LOSS0]], %[[PEN0]]
// MODEL4: %[[PG0:.*]] = kiln.l2_penalty_grad %arg5 {scale = 1.000000e-03 : f32}
// MODEL4: %[[G0:.*]] = kiln.add %[[GW0]], %[[PG0]]
// MODEL4: %[[PEN3:.*]] = kiln.l2_penalty %arg17
// MODEL4: %[[LOSS4:.*]] = kiln.add %{{.*}}, %[[PEN3]] : tensor<f32>
// MODEL4: %[[NP0:[^,]*]], %[[SM0:[^,]*]], %[[SV0:[^,]*]] = kiln.adam_update %arg5, %[[G0]], %arg43, %arg44, %arg4, %arg2
// MODEL4: kiln.adam_update %arg7, %[[GGAMMA0]], %arg47, %arg48
// MODEL4: kiln.adam_update %arg8, %[[GBETA0]], %arg49, %arg50
// MODEL4: return %[[LOSS4]], %{{[^,]*}}, %[[NP0]], {{.*}}, %[[NM0]], %[[NV0]], {{.*}}, %[[SM0]], %[[SV0]],

//===----------------------------------------------------------------------===//
// Optimizers and derivative rules
//===----------------------------------------------------------------------===//

// Tests that SGD gets one "momentum" slot per parameter and Keras' nesterov
// flag, with the train step's learning rate.
// CHECK-LABEL: func.func @train_step(
// CHECK-SAME: %arg4: tensor<4x3xf32> {kiln.name = "dense/kernel", kiln.role = "param"}, %arg5: tensor<4x3xf32> {kiln.init = "zeros", kiln.name = "dense/kernel/momentum", kiln.role = "slot"})
// CHECK: %[[G:.*]] = kiln.dense_grad_weights %arg0
// CHECK: %[[P:.*]], %[[V:.*]] = kiln.sgd_update %arg4, %[[G]], %arg5, %arg3 {momentum = 0.899999976 : f32, nesterov = true}
// CHECK: return %{{.*}}, %{{.*}}, %[[P]], %[[V]]
module attributes {kiln.training = {loss = "categorical_crossentropy", optimizer = "sgd", momentum = 0.9 : f32, nesterov = true}} {
  func.func @forward(%x: tensor<?x4xf32> {kiln.role = "input"}, %step: i64 {kiln.role = "step"},
                     %w: tensor<4x3xf32> {kiln.role = "param", kiln.name = "dense/kernel"})
      -> (tensor<?x3xf32> {kiln.role = "logits"}) {
    %y = kiln.dense %x, %w : (tensor<?x4xf32>, tensor<4x3xf32>) -> tensor<?x3xf32>
    return %y : tensor<?x3xf32>
  }
}

// -----

// Tests that RMSprop gets one "rms" slot per parameter, that a value used
// twice sums its gradients with kiln.add, and that add passes its gradient
// to both operands.
// CHECK-LABEL: func.func @train_step(
// CHECK-SAME: kiln.name = "w0/rms", kiln.role = "slot"
// CHECK: %[[H:.*]] = kiln.dense %arg0, %arg4
// CHECK: %[[G:.*]] = kiln.softmax_cross_entropy_grad
// CHECK-DAG: %[[G2:.*]] = kiln.dense_grad_weights %[[H]], %[[G]]
// CHECK-DAG: %[[GH2:.*]] = kiln.dense_grad_input %[[G]], %arg6
// CHECK-DAG: %[[G1:.*]] = kiln.dense_grad_weights %[[H]], %[[G]]
// CHECK-DAG: %[[GH1:.*]] = kiln.dense_grad_input %[[G]], %arg5
// CHECK: %[[GH:.*]] = kiln.add %[[GH2]], %[[GH1]]
// CHECK: %[[G0:.*]] = kiln.dense_grad_weights %arg0, %[[GH]]
// CHECK: kiln.rmsprop_update %arg4, %[[G0]], %arg7, %arg3 {epsilon = 1.000000e-07 : f32, rho = 0.899999976 : f32}
module attributes {kiln.training = {loss = "categorical_crossentropy", optimizer = "rmsprop", rho = 0.9 : f32, epsilon = 1.0e-7 : f32}} {
  func.func @forward(%x: tensor<?x4xf32> {kiln.role = "input"}, %step: i64 {kiln.role = "step"},
                     %w0: tensor<4x5xf32> {kiln.role = "param", kiln.name = "w0"},
                     %w1: tensor<5x3xf32> {kiln.role = "param", kiln.name = "w1"},
                     %w2: tensor<5x3xf32> {kiln.role = "param", kiln.name = "w2"})
      -> (tensor<?x3xf32> {kiln.role = "logits"}) {
    %h = kiln.dense %x, %w0 : (tensor<?x4xf32>, tensor<4x5xf32>) -> tensor<?x5xf32>
    %a = kiln.dense %h, %w1 : (tensor<?x5xf32>, tensor<5x3xf32>) -> tensor<?x3xf32>
    %b = kiln.dense %h, %w2 : (tensor<?x5xf32>, tensor<5x3xf32>) -> tensor<?x3xf32>
    %y = kiln.add %a, %b : tensor<?x3xf32>
    return %y : tensor<?x3xf32>
  }
}

// -----

// Tests the 1-D rules (conv1d, max/avg pool1d), gelu, tanh and sigmoid (the
// last two from their outputs), concat and slice (slices and a zero_pad),
// flatten (a reshape back) and an L1 penalty.
// CHECK-LABEL: func.func @train_step(
// CHECK: %[[C:.*]] = kiln.conv1d %arg0, %arg4
// CHECK: %[[GELU:.*]] = kiln.gelu %[[C]]
// CHECK: %[[T:.*]] = kiln.tanh
// CHECK: %[[S:.*]] = kiln.sigmoid
// CHECK: %[[LOSS0:.*]] = kiln.softmax_cross_entropy
// CHECK: %[[GF:.*]] = kiln.dense_grad_input
// CHECK: %[[GCAT:.*]] = kiln.reshape %[[GF]] {shape = array<i64: 13, 8>}
// CHECK: %[[GT:.*]] = kiln.slice %[[GCAT]] {offsets = array<i64: 0, 0>, sizes = array<i64: 12, 8>}
// CHECK: %[[GS2:.*]] = kiln.slice %[[GCAT]] {offsets = array<i64: 12, 0>, sizes = array<i64: 1, 8>}
// CHECK: %[[GS:.*]] = kiln.zero_pad %[[GS2]] {padding = array<i64: 0, 12>}
// CHECK: %[[GP1:.*]] = kiln.sigmoid_grad %[[GS]], %[[S]]
// CHECK: %[[GA:.*]] = kiln.tanh_grad %[[GT]], %[[T]]
// CHECK: %[[GP2:.*]] = kiln.avg_pool1d_grad %[[GA]] {input_w = 13 : i64, stride = 1 : i64, window = 2 : i64}
// CHECK: %[[GP:.*]] = kiln.add %[[GP1]], %[[GP2]]
// CHECK: %[[GG:.*]] = kiln.max_pool1d_grad %[[GP]], %[[GELU]] {stride = 2 : i64, window = 2 : i64}
// CHECK: %[[GC:.*]] = kiln.gelu_grad %[[GG]], %[[C]]
// CHECK: %[[GW:.*]] = kiln.conv1d_grad_filter %arg0, %[[GC]] {kernel_w = 2 : i64}
// CHECK: %[[PEN:.*]] = kiln.l1_penalty %arg4 {scale = 0.00999999977 : f32}
// CHECK: %[[LOSS:.*]] = kiln.add %[[LOSS0]], %[[PEN]]
// CHECK: %[[PG:.*]] = kiln.l1_penalty_grad %arg4
// CHECK: %[[G:.*]] = kiln.add %[[GW]], %[[PG]]
// CHECK: kiln.sgd_update %arg4, %[[G]], %arg6, %arg3 {momentum = 0.000000e+00 : f32}
// CHECK: return %[[LOSS]]
module attributes {kiln.training = {loss = "categorical_crossentropy", optimizer = "sgd", momentum = 0.0 : f32}} {
  func.func @forward(%x: tensor<?x28x28xf32> {kiln.role = "input"}, %step: i64 {kiln.role = "step"},
                     %w: tensor<2x28x8xf32> {kiln.role = "param", kiln.name = "conv1d/kernel", kiln.l1 = 0.01 : f32},
                     %d: tensor<104x10xf32> {kiln.role = "param", kiln.name = "dense/kernel"})
      -> (tensor<?x10xf32> {kiln.role = "logits"}) {
    %c = kiln.conv1d %x, %w : (tensor<?x28x28xf32>, tensor<2x28x8xf32>) -> tensor<?x27x8xf32>
    %g = kiln.gelu %c : tensor<?x27x8xf32>
    %p = kiln.max_pool1d %g {window = 2, stride = 2} : tensor<?x27x8xf32> -> tensor<?x13x8xf32>
    %a = kiln.avg_pool1d %p {window = 2, stride = 1} : tensor<?x13x8xf32> -> tensor<?x12x8xf32>
    %t = kiln.tanh %a : tensor<?x12x8xf32>
    %s = kiln.sigmoid %p : tensor<?x13x8xf32>
    %s2 = kiln.slice %s {offsets = array<i64: 0, 0>, sizes = array<i64: 1, 8>} : tensor<?x13x8xf32> -> tensor<?x1x8xf32>
    %cat = kiln.concat %t, %s2 {axis = 1 : i64} : (tensor<?x12x8xf32>, tensor<?x1x8xf32>) -> tensor<?x13x8xf32>
    %f = kiln.flatten %cat : tensor<?x13x8xf32> -> tensor<?x104xf32>
    %y = kiln.dense %f, %d : (tensor<?x104xf32>, tensor<104x10xf32>) -> tensor<?x10xf32>
    return %y : tensor<?x10xf32>
  }
}

// -----

// Tests the 2-D rules of a strided conv2d (grad_filter only: the input is
// the image), zero_pad (a slice), avg_pool2d, reshape (reshape back), mul
// (each operand gets the product with the other), global_avg_pool and
// softmax.
// CHECK-LABEL: func.func @train_step(
// CHECK: %[[C:.*]] = kiln.conv2d %arg0, %arg4 {strides = array<i64: 2, 2>}
// CHECK: %[[A:.*]] = kiln.avg_pool2d
// CHECK: %[[R2:.*]] = kiln.reshape %{{.*}} {shape = array<i64: 3, 3, 4>}
// CHECK: %[[SM:.*]] = kiln.softmax
// CHECK: %[[GSM:.*]] = kiln.softmax_grad %{{.*}}, %[[SM]]
// CHECK: %[[GM:.*]] = kiln.global_avg_pool_grad %{{.*}} {input_shape = array<i64: 3, 3, 4>}
// CHECK: %[[GR2:.*]] = kiln.mul %[[GM]], %[[A]]
// CHECK: %[[GA1:.*]] = kiln.mul %[[GM]], %[[R2]]
// CHECK: %[[GR:.*]] = kiln.reshape %[[GR2]] {shape = array<i64: 9, 4>}
// CHECK: %[[GA2:.*]] = kiln.reshape %[[GR]] {shape = array<i64: 3, 3, 4>}
// CHECK: %[[GA:.*]] = kiln.add %[[GA1]], %[[GA2]]
// CHECK: %[[GZ:.*]] = kiln.avg_pool2d_grad %[[GA]] {input_hw = array<i64: 4, 4>, strides = array<i64: 1, 1>, window = array<i64: 2, 2>}
// CHECK: %[[GC:.*]] = kiln.slice %[[GZ]] {offsets = array<i64: 1, 1, 0>, sizes = array<i64: 2, 2, 4>}
// CHECK: kiln.conv2d_grad_filter %arg0, %[[GC]] {kernel_hw = array<i64: 3, 3>, strides = array<i64: 2, 2>}
// CHECK-NOT: kiln.conv2d_grad_input
module attributes {kiln.training = {loss = "categorical_crossentropy", optimizer = "adam", beta1 = 0.9 : f32, beta2 = 0.999 : f32, epsilon = 1.0e-7 : f32}} {
  func.func @forward(%x: tensor<?x6x6x3xf32> {kiln.role = "input"}, %step: i64 {kiln.role = "step"},
                     %w: tensor<3x3x3x4xf32> {kiln.role = "param", kiln.name = "conv/kernel"},
                     %d: tensor<4x10xf32> {kiln.role = "param", kiln.name = "dense/kernel"})
      -> (tensor<?x10xf32> {kiln.role = "logits"}) {
    %c = kiln.conv2d %x, %w {strides = array<i64: 2, 2>} : (tensor<?x6x6x3xf32>, tensor<3x3x3x4xf32>) -> tensor<?x2x2x4xf32>
    %z = kiln.zero_pad %c {padding = array<i64: 1, 1, 1, 1>} : tensor<?x2x2x4xf32> -> tensor<?x4x4x4xf32>
    %a = kiln.avg_pool2d %z {window = array<i64: 2, 2>, strides = array<i64: 1, 1>} : tensor<?x4x4x4xf32> -> tensor<?x3x3x4xf32>
    %r = kiln.reshape %a {shape = array<i64: 9, 4>} : tensor<?x3x3x4xf32> -> tensor<?x9x4xf32>
    %r2 = kiln.reshape %r {shape = array<i64: 3, 3, 4>} : tensor<?x9x4xf32> -> tensor<?x3x3x4xf32>
    %m = kiln.mul %r2, %a : tensor<?x3x3x4xf32>
    %gp = kiln.global_avg_pool %m : tensor<?x3x3x4xf32> -> tensor<?x4xf32>
    %y = kiln.dense %gp, %d : (tensor<?x4xf32>, tensor<4x10xf32>) -> tensor<?x10xf32>
    %s = kiln.softmax %y : tensor<?x10xf32>
    return %s : tensor<?x10xf32>
  }
}

// -----

// Tests that a frozen batch_norm_infer (statistics and scale not trained)
// passes g * gamma / sqrt(var + eps) to its input, as fold_scale.
// CHECK-LABEL: func.func @train_step(
// CHECK: %[[G:.*]] = kiln.softmax_cross_entropy_grad
// CHECK: %[[GX:.*]] = kiln.fold_scale %[[G]], %arg5, %arg7 {epsilon = 1.000000e-03 : f32}
// CHECK: kiln.dense_grad_weights %arg0, %[[GX]]
module attributes {kiln.training = {loss = "categorical_crossentropy", optimizer = "sgd", momentum = 0.0 : f32}} {
  func.func @forward(%x: tensor<?x4xf32> {kiln.role = "input"}, %step: i64 {kiln.role = "step"},
                     %w: tensor<4x3xf32> {kiln.role = "param", kiln.name = "w"},
                     %g: tensor<3xf32> {kiln.role = "state", kiln.name = "g"},
                     %b: tensor<3xf32> {kiln.role = "state", kiln.name = "b"},
                     %v: tensor<3xf32> {kiln.role = "state", kiln.name = "v"})
      -> (tensor<?x3xf32> {kiln.role = "logits"}, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>) {
    %y = kiln.dense %x, %w : (tensor<?x4xf32>, tensor<4x3xf32>) -> tensor<?x3xf32>
    %n = kiln.batch_norm_infer %y, %g, %b, %b, %v {epsilon = 1.0e-3 : f32} : tensor<?x3xf32>, tensor<3xf32>
    return %n, %g, %b, %v : tensor<?x3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>
  }
}

// -----

// Tests that a parameter the loss does not depend on gets a warning and is
// returned unchanged with its slots.
// CHECK-LABEL: func.func @train_step(
// CHECK: return %{{.*}}, %{{.*}}, %{{.*}}, %arg5, %{{.*}}, %arg7 :
module attributes {kiln.training = {loss = "categorical_crossentropy", optimizer = "sgd", momentum = 0.0 : f32}} {
  func.func @forward(%x: tensor<?x4xf32> {kiln.role = "input"}, %step: i64 {kiln.role = "step"},
                     %w: tensor<4x3xf32> {kiln.role = "param", kiln.name = "w"},
                     // expected-warning@+1 {{parameter 'unused' does not affect the loss; the train step leaves it unchanged}}
                     %u: tensor<3xf32> {kiln.role = "param", kiln.name = "unused"})
      -> (tensor<?x3xf32> {kiln.role = "logits"}) {
    %y = kiln.dense %x, %w : (tensor<?x4xf32>, tensor<4x3xf32>) -> tensor<?x3xf32>
    return %y : tensor<?x3xf32>
  }
}

//===----------------------------------------------------------------------===//
// Errors
//===----------------------------------------------------------------------===//

// -----

// Tests that a module without kiln.training is rejected.
// expected-error@+1 {{kiln-build-train-step: the module has no kiln.training dictionary}}
module {
  func.func @forward(%x: tensor<?x4xf32> {kiln.role = "input"}, %step: i64 {kiln.role = "step"},
                     %w: tensor<4x3xf32> {kiln.role = "param"}) -> tensor<?x3xf32> {
    %y = kiln.dense %x, %w : (tensor<?x4xf32>, tensor<4x3xf32>) -> tensor<?x3xf32>
    return %y : tensor<?x3xf32>
  }
}

// -----

// Tests that an unknown optimizer is rejected.
// expected-error@+1 {{kiln-build-train-step: unknown optimizer "adagrad" in kiln.training (adam, sgd or rmsprop)}}
module attributes {kiln.training = {loss = "categorical_crossentropy", optimizer = "adagrad"}} {
  func.func @forward(%x: tensor<?x4xf32> {kiln.role = "input"}, %step: i64 {kiln.role = "step"},
                     %w: tensor<4x3xf32> {kiln.role = "param"}) -> tensor<?x3xf32> {
    %y = kiln.dense %x, %w : (tensor<?x4xf32>, tensor<4x3xf32>) -> tensor<?x3xf32>
    return %y : tensor<?x3xf32>
  }
}

// -----

// Tests that a hyper-parameter the optimizer needs must be present.
// expected-error@+1 {{kiln-build-train-step: kiln.training needs a number 'beta2' for optimizer "adam"}}
module attributes {kiln.training = {loss = "categorical_crossentropy", optimizer = "adam", beta1 = 0.9 : f32}} {
  func.func @forward(%x: tensor<?x4xf32> {kiln.role = "input"}, %step: i64 {kiln.role = "step"},
                     %w: tensor<4x3xf32> {kiln.role = "param"}) -> tensor<?x3xf32> {
    %y = kiln.dense %x, %w : (tensor<?x4xf32>, tensor<4x3xf32>) -> tensor<?x3xf32>
    return %y : tensor<?x3xf32>
  }
}

// -----

// Tests that a loss other than categorical cross-entropy is rejected.
// expected-error@+1 {{kiln.training's loss must be "categorical_crossentropy" (the only loss the train step builds), got "mse"}}
module attributes {kiln.training = {loss = "mse", optimizer = "sgd", momentum = 0.0 : f32}} {
  func.func @forward(%x: tensor<?x4xf32> {kiln.role = "input"}, %step: i64 {kiln.role = "step"},
                     %w: tensor<4x3xf32> {kiln.role = "param"}) -> tensor<?x3xf32> {
    %y = kiln.dense %x, %w : (tensor<?x4xf32>, tensor<4x3xf32>) -> tensor<?x3xf32>
    return %y : tensor<?x3xf32>
  }
}

// -----

// Tests that a module without @forward is rejected.
// expected-error@+1 {{kiln-build-train-step: the module has no function @forward}}
module attributes {kiln.training = {loss = "categorical_crossentropy", optimizer = "sgd", momentum = 0.0 : f32}} {
}

// -----

// Tests that @forward needs a step argument.
module attributes {kiln.training = {loss = "categorical_crossentropy", optimizer = "sgd", momentum = 0.0 : f32}} {
  // expected-error@+1 {{@forward needs an argument with kiln.role "step"}}
  func.func @forward(%x: tensor<?x4xf32> {kiln.role = "input"},
                     %w: tensor<4x3xf32> {kiln.role = "param"}) -> tensor<?x3xf32> {
    %y = kiln.dense %x, %w : (tensor<?x4xf32>, tensor<4x3xf32>) -> tensor<?x3xf32>
    return %y : tensor<?x3xf32>
  }
}

// -----

// Tests that @forward must return one updated value per state argument.
module attributes {kiln.training = {loss = "categorical_crossentropy", optimizer = "sgd", momentum = 0.0 : f32}} {
  // expected-error@+1 {{@forward must return the logits and one updated value per state argument (2 results), got 1}}
  func.func @forward(%x: tensor<?x4xf32> {kiln.role = "input"}, %step: i64 {kiln.role = "step"},
                     %w: tensor<4x3xf32> {kiln.role = "param"},
                     %s: tensor<3xf32> {kiln.role = "state"}) -> tensor<?x3xf32> {
    %y = kiln.dense %x, %w : (tensor<?x4xf32>, tensor<4x3xf32>) -> tensor<?x3xf32>
    return %y : tensor<?x3xf32>
  }
}

// -----

// Tests that logits that depend on no parameter are rejected.
module attributes {kiln.training = {loss = "categorical_crossentropy", optimizer = "sgd", momentum = 0.0 : f32}} {
  // expected-error@+1 {{the logits do not depend on any parameter: nothing to train}}
  func.func @forward(%x: tensor<?x3xf32> {kiln.role = "input"}, %step: i64 {kiln.role = "step"},
                     %w: tensor<4x3xf32> {kiln.role = "param"}) -> tensor<?x3xf32> {
    %y = kiln.relu %x : tensor<?x3xf32>
    return %y : tensor<?x3xf32>
  }
}

// -----

// Tests that an op without a derivative rule between a parameter and the
// logits is reported at that op.
module attributes {kiln.training = {loss = "categorical_crossentropy", optimizer = "sgd", momentum = 0.0 : f32}} {
  func.func @forward(%x: tensor<?x4xf32> {kiln.role = "input"}, %step: i64 {kiln.role = "step"},
                     %w: tensor<4x3xf32> {kiln.role = "param"},
                     %g: tensor<3xf32> {kiln.role = "param"}) -> tensor<?x3xf32> {
    %y = kiln.dense %x, %w : (tensor<?x4xf32>, tensor<4x3xf32>) -> tensor<?x3xf32>
    // expected-error@+1 {{cannot differentiate batch_norm_infer with respect to its scale, offset or statistics}}
    %n = kiln.batch_norm_infer %y, %g, %g, %g, %g {epsilon = 1.0e-3 : f32} : tensor<?x3xf32>, tensor<3xf32>
    return %n : tensor<?x3xf32>
  }
}

// -----

// Tests that differentiating through the batch statistics of
// batch_norm_train is reported.
module attributes {kiln.training = {loss = "categorical_crossentropy", optimizer = "sgd", momentum = 0.0 : f32}} {
  func.func @forward(%x: tensor<?x4xf32> {kiln.role = "input"}, %step: i64 {kiln.role = "step"},
                     %w: tensor<4x3xf32> {kiln.role = "param"},
                     %g: tensor<3xf32> {kiln.role = "param"}) -> tensor<?x3xf32> {
    %y = kiln.dense %x, %w : (tensor<?x4xf32>, tensor<4x3xf32>) -> tensor<?x3xf32>
    // expected-error@+1 {{cannot differentiate through the batch mean}}
    %n, %mean, %var = kiln.batch_norm_train %y, %g, %g {epsilon = 1.0e-3 : f32} : tensor<?x3xf32>, tensor<3xf32>
    %z = kiln.bias_add %n, %mean : tensor<?x3xf32>, tensor<3xf32>
    return %z : tensor<?x3xf32>
  }
}

// -----

// Tests that a module with @train_step already is not rebuilt.
// expected-error@+1 {{kiln-build-train-step: the module already has @train_step}}
module attributes {kiln.training = {loss = "categorical_crossentropy", optimizer = "sgd", momentum = 0.0 : f32}} {
  func.func @forward(%x: tensor<?x4xf32> {kiln.role = "input"}, %step: i64 {kiln.role = "step"},
                     %w: tensor<4x3xf32> {kiln.role = "param"}) -> tensor<?x3xf32> {
    %y = kiln.dense %x, %w : (tensor<?x4xf32>, tensor<4x3xf32>) -> tensor<?x3xf32>
    return %y : tensor<?x3xf32>
  }
  func.func @train_step() {
    return
  }
}

// -----

// Tests that a regularization scale must be an f32.
module attributes {kiln.training = {loss = "categorical_crossentropy", optimizer = "sgd", momentum = 0.0 : f32}} {
  // expected-error@+1 {{@forward argument #2: kiln.l2 must be an f32 scale, got "0.001"}}
  func.func @forward(%x: tensor<?x4xf32> {kiln.role = "input"}, %step: i64 {kiln.role = "step"},
                     %w: tensor<4x3xf32> {kiln.role = "param", kiln.l2 = "0.001"}) -> tensor<?x3xf32> {
    %y = kiln.dense %x, %w : (tensor<?x4xf32>, tensor<4x3xf32>) -> tensor<?x3xf32>
    return %y : tensor<?x3xf32>
  }
}

// -----

// Tests that a negative concat axis counts from the end: each input's
// gradient is sliced at its own offset along axis -2 (1).
// CHECK-LABEL: func.func @train_step(
// CHECK: %[[GCAT:.*]] = kiln.reshape %{{.*}} {shape = array<i64: 13, 8>}
// CHECK: kiln.slice %[[GCAT]] {offsets = array<i64: 0, 0>, sizes = array<i64: 12, 8>}
// CHECK: kiln.slice %[[GCAT]] {offsets = array<i64: 12, 0>, sizes = array<i64: 1, 8>}
module attributes {kiln.training = {loss = "categorical_crossentropy", optimizer = "sgd", momentum = 0.0 : f32}} {
  func.func @forward(%x: tensor<?x28x28xf32> {kiln.role = "input"}, %step: i64 {kiln.role = "step"},
                     %w: tensor<2x28x8xf32> {kiln.role = "param", kiln.name = "conv1d/kernel"},
                     %d: tensor<104x10xf32> {kiln.role = "param", kiln.name = "dense/kernel"})
      -> (tensor<?x10xf32> {kiln.role = "logits"}) {
    %c = kiln.conv1d %x, %w : (tensor<?x28x28xf32>, tensor<2x28x8xf32>) -> tensor<?x27x8xf32>
    %t = kiln.slice %c {offsets = array<i64: 0, 0>, sizes = array<i64: 12, 8>} : tensor<?x27x8xf32> -> tensor<?x12x8xf32>
    %s = kiln.slice %c {offsets = array<i64: 20, 0>, sizes = array<i64: 1, 8>} : tensor<?x27x8xf32> -> tensor<?x1x8xf32>
    %cat = kiln.concat %t, %s {axis = -2 : i64} : (tensor<?x12x8xf32>, tensor<?x1x8xf32>) -> tensor<?x13x8xf32>
    %f = kiln.flatten %cat : tensor<?x13x8xf32> -> tensor<?x104xf32>
    %y = kiln.dense %f, %d : (tensor<?x104xf32>, tensor<104x10xf32>) -> tensor<?x10xf32>
    return %y : tensor<?x10xf32>
  }
}

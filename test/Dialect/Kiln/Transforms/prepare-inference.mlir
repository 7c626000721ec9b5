// RUN: kiln-opt %S/Inputs/report000.mlir -kiln-prepare-inference | FileCheck %s --check-prefix=R000
// RUN: kiln-opt %S/Inputs/report004_model4.mlir -kiln-prepare-inference | FileCheck %s --check-prefix=MODEL4
// RUN: kiln-opt %s -split-input-file -verify-diagnostics -kiln-prepare-inference | FileCheck %s

// Tests that report 000's @infer takes the input and the 12 parameters (the
// unused step is dropped), keeps the layers and returns the softmax of the
// logits as probabilities; @forward is kept.
// R000-LABEL: func.func @forward(
// R000-LABEL: func.func @infer(
// R000-SAME: %arg0: tensor<?x28x28x1xf32> {kiln.role = "input"}, %arg1: tensor<3x3x1x32xf32> {kiln.init = "glorot_uniform", kiln.name = "conv2d/kernel", kiln.role = "param"}
// R000-SAME: %arg12: tensor<10xf32> {kiln.init = "zeros", kiln.name = "dense_2/bias", kiln.role = "param"})
// R000-SAME: -> (tensor<?x10xf32> {kiln.role = "probabilities"})
// R000-NOT: kiln.output_activation
// R000: kiln.conv2d %arg0, %arg1
// R000: %[[LOGITS:.*]] = kiln.bias_add %{{.*}}, %arg12
// R000: %[[P:.*]] = kiln.softmax %[[LOGITS]]
// R000: return %[[P]] : tensor<?x10xf32>

// Tests that Model 4's @infer has no dropout and no step, runs each
// BatchNorm on its moving mean and variance (the state arguments its
// moving averages updated) instead of batch statistics, keeps the state
// arguments but no moving average, and ends in softmax. Every BatchNorm of
// Model 4 follows a ReLU, so none is folded into a layer.
// MODEL4-LABEL: func.func @infer(
// MODEL4-NOT: i64
// MODEL4-SAME: %arg27: tensor<32xf32> {kiln.init = "zeros", kiln.name = "batch_normalization/moving_mean", kiln.role = "state"}
// MODEL4-SAME: %arg38: tensor<128xf32> {kiln.init = "ones", kiln.name = "batch_normalization_5/moving_variance", kiln.role = "state"})
// MODEL4-SAME: -> (tensor<?x10xf32> {kiln.role = "probabilities"})
// MODEL4-NOT: kiln.dropout
// MODEL4-NOT: kiln.batch_norm_train
// MODEL4-NOT: kiln.moving_average
// MODEL4-NOT: kiln.fold_scale
// MODEL4: %[[A0:.*]] = kiln.relu
// MODEL4: kiln.batch_norm_infer %[[A0]], %arg3, %arg4, %arg27, %arg28 {epsilon = 1.000000e-03 : f32}
// MODEL4: %[[P1:.*]] = kiln.max_pool2d
// MODEL4-NEXT: kiln.conv2d %[[P1]], %arg9
// MODEL4: kiln.batch_norm_infer %{{.*}}, %arg23, %arg24, %arg37, %arg38
// MODEL4: kiln.softmax
// MODEL4-NEXT: return

// Tests that a BatchNorm right after conv2d + bias_add is folded into them:
// the filter is scaled by fold_scale, the bias normalized by
// batch_norm_infer, and no BatchNorm is left on the activations. With a
// linear output no softmax is appended and the result is the logits.
// CHECK-LABEL: func.func @infer(
// CHECK-SAME: %arg7: tensor<4xf32> {kiln.name = "bn/moving_variance", kiln.role = "state"})
// CHECK-SAME: -> (tensor<?x10xf32> {kiln.role = "logits"})
// CHECK: %[[W2:.*]] = kiln.fold_scale %arg1, %arg3, %arg7 {epsilon = 1.000000e-03 : f32}
// CHECK: %[[B2:.*]] = kiln.batch_norm_infer %arg2, %arg3, %arg4, %arg6, %arg7 {epsilon = 1.000000e-03 : f32} : tensor<4xf32>, tensor<4xf32>
// CHECK: %[[C:.*]] = kiln.conv2d %arg0, %[[W2]]
// CHECK: %[[Z:.*]] = kiln.bias_add %[[C]], %[[B2]]
// CHECK: kiln.relu %[[Z]]
// CHECK-NOT: kiln.batch_norm_infer
// CHECK-NOT: kiln.softmax
// CHECK: return
module {
  func.func @forward(%x: tensor<?x8x8x1xf32> {kiln.role = "input"}, %step: i64 {kiln.role = "step"},
                     %w: tensor<3x3x1x4xf32> {kiln.role = "param", kiln.name = "conv2d/kernel"},
                     %b: tensor<4xf32> {kiln.role = "param", kiln.name = "conv2d/bias"},
                     %g: tensor<4xf32> {kiln.role = "param", kiln.name = "bn/gamma"},
                     %e: tensor<4xf32> {kiln.role = "param", kiln.name = "bn/beta"},
                     %d: tensor<144x10xf32> {kiln.role = "param", kiln.name = "dense/kernel"},
                     %m: tensor<4xf32> {kiln.role = "state", kiln.name = "bn/moving_mean"},
                     %v: tensor<4xf32> {kiln.role = "state", kiln.name = "bn/moving_variance"})
      -> (tensor<?x10xf32> {kiln.role = "logits"}, tensor<4xf32>, tensor<4xf32>)
      attributes {kiln.output_activation = "linear"} {
    %c = kiln.conv2d %x, %w : (tensor<?x8x8x1xf32>, tensor<3x3x1x4xf32>) -> tensor<?x6x6x4xf32>
    %z = kiln.bias_add %c, %b : tensor<?x6x6x4xf32>, tensor<4xf32>
    %n, %bm, %bv = kiln.batch_norm_train %z, %g, %e {epsilon = 1.0e-3 : f32} : tensor<?x6x6x4xf32>, tensor<4xf32>
    %um = kiln.moving_average %m, %bm {momentum = 0.99 : f32} : tensor<4xf32>
    %uv = kiln.moving_average %v, %bv {momentum = 0.99 : f32} : tensor<4xf32>
    %r = kiln.relu %n : tensor<?x6x6x4xf32>
    %f = kiln.flatten %r : tensor<?x6x6x4xf32> -> tensor<?x144xf32>
    %y = kiln.dense %f, %d : (tensor<?x144xf32>, tensor<144x10xf32>) -> tensor<?x10xf32>
    return %y, %um, %uv : tensor<?x10xf32>, tensor<4xf32>, tensor<4xf32>
  }
}

// -----

// Tests that a dense layer's BatchNorm folds the same way (K x M weights
// scaled along M), and that a BatchNorm whose layer output is also read
// elsewhere is not folded but runs as batch_norm_infer.
// CHECK-LABEL: func.func @infer(
// CHECK: %[[W2:.*]] = kiln.fold_scale %arg1, %arg3, %arg6 {{.*}} : tensor<4x3xf32>, tensor<3xf32>
// CHECK: %[[Y:.*]] = kiln.dense %arg0, %[[W2]]
// CHECK: %[[Z:.*]] = kiln.bias_add %[[Y]], %{{.*}}
// CHECK: %[[Y2:.*]] = kiln.dense %arg0, %arg1
// CHECK: %[[Z2:.*]] = kiln.bias_add %[[Y2]], %arg2
// CHECK: %[[N2:.*]] = kiln.batch_norm_infer %[[Z2]], %arg3, %arg4, %arg5, %arg6
// CHECK: %[[S:.*]] = kiln.add %[[N2]], %[[Z2]]
// CHECK: kiln.add %[[Z]], %[[S]]
module {
  func.func @forward(%x: tensor<?x4xf32> {kiln.role = "input"}, %step: i64 {kiln.role = "step"},
                     %w: tensor<4x3xf32> {kiln.role = "param"},
                     %b: tensor<3xf32> {kiln.role = "param"},
                     %g: tensor<3xf32> {kiln.role = "param"},
                     %e: tensor<3xf32> {kiln.role = "param"},
                     %m: tensor<3xf32> {kiln.role = "state"},
                     %v: tensor<3xf32> {kiln.role = "state"})
      -> (tensor<?x3xf32> {kiln.role = "logits"}, tensor<3xf32>, tensor<3xf32>) {
    %y = kiln.dense %x, %w : (tensor<?x4xf32>, tensor<4x3xf32>) -> tensor<?x3xf32>
    %z = kiln.bias_add %y, %b : tensor<?x3xf32>, tensor<3xf32>
    %n, %bm, %bv = kiln.batch_norm_train %z, %g, %e {epsilon = 1.0e-3 : f32} : tensor<?x3xf32>, tensor<3xf32>
    %um = kiln.moving_average %m, %bm {momentum = 0.99 : f32} : tensor<3xf32>
    %uv = kiln.moving_average %v, %bv {momentum = 0.99 : f32} : tensor<3xf32>
    %y2 = kiln.dense %x, %w : (tensor<?x4xf32>, tensor<4x3xf32>) -> tensor<?x3xf32>
    %z2 = kiln.bias_add %y2, %b : tensor<?x3xf32>, tensor<3xf32>
    %n2 = kiln.batch_norm_infer %z2, %g, %e, %m, %v {epsilon = 1.0e-3 : f32} : tensor<?x3xf32>, tensor<3xf32>
    %s = kiln.add %n2, %z2 : tensor<?x3xf32>
    %out = kiln.add %n, %s : tensor<?x3xf32>
    return %out, %um, %uv : tensor<?x3xf32>, tensor<3xf32>, tensor<3xf32>
  }
}

// -----

// Tests that a BatchNorm whose statistics update no state cannot become
// batch_norm_infer.
module {
  func.func @forward(%x: tensor<?x3xf32> {kiln.role = "input"}, %step: i64 {kiln.role = "step"},
                     %g: tensor<3xf32> {kiln.role = "param"})
      -> (tensor<?x3xf32> {kiln.role = "logits"}) {
    // expected-error@+1 {{cannot find the moving statistics of this batch normalization: its batch mean and variance must each feed a kiln.moving_average of a state argument}}
    %n, %bm, %bv = kiln.batch_norm_train %x, %g, %g {epsilon = 1.0e-3 : f32} : tensor<?x3xf32>, tensor<3xf32>
    return %n : tensor<?x3xf32>
  }
}

// -----

// Tests that an output activation other than softmax or linear is rejected.
module {
  // expected-error@+1 {{unsupported kiln.output_activation "sigmoid" (softmax or linear)}}
  func.func @forward(%x: tensor<?x3xf32> {kiln.role = "input"}, %step: i64 {kiln.role = "step"},
                     %w: tensor<3x3xf32> {kiln.role = "param"})
      -> (tensor<?x3xf32> {kiln.role = "logits"}) attributes {kiln.output_activation = "sigmoid"} {
    %y = kiln.dense %x, %w : (tensor<?x3xf32>, tensor<3x3xf32>) -> tensor<?x3xf32>
    return %y : tensor<?x3xf32>
  }
}

// -----

// Tests that a dropout whose mask @forward reads cannot be removed.
module {
  func.func @forward(%x: tensor<?x3xf32> {kiln.role = "input"}, %step: i64 {kiln.role = "step"},
                     %seed: i64 {kiln.role = "seed"}, %w: tensor<3x3xf32> {kiln.role = "param"})
      -> (tensor<?x3xf32> {kiln.role = "logits"}) {
    // expected-error@+1 {{the dropout mask is used in @forward; inference cannot remove this dropout}}
    %y, %mask = kiln.dropout %x, %step, %seed {rate = 0.5 : f32, stream = 2} : tensor<?x3xf32>
    %z = kiln.mul %y, %mask : tensor<?x3xf32>
    return %z : tensor<?x3xf32>
  }
}

// -----

// Tests that a module without @forward is rejected.
// expected-error@+1 {{kiln-prepare-inference: the module has no function @forward}}
module {
}

// RUN: kiln-opt %s | kiln-opt | FileCheck %s
// RUN: kiln-opt %s --mlir-print-op-generic | kiln-opt | FileCheck %s

//===----------------------------------------------------------------------===//
// Forward
//===----------------------------------------------------------------------===//

// Tests that conv2d round-trips with its defaults elided and explicit
// attributes kept.
// CHECK-LABEL: func.func @conv
func.func @conv(%x: tensor<?x28x28x1xf32>, %w: tensor<3x3x1x32xf32>,
                %w2: tensor<3x3x32x8xf32>) -> tensor<?x14x14x8xf32> {
  // CHECK: %[[Y:.*]] = kiln.conv2d %{{.*}}, %{{.*}} : (tensor<?x28x28x1xf32>, tensor<3x3x1x32xf32>) -> tensor<?x26x26x32xf32>
  %y = kiln.conv2d %x, %w : (tensor<?x28x28x1xf32>, tensor<3x3x1x32xf32>) -> tensor<?x26x26x32xf32>
  // CHECK: kiln.conv2d %[[Y]], %{{.*}} {padding = array<i64: 1, 2, 1, 2>, strides = array<i64: 2, 2>}
  %z = kiln.conv2d %y, %w2 {strides = array<i64: 2, 2>, padding = array<i64: 1, 2, 1, 2>}
      : (tensor<?x26x26x32xf32>, tensor<3x3x32x8xf32>) -> tensor<?x14x14x8xf32>
  return %z : tensor<?x14x14x8xf32>
}

// Tests that conv1d round-trips with defaults elided and a stride, dilation
// and padding kept.
// CHECK-LABEL: func.func @conv1d
func.func @conv1d(%x: tensor<?x28x28xf32>, %w: tensor<2x28x236xf32>,
                  %w2: tensor<3x236x64xf32>) -> tensor<?x13x64xf32> {
  // CHECK: %[[Y:.*]] = kiln.conv1d %{{.*}}, %{{.*}} : (tensor<?x28x28xf32>, tensor<2x28x236xf32>) -> tensor<?x27x236xf32>
  %y = kiln.conv1d %x, %w : (tensor<?x28x28xf32>, tensor<2x28x236xf32>) -> tensor<?x27x236xf32>
  // CHECK: kiln.conv1d %[[Y]], %{{.*}} {dilation = 2 : i64, padding = array<i64: 1, 1>, stride = 2 : i64}
  %z = kiln.conv1d %y, %w2 {stride = 2, dilation = 2, padding = array<i64: 1, 1>}
      : (tensor<?x27x236xf32>, tensor<3x236x64xf32>) -> tensor<?x13x64xf32>
  return %z : tensor<?x13x64xf32>
}

// Tests that dense and bias_add round-trip.
// CHECK-LABEL: func.func @dense_bias
func.func @dense_bias(%x: tensor<?x1152xf32>, %w: tensor<1152x128xf32>,
                      %b: tensor<128xf32>) -> tensor<?x128xf32> {
  // CHECK: %[[Y:.*]] = kiln.dense %{{.*}}, %{{.*}} : (tensor<?x1152xf32>, tensor<1152x128xf32>) -> tensor<?x128xf32>
  %y = kiln.dense %x, %w : (tensor<?x1152xf32>, tensor<1152x128xf32>) -> tensor<?x128xf32>
  // CHECK: kiln.bias_add %[[Y]], %{{.*}} : tensor<?x128xf32>, tensor<128xf32>
  %z = kiln.bias_add %y, %b : tensor<?x128xf32>, tensor<128xf32>
  return %z : tensor<?x128xf32>
}

// Tests that every activation round-trips.
// CHECK-LABEL: func.func @activations
func.func @activations(%x: tensor<4x10xf32>) -> tensor<4x10xf32> {
  // CHECK: %[[A:.*]] = kiln.relu %{{.*}} : tensor<4x10xf32>
  // CHECK: %[[B:.*]] = kiln.gelu %[[A]] : tensor<4x10xf32>
  // CHECK: %[[C:.*]] = kiln.sigmoid %[[B]] : tensor<4x10xf32>
  // CHECK: %[[D:.*]] = kiln.tanh %[[C]] : tensor<4x10xf32>
  // CHECK: kiln.softmax %[[D]] : tensor<4x10xf32>
  %a = kiln.relu %x : tensor<4x10xf32>
  %b = kiln.gelu %a : tensor<4x10xf32>
  %c = kiln.sigmoid %b : tensor<4x10xf32>
  %d = kiln.tanh %c : tensor<4x10xf32>
  %e = kiln.softmax %d : tensor<4x10xf32>
  return %e : tensor<4x10xf32>
}

// Tests that the 2-D and 1-D pooling ops and global pooling round-trip.
// CHECK-LABEL: func.func @pooling
func.func @pooling(%x: tensor<?x26x26x32xf32>, %s: tensor<?x27x236xf32>)
    -> (tensor<?x32xf32>, tensor<?x236xf32>) {
  // CHECK: %[[A:.*]] = kiln.max_pool2d %{{.*}} {strides = array<i64: 2, 2>, window = array<i64: 2, 2>} : tensor<?x26x26x32xf32> -> tensor<?x13x13x32xf32>
  %a = kiln.max_pool2d %x {window = array<i64: 2, 2>, strides = array<i64: 2, 2>}
      : tensor<?x26x26x32xf32> -> tensor<?x13x13x32xf32>
  // CHECK: %[[B:.*]] = kiln.avg_pool2d %[[A]] {padding = array<i64: 1, 1, 1, 1>, strides = array<i64: 1, 1>, window = array<i64: 3, 3>} : tensor<?x13x13x32xf32> -> tensor<?x13x13x32xf32>
  %b = kiln.avg_pool2d %a {window = array<i64: 3, 3>, strides = array<i64: 1, 1>,
                           padding = array<i64: 1, 1, 1, 1>}
      : tensor<?x13x13x32xf32> -> tensor<?x13x13x32xf32>
  // CHECK: kiln.global_avg_pool %[[B]] : tensor<?x13x13x32xf32> -> tensor<?x32xf32>
  %c = kiln.global_avg_pool %b : tensor<?x13x13x32xf32> -> tensor<?x32xf32>
  // CHECK: %[[D:.*]] = kiln.max_pool1d %{{.*}} {stride = 2 : i64, window = 2 : i64} : tensor<?x27x236xf32> -> tensor<?x13x236xf32>
  %d = kiln.max_pool1d %s {window = 2, stride = 2}
      : tensor<?x27x236xf32> -> tensor<?x13x236xf32>
  // CHECK: %[[E:.*]] = kiln.avg_pool1d %[[D]] {padding = array<i64: 0, 1>, stride = 2 : i64, window = 2 : i64} : tensor<?x13x236xf32> -> tensor<?x7x236xf32>
  %e = kiln.avg_pool1d %d {window = 2, stride = 2, padding = array<i64: 0, 1>}
      : tensor<?x13x236xf32> -> tensor<?x7x236xf32>
  // CHECK: kiln.global_avg_pool %[[E]] : tensor<?x7x236xf32> -> tensor<?x236xf32>
  %f = kiln.global_avg_pool %e : tensor<?x7x236xf32> -> tensor<?x236xf32>
  return %c, %f : tensor<?x32xf32>, tensor<?x236xf32>
}

// Tests that batch normalization in training and inference and the moving
// average round-trip, with all three results of batch_norm_train.
// CHECK-LABEL: func.func @batch_norm
func.func @batch_norm(%x: tensor<?x13x13x32xf32>, %gamma: tensor<32xf32>,
                      %beta: tensor<32xf32>, %mean: tensor<32xf32>,
                      %var: tensor<32xf32>)
    -> (tensor<?x13x13x32xf32>, tensor<32xf32>) {
  // CHECK: %[[Y:.*]], %[[M:.*]], %[[V:.*]] = kiln.batch_norm_train %{{.*}}, %{{.*}}, %{{.*}} {epsilon = 1.000000e-03 : f32} : tensor<?x13x13x32xf32>, tensor<32xf32>
  %y, %m, %v = kiln.batch_norm_train %x, %gamma, %beta {epsilon = 1.0e-3 : f32}
      : tensor<?x13x13x32xf32>, tensor<32xf32>
  // CHECK: kiln.moving_average %{{.*}}, %[[M]] {momentum = 9.900000e-01 : f32} : tensor<32xf32>
  %m2 = kiln.moving_average %mean, %m {momentum = 0.99 : f32} : tensor<32xf32>
  // CHECK: kiln.batch_norm_infer %[[Y]], %{{.*}}, %{{.*}}, %{{.*}}, %[[V]] {epsilon = 1.000000e-03 : f32} : tensor<?x13x13x32xf32>, tensor<32xf32>
  %z = kiln.batch_norm_infer %y, %gamma, %beta, %mean, %v {epsilon = 1.0e-3 : f32}
      : tensor<?x13x13x32xf32>, tensor<32xf32>
  return %z, %m2 : tensor<?x13x13x32xf32>, tensor<32xf32>
}

// Tests that dropout round-trips with both results and its i64 step and
// seed operands.
// CHECK-LABEL: func.func @dropout
// CHECK-SAME: (%{{.*}}: tensor<?x128xf32>, %[[STEP:.*]]: i64, %[[SEED:.*]]: i64)
func.func @dropout(%x: tensor<?x128xf32>, %step: i64, %seed: i64) -> tensor<?x128xf32> {
  // CHECK: %[[Y:.*]], %[[MASK:.*]] = kiln.dropout %{{.*}}, %[[STEP]], %[[SEED]] {rate = 2.000000e-01 : f32, stream = 3 : i64} : tensor<?x128xf32>
  %y, %mask = kiln.dropout %x, %step, %seed {rate = 0.2 : f32, stream = 3}
      : tensor<?x128xf32>
  // CHECK: kiln.mul %[[Y]], %[[MASK]] : tensor<?x128xf32>
  %z = kiln.mul %y, %mask : tensor<?x128xf32>
  return %z : tensor<?x128xf32>
}

// Tests that add and concat round-trip.
// CHECK-LABEL: func.func @add_concat
func.func @add_concat(%a: tensor<?x8x8x4xf32>, %b: tensor<?x8x8x6xf32>)
    -> tensor<?x8x8x10xf32> {
  // CHECK: %[[S:.*]] = kiln.add %{{.*}}, %{{.*}} : tensor<?x8x8x4xf32>
  %s = kiln.add %a, %a : tensor<?x8x8x4xf32>
  // CHECK: kiln.concat %[[S]], %{{.*}} {axis = 3 : i64} : (tensor<?x8x8x4xf32>, tensor<?x8x8x6xf32>) -> tensor<?x8x8x10xf32>
  %c = kiln.concat %s, %b {axis = 3}
      : (tensor<?x8x8x4xf32>, tensor<?x8x8x6xf32>) -> tensor<?x8x8x10xf32>
  return %c : tensor<?x8x8x10xf32>
}

// Tests that flatten, reshape, zero_pad and slice round-trip.
// CHECK-LABEL: func.func @shapes
func.func @shapes(%x: tensor<?x3x3x128xf32>, %i: tensor<?x28x28x3xf32>)
    -> (tensor<?x36x32xf32>, tensor<?x28x28x3xf32>) {
  // CHECK: %[[F:.*]] = kiln.flatten %{{.*}} : tensor<?x3x3x128xf32> -> tensor<?x1152xf32>
  %f = kiln.flatten %x : tensor<?x3x3x128xf32> -> tensor<?x1152xf32>
  // CHECK: kiln.reshape %[[F]] {shape = array<i64: 36, 32>} : tensor<?x1152xf32> -> tensor<?x36x32xf32>
  %r = kiln.reshape %f {shape = array<i64: 36, 32>}
      : tensor<?x1152xf32> -> tensor<?x36x32xf32>
  // CHECK: %[[P:.*]] = kiln.zero_pad %{{.*}} {padding = array<i64: 2, 2, 2, 2>} : tensor<?x28x28x3xf32> -> tensor<?x32x32x3xf32>
  %p = kiln.zero_pad %i {padding = array<i64: 2, 2, 2, 2>}
      : tensor<?x28x28x3xf32> -> tensor<?x32x32x3xf32>
  // CHECK: kiln.slice %[[P]] {offsets = array<i64: 2, 2, 0>, sizes = array<i64: 28, 28, 3>} : tensor<?x32x32x3xf32> -> tensor<?x28x28x3xf32>
  %s = kiln.slice %p {offsets = array<i64: 2, 2, 0>, sizes = array<i64: 28, 28, 3>}
      : tensor<?x32x32x3xf32> -> tensor<?x28x28x3xf32>
  return %r, %s : tensor<?x36x32xf32>, tensor<?x28x28x3xf32>
}

//===----------------------------------------------------------------------===//
// Losses and metrics
//===----------------------------------------------------------------------===//

// Tests that the loss, the metric and both penalties round-trip with rank-0
// results.
// CHECK-LABEL: func.func @losses
func.func @losses(%logits: tensor<?x10xf32>, %labels: tensor<?x10xf32>,
                  %w: tensor<3x3x1x32xf32>)
    -> (tensor<f32>, tensor<f32>, tensor<f32>, tensor<f32>) {
  // CHECK: kiln.softmax_cross_entropy %{{.*}}, %{{.*}} : tensor<?x10xf32>
  %loss = kiln.softmax_cross_entropy %logits, %labels : tensor<?x10xf32>
  // CHECK: kiln.correct_count %{{.*}}, %{{.*}} : tensor<?x10xf32>
  %count = kiln.correct_count %logits, %labels : tensor<?x10xf32>
  // CHECK: kiln.l2_penalty %{{.*}} {scale = 1.000000e-03 : f32} : tensor<3x3x1x32xf32>
  %l2 = kiln.l2_penalty %w {scale = 1.0e-3 : f32} : tensor<3x3x1x32xf32>
  // CHECK: kiln.l1_penalty %{{.*}} {scale = 5.000000e-01 : f32} : tensor<3x3x1x32xf32>
  %l1 = kiln.l1_penalty %w {scale = 0.5 : f32} : tensor<3x3x1x32xf32>
  return %loss, %count, %l2, %l1 : tensor<f32>, tensor<f32>, tensor<f32>, tensor<f32>
}

//===----------------------------------------------------------------------===//
// Backward
//===----------------------------------------------------------------------===//

// Tests that both conv2d gradients round-trip, with strided attributes kept.
// CHECK-LABEL: func.func @conv2d_grads
func.func @conv2d_grads(%x: tensor<?x28x28x1xf32>, %w: tensor<3x3x1x32xf32>,
                        %g: tensor<?x14x14x32xf32>)
    -> (tensor<?x28x28x1xf32>, tensor<3x3x1x32xf32>) {
  // CHECK: kiln.conv2d_grad_input %{{.*}}, %{{.*}} {input_hw = array<i64: 28, 28>, padding = array<i64: 0, 1, 0, 1>, strides = array<i64: 2, 2>} : (tensor<?x14x14x32xf32>, tensor<3x3x1x32xf32>) -> tensor<?x28x28x1xf32>
  %gx = kiln.conv2d_grad_input %g, %w {strides = array<i64: 2, 2>,
                                       padding = array<i64: 0, 1, 0, 1>,
                                       input_hw = array<i64: 28, 28>}
      : (tensor<?x14x14x32xf32>, tensor<3x3x1x32xf32>) -> tensor<?x28x28x1xf32>
  // CHECK: kiln.conv2d_grad_filter %{{.*}}, %{{.*}} {kernel_hw = array<i64: 3, 3>, padding = array<i64: 0, 1, 0, 1>, strides = array<i64: 2, 2>} : (tensor<?x28x28x1xf32>, tensor<?x14x14x32xf32>) -> tensor<3x3x1x32xf32>
  %gw = kiln.conv2d_grad_filter %x, %g {strides = array<i64: 2, 2>,
                                        padding = array<i64: 0, 1, 0, 1>,
                                        kernel_hw = array<i64: 3, 3>}
      : (tensor<?x28x28x1xf32>, tensor<?x14x14x32xf32>) -> tensor<3x3x1x32xf32>
  return %gx, %gw : tensor<?x28x28x1xf32>, tensor<3x3x1x32xf32>
}

// Tests that both conv1d gradients round-trip.
// CHECK-LABEL: func.func @conv1d_grads
func.func @conv1d_grads(%x: tensor<?x28x28xf32>, %w: tensor<2x28x236xf32>,
                        %g: tensor<?x27x236xf32>)
    -> (tensor<?x28x28xf32>, tensor<2x28x236xf32>) {
  // CHECK: kiln.conv1d_grad_input %{{.*}}, %{{.*}} {input_w = 28 : i64} : (tensor<?x27x236xf32>, tensor<2x28x236xf32>) -> tensor<?x28x28xf32>
  %gx = kiln.conv1d_grad_input %g, %w {input_w = 28}
      : (tensor<?x27x236xf32>, tensor<2x28x236xf32>) -> tensor<?x28x28xf32>
  // CHECK: kiln.conv1d_grad_filter %{{.*}}, %{{.*}} {kernel_w = 2 : i64} : (tensor<?x28x28xf32>, tensor<?x27x236xf32>) -> tensor<2x28x236xf32>
  %gw = kiln.conv1d_grad_filter %x, %g {kernel_w = 2}
      : (tensor<?x28x28xf32>, tensor<?x27x236xf32>) -> tensor<2x28x236xf32>
  return %gx, %gw : tensor<?x28x28xf32>, tensor<2x28x236xf32>
}

// Tests that the dense and bias gradients round-trip.
// CHECK-LABEL: func.func @dense_grads
func.func @dense_grads(%x: tensor<?x1152xf32>, %w: tensor<1152x128xf32>,
                       %g: tensor<?x128xf32>)
    -> (tensor<?x1152xf32>, tensor<1152x128xf32>, tensor<128xf32>) {
  // CHECK: kiln.dense_grad_input %{{.*}}, %{{.*}} : (tensor<?x128xf32>, tensor<1152x128xf32>) -> tensor<?x1152xf32>
  %gx = kiln.dense_grad_input %g, %w
      : (tensor<?x128xf32>, tensor<1152x128xf32>) -> tensor<?x1152xf32>
  // CHECK: kiln.dense_grad_weights %{{.*}}, %{{.*}} : (tensor<?x1152xf32>, tensor<?x128xf32>) -> tensor<1152x128xf32>
  %gw = kiln.dense_grad_weights %x, %g
      : (tensor<?x1152xf32>, tensor<?x128xf32>) -> tensor<1152x128xf32>
  // CHECK: kiln.bias_grad %{{.*}} : tensor<?x128xf32> -> tensor<128xf32>
  %gb = kiln.bias_grad %g : tensor<?x128xf32> -> tensor<128xf32>
  return %gx, %gw, %gb : tensor<?x1152xf32>, tensor<1152x128xf32>, tensor<128xf32>
}

// Tests that every activation gradient round-trips with its saved operand.
// CHECK-LABEL: func.func @activation_grads
func.func @activation_grads(%g: tensor<4x10xf32>, %x: tensor<4x10xf32>,
                            %y: tensor<4x10xf32>) -> tensor<4x10xf32> {
  // CHECK: %[[A:.*]] = kiln.relu_grad %{{.*}}, %{{.*}} : tensor<4x10xf32>
  // CHECK: %[[B:.*]] = kiln.gelu_grad %[[A]], %{{.*}} : tensor<4x10xf32>
  // CHECK: %[[C:.*]] = kiln.sigmoid_grad %[[B]], %{{.*}} : tensor<4x10xf32>
  // CHECK: %[[D:.*]] = kiln.tanh_grad %[[C]], %{{.*}} : tensor<4x10xf32>
  // CHECK: kiln.softmax_grad %[[D]], %{{.*}} : tensor<4x10xf32>
  %a = kiln.relu_grad %g, %x : tensor<4x10xf32>
  %b = kiln.gelu_grad %a, %x : tensor<4x10xf32>
  %c = kiln.sigmoid_grad %b, %y : tensor<4x10xf32>
  %d = kiln.tanh_grad %c, %y : tensor<4x10xf32>
  %e = kiln.softmax_grad %d, %y : tensor<4x10xf32>
  return %e : tensor<4x10xf32>
}

// Tests that every pooling gradient round-trips.
// CHECK-LABEL: func.func @pooling_grads
func.func @pooling_grads(%x: tensor<?x26x26x32xf32>, %g: tensor<?x13x13x32xf32>,
                         %s: tensor<?x27x236xf32>, %gs: tensor<?x13x236xf32>,
                         %gp: tensor<?x64xf32>) {
  // CHECK: kiln.max_pool2d_grad %{{.*}}, %{{.*}} {strides = array<i64: 2, 2>, window = array<i64: 2, 2>} : tensor<?x13x13x32xf32>, tensor<?x26x26x32xf32>
  %a = kiln.max_pool2d_grad %g, %x {window = array<i64: 2, 2>, strides = array<i64: 2, 2>}
      : tensor<?x13x13x32xf32>, tensor<?x26x26x32xf32>
  // CHECK: kiln.avg_pool2d_grad %{{.*}} {input_hw = array<i64: 26, 26>, strides = array<i64: 2, 2>, window = array<i64: 2, 2>} : tensor<?x13x13x32xf32> -> tensor<?x26x26x32xf32>
  %b = kiln.avg_pool2d_grad %g {window = array<i64: 2, 2>, strides = array<i64: 2, 2>,
                                input_hw = array<i64: 26, 26>}
      : tensor<?x13x13x32xf32> -> tensor<?x26x26x32xf32>
  // CHECK: kiln.max_pool1d_grad %{{.*}}, %{{.*}} {stride = 2 : i64, window = 2 : i64} : tensor<?x13x236xf32>, tensor<?x27x236xf32>
  %c = kiln.max_pool1d_grad %gs, %s {window = 2, stride = 2}
      : tensor<?x13x236xf32>, tensor<?x27x236xf32>
  // CHECK: kiln.avg_pool1d_grad %{{.*}} {input_w = 27 : i64, stride = 2 : i64, window = 2 : i64} : tensor<?x13x236xf32> -> tensor<?x27x236xf32>
  %d = kiln.avg_pool1d_grad %gs {window = 2, stride = 2, input_w = 27}
      : tensor<?x13x236xf32> -> tensor<?x27x236xf32>
  // CHECK: kiln.global_avg_pool_grad %{{.*}} {input_shape = array<i64: 4, 4, 64>} : tensor<?x64xf32> -> tensor<?x4x4x64xf32>
  %e = kiln.global_avg_pool_grad %gp {input_shape = array<i64: 4, 4, 64>}
      : tensor<?x64xf32> -> tensor<?x4x4x64xf32>
  return
}

// Tests that the gradients of batch_norm_train, the loss and the penalties
// round-trip.
// CHECK-LABEL: func.func @other_grads
func.func @other_grads(%g: tensor<?x13x13x32xf32>, %x: tensor<?x13x13x32xf32>,
                       %gamma: tensor<32xf32>, %mean: tensor<32xf32>,
                       %var: tensor<32xf32>, %logits: tensor<?x10xf32>,
                       %labels: tensor<?x10xf32>, %w: tensor<128x10xf32>) {
  // CHECK: %{{.*}}, %{{.*}}, %{{.*}} = kiln.batch_norm_train_grad %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} {epsilon = 1.000000e-03 : f32} : tensor<?x13x13x32xf32>, tensor<32xf32>
  %gx, %gg, %gb = kiln.batch_norm_train_grad %g, %x, %gamma, %mean, %var
      {epsilon = 1.0e-3 : f32} : tensor<?x13x13x32xf32>, tensor<32xf32>
  // CHECK: kiln.softmax_cross_entropy_grad %{{.*}}, %{{.*}} : tensor<?x10xf32>
  %gl = kiln.softmax_cross_entropy_grad %logits, %labels : tensor<?x10xf32>
  // CHECK: kiln.l2_penalty_grad %{{.*}} {scale = 1.000000e-03 : f32} : tensor<128x10xf32>
  %g2 = kiln.l2_penalty_grad %w {scale = 1.0e-3 : f32} : tensor<128x10xf32>
  // CHECK: kiln.l1_penalty_grad %{{.*}} {scale = 1.000000e-03 : f32} : tensor<128x10xf32>
  %g1 = kiln.l1_penalty_grad %w {scale = 1.0e-3 : f32} : tensor<128x10xf32>
  return
}

//===----------------------------------------------------------------------===//
// Optimizer updates
//===----------------------------------------------------------------------===//

// Tests that the three optimizer updates round-trip with their f32 learning
// rate, Adam's i64 step, and nesterov kept only when set.
// CHECK-LABEL: func.func @optimizers
func.func @optimizers(%p: tensor<128x10xf32>, %g: tensor<128x10xf32>,
                      %s1: tensor<128x10xf32>, %s2: tensor<128x10xf32>,
                      %lr: f32, %step: i64) {
  // CHECK: %{{.*}}, %{{.*}} = kiln.sgd_update %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} {momentum = 0.000000e+00 : f32} : tensor<128x10xf32>
  %p1, %v1 = kiln.sgd_update %p, %g, %s1, %lr {momentum = 0.0 : f32}
      : tensor<128x10xf32>
  // CHECK: %{{.*}}, %{{.*}} = kiln.sgd_update %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} {momentum = 0.899999976 : f32, nesterov = true} : tensor<128x10xf32>
  %p2, %v2 = kiln.sgd_update %p, %g, %s1, %lr {momentum = 0.9 : f32, nesterov = true}
      : tensor<128x10xf32>
  // CHECK: %{{.*}}, %{{.*}}, %{{.*}} = kiln.adam_update %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} {beta1 = 0.899999976 : f32, beta2 = 9.990000e-01 : f32, epsilon = 1.000000e-07 : f32} : tensor<128x10xf32>
  %p3, %m3, %v3 = kiln.adam_update %p, %g, %s1, %s2, %lr, %step
      {beta1 = 0.9 : f32, beta2 = 0.999 : f32, epsilon = 1.0e-7 : f32}
      : tensor<128x10xf32>
  // CHECK: %{{.*}}, %{{.*}} = kiln.rmsprop_update %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} {epsilon = 1.000000e-07 : f32, rho = 0.899999976 : f32} : tensor<128x10xf32>
  %p4, %ms4 = kiln.rmsprop_update %p, %g, %s1, %lr {rho = 0.9 : f32, epsilon = 1.0e-7 : f32}
      : tensor<128x10xf32>
  return
}

//===----------------------------------------------------------------------===//
// Inference preparation
//===----------------------------------------------------------------------===//

// Tests that fold_scale round-trips with its epsilon.
// CHECK-LABEL: func.func @fold_scale
func.func @fold_scale(%w: tensor<3x3x1x32xf32>, %gamma: tensor<32xf32>,
                      %var: tensor<32xf32>) -> tensor<3x3x1x32xf32> {
  // CHECK: kiln.fold_scale %{{.*}}, %{{.*}}, %{{.*}} {epsilon = 1.000000e-03 : f32} : tensor<3x3x1x32xf32>, tensor<32xf32>
  %y = kiln.fold_scale %w, %gamma, %var {epsilon = 1.0e-3 : f32}
      : tensor<3x3x1x32xf32>, tensor<32xf32>
  return %y : tensor<3x3x1x32xf32>
}

//===----------------------------------------------------------------------===//
// Kernels
//===----------------------------------------------------------------------===//

// Tests that a kernel round-trips with its name, schedule, tensor and scalar
// inputs, block arguments, body and several results.
// CHECK-LABEL: func.func @kernel
// CHECK-SAME: (%[[X:.*]]: tensor<?x28x28x1xf32>, %[[W:.*]]: tensor<3x3x1x32xf32>, %[[B:.*]]: tensor<32xf32>, %[[STEP:.*]]: i64)
func.func @kernel(%x: tensor<?x28x28x1xf32>, %w: tensor<3x3x1x32xf32>,
                  %b: tensor<32xf32>, %step: i64)
    -> (tensor<?x26x26x32xf32>, tensor<?x26x26x32xf32>) {
  // CHECK: %[[K:.*]]:2 = kiln.kernel "k0_conv2d"(%[[X]], %[[W]], %[[B]], %[[STEP]]) {schedule = "v16 t2x7 u1 stage rf16 pr gpu32x4"} : (tensor<?x28x28x1xf32>, tensor<3x3x1x32xf32>, tensor<32xf32>, i64) -> (tensor<?x26x26x32xf32>, tensor<?x26x26x32xf32>) {
  // CHECK-NEXT: ^bb0(%[[BX:.*]]: tensor<?x28x28x1xf32>, %[[BW:.*]]: tensor<3x3x1x32xf32>, %[[BB:.*]]: tensor<32xf32>, %[[BS:.*]]: i64):
  // CHECK-NEXT: %[[C:.*]] = kiln.conv2d %[[BX]], %[[BW]]
  // CHECK-NEXT: %[[Z:.*]] = kiln.bias_add %[[C]], %[[BB]]
  // CHECK-NEXT: %[[Y:.*]], %{{.*}} = kiln.dropout %[[Z]], %[[BS]], %[[BS]]
  // CHECK-NEXT: kiln.yield %[[Z]], %[[Y]] : tensor<?x26x26x32xf32>, tensor<?x26x26x32xf32>
  // CHECK-NEXT: }
  // CHECK: return %[[K]]#0, %[[K]]#1
  %k:2 = kiln.kernel "k0_conv2d" (%x, %w, %b, %step)
      {schedule = "v16 t2x7 u1 stage rf16 pr gpu32x4"}
      : (tensor<?x28x28x1xf32>, tensor<3x3x1x32xf32>, tensor<32xf32>, i64)
        -> (tensor<?x26x26x32xf32>, tensor<?x26x26x32xf32>) {
  ^bb0(%bx: tensor<?x28x28x1xf32>, %bw: tensor<3x3x1x32xf32>,
       %bb: tensor<32xf32>, %bs: i64):
    %c = kiln.conv2d %bx, %bw : (tensor<?x28x28x1xf32>, tensor<3x3x1x32xf32>) -> tensor<?x26x26x32xf32>
    %z = kiln.bias_add %c, %bb : tensor<?x26x26x32xf32>, tensor<32xf32>
    %y, %mask = kiln.dropout %z, %bs, %bs {rate = 0.25 : f32, stream = 5}
        : tensor<?x26x26x32xf32>
    kiln.yield %z, %y : tensor<?x26x26x32xf32>, tensor<?x26x26x32xf32>
  }
  return %k#0, %k#1 : tensor<?x26x26x32xf32>, tensor<?x26x26x32xf32>
}

// Tests that a kernel without name or schedule round-trips without them.
// CHECK-LABEL: func.func @kernel_anonymous
// CHECK: kiln.kernel(%{{.*}}) : (tensor<4x10xf32>) -> tensor<4x10xf32> {
func.func @kernel_anonymous(%x: tensor<4x10xf32>) -> tensor<4x10xf32> {
  %k = kiln.kernel (%x) : (tensor<4x10xf32>) -> tensor<4x10xf32> {
  ^bb0(%a: tensor<4x10xf32>):
    %r = kiln.relu %a : tensor<4x10xf32>
    kiln.yield %r : tensor<4x10xf32>
  }
  return %k : tensor<4x10xf32>
}

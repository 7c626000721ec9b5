// A training step written by hand in the @train_step form: two conv1d layers
// (the first dilated and padded) with tanh, avg_pool1d with asymmetric
// padding, global_avg_pool and softmax_cross_entropy; the backward pass,
// including conv1d_grad_input into the first layer; RMSprop.

func.func @train_step(
    %x: tensor<?x8x3xf32> {kiln.role = "input"},
    %labels: tensor<?x3xf32> {kiln.role = "labels"},
    %step: i64 {kiln.role = "step"},
    %lr: f32 {kiln.role = "lr"},
    %k1: tensor<3x3x4xf32> {kiln.role = "param", kiln.name = "conv1d/kernel"},
    %b1: tensor<4xf32> {kiln.role = "param", kiln.name = "conv1d/bias"},
    %k2: tensor<2x4x3xf32> {kiln.role = "param", kiln.name = "conv1d_1/kernel"},
    %s1: tensor<3x3x4xf32> {kiln.role = "slot", kiln.name = "conv1d/kernel/rms"},
    %s2: tensor<4xf32> {kiln.role = "slot", kiln.name = "conv1d/bias/rms"},
    %s3: tensor<2x4x3xf32> {kiln.role = "slot", kiln.name = "conv1d_1/kernel/rms"})
    -> (tensor<f32> {kiln.role = "loss"}, tensor<f32> {kiln.role = "correct"},
        tensor<3x3x4xf32>, tensor<4xf32>, tensor<2x4x3xf32>,
        tensor<3x3x4xf32>, tensor<4xf32>, tensor<2x4x3xf32>) {
  // Forward.
  %c1 = kiln.conv1d %x, %k1 {dilation = 2, padding = array<i64: 1, 1>}
      : (tensor<?x8x3xf32>, tensor<3x3x4xf32>) -> tensor<?x6x4xf32>
  %c1b = kiln.bias_add %c1, %b1 : tensor<?x6x4xf32>, tensor<4xf32>
  %t = kiln.tanh %c1b : tensor<?x6x4xf32>
  %p = kiln.avg_pool1d %t {window = 2, stride = 2, padding = array<i64: 0, 1>}
      : tensor<?x6x4xf32> -> tensor<?x3x4xf32>
  %c2 = kiln.conv1d %p, %k2 : (tensor<?x3x4xf32>, tensor<2x4x3xf32>) -> tensor<?x2x3xf32>
  %logits = kiln.global_avg_pool %c2 : tensor<?x2x3xf32> -> tensor<?x3xf32>
  %loss = kiln.softmax_cross_entropy %logits, %labels : tensor<?x3xf32>
  %correct = kiln.correct_count %logits, %labels : tensor<?x3xf32>

  // Backward.
  %glogits = kiln.softmax_cross_entropy_grad %logits, %labels : tensor<?x3xf32>
  %gc2 = kiln.global_avg_pool_grad %glogits {input_shape = array<i64: 2, 3>}
      : tensor<?x3xf32> -> tensor<?x2x3xf32>
  %gk2 = kiln.conv1d_grad_filter %p, %gc2 {kernel_w = 2}
      : (tensor<?x3x4xf32>, tensor<?x2x3xf32>) -> tensor<2x4x3xf32>
  %gp = kiln.conv1d_grad_input %gc2, %k2 {input_w = 3}
      : (tensor<?x2x3xf32>, tensor<2x4x3xf32>) -> tensor<?x3x4xf32>
  %gt = kiln.avg_pool1d_grad %gp {window = 2, stride = 2, padding = array<i64: 0, 1>, input_w = 6}
      : tensor<?x3x4xf32> -> tensor<?x6x4xf32>
  %gc1b = kiln.tanh_grad %gt, %t : tensor<?x6x4xf32>
  %gb1 = kiln.bias_grad %gc1b : tensor<?x6x4xf32> -> tensor<4xf32>
  %gk1 = kiln.conv1d_grad_filter %x, %gc1b {dilation = 2, padding = array<i64: 1, 1>, kernel_w = 3}
      : (tensor<?x8x3xf32>, tensor<?x6x4xf32>) -> tensor<3x3x4xf32>

  // RMSprop.
  %k12, %s12 = kiln.rmsprop_update %k1, %gk1, %s1, %lr {rho = 0.9 : f32, epsilon = 1.0e-07 : f32}
      : tensor<3x3x4xf32>
  %b12, %s22 = kiln.rmsprop_update %b1, %gb1, %s2, %lr {rho = 0.9 : f32, epsilon = 1.0e-07 : f32}
      : tensor<4xf32>
  %k22, %s32 = kiln.rmsprop_update %k2, %gk2, %s3, %lr {rho = 0.9 : f32, epsilon = 1.0e-07 : f32}
      : tensor<2x4x3xf32>
  return %loss, %correct, %k12, %b12, %k22, %s12, %s22, %s32
      : tensor<f32>, tensor<f32>, tensor<3x3x4xf32>, tensor<4xf32>, tensor<2x4x3xf32>,
        tensor<3x3x4xf32>, tensor<4xf32>, tensor<2x4x3xf32>
}

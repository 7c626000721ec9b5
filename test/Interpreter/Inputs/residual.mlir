// A training step written by hand in the @train_step form: a strided, padded
// conv2d with tanh, then a residual block (zero_pad, conv2d, add) whose output
// is concatenated with its input, avg_pool2d, flatten, dense and
// softmax_cross_entropy; the backward pass takes zero_pad's and concat's
// gradients with slice and sums the three paths into the block's input;
// SGD with Nesterov momentum.

func.func @train_step(
    %x: tensor<?x7x7x1xf32> {kiln.role = "input"},
    %labels: tensor<?x3xf32> {kiln.role = "labels"},
    %step: i64 {kiln.role = "step"},
    %lr: f32 {kiln.role = "lr"},
    %w1: tensor<3x3x1x2xf32> {kiln.role = "param", kiln.name = "conv2d/kernel"},
    %w2: tensor<3x3x2x2xf32> {kiln.role = "param", kiln.name = "conv2d_1/kernel"},
    %wd: tensor<16x3xf32> {kiln.role = "param", kiln.name = "dense/kernel"},
    %v1: tensor<3x3x1x2xf32> {kiln.role = "slot", kiln.name = "conv2d/kernel/momentum"},
    %v2: tensor<3x3x2x2xf32> {kiln.role = "slot", kiln.name = "conv2d_1/kernel/momentum"},
    %v3: tensor<16x3xf32> {kiln.role = "slot", kiln.name = "dense/kernel/momentum"})
    -> (tensor<f32> {kiln.role = "loss"}, tensor<f32> {kiln.role = "correct"},
        tensor<3x3x1x2xf32>, tensor<3x3x2x2xf32>, tensor<16x3xf32>,
        tensor<3x3x1x2xf32>, tensor<3x3x2x2xf32>, tensor<16x3xf32>) {
  // Forward.
  %h = kiln.conv2d %x, %w1 {strides = array<i64: 2, 2>, padding = array<i64: 1, 1, 1, 1>}
      : (tensor<?x7x7x1xf32>, tensor<3x3x1x2xf32>) -> tensor<?x4x4x2xf32>
  %a = kiln.tanh %h : tensor<?x4x4x2xf32>
  %z = kiln.zero_pad %a {padding = array<i64: 1, 1, 1, 1>}
      : tensor<?x4x4x2xf32> -> tensor<?x6x6x2xf32>
  %c = kiln.conv2d %z, %w2 : (tensor<?x6x6x2xf32>, tensor<3x3x2x2xf32>) -> tensor<?x4x4x2xf32>
  %r = kiln.add %c, %a : tensor<?x4x4x2xf32>
  %k = kiln.concat %r, %a {axis = 3}
      : (tensor<?x4x4x2xf32>, tensor<?x4x4x2xf32>) -> tensor<?x4x4x4xf32>
  %p = kiln.avg_pool2d %k {window = array<i64: 2, 2>, strides = array<i64: 2, 2>}
      : tensor<?x4x4x4xf32> -> tensor<?x2x2x4xf32>
  %f = kiln.flatten %p : tensor<?x2x2x4xf32> -> tensor<?x16xf32>
  %logits = kiln.dense %f, %wd : (tensor<?x16xf32>, tensor<16x3xf32>) -> tensor<?x3xf32>
  %loss = kiln.softmax_cross_entropy %logits, %labels : tensor<?x3xf32>
  %correct = kiln.correct_count %logits, %labels : tensor<?x3xf32>

  // Backward.
  %glogits = kiln.softmax_cross_entropy_grad %logits, %labels : tensor<?x3xf32>
  %gwd = kiln.dense_grad_weights %f, %glogits
      : (tensor<?x16xf32>, tensor<?x3xf32>) -> tensor<16x3xf32>
  %gf = kiln.dense_grad_input %glogits, %wd
      : (tensor<?x3xf32>, tensor<16x3xf32>) -> tensor<?x16xf32>
  %gp = kiln.reshape %gf {shape = array<i64: 2, 2, 4>} : tensor<?x16xf32> -> tensor<?x2x2x4xf32>
  %gk = kiln.avg_pool2d_grad %gp
      {window = array<i64: 2, 2>, strides = array<i64: 2, 2>, input_hw = array<i64: 4, 4>}
      : tensor<?x2x2x4xf32> -> tensor<?x4x4x4xf32>
  %gr = kiln.slice %gk {offsets = array<i64: 0, 0, 0>, sizes = array<i64: 4, 4, 2>}
      : tensor<?x4x4x4xf32> -> tensor<?x4x4x2xf32>
  %gaConcat = kiln.slice %gk {offsets = array<i64: 0, 0, 2>, sizes = array<i64: 4, 4, 2>}
      : tensor<?x4x4x4xf32> -> tensor<?x4x4x2xf32>
  %gw2 = kiln.conv2d_grad_filter %z, %gr {kernel_hw = array<i64: 3, 3>}
      : (tensor<?x6x6x2xf32>, tensor<?x4x4x2xf32>) -> tensor<3x3x2x2xf32>
  %gz = kiln.conv2d_grad_input %gr, %w2 {input_hw = array<i64: 6, 6>}
      : (tensor<?x4x4x2xf32>, tensor<3x3x2x2xf32>) -> tensor<?x6x6x2xf32>
  %gaPad = kiln.slice %gz {offsets = array<i64: 1, 1, 0>, sizes = array<i64: 4, 4, 2>}
      : tensor<?x6x6x2xf32> -> tensor<?x4x4x2xf32>
  %gaSkip = kiln.add %gaConcat, %gr : tensor<?x4x4x2xf32>
  %ga = kiln.add %gaSkip, %gaPad : tensor<?x4x4x2xf32>
  %gh = kiln.tanh_grad %ga, %a : tensor<?x4x4x2xf32>
  %gw1 = kiln.conv2d_grad_filter %x, %gh
      {strides = array<i64: 2, 2>, padding = array<i64: 1, 1, 1, 1>, kernel_hw = array<i64: 3, 3>}
      : (tensor<?x7x7x1xf32>, tensor<?x4x4x2xf32>) -> tensor<3x3x1x2xf32>

  // SGD with Nesterov momentum.
  %w12, %v12 = kiln.sgd_update %w1, %gw1, %v1, %lr {momentum = 0.9 : f32, nesterov = true}
      : tensor<3x3x1x2xf32>
  %w22, %v22 = kiln.sgd_update %w2, %gw2, %v2, %lr {momentum = 0.9 : f32, nesterov = true}
      : tensor<3x3x2x2xf32>
  %wd2, %v32 = kiln.sgd_update %wd, %gwd, %v3, %lr {momentum = 0.9 : f32, nesterov = true}
      : tensor<16x3xf32>
  return %loss, %correct, %w12, %w22, %wd2, %v12, %v22, %v32
      : tensor<f32>, tensor<f32>, tensor<3x3x1x2xf32>, tensor<3x3x2x2xf32>, tensor<16x3xf32>,
        tensor<3x3x1x2xf32>, tensor<3x3x2x2xf32>, tensor<16x3xf32>
}

// A training step written by hand in the @train_step form: a strided conv2d,
// batch_norm_train over batch and space (its moving statistics updated with
// moving_average), gelu, dropout on the seed argument, flatten, dense
// and softmax_cross_entropy; the backward pass (dropout's gradient is
// mul(grad, mask)); Adam.

func.func @train_step(
    %x: tensor<?x4x4x2xf32> {kiln.role = "input"},
    %labels: tensor<?x3xf32> {kiln.role = "labels"},
    %step: i64 {kiln.role = "step"},
    %seed: i64 {kiln.role = "seed"},
    %lr: f32 {kiln.role = "lr"},
    %w: tensor<2x2x2x3xf32> {kiln.role = "param", kiln.name = "conv2d/kernel"},
    %gamma: tensor<3xf32> {kiln.role = "param", kiln.name = "batch_normalization/gamma"},
    %beta: tensor<3xf32> {kiln.role = "param", kiln.name = "batch_normalization/beta"},
    %wd: tensor<12x3xf32> {kiln.role = "param", kiln.name = "dense/kernel"},
    %bd: tensor<3xf32> {kiln.role = "param", kiln.name = "dense/bias"},
    %mm: tensor<3xf32> {kiln.role = "state", kiln.name = "batch_normalization/moving_mean"},
    %mv: tensor<3xf32> {kiln.role = "state", kiln.name = "batch_normalization/moving_variance"},
    %m0: tensor<2x2x2x3xf32> {kiln.role = "slot", kiln.name = "conv2d/kernel/m"},
    %v0: tensor<2x2x2x3xf32> {kiln.role = "slot", kiln.name = "conv2d/kernel/v"},
    %m1: tensor<3xf32> {kiln.role = "slot", kiln.name = "batch_normalization/gamma/m"},
    %v1: tensor<3xf32> {kiln.role = "slot", kiln.name = "batch_normalization/gamma/v"},
    %m2: tensor<3xf32> {kiln.role = "slot", kiln.name = "batch_normalization/beta/m"},
    %v2: tensor<3xf32> {kiln.role = "slot", kiln.name = "batch_normalization/beta/v"},
    %m3: tensor<12x3xf32> {kiln.role = "slot", kiln.name = "dense/kernel/m"},
    %v3: tensor<12x3xf32> {kiln.role = "slot", kiln.name = "dense/kernel/v"},
    %m4: tensor<3xf32> {kiln.role = "slot", kiln.name = "dense/bias/m"},
    %v4: tensor<3xf32> {kiln.role = "slot", kiln.name = "dense/bias/v"})
    -> (tensor<f32> {kiln.role = "loss"}, tensor<f32> {kiln.role = "correct"},
        tensor<2x2x2x3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<12x3xf32>, tensor<3xf32>,
        tensor<3xf32>, tensor<3xf32>,
        tensor<2x2x2x3xf32>, tensor<2x2x2x3xf32>, tensor<3xf32>, tensor<3xf32>,
        tensor<3xf32>, tensor<3xf32>, tensor<12x3xf32>, tensor<12x3xf32>,
        tensor<3xf32>, tensor<3xf32>) {
  // Forward.
  %h = kiln.conv2d %x, %w {strides = array<i64: 2, 2>}
      : (tensor<?x4x4x2xf32>, tensor<2x2x2x3xf32>) -> tensor<?x2x2x3xf32>
  %y, %mean, %var = kiln.batch_norm_train %h, %gamma, %beta {epsilon = 1.0e-3 : f32}
      : tensor<?x2x2x3xf32>, tensor<3xf32>
  %a = kiln.gelu %y : tensor<?x2x2x3xf32>
  %dropped, %mask = kiln.dropout %a, %step, %seed {rate = 0.25 : f32, stream = 3}
      : tensor<?x2x2x3xf32>
  %f = kiln.flatten %dropped : tensor<?x2x2x3xf32> -> tensor<?x12xf32>
  %d = kiln.dense %f, %wd : (tensor<?x12xf32>, tensor<12x3xf32>) -> tensor<?x3xf32>
  %logits = kiln.bias_add %d, %bd : tensor<?x3xf32>, tensor<3xf32>
  %loss = kiln.softmax_cross_entropy %logits, %labels : tensor<?x3xf32>
  %correct = kiln.correct_count %logits, %labels : tensor<?x3xf32>
  %mm2 = kiln.moving_average %mm, %mean {momentum = 0.99 : f32} : tensor<3xf32>
  %mv2 = kiln.moving_average %mv, %var {momentum = 0.99 : f32} : tensor<3xf32>

  // Backward.
  %glogits = kiln.softmax_cross_entropy_grad %logits, %labels : tensor<?x3xf32>
  %gbd = kiln.bias_grad %glogits : tensor<?x3xf32> -> tensor<3xf32>
  %gwd = kiln.dense_grad_weights %f, %glogits
      : (tensor<?x12xf32>, tensor<?x3xf32>) -> tensor<12x3xf32>
  %gf = kiln.dense_grad_input %glogits, %wd
      : (tensor<?x3xf32>, tensor<12x3xf32>) -> tensor<?x12xf32>
  %gdropped = kiln.reshape %gf {shape = array<i64: 2, 2, 3>}
      : tensor<?x12xf32> -> tensor<?x2x2x3xf32>
  %ga = kiln.mul %gdropped, %mask : tensor<?x2x2x3xf32>
  %gy = kiln.gelu_grad %ga, %y : tensor<?x2x2x3xf32>
  %gh, %ggamma, %gbeta = kiln.batch_norm_train_grad %gy, %h, %gamma, %mean, %var
      {epsilon = 1.0e-3 : f32} : tensor<?x2x2x3xf32>, tensor<3xf32>
  %gw = kiln.conv2d_grad_filter %x, %gh
      {strides = array<i64: 2, 2>, kernel_hw = array<i64: 2, 2>}
      : (tensor<?x4x4x2xf32>, tensor<?x2x2x3xf32>) -> tensor<2x2x2x3xf32>

  // Adam.
  %w2, %m02, %v02 = kiln.adam_update %w, %gw, %m0, %v0, %lr, %step
      {beta1 = 0.9 : f32, beta2 = 0.999 : f32, epsilon = 1.0e-07 : f32} : tensor<2x2x2x3xf32>
  %gamma2, %m12, %v12 = kiln.adam_update %gamma, %ggamma, %m1, %v1, %lr, %step
      {beta1 = 0.9 : f32, beta2 = 0.999 : f32, epsilon = 1.0e-07 : f32} : tensor<3xf32>
  %beta2, %m22, %v22 = kiln.adam_update %beta, %gbeta, %m2, %v2, %lr, %step
      {beta1 = 0.9 : f32, beta2 = 0.999 : f32, epsilon = 1.0e-07 : f32} : tensor<3xf32>
  %wd2, %m32, %v32 = kiln.adam_update %wd, %gwd, %m3, %v3, %lr, %step
      {beta1 = 0.9 : f32, beta2 = 0.999 : f32, epsilon = 1.0e-07 : f32} : tensor<12x3xf32>
  %bd2, %m42, %v42 = kiln.adam_update %bd, %gbd, %m4, %v4, %lr, %step
      {beta1 = 0.9 : f32, beta2 = 0.999 : f32, epsilon = 1.0e-07 : f32} : tensor<3xf32>
  return %loss, %correct, %w2, %gamma2, %beta2, %wd2, %bd2, %mm2, %mv2,
         %m02, %v02, %m12, %v12, %m22, %v22, %m32, %v32, %m42, %v42
      : tensor<f32>, tensor<f32>,
        tensor<2x2x2x3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<12x3xf32>, tensor<3xf32>,
        tensor<3xf32>, tensor<3xf32>,
        tensor<2x2x2x3xf32>, tensor<2x2x2x3xf32>, tensor<3xf32>, tensor<3xf32>,
        tensor<3xf32>, tensor<3xf32>, tensor<12x3xf32>, tensor<12x3xf32>,
        tensor<3xf32>, tensor<3xf32>
}

// A training step written by hand in the IR contract's @train_step form:
// conv2d (same padding) + bias_add + relu + max_pool2d + flatten + dense +
// softmax_cross_entropy with an l2 penalty on the conv kernel, its backward
// pass with the kiln *_grad ops, and SGD with momentum. The interpreter's
// tests check its gradients against finite differences of its loss.

func.func @train_step(
    %x: tensor<?x6x6x1xf32> {kiln.role = "input"},
    %labels: tensor<?x3xf32> {kiln.role = "labels"},
    %step: i64 {kiln.role = "step"},
    %lr: f32 {kiln.role = "lr"},
    %w: tensor<3x3x1x2xf32> {kiln.role = "param", kiln.name = "conv2d/kernel"},
    %b: tensor<2xf32> {kiln.role = "param", kiln.name = "conv2d/bias"},
    %wd: tensor<18x3xf32> {kiln.role = "param", kiln.name = "dense/kernel"},
    %bd: tensor<3xf32> {kiln.role = "param", kiln.name = "dense/bias"},
    %vw: tensor<3x3x1x2xf32> {kiln.role = "slot", kiln.name = "conv2d/kernel/momentum"},
    %vb: tensor<2xf32> {kiln.role = "slot", kiln.name = "conv2d/bias/momentum"},
    %vwd: tensor<18x3xf32> {kiln.role = "slot", kiln.name = "dense/kernel/momentum"},
    %vbd: tensor<3xf32> {kiln.role = "slot", kiln.name = "dense/bias/momentum"})
    -> (tensor<f32> {kiln.role = "loss"}, tensor<f32> {kiln.role = "correct"},
        tensor<3x3x1x2xf32>, tensor<2xf32>, tensor<18x3xf32>, tensor<3xf32>,
        tensor<3x3x1x2xf32>, tensor<2xf32>, tensor<18x3xf32>, tensor<3xf32>) {
  // Forward.
  %c = kiln.conv2d %x, %w {padding = array<i64: 1, 1, 1, 1>}
      : (tensor<?x6x6x1xf32>, tensor<3x3x1x2xf32>) -> tensor<?x6x6x2xf32>
  %cb = kiln.bias_add %c, %b : tensor<?x6x6x2xf32>, tensor<2xf32>
  %r = kiln.relu %cb : tensor<?x6x6x2xf32>
  %p = kiln.max_pool2d %r {window = array<i64: 2, 2>, strides = array<i64: 2, 2>}
      : tensor<?x6x6x2xf32> -> tensor<?x3x3x2xf32>
  %f = kiln.flatten %p : tensor<?x3x3x2xf32> -> tensor<?x18xf32>
  %d = kiln.dense %f, %wd : (tensor<?x18xf32>, tensor<18x3xf32>) -> tensor<?x3xf32>
  %logits = kiln.bias_add %d, %bd : tensor<?x3xf32>, tensor<3xf32>
  %ce = kiln.softmax_cross_entropy %logits, %labels : tensor<?x3xf32>
  %penalty = kiln.l2_penalty %w {scale = 1.0e-2 : f32} : tensor<3x3x1x2xf32>
  %loss = kiln.add %ce, %penalty : tensor<f32>
  %correct = kiln.correct_count %logits, %labels : tensor<?x3xf32>

  // Backward.
  %glogits = kiln.softmax_cross_entropy_grad %logits, %labels : tensor<?x3xf32>
  %gbd = kiln.bias_grad %glogits : tensor<?x3xf32> -> tensor<3xf32>
  %gwd = kiln.dense_grad_weights %f, %glogits
      : (tensor<?x18xf32>, tensor<?x3xf32>) -> tensor<18x3xf32>
  %gf = kiln.dense_grad_input %glogits, %wd
      : (tensor<?x3xf32>, tensor<18x3xf32>) -> tensor<?x18xf32>
  %gp = kiln.reshape %gf {shape = array<i64: 3, 3, 2>}
      : tensor<?x18xf32> -> tensor<?x3x3x2xf32>
  %gr = kiln.max_pool2d_grad %gp, %r {window = array<i64: 2, 2>, strides = array<i64: 2, 2>}
      : tensor<?x3x3x2xf32>, tensor<?x6x6x2xf32>
  %gcb = kiln.relu_grad %gr, %cb : tensor<?x6x6x2xf32>
  %gb = kiln.bias_grad %gcb : tensor<?x6x6x2xf32> -> tensor<2xf32>
  %gwc = kiln.conv2d_grad_filter %x, %gcb
      {padding = array<i64: 1, 1, 1, 1>, kernel_hw = array<i64: 3, 3>}
      : (tensor<?x6x6x1xf32>, tensor<?x6x6x2xf32>) -> tensor<3x3x1x2xf32>
  %gpenalty = kiln.l2_penalty_grad %w {scale = 1.0e-2 : f32} : tensor<3x3x1x2xf32>
  %gw = kiln.add %gwc, %gpenalty : tensor<3x3x1x2xf32>

  // SGD with momentum.
  %w2, %vw2 = kiln.sgd_update %w, %gw, %vw, %lr {momentum = 0.9 : f32} : tensor<3x3x1x2xf32>
  %b2, %vb2 = kiln.sgd_update %b, %gb, %vb, %lr {momentum = 0.9 : f32} : tensor<2xf32>
  %wd2, %vwd2 = kiln.sgd_update %wd, %gwd, %vwd, %lr {momentum = 0.9 : f32} : tensor<18x3xf32>
  %bd2, %vbd2 = kiln.sgd_update %bd, %gbd, %vbd, %lr {momentum = 0.9 : f32} : tensor<3xf32>
  return %loss, %correct, %w2, %b2, %wd2, %bd2, %vw2, %vb2, %vwd2, %vbd2
      : tensor<f32>, tensor<f32>, tensor<3x3x1x2xf32>, tensor<2xf32>, tensor<18x3xf32>,
        tensor<3xf32>, tensor<3x3x1x2xf32>, tensor<2xf32>, tensor<18x3xf32>, tensor<3xf32>
}

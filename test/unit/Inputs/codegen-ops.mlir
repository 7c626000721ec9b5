// Kernels that cover every kiln op the codegen lowers, each checked by
// CodegenOpsTest against the reference interpreter. Small shapes keep the
// Halide compiles fast; odd extents exercise tails. Argument attribute
// kiln.test = "onehot" | "positive" shapes the random inputs.

func.func @conv2d_bias_relu(%x: tensor<?x9x11x5xf32>, %w: tensor<3x3x5x24xf32>, %b: tensor<24xf32>) -> tensor<?x9x11x24xf32> {
  %y = kiln.conv2d %x, %w {padding = array<i64: 1, 1, 1, 1>} : (tensor<?x9x11x5xf32>, tensor<3x3x5x24xf32>) -> tensor<?x9x11x24xf32>
  %z = kiln.bias_add %y, %b : tensor<?x9x11x24xf32>, tensor<24xf32>
  %r = kiln.relu %z : tensor<?x9x11x24xf32>
  return %r : tensor<?x9x11x24xf32>
}
func.func @conv2d_strided_dilated(%x: tensor<?x13x12x3xf32>, %w: tensor<3x2x3x16xf32>) -> tensor<?x5x6x16xf32> {
  %y = kiln.conv2d %x, %w {strides = array<i64: 2, 2>, dilations = array<i64: 2, 1>, padding = array<i64: 0, 1, 0, 1>} : (tensor<?x13x12x3xf32>, tensor<3x2x3x16xf32>) -> tensor<?x5x6x16xf32>
  return %y : tensor<?x5x6x16xf32>
}
func.func @conv1d(%x: tensor<?x28x12xf32>, %w: tensor<3x12x20xf32>) -> tensor<?x14x20xf32> {
  %y = kiln.conv1d %x, %w {stride = 2, padding = array<i64: 1, 1>} : (tensor<?x28x12xf32>, tensor<3x12x20xf32>) -> tensor<?x14x20xf32>
  return %y : tensor<?x14x20xf32>
}
func.func @dense_bias_gelu(%x: tensor<?x37xf32>, %w: tensor<37x20xf32>, %b: tensor<20xf32>) -> tensor<?x20xf32> {
  %y = kiln.dense %x, %w : (tensor<?x37xf32>, tensor<37x20xf32>) -> tensor<?x20xf32>
  %z = kiln.bias_add %y, %b : tensor<?x20xf32>, tensor<20xf32>
  %g = kiln.gelu %z : tensor<?x20xf32>
  return %g : tensor<?x20xf32>
}
func.func @activations(%x: tensor<?x10xf32>) -> (tensor<?x10xf32>, tensor<?x10xf32>, tensor<?x10xf32>) {
  %s = kiln.sigmoid %x : tensor<?x10xf32>
  %t = kiln.tanh %x : tensor<?x10xf32>
  %m = kiln.softmax %x : tensor<?x10xf32>
  return %s, %t, %m : tensor<?x10xf32>, tensor<?x10xf32>, tensor<?x10xf32>
}
func.func @pool2d(%x: tensor<?x9x7x6xf32>) -> (tensor<?x5x4x6xf32>, tensor<?x4x3x6xf32>) {
  %a = kiln.max_pool2d %x {window = array<i64: 3, 3>, strides = array<i64: 2, 2>, padding = array<i64: 1, 1, 1, 1>} : tensor<?x9x7x6xf32> -> tensor<?x5x4x6xf32>
  %b = kiln.avg_pool2d %x {window = array<i64: 2, 2>, strides = array<i64: 2, 2>} : tensor<?x9x7x6xf32> -> tensor<?x4x3x6xf32>
  return %a, %b : tensor<?x5x4x6xf32>, tensor<?x4x3x6xf32>
}
func.func @pool1d_global(%x: tensor<?x13x8xf32>, %y: tensor<?x5x5x8xf32>) -> (tensor<?x6x8xf32>, tensor<?x7x8xf32>, tensor<?x8xf32>) {
  %a = kiln.max_pool1d %x {window = 2, stride = 2} : tensor<?x13x8xf32> -> tensor<?x6x8xf32>
  %b = kiln.avg_pool1d %x {window = 3, stride = 2, padding = array<i64: 1, 1>} : tensor<?x13x8xf32> -> tensor<?x7x8xf32>
  %c = kiln.global_avg_pool %y : tensor<?x5x5x8xf32> -> tensor<?x8xf32>
  return %a, %b, %c : tensor<?x6x8xf32>, tensor<?x7x8xf32>, tensor<?x8xf32>
}
func.func @batch_norm_train(%x: tensor<?x6x5x8xf32>, %gamma: tensor<8xf32>, %beta: tensor<8xf32>, %run: tensor<8xf32>) -> (tensor<?x6x5x8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>) {
  %y, %m, %v = kiln.batch_norm_train %x, %gamma, %beta {epsilon = 1.0e-3 : f32} : tensor<?x6x5x8xf32>, tensor<8xf32>
  %r = kiln.moving_average %run, %m {momentum = 0.99 : f32} : tensor<8xf32>
  return %y, %m, %v, %r : tensor<?x6x5x8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>
}
func.func @batch_norm_infer(%x: tensor<?x12xf32>, %gamma: tensor<12xf32>, %beta: tensor<12xf32>, %mean: tensor<12xf32>, %var: tensor<12xf32> {kiln.test = "positive"}) -> tensor<?x12xf32> {
  %y = kiln.batch_norm_infer %x, %gamma, %beta, %mean, %var {epsilon = 1.0e-3 : f32} : tensor<?x12xf32>, tensor<12xf32>
  return %y : tensor<?x12xf32>
}
func.func @dropout(%x: tensor<?x7x9xf32>, %step: i64, %seed: i64) -> (tensor<?x7x9xf32>, tensor<?x7x9xf32>) {
  %y, %mask = kiln.dropout %x, %step, %seed {rate = 0.3 : f32, stream = 77} : tensor<?x7x9xf32>
  return %y, %mask : tensor<?x7x9xf32>, tensor<?x7x9xf32>
}
func.func @shape_ops(%a: tensor<?x4x5x3xf32>, %b: tensor<?x4x5x2xf32>) -> (tensor<?x4x5x5xf32>, tensor<?x60xf32>, tensor<?x6x10xf32>, tensor<?x6x9x3xf32>, tensor<?x2x3x2xf32>) {
  %s = kiln.add %a, %a : tensor<?x4x5x3xf32>
  %m = kiln.mul %s, %a : tensor<?x4x5x3xf32>
  %c = kiln.concat %m, %b {axis = -1} : (tensor<?x4x5x3xf32>, tensor<?x4x5x2xf32>) -> tensor<?x4x5x5xf32>
  %f = kiln.flatten %a : tensor<?x4x5x3xf32> -> tensor<?x60xf32>
  %r = kiln.reshape %f {shape = array<i64: 6, 10>} : tensor<?x60xf32> -> tensor<?x6x10xf32>
  %p = kiln.zero_pad %a {padding = array<i64: 1, 1, 3, 1>} : tensor<?x4x5x3xf32> -> tensor<?x6x9x3xf32>
  %l = kiln.slice %b {offsets = array<i64: 1, 2, 0>, sizes = array<i64: 2, 3, 2>} : tensor<?x4x5x2xf32> -> tensor<?x2x3x2xf32>
  return %c, %f, %r, %p, %l : tensor<?x4x5x5xf32>, tensor<?x60xf32>, tensor<?x6x10xf32>, tensor<?x6x9x3xf32>, tensor<?x2x3x2xf32>
}
func.func @losses(%logits: tensor<?x10xf32>, %labels: tensor<?x10xf32> {kiln.test = "onehot"}, %w: tensor<3x4xf32>) -> (tensor<f32>, tensor<f32>, tensor<?x10xf32>, tensor<f32>, tensor<f32>, tensor<3x4xf32>, tensor<3x4xf32>) {
  %loss = kiln.softmax_cross_entropy %logits, %labels : tensor<?x10xf32>
  %correct = kiln.correct_count %logits, %labels : tensor<?x10xf32>
  %g = kiln.softmax_cross_entropy_grad %logits, %labels : tensor<?x10xf32>
  %l2 = kiln.l2_penalty %w {scale = 1.0e-3 : f32} : tensor<3x4xf32>
  %l1 = kiln.l1_penalty %w {scale = 1.0e-2 : f32} : tensor<3x4xf32>
  %g2 = kiln.l2_penalty_grad %w {scale = 1.0e-3 : f32} : tensor<3x4xf32>
  %g1 = kiln.l1_penalty_grad %w {scale = 1.0e-2 : f32} : tensor<3x4xf32>
  return %loss, %correct, %g, %l2, %l1, %g2, %g1 : tensor<f32>, tensor<f32>, tensor<?x10xf32>, tensor<f32>, tensor<f32>, tensor<3x4xf32>, tensor<3x4xf32>
}
func.func @conv2d_grads(%x: tensor<?x9x8x5xf32>, %w: tensor<3x3x5x16xf32>, %g: tensor<?x5x4x16xf32>) -> (tensor<?x9x8x5xf32>, tensor<3x3x5x16xf32>) {
  %gi = kiln.conv2d_grad_input %g, %w {strides = array<i64: 2, 2>, padding = array<i64: 1, 1, 1, 1>, input_hw = array<i64: 9, 8>} : (tensor<?x5x4x16xf32>, tensor<3x3x5x16xf32>) -> tensor<?x9x8x5xf32>
  %gf = kiln.conv2d_grad_filter %x, %g {strides = array<i64: 2, 2>, padding = array<i64: 1, 1, 1, 1>, kernel_hw = array<i64: 3, 3>} : (tensor<?x9x8x5xf32>, tensor<?x5x4x16xf32>) -> tensor<3x3x5x16xf32>
  return %gi, %gf : tensor<?x9x8x5xf32>, tensor<3x3x5x16xf32>
}
func.func @conv1d_grads(%x: tensor<?x11x6xf32>, %w: tensor<2x6x8xf32>, %g: tensor<?x10x8xf32>) -> (tensor<?x11x6xf32>, tensor<2x6x8xf32>) {
  %gi = kiln.conv1d_grad_input %g, %w {input_w = 11} : (tensor<?x10x8xf32>, tensor<2x6x8xf32>) -> tensor<?x11x6xf32>
  %gf = kiln.conv1d_grad_filter %x, %g {kernel_w = 2} : (tensor<?x11x6xf32>, tensor<?x10x8xf32>) -> tensor<2x6x8xf32>
  return %gi, %gf : tensor<?x11x6xf32>, tensor<2x6x8xf32>
}
func.func @dense_grads(%x: tensor<?x37xf32>, %w: tensor<37x20xf32>, %g: tensor<?x20xf32>) -> (tensor<?x37xf32>, tensor<37x20xf32>, tensor<20xf32>) {
  %gi = kiln.dense_grad_input %g, %w : (tensor<?x20xf32>, tensor<37x20xf32>) -> tensor<?x37xf32>
  %gw = kiln.dense_grad_weights %x, %g : (tensor<?x37xf32>, tensor<?x20xf32>) -> tensor<37x20xf32>
  %gb = kiln.bias_grad %g : tensor<?x20xf32> -> tensor<20xf32>
  return %gi, %gw, %gb : tensor<?x37xf32>, tensor<37x20xf32>, tensor<20xf32>
}
func.func @activation_grads(%g: tensor<?x10xf32>, %x: tensor<?x10xf32>, %y: tensor<?x10xf32> {kiln.test = "positive"}) -> (tensor<?x10xf32>, tensor<?x10xf32>, tensor<?x10xf32>, tensor<?x10xf32>, tensor<?x10xf32>) {
  %a = kiln.relu_grad %g, %x : tensor<?x10xf32>
  %b = kiln.gelu_grad %g, %x : tensor<?x10xf32>
  %c = kiln.sigmoid_grad %g, %y : tensor<?x10xf32>
  %d = kiln.tanh_grad %g, %y : tensor<?x10xf32>
  %e = kiln.softmax_grad %g, %y : tensor<?x10xf32>
  return %a, %b, %c, %d, %e : tensor<?x10xf32>, tensor<?x10xf32>, tensor<?x10xf32>, tensor<?x10xf32>, tensor<?x10xf32>
}
func.func @pool_grads(%x: tensor<?x9x7x6xf32>, %ga: tensor<?x5x4x6xf32>, %gb: tensor<?x4x3x6xf32>, %x1: tensor<?x13x8xf32>, %g1: tensor<?x6x8xf32>, %g2: tensor<?x7x8xf32>, %gg: tensor<?x8xf32>) -> (tensor<?x9x7x6xf32>, tensor<?x9x7x6xf32>, tensor<?x13x8xf32>, tensor<?x13x8xf32>, tensor<?x5x5x8xf32>) {
  %a = kiln.max_pool2d_grad %ga, %x {window = array<i64: 3, 3>, strides = array<i64: 2, 2>, padding = array<i64: 1, 1, 1, 1>} : tensor<?x5x4x6xf32>, tensor<?x9x7x6xf32>
  %b = kiln.avg_pool2d_grad %gb {window = array<i64: 2, 2>, strides = array<i64: 2, 2>, input_hw = array<i64: 9, 7>} : tensor<?x4x3x6xf32> -> tensor<?x9x7x6xf32>
  %c = kiln.max_pool1d_grad %g1, %x1 {window = 2, stride = 2} : tensor<?x6x8xf32>, tensor<?x13x8xf32>
  %d = kiln.avg_pool1d_grad %g2 {window = 3, stride = 2, padding = array<i64: 1, 1>, input_w = 13} : tensor<?x7x8xf32> -> tensor<?x13x8xf32>
  %e = kiln.global_avg_pool_grad %gg {input_shape = array<i64: 5, 5, 8>} : tensor<?x8xf32> -> tensor<?x5x5x8xf32>
  return %a, %b, %c, %d, %e : tensor<?x9x7x6xf32>, tensor<?x9x7x6xf32>, tensor<?x13x8xf32>, tensor<?x13x8xf32>, tensor<?x5x5x8xf32>
}
func.func @batch_norm_grad(%g: tensor<?x6x5x8xf32>, %x: tensor<?x6x5x8xf32>, %gamma: tensor<8xf32>, %mean: tensor<8xf32>, %var: tensor<8xf32> {kiln.test = "positive"}) -> (tensor<?x6x5x8xf32>, tensor<8xf32>, tensor<8xf32>) {
  %gx, %gg, %gb = kiln.batch_norm_train_grad %g, %x, %gamma, %mean, %var {epsilon = 1.0e-3 : f32} : tensor<?x6x5x8xf32>, tensor<8xf32>
  return %gx, %gg, %gb : tensor<?x6x5x8xf32>, tensor<8xf32>, tensor<8xf32>
}
func.func @optimizers(%p: tensor<5x7xf32>, %g: tensor<5x7xf32>, %m: tensor<5x7xf32>, %v: tensor<5x7xf32> {kiln.test = "positive"}, %lr: f32, %step: i64) -> (tensor<5x7xf32>, tensor<5x7xf32>, tensor<5x7xf32>, tensor<5x7xf32>, tensor<5x7xf32>, tensor<5x7xf32>, tensor<5x7xf32>, tensor<5x7xf32>, tensor<5x7xf32>, tensor<5x7xf32>) {
  %p1, %m1, %v1 = kiln.adam_update %p, %g, %m, %v, %lr, %step {beta1 = 0.9 : f32, beta2 = 0.999 : f32, epsilon = 1.0e-7 : f32} : tensor<5x7xf32>
  %p2, %m2 = kiln.sgd_update %p, %g, %m, %lr {momentum = 0.9 : f32} : tensor<5x7xf32>
  %p3, %m3 = kiln.sgd_update %p, %g, %m, %lr {momentum = 0.9 : f32, nesterov = true} : tensor<5x7xf32>
  %p4, %m4 = kiln.rmsprop_update %p, %g, %v, %lr {rho = 0.9 : f32, epsilon = 1.0e-7 : f32} : tensor<5x7xf32>
  return %p1, %m1, %v1, %p2, %m2, %p3, %m3, %p4, %m4, %p4 : tensor<5x7xf32>, tensor<5x7xf32>, tensor<5x7xf32>, tensor<5x7xf32>, tensor<5x7xf32>, tensor<5x7xf32>, tensor<5x7xf32>, tensor<5x7xf32>, tensor<5x7xf32>, tensor<5x7xf32>
}
func.func @fold_scale(%w: tensor<3x3x4x6xf32>, %gamma: tensor<6xf32>, %var: tensor<6xf32> {kiln.test = "positive"}) -> tensor<3x3x4x6xf32> {
  %y = kiln.fold_scale %w, %gamma, %var {epsilon = 1.0e-3 : f32} : tensor<3x3x4x6xf32>, tensor<6xf32>
  return %y : tensor<3x3x4x6xf32>
}
func.func @max_pool_grad_tiled(%x: tensor<?x9x7x6xf32>, %g: tensor<?x4x3x6xf32>, %x1: tensor<?x13x8xf32>, %g1: tensor<?x7x8xf32>) -> (tensor<?x9x7x6xf32>, tensor<?x13x8xf32>) {
  %a = kiln.max_pool2d_grad %g, %x {window = array<i64: 2, 2>, strides = array<i64: 2, 2>} : tensor<?x4x3x6xf32>, tensor<?x9x7x6xf32>
  %b = kiln.max_pool1d_grad %g1, %x1 {window = 2, stride = 2, padding = array<i64: 0, 1>} : tensor<?x7x8xf32>, tensor<?x13x8xf32>
  return %a, %b : tensor<?x9x7x6xf32>, tensor<?x13x8xf32>
}
// A conv whose fused max pool leaves positions unread (report 002 Models 1
// and 4: 5 -> 2 and 3 -> 1): the tile along the pooled dimension must fit
// the pool's output, not the conv's.
func.func @conv_pool_narrow(%x: tensor<?x6x16xf32>, %w: tensor<2x16x32xf32>, %x2: tensor<?x5x5x4xf32>, %w2: tensor<3x3x4x16xf32>) -> (tensor<?x2x32xf32>, tensor<?x1x1x16xf32>) {
  %y = kiln.conv1d %x, %w : (tensor<?x6x16xf32>, tensor<2x16x32xf32>) -> tensor<?x5x32xf32>
  %r = kiln.relu %y : tensor<?x5x32xf32>
  %p = kiln.max_pool1d %r {window = 2, stride = 2} : tensor<?x5x32xf32> -> tensor<?x2x32xf32>
  %y2 = kiln.conv2d %x2, %w2 : (tensor<?x5x5x4xf32>, tensor<3x3x4x16xf32>) -> tensor<?x3x3x16xf32>
  %p2 = kiln.max_pool2d %y2 {window = array<i64: 2, 2>, strides = array<i64: 2, 2>} : tensor<?x3x3x16xf32> -> tensor<?x1x1x16xf32>
  return %p, %p2 : tensor<?x2x32xf32>, tensor<?x1x1x16xf32>
}
// Two-tap convolutions under poolings of windows of two, computed in output
// pairs (Winograd F(2,2)): valid padding, bias and relu under a max pool
// that leaves the last position unread (13 -> 6), and 'same' padding (a
// zero after the row) through a gelu, which is not monotonic, under an
// average pool (12 -> 6).
func.func @conv_pairs(%x: tensor<?x14x20xf32>, %w: tensor<2x20x40xf32>, %b: tensor<40xf32>, %x2: tensor<?x12x6xf32>, %w2: tensor<2x6x24xf32>) -> (tensor<?x6x40xf32>, tensor<?x6x24xf32>) {
  %y = kiln.conv1d %x, %w : (tensor<?x14x20xf32>, tensor<2x20x40xf32>) -> tensor<?x13x40xf32>
  %z = kiln.bias_add %y, %b : tensor<?x13x40xf32>, tensor<40xf32>
  %r = kiln.relu %z : tensor<?x13x40xf32>
  %p = kiln.max_pool1d %r {window = 2, stride = 2} : tensor<?x13x40xf32> -> tensor<?x6x40xf32>
  %y2 = kiln.conv1d %x2, %w2 {padding = array<i64: 0, 1>} : (tensor<?x12x6xf32>, tensor<2x6x24xf32>) -> tensor<?x12x24xf32>
  %g = kiln.gelu %y2 : tensor<?x12x24xf32>
  %q = kiln.avg_pool1d %g {window = 2, stride = 2} : tensor<?x12x24xf32> -> tensor<?x6x24xf32>
  return %p, %q : tensor<?x6x40xf32>, tensor<?x6x24xf32>
}
// Two-tap convolutions over 128 input channels under poolings of windows of
// two, in wider Winograd tiles: F(5,2) for 5 pooled positions, whose last
// tile runs past the 11 outputs and the 12 inputs (it reads zeros there),
// with bias and relu under a max pool; F(4,2) for 2, under an average pool;
// and F(5,2) after 'same' padding (a zero after the row) through a gelu,
// once into an output and once flattened (its tiles then computed whole
// first). Output channels not a multiple of the vector (24, 40).
func.func @conv_winograd(%x: tensor<?x12x128xf32>, %w: tensor<2x128x24xf32>, %b: tensor<24xf32>, %x2: tensor<?x5x128xf32>, %w2: tensor<2x128x40xf32>, %x3: tensor<?x10x128xf32>, %w3: tensor<2x128x24xf32>, %x4: tensor<?x10x128xf32>) -> (tensor<?x5x24xf32>, tensor<?x2x40xf32>, tensor<?x5x24xf32>, tensor<?x120xf32>) {
  %y = kiln.conv1d %x, %w : (tensor<?x12x128xf32>, tensor<2x128x24xf32>) -> tensor<?x11x24xf32>
  %z = kiln.bias_add %y, %b : tensor<?x11x24xf32>, tensor<24xf32>
  %r = kiln.relu %z : tensor<?x11x24xf32>
  %p = kiln.max_pool1d %r {window = 2, stride = 2} : tensor<?x11x24xf32> -> tensor<?x5x24xf32>
  %y2 = kiln.conv1d %x2, %w2 : (tensor<?x5x128xf32>, tensor<2x128x40xf32>) -> tensor<?x4x40xf32>
  %q = kiln.avg_pool1d %y2 {window = 2, stride = 2} : tensor<?x4x40xf32> -> tensor<?x2x40xf32>
  %y3 = kiln.conv1d %x3, %w3 {padding = array<i64: 0, 1>} : (tensor<?x10x128xf32>, tensor<2x128x24xf32>) -> tensor<?x10x24xf32>
  %g = kiln.gelu %y3 : tensor<?x10x24xf32>
  %s = kiln.max_pool1d %g {window = 2, stride = 2} : tensor<?x10x24xf32> -> tensor<?x5x24xf32>
  %y4 = kiln.conv1d %x4, %w3 {padding = array<i64: 0, 1>} : (tensor<?x10x128xf32>, tensor<2x128x24xf32>) -> tensor<?x10x24xf32>
  %g4 = kiln.gelu %y4 : tensor<?x10x24xf32>
  %s4 = kiln.max_pool1d %g4 {window = 2, stride = 2} : tensor<?x10x24xf32> -> tensor<?x5x24xf32>
  %f4 = kiln.flatten %s4 : tensor<?x5x24xf32> -> tensor<?x120xf32>
  return %p, %q, %s, %f4 : tensor<?x5x24xf32>, tensor<?x2x40xf32>, tensor<?x5x24xf32>, tensor<?x120xf32>
}
// Report 002 Model 1's first layer (inference): in output pairs under Kiln's
// schedules, directly under Halide's autoschedulers.
func.func @conv_pairs_wide(%x: tensor<?x28x28xf32>, %w: tensor<2x28x236xf32>, %b: tensor<236xf32>) -> tensor<?x13x236xf32> {
  %y = kiln.conv1d %x, %w : (tensor<?x28x28xf32>, tensor<2x28x236xf32>) -> tensor<?x27x236xf32>
  %z = kiln.bias_add %y, %b : tensor<?x27x236xf32>, tensor<236xf32>
  %r = kiln.relu %z : tensor<?x27x236xf32>
  %p = kiln.max_pool1d %r {window = 2, stride = 2} : tensor<?x27x236xf32> -> tensor<?x13x236xf32>
  return %p : tensor<?x13x236xf32>
}
// Maps narrower than a register tile (ResNet-50's last stages): the
// heuristic tiles images instead of columns.
func.func @narrow_conv(%x: tensor<?x1x1x24xf32>, %w: tensor<3x3x24x40xf32>, %b: tensor<40xf32>) -> tensor<?x1x1x40xf32> {
  %y = kiln.conv2d %x, %w {padding = array<i64: 1, 1, 1, 1>} : (tensor<?x1x1x24xf32>, tensor<3x3x24x40xf32>) -> tensor<?x1x1x40xf32>
  %z = kiln.bias_add %y, %b : tensor<?x1x1x40xf32>, tensor<40xf32>
  %r = kiln.relu %z : tensor<?x1x1x40xf32>
  return %r : tensor<?x1x1x40xf32>
}
func.func @narrow_strided_conv(%x: tensor<?x3x2x16xf32>, %w: tensor<1x1x16x40xf32>) -> tensor<?x2x1x40xf32> {
  %y = kiln.conv2d %x, %w {strides = array<i64: 2, 2>} : (tensor<?x3x2x16xf32>, tensor<1x1x16x40xf32>) -> tensor<?x2x1x40xf32>
  return %y : tensor<?x2x1x40xf32>
}
// Taps that read only padding, dropped from the reductions: all but the
// centre of a 3x3 'same' window on a 1x1 map, and the last tap of a 3-wide
// stride-2 window with padding only after (2x2 -> 1x1), whose weight
// gradients are zero.
func.func @dead_taps(%x: tensor<?x1x1x24xf32>, %w: tensor<3x3x24x40xf32>, %g: tensor<?x1x1x40xf32>, %x2: tensor<?x2x2x8xf32>, %w2: tensor<3x3x8x16xf32>, %g2: tensor<?x1x1x16xf32>) -> (tensor<3x3x24x40xf32>, tensor<?x1x1x16xf32>, tensor<?x2x2x8xf32>, tensor<3x3x8x16xf32>) {
  %a = kiln.conv2d_grad_filter %x, %g {padding = array<i64: 1, 1, 1, 1>, kernel_hw = array<i64: 3, 3>} : (tensor<?x1x1x24xf32>, tensor<?x1x1x40xf32>) -> tensor<3x3x24x40xf32>
  %b = kiln.conv2d %x2, %w2 {strides = array<i64: 2, 2>, padding = array<i64: 0, 1, 0, 1>} : (tensor<?x2x2x8xf32>, tensor<3x3x8x16xf32>) -> tensor<?x1x1x16xf32>
  %c = kiln.conv2d_grad_input %g2, %w2 {strides = array<i64: 2, 2>, padding = array<i64: 0, 1, 0, 1>, input_hw = array<i64: 2, 2>} : (tensor<?x1x1x16xf32>, tensor<3x3x8x16xf32>) -> tensor<?x2x2x8xf32>
  %d = kiln.conv2d_grad_filter %x2, %g2 {strides = array<i64: 2, 2>, padding = array<i64: 0, 1, 0, 1>, kernel_hw = array<i64: 3, 3>} : (tensor<?x2x2x8xf32>, tensor<?x1x1x16xf32>) -> tensor<3x3x8x16xf32>
  return %a, %b, %c, %d : tensor<3x3x24x40xf32>, tensor<?x1x1x16xf32>, tensor<?x2x2x8xf32>, tensor<3x3x8x16xf32>
}
func.func @narrow_conv_grads(%g: tensor<?x1x1x40xf32>, %w: tensor<3x3x24x40xf32>, %g2: tensor<?x2x1x40xf32>, %w2: tensor<1x1x16x40xf32>) -> (tensor<?x1x1x24xf32>, tensor<?x3x2x16xf32>) {
  %a = kiln.conv2d_grad_input %g, %w {padding = array<i64: 1, 1, 1, 1>, input_hw = array<i64: 1, 1>} : (tensor<?x1x1x40xf32>, tensor<3x3x24x40xf32>) -> tensor<?x1x1x24xf32>
  %b = kiln.conv2d_grad_input %g2, %w2 {strides = array<i64: 2, 2>, input_hw = array<i64: 3, 2>} : (tensor<?x2x1x40xf32>, tensor<1x1x16x40xf32>) -> tensor<?x3x2x16xf32>
  return %a, %b : tensor<?x1x1x24xf32>, tensor<?x3x2x16xf32>
}

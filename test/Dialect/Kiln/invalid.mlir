// RUN: kiln-opt %s -split-input-file -verify-diagnostics -allow-unregistered-dialect

//===----------------------------------------------------------------------===//
// conv2d
//===----------------------------------------------------------------------===//

// Tests that a result type disagreeing with the shape rule is rejected.
func.func @conv_bad_result(%x: tensor<1x28x28x1xf32>, %w: tensor<3x3x1x32xf32>) {
  // expected-error@+1 {{'kiln.conv2d' op result type 'tensor<1x28x28x32xf32>' does not match the inferred shape 1x26x26x32}}
  %y = kiln.conv2d %x, %w : (tensor<1x28x28x1xf32>, tensor<3x3x1x32xf32>) -> tensor<1x28x28x32xf32>
  return
}

// -----

// Tests that a channel mismatch between input and filter is rejected.
func.func @conv_channels(%x: tensor<1x28x28x3xf32>, %w: tensor<3x3x1x32xf32>) {
  // expected-error@+1 {{input has 3 channels but the filter expects 1}}
  %y = kiln.conv2d %x, %w : (tensor<1x28x28x3xf32>, tensor<3x3x1x32xf32>) -> tensor<1x26x26x32xf32>
  return
}

// -----

// Tests that a kernel larger than its input is rejected.
func.func @conv_too_big(%x: tensor<1x2x2x1xf32>, %w: tensor<3x3x1x1xf32>) {
  // expected-error@+1 {{height: window of 3 does not fit into input extent 2}}
  %y = kiln.conv2d %x, %w : (tensor<1x2x2x1xf32>, tensor<3x3x1x1xf32>) -> tensor<1x1x1x1xf32>
  return
}

// -----

// Tests that strides must have two elements.
func.func @conv_strides(%x: tensor<1x8x8x1xf32>, %w: tensor<3x3x1x1xf32>) {
  // expected-error@+1 {{'strides' must have 2 elements, got 3}}
  %y = kiln.conv2d %x, %w {strides = array<i64: 1, 1, 1>} : (tensor<1x8x8x1xf32>, tensor<3x3x1x1xf32>) -> tensor<1x6x6x1xf32>
  return
}

// -----

// Tests that strides must be positive.
func.func @conv_zero_stride(%x: tensor<1x8x8x1xf32>, %w: tensor<3x3x1x1xf32>) {
  // expected-error@+1 {{'strides' elements must be >= 1, got 0}}
  %y = kiln.conv2d %x, %w {strides = array<i64: 0, 1>} : (tensor<1x8x8x1xf32>, tensor<3x3x1x1xf32>) -> tensor<1x6x6x1xf32>
  return
}

// -----

// Tests that dilations must have two elements.
func.func @conv_dilations(%x: tensor<1x8x8x1xf32>, %w: tensor<3x3x1x1xf32>) {
  // expected-error@+1 {{'dilations' must have 2 elements, got 1}}
  %y = kiln.conv2d %x, %w {dilations = array<i64: 2>} : (tensor<1x8x8x1xf32>, tensor<3x3x1x1xf32>) -> tensor<1x6x6x1xf32>
  return
}

// -----

// Tests that conv2d padding must have four elements.
func.func @conv_padding_count(%x: tensor<1x8x8x1xf32>, %w: tensor<3x3x1x1xf32>) {
  // expected-error@+1 {{'padding' must have 4 elements, got 2}}
  %y = kiln.conv2d %x, %w {padding = array<i64: 1, 1>} : (tensor<1x8x8x1xf32>, tensor<3x3x1x1xf32>) -> tensor<1x8x8x1xf32>
  return
}

// -----

// Tests that negative padding is rejected.
func.func @conv_negative_padding(%x: tensor<1x8x8x1xf32>, %w: tensor<3x3x1x1xf32>) {
  // expected-error@+1 {{'padding' elements must be >= 0, got -1}}
  %y = kiln.conv2d %x, %w {padding = array<i64: 1, 1, -1, 1>} : (tensor<1x8x8x1xf32>, tensor<3x3x1x1xf32>) -> tensor<1x8x8x1xf32>
  return
}

// -----

// Tests that the conv2d input must be NHWC (rank 4).
func.func @conv_input_rank(%x: tensor<8x8x1xf32>, %w: tensor<3x3x1x1xf32>) {
  // expected-error@+1 {{input must be rank 4 (NHWC), got rank 3}}
  %y = kiln.conv2d %x, %w : (tensor<8x8x1xf32>, tensor<3x3x1x1xf32>) -> tensor<1x6x6x1xf32>
  return
}

// -----

// Tests that the conv2d filter must be HWIO (rank 4).
func.func @conv_filter_rank(%x: tensor<1x8x8x1xf32>, %w: tensor<3x1x1xf32>) {
  // expected-error@+1 {{filter must be rank 4 (HWIO), got rank 3}}
  %y = kiln.conv2d %x, %w : (tensor<1x8x8x1xf32>, tensor<3x1x1xf32>) -> tensor<1x6x6x1xf32>
  return
}

// -----

// Tests that a filter with a dynamic extent is rejected.
func.func @conv_dynamic_filter(%x: tensor<1x8x8x1xf32>, %w: tensor<3x3x1x?xf32>) {
  // expected-error@+1 {{filter extents must be static and positive, got 3x3x1x?}}
  %y = kiln.conv2d %x, %w : (tensor<1x8x8x1xf32>, tensor<3x3x1x?xf32>) -> tensor<1x6x6x1xf32>
  return
}

// -----

// Tests that kiln tensors must be f32.
func.func @conv_f16(%x: tensor<1x8x8x1xf16>, %w: tensor<3x3x1x1xf32>) {
  // expected-error@+1 {{operand #0 must be ranked tensor of 32-bit float values}}
  %y = "kiln.conv2d"(%x, %w) : (tensor<1x8x8x1xf16>, tensor<3x3x1x1xf32>) -> tensor<1x6x6x1xf32>
  return
}

//===----------------------------------------------------------------------===//
// conv1d
//===----------------------------------------------------------------------===//

// -----

// Tests that the conv1d input must be NWC (rank 3).
func.func @conv1d_rank(%x: tensor<1x28x28x1xf32>, %w: tensor<2x28x8xf32>) {
  // expected-error@+1 {{input (NWC) must be rank 3, got 4 (1x28x28x1)}}
  %y = kiln.conv1d %x, %w : (tensor<1x28x28x1xf32>, tensor<2x28x8xf32>) -> tensor<1x27x8xf32>
  return
}

// -----

// Tests that the conv1d filter must be WIO (rank 3).
func.func @conv1d_filter_rank(%x: tensor<1x28x28xf32>, %w: tensor<2x2x28x8xf32>) {
  // expected-error@+1 {{filter (WIO) must be rank 3, got 4 (2x2x28x8)}}
  %y = kiln.conv1d %x, %w : (tensor<1x28x28xf32>, tensor<2x2x28x8xf32>) -> tensor<1x27x8xf32>
  return
}

// -----

// Tests that the conv1d stride must be positive.
func.func @conv1d_stride(%x: tensor<1x28x28xf32>, %w: tensor<2x28x8xf32>) {
  // expected-error@+1 {{'stride' must be >= 1, got 0}}
  %y = kiln.conv1d %x, %w {stride = 0} : (tensor<1x28x28xf32>, tensor<2x28x8xf32>) -> tensor<1x27x8xf32>
  return
}

// -----

// Tests that the conv1d dilation must be positive.
func.func @conv1d_dilation(%x: tensor<1x28x28xf32>, %w: tensor<2x28x8xf32>) {
  // expected-error@+1 {{'dilation' must be >= 1, got -2}}
  %y = kiln.conv1d %x, %w {dilation = -2} : (tensor<1x28x28xf32>, tensor<2x28x8xf32>) -> tensor<1x27x8xf32>
  return
}

// -----

// Tests that conv1d padding must have two elements.
func.func @conv1d_padding(%x: tensor<1x28x28xf32>, %w: tensor<2x28x8xf32>) {
  // expected-error@+1 {{'padding' must have 2 elements, got 4}}
  %y = kiln.conv1d %x, %w {padding = array<i64: 1, 1, 1, 1>} : (tensor<1x28x28xf32>, tensor<2x28x8xf32>) -> tensor<1x27x8xf32>
  return
}

// -----

// Tests that a feature mismatch between conv1d input and filter is rejected.
func.func @conv1d_channels(%x: tensor<1x28x27xf32>, %w: tensor<2x28x8xf32>) {
  // expected-error@+1 {{input has 27 channels but the filter expects 28}}
  %y = kiln.conv1d %x, %w : (tensor<1x28x27xf32>, tensor<2x28x8xf32>) -> tensor<1x27x8xf32>
  return
}

// -----

// Tests that a conv1d result disagreeing with the rule is rejected.
func.func @conv1d_result(%x: tensor<1x28x28xf32>, %w: tensor<2x28x8xf32>) {
  // expected-error@+1 {{result type 'tensor<1x28x8xf32>' does not match the inferred shape 1x27x8}}
  %y = kiln.conv1d %x, %w : (tensor<1x28x28xf32>, tensor<2x28x8xf32>) -> tensor<1x28x8xf32>
  return
}

//===----------------------------------------------------------------------===//
// dense, bias_add
//===----------------------------------------------------------------------===//

// -----

// Tests that dense asks for a flattened (rank-2) input.
func.func @dense_rank(%x: tensor<?x3x3x128xf32>, %w: tensor<1152x128xf32>) {
  // expected-error@+1 {{input must be rank 2, got 4 (?x3x3x128); flatten it first}}
  %y = kiln.dense %x, %w : (tensor<?x3x3x128xf32>, tensor<1152x128xf32>) -> tensor<?x128xf32>
  return
}

// -----

// Tests that dense weights must be a static rank-2 shape.
func.func @dense_weights(%x: tensor<?x1152xf32>, %w: tensor<1152x?xf32>) {
  // expected-error@+1 {{weights must be a static rank-2 shape, got 1152x?}}
  %y = kiln.dense %x, %w : (tensor<?x1152xf32>, tensor<1152x?xf32>) -> tensor<?x128xf32>
  return
}

// -----

// Tests that the input features must match the weights' rows.
func.func @dense_features(%x: tensor<?x1000xf32>, %w: tensor<1152x128xf32>) {
  // expected-error@+1 {{input has 1000 features but the weights expect 1152}}
  %y = kiln.dense %x, %w : (tensor<?x1000xf32>, tensor<1152x128xf32>) -> tensor<?x128xf32>
  return
}

// -----

// Tests that a dense result disagreeing with the rule is rejected.
func.func @dense_result(%x: tensor<?x1152xf32>, %w: tensor<1152x128xf32>) {
  // expected-error@+1 {{result type 'tensor<?x64xf32>' does not match the inferred shape ?x128}}
  %y = kiln.dense %x, %w : (tensor<?x1152xf32>, tensor<1152x128xf32>) -> tensor<?x64xf32>
  return
}

// -----

// Tests that the bias must have one element per channel.
func.func @bias_channels(%x: tensor<?x26x26x32xf32>, %b: tensor<16xf32>) {
  // expected-error@+1 {{bias: per-channel parameter must have shape 32, got 16}}
  %y = kiln.bias_add %x, %b : tensor<?x26x26x32xf32>, tensor<16xf32>
  return
}

// -----

// Tests that bias_add's result must have its input's type.
func.func @bias_result(%x: tensor<?x32xf32>, %b: tensor<32xf32>) {
  // expected-error@+1 {{failed to verify that all of {input, output} have same type}}
  %y = "kiln.bias_add"(%x, %b) : (tensor<?x32xf32>, tensor<32xf32>) -> tensor<4x32xf32>
  return
}

//===----------------------------------------------------------------------===//
// Activations
//===----------------------------------------------------------------------===//

// -----

// Tests that relu requires matching operand and result types.
func.func @relu_mismatch(%x: tensor<4x10xf32>) {
  // expected-error@+1 {{requires the same type for all operands and results}}
  %y = "kiln.relu"(%x) : (tensor<4x10xf32>) -> tensor<4x11xf32>
  return
}

// -----

// Tests that softmax needs a batch of rows.
func.func @softmax_rank(%x: tensor<4x4x10xf32>) {
  // expected-error@+1 {{input (batch x classes) must be rank 2, got 3 (4x4x10)}}
  %y = kiln.softmax %x : tensor<4x4x10xf32>
  return
}

//===----------------------------------------------------------------------===//
// Pooling
//===----------------------------------------------------------------------===//

// -----

// Tests that a 2-D pooling window must have two elements.
func.func @pool_window(%x: tensor<?x26x26x32xf32>) {
  // expected-error@+1 {{'window' must have 2 elements, got 1}}
  %y = kiln.max_pool2d %x {window = array<i64: 2>, strides = array<i64: 2, 2>} : tensor<?x26x26x32xf32> -> tensor<?x13x13x32xf32>
  return
}

// -----

// Tests that pooling strides are required.
func.func @pool_no_strides(%x: tensor<?x26x26x32xf32>) {
  // expected-error@+1 {{requires attribute 'strides'}}
  %y = kiln.avg_pool2d %x {window = array<i64: 2, 2>} : tensor<?x26x26x32xf32> -> tensor<?x13x13x32xf32>
  return
}

// -----

// Tests that 2-D pooling needs an NHWC input.
func.func @pool_rank(%x: tensor<?x26x32xf32>) {
  // expected-error@+1 {{input (NHWC) must be rank 4, got 3 (?x26x32)}}
  %y = kiln.max_pool2d %x {window = array<i64: 2, 2>, strides = array<i64: 2, 2>} : tensor<?x26x32xf32> -> tensor<?x13x32xf32>
  return
}

// -----

// Tests that a pooling window larger than the padded input is rejected.
func.func @pool_too_big(%x: tensor<?x2x2x32xf32>) {
  // expected-error@+1 {{width: window of 4 does not fit into input extent 3 (with padding)}}
  %y = kiln.avg_pool2d %x {window = array<i64: 2, 4>, strides = array<i64: 1, 1>, padding = array<i64: 0, 0, 0, 1>} : tensor<?x2x2x32xf32> -> tensor<?x1x1x32xf32>
  return
}

// -----

// Tests that a 2-D pooling result disagreeing with the rule is rejected.
func.func @pool_result(%x: tensor<?x26x26x32xf32>) {
  // expected-error@+1 {{result type 'tensor<?x12x12x32xf32>' does not match the inferred shape ?x13x13x32}}
  %y = kiln.max_pool2d %x {window = array<i64: 2, 2>, strides = array<i64: 2, 2>} : tensor<?x26x26x32xf32> -> tensor<?x12x12x32xf32>
  return
}

// -----

// Tests that a 1-D pooling window must be positive.
func.func @pool1d_window(%x: tensor<?x27x236xf32>) {
  // expected-error@+1 {{'window' must be >= 1, got 0}}
  %y = kiln.max_pool1d %x {window = 0, stride = 2} : tensor<?x27x236xf32> -> tensor<?x13x236xf32>
  return
}

// -----

// Tests that 1-D pooling needs an NWC input.
func.func @pool1d_rank(%x: tensor<?x27x27x236xf32>) {
  // expected-error@+1 {{input (NWC) must be rank 3, got 4 (?x27x27x236)}}
  %y = kiln.avg_pool1d %x {window = 2, stride = 2} : tensor<?x27x27x236xf32> -> tensor<?x13x236xf32>
  return
}

// -----

// Tests that global pooling needs an NWC or NHWC input.
func.func @global_pool_rank(%x: tensor<?x64xf32>) {
  // expected-error@+1 {{input must be rank 3 (NWC) or 4 (NHWC), got ?x64}}
  %y = kiln.global_avg_pool %x : tensor<?x64xf32> -> tensor<?x64xf32>
  return
}

// -----

// Tests that a global pooling result disagreeing with the rule is rejected.
func.func @global_pool_result(%x: tensor<?x4x4x64xf32>) {
  // expected-error@+1 {{result type 'tensor<?x4x64xf32>' does not match the inferred shape ?x64}}
  %y = kiln.global_avg_pool %x : tensor<?x4x4x64xf32> -> tensor<?x4x64xf32>
  return
}

//===----------------------------------------------------------------------===//
// Normalization, moving average, dropout
//===----------------------------------------------------------------------===//

// -----

// Tests that the batch norm epsilon must be positive.
func.func @bn_epsilon(%x: tensor<?x13x13x32xf32>, %g: tensor<32xf32>) {
  // expected-error@+1 {{'epsilon' must be positive, got 0}}
  %y, %m, %v = kiln.batch_norm_train %x, %g, %g {epsilon = 0.0 : f32} : tensor<?x13x13x32xf32>, tensor<32xf32>
  return
}

// -----

// Tests that gamma must have one element per channel.
func.func @bn_gamma(%x: tensor<?x13x13x32xf32>, %g: tensor<16xf32>) {
  // expected-error@+1 {{gamma: per-channel parameter must have shape 32, got 16}}
  %y, %m, %v = kiln.batch_norm_train %x, %g, %g {epsilon = 1.0e-3 : f32} : tensor<?x13x13x32xf32>, tensor<16xf32>
  return
}

// -----

// Tests that gamma and beta must have the same type.
func.func @bn_beta(%x: tensor<?x13x13x32xf32>, %g: tensor<32xf32>, %b: tensor<16xf32>) {
  // expected-error@+1 {{failed to verify that all of {gamma, beta, batch_mean, batch_var} have same type}}
  %y, %m, %v = "kiln.batch_norm_train"(%x, %g, %b) <{epsilon = 1.0e-3 : f32}> : (tensor<?x13x13x32xf32>, tensor<32xf32>, tensor<16xf32>) -> (tensor<?x13x13x32xf32>, tensor<32xf32>, tensor<32xf32>)
  return
}

// -----

// Tests that the inference batch norm epsilon must be positive.
func.func @bn_infer_epsilon(%x: tensor<?x32xf32>, %g: tensor<32xf32>) {
  // expected-error@+1 {{'epsilon' must be positive, got -0.001}}
  %y = kiln.batch_norm_infer %x, %g, %g, %g, %g {epsilon = -1.0e-3 : f32} : tensor<?x32xf32>, tensor<32xf32>
  return
}

// -----

// Tests that the inference batch norm statistics must match the channels.
func.func @bn_infer_channels(%x: tensor<?x32xf32>, %g: tensor<64xf32>) {
  // expected-error@+1 {{gamma: per-channel parameter must have shape 32, got 64}}
  %y = kiln.batch_norm_infer %x, %g, %g, %g, %g {epsilon = 1.0e-3 : f32} : tensor<?x32xf32>, tensor<64xf32>
  return
}

// -----

// Tests that the moving-average momentum must be below 1.
func.func @moving_average_momentum(%r: tensor<32xf32>, %b: tensor<32xf32>) {
  // expected-error@+1 {{'momentum' must be in [0, 1), got 1}}
  %y = kiln.moving_average %r, %b {momentum = 1.0 : f32} : tensor<32xf32>
  return
}

// -----

// Tests that moving averages are of [C] statistics.
func.func @moving_average_rank(%r: tensor<4x32xf32>, %b: tensor<4x32xf32>) {
  // expected-error@+1 {{running statistics must be a static [C] vector, got 4x32}}
  %y = kiln.moving_average %r, %b {momentum = 0.99 : f32} : tensor<4x32xf32>
  return
}

// -----

// Tests that the dropout rate must be below 1.
func.func @dropout_rate(%x: tensor<?x128xf32>, %step: i64, %seed: i64) {
  // expected-error@+1 {{'rate' must be in [0, 1), got 1}}
  %y, %m = kiln.dropout %x, %step, %seed {rate = 1.0 : f32, stream = 0} : tensor<?x128xf32>
  return
}

// -----

// Tests that a negative dropout rate is rejected.
func.func @dropout_negative_rate(%x: tensor<?x128xf32>, %step: i64, %seed: i64) {
  // expected-error@+1 {{'rate' must be in [0, 1), got -0.5}}
  %y, %m = kiln.dropout %x, %step, %seed {rate = -0.5 : f32, stream = 0} : tensor<?x128xf32>
  return
}

// -----

// Tests that the dropout step must be an i64.
func.func @dropout_step_type(%x: tensor<?x128xf32>, %step: i32, %seed: i64) {
  // expected-error@+1 {{operand #1 must be 64-bit signless integer, but got 'i32'}}
  %y, %m = "kiln.dropout"(%x, %step, %seed) <{rate = 0.5 : f32, stream = 0}> : (tensor<?x128xf32>, i32, i64) -> (tensor<?x128xf32>, tensor<?x128xf32>)
  return
}

// -----

// Tests that the dropout seed must be an i64 (a run-time value, not an
// attribute).
func.func @dropout_seed_type(%x: tensor<?x128xf32>, %step: i64, %seed: f32) {
  // expected-error@+1 {{operand #2 must be 64-bit signless integer, but got 'f32'}}
  %y, %m = "kiln.dropout"(%x, %step, %seed) <{rate = 0.5 : f32, stream = 0}> : (tensor<?x128xf32>, i64, f32) -> (tensor<?x128xf32>, tensor<?x128xf32>)
  return
}

// -----

// Tests that the dropout stream is required.
func.func @dropout_stream(%x: tensor<?x128xf32>, %step: i64, %seed: i64) {
  // expected-error@+1 {{requires attribute 'stream'}}
  %y, %m = kiln.dropout %x, %step, %seed {rate = 0.5 : f32} : tensor<?x128xf32>
  return
}

//===----------------------------------------------------------------------===//
// add, mul, concat, flatten, reshape, zero_pad, slice
//===----------------------------------------------------------------------===//

// -----

// Tests that add needs two operands of one type.
func.func @add_mismatch(%a: tensor<?x8x8x4xf32>, %b: tensor<?x8x8x5xf32>) {
  // expected-error@+1 {{requires the same type for all operands and results}}
  %y = "kiln.add"(%a, %b) : (tensor<?x8x8x4xf32>, tensor<?x8x8x5xf32>) -> tensor<?x8x8x4xf32>
  return
}

// -----

// Tests that concat may not join along the batch axis.
func.func @concat_batch_axis(%a: tensor<4x8xf32>, %b: tensor<4x8xf32>) {
  // expected-error@+1 {{concat axis must name a non-batch axis of a rank-2 value}}
  %y = kiln.concat %a, %b {axis = 0} : (tensor<4x8xf32>, tensor<4x8xf32>) -> tensor<8x8xf32>
  return
}

// -----

// Tests that concat inputs must agree outside the axis.
func.func @concat_extents(%a: tensor<?x8x8x4xf32>, %b: tensor<?x7x8x6xf32>) {
  // expected-error@+1 {{concat inputs ?x8x8x4 and ?x7x8x6 differ outside axis 3}}
  %y = kiln.concat %a, %b {axis = -1} : (tensor<?x8x8x4xf32>, tensor<?x7x8x6xf32>) -> tensor<?x8x8x10xf32>
  return
}

// -----

// Tests that concat inputs must agree in rank.
func.func @concat_rank(%a: tensor<?x8x4xf32>, %b: tensor<?x8x8x6xf32>) {
  // expected-error@+1 {{concat inputs differ in rank: ?x8x4 and ?x8x8x6}}
  %y = kiln.concat %a, %b {axis = 2} : (tensor<?x8x4xf32>, tensor<?x8x8x6xf32>) -> tensor<?x8x10xf32>
  return
}

// -----

// Tests that concat inputs must agree in their static batch extents.
func.func @concat_batch(%a: tensor<4x8xf32>, %b: tensor<2x8xf32>) {
  // expected-error@+1 {{concat inputs 4x8 and 2x8 differ in the batch extent}}
  %y = kiln.concat %a, %b {axis = 1} : (tensor<4x8xf32>, tensor<2x8xf32>) -> tensor<4x16xf32>
  return
}

// -----

// Tests that concat needs at least one input.
func.func @concat_empty() {
  // expected-error@+1 {{concat needs at least one input}}
  %y = kiln.concat {axis = 1} : () -> tensor<4x16xf32>
  return
}

// -----

// Tests that a concat result disagreeing with the rule is rejected.
func.func @concat_result(%a: tensor<?x8x4xf32>, %b: tensor<?x8x6xf32>) {
  // expected-error@+1 {{result type 'tensor<?x8x12xf32>' does not match the inferred shape ?x8x10}}
  %y = kiln.concat %a, %b {axis = 2} : (tensor<?x8x4xf32>, tensor<?x8x6xf32>) -> tensor<?x8x12xf32>
  return
}

// -----

// Tests that a scalar cannot be flattened.
func.func @flatten_scalar(%x: tensor<f32>) {
  // expected-error@+1 {{cannot flatten a scalar}}
  %y = kiln.flatten %x : tensor<f32> -> tensor<1x1xf32>
  return
}

// -----

// Tests that only the batch extent may be dynamic when flattening.
func.func @flatten_dynamic(%x: tensor<?x?x4xf32>) {
  // expected-error@+1 {{only the batch extent may be dynamic, got ?x?x4}}
  %y = kiln.flatten %x : tensor<?x?x4xf32> -> tensor<?x4xf32>
  return
}

// -----

// Tests that a flatten result disagreeing with the rule is rejected.
func.func @flatten_result(%x: tensor<?x3x3x128xf32>) {
  // expected-error@+1 {{result type 'tensor<?x1000xf32>' does not match the inferred shape ?x1152}}
  %y = kiln.flatten %x : tensor<?x3x3x128xf32> -> tensor<?x1000xf32>
  return
}

// -----

// Tests that a reshape attribute holds resolved extents, never -1.
func.func @reshape_unresolved(%x: tensor<?x784xf32>) {
  // expected-error@+1 {{'shape' extents must be positive (the builder resolves -1), got -1}}
  %y = kiln.reshape %x {shape = array<i64: 28, -1>} : tensor<?x784xf32> -> tensor<?x28x28xf32>
  return
}

// -----

// Tests that a reshape must keep the element count per example.
func.func @reshape_count(%x: tensor<?x784xf32>) {
  // expected-error@+1 {{cannot reshape 784 elements per example into 729}}
  %y = kiln.reshape %x {shape = array<i64: 27, 27>} : tensor<?x784xf32> -> tensor<?x27x27xf32>
  return
}

// -----

// Tests that a reshape result disagreeing with its shape is rejected.
func.func @reshape_result(%x: tensor<?x784xf32>) {
  // expected-error@+1 {{result type 'tensor<?x14x56xf32>' does not match the inferred shape ?x28x28}}
  %y = kiln.reshape %x {shape = array<i64: 28, 28>} : tensor<?x784xf32> -> tensor<?x14x56xf32>
  return
}

// -----

// Tests that zero padding needs an NWC or NHWC input.
func.func @zero_pad_rank(%x: tensor<?x784xf32>) {
  // expected-error@+1 {{zero padding needs an NWC or NHWC input, got ?x784}}
  %y = kiln.zero_pad %x {padding = array<i64: 1, 1>} : tensor<?x784xf32> -> tensor<?x786xf32>
  return
}

// -----

// Tests that NHWC zero padding needs four pads.
func.func @zero_pad_count(%x: tensor<?x28x28x3xf32>) {
  // expected-error@+1 {{'padding' must have 4 elements, got 2}}
  %y = kiln.zero_pad %x {padding = array<i64: 2, 2>} : tensor<?x28x28x3xf32> -> tensor<?x32x32x3xf32>
  return
}

// -----

// Tests that zero padding may not be negative.
func.func @zero_pad_negative(%x: tensor<?x28x3xf32>) {
  // expected-error@+1 {{'padding' elements must be >= 0, got -2}}
  %y = kiln.zero_pad %x {padding = array<i64: -2, 2>} : tensor<?x28x3xf32> -> tensor<?x28x3xf32>
  return
}

// -----

// Tests that a zero padding result disagreeing with the rule is rejected.
func.func @zero_pad_result(%x: tensor<?x28x3xf32>) {
  // expected-error@+1 {{result type 'tensor<?x30x3xf32>' does not match the inferred shape ?x31x3}}
  %y = kiln.zero_pad %x {padding = array<i64: 1, 2>} : tensor<?x28x3xf32> -> tensor<?x30x3xf32>
  return
}

// -----

// Tests that a slice needs one offset and size per non-batch axis.
func.func @slice_count(%x: tensor<?x32x32x3xf32>) {
  // expected-error@+1 {{offsets and sizes need one entry per non-batch axis (3), got 2 and 3}}
  %y = kiln.slice %x {offsets = array<i64: 2, 2>, sizes = array<i64: 28, 28, 3>} : tensor<?x32x32x3xf32> -> tensor<?x28x28x3xf32>
  return
}

// -----

// Tests that a slice must lie inside its input.
func.func @slice_bounds(%x: tensor<?x32x32x3xf32>) {
  // expected-error@+1 {{axis 2: slice [6, 34) does not fit into extent 32}}
  %y = kiln.slice %x {offsets = array<i64: 2, 6, 0>, sizes = array<i64: 28, 28, 3>} : tensor<?x32x32x3xf32> -> tensor<?x28x28x3xf32>
  return
}

// -----

// Tests that slice sizes must be positive.
func.func @slice_empty(%x: tensor<?x32x32x3xf32>) {
  // expected-error@+1 {{axis 3: offset must be >= 0 and size > 0, got 0 and 0}}
  %y = kiln.slice %x {offsets = array<i64: 0, 0, 0>, sizes = array<i64: 28, 28, 0>} : tensor<?x32x32x3xf32> -> tensor<?x28x28x0xf32>
  return
}

// -----

// Tests that a slice result disagreeing with its sizes is rejected.
func.func @slice_result(%x: tensor<?x32x32x3xf32>) {
  // expected-error@+1 {{result type 'tensor<?x28x28x1xf32>' does not match the inferred shape ?x28x28x3}}
  %y = kiln.slice %x {offsets = array<i64: 0, 0, 0>, sizes = array<i64: 28, 28, 3>} : tensor<?x32x32x3xf32> -> tensor<?x28x28x1xf32>
  return
}

//===----------------------------------------------------------------------===//
// Losses, metrics, penalties
//===----------------------------------------------------------------------===//

// -----

// Tests that the loss needs logits of rank 2.
func.func @loss_rank(%l: tensor<?x2x10xf32>) {
  // expected-error@+1 {{logits (batch x classes) must be rank 2, got 3 (?x2x10)}}
  %y = kiln.softmax_cross_entropy %l, %l : tensor<?x2x10xf32>
  return
}

// -----

// Tests that labels must have the logits' type.
func.func @metric_labels(%l: tensor<?x10xf32>, %t: tensor<?x5xf32>) {
  // expected-error@+1 {{failed to verify that all of {logits, labels} have same type}}
  %y = "kiln.correct_count"(%l, %t) : (tensor<?x10xf32>, tensor<?x5xf32>) -> tensor<f32>
  return
}

// -----

// Tests that a loss is a rank-0 tensor.
func.func @loss_result(%l: tensor<?x10xf32>) {
  // expected-error@+1 {{result #0 must be 0D tensor of 32-bit float values}}
  %y = "kiln.softmax_cross_entropy"(%l, %l) : (tensor<?x10xf32>, tensor<?x10xf32>) -> tensor<1xf32>
  return
}

// -----

// Tests that a penalty scale must not be negative.
func.func @penalty_scale(%w: tensor<3x3x1x32xf32>) {
  // expected-error@+1 {{'scale' must be non-negative, got -0.001}}
  %p = kiln.l2_penalty %w {scale = -1.0e-3 : f32} : tensor<3x3x1x32xf32>
  return
}

// -----

// Tests that a penalty gradient's scale must not be negative.
func.func @penalty_grad_scale(%w: tensor<128x10xf32>) {
  // expected-error@+1 {{'scale' must be non-negative, got -1}}
  %g = kiln.l1_penalty_grad %w {scale = -1.0 : f32} : tensor<128x10xf32>
  return
}

//===----------------------------------------------------------------------===//
// Gradients of convolution and dense
//===----------------------------------------------------------------------===//

// -----

// Tests that conv2d_grad_input needs the input's two spatial extents.
func.func @conv_grad_input_hw(%g: tensor<?x26x26x32xf32>, %w: tensor<3x3x1x32xf32>) {
  // expected-error@+1 {{'input_hw' must have 2 elements, got 1}}
  %y = kiln.conv2d_grad_input %g, %w {input_hw = array<i64: 28>} : (tensor<?x26x26x32xf32>, tensor<3x3x1x32xf32>) -> tensor<?x28x28x1xf32>
  return
}

// -----

// Tests that conv2d_grad_input's input extents must be positive.
func.func @conv_grad_input_hw_zero(%g: tensor<?x26x26x32xf32>, %w: tensor<3x3x1x32xf32>) {
  // expected-error@+1 {{'input_hw' elements must be >= 1, got 0}}
  %y = kiln.conv2d_grad_input %g, %w {input_hw = array<i64: 28, 0>} : (tensor<?x26x26x32xf32>, tensor<3x3x1x32xf32>) -> tensor<?x28x28x1xf32>
  return
}

// -----

// Tests that the incoming gradient must have the forward conv2d's shape.
func.func @conv_grad_input_forward(%g: tensor<?x25x26x32xf32>, %w: tensor<3x3x1x32xf32>) {
  // expected-error@+1 {{gradient has shape ?x25x26x32 but conv2d gives ?x26x26x32}}
  %y = kiln.conv2d_grad_input %g, %w {input_hw = array<i64: 28, 28>} : (tensor<?x25x26x32xf32>, tensor<3x3x1x32xf32>) -> tensor<?x28x28x1xf32>
  return
}

// -----

// Tests that conv2d_grad_input needs an NHWC gradient.
func.func @conv_grad_input_rank(%g: tensor<?x26x32xf32>, %w: tensor<3x3x1x32xf32>) {
  // expected-error@+1 {{gradient (NHWC) must be rank 4, got 3 (?x26x32)}}
  %y = kiln.conv2d_grad_input %g, %w {input_hw = array<i64: 28, 28>} : (tensor<?x26x32xf32>, tensor<3x3x1x32xf32>) -> tensor<?x28x28x1xf32>
  return
}

// -----

// Tests that a conv2d_grad_input result disagreeing with the rule is
// rejected.
func.func @conv_grad_input_result(%g: tensor<?x26x26x32xf32>, %w: tensor<3x3x1x32xf32>) {
  // expected-error@+1 {{result type 'tensor<?x28x28x3xf32>' does not match the inferred shape ?x28x28x1}}
  %y = kiln.conv2d_grad_input %g, %w {input_hw = array<i64: 28, 28>} : (tensor<?x26x26x32xf32>, tensor<3x3x1x32xf32>) -> tensor<?x28x28x3xf32>
  return
}

// -----

// Tests that conv2d_grad_input requires input_hw.
func.func @conv_grad_input_missing(%g: tensor<?x26x26x32xf32>, %w: tensor<3x3x1x32xf32>) {
  // expected-error@+1 {{requires attribute 'input_hw'}}
  %y = kiln.conv2d_grad_input %g, %w : (tensor<?x26x26x32xf32>, tensor<3x3x1x32xf32>) -> tensor<?x28x28x1xf32>
  return
}

// -----

// Tests that conv2d_grad_filter needs the kernel's two extents.
func.func @conv_grad_filter_hw(%x: tensor<?x28x28x1xf32>, %g: tensor<?x26x26x32xf32>) {
  // expected-error@+1 {{'kernel_hw' must have 2 elements, got 3}}
  %y = kiln.conv2d_grad_filter %x, %g {kernel_hw = array<i64: 3, 3, 1>} : (tensor<?x28x28x1xf32>, tensor<?x26x26x32xf32>) -> tensor<3x3x1x32xf32>
  return
}

// -----

// Tests that conv2d_grad_filter's gradient must match the forward conv2d.
func.func @conv_grad_filter_forward(%x: tensor<?x28x28x1xf32>, %g: tensor<?x26x26x32xf32>) {
  // expected-error@+1 {{gradient has shape ?x26x26x32 but conv2d gives ?x24x24x32}}
  %y = kiln.conv2d_grad_filter %x, %g {kernel_hw = array<i64: 5, 5>} : (tensor<?x28x28x1xf32>, tensor<?x26x26x32xf32>) -> tensor<5x5x1x32xf32>
  return
}

// -----

// Tests that a conv2d_grad_filter result disagreeing with the rule is
// rejected.
func.func @conv_grad_filter_result(%x: tensor<?x28x28x1xf32>, %g: tensor<?x26x26x32xf32>) {
  // expected-error@+1 {{result type 'tensor<3x3x32x1xf32>' does not match the inferred shape 3x3x1x32}}
  %y = kiln.conv2d_grad_filter %x, %g {kernel_hw = array<i64: 3, 3>} : (tensor<?x28x28x1xf32>, tensor<?x26x26x32xf32>) -> tensor<3x3x32x1xf32>
  return
}

// -----

// Tests that conv1d_grad_input's input width must be positive.
func.func @conv1d_grad_input_w(%g: tensor<?x27x236xf32>, %w: tensor<2x28x236xf32>) {
  // expected-error@+1 {{'input_w' must be >= 1, got 0}}
  %y = kiln.conv1d_grad_input %g, %w {input_w = 0} : (tensor<?x27x236xf32>, tensor<2x28x236xf32>) -> tensor<?x28x28xf32>
  return
}

// -----

// Tests that conv1d_grad_input's gradient must match the forward conv1d.
func.func @conv1d_grad_input_forward(%g: tensor<?x27x236xf32>, %w: tensor<2x28x236xf32>) {
  // expected-error@+1 {{gradient has shape ?x27x236 but conv1d gives ?x28x236}}
  %y = kiln.conv1d_grad_input %g, %w {input_w = 29} : (tensor<?x27x236xf32>, tensor<2x28x236xf32>) -> tensor<?x29x28xf32>
  return
}

// -----

// Tests that conv1d_grad_filter's kernel width must be positive.
func.func @conv1d_grad_filter_w(%x: tensor<?x28x28xf32>, %g: tensor<?x27x236xf32>) {
  // expected-error@+1 {{'kernel_w' must be >= 1, got -1}}
  %y = kiln.conv1d_grad_filter %x, %g {kernel_w = -1} : (tensor<?x28x28xf32>, tensor<?x27x236xf32>) -> tensor<2x28x236xf32>
  return
}

// -----

// Tests that a conv1d_grad_filter result disagreeing with the rule is
// rejected.
func.func @conv1d_grad_filter_result(%x: tensor<?x28x28xf32>, %g: tensor<?x27x236xf32>) {
  // expected-error@+1 {{result type 'tensor<2x28x28xf32>' does not match the inferred shape 2x28x236}}
  %y = kiln.conv1d_grad_filter %x, %g {kernel_w = 2} : (tensor<?x28x28xf32>, tensor<?x27x236xf32>) -> tensor<2x28x28xf32>
  return
}

// -----

// Tests that dense_grad_input's gradient must have the weights' columns.
func.func @dense_grad_input_forward(%g: tensor<?x64xf32>, %w: tensor<1152x128xf32>) {
  // expected-error@+1 {{gradient has shape ?x64 but dense gives ?x128}}
  %y = kiln.dense_grad_input %g, %w : (tensor<?x64xf32>, tensor<1152x128xf32>) -> tensor<?x1152xf32>
  return
}

// -----

// Tests that dense_grad_input needs a rank-2 gradient.
func.func @dense_grad_input_rank(%g: tensor<128xf32>, %w: tensor<1152x128xf32>) {
  // expected-error@+1 {{gradient must be rank 2, got 1 (128)}}
  %y = kiln.dense_grad_input %g, %w : (tensor<128xf32>, tensor<1152x128xf32>) -> tensor<?x1152xf32>
  return
}

// -----

// Tests that a dense_grad_input result disagreeing with the rule is
// rejected.
func.func @dense_grad_input_result(%g: tensor<?x128xf32>, %w: tensor<1152x128xf32>) {
  // expected-error@+1 {{result type 'tensor<?x128xf32>' does not match the inferred shape ?x1152}}
  %y = kiln.dense_grad_input %g, %w : (tensor<?x128xf32>, tensor<1152x128xf32>) -> tensor<?x128xf32>
  return
}

// -----

// Tests that dense_grad_weights' operands must agree in the batch.
func.func @dense_grad_weights_batch(%x: tensor<8x1152xf32>, %g: tensor<4x128xf32>) {
  // expected-error@+1 {{gradient has shape 4x128 but dense gives 8x128}}
  %y = kiln.dense_grad_weights %x, %g : (tensor<8x1152xf32>, tensor<4x128xf32>) -> tensor<1152x128xf32>
  return
}

// -----

// Tests that a dense_grad_weights result disagreeing with the rule is
// rejected.
func.func @dense_grad_weights_result(%x: tensor<?x1152xf32>, %g: tensor<?x128xf32>) {
  // expected-error@+1 {{result type 'tensor<128x1152xf32>' does not match the inferred shape 1152x128}}
  %y = kiln.dense_grad_weights %x, %g : (tensor<?x1152xf32>, tensor<?x128xf32>) -> tensor<128x1152xf32>
  return
}

// -----

// Tests that bias_grad needs a gradient with channels.
func.func @bias_grad_scalar(%g: tensor<f32>) {
  // expected-error@+1 {{a bias gradient needs a value with channels}}
  %y = kiln.bias_grad %g : tensor<f32> -> tensor<1xf32>
  return
}

// -----

// Tests that bias_grad needs a static channel extent.
func.func @bias_grad_dynamic(%g: tensor<4x?xf32>) {
  // expected-error@+1 {{the channel extent must be static, got 4x?}}
  %y = kiln.bias_grad %g : tensor<4x?xf32> -> tensor<1xf32>
  return
}

// -----

// Tests that a bias_grad result disagreeing with the rule is rejected.
func.func @bias_grad_result(%g: tensor<?x26x26x32xf32>) {
  // expected-error@+1 {{result type 'tensor<26xf32>' does not match the inferred shape 32}}
  %y = kiln.bias_grad %g : tensor<?x26x26x32xf32> -> tensor<26xf32>
  return
}

//===----------------------------------------------------------------------===//
// Gradients of activations and pooling
//===----------------------------------------------------------------------===//

// -----

// Tests that an activation gradient needs operands of one type.
func.func @relu_grad_mismatch(%g: tensor<4x10xf32>, %x: tensor<4x11xf32>) {
  // expected-error@+1 {{requires the same type for all operands and results}}
  %y = "kiln.relu_grad"(%g, %x) : (tensor<4x10xf32>, tensor<4x11xf32>) -> tensor<4x10xf32>
  return
}

// -----

// Tests that softmax_grad needs a batch of rows.
func.func @softmax_grad_rank(%g: tensor<10xf32>) {
  // expected-error@+1 {{input (batch x classes) must be rank 2, got 1 (10)}}
  %y = kiln.softmax_grad %g, %g : tensor<10xf32>
  return
}

// -----

// Tests that max_pool2d_grad's gradient must have the pooled shape.
func.func @max_pool_grad_forward(%g: tensor<?x12x12x32xf32>, %x: tensor<?x26x26x32xf32>) {
  // expected-error@+1 {{gradient has shape ?x12x12x32 but pooling gives ?x13x13x32}}
  %y = kiln.max_pool2d_grad %g, %x {window = array<i64: 2, 2>, strides = array<i64: 2, 2>} : tensor<?x12x12x32xf32>, tensor<?x26x26x32xf32>
  return
}

// -----

// Tests that max_pool2d_grad checks its window like the forward op.
func.func @max_pool_grad_window(%g: tensor<?x13x13x32xf32>, %x: tensor<?x26x26x32xf32>) {
  // expected-error@+1 {{'window' elements must be >= 1, got 0}}
  %y = kiln.max_pool2d_grad %g, %x {window = array<i64: 0, 2>, strides = array<i64: 2, 2>} : tensor<?x13x13x32xf32>, tensor<?x26x26x32xf32>
  return
}

// -----

// Tests that max_pool2d_grad's result has the input's type.
func.func @max_pool_grad_result(%g: tensor<?x13x13x32xf32>, %x: tensor<?x26x26x32xf32>) {
  // expected-error@+1 {{failed to verify that all of {input, grad_in} have same type}}
  %y = "kiln.max_pool2d_grad"(%g, %x) <{window = array<i64: 2, 2>, strides = array<i64: 2, 2>}> : (tensor<?x13x13x32xf32>, tensor<?x26x26x32xf32>) -> tensor<?x13x13x32xf32>
  return
}

// -----

// Tests that max_pool1d_grad's gradient must have the pooled shape.
func.func @max_pool1d_grad_forward(%g: tensor<?x14x236xf32>, %x: tensor<?x27x236xf32>) {
  // expected-error@+1 {{gradient has shape ?x14x236 but pooling gives ?x13x236}}
  %y = kiln.max_pool1d_grad %g, %x {window = 2, stride = 2} : tensor<?x14x236xf32>, tensor<?x27x236xf32>
  return
}

// -----

// Tests that avg_pool2d_grad needs the input's two spatial extents.
func.func @avg_pool_grad_hw(%g: tensor<?x13x13x32xf32>) {
  // expected-error@+1 {{'input_hw' must have 2 elements, got 3}}
  %y = kiln.avg_pool2d_grad %g {window = array<i64: 2, 2>, strides = array<i64: 2, 2>, input_hw = array<i64: 26, 26, 32>} : tensor<?x13x13x32xf32> -> tensor<?x26x26x32xf32>
  return
}

// -----

// Tests that avg_pool2d_grad's gradient must match pooling of input_hw.
func.func @avg_pool_grad_forward(%g: tensor<?x13x13x32xf32>) {
  // expected-error@+1 {{gradient has shape ?x13x13x32 but pooling gives ?x12x13x32}}
  %y = kiln.avg_pool2d_grad %g {window = array<i64: 2, 2>, strides = array<i64: 2, 2>, input_hw = array<i64: 24, 26>} : tensor<?x13x13x32xf32> -> tensor<?x24x26x32xf32>
  return
}

// -----

// Tests that an avg_pool2d_grad result disagreeing with the rule is
// rejected.
func.func @avg_pool_grad_result(%g: tensor<?x13x13x32xf32>) {
  // expected-error@+1 {{result type 'tensor<?x27x27x32xf32>' does not match the inferred shape ?x26x26x32}}
  %y = kiln.avg_pool2d_grad %g {window = array<i64: 2, 2>, strides = array<i64: 2, 2>, input_hw = array<i64: 26, 26>} : tensor<?x13x13x32xf32> -> tensor<?x27x27x32xf32>
  return
}

// -----

// Tests that avg_pool1d_grad's input width must be positive.
func.func @avg_pool1d_grad_w(%g: tensor<?x13x236xf32>) {
  // expected-error@+1 {{'input_w' must be >= 1, got 0}}
  %y = kiln.avg_pool1d_grad %g {window = 2, stride = 2, input_w = 0} : tensor<?x13x236xf32> -> tensor<?x27x236xf32>
  return
}

// -----

// Tests that avg_pool1d_grad's gradient must match pooling of input_w.
func.func @avg_pool1d_grad_forward(%g: tensor<?x13x236xf32>) {
  // expected-error@+1 {{gradient has shape ?x13x236 but pooling gives ?x15x236}}
  %y = kiln.avg_pool1d_grad %g {window = 2, stride = 2, input_w = 30} : tensor<?x13x236xf32> -> tensor<?x30x236xf32>
  return
}

// -----

// Tests that global_avg_pool_grad needs two or three input extents.
func.func @global_pool_grad_extents(%g: tensor<?x64xf32>) {
  // expected-error@+1 {{input shape must have 2 (WC) or 3 (HWC) extents, got 1}}
  %y = kiln.global_avg_pool_grad %g {input_shape = array<i64: 64>} : tensor<?x64xf32> -> tensor<?x64xf32>
  return
}

// -----

// Tests that global_avg_pool_grad's extents must be positive.
func.func @global_pool_grad_positive(%g: tensor<?x64xf32>) {
  // expected-error@+1 {{input extents must be positive, got 0x4x64}}
  %y = kiln.global_avg_pool_grad %g {input_shape = array<i64: 0, 4, 64>} : tensor<?x64xf32> -> tensor<?x0x4x64xf32>
  return
}

// -----

// Tests that global_avg_pool_grad's channels must match the gradient's.
func.func @global_pool_grad_channels(%g: tensor<?x64xf32>) {
  // expected-error@+1 {{gradient has shape ?x64 but global pooling gives ?x32}}
  %y = kiln.global_avg_pool_grad %g {input_shape = array<i64: 4, 4, 32>} : tensor<?x64xf32> -> tensor<?x4x4x32xf32>
  return
}

// -----

// Tests that global_avg_pool_grad needs an N x C gradient.
func.func @global_pool_grad_rank(%g: tensor<?x1x64xf32>) {
  // expected-error@+1 {{gradient (NC) must be rank 2, got 3 (?x1x64)}}
  %y = kiln.global_avg_pool_grad %g {input_shape = array<i64: 4, 4, 64>} : tensor<?x1x64xf32> -> tensor<?x4x4x64xf32>
  return
}

// -----

// Tests that a global_avg_pool_grad result disagreeing with the rule is
// rejected.
func.func @global_pool_grad_result(%g: tensor<?x64xf32>) {
  // expected-error@+1 {{result type 'tensor<?x4x64xf32>' does not match the inferred shape ?x4x4x64}}
  %y = kiln.global_avg_pool_grad %g {input_shape = array<i64: 4, 4, 64>} : tensor<?x64xf32> -> tensor<?x4x64xf32>
  return
}

//===----------------------------------------------------------------------===//
// Gradients of normalization and the loss
//===----------------------------------------------------------------------===//

// -----

// Tests that batch_norm_train_grad's epsilon must be positive.
func.func @bn_grad_epsilon(%g: tensor<?x32xf32>, %c: tensor<32xf32>) {
  // expected-error@+1 {{'epsilon' must be positive, got 0}}
  %a, %b, %d = kiln.batch_norm_train_grad %g, %g, %c, %c, %c {epsilon = 0.0 : f32} : tensor<?x32xf32>, tensor<32xf32>
  return
}

// -----

// Tests that batch_norm_train_grad's gamma must match the channels.
func.func @bn_grad_gamma(%g: tensor<?x32xf32>, %c: tensor<31xf32>) {
  // expected-error@+1 {{gamma: per-channel parameter must have shape 32, got 31}}
  %a, %b, %d = kiln.batch_norm_train_grad %g, %g, %c, %c, %c {epsilon = 1.0e-3 : f32} : tensor<?x32xf32>, tensor<31xf32>
  return
}

// -----

// Tests that batch_norm_train_grad's gradient has the input's type.
func.func @bn_grad_types(%g: tensor<4x32xf32>, %x: tensor<?x32xf32>, %c: tensor<32xf32>) {
  // expected-error@+1 {{failed to verify that all of {grad_out, input, grad_in} have same type}}
  %a, %b, %d = "kiln.batch_norm_train_grad"(%g, %x, %c, %c, %c) <{epsilon = 1.0e-3 : f32}> : (tensor<4x32xf32>, tensor<?x32xf32>, tensor<32xf32>, tensor<32xf32>, tensor<32xf32>) -> (tensor<?x32xf32>, tensor<32xf32>, tensor<32xf32>)
  return
}

// -----

// Tests that the loss gradient needs rank-2 logits.
func.func @loss_grad_rank(%l: tensor<10xf32>) {
  // expected-error@+1 {{logits (batch x classes) must be rank 2, got 1 (10)}}
  %g = kiln.softmax_cross_entropy_grad %l, %l : tensor<10xf32>
  return
}

//===----------------------------------------------------------------------===//
// Optimizer updates
//===----------------------------------------------------------------------===//

// -----

// Tests that the SGD momentum must be below 1.
func.func @sgd_momentum(%p: tensor<10xf32>, %lr: f32) {
  // expected-error@+1 {{'momentum' must be in [0, 1), got 1.5}}
  %a, %b = kiln.sgd_update %p, %p, %p, %lr {momentum = 1.5 : f32} : tensor<10xf32>
  return
}

// -----

// Tests that trained parameters must have a static shape.
func.func @sgd_dynamic(%p: tensor<?x10xf32>, %lr: f32) {
  // expected-error@+1 {{parameters must have a static shape, got ?x10}}
  %a, %b = kiln.sgd_update %p, %p, %p, %lr {momentum = 0.0 : f32} : tensor<?x10xf32>
  return
}

// -----

// Tests that the learning rate must be an f32 scalar.
func.func @sgd_lr_type(%p: tensor<10xf32>, %lr: tensor<f32>) {
  // expected-error@+1 {{operand #3 must be 32-bit float, but got 'tensor<f32>'}}
  %a, %b = "kiln.sgd_update"(%p, %p, %p, %lr) <{momentum = 0.0 : f32}> : (tensor<10xf32>, tensor<10xf32>, tensor<10xf32>, tensor<f32>) -> (tensor<10xf32>, tensor<10xf32>)
  return
}

// -----

// Tests that the gradient must have the parameter's type.
func.func @sgd_grad_type(%p: tensor<10xf32>, %g: tensor<11xf32>, %lr: f32) {
  // expected-error@+1 {{failed to verify that all of {param, grad, velocity, new_param, new_velocity} have same type}}
  %a, %b = "kiln.sgd_update"(%p, %g, %p, %lr) <{momentum = 0.0 : f32}> : (tensor<10xf32>, tensor<11xf32>, tensor<10xf32>, f32) -> (tensor<10xf32>, tensor<10xf32>)
  return
}

// -----

// Tests that Adam's beta1 must be in [0, 1).
func.func @adam_beta1(%p: tensor<10xf32>, %lr: f32, %step: i64) {
  // expected-error@+1 {{'beta1' must be in [0, 1), got -0.1}}
  %a, %b, %c = kiln.adam_update %p, %p, %p, %p, %lr, %step {beta1 = -0.1 : f32, beta2 = 0.999 : f32, epsilon = 1.0e-7 : f32} : tensor<10xf32>
  return
}

// -----

// Tests that Adam's beta2 must be in [0, 1).
func.func @adam_beta2(%p: tensor<10xf32>, %lr: f32, %step: i64) {
  // expected-error@+1 {{'beta2' must be in [0, 1), got 1}}
  %a, %b, %c = kiln.adam_update %p, %p, %p, %p, %lr, %step {beta1 = 0.9 : f32, beta2 = 1.0 : f32, epsilon = 1.0e-7 : f32} : tensor<10xf32>
  return
}

// -----

// Tests that Adam's epsilon must be positive.
func.func @adam_epsilon(%p: tensor<10xf32>, %lr: f32, %step: i64) {
  // expected-error@+1 {{'epsilon' must be positive, got 0}}
  %a, %b, %c = kiln.adam_update %p, %p, %p, %p, %lr, %step {beta1 = 0.9 : f32, beta2 = 0.999 : f32, epsilon = 0.0 : f32} : tensor<10xf32>
  return
}

// -----

// Tests that Adam's step must be an i64.
func.func @adam_step_type(%p: tensor<10xf32>, %lr: f32, %step: f32) {
  // expected-error@+1 {{operand #5 must be 64-bit signless integer, but got 'f32'}}
  %a, %b, %c = "kiln.adam_update"(%p, %p, %p, %p, %lr, %step) <{beta1 = 0.9 : f32, beta2 = 0.999 : f32, epsilon = 1.0e-7 : f32}> : (tensor<10xf32>, tensor<10xf32>, tensor<10xf32>, tensor<10xf32>, f32, f32) -> (tensor<10xf32>, tensor<10xf32>, tensor<10xf32>)
  return
}

// -----

// Tests that RMSprop's rho must be in [0, 1).
func.func @rmsprop_rho(%p: tensor<10xf32>, %lr: f32) {
  // expected-error@+1 {{'rho' must be in [0, 1), got 2}}
  %a, %b = kiln.rmsprop_update %p, %p, %p, %lr {rho = 2.0 : f32, epsilon = 1.0e-7 : f32} : tensor<10xf32>
  return
}

// -----

// Tests that RMSprop's epsilon must be positive.
func.func @rmsprop_epsilon(%p: tensor<10xf32>, %lr: f32) {
  // expected-error@+1 {{'epsilon' must be positive, got -1e-07}}
  %a, %b = kiln.rmsprop_update %p, %p, %p, %lr {rho = 0.9 : f32, epsilon = -1.0e-7 : f32} : tensor<10xf32>
  return
}

// -----

//===----------------------------------------------------------------------===//
// fold_scale
//===----------------------------------------------------------------------===//

// Tests that fold_scale's epsilon must be positive.
func.func @fold_scale_epsilon(%w: tensor<3x3x1x32xf32>, %g: tensor<32xf32>) {
  // expected-error@+1 {{'epsilon' must be positive, got 0}}
  %y = kiln.fold_scale %w, %g, %g {epsilon = 0.0 : f32} : tensor<3x3x1x32xf32>, tensor<32xf32>
  return
}

// -----

// Tests that fold_scale's gamma must have one entry per output channel.
func.func @fold_scale_channels(%w: tensor<3x3x1x32xf32>, %g: tensor<1xf32>) {
  // expected-error@+1 {{gamma: per-channel parameter must have shape 32, got 1}}
  %y = kiln.fold_scale %w, %g, %g {epsilon = 1.0e-3 : f32} : tensor<3x3x1x32xf32>, tensor<1xf32>
  return
}

// -----

//===----------------------------------------------------------------------===//
// kernel and yield
//===----------------------------------------------------------------------===//

// Tests that the body needs one argument per input.
func.func @kernel_arg_count(%x: tensor<4x10xf32>) {
  // expected-error@+1 {{'kiln.kernel' op body has 1 arguments but the kernel has 2 inputs}}
  %k = kiln.kernel (%x, %x) : (tensor<4x10xf32>, tensor<4x10xf32>) -> tensor<4x10xf32> {
  ^bb0(%a: tensor<4x10xf32>):
    kiln.yield %a : tensor<4x10xf32>
  }
  return
}

// -----

// Tests that each body argument has its input's type.
func.func @kernel_arg_type(%x: tensor<4x10xf32>, %lr: f32) {
  // expected-error@+1 {{'kiln.kernel' op body argument #1 has type 'i64' but input #1 has type 'f32'}}
  %k = kiln.kernel (%x, %lr) : (tensor<4x10xf32>, f32) -> tensor<4x10xf32> {
  ^bb0(%a: tensor<4x10xf32>, %b: i64):
    kiln.yield %a : tensor<4x10xf32>
  }
  return
}

// -----

// Tests that the yield gives one value per kernel result.
func.func @kernel_yield_count(%x: tensor<4x10xf32>) {
  %k = kiln.kernel (%x) : (tensor<4x10xf32>) -> tensor<4x10xf32> {
  ^bb0(%a: tensor<4x10xf32>):
    // expected-error@+1 {{'kiln.yield' op yields 2 values but the kernel has 1 results}}
    kiln.yield %a, %a : tensor<4x10xf32>, tensor<4x10xf32>
  }
  return
}

// -----

// Tests that each yielded value has its result's type.
func.func @kernel_yield_type(%x: tensor<4x10xf32>) {
  %k = kiln.kernel (%x) : (tensor<4x10xf32>) -> tensor<?x10xf32> {
  ^bb0(%a: tensor<4x10xf32>):
    // expected-error@+1 {{'kiln.yield' op value #0 has type 'tensor<4x10xf32>' but kernel result #0 has type 'tensor<?x10xf32>'}}
    kiln.yield %a : tensor<4x10xf32>
  }
  return
}

// -----

// Tests that a kernel must have a result.
func.func @kernel_no_result(%x: tensor<4x10xf32>) {
  // expected-error@+1 {{'kiln.kernel' op must have at least one result}}
  kiln.kernel (%x) : (tensor<4x10xf32>) -> () {
  ^bb0(%a: tensor<4x10xf32>):
    kiln.yield
  }
  return
}

// -----

// Tests that the body cannot read a value defined outside the kernel.
func.func @kernel_isolated(%x: tensor<4x10xf32>, %y: tensor<4x10xf32>) {
  // expected-note@+1 {{required by region isolation constraints}}
  %k = kiln.kernel (%x) : (tensor<4x10xf32>) -> tensor<4x10xf32> {
  ^bb0(%a: tensor<4x10xf32>):
    // expected-error@+1 {{using value defined outside the region}}
    %s = kiln.add %a, %y : tensor<4x10xf32>
    kiln.yield %s : tensor<4x10xf32>
  }
  return
}

// -----

// Tests that kiln.yield only terminates a kernel.
func.func @yield_outside(%x: tensor<4x10xf32>) {
  // expected-error@+1 {{'kiln.yield' op expects parent op 'kiln.kernel'}}
  kiln.yield %x : tensor<4x10xf32>
}

// -----

// Tests that a kernel's body ends with kiln.yield (here an unregistered op
// that might be a terminator).
func.func @kernel_terminator(%x: tensor<4x10xf32>) {
  // expected-error@+1 {{'kiln.kernel' op body must end with 'kiln.yield'}}
  %k = kiln.kernel (%x) : (tensor<4x10xf32>) -> tensor<4x10xf32> {
  ^bb0(%a: tensor<4x10xf32>):
    "test.terminator"() : () -> ()
  }
  return
}

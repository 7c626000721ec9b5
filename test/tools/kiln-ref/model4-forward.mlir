// Report 004 Model 4 (the best of its four CNNs) in the IR contract's @forward
// training form, at 10 classes: 'same' 3x3 convolutions 32, 32, 64, 128 with
// relu and BatchNorm, max pooling, dropout 0.25/0.25/0.4, dense 512 and 128
// with BatchNorm and dropout 0.5, dense 10; 3.4 million parameters. Dropout
// streams 1-5 stand in for kiln::rng::streamId.

// Tests that the whole network runs at batch 4 and returns the logits and the
// twelve updated moving statistics.
// RUN: kiln-ref %s --func=forward --random-seed=1 --batch=4 --print=summary --time 2> %t.err \
// RUN:   | FileCheck %s --implicit-check-not=nan
// RUN: FileCheck %s --check-prefix=TIME < %t.err
// CHECK-LABEL: result #0 (logits): tensor<4x10xf32> sum=
// CHECK-NEXT: result #1: tensor<32xf32>
// CHECK: result #9: tensor<512xf32>
// CHECK: result #12: tensor<128xf32>
// CHECK-NOT: result #13
// TIME: time: {{[0-9.e+-]+}} ms per run (1 runs)

func.func @forward(
    %input: tensor<?x28x28x1xf32> {kiln.role = "input"},
    %step: i64 {kiln.role = "step"},
    %seed: i64 {kiln.role = "seed"},
    %conv2d_k: tensor<3x3x1x32xf32> {kiln.role = "param", kiln.name = "conv2d/kernel", kiln.init = "he_normal", kiln.l2 = 1.0e-3 : f32},
    %conv2d_b: tensor<32xf32> {kiln.role = "param", kiln.name = "conv2d/bias", kiln.init = "zeros"},
    %batch_normalization_gamma: tensor<32xf32> {kiln.role = "param", kiln.name = "batch_normalization/gamma", kiln.init = "ones"},
    %batch_normalization_beta: tensor<32xf32> {kiln.role = "param", kiln.name = "batch_normalization/beta", kiln.init = "zeros"},
    %conv2d_1_k: tensor<3x3x32x32xf32> {kiln.role = "param", kiln.name = "conv2d_1/kernel", kiln.init = "glorot_uniform", kiln.l2 = 1.0e-3 : f32},
    %conv2d_1_b: tensor<32xf32> {kiln.role = "param", kiln.name = "conv2d_1/bias", kiln.init = "zeros"},
    %batch_normalization_1_gamma: tensor<32xf32> {kiln.role = "param", kiln.name = "batch_normalization_1/gamma", kiln.init = "ones"},
    %batch_normalization_1_beta: tensor<32xf32> {kiln.role = "param", kiln.name = "batch_normalization_1/beta", kiln.init = "zeros"},
    %conv2d_2_k: tensor<3x3x32x64xf32> {kiln.role = "param", kiln.name = "conv2d_2/kernel", kiln.init = "glorot_uniform", kiln.l2 = 1.0e-3 : f32},
    %conv2d_2_b: tensor<64xf32> {kiln.role = "param", kiln.name = "conv2d_2/bias", kiln.init = "zeros"},
    %batch_normalization_2_gamma: tensor<64xf32> {kiln.role = "param", kiln.name = "batch_normalization_2/gamma", kiln.init = "ones"},
    %batch_normalization_2_beta: tensor<64xf32> {kiln.role = "param", kiln.name = "batch_normalization_2/beta", kiln.init = "zeros"},
    %conv2d_3_k: tensor<3x3x64x128xf32> {kiln.role = "param", kiln.name = "conv2d_3/kernel", kiln.init = "glorot_uniform", kiln.l2 = 1.0e-3 : f32},
    %conv2d_3_b: tensor<128xf32> {kiln.role = "param", kiln.name = "conv2d_3/bias", kiln.init = "zeros"},
    %batch_normalization_3_gamma: tensor<128xf32> {kiln.role = "param", kiln.name = "batch_normalization_3/gamma", kiln.init = "ones"},
    %batch_normalization_3_beta: tensor<128xf32> {kiln.role = "param", kiln.name = "batch_normalization_3/beta", kiln.init = "zeros"},
    %dense_k: tensor<6272x512xf32> {kiln.role = "param", kiln.name = "dense/kernel", kiln.init = "glorot_uniform"},
    %dense_b: tensor<512xf32> {kiln.role = "param", kiln.name = "dense/bias", kiln.init = "zeros"},
    %batch_normalization_4_gamma: tensor<512xf32> {kiln.role = "param", kiln.name = "batch_normalization_4/gamma", kiln.init = "ones"},
    %batch_normalization_4_beta: tensor<512xf32> {kiln.role = "param", kiln.name = "batch_normalization_4/beta", kiln.init = "zeros"},
    %dense_1_k: tensor<512x128xf32> {kiln.role = "param", kiln.name = "dense_1/kernel", kiln.init = "glorot_uniform"},
    %dense_1_b: tensor<128xf32> {kiln.role = "param", kiln.name = "dense_1/bias", kiln.init = "zeros"},
    %batch_normalization_5_gamma: tensor<128xf32> {kiln.role = "param", kiln.name = "batch_normalization_5/gamma", kiln.init = "ones"},
    %batch_normalization_5_beta: tensor<128xf32> {kiln.role = "param", kiln.name = "batch_normalization_5/beta", kiln.init = "zeros"},
    %dense_2_k: tensor<128x10xf32> {kiln.role = "param", kiln.name = "dense_2/kernel", kiln.init = "glorot_uniform"},
    %dense_2_b: tensor<10xf32> {kiln.role = "param", kiln.name = "dense_2/bias", kiln.init = "zeros"},
    %batch_normalization_mm: tensor<32xf32> {kiln.role = "state", kiln.name = "batch_normalization/moving_mean", kiln.init = "zeros"},
    %batch_normalization_mv: tensor<32xf32> {kiln.role = "state", kiln.name = "batch_normalization/moving_variance", kiln.init = "ones"},
    %batch_normalization_1_mm: tensor<32xf32> {kiln.role = "state", kiln.name = "batch_normalization_1/moving_mean", kiln.init = "zeros"},
    %batch_normalization_1_mv: tensor<32xf32> {kiln.role = "state", kiln.name = "batch_normalization_1/moving_variance", kiln.init = "ones"},
    %batch_normalization_2_mm: tensor<64xf32> {kiln.role = "state", kiln.name = "batch_normalization_2/moving_mean", kiln.init = "zeros"},
    %batch_normalization_2_mv: tensor<64xf32> {kiln.role = "state", kiln.name = "batch_normalization_2/moving_variance", kiln.init = "ones"},
    %batch_normalization_3_mm: tensor<128xf32> {kiln.role = "state", kiln.name = "batch_normalization_3/moving_mean", kiln.init = "zeros"},
    %batch_normalization_3_mv: tensor<128xf32> {kiln.role = "state", kiln.name = "batch_normalization_3/moving_variance", kiln.init = "ones"},
    %batch_normalization_4_mm: tensor<512xf32> {kiln.role = "state", kiln.name = "batch_normalization_4/moving_mean", kiln.init = "zeros"},
    %batch_normalization_4_mv: tensor<512xf32> {kiln.role = "state", kiln.name = "batch_normalization_4/moving_variance", kiln.init = "ones"},
    %batch_normalization_5_mm: tensor<128xf32> {kiln.role = "state", kiln.name = "batch_normalization_5/moving_mean", kiln.init = "zeros"},
    %batch_normalization_5_mv: tensor<128xf32> {kiln.role = "state", kiln.name = "batch_normalization_5/moving_variance", kiln.init = "ones"})
    -> (tensor<?x10xf32> {kiln.role = "logits"}, tensor<32xf32>, tensor<32xf32>, tensor<32xf32>, tensor<32xf32>, tensor<64xf32>, tensor<64xf32>, tensor<128xf32>, tensor<128xf32>, tensor<512xf32>, tensor<512xf32>, tensor<128xf32>, tensor<128xf32>) {
  %conv2d = kiln.conv2d %input, %conv2d_k {padding = array<i64: 1, 1, 1, 1>}
      : (tensor<?x28x28x1xf32>, tensor<3x3x1x32xf32>) -> tensor<?x28x28x32xf32>
  %conv2d_bias = kiln.bias_add %conv2d, %conv2d_b : tensor<?x28x28x32xf32>, tensor<32xf32>
  %conv2d_relu = kiln.relu %conv2d_bias : tensor<?x28x28x32xf32>
  %batch_normalization, %batch_normalization_mean, %batch_normalization_var = kiln.batch_norm_train %conv2d_relu, %batch_normalization_gamma, %batch_normalization_beta {epsilon = 1.0e-3 : f32}
      : tensor<?x28x28x32xf32>, tensor<32xf32>
  %batch_normalization_mm2 = kiln.moving_average %batch_normalization_mm, %batch_normalization_mean {momentum = 0.99 : f32} : tensor<32xf32>
  %batch_normalization_mv2 = kiln.moving_average %batch_normalization_mv, %batch_normalization_var {momentum = 0.99 : f32} : tensor<32xf32>
  %conv2d_1 = kiln.conv2d %batch_normalization, %conv2d_1_k {padding = array<i64: 1, 1, 1, 1>}
      : (tensor<?x28x28x32xf32>, tensor<3x3x32x32xf32>) -> tensor<?x28x28x32xf32>
  %conv2d_1_bias = kiln.bias_add %conv2d_1, %conv2d_1_b : tensor<?x28x28x32xf32>, tensor<32xf32>
  %conv2d_1_relu = kiln.relu %conv2d_1_bias : tensor<?x28x28x32xf32>
  %batch_normalization_1, %batch_normalization_1_mean, %batch_normalization_1_var = kiln.batch_norm_train %conv2d_1_relu, %batch_normalization_1_gamma, %batch_normalization_1_beta {epsilon = 1.0e-3 : f32}
      : tensor<?x28x28x32xf32>, tensor<32xf32>
  %batch_normalization_1_mm2 = kiln.moving_average %batch_normalization_1_mm, %batch_normalization_1_mean {momentum = 0.99 : f32} : tensor<32xf32>
  %batch_normalization_1_mv2 = kiln.moving_average %batch_normalization_1_mv, %batch_normalization_1_var {momentum = 0.99 : f32} : tensor<32xf32>
  %max_pooling2d = kiln.max_pool2d %batch_normalization_1 {window = array<i64: 2, 2>, strides = array<i64: 2, 2>}
      : tensor<?x28x28x32xf32> -> tensor<?x14x14x32xf32>
  %dropout, %dropout_mask = kiln.dropout %max_pooling2d, %step, %seed {rate = 0.25 : f32, stream = 1}
      : tensor<?x14x14x32xf32>
  %conv2d_2 = kiln.conv2d %dropout, %conv2d_2_k {padding = array<i64: 1, 1, 1, 1>}
      : (tensor<?x14x14x32xf32>, tensor<3x3x32x64xf32>) -> tensor<?x14x14x64xf32>
  %conv2d_2_bias = kiln.bias_add %conv2d_2, %conv2d_2_b : tensor<?x14x14x64xf32>, tensor<64xf32>
  %conv2d_2_relu = kiln.relu %conv2d_2_bias : tensor<?x14x14x64xf32>
  %batch_normalization_2, %batch_normalization_2_mean, %batch_normalization_2_var = kiln.batch_norm_train %conv2d_2_relu, %batch_normalization_2_gamma, %batch_normalization_2_beta {epsilon = 1.0e-3 : f32}
      : tensor<?x14x14x64xf32>, tensor<64xf32>
  %batch_normalization_2_mm2 = kiln.moving_average %batch_normalization_2_mm, %batch_normalization_2_mean {momentum = 0.99 : f32} : tensor<64xf32>
  %batch_normalization_2_mv2 = kiln.moving_average %batch_normalization_2_mv, %batch_normalization_2_var {momentum = 0.99 : f32} : tensor<64xf32>
  %dropout_1, %dropout_1_mask = kiln.dropout %batch_normalization_2, %step, %seed {rate = 0.25 : f32, stream = 2}
      : tensor<?x14x14x64xf32>
  %conv2d_3 = kiln.conv2d %dropout_1, %conv2d_3_k {padding = array<i64: 1, 1, 1, 1>}
      : (tensor<?x14x14x64xf32>, tensor<3x3x64x128xf32>) -> tensor<?x14x14x128xf32>
  %conv2d_3_bias = kiln.bias_add %conv2d_3, %conv2d_3_b : tensor<?x14x14x128xf32>, tensor<128xf32>
  %conv2d_3_relu = kiln.relu %conv2d_3_bias : tensor<?x14x14x128xf32>
  %batch_normalization_3, %batch_normalization_3_mean, %batch_normalization_3_var = kiln.batch_norm_train %conv2d_3_relu, %batch_normalization_3_gamma, %batch_normalization_3_beta {epsilon = 1.0e-3 : f32}
      : tensor<?x14x14x128xf32>, tensor<128xf32>
  %batch_normalization_3_mm2 = kiln.moving_average %batch_normalization_3_mm, %batch_normalization_3_mean {momentum = 0.99 : f32} : tensor<128xf32>
  %batch_normalization_3_mv2 = kiln.moving_average %batch_normalization_3_mv, %batch_normalization_3_var {momentum = 0.99 : f32} : tensor<128xf32>
  %max_pooling2d_1 = kiln.max_pool2d %batch_normalization_3 {window = array<i64: 2, 2>, strides = array<i64: 2, 2>}
      : tensor<?x14x14x128xf32> -> tensor<?x7x7x128xf32>
  %dropout_2, %dropout_2_mask = kiln.dropout %max_pooling2d_1, %step, %seed {rate = 0.4 : f32, stream = 3}
      : tensor<?x7x7x128xf32>
  %flatten = kiln.flatten %dropout_2 : tensor<?x7x7x128xf32> -> tensor<?x6272xf32>
  %dense = kiln.dense %flatten, %dense_k : (tensor<?x6272xf32>, tensor<6272x512xf32>) -> tensor<?x512xf32>
  %dense_bias = kiln.bias_add %dense, %dense_b : tensor<?x512xf32>, tensor<512xf32>
  %dense_relu = kiln.relu %dense_bias : tensor<?x512xf32>
  %batch_normalization_4, %batch_normalization_4_mean, %batch_normalization_4_var = kiln.batch_norm_train %dense_relu, %batch_normalization_4_gamma, %batch_normalization_4_beta {epsilon = 1.0e-3 : f32}
      : tensor<?x512xf32>, tensor<512xf32>
  %batch_normalization_4_mm2 = kiln.moving_average %batch_normalization_4_mm, %batch_normalization_4_mean {momentum = 0.99 : f32} : tensor<512xf32>
  %batch_normalization_4_mv2 = kiln.moving_average %batch_normalization_4_mv, %batch_normalization_4_var {momentum = 0.99 : f32} : tensor<512xf32>
  %dropout_3, %dropout_3_mask = kiln.dropout %batch_normalization_4, %step, %seed {rate = 0.5 : f32, stream = 4}
      : tensor<?x512xf32>
  %dense_1 = kiln.dense %dropout_3, %dense_1_k : (tensor<?x512xf32>, tensor<512x128xf32>) -> tensor<?x128xf32>
  %dense_1_bias = kiln.bias_add %dense_1, %dense_1_b : tensor<?x128xf32>, tensor<128xf32>
  %dense_1_relu = kiln.relu %dense_1_bias : tensor<?x128xf32>
  %batch_normalization_5, %batch_normalization_5_mean, %batch_normalization_5_var = kiln.batch_norm_train %dense_1_relu, %batch_normalization_5_gamma, %batch_normalization_5_beta {epsilon = 1.0e-3 : f32}
      : tensor<?x128xf32>, tensor<128xf32>
  %batch_normalization_5_mm2 = kiln.moving_average %batch_normalization_5_mm, %batch_normalization_5_mean {momentum = 0.99 : f32} : tensor<128xf32>
  %batch_normalization_5_mv2 = kiln.moving_average %batch_normalization_5_mv, %batch_normalization_5_var {momentum = 0.99 : f32} : tensor<128xf32>
  %dropout_4, %dropout_4_mask = kiln.dropout %batch_normalization_5, %step, %seed {rate = 0.5 : f32, stream = 5}
      : tensor<?x128xf32>
  %dense_2 = kiln.dense %dropout_4, %dense_2_k : (tensor<?x128xf32>, tensor<128x10xf32>) -> tensor<?x10xf32>
  %dense_2_bias = kiln.bias_add %dense_2, %dense_2_b : tensor<?x10xf32>, tensor<10xf32>
  return %dense_2_bias, %batch_normalization_mm2, %batch_normalization_mv2, %batch_normalization_1_mm2, %batch_normalization_1_mv2, %batch_normalization_2_mm2, %batch_normalization_2_mv2, %batch_normalization_3_mm2, %batch_normalization_3_mv2, %batch_normalization_4_mm2, %batch_normalization_4_mv2, %batch_normalization_5_mm2, %batch_normalization_5_mv2
      : tensor<?x10xf32>, tensor<32xf32>, tensor<32xf32>, tensor<32xf32>, tensor<32xf32>, tensor<64xf32>, tensor<64xf32>, tensor<128xf32>, tensor<128xf32>, tensor<512xf32>, tensor<512xf32>, tensor<128xf32>, tensor<128xf32>
}

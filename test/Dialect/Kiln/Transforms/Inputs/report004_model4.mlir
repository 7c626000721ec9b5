// Report 004's Model 4 in the form MLIRGen emits (@forward only), on the
// standard 10 classes: 'same' padding, L2 0.001 on every conv kernel,
// he_normal on the first;
// conv2d 32 relu -> bn -> conv2d 32 relu -> bn -> maxpool -> dropout 0.25 ->
// conv2d 64 relu -> bn -> dropout 0.25 -> conv2d 128 relu -> bn -> maxpool ->
// dropout 0.4 -> flatten (6272) -> dense 512 relu -> bn -> dropout 0.5 ->
// dense 128 relu -> bn -> dropout 0.5 -> dense 10 softmax; Adam, batch 128.
// BatchNorm: momentum 0.99, epsilon 1e-3. Dropout streams are
// streamId(Dropout, layer index) = 2^33 + index. Written by hand; shared by
// the pass tests.
module attributes {
  kiln.model = "report004_model4",
  kiln.classes = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                  "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"],
  kiln.training = {loss = "categorical_crossentropy", optimizer = "adam",
                   lr = 1.0e-3 : f32, beta1 = 0.9 : f32, beta2 = 0.999 : f32,
                   epsilon = 1.0e-7 : f32, batch_size = 128 : i64,
                   epochs = 50 : i64, seed = 0 : i64,
                   validation_split = 0.0 : f32}
} {
  func.func @forward(
      %input: tensor<?x28x28x1xf32> {kiln.role = "input"},
      %step: i64 {kiln.role = "step"},
      %seed: i64 {kiln.role = "seed"},
      %w0: tensor<3x3x1x32xf32> {kiln.role = "param", kiln.name = "conv2d/kernel", kiln.init = "he_normal", kiln.l2 = 1.0e-3 : f32},
      %b0: tensor<32xf32> {kiln.role = "param", kiln.name = "conv2d/bias", kiln.init = "zeros"},
      %g0: tensor<32xf32> {kiln.role = "param", kiln.name = "batch_normalization/gamma", kiln.init = "ones"},
      %e0: tensor<32xf32> {kiln.role = "param", kiln.name = "batch_normalization/beta", kiln.init = "zeros"},
      %w1: tensor<3x3x32x32xf32> {kiln.role = "param", kiln.name = "conv2d_1/kernel", kiln.init = "glorot_uniform", kiln.l2 = 1.0e-3 : f32},
      %b1: tensor<32xf32> {kiln.role = "param", kiln.name = "conv2d_1/bias", kiln.init = "zeros"},
      %g1: tensor<32xf32> {kiln.role = "param", kiln.name = "batch_normalization_1/gamma", kiln.init = "ones"},
      %e1: tensor<32xf32> {kiln.role = "param", kiln.name = "batch_normalization_1/beta", kiln.init = "zeros"},
      %w2: tensor<3x3x32x64xf32> {kiln.role = "param", kiln.name = "conv2d_2/kernel", kiln.init = "glorot_uniform", kiln.l2 = 1.0e-3 : f32},
      %b2: tensor<64xf32> {kiln.role = "param", kiln.name = "conv2d_2/bias", kiln.init = "zeros"},
      %g2: tensor<64xf32> {kiln.role = "param", kiln.name = "batch_normalization_2/gamma", kiln.init = "ones"},
      %e2: tensor<64xf32> {kiln.role = "param", kiln.name = "batch_normalization_2/beta", kiln.init = "zeros"},
      %w3: tensor<3x3x64x128xf32> {kiln.role = "param", kiln.name = "conv2d_3/kernel", kiln.init = "glorot_uniform", kiln.l2 = 1.0e-3 : f32},
      %b3: tensor<128xf32> {kiln.role = "param", kiln.name = "conv2d_3/bias", kiln.init = "zeros"},
      %g3: tensor<128xf32> {kiln.role = "param", kiln.name = "batch_normalization_3/gamma", kiln.init = "ones"},
      %e3: tensor<128xf32> {kiln.role = "param", kiln.name = "batch_normalization_3/beta", kiln.init = "zeros"},
      %w4: tensor<6272x512xf32> {kiln.role = "param", kiln.name = "dense/kernel", kiln.init = "glorot_uniform"},
      %b4: tensor<512xf32> {kiln.role = "param", kiln.name = "dense/bias", kiln.init = "zeros"},
      %g4: tensor<512xf32> {kiln.role = "param", kiln.name = "batch_normalization_4/gamma", kiln.init = "ones"},
      %e4: tensor<512xf32> {kiln.role = "param", kiln.name = "batch_normalization_4/beta", kiln.init = "zeros"},
      %w5: tensor<512x128xf32> {kiln.role = "param", kiln.name = "dense_1/kernel", kiln.init = "glorot_uniform"},
      %b5: tensor<128xf32> {kiln.role = "param", kiln.name = "dense_1/bias", kiln.init = "zeros"},
      %g5: tensor<128xf32> {kiln.role = "param", kiln.name = "batch_normalization_5/gamma", kiln.init = "ones"},
      %e5: tensor<128xf32> {kiln.role = "param", kiln.name = "batch_normalization_5/beta", kiln.init = "zeros"},
      %w6: tensor<128x10xf32> {kiln.role = "param", kiln.name = "dense_2/kernel", kiln.init = "glorot_uniform"},
      %b6: tensor<10xf32> {kiln.role = "param", kiln.name = "dense_2/bias", kiln.init = "zeros"},
      %m0: tensor<32xf32> {kiln.role = "state", kiln.name = "batch_normalization/moving_mean", kiln.init = "zeros"},
      %v0: tensor<32xf32> {kiln.role = "state", kiln.name = "batch_normalization/moving_variance", kiln.init = "ones"},
      %m1: tensor<32xf32> {kiln.role = "state", kiln.name = "batch_normalization_1/moving_mean", kiln.init = "zeros"},
      %v1: tensor<32xf32> {kiln.role = "state", kiln.name = "batch_normalization_1/moving_variance", kiln.init = "ones"},
      %m2: tensor<64xf32> {kiln.role = "state", kiln.name = "batch_normalization_2/moving_mean", kiln.init = "zeros"},
      %v2: tensor<64xf32> {kiln.role = "state", kiln.name = "batch_normalization_2/moving_variance", kiln.init = "ones"},
      %m3: tensor<128xf32> {kiln.role = "state", kiln.name = "batch_normalization_3/moving_mean", kiln.init = "zeros"},
      %v3: tensor<128xf32> {kiln.role = "state", kiln.name = "batch_normalization_3/moving_variance", kiln.init = "ones"},
      %m4: tensor<512xf32> {kiln.role = "state", kiln.name = "batch_normalization_4/moving_mean", kiln.init = "zeros"},
      %v4: tensor<512xf32> {kiln.role = "state", kiln.name = "batch_normalization_4/moving_variance", kiln.init = "ones"},
      %m5: tensor<128xf32> {kiln.role = "state", kiln.name = "batch_normalization_5/moving_mean", kiln.init = "zeros"},
      %v5: tensor<128xf32> {kiln.role = "state", kiln.name = "batch_normalization_5/moving_variance", kiln.init = "ones"})
      -> (tensor<?x10xf32> {kiln.role = "logits"},
          tensor<32xf32>, tensor<32xf32>, tensor<32xf32>, tensor<32xf32>,
          tensor<64xf32>, tensor<64xf32>, tensor<128xf32>, tensor<128xf32>,
          tensor<512xf32>, tensor<512xf32>, tensor<128xf32>, tensor<128xf32>)
      attributes {kiln.output_activation = "softmax"} {
    // Block 1: conv2d 32 -> bn -> conv2d 32 -> bn -> maxpool -> dropout 0.25.
    %c0 = kiln.conv2d %input, %w0 {padding = array<i64: 1, 1, 1, 1>} : (tensor<?x28x28x1xf32>, tensor<3x3x1x32xf32>) -> tensor<?x28x28x32xf32> loc("report004_model4.kiln":5:3)
    %z0 = kiln.bias_add %c0, %b0 : tensor<?x28x28x32xf32>, tensor<32xf32> loc("report004_model4.kiln":5:3)
    %a0 = kiln.relu %z0 : tensor<?x28x28x32xf32> loc("report004_model4.kiln":5:3)
    %n0, %bm0, %bv0 = kiln.batch_norm_train %a0, %g0, %e0 {epsilon = 1.0e-3 : f32} : tensor<?x28x28x32xf32>, tensor<32xf32> loc("report004_model4.kiln":6:3)
    %um0 = kiln.moving_average %m0, %bm0 {momentum = 0.99 : f32} : tensor<32xf32> loc("report004_model4.kiln":6:3)
    %uv0 = kiln.moving_average %v0, %bv0 {momentum = 0.99 : f32} : tensor<32xf32> loc("report004_model4.kiln":6:3)
    %c1 = kiln.conv2d %n0, %w1 {padding = array<i64: 1, 1, 1, 1>} : (tensor<?x28x28x32xf32>, tensor<3x3x32x32xf32>) -> tensor<?x28x28x32xf32> loc("report004_model4.kiln":7:3)
    %z1 = kiln.bias_add %c1, %b1 : tensor<?x28x28x32xf32>, tensor<32xf32> loc("report004_model4.kiln":7:3)
    %a1 = kiln.relu %z1 : tensor<?x28x28x32xf32> loc("report004_model4.kiln":7:3)
    %n1, %bm1, %bv1 = kiln.batch_norm_train %a1, %g1, %e1 {epsilon = 1.0e-3 : f32} : tensor<?x28x28x32xf32>, tensor<32xf32> loc("report004_model4.kiln":8:3)
    %um1 = kiln.moving_average %m1, %bm1 {momentum = 0.99 : f32} : tensor<32xf32> loc("report004_model4.kiln":8:3)
    %uv1 = kiln.moving_average %v1, %bv1 {momentum = 0.99 : f32} : tensor<32xf32> loc("report004_model4.kiln":8:3)
    %p1 = kiln.max_pool2d %n1 {window = array<i64: 2, 2>, strides = array<i64: 2, 2>} : tensor<?x28x28x32xf32> -> tensor<?x14x14x32xf32> loc("report004_model4.kiln":9:3)
    %d1, %k1 = kiln.dropout %p1, %step, %seed {rate = 0.25 : f32, stream = 8589934597} : tensor<?x14x14x32xf32> loc("report004_model4.kiln":10:3)
    // Block 2: conv2d 64 -> bn -> dropout 0.25.
    %c2 = kiln.conv2d %d1, %w2 {padding = array<i64: 1, 1, 1, 1>} : (tensor<?x14x14x32xf32>, tensor<3x3x32x64xf32>) -> tensor<?x14x14x64xf32> loc("report004_model4.kiln":11:3)
    %z2 = kiln.bias_add %c2, %b2 : tensor<?x14x14x64xf32>, tensor<64xf32> loc("report004_model4.kiln":11:3)
    %a2 = kiln.relu %z2 : tensor<?x14x14x64xf32> loc("report004_model4.kiln":11:3)
    %n2, %bm2, %bv2 = kiln.batch_norm_train %a2, %g2, %e2 {epsilon = 1.0e-3 : f32} : tensor<?x14x14x64xf32>, tensor<64xf32> loc("report004_model4.kiln":12:3)
    %um2 = kiln.moving_average %m2, %bm2 {momentum = 0.99 : f32} : tensor<64xf32> loc("report004_model4.kiln":12:3)
    %uv2 = kiln.moving_average %v2, %bv2 {momentum = 0.99 : f32} : tensor<64xf32> loc("report004_model4.kiln":12:3)
    %d2, %k2 = kiln.dropout %n2, %step, %seed {rate = 0.25 : f32, stream = 8589934600} : tensor<?x14x14x64xf32> loc("report004_model4.kiln":13:3)
    // Block 3: conv2d 128 -> bn -> maxpool -> dropout 0.4.
    %c3 = kiln.conv2d %d2, %w3 {padding = array<i64: 1, 1, 1, 1>} : (tensor<?x14x14x64xf32>, tensor<3x3x64x128xf32>) -> tensor<?x14x14x128xf32> loc("report004_model4.kiln":14:3)
    %z3 = kiln.bias_add %c3, %b3 : tensor<?x14x14x128xf32>, tensor<128xf32> loc("report004_model4.kiln":14:3)
    %a3 = kiln.relu %z3 : tensor<?x14x14x128xf32> loc("report004_model4.kiln":14:3)
    %n3, %bm3, %bv3 = kiln.batch_norm_train %a3, %g3, %e3 {epsilon = 1.0e-3 : f32} : tensor<?x14x14x128xf32>, tensor<128xf32> loc("report004_model4.kiln":15:3)
    %um3 = kiln.moving_average %m3, %bm3 {momentum = 0.99 : f32} : tensor<128xf32> loc("report004_model4.kiln":15:3)
    %uv3 = kiln.moving_average %v3, %bv3 {momentum = 0.99 : f32} : tensor<128xf32> loc("report004_model4.kiln":15:3)
    %p3 = kiln.max_pool2d %n3 {window = array<i64: 2, 2>, strides = array<i64: 2, 2>} : tensor<?x14x14x128xf32> -> tensor<?x7x7x128xf32> loc("report004_model4.kiln":16:3)
    %d3, %k3 = kiln.dropout %p3, %step, %seed {rate = 0.4 : f32, stream = 8589934604} : tensor<?x7x7x128xf32> loc("report004_model4.kiln":17:3)
    // Head: flatten -> dense 512 -> bn -> dropout 0.5 -> dense 128 -> bn ->
    // dropout 0.5 -> dense 10.
    %f = kiln.flatten %d3 : tensor<?x7x7x128xf32> -> tensor<?x6272xf32> loc("report004_model4.kiln":18:3)
    %y4 = kiln.dense %f, %w4 : (tensor<?x6272xf32>, tensor<6272x512xf32>) -> tensor<?x512xf32> loc("report004_model4.kiln":19:3)
    %z4 = kiln.bias_add %y4, %b4 : tensor<?x512xf32>, tensor<512xf32> loc("report004_model4.kiln":19:3)
    %a4 = kiln.relu %z4 : tensor<?x512xf32> loc("report004_model4.kiln":19:3)
    %n4, %bm4, %bv4 = kiln.batch_norm_train %a4, %g4, %e4 {epsilon = 1.0e-3 : f32} : tensor<?x512xf32>, tensor<512xf32> loc("report004_model4.kiln":20:3)
    %um4 = kiln.moving_average %m4, %bm4 {momentum = 0.99 : f32} : tensor<512xf32> loc("report004_model4.kiln":20:3)
    %uv4 = kiln.moving_average %v4, %bv4 {momentum = 0.99 : f32} : tensor<512xf32> loc("report004_model4.kiln":20:3)
    %d4, %k4 = kiln.dropout %n4, %step, %seed {rate = 0.5 : f32, stream = 8589934608} : tensor<?x512xf32> loc("report004_model4.kiln":21:3)
    %y5 = kiln.dense %d4, %w5 : (tensor<?x512xf32>, tensor<512x128xf32>) -> tensor<?x128xf32> loc("report004_model4.kiln":22:3)
    %z5 = kiln.bias_add %y5, %b5 : tensor<?x128xf32>, tensor<128xf32> loc("report004_model4.kiln":22:3)
    %a5 = kiln.relu %z5 : tensor<?x128xf32> loc("report004_model4.kiln":22:3)
    %n5, %bm5, %bv5 = kiln.batch_norm_train %a5, %g5, %e5 {epsilon = 1.0e-3 : f32} : tensor<?x128xf32>, tensor<128xf32> loc("report004_model4.kiln":23:3)
    %um5 = kiln.moving_average %m5, %bm5 {momentum = 0.99 : f32} : tensor<128xf32> loc("report004_model4.kiln":23:3)
    %uv5 = kiln.moving_average %v5, %bv5 {momentum = 0.99 : f32} : tensor<128xf32> loc("report004_model4.kiln":23:3)
    %d5, %k5 = kiln.dropout %n5, %step, %seed {rate = 0.5 : f32, stream = 8589934611} : tensor<?x128xf32> loc("report004_model4.kiln":24:3)
    %y6 = kiln.dense %d5, %w6 : (tensor<?x128xf32>, tensor<128x10xf32>) -> tensor<?x10xf32> loc("report004_model4.kiln":25:3)
    %z6 = kiln.bias_add %y6, %b6 : tensor<?x10xf32>, tensor<10xf32> loc("report004_model4.kiln":25:3)
    return %z6, %um0, %uv0, %um1, %uv1, %um2, %uv2, %um3, %uv3, %um4, %uv4, %um5, %uv5
        : tensor<?x10xf32>, tensor<32xf32>, tensor<32xf32>, tensor<32xf32>, tensor<32xf32>,
          tensor<64xf32>, tensor<64xf32>, tensor<128xf32>, tensor<128xf32>,
          tensor<512xf32>, tensor<512xf32>, tensor<128xf32>, tensor<128xf32> loc("report004_model4.kiln":25:3)
  } loc("report004_model4.kiln":1:1)
} loc("report004_model4.kiln":1:1)

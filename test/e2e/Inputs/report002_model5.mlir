// Report 002's Model 5 in the form MLIRGen emits (@forward only):
// conv2d 32 3x3 relu -> maxpool 2x2 -> conv2d 64 3x3 relu -> maxpool 2x2 ->
// conv2d 128 3x3 relu -> flatten (1152) -> dense 128 relu -> dropout 0.2 ->
// dense 10 softmax; Adam, batch 64, 10 epochs. The dropout's stream is
// streamId(Dropout, 7) = 2^33 + 7. Written by hand for the end-to-end tests.
module attributes {
  kiln.model = "report002_model5",
  kiln.classes = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                  "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"],
  kiln.training = {loss = "categorical_crossentropy", optimizer = "adam",
                   lr = 1.0e-3 : f32, beta1 = 0.9 : f32, beta2 = 0.999 : f32,
                   epsilon = 1.0e-7 : f32, batch_size = 64 : i64,
                   epochs = 10 : i64, seed = 0 : i64,
                   validation_split = 0.0 : f32}
} {
  func.func @forward(
      %input: tensor<?x28x28x1xf32> {kiln.role = "input"},
      %step: i64 {kiln.role = "step"},
      %seed: i64 {kiln.role = "seed"},
      %w0: tensor<3x3x1x32xf32> {kiln.role = "param", kiln.name = "conv2d/kernel", kiln.init = "glorot_uniform"},
      %b0: tensor<32xf32> {kiln.role = "param", kiln.name = "conv2d/bias", kiln.init = "zeros"},
      %w1: tensor<3x3x32x64xf32> {kiln.role = "param", kiln.name = "conv2d_1/kernel", kiln.init = "glorot_uniform"},
      %b1: tensor<64xf32> {kiln.role = "param", kiln.name = "conv2d_1/bias", kiln.init = "zeros"},
      %w2: tensor<3x3x64x128xf32> {kiln.role = "param", kiln.name = "conv2d_2/kernel", kiln.init = "glorot_uniform"},
      %b2: tensor<128xf32> {kiln.role = "param", kiln.name = "conv2d_2/bias", kiln.init = "zeros"},
      %w3: tensor<1152x128xf32> {kiln.role = "param", kiln.name = "dense/kernel", kiln.init = "glorot_uniform"},
      %b3: tensor<128xf32> {kiln.role = "param", kiln.name = "dense/bias", kiln.init = "zeros"},
      %w4: tensor<128x10xf32> {kiln.role = "param", kiln.name = "dense_1/kernel", kiln.init = "glorot_uniform"},
      %b4: tensor<10xf32> {kiln.role = "param", kiln.name = "dense_1/bias", kiln.init = "zeros"})
      -> (tensor<?x10xf32> {kiln.role = "logits"})
      attributes {kiln.output_activation = "softmax"} {
    %c0 = kiln.conv2d %input, %w0 : (tensor<?x28x28x1xf32>, tensor<3x3x1x32xf32>) -> tensor<?x26x26x32xf32> loc("report002_model5.kiln":4:3)
    %z0 = kiln.bias_add %c0, %b0 : tensor<?x26x26x32xf32>, tensor<32xf32> loc("report002_model5.kiln":4:3)
    %a0 = kiln.relu %z0 : tensor<?x26x26x32xf32> loc("report002_model5.kiln":4:3)
    %p0 = kiln.max_pool2d %a0 {window = array<i64: 2, 2>, strides = array<i64: 2, 2>} : tensor<?x26x26x32xf32> -> tensor<?x13x13x32xf32> loc("report002_model5.kiln":5:3)
    %c1 = kiln.conv2d %p0, %w1 : (tensor<?x13x13x32xf32>, tensor<3x3x32x64xf32>) -> tensor<?x11x11x64xf32> loc("report002_model5.kiln":6:3)
    %z1 = kiln.bias_add %c1, %b1 : tensor<?x11x11x64xf32>, tensor<64xf32> loc("report002_model5.kiln":6:3)
    %a1 = kiln.relu %z1 : tensor<?x11x11x64xf32> loc("report002_model5.kiln":6:3)
    %p1 = kiln.max_pool2d %a1 {window = array<i64: 2, 2>, strides = array<i64: 2, 2>} : tensor<?x11x11x64xf32> -> tensor<?x5x5x64xf32> loc("report002_model5.kiln":7:3)
    %c2 = kiln.conv2d %p1, %w2 : (tensor<?x5x5x64xf32>, tensor<3x3x64x128xf32>) -> tensor<?x3x3x128xf32> loc("report002_model5.kiln":8:3)
    %z2 = kiln.bias_add %c2, %b2 : tensor<?x3x3x128xf32>, tensor<128xf32> loc("report002_model5.kiln":8:3)
    %a2 = kiln.relu %z2 : tensor<?x3x3x128xf32> loc("report002_model5.kiln":8:3)
    %f = kiln.flatten %a2 : tensor<?x3x3x128xf32> -> tensor<?x1152xf32> loc("report002_model5.kiln":9:3)
    %y3 = kiln.dense %f, %w3 : (tensor<?x1152xf32>, tensor<1152x128xf32>) -> tensor<?x128xf32> loc("report002_model5.kiln":10:3)
    %z3 = kiln.bias_add %y3, %b3 : tensor<?x128xf32>, tensor<128xf32> loc("report002_model5.kiln":10:3)
    %a3 = kiln.relu %z3 : tensor<?x128xf32> loc("report002_model5.kiln":10:3)
    %d3, %k3 = kiln.dropout %a3, %step, %seed {rate = 0.2 : f32, stream = 8589934599} : tensor<?x128xf32> loc("report002_model5.kiln":11:3)
    %y4 = kiln.dense %d3, %w4 : (tensor<?x128xf32>, tensor<128x10xf32>) -> tensor<?x10xf32> loc("report002_model5.kiln":12:3)
    %z4 = kiln.bias_add %y4, %b4 : tensor<?x10xf32>, tensor<10xf32> loc("report002_model5.kiln":12:3)
    return %z4 : tensor<?x10xf32> loc("report002_model5.kiln":12:3)
  } loc("report002_model5.kiln":1:1)
} loc("report002_model5.kiln":1:1)

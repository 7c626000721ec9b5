// Report 001's one-conv CNN in the form MLIRGen emits (@forward only),
// with the fully connected layers the report leaves unspecified read as
// maxpool 2x2 -> flatten -> dense 128 relu -> dense 64 relu -> dense 10
// (the seed sheet's example; models/report001.kiln now takes PyTorch's
// quickstart layers, this smaller reading keeps the tests quick):
// conv2d 8 5x5 relu first. PyTorch's cross-entropy takes the logits, so
// there is no softmax layer (the infer executable applies one to show
// probabilities). Adam, random horizontal flips and rotations of up to 10
// degrees every epoch. Written by hand for the end-to-end tests.
module attributes {
  kiln.model = "report001",
  kiln.classes = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                  "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"],
  kiln.training = {loss = "categorical_crossentropy", optimizer = "adam",
                   lr = 1.0e-3 : f32, beta1 = 0.9 : f32, beta2 = 0.999 : f32,
                   epsilon = 1.0e-7 : f32, batch_size = 64 : i64,
                   epochs = 3 : i64, seed = 1 : i64,
                   validation_split = 0.0 : f32,
                   augmentation = {horizontal_flip = true, rotation = 10.0 : f32}}
} {
  func.func @forward(
      %input: tensor<?x28x28x1xf32> {kiln.role = "input"},
      %step: i64 {kiln.role = "step"},
      %w0: tensor<5x5x1x8xf32> {kiln.role = "param", kiln.name = "conv2d/kernel", kiln.init = "he_uniform"},
      %b0: tensor<8xf32> {kiln.role = "param", kiln.name = "conv2d/bias", kiln.init = "zeros"},
      %w1: tensor<1152x128xf32> {kiln.role = "param", kiln.name = "dense/kernel", kiln.init = "he_uniform"},
      %b1: tensor<128xf32> {kiln.role = "param", kiln.name = "dense/bias", kiln.init = "zeros"},
      %w2: tensor<128x64xf32> {kiln.role = "param", kiln.name = "dense_1/kernel", kiln.init = "he_uniform"},
      %b2: tensor<64xf32> {kiln.role = "param", kiln.name = "dense_1/bias", kiln.init = "zeros"},
      %w3: tensor<64x10xf32> {kiln.role = "param", kiln.name = "dense_2/kernel", kiln.init = "he_uniform"},
      %b3: tensor<10xf32> {kiln.role = "param", kiln.name = "dense_2/bias", kiln.init = "zeros"})
      -> (tensor<?x10xf32> {kiln.role = "logits"}) {
    %c0 = kiln.conv2d %input, %w0 : (tensor<?x28x28x1xf32>, tensor<5x5x1x8xf32>) -> tensor<?x24x24x8xf32> loc("report001.kiln":4:3)
    %z0 = kiln.bias_add %c0, %b0 : tensor<?x24x24x8xf32>, tensor<8xf32> loc("report001.kiln":4:3)
    %a0 = kiln.relu %z0 : tensor<?x24x24x8xf32> loc("report001.kiln":4:3)
    %p0 = kiln.max_pool2d %a0 {window = array<i64: 2, 2>, strides = array<i64: 2, 2>} : tensor<?x24x24x8xf32> -> tensor<?x12x12x8xf32> loc("report001.kiln":5:3)
    %f = kiln.flatten %p0 : tensor<?x12x12x8xf32> -> tensor<?x1152xf32> loc("report001.kiln":6:3)
    %y1 = kiln.dense %f, %w1 : (tensor<?x1152xf32>, tensor<1152x128xf32>) -> tensor<?x128xf32> loc("report001.kiln":7:3)
    %z1 = kiln.bias_add %y1, %b1 : tensor<?x128xf32>, tensor<128xf32> loc("report001.kiln":7:3)
    %a1 = kiln.relu %z1 : tensor<?x128xf32> loc("report001.kiln":7:3)
    %y2 = kiln.dense %a1, %w2 : (tensor<?x128xf32>, tensor<128x64xf32>) -> tensor<?x64xf32> loc("report001.kiln":8:3)
    %z2 = kiln.bias_add %y2, %b2 : tensor<?x64xf32>, tensor<64xf32> loc("report001.kiln":8:3)
    %a2 = kiln.relu %z2 : tensor<?x64xf32> loc("report001.kiln":8:3)
    %y3 = kiln.dense %a2, %w3 : (tensor<?x64xf32>, tensor<64x10xf32>) -> tensor<?x10xf32> loc("report001.kiln":9:3)
    %z3 = kiln.bias_add %y3, %b3 : tensor<?x10xf32>, tensor<10xf32> loc("report001.kiln":9:3)
    return %z3 : tensor<?x10xf32> loc("report001.kiln":9:3)
  } loc("report001.kiln":1:1)
} loc("report001.kiln":1:1)

// Report 003's tuned MLP in the form MLIRGen emits (@forward only):
// flatten -> dense 448 gelu -> dropout 0.3 -> dense 32 gelu -> dense 32 gelu
// -> dense 32 gelu -> dense 10 softmax; Adam lr 1e-4, validation split 0.2,
// early stopping on val_loss with patience 10, at most 100 epochs; the
// Pullover and Shirt training images doubled with a randomly flipped,
// rotated and zoomed copy (the report's best run). The dropout's stream is
// streamId(Dropout, 2) = 2^33 + 2. Written by hand for the end-to-end tests.
module attributes {
  kiln.model = "report003_mlp",
  kiln.classes = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                  "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"],
  kiln.training = {loss = "categorical_crossentropy", optimizer = "adam",
                   lr = 1.0e-4 : f32, beta1 = 0.9 : f32, beta2 = 0.999 : f32,
                   epsilon = 1.0e-7 : f32, batch_size = 32 : i64,
                   epochs = 100 : i64, seed = 0 : i64,
                   validation_split = 0.2 : f32,
                   early_stopping = {monitor = "val_loss", patience = 10 : i64,
                                     min_delta = 0.0 : f32,
                                     restore_best = false},
                   augmentation = {horizontal_flip = true, rotation = 10.0 : f32,
                                   zoom = 0.1 : f32, classes = array<i64: 2, 6>,
                                   copies = 1 : i64}}
} {
  func.func @forward(
      %input: tensor<?x28x28x1xf32> {kiln.role = "input"},
      %step: i64 {kiln.role = "step"},
      %seed: i64 {kiln.role = "seed"},
      %w0: tensor<784x448xf32> {kiln.role = "param", kiln.name = "dense/kernel", kiln.init = "glorot_uniform"},
      %b0: tensor<448xf32> {kiln.role = "param", kiln.name = "dense/bias", kiln.init = "zeros"},
      %w1: tensor<448x32xf32> {kiln.role = "param", kiln.name = "dense_1/kernel", kiln.init = "glorot_uniform"},
      %b1: tensor<32xf32> {kiln.role = "param", kiln.name = "dense_1/bias", kiln.init = "zeros"},
      %w2: tensor<32x32xf32> {kiln.role = "param", kiln.name = "dense_2/kernel", kiln.init = "glorot_uniform"},
      %b2: tensor<32xf32> {kiln.role = "param", kiln.name = "dense_2/bias", kiln.init = "zeros"},
      %w3: tensor<32x32xf32> {kiln.role = "param", kiln.name = "dense_3/kernel", kiln.init = "glorot_uniform"},
      %b3: tensor<32xf32> {kiln.role = "param", kiln.name = "dense_3/bias", kiln.init = "zeros"},
      %w4: tensor<32x10xf32> {kiln.role = "param", kiln.name = "dense_4/kernel", kiln.init = "glorot_uniform"},
      %b4: tensor<10xf32> {kiln.role = "param", kiln.name = "dense_4/bias", kiln.init = "zeros"})
      -> (tensor<?x10xf32> {kiln.role = "logits"})
      attributes {kiln.output_activation = "softmax"} {
    %f = kiln.flatten %input : tensor<?x28x28x1xf32> -> tensor<?x784xf32> loc("report003_mlp.kiln":4:3)
    %y0 = kiln.dense %f, %w0 : (tensor<?x784xf32>, tensor<784x448xf32>) -> tensor<?x448xf32> loc("report003_mlp.kiln":5:3)
    %z0 = kiln.bias_add %y0, %b0 : tensor<?x448xf32>, tensor<448xf32> loc("report003_mlp.kiln":5:3)
    %a0 = kiln.gelu %z0 : tensor<?x448xf32> loc("report003_mlp.kiln":5:3)
    %d0, %k0 = kiln.dropout %a0, %step, %seed {rate = 0.3 : f32, stream = 8589934594} : tensor<?x448xf32> loc("report003_mlp.kiln":6:3)
    %y1 = kiln.dense %d0, %w1 : (tensor<?x448xf32>, tensor<448x32xf32>) -> tensor<?x32xf32> loc("report003_mlp.kiln":7:3)
    %z1 = kiln.bias_add %y1, %b1 : tensor<?x32xf32>, tensor<32xf32> loc("report003_mlp.kiln":7:3)
    %a1 = kiln.gelu %z1 : tensor<?x32xf32> loc("report003_mlp.kiln":7:3)
    %y2 = kiln.dense %a1, %w2 : (tensor<?x32xf32>, tensor<32x32xf32>) -> tensor<?x32xf32> loc("report003_mlp.kiln":8:3)
    %z2 = kiln.bias_add %y2, %b2 : tensor<?x32xf32>, tensor<32xf32> loc("report003_mlp.kiln":8:3)
    %a2 = kiln.gelu %z2 : tensor<?x32xf32> loc("report003_mlp.kiln":8:3)
    %y3 = kiln.dense %a2, %w3 : (tensor<?x32xf32>, tensor<32x32xf32>) -> tensor<?x32xf32> loc("report003_mlp.kiln":9:3)
    %z3 = kiln.bias_add %y3, %b3 : tensor<?x32xf32>, tensor<32xf32> loc("report003_mlp.kiln":9:3)
    %a3 = kiln.gelu %z3 : tensor<?x32xf32> loc("report003_mlp.kiln":9:3)
    %y4 = kiln.dense %a3, %w4 : (tensor<?x32xf32>, tensor<32x10xf32>) -> tensor<?x10xf32> loc("report003_mlp.kiln":10:3)
    %z4 = kiln.bias_add %y4, %b4 : tensor<?x10xf32>, tensor<10xf32> loc("report003_mlp.kiln":10:3)
    return %z4 : tensor<?x10xf32> loc("report003_mlp.kiln":10:3)
  } loc("report003_mlp.kiln":1:1)
} loc("report003_mlp.kiln":1:1)

// RUN: split-file %s %t
// RUN: kiln-build %t/off.mlir -o %t/off --batch 4 --keep-build-files
// RUN: flatc --json --strict-json --raw-binary -o %t/off-json %kiln_src/runtime/schemas/plan.fbs -- %t/off/off.build/off-train.kplan
// RUN: FileCheck %s --check-prefix=OFF --input-file %t/off-json/off-train.json
// RUN: kiln-build %t/on.mlir -o %t/on --batch 4 --keep-build-files
// RUN: flatc --json --strict-json --raw-binary -o %t/on-json %kiln_src/runtime/schemas/plan.fbs -- %t/on/on.build/on-train.kplan
// RUN: FileCheck %s --check-prefix=ON --input-file %t/on-json/on-train.json

// Tests that the sub-dictionaries MLIRGen writes with `enabled = false`
// (every model without early stopping or augmentation) put neither into the
// plan: such a model trains without a validation split.
// OFF-LABEL: "training": {
// OFF-NOT: "early_stopping"
// OFF-NOT: "augmentation"
// OFF: "batch_size": 4

// Tests that `enabled = true` ones reach the plan, MLIRGen's "augmentation"
// with its flips, sampling, fill and its class list as an i64 array.
// ON-LABEL: "training": {
// ON: "early_stopping": {
// ON-NEXT: "monitor": "val_loss",
// ON: "patience": 3
// ON: "augmentation": {
// ON-NEXT: "horizontal_flip": true,
// ON-NEXT: "fill": "Constant",
// ON-NEXT: "fill_value": 0.5,
// ON: "classes": [
// ON-NEXT: 1
// ON-NEXT: ]
// ON: "vertical_flip": true,
// ON-NEXT: "interpolation": "Nearest"

//--- off.mlir
module attributes {kiln.model = "off", kiln.classes = ["a", "b"],
  kiln.training = {loss = "categorical_crossentropy", optimizer = "adam", lr = 1.0e-3 : f32,
                   beta1 = 0.9 : f32, beta2 = 0.999 : f32, epsilon = 1.0e-7 : f32, batch_size = 4 : i64,
                   early_stopping = {enabled = false, min_delta = 0.0 : f32, monitor = "val_loss", patience = 0 : i64, restore_best = false},
                   augmentation = {classes = array<i64>, copies = 0 : i64, enabled = false, horizontal_flip = false, rotation = 0.0 : f32, shift = 0.0 : f32, vertical_flip = false, zoom = 0.0 : f32}}} {
  func.func @forward(%input: tensor<?x4x4x1xf32> {kiln.role = "input"}, %step: i64 {kiln.role = "step"},
                     %w: tensor<16x2xf32> {kiln.role = "param", kiln.name = "dense/kernel", kiln.init = "glorot_uniform"})
      -> (tensor<?x2xf32> {kiln.role = "logits"}) attributes {kiln.output_activation = "softmax"} {
    %f = kiln.flatten %input : tensor<?x4x4x1xf32> -> tensor<?x16xf32>
    %y = kiln.dense %f, %w : (tensor<?x16xf32>, tensor<16x2xf32>) -> tensor<?x2xf32>
    return %y : tensor<?x2xf32>
  }
}
//--- on.mlir
module attributes {kiln.model = "on", kiln.classes = ["a", "b"],
  kiln.training = {loss = "categorical_crossentropy", optimizer = "adam", lr = 1.0e-3 : f32,
                   beta1 = 0.9 : f32, beta2 = 0.999 : f32, epsilon = 1.0e-7 : f32, batch_size = 4 : i64,
                   early_stopping = {enabled = true, min_delta = 0.0 : f32, monitor = "val_loss", patience = 3 : i64, restore_best = false},
                   augmentation = {classes = array<i64: 1>, copies = 0 : i64, enabled = true, fill = "constant", fill_value = 5.0e-01 : f32, horizontal_flip = true, interpolation = "nearest", rotation = 0.0 : f32, shift = 0.0 : f32, vertical_flip = true, zoom = 0.0 : f32}}} {
  func.func @forward(%input: tensor<?x4x4x1xf32> {kiln.role = "input"}, %step: i64 {kiln.role = "step"},
                     %w: tensor<16x2xf32> {kiln.role = "param", kiln.name = "dense/kernel", kiln.init = "glorot_uniform"})
      -> (tensor<?x2xf32> {kiln.role = "logits"}) attributes {kiln.output_activation = "softmax"} {
    %f = kiln.flatten %input : tensor<?x4x4x1xf32> -> tensor<?x16xf32>
    %y = kiln.dense %f, %w : (tensor<?x16xf32>, tensor<16x2xf32>) -> tensor<?x2xf32>
    return %y : tensor<?x2xf32>
  }
}

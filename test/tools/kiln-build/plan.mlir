// RUN: split-file %s %t
// RUN: kiln-build %t/tiny.mlir -o %t/out --batch 8 --keep-build-files
// RUN: flatc --json --strict-json --defaults-json --raw-binary -o %t/json %kiln_src/runtime/schemas/plan.fbs -- %t/out/tiny.build/tiny-train.kplan %t/out/tiny.build/tiny-infer.kplan
// RUN: FileCheck %s --check-prefix=TRAIN --input-file %t/json/tiny-train.json
// RUN: FileCheck %s --check-prefix=INFER --input-file %t/json/tiny-infer.json

// Tests the train executable's plan: the persistent tensors in argument
// order (params, then Adam's slots, with their initialisers and L2 scale),
// @train_step reading the input through flatten's view (same buffer, other
// extents), the loss and correct count as results the runtime keeps, new
// parameter values written to the second buffer, and the parameter nothing
// reads passed through by a copy.
// TRAIN: "model_name": "tiny",
// TRAIN: "input_shape": [
// TRAIN-NEXT: 4,
// TRAIN-NEXT: 4,
// TRAIN-NEXT: 1
// TRAIN: "probabilities": true,
// TRAIN: "persistent": [
// TRAIN: "name": "dense/kernel",
// TRAIN-NEXT: "role": "Param",
// TRAIN-NEXT: "shape": [
// TRAIN: "init": "glorot_uniform",
// TRAIN-NEXT: "l1": 0.0,
// TRAIN-NEXT: "l2": 0.01
// TRAIN: "name": "unused/bias",
// TRAIN: "init": "ones"
// TRAIN: "name": "dense/kernel/m",
// TRAIN-NEXT: "role": "Slot",
// TRAIN: "train_step": {
// TRAIN-NEXT: "name": "train_step",
// TRAIN-NEXT: "batch": 8,
// TRAIN: "name": "k0_dense",
// TRAIN-NEXT: "inputs": [
// TRAIN-NEXT: {
// TRAIN-NEXT: "kind": "Input",
// TRAIN-NEXT: "index": 0,
// TRAIN-NEXT: "shape": [
// TRAIN-NEXT: -1,
// TRAIN-NEXT: 16
// TRAIN: "kind": "Result",
// TRAIN: "kind": "Next",
// TRAIN: "copies": [
// TRAIN-NEXT: {
// TRAIN-NEXT: "from": {
// TRAIN-NEXT: "kind": "Current",
// TRAIN-NEXT: "index": 1,
// TRAIN: "to": {
// TRAIN-NEXT: "kind": "Next",
// TRAIN-NEXT: "index": 1,
// TRAIN: "infer": {

// Tests the infer executable's plan: no @train_step and no slots, the same
// model hash, and kernels numbered from 0 like the train plan's @infer.
// INFER-NOT: "train_step"
// INFER-NOT: "Slot"
// INFER: "infer": {
// INFER: "kernel": 0,
// INFER-NOT: "train_step"

//--- tiny.mlir
module attributes {kiln.model = "tiny", kiln.classes = ["a", "b"],
  kiln.training = {loss = "categorical_crossentropy", optimizer = "adam", lr = 1.0e-3 : f32,
                   beta1 = 0.9 : f32, beta2 = 0.999 : f32, epsilon = 1.0e-7 : f32, batch_size = 4 : i64}} {
  func.func @forward(%input: tensor<?x4x4x1xf32> {kiln.role = "input"}, %step: i64 {kiln.role = "step"},
                     %w: tensor<16x2xf32> {kiln.role = "param", kiln.name = "dense/kernel", kiln.init = "glorot_uniform", kiln.l2 = 1.0e-2 : f32},
                     %u: tensor<2xf32> {kiln.role = "param", kiln.name = "unused/bias", kiln.init = "ones"})
      -> (tensor<?x2xf32> {kiln.role = "logits"}) attributes {kiln.output_activation = "softmax"} {
    %f = kiln.flatten %input : tensor<?x4x4x1xf32> -> tensor<?x16xf32>
    %y = kiln.dense %f, %w : (tensor<?x16xf32>, tensor<16x2xf32>) -> tensor<?x2xf32>
    return %y : tensor<?x2xf32>
  }
}

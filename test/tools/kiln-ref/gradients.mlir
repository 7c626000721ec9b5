// kiln-ref --check-gradients: the gradient each optimizer update applies
// against central differences of the function's loss (result 0).

// Tests that the hand-written training steps' gradients match in double, and
// that float gradients match double differences.
// RUN: kiln-ref %S/../../Interpreter/Inputs/conv_pool_dense.mlir --func=train_step \
// RUN:   --random-seed=2 --batch=3 --type=f64 --check-gradients | FileCheck %s --check-prefix=DOUBLE
// DOUBLE: gradient conv2d/kernel: ok, max relative error
// DOUBLE-NEXT: gradient conv2d/bias: ok
// DOUBLE-NEXT: gradient dense/kernel: ok
// DOUBLE-NEXT: gradient dense/bias: ok
// DOUBLE-NEXT: tolerance 1e-06: all gradients match
// RUN: kiln-ref %S/../../Interpreter/Inputs/bn_dropout.mlir --func=train_step \
// RUN:   --random-seed=2 --batch=3 --fd-type=f64 --check-gradients | FileCheck %s --check-prefix=FLOAT
// FLOAT: gradient batch_normalization/gamma: ok
// FLOAT: tolerance 0.001: all gradients match

// Tests that --check-param checks only the named parameters, and that
// --fd-step and --max-checked reach the checker.
// RUN: kiln-ref %S/../../Interpreter/Inputs/residual.mlir --func=train_step \
// RUN:   --random-seed=1 --batch=2 --type=f64 --check-gradients --check-param=dense/kernel \
// RUN:   --fd-step=1e-4 --max-checked=7 | FileCheck %s --check-prefix=ONLY
// ONLY-NOT: conv2d
// ONLY: gradient dense/kernel: ok, max relative error {{.*}} over 7 elements
// ONLY-NOT: conv2d
// ONLY: all gradients match
// RUN: not kiln-ref %S/../../Interpreter/Inputs/residual.mlir --func=train_step \
// RUN:   --random-seed=1 --check-gradients --check-param=dense/bias 2>&1 \
// RUN:   | FileCheck %s --check-prefix=NOPARAM
// NOPARAM: residual.mlir: @train_step: no optimizer op updates a parameter named 'dense/bias'

// Tests that a wrong gradient fails the check (exit code 1) and is named:
// the bias gradient below is doubled.
// RUN: not kiln-ref %s --func=train_step --random-seed=1 --batch=2 --type=f64 \
// RUN:   --check-gradients | FileCheck %s --check-prefix=WRONG
// WRONG: gradient dense/kernel: ok
// WRONG-NEXT: gradient dense/bias: FAILED, max relative error 0.5
// WRONG-NEXT: tolerance 1e-06: gradients differ
func.func @train_step(%x: tensor<?x4xf32>, %labels: tensor<?x3xf32> {kiln.role = "labels"},
                      %lr: f32, %w: tensor<4x3xf32> {kiln.name = "dense/kernel"},
                      %b: tensor<3xf32> {kiln.name = "dense/bias"})
    -> (tensor<f32>, tensor<4x3xf32>, tensor<3xf32>) {
  %d = kiln.dense %x, %w : (tensor<?x4xf32>, tensor<4x3xf32>) -> tensor<?x3xf32>
  %logits = kiln.bias_add %d, %b : tensor<?x3xf32>, tensor<3xf32>
  %loss = kiln.softmax_cross_entropy %logits, %labels : tensor<?x3xf32>
  %g = kiln.softmax_cross_entropy_grad %logits, %labels : tensor<?x3xf32>
  %gw = kiln.dense_grad_weights %x, %g : (tensor<?x4xf32>, tensor<?x3xf32>) -> tensor<4x3xf32>
  %gb = kiln.bias_grad %g : tensor<?x3xf32> -> tensor<3xf32>
  %gbWrong = kiln.add %gb, %gb : tensor<3xf32>
  %w2, %vw = kiln.sgd_update %w, %gw, %w, %lr {momentum = 0.0 : f32} : tensor<4x3xf32>
  %b2, %vb = kiln.sgd_update %b, %gbWrong, %b, %lr {momentum = 0.0 : f32} : tensor<3xf32>
  return %loss, %w2, %b2 : tensor<f32>, tensor<4x3xf32>, tensor<3xf32>
}

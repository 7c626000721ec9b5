// kiln-ref on small functions whose results are worked out by hand.

// Tests that conv2d + bias_add + relu + max_pool2d + flatten + dense gives
// the hand-computed logits, in f32 and f64: image 1 convolves to 6 8 12 14
// (x[i][j] + x[i+1][j+1]), minus 7, relu, max 7, dense 3.5 -7, plus bias;
// image 2 convolves to 0 4 6 0, all negative after the bias, so relu gives 0
// and only the dense bias remains.
// RUN: kiln-ref %s --func=net --input=2x3x3x1:1,2,3,4,5,6,7,8,9,0,1,0,2,0,3,0,4,0 \
// RUN:   --input=2x2x1x1:1,0,0,1 --input=1:-7 --input=1x2:0.5,-1 --input=2:1,0 \
// RUN:   | FileCheck %s --check-prefix=NET
// RUN: kiln-ref %s --func=net --input=2x3x3x1:1,2,3,4,5,6,7,8,9,0,1,0,2,0,3,0,4,0 \
// RUN:   --input=2x2x1x1:1,0,0,1 --input=1:-7 --input=1x2:0.5,-1 --input=2:1,0 \
// RUN:   --type=f64 | FileCheck %s --check-prefix=NET
// NET-LABEL: result #0 (logits): tensor<2x2xf32>
// NET-NEXT: {{^}}  4.5 -7{{$}}
// NET-NEXT: {{^}}  1 0{{$}}

// Tests that --trace reports each op with its location and a summary of its
// result.
// RUN: kiln-ref %s --func=net --input=2x3x3x1:1,2,3,4,5,6,7,8,9,0,1,0,2,0,3,0,4,0 \
// RUN:   --input=2x2x1x1:1,0,0,1 --input=1:-7 --input=1x2:0.5,-1 --input=2:1,0 \
// RUN:   --trace --print=none | FileCheck %s --check-prefix=TRACE
// TRACE: trace: {{.*}}values.mlir:[[# @LINE + 5]]:8 kiln.conv2d -> tensor<2x2x2x1xf32> sum=50 min=0 max=14
// TRACE-NEXT: kiln.bias_add -> tensor<2x2x2x1xf32> sum=-6 min=-7 max=7
// TRACE-NEXT: kiln.relu -> tensor<2x2x2x1xf32> sum=13 min=0 max=7
func.func @net(%x: tensor<?x3x3x1xf32>, %w: tensor<2x2x1x1xf32>, %b: tensor<1xf32>,
               %wd: tensor<1x2xf32>, %bd: tensor<2xf32>) -> (tensor<?x2xf32> {kiln.role = "logits"}) {
  %c = kiln.conv2d %x, %w : (tensor<?x3x3x1xf32>, tensor<2x2x1x1xf32>) -> tensor<?x2x2x1xf32>
  %cb = kiln.bias_add %c, %b : tensor<?x2x2x1xf32>, tensor<1xf32>
  %r = kiln.relu %cb : tensor<?x2x2x1xf32>
  %p = kiln.max_pool2d %r {window = array<i64: 2, 2>, strides = array<i64: 2, 2>}
      : tensor<?x2x2x1xf32> -> tensor<?x1x1x1xf32>
  %f = kiln.flatten %p : tensor<?x1x1x1xf32> -> tensor<?x1xf32>
  %d = kiln.dense %f, %wd : (tensor<?x1xf32>, tensor<1x2xf32>) -> tensor<?x2xf32>
  %y = kiln.bias_add %d, %bd : tensor<?x2xf32>, tensor<2xf32>
  return %y : tensor<?x2xf32>
}

// Tests the loss, the metric and the loss gradient by hand: row 1 has logits
// (0, ln 3), so softmax (1/4, 3/4) and loss -ln(3/4) = 0.2876821 for class 1;
// row 2 has (0, 0), so (1/2, 1/2) and loss ln 2 = 0.6931472 for class 0, the
// first maximum; the mean is 0.4904146, both rows are correct, and the
// gradient is (softmax - labels) / 2.
// RUN: kiln-ref %s --func=loss --input=2x2:0,1.0986122886681098,0,0 \
// RUN:   --input=2x2:0,1,1,0 --type=f64 | FileCheck %s --check-prefix=LOSS
// LOSS-LABEL: result #0 (loss): tensor<f32>
// LOSS-NEXT: {{^}}  0.4904146{{$}}
// LOSS-NEXT: result #1 (correct): tensor<f32>
// LOSS-NEXT: {{^}}  2{{$}}
// LOSS-NEXT: result #2: tensor<2x2xf32>
// LOSS-NEXT: {{^}}  0.125 -0.125{{$}}
// LOSS-NEXT: {{^}}  -0.25 0.25{{$}}
func.func @loss(%logits: tensor<2x2xf32>, %labels: tensor<2x2xf32>)
    -> (tensor<f32> {kiln.role = "loss"}, tensor<f32> {kiln.role = "correct"},
        tensor<2x2xf32>) {
  %l = kiln.softmax_cross_entropy %logits, %labels : tensor<2x2xf32>
  %c = kiln.correct_count %logits, %labels : tensor<2x2xf32>
  %g = kiln.softmax_cross_entropy_grad %logits, %labels : tensor<2x2xf32>
  return %l, %c, %g : tensor<f32>, tensor<f32>, tensor<2x2xf32>
}

// Tests an optimizer update with an f32 learning rate from the command line:
// v' = 0.5 v - 0.1 g = (-0.05, 0.6) and p' = p + v' = (0.95, 2.6); and that
// i64 and f32 arguments pass through as scalars.
// RUN: kiln-ref %s --func=sgd --input=2:1,2 --input=2:0.5,-1 --input=2:0,1 \
// RUN:   --input=0.1 --input=3 | FileCheck %s --check-prefix=SGD
// SGD-LABEL: result #0: tensor<2xf32>
// SGD-NEXT: {{^}}  0.95 2.6{{$}}
// SGD-NEXT: result #1: tensor<2xf32>
// SGD-NEXT: {{^}}  -0.05 0.6{{$}}
// SGD-NEXT: result #2: i64
// SGD-NEXT: {{^}}  3{{$}}
// SGD-NEXT: result #3: f32
// SGD-NEXT: {{^}}  0.1{{$}}
func.func @sgd(%p: tensor<2xf32>, %g: tensor<2xf32>, %v: tensor<2xf32>, %lr: f32, %step: i64)
    -> (tensor<2xf32>, tensor<2xf32>, i64, f32) {
  %p2, %v2 = kiln.sgd_update %p, %g, %v, %lr {momentum = 0.5 : f32} : tensor<2xf32>
  return %p2, %v2, %step, %lr : tensor<2xf32>, tensor<2xf32>, i64, f32
}

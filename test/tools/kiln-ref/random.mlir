// Tests that --random-seed gives the same inputs on every run and other
// inputs for another seed, that `?` takes --batch, that labels are one-hot
// rows, and that --print=summary sums each result (softmax rows sum to 1).
// RUN: kiln-ref %s --func=f --random-seed=5 --batch=3 --print=summary > %t.a
// RUN: kiln-ref %s --func=f --random-seed=5 --batch=3 --print=summary > %t.b
// RUN: kiln-ref %s --func=f --random-seed=6 --batch=3 --print=summary > %t.c
// RUN: diff %t.a %t.b
// RUN: not diff %t.a %t.c
// RUN: FileCheck %s < %t.a
// CHECK-LABEL: result #0 (probabilities): tensor<3x4xf32> sum=3 min=
// CHECK-NEXT: result #1 (labels): tensor<3x4xf32> sum=3 min=0 max=1
func.func @f(%x: tensor<?x5xf32> {kiln.role = "input"},
             %labels: tensor<?x4xf32> {kiln.role = "labels"},
             %w: tensor<5x4xf32> {kiln.role = "param"})
    -> (tensor<?x4xf32> {kiln.role = "probabilities"}, tensor<?x4xf32> {kiln.role = "labels"}) {
  %d = kiln.dense %x, %w : (tensor<?x5xf32>, tensor<5x4xf32>) -> tensor<?x4xf32>
  %p = kiln.softmax %d : tensor<?x4xf32>
  return %p, %labels : tensor<?x4xf32>, tensor<?x4xf32>
}

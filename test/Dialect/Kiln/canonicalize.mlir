// RUN: kiln-opt %s -canonicalize -split-input-file | FileCheck %s

// Tests that a dropout of rate 0 whose mask is unused disappears.
// CHECK-LABEL: func.func @dropout_zero
// CHECK-SAME: (%[[X:.*]]: tensor<?x128xf32>, %{{.*}}: i64, %{{.*}}: i64)
// CHECK-NOT: kiln.dropout
// CHECK: return %[[X]]
func.func @dropout_zero(%x: tensor<?x128xf32>, %step: i64, %seed: i64) -> tensor<?x128xf32> {
  %y, %mask = kiln.dropout %x, %step, %seed {rate = 0.0 : f32, stream = 0}
      : tensor<?x128xf32>
  return %y : tensor<?x128xf32>
}

// -----

// Tests that the gradient of a rate-0 dropout (grad * mask) folds to the
// gradient, so the dropout disappears with its mask.
// CHECK-LABEL: func.func @dropout_zero_grad
// CHECK-SAME: (%[[X:.*]]: tensor<?x128xf32>, %[[G:.*]]: tensor<?x128xf32>, %{{.*}}: i64, %{{.*}}: i64)
// CHECK-NOT: kiln.dropout
// CHECK-NOT: kiln.mul
// CHECK: return %[[X]], %[[G]]
func.func @dropout_zero_grad(%x: tensor<?x128xf32>, %g: tensor<?x128xf32>,
                             %step: i64, %seed: i64) -> (tensor<?x128xf32>, tensor<?x128xf32>) {
  %y, %mask = kiln.dropout %x, %step, %seed {rate = 0.0 : f32, stream = 0}
      : tensor<?x128xf32>
  %gx = kiln.mul %g, %mask : tensor<?x128xf32>
  return %y, %gx : tensor<?x128xf32>, tensor<?x128xf32>
}

// -----

// Tests that a dropout with a non-zero rate and its mask product are kept.
// CHECK-LABEL: func.func @dropout_kept
// CHECK: %[[Y:.*]], %[[MASK:.*]] = kiln.dropout
// CHECK: %[[GX:.*]] = kiln.mul %{{.*}}, %[[MASK]]
// CHECK: return %[[Y]], %[[GX]]
func.func @dropout_kept(%x: tensor<?x128xf32>, %g: tensor<?x128xf32>,
                        %step: i64, %seed: i64) -> (tensor<?x128xf32>, tensor<?x128xf32>) {
  %y, %mask = kiln.dropout %x, %step, %seed {rate = 0.5 : f32, stream = 0}
      : tensor<?x128xf32>
  %gx = kiln.mul %g, %mask : tensor<?x128xf32>
  return %y, %gx : tensor<?x128xf32>, tensor<?x128xf32>
}

// -----

// Tests that a reshape of a reshape becomes one reshape of the original.
// CHECK-LABEL: func.func @reshape_reshape
// CHECK-SAME: (%[[X:.*]]: tensor<?x784xf32>)
// CHECK-NEXT: %[[R:.*]] = kiln.reshape %[[X]] {shape = array<i64: 28, 28, 1>} : tensor<?x784xf32> -> tensor<?x28x28x1xf32>
// CHECK-NEXT: return %[[R]]
func.func @reshape_reshape(%x: tensor<?x784xf32>) -> tensor<?x28x28x1xf32> {
  %a = kiln.reshape %x {shape = array<i64: 4, 196>} : tensor<?x784xf32> -> tensor<?x4x196xf32>
  %b = kiln.reshape %a {shape = array<i64: 28, 28, 1>} : tensor<?x4x196xf32> -> tensor<?x28x28x1xf32>
  return %b : tensor<?x28x28x1xf32>
}

// -----

// Tests that a flatten of a reshape flattens the original value.
// CHECK-LABEL: func.func @flatten_reshape
// CHECK-SAME: (%[[X:.*]]: tensor<?x28x28x1xf32>)
// CHECK-NEXT: %[[F:.*]] = kiln.flatten %[[X]] : tensor<?x28x28x1xf32> -> tensor<?x784xf32>
// CHECK-NEXT: return %[[F]]
func.func @flatten_reshape(%x: tensor<?x28x28x1xf32>) -> tensor<?x784xf32> {
  %a = kiln.reshape %x {shape = array<i64: 28, 28>} : tensor<?x28x28x1xf32> -> tensor<?x28x28xf32>
  %b = kiln.flatten %a : tensor<?x28x28xf32> -> tensor<?x784xf32>
  return %b : tensor<?x784xf32>
}

// -----

// Tests that a reshape of a flatten reshapes the original value.
// CHECK-LABEL: func.func @reshape_flatten
// CHECK-SAME: (%[[X:.*]]: tensor<?x3x3x128xf32>)
// CHECK-NEXT: %[[R:.*]] = kiln.reshape %[[X]] {shape = array<i64: 9, 128>} : tensor<?x3x3x128xf32> -> tensor<?x9x128xf32>
// CHECK-NEXT: return %[[R]]
func.func @reshape_flatten(%x: tensor<?x3x3x128xf32>) -> tensor<?x9x128xf32> {
  %a = kiln.flatten %x : tensor<?x3x3x128xf32> -> tensor<?x1152xf32>
  %b = kiln.reshape %a {shape = array<i64: 9, 128>} : tensor<?x1152xf32> -> tensor<?x9x128xf32>
  return %b : tensor<?x9x128xf32>
}

// -----

// Tests that a reshape to the input's own type is the identity.
// CHECK-LABEL: func.func @reshape_same
// CHECK-SAME: (%[[X:.*]]: tensor<?x28x28xf32>)
// CHECK-NEXT: return %[[X]]
func.func @reshape_same(%x: tensor<?x28x28xf32>) -> tensor<?x28x28xf32> {
  %a = kiln.reshape %x {shape = array<i64: 28, 28>} : tensor<?x28x28xf32> -> tensor<?x28x28xf32>
  return %a : tensor<?x28x28xf32>
}

// -----

// Tests that flattening and reshaping back to the original shape vanishes
// (the two patterns compose: reshape of flatten, then reshape to same type).
// CHECK-LABEL: func.func @round_trip_shape
// CHECK-SAME: (%[[X:.*]]: tensor<?x7x7x64xf32>)
// CHECK-NEXT: return %[[X]]
func.func @round_trip_shape(%x: tensor<?x7x7x64xf32>) -> tensor<?x7x7x64xf32> {
  %a = kiln.flatten %x : tensor<?x7x7x64xf32> -> tensor<?x3136xf32>
  %b = kiln.reshape %a {shape = array<i64: 7, 7, 64>} : tensor<?x3136xf32> -> tensor<?x7x7x64xf32>
  return %b : tensor<?x7x7x64xf32>
}

// -----

// Tests that flattening a value that is already N x K is the identity.
// CHECK-LABEL: func.func @flatten_rank2
// CHECK-SAME: (%[[X:.*]]: tensor<?x10xf32>)
// CHECK-NEXT: return %[[X]]
func.func @flatten_rank2(%x: tensor<?x10xf32>) -> tensor<?x10xf32> {
  %a = kiln.flatten %x : tensor<?x10xf32> -> tensor<?x10xf32>
  return %a : tensor<?x10xf32>
}

// -----

// Tests that zero padding by nothing, a slice of everything and a concat of
// one input are identities.
// CHECK-LABEL: func.func @trivial_shape_ops
// CHECK-SAME: (%[[X:.*]]: tensor<?x8x8x4xf32>)
// CHECK-NEXT: return %[[X]], %[[X]], %[[X]]
func.func @trivial_shape_ops(%x: tensor<?x8x8x4xf32>)
    -> (tensor<?x8x8x4xf32>, tensor<?x8x8x4xf32>, tensor<?x8x8x4xf32>) {
  %p = kiln.zero_pad %x {padding = array<i64: 0, 0, 0, 0>}
      : tensor<?x8x8x4xf32> -> tensor<?x8x8x4xf32>
  %s = kiln.slice %x {offsets = array<i64: 0, 0, 0>, sizes = array<i64: 8, 8, 4>}
      : tensor<?x8x8x4xf32> -> tensor<?x8x8x4xf32>
  %c = kiln.concat %x {axis = 3} : (tensor<?x8x8x4xf32>) -> tensor<?x8x8x4xf32>
  return %p, %s, %c : tensor<?x8x8x4xf32>, tensor<?x8x8x4xf32>, tensor<?x8x8x4xf32>
}

// -----

// Tests that a real slice and real padding are kept.
// CHECK-LABEL: func.func @nontrivial_shape_ops
// CHECK: kiln.zero_pad
// CHECK: kiln.slice
func.func @nontrivial_shape_ops(%x: tensor<?x8x8x4xf32>) -> tensor<?x8x8x4xf32> {
  %p = kiln.zero_pad %x {padding = array<i64: 1, 1, 1, 1>}
      : tensor<?x8x8x4xf32> -> tensor<?x10x10x4xf32>
  %s = kiln.slice %p {offsets = array<i64: 0, 0, 0>, sizes = array<i64: 8, 8, 4>}
      : tensor<?x10x10x4xf32> -> tensor<?x8x8x4xf32>
  return %s : tensor<?x8x8x4xf32>
}

// RUN: kiln-opt %s | kiln-opt | FileCheck %s
// RUN: kiln-opt %s --mlir-print-op-generic | kiln-opt | FileCheck %s

// Tests that conv2d round-trips with its defaults elided and explicit
// attributes kept.
// CHECK-LABEL: func.func @conv
func.func @conv(%x: tensor<?x28x28x1xf32>, %w: tensor<3x3x1x32xf32>,
                %w2: tensor<3x3x32x8xf32>) -> tensor<?x14x14x8xf32> {
  // CHECK: %[[Y:.*]] = kiln.conv2d %{{.*}}, %{{.*}} : (tensor<?x28x28x1xf32>, tensor<3x3x1x32xf32>) -> tensor<?x26x26x32xf32>
  %y = kiln.conv2d %x, %w : (tensor<?x28x28x1xf32>, tensor<3x3x1x32xf32>) -> tensor<?x26x26x32xf32>
  // CHECK: kiln.conv2d %[[Y]], %{{.*}} {padding = array<i64: 1, 2, 1, 2>, strides = array<i64: 2, 2>}
  %z = kiln.conv2d %y, %w2 {strides = array<i64: 2, 2>, padding = array<i64: 1, 2, 1, 2>}
      : (tensor<?x26x26x32xf32>, tensor<3x3x32x8xf32>) -> tensor<?x14x14x8xf32>
  return %z : tensor<?x14x14x8xf32>
}

// Tests that relu round-trips.
// CHECK-LABEL: func.func @relu
func.func @relu(%x: tensor<4x10xf32>) -> tensor<4x10xf32> {
  // CHECK: kiln.relu %{{.*}} : tensor<4x10xf32>
  %y = kiln.relu %x : tensor<4x10xf32>
  return %y : tensor<4x10xf32>
}

// RUN: kiln-opt %s -split-input-file -verify-diagnostics

// Tests that a result type disagreeing with the shape rule is rejected.
func.func @conv_bad_result(%x: tensor<1x28x28x1xf32>, %w: tensor<3x3x1x32xf32>) {
  // expected-error@+1 {{'kiln.conv2d' op result type 'tensor<1x28x28x32xf32>' does not match the inferred shape 1x26x26x32}}
  %y = kiln.conv2d %x, %w : (tensor<1x28x28x1xf32>, tensor<3x3x1x32xf32>) -> tensor<1x28x28x32xf32>
  return
}

// -----

// Tests that a channel mismatch between input and filter is rejected.
func.func @conv_channels(%x: tensor<1x28x28x3xf32>, %w: tensor<3x3x1x32xf32>) {
  // expected-error@+1 {{input has 3 channels but the filter expects 1}}
  %y = kiln.conv2d %x, %w : (tensor<1x28x28x3xf32>, tensor<3x3x1x32xf32>) -> tensor<1x26x26x32xf32>
  return
}

// -----

// Tests that a kernel larger than its input is rejected.
func.func @conv_too_big(%x: tensor<1x2x2x1xf32>, %w: tensor<3x3x1x1xf32>) {
  // expected-error@+1 {{height: window of 3 does not fit into input extent 2}}
  %y = kiln.conv2d %x, %w : (tensor<1x2x2x1xf32>, tensor<3x3x1x1xf32>) -> tensor<1x1x1x1xf32>
  return
}

// -----

// Tests that strides must have two positive elements.
func.func @conv_strides(%x: tensor<1x8x8x1xf32>, %w: tensor<3x3x1x1xf32>) {
  // expected-error@+1 {{'strides' must have 2 elements, got 3}}
  %y = kiln.conv2d %x, %w {strides = array<i64: 1, 1, 1>} : (tensor<1x8x8x1xf32>, tensor<3x3x1x1xf32>) -> tensor<1x6x6x1xf32>
  return
}

// -----

// Tests that relu requires matching operand and result types.
func.func @relu_mismatch(%x: tensor<4x10xf32>) {
  // expected-error@+1 {{requires the same type for all operands and results}}
  %y = "kiln.relu"(%x) : (tensor<4x10xf32>) -> tensor<4x11xf32>
  return
}

// Tests that results are written as KLNT files ("KLNT", u32 rank, i64
// extents, f32 data) and read back as inputs: @twice's result feeds @twice.
// RUN: rm -rf %t && mkdir %t
// RUN: kiln-ref %s --func=twice --input=2x2:1,2,3,-4 --output-prefix=%t/a --print=none
// RUN: od -An -tx1 -v %t/a0.bin | FileCheck %s --check-prefix=BYTES
// RUN: kiln-ref %s --func=twice --input=%t/a0.bin | FileCheck %s
// BYTES: 4b 4c 4e 54 02 00 00 00 02 00 00 00 00 00 00 00
// BYTES-NEXT: 02 00 00 00 00 00 00 00 00 00 00 40 00 00 80 40
// BYTES-NEXT: 00 00 c0 40 00 00 00 c1
// CHECK-LABEL: result #0: tensor<2x2xf32>
// CHECK-NEXT: {{^}}  4 8{{$}}
// CHECK-NEXT: {{^}}  12 -16{{$}}
func.func @twice(%x: tensor<?x2xf32>) -> tensor<?x2xf32> {
  %y = kiln.add %x, %x : tensor<?x2xf32>
  return %y : tensor<?x2xf32>
}

// Tests that scalar results are written as rank-0 tensors.
// RUN: kiln-ref %s --func=penalty --input=3:1,2,-2 --output-prefix=%t/p --print=none
// RUN: od -An -tx1 -v %t/p0.bin | FileCheck %s --check-prefix=SCALAR
// SCALAR: 4b 4c 4e 54 00 00 00 00 00 00 10 41
func.func @penalty(%w: tensor<3xf32>) -> tensor<f32> {
  %l = kiln.l2_penalty %w {scale = 1.0 : f32} : tensor<3xf32>
  return %l : tensor<f32>
}

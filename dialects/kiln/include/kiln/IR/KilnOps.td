//===- KilnOps.td - Kiln dialect operations ----------------*- tablegen -*-===//

#ifndef KILN_IR_KILNOPS_TD
#define KILN_IR_KILNOPS_TD

include "kiln/IR/KilnBase.td"
include "mlir/Interfaces/InferTypeOpInterface.td"
include "mlir/Interfaces/SideEffectInterfaces.td"

//===----------------------------------------------------------------------===//
// Convolution
//===----------------------------------------------------------------------===//

def Kiln_Conv2DOp : Kiln_Op<"conv2d", [Pure]> {
  let summary = "2-D convolution of an NHWC input with an HWIO filter";
  let description = [{
    Cross-correlates `input` (N x H x W x C) with `filter` (KH x KW x C x F),
    as Keras' Conv2D does, giving N x OH x OW x F. `strides` and `dilations`
    are (height, width); `padding` is explicit zero padding (top, bottom,
    left, right), so Keras' 'same' is resolved by the frontend. Bias and
    activation are separate ops that `kiln-fuse` folds into the same kernel.

    Example:

    ```mlir
    %y = kiln.conv2d %x, %w {strides = array<i64: 1, 1>,
                             dilations = array<i64: 1, 1>,
                             padding = array<i64: 1, 1, 1, 1>}
        : (tensor<?x28x28x1xf32>, tensor<3x3x1x32xf32>) -> tensor<?x28x28x32xf32>
    ```
  }];

  let arguments = (ins
    Kiln_Tensor:$input,
    Kiln_Tensor:$filter,
    DefaultValuedAttr<DenseI64ArrayAttr, "{1, 1}">:$strides,
    DefaultValuedAttr<DenseI64ArrayAttr, "{1, 1}">:$dilations,
    DefaultValuedAttr<DenseI64ArrayAttr, "{0, 0, 0, 0}">:$padding
  );
  let results = (outs Kiln_Tensor:$output);

  let assemblyFormat = [{
    $input `,` $filter attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
  let extraClassDeclaration = [{
    /// The result type the shape rule gives for these operands and
    /// attributes, or the rule's message.
    static shape::ShapeResult inferShape(::mlir::Type input, ::mlir::Type filter,
                                         ::llvm::ArrayRef<int64_t> strides,
                                         ::llvm::ArrayRef<int64_t> dilations,
                                         ::llvm::ArrayRef<int64_t> padding);
  }];
}

//===----------------------------------------------------------------------===//
// Activations
//===----------------------------------------------------------------------===//

def Kiln_ReluOp : Kiln_Op<"relu", [Pure, SameOperandsAndResultType]> {
  let summary = "Rectified linear unit, max(x, 0), elementwise";
  let description = [{
    Example:

    ```mlir
    %y = kiln.relu %x : tensor<?x26x26x32xf32>
    ```
  }];
  let arguments = (ins Kiln_Tensor:$input);
  let results = (outs Kiln_Tensor:$output);
  let assemblyFormat = "$input attr-dict `:` type($output)";
}

#endif // KILN_IR_KILNOPS_TD

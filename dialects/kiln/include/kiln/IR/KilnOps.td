//===- KilnOps.td - Kiln dialect operations ----------------*- tablegen -*-===//
//
// Every op of the kiln dialect: the forward layers, losses and metrics, their
// gradients and the optimizer updates. Each op's verifier calls its rule in
// kiln/Shape/ShapeRules.h, and its convenience builder infers the result
// types from the same rule, so a caller writes
// `b.create<kiln::Conv2DOp>(loc, x, w, strides, dilations, padding)`.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_IR_KILNOPS_TD
#define KILN_IR_KILNOPS_TD

include "kiln/IR/KilnBase.td"
include "mlir/Interfaces/InferTypeOpInterface.td"
include "mlir/Interfaces/SideEffectInterfaces.td"

// C++ parameter types of the convenience builders.
defvar KValue = "::mlir::Value";
defvar KValues = "::mlir::ValueRange";
defvar KI64s = "::llvm::ArrayRef<int64_t>";

//===----------------------------------------------------------------------===//
// Op classes shared by op families
//===----------------------------------------------------------------------===//

/// An activation (elementwise, or softmax along rows): the result has the
/// input's type. The builder `create<Op>(loc, x)` is generated from
/// SameOperandsAndResultType.
class Kiln_ActivationOp<string mnemonic, list<Trait> traits = []>
    : Kiln_Op<mnemonic, !listconcat([Pure, SameOperandsAndResultType],
                                    traits)> {
  let arguments = (ins Kiln_Tensor:$input);
  let results = (outs Kiln_Tensor:$output);
  let assemblyFormat = "$input attr-dict `:` type($output)";
}

/// The gradient of an activation from the gradient of its result and one
/// saved forward value, named `saved` (`input` for x, `output` for y).
class Kiln_ActivationGradOp<string mnemonic, string saved,
                            list<Trait> traits = []>
    : Kiln_Op<mnemonic, !listconcat([Pure, SameOperandsAndResultType],
                                    traits)> {
  let arguments = !dag(ins, [Kiln_Tensor, Kiln_Tensor], ["grad_out", saved]);
  let results = (outs Kiln_Tensor:$grad_in);
  let assemblyFormat =
      "$grad_out `,` $" # saved # " attr-dict `:` type($grad_in)";
}

/// An elementwise op of two operands of one type.
class Kiln_BinaryOp<string mnemonic, list<Trait> traits = []>
    : Kiln_Op<mnemonic, !listconcat([Pure, SameOperandsAndResultType],
                                    traits)> {
  let arguments = (ins Kiln_Tensor:$lhs, Kiln_Tensor:$rhs);
  let results = (outs Kiln_Tensor:$output);
  let assemblyFormat = "$lhs `,` $rhs attr-dict `:` type($output)";
}

/// 2-D pooling of an NHWC input over a (height, width) window. Explicit
/// padding (top, bottom, left, right); channels are kept.
class Kiln_Pool2DOp<string mnemonic> : Kiln_Op<mnemonic, [Pure]> {
  let arguments = (ins
    Kiln_Tensor:$input,
    DenseI64ArrayAttr:$window,
    DenseI64ArrayAttr:$strides,
    DefaultValuedAttr<DenseI64ArrayAttr, "{0, 0, 0, 0}">:$padding
  );
  let results = (outs Kiln_Tensor:$output);
  let assemblyFormat =
      "$input attr-dict `:` type($input) `->` type($output)";
  let hasVerifier = 1;
  let builders = [
    OpBuilder<(ins KValue:$input, KI64s:$window, KI64s:$strides,
                   KI64s:$padding), [{
      build($_builder, $_state,
            tensorTypeFor($_builder.getContext(),
                          inferShape(input.getType(), window, strides,
                                     padding)),
            input, window, strides, padding);
    }]>
  ];
  let extraClassDeclaration = [{
    /// The result shape pool2d's rule gives, or the rule's message.
    static ::kiln::shape::ShapeResult
    inferShape(::mlir::Type input, ::llvm::ArrayRef<int64_t> window,
               ::llvm::ArrayRef<int64_t> strides,
               ::llvm::ArrayRef<int64_t> padding);
  }];
  let extraClassDefinition = [{
    ::kiln::shape::ShapeResult
    $cppClass::inferShape(::mlir::Type input, ::llvm::ArrayRef<int64_t> window,
                          ::llvm::ArrayRef<int64_t> strides,
                          ::llvm::ArrayRef<int64_t> padding) {
      return inferPool2D(input, window, strides, padding);
    }
    ::mlir::LogicalResult $cppClass::verify() {
      return verifyResultShape(*this, inferShape(getInput().getType(),
                                                 getWindow(), getStrides(),
                                                 getPadding()));
    }
  }];
}

/// 1-D pooling of an NWC input; padding is (left, right).
class Kiln_Pool1DOp<string mnemonic> : Kiln_Op<mnemonic, [Pure]> {
  let arguments = (ins
    Kiln_Tensor:$input,
    I64Attr:$window,
    I64Attr:$stride,
    DefaultValuedAttr<DenseI64ArrayAttr, "{0, 0}">:$padding
  );
  let results = (outs Kiln_Tensor:$output);
  let assemblyFormat =
      "$input attr-dict `:` type($input) `->` type($output)";
  let hasVerifier = 1;
  let builders = [
    OpBuilder<(ins KValue:$input, "int64_t":$window, "int64_t":$stride,
                   KI64s:$padding), [{
      build($_builder, $_state,
            tensorTypeFor($_builder.getContext(),
                          inferShape(input.getType(), window, stride,
                                     padding)),
            input, window, stride, padding);
    }]>
  ];
  let extraClassDeclaration = [{
    /// The result shape pool1d's rule gives, or the rule's message.
    static ::kiln::shape::ShapeResult
    inferShape(::mlir::Type input, int64_t window, int64_t stride,
               ::llvm::ArrayRef<int64_t> padding);
  }];
  let extraClassDefinition = [{
    ::kiln::shape::ShapeResult
    $cppClass::inferShape(::mlir::Type input, int64_t window, int64_t stride,
                          ::llvm::ArrayRef<int64_t> padding) {
      return inferPool1D(input, window, stride, padding);
    }
    ::mlir::LogicalResult $cppClass::verify() {
      return verifyResultShape(*this, inferShape(getInput().getType(),
                                                 getWindow(), getStride(),
                                                 getPadding()));
    }
  }];
}

/// Gradient of max pooling: needs the forward input to find each window's
/// maximum; the result has the input's type. AllTypesMatch makes ODS generate
/// the builder without a result type, `create<Op>(loc, g, x, attrs...)`.
class Kiln_MaxPoolGradOp<string mnemonic, dag attrs, string inferCall>
    : Kiln_Op<mnemonic, [Pure, AllTypesMatch<["input", "grad_in"]>]> {
  let arguments = !con((ins Kiln_Tensor:$grad_out, Kiln_Tensor:$input),
                       attrs);
  let results = (outs Kiln_Tensor:$grad_in);
  let assemblyFormat =
      "$grad_out `,` $input attr-dict `:` type($grad_out) `,` type($input)";
  let hasVerifier = 1;
  let extraClassDefinition = [{
    ::mlir::LogicalResult $cppClass::verify() {
      return verifyShapeRule(*this, }] # inferCall # [{);
    }
  }];
}

/// A loss or metric of a classifier: logits and labels (N x M each) give a
/// rank-0 result named `result`.
class Kiln_ClassifierMetricOp<string mnemonic, string result>
    : Kiln_Op<mnemonic, [Pure, AllTypesMatch<["logits", "labels"]>]> {
  let arguments = (ins Kiln_Tensor:$logits, Kiln_Tensor:$labels);
  let results = !dag(outs, [Kiln_Scalar], [result]);
  let assemblyFormat = "$logits `,` $labels attr-dict `:` type($logits)";
  let hasVerifier = 1;
  let extraClassDefinition = [{
    ::mlir::LogicalResult $cppClass::verify() {
      return verifyShapeRule(*this, ::kiln::shape::classification(
                                        shapeOf(getLogits().getType()),
                                        shapeOf(getLabels().getType())));
    }
  }];
}

/// A weight regularizer (Keras' l1/l2): a rank-0 penalty scaled by `scale`.
class Kiln_PenaltyOp<string mnemonic> : Kiln_Op<mnemonic, [Pure]> {
  let arguments = (ins Kiln_Tensor:$weights, F32Attr:$scale);
  let results = (outs Kiln_Scalar:$penalty);
  let assemblyFormat = "$weights attr-dict `:` type($weights)";
  let hasVerifier = 1;
  let builders = [
    OpBuilder<(ins KValue:$weights, "float":$scale), [{
      build($_builder, $_state, weights, $_builder.getF32FloatAttr(scale));
    }]>
  ];
  let extraClassDefinition = [{
    ::mlir::LogicalResult $cppClass::verify() {
      return verifyNonNegative(*this, "scale", getScaleAttr());
    }
  }];
}

/// The gradient of a weight regularizer with respect to the weights.
class Kiln_PenaltyGradOp<string mnemonic>
    : Kiln_Op<mnemonic, [Pure, SameOperandsAndResultType]> {
  let arguments = (ins Kiln_Tensor:$weights, F32Attr:$scale);
  let results = (outs Kiln_Tensor:$grad_weights);
  let assemblyFormat = "$weights attr-dict `:` type($grad_weights)";
  let hasVerifier = 1;
  let builders = [
    OpBuilder<(ins KValue:$weights, "float":$scale), [{
      build($_builder, $_state, weights, $_builder.getF32FloatAttr(scale));
    }]>
  ];
  let extraClassDefinition = [{
    ::mlir::LogicalResult $cppClass::verify() {
      return verifyNonNegative(*this, "scale", getScaleAttr());
    }
  }];
}

//===----------------------------------------------------------------------===//
// Convolution and dense
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
  let builders = [
    OpBuilder<(ins KValue:$input, KValue:$filter, KI64s:$strides,
                   KI64s:$dilations, KI64s:$padding), [{
      build($_builder, $_state,
            tensorTypeFor($_builder.getContext(),
                          inferShape(input.getType(), filter.getType(),
                                     strides, dilations, padding)),
            input, filter, strides, dilations, padding);
    }]>
  ];
  let extraClassDeclaration = [{
    /// The result type the shape rule gives for these operands and
    /// attributes, or the rule's message.
    static shape::ShapeResult inferShape(::mlir::Type input, ::mlir::Type filter,
                                         ::llvm::ArrayRef<int64_t> strides,
                                         ::llvm::ArrayRef<int64_t> dilations,
                                         ::llvm::ArrayRef<int64_t> padding);
  }];
}

def Kiln_Conv1DOp : Kiln_Op<"conv1d", [Pure]> {
  let summary = "1-D convolution of an NWC input with a WIO filter";
  let description = [{
    Cross-correlates `input` (N x W x C: steps x features) with `filter`
    (K x C x F), as Keras' Conv1D does, giving N x OW x F. `padding` is
    explicit zero padding (left, right).

    Example:

    ```mlir
    %y = kiln.conv1d %x, %w
        : (tensor<?x28x28xf32>, tensor<2x28x236xf32>) -> tensor<?x27x236xf32>
    ```
  }];
  let arguments = (ins
    Kiln_Tensor:$input,
    Kiln_Tensor:$filter,
    DefaultValuedAttr<I64Attr, "1">:$stride,
    DefaultValuedAttr<I64Attr, "1">:$dilation,
    DefaultValuedAttr<DenseI64ArrayAttr, "{0, 0}">:$padding
  );
  let results = (outs Kiln_Tensor:$output);
  let assemblyFormat = [{
    $input `,` $filter attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
  let builders = [
    OpBuilder<(ins KValue:$input, KValue:$filter, "int64_t":$stride,
                   "int64_t":$dilation, KI64s:$padding), [{
      build($_builder, $_state,
            tensorTypeFor($_builder.getContext(),
                          inferShape(input.getType(), filter.getType(),
                                     stride, dilation, padding)),
            input, filter, stride, dilation, padding);
    }]>
  ];
  let extraClassDeclaration = [{
    /// The result shape conv1d's rule gives, or the rule's message.
    static shape::ShapeResult inferShape(::mlir::Type input, ::mlir::Type filter,
                                         int64_t stride, int64_t dilation,
                                         ::llvm::ArrayRef<int64_t> padding);
  }];
}

def Kiln_DenseOp : Kiln_Op<"dense", [Pure]> {
  let summary = "Matrix product of an N x K input with K x M weights";
  let description = [{
    The fully connected layer without its bias: `output = input * weights`,
    N x M. Weights are stored in x out, as Keras' Dense kernel.

    Example:

    ```mlir
    %y = kiln.dense %x, %w
        : (tensor<?x1152xf32>, tensor<1152x128xf32>) -> tensor<?x128xf32>
    ```
  }];
  let arguments = (ins Kiln_Tensor:$input, Kiln_Tensor:$weights);
  let results = (outs Kiln_Tensor:$output);
  let assemblyFormat = [{
    $input `,` $weights attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
  let builders = [
    OpBuilder<(ins KValue:$input, KValue:$weights), [{
      build($_builder, $_state,
            tensorTypeFor($_builder.getContext(),
                          inferShape(input.getType(), weights.getType())),
            input, weights);
    }]>
  ];
  let extraClassDeclaration = [{
    /// The result shape dense's rule gives, or the rule's message.
    static shape::ShapeResult inferShape(::mlir::Type input,
                                         ::mlir::Type weights);
  }];
}

def Kiln_BiasAddOp : Kiln_Op<"bias_add", [
    Pure, Kiln_Positionwise, AllTypesMatch<["input", "output"]>]> {
  let summary = "Adds a per-channel bias to a channels-innermost value";
  let description = [{
    `output[..., c] = input[..., c] + bias[c]` for an input of any rank whose
    innermost extent is the channel count C; `bias` is [C].

    Example:

    ```mlir
    %y = kiln.bias_add %x, %b : tensor<?x26x26x32xf32>, tensor<32xf32>
    ```
  }];
  let arguments = (ins Kiln_Tensor:$input, Kiln_Tensor:$bias);
  let results = (outs Kiln_Tensor:$output);
  let assemblyFormat =
      "$input `,` $bias attr-dict `:` type($input) `,` type($bias)";
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Activations
//===----------------------------------------------------------------------===//

def Kiln_ReluOp : Kiln_ActivationOp<"relu", [Kiln_Positionwise]> {
  let summary = "Rectified linear unit, max(x, 0), elementwise";
  let description = [{
    Example:

    ```mlir
    %y = kiln.relu %x : tensor<?x26x26x32xf32>
    ```
  }];
}

def Kiln_GeluOp : Kiln_ActivationOp<"gelu", [Kiln_Positionwise]> {
  let summary = "Gaussian error linear unit, exact erf form, elementwise";
  let description = [{
    `gelu(x) = x * Phi(x) = 0.5 * x * (1 + erf(x / sqrt(2)))`: the exact
    form, Keras' default (`approximate=False`), not the tanh approximation.

    Example:

    ```mlir
    %y = kiln.gelu %x : tensor<?x448xf32>
    ```
  }];
}

def Kiln_SigmoidOp : Kiln_ActivationOp<"sigmoid", [Kiln_Positionwise]> {
  let summary = "Logistic sigmoid, 1 / (1 + exp(-x)), elementwise";
  let description = [{
    Example:

    ```mlir
    %y = kiln.sigmoid %x : tensor<?x64xf32>
    ```
  }];
}

def Kiln_TanhOp : Kiln_ActivationOp<"tanh", [Kiln_Positionwise]> {
  let summary = "Hyperbolic tangent, elementwise";
  let description = [{
    Example:

    ```mlir
    %y = kiln.tanh %x : tensor<?x64xf32>
    ```
  }];
}

def Kiln_SoftmaxOp : Kiln_ActivationOp<"softmax"> {
  let summary = "Softmax over the last axis of a batch of rows";
  let description = [{
    For an N x M input, `output[n, j] = exp(input[n, j] - max_k input[n, k])
    / sum_k exp(input[n, k] - max_k input[n, k])`: each row sums to 1. The
    maximum is subtracted so large logits do not overflow.

    Example:

    ```mlir
    %p = kiln.softmax %logits : tensor<?x10xf32>
    ```
  }];
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Pooling
//===----------------------------------------------------------------------===//

def Kiln_MaxPool2DOp : Kiln_Pool2DOp<"max_pool2d"> {
  let summary = "2-D max pooling of an NHWC input";
  let description = [{
    Each output element is the maximum of its (window[0] x window[1]) window
    of the input, windows `strides` apart. Padding counts as -infinity, so
    it is never chosen.

    Example:

    ```mlir
    %y = kiln.max_pool2d %x {window = array<i64: 2, 2>, strides = array<i64: 2, 2>}
        : tensor<?x26x26x32xf32> -> tensor<?x13x13x32xf32>
    ```
  }];
}

def Kiln_AvgPool2DOp : Kiln_Pool2DOp<"avg_pool2d"> {
  let summary = "2-D average pooling of an NHWC input";
  let description = [{
    Each output element is the mean of the in-bounds elements of its window:
    padding is excluded from the count, as Keras/TensorFlow do for 'same'.

    Example:

    ```mlir
    %y = kiln.avg_pool2d %x {window = array<i64: 3, 3>, strides = array<i64: 1, 1>,
                             padding = array<i64: 1, 1, 1, 1>}
        : tensor<?x28x28x32xf32> -> tensor<?x28x28x32xf32>
    ```
  }];
}

def Kiln_MaxPool1DOp : Kiln_Pool1DOp<"max_pool1d"> {
  let summary = "1-D max pooling of an NWC input";
  let description = [{
    Each output element is the maximum of its window of `window` steps,
    windows `stride` apart; padding counts as -infinity.

    Example:

    ```mlir
    %y = kiln.max_pool1d %x {window = 2, stride = 2}
        : tensor<?x27x236xf32> -> tensor<?x13x236xf32>
    ```
  }];
}

def Kiln_AvgPool1DOp : Kiln_Pool1DOp<"avg_pool1d"> {
  let summary = "1-D average pooling of an NWC input";
  let description = [{
    Each output element is the mean of the in-bounds elements of its window
    (padding excluded from the count).

    Example:

    ```mlir
    %y = kiln.avg_pool1d %x {window = 2, stride = 2, padding = array<i64: 0, 1>}
        : tensor<?x27x236xf32> -> tensor<?x14x236xf32>
    ```
  }];
}

def Kiln_GlobalAvgPoolOp : Kiln_Op<"global_avg_pool", [Pure]> {
  let summary = "Mean over all spatial positions, NHWC or NWC to N x C";
  let description = [{
    Example:

    ```mlir
    %y = kiln.global_avg_pool %x : tensor<?x4x4x64xf32> -> tensor<?x64xf32>
    ```
  }];
  let arguments = (ins Kiln_Tensor:$input);
  let results = (outs Kiln_Tensor:$output);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($output)";
  let hasVerifier = 1;
  let builders = [
    OpBuilder<(ins KValue:$input), [{
      build($_builder, $_state,
            tensorTypeFor($_builder.getContext(),
                          ::kiln::shape::globalPool(shapeOf(input.getType()))),
            input);
    }]>
  ];
}

//===----------------------------------------------------------------------===//
// Normalization and regularization
//===----------------------------------------------------------------------===//

def Kiln_BatchNormTrainOp : Kiln_Op<"batch_norm_train", [
    Pure, AllTypesMatch<["input", "output"]>,
    AllTypesMatch<["gamma", "beta", "batch_mean", "batch_var"]>]> {
  let summary = "Batch normalization with the statistics of this batch";
  let description = [{
    For each channel c (the innermost axis), with the mean and the biased
    variance taken over every other axis (batch and spatial):

    `output = gamma[c] * (input - batch_mean[c]) / sqrt(batch_var[c] +
    epsilon) + beta[c]`.

    Also returns `batch_mean` and `batch_var` ([C]) for the gradient and for
    the moving averages (`kiln.moving_average`), as Keras' BatchNormalization
    does in training.

    Example:

    ```mlir
    %y, %mean, %var = kiln.batch_norm_train %x, %gamma, %beta {epsilon = 1.0e-03 : f32}
        : tensor<?x13x13x32xf32>, tensor<32xf32>
    ```
  }];
  let arguments = (ins Kiln_Tensor:$input, Kiln_Tensor:$gamma,
                       Kiln_Tensor:$beta, F32Attr:$epsilon);
  let results = (outs Kiln_Tensor:$output, Kiln_Tensor:$batch_mean,
                      Kiln_Tensor:$batch_var);
  let assemblyFormat = [{
    $input `,` $gamma `,` $beta attr-dict `:` type($input) `,` type($gamma)
  }];
  let hasVerifier = 1;
  let builders = [
    OpBuilder<(ins KValue:$input, KValue:$gamma, KValue:$beta,
                   "float":$epsilon), [{
      build($_builder, $_state, input.getType(), gamma.getType(),
            gamma.getType(), input, gamma, beta,
            $_builder.getF32FloatAttr(epsilon));
    }]>
  ];
}

def Kiln_BatchNormInferOp : Kiln_Op<"batch_norm_infer", [
    Pure, Kiln_Positionwise, AllTypesMatch<["input", "output"]>,
    AllTypesMatch<["gamma", "beta", "mean", "variance"]>]> {
  let summary = "Batch normalization with fixed (moving) statistics";
  let description = [{
    `output = gamma[c] * (input - mean[c]) / sqrt(variance[c] + epsilon) +
    beta[c]` for each channel c (the innermost axis), with the moving
    statistics learned in training; `kiln-prepare-inference` folds it into
    the preceding convolution or dense layer where it can.

    Example:

    ```mlir
    %y = kiln.batch_norm_infer %x, %gamma, %beta, %mean, %var {epsilon = 1.0e-03 : f32}
        : tensor<?x13x13x32xf32>, tensor<32xf32>
    ```
  }];
  let arguments = (ins Kiln_Tensor:$input, Kiln_Tensor:$gamma,
                       Kiln_Tensor:$beta, Kiln_Tensor:$mean,
                       Kiln_Tensor:$variance, F32Attr:$epsilon);
  let results = (outs Kiln_Tensor:$output);
  let assemblyFormat = [{
    $input `,` $gamma `,` $beta `,` $mean `,` $variance attr-dict `:`
    type($input) `,` type($gamma)
  }];
  let hasVerifier = 1;
  let builders = [
    OpBuilder<(ins KValue:$input, KValue:$gamma, KValue:$beta, KValue:$mean,
                   KValue:$variance, "float":$epsilon), [{
      build($_builder, $_state, input.getType(), input, gamma, beta, mean,
            variance, $_builder.getF32FloatAttr(epsilon));
    }]>
  ];
}

def Kiln_MovingAverageOp
    : Kiln_Op<"moving_average", [Pure, SameOperandsAndResultType]> {
  let summary = "Moving average of BatchNorm statistics (Keras' update)";
  let description = [{
    `output = running * momentum + batch * (1 - momentum)` for [C] vectors:
    how Keras' BatchNormalization updates its moving mean and variance
    (momentum 0.99 by default; the variance is the biased batch variance).

    Example:

    ```mlir
    %m2 = kiln.moving_average %m, %batch_mean {momentum = 9.900000e-01 : f32} : tensor<32xf32>
    ```
  }];
  let arguments = (ins Kiln_Tensor:$running, Kiln_Tensor:$batch,
                       F32Attr:$momentum);
  let results = (outs Kiln_Tensor:$output);
  let assemblyFormat = "$running `,` $batch attr-dict `:` type($output)";
  let hasVerifier = 1;
  let builders = [
    OpBuilder<(ins KValue:$running, KValue:$batch, "float":$momentum), [{
      build($_builder, $_state, running, batch,
            $_builder.getF32FloatAttr(momentum));
    }]>
  ];
}

def Kiln_DropoutOp : Kiln_Op<"dropout", [
    Pure, AllTypesMatch<["input", "output", "mask"]>]> {
  let summary = "Inverted dropout with a counter-based random mask";
  let description = [{
    Element i (flat row-major index over the whole tensor) is kept when
    `uniformAt(seed, stream, step, i) >= rate` (Philox-4x32-10, see
    runtime/include/kiln/runtime/CounterRng.h). `mask` is `1 / (1 - rate)`
    where kept and 0 elsewhere, and `output = input * mask`; the gradient is
    `kiln.mul` of the incoming gradient with `mask`. The mask depends only
    on (seed, stream, step), so the op is pure. The two i64 operands are
    run-time values: `step` (the training step) draws a new mask per step,
    `seed` (the run's seed, all 64 bits of it Philox's key; the `seed`
    argument of @forward) a different sequence of masks per run. The
    `stream` attribute is fixed at compile time and tells dropout layers
    apart. With `rate = 0` the op is the identity and canonicalization
    removes it.

    Example:

    ```mlir
    %y, %mask = kiln.dropout %x, %step, %seed {rate = 2.000000e-01 : f32, stream = 3}
        : tensor<?x128xf32>
    ```
  }];
  let arguments = (ins Kiln_Tensor:$input, I64:$step, I64:$seed,
                       F32Attr:$rate, I64Attr:$stream);
  let results = (outs Kiln_Tensor:$output, Kiln_Tensor:$mask);
  let assemblyFormat =
      "$input `,` $step `,` $seed attr-dict `:` type($input)";
  let hasVerifier = 1;
  let hasCanonicalizeMethod = 1;
  let builders = [
    OpBuilder<(ins KValue:$input, KValue:$step, KValue:$seed, "float":$rate,
                   "int64_t":$stream), [{
      build($_builder, $_state, input.getType(), input.getType(), input,
            step, seed, $_builder.getF32FloatAttr(rate),
            $_builder.getI64IntegerAttr(stream));
    }]>
  ];
}

//===----------------------------------------------------------------------===//
// Elementwise arithmetic and shape manipulation
//===----------------------------------------------------------------------===//

def Kiln_MulOp : Kiln_BinaryOp<"mul", [Commutative, Kiln_Positionwise]> {
  let summary = "Elementwise product of two tensors of one type";
  let description = [{
    Used for the dropout gradient (`grad * mask`). Multiplying by the mask of
    a dropout with rate 0 (all ones) folds away.

    Example:

    ```mlir
    %z = kiln.mul %g, %mask : tensor<?x128xf32>
    ```
  }];
  let hasFolder = 1;
}

def Kiln_AddOp : Kiln_BinaryOp<"add", [Commutative, Kiln_Positionwise]> {
  let summary = "Elementwise sum of two tensors of one type";
  let description = [{
    The residual add of ResNet-style blocks, and the sum of the gradients
    that reach a value used more than once.

    Example:

    ```mlir
    %z = kiln.add %a, %b : tensor<?x8x8x64xf32>
    ```
  }];
}

def Kiln_ConcatOp : Kiln_Op<"concat", [Pure]> {
  let summary = "Concatenation along a non-batch axis";
  let description = [{
    Joins `inputs` along `axis` (a non-batch axis; negative counts from the
    end); every other extent must agree. The gradient of each input is a
    `kiln.slice` of the result's gradient. A single input folds to itself.

    Example:

    ```mlir
    %y = kiln.concat %a, %b {axis = 3 : i64}
        : (tensor<?x8x8x4xf32>, tensor<?x8x8x6xf32>) -> tensor<?x8x8x10xf32>
    ```
  }];
  let arguments = (ins Variadic<Kiln_Tensor>:$inputs, I64Attr:$axis);
  let results = (outs Kiln_Tensor:$output);
  let assemblyFormat =
      "$inputs attr-dict `:` functional-type($inputs, $output)";
  let hasVerifier = 1;
  let hasFolder = 1;
  let builders = [
    OpBuilder<(ins KValues:$inputs, "int64_t":$axis), [{
      build($_builder, $_state,
            tensorTypeFor($_builder.getContext(),
                          inferShape(inputs.getTypes(), axis)),
            inputs, axis);
    }]>
  ];
  let extraClassDeclaration = [{
    /// The result shape concat's rule gives, or the rule's message.
    static shape::ShapeResult inferShape(::mlir::TypeRange inputs,
                                         int64_t axis);
    /// `axis` counted from the front. (`getAxis()` is the attribute's
    /// unsigned storage, so a negative axis must not be read through it.)
    int64_t getResolvedAxis();
  }];
}

def Kiln_FlattenOp : Kiln_Op<"flatten", [Pure]> {
  let summary = "Flattens each example to one axis, N x ... to N x K";
  let description = [{
    Row-major, so NHWC flattens as Keras' Flatten does. Flattening a rank-2
    value is the identity; flattening a reshape or a flatten flattens the
    original value.

    Example:

    ```mlir
    %y = kiln.flatten %x : tensor<?x3x3x128xf32> -> tensor<?x1152xf32>
    ```
  }];
  let arguments = (ins Kiln_Tensor:$input);
  let results = (outs Kiln_Tensor:$output);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($output)";
  let hasVerifier = 1;
  let hasFolder = 1;
  let hasCanonicalizeMethod = 1;
  let builders = [
    OpBuilder<(ins KValue:$input), [{
      build($_builder, $_state,
            tensorTypeFor($_builder.getContext(),
                          ::kiln::shape::flatten(shapeOf(input.getType()))),
            input);
    }]>
  ];
}

def Kiln_ReshapeOp : Kiln_Op<"reshape", [Pure]> {
  let summary = "Reshapes each example, keeping the batch extent";
  let description = [{
    `shape` lists the non-batch extents of the result (row-major order is
    kept); the element count per example must not change. The builder
    accepts one extent of -1 and resolves it; the attribute always holds the
    resolved extents. Reshaping to the input's type is the identity, and a
    reshape of a reshape or flatten reshapes the original value.

    Example:

    ```mlir
    %y = kiln.reshape %x {shape = array<i64: 28, 28>}
        : tensor<?x784xf32> -> tensor<?x28x28xf32>
    ```
  }];
  let arguments = (ins Kiln_Tensor:$input, DenseI64ArrayAttr:$shape);
  let results = (outs Kiln_Tensor:$output);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($output)";
  let hasVerifier = 1;
  let hasFolder = 1;
  let hasCanonicalizeMethod = 1;
  let builders = [
    OpBuilder<(ins KValue:$input, KI64s:$shape), [{
      ::kiln::shape::ShapeResult rule =
          ::kiln::shape::reshape(shapeOf(input.getType()),
                                 ::kiln::shape::Dims(shape.begin(), shape.end()));
      // Store the resolved extents, so a -1 never reaches the attribute.
      ::llvm::SmallVector<int64_t> resolved(shape);
      if (rule.ok())
        resolved.assign(rule.dims.begin() + 1, rule.dims.end());
      build($_builder, $_state, tensorTypeFor($_builder.getContext(), rule),
            input, resolved);
    }]>
  ];
}

def Kiln_ZeroPadOp : Kiln_Op<"zero_pad", [Pure]> {
  let summary = "Zero padding of the spatial extents of NHWC or NWC";
  let description = [{
    `padding` is (top, bottom, left, right) for NHWC and (left, right) for
    NWC. Its gradient is a `kiln.slice`. Zero padding folds away.

    Example:

    ```mlir
    %y = kiln.zero_pad %x {padding = array<i64: 2, 2, 2, 2>}
        : tensor<?x28x28x3xf32> -> tensor<?x32x32x3xf32>
    ```
  }];
  let arguments = (ins Kiln_Tensor:$input, DenseI64ArrayAttr:$padding);
  let results = (outs Kiln_Tensor:$output);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($output)";
  let hasVerifier = 1;
  let hasFolder = 1;
  let builders = [
    OpBuilder<(ins KValue:$input, KI64s:$padding), [{
      build($_builder, $_state,
            tensorTypeFor($_builder.getContext(),
                          inferShape(input.getType(), padding)),
            input, padding);
    }]>
  ];
  let extraClassDeclaration = [{
    /// The result shape zero padding's rule gives, or the rule's message.
    static shape::ShapeResult inferShape(::mlir::Type input,
                                         ::llvm::ArrayRef<int64_t> padding);
  }];
}

def Kiln_SliceOp : Kiln_Op<"slice", [Pure]> {
  let summary = "A box of the non-batch extents, the whole batch kept";
  let description = [{
    For each non-batch axis a, takes elements [offsets[a], offsets[a] +
    sizes[a]). The gradient of `kiln.zero_pad` and `kiln.concat`. A slice of
    the whole input folds to the input.

    Example:

    ```mlir
    %y = kiln.slice %x {offsets = array<i64: 2, 2, 0>, sizes = array<i64: 28, 28, 3>}
        : tensor<?x32x32x3xf32> -> tensor<?x28x28x3xf32>
    ```
  }];
  let arguments = (ins Kiln_Tensor:$input, DenseI64ArrayAttr:$offsets,
                       DenseI64ArrayAttr:$sizes);
  let results = (outs Kiln_Tensor:$output);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($output)";
  let hasVerifier = 1;
  let hasFolder = 1;
  let builders = [
    OpBuilder<(ins KValue:$input, KI64s:$offsets, KI64s:$sizes), [{
      build($_builder, $_state,
            tensorTypeFor($_builder.getContext(),
                          ::kiln::shape::slice(
                              shapeOf(input.getType()),
                              ::kiln::shape::Dims(offsets.begin(), offsets.end()),
                              ::kiln::shape::Dims(sizes.begin(), sizes.end()))),
            input, offsets, sizes);
    }]>
  ];
}

//===----------------------------------------------------------------------===//
// Losses and metrics
//===----------------------------------------------------------------------===//

def Kiln_SoftmaxCrossEntropyOp
    : Kiln_ClassifierMetricOp<"softmax_cross_entropy", "loss"> {
  let summary = "Mean categorical cross-entropy of softmax(logits)";
  let description = [{
    `loss = mean over n of -sum_j labels[n, j] * log_softmax(logits)[n, j]`,
    with labels one-hot or soft (rows summing to 1). Computed from the
    logits with a stable log-softmax, so a Keras model ending in softmax
    with categorical cross-entropy trains on its pre-softmax values.

    Example:

    ```mlir
    %loss = kiln.softmax_cross_entropy %logits, %labels : tensor<?x10xf32>
    ```
  }];
}

def Kiln_CorrectCountOp : Kiln_ClassifierMetricOp<"correct_count", "count"> {
  let summary = "Number of rows whose predicted class is the label's";
  let description = [{
    Counts the rows n with `argmax(logits[n]) == argmax(labels[n])`, the
    first maximum winning ties, as an f32 (accuracy = count / N).

    Example:

    ```mlir
    %count = kiln.correct_count %logits, %labels : tensor<?x10xf32>
    ```
  }];
}

def Kiln_L2PenaltyOp : Kiln_PenaltyOp<"l2_penalty"> {
  let summary = "L2 weight penalty, scale * sum(w^2)";
  let description = [{
    Keras' `regularizers.l2(scale)` added to the loss.

    Example:

    ```mlir
    %p = kiln.l2_penalty %w {scale = 1.000000e-03 : f32} : tensor<3x3x1x32xf32>
    ```
  }];
}

def Kiln_L1PenaltyOp : Kiln_PenaltyOp<"l1_penalty"> {
  let summary = "L1 weight penalty, scale * sum(abs(w))";
  let description = [{
    Keras' `regularizers.l1(scale)` added to the loss.

    Example:

    ```mlir
    %p = kiln.l1_penalty %w {scale = 1.000000e-03 : f32} : tensor<128x10xf32>
    ```
  }];
}

//===----------------------------------------------------------------------===//
// Gradients of convolution and dense
//===----------------------------------------------------------------------===//

def Kiln_Conv2DGradInputOp : Kiln_Op<"conv2d_grad_input", [Pure]> {
  let summary = "Gradient of conv2d with respect to its input";
  let description = [{
    The transposed convolution of `grad_out` (N x OH x OW x F) with the
    conv2d's `filter` (KH x KW x C x F), giving N x H x W x C with (H, W) =
    `input_hw`. `strides`, `dilations` and `padding` are the forward op's;
    `input_hw` is needed because with a stride above 1 several input
    extents give the same output extent.

    Example:

    ```mlir
    %gx = kiln.conv2d_grad_input %g, %w {input_hw = array<i64: 28, 28>}
        : (tensor<?x26x26x32xf32>, tensor<3x3x1x32xf32>) -> tensor<?x28x28x1xf32>
    ```
  }];
  let arguments = (ins
    Kiln_Tensor:$grad_out,
    Kiln_Tensor:$filter,
    DefaultValuedAttr<DenseI64ArrayAttr, "{1, 1}">:$strides,
    DefaultValuedAttr<DenseI64ArrayAttr, "{1, 1}">:$dilations,
    DefaultValuedAttr<DenseI64ArrayAttr, "{0, 0, 0, 0}">:$padding,
    DenseI64ArrayAttr:$input_hw
  );
  let results = (outs Kiln_Tensor:$grad_in);
  let assemblyFormat = [{
    $grad_out `,` $filter attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
  let builders = [
    OpBuilder<(ins KValue:$grad_out, KValue:$filter, KI64s:$strides,
                   KI64s:$dilations, KI64s:$padding, KI64s:$input_hw), [{
      build($_builder, $_state,
            tensorTypeFor($_builder.getContext(),
                          inferShape(grad_out.getType(), filter.getType(),
                                     strides, dilations, padding, input_hw)),
            grad_out, filter, strides, dilations, padding, input_hw);
    }]>
  ];
  let extraClassDeclaration = [{
    /// The gradient's shape by conv2dGradInput's rule, or the rule's message.
    static shape::ShapeResult inferShape(::mlir::Type gradOut,
                                         ::mlir::Type filter,
                                         ::llvm::ArrayRef<int64_t> strides,
                                         ::llvm::ArrayRef<int64_t> dilations,
                                         ::llvm::ArrayRef<int64_t> padding,
                                         ::llvm::ArrayRef<int64_t> inputHW);
  }];
}

def Kiln_Conv2DGradFilterOp : Kiln_Op<"conv2d_grad_filter", [Pure]> {
  let summary = "Gradient of conv2d with respect to its filter";
  let description = [{
    Correlates the forward `input` (N x H x W x C) with `grad_out`
    (N x OH x OW x F), summing over the batch, giving KH x KW x C x F with
    (KH, KW) = `kernel_hw`. `strides`, `dilations` and `padding` are the
    forward op's.

    Example:

    ```mlir
    %gw = kiln.conv2d_grad_filter %x, %g {kernel_hw = array<i64: 3, 3>}
        : (tensor<?x28x28x1xf32>, tensor<?x26x26x32xf32>) -> tensor<3x3x1x32xf32>
    ```
  }];
  let arguments = (ins
    Kiln_Tensor:$input,
    Kiln_Tensor:$grad_out,
    DefaultValuedAttr<DenseI64ArrayAttr, "{1, 1}">:$strides,
    DefaultValuedAttr<DenseI64ArrayAttr, "{1, 1}">:$dilations,
    DefaultValuedAttr<DenseI64ArrayAttr, "{0, 0, 0, 0}">:$padding,
    DenseI64ArrayAttr:$kernel_hw
  );
  let results = (outs Kiln_Tensor:$grad_filter);
  let assemblyFormat = [{
    $input `,` $grad_out attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
  let builders = [
    OpBuilder<(ins KValue:$input, KValue:$grad_out, KI64s:$strides,
                   KI64s:$dilations, KI64s:$padding, KI64s:$kernel_hw), [{
      build($_builder, $_state,
            tensorTypeFor($_builder.getContext(),
                          inferShape(input.getType(), grad_out.getType(),
                                     strides, dilations, padding, kernel_hw)),
            input, grad_out, strides, dilations, padding, kernel_hw);
    }]>
  ];
  let extraClassDeclaration = [{
    /// The gradient's shape by conv2dGradFilter's rule, or the rule's message.
    static shape::ShapeResult inferShape(::mlir::Type input,
                                         ::mlir::Type gradOut,
                                         ::llvm::ArrayRef<int64_t> strides,
                                         ::llvm::ArrayRef<int64_t> dilations,
                                         ::llvm::ArrayRef<int64_t> padding,
                                         ::llvm::ArrayRef<int64_t> kernelHW);
  }];
}

def Kiln_Conv1DGradInputOp : Kiln_Op<"conv1d_grad_input", [Pure]> {
  let summary = "Gradient of conv1d with respect to its input";
  let description = [{
    The 1-D counterpart of `kiln.conv2d_grad_input`: `grad_out` (N x OW x F)
    and the filter (K x C x F) give N x `input_w` x C.

    Example:

    ```mlir
    %gx = kiln.conv1d_grad_input %g, %w {input_w = 28 : i64}
        : (tensor<?x27x236xf32>, tensor<2x28x236xf32>) -> tensor<?x28x28xf32>
    ```
  }];
  let arguments = (ins
    Kiln_Tensor:$grad_out,
    Kiln_Tensor:$filter,
    DefaultValuedAttr<I64Attr, "1">:$stride,
    DefaultValuedAttr<I64Attr, "1">:$dilation,
    DefaultValuedAttr<DenseI64ArrayAttr, "{0, 0}">:$padding,
    I64Attr:$input_w
  );
  let results = (outs Kiln_Tensor:$grad_in);
  let assemblyFormat = [{
    $grad_out `,` $filter attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
  let builders = [
    OpBuilder<(ins KValue:$grad_out, KValue:$filter, "int64_t":$stride,
                   "int64_t":$dilation, KI64s:$padding, "int64_t":$input_w), [{
      build($_builder, $_state,
            tensorTypeFor($_builder.getContext(),
                          inferShape(grad_out.getType(), filter.getType(),
                                     stride, dilation, padding, input_w)),
            grad_out, filter, stride, dilation, padding, input_w);
    }]>
  ];
  let extraClassDeclaration = [{
    /// The gradient's shape by conv1dGradInput's rule, or the rule's message.
    static shape::ShapeResult inferShape(::mlir::Type gradOut,
                                         ::mlir::Type filter, int64_t stride,
                                         int64_t dilation,
                                         ::llvm::ArrayRef<int64_t> padding,
                                         int64_t inputW);
  }];
}

def Kiln_Conv1DGradFilterOp : Kiln_Op<"conv1d_grad_filter", [Pure]> {
  let summary = "Gradient of conv1d with respect to its filter";
  let description = [{
    The 1-D counterpart of `kiln.conv2d_grad_filter`: the forward input
    (N x W x C) and `grad_out` (N x OW x F) give `kernel_w` x C x F.

    Example:

    ```mlir
    %gw = kiln.conv1d_grad_filter %x, %g {kernel_w = 2 : i64}
        : (tensor<?x28x28xf32>, tensor<?x27x236xf32>) -> tensor<2x28x236xf32>
    ```
  }];
  let arguments = (ins
    Kiln_Tensor:$input,
    Kiln_Tensor:$grad_out,
    DefaultValuedAttr<I64Attr, "1">:$stride,
    DefaultValuedAttr<I64Attr, "1">:$dilation,
    DefaultValuedAttr<DenseI64ArrayAttr, "{0, 0}">:$padding,
    I64Attr:$kernel_w
  );
  let results = (outs Kiln_Tensor:$grad_filter);
  let assemblyFormat = [{
    $input `,` $grad_out attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
  let builders = [
    OpBuilder<(ins KValue:$input, KValue:$grad_out, "int64_t":$stride,
                   "int64_t":$dilation, KI64s:$padding, "int64_t":$kernel_w), [{
      build($_builder, $_state,
            tensorTypeFor($_builder.getContext(),
                          inferShape(input.getType(), grad_out.getType(),
                                     stride, dilation, padding, kernel_w)),
            input, grad_out, stride, dilation, padding, kernel_w);
    }]>
  ];
  let extraClassDeclaration = [{
    /// The gradient's shape by conv1dGradFilter's rule, or the rule's message.
    static shape::ShapeResult inferShape(::mlir::Type input,
                                         ::mlir::Type gradOut, int64_t stride,
                                         int64_t dilation,
                                         ::llvm::ArrayRef<int64_t> padding,
                                         int64_t kernelW);
  }];
}

def Kiln_DenseGradInputOp : Kiln_Op<"dense_grad_input", [Pure]> {
  let summary = "Gradient of dense with respect to its input, g * W^T";
  let description = [{
    `grad_out` (N x M) times the transposed weights (K x M) gives N x K.

    Example:

    ```mlir
    %gx = kiln.dense_grad_input %g, %w
        : (tensor<?x128xf32>, tensor<1152x128xf32>) -> tensor<?x1152xf32>
    ```
  }];
  let arguments = (ins Kiln_Tensor:$grad_out, Kiln_Tensor:$weights);
  let results = (outs Kiln_Tensor:$grad_in);
  let assemblyFormat = [{
    $grad_out `,` $weights attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
  let builders = [
    OpBuilder<(ins KValue:$grad_out, KValue:$weights), [{
      build($_builder, $_state,
            tensorTypeFor($_builder.getContext(),
                          ::kiln::shape::denseGradInput(
                              shapeOf(grad_out.getType()),
                              shapeOf(weights.getType()))),
            grad_out, weights);
    }]>
  ];
}

def Kiln_DenseGradWeightsOp : Kiln_Op<"dense_grad_weights", [Pure]> {
  let summary = "Gradient of dense with respect to its weights, x^T * g";
  let description = [{
    The transposed forward input (K x N) times `grad_out` (N x M), summing
    over the batch, gives K x M.

    Example:

    ```mlir
    %gw = kiln.dense_grad_weights %x, %g
        : (tensor<?x1152xf32>, tensor<?x128xf32>) -> tensor<1152x128xf32>
    ```
  }];
  let arguments = (ins Kiln_Tensor:$input, Kiln_Tensor:$grad_out);
  let results = (outs Kiln_Tensor:$grad_weights);
  let assemblyFormat = [{
    $input `,` $grad_out attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
  let builders = [
    OpBuilder<(ins KValue:$input, KValue:$grad_out), [{
      build($_builder, $_state,
            tensorTypeFor($_builder.getContext(),
                          ::kiln::shape::denseGradWeights(
                              shapeOf(input.getType()),
                              shapeOf(grad_out.getType()))),
            input, grad_out);
    }]>
  ];
}

def Kiln_BiasGradOp : Kiln_Op<"bias_grad", [Pure]> {
  let summary = "Gradient of bias_add with respect to the bias";
  let description = [{
    Sums `grad_out` over every axis but the innermost (channel) one, giving
    [C].

    Example:

    ```mlir
    %gb = kiln.bias_grad %g : tensor<?x26x26x32xf32> -> tensor<32xf32>
    ```
  }];
  let arguments = (ins Kiln_Tensor:$grad_out);
  let results = (outs Kiln_Tensor:$grad_bias);
  let assemblyFormat =
      "$grad_out attr-dict `:` type($grad_out) `->` type($grad_bias)";
  let hasVerifier = 1;
  let builders = [
    OpBuilder<(ins KValue:$grad_out), [{
      build($_builder, $_state,
            tensorTypeFor($_builder.getContext(),
                          ::kiln::shape::biasGrad(shapeOf(grad_out.getType()))),
            grad_out);
    }]>
  ];
}

//===----------------------------------------------------------------------===//
// Gradients of activations
//===----------------------------------------------------------------------===//

def Kiln_ReluGradOp
    : Kiln_ActivationGradOp<"relu_grad", "input", [Kiln_Positionwise]> {
  let summary = "Gradient of relu: grad_out where input > 0, else 0";
  let description = [{
    `grad_in = grad_out * (input > 0)`, from the forward input (the
    derivative at 0 is taken as 0, as TensorFlow does).

    Example:

    ```mlir
    %gx = kiln.relu_grad %g, %x : tensor<?x128xf32>
    ```
  }];
}

def Kiln_GeluGradOp
    : Kiln_ActivationGradOp<"gelu_grad", "input", [Kiln_Positionwise]> {
  let summary = "Gradient of the exact gelu";
  let description = [{
    `grad_in = grad_out * (Phi(x) + x * phi(x))` with Phi the standard
    normal CDF and phi its density, from the forward input x.

    Example:

    ```mlir
    %gx = kiln.gelu_grad %g, %x : tensor<?x448xf32>
    ```
  }];
}

def Kiln_SigmoidGradOp
    : Kiln_ActivationGradOp<"sigmoid_grad", "output", [Kiln_Positionwise]> {
  let summary = "Gradient of sigmoid from its output y: g * y * (1 - y)";
  let description = [{
    `output` is the forward result y, not its input.

    Example:

    ```mlir
    %gx = kiln.sigmoid_grad %g, %y : tensor<?x64xf32>
    ```
  }];
}

def Kiln_TanhGradOp
    : Kiln_ActivationGradOp<"tanh_grad", "output", [Kiln_Positionwise]> {
  let summary = "Gradient of tanh from its output y: g * (1 - y^2)";
  let description = [{
    `output` is the forward result y, not its input.

    Example:

    ```mlir
    %gx = kiln.tanh_grad %g, %y : tensor<?x64xf32>
    ```
  }];
}

def Kiln_SoftmaxGradOp : Kiln_ActivationGradOp<"softmax_grad", "output"> {
  let summary = "Gradient of softmax from its output y";
  let description = [{
    `grad_in = y * (g - sum_j(g * y))`, the sum taken along each row (the
    last axis) of the N x M values; `output` is the forward result y.

    Example:

    ```mlir
    %gx = kiln.softmax_grad %g, %p : tensor<?x10xf32>
    ```
  }];
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Gradients of pooling
//===----------------------------------------------------------------------===//

def Kiln_MaxPool2DGradOp : Kiln_MaxPoolGradOp<"max_pool2d_grad",
    (ins DenseI64ArrayAttr:$window, DenseI64ArrayAttr:$strides,
         DefaultValuedAttr<DenseI64ArrayAttr, "{0, 0, 0, 0}">:$padding),
    "inferPool2DGrad(getGradOut().getType(), getInput().getType(), "
    "getWindow(), getStrides(), getPadding())"> {
  let summary = "Gradient of max_pool2d";
  let description = [{
    Routes each element of `grad_out` to the first maximum of its window in
    the forward `input` (row-major scan), summing where windows overlap.
    Attributes are the forward op's.

    Example:

    ```mlir
    %gx = kiln.max_pool2d_grad %g, %x {window = array<i64: 2, 2>, strides = array<i64: 2, 2>}
        : tensor<?x13x13x32xf32>, tensor<?x26x26x32xf32>
    ```
  }];
}

def Kiln_MaxPool1DGradOp : Kiln_MaxPoolGradOp<"max_pool1d_grad",
    (ins I64Attr:$window, I64Attr:$stride,
         DefaultValuedAttr<DenseI64ArrayAttr, "{0, 0}">:$padding),
    "inferPool1DGrad(getGradOut().getType(), getInput().getType(), "
    "getWindow(), getStride(), getPadding())"> {
  let summary = "Gradient of max_pool1d";
  let description = [{
    Routes each element of `grad_out` to the first maximum of its window in
    the forward `input`, summing where windows overlap.

    Example:

    ```mlir
    %gx = kiln.max_pool1d_grad %g, %x {window = 2 : i64, stride = 2 : i64}
        : tensor<?x13x236xf32>, tensor<?x27x236xf32>
    ```
  }];
}

def Kiln_AvgPool2DGradOp : Kiln_Op<"avg_pool2d_grad", [Pure]> {
  let summary = "Gradient of avg_pool2d";
  let description = [{
    Spreads each element of `grad_out` evenly over the in-bounds elements of
    its window, summing where windows overlap. Needs only the input's
    spatial extents, `input_hw`; the other attributes are the forward op's.

    Example:

    ```mlir
    %gx = kiln.avg_pool2d_grad %g {window = array<i64: 3, 3>, strides = array<i64: 1, 1>,
                                  padding = array<i64: 1, 1, 1, 1>,
                                  input_hw = array<i64: 28, 28>}
        : tensor<?x28x28x32xf32> -> tensor<?x28x28x32xf32>
    ```
  }];
  let arguments = (ins
    Kiln_Tensor:$grad_out,
    DenseI64ArrayAttr:$window,
    DenseI64ArrayAttr:$strides,
    DefaultValuedAttr<DenseI64ArrayAttr, "{0, 0, 0, 0}">:$padding,
    DenseI64ArrayAttr:$input_hw
  );
  let results = (outs Kiln_Tensor:$grad_in);
  let assemblyFormat =
      "$grad_out attr-dict `:` type($grad_out) `->` type($grad_in)";
  let hasVerifier = 1;
  let builders = [
    OpBuilder<(ins KValue:$grad_out, KI64s:$window, KI64s:$strides,
                   KI64s:$padding, KI64s:$input_hw), [{
      build($_builder, $_state,
            tensorTypeFor($_builder.getContext(),
                          inferShape(grad_out.getType(), window, strides,
                                     padding, input_hw)),
            grad_out, window, strides, padding, input_hw);
    }]>
  ];
  let extraClassDeclaration = [{
    /// The gradient's shape by pool2dGradFromExtents, or the rule's message.
    static shape::ShapeResult inferShape(::mlir::Type gradOut,
                                         ::llvm::ArrayRef<int64_t> window,
                                         ::llvm::ArrayRef<int64_t> strides,
                                         ::llvm::ArrayRef<int64_t> padding,
                                         ::llvm::ArrayRef<int64_t> inputHW);
  }];
}

def Kiln_AvgPool1DGradOp : Kiln_Op<"avg_pool1d_grad", [Pure]> {
  let summary = "Gradient of avg_pool1d";
  let description = [{
    Spreads each element of `grad_out` evenly over the in-bounds elements of
    its window; `input_w` is the forward input's width.

    Example:

    ```mlir
    %gx = kiln.avg_pool1d_grad %g {window = 2 : i64, stride = 2 : i64,
                                  padding = array<i64: 0, 1>, input_w = 27 : i64}
        : tensor<?x14x236xf32> -> tensor<?x27x236xf32>
    ```
  }];
  let arguments = (ins
    Kiln_Tensor:$grad_out,
    I64Attr:$window,
    I64Attr:$stride,
    DefaultValuedAttr<DenseI64ArrayAttr, "{0, 0}">:$padding,
    I64Attr:$input_w
  );
  let results = (outs Kiln_Tensor:$grad_in);
  let assemblyFormat =
      "$grad_out attr-dict `:` type($grad_out) `->` type($grad_in)";
  let hasVerifier = 1;
  let builders = [
    OpBuilder<(ins KValue:$grad_out, "int64_t":$window, "int64_t":$stride,
                   KI64s:$padding, "int64_t":$input_w), [{
      build($_builder, $_state,
            tensorTypeFor($_builder.getContext(),
                          inferShape(grad_out.getType(), window, stride,
                                     padding, input_w)),
            grad_out, window, stride, padding, input_w);
    }]>
  ];
  let extraClassDeclaration = [{
    /// The gradient's shape by pool1dGradFromExtents, or the rule's message.
    static shape::ShapeResult inferShape(::mlir::Type gradOut, int64_t window,
                                         int64_t stride,
                                         ::llvm::ArrayRef<int64_t> padding,
                                         int64_t inputW);
  }];
}

def Kiln_GlobalAvgPoolGradOp : Kiln_Op<"global_avg_pool_grad", [Pure]> {
  let summary = "Gradient of global_avg_pool";
  let description = [{
    Spreads `grad_out[n, c]` evenly over the spatial positions of channel c:
    each element of the result is `grad_out[n, c] / (H * W)`. `input_shape`
    is the forward input's non-batch extents (H, W, C or W, C).

    Example:

    ```mlir
    %gx = kiln.global_avg_pool_grad %g {input_shape = array<i64: 4, 4, 64>}
        : tensor<?x64xf32> -> tensor<?x4x4x64xf32>
    ```
  }];
  let arguments = (ins Kiln_Tensor:$grad_out, DenseI64ArrayAttr:$input_shape);
  let results = (outs Kiln_Tensor:$grad_in);
  let assemblyFormat =
      "$grad_out attr-dict `:` type($grad_out) `->` type($grad_in)";
  let hasVerifier = 1;
  let builders = [
    OpBuilder<(ins KValue:$grad_out, KI64s:$input_shape), [{
      build($_builder, $_state,
            tensorTypeFor($_builder.getContext(),
                          ::kiln::shape::globalPoolGrad(
                              shapeOf(grad_out.getType()),
                              ::kiln::shape::Dims(input_shape.begin(),
                                                  input_shape.end()))),
            grad_out, input_shape);
    }]>
  ];
}

//===----------------------------------------------------------------------===//
// Gradients of normalization and the loss
//===----------------------------------------------------------------------===//

def Kiln_BatchNormTrainGradOp : Kiln_Op<"batch_norm_train_grad", [
    Pure, AllTypesMatch<["grad_out", "input", "grad_in"]>,
    AllTypesMatch<["gamma", "batch_mean", "batch_var", "grad_gamma",
                   "grad_beta"]>]> {
  let summary = "Gradient of batch_norm_train";
  let description = [{
    With `xhat = (input - batch_mean) / sqrt(batch_var + epsilon)` per
    channel and M the number of elements per channel (batch and spatial):

    - `grad_beta = sum(grad_out)`
    - `grad_gamma = sum(grad_out * xhat)`
    - `grad_in = gamma / sqrt(batch_var + epsilon) / M *
      (M * grad_out - grad_beta - xhat * grad_gamma)`

    the sums taken over all but the channel axis. The statistics are the
    forward op's results, so the gradient also flows through them.

    Example:

    ```mlir
    %gx, %ggamma, %gbeta = kiln.batch_norm_train_grad %g, %x, %gamma, %mean, %var
        {epsilon = 1.0e-03 : f32} : tensor<?x13x13x32xf32>, tensor<32xf32>
    ```
  }];
  let arguments = (ins Kiln_Tensor:$grad_out, Kiln_Tensor:$input,
                       Kiln_Tensor:$gamma, Kiln_Tensor:$batch_mean,
                       Kiln_Tensor:$batch_var, F32Attr:$epsilon);
  let results = (outs Kiln_Tensor:$grad_in, Kiln_Tensor:$grad_gamma,
                      Kiln_Tensor:$grad_beta);
  let assemblyFormat = [{
    $grad_out `,` $input `,` $gamma `,` $batch_mean `,` $batch_var attr-dict
    `:` type($input) `,` type($gamma)
  }];
  let hasVerifier = 1;
  let builders = [
    OpBuilder<(ins KValue:$grad_out, KValue:$input, KValue:$gamma,
                   KValue:$batch_mean, KValue:$batch_var,
                   "float":$epsilon), [{
      build($_builder, $_state, input.getType(), gamma.getType(),
            gamma.getType(), grad_out, input, gamma, batch_mean, batch_var,
            $_builder.getF32FloatAttr(epsilon));
    }]>
  ];
}

def Kiln_SoftmaxCrossEntropyGradOp
    : Kiln_Op<"softmax_cross_entropy_grad", [Pure, SameOperandsAndResultType]> {
  let summary = "Gradient of softmax_cross_entropy with respect to the logits";
  let description = [{
    `grad_logits = (softmax(logits) - labels) / N`: the gradient of the
    batch-mean loss, N being the run-time batch size.

    Example:

    ```mlir
    %g = kiln.softmax_cross_entropy_grad %logits, %labels : tensor<?x10xf32>
    ```
  }];
  let arguments = (ins Kiln_Tensor:$logits, Kiln_Tensor:$labels);
  let results = (outs Kiln_Tensor:$grad_logits);
  let assemblyFormat = "$logits `,` $labels attr-dict `:` type($grad_logits)";
  let hasVerifier = 1;
}

def Kiln_L2PenaltyGradOp : Kiln_PenaltyGradOp<"l2_penalty_grad"> {
  let summary = "Gradient of l2_penalty, 2 * scale * w";
  let description = [{
    Example:

    ```mlir
    %gw = kiln.l2_penalty_grad %w {scale = 1.000000e-03 : f32} : tensor<3x3x1x32xf32>
    ```
  }];
}

def Kiln_L1PenaltyGradOp : Kiln_PenaltyGradOp<"l1_penalty_grad"> {
  let summary = "Gradient of l1_penalty, scale * sign(w)";
  let description = [{
    `sign(0)` is 0, as TensorFlow's.

    Example:

    ```mlir
    %gw = kiln.l1_penalty_grad %w {scale = 1.000000e-03 : f32} : tensor<128x10xf32>
    ```
  }];
}

//===----------------------------------------------------------------------===//
// Optimizer updates (Keras semantics)
//===----------------------------------------------------------------------===//

def Kiln_SgdUpdateOp : Kiln_Op<"sgd_update", [
    Pure, AllTypesMatch<["param", "grad", "velocity", "new_param",
                         "new_velocity"]>]> {
  let summary = "One step of SGD with momentum (Keras' SGD)";
  let description = [{
    `new_velocity = momentum * velocity - lr * grad`;
    `new_param = param + new_velocity`, or with `nesterov`,
    `new_param = param + momentum * new_velocity - lr * grad`.
    With momentum 0 this is plain SGD. `lr` is an f32 value, so schedules
    can change it between steps.

    Example:

    ```mlir
    %p2, %v2 = kiln.sgd_update %p, %g, %v, %lr {momentum = 0.9 : f32, nesterov = true}
        : tensor<3x3x1x32xf32>
    ```
  }];
  let arguments = (ins Kiln_Tensor:$param, Kiln_Tensor:$grad,
                       Kiln_Tensor:$velocity, F32:$lr, F32Attr:$momentum,
                       DefaultValuedAttr<BoolAttr, "false">:$nesterov);
  let results = (outs Kiln_Tensor:$new_param, Kiln_Tensor:$new_velocity);
  let assemblyFormat = [{
    $param `,` $grad `,` $velocity `,` $lr attr-dict `:` type($param)
  }];
  let hasVerifier = 1;
  let builders = [
    OpBuilder<(ins KValue:$param, KValue:$grad, KValue:$velocity,
                   KValue:$lr, "float":$momentum, "bool":$nesterov), [{
      build($_builder, $_state, param.getType(), param.getType(), param, grad,
            velocity, lr, $_builder.getF32FloatAttr(momentum),
            $_builder.getBoolAttr(nesterov));
    }]>
  ];
}

def Kiln_AdamUpdateOp : Kiln_Op<"adam_update", [
    Pure, AllTypesMatch<["param", "grad", "m", "v", "new_param", "new_m",
                         "new_v"]>]> {
  let summary = "One step of Adam (Keras 2's Adam)";
  let description = [{
    With t = `step` (i64, counting from 1):

    - `new_m = beta1 * m + (1 - beta1) * grad`
    - `new_v = beta2 * v + (1 - beta2) * grad^2`
    - `lr_t = lr * sqrt(1 - beta2^t) / (1 - beta1^t)`
    - `new_param = param - lr_t * new_m / (sqrt(new_v) + epsilon)`

    Keras' defaults are beta1 0.9, beta2 0.999, epsilon 1e-7.

    Example:

    ```mlir
    %p2, %m2, %v2 = kiln.adam_update %p, %g, %m, %v, %lr, %step
        {beta1 = 0.9 : f32, beta2 = 0.999 : f32, epsilon = 1.0e-07 : f32}
        : tensor<3x3x1x32xf32>
    ```
  }];
  let arguments = (ins Kiln_Tensor:$param, Kiln_Tensor:$grad,
                       Kiln_Tensor:$m, Kiln_Tensor:$v, F32:$lr, I64:$step,
                       F32Attr:$beta1, F32Attr:$beta2, F32Attr:$epsilon);
  let results = (outs Kiln_Tensor:$new_param, Kiln_Tensor:$new_m,
                      Kiln_Tensor:$new_v);
  let assemblyFormat = [{
    $param `,` $grad `,` $m `,` $v `,` $lr `,` $step attr-dict `:` type($param)
  }];
  let hasVerifier = 1;
  let builders = [
    OpBuilder<(ins KValue:$param, KValue:$grad, KValue:$m, KValue:$v,
                   KValue:$lr, KValue:$step, "float":$beta1, "float":$beta2,
                   "float":$epsilon), [{
      build($_builder, $_state, param.getType(), param.getType(),
            param.getType(), param, grad, m, v, lr, step,
            $_builder.getF32FloatAttr(beta1), $_builder.getF32FloatAttr(beta2),
            $_builder.getF32FloatAttr(epsilon));
    }]>
  ];
}

def Kiln_RmsPropUpdateOp : Kiln_Op<"rmsprop_update", [
    Pure, AllTypesMatch<["param", "grad", "ms", "new_param", "new_ms"]>]> {
  let summary = "One step of RMSprop (Keras' RMSprop, no momentum)";
  let description = [{
    - `new_ms = rho * ms + (1 - rho) * grad^2`
    - `new_param = param - lr * grad / (sqrt(new_ms) + epsilon)`

    Keras' defaults are rho 0.9, epsilon 1e-7.

    Example:

    ```mlir
    %p2, %ms2 = kiln.rmsprop_update %p, %g, %ms, %lr {rho = 0.9 : f32, epsilon = 1.0e-07 : f32}
        : tensor<128x10xf32>
    ```
  }];
  let arguments = (ins Kiln_Tensor:$param, Kiln_Tensor:$grad,
                       Kiln_Tensor:$ms, F32:$lr, F32Attr:$rho,
                       F32Attr:$epsilon);
  let results = (outs Kiln_Tensor:$new_param, Kiln_Tensor:$new_ms);
  let assemblyFormat = [{
    $param `,` $grad `,` $ms `,` $lr attr-dict `:` type($param)
  }];
  let hasVerifier = 1;
  let builders = [
    OpBuilder<(ins KValue:$param, KValue:$grad, KValue:$ms, KValue:$lr,
                   "float":$rho, "float":$epsilon), [{
      build($_builder, $_state, param.getType(), param.getType(), param, grad,
            ms, lr, $_builder.getF32FloatAttr(rho),
            $_builder.getF32FloatAttr(epsilon));
    }]>
  ];
}

//===----------------------------------------------------------------------===//
// Inference preparation
//===----------------------------------------------------------------------===//

def Kiln_FoldScaleOp : Kiln_Op<"fold_scale", [
    Pure, Kiln_Positionwise, AllTypesMatch<["input", "output"]>,
    AllTypesMatch<["gamma", "variance"]>]> {
  let summary = "Scales output channels by a BatchNorm's gamma / sqrt(var + eps)";
  let description = [{
    `output[..., c] = input[..., c] * gamma[c] / sqrt(variance[c] + epsilon)`
    for a channels-innermost `input`. `kiln-prepare-inference` folds a
    `kiln.batch_norm_infer` into the conv2d/conv1d/dense before it by
    scaling that layer's weights with this op (the output channel is the
    innermost axis of HWIO, WIO and K x M weights) and passing its bias
    through `kiln.batch_norm_infer`. Because parameters are function
    arguments, the fold runs at run time on the checkpoint's values.

    Example:

    ```mlir
    %w2 = kiln.fold_scale %w, %gamma, %var {epsilon = 1.0e-03 : f32}
        : tensor<3x3x1x32xf32>, tensor<32xf32>
    ```
  }];
  let arguments = (ins Kiln_Tensor:$input, Kiln_Tensor:$gamma,
                       Kiln_Tensor:$variance, F32Attr:$epsilon);
  let results = (outs Kiln_Tensor:$output);
  let assemblyFormat = [{
    $input `,` $gamma `,` $variance attr-dict `:` type($input) `,` type($gamma)
  }];
  let hasVerifier = 1;
  let builders = [
    OpBuilder<(ins KValue:$input, KValue:$gamma, KValue:$variance,
                   "float":$epsilon), [{
      build($_builder, $_state, input.getType(), input, gamma, variance,
            $_builder.getF32FloatAttr(epsilon));
    }]>
  ];
}

include "kiln/IR/KilnStructure.td"

#endif // KILN_IR_KILNOPS_TD

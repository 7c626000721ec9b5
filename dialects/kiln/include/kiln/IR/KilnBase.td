//===- KilnBase.td - Kiln dialect definition ---------------*- tablegen -*-===//
//
// The kiln dialect: tensor-level operations of convolutional networks with
// value semantics and NHWC layout, as the frontend emits them and as the
// training-step, fusion and codegen passes consume them.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_IR_KILNBASE_TD
#define KILN_IR_KILNBASE_TD

include "mlir/IR/OpBase.td"

def Kiln_Dialect : Dialect {
  let name = "kiln";
  let summary = "Tensor operations of convolutional networks";
  let description = [{
    The `kiln` dialect describes a convolutional network as a function on
    ranked `f32` tensors with value semantics. Images are NHWC (channels
    innermost, as in Keras and Halide's conv_layer app); 2-D filters are HWIO
    (Keras' kernel layout); the batch is the only extent that may be dynamic.
    Every op's shape rule lives in `kiln/Shape/ShapeRules.h`, shared with the
    frontend, and result types are inferred from it.

    Layouts: 2-D values are NHWC and 1-D values NWC (batch first, channels
    innermost); conv2d filters are KH x KW x Cin x Cout, conv1d filters
    K x Cin x Cout, dense weights in x out. Padding is always explicit
    (Keras' 'same' is resolved by the frontend with
    `kiln::shape::samePadding`).

    Scalars: the learning rate `lr` is an `f32` value and the training step
    `step` an `i64` value (counting from 1), so both can change between
    steps without recompiling; losses and metrics are rank-0 `tensor<f32>`.

    The ops come in four groups: the forward layers (convolution, dense,
    activations, pooling, normalization, dropout and shape manipulation),
    losses and metrics, the gradient of each forward op that needs its own
    (`*_grad*`; dropout, flatten/reshape, add, zero_pad and concat reuse
    `kiln.mul`, `kiln.reshape`, identity and `kiln.slice`), and the
    optimizer updates (SGD, Adam, RMSprop with Keras' semantics).

    From C++, every op is built without spelling its result types, e.g.
    `b.create<kiln::Conv2DOp>(loc, x, w, strides, dilations, padding)`; a
    builder given inconsistent operands still builds, and the verifier then
    reports the shape rule's message.
  }];
  let cppNamespace = "::kiln";
}

/// Base class of every kiln op.
class Kiln_Op<string mnemonic, list<Trait> traits = []>
    : Op<Kiln_Dialect, mnemonic, traits>;

/// A ranked float32 tensor, the value type of every kiln op.
/// Each result element is computed from the operands' elements at its own
/// position (per-channel vectors, read at its channel, aside), so any box
/// of the result needs only the same box of its full-rank operands: passes
/// and the codegen cut, tile and fuse such ops freely.
def Kiln_Positionwise : NativeOpTrait<"Positionwise"> {
  let cppNamespace = "::kiln";
}

def Kiln_Tensor : RankedTensorOf<[F32]>;

/// A loss or metric: a rank-0 float32 tensor. Buildable, so ops returning it
/// need not spell the type.
def Kiln_Scalar : 0DTensorOf<[F32]> {
  let builderCall = "::mlir::RankedTensorType::get({}, $_builder.getF32Type())";
}

#endif // KILN_IR_KILNBASE_TD

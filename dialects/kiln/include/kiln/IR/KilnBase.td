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
  }];
  let cppNamespace = "::kiln";
}

/// Base class of every kiln op.
class Kiln_Op<string mnemonic, list<Trait> traits = []>
    : Op<Kiln_Dialect, mnemonic, traits>;

/// A ranked float32 tensor, the value type of every kiln op.
def Kiln_Tensor : RankedTensorOf<[F32]>;

/// A loss or metric: a rank-0 float32 tensor. Buildable, so ops returning it
/// need not spell the type.
def Kiln_Scalar : 0DTensorOf<[F32]> {
  let builderCall = "::mlir::RankedTensorType::get({}, $_builder.getF32Type())";
}

#endif // KILN_IR_KILNBASE_TD

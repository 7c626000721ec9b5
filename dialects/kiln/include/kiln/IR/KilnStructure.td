//===- KilnStructure.td - Kiln kernel regions --------------*- tablegen -*-===//
//
// The structural ops `kiln-fuse` produces: `kiln.kernel`, an isolated region
// that becomes one Halide pipeline, and its terminator `kiln.yield`.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_IR_KILNSTRUCTURE_TD
#define KILN_IR_KILNSTRUCTURE_TD

include "kiln/IR/KilnBase.td"
include "mlir/Interfaces/SideEffectInterfaces.td"

def Kiln_KernelOp : Kiln_Op<"kernel", [
    IsolatedFromAbove, SingleBlock, RecursiveMemoryEffects]> {
  let summary = "A fused group of ops, compiled as one Halide pipeline";
  let description = [{
    The body is a single block whose arguments are the kernel's `inputs`,
    one for one and of the same types: tensors, and the `f32` learning rate
    or `i64` step where the body uses them. The body cannot see values
    defined outside it (it is isolated from above), so everything a kernel
    reads is an operand and everything it writes is a result, given by the
    terminating `kiln.yield`. This is what makes each kernel one Halide
    pipeline with explicit input and output buffers.

    `name` identifies the kernel in the plan and in profiles. `schedule`,
    when set, is the schedule's text form that codegen applies, e.g.
    `"v16 t2x7 u1 stage rf16 pr gpu32x4"` or `"auto:Adams2019"`; a separate
    pass assigns it. `kiln-plan-memory` adds `kiln.offsets`.

    Example:

    ```mlir
    %y = kiln.kernel "k0_conv2d" (%x, %w, %b) {schedule = "auto:Adams2019"}
        : (tensor<?x28x28x1xf32>, tensor<3x3x1x32xf32>, tensor<32xf32>)
          -> tensor<?x26x26x32xf32> {
    ^bb0(%bx: tensor<?x28x28x1xf32>, %bw: tensor<3x3x1x32xf32>, %bb: tensor<32xf32>):
      %c = kiln.conv2d %bx, %bw : (tensor<?x28x28x1xf32>, tensor<3x3x1x32xf32>) -> tensor<?x26x26x32xf32>
      %s = kiln.bias_add %c, %bb : tensor<?x26x26x32xf32>, tensor<32xf32>
      %r = kiln.relu %s : tensor<?x26x26x32xf32>
      kiln.yield %r : tensor<?x26x26x32xf32>
    }
    ```
  }];

  let arguments = (ins
    Variadic<AnyTypeOf<[Kiln_Tensor, F32, I64]>>:$inputs,
    OptionalAttr<StrAttr>:$name,
    OptionalAttr<StrAttr>:$schedule
  );
  let results = (outs Variadic<Kiln_Tensor>:$results);
  let regions = (region SizedRegion<1>:$body);

  let assemblyFormat = [{
    ($name^)? `(` $inputs `)` attr-dict `:` functional-type($inputs, $results)
    $body
  }];
  let hasRegionVerifier = 1;

  let builders = [
    OpBuilder<(ins "::mlir::TypeRange":$resultTypes,
                   "::mlir::ValueRange":$inputs, "::llvm::StringRef":$name), [{
      $_state.addOperands(inputs);
      $_state.addTypes(resultTypes);
      if (!name.empty())
        $_state.addAttribute(getNameAttrName($_state.name),
                             $_builder.getStringAttr(name));
      ::mlir::Region *body = $_state.addRegion();
      ::mlir::Block *block = new ::mlir::Block();
      for (::mlir::Value input : inputs)
        block->addArgument(input.getType(), input.getLoc());
      body->push_back(block);
    }]>
  ];
  let extraClassDeclaration = [{
    /// The body's single block.
    ::mlir::Block &getBodyBlock() { return getBody().front(); }
  }];
}

def Kiln_YieldOp : Kiln_Op<"yield", [
    Pure, Terminator, HasParent<"KernelOp">]> {
  let summary = "Returns a kernel's results";
  let description = [{
    Terminates the body of `kiln.kernel`; its operands become the kernel's
    results, in order and of the same types.

    Example:

    ```mlir
    kiln.yield %r, %s : tensor<?x26x26x32xf32>, tensor<?x26x26x32xf32>
    ```
  }];
  let arguments = (ins Variadic<Kiln_Tensor>:$values);
  let assemblyFormat = "($values^ `:` type($values))? attr-dict";
}

#endif // KILN_IR_KILNSTRUCTURE_TD

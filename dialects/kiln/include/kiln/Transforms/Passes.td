//===- Passes.td - Kiln dialect passes ---------------------*- tablegen -*-===//
//
// Every kiln pass is declared here with a `kiln-` flag and its options as pass
// options (no cl::opt). kiln-opt registers all of them.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_TRANSFORMS_PASSES_TD
#define KILN_TRANSFORMS_PASSES_TD

include "mlir/Pass/PassBase.td"

def KilnTrimExtents : Pass<"kiln-trim-extents", "::mlir::ModuleOp"> {
  let summary = "Stops @forward computing the spatial tails nothing reads";
  let description = [{
    A pooling or convolution whose windows end before its input does (the
    floor in 'valid' output extents: a 2-wide pooling of 27 steps reads 26)
    leaves a tail of steps, rows or columns that nothing reads. Walking
    `@forward` backwards, every value gets the prefix of each spatial axis
    its users read: the whole value for a function result and for any op
    that is not a window op or elementwise (dense, flatten, BatchNorm's batch
    statistics, dropout, whose masks are drawn per element index). Window
    ops (`conv2d`, `conv1d`, the poolings) and elementwise ops with
    per-channel operands (activations, `bias_add`, `batch_norm_infer`,
    `add`, `mul`) are rebuilt on the prefix of their input, with their
    trailing padding dropped where the input was cut, so they compute only
    elements that are read. An argument (the image) is cut by a
    `kiln.slice`; what other ops produce stays whole, since a cut there
    would cost a copy, and a zero pad of its gradient in the train step.
    `add` and `mul` cut an operand to the other's extents where they differ.

    Every element still computed has its old value, and gradients through
    the tail were zero, so the result is the same network. Run before
    `kiln-build-train-step` and `kiln-prepare-inference`: both inherit the
    smaller extents. Report 002 Model 1 (28 steps, three k=2 convolutions,
    each pooled by 2) computes 22, 10 and 4 steps of its 27, 12 and 5.
  }];
  let dependentDialects = ["::kiln::KilnDialect", "::mlir::func::FuncDialect"];
}

def KilnBuildTrainStep : Pass<"kiln-build-train-step", "::mlir::ModuleOp"> {
  let summary = "Builds @train_step from @forward: loss, autodiff, optimizer";
  let description = [{
    Adds `@train_step` next to `@forward` (which is kept):

    ```
    func.func @train_step(%input {role input}, %labels {role labels},
                          %step: i64 {role step}, %seed: i64 {role seed},
                          %lr: f32 {role lr}, params..., state..., slots...)
        -> (loss, correct, new params..., new state..., new slots...)
    ```

    `%seed` is there when @forward has a seed argument (MLIRGen always
    writes one): dropout's masks are a function of it at run time.

    The body is @forward's (all its values stay available as saved
    activations), then the loss (`kiln.softmax_cross_entropy` of the logits
    and the labels plus `kiln.l2_penalty` / `kiln.l1_penalty` of every
    parameter carrying `kiln.l2` / `kiln.l1`, as Keras adds regularizers to
    the loss), `kiln.correct_count`, the reverse-mode derivative of every op
    on a path from a parameter to the loss (one derivative rule per op; a
    value used more than once sums its gradients with `kiln.add`; the ReLU
    gradient's mask comes from the ReLU's output, which has the input's
    sign, so the pre-activation need not be kept), and one
    optimizer update per parameter as `kiln.training` says (adam, sgd or
    rmsprop). Slots are per parameter in parameter order: Adam `m`, `v`;
    SGD `momentum`; RMSprop `rms`; each is named `<param name>/<slot>`.
    The BatchNorm moving averages @forward returns become the new state.
  }];
  let dependentDialects = ["::kiln::KilnDialect", "::mlir::func::FuncDialect"];
}

def KilnPrepareInference : Pass<"kiln-prepare-inference", "::mlir::ModuleOp"> {
  let summary = "Builds @infer from @forward: no dropout, BatchNorm folded";
  let description = [{
    Adds `@infer(%input, params..., state...) -> probabilities` next to
    `@forward`: dropout becomes the identity, `kiln.batch_norm_train`
    becomes `kiln.batch_norm_infer` with the moving statistics (the state
    its `kiln.moving_average` updates), and a `batch_norm_infer` whose input
    is `bias_add(conv2d|conv1d|dense)` used only there is folded into that
    layer: the weights are scaled with `kiln.fold_scale` and the bias passed
    through `kiln.batch_norm_infer`. The fold reads the parameters, which are
    arguments, so it runs in every inference call (on [C] vectors and the
    weights, small next to the layer; kiln-fuse puts it into the layer's
    kernel). Arguments nothing reads any
    more (the step, the seed, folded-away state) are dropped; their `kiln.name`
    attributes identify the rest. `kiln.softmax` is appended when @forward
    has `kiln.output_activation = "softmax"`.
  }];
  let dependentDialects = ["::kiln::KilnDialect", "::mlir::func::FuncDialect"];
}

def KilnFuse : Pass<"kiln-fuse", "::mlir::ModuleOp"> {
  let summary = "Groups the ops of @train_step and @infer into kiln.kernel ops";
  let description = [{
    Every kiln op of `@train_step` and `@infer` except `kiln.flatten` and
    `kiln.reshape` (views of their operand's memory) ends up in exactly one
    `kiln.kernel`. Each kernel is seeded by one op that is not elementwise: a
    heavy reduction (conv2d/conv1d/dense or one of their gradients; at most
    one per kernel), a pooling, another reduction (bias_grad, BatchNorm,
    softmax, losses, pooling gradients) or an optimizer update (so one kernel
    per parameter). Seeds are taken in program order, each first growing by
    the elementwise consumers of its values (bias_add, activations,
    batch_norm_infer, dropout, the activation gradient or dropout-mask
    product after a gradient op, a gradient sum and penalty gradient after a
    weight gradient); a heavy kernel may also take one pooling after its
    elementwise chain. Then each kernel takes the elementwise producers of
    its operands (e.g. fold_scale of the weights in @infer, an activation
    gradient feeding bias_grad). Elementwise ops left over
    form chains of their own. A fusion is refused when it would make the
    kernels depend on each other in a cycle. Values used outside their kernel
    become its results. With `report`, each refused fusion is a remark at
    the refused op.
  }];
  let options = [
    Option<"report", "report", "bool", /*default=*/"false",
           "Emit a remark for every fusion that was refused, and why">
  ];
  let dependentDialects = ["::kiln::KilnDialect"];
}

def KilnPlanMemory : Pass<"kiln-plan-memory", "::mlir::ModuleOp"> {
  let summary = "Places every kernel result of @train_step and @infer in one arena";
  let description = [{
    For each fused function, computes the live range of every kernel result
    (flatten/reshape results alias their operand and extend its range) and
    places the buffers in one arena, largest first, each at the lowest
    aligned offset free for its whole live range. Results the function
    returns (new parameters, state, slots, the loss, the probabilities) live
    outside the arena and get offset -1. Annotates each kernel with
    `kiln.offsets` (array<i64>, one byte offset per result) and the function
    with `kiln.arena_bytes` and `kiln.batch`. The plan holds for every batch
    up to `batch`. The pass then checks that no two buffers live at the same
    time overlap, and fails if they do; with `check-only` it checks the
    annotations already present instead of planning.
  }];
  let options = [
    Option<"batch", "batch", "int64_t", /*default=*/"0",
           "Batch size to plan for (0: kiln.training's batch_size)">,
    Option<"alignment", "alignment", "int64_t",
           /*default=*/"::kiln::rt::kBufferAlignment",
           "Byte alignment of every buffer in the arena">,
    Option<"report", "report", "bool", /*default=*/"false",
           "Emit a remark with the arena's size and the sum of all buffers">,
    Option<"checkOnly", "check-only", "bool", /*default=*/"false",
           "Only check the existing kiln.offsets annotations for overlaps">
  ];
  let dependentDialects = ["::kiln::KilnDialect"];
}

#endif // KILN_TRANSFORMS_PASSES_TD

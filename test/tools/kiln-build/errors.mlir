// RUN: split-file %s %t
// RUN: not kiln-build %t/no-name.mlir -o %t/out 2>&1 | FileCheck %s --check-prefix=NAME
// RUN: not kiln-build %t/good.mlir -o %t/out --target vax-vms 2>&1 | FileCheck %s --check-prefix=TARGET
// RUN: not kiln-build %t/good.mlir -o %t/out --target x86-64-windows 2>&1 | FileCheck %s --check-prefix=OS
// RUN: not kiln-build %t/good.mlir -o %t/out --schedule fastest 2>&1 | FileCheck %s --check-prefix=SCHEDULE
// RUN: not kiln-build %t/init.mlir -o %t/out 2>&1 | FileCheck %s --check-prefix=INIT
// RUN: not kiln-build %t/init-args.mlir -o %t/out 2>&1 | FileCheck %s --check-prefix=INITARGS
// RUN: not kiln-build %t/monitor.mlir -o %t/out 2>&1 | FileCheck %s --check-prefix=MONITOR
// RUN: not kiln-build %t/augmentation.mlir -o %t/out 2>&1 | FileCheck %s --check-prefix=AUGDICT
// RUN: not kiln-build %t/select.mlir -o %t/out 2>&1 | FileCheck %s --check-prefix=SELECT
// RUN: not kiln-build %t/no-forward.mlir -o %t/out 2>&1 | FileCheck %s --check-prefix=FORWARD
// RUN: not kiln-build %t/good.mlir -o /proc/kiln 2>&1 | FileCheck %s --check-prefix=OUTDIR

// Tests that a module without kiln.model is refused (it names the files).
// NAME: no-name.mlir:{{[0-9]+}}:{{[0-9]+}}: error: the module needs a kiln.model name

// Tests that unknown and unlinkable targets and schedules are refused.
// TARGET: error: unknown target 'vax-vms' (use host, x86-avx2, x86-avx512, arm64, x86-cuda, arm64-cuda, x86-opencl or a Halide target string)
// OS: error: only Linux targets can be linked
// SCHEDULE: error: invalid --schedule 'fastest':

// Tests that the plan's names are checked with the runtime's own parsers,
// so kiln-build refuses what the executables could not run.
// INIT: error: persistent tensor 'dense/kernel' has unknown initialiser 'glorot_unifrom'
// INITARGS: error: persistent tensor 'dense/kernel': unknown variance_scaling mode 'fan_sum'
// MONITOR: error: kiln.training: early stopping cannot monitor 'val_f1'

// Tests that a set-up of the wrong form is refused rather than ignored.
// AUGDICT: error: kiln.training: augmentation must be a dictionary
// SELECT: error: kiln.training: select_labels must list integers

// Tests that a module without @forward fails in the first pass.
// FORWARD: error: kiln-build-train-step: the module has no function @forward

// Tests that an output directory that cannot be created is reported.
// OUTDIR: error: cannot create /proc/kiln/tiny.build:

//--- good.mlir
module attributes {kiln.model = "tiny", kiln.classes = ["a", "b"],
  kiln.training = {loss = "categorical_crossentropy", optimizer = "adam", lr = 1.0e-3 : f32,
                   beta1 = 0.9 : f32, beta2 = 0.999 : f32, epsilon = 1.0e-7 : f32, batch_size = 4 : i64}} {
  func.func @forward(%input: tensor<?x4x4x1xf32> {kiln.role = "input"}, %step: i64 {kiln.role = "step"},
                     %w: tensor<16x2xf32> {kiln.role = "param", kiln.name = "dense/kernel", kiln.init = "glorot_uniform"})
      -> (tensor<?x2xf32> {kiln.role = "logits"}) attributes {kiln.output_activation = "softmax"} {
    %f = kiln.flatten %input : tensor<?x4x4x1xf32> -> tensor<?x16xf32>
    %y = kiln.dense %f, %w : (tensor<?x16xf32>, tensor<16x2xf32>) -> tensor<?x2xf32>
    return %y : tensor<?x2xf32>
  }
}

//--- no-name.mlir
module attributes {kiln.classes = ["a", "b"]} {
}

//--- init.mlir
module attributes {kiln.model = "tiny", kiln.classes = ["a", "b"],
  kiln.training = {loss = "categorical_crossentropy", optimizer = "adam", lr = 1.0e-3 : f32,
                   beta1 = 0.9 : f32, beta2 = 0.999 : f32, epsilon = 1.0e-7 : f32, batch_size = 4 : i64}} {
  func.func @forward(%input: tensor<?x4x4x1xf32> {kiln.role = "input"}, %step: i64 {kiln.role = "step"},
                     %w: tensor<16x2xf32> {kiln.role = "param", kiln.name = "dense/kernel", kiln.init = "glorot_unifrom"})
      -> (tensor<?x2xf32> {kiln.role = "logits"}) attributes {kiln.output_activation = "softmax"} {
    %f = kiln.flatten %input : tensor<?x4x4x1xf32> -> tensor<?x16xf32>
    %y = kiln.dense %f, %w : (tensor<?x16xf32>, tensor<16x2xf32>) -> tensor<?x2xf32>
    return %y : tensor<?x2xf32>
  }
}

//--- monitor.mlir
module attributes {kiln.model = "tiny", kiln.classes = ["a", "b"],
  kiln.training = {loss = "categorical_crossentropy", optimizer = "adam", lr = 1.0e-3 : f32,
                   beta1 = 0.9 : f32, beta2 = 0.999 : f32, epsilon = 1.0e-7 : f32, batch_size = 4 : i64,
                   early_stopping = {monitor = "val_f1", patience = 2 : i64}}} {
  func.func @forward(%input: tensor<?x4x4x1xf32> {kiln.role = "input"}, %step: i64 {kiln.role = "step"},
                     %w: tensor<16x2xf32> {kiln.role = "param", kiln.name = "dense/kernel", kiln.init = "glorot_uniform"})
      -> (tensor<?x2xf32> {kiln.role = "logits"}) attributes {kiln.output_activation = "softmax"} {
    %f = kiln.flatten %input : tensor<?x4x4x1xf32> -> tensor<?x16xf32>
    %y = kiln.dense %f, %w : (tensor<?x16xf32>, tensor<16x2xf32>) -> tensor<?x2xf32>
    return %y : tensor<?x2xf32>
  }
}

//--- augmentation.mlir
module attributes {kiln.model = "tiny", kiln.classes = ["a", "b"],
  kiln.training = {loss = "categorical_crossentropy", optimizer = "adam", lr = 1.0e-3 : f32,
                   beta1 = 0.9 : f32, beta2 = 0.999 : f32, epsilon = 1.0e-7 : f32, batch_size = 4 : i64,
                   augmentation = 3 : i64}} {
  func.func @forward(%input: tensor<?x4x4x1xf32> {kiln.role = "input"}, %step: i64 {kiln.role = "step"},
                     %w: tensor<16x2xf32> {kiln.role = "param", kiln.name = "dense/kernel", kiln.init = "glorot_uniform"})
      -> (tensor<?x2xf32> {kiln.role = "logits"}) attributes {kiln.output_activation = "softmax"} {
    %f = kiln.flatten %input : tensor<?x4x4x1xf32> -> tensor<?x16xf32>
    %y = kiln.dense %f, %w : (tensor<?x16xf32>, tensor<16x2xf32>) -> tensor<?x2xf32>
    return %y : tensor<?x2xf32>
  }
}

//--- select.mlir
module attributes {kiln.model = "tiny", kiln.classes = ["a", "b"],
  kiln.training = {loss = "categorical_crossentropy", optimizer = "adam", lr = 1.0e-3 : f32,
                   beta1 = 0.9 : f32, beta2 = 0.999 : f32, epsilon = 1.0e-7 : f32, batch_size = 4 : i64,
                   data = {select_labels = ["a", "b"]}}} {
  func.func @forward(%input: tensor<?x4x4x1xf32> {kiln.role = "input"}, %step: i64 {kiln.role = "step"},
                     %w: tensor<16x2xf32> {kiln.role = "param", kiln.name = "dense/kernel", kiln.init = "glorot_uniform"})
      -> (tensor<?x2xf32> {kiln.role = "logits"}) attributes {kiln.output_activation = "softmax"} {
    %f = kiln.flatten %input : tensor<?x4x4x1xf32> -> tensor<?x16xf32>
    %y = kiln.dense %f, %w : (tensor<?x16xf32>, tensor<16x2xf32>) -> tensor<?x2xf32>
    return %y : tensor<?x2xf32>
  }
}

//--- init-args.mlir
module attributes {kiln.model = "tiny", kiln.classes = ["a", "b"],
  kiln.training = {loss = "categorical_crossentropy", optimizer = "adam", lr = 1.0e-3 : f32,
                   beta1 = 0.9 : f32, beta2 = 0.999 : f32, epsilon = 1.0e-7 : f32, batch_size = 4 : i64}} {
  func.func @forward(%input: tensor<?x4x4x1xf32> {kiln.role = "input"}, %step: i64 {kiln.role = "step"},
                     %w: tensor<16x2xf32> {kiln.role = "param", kiln.name = "dense/kernel", kiln.init = "variance_scaling", kiln.init_args = {kind = "variance_scaling", scale = 1.0, mode = "fan_sum", distribution = "uniform"}})
      -> (tensor<?x2xf32> {kiln.role = "logits"}) attributes {kiln.output_activation = "softmax"} {
    %f = kiln.flatten %input : tensor<?x4x4x1xf32> -> tensor<?x16xf32>
    %y = kiln.dense %f, %w : (tensor<?x16xf32>, tensor<16x2xf32>) -> tensor<?x2xf32>
    return %y : tensor<?x2xf32>
  }
}

//--- no-forward.mlir
module attributes {kiln.model = "tiny", kiln.classes = ["a", "b"]} {
}

// kiln-ref's errors: each names the file (and the op's location when an op
// fails) and what is wrong, and the exit code is 1.

// Tests that an unknown function lists the module's functions.
// RUN: not kiln-ref %s --func=nope --random-seed=1 2>&1 | FileCheck %s --check-prefix=NOFUNC
// NOFUNC: kiln-ref: error: {{.*}}errors.mlir: no function @nope in the module (it has @add, @scalars, @unsupported)

// Tests that every argument needs an --input.
// RUN: not kiln-ref %s --func=add --input=2x3:1,2,3,4,5,6 2>&1 | FileCheck %s --check-prefix=COUNT
// COUNT: errors.mlir: @add takes 2 arguments; give one --input for each (got 1) or --random-seed

// Tests that an input must fit the argument's type.
// RUN: not kiln-ref %s --func=add --input=2x4:1,2,3,4,5,6,7,8 --input=2x3:1,2,3,4,5,6 2>&1 \
// RUN:   | FileCheck %s --check-prefix=SHAPE
// SHAPE: errors.mlir: --input=2x4:1,2,3,4,5,6,7,8 for @add argument #0 (lhs): expects tensor<?x3xf32>, got tensor<2x4xf32>

// Tests that a failing op is reported at its location with the reference's
// message (the batches differ, which the verifier cannot see).
// RUN: not kiln-ref %s --func=add --input=2x3:1,2,3,4,5,6 --input=3x3:1,2,3,4,5,6,7,8,9 2>&1 \
// RUN:   | FileCheck %s --check-prefix=OP
// OP: {{^}}{{.*}}errors.mlir:[[# @LINE + 3]]:8: error: kiln.add: lhs and rhs: shapes 2x3 and 3x3 do not match
func.func @add(%lhs: tensor<?x3xf32> {kiln.name = "lhs"}, %rhs: tensor<?x3xf32>)
    -> tensor<?x3xf32> {
  %y = kiln.add %lhs, %rhs : tensor<?x3xf32>
  return %y : tensor<?x3xf32>
}

// Tests that malformed inline tensors, files that are not KLNT, missing
// files and malformed scalars are refused.
// RUN: not kiln-ref %s --func=add --input=2x3:1,2,3 --input=3x3:1,2,3,4,5,6,7,8,9 2>&1 \
// RUN:   | FileCheck %s --check-prefix=VALUES
// VALUES: --input=2x3:1,2,3 for @add argument #0 (lhs): shape '2x3' needs 6 values, got 3
// RUN: not kiln-ref %s --func=add --input=%s --input=3x3:1,2,3,4,5,6,7,8,9 2>&1 \
// RUN:   | FileCheck %s --check-prefix=MAGIC
// MAGIC: errors.mlir: not a KLNT tensor file (it must start with the bytes "KLNT")
// RUN: not kiln-ref %s --func=add --input=%t.missing --input=3x3:1,2,3,4,5,6,7,8,9 2>&1 \
// RUN:   | FileCheck %s --check-prefix=MISSING
// MISSING: .missing: cannot open: No such file or directory
// RUN: not kiln-ref %s --func=scalars --input=abc --input=1 2>&1 | FileCheck %s --check-prefix=F32
// F32: --input=abc for @scalars argument #0: 'abc' is not a number
// RUN: not kiln-ref %s --func=scalars --input=0.5 --input=1.5 2>&1 | FileCheck %s --check-prefix=I64
// I64: --input=1.5 for @scalars argument #1: '1.5' is not an integer
func.func @scalars(%lr: f32, %step: i64) -> (f32, i64) {
  return %lr, %step : f32, i64
}

// Tests that an op the interpreter does not run is reported at its location.
// RUN: not kiln-ref %s --func=unsupported --input=0.5 2>&1 | FileCheck %s --check-prefix=UNKNOWNOP
// UNKNOWNOP: errors.mlir:[[# @LINE + 2]]:8: error: arith.addf: unsupported op
func.func @unsupported(%lr: f32) -> f32 {
  %y = arith.addf %lr, %lr : f32
  return %y : f32
}

// Tests the option checks, a module that does not parse and an output file
// that cannot be written.
// RUN: not kiln-ref %s --func=add --random-seed=1 --input=1 2>&1 | FileCheck %s --check-prefix=BOTH
// BOTH: give either --input or --random-seed, not both
// RUN: not kiln-ref %s --func=add --random-seed=1 --type=f16 2>&1 | FileCheck %s --check-prefix=TYPE
// TYPE: kiln-ref: error: --type must be f32 or f64, got 'f16'
// RUN: not kiln-ref %s --func=add --random-seed=1 --batch=0 2>&1 | FileCheck %s --check-prefix=BATCH
// BATCH: the batch must be at least 1, got 0
// RUN: echo 'func.func @f(' > %t.broken.mlir
// RUN: not kiln-ref %t.broken.mlir --func=f --random-seed=1 2>&1 | FileCheck %s --check-prefix=PARSE
// PARSE: broken.mlir:1:14: error: expected non-function type
// RUN: not kiln-ref %s --func=add --random-seed=1 --output-prefix=%t.nodir/out 2>&1 \
// RUN:   | FileCheck %s --check-prefix=WRITE --implicit-check-not=result
// WRITE: nodir/out0.bin: cannot create: No such file or directory

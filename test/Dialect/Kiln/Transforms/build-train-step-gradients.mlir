// The train step kiln-build-train-step derives for report 000's network,
// run on the reference interpreter: the gradient each Adam update applies
// must match central differences of the step's loss.

// Tests that every parameter's gradient matches in double precision, and
// that float gradients match double-precision differences.
// RUN: kiln-opt %S/Inputs/report000.mlir --kiln-build-train-step \
// RUN:   | kiln-ref - --func=train_step --random-seed=1 --batch=2 --type=f64 \
// RUN:     --check-gradients --max-checked=10 | FileCheck %s --check-prefix=DOUBLE
// RUN: kiln-opt %S/Inputs/report000.mlir --kiln-build-train-step \
// RUN:   | kiln-ref - --func=train_step --random-seed=3 --batch=2 --fd-type=f64 \
// RUN:     --check-gradients --max-checked=10 | FileCheck %s --check-prefix=FLOAT
// DOUBLE-COUNT-12: gradient {{.*}}: ok
// DOUBLE: tolerance 1e-06: all gradients match
// FLOAT-COUNT-12: gradient {{.*}}: ok
// FLOAT: tolerance 0.001: all gradients match

// The train steps kiln-build-train-step derives for report networks,
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

// Tests the same for report 002 Model 5 as kilnc derives it from the model
// file (three convs with dropout fixed by the seed, two dense layers).
// RUN: kilnc %kiln_src/models/report002-model5.kiln --emit=train-mlir \
// RUN:   | kiln-ref - --func=train_step --random-seed=2 --batch=2 --type=f64 \
// RUN:     --check-gradients --max-checked=5 | FileCheck %s --check-prefix=M5
// RUN: kilnc %kiln_src/models/report002-model5.kiln --emit=train-mlir \
// RUN:   | kiln-ref - --func=train_step --random-seed=2 --batch=2 --fd-type=f64 \
// RUN:     --check-gradients --max-checked=5 | FileCheck %s --check-prefix=M5FLOAT
// M5-COUNT-10: gradient {{.*}}: ok
// M5: tolerance 1e-06: all gradients match
// M5FLOAT-COUNT-10: gradient {{.*}}: ok
// M5FLOAT: tolerance 0.001: all gradients match

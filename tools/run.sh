#!/usr/bin/env bash
# The main job from a fresh clone: installs what is missing, builds kilnc,
# compiles a model (default: report 002's Model 5) into its train and infer
# executables, trains it on the full Fashion-MNIST from Debian's package,
# then evaluates the checkpoint on the test set with the infer executable
# (accuracy, per-class report, confusion matrix).
#
#   tools/run.sh [models/NET.kiln] [extra NET-train options...]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${KILN_BUILD_DIR:-$root/build}
model=${1:-$root/models/report002-model5.kiln}
shift || true
name=$(basename "$model" .kiln)
out=${KILN_OUT_DIR:-$root/out/$name}

"$root/tools/setup.sh"
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$build" --target kilnc
mkdir -p "$out"
"$build/bin/kilnc" "$model" -o "$out"
"$out/$name-train" --checkpoint "$out/$name.kckpt" --no-test "$@"
"$out/$name-infer" --checkpoint "$out/$name.kckpt"

#!/usr/bin/env bash
# The main job from a fresh clone: installs what is missing, builds kilnc,
# compiles a model (default: report 002's Model 5) into its train and infer
# executables, trains it on the full Fashion-MNIST from Debian's package,
# then evaluates the checkpoint on the test set with the infer executable
# (accuracy, per-class report, confusion matrix).
#
#   tools/run.sh [models/NET.kiln] [extra NET-train options...]
#
# Without a model file (no argument, or options only) report 002's Model 5.
#
# KILN_OUT_DIR: where the executables and checkpoint go (default out/NET).
# KILN_KILNC: a kilnc to use instead of installing and building one (tests).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${KILN_BUILD_DIR:-$root/build}
model=$root/models/report002-model5.kiln
if [[ $# -gt 0 && $1 != -* ]]; then
  model=$1
  shift
fi
out=${KILN_OUT_DIR:-$root/out/$(basename "$model" .kiln)}

kilnc=${KILN_KILNC:-}
if [[ -z $kilnc ]]; then
  "$root/tools/setup.sh"
  cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
  cmake --build "$build" --target kilnc
  kilnc=$build/bin/kilnc
fi
mkdir -p "$out"
"$kilnc" "$model" -o "$out"
# The executables take the model's name in the file (report002_model5),
# not the file's (report002-model5).
name=$("$kilnc" "$model" --emit=json |
  python3 -c 'import json, sys; print(json.load(sys.stdin)["name"])')
echo "Training $out/$name-train, then evaluating with $out/$name-infer"
"$out/$name-train" --checkpoint "$out/$name.kckpt" --no-test "$@"
"$out/$name-infer" --checkpoint "$out/$name.kckpt"

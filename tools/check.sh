#!/usr/bin/env bash
# The whole test suite from a fresh clone: installs what is missing, configures
# with Ninja and ccache, builds, and runs every test (lit and unit) with CTest.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${KILN_BUILD_DIR:-$root/build}
jobs=${KILN_JOBS:-$(nproc)}
# Paths under the clone are hashed relative to it, so ccache hits carry over
# between fresh clones (CI builds a new one every run).
export CCACHE_BASEDIR=${CCACHE_BASEDIR:-$root}

"$root/tools/setup.sh"
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release
cmake --build "$build" -j "$jobs"
ctest --test-dir "$build" --output-on-failure -j "$jobs"

#!/usr/bin/env bash
# Installs every Debian package Kiln needs, idempotently: the package lists are
# refreshed once and only missing packages are installed. Run as root (or with
# sudo available) on a fresh Debian 12 machine.
#   tools/setup.sh           what building and testing Kiln needs
#   tools/setup.sh --bench   ... and what tools/bench needs (the PyTorch peer,
#                            plots); the test suite does not need these
set -euo pipefail

packages=(
  # Compiler: MLIR/LLVM 19, Halide 14, FlatBuffers, build tools.
  llvm-19-dev libmlir-19-dev mlir-19-tools llvm-19-tools
  libhalide14-0-dev flatbuffers-compiler libflatbuffers-dev
  cmake ninja-build ccache g++
  # Style: the test suite checks every C++ file against .clang-format with
  # the clang-format of our LLVM.
  clang-format-19
  # Runtime: compressed data, PNG images; unit tests.
  zlib1g-dev libpng-dev libgtest-dev
  # Fuzzing the parser (clang's libFuzzer matching LLVM 19).
  clang-19 libclang-rt-19-dev
  # Data: the real Fashion-MNIST.
  dataset-fashion-mnist
  # ARM cross builds run under qemu; GPU schedules run on OpenCL via PoCL.
  g++-aarch64-linux-gnu qemu-user pocl-opencl-icd ocl-icd-opencl-dev
)
if [ "${1:-}" = "--bench" ]; then
  # tools/bench: PyTorch 1.13 as the peer, matplotlib for the plots.
  packages+=(python3-torch python3-numpy python3-matplotlib)
fi

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q '^install ok installed$'; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "setup: all ${#packages[@]} packages present"
  exit 0
fi

SUDO=
if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; fi
echo "setup: installing ${missing[*]}"
$SUDO apt-get update -q
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"

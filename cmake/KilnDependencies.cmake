# Locates Kiln's dependencies, all from Debian's packages. See
# docs/architecture.md for why each is found the way it is.

# --- MLIR / LLVM 19 -----------------------------------------------------------
# Debian's MLIR package rejects a version request of "19", so none is given.
set(KILN_LLVM_PREFIX /usr/lib/llvm-19 CACHE PATH "LLVM/MLIR 19 install prefix")
find_package(MLIR REQUIRED CONFIG PATHS ${KILN_LLVM_PREFIX}/lib/cmake/mlir
             NO_DEFAULT_PATH)
message(STATUS "Using MLIRConfig.cmake in: ${MLIR_DIR}")
message(STATUS "Using LLVMConfig.cmake in: ${LLVM_DIR}")

# add_lit_testsuite only uses an external lit when this cache variable exists
# before AddLLVM is included; otherwise it looks for a bin/llvm-lit that Debian
# does not ship.
set(LLVM_EXTERNAL_LIT ${KILN_LLVM_PREFIX}/build/utils/lit/lit.py
    CACHE STRING "lit driver")

list(APPEND CMAKE_MODULE_PATH ${MLIR_CMAKE_DIR} ${LLVM_CMAKE_DIR})
# LLVM's tablegen() writes its depfile relative to the top build directory, as
# CMP0116's OLD behaviour expects (LLVM and MLIR's standalone example set it
# too); with NEW, Ninja finds no matching target in the depfile and reruns
# every TableGen step on each build. A function keeps the policies in effect
# where it is defined, so this must precede include(TableGen).
if(POLICY CMP0116)
  cmake_policy(SET CMP0116 OLD)
endif()
include(TableGen)
include(AddLLVM)
include(AddMLIR)
include(HandleLLVMOptions)

include_directories(SYSTEM ${LLVM_INCLUDE_DIRS} ${MLIR_INCLUDE_DIRS})
link_directories(${LLVM_BUILD_LIBRARY_DIR})
add_definitions(${LLVM_DEFINITIONS})

# --- Halide 14 ----------------------------------------------------------------
# Not find_package(Halide): its config loads LLVM 14's CMake package and breaks
# MLIR 19's include paths. libHalide14 hides its LLVM 14 behind versioned
# symbols, so it shares a process with LLVM 19.
find_library(KILN_HALIDE_LIBRARY NAMES libHalide14.so.0 Halide
             PATHS /usr/lib/x86_64-linux-gnu NO_DEFAULT_PATH REQUIRED)
find_path(KILN_HALIDE_INCLUDE_DIR Halide.h PATHS /usr/include/halide14
          NO_DEFAULT_PATH REQUIRED)
add_library(Kiln::Halide SHARED IMPORTED GLOBAL)
set_target_properties(Kiln::Halide PROPERTIES
  IMPORTED_LOCATION ${KILN_HALIDE_LIBRARY}
  INTERFACE_INCLUDE_DIRECTORIES ${KILN_HALIDE_INCLUDE_DIR})
set(KILN_HALIDE_PLUGIN_DIR /usr/lib/x86_64-linux-gnu/halide14
    CACHE PATH "Halide autoscheduler plugins")

# --- FlatBuffers, zlib, libpng, GoogleTest --------------------------------------
find_program(KILN_FLATC flatc REQUIRED)
find_path(KILN_FLATBUFFERS_INCLUDE_DIR flatbuffers/flatbuffers.h REQUIRED)
find_package(ZLIB REQUIRED)
find_package(PNG REQUIRED)
find_package(GTest REQUIRED)

# Python for lit.
find_package(Python3 REQUIRED COMPONENTS Interpreter)

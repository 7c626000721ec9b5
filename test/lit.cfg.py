# -*- Python -*-
# lit configuration of Kiln's test suite; the tree under test/ mirrors the
# source tree.

import os

import lit.formats
from lit.llvm import llvm_config
from lit.llvm.subst import ToolSubst

config.name = "KILN"
config.test_format = lit.formats.ShTest(not llvm_config.use_lit_shell)
config.suffixes = [".mlir", ".kiln", ".test"]
config.test_source_root = os.path.dirname(__file__)
config.test_exec_root = os.path.join(config.kiln_obj_root, "test")
config.excludes = ["CMakeLists.txt", "README.md", "lit.cfg.py",
                   "lit.site.cfg.py", "Inputs", "unit"]

config.substitutions.append(("%PATH%", config.environment["PATH"]))
config.substitutions.append(("%kiln_src", config.kiln_src_root))

llvm_config.use_default_substitutions()
llvm_config.with_environment("PATH", config.llvm_tools_dir, append_path=True)

tool_dirs = [config.kiln_tools_dir, config.llvm_tools_dir]
tools = ["kiln-opt", "kilnc", "kiln-ref", "kiln-build", "kiln-tune", "kiln-bench"]
llvm_config.add_tool_substitutions(tools, tool_dirs)

# End-to-end tests: the helper script, and what this machine can run beyond
# x86 (arm-64 executables under qemu, OpenCL kernels on PoCL).
import shutil
config.substitutions.append(
    ("%e2e", config.python_executable + " " +
     os.path.join(config.test_source_root, "e2e", "e2e.py")))
if config.kiln_aarch64_runtime and shutil.which("qemu-aarch64"):
    config.available_features.add("aarch64")
if any(os.path.exists(p) for p in ("/etc/OpenCL/vendors/pocl.icd",)):
    config.available_features.add("opencl")
if os.path.isdir("/usr/share/datasets/fashion-mnist"):
    config.available_features.add("fashion-mnist")

# tools/bench's PyTorch peer runs on Debian's python3-torch, which only
# /usr/bin/python3 sees (train-all's plots need python3-matplotlib); without
# them those tests are reported unsupported.
import subprocess
config.substitutions.append(("%system_python", "/usr/bin/python3"))
for module in ("torch", "matplotlib"):
    try:
        if subprocess.run(["/usr/bin/python3", "-c", "import " + module],
                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                          timeout=120).returncode == 0:
            config.available_features.add(module)
    except (OSError, subprocess.TimeoutExpired):
        pass

# The optional Keras peer: tensorflow-cpu in the virtual environment
# tools/bench/README.md describes.
tf_python = os.path.expanduser("~/.cache/kiln-bench-tf/bin/python")
config.substitutions.append(("%tf_python", tf_python))
try:
    if os.access(tf_python, os.X_OK) and subprocess.run(
            [tf_python, "-c", "import tensorflow"], stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL, timeout=120).returncode == 0:
        config.available_features.add("tensorflow")
        # Keras' image transforms (tf_peer.py's augmented copies) need SciPy.
        if subprocess.run([tf_python, "-c", "import scipy"],
                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                          timeout=120).returncode == 0:
            config.available_features.add("tensorflow-scipy")
except (OSError, subprocess.TimeoutExpired):
    pass

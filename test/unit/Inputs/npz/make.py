"""Writes the .npz fixtures of NpzTest.cpp with NumPy itself (run once with
any Python that has NumPy; the files are committed): Kiln's reader is
checked against what numpy.savez and numpy.savez_compressed really write."""
import numpy as np

kernel = np.arange(6, dtype=np.float32).reshape(2, 3) / 4 - 0.5
bias = np.array([1.5, -2.25, 3e-8], dtype=np.float32)
scalar = np.float32(7.0)
np.savez("savez.npz", **{"conv2d/kernel": kernel, "dense/bias": bias,
                         "scalar": scalar})
np.savez_compressed("savez_compressed_f8.npz",
                    **{"conv2d/kernel": kernel.astype(np.float64),
                       "dense/bias": bias.astype(np.float64),
                       "scalar": np.float64(scalar)})
np.savez("int32.npz", steps=np.arange(4, dtype=np.int32))
np.savez("fortran.npz", w=np.asfortranarray(kernel))

"""Creation kernels."""
import numpy as np

from .kernel import cpu_kernel


@cpu_kernel("ZerosLike")
def zeros_like(x, dtype):
    return np.zeros(x.shape, dtype.as_numpy_dtype)


@cpu_kernel("OnesLike")
def ones_like(x, dtype):
    return np.ones(x.shape, dtype.as_numpy_dtype)

"""Reduction kernels."""
import numpy as np

from .kernel import cpu_kernel


@cpu_kernel("Sum")
def sum_(x, axes, keepdims):
    return np.sum(x, axis=axes, keepdims=keepdims, dtype=x.dtype)

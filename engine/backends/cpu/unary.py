"""Elementwise unary kernels."""
import numpy as np

from .kernel import cpu_kernel


@cpu_kernel("Conj")
def conj(x):
    return np.conj(x)

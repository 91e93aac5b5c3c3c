"""Kernels the runtime itself relies on."""
from .kernel import cpu_kernel


@cpu_kernel("Identity")
def identity(x):
    return x

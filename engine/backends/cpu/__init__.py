"""The numpy backend: the reference implementation of every kernel."""
from ...runtime import register_backend
from .backend import CpuBackend
from . import (  # noqa: F401  (importing a family registers its kernels)
    core, unary, binary, reduction, shape, indexing, creation, random, linalg, nn, conv, image, signal, training,
)

register_backend("cpu", CpuBackend, priority=0)

"""Gradient functions, one module per op family, keyed by kernel name."""
from .registry import register_gradient, not_differentiable, get_gradient  # noqa: F401
from . import (  # noqa: F401  (importing a family registers its gradients)
    core, unary, binary, reduction, shape, indexing, creation, random, linalg, nn, conv, image, signal, training,
)

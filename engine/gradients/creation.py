"""Creation kernels carry no gradient."""
from .registry import not_differentiable

not_differentiable("ZerosLike", "OnesLike")

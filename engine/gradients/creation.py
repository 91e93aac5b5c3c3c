"""Creation kernels carry no gradient (N-D linspace is composed of differentiable ops)."""
from .registry import not_differentiable

not_differentiable("ZerosLike", "OnesLike", "Fill", "Range", "LinSpace", "Eye")

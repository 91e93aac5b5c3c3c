"""Gradients of the unary kernels."""
from ..ops.unary import conj
from .registry import register_gradient


@register_gradient("Conj")
def _conj_grad(op, dy):
    return conj(dy)

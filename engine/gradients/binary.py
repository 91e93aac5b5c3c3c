"""Gradients of the binary kernels."""
from ..ops.binary import multiply
from ..ops.unary import conj
from .core import unbroadcast
from .registry import register_gradient


@register_gradient("Add")
def _add_grad(op, dy):
    x, y = op.inputs
    return unbroadcast(dy, x.shape), unbroadcast(dy, y.shape)


@register_gradient("Mul")
def _mul_grad(op, dy):
    x, y = op.inputs
    return unbroadcast(multiply(dy, conj(y)), x.shape), unbroadcast(multiply(conj(x), dy), y.shape)

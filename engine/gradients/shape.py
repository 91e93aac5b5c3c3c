"""Gradients of the shape kernels."""
from ..ops.shape import reshape
from .core import unbroadcast
from .registry import register_gradient


@register_gradient("Reshape")
def _reshape_grad(op, dy):
    return reshape(dy, op.inputs[0].shape)


@register_gradient("BroadcastTo")
def _broadcast_to_grad(op, dy):
    return unbroadcast(dy, op.inputs[0].shape)

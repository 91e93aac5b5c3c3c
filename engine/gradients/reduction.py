"""Gradients of the reduction kernels."""
from ..ops.shape import broadcast_to, reshape
from .registry import register_gradient


def expand_reduced(dy, op):
    """Reshape the gradient of a reduction to the input's rank (size 1 on reduced axes)."""
    x = op.inputs[0]
    if op.attrs["keepdims"]:
        return dy
    kept = [1 if i in op.attrs["axes"] else d for i, d in enumerate(x.shape)]
    return reshape(dy, kept)


@register_gradient("Sum")
def _sum_grad(op, dy):
    return broadcast_to(expand_reduced(dy, op), op.inputs[0].shape)

"""Gradients of the runtime's own kernels, and helpers every family uses."""
from ..ops.reduction import reduce_sum
from ..ops.shape import reshape
from .registry import register_gradient


@register_gradient("Identity")
def _identity_grad(op, dy):
    return dy


def unbroadcast(grad, shape):
    """Sum `grad` over the axes that broadcasting added or stretched, giving `shape`."""
    shape = tuple(shape)
    if tuple(grad.shape) == shape:
        return grad
    lead = len(grad.shape) - len(shape)
    axes = list(range(lead)) + [lead + i for i, d in enumerate(shape) if d == 1 and grad.shape[lead + i] != 1]
    if axes:
        grad = reduce_sum(grad, axis=axes)
    return reshape(grad, shape)

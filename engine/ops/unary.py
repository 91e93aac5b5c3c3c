"""Elementwise unary ops, activations, cast and clip."""
from .._export import tf_export
from ..runtime import run_kernel
from .convert import convert_to_tensor


@tf_export("math.conj")
def conj(x, name=None):
    """Complex conjugate; the identity for real tensors (so gradients can use it everywhere)."""
    x = convert_to_tensor(x)
    if not x.dtype.is_complex:
        return x
    return run_kernel("Conj", [x])

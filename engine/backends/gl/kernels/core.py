"""Kernels that only relabel data: no GPU work, the output shares the input's buffer."""
from ....tensor import Tensor
from ..kernel import gl_kernel


def alias(x, shape):
    """A tensor of `shape` over x's buffer (buffers are immutable, so sharing is safe)."""
    return Tensor(x.buffer, shape, x.dtype)


@gl_kernel("Identity")
def identity(backend, x):
    return alias(x, x.shape)

"""Shape kernels."""
from ..kernel import gl_kernel
from ..program import ProgramSpec
from .core import alias


@gl_kernel("Reshape")
def reshape(backend, x, shape):
    return alias(x, shape)


@gl_kernel("BroadcastTo")
def broadcast_to(backend, x, shape):
    return backend.program(ProgramSpec([x], shape, x.dtype, ("copy.glsl",)))

"""Creation kernels."""
from ..kernel import gl_kernel
from ..program import ProgramSpec


def filled(backend, shape, dtype, value):
    return backend.program(ProgramSpec([], shape, dtype, ("fill.glsl",), uniforms={"value": ("float", float(value))}))


@gl_kernel("ZerosLike")
def zeros_like(backend, x, dtype):
    return filled(backend, x.shape, dtype, 0.0)


@gl_kernel("OnesLike")
def ones_like(backend, x, dtype):
    return filled(backend, x.shape, dtype, 1.0)

"""Broadcasting binary kernels: one GLSL function each in gl_kernels/binary.glsl."""
from ....ops.convert import broadcast_shapes
from ..kernel import gl_kernel
from ..program import ProgramSpec


def binary(backend, x, y, function, out_dtype=None):
    shape = broadcast_shapes(x.shape, y.shape, function)
    return backend.program(ProgramSpec([x, y], shape, out_dtype or x.dtype, ("binary.glsl", "elementwise.glsl"),
                                       {"FN": function, "BINARY": 1}))


@gl_kernel("Add")
def add(backend, x, y):
    return binary(backend, x, y, "k_add")


@gl_kernel("Mul")
def mul(backend, x, y):
    return binary(backend, x, y, "k_mul")

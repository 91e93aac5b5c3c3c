"""Unary elementwise kernels: one GLSL function each in gl_kernels/unary.glsl."""
from ..kernel import gl_kernel
from ..program import ProgramSpec


def unary(backend, x, function, out_dtype=None):
    return backend.program(ProgramSpec([x], x.shape, out_dtype or x.dtype, ("unary.glsl", "elementwise.glsl"),
                                       {"FN": function}))


@gl_kernel("Exp")
def exp(backend, x):
    return unary(backend, x, "k_exp")

"""Reduction kernels over one contiguous block of axes (others are transposed into one first)."""
import math

from ..kernel import gl_kernel
from ..program import ProgramSpec


def reduce_block(backend, x, axes, keepdims, op, out_dtype=None):
    """Reduce x over `axes` with the REDUCE_* macros `op` from gl_kernels/reduce_ops.glsl."""
    shape = tuple(x.shape)
    kept_shape = tuple(1 if a in axes else d for a, d in enumerate(shape)) if keepdims else \
        tuple(d for a, d in enumerate(shape) if a not in axes)
    if not axes:
        return backend.program(ProgramSpec([x], kept_shape, out_dtype or x.dtype, ("copy.glsl",)))
    first, last = min(axes), max(axes)
    if last - first + 1 != len(axes):
        raise NotImplementedError("non-contiguous reduction axes")
    defines = {"REDUCE_SIZE": math.prod(shape[first:last + 1]), "INNER": math.prod(shape[last + 1:]), "OP_" + op: 1}
    return backend.program(ProgramSpec([x], kept_shape, out_dtype or x.dtype, ("reduce_ops.glsl", "reduce.glsl"),
                                       defines))


@gl_kernel("Sum")
def sum_(backend, x, axes, keepdims):
    return reduce_block(backend, x, axes, keepdims, "SUM")

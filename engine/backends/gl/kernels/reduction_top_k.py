"""Top-k along the last axis (gl_kernels/topk_order.glsl): indices first, then the values they point at."""

from ....dtypes import int32
from ..program import ProgramSpec, glsl_type

_LIBRARIES = ("reduce_values.glsl", "topk_order.glsl")


def top_k(backend, x, k):
    """(values, indices) of the k first elements of each row, greater values first, ties by lower index."""
    shape = tuple(x.shape)
    length = shape[-1]
    out_shape = shape[:-1] + (k,)
    defines = {"VALUE_T": glsl_type(x.dtype), "LENGTH": length, "K": k}
    # Per row, selection sweeps the row k(k+1)/2 times; ranking costs length^2 + k * length.
    if k * (k - 1) < 2 * length:
        indices = backend.program(ProgramSpec([x], out_shape, int32, _LIBRARIES, {**defines, "SELECT_PASS": 1}))
    else:
        ranks = backend.program(ProgramSpec([x], shape, int32, _LIBRARIES, {**defines, "RANK_PASS": 1}))
        indices = backend.program(ProgramSpec([ranks], out_shape, int32, _LIBRARIES, {**defines, "FROM_RANK_PASS": 1},
                                              input_names=("rank",)))
    values = backend.program(ProgramSpec([x, indices], out_shape, x.dtype, _LIBRARIES, {**defines, "GATHER_PASS": 1},
                                         input_names=("x", "index")))
    return values, indices

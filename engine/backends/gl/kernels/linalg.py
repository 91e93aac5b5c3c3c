"""Linear algebra kernels: the generic batched matrix product (gl_kernels/linalg_matmul.glsl).

The compute path overrides BatchMatMul for float32 with a tiled shader (matmul.py)
and delegates every other case here.
"""
from ....dtypes import complex64, float32, int32
from ..kernel import cpu_fallback, gl_kernel
from ..program import ProgramSpec, strides_of
from .reduction import glsl_int_array

cpu_fallback("SpectralNorm", "needs a singular value decomposition (an iterative, sequential algorithm)")


def _batch_strides(padded_batch, matrix_size):
    """Per output batch axis, how far this operand's data moves (0 along axes it broadcasts)."""
    return [0 if size == 1 else stride * matrix_size
            for size, stride in zip(padded_batch, strides_of(padded_batch))]


@gl_kernel("BatchMatMul")
def batch_matmul(backend, a, b, transpose_a=False, transpose_b=False):
    rows, depth = (a.shape[-1], a.shape[-2]) if transpose_a else (a.shape[-2], a.shape[-1])
    columns = b.shape[-2] if transpose_b else b.shape[-1]
    batch_a, batch_b = tuple(a.shape[:-2]), tuple(b.shape[:-2])
    rank = max(len(batch_a), len(batch_b))
    padded_a = (1,) * (rank - len(batch_a)) + batch_a
    padded_b = (1,) * (rank - len(batch_b)) + batch_b
    batch = tuple(max(p, q) if min(p, q) != 0 else 0 for p, q in zip(padded_a, padded_b))
    # Batch axes of size 1 in the output move neither operand: leave them out.
    axes = [d for d, size in enumerate(batch) if size != 1]
    sizes = [batch[d] for d in axes]
    a_strides = _batch_strides(padded_a, rows * depth)
    b_strides = _batch_strides(padded_b, depth * columns)
    defines = {"M": rows, "N": columns, "K": depth,
               "A_ROW": 1 if transpose_a else depth, "A_DEPTH": rows if transpose_a else 1,
               "B_DEPTH": 1 if transpose_b else columns, "B_COL": depth if transpose_b else 1,
               "BATCH_RANK": len(axes)}
    if axes:
        defines.update(BATCH_DIMS=glsl_int_array(sizes), BATCH_OUT_STRIDES=glsl_int_array(strides_of(sizes)),
                       A_BATCH_STRIDES=glsl_int_array([a_strides[d] for d in axes]),
                       B_BATCH_STRIDES=glsl_int_array([b_strides[d] for d in axes]))
    if a.dtype is complex64:
        defines["COMPLEX_DOT"] = 1
    else:
        defines["VEC4_T"] = "ivec4" if a.dtype is int32 else "vec4"
    if (backend.path == "fragment" and a.dtype is float32 and not transpose_a and not transpose_b
            and depth % 4 == 0 and columns % 4 == 0 and depth > 0):
        defines["COMPUTE_TEXEL"] = 1
    return backend.program(ProgramSpec([a, b], batch + (rows, columns), a.dtype, ("linalg_matmul.glsl",), defines))

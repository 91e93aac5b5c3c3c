"""The compute path's tiled float32 matrix product (gl_kernels/matmul_tiled.comp).

Other dtypes, and the fragment path, use the generic BatchMatMul of linalg.py.
"""
import math

from ....dtypes import float32
from ..kernel import gl_kernel, shared_kernel
from .. import program as programs
from ..program import ComputeSpec

TILE = 128
# Products whose 128-tile grid has fewer workgroups than this run on 32 x 32 tiles (see _tile).
FULL_GRID = 64


@gl_kernel("BatchMatMul", path="compute")
def batch_matmul(backend, a, b, transpose_a=False, transpose_b=False):
    # The tiled shader binds whole operands: types other than float32, and operands bigger
    # than one SSBO binding, take the generic kernel.
    too_big = max(a.size, b.size) > programs.PART_WORDS or a.size and b.size and \
        math.prod(_broadcast(tuple(a.shape[:-2]), tuple(b.shape[:-2]))) * a.shape[-2] * b.shape[-1] > programs.PART_WORDS
    if a.dtype is not float32 or too_big:
        return shared_kernel("BatchMatMul")(backend, a, b, transpose_a=transpose_a, transpose_b=transpose_b)
    m = a.shape[-1] if transpose_a else a.shape[-2]
    k = a.shape[-2] if transpose_a else a.shape[-1]
    n = b.shape[-2] if transpose_b else b.shape[-1]
    batch_a, batch_b = tuple(a.shape[:-2]), tuple(b.shape[:-2])
    batch = _broadcast(batch_a, batch_b)
    if batch_a != batch and math.prod(batch_a) != 1:
        a = backend.kernels["BroadcastTo"](backend, a, shape=batch + tuple(a.shape[-2:]))
    if batch_b != batch and math.prod(batch_b) != 1:
        b = backend.kernels["BroadcastTo"](backend, b, shape=batch + tuple(b.shape[-2:]))
    count = math.prod(batch)
    defines = {"M": m, "N": n, "K": k, "TRANSPOSE_A": int(bool(transpose_a)), "TRANSPOSE_B": int(bool(transpose_b)),
               "A_BATCH_STRIDE": m * k if math.prod(a.shape[:-2]) == count and count > 1 else 0,
               "B_BATCH_STRIDE": k * n if math.prod(b.shape[:-2]) == count and count > 1 else 0}
    rows_a, rows_b = (m if transpose_a else k), (k if transpose_b else n)
    # 128-bit loads need every operand row and output row to start on a 16-byte boundary.
    vector_loads = rows_a % 4 == 0 and rows_b % 4 == 0 and n % 4 == 0
    # llvmpipe runs small workgroups' barriers slowly (a 200x200 product: 60 ms with 32x32 tiles, 8 ms with 128).
    tile = TILE if backend.runtime.info["software"] else _tile(m, n, count)
    if tile == TILE and vector_loads:
        source = "matmul_tiled_vec4.comp"
    else:
        source = "matmul_tiled.comp"
        defines.update(BM=tile, BN=tile)
    groups = (-(-n // tile), -(-m // tile), count)
    return backend.program(ComputeSpec(source, [a, b], batch + (m, n), float32, groups, defines))


def _tile(m, n, count):
    """128 x 128 tiles, or 32 x 32 where a product is too small to give FULL_GRID workgroups of 128.

    On an H100 (2026-11-26, float32): n = 256 and 512 took 43 and 82 us with 32-tiles against 86 and
    120 us with 128-tiles; from n = 1024 on, 128-tiles win (206 us against 251 us; 4096: 4.45 against
    12.8 ms); 64-tiles were never the fastest.
    """
    return TILE if -(-m // TILE) * -(-n // TILE) * count >= FULL_GRID else 32


def _broadcast(a, b):
    rank = max(len(a), len(b))
    a, b = (1,) * (rank - len(a)) + a, (1,) * (rank - len(b)) + b
    return tuple(0 if 0 in (x, y) else max(x, y) for x, y in zip(a, b))   # numpy: 0 broadcasts with 1 to 0

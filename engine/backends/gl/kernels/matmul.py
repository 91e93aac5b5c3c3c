"""The compute path's tiled float32 matrix products (gl_kernels/matmul_tuned.comp, matmul_tiled_vec4.comp,
matmul_tiled.comp).

Other dtypes, and the fragment path, use the generic BatchMatMul of linalg.py.
"""
import math
from typing import NamedTuple

from ....dtypes import float32
from ..kernel import gl_kernel, shared_kernel
from .. import program as programs
from ..program import ComputeSpec

TILE = 128
# Products whose 128-tile grid has fewer workgroups than this run on 32 x 32 tiles (see _tile).
FULL_GRID = 64


class Tile(NamedTuple):
    """A tile of matmul_tuned.comp: a workgroup computes bm x bn of C in K-slices of bk, a thread tm x tn; with
    ksplit > 1 the workgroup is ksplit groups of threads that each multiply their share of every slice.

    wm x wn is the warp tile, the part of C that (wm / tm) * (wn / tn) consecutive threads (32: a warp) compute
    together, each thread's block made of sm x sn sub-blocks spread over it. wm or wn 0 stands for the tile's
    whole height or width: with both 0 and 4 x 4 sub-blocks, the tiles from before warp tiles."""
    bm: int
    bn: int
    bk: int
    tm: int
    tn: int
    ksplit: int = 1
    wm: int = 0
    wn: int = 0
    sm: int = 4
    sn: int = 4

    @property
    def threads(self):
        return self.ksplit * (self.bm // self.tm) * (self.bn // self.tn)

    def defines(self):
        return {"BM": self.bm, "BN": self.bn, "BK": self.bk, "TM": self.tm, "TN": self.tn, "KSPLIT": self.ksplit,
                "WM": self.wm or self.bm, "WN": self.wn or self.bn, "SM": self.sm, "SN": self.sn,
                "WG_SIZE": self.threads}

    def __str__(self):
        split = f"/k{self.ksplit}" if self.ksplit > 1 else ""
        warp = f"/w{self.wm}x{self.wn}" if self.wm or self.wn else ""
        sub_block = f"/s{self.sm}x{self.sn}" if (self.sm, self.sn) != (4, 4) else ""
        return f"{self.bm}x{self.bn}x{self.bk}/{self.tm}x{self.tn}{split}{warp}{sub_block}"


# On hardware GPUs a product the tuned shader can take runs on the first of these tiles whose grid has at
# least TUNED_GRID workgroups (about one per SM of the largest GPUs, so none idles); products too small for
# all of them keep the older shaders. The order follows bench/matmul_sweep.py on an H100 against cuBLAS
# (2026-11-27, 30 tiles, the shader's depth loop unrolled): 256x128x8/16x8 fastest at n = 2048 and 4096 (84%
# and 86%; 128 and 512 workgroups), 128x128x8/8x8 next (80-82%), 64x128x16/8x8/k2 fastest at n = 1024 (87%,
# 128 workgroups, where 128 x 128 tiles give 64 and 47%), then 64x64x16/8x4/k2 (82% there; 256 workgroups).
TUNED_TILES = (Tile(256, 128, 8, 16, 8), Tile(128, 128, 8, 8, 8), Tile(64, 128, 16, 8, 8, 2),
               Tile(64, 64, 16, 8, 4, 2))
TUNED_GRID = 128
# llvmpipe keeps the older shaders until a tile of the tuned shader is chosen for it (one ran 1.6-2.3x faster
# than matmul_tiled_vec4.comp there, n = 64-512).
# A Tile here sends every product the tuned shader can take to it, on any GL device: the tests and the sweep set it.
forced_tile = None


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
    software = backend.runtime.info["software"]
    tuned = vector_loads and (forced_tile or (None if software else _tuned_tile(m, n, count)))
    if tuned:
        defines.update(tuned.defines())
        groups = (-(-n // tuned.bn), -(-m // tuned.bm), count)
        return backend.program(ComputeSpec("matmul_tuned.comp", [a, b], batch + (m, n), float32, groups, defines))
    # llvmpipe runs small workgroups' barriers slowly (a 200x200 product: 60 ms with 32x32 tiles, 8 ms with 128).
    tile = TILE if software else _tile(m, n, count)
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


def _tuned_tile(m, n, count):
    """The first of TUNED_TILES whose grid fills the GPU (TUNED_GRID workgroups), or None."""
    return next((tile for tile in TUNED_TILES if -(-m // tile.bm) * -(-n // tile.bn) * count >= TUNED_GRID), None)


def _broadcast(a, b):
    rank = max(len(a), len(b))
    a, b = (1,) * (rank - len(a)) + a, (1,) * (rank - len(b)) + b
    return tuple(0 if 0 in (x, y) else max(x, y) for x, y in zip(a, b))   # numpy: 0 broadcasts with 1 to 0

"""Cumulative sums and products (gl_kernels/scan_blocked.glsl), blocked: reduce, scan the totals, then scan.

An axis longer than one block is cut into blocks; one pass combines each block,
the block totals are scanned (recursively, the same way), and a last pass scans
each block on top of its prefix. No thread loops over more than one block.
"""
import math

from ....dtypes import float16, float32
from ..program import ProgramSpec, glsl_type

BLOCK = 32   # positions each thread combines on its own

_LIBRARIES = ("reduce_values.glsl", "scan_blocked.glsl")


def scan(backend, x, axis, exclusive, reverse, op):
    """Cumulative OP_<op> ("SUM" or "PROD") of x along `axis`."""
    shape = tuple(x.shape)
    length = shape[axis]
    blocks = -(-length // BLOCK)
    defines = {"OP_" + op: 1, "VALUE_T": glsl_type(x.dtype), "LENGTH": length, "INNER": math.prod(shape[axis + 1:]),
               "BLOCK": BLOCK, "NBLOCKS": blocks, "EXCLUSIVE": int(bool(exclusive)), "REVERSE": int(bool(reverse))}
    inputs, names = [x], None
    if blocks > 1:
        # float16 totals stay float32 until the last pass rounds.
        totals = backend.program(ProgramSpec([x], shape[:axis] + (blocks,) + shape[axis + 1:],
                                             float32 if x.dtype is float16 else x.dtype, _LIBRARIES,
                                             {**defines, "TOTALS_PASS": 1}))
        inputs, names = [x, scan(backend, totals, axis, True, False, op)], ("x", "prefix")
        defines["HAS_PREFIX"] = 1
    return backend.program(ProgramSpec(inputs, shape, x.dtype, _LIBRARIES, {**defines, "SCAN_PASS": 1},
                                       input_names=names))

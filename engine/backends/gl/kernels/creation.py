"""Creation kernels: the data is generated on the GPU from shapes and uniforms, nothing is uploaded."""
import math

import numpy as np

from ....dtypes import bool_, complex64, float16, float32, int32
from ..kernel import gl_kernel
from ..program import ProgramSpec


def filled(backend, shape, dtype, value):
    """A tensor of `shape` whose every element is `value`."""
    if dtype is complex64:
        value = complex(value)
        return backend.program(ProgramSpec([], shape, dtype, ("fill.glsl",), {"FILL_COMPLEX": 1},
                                           {"value_re": ("float", value.real), "value_im": ("float", value.imag)}))
    if dtype is int32 or dtype is bool_:
        uniform = ("int", int(value))     # a float uniform would hold only 24 bits of an int32
    else:
        uniform = ("float", _rounded(value, dtype))
    return backend.program(ProgramSpec([], shape, dtype, ("fill.glsl",), uniforms={"value": uniform}))


@gl_kernel("Fill")
def fill(backend, *, shape, value, dtype):
    return filled(backend, shape, dtype, value)


@gl_kernel("ZerosLike")
def zeros_like(backend, x, dtype):
    return filled(backend, x.shape, dtype, 0)


@gl_kernel("OnesLike")
def ones_like(backend, x, dtype):
    return filled(backend, x.shape, dtype, 1)


@gl_kernel("Eye")
def eye(backend, *, num_rows, num_columns, batch_shape, dtype):
    defines = {"EYE_ROWS": num_rows, "EYE_COLUMNS": num_columns}
    if dtype is complex64:
        defines["OUT_COMPLEX"] = 1
    return backend.program(ProgramSpec([], batch_shape + (num_rows, num_columns), dtype, ("creation_eye.glsl",),
                                       defines))


@gl_kernel("Range")
def range_(backend, *, start, delta, size, dtype):
    if dtype.is_integer:
        return backend.program(ProgramSpec([], (size,), dtype, ("creation_sequence.glsl",), {"INTEGER_SEQUENCE": 1},
                                           {"start": ("int", _wrapped_int32(start)),
                                            "delta": ("int", _wrapped_int32(delta))}))
    return _sequence(backend, size, dtype, start, delta, None)


@gl_kernel("LinSpace")
def linspace(backend, *, start, stop, num, dtype):
    step = (stop - start) / max(num - 1, 1)    # in float64, as the cpu kernel
    return _sequence(backend, num, dtype, start, step, stop if num > 1 else None)


def _sequence(backend, size, dtype, start, step, last):
    """start + i * step for i < size, rounded once to `dtype`; the last element is `last` unless None."""
    # Near float32's limit the partial sums could overflow: compute 2^-64 of the values, scale at the end.
    scale = 2.0 ** -64 if abs(start) + abs(step) * size > 1e38 else 1.0
    uniforms = {f"start{k}": ("float", piece) for k, piece in enumerate(_float32_pieces(start * scale))}
    uniforms.update({f"step{k}": ("float", piece) for k, piece in enumerate(_twelve_bit_pieces(step * scale))})
    uniforms["unscale"] = ("float", 1.0 / scale)
    uniforms["opaque_zero"] = ("uint", 0)
    defines = {}
    if last is not None:
        defines["ENDS_AT_LAST"] = 1
        uniforms["last"] = ("float", _rounded(last, dtype))
    if dtype is float16:
        defines["HALF_OUTPUT"] = 1
    return backend.program(ProgramSpec([], (size,), dtype, ("binary_float_pairs.glsl", "creation_sequence.glsl"),
                                       defines, uniforms))


def _rounded(value, dtype):
    """`value` rounded once to the float dtype (a float16 value is exact in the float32 uniform)."""
    with np.errstate(over="ignore"):
        return float(dtype.as_numpy_dtype.type(value))


def _wrapped_int32(value):
    return (int(value) + (1 << 31)) % (1 << 32) - (1 << 31)


def _float32_pieces(value):
    """Three float32 numbers whose exact sum is the float64 `value` (hi, then the remainders)."""
    pieces = []
    with np.errstate(over="ignore"):
        for _ in range(3):
            piece = float(np.float32(value))
            pieces.append(piece)
            if not math.isfinite(piece):
                return pieces + [0.0] * (3 - len(pieces))
            value -= piece
    return pieces


def _twelve_bit_pieces(value):
    """Five float32 numbers of at most 12 significant bits each whose exact sum is the float64 `value`."""
    if not math.isfinite(value):
        return [value, 0.0, 0.0, 0.0, 0.0]
    pieces = []
    for _ in range(5):
        mantissa, exponent = math.frexp(value)
        piece = math.ldexp(math.trunc(mantissa * 4096), exponent - 12)
        pieces.append(_rounded(piece, float32))
        value -= piece
    return pieces

"""signal family (GL): complex parts, FFTs over the last axis, framing and overlap-add.

FFTs run as mixed-radix Stockham passes (gl_kernels/signal_fft_stage.glsl, one program per pass: radix 8, 4
or 2 for the powers of two, then the odd prime factors; a large prime is one direct-DFT pass), with twiddles
read from a table of the n-th roots of unity computed in float64 and uploaded with each transform. RFFT
transforms the zero-padded real rows and keeps the first n // 2 + 1 bins; IRFFT transforms the
conjugate-mirrored bins and keeps the real part.
"""
import functools
import math

import numpy as np

from ....dtypes import complex64, float32
from ....ops.convert import broadcast_shapes
from ....tensor import Tensor
from ..kernel import gl_kernel
from ..program import ProgramSpec
from ..runtime import words_of


def _complex_op(backend, inputs, shape, out_dtype, op):
    return backend.program(ProgramSpec(inputs, shape, out_dtype, ("signal_complex.glsl",), {"OP_" + op: 1}))


@gl_kernel("Complex")
def complex_(backend, real, imag):
    shape = broadcast_shapes(real.shape, imag.shape, "complex")
    return _complex_op(backend, [real, imag], shape, complex64, "COMPLEX")


@gl_kernel("Real")
def real(backend, z):
    return _complex_op(backend, [z], z.shape, float32, "REAL")


@gl_kernel("Imag")
def imag(backend, z):
    return _complex_op(backend, [z], z.shape, float32, "IMAG")


@gl_kernel("Angle")
def angle(backend, z):
    return _complex_op(backend, [z], z.shape, float32, "ANGLE")


@gl_kernel("ComplexAbs")
def complex_abs(backend, z):
    return _complex_op(backend, [z], z.shape, float32, "ABS")


# --- FFTs ----------------------------------------------------------------------------
def _radices(length):
    """Stockham pass radices whose product is `length`: 8s, then a 4 or a 2, then odd prime factors."""
    radices = []
    for radix in (8, 4, 2):
        while length % radix == 0:
            radices.append(radix)
            length //= radix
    factor = 3
    while length > 1:
        if factor * factor > length:
            factor = length
        while length % factor == 0:
            radices.append(factor)
            length //= factor
        factor += 2
    return radices or [1]   # a length of 1: one pass that copies


@functools.lru_cache(maxsize=64)
def _unit_roots(length):
    """exp(2 pi i j / length) for j < length, computed in float64 and rounded once to complex64."""
    return np.exp(2j * np.pi * np.arange(length) / length).astype(np.complex64)


def _transform(backend, x, length, load, inverse, out_row, out_dtype):
    """The length-`length` DFT of every row of x (read by the LOAD_* mode `load`), `out_row` outputs per row."""
    if length == 0:  # the FFT of an empty axis is empty
        return backend.program(ProgramSpec([x], x.shape, out_dtype, ("copy.glsl",)))
    leading = tuple(x.shape[:-1])
    roots = _unit_roots(length)
    twiddles = Tensor(backend.write(roots), roots.shape, complex64)
    radices = _radices(length)
    span = 1
    for stage, radix in enumerate(radices):
        last = stage == len(radices) - 1
        defines = {"FFT_N": length, "SIGN": "1.0" if inverse else "-1.0", "ROW_IN": x.shape[-1],
                   "LOAD_" + (load if stage == 0 else "COMPLEX"): 1, "OUT_ROW": out_row if last else length}
        if last and out_dtype is float32:
            defines["OUTPUT_REAL"] = 1
        uniforms = {"radix": ("int", radix), "span": ("int", span), "block": ("int", math.isqrt(radix)),
                    "scale": ("float", 1.0 / length if inverse and last else 1.0)}
        out_shape = leading + (out_row if last else length,)
        x = backend.program(ProgramSpec([x, twiddles], out_shape, out_dtype if last else complex64,
                                        ("signal_fft_common.glsl", "signal_fft_stage.glsl"), defines, uniforms))
        span *= radix
    return x


@gl_kernel("RFFT")
def rfft(backend, x, *, fft_length):
    return _transform(backend, x, fft_length, "REAL", False, fft_length // 2 + 1, complex64)


@gl_kernel("IRFFT")
def irfft(backend, z, *, fft_length):
    return _transform(backend, z, fft_length, "HERMITIAN", True, fft_length, float32)


@gl_kernel("FFT")
def fft(backend, z):
    return _transform(backend, z, z.shape[-1], "COMPLEX", False, z.shape[-1], complex64)


@gl_kernel("IFFT")
def ifft(backend, z):
    return _transform(backend, z, z.shape[-1], "COMPLEX", True, z.shape[-1], complex64)


# --- framing ------------------------------------------------------------------------
@gl_kernel("Frame")
def frame(backend, x, *, frame_length, frame_step, num_frames, axis, pad_value):
    shape = tuple(x.shape)
    out_shape = shape[:axis] + (num_frames, frame_length) + shape[axis + 1:]
    pad_words = words_of(np.array([pad_value]).astype(x.dtype.as_numpy_dtype))
    defines = {"LENGTH": shape[axis], "NUM_FRAMES": num_frames, "FRAME_LENGTH": frame_length,
               "FRAME_STEP": frame_step, "INNER": math.prod(shape[axis + 1:])}
    uniforms = {"pad_word": ("uint", int(pad_words[0])), "pad_word_imag": ("uint", int(pad_words[-1]))}
    return backend.program(ProgramSpec([x], out_shape, x.dtype, ("signal_frame.glsl",), defines, uniforms))


@gl_kernel("OverlapAndAdd")
def overlap_and_add(backend, frames, *, frame_step, axis, length):
    shape = tuple(frames.shape)
    out_shape = shape[:axis] + (length,) + shape[axis + 2:]
    defines = {"LENGTH": length, "NUM_FRAMES": shape[axis], "FRAME_LENGTH": shape[axis + 1],
               "FRAME_STEP": frame_step, "INNER": math.prod(shape[axis + 2:])}
    return backend.program(ProgramSpec([frames], out_shape, frames.dtype, ("signal_overlap_and_add.glsl",), defines))

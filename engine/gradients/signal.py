"""Gradients of the signal kernels. At a complex tensor the gradient of a real loss L is dL/dRe + i dL/dIm."""
import numpy as np

from ..ops.binary import add, divide, divide_no_nan, multiply
from ..ops.convert import constant
from ..ops.signal import complex, fft, fit_last_axis, frames_of, ifft, imag, irfft, overlap_add, real, rfft
from ..ops.unary import negative
from .core import unbroadcast
from .registry import register_gradient


@register_gradient("Complex")
def _complex_grad(op, dy):
    x, y = op.inputs
    return unbroadcast(real(dy), x.shape), unbroadcast(imag(dy), y.shape)


@register_gradient("Real")
def _real_grad(op, dy):
    return complex(dy, 0.0)


@register_gradient("Imag")
def _imag_grad(op, dy):
    return complex(0.0, dy)


@register_gradient("Angle")
def _angle_grad(op, dy):
    z = op.inputs[0]
    re, im = real(z), imag(z)
    scale = divide(dy, add(multiply(re, re), multiply(im, im)))
    return complex(negative(multiply(scale, im)), multiply(scale, re))


@register_gradient("ComplexAbs")
def _complex_abs_grad(op, dy):
    return multiply(op.inputs[0], complex(divide_no_nan(dy, op.outputs[0]), 0.0))


def _constant_bins(values):
    return constant(np.asarray(values, np.complex64))


@register_gradient("RFFT")
def _rfft_grad(op, dy):
    # d/dx_n of sum_k Re(conj(g_k) y_k) is Re(sum_k g_k e^{2 pi i k n / N}); irfft counts every bin but DC
    # and Nyquist twice, so those two are doubled before it and the whole halved after.
    x, length = op.inputs[0], op.attrs["fft_length"]
    weights = np.ones(length // 2 + 1)
    weights[0] = 2.0
    if length % 2 == 0:
        weights[-1] = 2.0
    dx = multiply(irfft(multiply(dy, _constant_bins(weights)), length), length / 2.0)
    return fit_last_axis(dx, x.shape[-1])


@register_gradient("IRFFT")
def _irfft_grad(op, dy):
    # Each bin but DC and Nyquist stands for itself and its conjugate twin, hence the factor 2.
    z, length = op.inputs[0], op.attrs["fft_length"]
    weights = np.full(length // 2 + 1, 2.0 / length)
    weights[0] = 1.0 / length
    if length % 2 == 0:
        weights[-1] = 1.0 / length
    return fit_last_axis(multiply(rfft(dy, length), _constant_bins(weights)), z.shape[-1])


@register_gradient("FFT")
def _fft_grad(op, dy):
    return multiply(ifft(dy), float(dy.shape[-1]))


@register_gradient("IFFT")
def _ifft_grad(op, dy):
    return multiply(fft(dy), 1.0 / max(dy.shape[-1], 1))


@register_gradient("Frame")
def _frame_grad(op, dy):
    axis = op.attrs["axis"]
    return overlap_add(dy, op.attrs["frame_step"], axis, op.inputs[0].shape[axis])


@register_gradient("OverlapAndAdd")
def _overlap_and_add_grad(op, dy):
    frames, axis = op.inputs[0], op.attrs["axis"]
    return frames_of(dy, frames.shape[axis + 1], op.attrs["frame_step"], frames.shape[axis], axis)

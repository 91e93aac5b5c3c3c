"""Complex numbers and tf.signal: complex/real/imag/angle, FFTs, frame/overlap_and_add, windows, STFT, mel, MFCC.

FFTs run over the last axis. Gradients at complex tensors follow TF's
convention: for a real loss L the gradient is dL/dRe + i dL/dIm.
"""
import math

import numpy as np

from .._export import tf_export
from ..dtypes import as_dtype, complex64, float32
from ..errors import DTypeError, InvalidArgumentError, UnimplementedError
from ..runtime import run_kernel
from ..tensor import Tensor
from .binary import less, multiply
from .convert import binary_operands, broadcast_shapes, constant, convert_to_tensor
from .creation import zeros_like
from .indexing import slice_
from .linalg import tensordot
from .shape import normalize_axis, pad
from .unary import cast

_MEL_BREAK_FREQUENCY_HERTZ = 700.0
_MEL_HIGH_FREQUENCY_Q = 1127.0


# --- complex numbers -------------------------------------------------------------
@tf_export("complex", "dtypes.complex")
def complex(real, imag, name=None):  # noqa: A001  (TF's name)
    """real + i imag (float32 parts, broadcast) as complex64."""
    real, imag = binary_operands(real, imag, "complex")
    if real.dtype is not float32:
        raise DTypeError(f"complex: real and imag must be float32, got {real.dtype.name} "
                         f"(shapes {list(real.shape)}, {list(imag.shape)})")
    broadcast_shapes(real.shape, imag.shape, "complex")
    return run_kernel("Complex", [real, imag])


def _numeric(input, op_name):
    x = convert_to_tensor(input)
    if x.dtype.is_bool:
        raise DTypeError(f"{op_name}: bool tensors have no {op_name.split('.')[-1]} part (shape {list(x.shape)})")
    return x


@tf_export("math.real")
def real(input, name=None):
    """The real part; a real tensor is returned unchanged."""
    x = _numeric(input, "math.real")
    return run_kernel("Real", [x]) if x.dtype.is_complex else x


@tf_export("math.imag")
def imag(input, name=None):
    """The imaginary part; zeros for a real tensor."""
    x = _numeric(input, "math.imag")
    return run_kernel("Imag", [x]) if x.dtype.is_complex else zeros_like(x)


@tf_export("math.angle")
def angle(input, name=None):
    """The argument atan2(imag, real); for a real tensor pi where it is negative, else 0."""
    x = convert_to_tensor(input)
    if x.dtype.is_complex:
        return run_kernel("Angle", [x])
    if not x.dtype.is_floating:
        raise DTypeError(f"math.angle: expected a float or complex tensor, got {x.dtype.name} "
                         f"(shape {list(x.shape)})")
    return multiply(cast(less(x, 0), x.dtype), math.pi)


# --- FFTs ----------------------------------------------------------------------------
def _typed_signal(value, dtype, op_name, min_rank=1):
    """A tensor of `dtype` with at least `min_rank` axes: Python and numpy values are converted to it."""
    x = convert_to_tensor(value, dtype=dtype) if not isinstance(value, Tensor) else value
    if x.dtype is not dtype:
        raise DTypeError(f"{op_name}: expected a {dtype.name} tensor, got {x.dtype.name} (shape {list(x.shape)})")
    if x.ndim < min_rank:
        raise InvalidArgumentError(f"{op_name}: the input needs at least {min_rank} dimension(s), "
                                   f"got shape {list(x.shape)}")
    return x


def _integer(value, op_name, what, minimum=1):
    """A Python int of at least `minimum` from an int, a one-element list or a scalar tensor."""
    if isinstance(value, Tensor):
        value = value.numpy()
    array = np.asarray(value)
    if array.size != 1 or array.dtype.kind not in "iu":
        raise InvalidArgumentError(f"{op_name}: {what} must be one integer, got {value!r}")
    number = int(array.reshape(()))
    if number < minimum:
        raise InvalidArgumentError(f"{op_name}: {what} must be at least {minimum}, got {number}")
    return number


@tf_export("signal.rfft")
def rfft(input_tensor, fft_length=None, name=None):
    """FFT of a real signal over its last axis, zero-padded or cropped to fft_length: fft_length // 2 + 1 bins."""
    x = _typed_signal(input_tensor, float32, "signal.rfft")
    length = _integer(x.shape[-1] if fft_length is None else fft_length, "signal.rfft", "fft_length")
    return run_kernel("RFFT", [x], {"fft_length": length})


@tf_export("signal.irfft")
def irfft(input_tensor, fft_length=None, name=None):
    """Inverse of rfft: fft_length real samples (default 2 * (bins - 1)) from the non-negative frequency bins."""
    z = _typed_signal(input_tensor, complex64, "signal.irfft")
    length = 2 * (z.shape[-1] - 1) if fft_length is None else fft_length
    return run_kernel("IRFFT", [z], {"fft_length": _integer(length, "signal.irfft", "fft_length")})


@tf_export("signal.fft")
def fft(input, name=None):  # noqa: A002  (TF's argument name)
    return run_kernel("FFT", [_typed_signal(input, complex64, "signal.fft")])


@tf_export("signal.ifft")
def ifft(input, name=None):  # noqa: A002  (TF's argument name)
    return run_kernel("IFFT", [_typed_signal(input, complex64, "signal.ifft")])


def fit_last_axis(x, length):
    """Crop or zero-pad the last axis of `x` to `length` (the adjoint of the FFTs' own crop/pad)."""
    current = x.shape[-1]
    if current > length:
        return slice_(x, [0] * x.ndim, [-1] * (x.ndim - 1) + [length])
    if current < length:
        return pad(x, [[0, 0]] * (x.ndim - 1) + [[0, length - current]])
    return x


# --- framing ----------------------------------------------------------------------
def frames_of(x, frame_length, frame_step, num_frames, axis, pad_value=0):
    """`num_frames` frames along a non-negative `axis`, padded with `pad_value` past the end."""
    attrs = {"frame_length": frame_length, "frame_step": frame_step, "num_frames": num_frames, "axis": axis,
             "pad_value": pad_value}
    return run_kernel("Frame", [convert_to_tensor(x)], attrs)


def overlap_add(frames, frame_step, axis, length):
    """Frames [.., F, L, ..] (frames on a non-negative `axis`) summed frame_step apart into `length` samples."""
    attrs = {"frame_step": frame_step, "axis": axis, "length": length}
    return run_kernel("OverlapAndAdd", [convert_to_tensor(frames)], attrs)


def _scalar_of(value, dtype, op_name, what):
    """A Python scalar of `dtype`'s kind (a hashable kernel attr)."""
    if isinstance(value, Tensor):
        value = value.numpy()
    array = np.asarray(value)
    if array.size != 1:
        raise InvalidArgumentError(f"{op_name}: {what} must be a scalar, got {value!r}")
    return array.reshape(()).astype(dtype.as_numpy_dtype).item()


@tf_export("signal.frame")
def frame(signal, frame_length, frame_step, pad_end=False, pad_value=0, axis=-1, name=None):
    """Overlapping frames of `signal` along `axis`, which becomes two axes [num_frames, frame_length]."""
    x = convert_to_tensor(signal)
    if x.ndim == 0:
        raise InvalidArgumentError("signal.frame: signal must have at least one dimension, got a scalar")
    axis = normalize_axis(axis, x.ndim, "signal.frame")
    frame_length = _integer(frame_length, "signal.frame", "frame_length")
    frame_step = _integer(frame_step, "signal.frame", "frame_step")
    length = x.shape[axis]
    if pad_end:
        num_frames = -(-length // frame_step)
    else:
        num_frames = max(0, 1 + (length - frame_length) // frame_step)
    pad_value = _scalar_of(pad_value, x.dtype, "signal.frame", "pad_value")
    return frames_of(x, frame_length, frame_step, num_frames, axis, pad_value)


@tf_export("signal.overlap_and_add")
def overlap_and_add(signal, frame_step, name=None):
    """Frames [..., frames, frame_length] placed frame_step apart and summed: [..., (frames-1)*step + length]."""
    x = convert_to_tensor(signal)
    if x.ndim < 2:
        raise InvalidArgumentError(f"signal.overlap_and_add: signal must have shape [..., frames, frame_length], "
                                   f"got {list(x.shape)}")
    frame_step = _integer(frame_step, "signal.overlap_and_add", "frame_step")
    num_frames, frame_length = x.shape[-2:]
    return overlap_add(x, frame_step, x.ndim - 2, max(0, (num_frames - 1) * frame_step + frame_length))


# --- windows -----------------------------------------------------------------------
def _raised_cosine_window(window_length, periodic, dtype, a, b, op_name):
    """TF's a - b cos(2 pi n / N), N = length - 1, or length when periodic and the length is even."""
    dtype = as_dtype(dtype)
    if not dtype.is_floating:
        raise DTypeError(f"{op_name}: dtype must be a float type, got {dtype.name}")
    length = _integer(window_length, op_name, "window_length", minimum=0)
    if length == 1:
        return constant([1.0], dtype=dtype)
    denominator = np.float32(length + int(bool(periodic)) * (1 - length % 2) - 1)
    cos_arg = np.float32(2 * np.pi) * np.arange(length, dtype=np.float32) / denominator
    return constant((np.float32(a) - np.float32(b) * np.cos(cos_arg)).astype(dtype.as_numpy_dtype))


@tf_export("signal.hann_window")
def hann_window(window_length, periodic=True, dtype=float32, name=None):
    return _raised_cosine_window(window_length, periodic, dtype, 0.5, 0.5, "signal.hann_window")


@tf_export("signal.hamming_window")
def hamming_window(window_length, periodic=True, dtype=float32, name=None):
    return _raised_cosine_window(window_length, periodic, dtype, 0.54, 0.46, "signal.hamming_window")


# --- STFT ------------------------------------------------------------------------------
def _enclosing_power_of_two(value):
    return 1 << (value - 1).bit_length()


@tf_export("signal.stft")
def stft(signals, frame_length, frame_step, fft_length=None, window_fn=hann_window, pad_end=False, name=None):
    """Short-time Fourier transform [..., frames, fft_length // 2 + 1] (fft_length: the next power of 2)."""
    x = _typed_signal(signals, float32, "signal.stft")
    frame_length = _integer(frame_length, "signal.stft", "frame_length")
    fft_length = _enclosing_power_of_two(frame_length) if fft_length is None else fft_length
    framed = frame(x, frame_length, frame_step, pad_end=pad_end)
    if window_fn is not None:
        framed = multiply(framed, window_fn(frame_length, dtype=float32))
    return rfft(framed, fft_length)


@tf_export("signal.inverse_stft")
def inverse_stft(stfts, frame_length, frame_step, fft_length=None, window_fn=hann_window, name=None):
    """irfft of each frame, cropped or padded to frame_length, windowed and overlap-added."""
    z = _typed_signal(stfts, complex64, "signal.inverse_stft", min_rank=2)
    frame_length = _integer(frame_length, "signal.inverse_stft", "frame_length")
    fft_length = _enclosing_power_of_two(frame_length) if fft_length is None else fft_length
    frames = fit_last_axis(irfft(z, fft_length), frame_length)
    if window_fn is not None:
        frames = multiply(frames, window_fn(frame_length, dtype=float32))
    return overlap_and_add(frames, frame_step)


# --- mel scale and MFCC ----------------------------------------------------------------
def _hertz_to_mel(frequencies_hertz):
    return _MEL_HIGH_FREQUENCY_Q * np.log(1.0 + frequencies_hertz / _MEL_BREAK_FREQUENCY_HERTZ)


def _python_float(value, op_name, what):
    if isinstance(value, Tensor):
        value = value.numpy()
    try:
        return float(np.asarray(value).reshape(()))
    except (TypeError, ValueError):
        raise InvalidArgumentError(f"{op_name}: {what} must be a number, got {value!r}") from None


@tf_export("signal.linear_to_mel_weight_matrix")
def linear_to_mel_weight_matrix(num_mel_bins=20, num_spectrogram_bins=129, sample_rate=8000,
                                lower_edge_hertz=125.0, upper_edge_hertz=3800.0, dtype=float32, name=None):
    """[num_spectrogram_bins, num_mel_bins] triangular HTK mel filters (TF's construction; the DC row is zero)."""
    op_name = "signal.linear_to_mel_weight_matrix"
    num_mel_bins = int(num_mel_bins)
    num_spectrogram_bins = int(_python_float(num_spectrogram_bins, op_name, "num_spectrogram_bins"))
    sample_rate = _python_float(sample_rate, op_name, "sample_rate")
    lower_edge_hertz = _python_float(lower_edge_hertz, op_name, "lower_edge_hertz")
    upper_edge_hertz = _python_float(upper_edge_hertz, op_name, "upper_edge_hertz")
    dtype = as_dtype(dtype)
    problems = [
        (num_mel_bins <= 0, f"num_mel_bins must be positive, got {num_mel_bins}"),
        (num_spectrogram_bins <= 0, f"num_spectrogram_bins must be positive, got {num_spectrogram_bins}"),
        (sample_rate <= 0.0, f"sample_rate must be positive, got {sample_rate}"),
        (lower_edge_hertz < 0.0, f"lower_edge_hertz must be non-negative, got {lower_edge_hertz}"),
        (lower_edge_hertz >= upper_edge_hertz,
         f"lower_edge_hertz {lower_edge_hertz} must be below upper_edge_hertz {upper_edge_hertz}"),
        (upper_edge_hertz > sample_rate / 2, f"upper_edge_hertz {upper_edge_hertz} must not exceed the Nyquist "
                                             f"frequency {sample_rate / 2} (sample_rate / 2)"),
        (not dtype.is_floating, f"dtype must be a float type, got {dtype.name}"),
    ]
    for failed, message in problems:
        if failed:
            raise InvalidArgumentError(f"{op_name}: {message}")
    # HTK leaves out the DC bin: its row stays zero.
    bin_mels = _hertz_to_mel(np.linspace(0.0, sample_rate / 2, num_spectrogram_bins)[1:])[:, None]
    edges = np.linspace(_hertz_to_mel(lower_edge_hertz), _hertz_to_mel(upper_edge_hertz), num_mel_bins + 2)
    lower, center, upper = edges[:-2], edges[1:-1], edges[2:]
    rising = (bin_mels - lower) / (center - lower)
    falling = (upper - bin_mels) / (upper - center)
    weights = np.maximum(0.0, np.minimum(rising, falling))
    matrix = np.concatenate([np.zeros((1, num_mel_bins)), weights], axis=0)
    return constant(matrix.astype(dtype.as_numpy_dtype))


def _dct2_matrix(size, norm):
    """M with x @ M = TF's DCT-II: 2 sum_n x_n cos(pi k (2n + 1) / 2N), orthonormal when norm == 'ortho'."""
    n = np.arange(size)[:, None]
    k = np.arange(size)[None, :]
    matrix = 2.0 * np.cos(np.pi * k * (2 * n + 1) / (2 * size))
    if norm == "ortho":
        matrix[:, 0] *= math.sqrt(1.0 / (4 * size))
        matrix[:, 1:] *= math.sqrt(1.0 / (2 * size))
    return matrix


@tf_export("signal.dct")
def dct(input, type=2, n=None, axis=-1, norm=None, name=None):  # noqa: A002  (TF's argument names)
    """The type-II discrete cosine transform over the last axis (unnormalised as scipy's, or 'ortho')."""
    x = _typed_signal(input, float32, "signal.dct")
    if type != 2 or n is not None or axis not in (-1, x.ndim - 1):
        raise UnimplementedError(f"signal.dct: only type=2 over the last axis without n is implemented, "
                                 f"got type={type}, n={n}, axis={axis}")
    if norm not in (None, "ortho"):
        raise InvalidArgumentError(f"signal.dct: norm must be None or 'ortho', got {norm!r}")
    if x.shape[-1] == 0:
        raise InvalidArgumentError(f"signal.dct: the last axis must not be empty (shape {list(x.shape)})")
    return tensordot(x, constant(_dct2_matrix(x.shape[-1], norm).astype(np.float32)), 1)


@tf_export("signal.mfccs_from_log_mel_spectrograms")
def mfccs_from_log_mel_spectrograms(log_mel_spectrograms, name=None):
    """HTK's MFCCs: the unnormalised DCT-II of the last axis scaled by 1 / sqrt(2 * num_mel_bins)."""
    x = _typed_signal(log_mel_spectrograms, float32, "signal.mfccs_from_log_mel_spectrograms")
    num_mel_bins = x.shape[-1]
    if num_mel_bins == 0:
        raise InvalidArgumentError(f"signal.mfccs_from_log_mel_spectrograms: num_mel_bins must be positive "
                                   f"(shape {list(x.shape)})")
    matrix = _dct2_matrix(num_mel_bins, None) / math.sqrt(2.0 * num_mel_bins)
    return tensordot(x, constant(matrix.astype(np.float32)), 1)

"""Signal kernels: complex parts, FFTs over the last axis, framing and overlap-add."""
import numpy as np

from .kernel import cpu_kernel


@cpu_kernel("Complex")
def complex_(real, imag):
    # Assigning the parts (rather than real + 1j * imag) keeps infinities out of the other part.
    out = np.empty(np.broadcast_shapes(real.shape, imag.shape), np.complex64)
    out.real = real
    out.imag = imag
    return out


@cpu_kernel("Real")
def real(z):
    return np.array(z.real, order="C")


@cpu_kernel("Imag")
def imag(z):
    return np.array(z.imag, order="C")


@cpu_kernel("Angle")
def angle(z):
    return np.angle(z).astype(np.float32)


@cpu_kernel("ComplexAbs")
def complex_abs(z):
    return np.abs(z).astype(np.float32)


@cpu_kernel("RFFT")
def rfft(x, *, fft_length):
    return np.fft.rfft(x, n=fft_length, axis=-1).astype(np.complex64)


@cpu_kernel("IRFFT")
def irfft(z, *, fft_length):
    return np.fft.irfft(z, n=fft_length, axis=-1).astype(np.float32)


@cpu_kernel("FFT")
def fft(z):
    if z.shape[-1] == 0:
        return z.astype(np.complex64)
    return np.fft.fft(z, axis=-1).astype(np.complex64)


@cpu_kernel("IFFT")
def ifft(z):
    if z.shape[-1] == 0:
        return z.astype(np.complex64)
    return np.fft.ifft(z, axis=-1).astype(np.complex64)


@cpu_kernel("Frame")
def frame(x, *, frame_length, frame_step, num_frames, axis, pad_value):
    """Frames along `axis`: out[.., f, j, ..] = x[.., f * frame_step + j, ..], `pad_value` past the end."""
    needed = (num_frames - 1) * frame_step + frame_length if num_frames else 0
    missing = needed - x.shape[axis]
    if missing > 0:
        widths = [(0, 0)] * x.ndim
        widths[axis] = (0, missing)
        x = np.pad(x, widths, constant_values=np.array(pad_value).astype(x.dtype))
    starts = np.arange(num_frames)[:, None] * frame_step
    return np.take(x, starts + np.arange(frame_length)[None, :], axis=axis)


@cpu_kernel("OverlapAndAdd")
def overlap_and_add(frames, *, frame_step, axis, length):
    """Sum frames [.., F, L, ..] (frames on `axis`) placed frame_step apart into `length` samples."""
    moved = np.moveaxis(frames, (axis, axis + 1), (-2, -1))
    num_frames, frame_length = moved.shape[-2:]
    # Cut each frame into pieces of frame_step samples: piece p of frame f lands on block f + p.
    pieces = max(1, -(-frame_length // frame_step))
    padded = np.zeros(moved.shape[:-1] + (pieces * frame_step,), frames.dtype)
    padded[..., :frame_length] = moved
    padded = padded.reshape(moved.shape[:-2] + (num_frames, pieces, frame_step))
    blocks = np.zeros(moved.shape[:-2] + (num_frames + pieces - 1, frame_step), frames.dtype)
    for piece in range(pieces):
        blocks[..., piece:piece + num_frames, :] += padded[..., piece, :]
    signal = blocks.reshape(moved.shape[:-2] + (-1,))
    out = np.zeros(moved.shape[:-2] + (length,), frames.dtype)
    kept = min(length, signal.shape[-1])
    out[..., :kept] = signal[..., :kept]
    return np.ascontiguousarray(np.moveaxis(out, -1, axis))

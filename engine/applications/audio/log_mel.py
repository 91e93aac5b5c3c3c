"""LogMelSpectrogram: waveform -> log-compressed mel power spectrogram, as a Keras layer of tf.signal ops.

Being a layer, the front end runs on whichever backend runs the model (on the GPU with the GL
backends) and is saved with the model: its config holds every parameter, and the window and mel
matrix are rebuilt from them rather than stored as weights.

The defaults reproduce the spectrogram aiSFX computes with Essentia (44.1 kHz, 2048-sample
symmetric Hann frames every 1024 samples, power spectrum, 96 HTK-mel bands from 0 Hz to
22.05 kHz each summing to one, log10(1e4 * mel + 1)). With `center=True` frames are laid out as
Essentia's FrameCutter does: frame k is centred on sample k * frame_step, samples outside the
clip are zeros, and frames continue while a frame starts before the clip's end, which gives
ceil((samples + frame_length // 2) / frame_step) frames.
"""
import math

import numpy as np

import engine as tf

from ...errors import InvalidArgumentError
from ...keras.layer import InputSpec, Layer
from ...keras.serialization import register_keras_serializable
from ...ops.signal import hamming_window, hann_window, linear_to_mel_weight_matrix

__all__ = ["LogMelSpectrogram", "mel_filterbank"]

_WINDOWS = {"hann": hann_window, "hamming": hamming_window}
_MEL_NORMALIZATIONS = (None, "unit_sum")


def mel_filterbank(num_mel_bins, fft_length, sample_rate, lower_edge_hertz, upper_edge_hertz, normalization):
    """[fft_length // 2 + 1, num_mel_bins] float32 triangular HTK-mel filters, each summing to 1 for "unit_sum".

    The triangles are tf.signal.linear_to_mel_weight_matrix's (linear in mel between mel-spaced
    edges), which are also Essentia's MelBands with weighting="warping"; "unit_sum" divides each
    filter by its sum, as Essentia's normalize="unit_sum" and librosa's norm=1 do.
    """
    matrix = linear_to_mel_weight_matrix(num_mel_bins, fft_length // 2 + 1, sample_rate, lower_edge_hertz,
                                         upper_edge_hertz).numpy().astype(np.float64)
    if normalization == "unit_sum":
        sums = matrix.sum(axis=0)
        empty = [index for index, total in enumerate(sums) if total == 0.0]
        if empty:
            raise InvalidArgumentError(
                f"mel_filterbank: mel bands {empty} cover no FFT bin ({num_mel_bins} bands between "
                f"{lower_edge_hertz} and {upper_edge_hertz} Hz with fft_length {fft_length}); use fewer bands or a "
                "longer FFT")
        matrix = matrix / sums
    return matrix.astype(np.float32)


@register_keras_serializable(package="Glimmer")
class LogMelSpectrogram(Layer):
    """(..., samples) float waveform in [-1, 1] -> (..., frames, num_mel_bins) log_base(log_scale * mel + log_offset).

    `frame_length` samples are windowed (`window` "hann" or "hamming", symmetric unless
    `periodic_window`) and transformed with an `fft_length` FFT (default: frame_length); `power`
    2.0 takes the power spectrum, 1.0 the magnitude. `center` lays frames out as Essentia does
    (module docstring); without it frames start at sample 0 and only whole frames are kept, as
    tf.signal.frame does. `upper_edge_hertz` defaults to the Nyquist frequency.
    """

    def __init__(self, sample_rate=44100, frame_length=2048, frame_step=1024, fft_length=None, num_mel_bins=96,
                 lower_edge_hertz=0.0, upper_edge_hertz=None, window="hann", periodic_window=False, center=True,
                 power=2.0, mel_normalization="unit_sum", log_scale=1e4, log_offset=1.0, log_base=10.0, **kwargs):
        super().__init__(**kwargs)
        self.sample_rate = _positive(sample_rate, "sample_rate", float)
        self.frame_length = _positive(frame_length, "frame_length", int)
        self.frame_step = _positive(frame_step, "frame_step", int)
        self.fft_length = self.frame_length if fft_length is None else _positive(fft_length, "fft_length", int)
        if self.fft_length < self.frame_length:
            raise InvalidArgumentError(f"LogMelSpectrogram: fft_length {self.fft_length} is shorter than "
                                       f"frame_length {self.frame_length}")
        self.num_mel_bins = _positive(num_mel_bins, "num_mel_bins", int)
        self.lower_edge_hertz = float(lower_edge_hertz)
        self.upper_edge_hertz = self.sample_rate / 2 if upper_edge_hertz is None else float(upper_edge_hertz)
        if window not in _WINDOWS:
            raise InvalidArgumentError(f"LogMelSpectrogram: window must be one of {sorted(_WINDOWS)}, got {window!r}")
        self.window = window
        self.periodic_window = bool(periodic_window)
        self.center = bool(center)
        if power not in (1.0, 2.0):
            raise InvalidArgumentError(f"LogMelSpectrogram: power must be 1.0 (magnitude) or 2.0 (power), "
                                       f"got {power!r}")
        self.power = float(power)
        if mel_normalization not in _MEL_NORMALIZATIONS:
            raise InvalidArgumentError(f"LogMelSpectrogram: mel_normalization must be one of {_MEL_NORMALIZATIONS}, "
                                       f"got {mel_normalization!r}")
        self.mel_normalization = mel_normalization
        self.log_scale = _positive(log_scale, "log_scale", float)
        self.log_offset = float(log_offset)
        if self.log_offset <= 0.0:
            raise InvalidArgumentError(f"LogMelSpectrogram: log_offset must be positive (log of zero power), "
                                       f"got {log_offset!r}")
        self.log_base = _positive(log_base, "log_base", float)
        if self.log_base == 1.0:
            raise InvalidArgumentError("LogMelSpectrogram: log_base must not be 1")
        # Validates the band layout now, not at the first call.
        self._filterbank = mel_filterbank(self.num_mel_bins, self.fft_length, self.sample_rate,
                                          self.lower_edge_hertz, self.upper_edge_hertz, self.mel_normalization)
        self._constants = {}
        self.input_spec = InputSpec(min_ndim=1)

    def num_frames(self, num_samples):
        """How many frames a clip of `num_samples` samples gives (None for an unknown length)."""
        if num_samples is None:
            return None
        if self.center:
            return -(-(num_samples + self.frame_length // 2) // self.frame_step)
        return max(0, 1 + (num_samples - self.frame_length) // self.frame_step)

    def _window_and_filterbank(self):
        """The window and mel matrix as tensors on the current backend, made once per backend."""
        backend = tf.get_backend()
        if backend not in self._constants:
            window = _WINDOWS[self.window](self.frame_length, periodic=self.periodic_window)
            self._constants[backend] = (tf.keep(window), tf.keep(tf.constant(self._filterbank)))
        return self._constants[backend]

    def call(self, inputs):
        signal = tf.cast(inputs, "float32")
        if self.center:
            # Zeros before the clip centre frame 0 on sample 0; pad_end's zeros complete the frames at the end.
            signal = tf.pad(signal, [[0, 0]] * (signal.ndim - 1) + [[self.frame_length // 2, 0]])
        window, filterbank = self._window_and_filterbank()
        frames = tf.signal.frame(signal, self.frame_length, self.frame_step, pad_end=self.center) * window
        spectrum = tf.signal.rfft(frames, [self.fft_length])
        power = tf.square(tf.math.real(spectrum)) + tf.square(tf.math.imag(spectrum))
        if self.power == 1.0:
            power = tf.sqrt(power)
        mel = tf.tensordot(power, filterbank, 1)
        if self.log_offset == 1.0:
            compressed = tf.math.log1p(mel * self.log_scale)
        else:
            compressed = tf.math.log(mel * self.log_scale + self.log_offset)
        return compressed * (1.0 / math.log(self.log_base))

    def compute_output_shape(self, input_shape):
        return (*input_shape[:-1], self.num_frames(input_shape[-1]), self.num_mel_bins)

    def get_config(self):
        return {**super().get_config(), "sample_rate": self.sample_rate, "frame_length": self.frame_length,
                "frame_step": self.frame_step, "fft_length": self.fft_length, "num_mel_bins": self.num_mel_bins,
                "lower_edge_hertz": self.lower_edge_hertz, "upper_edge_hertz": self.upper_edge_hertz,
                "window": self.window, "periodic_window": self.periodic_window, "center": self.center,
                "power": self.power, "mel_normalization": self.mel_normalization, "log_scale": self.log_scale,
                "log_offset": self.log_offset, "log_base": self.log_base}


def _positive(value, what, kind):
    number = kind(value)
    if number <= 0 or number != value:
        raise InvalidArgumentError(f"LogMelSpectrogram: {what} must be a positive {kind.__name__}, got {value!r}")
    return number

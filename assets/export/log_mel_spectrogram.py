"""Glimmer's LogMelSpectrogram layer for Keras 3 (any backend): the first layer of Glimmer's sound models.

A Glimmer sound model takes the raw waveform; this layer turns it into the log-mel spectrogram the
network was trained on. Import this module before loading the model, and Keras finds the layer:

    import keras
    import log_mel_spectrogram  # noqa: F401  (registers "Glimmer>LogMelSpectrogram")
    model = keras.models.load_model("model.keras")

(..., samples) float32 waveform in [-1, 1] -> (..., frames, num_mel_bins)
log_base(log_scale * mel + log_offset). Frames of frame_length samples, windowed (Hann or Hamming,
symmetric unless periodic_window), every frame_step samples; with `center` frame k is centred on sample
k * frame_step (zeros outside the clip) and frames continue while one starts before the clip's end.
The power (or magnitude) spectrum goes through HTK-mel triangles between lower_edge_hertz and
upper_edge_hertz (each summing to one with mel_normalization "unit_sum"), as Glimmer's engine computes
it (engine/applications/audio/log_mel.py).
"""
import math

import keras
import numpy as np
from keras import ops

__all__ = ["LogMelSpectrogram"]

_MEL_BREAK_FREQUENCY_HERTZ = 700.0
_MEL_HIGH_FREQUENCY_Q = 1127.0
_WINDOWS = {"hann": (0.5, 0.5), "hamming": (0.54, 0.46)}


def _hertz_to_mel(hertz):
    return _MEL_HIGH_FREQUENCY_Q * np.log(1.0 + hertz / _MEL_BREAK_FREQUENCY_HERTZ)


def _window(length, periodic, a, b):
    """TF's raised-cosine window a - b cos(2 pi n / N), N = length - 1 (or length when periodic and even)."""
    if length == 1:
        return np.ones(1, np.float32)
    denominator = length + (1 - length % 2 if periodic else 0) - 1
    return (a - b * np.cos(2 * np.pi * np.arange(length) / denominator)).astype(np.float32)


def _mel_filterbank(num_mel_bins, fft_length, sample_rate, lower_edge_hertz, upper_edge_hertz, normalization):
    """[fft_length // 2 + 1, num_mel_bins] triangles, TF's linear_to_mel_weight_matrix (zero DC row)."""
    bins = fft_length // 2 + 1
    bin_mels = _hertz_to_mel(np.linspace(0.0, sample_rate / 2, bins)[1:])[:, None]
    edges = np.linspace(_hertz_to_mel(lower_edge_hertz), _hertz_to_mel(upper_edge_hertz), num_mel_bins + 2)
    rising = (bin_mels - edges[:-2]) / (edges[1:-1] - edges[:-2])
    falling = (edges[2:] - bin_mels) / (edges[2:] - edges[1:-1])
    weights = np.concatenate([np.zeros((1, num_mel_bins)), np.maximum(0.0, np.minimum(rising, falling))])
    weights = weights.astype(np.float32).astype(np.float64)
    if normalization == "unit_sum":
        sums = weights.sum(axis=0)
        if np.any(sums == 0):
            raise ValueError("LogMelSpectrogram: a mel band covers no FFT bin; use fewer bands or a longer FFT")
        weights = weights / sums
    elif normalization is not None:
        raise ValueError(f"LogMelSpectrogram: unknown mel_normalization {normalization!r}")
    return weights.astype(np.float32)


@keras.saving.register_keras_serializable(package="Glimmer")
class LogMelSpectrogram(keras.layers.Layer):
    """Waveform -> log-compressed mel spectrogram (see the module docstring)."""

    def __init__(self, sample_rate=44100, frame_length=2048, frame_step=1024, fft_length=None, num_mel_bins=96,
                 lower_edge_hertz=0.0, upper_edge_hertz=None, window="hann", periodic_window=False, center=True,
                 power=2.0, mel_normalization="unit_sum", log_scale=1e4, log_offset=1.0, log_base=10.0, **kwargs):
        super().__init__(**kwargs)
        self.sample_rate = float(sample_rate)
        self.frame_length = int(frame_length)
        self.frame_step = int(frame_step)
        self.fft_length = self.frame_length if fft_length is None else int(fft_length)
        self.num_mel_bins = int(num_mel_bins)
        self.lower_edge_hertz = float(lower_edge_hertz)
        self.upper_edge_hertz = self.sample_rate / 2 if upper_edge_hertz is None else float(upper_edge_hertz)
        if window not in _WINDOWS:
            raise ValueError(f"LogMelSpectrogram: window must be one of {sorted(_WINDOWS)}, got {window!r}")
        self.window = window
        self.periodic_window = bool(periodic_window)
        self.center = bool(center)
        self.power = float(power)
        self.mel_normalization = mel_normalization
        self.log_scale = float(log_scale)
        self.log_offset = float(log_offset)
        self.log_base = float(log_base)
        self._window_values = _window(self.frame_length, self.periodic_window, *_WINDOWS[window])
        self._filterbank = _mel_filterbank(self.num_mel_bins, self.fft_length, self.sample_rate,
                                           self.lower_edge_hertz, self.upper_edge_hertz, mel_normalization)

    def num_frames(self, num_samples):
        if num_samples is None:
            return None
        if self.center:
            return -(-(num_samples + self.frame_length // 2) // self.frame_step)
        return max(0, 1 + (num_samples - self.frame_length) // self.frame_step)

    def call(self, inputs):
        signal = ops.cast(inputs, "float32")
        samples = signal.shape[-1]
        frames = self.num_frames(samples)
        front = self.frame_length // 2 if self.center else 0
        back = max(0, (frames - 1) * self.frame_step + self.frame_length - samples - front)
        signal = ops.pad(signal, [[0, 0]] * (len(signal.shape) - 1) + [[front, back]])
        indices = np.arange(frames)[:, None] * self.frame_step + np.arange(self.frame_length)[None, :]
        framed = ops.take(signal, ops.convert_to_tensor(indices, "int32"), axis=-1) * self._window_values
        real, imag = ops.rfft(framed, fft_length=self.fft_length)
        power = real * real + imag * imag
        if self.power == 1.0:
            power = ops.sqrt(power)
        mel = ops.tensordot(power, ops.convert_to_tensor(self._filterbank), axes=1)
        if self.log_offset == 1.0:
            compressed = ops.log1p(mel * self.log_scale)
        else:
            compressed = ops.log(mel * self.log_scale + self.log_offset)
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

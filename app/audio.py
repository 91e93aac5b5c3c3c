"""The one sound pipeline: every sound that enters the app (recorded, imported, predicted) goes through here.

Sounds are float32 mono numpy arrays at SAMPLE_RATE (44.1 kHz, what the aiSFX extractor was trained on),
values in [-1, 1]. `load_audio` and `decode_wav` convert any rate and channel count to that (channels are
averaged, rates converted with soxr's high-quality resampler); `cut_windows` cuts a recording into the
fixed-length samples a project holds, the same way for recordings, imported files and `predict`.
"""
import io
import os

import numpy as np
import soundfile
import soxr

import engine as tf
from engine.applications.audio import aisfx

from .errors import AudioFileError

__all__ = ["SAMPLE_RATE", "DEFAULT_WINDOW_SECONDS", "DEFAULT_OVERLAP", "MIN_WINDOW_SECONDS", "MAX_WINDOW_SECONDS",
           "MAX_OVERLAP", "AUDIO_EXTENSIONS", "SILENCE_DB", "window_samples", "check_window", "resample", "load_audio",
           "decode_wav", "encode_wav", "cut_windows", "spectrogram_image", "rms_level_db"]

SAMPLE_RATE = aisfx.SAMPLE_RATE
DEFAULT_WINDOW_SECONDS = 1.0
DEFAULT_OVERLAP = 0.5
MIN_WINDOW_SECONDS = 0.25
MAX_WINDOW_SECONDS = 10.0
MAX_OVERLAP = 0.95
# What libsndfile (bundled with the soundfile wheels) decodes on every platform.
AUDIO_EXTENSIONS = (".wav", ".flac", ".ogg", ".oga", ".opus", ".mp3", ".aiff", ".aif")
# The level reported for silence (and empty chunks): a floor, so meters never have to draw minus infinity.
SILENCE_DB = -100.0

# The spectrogram picture: 1024-sample frames (23 ms) every 512 samples, shown from -90 dB to 0 dB full scale.
_PICTURE_FRAME = 1024
_PICTURE_STEP = 512
_PICTURE_FLOOR_DB = -90.0
_PICTURE_LOWEST_HZ = 20.0
_mel_matrices = {}


def window_samples(window_seconds=DEFAULT_WINDOW_SECONDS):
    """How many samples a window of `window_seconds` holds at SAMPLE_RATE."""
    return int(round(float(window_seconds) * SAMPLE_RATE))


def check_window(window_seconds, overlap):
    """(window_seconds, overlap) as floats; ValueError unless the window is MIN..MAX_WINDOW_SECONDS long and
    0 <= overlap <= MAX_OVERLAP."""
    window_seconds, overlap = float(window_seconds), float(overlap)
    if not MIN_WINDOW_SECONDS <= window_seconds <= MAX_WINDOW_SECONDS:
        raise ValueError(f"the window must be {MIN_WINDOW_SECONDS} to {MAX_WINDOW_SECONDS} seconds long, "
                         f"not {window_seconds}")
    if not 0.0 <= overlap <= MAX_OVERLAP:
        raise ValueError(f"the overlap is a fraction of the window, from 0 to {MAX_OVERLAP}, not {overlap}")
    return window_seconds, overlap


def resample(signal, from_rate, to_rate=SAMPLE_RATE):
    """A mono float32 signal at `from_rate` Hz, converted to `to_rate` Hz (soxr, high quality)."""
    signal = np.ascontiguousarray(signal, dtype=np.float32)
    if from_rate == to_rate or len(signal) == 0:
        return signal
    return np.ascontiguousarray(soxr.resample(signal, from_rate, to_rate, quality="HQ"), dtype=np.float32)


def _unreadable(name, reason):
    return AudioFileError(f"{name}: {reason}", path=name, reason=reason)


def _decode(source, name):
    """Any file soundfile reads (path or file object) -> float32 mono at SAMPLE_RATE; AudioFileError if not."""
    try:
        data, rate = soundfile.read(source, dtype="float32", always_2d=True)
    except soundfile.LibsndfileError as exc:
        detail = str(exc.error_string).rstrip(".")
        raise _unreadable(name, f"not a sound file or damaged ({detail}; WAV, FLAC, OGG and MP3 are "
                                "supported)") from exc
    except (RuntimeError, ValueError, EOFError) as exc:
        # soundfile reports some truncated or malformed files with plain RuntimeError/ValueError.
        raise _unreadable(name, f"not a sound file or damaged ({exc})") from exc
    if data.shape[0] == 0:
        raise _unreadable(name, "holds no sound (zero samples)")
    if not np.all(np.isfinite(data)):
        raise _unreadable(name, "holds invalid samples (NaN or infinity)")
    mono = data.mean(axis=1, dtype=np.float32) if data.shape[1] > 1 else data[:, 0]
    return resample(mono, rate)


def load_audio(path):
    """The sound file at `path` as float32 mono at SAMPLE_RATE; AudioFileError naming the file if it is missing,
    unreadable or empty."""
    name = os.fspath(path)
    try:
        with open(name, "rb") as handle:
            return _decode(handle, name)
    except OSError as exc:
        raise _unreadable(name, f"cannot read ({exc.strerror or exc})") from exc


def decode_wav(data, name="sound data"):
    """WAV (or any soundfile-readable) bytes -> float32 mono at SAMPLE_RATE; AudioFileError if undecodable."""
    if not data:
        raise _unreadable(name, "empty file")
    return _decode(io.BytesIO(data), name)


def _mono_clip(clip):
    clip = np.asarray(clip)
    if clip.ndim != 1:
        raise ValueError(f"expected a mono clip (samples,), got shape {clip.shape}")
    return clip.astype(np.float32, copy=False)


def encode_wav(clip):
    """A float32 mono clip at SAMPLE_RATE -> WAV bytes, 32-bit float samples (lossless: decode_wav gives it back
    bit for bit)."""
    buffer = io.BytesIO()
    soundfile.write(buffer, _mono_clip(clip), SAMPLE_RATE, format="WAV", subtype="FLOAT")
    return buffer.getvalue()


def cut_windows(signal, window_seconds=DEFAULT_WINDOW_SECONDS, overlap=DEFAULT_OVERLAP):
    """[n, window samples] float32 windows of a mono signal at SAMPLE_RATE, `overlap` (a fraction) apart.

    Windows start at 0 and every hop of window * (1 - overlap); only whole windows are kept (the tail
    after the last one is left out), except that a signal shorter than one window gives one window,
    padded with silence at the end.
    """
    window_seconds, overlap = check_window(window_seconds, overlap)
    signal = _mono_clip(signal)
    size = window_samples(window_seconds)
    if len(signal) <= size:
        padded = np.zeros((1, size), np.float32)
        padded[0, :len(signal)] = signal
        return padded
    hop = max(1, int(round(size * (1.0 - overlap))))
    starts = np.arange(0, len(signal) - size + 1, hop)
    return np.lib.stride_tricks.sliding_window_view(signal, size)[starts].copy()


def _mel_matrix(height):
    if height not in _mel_matrices:
        matrix = tf.signal.linear_to_mel_weight_matrix(height, _PICTURE_FRAME // 2 + 1, SAMPLE_RATE,
                                                       _PICTURE_LOWEST_HZ, SAMPLE_RATE / 2)
        _mel_matrices[height] = np.asarray(matrix.numpy(), np.float32)
    return _mel_matrices[height]


def spectrogram_image(clip, height=64):
    """A log-mel picture of a mono clip at SAMPLE_RATE: uint8 [height, frames], low pitches at the bottom.

    A column per 512 samples (11.6 ms). Brightness is the level on a fixed scale, -90 dB (black) to 0 dB
    (a full-scale sine, white), so pictures of different clips and the chunks of a live view compare.
    """
    clip = _mono_clip(clip)
    if len(clip) < _PICTURE_FRAME:
        clip = np.pad(clip, (0, _PICTURE_FRAME - len(clip)))
    window = np.hanning(_PICTURE_FRAME).astype(np.float32)
    frames = np.lib.stride_tricks.sliding_window_view(clip, _PICTURE_FRAME)[::_PICTURE_STEP] * window
    power = np.abs(np.fft.rfft(frames, axis=1)) ** 2
    # A full-scale sine puts (window sum / 2)^2 into its bin: that is 0 dB.
    full_scale = (window.sum() / 2.0) ** 2
    mel = power @ _mel_matrix(int(height)) / full_scale
    decibels = 10.0 * np.log10(np.maximum(mel, 1e-12))
    scaled = np.clip((decibels - _PICTURE_FLOOR_DB) / -_PICTURE_FLOOR_DB, 0.0, 1.0) * 255.0
    return np.ascontiguousarray(np.rint(scaled.T[::-1]).astype(np.uint8))


def rms_level_db(chunk):
    """The RMS level of a chunk in dB full scale (0 dB: a square wave at +-1), at least SILENCE_DB."""
    chunk = np.asarray(chunk, np.float64)
    if chunk.size == 0:
        return SILENCE_DB
    rms = float(np.sqrt(np.mean(chunk * chunk)))
    return max(SILENCE_DB, 20.0 * np.log10(rms)) if rms > 0 else SILENCE_DB

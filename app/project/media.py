"""What a sample holds, by project kind: how it is prepared, stored, checked when read back, batched and shown.

An image sample is a 224x224 RGB uint8 picture stored as PNG; a sound sample is a float32 mono clip of
the project's window length at SAMPLE_RATE stored as 32-bit float WAV (lossless). Reading back checks
the stored bytes before decoding them: a project file may come from anywhere.
"""
import io

import cv2
import numpy as np
import soundfile

from ..audio import SAMPLE_RATE, decode_wav, encode_wav, spectrogram_image, window_samples
from ..errors import AudioFileError, ProjectFormatError
from ..imaging import IMAGE_SIZE, decode_image, encode_png, prepare_image, thumbnail as image_thumbnail

__all__ = ["ImageMedia", "AudioMedia", "media_for"]

_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_PNG_SIZE = IMAGE_SIZE.to_bytes(4, "big") * 2
# A WAV header with the optional chunks soundfile writes is well under this.
_WAV_HEADER_ALLOWANCE = 4096


class ImageMedia:
    """224x224 RGB uint8 images, stored as PNG."""

    kind = "image"
    extension = ".png"
    # A 224x224 RGB PNG is at most about 150 KB even uncompressed.
    max_bytes = 1 << 20

    def prepare(self, image):
        """Any image -> the 224x224 RGB picture the project keeps (centre square, bilinear)."""
        return prepare_image(image)

    def encode(self, prepared):
        return encode_png(prepared)

    def decode(self, data, sample_id, where):
        # Check the header before decoding: a crafted file could hold a tiny PNG of enormous dimensions.
        if data[:8] != _PNG_SIGNATURE or data[12:16] != b"IHDR" or data[16:24] != _PNG_SIZE:
            raise ProjectFormatError(f"{where}: sample {sample_id} is not a {IMAGE_SIZE}x{IMAGE_SIZE} PNG image")
        return decode_image(data, f"sample {sample_id}")

    def thumbnail(self, image, size):
        return image_thumbnail(image, size)

    def stack(self, items):
        return np.stack(items) if items else np.zeros((0, IMAGE_SIZE, IMAGE_SIZE, 3), np.uint8)


class AudioMedia:
    """Float32 mono clips of `window_seconds` at SAMPLE_RATE, stored as 32-bit float WAV."""

    kind = "audio"
    extension = ".wav"

    def __init__(self, window_seconds):
        self.window_samples = window_samples(window_seconds)
        self.max_bytes = _WAV_HEADER_ALLOWANCE + 4 * self.window_samples

    def prepare(self, clip):
        """A mono clip at SAMPLE_RATE of at most one window -> float32 of exactly one window (padded with silence).

        A longer clip is refused rather than cut: `app.audio.cut_windows` cuts recordings into windows.
        """
        clip = np.asarray(clip)
        if clip.ndim != 1 or not np.issubdtype(clip.dtype, np.floating):
            raise ValueError(f"an audio sample is a mono float clip (samples,) at {SAMPLE_RATE} Hz, got "
                             f"{clip.dtype} of shape {clip.shape}")
        if len(clip) > self.window_samples:
            raise ValueError(f"the clip has {len(clip)} samples, more than the project's window of "
                             f"{self.window_samples}; cut recordings with app.audio.cut_windows first")
        if not np.all(np.isfinite(clip)):
            raise ValueError("the clip holds invalid samples (NaN or infinity)")
        prepared = np.zeros(self.window_samples, np.float32)
        prepared[:len(clip)] = clip
        return prepared

    def encode(self, prepared):
        return encode_wav(prepared)

    def decode(self, data, sample_id, where):
        try:
            info = soundfile.info(io.BytesIO(data))
        except (soundfile.LibsndfileError, RuntimeError) as exc:
            raise ProjectFormatError(f"{where}: sample {sample_id} is not a WAV clip ({exc})") from exc
        expected = (SAMPLE_RATE, 1, self.window_samples, "FLOAT")
        if (info.samplerate, info.channels, info.frames, info.subtype) != expected:
            raise ProjectFormatError(f"{where}: sample {sample_id} is a {info.channels}-channel {info.subtype} clip "
                                     f"of {info.frames} samples at {info.samplerate} Hz, expected mono FLOAT of "
                                     f"{self.window_samples} samples at {SAMPLE_RATE} Hz")
        try:
            return decode_wav(data, f"sample {sample_id}")
        except AudioFileError as exc:
            raise ProjectFormatError(f"{where}: {exc}") from exc

    def thumbnail(self, clip, size):
        """The clip's log-mel spectrogram as a size x size RGB picture (magma colours: quiet dark, loud bright)."""
        picture = cv2.resize(spectrogram_image(clip, height=size), (size, size), interpolation=cv2.INTER_AREA)
        return cv2.cvtColor(cv2.applyColorMap(picture, cv2.COLORMAP_MAGMA), cv2.COLOR_BGR2RGB)

    def stack(self, items):
        return np.stack(items) if items else np.zeros((0, self.window_samples), np.float32)


def media_for(kind, window_seconds=None):
    """The media of a project of `kind` ("image" or "audio"; audio needs its window length)."""
    if kind == "image":
        return ImageMedia()
    if kind == "audio":
        return AudioMedia(window_seconds)
    raise ValueError(f"unknown project kind {kind!r}; choose 'image' or 'audio'")

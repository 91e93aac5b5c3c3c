"""The frozen sound feature extractor: float32 mono clips of one window at 44.1 kHz -> 512-d embeddings (aiSFX).

The log-mel front end is the network's first layer (engine.applications.audio.AisfxEmbedding), so the
exported model takes the raw waveform and nobody has to reproduce the spectrogram.
"""
import numpy as np

import engine as tf
from engine.applications.audio import AisfxEmbedding, aisfx

from ..audio import SAMPLE_RATE
from .feature_extractor import FeatureExtractor

__all__ = ["AudioFeatureExtractor", "DEFAULT_AUDIO_EXTRACTOR"]

DEFAULT_AUDIO_EXTRACTOR = "aisfx"


class AudioFeatureExtractor(FeatureExtractor):
    """Embeds [N, window_samples] float32 clips; the network is built on first use (on `backend`, if given).

    `model` replaces aiSFX with any Keras model taking raw waveforms [N, window_samples] to [N, d]
    vectors; tests use a small one where the network is not the point. Same interface as
    app.ml.extractor.ImageFeatureExtractor.
    """

    kind = "audio"
    default_name = DEFAULT_AUDIO_EXTRACTOR
    default_embedding_size = aisfx.EMBEDDING_SIZE

    def __init__(self, window_samples=SAMPLE_RATE, backend=None, model=None, name=None, batch_size=8):
        self.window_samples = int(window_samples)
        if model is not None and tuple(model.inputs[0].shape[1:]) != (self.window_samples,):
            raise ValueError(f"AudioFeatureExtractor: the model takes {tuple(model.inputs[0].shape[1:])}, not "
                             f"clips of {self.window_samples} samples")
        super().__init__(backend, model, name, batch_size)

    def _build(self):
        return AisfxEmbedding(num_samples=self.window_samples)

    def _checked(self, clips):
        if clips.ndim != 2 or clips.shape[1] != self.window_samples:
            raise ValueError(f"embed: expected clips [N, {self.window_samples}], got {clips.shape}")
        return clips

    @staticmethod
    def _network_input(clips):
        return clips.astype(np.float32, copy=False)

    def prepare_batch(self, clips):
        """A [N, window_samples] float32 batch; a list of mono clips up to one window long is padded with silence."""
        if isinstance(clips, np.ndarray) and clips.ndim == 2:
            if clips.shape[1] != self.window_samples:
                raise ValueError(f"expected clips of {self.window_samples} samples, got {clips.shape[1]}")
            return clips.astype(np.float32, copy=False)
        batch = np.zeros((len(clips), self.window_samples), np.float32)
        for row, clip in zip(batch, clips):
            clip = np.asarray(clip, np.float32)
            if clip.ndim != 1 or len(clip) > self.window_samples:
                raise ValueError(f"expected mono clips of at most {self.window_samples} samples, got shape "
                                 f"{clip.shape}; cut longer recordings with app.audio.cut_windows")
            row[:len(clip)] = clip
        return batch

    def end_to_end(self, head):
        """One Keras model: a float32 waveform [N, window_samples] at 44.1 kHz in [-1, 1] -> the head's outputs."""
        inputs = tf.keras.Input((self.window_samples,), name="waveform")
        outputs = head(self.model(inputs))
        return tf.keras.Model(inputs, outputs, name="glimmer_audio_classifier")

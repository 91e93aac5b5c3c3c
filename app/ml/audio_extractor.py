"""The frozen sound feature extractor: float32 mono clips of one window at 44.1 kHz -> 512-d embeddings (aiSFX).

The log-mel front end is the network's first layer (engine.applications.audio.AisfxEmbedding), so the
exported model takes the raw waveform and nobody has to reproduce the spectrogram.
"""
import threading

import numpy as np

import engine as tf
from engine.applications.audio import AisfxEmbedding, aisfx

from ..audio import SAMPLE_RATE

__all__ = ["AudioFeatureExtractor", "DEFAULT_AUDIO_EXTRACTOR"]

DEFAULT_AUDIO_EXTRACTOR = "aisfx"


class AudioFeatureExtractor:
    """Embeds batches of clips of `window_samples`; the network is built on first use (on `backend`, if given).

    `model` replaces aiSFX with any Keras model taking raw waveforms [N, window_samples] to [N, d]
    vectors; tests use a small one where the network is not the point. Same interface as
    app.ml.extractor.ImageFeatureExtractor.
    """

    kind = "audio"

    def __init__(self, window_samples=SAMPLE_RATE, backend=None, model=None, name=None, batch_size=8):
        self.window_samples = int(window_samples)
        if model is not None and tuple(model.inputs[0].shape[1:]) != (self.window_samples,):
            raise ValueError(f"AudioFeatureExtractor: the model takes {tuple(model.inputs[0].shape[1:])}, not "
                             f"clips of {self.window_samples} samples")
        self.backend = backend
        self.batch_size = int(batch_size)
        self._model = model
        self.name = name or (model.name if model is not None else DEFAULT_AUDIO_EXTRACTOR)
        self._lock = threading.Lock()
        self._traced = None

    @property
    def model(self):
        """The Keras extractor network, waveform in (built and loaded with the shipped weights on first use)."""
        if self._model is None:
            with self._lock:
                if self._model is None:
                    if self.backend is not None:
                        tf.set_backend(self.backend)
                    self._model = AisfxEmbedding(num_samples=self.window_samples)
        return self._model

    def _forward(self):
        """The network as a tf.function: on a GL backend each batch shape is traced once, then replayed."""
        model = self.model
        if self._traced is None or self._traced.python_function is not model:
            self._traced = tf.function(model)
        return self._traced

    @property
    def embedding_size(self):
        if self._model is None:
            return aisfx.EMBEDDING_SIZE          # known without building the network
        return int(self._model.outputs[0].shape[-1])

    def embed(self, clips):
        """[N, window_samples] float32 clips -> [N, embedding_size] float32, in batches."""
        clips = np.asarray(clips)
        if clips.ndim != 2 or clips.shape[1] != self.window_samples:
            raise ValueError(f"embed: expected clips [N, {self.window_samples}], got {clips.shape}")
        forward = self._forward()
        if len(clips) == 0:
            return np.zeros((0, self.embedding_size), np.float32)
        vectors = []
        for start in range(0, len(clips), self.batch_size):
            batch = tf.constant(clips[start:start + self.batch_size].astype(np.float32, copy=False))
            vectors.append(np.asarray(forward(batch, training=False).numpy(), dtype=np.float32))
        return np.concatenate(vectors)

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

"""The frozen image feature extractor: 224x224 RGB images -> embedding vectors (EfficientNet-Lite0 by default)."""
import threading

import numpy as np

import engine as tf
from engine import applications
from engine.applications import efficientnet_lite

from ..imaging import IMAGE_SIZE

__all__ = ["ImageFeatureExtractor", "DEFAULT_EXTRACTOR"]

DEFAULT_EXTRACTOR = "efficientnet_lite0"


class ImageFeatureExtractor:
    """Embeds batches of prepared images; the network is built on first use (on `backend`, if given).

    `model` replaces EfficientNet-Lite0 with any Keras model taking preprocessed [N, 224, 224, 3]
    images ((x - 127) / 128) to [N, d] vectors; tests use a small one where the network is not the point.
    """

    def __init__(self, backend=None, model=None, name=None, batch_size=16):
        self.backend = backend
        self.batch_size = int(batch_size)
        self._model = model
        self.name = name or (model.name if model is not None else DEFAULT_EXTRACTOR)
        self._lock = threading.Lock()

    @property
    def model(self):
        """The Keras extractor network (built and loaded with the shipped weights on first use)."""
        if self._model is None:
            with self._lock:
                if self._model is None:
                    if self.backend is not None:
                        tf.set_backend(self.backend)
                    self._model = applications.EfficientNetLite0(include_top=False, weights="imagenet",
                                                                 pooling="avg",
                                                                 input_shape=(IMAGE_SIZE, IMAGE_SIZE, 3))
        return self._model

    @property
    def embedding_size(self):
        if self._model is None:
            return efficientnet_lite.EMBEDDING_SIZE          # known without building the network
        return int(self._model.outputs[0].shape[-1])

    def embed(self, images):
        """[N, 224, 224, 3] uint8 RGB (already prepared) -> [N, embedding_size] float32, in batches."""
        images = np.asarray(images)
        if images.ndim != 4 or images.shape[1:] != (IMAGE_SIZE, IMAGE_SIZE, 3):
            raise ValueError(f"embed: expected prepared images [N, {IMAGE_SIZE}, {IMAGE_SIZE}, 3], got "
                             f"{images.shape}")
        model = self.model
        if len(images) == 0:
            return np.zeros((0, self.embedding_size), np.float32)
        vectors = []
        for start in range(0, len(images), self.batch_size):
            batch = efficientnet_lite.preprocess_input(images[start:start + self.batch_size].astype(np.float32))
            vectors.append(np.asarray(model(tf.constant(batch), training=False).numpy(), dtype=np.float32))
        return np.concatenate(vectors)

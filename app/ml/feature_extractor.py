"""What the image and sound feature extractors share: a frozen network built on first use, run as a
tf.function (each batch shape is traced once, then replayed), in batches."""
import threading

import numpy as np

import engine as tf

__all__ = ["FeatureExtractor"]


class FeatureExtractor:
    """Subclasses set `kind`, `default_name` and `default_embedding_size`, and give `_build()` (the shipped
    network), `_checked(inputs)` (ValueError for inputs of the wrong shape) and `_network_input(batch)`."""

    kind = None
    default_name = None
    default_embedding_size = None

    def __init__(self, backend, model, name, batch_size):
        self.backend = backend
        self.batch_size = int(batch_size)
        self._model = model
        self._forward = None if model is None else tf.function(model)
        self.name = name or (model.name if model is not None else self.default_name)
        self._lock = threading.Lock()

    @property
    def model(self):
        """The Keras extractor network (built and loaded with the shipped weights on first use)."""
        if self._model is None:
            with self._lock:
                if self._model is None:
                    if self.backend is not None:
                        tf.set_backend(self.backend)
                    model = self._build()
                    self._forward = tf.function(model)
                    self._model = model
        return self._model

    @property
    def embedding_size(self):
        if self._model is None:
            return self.default_embedding_size          # known without building the network
        return int(self._model.outputs[0].shape[-1])

    def embed(self, inputs):
        """A batch of inputs -> [N, embedding_size] float32, `batch_size` at a time."""
        inputs = self._checked(np.asarray(inputs))
        self.model   # noqa: B018  (builds the network and its tf.function on first use)
        if len(inputs) == 0:
            return np.zeros((0, self.embedding_size), np.float32)
        vectors = []
        for start in range(0, len(inputs), self.batch_size):
            batch = tf.constant(self._network_input(inputs[start:start + self.batch_size]))
            vectors.append(np.asarray(self._forward(batch, training=False).numpy(), dtype=np.float32))
        return np.concatenate(vectors)

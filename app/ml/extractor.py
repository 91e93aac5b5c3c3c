"""The frozen image feature extractor: 224x224 RGB images -> embedding vectors (EfficientNet-Lite0 by default)."""
import threading

import numpy as np

import engine as tf
from engine import applications
from engine.applications import efficientnet_lite

from ..imaging import IMAGE_SIZE, prepare_image

__all__ = ["ImageFeatureExtractor", "DEFAULT_EXTRACTOR", "INPUT_MEAN", "INPUT_SCALE"]

DEFAULT_EXTRACTOR = "efficientnet_lite0"
# EfficientNet-Lite's input normalisation, (x - 127) / 128, inside the exported model as a Rescaling layer.
INPUT_MEAN = 127.0
INPUT_SCALE = 128.0


class ImageFeatureExtractor:
    """Embeds batches of prepared images; the network is built on first use (on `backend`, if given).

    `model` replaces EfficientNet-Lite0 with any Keras model taking preprocessed [N, 224, 224, 3]
    images ((x - 127) / 128) to [N, d] vectors; tests use a small one where the network is not the point.
    The audio counterpart, with the same interface, is app.ml.audio_extractor.AudioFeatureExtractor.
    """

    kind = "image"

    def __init__(self, backend=None, model=None, name=None, batch_size=16):
        self.backend = backend
        self.batch_size = int(batch_size)
        self._model = model
        self.name = name or (model.name if model is not None else DEFAULT_EXTRACTOR)
        self._lock = threading.Lock()
        self._traced = None

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

    def _forward(self):
        """The network as a tf.function: on a GL backend each batch shape is traced once, then replayed."""
        model = self.model
        if self._traced is None or self._traced.python_function is not model:
            self._traced = tf.function(model)
        return self._traced

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
        forward = self._forward()
        if len(images) == 0:
            return np.zeros((0, self.embedding_size), np.float32)
        vectors = []
        for start in range(0, len(images), self.batch_size):
            batch = efficientnet_lite.preprocess_input(images[start:start + self.batch_size].astype(np.float32))
            vectors.append(np.asarray(forward(tf.constant(batch), training=False).numpy(), dtype=np.float32))
        return np.concatenate(vectors)

    def prepare_batch(self, images):
        """A [N, 224, 224, 3] uint8 batch; images of other sizes are prepared (centre crop, resize) first."""
        if isinstance(images, np.ndarray) and images.ndim == 4 and images.shape[1:] == (IMAGE_SIZE, IMAGE_SIZE, 3):
            return images
        prepared = [prepare_image(image) for image in images]
        return np.stack(prepared) if prepared else np.zeros((0, IMAGE_SIZE, IMAGE_SIZE, 3), np.uint8)

    def end_to_end(self, head):
        """One Keras model: raw RGB float32 [N, 224, 224, 3] in 0..255 -> the head's outputs.

        The preprocessing is a Rescaling layer inside the model, so users of the exported file never
        have to guess the normalisation.
        """
        inputs = tf.keras.Input((IMAGE_SIZE, IMAGE_SIZE, 3), name="image")
        x = tf.keras.layers.Rescaling(1.0 / INPUT_SCALE, offset=-INPUT_MEAN / INPUT_SCALE, name="preprocess")(inputs)
        outputs = head(self.model(x))
        return tf.keras.Model(inputs, outputs, name="glimmer_image_classifier")

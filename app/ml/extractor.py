"""The frozen image feature extractor: 224x224 RGB images -> embedding vectors (EfficientNet-Lite0 by default)."""
import numpy as np

import engine as tf
from engine import applications
from engine.applications import efficientnet_lite

from ..imaging import IMAGE_SIZE, prepare_image
from .feature_extractor import FeatureExtractor

__all__ = ["ImageFeatureExtractor", "DEFAULT_EXTRACTOR", "INPUT_MEAN", "INPUT_SCALE"]

DEFAULT_EXTRACTOR = "efficientnet_lite0"
# EfficientNet-Lite's input normalisation, (x - 127) / 128, inside the exported model as a Rescaling layer.
INPUT_MEAN = 127.0
INPUT_SCALE = 128.0


class ImageFeatureExtractor(FeatureExtractor):
    """Embeds [N, 224, 224, 3] uint8 prepared images; the network is built on first use (on `backend`, if given).

    `model` replaces EfficientNet-Lite0 with any Keras model taking preprocessed [N, 224, 224, 3]
    images ((x - 127) / 128) to [N, d] vectors; tests use a small one where the network is not the point.
    The audio counterpart, with the same interface, is app.ml.audio_extractor.AudioFeatureExtractor.
    """

    kind = "image"
    default_name = DEFAULT_EXTRACTOR
    default_embedding_size = efficientnet_lite.EMBEDDING_SIZE

    def __init__(self, backend=None, model=None, name=None, batch_size=16):
        super().__init__(backend, model, name, batch_size)

    def _build(self):
        return applications.EfficientNetLite0(include_top=False, weights="imagenet", pooling="avg",
                                              input_shape=(IMAGE_SIZE, IMAGE_SIZE, 3))

    @staticmethod
    def _checked(images):
        if images.ndim != 4 or images.shape[1:] != (IMAGE_SIZE, IMAGE_SIZE, 3):
            raise ValueError(f"embed: expected prepared images [N, {IMAGE_SIZE}, {IMAGE_SIZE}, 3], got "
                             f"{images.shape}")
        return images

    @staticmethod
    def _network_input(images):
        return efficientnet_lite.preprocess_input(images.astype(np.float32))

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

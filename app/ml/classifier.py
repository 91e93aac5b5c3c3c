"""A trained classifier: extractor + head, for live prediction and as one exportable Keras model."""
import numpy as np

import engine as tf

from ..imaging import IMAGE_SIZE, prepare_image

__all__ = ["Classifier", "INPUT_MEAN", "INPUT_SCALE"]

# EfficientNet-Lite's input normalisation, (x - 127) / 128, inside the exported model as a Rescaling layer.
INPUT_MEAN = 127.0
INPUT_SCALE = 128.0


class Classifier:
    """Scores images with `head` on top of `extractor`; output columns follow `labels`."""

    def __init__(self, extractor, head, labels):
        self.extractor = extractor
        self.head = head
        self.labels = list(labels)
        outputs = int(head.outputs[0].shape[-1])
        if outputs != len(self.labels):
            raise ValueError(f"the head has {outputs} outputs but {len(self.labels)} labels were given")
        self._full_model = None

    def _batch(self, images):
        """A [N, 224, 224, 3] uint8 batch; images of other sizes are prepared (centre crop, resize) first."""
        if isinstance(images, np.ndarray) and images.ndim == 4 and images.shape[1:] == (IMAGE_SIZE, IMAGE_SIZE, 3):
            return images
        prepared = [prepare_image(image) for image in images]
        return np.stack(prepared) if prepared else np.zeros((0, IMAGE_SIZE, IMAGE_SIZE, 3), np.uint8)

    def predict_embeddings(self, embeddings):
        """[N, d] embeddings -> [N, classes] probabilities."""
        embeddings = np.asarray(embeddings, np.float32)
        if len(embeddings) == 0:
            return np.zeros((0, len(self.labels)), np.float32)
        return np.asarray(self.head(tf.constant(embeddings), training=False).numpy(), dtype=np.float32)

    def predict(self, images):
        """Images (a prepared [N, 224, 224, 3] batch or a list of any-size images) -> [N, classes] probabilities."""
        return self.predict_embeddings(self.extractor.embed(self._batch(images)))

    def predict_one(self, image):
        """{label: probability} for one image of any size."""
        scores = self.predict([image])[0]
        return {label: float(score) for label, score in zip(self.labels, scores)}

    def full_model(self):
        """One Keras model: raw RGB float32 [N, 224, 224, 3] in 0..255 -> softmax scores in label order.

        The preprocessing is a Rescaling layer inside the model, so users of the exported file never
        have to guess the normalisation.
        """
        if self._full_model is None:
            inputs = tf.keras.Input((IMAGE_SIZE, IMAGE_SIZE, 3), name="image")
            x = tf.keras.layers.Rescaling(1.0 / INPUT_SCALE, offset=-INPUT_MEAN / INPUT_SCALE,
                                          name="preprocess")(inputs)
            x = self.extractor.model(x)
            outputs = self.head(x)
            self._full_model = tf.keras.Model(inputs, outputs, name="glimmer_image_classifier")
        return self._full_model

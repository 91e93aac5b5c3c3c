"""A trained classifier: extractor + head, for live prediction and as one exportable Keras model.

The same class serves image and audio projects: the extractor knows its kind of input
(`prepare_batch`) and how the whole pipeline becomes one model (`end_to_end`).
"""
import numpy as np

import engine as tf

__all__ = ["Classifier"]


class Classifier:
    """Scores images or clips with `head` on top of `extractor`; output columns follow `labels`."""

    def __init__(self, extractor, head, labels):
        self.extractor = extractor
        self.head = head
        self.labels = list(labels)
        outputs = int(head.outputs[0].shape[-1])
        if outputs != len(self.labels):
            raise ValueError(f"the head has {outputs} outputs but {len(self.labels)} labels were given")
        self._full_model = None

    @property
    def kind(self):
        """"image" or "audio": what the classifier takes."""
        return self.extractor.kind

    def predict_embeddings(self, embeddings):
        """[N, d] embeddings -> [N, classes] probabilities."""
        embeddings = np.asarray(embeddings, np.float32)
        if len(embeddings) == 0:
            return np.zeros((0, len(self.labels)), np.float32)
        return np.asarray(self.head(tf.constant(embeddings), training=False).numpy(), dtype=np.float32)

    def predict(self, inputs):
        """A prepared batch ([N, 224, 224, 3] images or [N, window samples] clips) or a list of images of any size
        or clips up to one window -> [N, classes] probabilities."""
        return self.predict_embeddings(self.extractor.embed(self.extractor.prepare_batch(inputs)))

    def predict_one(self, item):
        """{label: probability} for one image of any size or one clip."""
        scores = self.predict([item])[0]
        return {label: float(score) for label, score in zip(self.labels, scores)}

    def full_model(self):
        """One Keras model from raw input to softmax scores in label order (the extractor says which input:
        RGB float32 [N, 224, 224, 3] in 0..255, or a float32 waveform [N, window samples] at 44.1 kHz)."""
        if self._full_model is None:
            self._full_model = self.extractor.end_to_end(self.head)
        return self._full_model

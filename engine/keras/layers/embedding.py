"""Embedding: integer indices to dense vectors (Keras 3 arguments, weight `embeddings`, config)."""
import warnings

import engine as tf

from ...errors import InvalidArgumentError, UnimplementedError
from .. import constraints, initializers, regularizers
from ..layer import Layer

__all__ = ["Embedding"]


def _positive_int(value, what):
    if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
        raise InvalidArgumentError(f"Embedding: {what} must be a positive integer, got {what}={value!r}")
    return value


class Embedding(Layer):
    """Looks up row `i` of the (input_dim, output_dim) `embeddings` matrix for each index `i`.

    With `mask_zero=True`, index 0 is padding: the layer's mask is `inputs != 0`.
    """

    def __init__(self, input_dim, output_dim, embeddings_initializer="uniform", embeddings_regularizer=None,
                 embeddings_constraint=None, mask_zero=False, weights=None, lora_rank=None, lora_alpha=None,
                 **kwargs):
        if kwargs.pop("input_length", None) is not None:
            warnings.warn("Embedding: argument `input_length` is deprecated and ignored", stacklevel=2)
        quantization_config = kwargs.pop("quantization_config", None)
        super().__init__(**kwargs)
        if lora_rank or quantization_config is not None:
            raise UnimplementedError(f"{self.name}: LoRA and quantized embeddings are not supported")
        self.input_dim = _positive_int(input_dim, "input_dim")
        self.output_dim = _positive_int(output_dim, "output_dim")
        self.embeddings_initializer = initializers.get(embeddings_initializer)
        self.embeddings_regularizer = regularizers.get(embeddings_regularizer)
        self.embeddings_constraint = constraints.get(embeddings_constraint)
        self.mask_zero = mask_zero
        self.supports_masking = mask_zero
        self.embeddings = None
        if weights is not None:
            self.build()
            self.set_weights(weights if isinstance(weights, list) and len(weights) == 1 else [weights])

    def build(self, input_shape=None):
        if self.embeddings is not None:
            return
        self.embeddings = self.add_weight(shape=(self.input_dim, self.output_dim), name="embeddings",
                                          initializer=self.embeddings_initializer,
                                          regularizer=self.embeddings_regularizer,
                                          constraint=self.embeddings_constraint, trainable=True)

    def call(self, inputs):
        indices = tf.convert_to_tensor(inputs)
        if indices.dtype != tf.int32:
            indices = tf.cast(indices, "int32")
        return tf.gather(self.embeddings, indices)

    def compute_mask(self, inputs, mask=None):
        if not self.mask_zero:
            return None
        return tf.not_equal(tf.convert_to_tensor(inputs), 0)

    def compute_output_shape(self, input_shape):
        return (*tuple(input_shape), self.output_dim)

    def get_config(self):
        config = {
            "input_dim": self.input_dim,
            "output_dim": self.output_dim,
            "embeddings_initializer": initializers.serialize(self.embeddings_initializer),
            "embeddings_regularizer": regularizers.serialize(self.embeddings_regularizer),
            "activity_regularizer": regularizers.serialize(self.activity_regularizer),
            "embeddings_constraint": constraints.serialize(self.embeddings_constraint),
            "mask_zero": self.mask_zero,
            "quantization_config": None,
        }
        return {**super().get_config(), **config}

"""Core layers: Input/InputLayer, Dense, Activation, Dropout, Flatten, Reshape, Permute, RepeatVector."""
import math

import numpy as np

import engine as tf

from ...errors import InvalidArgumentError, UnimplementedError
from .. import activations, constraints, initializers, regularizers
from ..keras_tensor import KerasTensor, Node
from ..layer import InputSpec, Layer

__all__ = ["Input", "InputLayer", "Dense", "Activation", "Dropout", "Flatten", "Reshape", "Permute", "RepeatVector"]


def standardize_data_format(data_format, layer_name):
    """Keras's `data_format`: None means channels_last here (the engine's only layout)."""
    data_format = "channels_last" if data_format is None else str(data_format).lower()
    if data_format == "channels_first":
        raise UnimplementedError(f"layer {layer_name!r}: data_format='channels_first' is not supported; the engine "
                                 "computes channels_last only (transpose the input and use channels_last)")
    if data_format != "channels_last":
        raise InvalidArgumentError(f"layer {layer_name!r}: data_format must be 'channels_last' or 'channels_first', "
                                   f"got {data_format!r}")
    return data_format


class InputLayer(Layer):
    """The entry point of a functional model: holds the symbolic input tensor of shape `batch_shape`."""

    def __init__(self, shape=None, batch_size=None, dtype=None, sparse=None, ragged=None, batch_shape=None,
                 input_tensor=None, optional=False, name=None, **kwargs):
        # Keras 2 configs (TF.js, legacy .h5) name the shape batch_input_shape.
        legacy_shape = kwargs.pop("batch_input_shape", None)
        legacy_input_shape = kwargs.pop("input_shape", None)
        shape = legacy_input_shape if shape is None else shape
        super().__init__(name=name, dtype=dtype, **kwargs)
        if sparse or ragged:
            raise UnimplementedError(f"InputLayer {self.name!r}: sparse and ragged inputs are not supported")
        if batch_shape is None:
            batch_shape = legacy_shape
        if input_tensor is not None:
            if not isinstance(input_tensor, KerasTensor):
                raise InvalidArgumentError(f"InputLayer {self.name!r}: input_tensor must be a KerasTensor, got "
                                           f"{type(input_tensor).__name__}")
            batch_shape = input_tensor.shape
        if shape is not None and batch_shape is not None:
            raise InvalidArgumentError(f"InputLayer {self.name!r}: pass shape or batch_shape, not both")
        if batch_shape is None:
            if shape is None:
                raise InvalidArgumentError(f"InputLayer {self.name!r}: a shape is needed (shape=(...) without the "
                                           "batch dimension, or batch_shape=(...) with it)")
            shape = (shape,) if isinstance(shape, int) else tuple(shape)
            batch_shape = (batch_size, *shape)
        self._batch_shape = tuple(None if d is None else int(d) for d in batch_shape)
        self.sparse = False
        self.ragged = False
        self.optional = optional
        self.built = True
        tensor = input_tensor if input_tensor is not None else KerasTensor(self._batch_shape, dtype=self.dtype,
                                                                           name=self.name)
        Node(self, (), {}, tensor)
        self._input_tensor = tensor

    @property
    def batch_shape(self):
        return self._batch_shape

    @property
    def output(self):
        return self._input_tensor

    def call(self, inputs):
        return inputs

    def compute_output_shape(self, input_shape):
        return self._batch_shape

    def get_config(self):
        return {"batch_shape": list(self._batch_shape), "dtype": self.dtype, "sparse": self.sparse,
                "ragged": self.ragged, "name": self.name, "optional": self.optional}

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        config.pop("trainable", None)
        return cls(**config)


def Input(shape=None, batch_size=None, dtype=None, sparse=None, ragged=None, batch_shape=None, name=None,
          tensor=None, optional=False):
    """A symbolic input tensor for a functional model (`shape` excludes the batch dimension)."""
    layer = InputLayer(shape=shape, batch_size=batch_size, dtype=dtype, sparse=sparse, ragged=ragged,
                       batch_shape=batch_shape, input_tensor=tensor, optional=optional, name=name)
    return layer.output


class Dense(Layer):
    """activation(inputs @ kernel + bias) over the last axis of inputs of rank 2 or more."""

    def __init__(self, units, activation=None, use_bias=True, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, lora_rank=None, lora_alpha=None,
                 quantization_config=None, **kwargs):
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        if lora_rank or quantization_config is not None:
            raise UnimplementedError(f"Dense {self.name!r}: LoRA and quantization are not supported")
        if not isinstance(units, (int, np.integer)) or isinstance(units, bool) or units <= 0:
            raise InvalidArgumentError(f"Dense {self.name!r}: units must be a positive integer, got {units!r}")
        self.units = int(units)
        self.activation = activations.get(activation)
        self.use_bias = use_bias
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self.input_spec = InputSpec(min_ndim=2)
        self.supports_masking = True

    def build(self, input_shape):
        input_dim = input_shape[-1]
        if input_dim is None:
            raise InvalidArgumentError(f"Dense {self.name!r}: the last dimension of the input must be known, got "
                                       f"input shape {tuple(input_shape)}")
        self.kernel = self.add_weight(name="kernel", shape=(input_dim, self.units),
                                      initializer=self.kernel_initializer, regularizer=self.kernel_regularizer,
                                      constraint=self.kernel_constraint)
        self.bias = self.add_weight(name="bias", shape=(self.units,), initializer=self.bias_initializer,
                                    regularizer=self.bias_regularizer,
                                    constraint=self.bias_constraint) if self.use_bias else None
        self.input_spec = InputSpec(min_ndim=2, axes={-1: input_dim})

    def call(self, inputs):
        if inputs.ndim == 2:
            outputs = tf.matmul(inputs, self.kernel)
        else:
            flat = tf.reshape(inputs, [-1, inputs.shape[-1]])
            outputs = tf.reshape(tf.matmul(flat, self.kernel), [*inputs.shape[:-1], self.units])
        if self.bias is not None:
            outputs = outputs + self.bias
        return self.activation(outputs) if self.activation is not activations.linear else outputs

    def compute_output_shape(self, input_shape):
        return (*tuple(input_shape)[:-1], self.units)

    def get_config(self):
        return {**super().get_config(), "units": self.units, "activation": activations.serialize(self.activation),
                "use_bias": self.use_bias,
                "kernel_initializer": initializers.serialize(self.kernel_initializer),
                "bias_initializer": initializers.serialize(self.bias_initializer),
                "kernel_regularizer": regularizers.serialize(self.kernel_regularizer),
                "bias_regularizer": regularizers.serialize(self.bias_regularizer),
                "kernel_constraint": constraints.serialize(self.kernel_constraint),
                "bias_constraint": constraints.serialize(self.bias_constraint),
                "quantization_config": None}


class Activation(Layer):
    """Applies an activation function (by name or callable)."""

    def __init__(self, activation, **kwargs):
        super().__init__(**kwargs)
        self.activation = activations.get(activation)
        self.supports_masking = True

    def call(self, inputs):
        return self.activation(inputs)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        return {**super().get_config(), "activation": activations.serialize(self.activation)}


class Dropout(Layer):
    """In training, zeroes a fraction `rate` of the inputs and scales the rest by 1 / (1 - rate)."""

    def __init__(self, rate, noise_shape=None, seed=None, **kwargs):
        super().__init__(**kwargs)
        if not 0 <= rate <= 1:
            raise InvalidArgumentError(f"Dropout {self.name!r}: rate must be in [0, 1], got {rate!r}")
        self.rate = rate
        self.noise_shape = None if noise_shape is None else list(noise_shape)
        self.seed = seed
        self.supports_masking = True

    def call(self, inputs, training=False):
        if not training or self.rate == 0:
            return inputs
        if self.rate == 1:
            return tf.zeros_like(inputs)
        noise_shape = None
        if self.noise_shape is not None:
            noise_shape = [d if d is not None else inputs.shape[i] for i, d in enumerate(self.noise_shape)]
        return tf.nn.dropout(inputs, rate=self.rate, noise_shape=noise_shape, seed=self.seed)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        return {**super().get_config(), "rate": self.rate, "seed": self.seed, "noise_shape": self.noise_shape}


class Flatten(Layer):
    """Flattens every dimension but the batch one."""

    def __init__(self, data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.data_format = standardize_data_format(data_format, self.name)
        self.input_spec = InputSpec(min_ndim=1)

    def call(self, inputs):
        return tf.reshape(inputs, [inputs.shape[0], math.prod(inputs.shape[1:])])

    def compute_output_shape(self, input_shape):
        rest = tuple(input_shape)[1:]
        size = None if any(d is None for d in rest) else math.prod(rest)
        return (input_shape[0], size)

    def get_config(self):
        return {**super().get_config(), "data_format": self.data_format}


class Reshape(Layer):
    """Reshapes each example to `target_shape` (one entry may be -1, inferred)."""

    def __init__(self, target_shape, **kwargs):
        super().__init__(**kwargs)
        target_shape = tuple(int(d) for d in target_shape)
        if sum(d == -1 for d in target_shape) > 1 or any(d < -1 or d == 0 for d in target_shape):
            raise InvalidArgumentError(f"Reshape {self.name!r}: target_shape may hold positive sizes and at most one "
                                       f"-1, got {target_shape}")
        self.target_shape = target_shape

    def _resolved(self, input_shape):
        known = [d for d in self.target_shape if d != -1]
        rest = tuple(input_shape)[1:]
        if any(d is None for d in rest):
            return tuple(None if d == -1 else d for d in self.target_shape)
        size = math.prod(rest)
        if -1 in self.target_shape:
            if size % math.prod(known):
                raise InvalidArgumentError(f"Reshape {self.name!r}: an input of shape {tuple(input_shape)} "
                                           f"({size} values per example) cannot be reshaped to {self.target_shape}")
            return tuple(size // math.prod(known) if d == -1 else d for d in self.target_shape)
        if math.prod(known) != size:
            raise InvalidArgumentError(f"Reshape {self.name!r}: total size of the input ({size} values per example, "
                                       f"shape {tuple(input_shape)}) differs from target_shape {self.target_shape}")
        return self.target_shape

    def call(self, inputs):
        return tf.reshape(inputs, [inputs.shape[0], *self._resolved(tuple(inputs.shape))])

    def compute_output_shape(self, input_shape):
        return (input_shape[0], *self._resolved(input_shape))

    def get_config(self):
        return {**super().get_config(), "target_shape": list(self.target_shape)}


class Permute(Layer):
    """Permutes the non-batch dimensions: `dims` are 1-based, e.g. (2, 1) swaps the first two."""

    def __init__(self, dims, **kwargs):
        super().__init__(**kwargs)
        self.dims = tuple(int(d) for d in dims)
        if sorted(self.dims) != list(range(1, len(self.dims) + 1)):
            raise InvalidArgumentError(f"Permute {self.name!r}: dims must be a permutation of 1..{len(self.dims)}, "
                                       f"got {self.dims}")
        self.input_spec = InputSpec(ndim=len(self.dims) + 1)

    def call(self, inputs):
        return tf.transpose(inputs, [0, *self.dims])

    def compute_output_shape(self, input_shape):
        return (input_shape[0], *(input_shape[d] for d in self.dims))

    def get_config(self):
        return {**super().get_config(), "dims": list(self.dims)}


class RepeatVector(Layer):
    """Repeats a (batch, features) input `n` times: (batch, n, features)."""

    def __init__(self, n, **kwargs):
        super().__init__(**kwargs)
        if not isinstance(n, (int, np.integer)) or n < 0:
            raise InvalidArgumentError(f"RepeatVector {self.name!r}: n must be a non-negative integer, got {n!r}")
        self.n = int(n)
        self.input_spec = InputSpec(ndim=2)

    def call(self, inputs):
        return tf.tile(tf.expand_dims(inputs, 1), [1, self.n, 1])

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.n, input_shape[1])

    def get_config(self):
        return {**super().get_config(), "n": self.n}

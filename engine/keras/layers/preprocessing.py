"""Preprocessing layers: Rescaling, Normalization (with `adapt`), Resizing (Keras 3 arguments and configs)."""
import numpy as np

import engine as tf

from ...errors import InvalidArgumentError, UnimplementedError
from ...tensor import Tensor
from ..layer import Layer
from .reshaping import accepted_data_format

__all__ = ["Rescaling", "Normalization", "Resizing"]

# Keras's backend epsilon: the floor of the standard deviation Normalization divides by.
_EPSILON = 1e-7


def _plain_value(value):
    """A scale/offset as JSON-ready Python numbers (lists for per-channel values)."""
    if isinstance(value, Tensor):
        value = value.numpy()
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, np.generic):
        return value.item()
    return value


def _from_config_value(value):
    """Undo Keras's serialization of a numpy array ({"class_name": "__numpy__", ...}) if the config has it."""
    if isinstance(value, dict) and value.get("class_name") == "__numpy__":
        return np.asarray(value["config"]["value"], dtype=value["config"].get("dtype", "float32"))
    return value


class Rescaling(Layer):
    """inputs * scale + offset (scale and offset may be per-channel lists)."""

    def __init__(self, scale, offset=0.0, **kwargs):
        super().__init__(**kwargs)
        self.scale = scale
        self.offset = offset
        self.supports_masking = True

    def call(self, inputs):
        scale = tf.constant(np.asarray(_plain_value(self.scale), dtype=np.float32))
        offset = tf.constant(np.asarray(_plain_value(self.offset), dtype=np.float32))
        return tf.cast(inputs, "float32") * scale + offset

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        return {**super().get_config(), "scale": _plain_value(self.scale), "offset": _plain_value(self.offset)}

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        config["scale"] = _from_config_value(config["scale"])
        config["offset"] = _from_config_value(config.get("offset", 0.0))
        return cls(**config)


def _batches(data):
    """The data as a list of float64 numpy batches; `(x, y)` tuples give their x."""
    if isinstance(data, (np.ndarray, Tensor)):
        return [np.asarray(data, dtype=np.float64)]
    if not hasattr(data, "__iter__"):
        raise InvalidArgumentError(f"Normalization.adapt takes a numpy array, a tensor or an iterable of "
                                   f"batches, not {type(data).__name__}")
    batches = [np.asarray(batch[0] if isinstance(batch, tuple) else batch, dtype=np.float64) for batch in data]
    if not batches:
        raise InvalidArgumentError("Normalization.adapt received an empty iterable; it needs at least one batch")
    return batches


class Normalization(Layer):
    """(inputs - mean) / sqrt(variance) per feature along `axis`; `adapt(data)` learns mean and variance.

    `invert=True` applies the inverse map. Given `mean` and `variance`, the layer has no weights; otherwise
    it holds the non-trainable weights `mean`, `variance` and `count` that Keras 3 stores.
    """

    def __init__(self, axis=-1, mean=None, variance=None, invert=False, **kwargs):
        super().__init__(**kwargs)
        if axis is None:
            axis = ()
        elif isinstance(axis, int):
            axis = (axis,)
        self.axis = tuple(axis)
        if (mean is None) != (variance is None):
            raise InvalidArgumentError(f"{self.name}: give both `mean` and `variance` or neither; got "
                                       f"mean={mean!r}, variance={variance!r}")
        if mean is not None:
            if np.shape(mean) != np.shape(variance):
                raise InvalidArgumentError(f"{self.name}: mean of shape {np.shape(mean)} and variance of shape "
                                           f"{np.shape(variance)} must have the same shape")
            if np.ndim(mean) > len(self.axis):
                raise InvalidArgumentError(f"{self.name}: mean of shape {np.shape(mean)} has a higher rank than "
                                           f"the number of axes {self.axis}")
        self.input_mean = mean
        self.input_variance = variance
        self.invert = invert
        self.supports_masking = True
        self.adapt_mean = None
        self.adapt_variance = None
        self.count = None

    def build(self, input_shape):
        ndim = len(input_shape)
        if any(not -ndim <= a < ndim for a in self.axis):
            raise InvalidArgumentError(f"{self.name}: axis {self.axis} is out of range for inputs of rank {ndim}")
        self._build_input_shape = tuple(input_shape)
        self._keep_axes = tuple(sorted(a % ndim for a in self.axis))
        if any(input_shape[a] is None for a in self._keep_axes):
            raise InvalidArgumentError(f"{self.name}: the kept axes {self.axis} of inputs with shape "
                                       f"{tuple(input_shape)} must have known sizes")
        self._reduce_axes = tuple(d for d in range(ndim) if d not in self._keep_axes)
        self._broadcast_shape = [input_shape[d] if d in self._keep_axes else 1 for d in range(ndim)]
        statistics_shape = tuple(input_shape[d] for d in self._keep_axes)
        if self.input_mean is None:
            self.adapt_mean = self.add_weight(name="mean", shape=statistics_shape, initializer="zeros",
                                              trainable=False)
            self.adapt_variance = self.add_weight(name="variance", shape=statistics_shape, initializer="ones",
                                                  trainable=False)
            self.count = self.add_weight(name="count", shape=(), dtype="int32", initializer="zeros",
                                         trainable=False)

    def _given_statistic(self, value):
        """A user-given mean or variance, aligned with the kept axes from the right, as Keras does."""
        value = np.asarray(value, dtype=np.float32)
        expanded = [1] * len(self._broadcast_shape)
        for offset in range(1, value.ndim + 1):
            expanded[self._keep_axes[-offset]] = value.shape[-offset]
        return tf.constant(np.broadcast_to(value.reshape(expanded), self._broadcast_shape))

    def _statistics(self):
        if self.input_mean is not None:
            return self._given_statistic(self.input_mean), self._given_statistic(self.input_variance)
        return (tf.reshape(self.adapt_mean, self._broadcast_shape),
                tf.reshape(self.adapt_variance, self._broadcast_shape))

    def call(self, inputs):
        inputs = tf.cast(inputs, "float32")
        mean, variance = self._statistics()
        std = tf.maximum(tf.sqrt(variance), _EPSILON)
        if self.invert:
            return mean + inputs * std
        return (inputs - mean) / std

    def adapt(self, data):
        """Sets mean and variance to those of `data` (an array, a tensor, or an iterable of batches)."""
        batches = _batches(data)
        if not self.built:
            self.build(batches[0].shape)
        if self.input_mean is not None:
            raise InvalidArgumentError(f"{self.name}: adapt() cannot change a mean and variance given to the "
                                       "constructor")
        total_mean = total_variance = None
        total_count = 0
        for batch in batches:
            self._check_adapt_shape(batch.shape)
            count = int(np.prod([batch.shape[d] for d in self._reduce_axes], dtype=np.int64))
            mean = batch.mean(axis=self._reduce_axes)
            variance = batch.var(axis=self._reduce_axes)
            if total_mean is None:
                total_mean, total_variance, total_count = mean, variance, count
                continue
            # Pooled moments of two groups (Chan et al.): exact, whatever the batch sizes.
            new_count = total_count + count
            delta = mean - total_mean
            new_mean = total_mean + delta * (count / new_count)
            total_variance = (total_variance * total_count + variance * count
                              + delta ** 2 * (total_count * count / new_count)) / new_count
            total_mean, total_count = new_mean, new_count
        self.adapt_mean.assign(total_mean.astype(np.float32))
        self.adapt_variance.assign(total_variance.astype(np.float32))
        self.count.assign(np.int32(total_count))

    def _check_adapt_shape(self, shape):
        built = self._build_input_shape
        if len(shape) != len(built) or any(shape[d] != built[d] for d in self._keep_axes):
            raise InvalidArgumentError(f"{self.name}: adapt() got data of shape {tuple(shape)}, which does not "
                                       f"match the layer's input shape {built} on the kept axes {self.axis}")

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        return {**super().get_config(), "axis": self.axis, "invert": self.invert,
                "mean": np.array(self.input_mean).tolist(), "variance": np.array(self.input_variance).tolist()}


class Resizing(Layer):
    """Resizes images to (height, width) with tf.image.resize; optionally crops or pads to the target's aspect ratio."""

    def __init__(self, height, width, interpolation="bilinear", crop_to_aspect_ratio=False,
                 pad_to_aspect_ratio=False, fill_mode="constant", fill_value=0.0, antialias=False,
                 data_format=None, **kwargs):
        super().__init__(**kwargs)
        if crop_to_aspect_ratio and pad_to_aspect_ratio:
            raise InvalidArgumentError(f"{self.name}: only one of crop_to_aspect_ratio and pad_to_aspect_ratio "
                                       "can be True")
        if fill_mode != "constant":
            raise UnimplementedError(f"{self.name}: fill_mode {fill_mode!r} is not supported; only 'constant'")
        self.height = height
        self.width = width
        self.interpolation = interpolation
        self.crop_to_aspect_ratio = crop_to_aspect_ratio
        self.pad_to_aspect_ratio = pad_to_aspect_ratio
        self.fill_mode = fill_mode
        self.fill_value = fill_value
        self.antialias = bool(antialias)
        self.data_format = accepted_data_format(data_format, "Resizing")

    def call(self, inputs):
        images = tf.cast(inputs, "float32")
        if images.ndim not in (3, 4):
            raise InvalidArgumentError(f"{self.name}: expected images of rank 3 or 4, got shape "
                                       f"{list(images.shape)}")
        channels_first = self.data_format == "channels_first"
        if channels_first:
            images = tf.transpose(images, [0, 2, 3, 1] if images.ndim == 4 else [1, 2, 0])
        if self.crop_to_aspect_ratio:
            images = self._crop_to_aspect_ratio(images)
        elif self.pad_to_aspect_ratio:
            images = self._pad_to_aspect_ratio(images)
        resized = tf.image.resize(images, (self.height, self.width), method=self.interpolation,
                                  antialias=self.antialias)
        if channels_first:
            resized = tf.transpose(resized, [0, 3, 1, 2] if resized.ndim == 4 else [2, 0, 1])
        return tf.cast(resized, "float32")

    def _crop_to_aspect_ratio(self, images):
        """The largest centred crop with the target's aspect ratio (Keras's integer arithmetic)."""
        height, width = images.shape[-3], images.shape[-2]
        crop_height = max(min(height, int(float(width * self.height) / self.width)), 1)
        crop_width = max(min(width, int(float(height * self.width) / self.height)), 1)
        top = int(float(height - crop_height) / 2)
        left = int(float(width - crop_width) / 2)
        return images[..., top:top + crop_height, left:left + crop_width, :]

    def _pad_to_aspect_ratio(self, images):
        """Pads both sides of one spatial axis with fill_value towards the target's aspect ratio, as Keras does."""
        height, width = images.shape[-3], images.shape[-2]
        pad_height = max(height, int(float(width * self.height) / self.width))
        pad_width = max(width, int(float(height * self.width) / self.height))
        top = int(float(pad_height - height) / 2)
        left = int(float(pad_width - width) / 2)
        spatial = [[top, top], [0, 0]] if top > 0 else [[0, 0], [left, left]]
        paddings = [[0, 0]] * (images.ndim - 3) + spatial + [[0, 0]]
        return tf.pad(images, paddings, constant_values=float(self.fill_value))

    def compute_output_shape(self, input_shape):
        shape = list(input_shape)
        if len(shape) not in (3, 4):
            raise InvalidArgumentError(f"{self.name}: expected images of rank 3 or 4, got shape {tuple(shape)}")
        height_axis = -2 if self.data_format == "channels_first" else -3
        shape[height_axis], shape[height_axis + 1] = self.height, self.width
        return tuple(shape)

    def get_config(self):
        return {**super().get_config(), "data_format": self.data_format, "height": self.height, "width": self.width,
                "interpolation": self.interpolation, "crop_to_aspect_ratio": self.crop_to_aspect_ratio,
                "pad_to_aspect_ratio": self.pad_to_aspect_ratio, "fill_mode": self.fill_mode,
                "fill_value": self.fill_value, "antialias": self.antialias}

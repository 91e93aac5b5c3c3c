"""Spatial reshaping of 2-D feature maps: ZeroPadding2D, Cropping2D, UpSampling2D (Keras 3 configs)."""
import operator

import engine as tf

from ...errors import InvalidArgumentError
from ..layer import InputSpec, Layer

__all__ = ["ZeroPadding2D", "Cropping2D", "UpSampling2D"]


def _int_pair(value, what, layer_class, allow_zero=True):
    """An int or a pair of ints as a tuple of two non-negative (or positive) ints."""
    try:
        pair = (operator.index(value),) * 2 if not hasattr(value, "__len__") else tuple(
            operator.index(v) for v in value)
    except TypeError:
        raise InvalidArgumentError(f"{layer_class}: {what} must be an int or a pair of ints, got {value!r}") from None
    lowest = 0 if allow_zero else 1
    if len(pair) != 2 or min(pair) < lowest:
        raise InvalidArgumentError(f"{layer_class}: {what} must be an int or a pair of ints >= {lowest}, "
                                   f"got {value!r}")
    return pair


def _spatial_pairs(value, what, layer_class):
    """Keras's ((top, bottom), (left, right)) form of an int, a pair of ints, or a pair of pairs."""
    if not hasattr(value, "__len__"):
        amount = _int_pair(value, what, layer_class)[0]
        return ((amount, amount), (amount, amount))
    if len(value) != 2:
        raise InvalidArgumentError(f"{layer_class}: {what} should have two elements, got {value!r}")
    return (_int_pair(value[0], f"the 1st entry of {what}", layer_class),
            _int_pair(value[1], f"the 2nd entry of {what}", layer_class))


def accepted_data_format(data_format, layer_class):
    """Keras's `data_format` argument (None is channels_last); these layers transpose for channels_first."""
    data_format = "channels_last" if data_format is None else str(data_format).lower()
    if data_format not in ("channels_last", "channels_first"):
        raise InvalidArgumentError(f"{layer_class}: data_format must be 'channels_last' or 'channels_first', "
                                   f"got {data_format!r}")
    return data_format


def _spatial_axes(data_format):
    return (2, 3) if data_format == "channels_first" else (1, 2)


class ZeroPadding2D(Layer):
    """Pads rows and columns of zeros around a 4-D feature map."""

    def __init__(self, padding=(1, 1), data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.data_format = accepted_data_format(data_format, "ZeroPadding2D")
        self.padding = _spatial_pairs(padding, "padding", "ZeroPadding2D")
        self.input_spec = InputSpec(ndim=4)

    def compute_output_shape(self, input_shape):
        shape = list(input_shape)
        for axis, (before, after) in zip(_spatial_axes(self.data_format), self.padding):
            if shape[axis] is not None:
                shape[axis] += before + after
        return tuple(shape)

    def call(self, inputs):
        paddings = [[0, 0]] * 4
        for axis, pair in zip(_spatial_axes(self.data_format), self.padding):
            paddings[axis] = list(pair)
        return tf.pad(inputs, paddings)

    def get_config(self):
        return {**super().get_config(), "padding": self.padding, "data_format": self.data_format}


class Cropping2D(Layer):
    """Removes rows and columns from the edges of a 4-D feature map."""

    def __init__(self, cropping=((0, 0), (0, 0)), data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.data_format = accepted_data_format(data_format, "Cropping2D")
        self.cropping = _spatial_pairs(cropping, "cropping", "Cropping2D")
        self.input_spec = InputSpec(ndim=4)

    def _check_fits(self, shape):
        for axis, pair in zip(_spatial_axes(self.data_format), self.cropping):
            if shape[axis] is not None and sum(pair) >= shape[axis]:
                raise InvalidArgumentError(
                    f"{self.name}: cropping {self.cropping} must leave something of the input with shape "
                    f"{tuple(shape)}: it removes {sum(pair)} of {shape[axis]} along axis {axis}")

    def compute_output_shape(self, input_shape):
        self._check_fits(input_shape)
        shape = list(input_shape)
        for axis, pair in zip(_spatial_axes(self.data_format), self.cropping):
            if shape[axis] is not None:
                shape[axis] -= sum(pair)
        return tuple(shape)

    def call(self, inputs):
        self._check_fits(inputs.shape)
        index = [slice(None)] * 4
        for axis, (before, after) in zip(_spatial_axes(self.data_format), self.cropping):
            index[axis] = slice(before, inputs.shape[axis] - after)
        return inputs[tuple(index)]

    def get_config(self):
        return {**super().get_config(), "cropping": self.cropping, "data_format": self.data_format}


class UpSampling2D(Layer):
    """Repeats rows and columns `size` times ("nearest") or resizes bilinearly ("bilinear")."""

    def __init__(self, size=(2, 2), data_format=None, interpolation="nearest", **kwargs):
        super().__init__(**kwargs)
        self.data_format = accepted_data_format(data_format, "UpSampling2D")
        self.size = _int_pair(size, "size", "UpSampling2D", allow_zero=False)
        self.interpolation = interpolation.lower()
        self.input_spec = InputSpec(ndim=4)

    def compute_output_shape(self, input_shape):
        shape = list(input_shape)
        for axis, factor in zip(_spatial_axes(self.data_format), self.size):
            if shape[axis] is not None:
                shape[axis] *= factor
        return tuple(shape)

    def call(self, inputs):
        x = tf.convert_to_tensor(inputs)
        if self.data_format == "channels_first":
            x = tf.transpose(x, [0, 2, 3, 1])
        batch, height, width, channels = x.shape
        rows, columns = self.size
        if self.interpolation == "nearest":
            # Each pixel broadcast into a rows x columns block: the same as repeating along both axes.
            blocks = tf.broadcast_to(tf.reshape(x, [batch, height, 1, width, 1, channels]),
                                     [batch, height, rows, width, columns, channels])
            x = tf.reshape(blocks, [batch, height * rows, width * columns, channels])
        else:
            x = tf.image.resize(x, (height * rows, width * columns), method=self.interpolation)
        if self.data_format == "channels_first":
            x = tf.transpose(x, [0, 3, 1, 2])
        return x

    def get_config(self):
        return {**super().get_config(), "size": self.size, "data_format": self.data_format,
                "interpolation": self.interpolation}

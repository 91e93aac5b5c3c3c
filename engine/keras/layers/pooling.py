"""Pooling layers: Max/AveragePooling1D/2D and GlobalMax/GlobalAveragePooling1D/2D (channels_last)."""
import engine as tf

from ..layer import InputSpec, Layer
from .convolutional import conv_output_length, standardize_padding, standardize_tuple
from .core import standardize_data_format

__all__ = ["MaxPooling1D", "MaxPooling2D", "AveragePooling1D", "AveragePooling2D", "GlobalAveragePooling1D",
           "GlobalAveragePooling2D", "GlobalMaxPooling1D", "GlobalMaxPooling2D", "MaxPool1D", "MaxPool2D",
           "AvgPool1D", "AvgPool2D", "GlobalAvgPool1D", "GlobalAvgPool2D", "GlobalMaxPool1D", "GlobalMaxPool2D"]


class _Pooling(Layer):
    rank = 2
    _pool_name = "max"

    def __init__(self, pool_size, strides=None, padding="valid", data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.pool_size = standardize_tuple(pool_size, self.rank, "pool_size", self.name)
        self.strides = self.pool_size if strides is None else standardize_tuple(strides, self.rank, "strides",
                                                                                self.name)
        self.padding = standardize_padding(padding, self.name)
        self.data_format = standardize_data_format(data_format, self.name)
        self.input_spec = InputSpec(ndim=self.rank + 2)

    def call(self, inputs):
        pool = {(1, "max"): tf.nn.max_pool1d, (2, "max"): tf.nn.max_pool2d,
                (1, "avg"): tf.nn.avg_pool1d, (2, "avg"): tf.nn.avg_pool2d}[(self.rank, self._pool_name)]
        return pool(inputs, self.pool_size, self.strides, self.padding.upper())

    def compute_output_shape(self, input_shape):
        spatial = [conv_output_length(size, window, self.padding, stride, 1)
                   for size, window, stride in zip(input_shape[1:-1], self.pool_size, self.strides)]
        return (input_shape[0], *spatial, input_shape[-1])

    def get_config(self):
        return {**super().get_config(), "pool_size": list(self.pool_size), "padding": self.padding,
                "strides": list(self.strides), "data_format": self.data_format}


class MaxPooling1D(_Pooling):
    """The maximum over windows of `pool_size` steps."""

    rank = 1

    def __init__(self, pool_size=2, strides=None, padding="valid", data_format=None, **kwargs):
        super().__init__(pool_size, strides, padding, data_format, **kwargs)


class MaxPooling2D(_Pooling):
    """The maximum over `pool_size` windows."""

    rank = 2

    def __init__(self, pool_size=(2, 2), strides=None, padding="valid", data_format=None, **kwargs):
        super().__init__(pool_size, strides, padding, data_format, **kwargs)


class AveragePooling1D(_Pooling):
    """The mean over windows of `pool_size` steps (padding excluded from the mean)."""

    rank = 1
    _pool_name = "avg"

    def __init__(self, pool_size=2, strides=None, padding="valid", data_format=None, **kwargs):
        super().__init__(pool_size, strides, padding, data_format, **kwargs)


class AveragePooling2D(_Pooling):
    """The mean over `pool_size` windows (padding excluded from the mean)."""

    rank = 2
    _pool_name = "avg"

    def __init__(self, pool_size=(2, 2), strides=None, padding="valid", data_format=None, **kwargs):
        super().__init__(pool_size, strides, padding, data_format, **kwargs)


class _GlobalPooling(Layer):
    rank = 2
    _reduce = "reduce_mean"

    def __init__(self, data_format=None, keepdims=False, **kwargs):
        super().__init__(**kwargs)
        self.data_format = standardize_data_format(data_format, self.name)
        self.keepdims = keepdims
        self.input_spec = InputSpec(ndim=self.rank + 2)

    def call(self, inputs):
        return getattr(tf, self._reduce)(inputs, axis=list(range(1, self.rank + 1)), keepdims=self.keepdims)

    def compute_output_shape(self, input_shape):
        if self.keepdims:
            return (input_shape[0], *([1] * self.rank), input_shape[-1])
        return (input_shape[0], input_shape[-1])

    def get_config(self):
        return {**super().get_config(), "data_format": self.data_format, "keepdims": self.keepdims}


class GlobalAveragePooling1D(_GlobalPooling):
    """The mean over the steps of (batch, steps, channels)."""

    rank = 1

    def __init__(self, data_format=None, keepdims=False, **kwargs):
        super().__init__(data_format, keepdims, **kwargs)
        self.supports_masking = True

    def call(self, inputs, mask=None):
        if mask is None:
            return super().call(inputs)
        # Masked steps do not count towards the mean.
        weights = tf.expand_dims(tf.cast(mask, inputs.dtype), -1)
        total = tf.reduce_sum(inputs * weights, axis=1, keepdims=self.keepdims)
        return total / tf.reduce_sum(weights, axis=1, keepdims=self.keepdims)

    def compute_mask(self, inputs, previous_mask):
        return None


class GlobalAveragePooling2D(_GlobalPooling):
    """The mean over height and width."""

    rank = 2


class GlobalMaxPooling1D(_GlobalPooling):
    """The maximum over the steps of (batch, steps, channels)."""

    rank = 1
    _reduce = "reduce_max"


class GlobalMaxPooling2D(_GlobalPooling):
    """The maximum over height and width."""

    rank = 2
    _reduce = "reduce_max"


# Keras's aliases.
MaxPool1D = MaxPooling1D
MaxPool2D = MaxPooling2D
AvgPool1D = AveragePooling1D
AvgPool2D = AveragePooling2D
GlobalAvgPool1D = GlobalAveragePooling1D
GlobalAvgPool2D = GlobalAveragePooling2D
GlobalMaxPool1D = GlobalMaxPooling1D
GlobalMaxPool2D = GlobalMaxPooling2D

"""Convolution layers: Conv1D, Conv2D, Conv2DTranspose, DepthwiseConv2D, SeparableConv2D (channels_last).

Weights follow Keras 3: Conv kernels are kernel_size + (in_channels // groups,
filters); transposed kernels kernel_size + (filters, in_channels); the depthwise
kernel (named "kernel" in Keras 3) kernel_size + (in_channels, depth_multiplier).
"""
import numpy as np

import engine as tf

from ...errors import InvalidArgumentError
from .. import activations, constraints, initializers, regularizers
from ..layer import InputSpec, Layer
from .core import standardize_data_format

__all__ = ["Conv1D", "Conv2D", "Conv2DTranspose", "DepthwiseConv2D", "SeparableConv2D", "Convolution1D",
           "Convolution2D", "Convolution2DTranspose", "SeparableConvolution2D"]


def standardize_tuple(value, n, name, layer_name, allow_zero=False):
    """An int or n ints as a tuple of n ints (positive, or non-negative with allow_zero)."""
    values = (value,) * n if isinstance(value, (int, np.integer)) else tuple(value)
    if len(values) != n or not all(isinstance(v, (int, np.integer)) for v in values):
        raise InvalidArgumentError(f"layer {layer_name!r}: {name} must be an int or a tuple of {n} ints, got {value!r}")
    if any(v < 0 or (v == 0 and not allow_zero) for v in values):
        wanted = "non-negative" if allow_zero else "positive"
        raise InvalidArgumentError(f"layer {layer_name!r}: {name} must be {wanted}, got {value!r}")
    return tuple(int(v) for v in values)


def standardize_padding(padding, layer_name, allow_causal=False):
    padding = str(padding).lower()
    allowed = ("valid", "same", "causal") if allow_causal else ("valid", "same")
    if padding not in allowed:
        raise InvalidArgumentError(f"layer {layer_name!r}: padding must be one of {allowed}, got {padding!r}")
    return padding


def conv_output_length(length, kernel, padding, stride, dilation):
    """Keras's output length of a convolution or pooling window along one axis (None stays None)."""
    if length is None:
        return None
    if padding in ("same", "causal"):
        return (length + stride - 1) // stride
    return (length - ((kernel - 1) * dilation + 1)) // stride + 1


def deconv_output_length(length, kernel, padding, output_padding, stride, dilation):
    """Keras's output length of a transposed convolution along one axis."""
    if length is None:
        return None
    kernel = kernel + (kernel - 1) * (dilation - 1)
    if output_padding is None:
        return length * stride + max(kernel - stride, 0) if padding == "valid" else length * stride
    pad = kernel // 2 if padding == "same" else 0
    return (length - 1) * stride + kernel - 2 * pad + output_padding


def _spatial_output_shape(layer, input_shape, channels):
    spatial = []
    for axis, (size, kernel, stride, dilation) in enumerate(zip(input_shape[1:-1], layer.kernel_size, layer.strides,
                                                                layer.dilation_rate)):
        out = conv_output_length(size, kernel, layer.padding, stride, dilation)
        if out is not None and out <= 0:
            raise InvalidArgumentError(
                f"layer {layer.name!r}: an input of shape {tuple(input_shape)} is too small for kernel_size "
                f"{layer.kernel_size} with dilation_rate {layer.dilation_rate} and padding {layer.padding!r}: "
                f"spatial axis {axis} would have size {out}")
        spatial.append(out)
    return (input_shape[0], *spatial, channels)


class _ConvBase(Layer):
    """What every convolution layer shares: window arguments, activation, bias, rank checks."""

    rank = 2
    _allows_causal = False

    def __init__(self, kernel_size, strides, padding, data_format, dilation_rate, activation, use_bias,
                 bias_initializer, bias_regularizer, bias_constraint, activity_regularizer, **kwargs):
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        rank = self.rank
        self.kernel_size = standardize_tuple(kernel_size, rank, "kernel_size", self.name)
        self.strides = standardize_tuple(strides, rank, "strides", self.name)
        self.dilation_rate = standardize_tuple(dilation_rate, rank, "dilation_rate", self.name)
        self.padding = standardize_padding(padding, self.name, allow_causal=self._allows_causal)
        self.data_format = standardize_data_format(data_format, self.name)
        self.activation = activations.get(activation)
        self.use_bias = use_bias
        self.bias_initializer = initializers.get(bias_initializer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.bias_constraint = constraints.get(bias_constraint)
        self.input_spec = InputSpec(min_ndim=rank + 2)
        if max(self.strides) > 1 and max(self.dilation_rate) > 1:
            raise InvalidArgumentError(f"layer {self.name!r}: strides > 1 is not supported together with "
                                       f"dilation_rate > 1 (strides={self.strides}, "
                                       f"dilation_rate={self.dilation_rate})")

    def _input_channels(self, input_shape):
        channels = input_shape[-1]
        if channels is None:
            raise InvalidArgumentError(f"layer {self.name!r}: the channel dimension of the input must be known, got "
                                       f"input shape {tuple(input_shape)}")
        self.input_spec = InputSpec(ndim=self.rank + 2, axes={-1: channels})
        return channels

    def _add_bias(self, size):
        if not self.use_bias:
            return None
        return self.add_weight(name="bias", shape=(size,), initializer=self.bias_initializer,
                               regularizer=self.bias_regularizer, constraint=self.bias_constraint)

    def _finish(self, outputs):
        if self.bias is not None:
            outputs = outputs + self.bias
        return self.activation(outputs) if self.activation is not activations.linear else outputs

    def _window_config(self):
        return {"kernel_size": list(self.kernel_size), "strides": list(self.strides), "padding": self.padding,
                "data_format": self.data_format, "dilation_rate": list(self.dilation_rate)}


class _Conv(_ConvBase):
    def __init__(self, filters, kernel_size, strides=1, padding="valid", data_format=None, dilation_rate=1, groups=1,
                 activation=None, use_bias=True, kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None, kernel_constraint=None,
                 bias_constraint=None, **kwargs):
        super().__init__(kernel_size, strides, padding, data_format, dilation_rate, activation, use_bias,
                         bias_initializer, bias_regularizer, bias_constraint, activity_regularizer, **kwargs)
        if not isinstance(filters, (int, np.integer)) or filters <= 0:
            raise InvalidArgumentError(f"layer {self.name!r}: filters must be a positive integer, got {filters!r}")
        if not isinstance(groups, (int, np.integer)) or groups <= 0 or filters % groups:
            raise InvalidArgumentError(f"layer {self.name!r}: groups must be a positive integer dividing filters "
                                       f"({filters}), got {groups!r}")
        self.filters = int(filters)
        self.groups = int(groups)
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)

    def build(self, input_shape):
        channels = self._input_channels(input_shape)
        if channels % self.groups:
            raise InvalidArgumentError(f"layer {self.name!r}: the number of input channels ({channels}) must be "
                                       f"divisible by groups ({self.groups})")
        self.kernel = self.add_weight(name="kernel", shape=(*self.kernel_size, channels // self.groups, self.filters),
                                      initializer=self.kernel_initializer, regularizer=self.kernel_regularizer,
                                      constraint=self.kernel_constraint)
        self.bias = self._add_bias(self.filters)

    def _convolve(self, inputs, kernel, padding):
        raise NotImplementedError

    def call(self, inputs):
        self.compute_output_shape(tuple(inputs.shape))  # a clear error when the window does not fit
        padding = self.padding
        if padding == "causal":
            left = self.dilation_rate[0] * (self.kernel_size[0] - 1)
            inputs = tf.pad(inputs, [[0, 0], [left, 0], [0, 0]])
            padding = "valid"
        if self.groups == 1:
            outputs = self._convolve(inputs, self.kernel, padding.upper())
        else:
            parts = zip(tf.split(inputs, self.groups, axis=-1), tf.split(self.kernel, self.groups, axis=-1))
            outputs = tf.concat([self._convolve(x, k, padding.upper()) for x, k in parts], axis=-1)
        return self._finish(outputs)

    def compute_output_shape(self, input_shape):
        return _spatial_output_shape(self, input_shape, self.filters)

    def get_config(self):
        return {**super().get_config(), "filters": self.filters, **self._window_config(), "groups": self.groups,
                "activation": activations.serialize(self.activation), "use_bias": self.use_bias,
                "kernel_initializer": initializers.serialize(self.kernel_initializer),
                "bias_initializer": initializers.serialize(self.bias_initializer),
                "kernel_regularizer": regularizers.serialize(self.kernel_regularizer),
                "bias_regularizer": regularizers.serialize(self.bias_regularizer),
                "activity_regularizer": regularizers.serialize(self.activity_regularizer),
                "kernel_constraint": constraints.serialize(self.kernel_constraint),
                "bias_constraint": constraints.serialize(self.bias_constraint)}


class Conv1D(_Conv):
    """1-D convolution over (batch, steps, channels); padding may also be "causal"."""

    rank = 1
    _allows_causal = True

    def _convolve(self, inputs, kernel, padding):
        return tf.nn.conv1d(inputs, kernel, self.strides[0], padding, dilations=self.dilation_rate[0])


class Conv2D(_Conv):
    """2-D convolution over (batch, height, width, channels)."""

    rank = 2

    def _convolve(self, inputs, kernel, padding):
        return tf.nn.conv2d(inputs, kernel, self.strides, padding, dilations=self.dilation_rate)


class Conv2DTranspose(_ConvBase):
    """The transpose of Conv2D (a learned upsampling); `output_padding` pads the output's far side."""

    rank = 2

    def __init__(self, filters, kernel_size, strides=(1, 1), padding="valid", output_padding=None, data_format=None,
                 dilation_rate=(1, 1), activation=None, use_bias=True, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(kernel_size, strides, padding, data_format, dilation_rate, activation, use_bias,
                         bias_initializer, bias_regularizer, bias_constraint, activity_regularizer, **kwargs)
        if not isinstance(filters, (int, np.integer)) or filters <= 0:
            raise InvalidArgumentError(f"layer {self.name!r}: filters must be a positive integer, got {filters!r}")
        self.filters = int(filters)
        self.output_padding = None if output_padding is None else standardize_tuple(
            output_padding, 2, "output_padding", self.name, allow_zero=True)
        if self.output_padding is not None and any(p >= s for p, s in zip(self.output_padding, self.strides)):
            raise InvalidArgumentError(f"layer {self.name!r}: output_padding must be smaller than strides, got "
                                       f"output_padding={self.output_padding}, strides={self.strides}")
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)

    def build(self, input_shape):
        channels = self._input_channels(input_shape)
        self.kernel = self.add_weight(name="kernel", shape=(*self.kernel_size, self.filters, channels),
                                      initializer=self.kernel_initializer, regularizer=self.kernel_regularizer,
                                      constraint=self.kernel_constraint)
        self.bias = self._add_bias(self.filters)

    def compute_output_shape(self, input_shape):
        output_padding = self.output_padding or (None, None)
        spatial = [deconv_output_length(size, kernel, self.padding, pad, stride, dilation)
                   for size, kernel, pad, stride, dilation in zip(input_shape[1:3], self.kernel_size, output_padding,
                                                                  self.strides, self.dilation_rate)]
        return (input_shape[0], *spatial, self.filters)

    def call(self, inputs):
        output_shape = self.compute_output_shape(tuple(inputs.shape))
        outputs = tf.nn.conv2d_transpose(inputs, self.kernel, list(output_shape), self.strides, self.padding.upper(),
                                         dilations=self.dilation_rate)
        return self._finish(outputs)

    def get_config(self):
        config = {**super().get_config(), "filters": self.filters, **self._window_config(),
                  "activation": activations.serialize(self.activation), "use_bias": self.use_bias,
                  "kernel_initializer": initializers.serialize(self.kernel_initializer),
                  "bias_initializer": initializers.serialize(self.bias_initializer),
                  "kernel_regularizer": regularizers.serialize(self.kernel_regularizer),
                  "bias_regularizer": regularizers.serialize(self.bias_regularizer),
                  "activity_regularizer": regularizers.serialize(self.activity_regularizer),
                  "kernel_constraint": constraints.serialize(self.kernel_constraint),
                  "bias_constraint": constraints.serialize(self.bias_constraint)}
        # Keras 3 leaves output_padding out of its config; it is kept here only when set, so it round-trips.
        if self.output_padding is not None:
            config["output_padding"] = list(self.output_padding)
        return config


class DepthwiseConv2D(_ConvBase):
    """Per-channel 2-D convolution: each input channel gets `depth_multiplier` filters of its own."""

    rank = 2

    def __init__(self, kernel_size, strides=(1, 1), padding="valid", depth_multiplier=1, data_format=None,
                 dilation_rate=(1, 1), activation=None, use_bias=True, depthwise_initializer="glorot_uniform",
                 bias_initializer="zeros", depthwise_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, depthwise_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(kernel_size, strides, padding, data_format, dilation_rate, activation, use_bias,
                         bias_initializer, bias_regularizer, bias_constraint, activity_regularizer, **kwargs)
        if not isinstance(depth_multiplier, (int, np.integer)) or depth_multiplier <= 0:
            raise InvalidArgumentError(f"layer {self.name!r}: depth_multiplier must be a positive integer, got "
                                       f"{depth_multiplier!r}")
        self.depth_multiplier = int(depth_multiplier)
        self.depthwise_initializer = initializers.get(depthwise_initializer)
        self.depthwise_regularizer = regularizers.get(depthwise_regularizer)
        self.depthwise_constraint = constraints.get(depthwise_constraint)

    def build(self, input_shape):
        channels = self._input_channels(input_shape)
        self.kernel = self.add_weight(name="kernel", shape=(*self.kernel_size, channels, self.depth_multiplier),
                                      initializer=self.depthwise_initializer, regularizer=self.depthwise_regularizer,
                                      constraint=self.depthwise_constraint)
        self.bias = self._add_bias(channels * self.depth_multiplier)

    @classmethod
    def from_config(cls, config):
        return cls(**_without_legacy_groups(cls, config))

    @property
    def depthwise_kernel(self):
        """Keras 2's name for the depthwise kernel."""
        return self.kernel

    def call(self, inputs):
        self.compute_output_shape(tuple(inputs.shape))  # a clear error when the window does not fit
        return self._finish(tf.nn.depthwise_conv2d(inputs, self.kernel, self.strides, self.padding.upper(),
                                                   dilations=self.dilation_rate))

    def compute_output_shape(self, input_shape):
        channels = input_shape[-1]
        return _spatial_output_shape(self, input_shape, None if channels is None else channels * self.depth_multiplier)

    def get_config(self):
        return {**super().get_config(), "depth_multiplier": self.depth_multiplier, **self._window_config(),
                "activation": activations.serialize(self.activation), "use_bias": self.use_bias,
                "depthwise_initializer": initializers.serialize(self.depthwise_initializer),
                "bias_initializer": initializers.serialize(self.bias_initializer),
                "depthwise_regularizer": regularizers.serialize(self.depthwise_regularizer),
                "bias_regularizer": regularizers.serialize(self.bias_regularizer),
                "activity_regularizer": regularizers.serialize(self.activity_regularizer),
                "depthwise_constraint": constraints.serialize(self.depthwise_constraint),
                "bias_constraint": constraints.serialize(self.bias_constraint)}


class SeparableConv2D(_ConvBase):
    """A depthwise convolution followed by a 1x1 (pointwise) convolution to `filters` channels."""

    rank = 2

    def __init__(self, filters, kernel_size, strides=(1, 1), padding="valid", data_format=None, dilation_rate=(1, 1),
                 depth_multiplier=1, activation=None, use_bias=True, depthwise_initializer="glorot_uniform",
                 pointwise_initializer="glorot_uniform", bias_initializer="zeros", depthwise_regularizer=None,
                 pointwise_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 depthwise_constraint=None, pointwise_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(kernel_size, strides, padding, data_format, dilation_rate, activation, use_bias,
                         bias_initializer, bias_regularizer, bias_constraint, activity_regularizer, **kwargs)
        if not isinstance(filters, (int, np.integer)) or filters <= 0:
            raise InvalidArgumentError(f"layer {self.name!r}: filters must be a positive integer, got {filters!r}")
        if not isinstance(depth_multiplier, (int, np.integer)) or depth_multiplier <= 0:
            raise InvalidArgumentError(f"layer {self.name!r}: depth_multiplier must be a positive integer, got "
                                       f"{depth_multiplier!r}")
        self.filters = int(filters)
        self.depth_multiplier = int(depth_multiplier)
        self.depthwise_initializer = initializers.get(depthwise_initializer)
        self.pointwise_initializer = initializers.get(pointwise_initializer)
        self.depthwise_regularizer = regularizers.get(depthwise_regularizer)
        self.pointwise_regularizer = regularizers.get(pointwise_regularizer)
        self.depthwise_constraint = constraints.get(depthwise_constraint)
        self.pointwise_constraint = constraints.get(pointwise_constraint)

    def build(self, input_shape):
        channels = self._input_channels(input_shape)
        self.depthwise_kernel = self.add_weight(
            name="depthwise_kernel", shape=(*self.kernel_size, channels, self.depth_multiplier),
            initializer=self.depthwise_initializer, regularizer=self.depthwise_regularizer,
            constraint=self.depthwise_constraint)
        self.pointwise_kernel = self.add_weight(
            name="pointwise_kernel", shape=(1, 1, channels * self.depth_multiplier, self.filters),
            initializer=self.pointwise_initializer, regularizer=self.pointwise_regularizer,
            constraint=self.pointwise_constraint)
        self.bias = self._add_bias(self.filters)

    def call(self, inputs):
        self.compute_output_shape(tuple(inputs.shape))  # a clear error when the window does not fit
        return self._finish(tf.nn.separable_conv2d(inputs, self.depthwise_kernel, self.pointwise_kernel,
                                                   self.strides, self.padding.upper(), dilations=self.dilation_rate))

    def compute_output_shape(self, input_shape):
        return _spatial_output_shape(self, input_shape, self.filters)

    def get_config(self):
        return {**super().get_config(), "depth_multiplier": self.depth_multiplier, "filters": self.filters,
                **self._window_config(), "activation": activations.serialize(self.activation),
                "use_bias": self.use_bias,
                "depthwise_initializer": initializers.serialize(self.depthwise_initializer),
                "pointwise_initializer": initializers.serialize(self.pointwise_initializer),
                "bias_initializer": initializers.serialize(self.bias_initializer),
                "depthwise_regularizer": regularizers.serialize(self.depthwise_regularizer),
                "pointwise_regularizer": regularizers.serialize(self.pointwise_regularizer),
                "bias_regularizer": regularizers.serialize(self.bias_regularizer),
                "activity_regularizer": regularizers.serialize(self.activity_regularizer),
                "depthwise_constraint": constraints.serialize(self.depthwise_constraint),
                "pointwise_constraint": constraints.serialize(self.pointwise_constraint),
                "bias_constraint": constraints.serialize(self.bias_constraint)}

    @classmethod
    def from_config(cls, config):
        # tf_keras writes unused kernel_* entries into SeparableConv2D configs; Keras 3 has no such arguments.
        config = {k: v for k, v in _without_legacy_groups(cls, config).items()
                  if k not in ("kernel_initializer", "kernel_regularizer", "kernel_constraint")}
        return cls(**config)


def _without_legacy_groups(cls, config):
    """tf_keras writes "groups": 1 into depthwise and separable configs (they subclass its Conv2D there)."""
    config = dict(config)
    groups = config.pop("groups", 1)
    if groups != 1:
        raise InvalidArgumentError(f"{cls.__name__} {config.get('name')!r}: groups={groups} is not supported "
                                   "(only Conv1D and Conv2D take groups)")
    return config


# Keras's aliases.
Convolution1D = Conv1D
Convolution2D = Conv2D
Convolution2DTranspose = Conv2DTranspose
SeparableConvolution2D = SeparableConv2D

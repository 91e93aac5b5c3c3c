"""Activation layers with arguments: ReLU, LeakyReLU, ELU, Softmax (Keras 3 arguments and configs)."""
import warnings

import engine as tf

from ...errors import IncompatibleShapesError, InvalidArgumentError
from ..layer import Layer

__all__ = ["ReLU", "LeakyReLU", "ELU", "Softmax"]

# What Keras puts in masked softmax positions (float32): small enough that exp() underflows to zero.
_MASKED_LOGIT = -1e9


def _non_negative(value, what, layer_class, allow_none=False):
    if value is None and allow_none:
        return None
    if value is None or value < 0:
        raise InvalidArgumentError(f"{layer_class}: {what} cannot be None or negative, got {what}={value!r}")
    return value


class ReLU(Layer):
    """max(x, 0) with an optional cap (`max_value`), a slope below `threshold` and a threshold."""

    def __init__(self, max_value=None, negative_slope=0.0, threshold=0.0, **kwargs):
        super().__init__(**kwargs)
        self.max_value = _non_negative(max_value, "max_value", "ReLU", allow_none=True)
        self.negative_slope = _non_negative(negative_slope, "negative_slope", "ReLU")
        self.threshold = _non_negative(threshold, "threshold", "ReLU")
        self.supports_masking = True

    def call(self, inputs):
        x = tf.convert_to_tensor(inputs)
        slope, threshold, max_value = self.negative_slope, self.threshold, self.max_value
        if slope != 0 and max_value is None and threshold == 0:
            return tf.nn.leaky_relu(x, alpha=slope)
        if threshold != 0:
            output = tf.where(x > threshold, x, tf.zeros_like(x))
        elif max_value == 6:
            return self._below_threshold(x, tf.nn.relu6(x))
        else:
            output = tf.nn.relu(x)
        if max_value is not None:
            output = tf.clip_by_value(output, 0.0, float(max_value))
        return self._below_threshold(x, output)

    def _below_threshold(self, x, output):
        """Adds `negative_slope * (x - threshold)` where x is under the threshold (Keras's formula)."""
        if self.negative_slope == 0:
            return output
        return output - self.negative_slope * tf.nn.relu(self.threshold - x)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        return {**super().get_config(), "max_value": self.max_value, "negative_slope": self.negative_slope,
                "threshold": self.threshold}


class LeakyReLU(Layer):
    """x for x >= 0, `negative_slope * x` below; accepts the Keras 2 name `alpha` for the slope."""

    def __init__(self, negative_slope=0.3, **kwargs):
        if "alpha" in kwargs:
            negative_slope = kwargs.pop("alpha")
            warnings.warn("LeakyReLU: argument `alpha` is deprecated; use `negative_slope`", stacklevel=2)
        super().__init__(**kwargs)
        self.negative_slope = _non_negative(negative_slope, "negative_slope", "LeakyReLU")
        self.supports_masking = True

    def call(self, inputs):
        return tf.nn.leaky_relu(inputs, alpha=self.negative_slope)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        return {**super().get_config(), "negative_slope": self.negative_slope}


class ELU(Layer):
    """x for x > 0, `alpha * (exp(x) - 1)` below."""

    def __init__(self, alpha=1.0, **kwargs):
        super().__init__(**kwargs)
        self.alpha = alpha
        self.supports_masking = True

    def call(self, inputs):
        x = tf.convert_to_tensor(inputs)
        if self.alpha == 1.0:
            return tf.nn.elu(x)
        # expm1 of min(x, 0) keeps the unused branch finite, so its gradient is zero rather than NaN.
        return tf.where(x > 0, x, self.alpha * tf.math.expm1(tf.minimum(x, 0.0)))

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        # Keras 3's ELU config comes from its recorded constructor arguments: `alpha` follows the name.
        base = super().get_config()
        return {"name": base.pop("name"), "alpha": self.alpha, **base}


class Softmax(Layer):
    """Softmax over `axis` (an int or a list of ints); masked positions get probability zero."""

    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        self.axis = axis
        self.supports_masking = True

    def call(self, inputs, mask=None):
        x = tf.convert_to_tensor(inputs)
        if mask is not None:
            mask = self._boolean_mask(mask, x)
            x = tf.where(mask, x, tf.fill(x.shape, _MASKED_LOGIT))
        if isinstance(self.axis, (list, tuple)) and len(self.axis) > 1:
            outputs = tf.exp(x - tf.reduce_logsumexp(x, axis=list(self.axis), keepdims=True))
        else:
            axis = self.axis[0] if isinstance(self.axis, (list, tuple)) else self.axis
            outputs = tf.nn.softmax(x, axis=axis)
        if mask is not None:
            outputs = tf.where(mask, outputs, tf.zeros_like(outputs))
        return outputs

    def _boolean_mask(self, mask, x):
        mask = tf.convert_to_tensor(mask)
        mismatched = mask.ndim > x.ndim or any(
            m != 1 and m != i for m, i in zip(reversed(mask.shape), reversed(x.shape)))
        if mismatched:
            raise IncompatibleShapesError(f"{self.name}: the mask of shape {list(mask.shape)} does not broadcast "
                                          f"to the inputs of shape {list(x.shape)}")
        if mask.dtype != tf.bool:
            mask = mask > 0.5
        return tf.broadcast_to(mask, x.shape)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        return {**super().get_config(), "axis": self.axis}

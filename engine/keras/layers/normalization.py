"""BatchNormalization and LayerNormalization (Keras 3 arguments, weights and configs)."""
import engine as tf

from ...errors import IncompatibleShapesError, InvalidArgumentError, UnimplementedError
from .. import constraints, initializers, regularizers
from ..layer import InputSpec, Layer

__all__ = ["BatchNormalization", "LayerNormalization"]


def _positive_axis(axis, ndim, layer, what="axis"):
    if not -ndim <= axis < ndim:
        raise InvalidArgumentError(f"{layer.name}: {what} {axis} is out of bounds for inputs of rank {ndim}")
    return axis % ndim


def _broadcastable(vector, axes, ndim):
    """`vector` (shaped like the normalized axes) reshaped so it broadcasts against a rank-`ndim` input."""
    if list(axes) == [ndim - 1]:
        return vector
    shape = [1] * ndim
    for axis, size in zip(axes, vector.shape):
        shape[axis] = size
    return tf.reshape(vector, shape)


class BatchNormalization(Layer):
    """Normalizes with the batch's moments in training and with moving averages of them in inference.

    `trainable=False` makes the layer run in inference mode whatever `training` says, as in Keras 3.
    """

    def __init__(self, axis=-1, momentum=0.99, epsilon=1e-3, center=True, scale=True,
                 beta_initializer="zeros", gamma_initializer="ones", moving_mean_initializer="zeros",
                 moving_variance_initializer="ones", beta_regularizer=None, gamma_regularizer=None,
                 beta_constraint=None, gamma_constraint=None, renorm=False, renorm_clipping=None,
                 renorm_momentum=0.99, synchronized=False, **kwargs):
        super().__init__(**kwargs)
        if renorm:
            raise UnimplementedError(f"{self.name}: BatchNormalization(renorm=True) (batch renormalization) "
                                     "is not supported")
        if isinstance(axis, (list, tuple)) and len(axis) == 1:
            axis = axis[0]  # Keras 2 configs (legacy .h5, TF.js) store the built axis as a list
        self.axis = int(axis)
        self.momentum = float(momentum)
        self.epsilon = float(epsilon)
        self.center = center
        self.scale = scale
        self.beta_initializer = initializers.get(beta_initializer)
        self.gamma_initializer = initializers.get(gamma_initializer)
        self.moving_mean_initializer = initializers.get(moving_mean_initializer)
        self.moving_variance_initializer = initializers.get(moving_variance_initializer)
        self.beta_regularizer = regularizers.get(beta_regularizer)
        self.gamma_regularizer = regularizers.get(gamma_regularizer)
        self.beta_constraint = constraints.get(beta_constraint)
        self.gamma_constraint = constraints.get(gamma_constraint)
        # Single-device engine: a synchronized layer computes the same moments as an unsynchronized one.
        self.synchronized = synchronized
        self.renorm = renorm
        self.renorm_clipping = renorm_clipping
        self.renorm_momentum = renorm_momentum
        self.supports_masking = True
        self.gamma = None
        self.beta = None
        self.moving_mean = None
        self.moving_variance = None

    def build(self, input_shape):
        ndim = len(input_shape)
        axis = _positive_axis(self.axis, ndim, self)
        size = input_shape[axis]
        if size is None:
            raise InvalidArgumentError(f"{self.name}: the normalized axis {self.axis} of inputs with shape "
                                       f"{tuple(input_shape)} must have a known size")
        shape = (size,)
        if self.scale:
            self.gamma = self.add_weight(shape=shape, name="gamma", initializer=self.gamma_initializer,
                                         regularizer=self.gamma_regularizer, constraint=self.gamma_constraint,
                                         trainable=True)
        if self.center:
            self.beta = self.add_weight(shape=shape, name="beta", initializer=self.beta_initializer,
                                        regularizer=self.beta_regularizer, constraint=self.beta_constraint,
                                        trainable=True)
        self.moving_mean = self.add_weight(shape=shape, name="moving_mean",
                                           initializer=self.moving_mean_initializer, trainable=False)
        self.moving_variance = self.add_weight(shape=shape, name="moving_variance",
                                               initializer=self.moving_variance_initializer, trainable=False)
        self.input_spec = InputSpec(ndim=ndim, axes={self.axis: size})
        self._reduction_axes = [d for d in range(ndim) if d != axis]
        self._channel_axis = axis

    def compute_output_shape(self, input_shape):
        _positive_axis(self.axis, len(input_shape), self)
        return tuple(input_shape)

    def call(self, inputs, training=None, mask=None):
        inputs = tf.cast(inputs, "float32")
        ndim = inputs.ndim
        if mask is not None and mask.ndim != ndim - 1:
            raise IncompatibleShapesError(f"{self.name}: the mask must have one dimension less than the inputs; "
                                          f"got mask shape {list(mask.shape)} for inputs {list(inputs.shape)}")
        if training and self.trainable:
            mean, variance = self._moments(inputs, mask)
            self._update_moving_statistics(tf.stop_gradient(mean), tf.stop_gradient(variance))
        else:
            mean, variance = self.moving_mean, self.moving_variance
        axes = [self._channel_axis]
        return tf.nn.batch_normalization(
            inputs, _broadcastable(mean, axes, ndim), _broadcastable(variance, axes, ndim),
            None if self.beta is None else _broadcastable(self.beta, axes, ndim),
            None if self.gamma is None else _broadcastable(self.gamma, axes, ndim), self.epsilon)

    def _moments(self, inputs, mask):
        if mask is None:
            return tf.nn.moments(inputs, axes=self._reduction_axes)
        weights = tf.broadcast_to(tf.expand_dims(tf.cast(mask, inputs.dtype), -1), inputs.shape)
        # The small constant keeps a fully masked batch finite, as Keras's backend epsilon does.
        count = tf.reduce_sum(weights, self._reduction_axes, keepdims=True) + 1e-7
        mean = tf.reduce_sum(weights * inputs, self._reduction_axes, keepdims=True) / count
        variance = tf.reduce_sum(weights * tf.square(inputs - mean), self._reduction_axes, keepdims=True) / count
        return tf.reshape(mean, [-1]), tf.reshape(variance, [-1])

    def _update_moving_statistics(self, mean, variance):
        decay = 1.0 - self.momentum
        self.moving_mean.assign(self.moving_mean * self.momentum + mean * decay)
        self.moving_variance.assign(self.moving_variance * self.momentum + variance * decay)

    def get_config(self):
        config = {
            "axis": self.axis,
            "momentum": self.momentum,
            "epsilon": self.epsilon,
            "center": self.center,
            "scale": self.scale,
            "beta_initializer": initializers.serialize(self.beta_initializer),
            "gamma_initializer": initializers.serialize(self.gamma_initializer),
            "moving_mean_initializer": initializers.serialize(self.moving_mean_initializer),
            "moving_variance_initializer": initializers.serialize(self.moving_variance_initializer),
            "beta_regularizer": regularizers.serialize(self.beta_regularizer),
            "gamma_regularizer": regularizers.serialize(self.gamma_regularizer),
            "beta_constraint": constraints.serialize(self.beta_constraint),
            "gamma_constraint": constraints.serialize(self.gamma_constraint),
            "synchronized": self.synchronized,
            "renorm": self.renorm,
            "renorm_clipping": self.renorm_clipping,
            "renorm_momentum": self.renorm_momentum,
        }
        return {**super().get_config(), **config}


class LayerNormalization(Layer):
    """Normalizes each sample over `axis` (an int or a list of ints), then scales by gamma and shifts by beta."""

    def __init__(self, axis=-1, epsilon=1e-3, center=True, scale=True, beta_initializer="zeros",
                 gamma_initializer="ones", beta_regularizer=None, gamma_regularizer=None, beta_constraint=None,
                 gamma_constraint=None, **kwargs):
        rms_scaling = kwargs.pop("rms_scaling", False)
        super().__init__(**kwargs)
        if isinstance(axis, (list, tuple)):
            self.axis = [int(a) for a in axis]
        elif isinstance(axis, int) and not isinstance(axis, bool):
            self.axis = axis
        else:
            raise InvalidArgumentError(f"{self.name}: axis must be an int or a list of ints, got {axis!r}")
        self.epsilon = epsilon
        self.center = center
        self.scale = scale
        # Keras 3 keeps `rms_scaling` (deprecated): x / sqrt(var(x) + epsilon) * gamma, with no centering.
        self.rms_scaling = rms_scaling
        self.beta_initializer = initializers.get(beta_initializer)
        self.gamma_initializer = initializers.get(gamma_initializer)
        self.beta_regularizer = regularizers.get(beta_regularizer)
        self.gamma_regularizer = regularizers.get(gamma_regularizer)
        self.beta_constraint = constraints.get(beta_constraint)
        self.gamma_constraint = constraints.get(gamma_constraint)
        self.supports_masking = True
        self.gamma = None
        self.beta = None

    def build(self, input_shape):
        ndim = len(input_shape)
        # Keras turns `axis` into a sorted list when it builds, and its config then shows the list.
        self.axis = sorted(self.axis) if isinstance(self.axis, list) else [self.axis]
        self._positive_axes = sorted(_positive_axis(a, ndim, self) for a in self.axis)
        shape = tuple(input_shape[a] for a in self._positive_axes)
        if any(size is None for size in shape):
            raise InvalidArgumentError(f"{self.name}: the normalized axes {self.axis} of inputs with shape "
                                       f"{tuple(input_shape)} must have known sizes")
        if self.scale or self.rms_scaling:
            self.gamma = self.add_weight(name="gamma", shape=shape, initializer=self.gamma_initializer,
                                         regularizer=self.gamma_regularizer, constraint=self.gamma_constraint,
                                         trainable=True)
        if self.center and not self.rms_scaling:
            self.beta = self.add_weight(name="beta", shape=shape, initializer=self.beta_initializer,
                                        regularizer=self.beta_regularizer, constraint=self.beta_constraint,
                                        trainable=True)

    def compute_output_shape(self, input_shape):
        for axis in (self.axis if isinstance(self.axis, list) else [self.axis]):
            _positive_axis(axis, len(input_shape), self)
        return tuple(input_shape)

    def call(self, inputs):
        inputs = tf.cast(inputs, "float32")
        ndim = inputs.ndim
        axes = self._positive_axes
        mean, variance = tf.nn.moments(inputs, axes=axes, keepdims=True)
        inverse_std = tf.math.rsqrt(variance + self.epsilon)
        if self.rms_scaling:
            outputs = inputs * inverse_std
            return outputs if self.gamma is None else outputs * _broadcastable(self.gamma, axes, ndim)
        if self.gamma is not None:
            inverse_std = inverse_std * _broadcastable(self.gamma, axes, ndim)
        shift = -mean * inverse_std
        if self.beta is not None:
            shift = shift + _broadcastable(self.beta, axes, ndim)
        return inputs * inverse_std + shift

    def get_config(self):
        config = {
            "axis": self.axis,
            "epsilon": self.epsilon,
            "center": self.center,
            "scale": self.scale,
            "rms_scaling": self.rms_scaling,
            "beta_initializer": initializers.serialize(self.beta_initializer),
            "gamma_initializer": initializers.serialize(self.gamma_initializer),
            "beta_regularizer": regularizers.serialize(self.beta_regularizer),
            "gamma_regularizer": regularizers.serialize(self.gamma_regularizer),
            "beta_constraint": constraints.serialize(self.beta_constraint),
            "gamma_constraint": constraints.serialize(self.gamma_constraint),
        }
        return {**super().get_config(), **config}

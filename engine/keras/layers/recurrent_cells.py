"""RNN cells: one time step of SimpleRNN, LSTM and GRU, with Keras 3's weights, gate order and configs.

A cell's `call(inputs, states, training)` maps the step input [batch, features] and the list of
state tensors to `(output, new_states)`. Weights follow Keras exactly so its files load:
kernel [features, gates * units], recurrent_kernel [units, gates * units], bias [gates * units]
(GRU with reset_after: [2, 3 * units], input bias then recurrent bias). Gate order: LSTM i, f, c, o;
GRU z (update), r (reset), h (candidate).
"""
import engine as tf

from ...errors import InvalidArgumentError
from .. import activations, constraints, initializers, regularizers
from ..layer import Layer

__all__ = ["SimpleRNNCell", "LSTMCell", "GRUCell"]


def _clamped_rate(rate):
    return min(1.0, max(0.0, float(rate)))


def serialized_attribute(owner, key):
    """`owner.<key>` as Keras writes it in a config: initializers, regularizers, constraints and
    activations in their serialized form, everything else as it is."""
    value = getattr(owner, key)
    if key.endswith("_initializer"):
        return initializers.serialize(value)
    if key.endswith("_regularizer"):
        return regularizers.serialize(value)
    if key.endswith("_constraint"):
        return constraints.serialize(value)
    if key.endswith("activation"):
        return activations.serialize(value)
    return value


_INITIALIZER_KEYS = ("kernel_initializer", "recurrent_initializer", "bias_initializer")
_REGULARIZER_KEYS = ("kernel_regularizer", "recurrent_regularizer", "bias_regularizer")
_CONSTRAINT_KEYS = ("kernel_constraint", "recurrent_constraint", "bias_constraint")
_DROPOUT_KEYS = ("dropout", "recurrent_dropout")


class _DropoutCell(Layer):
    """The arguments every built-in cell shares, and dropout masks that stay fixed over one sequence.

    The RNN layer calls `prepare_dropout_masks` before its time loop (in training only) and
    `clear_dropout_masks` after it, so every time step drops the same input features and state units.
    """

    def __init__(self, units, activation, use_bias, kernel_initializer, recurrent_initializer, bias_initializer,
                 kernel_regularizer, recurrent_regularizer, bias_regularizer, kernel_constraint,
                 recurrent_constraint, bias_constraint, dropout, recurrent_dropout, seed, **kwargs):
        if not isinstance(units, int) or isinstance(units, bool) or units <= 0:
            raise InvalidArgumentError(f"{type(self).__name__}: units must be a positive integer, got {units!r}")
        super().__init__(**kwargs)
        self.units = units
        self.activation = activations.get(activation)
        self.use_bias = use_bias
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.recurrent_initializer = initializers.get(recurrent_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.recurrent_regularizer = regularizers.get(recurrent_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.recurrent_constraint = constraints.get(recurrent_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self.dropout = _clamped_rate(dropout)
        self.recurrent_dropout = _clamped_rate(recurrent_dropout)
        self.seed = seed
        self.output_size = units
        self._dropout_mask = None
        self._recurrent_dropout_mask = None
        self.bias = None

    def _add_kernels(self, input_dim, gates):
        self.kernel = self.add_weight(shape=(input_dim, gates * self.units), name="kernel",
                                      initializer=self.kernel_initializer, regularizer=self.kernel_regularizer,
                                      constraint=self.kernel_constraint)
        self.recurrent_kernel = self.add_weight(shape=(self.units, gates * self.units), name="recurrent_kernel",
                                                initializer=self.recurrent_initializer,
                                                regularizer=self.recurrent_regularizer,
                                                constraint=self.recurrent_constraint)

    def _add_bias(self, shape, initializer):
        self.bias = self.add_weight(shape=shape, name="bias", initializer=initializer,
                                    regularizer=self.bias_regularizer, constraint=self.bias_constraint)

    def _mask(self, like, rate):
        return tf.nn.dropout(tf.ones_like(like), rate=rate, seed=self.seed)

    def prepare_dropout_masks(self, step_input, state):
        if 0.0 < self.dropout < 1.0:
            self._dropout_mask = self._mask(step_input, self.dropout)
        if 0.0 < self.recurrent_dropout < 1.0:
            self._recurrent_dropout_mask = self._mask(state, self.recurrent_dropout)

    def clear_dropout_masks(self):
        self._dropout_mask = None
        self._recurrent_dropout_mask = None

    def _dropped(self, inputs, previous_output, training):
        """The step input and previous output with this sequence's dropout masks applied (training only)."""
        if training and self._dropout_mask is not None:
            inputs = inputs * self._dropout_mask
        if training and self._recurrent_dropout_mask is not None:
            previous_output = previous_output * self._recurrent_dropout_mask
        return inputs, previous_output

    def get_initial_state(self, batch_size):
        sizes = self.state_size if isinstance(self.state_size, (list, tuple)) else [self.state_size]
        return [tf.zeros((batch_size, size)) for size in sizes]

    def get_config(self):
        return {**super().get_config(), **{key: serialized_attribute(self, key) for key in self._config_keys}}


class SimpleRNNCell(_DropoutCell):
    """h_t = activation(x_t @ kernel + h_{t-1} @ recurrent_kernel + bias)."""

    _config_keys = ("units", "activation", "use_bias", *_INITIALIZER_KEYS, *_REGULARIZER_KEYS, *_CONSTRAINT_KEYS,
                    *_DROPOUT_KEYS, "seed")

    def __init__(self, units, activation="tanh", use_bias=True, kernel_initializer="glorot_uniform",
                 recurrent_initializer="orthogonal", bias_initializer="zeros", kernel_regularizer=None,
                 recurrent_regularizer=None, bias_regularizer=None, kernel_constraint=None,
                 recurrent_constraint=None, bias_constraint=None, dropout=0.0, recurrent_dropout=0.0, seed=None,
                 **kwargs):
        super().__init__(units, activation, use_bias, kernel_initializer, recurrent_initializer, bias_initializer,
                         kernel_regularizer, recurrent_regularizer, bias_regularizer, kernel_constraint,
                         recurrent_constraint, bias_constraint, dropout, recurrent_dropout, seed, **kwargs)
        self.state_size = units

    def build(self, input_shape):
        self._add_kernels(input_shape[-1], 1)
        if self.use_bias:
            self._add_bias((self.units,), self.bias_initializer)

    def call(self, inputs, states, training=False):
        previous = states[0] if isinstance(states, (list, tuple)) else states
        inputs, dropped_previous = self._dropped(inputs, previous, training)
        z = tf.matmul(inputs, self.kernel)
        if self.bias is not None:
            z = z + self.bias
        output = z + tf.matmul(dropped_previous, self.recurrent_kernel)
        if self.activation is not None:
            output = self.activation(output)
        return output, [output] if isinstance(states, (list, tuple)) else output



class LSTMCell(_DropoutCell):
    """Long short-term memory step; state [h, c]; gates i, f, c, o in that order along the kernels' columns."""

    _config_keys = ("units", "activation", "recurrent_activation", "use_bias", "unit_forget_bias",
                    *_INITIALIZER_KEYS, *_REGULARIZER_KEYS, *_CONSTRAINT_KEYS, *_DROPOUT_KEYS, "seed")

    def __init__(self, units, activation="tanh", recurrent_activation="sigmoid", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal", bias_initializer="zeros",
                 unit_forget_bias=True, kernel_regularizer=None, recurrent_regularizer=None, bias_regularizer=None,
                 kernel_constraint=None, recurrent_constraint=None, bias_constraint=None, dropout=0.0,
                 recurrent_dropout=0.0, seed=None, **kwargs):
        kwargs.pop("implementation", None)
        super().__init__(units, activation, use_bias, kernel_initializer, recurrent_initializer, bias_initializer,
                         kernel_regularizer, recurrent_regularizer, bias_regularizer, kernel_constraint,
                         recurrent_constraint, bias_constraint, dropout, recurrent_dropout, seed, **kwargs)
        self.recurrent_activation = activations.get(recurrent_activation)
        self.unit_forget_bias = unit_forget_bias
        self.state_size = [units, units]

    def build(self, input_shape):
        self._add_kernels(input_shape[-1], 4)
        if self.use_bias:
            self._add_bias((4 * self.units,), self._forget_biased_initializer() if self.unit_forget_bias
                           else self.bias_initializer)

    def _forget_biased_initializer(self):
        """The bias initializer with the forget gate's quarter set to ones (Jozefowicz et al., 2015)."""
        units, base = self.units, self.bias_initializer

        def initializer(shape, dtype=None):
            return tf.concat([tf.cast(base((units,), dtype=dtype), "float32"), tf.ones((units,)),
                              tf.cast(base((2 * units,), dtype=dtype), "float32")], axis=0)
        return initializer

    def call(self, inputs, states, training=False):
        previous_h, previous_c = states[0], states[1]
        inputs, dropped_h = self._dropped(inputs, previous_h, training)
        z = tf.matmul(inputs, self.kernel) + tf.matmul(dropped_h, self.recurrent_kernel)
        if self.bias is not None:
            z = z + self.bias
        z_i, z_f, z_c, z_o = tf.split(z, 4, axis=1)
        input_gate = self.recurrent_activation(z_i)
        forget_gate = self.recurrent_activation(z_f)
        c = forget_gate * previous_c + input_gate * self.activation(z_c)
        output_gate = self.recurrent_activation(z_o)
        h = output_gate * self.activation(c)
        return h, [h, c]



class GRUCell(_DropoutCell):
    """Gated recurrent unit step; gates z, r, h. `reset_after=True` (Keras 3's default, cuDNN-compatible)
    applies the reset gate after the recurrent matmul and keeps a separate recurrent bias."""

    _config_keys = ("units", "activation", "recurrent_activation", "use_bias", *_INITIALIZER_KEYS,
                    *_REGULARIZER_KEYS, *_CONSTRAINT_KEYS, *_DROPOUT_KEYS, "reset_after", "seed")

    def __init__(self, units, activation="tanh", recurrent_activation="sigmoid", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal", bias_initializer="zeros",
                 kernel_regularizer=None, recurrent_regularizer=None, bias_regularizer=None, kernel_constraint=None,
                 recurrent_constraint=None, bias_constraint=None, dropout=0.0, recurrent_dropout=0.0,
                 reset_after=True, seed=None, **kwargs):
        kwargs.pop("implementation", None)
        super().__init__(units, activation, use_bias, kernel_initializer, recurrent_initializer, bias_initializer,
                         kernel_regularizer, recurrent_regularizer, bias_regularizer, kernel_constraint,
                         recurrent_constraint, bias_constraint, dropout, recurrent_dropout, seed, **kwargs)
        self.recurrent_activation = activations.get(recurrent_activation)
        self.reset_after = reset_after
        self.state_size = units

    def build(self, input_shape):
        self._add_kernels(input_shape[-1], 3)
        if self.use_bias:
            self._add_bias((2, 3 * self.units) if self.reset_after else (3 * self.units,), self.bias_initializer)

    def call(self, inputs, states, training=False):
        previous = states[0] if isinstance(states, (list, tuple)) else states
        units = self.units
        inputs, dropped_previous = self._dropped(inputs, previous, training)
        input_bias = recurrent_bias = None
        if self.bias is not None:
            input_bias, recurrent_bias = (self.bias[0], self.bias[1]) if self.reset_after else (self.bias, None)
        projected = tf.matmul(inputs, self.kernel)
        if input_bias is not None:
            projected = projected + input_bias
        x_z, x_r, x_h = tf.split(projected, 3, axis=1)
        if self.reset_after:
            inner = tf.matmul(dropped_previous, self.recurrent_kernel)
            if recurrent_bias is not None:
                inner = inner + recurrent_bias
            recurrent_z, recurrent_r, recurrent_h = tf.split(inner, 3, axis=1)
            z = self.recurrent_activation(x_z + recurrent_z)
            r = self.recurrent_activation(x_r + recurrent_r)
            recurrent_h = r * recurrent_h
        else:
            inner = tf.matmul(dropped_previous, self.recurrent_kernel[:, :2 * units])
            recurrent_z, recurrent_r = tf.split(inner, 2, axis=1)
            z = self.recurrent_activation(x_z + recurrent_z)
            r = self.recurrent_activation(x_r + recurrent_r)
            recurrent_h = tf.matmul(r * dropped_previous, self.recurrent_kernel[:, 2 * units:])
        candidate = self.activation(x_h + recurrent_h)
        h = z * previous + (1.0 - z) * candidate
        return h, [h] if isinstance(states, (list, tuple)) else h


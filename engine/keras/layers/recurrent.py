"""Recurrent layers: RNN (any cell), SimpleRNN, LSTM, GRU, and Bidirectional (Keras 3 arguments and configs).

The time loop runs in Python over the steps with engine ops, so the tape differentiates through it
and every backend runs it. `unroll` is accepted and has no effect (the loop is always unrolled).
"""
import engine as tf

from ...errors import IncompatibleShapesError, InvalidArgumentError, UnimplementedError
from .. import regularizers, serialization
from ..layer import InputSpec, Layer
from .recurrent_cells import GRUCell, LSTMCell, SimpleRNNCell, serialized_attribute

__all__ = ["RNN", "SimpleRNN", "LSTM", "GRU", "Bidirectional", "SimpleRNNCell", "LSTMCell", "GRUCell"]


def _as_list(value):
    return list(value) if isinstance(value, (list, tuple)) else [value]


class RNN(Layer):
    """Runs `cell` over the time axis of [batch, time, features] inputs.

    Returns the last output [batch, units], or every output [batch, time, units] with
    `return_sequences`; with `return_state` also the final states. With `go_backwards` the steps run
    from the last to the first and the returned sequence is in that (reversed) order, as in Keras.
    A mask [batch, time] skips steps: a masked step keeps the states and repeats the previous output
    (zeros with `zero_output_for_mask`).
    """

    def __init__(self, cell, return_sequences=False, return_state=False, go_backwards=False, stateful=False,
                 unroll=False, zero_output_for_mask=False, **kwargs):
        if isinstance(cell, (list, tuple)):
            raise UnimplementedError("RNN: a list of cells (StackedRNNCells) is not supported; stack RNN layers")
        if not hasattr(cell, "call") or not hasattr(cell, "state_size"):
            raise InvalidArgumentError(f"RNN: the cell must have a `call` method and a `state_size`, got {cell!r}")
        if kwargs.pop("time_major", False):
            raise UnimplementedError("RNN: time_major=True (Keras 2) is not supported")
        super().__init__(**kwargs)
        if stateful:
            raise UnimplementedError(f"{self.name}: stateful=True is not supported")
        self.cell = cell
        self.return_sequences = return_sequences
        self.return_state = return_state
        self.go_backwards = go_backwards
        self.stateful = stateful
        self.unroll = unroll
        self.zero_output_for_mask = zero_output_for_mask
        self.supports_masking = True
        self.state_size = _as_list(cell.state_size)

    def build(self, sequences_shape):
        if len(sequences_shape) != 3:
            raise InvalidArgumentError(f"{self.name}: expected inputs of shape [batch, time, features], got "
                                       f"{tuple(sequences_shape)}")
        if isinstance(self.cell, Layer) and not self.cell.built:
            self.cell.build((sequences_shape[0],) + tuple(sequences_shape[2:]))

    def compute_output_shape(self, sequences_shape):
        batch, steps = sequences_shape[0], sequences_shape[1]
        units = getattr(self.cell, "output_size", None) or self.state_size[0]
        output_shape = (batch, steps, units) if self.return_sequences else (batch, units)
        if self.return_state:
            return (output_shape,) + tuple((batch, size) for size in self.state_size)
        return output_shape

    def compute_mask(self, inputs, mask=None):
        if isinstance(mask, (list, tuple)):
            mask = mask[0]
        output_mask = mask if self.return_sequences else None
        if self.return_state:
            return [output_mask] + [None] * len(self.state_size)
        return output_mask

    def get_initial_state(self, batch_size):
        if hasattr(self.cell, "get_initial_state"):
            return _as_list(self.cell.get_initial_state(batch_size=batch_size))
        return [tf.zeros((batch_size, size)) for size in self.state_size]

    def _initial_states(self, sequences, initial_state):
        batch = sequences.shape[0]
        if initial_state is None:
            return self.get_initial_state(batch)
        states = [tf.cast(state, "float32") for state in _as_list(initial_state)]
        expected = [(batch, size) for size in self.state_size]
        if [tuple(s.shape) for s in states] != expected:
            raise IncompatibleShapesError(f"{self.name}: initial_state must be tensors of shapes {expected}, got "
                                          f"{[tuple(s.shape) for s in states]}")
        return states

    def call(self, sequences, initial_state=None, mask=None, training=False):
        sequences = tf.cast(sequences, "float32")
        if sequences.ndim != 3:
            raise InvalidArgumentError(f"{self.name}: expected inputs of shape [batch, time, features], got "
                                       f"{list(sequences.shape)}")
        if sequences.shape[1] == 0:
            raise InvalidArgumentError(f"{self.name}: the input sequences have no time steps (shape "
                                       f"{list(sequences.shape)})")
        states = self._initial_states(sequences, initial_state)
        steps = tf.unstack(sequences, axis=1)
        step_masks = self._step_masks(mask, sequences)
        if self.go_backwards:
            steps.reverse()
            step_masks.reverse()
        if training and hasattr(self.cell, "prepare_dropout_masks"):
            self.cell.prepare_dropout_masks(steps[0], states[0])
        try:
            outputs, states = self._loop(steps, step_masks, states, training)
        finally:
            if hasattr(self.cell, "clear_dropout_masks"):
                self.cell.clear_dropout_masks()
        output = tf.stack(outputs, axis=1) if self.return_sequences else outputs[-1]
        if self.return_state:
            return (output, *states)
        return output

    def _step_masks(self, mask, sequences):
        if mask is None:
            return [None] * sequences.shape[1]
        mask = tf.convert_to_tensor(mask)
        if tuple(mask.shape) != tuple(sequences.shape[:2]):
            raise IncompatibleShapesError(f"{self.name}: the mask must have shape [batch, time] = "
                                          f"{list(sequences.shape[:2])}, got {list(mask.shape)}")
        if mask.dtype != tf.bool:
            mask = tf.cast(mask, "bool")
        return tf.unstack(tf.expand_dims(mask, -1), axis=1)

    def _loop(self, steps, step_masks, states, training):
        cell_arguments = {}
        if isinstance(self.cell, Layer) and self.cell._call_has_training_arg:
            cell_arguments["training"] = training
        outputs = []
        previous_output = None
        for step_input, step_mask in zip(steps, step_masks):
            output, new_states = self.cell.call(step_input, states, **cell_arguments)
            new_states = _as_list(new_states)
            if step_mask is not None:
                if previous_output is None or self.zero_output_for_mask:
                    previous_output = tf.zeros_like(output)
                output = tf.where(step_mask, output, previous_output)
                new_states = [tf.where(step_mask, new, old) for new, old in zip(new_states, states)]
            states, previous_output = new_states, output
            if self.return_sequences or not outputs:
                outputs.append(output)
            else:
                outputs[0] = output
        return outputs, states

    def get_config(self):
        config = {
            "return_sequences": self.return_sequences,
            "return_state": self.return_state,
            "go_backwards": self.go_backwards,
            "stateful": self.stateful,
            "unroll": self.unroll,
            "zero_output_for_mask": self.zero_output_for_mask,
            "cell": serialization.serialize_keras_object(self.cell),
        }
        return {**super().get_config(), **config}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = dict(config)
        cell = serialization.deserialize_keras_object(config.pop("cell"), custom_objects=custom_objects)
        return cls(cell, **config)


def _layer_config_keys(cell_class):
    """A built-in RNN layer's own config keys, in Keras's order: its cell's, with `activity_regularizer`
    after the regularizers; Keras 3's SimpleRNN config has no `seed` (its LSTM and GRU configs do)."""
    keys = [key for key in cell_class._config_keys if not (cell_class is SimpleRNNCell and key == "seed")]
    if cell_class is LSTMCell:
        # Keras's LSTM lists unit_forget_bias after the initializers, its LSTMCell before them.
        keys.remove("unit_forget_bias")
        keys.insert(keys.index("bias_initializer") + 1, "unit_forget_bias")
    keys.insert(keys.index("bias_regularizer") + 1, "activity_regularizer")
    return tuple(keys)


class _BuiltinRNN(RNN):
    """An RNN layer that owns one built-in cell and, like Keras, reads the cell's arguments through.

    Keras's `use_cudnn` and `implementation` arguments are accepted and have no effect here.
    """

    _cell_class = None

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        cls._config_keys = _layer_config_keys(cls._cell_class)
        for key in cls._cell_class._config_keys:
            setattr(cls, key, property(lambda self, key=key: getattr(self.cell, key)))

    def __init__(self, units, cell_arguments, return_sequences, return_state, go_backwards, stateful, unroll,
                 activity_regularizer, kwargs):
        kwargs.pop("implementation", None)
        # Keras passes the layer's dtype and trainable flag down to the cell it names after the class.
        cell = self._cell_class(units, dtype=kwargs.get("dtype"), trainable=kwargs.get("trainable", True),
                                name=self._cell_name, **cell_arguments)
        super().__init__(cell, return_sequences=return_sequences, return_state=return_state,
                         go_backwards=go_backwards, stateful=stateful, unroll=unroll,
                         activity_regularizer=activity_regularizer, **kwargs)
        self.input_spec = InputSpec(ndim=3)

    def get_config(self):
        config = super().get_config()
        del config["cell"]
        own = {key: (regularizers.serialize(self.activity_regularizer) if key == "activity_regularizer"
                     else serialized_attribute(self.cell, key)) for key in self._config_keys}
        return {**config, **own}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        return cls(**config)


class SimpleRNN(_BuiltinRNN):
    """Fully connected RNN: h_t = activation(x_t @ kernel + h_{t-1} @ recurrent_kernel + bias)."""

    _cell_class = SimpleRNNCell
    _cell_name = "simple_rnn_cell"

    def __init__(self, units, activation="tanh", use_bias=True, kernel_initializer="glorot_uniform",
                 recurrent_initializer="orthogonal", bias_initializer="zeros", kernel_regularizer=None,
                 recurrent_regularizer=None, bias_regularizer=None, activity_regularizer=None, kernel_constraint=None,
                 recurrent_constraint=None, bias_constraint=None, dropout=0.0, recurrent_dropout=0.0,
                 return_sequences=False, return_state=False, go_backwards=False, stateful=False, unroll=False,
                 seed=None, **kwargs):
        cell_arguments = dict(activation=activation, use_bias=use_bias, kernel_initializer=kernel_initializer,
                              recurrent_initializer=recurrent_initializer, bias_initializer=bias_initializer,
                              kernel_regularizer=kernel_regularizer, recurrent_regularizer=recurrent_regularizer,
                              bias_regularizer=bias_regularizer, kernel_constraint=kernel_constraint,
                              recurrent_constraint=recurrent_constraint, bias_constraint=bias_constraint,
                              dropout=dropout, recurrent_dropout=recurrent_dropout, seed=seed)
        super().__init__(units, cell_arguments, return_sequences, return_state, go_backwards, stateful, unroll,
                         activity_regularizer, kwargs)


class LSTM(_BuiltinRNN):
    """Long short-term memory layer (Hochreiter & Schmidhuber, 1997); states [h, c]; gates i, f, c, o."""

    _cell_class = LSTMCell
    _cell_name = "lstm_cell"

    def __init__(self, units, activation="tanh", recurrent_activation="sigmoid", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal", bias_initializer="zeros",
                 unit_forget_bias=True, kernel_regularizer=None, recurrent_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, kernel_constraint=None, recurrent_constraint=None, bias_constraint=None,
                 dropout=0.0, recurrent_dropout=0.0, seed=None, return_sequences=False, return_state=False,
                 go_backwards=False, stateful=False, unroll=False, use_cudnn="auto", **kwargs):
        cell_arguments = dict(activation=activation, recurrent_activation=recurrent_activation, use_bias=use_bias,
                              kernel_initializer=kernel_initializer, recurrent_initializer=recurrent_initializer,
                              bias_initializer=bias_initializer, unit_forget_bias=unit_forget_bias,
                              kernel_regularizer=kernel_regularizer, recurrent_regularizer=recurrent_regularizer,
                              bias_regularizer=bias_regularizer, kernel_constraint=kernel_constraint,
                              recurrent_constraint=recurrent_constraint, bias_constraint=bias_constraint,
                              dropout=dropout, recurrent_dropout=recurrent_dropout, seed=seed)
        super().__init__(units, cell_arguments, return_sequences, return_state, go_backwards, stateful, unroll,
                         activity_regularizer, kwargs)


class GRU(_BuiltinRNN):
    """Gated recurrent unit layer (Cho et al., 2014); gates z, r, h; `reset_after=True` as in Keras 3."""

    _cell_class = GRUCell
    _cell_name = "gru_cell"

    def __init__(self, units, activation="tanh", recurrent_activation="sigmoid", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal", bias_initializer="zeros",
                 kernel_regularizer=None, recurrent_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, recurrent_constraint=None, bias_constraint=None, dropout=0.0,
                 recurrent_dropout=0.0, seed=None, return_sequences=False, return_state=False, go_backwards=False,
                 stateful=False, unroll=False, reset_after=True, use_cudnn="auto", **kwargs):
        cell_arguments = dict(activation=activation, recurrent_activation=recurrent_activation, use_bias=use_bias,
                              kernel_initializer=kernel_initializer, recurrent_initializer=recurrent_initializer,
                              bias_initializer=bias_initializer, kernel_regularizer=kernel_regularizer,
                              recurrent_regularizer=recurrent_regularizer, bias_regularizer=bias_regularizer,
                              kernel_constraint=kernel_constraint, recurrent_constraint=recurrent_constraint,
                              bias_constraint=bias_constraint, dropout=dropout, recurrent_dropout=recurrent_dropout,
                              reset_after=reset_after, seed=seed)
        super().__init__(units, cell_arguments, return_sequences, return_state, go_backwards, stateful, unroll,
                         activity_regularizer, kwargs)


from .bidirectional import Bidirectional  # noqa: E402  (it wraps the classes above)

"""Bidirectional: runs an RNN layer forwards and a copy of it backwards, and merges their outputs."""
import copy

import engine as tf

from ...errors import InvalidArgumentError
from .. import serialization
from ..layer import Layer

__all__ = ["Bidirectional"]

_MERGE_MODES = ("sum", "mul", "ave", "concat", None)


def _renamed_copy(layer, prefix, **overrides):
    """A fresh, unbuilt layer with `layer`'s config, named `<prefix>_<name>` (an existing prefix is not doubled)."""
    config = serialization.serialize_keras_object(layer)
    base_name = layer.name[len(prefix) + 1:] if layer.name.startswith(prefix + "_") else layer.name
    config["config"].update(name=f"{prefix}_{base_name}", **overrides)
    return serialization.deserialize_keras_object(config)


class Bidirectional(Layer):
    """Wraps an RNN layer: the forward copy reads the sequence in order, the backward copy in reverse.

    merge_mode "concat" (default), "sum", "mul" or "ave" combines the two outputs; None returns both.
    The backward outputs are flipped back to the input's time order before merging. Weights: the
    forward layer's, then the backward layer's.
    """

    def __init__(self, layer, merge_mode="concat", weights=None, backward_layer=None, **kwargs):
        if not isinstance(layer, Layer):
            raise InvalidArgumentError(f"Bidirectional wraps a Layer instance, got {layer!r}")
        if backward_layer is not None and not isinstance(backward_layer, Layer):
            raise InvalidArgumentError(f"Bidirectional: backward_layer must be a Layer instance, "
                                       f"got {backward_layer!r}")
        if merge_mode not in _MERGE_MODES:
            raise InvalidArgumentError(f"Bidirectional: merge_mode must be one of {_MERGE_MODES}, got {merge_mode!r}")
        super().__init__(**kwargs)
        self.forward_layer = _renamed_copy(layer, "forward")
        self.backward_layer = (backward_layer if backward_layer is not None
                               else _renamed_copy(layer, "backward", go_backwards=not layer.go_backwards))
        self._check_pair()
        # With sequences returned, masked steps give zeros, so the flipped backward sequence lines up.
        for direction in (self.forward_layer, self.backward_layer):
            if hasattr(direction, "zero_output_for_mask"):
                direction.zero_output_for_mask = direction.return_sequences
        self.merge_mode = merge_mode
        self.stateful = layer.stateful
        self.return_sequences = layer.return_sequences
        self.return_state = layer.return_state
        self.supports_masking = True
        self.input_spec = layer.input_spec
        self._initial_weights = weights

    def _check_pair(self):
        forward, backward = self.forward_layer, self.backward_layer
        if forward.go_backwards == backward.go_backwards:
            raise InvalidArgumentError(
                f"{self.name}: the forward and backward layers must have different go_backwards values; both "
                f"have {forward.go_backwards}")
        for attribute in ("stateful", "return_sequences", "return_state"):
            if getattr(forward, attribute) != getattr(backward, attribute):
                raise InvalidArgumentError(
                    f"{self.name}: the forward and backward layers must have the same {attribute}; got "
                    f"{getattr(forward, attribute)} and {getattr(backward, attribute)}")

    def build(self, sequences_shape):
        for direction in (self.forward_layer, self.backward_layer):
            if not direction.built:
                direction.build(sequences_shape)
        if self._initial_weights:
            self.set_weights(self._initial_weights)
            self._initial_weights = None

    def compute_output_shape(self, sequences_shape):
        # A custom backward layer may have other units than the forward one.
        forward_shape = self.forward_layer.compute_output_shape(sequences_shape)
        backward_shape = self.backward_layer.compute_output_shape(sequences_shape)
        forward_states = backward_states = ()
        if self.return_state:
            forward_shape, forward_states = forward_shape[0], tuple(forward_shape[1:])
            backward_shape, backward_states = backward_shape[0], tuple(backward_shape[1:])
        forward_shape, backward_shape = tuple(forward_shape), tuple(backward_shape)
        if self.merge_mode is None:
            return (forward_shape, backward_shape) + forward_states + backward_states
        output_shape = forward_shape
        if self.merge_mode == "concat":
            output_shape = forward_shape[:-1] + (forward_shape[-1] + backward_shape[-1],)
        return (output_shape,) + forward_states + backward_states if self.return_state else output_shape

    def call(self, sequences, initial_state=None, mask=None, training=None):
        forward_state = backward_state = None
        if initial_state is not None:
            half = len(initial_state) // 2
            forward_state, backward_state = list(initial_state[:half]), list(initial_state[half:])
        y = self.forward_layer(sequences, initial_state=forward_state, mask=mask, training=training)
        y_reversed = self.backward_layer(sequences, initial_state=backward_state, mask=mask, training=training)
        states = ()
        if self.return_state:
            states = tuple(y[1:]) + tuple(y_reversed[1:])
            y, y_reversed = y[0], y_reversed[0]
        if self.return_sequences:
            y_reversed = tf.reverse(y_reversed, axis=[1])
        if self.merge_mode is None:
            return (y, y_reversed) + states
        output = self._merge(y, y_reversed)
        return (output,) + states if self.return_state else output

    def _merge(self, y, y_reversed):
        if self.merge_mode == "concat":
            return tf.concat([y, y_reversed], axis=-1)
        if self.merge_mode == "sum":
            return y + y_reversed
        if self.merge_mode == "ave":
            return (y + y_reversed) / 2.0
        return y * y_reversed

    def compute_mask(self, inputs, mask=None):
        if isinstance(mask, (list, tuple)):
            mask = mask[0]
        if self.return_sequences:
            output_mask = [mask, mask] if self.merge_mode is None else mask
        else:
            output_mask = [None, None] if self.merge_mode is None else None
        if self.return_state:
            state_masks = [None] * (2 * len(self.forward_layer.state_size))
            return (output_mask if isinstance(output_mask, list) else [output_mask]) + state_masks
        return output_mask

    def get_config(self):
        config = {"merge_mode": self.merge_mode,
                  "layer": serialization.serialize_keras_object(self.forward_layer),
                  "backward_layer": serialization.serialize_keras_object(self.backward_layer)}
        return {**super().get_config(), **config}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = copy.deepcopy(config)
        config["layer"] = serialization.deserialize_keras_object(config["layer"], custom_objects=custom_objects)
        backward = config.pop("backward_layer", None)
        if backward is not None:
            config["backward_layer"] = serialization.deserialize_keras_object(backward, custom_objects=custom_objects)
        return cls(**config)

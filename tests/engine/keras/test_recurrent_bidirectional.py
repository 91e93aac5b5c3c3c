"""Bidirectional against two explicit float64 time loops, with its merge modes, masks, states and Keras 3 config."""
import numpy as np
import pytest

import engine as tf
from engine.errors import InvalidArgumentError
from tests.engine.keras.layer_gradcheck import check_layer_gradients
from tests.engine.keras.rnn_reference import gru_step, lstm_step, run_rnn

L = tf.keras.layers

BATCH, TIME, FEATURES, UNITS = 2, 3, 2, 3
MERGES = {"concat": lambda a, b: np.concatenate([a, b], axis=-1), "sum": np.add, "mul": np.multiply,
          "ave": lambda a, b: (a + b) / 2}


def sequences(seed):
    return np.random.default_rng(seed).normal(size=(BATCH, TIME, FEATURES))


def built_bidirectional(layer, seed=0, **kwargs):
    wrapper = L.Bidirectional(layer, **kwargs)
    wrapper.build((BATCH, TIME, FEATURES))
    rng = np.random.default_rng(seed + 50)
    wrapper.set_weights([rng.uniform(-0.6, 0.6, w.shape) for w in wrapper.get_weights()])
    return wrapper


def directions(wrapper, step, x, states, return_sequences, mask=None):
    """Forward and backward reference outputs, the backward one flipped back to time order, and the states."""
    weights = [w.astype(np.float64) for w in wrapper.get_weights()]
    half = len(weights) // 2
    zero_output = mask is not None and return_sequences
    forward, forward_states = run_rnn(step, x, weights[:half], states, mask=mask, zero_output_for_mask=zero_output)
    backward, backward_states = run_rnn(step, x, weights[half:], states, go_backwards=True, mask=mask,
                                        zero_output_for_mask=zero_output)
    if return_sequences:
        return forward, backward[:, ::-1], forward_states + backward_states
    return forward[:, -1], backward[:, -1], forward_states + backward_states


@pytest.mark.parametrize("merge_mode", ["concat", "sum", "mul", "ave"])
def test_merge_modes_of_returned_sequences(backend, merge_mode):
    wrapper = built_bidirectional(L.GRU(UNITS, return_sequences=True), merge_mode=merge_mode)
    x = sequences(1)
    forward, backward, _ = directions(wrapper, gru_step, x, [np.zeros((BATCH, UNITS))], True)
    np.testing.assert_allclose(wrapper(x.astype(np.float32)).numpy(), MERGES[merge_mode](forward, backward),
                               rtol=1e-5, atol=1e-5)


def test_no_merge_returns_both_directions_and_states(backend):
    wrapper = built_bidirectional(L.LSTM(UNITS, return_state=True), merge_mode=None)
    x = sequences(2)
    forward, backward, states = directions(wrapper, lstm_step, x, [np.zeros((BATCH, UNITS))] * 2, False)
    got = wrapper(x.astype(np.float32))
    assert len(got) == 6
    for tensor, want in zip(got, [forward, backward] + states):
        np.testing.assert_allclose(tensor.numpy(), want, rtol=1e-5, atol=1e-5)
    assert wrapper.compute_output_shape((None, TIME, FEATURES)) == ((None, UNITS),) * 6


def test_masked_sequences_give_zeros_at_masked_steps(backend):
    wrapper = built_bidirectional(L.LSTM(UNITS, return_sequences=True))
    x = sequences(3)
    mask = np.array([[True, True, False], [True, False, True]])
    forward, backward, _ = directions(wrapper, lstm_step, x, [np.zeros((BATCH, UNITS))] * 2, True, mask=mask)
    got = wrapper(x.astype(np.float32), mask=mask).numpy()
    np.testing.assert_allclose(got, np.concatenate([forward, backward], axis=-1), rtol=1e-5, atol=1e-5)
    assert np.all(got[~mask] == 0)


def test_gradients_reach_both_directions(backend):
    wrapper = built_bidirectional(L.GRU(2, return_sequences=True), merge_mode="sum", seed=4)

    def reference(x, *weights):
        zeros = [np.zeros((BATCH, 2))]
        forward = run_rnn(gru_step, x, weights[:3], zeros)[0]
        backward = run_rnn(gru_step, x, weights[3:], zeros, go_backwards=True)[0]
        return forward + backward[:, ::-1]

    check_layer_gradients(wrapper, reference, sequences(5))


def test_weights_names_and_config_round_trip():
    wrapper = L.Bidirectional(L.LSTM(UNITS, return_sequences=True, name="encoder"), merge_mode="ave")
    wrapper.build((None, TIME, FEATURES))
    assert [w.name for w in wrapper.weights] == ["kernel", "recurrent_kernel", "bias"] * 2
    assert (wrapper.forward_layer.name, wrapper.backward_layer.name) == ("forward_encoder", "backward_encoder")
    assert wrapper.backward_layer.go_backwards and not wrapper.forward_layer.go_backwards
    config = wrapper.get_config()
    assert list(config) == ["name", "trainable", "dtype", "merge_mode", "layer", "backward_layer"]
    assert config["layer"]["class_name"] == "LSTM"
    assert config["layer"]["config"]["zero_output_for_mask"] is True  # forced on when sequences are returned
    assert config["backward_layer"]["config"]["go_backwards"] is True
    clone = L.Bidirectional.from_config(config)
    assert (clone.forward_layer.name, clone.backward_layer.name, clone.merge_mode) == (
        "forward_encoder", "backward_encoder", "ave")
    clone_config = clone.get_config()
    for key in ("layer", "backward_layer"):
        assert clone_config[key]["config"] == config[key]["config"]


def test_custom_backward_layer_and_pairing_errors(backend):
    forward = L.GRU(UNITS, return_sequences=True)
    backward = L.GRU(UNITS, return_sequences=True, go_backwards=True, reset_after=False)
    wrapper = L.Bidirectional(forward, backward_layer=backward)
    assert wrapper.backward_layer is backward
    assert wrapper(sequences(6).astype(np.float32)).shape == (BATCH, TIME, 2 * UNITS)
    with pytest.raises(InvalidArgumentError, match="go_backwards"):
        L.Bidirectional(L.GRU(UNITS), backward_layer=L.GRU(UNITS))
    with pytest.raises(InvalidArgumentError, match="return_sequences"):
        L.Bidirectional(L.GRU(UNITS), backward_layer=L.GRU(UNITS, go_backwards=True, return_sequences=True))
    with pytest.raises(InvalidArgumentError, match="merge_mode"):
        L.Bidirectional(L.GRU(UNITS), merge_mode="max")


def test_in_a_functional_model():
    inputs = tf.keras.Input(shape=(TIME, FEATURES))
    outputs = L.Bidirectional(L.SimpleRNN(UNITS))(inputs)
    assert outputs.shape == (None, 2 * UNITS)
    model = tf.keras.Model(inputs, outputs)
    assert len(model.weights) == 6
    assert np.asarray(model(sequences(7).astype(np.float32))).shape == (BATCH, 2 * UNITS)


def test_backward_layer_of_other_units_in_a_functional_model():
    inputs = tf.keras.Input(shape=(TIME, FEATURES))
    wrapper = L.Bidirectional(L.SimpleRNN(3), backward_layer=L.SimpleRNN(2, go_backwards=True))
    outputs = L.Dense(1)(wrapper(inputs))
    assert wrapper.compute_output_shape((None, TIME, FEATURES)) == (None, 5)
    model = tf.keras.Model(inputs, outputs)
    assert np.asarray(model(sequences(7).astype(np.float32))).shape == (BATCH, 1)

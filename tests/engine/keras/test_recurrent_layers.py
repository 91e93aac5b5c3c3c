"""SimpleRNN, LSTM, GRU and RNN(cell) against explicit float64 time loops, finite differences and Keras 3 configs."""
import numpy as np
import pytest

import engine as tf
from engine.errors import IncompatibleShapesError, InvalidArgumentError, UnimplementedError
from tests.engine.keras.layer_gradcheck import check_layer_gradients
from tests.engine.keras.rnn_reference import gru_step, lstm_step, run_rnn, simple_rnn_step

L = tf.keras.layers

BATCH, TIME, FEATURES, UNITS = 2, 3, 2, 4
RNN_BASE_KEYS = ["name", "trainable", "dtype", "return_sequences", "return_state", "go_backwards", "stateful",
                 "unroll", "zero_output_for_mask"]
COMMON_KEYS = ["kernel_initializer", "recurrent_initializer", "bias_initializer"]
REGULARIZER_KEYS = ["kernel_regularizer", "recurrent_regularizer", "bias_regularizer", "activity_regularizer",
                    "kernel_constraint", "recurrent_constraint", "bias_constraint", "dropout", "recurrent_dropout"]
CONFIG_KEYS = {
    "SimpleRNN": RNN_BASE_KEYS + ["units", "activation", "use_bias"] + COMMON_KEYS + REGULARIZER_KEYS,
    "LSTM": RNN_BASE_KEYS + ["units", "activation", "recurrent_activation", "use_bias"] + COMMON_KEYS
    + ["unit_forget_bias"] + REGULARIZER_KEYS + ["seed"],
    "GRU": RNN_BASE_KEYS + ["units", "activation", "recurrent_activation", "use_bias"] + COMMON_KEYS
    + REGULARIZER_KEYS + ["reset_after", "seed"],
}
STEPS = {"SimpleRNN": simple_rnn_step, "LSTM": lstm_step, "GRU": gru_step}
STATE_COUNT = {"SimpleRNN": 1, "LSTM": 2, "GRU": 1}


def sequences(seed, shape=(BATCH, TIME, FEATURES)):
    return np.random.default_rng(seed).normal(size=shape)


def built(layer, seed=0, features=FEATURES):
    """`layer` built for [BATCH, TIME, features] inputs, with random weights of a useful scale."""
    layer.build((BATCH, TIME, features))
    rng = np.random.default_rng(seed + 100)
    layer.set_weights([rng.uniform(-0.6, 0.6, w.shape) for w in layer.get_weights()])
    return layer


def weights64(layer):
    return [w.astype(np.float64) for w in layer.get_weights()]


def zeros_states(kind, units=UNITS):
    return [np.zeros((BATCH, units))] * STATE_COUNT[kind]


@pytest.mark.parametrize("kind", ["SimpleRNN", "LSTM", "GRU"])
def test_sequences_and_final_states_match_the_reference_loop(backend, kind):
    layer = built(getattr(L, kind)(UNITS, return_sequences=True, return_state=True))
    x = sequences(1)
    outputs, *states = layer(x.astype(np.float32))
    want_outputs, want_states = run_rnn(STEPS[kind], x, weights64(layer), zeros_states(kind))
    np.testing.assert_allclose(outputs.numpy(), want_outputs, rtol=1e-5, atol=1e-5)
    assert len(states) == STATE_COUNT[kind]
    for got, want in zip(states, want_states):
        np.testing.assert_allclose(got.numpy(), want, rtol=1e-5, atol=1e-5)


def test_gru_reset_before_keeps_one_bias_row_and_differs_from_reset_after(backend):
    before = built(L.GRU(UNITS, reset_after=False, return_sequences=True))
    assert [tuple(w.shape) for w in before.weights] == [(FEATURES, 12), (UNITS, 12), (12,)]
    x = sequences(2)
    want, _ = run_rnn(gru_step, x, weights64(before), zeros_states("GRU"), reset_after=False)
    np.testing.assert_allclose(before(x.astype(np.float32)).numpy(), want, rtol=1e-5, atol=1e-5)
    after = L.GRU(UNITS, return_sequences=True)
    after.build((BATCH, TIME, FEATURES))
    kernel, recurrent_kernel, bias = weights64(before)
    # The same weights with the bias as the input row of reset_after's [2, 3 * units] bias: the reset gate
    # applied after the recurrent matmul gives a different result.
    after.set_weights([kernel, recurrent_kernel, np.stack([bias, np.zeros_like(bias)])])
    assert np.abs(after(x.astype(np.float32)).numpy() - want).max() > 1e-3


@pytest.mark.parametrize("kind", ["LSTM", "GRU"])
def test_go_backwards_returns_the_sequence_in_processing_order(backend, kind):
    layer = built(getattr(L, kind)(UNITS, return_sequences=True, go_backwards=True))
    x = sequences(3)
    want, _ = run_rnn(STEPS[kind], x, weights64(layer), zeros_states(kind), go_backwards=True)
    np.testing.assert_allclose(layer(x.astype(np.float32)).numpy(), want, rtol=1e-5, atol=1e-5)
    last = built(getattr(L, kind)(UNITS, go_backwards=True))
    last.set_weights(layer.get_weights())
    np.testing.assert_allclose(last(x.astype(np.float32)).numpy(), want[:, -1], rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("zero_output_for_mask", [False, True])
def test_masked_steps_keep_the_state(backend, zero_output_for_mask):
    layer = built(L.LSTM(UNITS, return_sequences=True, return_state=True, zero_output_for_mask=zero_output_for_mask))
    x = sequences(4)
    mask = np.array([[True, False, True], [False, True, False]])
    outputs, h, c = layer(x.astype(np.float32), mask=mask)
    want, (want_h, want_c) = run_rnn(lstm_step, x, weights64(layer), zeros_states("LSTM"), mask=mask,
                                     zero_output_for_mask=zero_output_for_mask)
    np.testing.assert_allclose(outputs.numpy(), want, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(h.numpy(), want_h, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(c.numpy(), want_c, rtol=1e-5, atol=1e-5)


def test_initial_state_is_used(backend):
    layer = built(L.LSTM(UNITS, return_state=True))
    x = sequences(5)
    rng = np.random.default_rng(6)
    initial = [rng.normal(size=(BATCH, UNITS)), rng.normal(size=(BATCH, UNITS))]
    output, h, c = layer(x.astype(np.float32), initial_state=[s.astype(np.float32) for s in initial])
    want, (want_h, want_c) = run_rnn(lstm_step, x, weights64(layer), initial)
    np.testing.assert_allclose(output.numpy(), want[:, -1], rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(c.numpy(), want_c, rtol=1e-5, atol=1e-5)
    with pytest.raises(IncompatibleShapesError, match="initial_state"):
        layer(x.astype(np.float32), initial_state=[initial[0].astype(np.float32)])


@pytest.mark.parametrize("kind,arguments", [("LSTM", {}), ("GRU", {}), ("GRU", {"reset_after": False}),
                                            ("SimpleRNN", {})])
def test_gradients_through_the_time_loop_match_finite_differences(backend, kind, arguments):
    layer = built(getattr(L, kind)(UNITS, return_sequences=True, **arguments), seed=7)

    def reference(x, *weights):
        return run_rnn(STEPS[kind], x, weights, zeros_states(kind), **arguments)[0]

    check_layer_gradients(layer, reference, sequences(8))


def test_dropout_only_in_training_with_one_mask_for_all_steps(backend):
    layer = L.SimpleRNN(3, activation="linear", dropout=0.5, recurrent_dropout=0.5, return_sequences=True)
    layer.build((4, 5, 3))
    layer.set_weights([np.eye(3), np.zeros((3, 3)), np.zeros(3)])
    x = np.ones((4, 5, 3), np.float32)
    np.testing.assert_array_equal(layer(x).numpy(), x)
    np.testing.assert_array_equal(layer(x, training=False).numpy(), x)
    dropped = layer(x, training=True).numpy()
    assert set(np.unique(dropped)) <= {0.0, 2.0} and 0 < np.count_nonzero(dropped) < dropped.size
    np.testing.assert_array_equal(dropped, np.broadcast_to(dropped[:, :1], dropped.shape))


def test_weights_follow_keras_shapes_order_and_initializers():
    lstm = L.LSTM(UNITS)
    lstm.build((None, TIME, FEATURES))
    assert [(w.name, tuple(w.shape)) for w in lstm.weights] == [
        ("kernel", (FEATURES, 4 * UNITS)), ("recurrent_kernel", (UNITS, 4 * UNITS)), ("bias", (4 * UNITS,))]
    # unit_forget_bias: the forget gate's quarter of the bias (order i, f, c, o) starts at one.
    np.testing.assert_array_equal(lstm.cell.bias.numpy(), np.repeat([0.0, 1.0, 0.0, 0.0], UNITS))
    recurrent = lstm.cell.recurrent_kernel.numpy()
    np.testing.assert_allclose(recurrent @ recurrent.T, np.eye(UNITS), atol=1e-5)  # orthogonal rows
    gru = L.GRU(UNITS, use_bias=False)
    gru.build((None, TIME, FEATURES))
    assert [w.name for w in gru.weights] == ["kernel", "recurrent_kernel"]
    rnn = L.SimpleRNN(UNITS)
    rnn.build((None, TIME, FEATURES))
    assert [tuple(w.shape) for w in rnn.weights] == [(FEATURES, UNITS), (UNITS, UNITS), (UNITS,)]
    assert (lstm.units, lstm.cell.name, gru.reset_after, rnn.cell.name) == (UNITS, "lstm_cell", True,
                                                                               "simple_rnn_cell")


@pytest.mark.parametrize("kind", ["SimpleRNN", "LSTM", "GRU"])
def test_config_keys_and_round_trip(kind):
    layer = getattr(L, kind)(UNITS, return_sequences=True, go_backwards=True, dropout=0.25,
                             kernel_regularizer="l2")
    config = layer.get_config()
    assert list(config) == CONFIG_KEYS[kind]
    assert (config["units"], config["activation"], config["dropout"], config["go_backwards"]) == (
        UNITS, "tanh", 0.25, True)
    assert config["recurrent_initializer"]["class_name"] == "Orthogonal"
    assert config["kernel_regularizer"]["class_name"] == "L2"
    clone = getattr(L, kind).from_config(config)
    assert clone.get_config() == config
    keras_extras = {**config, "implementation": 2}
    if kind != "SimpleRNN":
        keras_extras["use_cudnn"] = "auto"
    assert getattr(L, kind).from_config(keras_extras).get_config() == config


def test_keras2_configs_with_time_major_and_implementation_load():
    config = {**L.LSTM(UNITS).get_config(), "time_major": False, "implementation": 1}
    assert L.LSTM.from_config(config).units == UNITS
    with pytest.raises(UnimplementedError, match="time_major"):
        L.LSTM.from_config({**config, "time_major": True})


def test_rnn_with_a_cell_serializes_the_cell(backend):
    layer = built(L.RNN(L.GRUCell(UNITS), return_sequences=True))
    x = sequences(9)
    want, _ = run_rnn(gru_step, x, weights64(layer), zeros_states("GRU"))
    np.testing.assert_allclose(layer(x.astype(np.float32)).numpy(), want, rtol=1e-5, atol=1e-5)
    config = layer.get_config()
    assert list(config) == RNN_BASE_KEYS + ["cell"]
    assert config["cell"]["class_name"] == "GRUCell" and config["cell"]["config"]["units"] == UNITS
    clone = L.RNN.from_config(config)
    assert isinstance(clone.cell, L.GRUCell) and clone.get_config()["cell"]["config"] == config["cell"]["config"]


class RunningSumCell(tf.keras.layers.Layer):
    """A user cell without weights or a `training` argument: the state accumulates the inputs."""

    state_size = FEATURES

    def call(self, inputs, states):
        total = states[0] + inputs
        return total, [total]


def test_rnn_runs_a_user_cell(backend):
    x = sequences(11)
    got = L.RNN(RunningSumCell(), return_sequences=True, go_backwards=True)(x.astype(np.float32))
    np.testing.assert_allclose(got.numpy(), np.cumsum(x[:, ::-1], axis=1), rtol=1e-5, atol=1e-6)
    with pytest.raises(InvalidArgumentError, match="no time steps"):
        L.RNN(RunningSumCell())(np.zeros((BATCH, 0, FEATURES), np.float32))


def test_cells_step_on_their_own():
    cell = L.LSTMCell(UNITS)
    cell.build((BATCH, FEATURES))
    x = sequences(10, (BATCH, FEATURES))
    states = [np.zeros((BATCH, UNITS), np.float32)] * 2
    h, (h_again, c) = cell.call(tf.constant(x.astype(np.float32)), [tf.constant(s) for s in states])
    want_h, (_, want_c) = lstm_step(x, [s.astype(np.float64) for s in states],
                                    *[w.astype(np.float64) for w in cell.get_weights()])
    np.testing.assert_allclose(h.numpy(), want_h, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(c.numpy(), want_c, rtol=1e-5, atol=1e-6)
    assert list(cell.get_config())[3:6] == ["units", "activation", "recurrent_activation"]


def test_functional_shapes_with_states():
    inputs = tf.keras.Input(shape=(TIME, FEATURES))
    outputs, h, c = L.LSTM(UNITS, return_sequences=True, return_state=True)(inputs)
    assert (outputs.shape, h.shape, c.shape) == ((None, TIME, UNITS), (None, UNITS), (None, UNITS))
    assert L.GRU(UNITS)(inputs).shape == (None, UNITS)


def test_errors():
    with pytest.raises(InvalidArgumentError, match="units"):
        L.LSTM(0)
    with pytest.raises(UnimplementedError, match="stateful"):
        L.GRU(UNITS, stateful=True)
    with pytest.raises(InvalidArgumentError, match="ndim=3"):
        L.SimpleRNN(UNITS)(np.zeros((2, 3), np.float32))
    with pytest.raises(IncompatibleShapesError, match="mask"):
        L.LSTM(UNITS)(np.zeros((BATCH, TIME, FEATURES), np.float32), mask=np.ones((BATCH, TIME + 1), bool))

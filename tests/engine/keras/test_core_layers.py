"""Core layers against float64 numpy: Dense, Activation, Dropout, Flatten, Reshape, Permute, RepeatVector, Input."""
import numpy as np
import pytest

import engine as tf
from engine.errors import InvalidArgumentError, UnimplementedError
from tests.engine.keras.layers_core_reference import finite_difference_check

K = tf.keras
L = K.layers

DTYPE_POLICY = {"module": "keras", "class_name": "DTypePolicy", "config": {"name": "float32"},
                "registered_name": None}


def _initializer(class_name, config):
    return {"module": "keras.initializers", "class_name": class_name, "config": config, "registered_name": None}


def test_dense_forward_matches_numpy(backend):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((3, 4)).astype(np.float32)
    layer = L.Dense(5, activation="tanh")
    y = layer(x)
    kernel, bias = (w.astype(np.float64) for w in layer.get_weights())
    np.testing.assert_allclose(y.numpy(), np.tanh(x.astype(np.float64) @ kernel + bias), rtol=1e-5, atol=1e-6)


def test_dense_on_rank3_inputs_acts_on_the_last_axis(backend):
    rng = np.random.default_rng(1)
    x = rng.standard_normal((2, 3, 4)).astype(np.float32)
    layer = L.Dense(2, use_bias=False)
    y = layer(x)
    assert layer.bias is None and len(layer.weights) == 1
    np.testing.assert_allclose(y.numpy(), np.einsum("btf,fu->btu", x.astype(np.float64), layer.kernel.numpy()),
                               rtol=1e-5, atol=1e-6)
    assert layer.compute_output_shape((None, 3, 4)) == (None, 3, 2)


def test_dense_gradients_match_finite_differences(backend):
    rng = np.random.default_rng(2)
    layer = L.Dense(3, activation="sigmoid", bias_initializer="random_normal")
    finite_difference_check(layer, rng.standard_normal((2, 4)).astype(np.float32))


def test_dense_gradient_reaches_the_input():
    layer = L.Dense(2, kernel_initializer="ones")
    x = tf.constant(np.ones((1, 3), np.float32))
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.reduce_sum(layer(x))
    np.testing.assert_array_equal(tape.gradient(y, x).numpy(), np.full((1, 3), 2.0))


def test_dense_config_is_keras3s_default():
    """Key for key the config Keras 3.15 writes for `Dense(4)` named "dense_x" (see tests/fixtures/*.keras)."""
    assert L.Dense(4, name="dense_x").get_config() == {
        "name": "dense_x", "trainable": True, "dtype": DTYPE_POLICY, "units": 4, "activation": "linear",
        "use_bias": True,
        "kernel_initializer": _initializer("GlorotUniform", {"seed": None, "input_axes": None, "output_axes": None}),
        "bias_initializer": _initializer("Zeros", {}), "kernel_regularizer": None, "bias_regularizer": None,
        "kernel_constraint": None, "bias_constraint": None, "quantization_config": None}


def test_dense_config_round_trips_with_nested_objects():
    layer = L.Dense(3, activation="relu", kernel_initializer=K.initializers.HeNormal(seed=3),
                    kernel_regularizer=K.regularizers.L2(0.1), bias_constraint=K.constraints.MaxNorm(3),
                    activity_regularizer="l1", name="d")
    config = layer.get_config()
    assert config["kernel_regularizer"] == {"module": "keras.regularizers", "class_name": "L2",
                                            "config": {"l2": 0.1}, "registered_name": None}
    assert config["activity_regularizer"]["class_name"] == "L1"
    assert L.Dense.from_config(config).get_config() == config


def test_dense_errors():
    with pytest.raises(InvalidArgumentError, match="units must be a positive integer"):
        L.Dense(0)
    with pytest.raises(UnimplementedError, match="LoRA"):
        L.Dense(2, lora_rank=4)


def test_activation_layer(backend):
    x = np.array([[-2.0, -0.5, 0.0, 3.0]], np.float32)
    np.testing.assert_allclose(L.Activation("relu")(x).numpy(), np.maximum(x, 0))
    np.testing.assert_allclose(L.Activation("softmax")(x).numpy(), np.exp(x) / np.exp(x).sum(), rtol=1e-6)
    assert L.Activation("gelu", name="a").get_config() == {"name": "a", "trainable": True, "dtype": DTYPE_POLICY,
                                                           "activation": "gelu"}


def test_dropout_scales_kept_units_and_is_identity_in_inference(backend):
    x = np.ones((4, 50), np.float32)
    layer = L.Dropout(0.4, seed=5)
    np.testing.assert_array_equal(layer(x).numpy(), x)
    np.testing.assert_array_equal(layer(x, training=False).numpy(), x)
    y = layer(x, training=True).numpy()
    assert set(np.unique(y)).issubset({0.0, np.float32(1 / 0.6)})
    assert 0.25 < (y == 0).mean() < 0.55
    assert L.Dropout(1.0)(x, training=True).numpy().sum() == 0


def test_dropout_noise_shape_shares_the_mask():
    layer = L.Dropout(0.5, noise_shape=(None, 1, 6), seed=1)
    y = layer(np.ones((2, 5, 6), np.float32), training=True).numpy()
    assert (y == y[:, :1, :]).all()
    assert layer.get_config()["noise_shape"] == [None, 1, 6]


def test_dropout_gets_training_from_the_outer_model():
    model = K.Sequential([K.Input((100,)), L.Dropout(0.5, seed=3)])
    x = np.ones((1, 100), np.float32)
    assert (model(x, training=True).numpy() == 0).any()
    np.testing.assert_array_equal(model(x).numpy(), x)


def test_flatten_reshape_permute_repeat(backend):
    x = np.arange(24, dtype=np.float32).reshape(2, 3, 4)
    np.testing.assert_array_equal(L.Flatten()(x).numpy(), x.reshape(2, 12))
    np.testing.assert_array_equal(L.Reshape((4, -1))(x).numpy(), x.reshape(2, 4, 3))
    np.testing.assert_array_equal(L.Permute((2, 1))(x).numpy(), x.transpose(0, 2, 1))
    v = x[:, 0, :]
    np.testing.assert_array_equal(L.RepeatVector(3)(v).numpy(), np.repeat(v[:, None, :], 3, axis=1))


def test_reshaping_layers_output_shapes_and_configs():
    assert L.Flatten().compute_output_shape((None, 3, 4)) == (None, 12)
    assert L.Flatten().compute_output_shape((None, None, 4)) == (None, None)
    assert L.Reshape((2, -1)).compute_output_shape((None, 3, 4)) == (None, 2, 6)
    assert L.Permute((3, 1, 2)).compute_output_shape((None, 2, 3, 4)) == (None, 4, 2, 3)
    assert L.RepeatVector(5).compute_output_shape((None, 3)) == (None, 5, 3)
    assert L.Reshape((2, 6), name="r").get_config()["target_shape"] == [2, 6]
    assert L.Permute((2, 1)).get_config()["dims"] == [2, 1]
    assert L.RepeatVector(2).get_config()["n"] == 2
    assert L.Flatten().get_config()["data_format"] == "channels_last"


def test_reshape_errors_name_the_layer():
    with pytest.raises(InvalidArgumentError, match="'reshape_bad'.*cannot be reshaped"):
        L.Reshape((5, -1), name="reshape_bad")(np.ones((1, 12), np.float32))
    with pytest.raises(InvalidArgumentError, match="at most one"):
        L.Reshape((-1, -1))
    with pytest.raises(InvalidArgumentError, match="permutation"):
        L.Permute((1, 3))
    with pytest.raises(UnimplementedError, match="channels_first"):
        L.Flatten(data_format="channels_first")


def test_input_and_input_layer():
    x = K.Input(shape=(3, 4), batch_size=2, name="pixels", dtype="int32")
    assert x.shape == (2, 3, 4) and x.dtype == "int32" and x.name == "pixels"
    layer = x._keras_history.operation
    assert isinstance(layer, L.InputLayer)
    assert layer.get_config() == {"batch_shape": [2, 3, 4], "dtype": "int32", "sparse": False, "ragged": False,
                                  "name": "pixels", "optional": False}
    legacy = L.InputLayer.from_config({"batch_input_shape": [None, 5], "dtype": "float32", "sparse": False,
                                       "ragged": False, "name": "old"})
    assert legacy.batch_shape == (None, 5)
    with pytest.raises(InvalidArgumentError, match="shape"):
        L.InputLayer()

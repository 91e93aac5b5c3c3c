"""ReLU, LeakyReLU, ELU and Softmax layers against float64 numpy references and Keras 3 configs."""
import warnings

import numpy as np
import pytest

import engine as tf
from engine.errors import IncompatibleShapesError, InvalidArgumentError
from tests.engine.keras.layer_gradcheck import check_layer_gradients

L = tf.keras.layers


def relu_reference(x, max_value=None, negative_slope=0.0, threshold=0.0):
    """Keras's ReLU: x above the threshold (capped at max_value), negative_slope * (x - threshold) below."""
    above = np.where(x >= threshold, x, 0.0) if threshold == 0 else np.where(x > threshold, x, 0.0)
    if max_value is not None:
        above = np.minimum(above, max_value)
    return np.where(x < threshold, negative_slope * (x - threshold), above)


def inputs(seed, shape=(2, 6)):
    return np.random.default_rng(seed).uniform(-3, 8, shape)


@pytest.mark.parametrize("arguments", [
    {},
    {"max_value": 6.0},
    {"max_value": 2.0, "negative_slope": 0.1},
    {"max_value": 6, "negative_slope": 0.25},
    {"negative_slope": 0.2},
    {"threshold": 1.0},
    {"max_value": 4.0, "negative_slope": 0.3, "threshold": 0.5},
])
def test_relu_variants_match_keras_formula(backend, arguments):
    x = inputs(0)
    got = L.ReLU(**arguments)(x.astype(np.float32))
    np.testing.assert_allclose(got.numpy(), relu_reference(x, **arguments), rtol=1e-6, atol=1e-6)


def test_relu_rejects_negative_arguments_and_round_trips_its_config():
    for arguments in ({"max_value": -1.0}, {"negative_slope": -0.1}, {"threshold": -2.0}, {"negative_slope": None}):
        with pytest.raises(InvalidArgumentError, match="negative"):
            L.ReLU(**arguments)
    layer = L.ReLU(max_value=3.0, negative_slope=0.1, threshold=0.5, name="capped")
    config = layer.get_config()
    assert list(config) == ["name", "trainable", "dtype", "max_value", "negative_slope", "threshold"]
    assert (config["max_value"], config["negative_slope"], config["threshold"]) == (3.0, 0.1, 0.5)
    assert L.ReLU.from_config(config).get_config() == config


def test_leaky_relu_default_slope_is_keras3s_and_alpha_still_loads(backend):
    x = inputs(1)
    layer = L.LeakyReLU()
    assert layer.negative_slope == 0.3
    np.testing.assert_allclose(layer(x.astype(np.float32)).numpy(), np.where(x > 0, x, 0.3 * x), rtol=1e-6)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        legacy = L.LeakyReLU.from_config({"name": "leaky_re_lu_7", "trainable": True, "dtype": "float32",
                                          "alpha": 0.05})
    assert any("alpha" in str(w.message) for w in caught)
    np.testing.assert_allclose(legacy(x.astype(np.float32)).numpy(), np.where(x > 0, x, 0.05 * x), rtol=1e-6)
    assert legacy.get_config()["negative_slope"] == 0.05 and "alpha" not in legacy.get_config()
    with pytest.raises(InvalidArgumentError):
        L.LeakyReLU(negative_slope=-0.1)


@pytest.mark.parametrize("alpha", [1.0, 0.5])
def test_elu_with_alpha(backend, alpha):
    x = inputs(2)
    want = np.where(x > 0, x, alpha * np.expm1(x))
    np.testing.assert_allclose(L.ELU(alpha=alpha)(x.astype(np.float32)).numpy(), want, rtol=1e-5, atol=1e-6)


def test_elu_gradient_below_zero_matches_finite_differences(backend):
    layer = L.ELU(alpha=0.7)
    check_layer_gradients(layer, lambda x: np.where(x > 0, x, 0.7 * np.expm1(x)),
                          np.array([[-2.0, -0.5, 0.3], [1.5, -1.0, 0.8]]))


def test_elu_config_keeps_alpha_after_the_name():
    config = L.ELU(alpha=0.25, name="e").get_config()
    assert list(config) == ["name", "alpha", "trainable", "dtype"]
    assert L.ELU.from_config(config).alpha == 0.25


def softmax_reference(x, axes):
    shifted = np.exp(x - x.max(axis=axes, keepdims=True))
    return shifted / shifted.sum(axis=axes, keepdims=True)


@pytest.mark.parametrize("axis", [-1, 1, [1, 2], (2,)])
def test_softmax_over_axes(backend, axis):
    x = inputs(3, (2, 3, 4))
    axes = tuple(axis) if isinstance(axis, (list, tuple)) else (axis,)
    got = L.Softmax(axis=axis)(x.astype(np.float32))
    np.testing.assert_allclose(got.numpy(), softmax_reference(x, axes), rtol=1e-5, atol=1e-6)


def test_softmax_mask_gives_masked_positions_zero_probability(backend):
    x = inputs(4, (2, 4))
    mask = np.array([[True, False, True, True], [False, False, True, False]])
    got = L.Softmax()(x.astype(np.float32), mask=mask).numpy()
    masked_logits = np.where(mask, x, -np.inf)
    np.testing.assert_allclose(got, softmax_reference(masked_logits, (-1,)), rtol=1e-5, atol=1e-7)
    broadcast_mask = np.array([[True, True, False, True]])
    got = L.Softmax()(x.astype(np.float32), mask=broadcast_mask).numpy()
    np.testing.assert_allclose(got, softmax_reference(np.where(broadcast_mask, x, -np.inf), (-1,)), rtol=1e-5,
                               atol=1e-7)


def test_softmax_rejects_a_mask_that_does_not_broadcast():
    with pytest.raises(IncompatibleShapesError, match="does not broadcast"):
        L.Softmax()(np.zeros((2, 4), np.float32), mask=np.ones((2, 3), bool))


def test_softmax_config():
    config = L.Softmax(axis=[1, 2]).get_config()
    assert list(config) == ["name", "trainable", "dtype", "axis"] and config["axis"] == [1, 2]
    assert L.Softmax.from_config(config).axis == [1, 2]

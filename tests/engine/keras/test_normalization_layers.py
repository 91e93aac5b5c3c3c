"""BatchNormalization and LayerNormalization against float64 numpy references, finite differences and
Keras 3 configs."""
import numpy as np
import pytest

import engine as tf
from engine.errors import IncompatibleShapesError, InvalidArgumentError
from tests.engine.keras.layer_gradcheck import check_layer_gradients

L = tf.keras.layers

BATCH_NORM_CONFIG_KEYS = [
    "name", "trainable", "dtype", "axis", "momentum", "epsilon", "center", "scale", "beta_initializer",
    "gamma_initializer", "moving_mean_initializer", "moving_variance_initializer", "beta_regularizer",
    "gamma_regularizer", "beta_constraint", "gamma_constraint", "synchronized", "renorm", "renorm_clipping",
    "renorm_momentum"]
LAYER_NORM_CONFIG_KEYS = [
    "name", "trainable", "dtype", "axis", "epsilon", "center", "scale", "rms_scaling", "beta_initializer",
    "gamma_initializer", "beta_regularizer", "gamma_regularizer", "beta_constraint", "gamma_constraint"]


def batch_norm_reference(x, mean, variance, gamma, beta, axis=-1, epsilon=1e-3):
    shape = [1] * x.ndim
    shape[axis] = -1
    return (x - mean.reshape(shape)) / np.sqrt(variance.reshape(shape) + epsilon) * gamma.reshape(shape) \
        + beta.reshape(shape)


def batch_moments(x, axis=-1):
    axes = tuple(d for d in range(x.ndim) if d != axis % x.ndim)
    return x.mean(axis=axes), x.var(axis=axes)


def built_batch_norm(shape, rng, **kwargs):
    layer = L.BatchNormalization(**kwargs)
    layer.build(shape)
    channels = shape[kwargs.get("axis", -1)]
    layer.set_weights([rng.uniform(0.5, 1.5, channels), rng.normal(size=channels),
                       rng.normal(size=channels), rng.uniform(0.5, 2.0, channels)])
    return layer


def test_batch_norm_training_normalizes_with_batch_moments_and_updates_moving_statistics(backend):
    rng = np.random.default_rng(0)
    layer = built_batch_norm((4, 3), rng, momentum=0.8)
    gamma, beta, moving_mean, moving_variance = [w.astype(np.float64) for w in layer.get_weights()]
    for step in range(3):
        x = rng.normal(2.0, 3.0, (4, 3))
        got = layer(x.astype(np.float32), training=True)
        mean, variance = batch_moments(x)
        np.testing.assert_allclose(got.numpy(), batch_norm_reference(x, mean, variance, gamma, beta),
                                   rtol=1e-4, atol=1e-4, err_msg=f"step {step}")
        moving_mean = 0.8 * moving_mean + 0.2 * mean
        moving_variance = 0.8 * moving_variance + 0.2 * variance
        np.testing.assert_allclose(layer.moving_mean.numpy(), moving_mean, rtol=1e-5, atol=1e-5)
        np.testing.assert_allclose(layer.moving_variance.numpy(), moving_variance, rtol=1e-5, atol=1e-5)


def test_batch_norm_inference_uses_the_moving_statistics_and_leaves_them_alone(backend):
    rng = np.random.default_rng(1)
    layer = built_batch_norm((2, 3, 4), rng, axis=1, epsilon=0.01)
    before = [w.copy() for w in layer.get_weights()]
    gamma, beta, mean, variance = [w.astype(np.float64) for w in before]
    x = rng.normal(size=(2, 3, 4))
    want = batch_norm_reference(x, mean, variance, gamma, beta, axis=1, epsilon=0.01)
    for training in (None, False):
        got = layer(x.astype(np.float32), training=training)
        np.testing.assert_allclose(got.numpy(), want, rtol=1e-5, atol=1e-5)
    for old, new in zip(before, layer.get_weights()):
        np.testing.assert_array_equal(old, new)


def test_batch_norm_frozen_runs_in_inference_mode_even_when_training(backend):
    rng = np.random.default_rng(2)
    layer = built_batch_norm((5, 2), rng)
    layer.trainable = False
    gamma, beta, mean, variance = [w.astype(np.float64) for w in layer.get_weights()]
    x = rng.normal(3.0, 2.0, (5, 2))
    got = layer(x.astype(np.float32), training=True)
    np.testing.assert_allclose(got.numpy(), batch_norm_reference(x, mean, variance, gamma, beta), rtol=1e-5,
                               atol=1e-5)
    np.testing.assert_allclose(layer.moving_mean.numpy(), mean, rtol=0, atol=0)
    assert layer.trainable_weights == []
    assert len(layer.non_trainable_weights) == 4


def test_batch_norm_moments_along_a_middle_axis(backend):
    rng = np.random.default_rng(3)
    layer = built_batch_norm((2, 3, 2), rng, axis=1, center=True, scale=True)
    gamma, beta = [w.astype(np.float64) for w in layer.get_weights()[:2]]
    x = rng.normal(size=(2, 3, 2))
    mean, variance = batch_moments(x, axis=1)
    got = layer(x.astype(np.float32), training=True)
    np.testing.assert_allclose(got.numpy(), batch_norm_reference(x, mean, variance, gamma, beta, axis=1),
                               rtol=1e-4, atol=1e-4)


def test_batch_norm_gradients_in_training_mode_match_finite_differences(backend):
    rng = np.random.default_rng(4)
    layer = built_batch_norm((4, 3), rng)

    def reference(x, gamma, beta):
        mean, variance = batch_moments(x)
        return batch_norm_reference(x, mean, variance, gamma, beta)

    check_layer_gradients(layer, reference, rng.normal(size=(4, 3)), training=True)


def test_batch_norm_mask_excludes_masked_samples_from_the_moments():
    rng = np.random.default_rng(5)
    layer = built_batch_norm((2, 3, 2), rng, momentum=0.5)
    gamma, beta, moving_mean, _ = [w.astype(np.float64) for w in layer.get_weights()]
    x = rng.normal(size=(2, 3, 2))
    mask = np.array([[True, False, True], [False, True, True]])
    kept = x[mask]
    got = layer(x.astype(np.float32), training=True, mask=mask)
    want = batch_norm_reference(x, kept.mean(axis=0), kept.var(axis=0), gamma, beta)
    np.testing.assert_allclose(got.numpy(), want, rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(layer.moving_mean.numpy(), 0.5 * moving_mean + 0.5 * kept.mean(axis=0), rtol=1e-5)
    with pytest.raises(IncompatibleShapesError, match="one dimension less"):
        layer(x.astype(np.float32), training=True, mask=np.ones((2, 3, 2), bool))


def test_batch_norm_weights_config_and_round_trip():
    layer = L.BatchNormalization(momentum=0.9, epsilon=1e-5, center=False, gamma_regularizer="l2")
    layer.build((None, 6))
    assert [w.name for w in layer.weights] == ["gamma", "moving_mean", "moving_variance"]
    assert [w.trainable for w in layer.weights] == [True, False, False]
    assert layer.beta is None and layer.moving_variance is layer.weights[2]
    config = layer.get_config()
    assert list(config) == BATCH_NORM_CONFIG_KEYS
    assert config["gamma_initializer"] == {"module": "keras.initializers", "class_name": "Ones", "config": {},
                                           "registered_name": None}
    assert config["gamma_regularizer"]["class_name"] == "L2"
    assert (config["momentum"], config["epsilon"], config["center"], config["renorm"]) == (0.9, 1e-5, False, False)
    clone = L.BatchNormalization.from_config(config)
    assert clone.get_config() == config
    defaults = L.BatchNormalization().get_config()
    assert (defaults["axis"], defaults["momentum"], defaults["epsilon"]) == (-1, 0.99, 1e-3)


def test_batch_norm_reads_the_axis_list_of_keras2_configs():
    legacy = {"name": "bn", "trainable": True, "dtype": "float32", "axis": [3], "momentum": 0.99, "epsilon": 0.001,
              "center": True, "scale": True}
    assert L.BatchNormalization.from_config(legacy).axis == 3


def test_batch_norm_rejects_an_axis_outside_the_input():
    layer = L.BatchNormalization(axis=3)
    with pytest.raises(InvalidArgumentError, match="out of bounds"):
        layer(np.zeros((2, 3), np.float32))


def layer_norm_reference(x, gamma, beta, axes, epsilon=1e-3):
    mean = x.mean(axis=axes, keepdims=True)
    variance = x.var(axis=axes, keepdims=True)
    shape = [x.shape[d] if d in axes else 1 for d in range(x.ndim)]
    return (x - mean) / np.sqrt(variance + epsilon) * gamma.reshape(shape) + beta.reshape(shape)


def built_layer_norm(shape, rng, **kwargs):
    layer = L.LayerNormalization(**kwargs)
    layer.build(shape)
    layer.set_weights([rng.uniform(0.5, 1.5, w.shape) if w.name == "gamma" else rng.normal(size=w.shape)
                       for w in layer.weights])
    return layer


def test_layer_norm_over_the_last_axis(backend):
    rng = np.random.default_rng(6)
    layer = built_layer_norm((2, 3, 4), rng)
    gamma, beta = [w.astype(np.float64) for w in layer.get_weights()]
    x = rng.normal(1.0, 2.0, (2, 3, 4))
    np.testing.assert_allclose(layer(x.astype(np.float32)).numpy(), layer_norm_reference(x, gamma, beta, (2,)),
                               rtol=1e-4, atol=1e-4)


def test_layer_norm_over_several_axes_has_weights_of_their_shape(backend):
    rng = np.random.default_rng(7)
    layer = built_layer_norm((2, 3, 4), rng, axis=[2, 1], epsilon=0.1)
    assert [tuple(w.shape) for w in layer.weights] == [(3, 4), (3, 4)]
    gamma, beta = [w.astype(np.float64) for w in layer.get_weights()]
    x = rng.normal(size=(2, 3, 4))
    np.testing.assert_allclose(layer(x.astype(np.float32)).numpy(),
                               layer_norm_reference(x, gamma, beta, (1, 2), epsilon=0.1), rtol=1e-4, atol=1e-4)


def test_layer_norm_gradients_match_finite_differences(backend):
    rng = np.random.default_rng(8)
    layer = built_layer_norm((2, 3), rng)
    check_layer_gradients(layer, lambda x, gamma, beta: layer_norm_reference(x, gamma, beta, (1,)),
                          rng.normal(size=(2, 3)))


def test_layer_norm_rms_scaling_divides_by_the_variance_and_has_no_beta():
    rng = np.random.default_rng(9)
    layer = built_layer_norm((2, 5), rng, rms_scaling=True)
    assert [w.name for w in layer.weights] == ["gamma"]
    (gamma,) = layer.get_weights()
    x = rng.normal(size=(2, 5))
    want = x / np.sqrt(x.var(axis=1, keepdims=True) + 1e-3) * gamma
    np.testing.assert_allclose(layer(x.astype(np.float32)).numpy(), want, rtol=1e-4, atol=1e-5)
    assert layer.get_config()["rms_scaling"] is True


def test_layer_norm_config_shows_the_axis_list_after_build_as_keras_does():
    layer = L.LayerNormalization(epsilon=1e-6, scale=False)
    assert layer.get_config()["axis"] == -1
    layer.build((None, 4))
    config = layer.get_config()
    assert list(config) == LAYER_NORM_CONFIG_KEYS
    assert (config["axis"], config["epsilon"], config["scale"], config["center"]) == ([-1], 1e-6, False, True)
    assert [w.name for w in layer.weights] == ["beta"]
    clone = L.LayerNormalization.from_config(config)
    clone.build((None, 4))
    assert clone.get_config() == config


def test_layer_norm_rejects_bad_axes():
    with pytest.raises(InvalidArgumentError, match="axis"):
        L.LayerNormalization(axis="last")
    with pytest.raises(InvalidArgumentError, match="out of bounds"):
        L.LayerNormalization(axis=[1, 4])(np.zeros((2, 3), np.float32))

"""Pooling layers against loop-based float64 numpy pooling; shapes, gradients, masks and configs."""
import numpy as np
import pytest

import engine as tf
from engine.errors import InvalidArgumentError, UnimplementedError
from tests.engine.keras.layers_core_reference import pool_reference

K = tf.keras
L = K.layers
RNG = np.random.default_rng(5)


@pytest.mark.parametrize("cls,kind", [(L.MaxPooling2D, "max"), (L.AveragePooling2D, "avg")])
@pytest.mark.parametrize("pool_size,strides,padding", [((2, 2), None, "valid"), ((3, 2), (2, 1), "same"),
                                                       ((2, 3), (1, 2), "valid")])
def test_pooling2d_matches_numpy(backend, cls, kind, pool_size, strides, padding):
    x = RNG.standard_normal((2, 5, 6, 3)).astype(np.float32)
    layer = cls(pool_size, strides=strides, padding=padding)
    y = layer(x)
    expected = pool_reference(x, pool_size, strides or pool_size, padding, kind)
    assert tuple(y.shape) == expected.shape == layer.compute_output_shape(x.shape)
    np.testing.assert_allclose(y.numpy(), expected, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("cls,kind", [(L.MaxPooling1D, "max"), (L.AveragePooling1D, "avg")])
@pytest.mark.parametrize("padding", ["valid", "same"])
def test_pooling1d_matches_numpy(backend, cls, kind, padding):
    x = RNG.standard_normal((2, 7, 3)).astype(np.float32)
    layer = cls(3, strides=2, padding=padding)
    y = layer(x)
    expected = pool_reference(x, (3,), (2,), padding, kind)
    assert tuple(y.shape) == expected.shape == layer.compute_output_shape(x.shape)
    np.testing.assert_allclose(y.numpy(), expected, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("cls,reduce,axes", [
    (L.GlobalAveragePooling2D, np.mean, (1, 2)), (L.GlobalMaxPooling2D, np.max, (1, 2)),
    (L.GlobalAveragePooling1D, np.mean, (1,)), (L.GlobalMaxPooling1D, np.max, (1,))])
@pytest.mark.parametrize("keepdims", [False, True])
def test_global_pooling_matches_numpy(backend, cls, reduce, axes, keepdims):
    shape = (2, 3, 4, 5) if len(axes) == 2 else (2, 6, 5)
    x = RNG.standard_normal(shape).astype(np.float32)
    layer = cls(keepdims=keepdims)
    y = layer(x)
    expected = reduce(x.astype(np.float64), axis=axes, keepdims=keepdims)
    assert tuple(y.shape) == expected.shape == layer.compute_output_shape(shape)
    np.testing.assert_allclose(y.numpy(), expected, rtol=1e-5, atol=1e-6)


def test_global_average_pooling1d_skips_masked_steps():
    x = np.array([[[1.0], [3.0], [100.0]]], np.float32)
    mask = tf.constant([[True, True, False]])
    np.testing.assert_allclose(L.GlobalAveragePooling1D()(x, mask=mask).numpy(), [[2.0]])


def test_pooling_gradients_reach_the_input():
    x = tf.constant(np.array([[[[1.0], [5.0]], [[2.0], [3.0]]]], np.float32))
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(x)
        peak = tf.reduce_sum(L.MaxPooling2D()(x))
        mean = tf.reduce_sum(L.AveragePooling2D()(x))
    np.testing.assert_array_equal(tape.gradient(peak, x).numpy()[0, :, :, 0], [[0, 1], [0, 0]])
    np.testing.assert_allclose(tape.gradient(mean, x).numpy()[0, :, :, 0], np.full((2, 2), 0.25))


def test_pooling_configs_are_keras3s():
    dtype = {"module": "keras", "class_name": "DTypePolicy", "config": {"name": "float32"}, "registered_name": None}
    assert L.MaxPooling2D(name="p").get_config() == {"name": "p", "trainable": True, "dtype": dtype,
                                                     "pool_size": [2, 2], "padding": "valid", "strides": [2, 2],
                                                     "data_format": "channels_last"}
    assert L.AveragePooling1D(3, strides=1, name="q").get_config()["strides"] == [1]
    assert L.GlobalMaxPooling2D(name="g", keepdims=True).get_config() == {
        "name": "g", "trainable": True, "dtype": dtype, "data_format": "channels_last", "keepdims": True}
    for layer in (L.MaxPooling1D(4, padding="same"), L.AveragePooling2D((1, 3), strides=(1, 2)),
                  L.GlobalAveragePooling1D(keepdims=True)):
        config = layer.get_config()
        assert type(layer).from_config(config).get_config() == config


def test_pooling_errors():
    with pytest.raises(UnimplementedError, match="channels_first"):
        L.MaxPooling2D(data_format="channels_first")
    with pytest.raises(InvalidArgumentError, match="padding must be one of"):
        L.AveragePooling2D(padding="full")
    with pytest.raises(InvalidArgumentError, match=r"'pool'.*expected ndim=4, found ndim=3"):
        L.MaxPooling2D(name="pool")(np.ones((1, 4, 4), np.float32))
    assert L.MaxPool2D is L.MaxPooling2D and L.GlobalAvgPool1D is L.GlobalAveragePooling1D

"""ZeroPadding2D, Cropping2D and UpSampling2D against numpy, in both data formats, with Keras 3 configs."""
import numpy as np
import pytest

import engine as tf
from engine.errors import InvalidArgumentError
from tests.engine.keras.layer_gradcheck import check_layer_gradients
from tests.engine.keras.test_preprocessing_layers import resize_reference

L = tf.keras.layers


def feature_map(seed, shape=(2, 3, 4, 2)):
    return np.random.default_rng(seed).normal(size=shape)


@pytest.mark.parametrize("padding,pairs", [(1, ((1, 1), (1, 1))), ((2, 0), ((2, 2), (0, 0))),
                                           (((0, 1), (2, 3)), ((0, 1), (2, 3)))])
def test_zero_padding(backend, padding, pairs):
    x = feature_map(0)
    layer = L.ZeroPadding2D(padding)
    got = layer(x.astype(np.float32))
    np.testing.assert_array_equal(got.numpy(), np.pad(x, [(0, 0), *pairs, (0, 0)]).astype(np.float32))
    assert layer.compute_output_shape((None, 3, 4, 2)) == (None, 3 + sum(pairs[0]), 4 + sum(pairs[1]), 2)
    assert layer.get_config()["padding"] == pairs


def test_zero_padding_channels_first_and_config():
    x = feature_map(1, (1, 2, 3, 3))
    layer = L.ZeroPadding2D(((1, 0), (0, 2)), data_format="channels_first")
    np.testing.assert_array_equal(layer(x.astype(np.float32)).numpy(),
                                  np.pad(x, [(0, 0), (0, 0), (1, 0), (0, 2)]).astype(np.float32))
    config = layer.get_config()
    assert list(config) == ["name", "trainable", "dtype", "padding", "data_format"]
    assert L.ZeroPadding2D.from_config(config).get_config() == config
    assert L.ZeroPadding2D().get_config()["padding"] == ((1, 1), (1, 1))


def test_cropping(backend):
    x = feature_map(2, (2, 5, 6, 1))
    layer = L.Cropping2D(((1, 2), (0, 3)))
    np.testing.assert_array_equal(layer(x.astype(np.float32)).numpy(), x[:, 1:3, 0:3].astype(np.float32))
    assert layer.compute_output_shape((None, 5, 6, 1)) == (None, 2, 3, 1)
    symmetric = L.Cropping2D(1)
    np.testing.assert_array_equal(symmetric(x.astype(np.float32)).numpy(), x[:, 1:4, 1:5].astype(np.float32))


def test_cropping_gradient_is_zero_outside_the_crop(backend):
    check_layer_gradients(L.Cropping2D(((1, 0), (1, 1))), lambda x: x[:, 1:, 1:-1], feature_map(3, (1, 3, 4, 1)))


def test_cropping_channels_first_errors_and_config():
    x = feature_map(4, (1, 2, 4, 4))
    layer = L.Cropping2D(((0, 1), (2, 0)), data_format="channels_first")
    np.testing.assert_array_equal(layer(x.astype(np.float32)).numpy(), x[:, :, :3, 2:].astype(np.float32))
    with pytest.raises(InvalidArgumentError, match="must leave something"):
        L.Cropping2D(((2, 2), (0, 0)))(np.zeros((1, 4, 4, 1), np.float32))
    with pytest.raises(InvalidArgumentError, match="two elements"):
        L.Cropping2D((1, 2, 3))
    with pytest.raises(InvalidArgumentError):
        L.Cropping2D(-1)
    with pytest.raises(InvalidArgumentError, match="ndim=4"):
        L.Cropping2D(1)(np.zeros((4, 4, 1), np.float32))
    config = layer.get_config()
    assert list(config) == ["name", "trainable", "dtype", "cropping", "data_format"]
    assert config["cropping"] == ((0, 1), (2, 0)) and config["data_format"] == "channels_first"


def test_up_sampling_nearest_repeats_rows_and_columns(backend):
    x = feature_map(5)
    layer = L.UpSampling2D(size=(2, 3))
    want = np.repeat(np.repeat(x, 2, axis=1), 3, axis=2)
    np.testing.assert_array_equal(layer(x.astype(np.float32)).numpy(), want.astype(np.float32))
    assert layer.compute_output_shape((None, 3, 4, 2)) == (None, 6, 12, 2)


def test_up_sampling_nearest_gradient_sums_each_block(backend):
    check_layer_gradients(L.UpSampling2D(2), lambda x: np.repeat(np.repeat(x, 2, axis=1), 2, axis=2),
                          feature_map(6, (1, 2, 2, 1)))


def test_up_sampling_bilinear_and_channels_first(backend):
    x = feature_map(7, (1, 3, 2, 2))
    got = L.UpSampling2D(size=2, interpolation="bilinear")(x.astype(np.float32))
    np.testing.assert_allclose(got.numpy(), resize_reference(x, 6, 4), rtol=1e-5, atol=1e-5)
    channels_first = L.UpSampling2D(size=(1, 2), data_format="channels_first")
    np.testing.assert_array_equal(channels_first(x.astype(np.float32)).numpy(),
                                  np.repeat(x, 2, axis=3).astype(np.float32))


def test_up_sampling_config_and_errors():
    config = L.UpSampling2D(size=3, interpolation="Bilinear").get_config()
    assert list(config) == ["name", "trainable", "dtype", "size", "data_format", "interpolation"]
    assert (config["size"], config["interpolation"]) == ((3, 3), "bilinear")
    assert L.UpSampling2D.from_config(config).get_config() == config
    with pytest.raises(InvalidArgumentError, match="size"):
        L.UpSampling2D(size=(0, 2))

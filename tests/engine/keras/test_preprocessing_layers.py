"""Rescaling, Normalization (with adapt) and Resizing against float64 numpy references and Keras 3 configs."""
import numpy as np
import pytest

import engine as tf
from engine.errors import InvalidArgumentError, UnimplementedError

L = tf.keras.layers


def resize_axis_weights(in_size, out_size, method):
    """[out, in] interpolation matrix of TF 2's resize (half-pixel centres) along one axis."""
    scale = in_size / out_size
    weights = np.zeros((out_size, in_size))
    for o in range(out_size):
        if method == "nearest":
            weights[o, min(int(np.floor((o + 0.5) * scale)), in_size - 1)] = 1.0
            continue
        source = max((o + 0.5) * scale - 0.5, 0.0)
        low = min(int(np.floor(source)), in_size - 1)
        high = min(low + 1, in_size - 1)
        fraction = source - low
        weights[o, low] += 1.0 - fraction
        weights[o, high] += fraction
    return weights


def resize_reference(images, height, width, method="bilinear"):
    rows = resize_axis_weights(images.shape[1], height, method)
    columns = resize_axis_weights(images.shape[2], width, method)
    return np.einsum("oh,nhwc,pw->nopc", rows, images, columns)


def test_rescaling_scalar_and_per_channel(backend):
    x = np.random.default_rng(0).uniform(0, 255, (2, 2, 3))
    np.testing.assert_allclose(L.Rescaling(1 / 127.5, offset=-1)(x.astype(np.float32)).numpy(), x / 127.5 - 1,
                               rtol=1e-6, atol=1e-6)
    scale, offset = [0.5, 2.0, -1.0], [1.0, 0.0, 3.0]
    got = L.Rescaling(scale, offset)(x.astype(np.float32))
    np.testing.assert_allclose(got.numpy(), x * np.array(scale) + np.array(offset), rtol=1e-6)


def test_rescaling_config_round_trip_and_keras_numpy_values():
    config = L.Rescaling(np.array([0.5, 0.25], np.float32), offset=1.0).get_config()
    assert list(config) == ["name", "trainable", "dtype", "scale", "offset"]
    assert config["scale"] == [0.5, 0.25] and config["offset"] == 1.0
    keras_form = {**config, "scale": {"class_name": "__numpy__", "config": {"value": [0.5, 0.25],
                                                                           "dtype": "float32"}}}
    layer = L.Rescaling.from_config(keras_form)
    np.testing.assert_allclose(layer(np.ones((1, 2), np.float32)).numpy(), [[1.5, 1.25]])


def test_normalization_adapt_on_an_array_learns_numpy_mean_and_variance(backend):
    data = np.random.default_rng(1).normal(3.0, 2.0, (20, 4))
    layer = L.Normalization()
    layer.adapt(data)
    mean, variance, count = layer.get_weights()
    np.testing.assert_allclose(mean, data.mean(axis=0), rtol=1e-5)
    np.testing.assert_allclose(variance, data.var(axis=0), rtol=1e-5)
    assert count == 20 and count.dtype == np.int32
    assert [w.name for w in layer.weights] == ["mean", "variance", "count"]
    assert layer.trainable_weights == []
    x = data[:3]
    got = layer(x.astype(np.float32))
    np.testing.assert_allclose(got.numpy(), (x - data.mean(axis=0)) / data.std(axis=0), rtol=1e-4, atol=1e-5)


def test_normalization_adapt_pools_batches_exactly():
    rng = np.random.default_rng(2)
    data = rng.normal(-1.0, 3.0, (13, 3, 2))
    pieces = [data[:2], data[2:9], data[9:]]
    layer = L.Normalization(axis=(1,))
    layer.adapt(iter((piece, np.zeros(len(piece))) for piece in pieces))
    mean, variance, _ = layer.get_weights()
    np.testing.assert_allclose(mean, data.mean(axis=(0, 2)), rtol=1e-5)
    np.testing.assert_allclose(variance, data.var(axis=(0, 2)), rtol=1e-5)
    from_list = L.Normalization(axis=(1,))
    from_list.adapt(pieces)
    np.testing.assert_allclose(from_list.get_weights()[1], variance, rtol=1e-6)


def test_normalization_with_given_statistics_and_invert(backend):
    x = np.random.default_rng(3).normal(size=(2, 3, 2))
    layer = L.Normalization(axis=-1, mean=[1.0, -2.0], variance=[4.0, 0.25])
    np.testing.assert_allclose(layer(x.astype(np.float32)).numpy(), (x - [1.0, -2.0]) / [2.0, 0.5], rtol=1e-5)
    assert layer.weights == []
    inverse = L.Normalization(axis=-1, mean=[1.0, -2.0], variance=[4.0, 0.0], invert=True)
    # A zero variance is floored at Keras's epsilon (1e-7) for the standard deviation.
    np.testing.assert_allclose(inverse(x.astype(np.float32)).numpy(), x * [2.0, 1e-7] + [1.0, -2.0], rtol=1e-5)
    scalar = L.Normalization(axis=None, mean=2.0, variance=9.0)
    np.testing.assert_allclose(scalar(x.astype(np.float32)).numpy(), (x - 2.0) / 3.0, rtol=1e-5)


def test_normalization_errors():
    with pytest.raises(InvalidArgumentError, match="both"):
        L.Normalization(mean=[1.0])
    with pytest.raises(InvalidArgumentError, match="same shape"):
        L.Normalization(mean=[1.0, 2.0], variance=[1.0])
    layer = L.Normalization()
    layer.adapt(np.ones((4, 3)))
    with pytest.raises(InvalidArgumentError, match="does not match"):
        layer.adapt(np.ones((4, 5)))
    with pytest.raises(InvalidArgumentError, match="empty"):
        L.Normalization().adapt([])


def test_normalization_config_matches_keras3():
    config = L.Normalization().get_config()
    assert list(config) == ["name", "trainable", "dtype", "axis", "invert", "mean", "variance"]
    assert (tuple(config["axis"]), config["invert"], config["mean"], config["variance"]) == ((-1,), False, None, None)
    given = L.Normalization(mean=[1.0, 2.0], variance=[3.0, 4.0], invert=True).get_config()
    assert (given["mean"], given["variance"], given["invert"]) == ([1.0, 2.0], [3.0, 4.0], True)
    assert L.Normalization.from_config(given).get_config() == given


@pytest.mark.parametrize("method,size", [("bilinear", (3, 4)), ("bilinear", (7, 9)), ("nearest", (3, 4)),
                                         ("nearest", (7, 9))])
def test_resizing_matches_tf2_half_pixel_interpolation(backend, method, size):
    images = np.random.default_rng(4).normal(size=(1, 5, 6, 2))
    got = L.Resizing(*size, interpolation=method)(images.astype(np.float32))
    np.testing.assert_allclose(got.numpy(), resize_reference(images, *size, method), rtol=1e-5, atol=1e-5)


def test_resizing_crop_to_aspect_ratio_takes_the_centred_crop(backend):
    images = np.random.default_rng(5).normal(size=(2, 5, 8, 1))
    got = L.Resizing(3, 3, crop_to_aspect_ratio=True)(images.astype(np.float32))
    # Target 1:1 from 5x8: the centred 5x5 crop starts at column int((8 - 5) / 2) = 1.
    np.testing.assert_allclose(got.numpy(), resize_reference(images[:, :, 1:6], 3, 3), rtol=1e-5, atol=1e-5)


def test_resizing_pad_to_aspect_ratio_pads_with_the_fill_value(backend):
    images = np.random.default_rng(6).normal(size=(1, 4, 4, 1))
    got = L.Resizing(4, 8, pad_to_aspect_ratio=True, fill_value=-1.0)(images.astype(np.float32))
    padded = np.pad(images, [(0, 0), (0, 0), (2, 2), (0, 0)], constant_values=-1.0)
    np.testing.assert_allclose(got.numpy(), resize_reference(padded, 4, 8), rtol=1e-5, atol=1e-5)


def test_resizing_channels_first_and_single_images():
    images = np.random.default_rng(7).normal(size=(1, 2, 4, 6))
    got = L.Resizing(2, 3, data_format="channels_first")(images.astype(np.float32))
    want = resize_reference(images.transpose(0, 2, 3, 1), 2, 3).transpose(0, 3, 1, 2)
    np.testing.assert_allclose(got.numpy(), want, rtol=1e-5, atol=1e-5)
    single = L.Resizing(2, 3)(images[0].transpose(1, 2, 0).astype(np.float32))
    np.testing.assert_allclose(single.numpy(), want[0].transpose(1, 2, 0), rtol=1e-5, atol=1e-5)
    assert L.Resizing(2, 3, data_format="channels_first").compute_output_shape((None, 2, 4, 6)) == (None, 2, 2, 3)


def test_resizing_errors_and_config():
    with pytest.raises(InvalidArgumentError, match="only one"):
        L.Resizing(2, 2, crop_to_aspect_ratio=True, pad_to_aspect_ratio=True)
    with pytest.raises(UnimplementedError, match="bicubic"):
        L.Resizing(2, 2, interpolation="bicubic")(np.zeros((1, 3, 3, 1), np.float32))
    with pytest.raises(InvalidArgumentError, match="data_format"):
        L.Resizing(2, 2, data_format="NHWC")
    config = L.Resizing(5, 7, interpolation="nearest").get_config()
    assert list(config) == ["name", "trainable", "dtype", "data_format", "height", "width", "interpolation",
                            "crop_to_aspect_ratio", "pad_to_aspect_ratio", "fill_mode", "fill_value", "antialias"]
    assert (config["height"], config["width"], config["interpolation"], config["data_format"]) == (
        5, 7, "nearest", "channels_last")
    assert L.Resizing.from_config(config).get_config() == config

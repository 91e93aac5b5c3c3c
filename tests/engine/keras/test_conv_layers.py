"""Convolution layers against loop-based float64 numpy convolutions, finite differences and Keras 3 configs."""
import numpy as np
import pytest

import engine as tf
from engine.errors import InvalidArgumentError, UnimplementedError
from tests.engine.keras.layers_core_reference import (conv_nd_reference, conv_transpose_reference,
                                                      depthwise_reference, finite_difference_check)

K = tf.keras
L = K.layers
RNG = np.random.default_rng(11)


def _random(*shape):
    return RNG.standard_normal(shape).astype(np.float32)


@pytest.mark.parametrize("padding,strides,dilation", [("valid", 1, 1), ("same", 2, 1), ("same", 1, 2)])
def test_conv2d_matches_numpy(backend, padding, strides, dilation):
    x = _random(2, 6, 5, 3)
    layer = L.Conv2D(4, (3, 2), strides=strides, padding=padding, dilation_rate=dilation,
                     bias_initializer="random_normal")
    y = layer(x)
    expected = conv_nd_reference(x, layer.kernel.numpy(), (strides,) * 2, padding, (dilation,) * 2)
    expected += layer.bias.numpy()
    assert tuple(y.shape) == expected.shape == layer.compute_output_shape((2, 6, 5, 3))
    np.testing.assert_allclose(y.numpy(), expected, rtol=1e-4, atol=1e-5)


def test_conv2d_groups_match_numpy():
    x = _random(1, 4, 4, 6)
    layer = L.Conv2D(4, 3, groups=2, use_bias=False)
    y = layer(x)
    assert tuple(layer.kernel.shape) == (3, 3, 3, 4)
    np.testing.assert_allclose(y.numpy(), conv_nd_reference(x, layer.kernel.numpy(), (1, 1), "valid", (1, 1),
                                                            groups=2), rtol=1e-4, atol=1e-5)
    with pytest.raises(InvalidArgumentError, match="divisible by groups"):
        L.Conv2D(4, 3, groups=4)(np.ones((1, 4, 4, 6), np.float32))


@pytest.mark.parametrize("padding", ["valid", "same", "causal"])
def test_conv1d_matches_numpy(backend, padding):
    x = _random(2, 7, 3)
    layer = L.Conv1D(2, 3, padding=padding, dilation_rate=2, activation="relu", bias_initializer="ones")
    y = layer(x)
    if padding == "causal":
        expected = conv_nd_reference(np.pad(x, [(0, 0), (4, 0), (0, 0)]), layer.kernel.numpy(), (1,), "valid", (2,))
    else:
        expected = conv_nd_reference(x, layer.kernel.numpy(), (1,), padding, (2,))
    expected = np.maximum(expected + 1.0, 0)
    assert tuple(y.shape) == layer.compute_output_shape(x.shape)
    np.testing.assert_allclose(y.numpy(), expected, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("padding,strides,output_padding,out_size", [
    ("valid", 2, None, (7, 5)),   # in * stride + max(kernel - stride, 0)
    ("same", 2, None, (6, 4)),    # in * stride
    ("valid", 1, None, (5, 4)),
    ("valid", 3, 1, (10, 7)),     # (in - 1) * stride + kernel + output_padding
])
def test_conv2d_transpose_matches_scatter(backend, padding, strides, output_padding, out_size):
    x = _random(1, 3, 2, 2)
    layer = L.Conv2DTranspose(3, 3, strides=strides, padding=padding, output_padding=output_padding,
                              use_bias=False)
    y = layer(x)
    assert tuple(y.shape) == (1, *out_size, 3)
    assert tuple(layer.kernel.shape) == (3, 3, 3, 2)
    # SAME: the forward convolution of the output pads max(kernel - stride, 0) in total, the smaller half first.
    crop = (max(3 - strides, 0) // 2,) * 2 if padding == "same" else (0, 0)
    expected = conv_transpose_reference(x, layer.kernel.numpy(), (strides, strides), out_size, crop)
    np.testing.assert_allclose(y.numpy(), expected, rtol=1e-4, atol=1e-5)
    assert layer.compute_output_shape((None, 3, 2, 2)) == (None, *out_size, 3)


@pytest.mark.parametrize("padding,strides", [("valid", 1), ("same", 2)])
def test_depthwise_conv2d_matches_numpy(backend, padding, strides):
    x = _random(2, 5, 5, 3)
    layer = L.DepthwiseConv2D(3, strides=strides, padding=padding, depth_multiplier=2,
                              bias_initializer="random_normal")
    y = layer(x)
    assert [v.name for v in layer.weights] == ["kernel", "bias"]
    assert tuple(layer.kernel.shape) == (3, 3, 3, 2) and tuple(layer.bias.shape) == (6,)
    expected = depthwise_reference(x, layer.kernel.numpy(), (strides,) * 2, padding, (1, 1)) + layer.bias.numpy()
    assert tuple(y.shape) == layer.compute_output_shape(x.shape)
    np.testing.assert_allclose(y.numpy(), expected, rtol=1e-4, atol=1e-5)


def test_separable_conv2d_matches_numpy(backend):
    x = _random(1, 5, 4, 2)
    layer = L.SeparableConv2D(3, 3, padding="same", depth_multiplier=2, bias_initializer="random_normal")
    y = layer(x)
    assert [v.name for v in layer.weights] == ["depthwise_kernel", "pointwise_kernel", "bias"]
    assert tuple(layer.pointwise_kernel.shape) == (1, 1, 4, 3)
    depthwise = depthwise_reference(x, layer.depthwise_kernel.numpy(), (1, 1), "same", (1, 1))
    expected = np.einsum("bhwc,co->bhwo", depthwise, layer.pointwise_kernel.numpy()[0, 0]) + layer.bias.numpy()
    np.testing.assert_allclose(y.numpy(), expected, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("make", [
    lambda: L.Conv2D(2, 2, strides=2, padding="same", bias_initializer="random_normal"),
    lambda: L.Conv1D(2, 2, padding="causal"),
    lambda: L.DepthwiseConv2D(2, bias_initializer="random_normal"),
    lambda: L.SeparableConv2D(2, 2),
    lambda: L.Conv2DTranspose(2, 2, strides=2),
])
def test_conv_gradients_match_finite_differences(make):
    layer = make()
    shape = (1, 5, 2) if isinstance(layer, L.Conv1D) else (1, 3, 3, 2)
    finite_difference_check(layer, np.random.default_rng(3).standard_normal(shape).astype(np.float32))


def test_conv2d_gradient_on_gl_backend(backend):
    finite_difference_check(L.Conv2D(2, 2, padding="same"), _random(1, 3, 3, 1))


def test_conv2d_config_is_keras3s_default():
    glorot = {"module": "keras.initializers", "class_name": "GlorotUniform",
              "config": {"seed": None, "input_axes": None, "output_axes": None}, "registered_name": None}
    assert L.Conv2D(4, 3, name="c").get_config() == {
        "name": "c", "trainable": True,
        "dtype": {"module": "keras", "class_name": "DTypePolicy", "config": {"name": "float32"},
                  "registered_name": None},
        "filters": 4, "kernel_size": [3, 3], "strides": [1, 1], "padding": "valid", "data_format": "channels_last",
        "dilation_rate": [1, 1], "groups": 1, "activation": "linear", "use_bias": True, "kernel_initializer": glorot,
        "bias_initializer": {"module": "keras.initializers", "class_name": "Zeros", "config": {},
                             "registered_name": None},
        "kernel_regularizer": None, "bias_regularizer": None, "activity_regularizer": None,
        "kernel_constraint": None, "bias_constraint": None}


@pytest.mark.parametrize("layer", [
    L.Conv1D(3, 5, strides=2, padding="causal", activation="relu"),
    L.Conv2D(3, (2, 3), dilation_rate=2, groups=1, kernel_regularizer="l2"),
    L.Conv2DTranspose(2, 3, strides=2, output_padding=1),
    L.DepthwiseConv2D(3, depth_multiplier=3, depthwise_constraint="non_neg"),
    L.SeparableConv2D(4, 3, strides=2, pointwise_initializer="he_normal"),
])
def test_conv_configs_round_trip(layer):
    config = layer.get_config()
    assert type(layer).from_config(config).get_config() == config


def test_depthwise_and_separable_configs_accept_what_tf_keras_adds():
    config = L.SeparableConv2D(2, 3).get_config()
    config.update({"kernel_initializer": None, "kernel_regularizer": None, "kernel_constraint": None, "groups": 1})
    assert isinstance(L.SeparableConv2D.from_config(config), L.SeparableConv2D)
    config = {**L.DepthwiseConv2D(3).get_config(), "groups": 1}
    assert isinstance(L.DepthwiseConv2D.from_config(config), L.DepthwiseConv2D)
    with pytest.raises(InvalidArgumentError, match="groups=2 is not supported"):
        L.DepthwiseConv2D.from_config({**config, "groups": 2})


def test_conv_argument_errors():
    with pytest.raises(UnimplementedError, match="channels_first"):
        L.Conv2D(2, 3, data_format="channels_first")
    with pytest.raises(InvalidArgumentError, match="strides > 1 is not supported together with dilation_rate"):
        L.Conv2D(2, 3, strides=2, dilation_rate=2)
    with pytest.raises(InvalidArgumentError, match="padding must be one of"):
        L.Conv2D(2, 3, padding="causal")
    with pytest.raises(InvalidArgumentError, match="kernel_size must be"):
        L.Conv2D(2, (3, 3, 3))
    with pytest.raises(InvalidArgumentError, match=r"'tiny'.*too small"):
        L.Conv2D(2, 5, name="tiny")(np.ones((1, 3, 3, 1), np.float32))
    with pytest.raises(InvalidArgumentError, match=r"'rank'.*ndim=4, found ndim=3"):
        L.Conv2D(2, 3, name="rank")(np.ones((1, 3, 3), np.float32))

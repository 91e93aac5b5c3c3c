"""Paths of the GL convolution and pooling kernels that test_conv.py's small shapes do not reach:
the compute path's implicit matrix products (channel counts that are multiples of 4), sums split
into parts (forced with a small loop budget), and max-pool gradient routing on ties and padding.
Every test also runs on cpu, where the patches change nothing."""
import numpy as np
import pytest

import engine as tf
from engine.backends.gl.kernels import conv as gl_conv, conv_gemm
from engine.ops.conv import conv2d_backprop_filter, conv2d_backprop_input, conv2d_explicit
from engine.ops.pool import max_pool_grad
from tests.engine.opcheck import check_grad, check_op
from tests.engine.test_conv import ref_conv2d, ref_depthwise, ref_max_pool, ref_avg_pool, distinct

RNG = np.random.default_rng(1)


def rand(*shape):
    return RNG.standard_normal(shape)


@pytest.mark.parametrize("x_shape,w_shape,strides,padding,dilations", [
    ((1, 5, 4, 4), (3, 3, 4, 8), 1, "SAME", 1),
    ((1, 7, 6, 8), (3, 2, 8, 4), (2, 1), "VALID", (1, 2)),
    ((1, 5, 7, 4), (2, 3, 4, 4), (1, 3), [[0, 0], [2, 1], [0, 3], [0, 0]], 1),
    ((1, 7, 8, 4), (2, 2, 4, 4), 3, "SAME", 1),   # sub-pixel phases that no tap reaches
])
def test_conv2d_in_channels_of_four(backend, x_shape, w_shape, strides, padding, dilations):
    x, w = rand(*x_shape), rand(*w_shape)
    engine_fn = lambda a, b: tf.nn.conv2d(a, b, strides, padding, dilations=dilations)  # noqa: E731
    pairs = [(s, s) if isinstance(s, int) else s for s in (strides, dilations)]
    reference = lambda a, b: ref_conv2d(a, b, pairs[0], padding, pairs[1])  # noqa: E731
    check_op(engine_fn, reference, [x, w], rtol=1e-4, atol=1e-5)
    check_grad(engine_fn, reference, [x, w])


def test_conv2d_of_three_channels_into_channels_of_four(backend):
    x, w = rand(2, 7, 6, 3), rand(3, 3, 3, 8)
    check_op(lambda a, b: tf.nn.conv2d(a, b, 2, "SAME"), lambda a, b: ref_conv2d(a, b, (2, 2), "SAME"), [x, w],
             rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("strides,padding,dilations", [
    (1, "SAME", 1), ((2, 1), "VALID", (1, 2)), (2, [[0, 0], [1, 2], [2, 0], [0, 0]], 1)])
@pytest.mark.parametrize("budget", [12_000, 20])   # the filter gradient in one part; in several
def test_depthwise_conv2d_in_channels_of_four(backend, monkeypatch, strides, padding, dilations, budget):
    monkeypatch.setattr(gl_conv, "LOOP_BUDGET", budget)
    x, w = rand(1, 6, 5, 4), rand(3, 2, 4, 1)
    pairs = [(s, s) if isinstance(s, int) else s for s in (strides, dilations)]
    engine_fn = lambda a, b: tf.nn.depthwise_conv2d(a, b, [1, *pairs[0], 1], padding, dilations=pairs[1])  # noqa: E731
    reference = lambda a, b: ref_depthwise(a, b, pairs[0], padding, pairs[1])  # noqa: E731
    check_op(engine_fn, reference, [x, w], rtol=1e-4, atol=1e-5)
    check_grad(engine_fn, reference, [x, w])


def test_conv2d_sums_split_over_workgroups(backend, monkeypatch):
    monkeypatch.setattr(conv_gemm, "MIN_K_CHUNK", 8)
    x, w = rand(1, 5, 5, 4), rand(3, 3, 4, 4)
    engine_fn = lambda a, b: tf.nn.conv2d(a, b, 1, "SAME")  # noqa: E731
    reference = lambda a, b: ref_conv2d(a, b, padding="SAME")  # noqa: E731
    check_op(engine_fn, reference, [x, w], rtol=1e-4, atol=1e-5)
    check_grad(engine_fn, reference, [x, w])


@pytest.mark.parametrize("budget", [3, 40])   # parts of single taps and of few channels; of several taps
def test_sums_in_parts_match(backend, monkeypatch, budget):
    monkeypatch.setattr(gl_conv, "LOOP_BUDGET", budget)
    x, w = rand(1, 4, 6, 9), rand(3, 2, 9, 2)
    engine_fn = lambda a, b: tf.nn.conv2d(a, b, [1, 2], "SAME")  # noqa: E731
    reference = lambda a, b: ref_conv2d(a, b, (1, 2), "SAME")  # noqa: E731
    check_op(engine_fn, reference, [x, w], rtol=1e-4, atol=1e-5)
    check_grad(engine_fn, reference, [x, w])
    x, w = rand(1, 5, 4, 2), rand(3, 3, 2, 3)
    engine_fn = lambda a, b: tf.nn.depthwise_conv2d(a, b, [1, 1, 1, 1], "SAME")  # noqa: E731
    reference = lambda a, b: ref_depthwise(a, b, padding="SAME")  # noqa: E731
    check_op(engine_fn, reference, [x, w], rtol=1e-4, atol=1e-5)
    check_grad(engine_fn, reference, [x, w])
    x = distinct(1, 6, 5, 2)
    for name, ref in (("max_pool2d", ref_max_pool), ("avg_pool2d", ref_avg_pool)):
        engine_fn = lambda a: getattr(tf.nn, name)(a, 3, 2, "SAME")  # noqa: E731
        reference = lambda a: ref(a, (3, 3), (2, 2), "SAME")  # noqa: E731
        check_op(engine_fn, reference, [x], rtol=1e-5, atol=1e-5)
    ints = RNG.integers(-50, 50, (1, 5, 5, 2)).astype(np.int32)
    check_op(lambda a: tf.nn.max_pool2d(a, 3, 2, "SAME"), lambda a: ref_max_pool(a, (3, 3), (2, 2), "SAME"), [ints])


@pytest.mark.parametrize("x_shape", [(2, 16, 16, 4), (1, 1, 127, 4)])   # chunks of 128 positions; a prime count
def test_pointwise_filter_gradient_in_parts(backend, monkeypatch, x_shape):
    monkeypatch.setattr(gl_conv, "LOOP_BUDGET", 200)
    x, dy = rand(*x_shape), rand(*x_shape[:3], 3)
    check_op(lambda a, g: conv2d_backprop_filter(a, g, (1, 1, 4, 3), (1, 1), (0, 0, 0, 0), (1, 1)),
             lambda a, g: np.einsum("nhwc,nhwk->ck", a, g)[None, None], [x, dy], rtol=1e-4, atol=1e-5)


def test_gradient_kernels_match_the_cpu_on_large_sums(backend):
    x, w = rand(2, 40, 40, 4).astype(np.float32), rand(3, 3, 4, 4).astype(np.float32)
    dy = rand(2, 40, 40, 4).astype(np.float32)
    window = ((1, 1), (1, 1, 1, 1), (1, 1))
    results = []
    for name in ("cpu", backend):
        tf.set_backend(name)
        results.append([conv2d_explicit(tf.constant(x), tf.constant(w), *window).numpy(),
                        conv2d_backprop_input(tf.constant(dy), tf.constant(w), x.shape, *window).numpy(),
                        conv2d_backprop_filter(tf.constant(x), tf.constant(dy), w.shape, *window).numpy()])
    for want, got in zip(*results):
        np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-3)


def test_max_pool_gradient_routes_ties_and_padding_like_the_cpu(backend):
    inf = np.float32(np.inf)
    x = np.array([[1, 1, 0, 2], [1, -inf, 2, 2], [-inf, -inf, -inf, 3]], np.float32).reshape(1, 3, 4, 1)
    results = []
    for name in ("cpu", backend):
        tf.set_backend(name)
        xt = tf.constant(x)
        y = tf.nn.max_pool2d(xt, 3, 1, "SAME")
        dy = tf.constant(np.arange(1, 13, dtype=np.float32).reshape(1, 3, 4, 1))
        results.append(max_pool_grad(xt, y, dy, (3, 3), (1, 1), (1, 1, 1, 1)).numpy())
    np.testing.assert_array_equal(results[1], results[0])

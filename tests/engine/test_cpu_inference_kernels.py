"""The cpu backend's inference paths: the depthwise convolution in cache-sized blocks with its padding built per
block, the per-channel batch norm written block by block, ReLU6 in blocks, products split over the backend's
threads, and the backend taking numpy's BLAS down to one thread.

Every result is checked against a float64 reference: loops over windows for the depthwise convolution (from
test_conv), numpy for the rest.
"""
import numpy as np
import pytest

import engine as tf
from engine.backends.cpu import parallel as cpu_parallel
from engine.backends.cpu import depthwise as cpu_depthwise
from engine.backends.cpu import nn as cpu_nn
from engine.backends.cpu.linalg import batch_matmul
from tests.engine.test_conv import ref_depthwise

RNG = np.random.default_rng(11)


@pytest.fixture(params=[1, 2, 3], ids=lambda workers: f"{workers}-threads")
def threads(request, cpu, monkeypatch):
    """Any work runs in blocks, on 1, 2 or 3 threads beside a one-thread BLAS."""
    monkeypatch.setattr(cpu_parallel, "_PARALLEL_WORK", 0)
    monkeypatch.setattr(cpu_parallel, "_PARALLEL_PRODUCT", 0)
    monkeypatch.setattr(cpu_parallel._pool, "workers", request.param)
    monkeypatch.setattr(cpu_parallel._pool, "blas_threaded", False)
    return request.param


# --- depthwise convolution -----------------------------------------------------------------------
DEPTHWISE_CASES = [
    # x shape, w shape, strides, padding, dilations
    ((2, 9, 11, 3), (3, 3, 3, 1), (1, 1), "SAME", (1, 1)),
    ((3, 10, 9, 4), (3, 3, 4, 1), (2, 2), "SAME", (1, 1)),          # TF pads (0, 1): more on the bottom/right
    ((2, 11, 12, 5), (5, 5, 5, 1), (2, 2), "SAME", (1, 1)),
    ((1, 7, 13, 2), (5, 5, 2, 1), (1, 1), "SAME", (1, 1)),
    ((2, 8, 9, 2), (3, 3, 2, 3), (1, 2), "SAME", (1, 1)),           # multiplier 3, column stride only
    ((2, 9, 8, 3), (2, 3, 3, 2), (2, 1), "VALID", (1, 1)),          # row stride only, even window
    ((1, 9, 10, 2), (3, 3, 2, 1), (1, 1), "SAME", (2, 2)),          # dilated
    ((1, 12, 12, 2), (3, 3, 2, 1), (2, 3), "SAME", (1, 1)),         # three column phases
    ((1, 10, 11, 2), (3, 2, 2, 1), (3, 2), "VALID", (2, 3)),        # dilation and stride: uneven phases
    ((2, 4, 5, 2), (2, 2, 2, 1), (1, 1), [[0, 0], [3, 4], [5, 1], [0, 0]], (1, 1)),  # rows of padding only
    ((1, 3, 3, 1), (3, 3, 1, 1), (2, 2), [[0, 0], [6, 6], [0, 7], [0, 0]], (1, 1)),  # outputs reading no input
]


@pytest.mark.parametrize("block_outputs", [1, 37, 1 << 16])
@pytest.mark.parametrize("x_shape,w_shape,strides,padding,dilations", DEPTHWISE_CASES)
def test_depthwise_in_blocks_matches_reference(threads, monkeypatch, block_outputs, x_shape, w_shape, strides,
                                               padding, dilations):
    """One output row a block, a few rows or samples a block, or the whole batch in one."""
    monkeypatch.setattr(cpu_depthwise, "_BLOCK_OUTPUTS", block_outputs)
    x, w = RNG.standard_normal(x_shape), RNG.standard_normal(w_shape)
    got = tf.nn.depthwise_conv2d(tf.constant(x, tf.float32), tf.constant(w, tf.float32), [1, *strides, 1], padding,
                                 dilations=dilations)
    np.testing.assert_allclose(got.numpy(), ref_depthwise(x, w, strides, padding, dilations), rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("block_outputs", [1, 50, 1 << 16])
def test_depthwise_input_gradient_in_blocks(threads, monkeypatch, block_outputs):
    """At stride 1 the input gradient is the blocked correlation of the output gradient with the flipped filter."""
    monkeypatch.setattr(cpu_depthwise, "_BLOCK_OUTPUTS", block_outputs)
    x_shape, w = (2, 6, 7, 3), RNG.standard_normal((3, 3, 3, 2))
    dy = RNG.standard_normal(ref_depthwise(np.zeros(x_shape), w, padding="SAME").shape)
    x = tf.zeros(x_shape)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.nn.depthwise_conv2d(x, tf.constant(w, tf.float32), [1, 1, 1, 1], "SAME")
    got = tape.gradient(y, x, output_gradients=tf.constant(dy, tf.float32)).numpy()
    # The output is linear in x: the gradient is the reference applied to each basis vector, dotted with dy.
    basis = np.eye(int(np.prod(x_shape))).reshape(-1, *x_shape)
    want = np.array([np.sum(ref_depthwise(e, w, padding="SAME") * dy) for e in basis]).reshape(x_shape)
    np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-5)


def test_depthwise_in_blocks_keeps_float16_nan_and_the_zero_padding(threads, monkeypatch):
    monkeypatch.setattr(cpu_depthwise, "_BLOCK_OUTPUTS", 20)
    x, w = RNG.standard_normal((2, 6, 6, 2)), RNG.standard_normal((3, 3, 2, 1))
    got = tf.nn.depthwise_conv2d(tf.constant(x, tf.float16), tf.constant(w, tf.float16), [1, 1, 1, 1], "SAME")
    assert got.dtype == tf.float16
    want = ref_depthwise(x.astype(np.float16).astype(np.float64), w.astype(np.float16).astype(np.float64),
                         padding="SAME")
    np.testing.assert_allclose(got.numpy().astype(np.float64), want, rtol=1e-2, atol=1e-2)

    # A NaN pixel reaches exactly the outputs whose windows cover it.
    x[1, 2, 3, 0] = np.nan
    got = tf.nn.depthwise_conv2d(tf.constant(x, tf.float32), tf.constant(w, tf.float32), [1, 1, 1, 1], "SAME")
    np.testing.assert_array_equal(np.isnan(got.numpy()), np.isnan(ref_depthwise(x, w, padding="SAME")))

    # An infinite tap multiplies the zero padding too, as TF's zero-padded window does: NaN on the border.
    x = RNG.standard_normal((1, 4, 4, 1))
    w = np.ones((3, 3, 1, 1))
    w[0, 0, 0, 0] = np.inf
    got = tf.nn.depthwise_conv2d(tf.constant(x, tf.float32), tf.constant(w, tf.float32), [1, 1, 1, 1], "SAME")
    with np.errstate(invalid="ignore"):
        want = ref_depthwise(x, w, padding="SAME")
    np.testing.assert_array_equal(np.isnan(got.numpy()), np.isnan(want))
    np.testing.assert_array_equal(np.isposinf(got.numpy()), np.isposinf(want))


def test_depthwise_empty_batch_and_output(cpu):
    empty = tf.nn.depthwise_conv2d(tf.zeros([0, 5, 5, 2]), tf.ones([3, 3, 2, 2]), [1, 1, 1, 1], "SAME")
    assert empty.shape == (0, 5, 5, 4)
    no_rows = tf.nn.depthwise_conv2d(tf.zeros([1, 2, 5, 2]), tf.ones([3, 3, 2, 1]), [1, 1, 1, 1], "VALID")
    assert no_rows.shape == (1, 0, 3, 2)


# --- batch norm ----------------------------------------------------------------------------------
def _batch_norm(x, mean, variance, offset, scale, epsilon=1e-3):
    return (x - mean) * scale / np.sqrt(variance + epsilon) + offset


@pytest.mark.parametrize("row", [8, 2048])
@pytest.mark.parametrize("x_shape,param_shape", [
    ((2, 5, 7, 3), (3,)),          # the repeated factor row does not divide the size: a tail after the blocks
    ((4, 9, 9, 16), (1, 1, 1, 16)),
    ((3, 700), (700,)),            # more channels than a repeated row holds
    ((6, 2, 4096), (1, 4096)),
    ((5, 1), ()),                  # scalar parameters
])
def test_batch_norm_per_channel_in_blocks(threads, monkeypatch, row, x_shape, param_shape):
    """Factor rows of a few values or of the default length, in blocks of a few rows."""
    monkeypatch.setattr(cpu_nn, "_NORM_ROW", row)
    monkeypatch.setattr(cpu_nn, "_NORM_BLOCK", 4 * row)
    x = RNG.standard_normal(x_shape)
    mean, offset, scale = (RNG.standard_normal(param_shape) for _ in range(3))
    variance = RNG.uniform(0.1, 2.0, param_shape)
    params = [tf.constant(p, tf.float32) for p in (mean, variance, offset, scale)]
    got = tf.nn.batch_normalization(tf.constant(x, tf.float32), *params, variance_epsilon=1e-3)
    want = _batch_norm(x, mean, variance, offset, scale)
    assert got.shape == want.shape
    np.testing.assert_allclose(got.numpy(), want, rtol=1e-5, atol=1e-5)


def test_batch_norm_float16_nan_and_broadcast_shapes(threads, monkeypatch):
    monkeypatch.setattr(cpu_nn, "_NORM_ROW", 8)
    monkeypatch.setattr(cpu_nn, "_NORM_BLOCK", 32)
    x = RNG.standard_normal((2, 6, 6, 5))
    mean, offset, scale = (RNG.standard_normal(5) for _ in range(3))
    variance = RNG.uniform(0.1, 2.0, 5)
    half = [tf.constant(p, tf.float16) for p in (mean, variance, offset, scale)]
    got = tf.nn.batch_normalization(tf.constant(x, tf.float16), *half, variance_epsilon=1e-3)
    assert got.dtype == tf.float16
    want = _batch_norm(*(np.asarray(p, np.float16).astype(np.float64) for p in (x, mean, variance, offset, scale)))
    np.testing.assert_allclose(got.numpy().astype(np.float64), want, rtol=1e-2, atol=1e-2)

    # A NaN or infinite input reaches its own output only.
    x[0, 1, 2, 3], x[1, 0, 0, 0] = np.nan, np.inf
    params = [tf.constant(p, tf.float32) for p in (mean, variance, offset, scale)]
    got = tf.nn.batch_normalization(tf.constant(x, tf.float32), *params, variance_epsilon=1e-3).numpy()
    want = _batch_norm(x, mean, variance, offset, scale)
    np.testing.assert_array_equal(np.isnan(got), np.isnan(want))
    np.testing.assert_array_equal(np.isinf(got), np.isinf(want))
    np.testing.assert_allclose(got[np.isfinite(want)], want[np.isfinite(want)], rtol=1e-5, atol=1e-5)

    # Parameters that vary along other axes than the last take the general broadcast.
    rows = RNG.uniform(0.5, 1.5, (6, 1))
    got = tf.nn.batch_normalization(tf.constant(x[1], tf.float32), tf.constant(rows, tf.float32),
                                    tf.constant(rows, tf.float32), 0.5, 2.0, variance_epsilon=1e-3)
    np.testing.assert_allclose(got.numpy(), _batch_norm(x[1], rows, rows, 0.5, 2.0), rtol=1e-5, atol=1e-5)


# --- ReLU6 ---------------------------------------------------------------------------------------
def test_relu6_in_blocks(threads):
    x = RNG.uniform(-3, 9, (6, 5, 4))
    x[2, 1, 1] = np.nan
    got = tf.nn.relu6(tf.constant(x, tf.float32)).numpy()
    np.testing.assert_array_equal(got, np.clip(x.astype(np.float32), 0, 6))
    assert np.isnan(got[2, 1, 1])
    half = tf.nn.relu6(tf.constant(x, tf.float16))
    assert half.dtype == tf.float16
    np.testing.assert_array_equal(half.numpy(), np.clip(x.astype(np.float16), 0, 6))


# --- products ------------------------------------------------------------------------------------
@pytest.mark.parametrize("a_shape,b_shape,transpose_a,transpose_b", [
    ((300, 20), (20, 7), False, False),        # blocks of rows
    ((5, 200, 9), (9, 4), False, False),        # batched a, shared b: rows of every matrix at once
    ((3, 130, 6), (3, 5, 6), False, True),      # batched both, b transposed
    ((6, 500), (500, 3), False, False),         # few rows, long inner dimension: partial products summed
    ((500, 6), (500, 3), True, False),          # the same from a transposed view (a filter gradient)
    ((40, 10), (10, 3), False, False),          # too few rows and terms to split
])
def test_matmul_split_over_threads(threads, a_shape, b_shape, transpose_a, transpose_b):
    a, b = RNG.standard_normal(a_shape), RNG.standard_normal(b_shape)
    got = batch_matmul(a.astype(np.float32), b.astype(np.float32), transpose_a=transpose_a, transpose_b=transpose_b)
    want = np.matmul(np.swapaxes(a, -1, -2) if transpose_a else a, np.swapaxes(b, -1, -2) if transpose_b else b)
    assert got.dtype == np.float32
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-4)


def test_matmul_and_pointwise_conv_through_the_ops(threads):
    a, b = RNG.standard_normal((260, 33)), RNG.standard_normal((33, 17))
    np.testing.assert_allclose(tf.matmul(tf.constant(a, tf.float32), tf.constant(b, tf.float32)).numpy(), a @ b,
                               rtol=1e-5, atol=1e-4)
    x, w = RNG.standard_normal((3, 10, 11, 6)), RNG.standard_normal((1, 1, 6, 5))
    got = tf.nn.conv2d(tf.constant(x, tf.float32), tf.constant(w, tf.float32), 1, "SAME").numpy()
    np.testing.assert_allclose(got, x @ w[0, 0], rtol=1e-5, atol=1e-4)


def test_matmul_leaves_a_threaded_blas_to_itself(cpu, monkeypatch):
    monkeypatch.setattr(cpu_parallel, "_PARALLEL_PRODUCT", 0)
    monkeypatch.setattr(cpu_parallel._pool, "blas_threaded", True)
    monkeypatch.setattr(cpu_parallel._pool, "map", lambda fn, parts: pytest.fail("split beside a threaded BLAS"))
    a, b = RNG.standard_normal((300, 20)).astype(np.float32), RNG.standard_normal((20, 7)).astype(np.float32)
    np.testing.assert_allclose(cpu_parallel.matmul(a, b), a @ b, rtol=1e-6)


# --- BLAS threads --------------------------------------------------------------------------------
@pytest.mark.parametrize("environ,limited", [({}, True), ({"OPENBLAS_NUM_THREADS": "1"}, False),
                                             ({"OMP_NUM_THREADS": "4"}, False)])
def test_the_backend_owns_blas_threads_unless_the_environment_names_them(monkeypatch, environ, limited):
    for name in ("OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "VECLIB_MAXIMUM_THREADS", "OMP_NUM_THREADS"):
        monkeypatch.delenv(name, raising=False)
    for name, value in environ.items():
        monkeypatch.setenv(name, value)
    calls = []
    monkeypatch.setattr(cpu_parallel.threadpoolctl, "threadpool_limits", lambda **kwargs: calls.append(kwargs))
    monkeypatch.setattr(cpu_parallel, "_pool", cpu_parallel._Pool())
    cpu_parallel.own_blas_threads()
    assert calls == ([{"limits": 1, "user_api": "blas"}] if limited else [])
    assert cpu_parallel._pool.blas_threaded is (not limited and environ.get("OMP_NUM_THREADS", "1") != "1")

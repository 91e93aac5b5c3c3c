"""The cpu backend's training paths: convolutions, max pooling, bias adds and ReLU split into blocks on several
threads, max pooling's gradient with tied maxima, sums over leading axes, and the Keras losses a fit() step adds.

Every result is checked against a float64 reference: loops over windows written out again here for the
convolution and pooling kernels, numpy for the elementwise ones.
"""
import numpy as np
import pytest

import engine as tf
from engine.backends.cpu import conv as cpu_conv
from engine.backends.cpu import parallel as cpu_parallel
from tests.engine.test_conv import ref_conv2d_all, ref_pads

RNG = np.random.default_rng(7)
K = tf.keras
L = tf.keras.layers


@pytest.fixture(params=[1, 2, 3, "threaded-blas"], ids=lambda param: param if isinstance(param, str)
                else f"{param}-threads")
def threads(request, cpu, monkeypatch):
    """Any work runs in blocks on 1, 2 or 3 threads beside a one-thread BLAS, or on the calling thread alone
    beside a threaded BLAS."""
    monkeypatch.setattr(cpu_parallel, "_PARALLEL_WORK", 0)
    blas_threaded = request.param == "threaded-blas"
    monkeypatch.setattr(cpu_parallel._pool, "workers", 2 if blas_threaded else request.param)
    monkeypatch.setattr(cpu_parallel._pool, "blas_threaded", blas_threaded)
    return request.param


def _pair(value):
    return (value, value) if isinstance(value, int) else tuple(value)


# --- convolution ---------------------------------------------------------------------------------


CONV_CASES = [
    # x shape without the batch, w shape, strides, padding, dilations: which cpu path each one takes
    ((7, 6, 3), (3, 3, 3, 4), 1, "VALID", 1),                           # few channels: transposed patches
    ((9, 9, 2), (3, 3, 2, 3), 2, "SAME", 1),                            # few channels, strided
    ((8, 9, 3), (3, 2, 3, 2), 1, "SAME", 2),                            # few channels, dilated
    ((7, 7, 6), (3, 3, 6, 4), 1, "SAME", 1),                            # im2col; input gradient by correlation
    ((8, 7, 6), (3, 2, 6, 5), 2, "SAME", 1),                            # im2col; input gradient tap by tap
    ((7, 8, 5), (2, 3, 5, 8), 1, [[0, 0], [1, 2], [0, 1], [0, 0]], (2, 1)),  # explicit pads, dilated rows
]


@pytest.mark.parametrize("batch", [1, 2, 5])
@pytest.mark.parametrize("x_shape,w_shape,strides,padding,dilations", CONV_CASES)
def test_conv2d_and_its_gradients_in_blocks_match_reference(threads, batch, x_shape, w_shape, strides, padding,
                                                           dilations, monkeypatch):
    # A small im2col limit also cuts each thread's block into several im2col blocks.
    monkeypatch.setattr(cpu_conv, "_BLOCK_ELEMENTS", 600)
    x, w = RNG.standard_normal((batch, *x_shape)), RNG.standard_normal(w_shape)
    strides, dilations = _pair(strides), _pair(dilations)
    want_y, _, _ = ref_conv2d_all(x, w, None, strides, padding, dilations)
    dy = RNG.standard_normal(want_y.shape)
    _, want_dx, want_dw = ref_conv2d_all(x, w, dy, strides, padding, dilations)
    xt, wt = tf.constant(x.astype(np.float32)), tf.constant(w.astype(np.float32))
    with tf.GradientTape() as tape:
        tape.watch([xt, wt])
        y = tf.nn.conv2d(xt, wt, strides, padding, dilations=dilations)
    dx, dw = tape.gradient(y, [xt, wt], output_gradients=tf.constant(dy.astype(np.float32)))
    np.testing.assert_allclose(y.numpy(), want_y, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(dx.numpy(), want_dx, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(dw.numpy(), want_dw, rtol=1e-4, atol=1e-5)


def test_blocks_cover_the_output_once_and_are_contiguous(cpu, monkeypatch):
    monkeypatch.setattr(cpu_parallel, "_PARALLEL_WORK", 0)
    monkeypatch.setattr(cpu_parallel._pool, "blas_threaded", False)
    for workers in (1, 2, 3, 8):
        monkeypatch.setattr(cpu_parallel._pool, "workers", workers)
        for n, out_h in ((1, 1), (1, 7), (3, 5), (20, 4), (6, 1)):
            covered = np.zeros((n, out_h), int)
            blocks = cpu_parallel.map_output_blocks(lambda block: block, n, out_h, work=1)
            for samples, rows in blocks:
                covered[samples, rows] += 1
                # Whole samples, or rows of a single sample: a C-contiguous piece of an [n, out_h, ...] array.
                assert rows == slice(0, out_h) or samples.stop - samples.start == 1
            np.testing.assert_array_equal(covered, 1)


@pytest.mark.parametrize("environ,requested", [
    ({}, None), ({"OPENBLAS_NUM_THREADS": "1"}, "1"), ({"OMP_NUM_THREADS": "1"}, "1"),
    ({"OPENBLAS_NUM_THREADS": "4", "OMP_NUM_THREADS": "1"}, "4"), ({"MKL_NUM_THREADS": " 1 "}, "1"),
    ({"OMP_NUM_THREADS": "2"}, "2"), ({"OPENBLAS_NUM_THREADS": ""}, None)])
def test_blas_threads_are_read_from_the_environment(environ, requested):
    assert cpu_parallel._blas_threads_requested(environ) == requested


def test_blocks_stay_on_the_calling_thread_beside_a_threaded_blas(cpu, monkeypatch):
    monkeypatch.setattr(cpu_parallel, "_PARALLEL_WORK", 0)
    monkeypatch.setattr(cpu_parallel._pool, "workers", 4)
    monkeypatch.setattr(cpu_parallel._pool, "blas_threaded", True)
    assert cpu_parallel.map_output_blocks(lambda block: block, 8, 5, work=1) == [(slice(0, 8), slice(0, 5))]


def test_pool_map_keeps_order_and_raises_a_parts_error(cpu, monkeypatch):
    monkeypatch.setattr(cpu_parallel._pool, "workers", 2)
    assert cpu_parallel._pool.map(lambda part: part * part, list(range(9))) == [part * part for part in range(9)]

    def fail_on_five(part):
        if part == 5:
            raise ValueError("part five")
        return part

    with pytest.raises(ValueError, match="part five"):
        cpu_parallel._pool.map(fail_on_five, list(range(9)))


# --- max pooling with ties ---------------------------------------------------------------------
def ref_max_pool_all(x, dy, ksize, strides, padding):
    """float64 (max pool, its gradient): each window's gradient goes to its first maximum in row-major order."""
    (kh, kw), (sh, sw) = ksize, strides
    pads = ref_pads(padding, x.shape[1:3], ksize, strides, (1, 1))
    xp = np.pad(x, [(0, 0), pads[0], pads[1], (0, 0)], constant_values=-np.inf)
    oh, ow = (xp.shape[1] - kh) // sh + 1, (xp.shape[2] - kw) // sw + 1
    y = np.zeros((x.shape[0], oh, ow, x.shape[3]))
    dxp = np.zeros_like(xp)
    for n in range(x.shape[0]):
        for a in range(oh):
            for b in range(ow):
                for c in range(x.shape[3]):
                    window = xp[n, a * sh:a * sh + kh, b * sw:b * sw + kw, c]
                    first = np.argmax(window)  # the first maximum in row-major order
                    y[n, a, b, c] = window.flat[first]
                    if dy is not None:
                        dxp[n, a * sh + first // kw, b * sw + first % kw, c] += dy[n, a, b, c]
    return y, dxp[:, pads[0][0]:pads[0][0] + x.shape[1], pads[1][0]:pads[1][0] + x.shape[2]]


POOL_CASES = [
    # x shape without the batch, ksize, strides, padding
    ((6, 8, 3), 2, 2, "VALID"),                                # windows tile the input
    ((7, 5, 2), 2, 2, "VALID"),                                # the last row and column are in no window
    ((7, 5, 2), 2, 2, "SAME"),                                 # padded to tile
    ((7, 6, 2), 3, 2, "SAME"),                                 # overlapping windows
    ((5, 5, 1), 3, 1, "SAME"),                                 # stride 1
    ((7, 7, 2), 1, 2, "VALID"),                                # windows smaller than the stride
    ((6, 7, 2), (2, 3), (3, 2), [[0, 0], [1, 0], [0, 2], [0, 0]]),  # explicit pads, uneven window
]


@pytest.mark.parametrize("batch", [1, 3])
@pytest.mark.parametrize("x_shape,ksize,strides,padding", POOL_CASES)
def test_max_pool_gradient_goes_to_the_first_of_tied_maxima(threads, batch, x_shape, ksize, strides, padding):
    # Few distinct values, and zeros as after a ReLU: most windows hold tied maxima.
    x = np.maximum(RNG.integers(-2, 3, (batch, *x_shape)), 0).astype(np.float64)
    ksize, strides = _pair(ksize), _pair(strides)
    want_y, _ = ref_max_pool_all(x, None, ksize, strides, padding)
    dy = RNG.standard_normal(want_y.shape)
    _, want_dx = ref_max_pool_all(x, dy, ksize, strides, padding)
    xt = tf.constant(x.astype(np.float32))
    with tf.GradientTape() as tape:
        tape.watch(xt)
        y = tf.nn.max_pool2d(xt, ksize, strides, padding)
    dx = tape.gradient(y, xt, output_gradients=tf.constant(dy.astype(np.float32)))
    np.testing.assert_array_equal(y.numpy(), want_y)
    np.testing.assert_allclose(dx.numpy(), want_dx, rtol=1e-6, atol=1e-6)


# --- elementwise kernels on activations -----------------------------------------------------------
@pytest.mark.parametrize("b_shape", [(4,), (1, 1, 4), (5, 3, 4), (1, 3, 1), ()])
def test_add_in_row_blocks_broadcasts_like_numpy(threads, b_shape):
    a, b = RNG.standard_normal((5, 3, 4)), RNG.standard_normal(b_shape)
    got = tf.add(tf.constant(a.astype(np.float32)), tf.constant(b.astype(np.float32)))
    np.testing.assert_allclose(got.numpy(), a + b, rtol=1e-6, atol=1e-6)
    ints = tf.add(tf.constant(np.arange(60, dtype=np.int32).reshape(5, 3, 4)), tf.constant(np.int32(7)))
    np.testing.assert_array_equal(ints.numpy(), np.arange(60).reshape(5, 3, 4) + 7)


def test_relu_and_its_gradient_in_row_blocks(threads):
    x = RNG.standard_normal((6, 5, 3))
    x[0, 0, 0], x[1, 2, 1] = np.nan, 0.0
    dy = RNG.standard_normal(x.shape)
    xt = tf.constant(x.astype(np.float32))
    with tf.GradientTape() as tape:
        tape.watch(xt)
        y = tf.nn.relu(xt)
    dx = tape.gradient(y, xt, output_gradients=tf.constant(dy.astype(np.float32)))
    np.testing.assert_allclose(y.numpy(), np.where(np.isnan(x), np.nan, np.maximum(x, 0)), rtol=1e-6, equal_nan=True)
    np.testing.assert_allclose(dx.numpy(), dy * (x > 0), rtol=1e-6)


# --- sums over leading axes ---------------------------------------------------------------------
@pytest.mark.parametrize("shape,axes", [
    ((32, 30, 30, 8), [0, 1, 2]),   # a bias gradient: rows folded into long runs
    ((1031, 3), [0]),               # rows that do not divide into the fold: a remainder is added
    ((2, 700, 7), [0, 1]),
    ((5, 3), [0]),                  # too few rows to fold
    ((3, 9000), [0]),               # rows longer than a fold
    ((0, 4), [0]),
])
@pytest.mark.parametrize("keepdims", [False, True])
def test_sum_over_leading_axes_matches_float64(cpu, shape, axes, keepdims):
    x = RNG.standard_normal(shape)
    got = tf.reduce_sum(tf.constant(x.astype(np.float32)), axis=axes, keepdims=keepdims)
    want = np.sum(x.astype(np.float32).astype(np.float64), axis=tuple(axes), keepdims=keepdims)
    assert got.dtype == tf.float32 and tuple(got.shape) == want.shape
    np.testing.assert_allclose(got.numpy(), want, rtol=1e-5, atol=1e-4)


# --- the model's own losses inside fit() ---------------------------------------------------------------
class _AddsMeanSquare(L.Layer):
    def call(self, inputs):
        self.add_loss(0.5 * tf.reduce_mean(tf.square(inputs)))
        return inputs


def _regularized_model():
    model = K.Sequential([K.Input((3,)), _AddsMeanSquare(),
                          L.Dense(4, kernel_regularizer=K.regularizers.L2(0.1), activity_regularizer="l1"),
                          L.Dense(2, activation="softmax", bias_regularizer=K.regularizers.L1(0.2))])
    model.compile(optimizer=K.optimizers.SGD(0.0), loss="sparse_categorical_crossentropy")
    return model


def test_fit_adds_the_losses_of_every_step_as_outside_fit(cpu):
    rng = np.random.default_rng(3)
    x, y = rng.normal(0, 1, (8, 3)).astype(np.float32), rng.integers(0, 2, 8)
    model = _regularized_model()
    # The learning rate is 0, so an epoch's loss is the mean of the unchanged model's losses on its two
    # batches, whose add_loss() values differ: a step must not reuse the previous step's.
    history = model.fit(x, y, batch_size=4, epochs=2, shuffle=False, verbose=0)
    first, second = model.test_on_batch(x[:4], y[:4]), model.test_on_batch(x[4:], y[4:])
    assert abs(first - second) > 1e-3
    np.testing.assert_allclose(history.history["loss"], [(first + second) / 2] * 2, rtol=1e-5)
    assert first > float(K.losses.sparse_categorical_crossentropy(y[:4], model(x[:4])).numpy().mean()) + 0.1


def test_fit_reads_a_subclass_losses_property(cpu):
    class WithConstantLoss(K.Sequential):
        @property
        def losses(self):
            return [tf.constant(5.0)]

    rng = np.random.default_rng(4)
    x, y = rng.normal(0, 1, (6, 3)).astype(np.float32), rng.integers(0, 2, 6)
    model = WithConstantLoss([K.Input((3,)), L.Dense(2, activation="softmax")])
    model.compile(optimizer=K.optimizers.SGD(0.0), loss="sparse_categorical_crossentropy")
    history = model.fit(x, y, batch_size=6, epochs=1, verbose=0)
    plain = float(K.losses.sparse_categorical_crossentropy(y, model(x)).numpy().mean())
    np.testing.assert_allclose(history.history["loss"][0], plain + 5.0, rtol=1e-5)


def test_a_new_fit_sees_layers_changed_between_fits(cpu):
    rng = np.random.default_rng(5)
    x, y = rng.normal(0, 1, (6, 3)).astype(np.float32), rng.integers(0, 2, 6)
    model = K.Sequential([K.Input((3,)), L.Dense(2, activation="softmax")])
    model.compile(optimizer=K.optimizers.SGD(0.0), loss="sparse_categorical_crossentropy")
    before = model.fit(x, y, batch_size=6, epochs=1, verbose=0).history["loss"][0]
    model.layers[0].add_weight(shape=(), initializer="ones", regularizer=K.regularizers.L2(3.0), name="extra")
    after = model.fit(x, y, batch_size=6, epochs=1, verbose=0).history["loss"][0]
    np.testing.assert_allclose(after, before + 3.0, rtol=1e-5)

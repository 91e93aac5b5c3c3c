import numpy as np
import pytest

import engine as tf
from engine.backends.cpu.kernel import KERNELS as CPU_KERNELS
from engine.gradients.registry import has_gradient_entry
from engine.runtime import run_kernel
from tests.engine.opcheck import check_grad, check_op

NN_KERNELS = ["Softmax", "LogSoftmax", "SoftmaxCrossEntropyWithLogits", "SparseSoftmaxCrossEntropyWithLogits",
              "SigmoidCrossEntropyWithLogits", "Dropout"]


def _softmax(x, axis=-1):
    e = np.exp(x - np.max(x, axis=axis, keepdims=True, initial=-np.inf))
    return e / np.sum(e, axis=axis, keepdims=True)


def _log_softmax(x, axis=-1):
    shifted = x - np.max(x, axis=axis, keepdims=True, initial=-np.inf)
    with np.errstate(divide="ignore"):  # log(0) for rows of length 0, whose result is empty anyway
        return shifted - np.log(np.sum(np.exp(shifted), axis=axis, keepdims=True))


def _xent(labels, logits, axis=-1):
    return -np.sum(labels * _log_softmax(logits, axis), axis=axis)


def _sparse_xent(labels, logits):
    return -np.take_along_axis(_log_softmax(logits), labels[..., None].astype(np.intp), axis=-1)[..., 0]


def _sigmoid_xent(labels, logits):
    return np.maximum(logits, 0) - logits * labels + np.log1p(np.exp(-np.abs(logits)))


def _probabilities(rng, shape, axis=-1):
    return _softmax(rng.standard_normal(shape), axis)


def test_every_nn_kernel_has_a_gradient_entry(backend):
    assert [name for name in NN_KERNELS if not has_gradient_entry(name)] == []


# --- softmax and log_softmax ---------------------------------------------------
@pytest.mark.parametrize("shape,axis", [((5,), -1), ((3, 4), -1), ((3, 4), 0), ((2, 3, 4), 1), ((2, 3, 4), -3),
                                        ((1, 1), -1), ((0, 3), -1), ((3, 0), -1)])
@pytest.mark.parametrize("name,ref", [("softmax", _softmax), ("log_softmax", _log_softmax)])
def test_softmax_family_matches_numpy(backend, name, ref, shape, axis):
    x = np.random.default_rng(0).standard_normal(shape) * 3
    fn = getattr(tf.nn, name)
    check_op(lambda t: fn(t, axis=axis), lambda a: ref(a, axis), [x], check_dtype=tf.float32)
    if x.size:
        check_grad(lambda t: fn(t, axis=axis), lambda a: ref(a, axis), [x])


# Row lengths on both sides of the compute path's layouts: one to 128 rows a workgroup, vec4 rows (multiples
# of 4) or not, rows that take more than 32 invocations (halved in shared memory first), the longest one-pass
# row (8192) and one past it; row counts that leave the last workgroup part empty.
@pytest.mark.parametrize("rows,row_size", [(130, 1), (7, 3), (129, 4), (33, 12), (5, 33), (9, 1000), (3, 1003),
                                           (5, 2048), (2, 8191), (2, 8192), (2, 8193)])
@pytest.mark.parametrize("name,ref", [("softmax", _softmax), ("log_softmax", _log_softmax)])
def test_softmax_family_over_long_and_short_rows(backend, name, ref, rows, row_size):
    x = np.random.default_rng(rows * row_size).standard_normal((rows, row_size)) * 4
    x[rows // 2, row_size // 3] = np.nan   # a NaN spreads over its own row alone
    check_op(getattr(tf.nn, name), ref, [x], check_dtype=tf.float32)


@pytest.mark.parametrize("name,ref", [("softmax", _softmax), ("log_softmax", _log_softmax)])
def test_softmax_family_is_stable_for_large_logits(backend, name, ref):
    x = np.array([[1000.0, 0.0, -1000.0], [1000.0, 999.0, 998.0], [-1000.0, -1001.0, -999.0]])
    got = check_op(getattr(tf.nn, name), ref, [x])[0].numpy()
    assert np.all(np.isfinite(got))


def test_softmax_aliases_and_default_axis(backend):
    x = tf.constant([[1.0, 2.0, 3.0]])
    assert tf.math.softmax is tf.nn.softmax and tf.math.log_softmax is tf.nn.log_softmax
    np.testing.assert_allclose(tf.nn.softmax(x).numpy(), _softmax(np.array([[1.0, 2.0, 3.0]])), rtol=1e-6)


def test_softmax_float16_is_computed_accurately(backend):
    x = np.array([[20.0, 10.0, -5.0, 0.5]])
    got = tf.nn.softmax(tf.constant(x.astype(np.float16)))
    assert got.dtype == tf.float16
    np.testing.assert_allclose(got.numpy().astype(np.float64), _softmax(x), atol=1e-3)


def test_softmax_second_derivative(backend):
    x = np.random.default_rng(1).standard_normal((2, 4))
    w = np.random.default_rng(2).standard_normal((2, 4))

    def grad_of_weighted_softmax(t):
        with tf.GradientTape() as tape:
            tape.watch(t)
            loss = tf.reduce_sum(tf.nn.softmax(t) * tf.constant(w.astype(np.float32)))
        return tape.gradient(loss, t)

    def reference(a):
        s = _softmax(a)
        return s * (w - np.sum(w * s, axis=-1, keepdims=True))

    check_grad(grad_of_weighted_softmax, reference, [x])


def test_softmax_rejects_bad_input(backend):
    with pytest.raises(tf.errors.DTypeError, match="softmax.*int32"):
        tf.nn.softmax(tf.constant([1, 2]))
    with pytest.raises(tf.errors.InvalidArgumentError, match="log_softmax.*scalar"):
        tf.nn.log_softmax(tf.constant(1.0))
    with pytest.raises(tf.errors.InvalidArgumentError, match="axis 2 is out of range"):
        tf.nn.softmax(tf.ones([2, 2]), axis=2)


# --- cross-entropies -----------------------------------------------------------
@pytest.mark.parametrize("shape,axis", [((4, 5), -1), ((3,), 0), ((2, 3, 4), 1), ((5, 2), 0), ((0, 3), -1)])
def test_softmax_cross_entropy_matches_numpy(backend, shape, axis):
    rng = np.random.default_rng(3)
    labels, logits = _probabilities(rng, shape, axis), rng.standard_normal(shape) * 2

    def fn(lab, log):
        return tf.nn.softmax_cross_entropy_with_logits(lab, log, axis=axis)

    check_op(fn, lambda lab, log: _xent(lab, log, axis), [labels, logits])
    if logits.size:
        check_grad(fn, lambda lab, log: _xent(lab, log, axis), [labels, logits])


def test_softmax_cross_entropy_large_logits_and_label_casting(backend):
    logits = np.array([[1000.0, 0.0, -1000.0], [-1000.0, 1000.0, 999.0]])
    labels = np.array([[1, 0, 0], [0, 0, 1]])
    got = tf.nn.softmax_cross_entropy_with_logits(tf.constant(labels), tf.constant(logits.astype(np.float32)))
    assert got.dtype == tf.float32
    np.testing.assert_allclose(got.numpy(), _xent(labels, logits), rtol=1e-6)
    check_grad(lambda log: tf.nn.softmax_cross_entropy_with_logits(labels.astype(np.float32), log),
               lambda log: _xent(labels, log), [logits])


@pytest.mark.parametrize("shape", [(4, 5), (5,), (2, 3, 4), (1, 1), (0, 3)])
def test_sparse_softmax_cross_entropy_matches_numpy(backend, shape):
    rng = np.random.default_rng(4)
    logits = rng.standard_normal(shape) * 2
    labels = rng.integers(0, shape[-1], shape[:-1])
    fn = tf.nn.sparse_softmax_cross_entropy_with_logits
    check_op(fn, _sparse_xent, [labels, logits], check_dtype=tf.float32)
    if logits.size:
        check_grad(fn, _sparse_xent, [labels, logits])


def test_sparse_softmax_cross_entropy_large_logits(backend):
    logits = np.array([[1000.0, 0.0, -1000.0], [-1000.0, 1000.0, 999.0]])
    labels = np.array([2, 0])
    got = check_op(tf.nn.sparse_softmax_cross_entropy_with_logits, _sparse_xent, [labels, logits])[0]
    np.testing.assert_allclose(got.numpy(), [2000.0, 2000.0 + np.log1p(np.exp(-1.0))], rtol=1e-6)


@pytest.mark.parametrize("sparse", [False, True])
def test_cross_entropy_second_derivative(backend, sparse):
    rng = np.random.default_rng(5)
    logits = rng.standard_normal((3, 4))
    classes = np.array([1, 3, 0])
    labels = np.eye(4)[classes] * 0.7 + 0.075
    w = rng.standard_normal(3)

    def grad_of_weighted_loss(t):
        with tf.GradientTape() as tape:
            tape.watch(t)
            if sparse:
                loss = tf.nn.sparse_softmax_cross_entropy_with_logits(tf.constant(classes), t)
            else:
                loss = tf.nn.softmax_cross_entropy_with_logits(tf.constant(labels.astype(np.float32)), t)
            loss = tf.reduce_sum(loss * tf.constant(w.astype(np.float32)))
        return tape.gradient(loss, t)

    def reference(a):
        target = np.eye(4)[classes] if sparse else labels
        return w[:, None] * (_softmax(a) - target)

    check_grad(grad_of_weighted_loss, reference, [logits])


def test_cross_entropy_second_derivative_through_labels(backend):
    rng = np.random.default_rng(6)
    labels, logits = _probabilities(rng, (2, 3)), rng.standard_normal((2, 3))

    def grad_wrt_logits(lab, log):
        with tf.GradientTape() as tape:
            tape.watch(log)
            loss = tf.reduce_sum(tf.nn.softmax_cross_entropy_with_logits(lab, log))
        return tape.gradient(loss, log)

    check_grad(grad_wrt_logits, lambda lab, log: _softmax(log) - lab, [labels, logits])


# part_words: a smaller SSBO binding, so that the logits take 3-4 of them and the compute path runs its three
# programs instead of one.
@pytest.mark.parametrize("rows,classes,part_words", [(1, 1, None), (65, 3, None), (300, 70, None), (65, 3, 64),
                                                     (300, 70, 8192)])
def test_sparse_cross_entropy_loss_and_backprop_over_many_rows(backend, rows, classes, part_words, monkeypatch):
    if part_words:
        from engine.backends.gl import program as programs
        monkeypatch.setattr(programs, "PART_WORDS", part_words)
    rng = np.random.default_rng(rows + classes)
    logits = rng.standard_normal((rows, classes)) * 3
    labels = rng.integers(0, classes, rows).astype(np.int32)
    got_loss = tf.nn.sparse_softmax_cross_entropy_with_logits(labels, tf.constant(logits.astype(np.float32)))
    np.testing.assert_allclose(got_loss.numpy(), _sparse_xent(labels, logits), rtol=1e-5, atol=1e-6)
    logits_tensor = tf.Variable(logits.astype(np.float32))
    with tf.GradientTape() as tape:
        total = tf.reduce_sum(tf.nn.sparse_softmax_cross_entropy_with_logits(labels, logits_tensor))
    want = _softmax(logits) - np.eye(classes)[labels]
    np.testing.assert_allclose(tape.gradient(total, logits_tensor).numpy(), want, rtol=1e-5, atol=1e-6)


def test_sparse_cross_entropy_bad_labels_raise_on_cpu_and_give_nan_rows_on_gl(backend):
    logits = tf.zeros([3, 3])
    if backend == "cpu":   # as TensorFlow: its CPU kernel raises, its GPU kernel gives NaN rows
        with pytest.raises(tf.errors.InvalidArgumentError, match="label value of 3 .*valid range of \\[0, 3\\)"):
            tf.nn.sparse_softmax_cross_entropy_with_logits(tf.constant([0, 3, 1]), logits)
        with pytest.raises(tf.errors.InvalidArgumentError, match="label value of -1"):
            tf.nn.sparse_softmax_cross_entropy_with_logits(tf.constant([-1, 0, 1]), logits)
    else:
        labels = tf.constant([0, 3, -1])
        with tf.GradientTape() as tape:
            tape.watch(logits)
            loss = tf.nn.sparse_softmax_cross_entropy_with_logits(labels, logits)
        grad = tape.gradient(loss, logits).numpy()
        np.testing.assert_allclose(loss.numpy()[0], np.log(3.0), rtol=1e-6)
        assert np.isnan(loss.numpy()[1:]).all() and np.isnan(grad[1:]).all()
        np.testing.assert_allclose(grad[0], [1 / 3 - 1, 1 / 3, 1 / 3], rtol=1e-6)
    logits = tf.zeros([2, 3])
    with pytest.raises(tf.errors.DTypeError, match="labels must be integer"):
        tf.nn.sparse_softmax_cross_entropy_with_logits(tf.constant([0.0, 1.0]), logits)
    with pytest.raises(tf.errors.IncompatibleShapesError, match=r"\[3\].*\[2, 3\]"):
        tf.nn.sparse_softmax_cross_entropy_with_logits(tf.constant([0, 1, 2]), logits)
    with pytest.raises(tf.errors.InvalidArgumentError, match="scalar"):
        tf.nn.sparse_softmax_cross_entropy_with_logits(tf.constant(0), tf.constant(1.0))


def test_dense_cross_entropy_rejects_bad_input(backend):
    with pytest.raises(tf.errors.IncompatibleShapesError, match=r"\[2, 2\].*\[2, 3\]"):
        tf.nn.softmax_cross_entropy_with_logits(tf.zeros([2, 2]), tf.zeros([2, 3]))
    with pytest.raises(tf.errors.DTypeError, match="logits must be float"):
        tf.nn.softmax_cross_entropy_with_logits(tf.zeros([2, 3]), tf.constant([[1, 2, 3], [4, 5, 6]]))
    with pytest.raises(tf.errors.InvalidArgumentError, match="axis 2 is out of range"):
        tf.nn.softmax_cross_entropy_with_logits(tf.zeros([2, 3]), tf.zeros([2, 3]), axis=2)


@pytest.mark.parametrize("shape", [(), (5,), (2, 3), (0, 2)])
def test_sigmoid_cross_entropy_matches_numpy(backend, shape):
    rng = np.random.default_rng(7)
    labels, logits = rng.uniform(0, 1, shape), rng.standard_normal(shape) * 3
    fn = tf.nn.sigmoid_cross_entropy_with_logits
    check_op(lambda lab, log: fn(labels=lab, logits=log), _sigmoid_xent, [labels, logits])
    if logits.size:
        check_grad(lambda lab, log: fn(labels=lab, logits=log), _sigmoid_xent, [labels, logits])


def test_sigmoid_cross_entropy_is_stable_and_checks_input(backend):
    logits = np.array([1000.0, -1000.0, 0.0, 30.0])
    labels = np.array([0.0, 1.0, 0.5, 1.0])
    got = check_op(lambda lab, log: tf.nn.sigmoid_cross_entropy_with_logits(labels=lab, logits=log),
                   _sigmoid_xent, [labels, logits])[0]
    np.testing.assert_allclose(got.numpy()[:2], [1000.0, 1000.0])
    with pytest.raises(tf.errors.IncompatibleShapesError, match=r"\[3\].*\[2\]"):
        tf.nn.sigmoid_cross_entropy_with_logits(labels=tf.zeros([3]), logits=tf.zeros([2]))
    with pytest.raises(tf.errors.InvalidArgumentError, match="both labels and logits"):
        tf.nn.sigmoid_cross_entropy_with_logits(logits=tf.zeros([2]))


# --- bias_add, batch_normalization, l2_normalize -------------------------------
@pytest.mark.parametrize("shape,data_format,channel_axis", [
    ((4, 3), None, 1), ((2, 3, 3, 5), "NHWC", 3), ((2, 5, 3, 3), "NCHW", 1), ((2, 4, 3), "NWC", 2),
    ((2, 3, 4), "NCW", 1), ((2, 3, 2, 2, 4), "NDHWC", 4), ((0, 3), None, 1),
])
def test_bias_add_matches_numpy(backend, shape, data_format, channel_axis):
    rng = np.random.default_rng(8)
    value, bias = rng.standard_normal(shape), rng.standard_normal(shape[channel_axis])
    expand = [1] * len(shape)
    expand[channel_axis] = -1

    def reference(v, b):
        return v + b.reshape(expand)

    check_op(lambda v, b: tf.nn.bias_add(v, b, data_format=data_format), reference, [value, bias])
    check_grad(lambda v, b: tf.nn.bias_add(v, b, data_format=data_format), reference, [value, bias])


def test_bias_add_int32_and_errors(backend):
    got = tf.nn.bias_add(tf.constant([[1, 2], [3, 4]]), tf.constant([10, 20]))
    np.testing.assert_array_equal(got.numpy(), [[11, 22], [13, 24]])
    with pytest.raises(tf.errors.IncompatibleShapesError, match=r"bias_add.*\[3\].*\[2, 2\]"):
        tf.nn.bias_add(tf.zeros([2, 2]), tf.zeros([3]))
    with pytest.raises(tf.errors.InvalidArgumentError, match="bias must be 1-D"):
        tf.nn.bias_add(tf.zeros([2, 2]), tf.zeros([1, 2]))
    with pytest.raises(tf.errors.InvalidArgumentError, match="at least 2-D"):
        tf.nn.bias_add(tf.zeros([2]), tf.zeros([2]))
    with pytest.raises(tf.errors.InvalidArgumentError, match="data_format"):
        tf.nn.bias_add(tf.zeros([2, 2]), tf.zeros([2]), data_format="HWCN")
    with pytest.raises(tf.errors.DTypeError, match="bias_add"):
        tf.nn.bias_add(tf.zeros([2, 2]), tf.constant([1, 2]))


def _batch_norm(x, mean, variance, offset, scale, epsilon=1e-3):
    return (x - mean) / np.sqrt(variance + epsilon) * scale + offset


@pytest.mark.parametrize("shape,param_shape", [((4, 3), (3,)), ((2, 3, 3, 2), (2,)), ((2, 3, 2), (3, 1)),
                                               ((5,), ()), ((0, 2), (2,))])
def test_batch_normalization_matches_formula(backend, shape, param_shape):
    rng = np.random.default_rng(9)
    x, mean, offset, scale = (rng.standard_normal(s) for s in (shape, param_shape, param_shape, param_shape))
    variance = rng.uniform(0.5, 2.0, param_shape)

    def fn(*args):
        return tf.nn.batch_normalization(*args, variance_epsilon=1e-3)

    check_op(fn, _batch_norm, [x, mean, variance, offset, scale])
    check_grad(fn, _batch_norm, [x, mean, variance, offset, scale])


def test_batch_normalization_without_offset_or_scale(backend):
    rng = np.random.default_rng(10)
    x, mean, variance = rng.standard_normal((3, 2)), rng.standard_normal(2), rng.uniform(0.5, 2, 2)
    check_op(lambda a, m, v: tf.nn.batch_normalization(a, m, v, None, None, 1e-5),
             lambda a, m, v: (a - m) / np.sqrt(v + 1e-5), [x, mean, variance])
    got = tf.nn.batch_normalization(tf.constant(x.astype(np.float32)), mean, variance, 0.5, 2.0, 1e-5)
    np.testing.assert_allclose(got.numpy(), _batch_norm(x, mean, variance, 0.5, 2.0, 1e-5), rtol=1e-5, atol=1e-6)


def test_batch_normalization_rejects_bad_input(backend):
    with pytest.raises(tf.errors.IncompatibleShapesError, match=r"batch_normalization.*\[3\].*\[2, 2\]"):
        tf.nn.batch_normalization(tf.zeros([2, 2]), tf.zeros([3]), tf.ones([2]), None, None, 1e-3)
    with pytest.raises(tf.errors.DTypeError, match="batch_normalization: x"):
        tf.nn.batch_normalization(tf.constant([1, 2]), 0.0, 1.0, None, None, 1e-3)
    with pytest.raises(tf.errors.DTypeError, match="variance has dtype int32"):
        tf.nn.batch_normalization(tf.zeros([2]), 0.0, tf.constant([1, 1]), None, None, 1e-3)


def _l2_normalize(x, axis=None, epsilon=1e-12):
    axis = tuple(axis) if isinstance(axis, list) else axis
    return x / np.sqrt(np.maximum(np.sum(x * x, axis=axis, keepdims=True), epsilon))


@pytest.mark.parametrize("shape,axis", [((5,), None), ((3, 4), 1), ((3, 4), -2), ((2, 3, 4), [0, 2]),
                                        ((2, 3), None), ((0, 3), 1)])
def test_l2_normalize_matches_numpy(backend, shape, axis):
    x = np.random.default_rng(11).standard_normal(shape)
    check_op(lambda t: tf.math.l2_normalize(t, axis=axis), lambda a: _l2_normalize(a, axis), [x])
    if x.size:
        check_grad(lambda t: tf.nn.l2_normalize(t, axis=axis), lambda a: _l2_normalize(a, axis), [x])


def test_l2_normalize_aliases_zero_vector_and_epsilon(backend):
    assert tf.nn.l2_normalize is tf.math.l2_normalize is tf.linalg.l2_normalize
    np.testing.assert_array_equal(tf.nn.l2_normalize(tf.zeros([3])).numpy(), [0.0, 0.0, 0.0])
    got = tf.nn.l2_normalize(tf.constant([0.3, 0.4]), epsilon=1.0)
    np.testing.assert_allclose(got.numpy(), [0.3, 0.4], rtol=1e-6)
    np.testing.assert_allclose(tf.nn.l2_normalize(tf.constant([[3.0], [4.0]]), dim=0).numpy(), [[0.6], [0.8]],
                               rtol=1e-6)
    with pytest.raises(tf.errors.DTypeError, match="l2_normalize"):
        tf.nn.l2_normalize(tf.constant([1, 2]))


# --- dropout -----------------------------------------------------------------
@pytest.fixture
def fresh_seeds():
    tf.random.set_seed(None)
    yield
    tf.random.set_seed(None)


@pytest.mark.parametrize("rate", [0.1, 0.5, 0.8])
def test_dropout_drops_a_fraction_close_to_rate_and_scales_the_rest(backend, fresh_seeds, rate):
    n = 40000
    x = np.random.default_rng(12).uniform(1, 2, n)
    got = tf.nn.dropout(tf.constant(x.astype(np.float32)), rate=rate).numpy()
    dropped = np.mean(got == 0)
    assert abs(dropped - rate) < 5 * np.sqrt(rate * (1 - rate) / n)
    kept = got != 0
    np.testing.assert_allclose(got[kept], x[kept] / (1 - rate), rtol=1e-6)


def test_dropout_same_seed_same_mask(backend, fresh_seeds):
    x = tf.ones([20, 30])
    tf.random.set_seed(3)
    first = [tf.nn.dropout(x, 0.5, seed=7).numpy() for _ in range(2)]
    tf.random.set_seed(3)
    again = [tf.nn.dropout(x, 0.5, seed=7).numpy() for _ in range(2)]
    np.testing.assert_array_equal(first, again)
    assert not np.array_equal(first[0], first[1])
    a = tf.nn.experimental.stateless_dropout(x, 0.5, seed=[1, 2])
    b = tf.nn.experimental.stateless_dropout(x, 0.5, seed=[1, 2])
    np.testing.assert_array_equal(a.numpy(), b.numpy())
    assert not np.array_equal(a.numpy(), tf.nn.experimental.stateless_dropout(x, 0.5, seed=[1, 3]).numpy())


def test_dropout_mask_is_the_stateless_uniform_mask(backend):
    x = tf.ones([7, 9])
    mask = tf.random.stateless_uniform([7, 9], seed=[4, 5]).numpy() >= 0.25
    got = tf.nn.experimental.stateless_dropout(x, 0.25, seed=[4, 5]).numpy()
    np.testing.assert_array_equal(got != 0, mask)
    # TensorFlow 2.21's stateless_dropout drops exactly these elements of a 4x6 tensor for this seed.
    dropped = tf.nn.experimental.stateless_dropout(tf.ones([4, 6]), 0.3, seed=[7, 9]).numpy() == 0
    assert sorted(zip(*np.nonzero(dropped))) == [(1, 0), (2, 4), (3, 1), (3, 3)]


def test_dropout_gradient_is_the_mask_times_scale(backend, fresh_seeds):
    x = tf.constant(np.random.default_rng(13).uniform(1, 2, (6, 8)).astype(np.float32))
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.nn.dropout(x, rate=0.4, seed=1)
    grad = tape.gradient(y, x).numpy()
    expected = np.where(y.numpy() != 0, np.float32(1 / 0.6), 0)
    np.testing.assert_allclose(grad, expected, rtol=1e-6)
    check_grad(lambda t: tf.nn.experimental.stateless_dropout(t, 0.4, seed=[3, 1]),
               lambda a: a * (tf.nn.experimental.stateless_dropout(tf.ones([6, 8]), 0.4, seed=[3, 1]).numpy()),
               [x.numpy().astype(np.float64)])


def test_dropout_noise_shape_shares_the_mask(backend, fresh_seeds):
    x = tf.ones([8, 5, 3])
    got = tf.nn.dropout(x, 0.5, noise_shape=[8, 1, 3]).numpy()
    assert np.all(got == got[:, :1, :])
    got = tf.nn.dropout(x, 0.5, noise_shape=[None, 5, 1]).numpy()
    assert np.all(got == got[:, :, :1])
    got = tf.nn.dropout(x, 0.5, noise_shape=[5, 1]).numpy()
    assert np.all(got == got[:1, :, :1])


def test_dropout_rate_zero_returns_x(backend):
    x = tf.constant([1.0, 2.0])
    assert tf.nn.dropout(x, 0.0) is x
    assert tf.nn.experimental.stateless_dropout(x, 0, seed=[1, 1]) is x


def test_dropout_float16(backend):
    got = tf.nn.experimental.stateless_dropout(tf.ones([100], tf.float16), 0.5, seed=[1, 2])
    assert got.dtype == tf.float16
    assert set(np.unique(got.numpy())) <= {0.0, 2.0}


def test_dropout_mask_and_values_are_the_cpu_kernels_bit_for_bit(backend):
    x = np.random.default_rng(14).uniform(-2, 2, (8, 5, 3))
    for dtype in (np.float32, np.float16):
        for noise_shape in ((8, 5, 3), (8, 1, 3)):
            attrs = {"rate": 0.3, "noise_shape": noise_shape, "seed0": 7, "seed1": 2**63 + 3}
            got = run_kernel("Dropout", [tf.constant(x.astype(dtype))], attrs).numpy()
            np.testing.assert_array_equal(got, CPU_KERNELS["Dropout"](x.astype(dtype), **attrs))


def test_dropout_rejects_bad_arguments(backend):
    x = tf.ones([4, 3])
    for rate in (1.0, -0.1, 1.5, "0.5", True):
        with pytest.raises(tf.errors.InvalidArgumentError, match=r"rate must be a float in the range \[0, 1\)"):
            tf.nn.dropout(x, rate)
    with pytest.raises(tf.errors.DTypeError, match="dropout: x must be float"):
        tf.nn.dropout(tf.constant([1, 2]), 0.5)
    with pytest.raises(tf.errors.IncompatibleShapesError, match=r"noise_shape \[4, 2\]"):
        tf.nn.dropout(x, 0.5, noise_shape=[4, 2])
    with pytest.raises(tf.errors.InvalidArgumentError, match="higher rank"):
        tf.nn.dropout(x, 0.5, noise_shape=[1, 4, 3])
    with pytest.raises(tf.errors.InvalidArgumentError, match="seed must have shape"):
        tf.nn.experimental.stateless_dropout(x, 0.5, seed=[1, 2, 3])

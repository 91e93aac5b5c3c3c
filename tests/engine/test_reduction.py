import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

import engine as tf
from tests.engine.opcheck import check_grad, check_op


def _logsumexp(x, axis=None, keepdims=False):
    peak = np.max(x, axis=axis, keepdims=True)
    result = np.log(np.sum(np.exp(x - peak), axis=axis, keepdims=True)) + peak
    return result if keepdims else np.squeeze(result, axis=axis)


REDUCTIONS = [
    ("reduce_sum", np.sum),
    ("reduce_mean", np.mean),
    ("reduce_max", np.max),
    ("reduce_min", np.min),
    ("reduce_prod", np.prod),
    ("reduce_logsumexp", _logsumexp),
]
AXES = [None, 0, -1, 1, [0, 2], [-3, -1], [], (2, 0, 1)]


def _numpy_axis(axis):
    return tuple(axis) if isinstance(axis, list) else axis


@pytest.mark.parametrize("keepdims", [False, True])
@pytest.mark.parametrize("axis", AXES)
@pytest.mark.parametrize("name,ref", REDUCTIONS)
def test_reductions_match_numpy(backend, name, ref, axis, keepdims):
    x = np.random.default_rng(0).standard_normal((2, 3, 4))
    op = getattr(tf, name)
    engine_fn = lambda t: op(t, axis=axis, keepdims=keepdims)  # noqa: E731
    reference = lambda a: ref(a, axis=_numpy_axis(axis), keepdims=keepdims)  # noqa: E731
    check_op(engine_fn, reference, [x], check_dtype=tf.float32)
    check_grad(engine_fn, reference, [x])


@pytest.mark.parametrize("name,ref", REDUCTIONS)
def test_reductions_are_exported_under_math(backend, name, ref):
    assert getattr(tf.math, name) is getattr(tf, name)


@pytest.mark.parametrize("shape,axis", [((), None), ((), []), ((1,), 0), ((3, 1), 1), ((1, 1), None)])
@pytest.mark.parametrize("name,ref", REDUCTIONS)
def test_reductions_of_scalars_and_size_one_axes(backend, name, ref, shape, axis):
    x = np.random.default_rng(1).standard_normal(shape)
    engine_fn = lambda t: getattr(tf, name)(t, axis=axis)  # noqa: E731
    reference = lambda a: ref(a, axis=_numpy_axis(axis))  # noqa: E731
    check_op(engine_fn, reference, [x])
    check_grad(engine_fn, reference, [x])


@pytest.mark.parametrize("name,identity", [
    ("reduce_sum", 0.0), ("reduce_prod", 1.0), ("reduce_max", -np.inf), ("reduce_min", np.inf),
    ("reduce_mean", np.nan), ("reduce_logsumexp", -np.inf),
])
def test_reducing_an_empty_axis_gives_the_identity(backend, name, identity):
    x = tf.zeros([0, 3])
    np.testing.assert_array_equal(getattr(tf, name)(x, axis=0).numpy(), np.full(3, identity, np.float32))
    assert getattr(tf, name)(x, axis=1).shape == (0,)
    assert getattr(tf, name)(x, axis=1, keepdims=True).shape == (0, 1)
    assert getattr(tf, name)(x).shape == ()


def test_empty_int32_reductions(backend):
    x = tf.zeros([0, 2], dtype=tf.int32)
    np.testing.assert_array_equal(tf.reduce_max(x, 0).numpy(), [np.iinfo(np.int32).min] * 2)
    np.testing.assert_array_equal(tf.reduce_min(x, 0).numpy(), [np.iinfo(np.int32).max] * 2)
    np.testing.assert_array_equal(tf.reduce_sum(x, 0).numpy(), [0, 0])
    np.testing.assert_array_equal(tf.reduce_prod(x, 0).numpy(), [1, 1])


def test_gradients_of_empty_reductions(backend):
    x = tf.zeros([0, 3])
    for op in (tf.reduce_sum, tf.reduce_mean, tf.reduce_prod):
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = op(x, axis=0)
        assert tape.gradient(y, x).shape == (0, 3)


def test_int32_reductions(backend):
    x = np.array([[-7, 2, 4], [3, 3, -1]], np.int32)
    for name, ref in [("reduce_sum", np.sum), ("reduce_max", np.max), ("reduce_min", np.min), ("reduce_prod", np.prod)]:
        check_op(lambda t: getattr(tf, name)(t, axis=1), lambda a: ref(a, axis=1).astype(np.int32), [x],
                 check_dtype=tf.int32)


def test_int32_mean_truncates_toward_zero_like_tf(backend):
    x = tf.constant([[-7, 2], [7, -2], [5, 0]])
    result = tf.reduce_mean(x, axis=1)
    assert result.dtype == tf.int32
    np.testing.assert_array_equal(result.numpy(), [-2, 2, 2])
    assert int(tf.reduce_mean(tf.constant([1, 2]))) == 1


def test_complex_sum_mean_and_prod(backend):
    rng = np.random.default_rng(2)
    x = rng.standard_normal((2, 3)) + 1j * rng.standard_normal((2, 3))
    for name, ref in [("reduce_sum", np.sum), ("reduce_mean", np.mean), ("reduce_prod", np.prod)]:
        check_op(lambda t: getattr(tf, name)(t, axis=-1), lambda a: ref(a, axis=-1), [x], check_dtype=tf.complex64)


def test_float16_reductions_keep_their_dtype(backend):
    x = tf.constant(np.linspace(-2, 2, 12, dtype=np.float16).reshape(3, 4))
    for op in (tf.reduce_sum, tf.reduce_mean, tf.reduce_max, tf.reduce_logsumexp):
        assert op(x, axis=1).dtype == tf.float16
    np.testing.assert_allclose(tf.reduce_mean(x).numpy(), 0.0, atol=1e-3)


def test_max_and_min_gradients_split_evenly_between_ties(backend):
    x = tf.constant([[1.0, 3.0, 3.0], [2.0, 2.0, 2.0]])
    for op, expected in [(tf.reduce_max, [[0, 0.5, 0.5], [1 / 3] * 3]), (tf.reduce_min, [[1, 0, 0], [1 / 3] * 3])]:
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = op(x, axis=1)
        np.testing.assert_allclose(tape.gradient(y, x).numpy(), expected, rtol=1e-6)


@pytest.mark.parametrize("axis", [None, 0, 1, [0, 1], [-1, 0]])
def test_prod_gradient_with_zeros(backend, axis):
    x = np.array([[0.0, 2.0, 3.0], [1.5, 0.0, 0.0], [0.5, -1.0, 2.0]])
    engine_fn = lambda t: tf.reduce_prod(t, axis=axis)  # noqa: E731
    reference = lambda a: np.prod(a, axis=_numpy_axis(axis))  # noqa: E731
    check_op(engine_fn, reference, [x])
    check_grad(engine_fn, reference, [x])


def test_prod_gradient_over_three_axes(backend):
    x = np.random.default_rng(3).uniform(0.5, 1.5, (2, 3, 2, 2))
    x[1, 2, 0, 1] = 0.0
    engine_fn = lambda t: tf.reduce_prod(t, axis=[0, 1, 3], keepdims=True)  # noqa: E731
    reference = lambda a: np.prod(a, axis=(0, 1, 3), keepdims=True)  # noqa: E731
    check_grad(engine_fn, reference, [x])


def test_logsumexp_is_stable(backend):
    x = tf.constant([[1000.0, 1000.0], [-1000.0, -1000.0], [-np.inf, 0.0], [-np.inf, -np.inf]])
    np.testing.assert_allclose(tf.reduce_logsumexp(x, axis=1).numpy(),
                               [1000 + np.log(2), -1000 + np.log(2), 0.0, -np.inf], rtol=1e-6)
    assert np.isposinf(tf.reduce_logsumexp(tf.constant([np.inf, 1.0])).numpy())
    finite_rows = tf.constant([[1000.0, 1000.0], [-1000.0, -1000.0], [-np.inf, 0.0]])
    with tf.GradientTape() as tape:
        tape.watch(finite_rows)
        y = tf.reduce_logsumexp(finite_rows, axis=1)
    np.testing.assert_allclose(tape.gradient(y, finite_rows).numpy(), [[0.5, 0.5], [0.5, 0.5], [0.0, 1.0]],
                               rtol=1e-4)


def test_any_and_all(backend):
    x = np.array([[True, False, True], [False, False, False]])
    for name, ref in [("reduce_any", np.any), ("reduce_all", np.all)]:
        for axis in (None, 0, -1, []):
            check_op(lambda t: getattr(tf, name)(t, axis=axis, keepdims=True),
                     lambda a: ref(a, axis=_numpy_axis(axis), keepdims=True), [x], check_dtype=tf.bool)
    assert bool(tf.reduce_all(tf.zeros([0], tf.bool))) and not bool(tf.reduce_any(tf.zeros([0], tf.bool)))


def test_reduction_errors(backend):
    x = tf.constant([[1.0, 2.0]])
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"reduce_sum: axis 2 is out of range.*rank 2"):
        tf.reduce_sum(x, axis=2)
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"reduce_max: axis -3"):
        tf.reduce_max(x, axis=[0, -3])
    with pytest.raises(tf.errors.InvalidArgumentError, match="rank 0"):
        tf.reduce_mean(tf.constant(1.0), axis=0)
    with pytest.raises(tf.errors.InvalidArgumentError, match="integer"):
        tf.reduce_sum(x, axis=1.5)
    with pytest.raises(tf.errors.DTypeError, match="reduce_sum: bool"):
        tf.reduce_sum(tf.constant([True]))
    with pytest.raises(tf.errors.DTypeError, match="reduce_any: float32"):
        tf.reduce_any(x)
    with pytest.raises(tf.errors.DTypeError, match="reduce_max: complex64"):
        tf.reduce_max(tf.constant([1j]))
    with pytest.raises(tf.errors.DTypeError, match="reduce_logsumexp: int32"):
        tf.reduce_logsumexp(tf.constant([1, 2]))


def test_axis_may_be_a_tensor_or_numpy_integer(backend):
    x = tf.constant(np.arange(6.0).reshape(2, 3))
    np.testing.assert_array_equal(tf.reduce_sum(x, axis=tf.constant([1])).numpy(), [3, 12])
    np.testing.assert_array_equal(tf.reduce_sum(x, axis=np.int64(0)).numpy(), [3, 5, 7])


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(shape=st.lists(st.integers(0, 3), min_size=0, max_size=4), data=st.data(), keepdims=st.booleans())
def test_reductions_over_random_axes(backend, shape, data, keepdims):
    rank = len(shape)
    axes = data.draw(st.lists(st.integers(-rank, rank - 1), max_size=rank) if rank else st.just([]))
    x = np.random.default_rng(4).standard_normal(shape)
    distinct = tuple(sorted({a % rank for a in axes}))
    for name, ref in [("reduce_sum", np.sum), ("reduce_max", np.max), ("reduce_prod", np.prod)]:
        expected = ref(x, axis=distinct, keepdims=keepdims, **({"initial": -np.inf} if ref is np.max else {}))
        check_op(lambda t: getattr(tf, name)(t, axis=axes, keepdims=keepdims), lambda a: expected, [x])


# --- arg-reductions ----------------------------------------------------------------------
@pytest.mark.parametrize("name,ref", [("argmax", np.argmax), ("argmin", np.argmin)])
def test_arg_reductions(backend, name, ref):
    x = np.random.default_rng(5).standard_normal((3, 4, 2))
    op = getattr(tf, name)
    check_op(op, lambda a: ref(a, axis=0).astype(np.int32), [x], check_dtype=tf.int32)
    for axis in (0, 1, -1, 2):
        check_op(lambda t: op(t, axis=axis), lambda a: ref(a, axis=axis).astype(np.int32), [x])
    check_op(lambda t: op(t, 1), lambda a: ref(a, axis=1).astype(np.int32), [x.astype(np.int32)])
    assert getattr(tf.math, name) is op
    assert op(tf.constant([[1.0, 2.0]]), axis=-1, output_type="int64").dtype == tf.int32


def test_arg_reductions_take_the_first_of_ties(backend):
    x = tf.constant([1.0, 5.0, 5.0, -2.0, -2.0])
    assert int(tf.argmax(x)) == 1 and int(tf.argmin(x)) == 3
    assert int(tf.argmax(tf.constant([False, True, True]))) == 1


def test_arg_reductions_are_not_differentiable(backend):
    x = tf.constant([1.0, 2.0])
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.cast(tf.argmax(x), tf.float32)
    assert tape.gradient(y, x) is None


def test_arg_reduction_errors(backend):
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"argmax: reduction axis 0 is empty in shape \[0, 2\]"):
        tf.argmax(tf.zeros([0, 2]))
    with pytest.raises(tf.errors.InvalidArgumentError, match="argmin: axis 2 is out of range"):
        tf.argmin(tf.zeros([2, 2]), axis=2)
    with pytest.raises(tf.errors.DTypeError, match="output_type"):
        tf.argmax(tf.zeros([2]), output_type=tf.float32)
    assert tf.argmax(tf.zeros([0, 2]), axis=1).shape == (0,)


# --- scans ---------------------------------------------------------------------------------
def _scan_reference(scan, identity):
    def reference(a, axis, exclusive, reverse):
        if reverse:
            a = np.flip(a, axis)
        result = scan(a, axis=axis)
        if exclusive:
            pad = [(0, 0)] * a.ndim
            pad[axis] = (1, 0)
            result = np.pad(result, pad, constant_values=identity)
            result = np.take(result, np.arange(a.shape[axis]), axis=axis)
        return np.flip(result, axis) if reverse else result
    return reference


@pytest.mark.parametrize("reverse", [False, True])
@pytest.mark.parametrize("exclusive", [False, True])
@pytest.mark.parametrize("axis", [0, 1, -1])
@pytest.mark.parametrize("name,scan,identity", [("cumsum", np.cumsum, 0), ("cumprod", np.cumprod, 1)])
def test_scans_match_numpy(backend, name, scan, identity, axis, exclusive, reverse):
    x = np.random.default_rng(6).uniform(0.5, 1.5, (3, 4))
    op = getattr(tf.math, name)
    reference = _scan_reference(scan, identity)
    engine_fn = lambda t: op(t, axis=axis, exclusive=exclusive, reverse=reverse)  # noqa: E731
    ref_fn = lambda a: reference(a, axis % 2, exclusive, reverse)  # noqa: E731
    check_op(engine_fn, ref_fn, [x])
    check_grad(engine_fn, ref_fn, [x])
    check_op(engine_fn, lambda a: ref_fn(a).astype(np.int32), [np.arange(12, dtype=np.int32).reshape(3, 4) % 4],
             check_dtype=tf.int32)


def test_cumsum_edge_shapes(backend):
    assert tf.cumsum is tf.math.cumsum
    assert tf.cumsum(tf.zeros([0, 3]), axis=0, exclusive=True).shape == (0, 3)
    np.testing.assert_array_equal(tf.cumsum(tf.constant([2.0]), exclusive=True).numpy(), [0.0])
    with pytest.raises(tf.errors.InvalidArgumentError, match="cumsum: axis 0 is out of range.*rank 0"):
        tf.cumsum(tf.constant(1.0))
    with pytest.raises(tf.errors.DTypeError, match="cumsum: bool"):
        tf.cumsum(tf.constant([True]))


# --- top_k -----------------------------------------------------------------------------------
def _top_k_reference(k):
    def reference(a):
        order = np.argsort(-a, axis=-1, kind="stable")[..., :k]
        return np.take_along_axis(a, order, axis=-1), order.astype(np.int32)
    return reference


@pytest.mark.parametrize("shape,k", [((5,), 1), ((5,), 3), ((2, 3, 4), 2), ((2, 4), 4), ((3, 2), 0)])
def test_top_k_matches_numpy(backend, shape, k):
    x = np.random.default_rng(7).standard_normal(shape)
    result = check_op(lambda t: tf.math.top_k(t, k=k), _top_k_reference(k), [x])
    assert result[1].dtype == tf.int32
    check_grad(lambda t: tf.math.top_k(t, k=k).values, lambda a: _top_k_reference(k)(a)[0], [x])


def test_top_k_breaks_ties_by_lower_index_and_names_its_outputs(backend):
    result = tf.nn.top_k(tf.constant([[3, 1, 3, 7, 1]]), k=4)
    np.testing.assert_array_equal(result.values.numpy(), [[7, 3, 3, 1]])
    np.testing.assert_array_equal(result.indices.numpy(), [[3, 0, 2, 1]])
    values, indices = tf.math.top_k(tf.constant([1.0, 1.0]), k=tf.constant(2))
    np.testing.assert_array_equal(indices.numpy(), [0, 1])


def test_top_k_gradient_scatters_into_the_chosen_indices(backend):
    x = tf.constant([[1.0, 4.0, 2.0, 4.0]])
    with tf.GradientTape() as tape:
        tape.watch(x)
        values = tf.math.top_k(x, k=2).values
        y = tf.reduce_sum(values * tf.constant([[10.0, 1.0]]))
    np.testing.assert_array_equal(tape.gradient(y, x).numpy(), [[0.0, 10.0, 0.0, 1.0]])


def test_top_k_errors(backend):
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"shape \[2, 3\] must have at least k=4"):
        tf.math.top_k(tf.zeros([2, 3]), k=4)
    with pytest.raises(tf.errors.InvalidArgumentError, match="k must be a non-negative integer"):
        tf.math.top_k(tf.zeros([3]), k=-1)
    with pytest.raises(tf.errors.InvalidArgumentError, match="rank >= 1"):
        tf.math.top_k(tf.constant(1.0))


# --- statistics ------------------------------------------------------------------------------
@pytest.mark.parametrize("keepdims", [False, True])
@pytest.mark.parametrize("axis", [None, 0, -1, [0, 2], []])
@pytest.mark.parametrize("name,ref", [("reduce_variance", np.var), ("reduce_std", np.std)])
def test_variance_and_std_match_numpy(backend, name, ref, axis, keepdims):
    x = np.random.default_rng(8).standard_normal((2, 3, 4))
    engine_fn = lambda t: getattr(tf.math, name)(t, axis=axis, keepdims=keepdims)  # noqa: E731
    reference = lambda a: ref(a, axis=_numpy_axis(axis), keepdims=keepdims)  # noqa: E731
    check_op(engine_fn, reference, [x], rtol=1e-5, atol=1e-5)
    if axis != []:  # the std of a single value is 0, where sqrt has no derivative
        check_grad(engine_fn, reference, [x])


def test_variance_of_complex_is_real_and_of_int_is_refused(backend):
    rng = np.random.default_rng(9)
    z = rng.standard_normal((3, 2)) + 1j * rng.standard_normal((3, 2))
    check_op(lambda t: tf.math.reduce_variance(t, axis=0), lambda a: np.var(a, axis=0), [z], check_dtype=tf.float32)
    with pytest.raises(tf.errors.DTypeError, match="reduce_std: takes floating-point or complex tensors, got int32"):
        tf.math.reduce_std(tf.constant([1, 2]))
    assert np.isnan(tf.math.reduce_variance(tf.zeros([0])).numpy())


@pytest.mark.parametrize("keepdims", [False, True])
@pytest.mark.parametrize("axes", [[0], [0, 1], [-1], [2, 0]])
def test_moments(backend, axes, keepdims):
    x = np.random.default_rng(10).standard_normal((3, 2, 4))
    reference = lambda a: (np.mean(a, axis=tuple(axes), keepdims=keepdims),  # noqa: E731
                           np.var(a, axis=tuple(axes), keepdims=keepdims))
    engine_fn = lambda t: tf.nn.moments(t, axes=axes, keepdims=keepdims)  # noqa: E731
    check_op(engine_fn, reference, [x], rtol=1e-5, atol=1e-6)
    check_grad(engine_fn, reference, [x])


def test_count_nonzero(backend):
    x = np.array([[0.0, 1.5, -2.0], [0.0, 0.0, 3.0]])
    check_op(lambda t: tf.math.count_nonzero(t), lambda a: np.int32(np.count_nonzero(a)), [x], check_dtype=tf.int32)
    check_op(lambda t: tf.math.count_nonzero(t, axis=1, keepdims=True),
             lambda a: np.count_nonzero(a, axis=1, keepdims=True).astype(np.int32), [x])
    check_op(lambda t: tf.math.count_nonzero(t, axis=0), lambda a: np.count_nonzero(a, axis=0).astype(np.int32),
             [x != 0])
    check_op(lambda t: tf.math.count_nonzero(t, dtype=tf.float32), lambda a: np.float32(3), [np.array([1, 0, 2, 5, 0])],
             check_dtype=tf.float32)
    assert int(tf.math.count_nonzero(tf.zeros([0, 2]))) == 0


# --- long reductions and scans (the GL backends split them into several passes) -----------------
@pytest.mark.parametrize("axis", [None, [0, 1], [0, 2]])
def test_long_reductions_match_numpy(backend, axis):
    x = np.random.default_rng(11).standard_normal((60, 50, 80))
    for name, ref in [("reduce_sum", np.sum), ("reduce_mean", np.mean), ("reduce_max", np.max),
                      ("reduce_logsumexp", _logsumexp)]:
        check_op(lambda t: getattr(tf, name)(t, axis=axis), lambda a: ref(a, axis=_numpy_axis(axis)), [x],
                 rtol=1e-4, atol=1e-4)
    flags = x > 3.5
    check_op(lambda t: tf.reduce_any(t, axis=axis), lambda a: np.any(a, axis=_numpy_axis(axis)), [flags])
    counts = np.arange(x.size, dtype=np.int32).reshape(x.shape) % 7
    check_op(lambda t: tf.reduce_sum(t, axis=axis), lambda a: np.sum(a, axis=_numpy_axis(axis)).astype(np.int32),
             [counts])


def test_very_long_reductions(backend):
    x = np.random.default_rng(13).standard_normal(600000)
    for name, ref in [("reduce_sum", np.sum), ("reduce_mean", np.mean), ("reduce_min", np.min),
                      ("reduce_logsumexp", _logsumexp)]:
        check_op(getattr(tf, name), ref, [x], rtol=1e-4, atol=1e-3)


def test_long_arg_reductions_take_the_first_extremum_or_nan(backend):
    x = np.zeros((2, 600000), np.float32)
    x[:, [70000, 300, 5000]] = 5.0
    x[:, [90000, 800, 6000]] = -5.0
    np.testing.assert_array_equal(tf.argmax(x, axis=1).numpy(), [300, 300])
    np.testing.assert_array_equal(tf.argmin(x, axis=1).numpy(), [800, 800])
    x[1, [99000, 80000]] = np.nan
    np.testing.assert_array_equal(tf.argmax(x, axis=1).numpy(), [300, 80000])
    np.testing.assert_array_equal(tf.argmin(x, axis=1).numpy(), [800, 80000])
    np.testing.assert_array_equal(tf.argmax(x.T, axis=0).numpy(), [300, 80000])


def test_reductions_with_nan_follow_numpy(backend):
    x = np.array([[1.0, np.nan, 3.0, np.nan], [2.0, -1.0, 2.0, -1.0]], np.float32)
    np.testing.assert_array_equal(tf.argmax(x, axis=1).numpy(), [1, 0])
    np.testing.assert_array_equal(tf.argmin(x, axis=1).numpy(), [1, 1])
    np.testing.assert_array_equal(tf.reduce_max(x, axis=1).numpy(), [np.nan, 2.0])
    np.testing.assert_array_equal(tf.reduce_min(x, axis=1).numpy(), [np.nan, -1.0])
    np.testing.assert_array_equal(tf.reduce_logsumexp(x, axis=1).numpy()[0], np.nan)


@pytest.mark.parametrize("exclusive,reverse", [(False, False), (True, True)])
def test_long_scans_match_numpy(backend, exclusive, reverse):
    x = np.random.default_rng(12).uniform(0.99, 1.01, (2, 1100))
    for name, scan, identity in [("cumsum", np.cumsum, 0), ("cumprod", np.cumprod, 1)]:
        reference = _scan_reference(scan, identity)
        check_op(lambda t: getattr(tf.math, name)(t, axis=1, exclusive=exclusive, reverse=reverse),
                 lambda a: reference(a, 1, exclusive, reverse), [x], rtol=1e-5)
    counts = np.arange(600, dtype=np.int32).reshape(200, 3) % 5 - 2
    check_op(lambda t: tf.cumsum(t, axis=0, exclusive=exclusive, reverse=reverse),
             lambda a: _scan_reference(np.cumsum, 0)(a, 0, exclusive, reverse).astype(np.int32), [counts])


@pytest.mark.parametrize("k", [3, 10])
def test_top_k_orders_ties_and_nan_like_a_stable_sort(backend, k):
    x = np.array([[1.0, np.nan, 3.0, 3.0, -np.inf, np.nan, 0.0, 3.0, 2.0, 1.0],
                  [0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, -0.0, 0.0]], np.float32)
    order = np.argsort(-x, axis=-1, kind="stable")[:, :k]
    values, indices = tf.math.top_k(x, k=k)
    np.testing.assert_array_equal(indices.numpy(), order)
    np.testing.assert_array_equal(values.numpy(), np.take_along_axis(x, order, axis=-1))

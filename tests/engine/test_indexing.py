import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

import engine as tf
from engine.gradients import get_gradient
from engine.ops.indexing import strided_slice_grad
from tests.engine.opcheck import check_grad, check_op


def _rand(*shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape)


# --- __getitem__ ------------------------------------------------------------------
KEYS = [
    0, -1, slice(1, None), slice(None, None, -1), slice(None, None, 2), slice(3, 0, -2), slice(-10, 10),
    (1, 2), (slice(None), 1), (Ellipsis, 0), (None, 0), (Ellipsis, None), (0, Ellipsis, slice(None, None, -1)),
    (slice(None, None, -3), None, slice(1, 3)), (slice(2, 2),), (slice(5, 0),), Ellipsis, (), (-2, slice(None), -1),
    (np.int32(1), slice(np.int64(1), None)),
]


@pytest.mark.parametrize("key", KEYS, ids=repr)
def test_getitem_matches_numpy(backend, key):
    x = _rand(3, 4, 5)
    check_op(lambda t: t[key], lambda a: a[key], [x])
    check_grad(lambda t: t[key], lambda a: a[key], [x])


def _index_items(rank):
    bound = st.one_of(st.none(), st.integers(-6, 6))
    sliced = st.builds(slice, bound, bound, st.sampled_from([None, 1, 2, 3, -1, -2]))
    return st.lists(st.one_of(sliced, st.none(), st.integers(-3, 2)), max_size=rank + 1)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_getitem_agrees_with_numpy_on_random_keys(backend, data):
    shape = tuple(data.draw(st.lists(st.integers(0, 4), max_size=3), label="shape"))
    items = data.draw(_index_items(len(shape)), label="items")
    if data.draw(st.booleans(), label="ellipsis"):
        items.insert(data.draw(st.integers(0, len(items)), label="at"), Ellipsis)
    key = tuple(items)
    a = np.arange(int(np.prod(shape)), dtype=np.float64).reshape(shape)
    try:
        want = a[key]
    except IndexError:
        with pytest.raises(tf.errors.InvalidArgumentError):
            tf.constant(a)[key]
        return
    got = tf.constant(a)[key]
    assert tuple(got.shape) == want.shape
    np.testing.assert_array_equal(got.numpy(), want)


def test_getitem_int32_bool_and_scalar_tensor_keys(backend):
    x = tf.constant(np.arange(12, dtype=np.int32).reshape(3, 4))
    got = x[1, ::-2]
    assert got.dtype == tf.int32
    np.testing.assert_array_equal(got.numpy(), np.arange(12).reshape(3, 4)[1, ::-2])
    np.testing.assert_array_equal(x[tf.constant(2)].numpy(), [8, 9, 10, 11])
    np.testing.assert_array_equal(x[:, tf.constant(1):tf.constant(3)].numpy(), [[1, 2], [5, 6], [9, 10]])
    np.testing.assert_array_equal(tf.constant([True, False])[1:].numpy(), [False])
    assert tf.constant(5.0)[None].shape == (1,)


def test_getitem_rejects_masks_and_index_arrays_with_a_pointer(backend):
    x = tf.zeros([3, 4])
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"bool mask of shape \[3\].*tf.boolean_mask"):
        x[tf.constant([True, False, True])]
    with pytest.raises(TypeError, match=r"bool mask .*tf.boolean_mask"):
        x[np.array([True, False, True])]
    with pytest.raises(TypeError, match=r"integer array of shape \[2\].*tf.gather"):
        x[[0, 2]]
    with pytest.raises(TypeError, match=r"integer array of shape \[2\].*tf.gather"):
        x[:, tf.constant([0, 1])]
    with pytest.raises(TypeError, match="valid indices"):
        x[1.5]
    with pytest.raises(TypeError, match="bool index"):
        x[True]


def test_getitem_bounds_and_malformed_keys(backend):
    x = tf.zeros([3, 4])
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"index 3 is out of bounds for axis 0 of shape \[3, 4\]"):
        x[3]
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"index -5 is out of bounds for axis 1"):
        x[:, -5]
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"too many indices \(3\) .*\[3, 4\]"):
        x[0, 0, 0]
    with pytest.raises(tf.errors.InvalidArgumentError, match="one ellipsis"):
        x[..., 0, ...]
    with pytest.raises(tf.errors.InvalidArgumentError, match="step .* must not be 0"):
        x[::0]


def test_getitem_of_an_empty_tensor(backend):
    x = _rand(0, 3)
    check_op(lambda t: t[:, 1], lambda a: a[:, 1], [x])
    check_op(lambda t: t[::-1, None], lambda a: a[::-1, None], [x])
    check_grad(lambda t: t[1:, 1:], lambda a: a[1:, 1:], [_rand(1, 3)])


# --- strided_slice, slice ------------------------------------------------------------
STRIDED = [
    (dict(begin=[1], end=[3]), np.s_[1:3]),
    (dict(begin=[0, 1], end=[3, 4], strides=[2, 2]), np.s_[0:3:2, 1:4:2]),
    (dict(begin=[-1, 0], end=[0, 0], strides=[-1, 1], end_mask=2), np.s_[-1:0:-1, 0:]),
    (dict(begin=[5, 0], end=[0, 0], strides=[-2, 1], begin_mask=1, end_mask=3), np.s_[::-2, :]),
    (dict(begin=[1, 0, 2], end=[2, 0, 3], shrink_axis_mask=5), np.s_[1, :0, 2]),
    (dict(begin=[0, 0], end=[0, 0], ellipsis_mask=1, shrink_axis_mask=2), np.s_[..., 0]),
    (dict(begin=[0, 0, 1], end=[0, 0, 3], new_axis_mask=1, ellipsis_mask=2), np.s_[None, ..., 1:3]),
    (dict(begin=[1, 0], end=[2, 0], new_axis_mask=2, shrink_axis_mask=1), np.s_[1, None]),
    (dict(begin=[-1, -1], end=[-100, -100], strides=[-1, -1]), np.s_[-1:-100:-1, -1:-100:-1]),
    (dict(begin=[10], end=[20]), np.s_[10:20]),
]


@pytest.mark.parametrize("kwargs,key", STRIDED, ids=lambda v: repr(v))
def test_strided_slice_matches_numpy_indexing(backend, kwargs, key):
    x = _rand(4, 3, 5)
    check_op(lambda t: tf.strided_slice(t, **kwargs), lambda a: a[key], [x])
    check_grad(lambda t: tf.strided_slice(t, **kwargs), lambda a: a[key], [x])


def test_strided_slice_errors(backend):
    x = tf.zeros([3, 4])
    with pytest.raises(tf.errors.InvalidArgumentError, match="same length"):
        tf.strided_slice(x, [0, 0], [1])
    with pytest.raises(tf.errors.InvalidArgumentError, match="more than one bit"):
        tf.strided_slice(x, [0, 0], [1, 1], ellipsis_mask=3)
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"index 7 is out of bounds for axis 1 of shape \[3, 4\]"):
        tf.strided_slice(x, [0, 7], [1, 8], shrink_axis_mask=2)
    with pytest.raises(tf.errors.InvalidArgumentError, match="must not be 0"):
        tf.strided_slice(x, [0], [1], [0])


@pytest.mark.parametrize("begin,size,key", [
    ([0, 1], [2, -1], np.s_[0:2, 1:]), ([1, 0], [0, 4], np.s_[1:1, 0:4]), ([0, 0], [-1, -1], np.s_[:, :]),
    ([2, 3], [1, 1], np.s_[2:3, 3:4]),
])
def test_slice_matches_numpy(backend, begin, size, key):
    x = _rand(3, 4)
    check_op(lambda t: tf.slice(t, begin, size), lambda a: a[key], [x])
    check_grad(lambda t: tf.slice(t, begin, size), lambda a: a[key], [x])


def test_slice_errors_name_the_shape(backend):
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"begin \[2, 0\] and size \[2, 1\] .*\[3, 4\]"):
        tf.slice(tf.zeros([3, 4]), [2, 0], [2, 1])
    with pytest.raises(tf.errors.InvalidArgumentError, match="2 entries"):
        tf.slice(tf.zeros([3, 4]), [0], [1])


@pytest.mark.parametrize("begin,end,strides", [
    ((1, 0), (3, 4), (1, 2)), ((2, 3), (-1, -1), (-1, -2)), ((0, 0), (0, 0), (1, 1)),
])
def test_strided_slice_grad_kernel_is_differentiable(backend, begin, end, strides):
    shape = (3, 4)
    key = tuple(slice(b, e if e >= 0 else None, s) for b, e, s in zip(begin, end, strides))
    dy = _rand(*np.zeros(shape)[key].shape)

    def reference(d):
        out = np.zeros(shape)
        out[key] = d
        return out
    check_op(lambda t: strided_slice_grad(t, shape, begin, end, strides), reference, [dy])
    check_grad(lambda t: strided_slice_grad(t, shape, begin, end, strides), reference, [dy])


def test_getitem_gradient_is_differentiable(backend):
    x = tf.constant(_rand(3, 4).astype(np.float32))

    def gradient_of_slice(w):
        with tf.GradientTape() as tape:
            tape.watch(x)
            loss = tf.reduce_sum(tf.multiply(x[1, ::-2], w))
        return tape.gradient(loss, x)

    def reference(w):
        out = np.zeros((3, 4))
        out[1, ::-2] = w
        return out
    check_op(gradient_of_slice, reference, [_rand(2)])
    check_grad(gradient_of_slice, reference, [_rand(2)])


# --- gather ---------------------------------------------------------------------------
@pytest.mark.parametrize("shape,indices,axis,batch_dims", [
    ((5, 3), [4, 0, 4, 2], 0, 0),
    ((2, 5, 3), [[1, 1], [0, 4]], 1, 0),
    ((2, 5, 3), [0, 2, 2], -1, 0),
    ((4,), 2, 0, 0),
    ((3, 4), np.zeros((0,), np.int32), 1, 0),
    ((2, 4, 3), [[3, 0, 3], [1, 1, 2]], 1, 1),
    ((2, 3, 4, 2), [[0, 3], [2, 2]], 2, 1),
    ((2, 3, 4), [[[1, 0]], [[2, 2]]], 2, -2),
    ((2, 3), [[2, 1], [0, 0]], None, 1),
])
def test_gather_matches_numpy(backend, shape, indices, axis, batch_dims):
    x = _rand(*shape)
    indices = np.asarray(indices, dtype=np.int32)
    b = batch_dims % indices.ndim if batch_dims < 0 else batch_dims
    a = b if axis is None else axis % len(shape)

    def reference(params):
        if b == 0:
            return np.take(params, indices, axis=a)
        batch = np.prod(shape[:b], dtype=int)
        flat_params = params.reshape(batch, *shape[b:])
        flat_indices = indices.reshape(batch, *indices.shape[b:])
        parts = [np.take(p, i, axis=a - b) for p, i in zip(flat_params, flat_indices)]
        return np.stack(parts).reshape(*shape[:b], *parts[0].shape)

    engine_fn = lambda t: tf.gather(t, indices, axis=axis, batch_dims=batch_dims)  # noqa: E731
    check_op(engine_fn, reference, [x])
    check_grad(engine_fn, reference, [x])


def test_gather_int32_params_and_out_of_range_index(backend):
    params = tf.constant([[1, 2], [3, 4], [5, 6]])
    np.testing.assert_array_equal(tf.gather(params, [2, 0]).numpy(), [[5, 6], [1, 2]])
    if backend == "cpu":   # as TensorFlow: its CPU kernel raises, its GPU kernel gathers zeros
        with pytest.raises(tf.errors.InvalidArgumentError, match=r"indices\[1\] = 7 is not in \[0, 3\)"):
            tf.gather(params, [0, 7])
        with pytest.raises(tf.errors.InvalidArgumentError, match=r"indices\[0,1\] = -1 is not in \[0, 2\)"):
            tf.gather(params, [[0, -1]], axis=1)
    else:
        np.testing.assert_array_equal(tf.gather(params, [0, 7]).numpy(), [[1, 2], [0, 0]])
        np.testing.assert_array_equal(tf.gather(params, [[0, -1]], axis=1).numpy(), [[[1, 0]], [[3, 0]], [[5, 0]]])


def test_gather_argument_errors(backend):
    with pytest.raises(tf.errors.DTypeError, match=r"indices must be int32.*float32"):
        tf.gather(tf.zeros([3]), tf.constant([1.0]))
    with pytest.raises(tf.errors.IncompatibleShapesError, match=r"\[2, 3\].*\[3, 1\]"):
        tf.gather(tf.zeros([2, 3]), tf.zeros([3, 1], tf.int32), axis=1, batch_dims=1)
    with pytest.raises(tf.errors.InvalidArgumentError, match="axis 0 is out of range for a tensor of rank 0"):
        tf.gather(tf.constant(1.0), [0])
    with pytest.raises(tf.errors.InvalidArgumentError, match="axis 0 must not be less than batch_dims 1"):
        tf.gather(tf.zeros([2, 3]), tf.zeros([2, 1], tf.int32), axis=0, batch_dims=1)


@pytest.mark.parametrize("shape,indices,batch_dims", [
    ((3, 4), [[0, 1], [2, 3], [0, 1]], 0),
    ((3, 4, 2), [[2], [0], [2]], 0),
    ((3, 4), [[[1, 1]], [[2, 0]]], 0),
    ((2, 3), np.zeros((2, 0), np.int32), 0),
    ((2, 3, 4), [[[1, 2], [1, 2]], [[0, 0], [2, 3]]], 1),
    ((2, 3, 4), [[2], [0]], 1),
])
def test_gather_nd_matches_numpy(backend, shape, indices, batch_dims):
    x = _rand(*shape)
    indices = np.asarray(indices, dtype=np.int32)

    def reference(params):
        if indices.shape[-1] == 0:
            return np.broadcast_to(params, indices.shape[:-1] + params.shape)
        if batch_dims == 0:
            return params[tuple(np.moveaxis(indices, -1, 0))]
        return np.stack([p[tuple(np.moveaxis(i, -1, 0))] for p, i in zip(params, indices)])

    engine_fn = lambda t: tf.gather_nd(t, indices, batch_dims=batch_dims)  # noqa: E731
    check_op(engine_fn, reference, [x])
    check_grad(engine_fn, reference, [x])


def test_gather_nd_errors(backend):
    params = tf.zeros([3, 4])
    with pytest.raises(tf.errors.InvalidArgumentError,
                       match=r"indices\[1\] = \[2, 4\] does not index into shape \[3, 4\]"):
        tf.gather_nd(params, [[0, 0], [2, 4]])
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"index depth 3 .*\[3, 4\]"):
        tf.gather_nd(params, [[0, 0, 0]])


@pytest.mark.parametrize("shape,mask,axis", [
    ((4,), [True, False, True, True], None), ((3, 2), [False, True, True], 0),
    ((2, 3, 2), [[True, False, True]] * 2, 0),
    ((2, 3, 2), [True, False, True], 1), ((3,), [False] * 3, None),
])
def test_boolean_mask_matches_numpy(backend, shape, mask, axis):
    x = _rand(*shape)
    mask = np.asarray(mask)
    key = (slice(None),) * (axis or 0) + (mask,)
    engine_fn = lambda t: tf.boolean_mask(t, mask, axis=axis)  # noqa: E731
    check_op(engine_fn, lambda a: a[key], [x])
    check_grad(engine_fn, lambda a: a[key], [x])


def test_boolean_mask_errors(backend):
    with pytest.raises(tf.errors.IncompatibleShapesError, match=r"mask of shape \[2\] .*\[3, 2\]"):
        tf.boolean_mask(tf.zeros([3, 2]), [True, False])
    with pytest.raises(tf.errors.DTypeError, match="bool"):
        tf.boolean_mask(tf.zeros([3]), [1, 0, 1])


# --- one_hot, where ----------------------------------------------------------------------
@pytest.mark.parametrize("indices,depth,axis", [
    ([0, 2, 1], 3, None), ([[0, 3], [-1, 1]], 4, 0), ([[1, 0]], 2, 1), (1, 3, -1), ([], 2, None),
])
def test_one_hot_matches_numpy(backend, indices, depth, axis):
    indices = np.asarray(indices, dtype=np.int32)
    reference = np.moveaxis((indices[..., None] == np.arange(depth)).astype(np.float64), -1,
                            indices.ndim if axis in (None, -1) else axis)
    check_op(lambda i: tf.one_hot(i, depth, axis=axis), lambda i: reference, [indices], check_dtype=tf.float32)


def test_one_hot_values_and_dtypes(backend):
    got = tf.one_hot([1, 5], 3, on_value=5, off_value=-1)
    assert got.dtype == tf.int32
    np.testing.assert_array_equal(got.numpy(), [[-1, 5, -1], [-1, -1, -1]])
    assert tf.one_hot([0], 2, dtype=tf.bool).dtype == tf.bool
    np.testing.assert_allclose(tf.one_hot([0], 2, on_value=0.5).numpy(), [[0.5, 0.0]])
    with pytest.raises(tf.errors.InvalidArgumentError, match="depth must be non-negative"):
        tf.one_hot([0], -1)
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"axis 3 must be -1 or in \[0, 1\]"):
        tf.one_hot([0], 2, axis=3)
    with pytest.raises(tf.errors.DTypeError, match="indices must be int32"):
        tf.one_hot([0.5], 2)


@pytest.mark.parametrize("shapes", [
    ((2, 3), (2, 3), (2, 3)), ((3,), (2, 3), (1,)), ((2, 1), (3,), ()), ((0, 2), (2,), (2,)),
])
def test_where_select_matches_numpy(backend, shapes):
    condition = np.random.default_rng(3).random(shapes[0]) > 0.5
    x, y = _rand(*shapes[1], seed=1), _rand(*shapes[2], seed=2)
    engine_fn = lambda a, b: tf.where(condition, a, b)  # noqa: E731
    reference = lambda a, b: np.where(condition, a, b)  # noqa: E731
    check_op(engine_fn, reference, [x, y])
    check_grad(engine_fn, reference, [x, y])


@pytest.mark.parametrize("value", [
    [[0.0, 1.5], [-2.0, 0.0]], [True, False, True], [], 3, [[0, 0]], np.zeros((2, 0, 3)),
])
def test_where_coordinates_match_numpy(backend, value):
    got = tf.where(tf.constant(value))
    assert got.dtype == tf.int32
    np.testing.assert_array_equal(got.numpy(), np.argwhere(np.asarray(value)))


def test_where_coordinates_of_a_larger_condition(backend):
    value = np.random.default_rng(4).random((7, 9, 11)) > 0.7  # several passes of GL's prefix count
    np.testing.assert_array_equal(tf.where(tf.constant(value)).numpy(), np.argwhere(value))


def test_where_errors(backend):
    with pytest.raises(tf.errors.InvalidArgumentError, match="both be given"):
        tf.where([True], [1.0])
    with pytest.raises(tf.errors.DTypeError, match="condition must be bool"):
        tf.where([1, 0], [1.0, 2.0], [3.0, 4.0])
    with pytest.raises(tf.errors.IncompatibleShapesError, match=r"\[3\].*\[2\]"):
        tf.where([True, False, True], [1.0, 2.0], [3.0, 4.0])
    with pytest.raises(tf.errors.DTypeError, match="float32.*int32"):
        tf.where([True], tf.constant([1.0]), tf.constant([1]))


# --- scatter and segment sums ------------------------------------------------------------
def _scatter_reference(indices, shape):
    def reference(updates):
        out = np.zeros(shape, updates.dtype)
        np.add.at(out, tuple(np.moveaxis(indices, -1, 0)), updates)
        return out
    return reference


@pytest.mark.parametrize("indices,shape", [
    ([[1], [3], [1]], (5,)), ([[0, 1], [2, 0], [0, 1]], (3, 2)), ([[2], [0]], (3, 2)),
    (np.zeros((0, 1), np.int32), (2,)), ([[[1], [1]]], (2, 3)),
])
def test_scatter_nd_accumulates_duplicates(backend, indices, shape):
    indices = np.asarray(indices, dtype=np.int32)
    updates = _rand(*indices.shape[:-1], *shape[indices.shape[-1]:])
    engine_fn = lambda u: tf.scatter_nd(indices, u, shape)  # noqa: E731
    check_op(engine_fn, _scatter_reference(indices, shape), [updates])
    check_grad(engine_fn, _scatter_reference(indices, shape), [updates])


def test_scatter_nd_errors(backend):
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"indices\[1\] = \[4\] does not index into shape \[4\]"):
        tf.scatter_nd([[0], [4]], [1.0, 2.0], [4])
    with pytest.raises(tf.errors.IncompatibleShapesError, match=r"updates of shape \[3\] .*\[2, 1\] .*\[4\]"):
        tf.scatter_nd([[0], [1]], [1.0, 2.0, 3.0], [4])


def test_tensor_scatter_nd_update_and_add(backend):
    tensor, updates = _rand(4, 2), _rand(2, 2, seed=1)
    indices = np.array([[3], [0]], dtype=np.int32)

    def replaced(t, u):
        out = t.copy()
        out[[3, 0]] = u
        return out

    def added(t, u):
        out = t.copy()
        out[[3, 0]] += u
        return out
    check_op(lambda t, u: tf.tensor_scatter_nd_update(t, indices, u), replaced, [tensor, updates])
    check_grad(lambda t, u: tf.tensor_scatter_nd_update(t, indices, u), replaced, [tensor, updates])
    check_op(lambda t, u: tf.tensor_scatter_nd_add(t, indices, u), added, [tensor, updates])
    check_grad(lambda t, u: tf.tensor_scatter_nd_add(t, indices, u), added, [tensor, updates])
    got = tf.tensor_scatter_nd_update(tf.constant([1, 2, 3]), [[1]], [9])
    np.testing.assert_array_equal(got.numpy(), [1, 9, 3])


@pytest.mark.parametrize("ids,num_segments,shape", [
    ([0, 2, 0, 1], 3, (4, 2)), ([1, -1, 1], 4, (3,)), ([[0, 1], [1, -2]], 2, (2, 2, 3)), ([-1, -1], 0, (2,)),
    ([], 2, (0, 3)),
])
def test_unsorted_segment_sum_matches_numpy(backend, ids, num_segments, shape):
    ids = np.asarray(ids, dtype=np.int32)
    data = _rand(*shape)

    def reference(d):
        out = np.zeros((num_segments, *shape[ids.ndim:]))
        kept = ids >= 0
        np.add.at(out, ids[kept], d[kept])
        return out
    engine_fn = lambda d: tf.math.unsorted_segment_sum(d, ids, num_segments)  # noqa: E731
    check_op(engine_fn, reference, [data])
    check_grad(engine_fn, reference, [data])


def test_unsorted_segment_sum_errors(backend):
    if backend == "cpu":   # as TensorFlow: its CPU kernel raises, its GPU kernel drops the row
        with pytest.raises(tf.errors.InvalidArgumentError, match=r"segment_ids\[1\] = 3 is not in \[0, 3\)"):
            tf.math.unsorted_segment_sum(tf.zeros([2]), [0, 3], 3)
    else:
        np.testing.assert_array_equal(tf.math.unsorted_segment_sum(tf.constant([1.0, 2.0]), [0, 3], 3).numpy(),
                                      [1.0, 0.0, 0.0])
    with pytest.raises(tf.errors.IncompatibleShapesError, match=r"\[3\] .*prefix .*\[2, 2\]"):
        tf.math.unsorted_segment_sum(tf.zeros([2, 2]), [0, 1, 1], 3)


def test_every_indexing_kernel_has_a_gradient_entry(backend):
    for kernel in ["StridedSlice", "StridedSliceGrad", "GatherV2", "GatherNd", "ScatterNd", "TensorScatterUpdate",
                   "UnsortedSegmentSum", "Select"]:
        assert get_gradient(kernel) is not None
    assert get_gradient("OneHot") is None and get_gradient("Where") is None


def test_confusion_matrix_counts_and_weights(backend):
    labels, predictions = np.array([0, 1, 2, 1, 1]), np.array([0, 2, 2, 1, 0])
    expected = np.zeros((4, 4), np.int64)
    np.add.at(expected, (labels, predictions), 1)
    np.testing.assert_array_equal(tf.math.confusion_matrix(labels, predictions, num_classes=4).numpy(), expected)
    np.testing.assert_array_equal(tf.math.confusion_matrix(labels, predictions).numpy(), expected[:3, :3])
    weights = np.array([0.5, 1.0, 2.0, 0.25, 4.0])
    weighted = np.zeros((3, 3))
    np.add.at(weighted, (labels, predictions), weights)
    got = tf.math.confusion_matrix(labels, predictions, weights=weights, dtype=tf.float32)
    assert got.dtype == tf.float32
    np.testing.assert_allclose(got.numpy(), weighted)
    with pytest.raises(tf.errors.IncompatibleShapesError, match=r"\[2\] and predictions \[3\]"):
        tf.math.confusion_matrix([0, 1], [0, 1, 1])

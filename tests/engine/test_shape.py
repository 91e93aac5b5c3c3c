import numpy as np
import pytest

import engine as tf
from engine.ops.shape import mirror_pad_grad
from tests.engine.opcheck import check_grad, check_op


def _rand(*shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape)


# --- reshape, broadcast_to, identity --------------------------------------------
@pytest.mark.parametrize("shape,target", [
    ((2, 3), (3, 2)), ((2, 3), (-1,)), ((2, 3, 4), (4, -1)), ((), (1, 1)), ((1,), ()), ((0, 3), (3, 0)),
    ((0, 3), (-1, 3)),
])
def test_reshape_matches_numpy(backend, shape, target):
    x = _rand(*shape)
    check_op(lambda t: tf.reshape(t, target), lambda a: a.reshape(target), [x])
    check_grad(lambda t: tf.reshape(t, target), lambda a: a.reshape(target), [x])


def test_reshape_takes_a_shape_tensor_and_int32(backend):
    x = tf.constant(np.arange(6, dtype=np.int32))
    got = tf.reshape(x, tf.constant([2, 3]))
    assert got.dtype == tf.int32
    np.testing.assert_array_equal(got.numpy(), np.arange(6).reshape(2, 3))


def test_reshape_errors_name_the_shapes(backend):
    x = tf.zeros([2, 3])
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"\[2, 3\].*\[4, 2\]"):
        tf.reshape(x, [4, 2])
    with pytest.raises(tf.errors.InvalidArgumentError, match="invalid target shape"):
        tf.reshape(x, [-1, -1])
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"\[2, 3\].*\[4, -1\]"):
        tf.reshape(x, [4, -1])


@pytest.mark.parametrize("shape,target", [((3,), (2, 3)), ((2, 1), (2, 4)), ((), (2, 2)), ((1, 3), (0, 3))])
def test_broadcast_to_matches_numpy(backend, shape, target):
    x = _rand(*shape)
    check_op(lambda t: tf.broadcast_to(t, target), lambda a: np.broadcast_to(a, target), [x])
    check_grad(lambda t: tf.broadcast_to(t, target), lambda a: np.broadcast_to(a, target), [x])


def test_broadcast_to_rejects_shrinking(backend):
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"\[2, 3\].*\[3\]"):
        tf.broadcast_to(tf.zeros([2, 3]), [3])
    with pytest.raises(tf.errors.IncompatibleShapesError, match=r"\[3\].*\[4\]"):
        tf.broadcast_to(tf.zeros([3]), [4])


def test_identity(backend):
    x = _rand(2, 3)
    check_op(tf.identity, lambda a: a, [x])
    check_grad(tf.identity, lambda a: a, [x])


# --- shape, size, rank ----------------------------------------------------------
@pytest.mark.parametrize("shape", [(), (0,), (2, 3), (1, 0, 4)])
def test_shape_size_rank_are_int32_tensors(backend, shape):
    x = tf.zeros(shape)
    for got, want in [(tf.shape(x), list(shape)), (tf.size(x), int(np.prod(shape))), (tf.rank(x), len(shape))]:
        assert isinstance(got, tf.Tensor) and got.dtype == tf.int32
        np.testing.assert_array_equal(got.numpy(), want)
    assert tf.shape(x, out_type=np.int64).dtype == tf.int32
    with pytest.raises(tf.errors.DTypeError, match="out_type"):
        tf.shape(x, out_type=tf.float32)


# --- transpose ------------------------------------------------------------------
@pytest.mark.parametrize("shape,perm", [
    ((2, 3), None), ((2, 3, 4), [2, 0, 1]), ((2, 3, 4), [-1, 0, -2]), ((2, 3), [0, 1]), ((), None), ((0, 3), None),
    ((1, 2, 3, 2), [3, 1, 0, 2]),
])
def test_transpose_matches_numpy(backend, shape, perm):
    x = _rand(*shape)
    numpy_perm = None if perm is None else [p % len(shape) for p in perm]
    check_op(lambda t: tf.transpose(t, perm), lambda a: np.transpose(a, numpy_perm), [x])
    check_grad(lambda t: tf.transpose(t, perm), lambda a: np.transpose(a, numpy_perm), [x])


def test_transpose_conjugate(backend):
    x = _rand(2, 3) + 1j * _rand(2, 3, seed=1)
    check_op(lambda t: tf.transpose(t, conjugate=True), lambda a: np.conj(a.T), [x], atol=1e-6)
    check_op(lambda t: tf.transpose(t, conjugate=True), lambda a: a.T, [_rand(2, 3)])


def test_transpose_rejects_a_bad_perm(backend):
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"perm \[0, 0\].*\[2, 3\]"):
        tf.transpose(tf.zeros([2, 3]), [0, 0])
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"perm \[0, 1, 2\]"):
        tf.transpose(tf.zeros([2, 3]), [0, 1, 2])


# --- expand_dims, squeeze -------------------------------------------------------
@pytest.mark.parametrize("shape,axis", [((2, 3), 0), ((2, 3), 2), ((2, 3), -1), ((2, 3), -3), ((), 0), ((0,), 1)])
def test_expand_dims_matches_numpy(backend, shape, axis):
    x = _rand(*shape)
    check_op(lambda t: tf.expand_dims(t, axis), lambda a: np.expand_dims(a, axis), [x])
    check_grad(lambda t: tf.expand_dims(t, axis), lambda a: np.expand_dims(a, axis), [x])


def test_expand_dims_rejects_out_of_range_axis(backend):
    with pytest.raises(tf.errors.InvalidArgumentError, match="axis 3 .* rank 3"):
        tf.expand_dims(tf.zeros([2, 3]), 3)


@pytest.mark.parametrize("shape,axis", [
    ((1, 2, 1, 3), None), ((1, 2, 1, 3), 0), ((1, 2, 1, 3), [-2]), ((1, 2, 1, 3), [0, 2]), ((1,), None), ((2, 3), None),
    ((1, 0), 0),
])
def test_squeeze_matches_numpy(backend, shape, axis):
    x = _rand(*shape)
    numpy_axis = tuple(axis) if isinstance(axis, list) else axis
    check_op(lambda t: tf.squeeze(t, axis), lambda a: np.squeeze(a, numpy_axis), [x])
    check_grad(lambda t: tf.squeeze(t, axis), lambda a: np.squeeze(a, numpy_axis), [x])


def test_squeeze_of_a_dimension_not_one_names_the_shape(backend):
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"axis 1 of shape \[1, 3\].*got 3"):
        tf.squeeze(tf.zeros([1, 3]), axis=1)


# --- concat, stack ---------------------------------------------------------------
@pytest.mark.parametrize("shapes,axis", [
    ([(2, 3), (4, 3)], 0), ([(2, 3), (2, 1), (2, 2)], -1), ([(2, 0), (2, 3)], 1), ([(1, 2, 3)] * 3, 1),
    ([(3,)], 0),
])
def test_concat_matches_numpy(backend, shapes, axis):
    xs = [_rand(*s, seed=i) for i, s in enumerate(shapes)]
    check_op(lambda *ts: tf.concat(list(ts), axis), lambda *a: np.concatenate(a, axis), xs)
    check_grad(lambda *ts: tf.concat(list(ts), axis), lambda *a: np.concatenate(a, axis), xs)


def test_concat_of_more_inputs_than_a_gl_program_takes(backend):
    xs = [_rand(2, k % 3 + 1, seed=k) for k in range(19)]  # GL joins at most 8 inputs per program
    check_op(lambda *ts: tf.concat(list(ts), 1), lambda *a: np.concatenate(a, 1), xs)


def test_concat_int32_and_bool(backend):
    got = tf.concat([tf.constant([[1, 2]]), tf.constant([[3, 4]])], 0)
    assert got.dtype == tf.int32
    np.testing.assert_array_equal(got.numpy(), [[1, 2], [3, 4]])
    np.testing.assert_array_equal(tf.concat([tf.constant([True]), tf.constant([False])], 0).numpy(), [True, False])


def test_concat_errors(backend):
    with pytest.raises(tf.errors.IncompatibleShapesError, match=r"\[\[2, 3\], \[2, 4\]\].*axis 0"):
        tf.concat([tf.zeros([2, 3]), tf.zeros([2, 4])], 0)
    with pytest.raises(tf.errors.DTypeError, match="float32.*int32"):
        tf.concat([tf.zeros([2]), tf.constant([1, 2])], 0)
    with pytest.raises(tf.errors.InvalidArgumentError, match="scalars"):
        tf.concat([tf.constant(1.0), tf.constant(2.0)], 0)
    with pytest.raises(tf.errors.InvalidArgumentError, match="axis 2 .* rank 2"):
        tf.concat([tf.zeros([2, 3])] * 2, 2)


@pytest.mark.parametrize("shape,axis,count", [
    ((2, 3), 0, 3), ((2, 3), -1, 2), ((2, 3), 1, 1), ((), 0, 4), ((0, 2), 1, 2),
])
def test_stack_matches_numpy(backend, shape, axis, count):
    xs = [_rand(*shape, seed=i) for i in range(count)]
    check_op(lambda *ts: tf.stack(list(ts), axis), lambda *a: np.stack(a, axis), xs)
    check_grad(lambda *ts: tf.stack(list(ts), axis), lambda *a: np.stack(a, axis), xs)


def test_stack_of_python_numbers_and_errors(backend):
    np.testing.assert_array_equal(tf.stack([1, 2, 3]).numpy(), [1, 2, 3])
    with pytest.raises(tf.errors.IncompatibleShapesError, match=r"\[\[2\], \[3\]\]"):
        tf.stack([tf.zeros([2]), tf.zeros([3])])
    with pytest.raises(tf.errors.InvalidArgumentError, match="axis 3 .* rank 2"):
        tf.stack([tf.zeros([2])] * 2, axis=3)


# --- split, unstack ---------------------------------------------------------------
@pytest.mark.parametrize("shape,splits,axis,sizes", [
    ((6, 2), 3, 0, [2, 2, 2]), ((2, 5), [1, -1, 2], -1, [1, 2, 2]), ((2, 4), [4], 1, [4]),
    ((3, 4), [0, 3, 1], 1, [0, 3, 1]),
    ((0, 4), 2, 1, [2, 2]),
])
def test_split_matches_numpy(backend, shape, splits, axis, sizes):
    x = _rand(*shape)
    reference = lambda a: np.split(a, np.cumsum(sizes)[:-1], axis)  # noqa: E731
    got = check_op(lambda t: tf.split(t, splits, axis), reference, [x])
    assert len(got) == len(sizes)
    check_grad(lambda t: tf.split(t, splits, axis), reference, [x])


def test_split_grad_with_unused_outputs_gets_zeros(backend):
    x = _rand(3, 4)
    check_grad(lambda t: tf.split(t, [1, 3], axis=1)[1], lambda a: a[:, 1:], [x])
    check_grad(lambda t: tf.unstack(t)[2], lambda a: a[2], [x])


def test_split_errors_name_the_shape(backend):
    x = tf.zeros([2, 5])
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"\[2, 5\].*3 equal parts"):
        tf.split(x, 3, axis=1)
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"\[1, 2\] do not sum to size 5 .*\[2, 5\]"):
        tf.split(x, [1, 2], axis=1)
    with pytest.raises(tf.errors.InvalidArgumentError, match="at most one -1"):
        tf.split(x, [-1, -1], axis=1)
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"\[3, 4, -1\] exceed size 5"):
        tf.split(x, [3, 4, -1], axis=1)


@pytest.mark.parametrize("shape,axis", [((3, 2), 0), ((2, 3, 4), -1), ((2, 1), 1), ((1,), 0)])
def test_unstack_matches_numpy(backend, shape, axis):
    x = _rand(*shape)
    reference = lambda a: [np.take(a, i, axis) for i in range(a.shape[axis])]  # noqa: E731
    got = check_op(lambda t: tf.unstack(t, axis=axis), reference, [x])
    assert isinstance(tf.unstack(tf.constant(x), axis=axis), list) and len(got) == shape[axis]
    check_grad(lambda t: tf.unstack(t, axis=axis), reference, [x])


def test_unstack_edge_cases(backend):
    assert tf.unstack(tf.zeros([0, 3])) == []
    rows = list(tf.constant([[1, 2], [3, 4]]))
    np.testing.assert_array_equal(rows[1].numpy(), [3, 4])
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"num=2 .* size 3 .*\[3, 4\]"):
        tf.unstack(tf.zeros([3, 4]), num=2)
    with pytest.raises(tf.errors.InvalidArgumentError, match="scalar"):
        tf.unstack(tf.constant(1.0))


# --- tile, reverse ------------------------------------------------------------------
@pytest.mark.parametrize("shape,multiples", [((2, 3), (2, 1)), ((2, 3), (1, 3)), ((3,), (4,)), ((1, 2, 2), (2, 2, 3)),
                                             ((2, 3), (0, 2)), ((2, 3), (1, 1))])
def test_tile_matches_numpy(backend, shape, multiples):
    x = _rand(*shape)
    check_op(lambda t: tf.tile(t, multiples), lambda a: np.tile(a, multiples), [x])
    check_grad(lambda t: tf.tile(t, multiples), lambda a: np.tile(a, multiples), [x])


def test_tile_int32_and_errors(backend):
    np.testing.assert_array_equal(tf.tile(tf.constant([1, 2]), [2]).numpy(), [1, 2, 1, 2])
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"multiples \[2\] .*\[2, 3\]"):
        tf.tile(tf.zeros([2, 3]), [2])


@pytest.mark.parametrize("shape,axis", [
    ((2, 3), [0]), ((2, 3), [-1]), ((2, 3, 4), [0, 2]), ((2, 3), []), ((0, 3), [1]),
])
def test_reverse_matches_numpy(backend, shape, axis):
    x = _rand(*shape)
    numpy_axis = tuple(axis)
    check_op(lambda t: tf.reverse(t, axis), lambda a: np.flip(a, numpy_axis), [x])
    check_grad(lambda t: tf.reverse(t, axis), lambda a: np.flip(a, numpy_axis), [x])


def test_reverse_errors(backend):
    with pytest.raises(tf.errors.InvalidArgumentError, match="duplicates"):
        tf.reverse(tf.zeros([2, 3]), [1, -1])
    with pytest.raises(tf.errors.InvalidArgumentError, match="axis 2 .* rank 2"):
        tf.reverse(tf.zeros([2, 3]), [2])


# --- pad ----------------------------------------------------------------------------
@pytest.mark.parametrize("mode", ["CONSTANT", "REFLECT", "SYMMETRIC", "reflect"])
@pytest.mark.parametrize("shape,paddings", [
    ((3, 4), [[1, 2], [2, 0]]), ((4,), [[3, 2]]), ((2, 3, 3), [[0, 1], [1, 1], [2, 2]]), ((3, 2), [[0, 0], [0, 0]]),
])
def test_pad_matches_numpy(backend, mode, shape, paddings):
    x = _rand(*shape)
    if mode.upper() == "REFLECT" and any(max(p) > n - 1 for p, n in zip(paddings, shape)):
        paddings = [[min(b, n - 1), min(a, n - 1)] for (b, a), n in zip(paddings, shape)]
    engine_fn = lambda t: tf.pad(t, paddings, mode)  # noqa: E731
    reference = lambda a: np.pad(a, paddings, mode=mode.lower())  # noqa: E731
    check_op(engine_fn, reference, [x])
    check_grad(engine_fn, reference, [x])


def test_pad_constant_values_and_dtypes(backend):
    x = _rand(2, 2)
    check_op(lambda t: tf.pad(t, [[1, 0], [0, 2]], constant_values=-1.5),
             lambda a: np.pad(a, [[1, 0], [0, 2]], constant_values=-1.5), [x])
    got = tf.pad(tf.constant([1, 2]), [[1, 1]], constant_values=7)
    assert got.dtype == tf.int32
    np.testing.assert_array_equal(got.numpy(), [7, 1, 2, 7])
    np.testing.assert_array_equal(tf.pad(tf.constant([True]), [[0, 1]]).numpy(), [True, False])
    check_op(lambda t: tf.pad(t, [[1, 1], [0, 0]]), lambda a: np.pad(a, [[1, 1], [0, 0]]), [np.zeros((0, 2))])


@pytest.mark.parametrize("mode", ["REFLECT", "SYMMETRIC"])
def test_mirror_pad_of_empty_and_size_one_axes(backend, mode):
    widest = 1 if mode == "SYMMETRIC" else 0
    for shape, paddings in [((0, 3), [[0, 0], [1, 2]]), ((1, 3), [[widest, 0], [1, 1]])]:
        x = _rand(*shape)
        check_op(lambda t: tf.pad(t, paddings, mode), lambda a: np.pad(a, paddings, mode=mode.lower()), [x])
        check_grad(lambda t: tf.pad(t, paddings, mode), lambda a: np.pad(a, paddings, mode=mode.lower()), [x])


def test_pad_errors(backend):
    x = tf.zeros([3, 2])
    with pytest.raises(tf.errors.InvalidArgumentError,
                       match=r"REFLECT paddings \[0, 2\] of axis 1 .* at most 1 .*\[3, 2\]"):
        tf.pad(x, [[0, 0], [0, 2]], "REFLECT")
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"SYMMETRIC paddings \[4, 0\] .* at most 3"):
        tf.pad(x, [[4, 0], [0, 0]], "SYMMETRIC")
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"shape \[2, 2\] .*\[3, 2\]"):
        tf.pad(x, [[1, 1]])
    with pytest.raises(tf.errors.InvalidArgumentError, match="non-negative"):
        tf.pad(x, [[-1, 0], [0, 0]])
    with pytest.raises(tf.errors.InvalidArgumentError, match="mode"):
        tf.pad(x, [[0, 0], [0, 0]], "EDGE")


def _mirror_fold_reference(paddings, mode, shape):
    """The adjoint of numpy's mirror pad: scatter-add each padded element to the element it copies."""
    source = np.pad(np.arange(int(np.prod(shape))).reshape(shape), paddings, mode=mode.lower())

    def fold(dy):
        out = np.zeros(int(np.prod(shape)), dy.dtype)
        np.add.at(out, source.reshape(-1), dy.reshape(-1))
        return out.reshape(shape)
    return fold


@pytest.mark.parametrize("mode", ["REFLECT", "SYMMETRIC"])
def test_mirror_pad_grad_is_the_adjoint_and_differentiable(backend, mode):
    shape, paddings = (3, 4), ((2, 1), (1, 3))
    reference = _mirror_fold_reference(paddings, mode, shape)
    dy = _rand(*np.pad(np.zeros(shape), paddings).shape)
    check_op(lambda t: mirror_pad_grad(t, paddings, mode), reference, [dy])
    check_grad(lambda t: mirror_pad_grad(t, paddings, mode), reference, [dy])

import numpy as np
import pytest

import engine as tf
from tests.engine.opcheck import check_grad, check_op


def _flip(x, flag):
    return np.swapaxes(x, -1, -2) if flag else x


MATMUL_SHAPES = [
    ((3, 4), (4, 2)),
    ((1, 1), (1, 1)),
    ((2, 3, 4), (2, 4, 5)),
    ((2, 1, 3, 4), (5, 4, 2)),
    ((3, 4), (2, 4, 2)),
    ((2, 2, 3), (1, 3, 2)),
    ((0, 3), (3, 2)),
    ((2, 0), (0, 3)),
    ((0, 2, 3), (3, 4)),
]


@pytest.mark.parametrize("shapes", MATMUL_SHAPES)
def test_matmul_broadcasts_batch_dimensions(backend, shapes):
    rng = np.random.default_rng(0)
    a, b = (rng.standard_normal(s) for s in shapes)
    check_op(tf.matmul, np.matmul, [a, b], rtol=1e-5, atol=1e-5, check_dtype=tf.float32)
    check_grad(tf.matmul, np.matmul, [a, b])


@pytest.mark.parametrize("transpose_b", [False, True])
@pytest.mark.parametrize("transpose_a", [False, True])
def test_matmul_transposes(backend, transpose_a, transpose_b):
    rng = np.random.default_rng(1)
    a = rng.standard_normal((2, 3, 4)[:1] + ((4, 3) if transpose_a else (3, 4)))
    b = rng.standard_normal((4, 5) if not transpose_b else (5, 4))
    for flags in ({"transpose_a": transpose_a, "transpose_b": transpose_b},
                  {"adjoint_a": transpose_a, "adjoint_b": transpose_b}):
        engine_fn = lambda x, y: tf.matmul(x, y, **flags)  # noqa: E731
        reference = lambda x, y: np.matmul(_flip(x, transpose_a), _flip(y, transpose_b))  # noqa: E731
        check_op(engine_fn, reference, [a, b], rtol=1e-5, atol=1e-5)
        check_grad(engine_fn, reference, [a, b])


def test_matmul_gradient_of_gradient(backend):
    a = tf.constant([[1.0, 2.0], [3.0, 4.0]])
    b = tf.constant([[0.5, -1.0], [2.0, 1.0]])
    with tf.GradientTape() as outer:
        outer.watch(b)
        with tf.GradientTape() as inner:
            inner.watch(a)
            y = tf.reduce_sum(tf.matmul(a, b) ** 2)
        grad_a = inner.gradient(y, a)
        z = tf.reduce_sum(grad_a)
    # grad_a = 2 (a b) b^T, so z = 2 * sum((a b) b^T); compare with finite differences of that in float64.
    a_np, b_np = a.numpy().astype(np.float64), b.numpy().astype(np.float64)
    z_of = lambda bb: 2 * np.sum((a_np @ bb) @ bb.T)  # noqa: E731
    expected = np.zeros_like(b_np)
    for index in np.ndindex(b_np.shape):
        step = np.zeros_like(b_np)
        step[index] = 1e-6
        expected[index] = (z_of(b_np + step) - z_of(b_np - step)) / 2e-6
    np.testing.assert_allclose(outer.gradient(z, b).numpy(), expected, rtol=1e-4)


def test_complex_matmul_and_adjoint(backend):
    rng = np.random.default_rng(2)
    a = rng.standard_normal((2, 3)) + 1j * rng.standard_normal((2, 3))
    b = rng.standard_normal((2, 4)) + 1j * rng.standard_normal((2, 4))
    check_op(lambda x, y: tf.matmul(x, y, adjoint_a=True), lambda x, y: x.conj().T @ y, [a, b],
             rtol=1e-5, atol=1e-5, check_dtype=tf.complex64)
    check_op(lambda x, y: tf.matmul(x, y, transpose_a=True), lambda x, y: x.T @ y, [a, b], rtol=1e-5, atol=1e-5)
    check_op(lambda x, y: tf.linalg.matmul(y, x, adjoint_a=True, transpose_b=False),
             lambda x, y: y.conj().T @ x, [a, b], rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("transpose_a", [False, True])
def test_complex_matmul_gradient(backend, transpose_a):
    # d sum(C)/dA, with this engine's convention of conjugate gradients, is ones @ op(B)^H.
    rng = np.random.default_rng(3)
    a_np = rng.standard_normal((3, 2)) + 1j * rng.standard_normal((3, 2))
    b_np = rng.standard_normal((3, 4)) + 1j * rng.standard_normal((3, 4))
    a, b = tf.constant(a_np.astype(np.complex64)), tf.constant(b_np.astype(np.complex64))
    with tf.GradientTape() as tape:
        tape.watch([a, b])
        c = tf.matmul(a, b, transpose_a=True)
    grad_a, grad_b = tape.gradient(c, [a, b])
    ones = np.ones((2, 4))
    np.testing.assert_allclose(grad_a.numpy(), (ones @ b_np.conj().T).T, rtol=1e-5)
    np.testing.assert_allclose(grad_b.numpy(), a_np.conj() @ ones, rtol=1e-5)


def test_matmul_int32_float16_and_operator(backend):
    a = np.arange(6, dtype=np.int32).reshape(2, 3)
    b = np.arange(12, dtype=np.int32).reshape(3, 4) - 5
    check_op(tf.matmul, np.matmul, [a, b], check_dtype=tf.int32)
    half = tf.matmul(tf.constant(a.astype(np.float16)), tf.constant(b.astype(np.float16)))
    assert half.dtype == tf.float16
    np.testing.assert_allclose(half.numpy(), a @ b)
    np.testing.assert_allclose((tf.constant([[1.0, 2.0]]) @ tf.constant([[3.0], [4.0]])).numpy(), [[11.0]])
    np.testing.assert_allclose(tf.matmul([[1.0, 2.0]], [[3.0], [4.0]]).numpy(), [[11.0]])


def test_matmul_long_inner_dimension_with_broadcast_batches(backend):
    rng = np.random.default_rng(7)
    a = rng.integers(-5, 5, (2, 1, 3, 10)).astype(np.int32)
    b = rng.integers(-5, 5, (4, 2, 10)).astype(np.int32)
    check_op(lambda x, y: tf.matmul(x, y, transpose_b=True), lambda x, y: x @ _flip(y, True), [a, b],
             check_dtype=tf.int32)
    check_op(lambda x, y: tf.matmul(x, y, transpose_a=True), lambda x, y: _flip(x, True) @ y,
             [np.swapaxes(a, -1, -2), np.swapaxes(b, -1, -2)])
    z = rng.standard_normal((3, 9, 2)) + 1j * rng.standard_normal((3, 9, 2))
    w = rng.standard_normal((9, 5)) + 1j * rng.standard_normal((9, 5))
    check_op(lambda x, y: tf.matmul(x, y, adjoint_a=True), lambda x, y: np.conj(_flip(x, True)) @ y, [z, w],
             rtol=1e-5, atol=1e-5, check_dtype=tf.complex64)
    half = tf.matmul(tf.constant(a.astype(np.float16)), tf.constant(b.astype(np.float16)), transpose_b=True)
    assert half.dtype == tf.float16
    np.testing.assert_array_equal(half.numpy(), (a @ _flip(b, True)).astype(np.float16))


def test_matmul_errors_name_both_shapes(backend):
    with pytest.raises(tf.errors.IncompatibleShapesError,
                       match=r"matmul: inner dimensions differ: a has shape \[2, 3\] \(inner 3\) and b has "
                             r"shape \[4, 5\] \(inner 4\)"):
        tf.matmul(tf.zeros([2, 3]), tf.zeros([4, 5]))
    with pytest.raises(tf.errors.IncompatibleShapesError, match=r"\[3, 2\] transposed \(inner 3\).*\[3, 5\]"):
        tf.matmul(tf.zeros([3, 2]), tf.zeros([3, 5]), transpose_a=True, transpose_b=True)
    with pytest.raises(tf.errors.IncompatibleShapesError,
                       match=r"batch dimensions of shapes \[2, 2, 3\] and \[3, 3, 2\]"):
        tf.matmul(tf.zeros([2, 2, 3]), tf.zeros([3, 3, 2]))
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"rank >= 2.*\[3\].*\[3, 2\]"):
        tf.matmul(tf.zeros([3]), tf.zeros([3, 2]))
    with pytest.raises(tf.errors.DTypeError, match="matmul: operands have different dtypes"):
        tf.matmul(tf.zeros([2, 2]), tf.zeros([2, 2], tf.int32))
    with pytest.raises(tf.errors.DTypeError, match="matmul: bool"):
        tf.matmul(tf.zeros([2, 2], tf.bool), tf.zeros([2, 2], tf.bool))
    with pytest.raises(tf.errors.InvalidArgumentError, match="only one of transpose"):
        tf.matmul(tf.zeros([2, 2]), tf.zeros([2, 2]), transpose_a=True, adjoint_a=True)


# --- tensordot -------------------------------------------------------------------------------
@pytest.mark.parametrize("shapes,axes", [
    (((3, 4), (4, 5)), 1),
    (((2, 3, 4), (3, 4, 5)), 2),
    (((2, 3), (4,)), 0),
    (((2, 3, 4), (4, 3, 2)), [[1, 2], [1, 0]]),
    (((2, 3, 4), (2, 5)), [[0], [0]]),
    (((2, 3, 4), (5, 4)), [[-1], [-1]]),
    (((2, 3, 4), (3, 2)), [[1, 0], [0, 1]]),
    (((3,), (3,)), [[0], [0]]),
    (((2, 3), (3, 2)), [1, 0]),
    (((0, 3), (3, 2)), 1),
])
def test_tensordot_matches_numpy(backend, shapes, axes):
    rng = np.random.default_rng(4)
    a, b = (rng.standard_normal(s) for s in shapes)
    engine_fn = lambda x, y: tf.tensordot(x, y, axes)  # noqa: E731
    reference = lambda x, y: np.tensordot(x, y, axes)  # noqa: E731
    check_op(engine_fn, reference, [a, b], rtol=1e-5, atol=1e-5)
    check_grad(engine_fn, reference, [a, b])
    assert tf.linalg.tensordot is tf.tensordot


def test_tensordot_errors(backend):
    with pytest.raises(tf.errors.IncompatibleShapesError,
                       match=r"axis 1 of a \(shape \[2, 3\]\) has size 3 but axis 0 of b "
                             r"\(shape \[4, 2\]\) has size 4"):
        tf.tensordot(tf.zeros([2, 3]), tf.zeros([4, 2]), 1)
    with pytest.raises(tf.errors.InvalidArgumentError, match="axes=3 is out of range"):
        tf.tensordot(tf.zeros([2, 3]), tf.zeros([3, 2]), 3)
    with pytest.raises(tf.errors.InvalidArgumentError, match="1 axes of a but 2 axes of b"):
        tf.tensordot(tf.zeros([2, 3]), tf.zeros([3, 2]), [[1], [0, 1]])
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"axis 5 is out of range for b of shape \[3, 2\]"):
        tf.tensordot(tf.zeros([2, 3]), tf.zeros([3, 2]), [[1], [5]])


# --- norm ------------------------------------------------------------------------------------
def _numpy_norm(ord, axis, keepdims=False):
    def reference(x):
        if axis is None:
            result = np.linalg.norm(x.reshape(-1), ord=None if ord == "euclidean" else ord)
            return np.reshape(result, (1,) * x.ndim) if keepdims else result
        numpy_ord = None if ord == "euclidean" and not isinstance(axis, list) else "fro" if ord == "euclidean" else ord
        return np.linalg.norm(x, ord=numpy_ord, axis=tuple(axis) if isinstance(axis, list) else axis,
                              keepdims=keepdims)
    return reference


@pytest.mark.parametrize("keepdims", [False, True])
@pytest.mark.parametrize("ord,axis", [
    ("euclidean", None), (2, None), (1, None), (np.inf, None), (3, None), (0.5, -1),
    ("euclidean", 1), (1, -1), (np.inf, 0), (2, 2), (1.5, 1),
    ("euclidean", [1, 2]), ("fro", [-2, -1]), (1, [1, 2]), (np.inf, [1, 2]), (1, [2, 0]), (np.inf, [0, 1]),
    (2, [1, 2]), (2, [2, 1]), (2, [0, 2]),
])
def test_norm_matches_numpy(backend, ord, axis, keepdims):
    x = np.random.default_rng(5).standard_normal((2, 3, 4))
    engine_fn = lambda t: tf.norm(t, ord=ord, axis=axis, keepdims=keepdims)  # noqa: E731
    reference = _numpy_norm(ord, axis, keepdims)
    check_op(engine_fn, reference, [x], rtol=1e-5, atol=1e-5)
    check_grad(engine_fn, reference, [x])


def test_norm_of_complex_and_edge_shapes(backend):
    rng = np.random.default_rng(6)
    z = rng.standard_normal((3, 2)) + 1j * rng.standard_normal((3, 2))
    check_op(lambda t: tf.linalg.norm(t), lambda a: np.linalg.norm(a), [z], check_dtype=tf.float32)
    check_op(lambda t: tf.norm(t, ord=1, axis=0), lambda a: np.linalg.norm(a, 1, axis=0), [z])
    assert float(tf.norm(tf.zeros([0, 3]))) == 0.0
    assert tf.norm(tf.zeros([0, 3]), ord=2, axis=[0, 1]).numpy() == 0.0
    assert tf.norm(tf.zeros([2, 3]), axis=1).shape == (2,)
    assert float(tf.norm(tf.constant(-3.0))) == 3.0


def test_norm_errors(backend):
    x = tf.zeros([2, 3])
    with pytest.raises(tf.errors.InvalidArgumentError, match="norm: ord must be one of"):
        tf.norm(x, ord=3, axis=[0, 1])
    with pytest.raises(tf.errors.InvalidArgumentError, match="for a vector norm, got 'fro'"):
        tf.norm(x, ord="fro")
    with pytest.raises(tf.errors.InvalidArgumentError, match="positive number"):
        tf.norm(x, ord=-1, axis=0)
    with pytest.raises(tf.errors.InvalidArgumentError, match="two different axes"):
        tf.norm(x, axis=[1, -1])
    with pytest.raises(tf.errors.InvalidArgumentError, match="axis must be None, an integer or a pair"):
        tf.norm(x, axis=[0, 1, 2])
    with pytest.raises(tf.errors.DTypeError, match="norm: takes floating-point"):
        tf.norm(tf.constant([1, 2]))
    with pytest.raises(tf.errors.UnimplementedError, match="ord=2 matrix norms of complex64"):
        tf.norm(tf.constant([[1j]]), ord=2, axis=[0, 1])

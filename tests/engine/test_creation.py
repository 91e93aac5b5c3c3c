import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import engine as tf
from tests.engine.opcheck import check_grad, check_op

DTYPES = [tf.float32, tf.float16, tf.int32, tf.bool, tf.complex64]
SHAPES = [3, [2, 3], (0, 4), [], tf.TensorShape([1, 2, 1])]


def assert_tensor(result, expected, dtype):
    assert isinstance(result, tf.Tensor)
    assert result.dtype == dtype
    assert tuple(result.shape) == np.shape(expected)
    np.testing.assert_array_equal(result.numpy(), expected)


@pytest.mark.parametrize("shape", SHAPES, ids=str)
@pytest.mark.parametrize("dtype", DTYPES, ids=str)
def test_zeros_and_ones(backend, shape, dtype):
    np_shape = (shape,) if isinstance(shape, int) else tuple(shape)
    assert_tensor(tf.zeros(shape, dtype=dtype), np.zeros(np_shape), dtype)
    assert_tensor(tf.ones(shape, dtype), np.ones(np_shape), dtype)


def test_zeros_and_ones_default_to_float32_and_take_shape_tensors(backend):
    assert tf.zeros([2]).dtype == tf.float32 and tf.ones([2]).dtype == tf.float32
    assert_tensor(tf.ones(tf.constant([2, 1])), np.ones((2, 1)), tf.float32)
    assert_tensor(tf.zeros(np.array([3])), np.zeros(3), tf.float32)


@pytest.mark.parametrize("value,dtype", [(7, tf.int32), (-1.5, tf.float32), (True, tf.bool), (2 - 1j, tf.complex64),
                                         (np.float16(0.5), tf.float16), (np.float64(0.25), tf.float32)])
def test_fill_takes_the_value_dtype(backend, value, dtype):
    assert_tensor(tf.fill([2, 3], value), np.full((2, 3), value), dtype)
    assert_tensor(tf.fill(tf.constant([0, 2]), value), np.full((0, 2), value), dtype)
    assert_tensor(tf.fill([], value), np.full((), value), dtype)


def test_fill_with_a_scalar_tensor_value(backend):
    assert_tensor(tf.fill([3], tf.constant(4.5)), np.full(3, 4.5), tf.float32)
    assert_tensor(tf.fill([2], tf.constant(3, dtype=tf.int32)), np.full(2, 3), tf.int32)


def test_fill_and_zeros_reject_bad_arguments(backend):
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"fill: value must be a scalar, got shape \[2\]"):
        tf.fill([2], tf.constant([1.0, 2.0]))
    with pytest.raises(tf.errors.InvalidArgumentError, match="fill: value must be a scalar number"):
        tf.fill([2], [1.0, 2.0])
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"zeros: shape must be .*\[2, -1\]"):
        tf.zeros([2, -1])
    with pytest.raises(tf.errors.InvalidArgumentError, match="ones: shape must be .*2.5"):
        tf.ones([2.5])
    with pytest.raises(tf.errors.InvalidArgumentError, match="zeros: a shape tensor must be a 1-D int32 tensor"):
        tf.zeros(tf.constant([2.0]))
    with pytest.raises(tf.errors.DTypeError, match="unknown dtype"):
        tf.zeros([2], dtype="float64x")


@pytest.mark.parametrize("dtype", [None, tf.int32, tf.bool, tf.float16])
def test_zeros_like_and_ones_like(backend, dtype):
    x = tf.constant([[1.5, -2.0, 0.0]])
    want = dtype or tf.float32
    assert_tensor(tf.zeros_like(x, dtype=dtype), np.zeros((1, 3)), want)
    assert_tensor(tf.ones_like(x, dtype=dtype), np.ones((1, 3)), want)
    assert_tensor(tf.ones_like([True, False]), np.ones(2, bool), tf.bool)
    assert_tensor(tf.zeros_like(tf.zeros([0, 2])), np.zeros((0, 2)), tf.float32)


@pytest.mark.parametrize("args,kwargs", [
    ((5,), {}), ((2, 9), {}), ((2, 9, 3), {}), ((9, 2, -2), {}), ((-3, 3), {}), ((4, 4), {}), ((0,), {}),
    ((0.0, 1.0, 0.25), {}), ((1, 2.5, 0.5), {}), ((3.5,), {}), ((2.0, -1.0, -0.75), {}),
    ((5,), {"dtype": tf.float32}), ((1, 7, 2), {"dtype": tf.float16}), ((0.5, 4), {"dtype": tf.int32}),
], ids=str)
def test_range_matches_numpy(backend, args, kwargs):
    result = tf.range(*args, **kwargs)
    inferred = tf.int32 if all(isinstance(v, int) for v in args) else tf.float32
    dtype = kwargs.get("dtype", inferred)
    # TF casts the arguments to dtype first: float arguments of an int32 range truncate.
    values = [np.trunc(v) if dtype == tf.int32 else float(v) for v in args]
    expected = np.arange(*values)
    assert result.dtype == dtype
    assert tuple(result.shape) == expected.shape
    np.testing.assert_allclose(result.numpy().astype(np.float64), expected, rtol=1e-6)


def test_range_takes_limit_delta_keywords_and_scalar_tensors(backend):
    assert_tensor(tf.range(limit=4, start=1), np.arange(1, 4), tf.int32)
    assert_tensor(tf.range(10, delta=4), np.arange(0, 10, 4), tf.int32)
    assert_tensor(tf.range(tf.constant(3)), np.arange(3), tf.int32)
    assert_tensor(tf.range(tf.constant(1.0), 3), np.arange(1.0, 3.0), tf.float32)


def test_range_counts_steps_in_float32_as_tf(backend):
    result = tf.range(0.0, 1.0, 0.1)
    assert tuple(result.shape) == (10,)
    np.testing.assert_allclose(result.numpy(), np.arange(10) * np.float32(0.1), rtol=1e-6)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(start=st.integers(-50, 50), limit=st.integers(-50, 50), delta=st.integers(-7, 7).filter(bool))
def test_integer_range_follows_python_or_raises_like_tf(backend, start, limit, delta):
    if (delta > 0 and start > limit) or (delta < 0 and start < limit):
        with pytest.raises(tf.errors.InvalidArgumentError, match="range: start"):
            tf.range(start, limit, delta)
    else:
        assert_tensor(tf.range(start, limit, delta), np.array(list(range(start, limit, delta)), np.int32), tf.int32)


def test_range_errors(backend):
    with pytest.raises(tf.errors.InvalidArgumentError, match="range: delta must not be 0"):
        tf.range(0, 5, 0)
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"start \(5\) must be <= limit \(1\) when delta > 0"):
        tf.range(5, 1)
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"range: start \(1\.0\) must be >= limit \(5\.0\)"):
        tf.range(1.0, 5.0, -1.0)
    with pytest.raises(tf.errors.InvalidArgumentError, match="range: limit must be a finite real number"):
        tf.range(0.0, np.inf)
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"range: limit must be a scalar, got shape \[2\]"):
        tf.range(tf.constant([1, 2]))
    with pytest.raises(tf.errors.DTypeError, match="range: dtype must be int32 or a float dtype, got bool"):
        tf.range(3, dtype=tf.bool)


@pytest.mark.parametrize("start,stop,num", [(0.0, 1.0, 5), (-3, 7, 11), (2.5, -1.0, 4), (1.0, 4.0, 1), (0.0, 1.0, 0),
                                            (1.0, 1.0, 3), (0.1, 0.7, 7)])
def test_linspace_matches_numpy(backend, start, stop, num):
    result = tf.linspace(start, stop, num)
    expected = np.linspace(start, stop, num)
    assert result.dtype == tf.float32 and tuple(result.shape) == (num,)
    np.testing.assert_allclose(result.numpy(), expected, rtol=1e-6, atol=1e-7)
    if num > 1:
        assert result.numpy()[-1] == np.float32(stop) and result.numpy()[0] == np.float32(start)


def test_linspace_dtype_and_aliases(backend):
    assert tf.lin_space is tf.linspace
    half = tf.linspace(tf.constant(0.0, dtype=tf.float16), tf.constant(1.0, dtype=tf.float16), 3)
    assert half.dtype == tf.float16
    np.testing.assert_array_equal(half.numpy(), [0.0, 0.5, 1.0])
    assert_tensor(tf.linspace(tf.constant(2.0), 4, tf.constant(3)), np.array([2.0, 3.0, 4.0]), tf.float32)


@pytest.mark.parametrize("axis", [0, 1, -1, 2, -3])
def test_linspace_with_tensor_ends_matches_numpy_and_is_differentiable(backend, axis):
    rng = np.random.default_rng(0)
    start, stop = rng.standard_normal((2, 1)), rng.standard_normal((3,))

    def reference(a, b):
        return np.linspace(a, b, 4, axis=axis)

    def engine(a, b):
        return tf.linspace(a, b, 4, axis=axis)

    check_op(engine, reference, [start, stop], check_dtype=tf.float32)
    check_grad(engine, reference, [start, stop])


def test_linspace_with_scalar_tensor_ends_is_differentiable(backend):
    def reference(a, b):
        return np.linspace(a, b, 5)

    check_op(lambda a, b: tf.linspace(a, b, 5), reference, [np.array(0.3), np.array(-2.0)])
    check_grad(lambda a, b: tf.linspace(a, b, 5), reference, [np.array(0.3), np.array(-2.0)])


def test_linspace_errors(backend):
    with pytest.raises(tf.errors.InvalidArgumentError, match="linspace: num must be a non-negative integer"):
        tf.linspace(0.0, 1.0, -1)
    with pytest.raises(tf.errors.InvalidArgumentError, match="linspace: num must be a non-negative integer"):
        tf.linspace(0.0, 1.0, 2.5)
    with pytest.raises(tf.errors.InvalidArgumentError, match="linspace: axis 3 is out of range for a result of rank 2"):
        tf.linspace([0.0, 1.0], 2.0, 3, axis=3)
    with pytest.raises(tf.errors.DTypeError, match="linspace: .*int32 and float"):
        tf.linspace(tf.constant(0), 1.0, 3)
    with pytest.raises(tf.errors.DTypeError, match=r"linspace: stop must be real, got \(1\+1j\)"):
        tf.linspace(0.0, 1 + 1j, 3)
    with pytest.raises(tf.errors.IncompatibleShapesError, match=r"linspace: shapes \[2\] and \[3\]"):
        tf.linspace([0.0, 1.0], [1.0, 2.0, 3.0], 3)


@pytest.mark.parametrize("num_rows,num_columns,batch_shape", [(3, None, None), (2, 4, None), (4, 2, [2]),
                                                              (3, 3, (2, 1)), (0, 2, None), (2, None, [0])])
@pytest.mark.parametrize("dtype", [tf.float32, tf.int32, tf.bool, tf.complex64])
def test_eye_matches_numpy(backend, num_rows, num_columns, batch_shape, dtype):
    matrix = np.eye(num_rows, num_columns)
    expected = np.broadcast_to(matrix, tuple(batch_shape or ()) + matrix.shape)
    assert_tensor(tf.eye(num_rows, num_columns, batch_shape, dtype=dtype), expected, dtype)


def test_eye_default_dtype_alias_and_errors(backend):
    assert tf.linalg.eye is tf.eye
    assert_tensor(tf.eye(2), np.eye(2), tf.float32)
    with pytest.raises(tf.errors.InvalidArgumentError, match="eye: num_rows must be a non-negative integer"):
        tf.eye(-1)
    with pytest.raises(tf.errors.InvalidArgumentError, match="eye: num_columns must be a non-negative integer"):
        tf.eye(2, 1.5)
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"eye: shape must be .*\[-2\]"):
        tf.eye(2, batch_shape=[-2])


@pytest.mark.parametrize("make,kernel", [
    (lambda: tf.zeros([2, 3]), "Fill"), (lambda: tf.fill([2], 1.5), "Fill"), (lambda: tf.range(4), "Range"),
    (lambda: tf.linspace(0.0, 1.0, 3), "LinSpace"), (lambda: tf.eye(3), "Eye"),
])
def test_creation_runs_one_kernel_without_inputs(backend, make, kernel):
    info = tf.profile(make)
    assert info.kernel_names == [kernel]
    assert info.kernels[0]["input_shapes"] == []


def test_created_tensors_carry_no_gradient(backend):
    x = tf.constant(2.0)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.multiply(x, tf.ones([3]))
        z = tf.add(y, tf.range(3.0))
    np.testing.assert_array_equal(tape.gradient(z, x).numpy(), 3.0)

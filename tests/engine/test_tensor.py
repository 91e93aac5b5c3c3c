import concurrent.futures

import numpy as np
import pytest

import engine as tf


def test_constant_dtypes_follow_tf(backend):
    assert tf.constant(1.5).dtype == tf.float32
    assert tf.constant([1, 2]).dtype == tf.int32
    assert tf.constant([True, False]).dtype == tf.bool
    assert tf.constant(np.arange(3, dtype=np.float64)).dtype == tf.float32
    assert tf.constant(1 + 2j).dtype == tf.complex64
    assert tf.constant([1, 2], dtype=tf.float16).dtype == tf.float16
    assert tf.constant(0.5).shape == ()


def test_dtype_compares_with_names_and_numpy():
    assert tf.float32 == "float32" and tf.float32 == np.float32 and tf.int32 != "float32"
    assert tf.as_dtype("bool") is tf.bool
    assert repr(tf.float32) == "tf.float32"
    with pytest.raises(tf.errors.DTypeError, match="unknown dtype"):
        tf.as_dtype("float8")
    # 64-bit types narrow to the engine's 32-bit ones, as numpy arrays of them do.
    assert tf.as_dtype("int64") is tf.int32 and tf.as_dtype("float64") is tf.float32


def test_scalars_stay_scalars(backend):
    assert tf.broadcast_to(tf.constant(1.0), []).shape == ()
    assert tf.constant(np.float64(2.0)).shape == ()


def test_constant_copies_its_input(backend):
    source = np.ones(3, np.float32)
    x = tf.constant(source)
    source[0] = 7
    np.testing.assert_array_equal(x.numpy(), [1, 1, 1])
    view = x.numpy()
    view[1] = 9
    np.testing.assert_array_equal(x.numpy(), [1, 1, 1])


def test_constant_with_shape_broadcasts_scalars(backend):
    np.testing.assert_array_equal(tf.constant(2.0, shape=[2, 2]).numpy(), np.full((2, 2), 2.0))
    np.testing.assert_array_equal(tf.constant([1, 2, 3, 4], shape=(2, 2)).numpy(), [[1, 2], [3, 4]])
    with pytest.raises(tf.errors.InvalidArgumentError, match="cannot fill"):
        tf.constant([1, 2, 3], shape=(2, 2))


def test_bad_values_raise_typed_errors(backend):
    with pytest.raises(tf.errors.InvalidArgumentError, match="ragged"):
        tf.constant([[1, 2], [3]])
    with pytest.raises(tf.errors.DTypeError, match="string"):
        tf.constant("text")
    with pytest.raises(tf.errors.DTypeError, match="non-integer"):
        tf.constant([1.5], dtype=tf.int32)


def test_data_returns_a_future(backend):
    x = tf.constant([[1.0, 2.0]])
    future = x.data()
    assert isinstance(future, concurrent.futures.Future)
    np.testing.assert_array_equal(future.result(timeout=10), [[1.0, 2.0]])


def test_python_protocol(backend):
    x = tf.constant([[1.0, 2.0], [3.0, 4.0]])
    assert len(x) == 2 and x.ndim == 2 and x.shape.as_list() == [2, 2] and x.shape.num_elements() == 4
    np.testing.assert_array_equal(np.asarray(x), [[1, 2], [3, 4]])
    assert float(tf.constant([3.5])) == 3.5 and int(tf.constant(4)) == 4
    assert bool(tf.constant(True))
    with pytest.raises(tf.errors.InvalidArgumentError, match="one element"):
        float(x)
    with pytest.raises(TypeError, match="unhashable"):
        hash(x)
    assert x.ref() == x.ref() and x.ref() != tf.constant(1.0).ref()
    text = repr(x)
    assert "shape=(2, 2)" in text and "dtype=float32" in text and "4." in text


def test_equality_is_elementwise_or_false(backend):
    x = tf.constant([1.0, 2.0])
    np.testing.assert_array_equal((x == tf.constant([1.0, 3.0])).numpy(), [True, False])
    assert (x == None) is False and (x != None) is True  # noqa: E711
    assert (x == tf.constant([1.0, 2.0, 3.0])) is False


def test_operators_use_the_ops(backend):
    a = tf.constant([1.0, 2.0, 3.0])
    np.testing.assert_allclose((a + 1).numpy(), [2, 3, 4])
    np.testing.assert_allclose((2 * a).numpy(), [2, 4, 6])
    np.testing.assert_allclose((np.float32(1) + a).numpy(), [2, 3, 4])


def test_variable_assign_keeps_dtype_and_shape(backend):
    v = tf.Variable([1.0, 2.0], name="w")
    alias = tf.identity(v)
    v.assign([3.0, 4.0])
    v.assign_add([1.0, 1.0])
    v.assign_sub(tf.constant([0.5, 0.5]))
    np.testing.assert_allclose(v.numpy(), [3.5, 4.5])
    np.testing.assert_allclose(alias.numpy(), [1.0, 2.0])
    assert v.name == "w" and v.trainable
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"shape \[3\] does not match \[2\]"):
        v.assign([1.0, 2.0, 3.0])
    with pytest.raises(tf.errors.DTypeError):
        v.assign(tf.constant([1, 2]))
    assert "tf.Variable 'w'" in repr(v)


def test_variable_from_callable_and_dtype(backend):
    v = tf.Variable(lambda: np.zeros((2, 3)), dtype=tf.float32, trainable=False)
    assert v.shape == (2, 3) and v.dtype == tf.float32 and not v.trainable


def test_disposed_tensor_raises(backend):
    x = tf.constant([1.0])
    tf.dispose(x)
    assert x.is_disposed
    with pytest.raises(tf.errors.DisposedTensorError, match="disposed"):
        x.numpy()
    assert "disposed" in repr(x)


def test_backends_report():
    report = tf.backends()
    assert report["cpu"]["available"]
    with pytest.raises(tf.errors.BackendError, match="unknown backend"):
        tf.set_backend("no-such-backend")

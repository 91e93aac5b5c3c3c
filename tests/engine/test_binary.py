import functools
import warnings

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import mutually_broadcastable_shapes

import engine as tf
from tests.engine.opcheck import check_grad, check_op

SHAPE_PAIRS = [((3, 4), (3, 4)), ((2, 3, 4), (4,)), ((3, 1), (1, 5)), ((), (2, 3)), ((0, 3), (3,)), ((1,), ())]


def api(name):
    return functools.reduce(getattr, name.split("."), tf)


def any_values(rng, shape):
    return rng.standard_normal(shape)


def away_from_zero(rng, shape):
    return rng.choice([-1.0, 1.0], shape) * rng.uniform(0.5, 2.0, shape)


def positive(rng, shape):
    return rng.uniform(0.5, 2.0, shape)


def floor_mod(x, y):
    return np.mod(x, y)


# name, numpy reference, inputs for x, inputs for y
DIFFERENTIABLE = [
    ("add", np.add, any_values, any_values),
    ("subtract", np.subtract, any_values, any_values),
    ("multiply", np.multiply, any_values, any_values),
    ("divide", np.divide, any_values, away_from_zero),
    ("math.truediv", np.divide, any_values, away_from_zero),
    ("realdiv", np.divide, any_values, away_from_zero),
    ("math.divide_no_nan", np.divide, any_values, away_from_zero),
    ("math.floormod", floor_mod, any_values, away_from_zero),
    ("pow", np.power, positive, any_values),
    ("maximum", np.maximum, any_values, any_values),
    ("minimum", np.minimum, any_values, any_values),
    ("math.squared_difference", lambda x, y: (x - y) ** 2, any_values, any_values),
    ("math.atan2", np.arctan2, away_from_zero, away_from_zero),
]
REFERENCES = {name: ref for name, ref, _, _ in DIFFERENTIABLE}


@pytest.mark.parametrize("shapes", SHAPE_PAIRS)
@pytest.mark.parametrize("name,ref,make_x,make_y", DIFFERENTIABLE, ids=[d[0] for d in DIFFERENTIABLE])
def test_differentiable_ops_match_numpy_and_finite_differences(backend, name, ref, make_x, make_y, shapes):
    rng = np.random.default_rng(1)
    a, b = make_x(rng, shapes[0]), make_y(rng, shapes[1])
    check_op(api(name), ref, [a, b], check_dtype=tf.float32)
    check_grad(api(name), ref, [a, b])


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(shapes=mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=4, max_side=3),
       name=st.sampled_from(["add", "subtract", "multiply", "maximum", "math.squared_difference"]))
def test_any_broadcastable_shapes_match_numpy(backend, shapes, name):
    ref = REFERENCES[name]
    rng = np.random.default_rng(2)
    a, b = (rng.standard_normal(s) for s in shapes.input_shapes)
    check_op(api(name), ref, [a, b])


def test_tf_names_and_aliases():
    assert tf.math.add is tf.add and tf.math.subtract is tf.subtract and tf.math.multiply is tf.multiply
    assert tf.math.divide is tf.divide and tf.math.truediv is tf.truediv and tf.floordiv is tf.math.floordiv
    assert tf.math.mod is tf.math.floormod and tf.pow is tf.math.pow
    assert tf.maximum is tf.math.maximum and tf.minimum is tf.math.minimum
    for name in ("equal", "not_equal", "less", "less_equal", "greater", "greater_equal", "logical_and", "logical_or"):
        assert getattr(tf, name) is getattr(tf.math, name)
    assert callable(tf.math.logical_xor) and callable(tf.math.atan2) and callable(tf.math.squared_difference)


@pytest.mark.parametrize("name,ref", [
    ("add", np.add), ("subtract", np.subtract), ("multiply", np.multiply), ("maximum", np.maximum),
    ("minimum", np.minimum), ("math.floordiv", np.floor_divide), ("math.floormod", np.mod),
    ("math.squared_difference", lambda x, y: (x - y) ** 2), ("pow", np.power),
])
@pytest.mark.parametrize("shapes", [((3, 4), (3, 4)), ((2, 3), (3,)), ((0, 2), ()), ((), ())])
def test_int32_arithmetic_matches_numpy(backend, name, ref, shapes):
    rng = np.random.default_rng(3)
    a = rng.integers(-20, 20, shapes[0])
    b = rng.integers(1, 5, shapes[1]) * rng.choice([-1, 1], shapes[1])
    if name == "pow":
        a, b = rng.integers(-5, 5, shapes[0]), rng.integers(0, 4, shapes[1])
    check_op(api(name), ref, [a, b], check_dtype=tf.int32)


@pytest.mark.parametrize("name", ["math.floordiv", "math.floormod"])
def test_integer_division_by_zero_raises(backend, name):
    with pytest.raises(tf.errors.InvalidArgumentError, match=f"{name.split('.')[-1]}: integer division by zero"):
        api(name)(tf.constant([4, 5]), tf.constant([2, 0]))
    with pytest.raises(tf.errors.InvalidArgumentError, match="division by zero"):
        tf.constant([4]) // 0


def test_floor_division_and_modulo_of_floats(backend):
    x = np.array([7.5, -7.5, 7.5, -7.5, 0.0, 3.0, 1.0, -1.0])
    y = np.array([2.0, 2.0, -2.0, -2.0, 3.0, 0.0, 0.0, 0.0])
    with np.errstate(all="ignore"):
        check_op(tf.math.floordiv, lambda a, b: np.floor(a / b), [x[:5], y[:5]])
        check_op(tf.math.floormod, np.mod, [x[:5], y[:5]])
    np.testing.assert_array_equal(tf.math.floordiv(tf.constant(x[5:]), tf.constant(y[5:])).numpy(),
                                  [np.inf, np.inf, -np.inf])
    assert np.all(np.isnan(tf.math.floormod(tf.constant(x[5:]), tf.constant(y[5:])).numpy()))


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(x=st.lists(st.integers(-1000, 1000), min_size=1, max_size=8),
       y=st.integers(-50, 50).filter(lambda v: v != 0))
def test_int_floordiv_and_floormod_follow_python(backend, x, y):
    quotient = tf.math.floordiv(tf.constant(x), y).numpy()
    remainder = tf.math.floormod(tf.constant(x), y).numpy()
    np.testing.assert_array_equal(quotient, [v // y for v in x])
    np.testing.assert_array_equal(remainder, [v % y for v in x])
    np.testing.assert_array_equal(quotient * y + remainder, x)


def test_floordiv_is_not_differentiable_and_floormod_is(backend):
    x, y = tf.constant([7.5, -3.0]), tf.constant([2.0, 2.5])
    with tf.GradientTape(persistent=True) as tape:
        tape.watch([x, y])
        quotient = tf.math.floordiv(x, y)
        remainder = tf.math.floormod(x, y)
    assert tape.gradient(quotient, [x, y]) == [None, None]
    grad_x, grad_y = tape.gradient(remainder, [x, y])
    np.testing.assert_array_equal(grad_x.numpy(), [1.0, 1.0])
    np.testing.assert_array_equal(grad_y.numpy(), [-3.0, 2.0])


def test_true_division_of_integers_gives_float32(backend):
    x = tf.constant([1, -7, 4, 0])
    result = tf.divide(x, tf.constant([2, 2, 0, 0]))
    assert result.dtype == tf.float32
    np.testing.assert_array_equal(result.numpy()[:3], [0.5, -3.5, np.inf])
    assert np.isnan(result.numpy()[3])
    assert (x / 4).dtype == tf.float32 and tf.math.truediv(3, 2).numpy() == 1.5
    with pytest.raises(tf.errors.DTypeError, match="realdiv: int32"):
        tf.realdiv(x, x)


def test_divide_no_nan_gives_zero_for_zero_denominators(backend):
    x = tf.constant([1.0, 0.0, np.inf, np.nan, 6.0])
    y = tf.constant([0.0, 0.0, 0.0, 0.0, 3.0])
    np.testing.assert_array_equal(tf.math.divide_no_nan(x, y).numpy(), [0, 0, 0, 0, 2])
    with tf.GradientTape() as tape:
        tape.watch([x, y])
        z = tf.math.divide_no_nan(x, y)
    grad_x, grad_y = tape.gradient(z, [x, y])
    np.testing.assert_allclose(grad_x.numpy(), [0, 0, 0, 0, 1 / 3], rtol=1e-6)
    np.testing.assert_allclose(grad_y.numpy()[4], -6 / 9)
    with pytest.raises(tf.errors.DTypeError, match="divide_no_nan: int32"):
        tf.math.divide_no_nan(tf.constant([1]), tf.constant([0]))


def test_pow_exponent_gradient_is_zero_where_log_is_undefined(backend):
    x, y = tf.constant([-2.0, 0.0, 3.0]), tf.constant([2.0, 2.0, 2.0])
    with tf.GradientTape() as tape:
        tape.watch([x, y])
        z = tf.pow(x, y)
    grad_x, grad_y = tape.gradient(z, [x, y])
    np.testing.assert_allclose(z.numpy(), [4.0, 0.0, 9.0])
    np.testing.assert_allclose(grad_x.numpy(), [-4.0, 0.0, 6.0])
    np.testing.assert_allclose(grad_y.numpy(), [0.0, 0.0, 9 * np.log(3.0)], rtol=1e-6)


def test_pow_edge_values_and_integer_errors(backend):
    result = tf.pow(tf.constant([0.0, -8.0, 2.0]), tf.constant([-1.0, 0.5, 0.0])).numpy()
    assert result[0] == np.inf and np.isnan(result[1]) and result[2] == 1.0
    np.testing.assert_array_equal((tf.constant([2, -3]) ** 3).numpy(), [8, -27])
    with pytest.raises(tf.errors.InvalidArgumentError, match="negative integer powers"):
        tf.pow(tf.constant([2, 3]), tf.constant([1, -1]))


@pytest.mark.parametrize("name", ["maximum", "minimum"])
def test_maximum_and_minimum_send_ties_to_x(backend, name):
    x, y = tf.constant([1.0, 2.0, 3.0]), tf.constant(2.0)
    with tf.GradientTape() as tape:
        tape.watch([x, y])
        z = api(name)(x, y)
    grad_x, grad_y = tape.gradient(z, [x, y])
    selected_x = [0.0, 1.0, 1.0] if name == "maximum" else [1.0, 1.0, 0.0]
    np.testing.assert_array_equal(grad_x.numpy(), selected_x)
    assert grad_y.shape == () and grad_y.numpy() == 3 - sum(selected_x)


COMPARISONS = [("equal", np.equal), ("not_equal", np.not_equal), ("less", np.less), ("less_equal", np.less_equal),
               ("greater", np.greater), ("greater_equal", np.greater_equal)]


@pytest.mark.parametrize("name,ref", COMPARISONS)
@pytest.mark.parametrize("shapes", SHAPE_PAIRS)
def test_comparisons_match_numpy(backend, name, ref, shapes):
    rng = np.random.default_rng(4)
    a, b = (rng.integers(-2, 3, s).astype(np.float64) for s in shapes)  # small integers give ties
    check_op(api(name), ref, [a, b], check_dtype=tf.bool)
    check_op(api(name), ref, [a.astype(np.int32), b.astype(np.int32)], check_dtype=tf.bool)


@pytest.mark.parametrize("name,ref", COMPARISONS)
def test_comparisons_with_nan_and_scalars(backend, name, ref):
    x = np.array([np.nan, 1.0, -np.inf, 2.0], dtype=np.float32)
    np.testing.assert_array_equal(api(name)(tf.constant(x), 1.0).numpy(), ref(x, 1.0))
    np.testing.assert_array_equal(api(name)(1.0, tf.constant(x)).numpy(), ref(1.0, x))


def test_equality_of_bool_and_complex(backend):
    flags = np.array([True, False, True])
    np.testing.assert_array_equal(tf.equal(tf.constant(flags), True).numpy(), flags)
    values = np.array([1 + 2j, 3j, 1 - 2j], dtype=np.complex64)
    np.testing.assert_array_equal(tf.not_equal(tf.constant(values), tf.constant(np.complex64(1 + 2j))).numpy(),
                                  [False, True, True])
    with pytest.raises(tf.errors.DTypeError, match="less: bool"):
        tf.less(tf.constant(flags), tf.constant(flags))
    with pytest.raises(tf.errors.DTypeError, match="greater: complex64"):
        tf.greater(tf.constant(values), tf.constant(values))


def test_comparisons_are_not_differentiable(backend):
    x = tf.constant([1.0, 2.0])
    with tf.GradientTape() as tape:
        tape.watch(x)
        z = tf.cast(tf.less(x, 1.5), tf.float32)
    assert tape.gradient(z, x) is None


@pytest.mark.parametrize("name,ref", [("logical_and", np.logical_and), ("logical_or", np.logical_or),
                                      ("math.logical_xor", np.logical_xor)])
def test_logical_ops_match_numpy(backend, name, ref):
    a = np.array([[True, True, False, False]])
    b = np.array([[True], [False]])
    check_op(api(name), ref, [a, b], check_dtype=tf.bool)
    check_op(api(name), ref, [a, np.array(True)], check_dtype=tf.bool)
    np.testing.assert_array_equal(api(name)(tf.constant(a), False).numpy(), ref(a, False))
    with pytest.raises(tf.errors.DTypeError, match=rf"{name.split('.')[-1]}: float32 operands .* it takes bool"):
        api(name)(tf.constant([1.0]), tf.constant([0.0]))


@pytest.mark.parametrize("name,ref", [("add", np.add), ("subtract", np.subtract), ("multiply", np.multiply),
                                      ("divide", np.divide), ("realdiv", np.divide), ("math.divide_no_nan", np.divide),
                                      ("pow", np.power),
                                      ("math.squared_difference", lambda x, y: (x - y) * np.conj(x - y))])
def test_complex64_arithmetic_matches_numpy(backend, name, ref):
    rng = np.random.default_rng(5)
    a = rng.standard_normal((3, 4)) + 1j * rng.standard_normal((3, 4))
    b = rng.standard_normal((4,)) + 1j * rng.standard_normal((4,))
    check_op(api(name), ref, [a, b], check_dtype=tf.complex64, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("name,grads", [
    ("add", lambda x, y, w: (w, w)),
    ("subtract", lambda x, y, w: (w, -w)),
    ("multiply", lambda x, y, w: (w * np.conj(y), w * np.conj(x))),
    ("divide", lambda x, y, w: (w / np.conj(y), -w * np.conj(x) / np.conj(y) ** 2)),
    ("math.divide_no_nan", lambda x, y, w: (w / np.conj(y), -w * np.conj(x) / np.conj(y) ** 2)),
    ("pow", lambda x, y, w: (w * np.conj(y * x ** (y - 1)), w * np.conj(x ** y * np.log(x)))),
])
def test_complex64_gradients_follow_tf_convention(backend, name, grads):
    rng = np.random.default_rng(6)
    a, b, w = (rng.standard_normal(3) + 1j * rng.standard_normal(3) for _ in range(3))
    x, y = tf.constant(a.astype(np.complex64)), tf.constant(b.astype(np.complex64))
    with tf.GradientTape() as tape:
        tape.watch([x, y])
        z = api(name)(x, y)
    got = tape.gradient(z, [x, y], output_gradients=tf.constant(w.astype(np.complex64)))
    for g, want in zip(got, grads(a, b, w)):
        assert g.dtype == tf.complex64
        np.testing.assert_allclose(g.numpy(), want, rtol=1e-5, atol=1e-6)


def test_second_order_gradients(backend):
    x = tf.constant([0.5, 1.5, 2.0])
    with tf.GradientTape() as outer:
        outer.watch(x)
        with tf.GradientTape() as inner:
            inner.watch(x)
            z = tf.add(tf.pow(x, 3.0), tf.divide(1.0, x))
        first = inner.gradient(z, x)
    second = outer.gradient(first, x)
    x64 = np.array([0.5, 1.5, 2.0])
    np.testing.assert_allclose(first.numpy(), 3 * x64 ** 2 - 1 / x64 ** 2, rtol=1e-5)
    np.testing.assert_allclose(second.numpy(), 6 * x64 + 2 / x64 ** 3, rtol=1e-5)


def test_python_scalars_take_the_tensor_dtype(backend):
    x = tf.constant([1, 2, 3])
    assert (x + 1).dtype == tf.int32 and (2 - x).dtype == tf.int32
    np.testing.assert_array_equal((x + 1).numpy(), [2, 3, 4])
    np.testing.assert_array_equal((10 - x).numpy(), [9, 8, 7])
    assert (tf.constant([1.5]) + 1).dtype == tf.float32
    assert (tf.constant([1.5], dtype=tf.float16) * 2).dtype == tf.float16
    assert tf.multiply(tf.constant([1j], dtype=tf.complex64), 2).dtype == tf.complex64
    assert tf.maximum(3, 4).dtype == tf.int32 and tf.maximum(3.0, 4.0).dtype == tf.float32
    with pytest.raises(tf.errors.DTypeError, match="int32"):
        x + 0.5


def test_tensor_operators_use_these_ops(backend):
    x, y = tf.constant([7.0, -7.0]), tf.constant([2.0, 2.0])
    np.testing.assert_array_equal((x - y).numpy(), [5.0, -9.0])
    np.testing.assert_array_equal((x / y).numpy(), [3.5, -3.5])
    np.testing.assert_array_equal((x // y).numpy(), [3.0, -4.0])
    np.testing.assert_array_equal((x % y).numpy(), [1.0, 1.0])
    np.testing.assert_array_equal((y ** 3).numpy(), [8.0, 8.0])
    np.testing.assert_array_equal((2 ** y).numpy(), [4.0, 4.0])
    np.testing.assert_array_equal((x < y).numpy(), [False, True])
    np.testing.assert_array_equal((x >= -7).numpy(), [True, True])
    np.testing.assert_array_equal((x == 7).numpy(), [True, False])
    flags = tf.constant([True, False])
    np.testing.assert_array_equal((flags & True).numpy(), [True, False])
    np.testing.assert_array_equal((False | flags).numpy(), [True, False])


def test_float16_stays_float16(backend):
    rng = np.random.default_rng(7)
    a, b = rng.standard_normal(5).astype(np.float16), positive(rng, 5).astype(np.float16)
    for name, ref in [("add", np.add), ("divide", np.divide), ("maximum", np.maximum), ("pow", np.power)]:
        result = api(name)(tf.constant(a), tf.constant(b))
        assert result.dtype == tf.float16
        with np.errstate(invalid="ignore"):
            np.testing.assert_allclose(result.numpy(), ref(a.astype(np.float64), b), rtol=2e-3, atol=2e-3)


def test_overflow_and_invalid_values_give_inf_and_nan_without_warnings(backend):
    big = tf.constant([3e38, np.inf, 0.0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        np.testing.assert_array_equal((big * 10.0).numpy(), [np.inf, np.inf, 0.0])
        assert np.isnan((big - big).numpy()[1])
        np.testing.assert_array_equal(tf.divide(tf.constant([1.0, -1.0]), 0.0).numpy(), [np.inf, -np.inf])
        np.testing.assert_array_equal(tf.math.squared_difference(big, 0.0).numpy()[:2], [np.inf, np.inf])


def test_mismatched_dtypes_and_shapes_raise(backend):
    with pytest.raises(tf.errors.DTypeError, match="add: .*float32 and int32"):
        tf.add(tf.constant([1.0]), tf.constant([1]))
    with pytest.raises(tf.errors.DTypeError, match="less: .*int32 and float32"):
        tf.less(tf.constant([1]), tf.constant([1.0]))
    with pytest.raises(tf.errors.DTypeError, match="pow: .*float32 and float16"):
        tf.pow(tf.constant([1.0]), tf.constant([1.0], dtype=tf.float16))
    with pytest.raises(tf.errors.IncompatibleShapesError, match=r"\[2\].*\[3\]"):
        tf.multiply(tf.ones_like(tf.constant([1.0, 2.0])), tf.constant([1.0, 2.0, 3.0]))
    with pytest.raises(tf.errors.IncompatibleShapesError, match=r"maximum: shapes \[2, 3\] and \[2\]"):
        tf.maximum(tf.zeros([2, 3]), tf.zeros([2]))


@pytest.mark.parametrize("name,operand", [
    ("add", [True]), ("subtract", [True]), ("math.atan2", [1]), ("math.floordiv", [1j]),
    ("maximum", [1j]), ("math.floormod", [True]), ("pow", [False]),
])
def test_unsupported_dtypes_raise(backend, name, operand):
    x = tf.constant(operand)
    with pytest.raises(tf.errors.DTypeError, match=rf"{name.split('.')[-1]}: {x.dtype.name} operands"):
        api(name)(x, x)

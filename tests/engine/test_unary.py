import functools
import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

import engine as tf
from tests.engine.opcheck import check_grad, check_op

SHAPES = [(), (0,), (4,), (2, 3, 4), (1, 5, 1)]
SELU_ALPHA = 1.6732632423543772
SELU_SCALE = 1.0507009873554805

_erf = np.vectorize(math.erf, otypes=[np.float64])


def _uniform(low, high):
    def draw(rng, shape):
        return rng.uniform(low, high, shape)
    return draw


def _away_from(kinks, low, high, margin=0.1):
    """Uniform on [low, high] with values near a kink moved above it, so finite differences never straddle one."""
    def draw(rng, shape):
        x = rng.uniform(low, high, shape)
        for kink in kinks:
            x = np.where(np.abs(x - kink) < margin, kink + 2 * margin, x)
        return x
    return draw


def _sigmoid(x):
    return 1 / (1 + np.exp(-x))


def _elu(x):
    return np.where(x > 0, x, np.expm1(x))


def _selu(x):
    return SELU_SCALE * np.where(x > 0, x, SELU_ALPHA * np.expm1(x))


def _gelu_tanh(x):
    return 0.5 * x * (1 + np.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x ** 3)))


# (name, engine function, float64 reference, input sampler) for every differentiable float op.
DIFFERENTIABLE = [
    ("abs", tf.abs, np.abs, _away_from([0], -3, 3)),
    ("negative", tf.negative, np.negative, _uniform(-3, 3)),
    ("exp", tf.exp, np.exp, _uniform(-3, 3)),
    ("expm1", tf.math.expm1, np.expm1, _uniform(-3, 3)),
    ("log", tf.math.log, np.log, _uniform(0.2, 5)),
    ("log1p", tf.math.log1p, np.log1p, _uniform(-0.5, 3)),
    ("sqrt", tf.sqrt, np.sqrt, _uniform(0.2, 5)),
    ("rsqrt", tf.math.rsqrt, lambda x: 1 / np.sqrt(x), _uniform(0.2, 5)),
    ("square", tf.square, np.square, _uniform(-3, 3)),
    ("sin", tf.sin, np.sin, _uniform(-4, 4)),
    ("cos", tf.cos, np.cos, _uniform(-4, 4)),
    ("tan", tf.tan, np.tan, _uniform(-1.2, 1.2)),
    ("tanh", tf.tanh, np.tanh, _uniform(-3, 3)),
    ("sigmoid", tf.sigmoid, _sigmoid, _uniform(-5, 5)),
    ("log_sigmoid", tf.math.log_sigmoid, lambda x: -np.logaddexp(0, -x), _uniform(-5, 5)),
    ("reciprocal", tf.math.reciprocal, lambda x: 1 / x, _away_from([0], -3, 3, margin=0.3)),
    ("erf", tf.math.erf, _erf, _uniform(-3, 3)),
    ("relu", tf.nn.relu, lambda x: np.maximum(x, 0), _away_from([0], -3, 3)),
    ("relu6", tf.nn.relu6, lambda x: np.clip(x, 0, 6), _away_from([0, 6], -3, 9)),
    ("elu", tf.nn.elu, _elu, _away_from([0], -3, 3)),
    ("selu", tf.nn.selu, _selu, _away_from([0], -3, 3)),
    ("leaky_relu", tf.nn.leaky_relu, lambda x: np.where(x > 0, x, 0.2 * x), _away_from([0], -3, 3)),
    ("leaky_relu_alpha", lambda x: tf.nn.leaky_relu(x, alpha=0.5), lambda x: np.where(x > 0, x, 0.5 * x),
     _away_from([0], -3, 3)),
    ("softplus", tf.nn.softplus, lambda x: np.logaddexp(0, x), _uniform(-5, 5)),
    ("softsign", tf.nn.softsign, lambda x: x / (1 + np.abs(x)), _away_from([0], -3, 3)),
    ("gelu", tf.nn.gelu, lambda x: 0.5 * x * (1 + _erf(x / math.sqrt(2))), _uniform(-3, 3)),
    ("gelu_tanh", lambda x: tf.nn.gelu(x, approximate=True), _gelu_tanh, _uniform(-3, 3)),
    ("silu", tf.nn.silu, lambda x: x * _sigmoid(x), _uniform(-4, 4)),
    ("swish_beta", lambda x: tf.nn.swish(x, beta=1.5), lambda x: x * _sigmoid(1.5 * x), _uniform(-4, 4)),
    ("clip_by_value", lambda x: tf.clip_by_value(x, -1.0, 1.5), lambda x: np.clip(x, -1, 1.5),
     _away_from([-1, 1.5], -3, 3)),
]


@pytest.mark.parametrize("shape", SHAPES, ids=str)
@pytest.mark.parametrize("name,fn,ref,draw", DIFFERENTIABLE, ids=[case[0] for case in DIFFERENTIABLE])
def test_float_ops_match_numpy_with_gradients(backend, name, fn, ref, draw, shape):
    x = draw(np.random.default_rng(7), shape)
    check_op(fn, ref, [x], check_dtype=tf.float32)
    check_grad(fn, ref, [x])


# Second derivatives check that each gradient is itself differentiable, through both
# its input (f''(x) w v) and the incoming gradient (f'(x) v).
@pytest.mark.parametrize("name,fn,ref,draw", DIFFERENTIABLE, ids=[case[0] for case in DIFFERENTIABLE])
def test_gradients_are_differentiable(backend, name, fn, ref, draw):
    rng = np.random.default_rng(3)
    x64 = draw(rng, (2, 3))
    w64, v64 = rng.standard_normal((2, 3)), rng.standard_normal((2, 3))
    x, w, v = (tf.constant(a.astype(np.float32)) for a in (x64, w64, v64))
    with tf.GradientTape(persistent=True) as outer:
        outer.watch([x, w])
        with tf.GradientTape() as inner:
            inner.watch(x)
            loss = tf.reduce_sum(tf.multiply(fn(x), w))
        first = inner.gradient(loss, x)
        probe = tf.reduce_sum(tf.multiply(first, v))
    d_x, d_w = outer.gradient(probe, [x, w])
    h = 1e-4
    slope = (ref(x64 + h) - ref(x64 - h)) / (2 * h)
    curvature = (ref(x64 + h) - 2 * ref(x64) + ref(x64 - h)) / h ** 2
    np.testing.assert_allclose(np.zeros((2, 3)) if d_x is None else d_x.numpy(), curvature * w64 * v64,
                               rtol=2e-3, atol=2e-3)
    np.testing.assert_allclose(d_w.numpy(), slope * v64, rtol=1e-3, atol=1e-3)


@pytest.mark.parametrize("name,fn,ref", [
    ("abs", tf.abs, np.abs), ("negative", tf.negative, np.negative), ("square", tf.square, np.square),
    ("sign", tf.sign, np.sign), ("relu", tf.nn.relu, lambda x: np.maximum(x, 0)),
    ("relu6", tf.nn.relu6, lambda x: np.clip(x, 0, 6)), ("floor", tf.floor, lambda x: x),
    ("ceil", tf.math.ceil, lambda x: x), ("round", tf.round, lambda x: x),
])
def test_integer_ops_stay_int32(backend, name, fn, ref):
    x = np.array([[-7, -1, 0], [1, 5, 9]], dtype=np.int32)
    check_op(fn, ref, [x], check_dtype=tf.int32)


def test_leaky_relu_computes_integers_in_float32(backend):
    y = tf.nn.leaky_relu(tf.constant([-5, 0, 3]))
    assert y.dtype == tf.float32
    np.testing.assert_allclose(y.numpy(), [-1.0, 0.0, 3.0])


FLOAT_ONLY = [
    ("exp", tf.exp), ("expm1", tf.math.expm1), ("log", tf.math.log), ("log1p", tf.math.log1p),
    ("sqrt", tf.sqrt), ("rsqrt", tf.math.rsqrt), ("sin", tf.sin), ("cos", tf.cos), ("tan", tf.tan),
    ("tanh", tf.tanh), ("sigmoid", tf.sigmoid), ("log_sigmoid", tf.math.log_sigmoid),
    ("reciprocal", tf.math.reciprocal), ("erf", tf.math.erf), ("elu", tf.nn.elu), ("selu", tf.nn.selu),
    ("softplus", tf.nn.softplus), ("softsign", tf.nn.softsign), ("gelu", tf.nn.gelu), ("silu", tf.nn.silu),
    ("is_nan", tf.math.is_nan), ("is_finite", tf.math.is_finite), ("is_inf", tf.math.is_inf),
]


@pytest.mark.parametrize("name,fn", FLOAT_ONLY, ids=[case[0] for case in FLOAT_ONLY])
def test_float_only_ops_reject_int32(backend, name, fn):
    with pytest.raises(tf.errors.DTypeError, match=rf"^{name}: expected .*float32.* got int32 \(shape \[2\]\)"):
        fn(tf.constant([1, 2]))


@pytest.mark.parametrize("name,fn", [("abs", tf.abs), ("negative", tf.negative), ("square", tf.square),
                                     ("sign", tf.sign), ("floor", tf.floor), ("relu", tf.nn.relu)])
def test_numeric_ops_reject_bool(backend, name, fn):
    with pytest.raises(tf.errors.DTypeError, match=rf"^{name}: .*got bool"):
        fn(tf.constant([True, False]))


def test_logical_not(backend):
    np.testing.assert_array_equal(tf.logical_not(tf.constant([True, False])).numpy(), [False, True])
    np.testing.assert_array_equal((~tf.constant([[False]])).numpy(), [[True]])
    with pytest.raises(tf.errors.DTypeError, match="logical_not: expected a bool tensor, got float32"):
        tf.math.logical_not(tf.constant([1.0]))


NAN, INF = float("nan"), float("inf")
SPECIAL = np.array([-1.0, 0.0, INF, -INF, NAN], dtype=np.float32)


@pytest.mark.filterwarnings("error")
@pytest.mark.parametrize("fn,want", [
    (tf.math.log, [NAN, -INF, INF, NAN, NAN]),
    (tf.math.log1p, [-INF, 0.0, INF, NAN, NAN]),
    (tf.sqrt, [NAN, 0.0, INF, NAN, NAN]),
    (tf.math.rsqrt, [NAN, INF, 0.0, NAN, NAN]),
    (tf.math.reciprocal, [-1.0, INF, 0.0, -0.0, NAN]),
    (tf.exp, [math.exp(-1), 1.0, INF, 0.0, NAN]),
    (tf.sigmoid, [_sigmoid(-1.0), 0.5, 1.0, 0.0, NAN]),
    (tf.tanh, [math.tanh(-1), 0.0, 1.0, -1.0, NAN]),
    (tf.sin, [math.sin(-1), 0.0, NAN, NAN, NAN]),
    (tf.tan, [math.tan(-1), 0.0, NAN, NAN, NAN]),
    (tf.math.erf, [math.erf(-1), 0.0, 1.0, -1.0, NAN]),
    (tf.nn.relu, [0.0, 0.0, INF, 0.0, NAN]),
    (tf.nn.relu6, [0.0, 0.0, 6.0, 0.0, NAN]),
    (tf.nn.elu, [math.expm1(-1), 0.0, INF, -1.0, NAN]),
    (tf.nn.selu, [_selu(-1.0), 0.0, INF, -SELU_SCALE * SELU_ALPHA, NAN]),
    (tf.nn.softplus, [math.log1p(math.exp(-1)), math.log(2), INF, 0.0, NAN]),
    (tf.math.log_sigmoid, [-math.log1p(math.exp(1)), -math.log(2), 0.0, -INF, NAN]),
    (tf.nn.softsign, [-0.5, 0.0, NAN, NAN, NAN]),
    (tf.math.is_nan, [False, False, False, False, True]),
    (tf.math.is_inf, [False, False, True, True, False]),
    (tf.math.is_finite, [True, True, False, False, False]),
])
def test_special_values_give_nan_and_inf_like_tf_without_warnings(backend, fn, want):
    got = fn(tf.constant(SPECIAL)).numpy()
    np.testing.assert_allclose(got, np.array(want, dtype=got.dtype), rtol=1e-6, atol=1e-7, equal_nan=True)


@pytest.mark.filterwarnings("error")
def test_activations_stay_finite_for_large_inputs(backend):
    x = tf.constant([-100.0, 100.0])
    np.testing.assert_allclose(tf.nn.softplus(x).numpy(), [0.0, 100.0], atol=1e-30)
    np.testing.assert_allclose(tf.math.log_sigmoid(x).numpy(), [-100.0, 0.0], atol=1e-30)
    np.testing.assert_allclose(tf.sigmoid(x).numpy(), [0.0, 1.0], atol=1e-30)
    np.testing.assert_allclose(tf.nn.silu(x).numpy(), [0.0, 100.0], atol=1e-30)
    np.testing.assert_allclose(tf.nn.gelu(x).numpy(), [0.0, 100.0], atol=1e-30)


def test_rounding_ops_round_halves_to_even(backend):
    x = np.array([-2.5, -1.7, -1.5, -0.5, -0.2, 0.2, 0.5, 1.5, 2.5, 3.7])
    check_op(tf.round, np.round, [x])
    check_op(tf.math.round, np.round, [x])
    check_op(tf.floor, np.floor, [x])
    check_op(tf.math.ceil, np.ceil, [x])
    check_op(tf.sign, np.sign, [np.array([-2.0, 0.0, 3.0])])


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.integers(-10_000, 10_000), min_size=1, max_size=16))
def test_round_of_halves_matches_bankers_rounding(backend, integers):
    halves = np.array(integers, dtype=np.float32) + np.float32(0.5)
    np.testing.assert_array_equal(tf.round(halves).numpy(), np.round(halves))


def test_piecewise_constant_ops_have_no_or_zero_gradients(backend):
    x = tf.constant([-1.5, 0.3, 2.7])
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(x)
        rounded = [tf.floor(x), tf.math.ceil(x), tf.round(x)]
        signs = tf.sign(x)
    for y in rounded:
        assert tape.gradient(y, x) is None
    np.testing.assert_array_equal(tape.gradient(signs, x).numpy(), [0.0, 0.0, 0.0])


# --- cast ------------------------------------------------------------------------
def test_cast_float_to_int_truncates_toward_zero(backend):
    y = tf.cast(tf.constant([-2.9, -1.5, -0.5, 0.5, 1.5, 2.9, 1e9]), tf.int32)
    assert y.dtype == tf.int32
    np.testing.assert_array_equal(y.numpy(), [-2, -1, 0, 0, 1, 2, 1_000_000_000])
    np.testing.assert_array_equal(tf.cast(tf.constant([2.5, -3.9], tf.float16), "int32").numpy(), [2, -3])


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.floats(-2e9, 2e9, width=32), min_size=1, max_size=16))
def test_cast_to_int32_is_c_truncation(backend, values):
    x = np.array(values, dtype=np.float32)
    np.testing.assert_array_equal(tf.cast(x, tf.int32).numpy(), np.trunc(x).astype(np.int32))


@pytest.mark.filterwarnings("error")
def test_cast_bool_conversions(backend):
    np.testing.assert_array_equal(tf.cast(tf.constant([0.0, -0.0, 2.5, NAN, -INF]), tf.bool).numpy(),
                                  [False, False, True, True, True])
    np.testing.assert_array_equal(tf.cast(tf.constant([0, 3, -1]), tf.bool).numpy(), [False, True, True])
    flags = tf.constant([True, False])
    for dtype, want in ((tf.float32, [1.0, 0.0]), (tf.int32, [1, 0]), (tf.float16, [1.0, 0.0])):
        y = tf.cast(flags, dtype)
        assert y.dtype == dtype
        np.testing.assert_array_equal(y.numpy(), want)


@pytest.mark.filterwarnings("error")
def test_cast_float16_and_large_integers(backend):
    y = tf.cast(tf.constant([0.1, 65504.0, 70000.0, -1e9, 1e-9]), tf.float16)
    assert y.dtype == tf.float16
    np.testing.assert_array_equal(y.numpy(), np.array([0.1, 65504.0, INF, -INF, 0.0], np.float16))
    np.testing.assert_array_equal(tf.cast(tf.constant([16777217, -7]), tf.float32).numpy(), [16777216.0, -7.0])
    np.testing.assert_array_equal(tf.cast(tf.constant([3000, -7]), tf.float16).numpy(), [3000.0, -7.0])


def test_cast_complex_takes_real_parts(backend):
    z = tf.cast(tf.constant([1.5, -2.0]), tf.complex64)
    assert z.dtype == tf.complex64
    np.testing.assert_array_equal(z.numpy(), np.array([1.5 + 0j, -2.0 + 0j], np.complex64))
    real = tf.cast(tf.constant([1.5 + 2j, -3.25 - 1j]), tf.float32)
    assert real.dtype == tf.float32
    np.testing.assert_array_equal(real.numpy(), [1.5, -3.25])
    np.testing.assert_array_equal(tf.cast(tf.constant([1.9 - 2j]), tf.int32).numpy(), [1])
    np.testing.assert_array_equal(tf.cast(tf.constant([0j, 1j]), tf.bool).numpy(), [False, True])


def test_cast_same_dtype_and_python_values(backend):
    x = tf.constant([1.0, 2.0])
    assert tf.cast(x, tf.float32) is x
    assert tf.dtypes.cast(x, "float32") is x
    y = tf.cast(1.7, tf.int32)
    assert y.dtype == tf.int32 and int(y) == 1
    np.testing.assert_array_equal(tf.cast([[1, 2]], tf.float32).numpy(), [[1.0, 2.0]])
    with pytest.raises(tf.errors.DTypeError, match="unknown dtype 'float8'"):
        tf.cast(x, "float8")


def test_cast_gradients(backend):
    rng = np.random.default_rng(5)
    x = rng.uniform(-2, 2, (2, 3))
    check_grad(lambda t: tf.cast(tf.cast(t, tf.float16), tf.float32), lambda t: t, [x], rtol=1e-3, atol=2e-3)
    # float -> complex -> square -> real part: d/dx x^2 through complex gradients and both casts.
    check_grad(lambda t: tf.cast(tf.square(tf.cast(t, tf.complex64)), tf.float32), np.square, [x])
    x_tensor = tf.constant([1.5, -2.5])
    with tf.GradientTape() as tape:
        tape.watch(x_tensor)
        y = tf.cast(tf.cast(x_tensor, tf.int32), tf.float32)
    assert tape.gradient(y, x_tensor) is None


# --- clip_by_value ---------------------------------------------------------------------
@pytest.mark.parametrize("t_shape,low_shape,high_shape", [
    ((3, 4), (4,), (3, 1)), ((3, 4), (), (3, 4)), ((2, 1, 3), (1, 3), ()), ((), (), ()), ((0, 2), (2,), ()),
])
def test_clip_by_value_broadcasts_tensor_bounds(backend, t_shape, low_shape, high_shape):
    rng = np.random.default_rng(11)
    low = rng.uniform(-1.0, -0.2, low_shape)
    high = rng.uniform(0.2, 1.0, high_shape)
    x = rng.uniform(-2, 2, t_shape)
    for bound in (np.broadcast_to(low, t_shape), np.broadcast_to(high, t_shape)):
        x = np.where(np.abs(x - bound) < 0.05, bound + 0.1, x)

    def reference(t, lo, hi):
        return np.maximum(np.minimum(t, hi), lo)

    check_op(tf.clip_by_value, reference, [x, low, high])
    check_grad(tf.clip_by_value, reference, [x, low, high])


def test_clip_by_value_gradient_passes_at_the_bounds(backend):
    x = tf.constant([-1.0, 0.0, 0.5, 1.0, 2.0])
    low, high = tf.constant(0.0), tf.constant(1.0)
    with tf.GradientTape() as tape:
        tape.watch([x, low, high])
        y = tf.clip_by_value(x, low, high)
    dx, dlow, dhigh = tape.gradient(y, [x, low, high])
    np.testing.assert_array_equal(dx.numpy(), [0.0, 1.0, 1.0, 1.0, 0.0])
    assert float(dlow) == 1.0 and float(dhigh) == 1.0


def test_clip_by_value_int32_and_reversed_bounds(backend):
    y = tf.clip_by_value(tf.constant([-5, 0, 5, 10]), 0, 6)
    assert y.dtype == tf.int32
    np.testing.assert_array_equal(y.numpy(), [0, 0, 5, 6])
    # TF computes maximum(minimum(t, max), min): a minimum above the maximum wins.
    np.testing.assert_array_equal(tf.clip_by_value(tf.constant([0.0, 5.0]), 3.0, 1.0).numpy(), [3.0, 3.0])


def test_clip_by_value_errors(backend):
    t = tf.constant([1.0, 2.0, 3.0])
    with pytest.raises(tf.errors.IncompatibleShapesError, match=r"clip_value_min of shape \[2, 3\].*\[3\]"):
        tf.clip_by_value(t, tf.zeros_like(tf.constant([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])), 1.0)
    with pytest.raises(tf.errors.IncompatibleShapesError, match=r"clip_by_value: shapes \[3\] and \[2\]"):
        tf.clip_by_value(t, 0.0, tf.constant([1.0, 2.0]))
    with pytest.raises(tf.errors.DTypeError, match="clip_by_value.*float32 and int32"):
        tf.clip_by_value(t, tf.constant(0), 1.0)
    with pytest.raises(tf.errors.DTypeError, match="clip_by_value: expected .* got bool"):
        tf.clip_by_value(tf.constant([True]), False, True)


# --- complex, float16, names -----------------------------------------------------------
COMPLEX = [("negative", tf.negative, np.negative), ("square", tf.square, np.square), ("exp", tf.exp, np.exp),
           ("log", tf.math.log, np.log), ("sqrt", tf.sqrt, np.sqrt), ("reciprocal", tf.math.reciprocal, np.reciprocal)]


@pytest.mark.parametrize("name,fn,ref", COMPLEX, ids=[case[0] for case in COMPLEX])
def test_complex_ops_and_gradients(backend, name, fn, ref):
    rng = np.random.default_rng(2)
    # Positive real parts keep log and sqrt off their branch cut.
    z = rng.uniform(0.5, 2, (2, 3)) + 1j * rng.uniform(-1, 1, (2, 3))
    check_op(fn, ref, [z], check_dtype=tf.complex64)
    seed = rng.standard_normal((2, 3)) + 1j * rng.standard_normal((2, 3))
    source = tf.constant(z.astype(np.complex64))
    with tf.GradientTape() as tape:
        tape.watch(source)
        out = fn(source)
    got = tape.gradient(out, source, output_gradients=tf.constant(seed.astype(np.complex64)))

    # TF's convention: the gradient of L = Re(sum(conj(seed) * f(z))) is dL/dRe(z) + i dL/dIm(z).
    def loss(values):
        return np.real(np.sum(np.conj(seed) * ref(values)))
    eps, want = 1e-6, np.zeros_like(z)
    for index in np.ndindex(z.shape):
        step = np.zeros_like(z)
        step[index] = eps
        want[index] = ((loss(z + step) - loss(z - step)) + 1j * (loss(z + 1j * step) - loss(z - 1j * step))) / (2 * eps)
    np.testing.assert_allclose(got.numpy(), want, rtol=1e-3, atol=1e-3)


def test_abs_of_complex_is_its_float_magnitude(backend):
    y = tf.abs(tf.constant([3 + 4j, -1j, 0j]))
    assert y.dtype == tf.float32
    np.testing.assert_allclose(y.numpy(), [5.0, 1.0, 0.0])


@pytest.mark.parametrize("fn,ref", [
    (tf.exp, np.exp), (tf.sigmoid, _sigmoid), (tf.tanh, np.tanh), (tf.math.erf, _erf), (tf.nn.elu, _elu),
    (tf.nn.selu, _selu), (tf.nn.softplus, lambda x: np.logaddexp(0, x)), (tf.nn.relu, lambda x: np.maximum(x, 0)),
    (tf.nn.gelu, lambda x: 0.5 * x * (1 + _erf(x / math.sqrt(2)))), (tf.math.rsqrt, lambda x: 1 / np.sqrt(x)),
])
def test_float16_inputs_give_float16(backend, fn, ref):
    x = np.linspace(0.25, 3, 12) * np.array([-1, 1] * 6)
    if fn is tf.math.rsqrt:
        x = np.abs(x)
    x16 = x.astype(np.float16)
    y = fn(tf.constant(x16))
    assert y.dtype == tf.float16
    np.testing.assert_allclose(y.numpy().astype(np.float64), ref(x16.astype(np.float64)), rtol=4e-3, atol=4e-3)


def test_python_operators_use_these_ops(backend):
    x = tf.constant([-1.5, 2.0])
    np.testing.assert_array_equal((-x).numpy(), [1.5, -2.0])
    np.testing.assert_array_equal(abs(x).numpy(), [1.5, 2.0])
    np.testing.assert_array_equal(tf.exp(0.0).numpy(), 1.0)


ALIASES = [
    ("abs", "math.abs"), ("negative", "math.negative"), ("exp", "math.exp"), ("sqrt", "math.sqrt"),
    ("square", "math.square"), ("sin", "math.sin"), ("cos", "math.cos"), ("tan", "math.tan"),
    ("tanh", "math.tanh", "nn.tanh"), ("sigmoid", "math.sigmoid", "nn.sigmoid"), ("sign", "math.sign"),
    ("floor", "math.floor"), ("round", "math.round"), ("logical_not", "math.logical_not"),
    ("nn.softplus", "math.softplus"), ("nn.softsign", "math.softsign"), ("nn.silu", "nn.swish"),
    ("cast", "dtypes.cast"),
]


@pytest.mark.parametrize("names", ALIASES, ids=[case[0] for case in ALIASES])
def test_tf_aliases_name_one_function(backend, names):
    found = [functools.reduce(getattr, name.split("."), tf) for name in names]
    assert all(f is found[0] for f in found)


def test_every_unary_kernel_has_a_gradient_entry(backend):
    from engine.backends.cpu.kernel import KERNELS
    from engine.gradients.registry import has_gradient_entry
    names = [name for name, fn in KERNELS.items() if fn.__module__ == "engine.backends.cpu.unary"]
    assert len(names) > 40
    assert [name for name in names if not has_gradient_entry(name)] == []

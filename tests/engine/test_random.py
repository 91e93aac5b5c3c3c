import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

import engine as tf
from engine.backends.cpu.kernel import KERNELS as CPU_KERNELS
from engine.backends.cpu.random import philox, philox_arrays
from engine.runtime import run_kernel
from engine.gradients.registry import get_gradient, has_gradient_entry

RANDOM_KERNELS = ["RandomUniform", "RandomUniformInt", "RandomStandardNormal", "TruncatedNormal", "RandomShuffle"]
# The stateful ops and the kernel each one runs.
STATEFUL = [
    ("uniform", lambda **kw: tf.random.uniform([8], **kw)),
    ("uniform_int", lambda **kw: tf.random.uniform([8], maxval=1000, dtype=tf.int32, **kw)),
    ("normal", lambda **kw: tf.random.normal([8], **kw)),
    ("truncated_normal", lambda **kw: tf.random.truncated_normal([8], **kw)),
    ("shuffle", lambda **kw: tf.random.shuffle(tf.range(64), **kw)),
]


@pytest.fixture(autouse=True)
def fresh_seeds():
    tf.random.set_seed(None)
    yield
    tf.random.set_seed(None)


def _draws(fn, count=2, **kwargs):
    return [fn(**kwargs).numpy() for _ in range(count)]


def test_random_kernels_are_declared_not_differentiable(backend):
    for name in RANDOM_KERNELS:
        assert has_gradient_entry(name) and get_gradient(name) is None, name
    x = tf.constant([1.0, 2.0])
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.reduce_sum(x * tf.random.normal([2], seed=1))
    assert tape.gradient(y, x) is not None


def test_philox_matches_the_random123_known_answers(backend):
    low = 0xFFFFFFFF
    cases = [((0, 0, 0, 0), (0, 0), (0x6627E8D5, 0xE169C58D, 0xBC57AC4C, 0x9B00DBD8)),
             ((low, low, low, low), (low, low), (0x408F276D, 0x41C83B0E, 0xA20BC7C6, 0x6D5451FD)),
             ((0x243F6A88, 0x85A308D3, 0x13198A2E, 0x03707344), (0xA4093822, 0x299F31D0),
              (0xD16CFE09, 0x94FDCCEB, 0x5001E420, 0x24126EA1))]
    for counter, key, expected in cases:
        assert philox(*counter, *key) == expected
        words = philox_arrays(*(np.full(3, c, np.uint64) for c in counter), *key)
        np.testing.assert_array_equal(np.stack(words), np.repeat(np.array(expected, np.uint64)[:, None], 3, axis=1))


# Values TensorFlow 2.21 gives for the same calls: the generator matches it bit for bit.
def test_stateless_ops_reproduce_tensorflow(backend):
    got = tf.random.stateless_uniform([5], seed=[1, 2])
    np.testing.assert_array_equal(got.numpy(), np.array(
        [0.8440604, 0.19204533, 0.9962232, 0.1603874, 0.27199018], np.float32))
    got = tf.random.stateless_uniform([5], seed=[1, 2], minval=None, maxval=None, dtype=tf.int32)
    np.testing.assert_array_equal(got.numpy(), [1105988140, 1738052849, -335576002, 370444179, 10670227])
    got = tf.random.stateless_uniform([5], seed=[1, 2], minval=-3, maxval=10, dtype=tf.int32)
    np.testing.assert_array_equal(got.numpy(), [7, -3, -2, -2, 6])
    got = tf.random.stateless_uniform([5], seed=[-1, 2**40], dtype=tf.float16)
    np.testing.assert_array_equal(got.numpy(), np.array([0.3623, 0.02832, 0.006836, 0.4014, 0.3887], np.float16))
    got = tf.random.stateless_uniform([6], seed=[3, 4], minval=-2.5, maxval=7.25)
    np.testing.assert_array_equal(got.numpy(), np.array(
        [-0.12794733, 7.0891867, -0.35093164, 2.062222, 5.045115, 5.6455545], np.float32))
    got = tf.random.stateless_normal([5], seed=[1, 2])
    np.testing.assert_allclose(got.numpy(), [0.5441101, 0.20738031, 0.07356432, 0.04643455, -1.3015898], atol=1e-6)
    got = tf.random.stateless_truncated_normal([6], seed=[3, 4])
    np.testing.assert_allclose(got.numpy(), [-0.17393383, 1.6723547, 0.34817016, -1.7038907, 0.63851905,
                                             -1.3099246], atol=1e-6)


@pytest.mark.parametrize("name,fn", STATEFUL)
def test_global_and_op_seed_give_a_sequence_that_set_seed_restarts(backend, name, fn):
    tf.random.set_seed(1234)
    first = _draws(fn, seed=5)
    assert not np.array_equal(first[0], first[1])
    tf.random.set_seed(1234)
    np.testing.assert_array_equal(_draws(fn, seed=5), first)
    tf.random.set_seed(1235)
    assert not np.array_equal(_draws(fn, seed=5)[0], first[0])


@pytest.mark.parametrize("name,fn", STATEFUL)
def test_global_seed_alone_gives_a_sequence_that_set_seed_restarts(backend, name, fn):
    tf.random.set_seed(77)
    first = _draws(fn, 3)
    assert not np.array_equal(first[0], first[1]) and not np.array_equal(first[1], first[2])
    tf.random.set_seed(77)
    np.testing.assert_array_equal(_draws(fn, 3), first)


@pytest.mark.parametrize("name,fn", STATEFUL)
def test_op_seed_alone_is_reproducible_and_no_seed_is_not(backend, name, fn):
    first = _draws(fn, seed=9)
    assert not np.array_equal(first[0], first[1])
    tf.random.set_seed(None)
    np.testing.assert_array_equal(_draws(fn, seed=9), first)
    unseeded = [_draws(fn, 1)[0] for _ in range(2)]
    tf.random.set_seed(None)
    assert not np.array_equal(unseeded[0], unseeded[1])
    assert not np.array_equal(_draws(fn, 1)[0], unseeded[0])


def test_op_seeds_and_kernels_have_separate_sequences(backend):
    tf.random.set_seed(3)
    a = tf.random.uniform([6], seed=1).numpy()
    b = tf.random.uniform([6], seed=2).numpy()
    tf.random.normal([6], seed=1)
    tf.random.set_seed(3)
    assert not np.array_equal(a, b)
    tf.random.normal([6], seed=1)
    np.testing.assert_array_equal(tf.random.uniform([6], seed=1).numpy(), a)
    tf.random.set_seed(3)
    assert not np.array_equal(tf.random.uniform([6]).numpy(), a)


def test_normal_moments(backend):
    n = 100_000
    x = tf.random.normal([n], mean=2.0, stddev=3.0, seed=1).numpy().astype(np.float64)
    assert abs(x.mean() - 2.0) < 5 * 3.0 / np.sqrt(n)
    assert abs(x.std() - 3.0) < 5 * 3.0 / np.sqrt(2 * n)
    # Fourth moment of a normal is 3 sigma**4: Box-Muller pairs are not mistakenly correlated.
    z = (x - 2.0) / 3.0
    assert abs(np.mean(z ** 4) - 3.0) < 5 * np.sqrt(96 / n)
    pairs = z[: n // 2 * 2].reshape(-1, 2)
    assert abs(np.mean(pairs[:, 0] * pairs[:, 1])) < 5 / np.sqrt(n / 2)


def test_truncated_normal_bounds_and_moments(backend):
    n = 100_000
    x = tf.random.truncated_normal([n], mean=-1.0, stddev=0.5, seed=2).numpy().astype(np.float64)
    assert x.min() >= -2.0 and x.max() <= 0.0
    truncated_std = 0.5 * 0.8796256610342398
    assert abs(x.mean() + 1.0) < 5 * truncated_std / np.sqrt(n)
    assert abs(x.std() - truncated_std) < 5 * 0.5 / np.sqrt(2 * n)
    z = tf.random.stateless_truncated_normal([1001], seed=[5, 6], dtype=tf.float16)
    assert z.dtype == tf.float16 and np.all(np.abs(z.numpy()) <= 2)


def test_uniform_float_range_and_moments(backend):
    n = 100_000
    x = tf.random.uniform([n], minval=-2.0, maxval=6.0, seed=3).numpy().astype(np.float64)
    assert x.min() >= -2.0 and x.max() < 6.0
    assert abs(x.mean() - 2.0) < 5 * (8 / np.sqrt(12)) / np.sqrt(n)
    assert abs(x.var() - 64 / 12) < 5 * np.sqrt(64 ** 2 / 180 / n)
    half = tf.random.uniform([1000], dtype=tf.float16, seed=3)
    assert half.dtype == tf.float16 and half.numpy().min() >= 0 and half.numpy().max() < 1


def test_uniform_with_tensor_bounds_broadcasts(backend):
    low = tf.constant([[0.0], [10.0]])
    x = tf.random.uniform([2, 500], minval=low, maxval=tf.constant([[1.0], [20.0]]), seed=4).numpy()
    assert x.shape == (2, 500)
    assert x[0].min() >= 0 and x[0].max() < 1 and x[1].min() >= 10 and x[1].max() < 20


def test_uniform_int_range_and_frequencies(backend):
    n = 50_000
    x = tf.random.uniform([n], minval=-3, maxval=7, dtype=tf.int32, seed=5)
    assert x.dtype == tf.int32
    counts = np.bincount(x.numpy() + 3, minlength=10)
    assert counts.size == 10
    assert np.all(np.abs(counts - n / 10) < 5 * np.sqrt(n * 0.1 * 0.9))
    extremes = tf.random.uniform([1000], minval=-2**31, maxval=2**31, dtype=tf.int32, seed=5).numpy()
    assert extremes.min() < -2**30 and extremes.max() > 2**30


def test_normal_with_tensor_mean_and_stddev(backend):
    x = tf.random.normal([2, 2000], mean=tf.constant([[0.0], [100.0]]), stddev=tf.constant([[1.0], [0.01]]),
                         seed=6).numpy()
    assert abs(x[0].mean()) < 0.2 and abs(x[1].mean() - 100) < 0.01 and x[1].std() < 0.02


@pytest.mark.parametrize("shape", [[], [0], [3, 0, 2], (2, 3), [1]])
def test_shapes_including_scalar_and_empty(backend, shape):
    for fn in (tf.random.normal, tf.random.uniform, tf.random.truncated_normal):
        got = fn(shape, seed=1)
        assert tuple(got.shape) == tuple(shape) and got.dtype == tf.float32
    assert tuple(tf.random.uniform(tf.constant([2, 3], tf.int32), seed=1).shape) == (2, 3)
    assert tuple(tf.random.uniform(tf.TensorShape([4]), seed=1).shape) == (4,)


def test_shuffle_is_a_permutation_of_rows(backend):
    rows = np.arange(60).reshape(20, 3)
    got = tf.random.shuffle(tf.constant(rows), seed=1).numpy()
    assert got.dtype == np.int32
    np.testing.assert_array_equal(got[np.argsort(got[:, 0])], rows)
    assert not np.array_equal(got, rows)
    values = tf.random.shuffle(tf.range(100.0)).numpy()
    np.testing.assert_array_equal(np.sort(values), np.arange(100.0))
    assert tf.random.shuffle(tf.constant(5.0)).numpy() == 5.0
    assert tf.random.shuffle(tf.zeros([0, 2])).shape == (0, 2)
    a = tf.random.experimental.stateless_shuffle(tf.range(50), seed=[1, 2]).numpy()
    np.testing.assert_array_equal(a, tf.random.experimental.stateless_shuffle(tf.range(50), seed=[1, 2]).numpy())
    np.testing.assert_array_equal(np.sort(a), np.arange(50))


def test_shuffle_positions_are_uniform(backend):
    trials = 1000
    first = np.array([tf.random.shuffle(tf.range(4), seed=11).numpy()[0] for _ in range(trials)])
    counts = np.bincount(first, minlength=4)
    assert np.all(np.abs(counts - trials / 4) < 5 * np.sqrt(trials * 0.25 * 0.75))


def test_stateless_ops_depend_only_on_the_seed(backend):
    for fn in (tf.random.stateless_uniform, tf.random.stateless_normal, tf.random.stateless_truncated_normal):
        a = fn([3, 4], seed=[7, 8]).numpy()
        tf.random.set_seed(99)
        tf.random.normal([5])
        np.testing.assert_array_equal(fn([3, 4], seed=tf.constant([7, 8])).numpy(), a)
        assert not np.array_equal(fn([3, 4], seed=[8, 7]).numpy(), a)
    # Element i depends on (seed, i) only: a longer draw starts with the shorter one.
    np.testing.assert_array_equal(tf.random.stateless_uniform([10], seed=[1, 1]).numpy()[:6],
                                  tf.random.stateless_uniform([6], seed=[1, 1]).numpy())
    np.testing.assert_array_equal(tf.random.stateless_normal([7], seed=[1, 1]).numpy()[:5],
                                  tf.random.stateless_normal([5], seed=[1, 1]).numpy())


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seed=st.tuples(st.integers(-2**63, 2**64 - 1), st.integers(-2**63, 2**64 - 1)),
       size=st.integers(0, 70), extra=st.integers(1, 40),
       bounds=st.tuples(st.integers(-2**31, 2**31 - 1), st.integers(1, 2**32)))
def test_stateless_values_depend_on_seed_and_index_only(backend, seed, size, extra, bounds):
    short = tf.random.stateless_uniform([size], seed=seed).numpy()
    long = tf.random.stateless_uniform([size + extra], seed=seed).numpy()
    np.testing.assert_array_equal(long[:size], short)
    assert np.all((long >= 0) & (long < 1))
    low = bounds[0]
    high = min(low + bounds[1], 2**31)
    ints = tf.random.stateless_uniform([size + extra], seed=seed, minval=low, maxval=high, dtype=tf.int32).numpy()
    assert np.all((ints >= low) & (ints < high))


def test_random_ops_reject_bad_arguments(backend):
    with pytest.raises(tf.errors.InvalidArgumentError, match="uniform: maxval must be given"):
        tf.random.uniform([2], dtype=tf.int32)
    with pytest.raises(tf.errors.InvalidArgumentError, match="need minval < maxval, got minval=5, maxval=5"):
        tf.random.uniform([2], minval=5, maxval=5, dtype=tf.int32)
    with pytest.raises(tf.errors.InvalidArgumentError, match="maxval must be an integer"):
        tf.random.uniform([2], maxval=2.5, dtype=tf.int32)
    with pytest.raises(tf.errors.DTypeError, match="uniform: dtype must be float16 or float32, got bool"):
        tf.random.uniform([2], dtype=tf.bool)
    with pytest.raises(tf.errors.DTypeError, match="normal: dtype must be float16 or float32, got int32"):
        tf.random.normal([2], dtype=tf.int32)
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"shape \[2, -1\] has a negative dimension"):
        tf.random.normal([2, -1])
    with pytest.raises(tf.errors.InvalidArgumentError, match="shape must be a list of integers"):
        tf.random.truncated_normal([2.5])
    with pytest.raises(tf.errors.InvalidArgumentError, match="seed must be an integer"):
        tf.random.normal([2], seed=1.5)
    with pytest.raises(tf.errors.InvalidArgumentError, match="set_seed: seed must be an integer"):
        tf.random.set_seed("abc")
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"seed must have shape \[2\]"):
        tf.random.stateless_normal([2], seed=[1])
    with pytest.raises(tf.errors.DTypeError, match="seed must be an integer tensor"):
        tf.random.stateless_normal([2], seed=tf.constant([1.0, 2.0]))
    with pytest.raises(tf.errors.UnimplementedError, match="ThreeFry"):
        tf.random.stateless_uniform([2], seed=[1, 2], alg="threefry")
    with pytest.raises(tf.errors.InvalidArgumentError, match="both None or both given"):
        tf.random.stateless_uniform([2], seed=[1, 2], minval=None, maxval=4, dtype=tf.int32)


def _kernel_and_cpu_reference(name, inputs=(), **attrs):
    """Kernel `name` on the test's backend and the cpu kernel, both as numpy arrays."""
    return run_kernel(name, [tf.constant(x) for x in inputs], attrs).numpy(), CPU_KERNELS[name](*inputs, **attrs)


# Every backend draws the cpu kernels' values bit for bit, except normals: their float32 log, sin and cos
# (numpy's on the cpu, gl_kernels/random_normal_math.glsl on GL) differ by a few ulp (at most 5 in 2**24 draws).
@pytest.mark.parametrize("seed0,seed1", [(1, 2), (2**64 - 1, 2**63 + 5)])
def test_every_backend_draws_the_cpu_kernels_values(backend, seed0, seed1):
    seeds = {"seed0": seed0, "seed1": seed1}
    for dtype in (tf.float32, tf.float16):
        got, want = _kernel_and_cpu_reference("RandomUniform", shape=(3, 347), dtype=dtype, **seeds)
        assert got.dtype == want.dtype
        np.testing.assert_array_equal(got, want)
    for low, high in ((-3, 10), (0, 2**32), (-2**31, 2**31 - 1)):
        np.testing.assert_array_equal(*_kernel_and_cpu_reference("RandomUniformInt", shape=(1001,), minval=low,
                                                                 maxval=high, **seeds))
    rows = np.arange(150, dtype=np.int32).reshape(50, 3)
    np.testing.assert_array_equal(*_kernel_and_cpu_reference("RandomShuffle", [rows], **seeds))
    for name in ("RandomStandardNormal", "TruncatedNormal"):
        got, want = _kernel_and_cpu_reference(name, shape=(4001,), dtype=tf.float32, **seeds)
        np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-7)

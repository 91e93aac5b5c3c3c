"""Random tensors with TF 2's seeding rules, over a stateless counter-based generator.

Every random kernel is a pure function of its attrs: the shape, the dtype and a
seed pair (seed0, seed1) in [0, 2**64) (the generator is described in
engine/backends/cpu/random.py). The stateless ops take the pair from the
caller; the stateful ones (`normal`, `uniform`, ...) pick it by TF 2's rules:

- global seed and op seed: a fixed sequence per (kernel, seeds); `set_seed` restarts it;
- global seed only: each call takes the next internal op seed; `set_seed` restarts them;
- op seed only: as with TF's default global seed 87654321;
- neither: a fresh pair on every call, from a generator seeded by os.urandom once per process.
"""
import itertools
import numbers
import operator
import os
import random
import threading

from .._export import tf_export
from ..dtypes import as_dtype, float32
from ..errors import DTypeError, InvalidArgumentError, UnimplementedError
from ..runtime import current_trace, run_kernel
from ..tensor import Tensor
from .binary import add, multiply, subtract
from .convert import convert_to_tensor

_MASK64 = (1 << 64) - 1
_DEFAULT_GLOBAL_SEED = 87654321


class _SeedState:
    def __init__(self):
        self.lock = threading.Lock()
        self.global_seed = None
        self.internal_op_seeds = itertools.count()
        self.calls = {}     # (kernel, global seed, op seed) -> calls so far


_SEEDS = _SeedState()
# os.urandom costs up to a millisecond a call on some virtual machines, once per dropout layer per step;
# a child process draws its own pairs, not its parent's.
_FRESH = random.Random(os.urandom(32))
os.register_at_fork(after_in_child=lambda: _FRESH.seed(os.urandom(32)))


def _splitmix64(value):
    value = (value + 0x9E3779B97F4A7C15) & _MASK64
    value = ((value ^ (value >> 30)) * 0xBF58476D1CE4E5B9) & _MASK64
    value = ((value ^ (value >> 27)) * 0x94D049BB133111EB) & _MASK64
    return value ^ (value >> 31)


def _as_seed(seed, op_name):
    try:
        return operator.index(seed)
    except TypeError:
        raise InvalidArgumentError(f"{op_name}: seed must be an integer, got {seed!r}") from None


@tf_export("random.set_seed")
def set_seed(seed):
    """Set the global seed (None clears it) and restart every stateful op's sequence."""
    global_seed = None if seed is None else _as_seed(seed, "set_seed")
    with _SEEDS.lock:
        _SEEDS.global_seed = global_seed
        _SEEDS.internal_op_seeds = itertools.count()
        _SEEDS.calls.clear()


def stateful_seed_pair(kernel, seed, op_name):
    """The (seed0, seed1) attrs for one call of a stateful random op running `kernel`."""
    pair = _next_seed_pair(kernel, seed, op_name)
    trace = current_trace()
    if trace is not None:   # a tf.function replay draws the op's next pair again (engine/tracing.py)
        trace.saw_seed_request((kernel, seed, op_name), pair)
    return pair


def _next_seed_pair(kernel, seed, op_name):
    op_seed = None if seed is None else _as_seed(seed, op_name)
    state = _SEEDS
    if state.global_seed is None and op_seed is None:
        fresh = _FRESH.getrandbits(128)
        return fresh & _MASK64, fresh >> 64
    with state.lock:
        global_seed = _DEFAULT_GLOBAL_SEED if state.global_seed is None else state.global_seed
        if op_seed is None:
            stream = _splitmix64(next(state.internal_op_seeds)) | 1
        else:
            key = (kernel, global_seed, op_seed)
            count = state.calls.get(key, 0)
            state.calls[key] = count + 1
            # Even streams for op seeds, odd ones for internal seeds: the two never meet.
            stream = _splitmix64((op_seed & _MASK64) ^ _splitmix64(count)) & ~1
    return global_seed & _MASK64, stream


def stateless_seed_pair(seed, op_name):
    """The (seed0, seed1) attrs from a stateless op's `seed`: two integers (a list or an int tensor of shape [2])."""
    if isinstance(seed, Tensor):
        if not seed.dtype.is_integer:
            raise DTypeError(f"{op_name}: seed must be an integer tensor, got {seed.dtype.name}")
        seed = seed.numpy().tolist()
    try:
        values = [operator.index(s) for s in seed]
    except TypeError:
        raise InvalidArgumentError(f"{op_name}: seed must be a pair of integers, got {seed!r}") from None
    if len(values) != 2:
        raise InvalidArgumentError(f"{op_name}: seed must have shape [2], got {len(values)} values")
    return values[0] & _MASK64, values[1] & _MASK64


def check_alg(alg, op_name):
    """Only Philox exists here; TF's 'auto_select' picks it too."""
    name = alg.lower() if isinstance(alg, str) else alg
    if name in (None, "auto_select", "philox", 1, 3):
        return
    if name in ("threefry", 2):
        raise UnimplementedError(f"{op_name}: the ThreeFry algorithm is not implemented; use 'philox'")
    raise InvalidArgumentError(f"{op_name}: unknown random algorithm {alg!r}")


def shape_attr(shape, op_name):
    """A random op's `shape` (list, tuple, TensorShape or 1-D int tensor) as a tuple of non-negative ints."""
    if isinstance(shape, Tensor):
        if not shape.dtype.is_integer or shape.ndim != 1:
            raise InvalidArgumentError(
                f"{op_name}: shape must be a 1-D integer tensor, got {shape.dtype.name} of shape {list(shape.shape)}")
        shape = shape.numpy().tolist()
    try:
        dims = tuple(operator.index(d) for d in shape)
    except TypeError:
        raise InvalidArgumentError(f"{op_name}: shape must be a list of integers, got {shape!r}") from None
    if any(d < 0 for d in dims):
        raise InvalidArgumentError(f"{op_name}: shape {list(dims)} has a negative dimension")
    return dims


def _float_dtype(dtype, op_name):
    dtype = as_dtype(dtype)
    if not dtype.is_floating:
        raise DTypeError(f"{op_name}: dtype must be float16 or float32, got {dtype.name}")
    return dtype


def _is_number(value):
    return type(value) in (int, float) or isinstance(value, numbers.Real) and not isinstance(value, Tensor)


def _scale_and_shift(values, scale, shift):
    """values * scale + shift in values' dtype, skipping the identity cases."""
    dtype = values.dtype
    if not (_is_number(scale) and scale == 1):
        values = multiply(values, scale if _is_number(scale) else convert_to_tensor(scale, dtype=dtype))
    if not (_is_number(shift) and shift == 0):
        values = add(values, shift if _is_number(shift) else convert_to_tensor(shift, dtype=dtype))
    return values


def _int_bound(value, op_name, what):
    try:
        bound = operator.index(value)
    except TypeError:
        raise InvalidArgumentError(
            f"{op_name}: {what} must be an integer for an integer dtype, got {value!r}") from None
    if not -2**31 <= bound <= 2**31:
        raise InvalidArgumentError(f"{op_name}: {what} {bound} is out of the int32 range")
    return bound


def _uniform_int(shape, low, high, seeds, op_name):
    attrs = {"shape": shape_attr(shape, op_name), "minval": low, "maxval": high}
    attrs["seed0"], attrs["seed1"] = seeds("RandomUniformInt")
    return run_kernel("RandomUniformInt", [], attrs)


def _uniform(shape, minval, maxval, dtype, seeds, op_name):
    """Uniform values in [minval, maxval); `seeds(kernel)` gives the seed pair for the kernel that runs."""
    dtype = as_dtype(dtype)
    if dtype.is_integer:
        if maxval is None:
            raise InvalidArgumentError(f"{op_name}: maxval must be given for the integer dtype {dtype.name}")
        low, high = _int_bound(minval, op_name, "minval"), _int_bound(maxval, op_name, "maxval")
        if low >= high:
            raise InvalidArgumentError(f"{op_name}: need minval < maxval, got minval={low}, maxval={high}")
        return _uniform_int(shape, low, high, seeds, op_name)
    dtype = _float_dtype(dtype, op_name)
    shape = shape_attr(shape, op_name)
    maxval = 1 if maxval is None else maxval
    seed0, seed1 = seeds("RandomUniform")
    values = run_kernel("RandomUniform", [], {"shape": shape, "dtype": dtype, "seed0": seed0, "seed1": seed1})
    if _is_number(minval) and _is_number(maxval):
        # TF subtracts the bounds in the output dtype; numpy's scalars round the same way.
        scalar = dtype.as_numpy_dtype.type
        low = scalar(minval)
        return _scale_and_shift(values, float(scalar(maxval) - low), float(low))
    low, high = convert_to_tensor(minval, dtype=dtype), convert_to_tensor(maxval, dtype=dtype)
    return _scale_and_shift(values, subtract(high, low), low)


def _normal(kernel, shape, mean, stddev, dtype, seeds, op_name):
    attrs = {"shape": shape_attr(shape, op_name), "dtype": _float_dtype(dtype, op_name)}
    attrs["seed0"], attrs["seed1"] = seeds(kernel)
    return _scale_and_shift(run_kernel(kernel, [], attrs), stddev, mean)


def _shuffle(value, seed_pair):
    x = convert_to_tensor(value)
    if x.ndim == 0:
        return x
    return run_kernel("RandomShuffle", [x], {"seed0": seed_pair[0], "seed1": seed_pair[1]})


def _stateful(seed, op_name):
    return lambda kernel: stateful_seed_pair(kernel, seed, op_name)


def _stateless(seed, op_name):
    pair = stateless_seed_pair(seed, op_name)
    return lambda kernel: pair


@tf_export("random.uniform")
def uniform(shape, minval=0, maxval=None, dtype=float32, seed=None, name=None):
    """Uniform values in [minval, maxval) (maxval defaults to 1 for floats; integers need it)."""
    return _uniform(shape, minval, maxval, dtype, _stateful(seed, "uniform"), "uniform")


@tf_export("random.normal")
def normal(shape, mean=0.0, stddev=1.0, dtype=float32, seed=None, name=None):
    return _normal("RandomStandardNormal", shape, mean, stddev, dtype, _stateful(seed, "normal"), "normal")


@tf_export("random.truncated_normal")
def truncated_normal(shape, mean=0.0, stddev=1.0, dtype=float32, seed=None, name=None):
    """Normal values re-drawn until they lie within two standard deviations of the mean."""
    return _normal("TruncatedNormal", shape, mean, stddev, dtype, _stateful(seed, "truncated_normal"),
                   "truncated_normal")


@tf_export("random.shuffle")
def shuffle(value, seed=None, name=None):
    """A random permutation of `value` along its first axis."""
    return _shuffle(value, stateful_seed_pair("RandomShuffle", seed, "shuffle"))


@tf_export("random.stateless_uniform")
def stateless_uniform(shape, seed, minval=0, maxval=None, dtype=float32, name=None, alg="auto_select"):
    """Uniform values fixed by `seed`; for int32, minval=None and maxval=None give the full range."""
    check_alg(alg, "stateless_uniform")
    seeds = _stateless(seed, "stateless_uniform")
    if as_dtype(dtype).is_integer and (minval is None or maxval is None):
        if minval is not None or maxval is not None:
            raise InvalidArgumentError("stateless_uniform: for an integer dtype, minval and maxval must be both "
                                       f"None or both given, got minval={minval!r}, maxval={maxval!r}")
        return _uniform_int(shape, 0, 2**32, seeds, "stateless_uniform")  # the raw 32 bits, as TF's full range
    return _uniform(shape, minval, maxval, dtype, seeds, "stateless_uniform")


@tf_export("random.stateless_normal")
def stateless_normal(shape, seed, mean=0.0, stddev=1.0, dtype=float32, name=None, alg="auto_select"):
    check_alg(alg, "stateless_normal")
    return _normal("RandomStandardNormal", shape, mean, stddev, dtype, _stateless(seed, "stateless_normal"),
                   "stateless_normal")


@tf_export("random.stateless_truncated_normal")
def stateless_truncated_normal(shape, seed, mean=0.0, stddev=1.0, dtype=float32, name=None, alg="auto_select"):
    check_alg(alg, "stateless_truncated_normal")
    return _normal("TruncatedNormal", shape, mean, stddev, dtype, _stateless(seed, "stateless_truncated_normal"),
                   "stateless_truncated_normal")


@tf_export("random.experimental.stateless_shuffle")
def stateless_shuffle(value, seed, alg="auto_select", name=None):
    check_alg(alg, "stateless_shuffle")
    return _shuffle(value, stateless_seed_pair(seed, "stateless_shuffle"))

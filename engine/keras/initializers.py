"""`tf.keras.initializers`: Keras 3's weight initializers, their configs and names.

An initializer is called as `initializer(shape, dtype=None)` and returns a
tensor. With an integer `seed` it returns the same values on every call (a
stateless random op keyed by the seed); without one each call draws fresh
values from the global random stream (so `tf.random.set_seed` makes runs
repeatable). The random streams are the engine's, not Keras's: seeded values
are reproducible here, not bit-identical to Keras.
"""
import math

import numpy as np

from .._export import lookup
from ..dtypes import as_dtype
from ..errors import InvalidArgumentError
from . import serialization

__all__ = ["Initializer", "Constant", "Zeros", "Ones", "RandomNormal", "RandomUniform", "TruncatedNormal",
           "VarianceScaling", "GlorotUniform", "GlorotNormal", "HeUniform", "HeNormal", "LecunUniform",
           "LecunNormal", "Orthogonal", "IdentityInitializer", "Identity", "constant", "zeros", "ones",
           "random_normal", "random_uniform", "truncated_normal", "variance_scaling", "orthogonal", "identity",
           "glorot_uniform", "glorot_normal", "he_uniform", "he_normal", "lecun_uniform", "lecun_normal",
           "compute_fans", "get", "serialize", "deserialize"]

# The standard deviation of a unit normal truncated to [-2, 2]: VarianceScaling divides by it so the
# truncated draw keeps the requested variance.
_TRUNCATED_NORMAL_STDDEV = 0.87962566103423978


def compute_fans(shape, input_axes=None, output_axes=None):
    """(fan_in, fan_out) as Keras computes them.

    By default the last axis is the output, the one before it the input, and
    conv kernels multiply both by the receptive field (the product of the other
    axes). `input_axes`/`output_axes` name the axes explicitly (einsum kernels);
    the remaining axes then form the receptive field.
    """
    shape = tuple(int(d) for d in shape)
    if input_axes is not None or output_axes is not None:
        rank = len(shape)
        inputs = [a % rank for a in (input_axes if input_axes is not None else [-2])]
        outputs = [a % rank for a in (output_axes if output_axes is not None else [-1])]
        receptive_field = math.prod(d for a, d in enumerate(shape) if a not in inputs and a not in outputs)
        return (math.prod(shape[a] for a in inputs) * receptive_field,
                math.prod(shape[a] for a in outputs) * receptive_field)
    if not shape:
        return 1, 1
    if len(shape) == 1:
        return shape[0], shape[0]
    if len(shape) == 2:
        return shape[0], shape[1]
    receptive_field = math.prod(shape[:-2])
    return shape[-2] * receptive_field, shape[-1] * receptive_field


def _float_dtype(dtype, who):
    dtype = as_dtype(dtype or "float32")
    if not dtype.is_floating:
        raise InvalidArgumentError(f"{who}: only floating dtypes can be initialized randomly, got {dtype.name}")
    return dtype


def _check_seed(seed, who):
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, (int, np.integer))):
        raise InvalidArgumentError(f"{who}: seed must be an integer or None, got {seed!r}")
    return None if seed is None else int(seed)


class Initializer:
    """Base class: subclasses implement `__call__(shape, dtype=None)` and `get_config()`."""

    def __call__(self, shape, dtype=None):
        raise NotImplementedError(f"{type(self).__name__} must implement __call__(shape, dtype=None)")

    def get_config(self):
        return {}

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def clone(self):
        return type(self).from_config(self.get_config())

    def __repr__(self):
        return f"{type(self).__name__}({self.get_config()})"


class _Seeded(Initializer):
    def _normal(self, shape, mean, stddev, dtype):
        if self.seed is None:
            return lookup("random.normal")(shape, mean=mean, stddev=stddev, dtype=dtype)
        return lookup("random.stateless_normal")(shape, seed=[self.seed, 0], mean=mean, stddev=stddev, dtype=dtype)

    def _truncated_normal(self, shape, mean, stddev, dtype):
        if self.seed is None:
            return lookup("random.truncated_normal")(shape, mean=mean, stddev=stddev, dtype=dtype)
        return lookup("random.stateless_truncated_normal")(shape, seed=[self.seed, 0], mean=mean, stddev=stddev,
                                                           dtype=dtype)

    def _uniform(self, shape, minval, maxval, dtype):
        if self.seed is None:
            return lookup("random.uniform")(shape, minval=minval, maxval=maxval, dtype=dtype)
        return lookup("random.stateless_uniform")(shape, seed=[self.seed, 0], minval=minval, maxval=maxval,
                                                  dtype=dtype)


class Constant(Initializer):
    def __init__(self, value=0.0):
        self.value = value

    def __call__(self, shape, dtype=None):
        dtype = as_dtype(dtype or "float32")
        value = np.asarray(self.value.numpy() if hasattr(self.value, "numpy") else self.value)
        return lookup("convert_to_tensor")(np.broadcast_to(value, tuple(shape)).astype(dtype.name))

    def get_config(self):
        return {"value": serialization.serialize_keras_object(self.value)}

    @classmethod
    def from_config(cls, config):
        return cls(value=serialization.deserialize_keras_object(config.get("value", 0.0)))


class Zeros(Initializer):
    def __call__(self, shape, dtype=None):
        return lookup("zeros")(tuple(shape), dtype=as_dtype(dtype or "float32"))


class Ones(Initializer):
    def __call__(self, shape, dtype=None):
        return lookup("ones")(tuple(shape), dtype=as_dtype(dtype or "float32"))


class RandomNormal(_Seeded):
    def __init__(self, mean=0.0, stddev=0.05, seed=None):
        self.mean = mean
        self.stddev = stddev
        self.seed = _check_seed(seed, "RandomNormal")

    def __call__(self, shape, dtype=None):
        return self._normal(tuple(shape), self.mean, self.stddev, _float_dtype(dtype, "RandomNormal"))

    def get_config(self):
        return {"mean": self.mean, "stddev": self.stddev, "seed": self.seed}


class TruncatedNormal(_Seeded):
    """Normal values re-drawn until they lie within two standard deviations of the mean."""

    def __init__(self, mean=0.0, stddev=0.05, seed=None):
        self.mean = mean
        self.stddev = stddev
        self.seed = _check_seed(seed, "TruncatedNormal")

    def __call__(self, shape, dtype=None):
        return self._truncated_normal(tuple(shape), self.mean, self.stddev, _float_dtype(dtype, "TruncatedNormal"))

    def get_config(self):
        return {"mean": self.mean, "stddev": self.stddev, "seed": self.seed}


class RandomUniform(_Seeded):
    def __init__(self, minval=-0.05, maxval=0.05, seed=None):
        self.minval = minval
        self.maxval = maxval
        self.seed = _check_seed(seed, "RandomUniform")

    def __call__(self, shape, dtype=None):
        return self._uniform(tuple(shape), self.minval, self.maxval, _float_dtype(dtype, "RandomUniform"))

    def get_config(self):
        return {"minval": self.minval, "maxval": self.maxval, "seed": self.seed}


class VarianceScaling(_Seeded):
    """Values with variance `scale / n`, n being fan_in, fan_out or their mean (`mode`)."""

    _MODES = ("fan_in", "fan_out", "fan_avg")
    _DISTRIBUTIONS = ("truncated_normal", "untruncated_normal", "uniform")

    def __init__(self, scale=1.0, mode="fan_in", distribution="truncated_normal", seed=None, input_axes=None,
                 output_axes=None):
        who = type(self).__name__
        if scale <= 0.0:
            raise InvalidArgumentError(f"{who}: scale must be positive, got {scale!r}")
        if mode not in self._MODES:
            raise InvalidArgumentError(f"{who}: mode must be one of {self._MODES}, got {mode!r}")
        distribution = distribution.lower()
        if distribution == "normal":
            distribution = "truncated_normal"
        if distribution not in self._DISTRIBUTIONS:
            raise InvalidArgumentError(f"{who}: distribution must be one of {self._DISTRIBUTIONS}, "
                                       f"got {distribution!r}")
        self.scale = scale
        self.mode = mode
        self.distribution = distribution
        self.seed = _check_seed(seed, who)
        self.input_axes = None if input_axes is None else list(input_axes)
        self.output_axes = None if output_axes is None else list(output_axes)

    def __call__(self, shape, dtype=None):
        shape = tuple(shape)
        dtype = _float_dtype(dtype, type(self).__name__)
        fan_in, fan_out = compute_fans(shape, self.input_axes, self.output_axes)
        fan = {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2.0}[self.mode]
        variance = self.scale / max(1.0, fan)
        if self.distribution == "truncated_normal":
            return self._truncated_normal(shape, 0.0, math.sqrt(variance) / _TRUNCATED_NORMAL_STDDEV, dtype)
        if self.distribution == "untruncated_normal":
            return self._normal(shape, 0.0, math.sqrt(variance), dtype)
        limit = math.sqrt(3.0 * variance)
        return self._uniform(shape, -limit, limit, dtype)

    def get_config(self):
        return {"seed": self.seed, "scale": self.scale, "mode": self.mode, "distribution": self.distribution,
                "input_axes": self.input_axes, "output_axes": self.output_axes}


class _FixedVarianceScaling(VarianceScaling):
    """A VarianceScaling preset whose config holds only the seed and the fan axes."""

    _PRESET = {}

    def __init__(self, seed=None, input_axes=None, output_axes=None):
        super().__init__(seed=seed, input_axes=input_axes, output_axes=output_axes, **self._PRESET)

    def get_config(self):
        return {"seed": self.seed, "input_axes": self.input_axes, "output_axes": self.output_axes}


class GlorotUniform(_FixedVarianceScaling):
    _PRESET = {"scale": 1.0, "mode": "fan_avg", "distribution": "uniform"}


class GlorotNormal(_FixedVarianceScaling):
    _PRESET = {"scale": 1.0, "mode": "fan_avg", "distribution": "truncated_normal"}


class LecunUniform(_FixedVarianceScaling):
    _PRESET = {"scale": 1.0, "mode": "fan_in", "distribution": "uniform"}


class LecunNormal(_FixedVarianceScaling):
    _PRESET = {"scale": 1.0, "mode": "fan_in", "distribution": "truncated_normal"}


class HeUniform(_FixedVarianceScaling):
    _PRESET = {"scale": 2.0, "mode": "fan_in", "distribution": "uniform"}


class HeNormal(_FixedVarianceScaling):
    _PRESET = {"scale": 2.0, "mode": "fan_in", "distribution": "truncated_normal"}


class Orthogonal(_Seeded):
    """An orthogonal matrix (times `gain`) over the kernel flattened to [prod(shape[:-1]), shape[-1]]."""

    def __init__(self, gain=1.0, seed=None):
        self.gain = gain
        self.seed = _check_seed(seed, "Orthogonal")

    def __call__(self, shape, dtype=None):
        shape = tuple(shape)
        dtype = _float_dtype(dtype, "Orthogonal")
        if len(shape) < 2:
            raise InvalidArgumentError(f"Orthogonal: the shape must have rank 2 or more, got {list(shape)}")
        rows, cols = math.prod(shape[:-1]), shape[-1]
        draw = self._normal((max(rows, cols), min(rows, cols)), 0.0, 1.0, "float32").numpy().astype(np.float64)
        q, r = np.linalg.qr(draw)
        # Fixing the signs by r's diagonal makes q uniformly distributed over orthogonal matrices.
        q = q * np.where(np.diag(r) < 0, -1.0, 1.0)
        if rows < cols:
            q = q.T
        return lookup("convert_to_tensor")((self.gain * q).reshape(shape).astype(dtype.name))

    def get_config(self):
        return {"gain": self.gain, "seed": self.seed}


class IdentityInitializer(Initializer):
    """`gain` times the identity matrix (2-D shapes only; rectangular ones get ones on the main diagonal)."""

    def __init__(self, gain=1.0):
        self.gain = gain

    def __call__(self, shape, dtype=None):
        shape = tuple(shape)
        if len(shape) != 2:
            raise InvalidArgumentError(f"IdentityInitializer: the shape must be 2-D, got {list(shape)}")
        dtype = as_dtype(dtype or "float32")
        return lookup("convert_to_tensor")((self.gain * np.eye(*shape)).astype(dtype.name))

    def get_config(self):
        return {"gain": self.gain}


Identity = IdentityInitializer

_CLASSES = (Constant, Zeros, Ones, RandomNormal, RandomUniform, TruncatedNormal, VarianceScaling, GlorotUniform,
            GlorotNormal, HeUniform, HeNormal, LecunUniform, LecunNormal, Orthogonal, IdentityInitializer)
# Keras resolves snake_case names and a few aliases to these classes.
_NAMES = {
    "constant": Constant, "zeros": Zeros, "zero": Zeros, "ones": Ones, "one": Ones,
    "random_normal": RandomNormal, "normal": RandomNormal, "random_uniform": RandomUniform,
    "uniform": RandomUniform, "truncated_normal": TruncatedNormal, "variance_scaling": VarianceScaling,
    "glorot_uniform": GlorotUniform, "glorot_normal": GlorotNormal, "he_uniform": HeUniform,
    "he_normal": HeNormal, "lecun_uniform": LecunUniform, "lecun_normal": LecunNormal,
    "orthogonal": Orthogonal, "identity": IdentityInitializer, "Identity": IdentityInitializer,
}
# Keras 3 also publishes each class under its snake_case name (keras.initializers.he_normal, ...).
constant, zeros, ones = Constant, Zeros, Ones
random_normal, random_uniform, truncated_normal = RandomNormal, RandomUniform, TruncatedNormal
variance_scaling, orthogonal, identity = VarianceScaling, Orthogonal, IdentityInitializer
glorot_uniform, glorot_normal, he_uniform, he_normal = GlorotUniform, GlorotNormal, HeUniform, HeNormal
lecun_uniform, lecun_normal = LecunUniform, LecunNormal
for _cls in _CLASSES:
    serialization.register_builtin(_cls, "keras.initializers")
serialization.register_builtin(IdentityInitializer, "keras.initializers", "Identity")
_MODULE_OBJECTS = {**{cls.__name__: cls for cls in _CLASSES}, **_NAMES}

serialize, deserialize, get = serialization.module_functions(
    "initializer", _MODULE_OBJECTS, ", ".join(sorted(_NAMES)), Initializer)

"""`Metric` (Keras 3's stateful metric base) and the reducing metrics Mean, Sum and MeanMetricWrapper.

A metric keeps its state in non-trainable Variables. Updating it never records
on an active GradientTape: `update_state` of every subclass runs with recording
paused, so metrics computed inside a training step cost the tape nothing.
"""
import functools

import numpy as np

from .. import runtime
from ..dtypes import as_dtype, float32
from ..errors import InvalidArgumentError
from ..ops.binary import divide_no_nan, multiply
from ..ops.convert import convert_to_tensor
from ..ops.reduction import reduce_mean, reduce_sum
from ..ops.shape import broadcast_to, identity
from ..ops.training import accumulate_mean
from ..tensor import Variable
from .losses import as_float_tensor, snake_case, squeeze_or_expand_to_same_rank

__all__ = ["Metric", "Mean", "Sum", "MeanMetricWrapper"]


def _unrecorded(update_state):
    @functools.wraps(update_state)
    def wrapper(self, *args, **kwargs):
        with runtime.no_recording():
            return update_state(self, *args, **kwargs)
    wrapper._unrecorded = True
    return wrapper


class Metric:
    """Base class: create state with `add_variable` in `__init__`, accumulate in `update_state`,
    read in `result`.

    `_direction` ("up", "down" or None) tells callbacks in mode "auto" whether higher is better.
    """

    _direction = None

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        update_state = cls.__dict__.get("update_state")
        if update_state is not None and not getattr(update_state, "_unrecorded", False):
            cls.update_state = _unrecorded(update_state)

    def __init__(self, dtype=None, name=None):
        self.name = name or snake_case(type(self).__name__)
        self._dtype = as_dtype(dtype or "float32").name
        self._variables = []
        self._zeros = []      # each variable's initial value

    @property
    def dtype(self):
        return self._dtype

    @property
    def variables(self):
        return list(self._variables)

    def add_variable(self, shape, initializer="zeros", dtype=None, aggregation="sum", name=None):
        if initializer not in ("zeros", None):
            raise InvalidArgumentError(f"metric {self.name!r}: variables start at zero; got initializer "
                                       f"{initializer!r}")
        dtype = as_dtype(dtype or self._dtype)
        zeros = convert_to_tensor(np.zeros(tuple(shape), dtype.as_numpy_dtype))
        runtime.STATE.scope_keep(zeros)   # lives as long as the metric, as its variable does
        variable = Variable(zeros, trainable=False, name=name)
        self._variables.append(variable)
        self._zeros.append(zeros)
        return variable

    def add_weight(self, shape=(), initializer=None, dtype=None, name=None):
        return self.add_variable(shape=shape, initializer=initializer, dtype=dtype, name=name)

    def reset_state(self):
        """Set every state variable back to zero (between epochs and evaluations): to the zeros it started from,
        which a GPU then need not be sent again (tensors are never written in place)."""
        for variable, zeros in zip(self._variables, self._zeros):
            variable.assign(zeros)

    def update_state(self, *args, **kwargs):
        raise NotImplementedError(f"{type(self).__name__} must implement update_state(...)")

    def result(self):
        raise NotImplementedError(f"{type(self).__name__} must implement result()")

    def __call__(self, *args, **kwargs):
        self.update_state(*args, **kwargs)
        return self.result()

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype}

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def __repr__(self):
        return f"<{type(self).__name__} name={self.name}>"


def reduce_to_samplewise_values(values, sample_weight, reduce_fn, dtype):
    """Keras's rule: weight `values` by `sample_weight` and reduce them to one value per sample.

    Returns (values of shape [batch] or a scalar, the per-sample weights or None).
    """
    values = as_float_tensor(values, as_dtype(dtype))
    if sample_weight is not None:
        sample_weight = as_float_tensor(sample_weight, values.dtype)
        values, sample_weight = squeeze_or_expand_to_same_rank(values, sample_weight)
        weight_rank, value_rank = len(sample_weight.shape), len(values.shape)
        if value_rank > weight_rank:
            values = reduce_fn(values, axis=list(range(weight_rank, value_rank)))
        if tuple(sample_weight.shape) != tuple(values.shape):
            sample_weight = broadcast_to(sample_weight, tuple(values.shape))
        values = multiply(values, sample_weight)
        if weight_rank > 1:
            sample_weight = reduce_fn(sample_weight, axis=list(range(1, weight_rank)))
    if len(values.shape) > 1:
        values = reduce_fn(values, axis=list(range(1, len(values.shape))))
    return values, sample_weight


class Mean(Metric):
    """The (weighted) mean of the values given: total / count."""

    def __init__(self, name="mean", dtype=None):
        super().__init__(name=name, dtype=dtype)
        self.total = self.add_variable(shape=(), name="total")
        self.count = self.add_variable(shape=(), name="count")

    def update_state(self, values, sample_weight=None):
        values, sample_weight = reduce_to_samplewise_values(values, sample_weight, reduce_mean, self._dtype)
        increment = reduce_sum(sample_weight) if sample_weight is not None else \
            float(values.shape[0]) if values.ndim >= 1 else 1.0
        self.accumulate(values, increment)

    def accumulate(self, values, increment, weighted=False):
        """total += sum(values) (times increment where weighted); count += increment. One kernel for float32
        (a training step's hot path: every metric and loss tracker, every batch)."""
        if self.total.dtype is float32 and values.dtype is float32:
            total, count = accumulate_mean(self.total, self.count, values,
                                           convert_to_tensor(increment, dtype=float32), weighted=weighted)
            self.total.assign(total)
            self.count.assign(count)
            return
        added = reduce_sum(values)
        self.total.assign_add(multiply(added, increment) if weighted else added)
        self.count.assign_add(increment)

    def result(self):
        return divide_no_nan(self.total, self.count)


class Sum(Metric):
    """The (weighted) sum of the values given."""

    def __init__(self, name="sum", dtype=None):
        super().__init__(name=name, dtype=dtype)
        self.total = self.add_variable(shape=(), name="total")

    def update_state(self, values, sample_weight=None):
        values, _ = reduce_to_samplewise_values(values, sample_weight, reduce_sum, self._dtype)
        self.total.assign_add(reduce_sum(values))

    def result(self):
        return identity(self.total)


class MeanMetricWrapper(Mean):
    """The mean of `fn(y_true, y_pred, **kwargs)` over every sample seen (accuracy and friends).

    Built-in subclasses name the arguments their Keras config lists in `_config_keys`.
    """

    _config_keys = None

    def __init__(self, fn, name=None, dtype=None, **kwargs):
        super().__init__(name=name or getattr(fn, "__name__", None), dtype=dtype)
        self._fn = fn
        self._fn_kwargs = kwargs
        from . import losses
        if self._direction is None and (fn in losses.ALL_OBJECTS_DICT.values() or isinstance(fn, losses.Loss)):
            self._direction = "down"

    def update_state(self, y_true, y_pred, sample_weight=None):
        super().update_state(self._fn(y_true, y_pred, **self._fn_kwargs), sample_weight)

    def get_config(self):
        config = super().get_config()
        if self._config_keys is None:
            from .losses import serialize as serialize_function
            config["fn"] = serialize_function(self._fn)
            config.update(self._fn_kwargs)
        else:
            config.update({key: self._fn_kwargs[key] for key in self._config_keys})
        return config

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        if cls._config_keys is None and "fn" in config:
            from .losses import deserialize as deserialize_function
            config["fn"] = deserialize_function(config["fn"])
        return cls(**config)

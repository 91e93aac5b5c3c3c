"""`tf.keras.constraints`: projections an optimizer applies to a weight after each update.

A layer passes its constraint to `add_weight`, which stores it as the
Variable's `constraint`; the optimizers call it after every step.
"""
from .._export import lookup
from ..errors import InvalidArgumentError
from . import serialization

__all__ = ["Constraint", "MaxNorm", "NonNeg", "UnitNorm", "MinMaxNorm", "max_norm", "non_neg", "unit_norm",
           "min_max_norm", "get", "serialize", "deserialize"]

# Keras's backend.epsilon(): keeps the division finite for all-zero weights.
_EPSILON = 1e-7


def _norms(w, axis):
    return lookup("sqrt")(lookup("reduce_sum")(lookup("square")(w), axis=axis, keepdims=True))


class Constraint:
    """Base class: `constraint(weight)` returns the projected weight."""

    def __call__(self, w):
        return w

    def get_config(self):
        return {}

    @classmethod
    def from_config(cls, config):
        return cls(**config)


class MaxNorm(Constraint):
    """Rescales each slice along `axis` whose L2 norm exceeds `max_value` down to it."""

    def __init__(self, max_value=2, axis=0):
        self.max_value = max_value
        self.axis = axis

    def __call__(self, w):
        norms = _norms(w, self.axis)
        desired = lookup("clip_by_value")(norms, 0.0, float(self.max_value))
        return w * (desired / (_EPSILON + norms))

    def get_config(self):
        return {"max_value": self.max_value, "axis": self.axis}


class NonNeg(Constraint):
    """Sets negative weights to zero."""

    def __call__(self, w):
        return w * lookup("cast")(lookup("greater_equal")(w, 0.0), w.dtype)


class UnitNorm(Constraint):
    """Scales each slice along `axis` to unit L2 norm."""

    def __init__(self, axis=0):
        self.axis = axis

    def __call__(self, w):
        return w / (_EPSILON + _norms(w, self.axis))

    def get_config(self):
        return {"axis": self.axis}


class MinMaxNorm(Constraint):
    """Moves each slice's L2 norm into [min_value, max_value], a fraction `rate` of the way per call."""

    def __init__(self, min_value=0.0, max_value=1.0, rate=1.0, axis=0):
        if min_value > max_value:
            raise InvalidArgumentError(f"MinMaxNorm: min_value {min_value} is larger than max_value {max_value}")
        self.min_value = min_value
        self.max_value = max_value
        self.rate = rate
        self.axis = axis

    def __call__(self, w):
        norms = _norms(w, self.axis)
        clipped = lookup("clip_by_value")(norms, float(self.min_value), float(self.max_value))
        desired = self.rate * clipped + (1.0 - self.rate) * norms
        return w * (desired / (_EPSILON + norms))

    def get_config(self):
        return {"min_value": self.min_value, "max_value": self.max_value, "rate": self.rate, "axis": self.axis}


max_norm = MaxNorm
non_neg = NonNeg
unit_norm = UnitNorm
min_max_norm = MinMaxNorm

_CLASSES = (MaxNorm, NonNeg, UnitNorm, MinMaxNorm)
for _cls in _CLASSES:
    serialization.register_builtin(_cls, "keras.constraints")
_MODULE_OBJECTS = {**{cls.__name__: cls for cls in _CLASSES}, "max_norm": MaxNorm, "non_neg": NonNeg,
                   "unit_norm": UnitNorm, "min_max_norm": MinMaxNorm, "Constraint": Constraint}

serialize, deserialize, get = serialization.module_functions(
    "constraint", _MODULE_OBJECTS, "max_norm, non_neg, unit_norm, min_max_norm", Constraint)

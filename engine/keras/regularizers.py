"""`tf.keras.regularizers`: weight penalties (L1, L2, L1L2, OrthogonalRegularizer) added to a layer's losses."""
from .._export import lookup
from ..errors import InvalidArgumentError
from . import serialization

__all__ = ["Regularizer", "L1", "L2", "L1L2", "OrthogonalRegularizer", "l1", "l2", "l1_l2",
           "orthogonal_regularizer", "get", "serialize", "deserialize"]


def _factor(value, what, who):
    try:
        value = float(value)
    except (TypeError, ValueError):
        raise InvalidArgumentError(f"{who}: {what} must be a number, got {value!r}") from None
    if value < 0 or value != value:
        raise InvalidArgumentError(f"{who}: {what} must be a non-negative number, got {value!r}")
    return value


class Regularizer:
    """Base class: `regularizer(weight)` returns a scalar penalty tensor."""

    def __call__(self, x):
        return lookup("constant")(0.0)

    def get_config(self):
        return {}

    @classmethod
    def from_config(cls, config):
        return cls(**config)


class L1(Regularizer):
    """l1 * sum(|x|)."""

    def __init__(self, l1=0.01):
        self.l1 = _factor(l1, "l1", "L1")

    def __call__(self, x):
        return self.l1 * lookup("reduce_sum")(lookup("abs")(x))

    def get_config(self):
        return {"l1": self.l1}


class L2(Regularizer):
    """l2 * sum(x ** 2)."""

    def __init__(self, l2=0.01):
        self.l2 = _factor(l2, "l2", "L2")

    def __call__(self, x):
        return self.l2 * lookup("reduce_sum")(lookup("square")(x))

    def get_config(self):
        return {"l2": self.l2}


class L1L2(Regularizer):
    """l1 * sum(|x|) + l2 * sum(x ** 2)."""

    def __init__(self, l1=0.0, l2=0.0):
        self.l1 = _factor(l1, "l1", "L1L2")
        self.l2 = _factor(l2, "l2", "L1L2")

    def __call__(self, x):
        penalty = lookup("constant")(0.0, dtype=x.dtype)
        if self.l1:
            penalty = penalty + self.l1 * lookup("reduce_sum")(lookup("abs")(x))
        if self.l2:
            penalty = penalty + self.l2 * lookup("reduce_sum")(lookup("square")(x))
        return penalty

    def get_config(self):
        return {"l1": self.l1, "l2": self.l2}


class OrthogonalRegularizer(Regularizer):
    """factor * mean |off-diagonal of the Gram matrix| of the L2-normalised rows (or columns) of a 2-D weight."""

    def __init__(self, factor=0.01, mode="rows"):
        self.factor = _factor(factor, "factor", "OrthogonalRegularizer")
        if mode not in ("rows", "columns"):
            raise InvalidArgumentError(f"OrthogonalRegularizer: mode must be 'rows' or 'columns', got {mode!r}")
        self.mode = mode

    def __call__(self, x):
        if x.ndim != 2:
            raise InvalidArgumentError(
                f"OrthogonalRegularizer: only 2-D weights can be regularized, got shape {list(x.shape)}")
        if self.mode == "columns":
            x = lookup("transpose")(x)
        rows = lookup("math.l2_normalize")(x, axis=1)
        gram = lookup("matmul")(rows, rows, transpose_b=True)
        n = x.shape[0]
        off_diagonal = gram * (1.0 - lookup("eye")(n, dtype=gram.dtype))
        return self.factor * lookup("reduce_sum")(lookup("abs")(off_diagonal)) / (n * (n - 1) / 2.0)

    def get_config(self):
        return {"factor": self.factor, "mode": self.mode}


# Keras 3 publishes the lowercase names as aliases of the classes.
l1 = L1
l2 = L2
l1_l2 = L1L2
orthogonal_regularizer = OrthogonalRegularizer

_CLASSES = (L1, L2, L1L2, OrthogonalRegularizer)
for _cls in _CLASSES:
    serialization.register_builtin(_cls, "keras.regularizers")
_MODULE_OBJECTS = {**{cls.__name__: cls for cls in _CLASSES}, "l1": L1, "l2": L2, "l1_l2": L1L2,
                   "orthogonal_regularizer": OrthogonalRegularizer, "Regularizer": Regularizer}

serialize, deserialize, get = serialization.module_functions(
    "regularizer", _MODULE_OBJECTS, "l1, l2, l1_l2, orthogonal_regularizer", Regularizer)

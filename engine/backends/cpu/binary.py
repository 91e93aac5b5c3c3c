"""Broadcasting binary kernels.

Float overflow, inf - inf and division by zero give inf/NaN as in TF, hence the
`np.errstate`; only integer division by zero and negative integer powers raise.
"""
import numpy as np

from ...errors import InvalidArgumentError
from .parallel import map_parts, split_rows
from .kernel import cpu_kernel


def _check_integer_divisor(b, op_name):
    if b.dtype.kind == "i" and not np.all(b):
        raise InvalidArgumentError(f"{op_name}: integer division by zero")


@cpu_kernel("Add")
def add(a, b):
    rows = split_rows(a, operations=2) if a.size >= b.size else None
    with np.errstate(all="ignore"):
        if rows is None or np.broadcast_shapes(a.shape, b.shape) != a.shape:
            return np.add(a, b)
        # Big activations plus a bias (or another tensor like them), in blocks of their rows on all cores.
        out = np.empty(a.shape, np.result_type(a, b))
        per_row = b.ndim == a.ndim and b.shape[0] == a.shape[0]
        map_parts(lambda part: np.add(a[part], b[part] if per_row else b, out=out[part]), rows)
        return out


@cpu_kernel("Sub")
def sub(a, b):
    with np.errstate(all="ignore"):
        return np.subtract(a, b)


@cpu_kernel("Mul")
def mul(a, b):
    with np.errstate(all="ignore"):
        return np.multiply(a, b)


@cpu_kernel("RealDiv")
def real_div(a, b):
    with np.errstate(all="ignore"):
        return np.true_divide(a, b)


@cpu_kernel("DivNoNan")
def div_no_nan(a, b):
    with np.errstate(all="ignore"):
        quotient = np.true_divide(a, b)
    return np.where(b == 0, np.zeros((), a.dtype), quotient)


@cpu_kernel("FloorDiv")
def floor_div(a, b):
    _check_integer_divisor(b, "floordiv")
    with np.errstate(all="ignore"):
        if a.dtype.kind == "i":
            return np.floor_divide(a, b)
        # floor(x / y), as TF computes it; numpy's float floor_divide rounds differently near integers.
        return np.floor(np.true_divide(a, b))


@cpu_kernel("FloorMod")
def floor_mod(a, b):
    _check_integer_divisor(b, "floormod")
    with np.errstate(all="ignore"):
        if a.dtype.kind == "i":
            return np.remainder(a, b)
        # TF: the truncated remainder, moved by y when its sign differs from y's.
        remainder = np.fmod(a, b)
        return np.where((remainder != 0) & ((b < 0) != (remainder < 0)), remainder + b, remainder)


@cpu_kernel("Pow")
def power(a, b):
    if b.dtype.kind == "i" and np.any(b < 0):
        raise InvalidArgumentError("pow: integers to negative integer powers are not allowed")
    with np.errstate(all="ignore"):
        return np.power(a, b)


@cpu_kernel("Maximum")
def maximum(a, b):
    return np.maximum(a, b)


@cpu_kernel("Minimum")
def minimum(a, b):
    return np.minimum(a, b)


@cpu_kernel("SquaredDifference")
def squared_difference(a, b):
    with np.errstate(all="ignore"):
        difference = np.subtract(a, b)
        return difference * np.conj(difference)


@cpu_kernel("Atan2")
def atan2(y, x):
    return np.arctan2(y, x)


@cpu_kernel("Equal")
def equal(a, b):
    return np.equal(a, b)


@cpu_kernel("NotEqual")
def not_equal(a, b):
    return np.not_equal(a, b)


@cpu_kernel("Less")
def less(a, b):
    return np.less(a, b)


@cpu_kernel("LessEqual")
def less_equal(a, b):
    return np.less_equal(a, b)


@cpu_kernel("Greater")
def greater(a, b):
    return np.greater(a, b)


@cpu_kernel("GreaterEqual")
def greater_equal(a, b):
    return np.greater_equal(a, b)


@cpu_kernel("LogicalAnd")
def logical_and(a, b):
    return np.logical_and(a, b)


@cpu_kernel("LogicalOr")
def logical_or(a, b):
    return np.logical_or(a, b)

"""Broadcasting binary ops: arithmetic, comparison, logical."""
from .._export import tf_export
from ..dtypes import bool_, complex64, float16, float32, int32
from ..errors import DTypeError
from ..runtime import run_kernel
from . import unary  # cast; a module import because unary's composed ops may import this module
from .convert import binary_operands, broadcast_shapes

_FLOAT = (float16, float32)
_INEXACT = (float16, float32, complex64)
_REAL = (float16, float32, int32)
_NUMERIC = (float16, float32, int32, complex64)
_ANY = (float16, float32, int32, complex64, bool_)
_BOOL = (bool_,)


def _binary(kernel, op_name, x, y, accepted):
    x, y = binary_operands(x, y, op_name)
    if x.dtype not in accepted:
        names = ", ".join(d.name for d in accepted)
        raise DTypeError(f"{op_name}: {x.dtype.name} operands are not supported (shapes {list(x.shape)}, "
                         f"{list(y.shape)}); it takes {names}")
    broadcast_shapes(x.shape, y.shape, op_name)
    return run_kernel(kernel, [x, y])


@tf_export("add", "math.add")
def add(x, y, name=None):
    return _binary("Add", "add", x, y, _NUMERIC)


@tf_export("subtract", "math.subtract")
def subtract(x, y, name=None):
    return _binary("Sub", "subtract", x, y, _NUMERIC)


@tf_export("multiply", "math.multiply")
def multiply(x, y, name=None):
    return _binary("Mul", "multiply", x, y, _NUMERIC)


def _truediv(x, y, op_name):
    """Python 3 division: integers are cast to float32 first (TF casts int32 to float64)."""
    x, y = binary_operands(x, y, op_name)
    if x.dtype is int32:
        x, y = unary.cast(x, float32), unary.cast(y, float32)
    return _binary("RealDiv", op_name, x, y, _INEXACT)


@tf_export("divide", "math.divide")
def divide(x, y, name=None):
    return _truediv(x, y, "divide")


@tf_export("truediv", "math.truediv")
def truediv(x, y, name=None):
    return _truediv(x, y, "truediv")


@tf_export("realdiv")
def realdiv(x, y, name=None):
    return _binary("RealDiv", "realdiv", x, y, _INEXACT)


@tf_export("math.divide_no_nan")
def divide_no_nan(x, y, name=None):
    """x / y, or 0 wherever y is 0 (even when x is 0, inf or NaN)."""
    return _binary("DivNoNan", "divide_no_nan", x, y, _INEXACT)


@tf_export("floordiv", "math.floordiv")
def floordiv(x, y, name=None):
    """Division rounding towards -inf; integer division by zero raises InvalidArgumentError."""
    return _binary("FloorDiv", "floordiv", x, y, _REAL)


@tf_export("math.floormod", "math.mod")
def floormod(x, y, name=None):
    """Remainder with the sign of y, so that floordiv(x, y) * y + floormod(x, y) == x."""
    return _binary("FloorMod", "floormod", x, y, _REAL)


@tf_export("pow", "math.pow")
def pow(x, y, name=None):  # noqa: A001  (TF's name)
    return _binary("Pow", "pow", x, y, _NUMERIC)


@tf_export("maximum", "math.maximum")
def maximum(x, y, name=None):
    return _binary("Maximum", "maximum", x, y, _REAL)


@tf_export("minimum", "math.minimum")
def minimum(x, y, name=None):
    return _binary("Minimum", "minimum", x, y, _REAL)


@tf_export("math.squared_difference")
def squared_difference(x, y, name=None):
    """(x - y) * conj(x - y)."""
    return _binary("SquaredDifference", "squared_difference", x, y, _NUMERIC)


@tf_export("math.atan2")
def atan2(y, x, name=None):
    """The angle of the point (x, y), in [-pi, pi]."""
    return _binary("Atan2", "atan2", y, x, _FLOAT)


@tf_export("equal", "math.equal")
def equal(x, y, name=None):
    return _binary("Equal", "equal", x, y, _ANY)


@tf_export("not_equal", "math.not_equal")
def not_equal(x, y, name=None):
    return _binary("NotEqual", "not_equal", x, y, _ANY)


@tf_export("less", "math.less")
def less(x, y, name=None):
    return _binary("Less", "less", x, y, _REAL)


@tf_export("less_equal", "math.less_equal")
def less_equal(x, y, name=None):
    return _binary("LessEqual", "less_equal", x, y, _REAL)


@tf_export("greater", "math.greater")
def greater(x, y, name=None):
    return _binary("Greater", "greater", x, y, _REAL)


@tf_export("greater_equal", "math.greater_equal")
def greater_equal(x, y, name=None):
    return _binary("GreaterEqual", "greater_equal", x, y, _REAL)


@tf_export("logical_and", "math.logical_and")
def logical_and(x, y, name=None):
    return _binary("LogicalAnd", "logical_and", x, y, _BOOL)


@tf_export("logical_or", "math.logical_or")
def logical_or(x, y, name=None):
    return _binary("LogicalOr", "logical_or", x, y, _BOOL)


@tf_export("math.logical_xor")
def logical_xor(x, y, name=None):
    """On bools, exclusive or is inequality: no kernel of its own."""
    return _binary("NotEqual", "logical_xor", x, y, _BOOL)

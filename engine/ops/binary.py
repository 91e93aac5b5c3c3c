"""Broadcasting binary ops: arithmetic, comparison, logical."""
from .._export import tf_export
from ..errors import DTypeError
from ..runtime import run_kernel
from .convert import binary_operands, broadcast_shapes


def _arithmetic(kernel, op_name, x, y):
    x, y = binary_operands(x, y, op_name)
    if x.dtype.is_bool:
        raise DTypeError(f"{op_name}: bool operands are not supported (shapes {list(x.shape)}, {list(y.shape)})")
    broadcast_shapes(x.shape, y.shape, op_name)
    return run_kernel(kernel, [x, y])


@tf_export("add", "math.add")
def add(x, y, name=None):
    return _arithmetic("Add", "add", x, y)


@tf_export("multiply", "math.multiply")
def multiply(x, y, name=None):
    return _arithmetic("Mul", "multiply", x, y)

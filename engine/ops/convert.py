"""Turning Python and numpy values into tensors."""
import numpy as np

from .. import runtime
from .._export import tf_export
from ..dtypes import as_dtype
from ..errors import DTypeError, IncompatibleShapesError, InvalidArgumentError
from ..tensor import Tensor


def _to_array(value, dtype):
    """A new C-contiguous numpy array of an engine dtype for any array-like value."""
    if isinstance(value, Tensor):
        value = value.numpy()
    try:
        array = np.array(value, copy=True, order="C")
    except (ValueError, TypeError) as exc:
        raise InvalidArgumentError(
            f"cannot convert {type(value).__name__} to a tensor (ragged nesting or non-numeric values): {exc}") from None
    if array.dtype == object:
        raise InvalidArgumentError(f"cannot convert {value!r} to a tensor: ragged or non-numeric values")
    if dtype is None:
        if array.dtype.kind == "U" or array.dtype.kind == "S":
            raise DTypeError("string tensors are not supported")
        dtype = as_dtype(array.dtype)
    target = dtype.as_numpy_dtype
    if array.dtype != target:
        if array.dtype.kind == "c" and not dtype.is_complex:
            raise DTypeError(f"cannot convert a complex value to {dtype.name}")
        if array.dtype.kind == "f" and dtype.is_integer and not np.all(np.isfinite(array) & (array == np.round(array))):
            raise DTypeError(f"cannot convert non-integer values to {dtype.name} (use tf.cast)")
        array = array.astype(target)
    return array, dtype


@tf_export("convert_to_tensor")
def convert_to_tensor(value, dtype=None, dtype_hint=None, name=None):
    """Return `value` as a Tensor (a Tensor of the right dtype is returned unchanged)."""
    dtype = as_dtype(dtype) if dtype is not None else None
    if isinstance(value, Tensor):
        if dtype is not None and value.dtype is not dtype:
            raise DTypeError(f"tensor of dtype {value.dtype.name} where {dtype.name} was requested")
        return value
    if dtype is None and dtype_hint is not None and _is_python_number(value):
        dtype = as_dtype(dtype_hint)
    array, dtype = _to_array(value, dtype)
    return Tensor(runtime.current_backend().write(array), array.shape, dtype)


@tf_export("constant")
def constant(value, dtype=None, shape=None, name=None):
    """TF's tf.constant: a tensor from a value, optionally broadcast or reshaped to `shape`."""
    dtype = as_dtype(dtype) if dtype is not None else None
    array, dtype = _to_array(value, dtype)
    if shape is not None:
        shape = tuple(int(d) for d in shape)
        if array.size == 1:
            array = np.full(shape, array.reshape(()), dtype=array.dtype)
        elif array.size == int(np.prod(shape)):
            array = array.reshape(shape).copy()
        else:
            raise InvalidArgumentError(f"constant: {array.size} values cannot fill shape {list(shape)}")
    return Tensor(runtime.current_backend().write(array), array.shape, dtype)


def _is_python_number(value):
    return isinstance(value, (int, float, bool, complex, np.number, np.bool_)) or (
        isinstance(value, (list, tuple)) and all(_is_python_number(v) for v in value))


def binary_operands(x, y, op_name):
    """Convert the two operands of a binary op; a Python scalar takes the other's dtype, as in TF."""
    try:
        if isinstance(x, Tensor):
            y = convert_to_tensor(y, dtype_hint=x.dtype) if not isinstance(y, Tensor) else y
        elif isinstance(y, Tensor):
            x = convert_to_tensor(x, dtype_hint=y.dtype)
        else:
            x = convert_to_tensor(x)
            y = convert_to_tensor(y, dtype_hint=x.dtype)
    except DTypeError as exc:
        raise DTypeError(f"{op_name}: {exc}") from None
    if x.dtype is not y.dtype:
        raise DTypeError(f"{op_name}: operands have different dtypes {x.dtype.name} and {y.dtype.name} "
                         f"(shapes {list(x.shape)} and {list(y.shape)}); use tf.cast")
    return x, y


def broadcast_shapes(a, b, op_name):
    """numpy/TF broadcasting of two shapes, or an error naming the op and both shapes."""
    if a == b:
        return tuple(a)
    result = []
    for i in range(1, max(len(a), len(b)) + 1):
        da = a[-i] if i <= len(a) else 1
        db = b[-i] if i <= len(b) else 1
        if da == db or db == 1:
            result.append(da)
        elif da == 1:
            result.append(db)
        else:
            raise IncompatibleShapesError(f"{op_name}: shapes {list(a)} and {list(b)} are not broadcastable")
    return tuple(reversed(result))

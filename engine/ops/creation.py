"""Tensor creation: zeros, ones, fill, range, linspace, eye, *_like.

Shapes and fill values are Python values (or small tensors read back, as TF
needs them constant), passed to the kernels as attrs so that a GPU backend
generates the data where it lives instead of uploading it.
"""
import math
import operator

import numpy as np

from .._export import tf_export
from ..dtypes import as_dtype, bool_, complex64, float32, int32
from ..errors import DTypeError, InvalidArgumentError
from ..runtime import run_kernel
from ..tensor import Tensor
from .binary import add, multiply, subtract
from .convert import broadcast_shapes, convert_to_tensor
from .shape import broadcast_to, reshape


_PYTHON_DTYPES = {int: int32, float: float32, bool: bool_, complex: complex64}


def _shape_argument(shape, op_name):
    """A shape given as an int, a list, a TensorShape or a 1-D integer tensor, as a tuple of ints >= 0."""
    if isinstance(shape, Tensor):
        if not shape.dtype.is_integer or shape.ndim > 1:
            raise InvalidArgumentError(f"{op_name}: a shape tensor must be a 1-D int32 tensor, got "
                                       f"{shape.dtype.name} of shape {list(shape.shape)}")
        shape = shape.numpy().tolist()
    try:
        dims = (operator.index(shape),) if not hasattr(shape, "__iter__") else tuple(map(operator.index, shape))
    except TypeError:
        raise InvalidArgumentError(f"{op_name}: shape must be a list of non-negative integers, got {shape!r}") from None
    if any(d < 0 for d in dims):
        raise InvalidArgumentError(f"{op_name}: shape must be a list of non-negative integers, got {list(dims)}")
    return dims


def _scalar_argument(value, op_name, what):
    """A scalar given as a Python/numpy number or a 0-d tensor, as (number, engine dtype)."""
    dtype = _PYTHON_DTYPES.get(type(value))
    if dtype is not None:
        return value, dtype
    if isinstance(value, Tensor):
        if value.ndim != 0:
            raise InvalidArgumentError(f"{op_name}: {what} must be a scalar, got shape {list(value.shape)}")
        return value.numpy()[()], value.dtype
    array = np.asarray(value)
    if array.ndim != 0 or array.dtype.kind not in "biufc":
        raise InvalidArgumentError(f"{op_name}: {what} must be a scalar number, got {value!r}")
    return array[()], as_dtype(array.dtype)


def _range_argument(value, what):
    number, dtype = _scalar_argument(value, "range", what)
    if dtype.is_complex or not math.isfinite(number):
        raise InvalidArgumentError(f"range: {what} must be a finite real number, got {value!r}")
    return number, dtype


def _python_value(value, dtype):
    """`value` as the plain Python number a kernel attr of `dtype` holds."""
    if dtype.is_bool:
        return bool(value)
    if dtype.is_integer:
        return int(value)
    if dtype.is_complex:
        return complex(value)
    return float(value)


def _fill(shape, value, dtype):
    return run_kernel("Fill", [], {"shape": shape, "value": _python_value(value, dtype), "dtype": dtype})


@tf_export("zeros")
def zeros(shape, dtype=float32, name=None):
    return _fill(_shape_argument(shape, "zeros"), 0, as_dtype(dtype))


@tf_export("ones")
def ones(shape, dtype=float32, name=None):
    return _fill(_shape_argument(shape, "ones"), 1, as_dtype(dtype))


@tf_export("fill")
def fill(dims, value, name=None):
    """A tensor of shape `dims` filled with the scalar `value`, of value's dtype."""
    shape = _shape_argument(dims, "fill")
    value, dtype = _scalar_argument(value, "fill", "value")
    return _fill(shape, value, dtype)


@tf_export("zeros_like")
def zeros_like(input, dtype=None, name=None):
    x = convert_to_tensor(input)
    return run_kernel("ZerosLike", [x], {"dtype": as_dtype(dtype) if dtype is not None else x.dtype})


@tf_export("ones_like")
def ones_like(input, dtype=None, name=None):
    x = convert_to_tensor(input)
    return run_kernel("OnesLike", [x], {"dtype": as_dtype(dtype) if dtype is not None else x.dtype})


@tf_export("eye", "linalg.eye")
def eye(num_rows, num_columns=None, batch_shape=None, dtype=float32, name=None):
    """Identity matrices of shape batch_shape + [num_rows, num_columns]."""
    rows = _dimension(num_rows, "eye", "num_rows")
    columns = rows if num_columns is None else _dimension(num_columns, "eye", "num_columns")
    batch = () if batch_shape is None else _shape_argument(batch_shape, "eye")
    return run_kernel("Eye", [], {"num_rows": rows, "num_columns": columns, "batch_shape": batch,
                                  "dtype": as_dtype(dtype)})


def _dimension(value, op_name, what):
    number, dtype = _scalar_argument(value, op_name, what)
    if not dtype.is_integer or number < 0:
        raise InvalidArgumentError(f"{op_name}: {what} must be a non-negative integer, got {value!r}")
    return int(number)


@tf_export("linspace", "lin_space")
def linspace(start, stop, num, name=None, axis=0):
    """`num` evenly spaced values from start to stop, both included.

    Number ends run one kernel. Tensor ends (broadcast together, one sequence
    per element along `axis`) are composed as start * (1 - t) + stop * t: both
    ends stay exact, nothing is read back, and gradients reach start and stop
    as in TF. The dtype is the tensors' float dtype, float32 for numbers.
    """
    count = _dimension(num, "linspace", "num")
    dtype = _linspace_dtype(start, stop)
    if not isinstance(start, Tensor) and not isinstance(stop, Tensor) and np.ndim(start) == 0 and np.ndim(stop) == 0:
        return run_kernel("LinSpace", [], {"start": _linspace_end(start, "start"), "stop": _linspace_end(stop, "stop"),
                                           "num": count, "dtype": dtype})
    first = convert_to_tensor(start, dtype=dtype)
    last = convert_to_tensor(stop, dtype=dtype)
    shape = broadcast_shapes(first.shape, last.shape, "linspace")
    rank = len(shape)
    if not -(rank + 1) <= axis <= rank:
        raise InvalidArgumentError(f"linspace: axis {axis} is out of range for a result of rank {rank + 1}")
    axis %= rank + 1
    expanded = shape[:axis] + (1,) + shape[axis:]
    first = reshape(broadcast_to(first, shape), expanded)
    last = reshape(broadcast_to(last, shape), expanded)
    steps = run_kernel("LinSpace", [], {"start": 0.0, "stop": 1.0, "num": count, "dtype": dtype})
    steps = reshape(steps, (1,) * axis + (count,) + (1,) * (rank - axis))
    return add(multiply(first, subtract(1.0, steps)), multiply(last, steps))


def _linspace_end(value, what):
    number, dtype = _scalar_argument(value, "linspace", what)
    if dtype.is_complex:
        raise DTypeError(f"linspace: {what} must be real, got {value!r}")
    return float(number)


def _linspace_dtype(start, stop):
    dtypes = {v.dtype for v in (start, stop) if isinstance(v, Tensor)}
    if not dtypes:
        return float32
    dtype = dtypes.pop()
    if dtypes or not dtype.is_floating:
        names = " and ".join(v.dtype.name if isinstance(v, Tensor) else type(v).__name__ for v in (start, stop))
        raise DTypeError(f"linspace: start and stop must be float tensors of one dtype (or numbers), got {names}")
    return dtype


@tf_export("range")
def range(start, limit=None, delta=1, dtype=None, name="range"):  # noqa: A001  (TF's name)
    """start, start + delta, ... up to but excluding limit; int32 if every argument is an integer, else float32."""
    if limit is None:
        start, limit = 0, start
    values = [_range_argument(v, what) for v, what in ((start, "start"), (limit, "limit"), (delta, "delta"))]
    if dtype is not None:
        dtype = as_dtype(dtype)
    elif all(d.is_integer for _, d in values):
        dtype = int32
    else:
        dtype = float32
    # TF casts the arguments to dtype and measures the length in that dtype.
    if dtype.is_integer:
        first, last, step = (int(v) for v, _ in values)
    elif dtype.is_floating:
        first, last, step = (dtype.as_numpy_dtype.type(v) for v, _ in values)
    else:
        raise DTypeError(f"range: dtype must be int32 or a float dtype, got {dtype.name}")
    if step == 0:
        raise InvalidArgumentError("range: delta must not be 0")
    if step > 0 and first > last:
        raise InvalidArgumentError(f"range: start ({first}) must be <= limit ({last}) when delta > 0")
    if step < 0 and first < last:
        raise InvalidArgumentError(f"range: start ({first}) must be >= limit ({last}) when delta < 0")
    if dtype.is_integer:
        size = (abs(last - first) + abs(step) - 1) // abs(step)
    else:
        with np.errstate(all="ignore"):
            length = abs(float((last - first) / step))
        if not math.isfinite(length):
            raise InvalidArgumentError(f"range: [{first}, {last}) in steps of {step} has too many elements")
        size = math.ceil(length)
    return run_kernel("Range", [], {"start": _python_value(first, dtype), "delta": _python_value(step, dtype),
                                    "size": size, "dtype": dtype})

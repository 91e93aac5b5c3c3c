"""Reductions over axes (with keepdims), arg-reductions, scans, top-k and statistics."""
import collections
import math
import numbers
import operator

from .._export import tf_export
from ..dtypes import as_dtype, int32
from ..errors import DTypeError, InvalidArgumentError
from ..runtime import run_kernel
from . import binary, unary  # module imports, so that those families may compose ops from this one
from .convert import convert_to_tensor
from .shape import reshape


def normalize_axes(axis, rank, op_name):
    """`axis` (None, int or list, negatives allowed) as a sorted tuple of distinct non-negative axes."""
    if axis is None:
        return tuple(range(rank))
    if hasattr(axis, "numpy"):
        axis = axis.numpy().tolist()
    result = set()
    for a in axis if isinstance(axis, (list, tuple)) else [axis]:
        if not isinstance(a, numbers.Integral):
            raise InvalidArgumentError(f"{op_name}: axis must be an integer or a list of integers, got {axis!r}")
        a = operator.index(a)
        if not -rank <= a < rank:
            raise InvalidArgumentError(f"{op_name}: axis {a} is out of range for a tensor of rank {rank}")
        result.add(a % rank)
    return tuple(sorted(result))


def normalize_axis(axis, rank, op_name):
    """One axis (negatives allowed) as a non-negative int."""
    if hasattr(axis, "numpy"):
        axis = axis.numpy().tolist()
    if not isinstance(axis, numbers.Integral):
        raise InvalidArgumentError(f"{op_name}: axis must be a single integer, got {axis!r}")
    axis = operator.index(axis)
    if not -rank <= axis < rank:
        raise InvalidArgumentError(f"{op_name}: axis {axis} is out of range for a tensor of rank {rank}")
    return axis % rank


def reduced_shape(shape, axes, keepdims):
    if keepdims:
        return tuple(1 if i in axes else d for i, d in enumerate(shape))
    return tuple(d for i, d in enumerate(shape) if i not in axes)


# What each kind of reduction takes: a dtype test and its description for error messages.
_NUMERIC = (lambda dtype: not dtype.is_bool, "numeric")
_REAL = (lambda dtype: dtype.is_floating or dtype.is_integer, "real (float or int32)")
_FLOATING = (lambda dtype: dtype.is_floating, "floating-point")
_BOOL = (lambda dtype: dtype.is_bool, "bool")


def _reduce(kernel, op_name, input_tensor, axis, keepdims, takes):
    x = convert_to_tensor(input_tensor)
    accepts, description = takes
    if not accepts(x.dtype):
        raise DTypeError(f"{op_name}: {x.dtype.name} tensors are not supported (shape {list(x.shape)}); "
                         f"it takes {description} tensors")
    axes = normalize_axes(axis, x.ndim, op_name)
    return run_kernel(kernel, [x], {"axes": axes, "keepdims": bool(keepdims)})


@tf_export("reduce_sum", "math.reduce_sum")
def reduce_sum(input_tensor, axis=None, keepdims=False, name=None):
    return _reduce("Sum", "reduce_sum", input_tensor, axis, keepdims, _NUMERIC)


@tf_export("reduce_mean", "math.reduce_mean")
def reduce_mean(input_tensor, axis=None, keepdims=False, name=None):
    """The mean; for int32 the sum divided with truncation toward zero, as in TF."""
    return _reduce("Mean", "reduce_mean", input_tensor, axis, keepdims, _NUMERIC)


@tf_export("reduce_prod", "math.reduce_prod")
def reduce_prod(input_tensor, axis=None, keepdims=False, name=None):
    return _reduce("Prod", "reduce_prod", input_tensor, axis, keepdims, _NUMERIC)


@tf_export("reduce_max", "math.reduce_max")
def reduce_max(input_tensor, axis=None, keepdims=False, name=None):
    """The maximum; over an empty axis the dtype's lowest value (-inf for floats), as in TF."""
    return _reduce("Max", "reduce_max", input_tensor, axis, keepdims, _REAL)


@tf_export("reduce_min", "math.reduce_min")
def reduce_min(input_tensor, axis=None, keepdims=False, name=None):
    """The minimum; over an empty axis the dtype's highest value (inf for floats), as in TF."""
    return _reduce("Min", "reduce_min", input_tensor, axis, keepdims, _REAL)


@tf_export("reduce_any", "math.reduce_any")
def reduce_any(input_tensor, axis=None, keepdims=False, name=None):
    return _reduce("Any", "reduce_any", input_tensor, axis, keepdims, _BOOL)


@tf_export("reduce_all", "math.reduce_all")
def reduce_all(input_tensor, axis=None, keepdims=False, name=None):
    return _reduce("All", "reduce_all", input_tensor, axis, keepdims, _BOOL)


@tf_export("reduce_logsumexp", "math.reduce_logsumexp")
def reduce_logsumexp(input_tensor, axis=None, keepdims=False, name=None):
    """log(sum(exp(x))) computed stably (the maximum is subtracted first)."""
    return _reduce("LogSumExp", "reduce_logsumexp", input_tensor, axis, keepdims, _FLOATING)


def _index_dtype(dtype, op_name, what):
    """TF's int64 index outputs are int32 in this engine; int32 is accepted too."""
    if dtype is not None and dtype not in ("int64", "int32") and as_dtype(dtype) is not int32:
        raise DTypeError(f"{op_name}: {what} must be int32 or int64, got {dtype!r}")


def _arg_reduce(kernel, op_name, input, axis, output_type):
    x = convert_to_tensor(input)
    if x.dtype.is_complex:
        raise DTypeError(f"{op_name}: {x.dtype.name} tensors are not ordered (shape {list(x.shape)})")
    _index_dtype(output_type, op_name, "output_type")
    axis = normalize_axis(0 if axis is None else axis, x.ndim, op_name)
    if x.shape[axis] == 0:
        raise InvalidArgumentError(f"{op_name}: reduction axis {axis} is empty in shape {list(x.shape)}")
    return run_kernel(kernel, [x], {"axis": axis})


@tf_export("argmax", "math.argmax")
def argmax(input, axis=None, output_type=None, name=None):
    """Index of the largest value along `axis` (0 when None), the first one on ties; int32 (TF's int64)."""
    return _arg_reduce("ArgMax", "argmax", input, axis, output_type)


@tf_export("argmin", "math.argmin")
def argmin(input, axis=None, output_type=None, name=None):
    """Index of the smallest value along `axis` (0 when None), the first one on ties; int32 (TF's int64)."""
    return _arg_reduce("ArgMin", "argmin", input, axis, output_type)


def _scan(kernel, op_name, x, axis, exclusive, reverse):
    x = convert_to_tensor(x)
    if x.dtype.is_bool:
        raise DTypeError(f"{op_name}: bool tensors are not supported (shape {list(x.shape)})")
    axis = normalize_axis(axis, x.ndim, op_name)
    return run_kernel(kernel, [x], {"axis": axis, "exclusive": bool(exclusive), "reverse": bool(reverse)})


@tf_export("cumsum", "math.cumsum")
def cumsum(x, axis=0, exclusive=False, reverse=False, name=None):
    """Running sum along `axis`; `exclusive` leaves out the current element, `reverse` runs from the end."""
    return _scan("Cumsum", "cumsum", x, axis, exclusive, reverse)


@tf_export("math.cumprod")
def cumprod(x, axis=0, exclusive=False, reverse=False, name=None):
    """Running product along `axis`; `exclusive` leaves out the current element, `reverse` runs from the end."""
    return _scan("Cumprod", "cumprod", x, axis, exclusive, reverse)


TopKV2 = collections.namedtuple("TopKV2", ["values", "indices"])


@tf_export("math.top_k", "nn.top_k")
def top_k(input, k=1, sorted=True, index_type=None, name=None):  # noqa: A002  (TF's argument name)
    """The k largest entries along the last axis and their indices; equal values keep the lower index first.

    The values always come sorted (TF leaves their order unspecified when `sorted` is False).
    """
    x = convert_to_tensor(input)
    if x.dtype.is_complex or x.dtype.is_bool:
        raise DTypeError(f"top_k: {x.dtype.name} tensors are not supported (shape {list(x.shape)})")
    _index_dtype(index_type, "top_k", "index_type")
    if x.ndim == 0:
        raise InvalidArgumentError("top_k: input must have rank >= 1, got a scalar")
    if hasattr(k, "numpy"):
        k = k.numpy().tolist()
    if not isinstance(k, numbers.Integral) or k < 0:
        raise InvalidArgumentError(f"top_k: k must be a non-negative integer, got {k!r}")
    if k > x.shape[-1]:
        raise InvalidArgumentError(f"top_k: input of shape {list(x.shape)} must have at least k={k} "
                                   f"entries in its last dimension")
    values, indices = run_kernel("TopKV2", [x], {"k": operator.index(k)})
    return TopKV2(values, indices)


@tf_export("math.count_nonzero")
def count_nonzero(input, axis=None, keepdims=None, dtype=None, name=None):
    """How many elements are not zero (not False); int32 unless `dtype` says otherwise (TF's int64 is int32)."""
    x = convert_to_tensor(input)
    dtype = int32 if dtype is None or dtype == "int64" else as_dtype(dtype)
    if dtype.is_bool:
        raise DTypeError("count_nonzero: dtype must be numeric, got bool")
    return reduce_sum(unary.cast(binary.not_equal(x, False if x.dtype.is_bool else 0), dtype), axis, bool(keepdims))


def _variance(op_name, x, axis, keepdims):
    x = convert_to_tensor(x)
    if not (x.dtype.is_floating or x.dtype.is_complex):
        raise DTypeError(f"{op_name}: takes floating-point or complex tensors, got {x.dtype.name} "
                         f"(shape {list(x.shape)})")
    mean = reduce_mean(x, axis, keepdims=True)
    if x.dtype.is_complex:
        squared = unary.square(unary.abs(binary.subtract(x, mean)))
    else:
        squared = binary.squared_difference(x, mean)
    return mean, reduce_mean(squared, axis, keepdims=keepdims)


@tf_export("math.reduce_variance")
def reduce_variance(input_tensor, axis=None, keepdims=False, name=None):
    """The population variance (divides by n); real-valued for complex input."""
    return _variance("reduce_variance", input_tensor, axis, keepdims)[1]


@tf_export("math.reduce_std")
def reduce_std(input_tensor, axis=None, keepdims=False, name=None):
    """The population standard deviation (divides by n); real-valued for complex input."""
    return unary.sqrt(_variance("reduce_std", input_tensor, axis, keepdims)[1])


@tf_export("nn.moments")
def moments(x, axes, shift=None, keepdims=False, name=None):
    """(mean, variance) over `axes`. `shift` is TF's unused numerical hint."""
    mean, variance = _variance("moments", x, axes, keepdims)
    return (mean if keepdims else reshape(mean, variance.shape)), variance


def reduction_count(x, axes):
    """How many elements each output of a reduction over `axes` combines."""
    return math.prod(x.shape[a] for a in axes)

"""Indexing: slice, strided_slice, Tensor.__getitem__, gather, gather_nd, boolean_mask, one_hot, where.

Every slicing form is normalised to one StridedSlice kernel whose attrs are a
(begin, end, stride) triple per input axis, with no masks: an empty range is
(0, 0, 1), and `end` is exact (begin + count * stride), so a negative stride
that runs through index 0 has end -1. Its `shape` attr is the result shape:
the per-axis counts with new axes inserted and indexed axes removed.
"""
import math

import numpy as np

from .._export import tf_export
from ..dtypes import as_dtype, float32
from ..errors import DTypeError, IncompatibleShapesError, InvalidArgumentError
from ..runtime import run_kernel
from ..tensor import Tensor
from .binary import add, multiply
from .creation import ones
from .reduction import reduce_max
from .unary import cast
from .convert import binary_operands, broadcast_shapes, convert_to_tensor
from .shape import as_int, as_int_list, concat, identity, normalize_axis, reshape


class InvalidIndexError(InvalidArgumentError, TypeError):
    """A Tensor.__getitem__ key this engine (like TF) does not take; a TypeError as in TF."""


# --- strided slicing ----------------------------------------------------------
def _resolve(items, shape, op_name):
    """Per-axis (begins, ends, strides) and the result shape for items of int, slice, None or Ellipsis."""
    shape = tuple(shape)
    consumed = sum(1 for item in items if item is not None and item is not Ellipsis)
    if sum(1 for item in items if item is Ellipsis) > 1:
        raise InvalidArgumentError(f"{op_name}: at most one ellipsis is allowed")
    if consumed > len(shape):
        raise InvalidArgumentError(f"{op_name}: too many indices ({consumed}) for a tensor of shape {list(shape)}")
    if Ellipsis not in items:
        items = [*items, Ellipsis]
    ranges, result_shape = [], []
    for item in items:
        axis = len(ranges)
        if item is None:
            result_shape.append(1)
        elif item is Ellipsis:
            for length in shape[axis:axis + len(shape) - consumed]:
                ranges.append((0, length, 1))
                result_shape.append(length)
        elif isinstance(item, slice):
            if item.step == 0:
                raise InvalidArgumentError(f"{op_name}: slice step of axis {axis} must not be 0")
            start, stop, step = item.indices(shape[axis])
            count = len(range(start, stop, step))
            ranges.append((start, start + count * step, step) if count else (0, 0, 1))
            result_shape.append(count)
        else:
            if not -shape[axis] <= item < shape[axis]:
                raise InvalidArgumentError(
                    f"{op_name}: index {item} is out of bounds for axis {axis} of shape {list(shape)}")
            index = item % shape[axis]
            ranges.append((index, index + 1, 1))
    begins, ends, strides = (tuple(column) for column in zip(*ranges)) if ranges else ((), (), ())
    return begins, ends, strides, result_shape


def _strided(x, begins, ends, strides, result_shape):
    if all(b == 0 and e == n and s == 1 for b, e, s, n in zip(begins, ends, strides, x.shape)):
        return identity(x) if tuple(x.shape) == tuple(result_shape) else reshape(x, result_shape)
    return run_kernel("StridedSlice", [x],
                      {"begin": begins, "end": ends, "strides": strides, "shape": tuple(result_shape)})


@tf_export("strided_slice")
def strided_slice(input_, begin, end, strides=None, begin_mask=0, end_mask=0, ellipsis_mask=0, new_axis_mask=0,
                  shrink_axis_mask=0, var=None, name=None):
    x = convert_to_tensor(input_)
    begin = as_int_list(begin, "strided_slice", "begin")
    end = as_int_list(end, "strided_slice", "end")
    strides = [1] * len(begin) if strides is None else as_int_list(strides, "strided_slice", "strides")
    if not len(begin) == len(end) == len(strides):
        raise InvalidArgumentError(f"strided_slice: begin {begin}, end {end} and strides {strides} "
                                   f"must have the same length")
    if bin(ellipsis_mask).count("1") > 1:
        raise InvalidArgumentError(f"strided_slice: ellipsis_mask {ellipsis_mask} has more than one bit set")
    items = []
    for i, (b, e, s) in enumerate(zip(begin, end, strides)):
        bit = 1 << i
        if ellipsis_mask & bit:
            items.append(Ellipsis)
        elif new_axis_mask & bit:
            items.append(None)
        elif shrink_axis_mask & bit:
            items.append(b)
        else:
            items.append(slice(None if begin_mask & bit else b, None if end_mask & bit else e, s))
    return _strided(x, *_resolve(items, x.shape, "strided_slice"))


@tf_export("slice")
def slice_(input_, begin, size, name=None):
    """The block of `size` elements starting at `begin` (a size of -1 runs to the end of that axis)."""
    x = convert_to_tensor(input_)
    begin = as_int_list(begin, "slice", "begin")
    size = as_int_list(size, "slice", "size")
    if len(begin) != x.ndim or len(size) != x.ndim:
        raise InvalidArgumentError(f"slice: begin {begin} and size {size} must have {x.ndim} entries "
                                   f"for a tensor of shape {list(x.shape)}")
    size = [n - b if s == -1 else s for b, s, n in zip(begin, size, x.shape)]
    if any(b < 0 or s < 0 or b + s > n for b, s, n in zip(begin, size, x.shape)):
        raise InvalidArgumentError(f"slice: begin {begin} and size {size} are out of bounds for shape "
                                   f"{list(x.shape)}")
    begins = tuple(b if s else 0 for b, s in zip(begin, size))
    ends = tuple(b + s for b, s in zip(begins, size))
    return _strided(x, begins, ends, (1,) * x.ndim, size)


def strided_slice_grad(grad, shape, begin, end, strides):
    """Scatter `grad` (the result of a StridedSlice of an input of `shape`) into zeros of `shape`."""
    grad = convert_to_tensor(grad)
    count = math.prod(len(range(b, e, s)) for b, e, s in zip(begin, end, strides))
    if grad.shape.num_elements() != count:
        raise InvalidArgumentError(f"strided_slice_grad: gradient of shape {list(grad.shape)} for a slice of "
                                   f"{count} elements")
    return run_kernel("StridedSliceGrad", [grad],
                      {"shape": tuple(shape), "begin": tuple(begin), "end": tuple(end), "strides": tuple(strides)})


def _index_item(item):
    if item is None or item is Ellipsis:
        return item
    if isinstance(item, slice):
        return slice(*(None if v is None else _scalar_index(v) for v in (item.start, item.stop, item.step)))
    return _scalar_index(item)


def _scalar_index(value):
    if isinstance(value, (bool, np.bool_)):
        raise InvalidIndexError("a bool index is not supported; use tf.boolean_mask(tensor, mask)")
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, Tensor):
        kind, shape = value.dtype.as_numpy_dtype.kind, list(value.shape)
    elif isinstance(value, (np.ndarray, list, tuple)):
        array = np.asarray(value)
        kind, shape = array.dtype.kind, list(array.shape)
    else:
        kind, shape = None, None
    if kind == "b":
        raise InvalidIndexError(f"a bool mask of shape {shape} is not a valid index; use tf.boolean_mask(tensor, mask)")
    if kind in ("i", "u") and shape == []:
        return int(value)
    if kind in ("i", "u"):
        raise InvalidIndexError(f"an integer array of shape {shape} is not a valid index; "
                                f"use tf.gather(tensor, indices, axis=...) or tf.gather_nd")
    raise InvalidIndexError(f"only integers, slices (`:`), ellipsis (`...`), tf.newaxis (`None`) and scalar "
                            f"int32 tensors are valid indices, got {value!r}")


@tf_export("__getitem__")
def getitem(tensor, key):
    """numpy basic indexing: ints, slices with steps, Ellipsis and None (tf.newaxis)."""
    x = convert_to_tensor(tensor)
    items = [_index_item(item) for item in (key if isinstance(key, tuple) else (key,))]
    return _strided(x, *_resolve(items, x.shape, "__getitem__"))


# --- gather -------------------------------------------------------------------
def _integer_indices(indices, op_name):
    indices = convert_to_tensor(indices)
    if not indices.dtype.is_integer:
        raise DTypeError(f"{op_name}: indices must be int32 or int64, not {indices.dtype.name} "
                         f"(shape {list(indices.shape)})")
    return indices


def _check_batch_dims(params, indices, batch_dims, op_name):
    batch_dims = as_int(batch_dims, op_name, "batch_dims")
    if batch_dims < 0:
        batch_dims += indices.ndim
    if not 0 <= batch_dims <= min(indices.ndim, params.ndim):
        raise InvalidArgumentError(f"{op_name}: batch_dims {batch_dims} is out of range for params of shape "
                                   f"{list(params.shape)} and indices of shape {list(indices.shape)}")
    if params.shape[:batch_dims] != indices.shape[:batch_dims]:
        raise IncompatibleShapesError(f"{op_name}: the first {batch_dims} dimensions of params {list(params.shape)} "
                                      f"and indices {list(indices.shape)} must match")
    return batch_dims


@tf_export("gather")
def gather(params, indices, validate_indices=None, axis=None, batch_dims=0, name=None):
    """Slices of `params` along `axis` at `indices`; an index out of range raises InvalidArgumentError."""
    params = convert_to_tensor(params)
    indices = _integer_indices(indices, "gather")
    batch_dims = _check_batch_dims(params, indices, batch_dims, "gather")
    axis = normalize_axis(batch_dims if axis is None else axis, params.ndim, "gather")
    if axis < batch_dims:
        raise InvalidArgumentError(f"gather: axis {axis} must not be less than batch_dims {batch_dims}")
    return run_kernel("GatherV2", [params, indices], {"axis": axis, "batch_dims": batch_dims})


def _batch_coordinates(batch_shape, inner_shape):
    """int32 coordinates of every batch element, shape batch_shape + inner_shape + [len(batch_shape)]."""
    grid = np.indices(batch_shape, dtype=np.int32)
    grid = np.moveaxis(grid, 0, -1).reshape(*batch_shape, *[1] * len(inner_shape), len(batch_shape))
    return convert_to_tensor(np.broadcast_to(grid, (*batch_shape, *inner_shape, len(batch_shape))))


@tf_export("gather_nd")
def gather_nd(params, indices, batch_dims=0, name=None):
    """Elements or slices of `params` at the index tuples in the last axis of `indices`."""
    params = convert_to_tensor(params)
    indices = _integer_indices(indices, "gather_nd")
    if indices.ndim == 0:
        raise InvalidArgumentError("gather_nd: indices must have rank at least 1, got a scalar")
    batch_dims = _check_batch_dims(params, indices, batch_dims, "gather_nd")
    if batch_dims == indices.ndim:
        raise InvalidArgumentError(f"gather_nd: batch_dims {batch_dims} must be less than the rank of indices "
                                   f"{list(indices.shape)}")
    if indices.shape[-1] > params.ndim - batch_dims:
        raise InvalidArgumentError(f"gather_nd: index depth {indices.shape[-1]} (indices {list(indices.shape)}) "
                                   f"exceeds the rank of params {list(params.shape)} after {batch_dims} batch dims")
    if batch_dims:
        grid = _batch_coordinates(indices.shape[:batch_dims], indices.shape[batch_dims:-1])
        indices = concat([grid, indices], -1)
    return run_kernel("GatherNd", [params, indices])


@tf_export("boolean_mask")
def boolean_mask(tensor, mask, axis=None, name=None):
    """The elements (or slices along the axes after `axis`) of `tensor` where `mask` is True."""
    x = convert_to_tensor(tensor)
    mask = convert_to_tensor(mask)
    if not mask.dtype.is_bool:
        raise DTypeError(f"boolean_mask: mask must be bool, not {mask.dtype.name}")
    if mask.ndim == 0:
        raise InvalidArgumentError("boolean_mask: mask must not be a scalar")
    axis = 0 if axis is None else normalize_axis(axis, x.ndim, "boolean_mask")
    if tuple(x.shape[axis:axis + mask.ndim]) != tuple(mask.shape):
        raise IncompatibleShapesError(f"boolean_mask: mask of shape {list(mask.shape)} does not match axes "
                                      f"{axis}..{axis + mask.ndim - 1} of tensor of shape {list(x.shape)}")
    flat = reshape(x, [*x.shape[:axis], math.prod(mask.shape), *x.shape[axis + mask.ndim:]])
    positions = reshape(where(reshape(mask, [-1])), [-1])
    return gather(flat, positions, axis=axis)


# --- one_hot and where --------------------------------------------------------
@tf_export("one_hot")
def one_hot(indices, depth, on_value=None, off_value=None, axis=None, dtype=None, name=None):
    """A new axis of size `depth`: on_value at each index, off_value elsewhere and for indices out of range.

    The dtype is `dtype`, else that of on_value or off_value, else float32.
    """
    indices = _integer_indices(indices, "one_hot")
    depth = as_int(depth, "one_hot", "depth")
    if depth < 0:
        raise InvalidArgumentError(f"one_hot: depth must be non-negative, got {depth}")
    if dtype is None:
        given = next((v for v in (on_value, off_value) if v is not None), None)
        dtype = float32 if given is None else convert_to_tensor(given).dtype
    dtype = as_dtype(dtype)
    on = convert_to_tensor(1 if on_value is None else on_value, dtype=dtype)
    off = convert_to_tensor(0 if off_value is None else off_value, dtype=dtype)
    if on.ndim or off.ndim:
        raise InvalidArgumentError(f"one_hot: on_value and off_value must be scalars, got shapes {list(on.shape)} "
                                   f"and {list(off.shape)}")
    axis = indices.ndim if axis is None or axis == -1 else as_int(axis, "one_hot", "axis")
    if not 0 <= axis <= indices.ndim:
        raise InvalidArgumentError(f"one_hot: axis {axis} must be -1 or in [0, {indices.ndim}] for indices of shape "
                                   f"{list(indices.shape)}")
    return run_kernel("OneHot", [indices, on, off], {"depth": depth, "axis": axis})


@tf_export("where")
def where(condition, x=None, y=None, name=None):
    """With x and y: elements of x where condition is True, else of y (all three broadcast).

    Alone: the int32 coordinates, shape [n, rank], of the True (non-zero) elements of condition.
    """
    condition = convert_to_tensor(condition)
    if x is None and y is None:
        return run_kernel("Where", [condition])
    if x is None or y is None:
        raise InvalidArgumentError("where: x and y must both be given or both be None")
    if not condition.dtype.is_bool:
        raise DTypeError(f"where: condition must be bool, not {condition.dtype.name}")
    x, y = binary_operands(x, y, "where")
    broadcast_shapes(condition.shape, broadcast_shapes(x.shape, y.shape, "where"), "where")
    return run_kernel("Select", [condition, x, y])



# --- scatter ------------------------------------------------------------------
def _check_scatter(indices, updates, shape, op_name):
    if indices.ndim == 0:
        raise InvalidArgumentError(f"{op_name}: indices must have rank at least 1, got a scalar")
    depth = indices.shape[-1]
    expected = (*indices.shape[:-1], *shape[depth:])
    if depth > len(shape) or tuple(updates.shape) != expected:
        raise IncompatibleShapesError(f"{op_name}: updates of shape {list(updates.shape)} do not match indices "
                                      f"{list(indices.shape)} into shape {list(shape)} (expected {list(expected)})")


@tf_export("scatter_nd")
def scatter_nd(indices, updates, shape, name=None):
    """Zeros of `shape` with `updates` added at `indices` (duplicate indices accumulate)."""
    indices = _integer_indices(indices, "scatter_nd")
    updates = convert_to_tensor(updates)
    shape = tuple(as_int_list(shape, "scatter_nd", "shape"))
    if any(d < 0 for d in shape):
        raise InvalidArgumentError(f"scatter_nd: shape {list(shape)} has a negative dimension")
    _check_scatter(indices, updates, shape, "scatter_nd")
    return run_kernel("ScatterNd", [indices, updates], {"shape": shape})


@tf_export("tensor_scatter_nd_update")
def tensor_scatter_nd_update(tensor, indices, updates, name=None):
    """A copy of `tensor` with the elements or slices at `indices` replaced by `updates`."""
    tensor = convert_to_tensor(tensor)
    indices = _integer_indices(indices, "tensor_scatter_nd_update")
    updates = convert_to_tensor(updates, dtype=tensor.dtype)
    _check_scatter(indices, updates, tensor.shape, "tensor_scatter_nd_update")
    return run_kernel("TensorScatterUpdate", [tensor, indices, updates])


@tf_export("tensor_scatter_nd_add")
def tensor_scatter_nd_add(tensor, indices, updates, name=None):
    tensor = convert_to_tensor(tensor)
    return add(tensor, scatter_nd(indices, convert_to_tensor(updates, dtype=tensor.dtype), tensor.shape))


@tf_export("math.unsorted_segment_sum")
def unsorted_segment_sum(data, segment_ids, num_segments, name=None):
    """Sums of the slices of `data` sharing a segment id; ids < 0 are dropped, empty segments are 0."""
    data = convert_to_tensor(data)
    segment_ids = _integer_indices(segment_ids, "unsorted_segment_sum")
    num_segments = as_int(num_segments, "unsorted_segment_sum", "num_segments")
    if tuple(data.shape[:segment_ids.ndim]) != tuple(segment_ids.shape):
        raise IncompatibleShapesError(f"unsorted_segment_sum: segment_ids of shape {list(segment_ids.shape)} must "
                                      f"be a prefix of the data shape {list(data.shape)}")
    if num_segments < 0:
        raise InvalidArgumentError(f"unsorted_segment_sum: num_segments must be non-negative, got {num_segments}")
    if data.dtype.is_bool:
        raise DTypeError(f"unsorted_segment_sum: bool data (shape {list(data.shape)}) is not summable")
    return run_kernel("UnsortedSegmentSum", [data, segment_ids], {"num_segments": num_segments})


@tf_export("math.confusion_matrix")
def confusion_matrix(labels, predictions, num_classes=None, weights=None, dtype="int32", name=None):
    """Entry [i, j] counts (or sums the weights of) the samples of label i predicted as j; without
    `num_classes`, one more than the largest label or prediction."""
    labels = convert_to_tensor(labels)
    predictions = convert_to_tensor(predictions)
    if tuple(labels.shape) != tuple(predictions.shape) or labels.ndim != 1:
        raise IncompatibleShapesError(f"confusion_matrix: labels {list(labels.shape)} and predictions "
                                      f"{list(predictions.shape)} must be vectors of the same length")
    labels = cast(labels, "int32")
    predictions = cast(predictions, "int32")
    if num_classes is None:
        largest = max(int(reduce_max(labels)), int(reduce_max(predictions))) if labels.size else -1
        num_classes = largest + 1
    num_classes = as_int(num_classes, "confusion_matrix", "num_classes")
    values = ones(labels.shape, float32) if weights is None else cast(weights, float32)
    cells = add(multiply(labels, num_classes), predictions)
    counts = unsorted_segment_sum(values, cells, num_classes * num_classes)
    return cast(reshape(counts, (num_classes, num_classes)), as_dtype(dtype))

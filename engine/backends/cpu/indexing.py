"""Indexing kernels: strided slices, gathers, scatters, one_hot, select and where.

Index values are data, so their range is checked here; an index out of range
raises InvalidArgumentError naming it, as TF does on CPU.
"""
import numpy as np

from ...errors import InvalidArgumentError
from .kernel import cpu_kernel


def _slices(begin, end, strides):
    # A negative stride that runs through index 0 has end -1, which numpy reads as "the last element".
    return tuple(slice(b, e if e >= 0 else None, s) for b, e, s in zip(begin, end, strides))


@cpu_kernel("StridedSlice")
def strided_slice(x, begin, end, strides, shape):
    return x[_slices(begin, end, strides)].reshape(shape)


@cpu_kernel("StridedSliceGrad")
def strided_slice_grad(dy, shape, begin, end, strides):
    grad = np.zeros(shape, dy.dtype)
    window = grad[_slices(begin, end, strides)]
    window[...] = dy.reshape(window.shape)
    return grad


def _first_bad(bad, values):
    position = tuple(int(i) for i in np.argwhere(bad)[0])
    return ",".join(map(str, position)), values[position]


@cpu_kernel("GatherV2")
def gather(params, indices, axis, batch_dims):
    length = params.shape[axis]
    bad = (indices < 0) | (indices >= length)
    if bad.any():
        where, value = _first_bad(bad, indices)
        raise InvalidArgumentError(f"gather: indices[{where}] = {value} is not in [0, {length})")
    if batch_dims == 0:
        return np.take(params, indices, axis=axis)
    # Fold the batch axes into the gathered axis so one fancy index serves every batch element.
    batch_shape, outer = params.shape[:batch_dims], params.shape[batch_dims:axis]
    inner, index_shape = params.shape[axis + 1:], indices.shape[batch_dims:]
    batch = int(np.prod(batch_shape))
    folded = np.moveaxis(params, axis, batch_dims).reshape(batch * length, *outer, *inner)
    offsets = (np.arange(batch) * length).reshape(batch, *[1] * len(index_shape))
    gathered = folded[indices.reshape(batch, *index_shape) + offsets]
    ranks = (len(index_shape), len(outer), len(inner))
    perm = [0, *range(1 + ranks[0], 1 + ranks[0] + ranks[1]), *range(1, 1 + ranks[0]),
            *range(1 + ranks[0] + ranks[1], 1 + sum(ranks))]
    return gathered.transpose(perm).reshape(*batch_shape, *outer, *index_shape, *inner)


def _linear_indices(indices, shape, op_name):
    """Row-major positions of the index tuples in `indices` (last axis) within `shape`, range-checked."""
    depth = indices.shape[-1]
    bounds = np.asarray(shape[:depth], dtype=np.int64)
    bad = ((indices < 0) | (indices >= bounds)).any(axis=-1)
    if bad.any():
        where, value = _first_bad(bad, indices)
        raise InvalidArgumentError(f"{op_name}: indices[{where}] = {value.tolist()} does not index into shape "
                                   f"{list(shape)}")
    strides = np.cumprod((*shape[1:depth], 1)[::-1])[::-1] if depth else np.zeros(0, np.int64)
    return indices.astype(np.int64) @ strides.astype(np.int64)


@cpu_kernel("GatherNd")
def gather_nd(params, indices):
    depth = indices.shape[-1]
    positions = _linear_indices(indices, params.shape, "gather_nd")
    rows = params.reshape(int(np.prod(params.shape[:depth])), *params.shape[depth:])
    return rows[positions]


def _scatter_add(positions, updates, rows, row_shape):
    row_size = int(np.prod(row_shape))
    flat = np.zeros((rows, row_size), updates.dtype)
    np.add.at(flat, positions.reshape(-1), updates.reshape(positions.size, row_size))
    return flat.reshape(rows, *row_shape)


@cpu_kernel("ScatterNd")
def scatter_nd(indices, updates, shape):
    depth = indices.shape[-1]
    positions = _linear_indices(indices, shape, "scatter_nd")
    return _scatter_add(positions, updates, int(np.prod(shape[:depth])), shape[depth:]).reshape(shape)


@cpu_kernel("TensorScatterUpdate")
def tensor_scatter_update(tensor, indices, updates):
    depth = indices.shape[-1]
    positions = _linear_indices(indices, tensor.shape, "tensor_scatter_nd_update")
    row_size = int(np.prod(tensor.shape[depth:]))
    result = tensor.reshape(int(np.prod(tensor.shape[:depth])), row_size).copy()
    result[positions.reshape(-1)] = updates.reshape(positions.size, row_size)
    return result.reshape(tensor.shape)


@cpu_kernel("UnsortedSegmentSum")
def unsorted_segment_sum(data, segment_ids, num_segments):
    too_big = segment_ids >= num_segments
    if too_big.any():
        where, value = _first_bad(too_big, segment_ids)
        raise InvalidArgumentError(f"unsorted_segment_sum: segment_ids[{where}] = {value} is not in "
                                   f"[0, {num_segments})")
    row_shape = data.shape[segment_ids.ndim:]
    ids = segment_ids.reshape(-1)
    kept = ids >= 0
    rows = data.reshape(ids.size, int(np.prod(row_shape)))
    return _scatter_add(ids[kept], rows[kept], num_segments, row_shape)


@cpu_kernel("OneHot")
def one_hot(indices, on_value, off_value, depth, axis):
    hot = indices[..., np.newaxis] == np.arange(depth, dtype=indices.dtype)
    return np.moveaxis(np.where(hot, on_value, off_value), -1, axis)


@cpu_kernel("Select")
def select(condition, x, y):
    return np.where(condition, x, y)


@cpu_kernel("Where")
def where(condition):
    return np.argwhere(condition).astype(np.int32)

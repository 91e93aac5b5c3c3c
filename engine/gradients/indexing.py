"""Gradients of the indexing kernels: slices scatter back into zeros, gathers scatter-add (duplicates accumulate)."""
import math

import numpy as np

from ..ops.binary import add, greater_equal, maximum
from ..ops.convert import convert_to_tensor
from ..ops.creation import zeros_like
from ..ops.indexing import (gather, gather_nd, scatter_nd, strided_slice, strided_slice_grad,
                            tensor_scatter_nd_update, unsorted_segment_sum, where)
from ..ops.shape import reshape, transpose
from .core import unbroadcast
from .registry import not_differentiable, register_gradient

not_differentiable("OneHot", "Where")


@register_gradient("StridedSlice")
def _strided_slice_grad(op, dy):
    attrs = op.attrs
    return strided_slice_grad(dy, op.inputs[0].shape, attrs["begin"], attrs["end"], attrs["strides"])


@register_gradient("StridedSliceGrad")
def _strided_slice_grad_grad(op, ddy):
    attrs = op.attrs
    # The normalised end -1 (a negative stride through index 0) reads as "to the end" only through end_mask.
    through_start = sum(1 << i for i, end in enumerate(attrs["end"]) if end < 0)
    sliced = strided_slice(ddy, attrs["begin"], attrs["end"], attrs["strides"], end_mask=through_start)
    return reshape(sliced, op.inputs[0].shape)


@register_gradient("GatherV2")
def _gather_grad(op, dy):
    """Segment-sum dy into the gathered axis: batch axes fold into it, indices offset by batch * length."""
    params, indices = op.inputs
    axis, batch_dims = op.attrs["axis"], op.attrs["batch_dims"]
    batch_shape, outer = params.shape[:batch_dims], params.shape[batch_dims:axis]
    length, inner = params.shape[axis], params.shape[axis + 1:]
    index_rank = indices.ndim - batch_dims
    # dy is batch + outer + index + inner; bring the index axes in front of outer.
    index_first = [*range(batch_dims), *range(axis, axis + index_rank), *range(batch_dims, axis),
                   *range(axis + index_rank, dy.ndim)]
    batch = math.prod(batch_shape)
    rows = reshape(transpose(dy, index_first), [batch * math.prod(indices.shape[batch_dims:]), *outer, *inner])
    segment_ids = indices
    if batch_dims:
        offsets = (np.arange(batch, dtype=np.int32) * length).reshape(*batch_shape, *[1] * index_rank)
        segment_ids = add(indices, convert_to_tensor(offsets))
    sums = unsorted_segment_sum(rows, reshape(segment_ids, [-1]), batch * length)
    sums = reshape(sums, [*batch_shape, length, *outer, *inner])
    axis_back = [*range(batch_dims), *range(batch_dims + 1, axis + 1), batch_dims, *range(axis + 1, params.ndim)]
    return transpose(sums, axis_back), None


@register_gradient("GatherNd")
def _gather_nd_grad(op, dy):
    params, indices = op.inputs
    return scatter_nd(indices, dy, params.shape), None


@register_gradient("ScatterNd")
def _scatter_nd_grad(op, dy):
    return None, gather_nd(dy, op.inputs[0])


@register_gradient("TensorScatterUpdate")
def _tensor_scatter_update_grad(op, dy):
    _, indices, updates = op.inputs
    return tensor_scatter_nd_update(dy, indices, zeros_like(updates)), None, gather_nd(dy, indices)


@register_gradient("UnsortedSegmentSum")
def _unsorted_segment_sum_grad(op, dy):
    data, segment_ids = op.inputs
    if dy.shape[0] == 0:
        return zeros_like(data), None
    # Dropped (negative) ids read row 0, then get zero.
    values = gather(dy, maximum(segment_ids, 0))
    kept = reshape(greater_equal(segment_ids, 0), [*segment_ids.shape, *[1] * (data.ndim - segment_ids.ndim)])
    return where(kept, values, zeros_like(values)), None


@register_gradient("Select")
def _select_grad(op, dy):
    condition, x, y = op.inputs
    zeros = zeros_like(dy)
    return None, unbroadcast(where(condition, dy, zeros), x.shape), unbroadcast(where(condition, zeros, dy), y.shape)

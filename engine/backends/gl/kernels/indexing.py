"""Indexing kernels (gl_kernels/indexing_*.glsl): strided slices, gathers, scatters, one_hot, select, where.

Index values are data. gather and unsorted_segment_sum, which training steps run (Embedding layers,
their gradients), follow TensorFlow's GPU kernels: an out-of-range index gathers 0 or drops its row, with
no readback. The others (gather_nd, scatters, crop boxes) read the small index tensor back and raise the
cpu kernels' InvalidArgumentError before dispatching. Scatters and segment sums are gathers
over every update row per output element (no atomics), summing in update order as the cpu kernel does.
"""
import math

import numpy as np

from ....dtypes import int32
from ...cpu.indexing import _linear_indices
from ..kernel import gl_kernel
from ..program import ProgramSpec, strides_of
from .core import alias
from .creation import filled
from .shape import int_array, strided_view

WHERE_SCAN_RADIX = 16      # prefix-count elements summed per pass: log16(n) passes


def _counts(begin, end, strides):
    return tuple(len(range(b, e, s)) for b, e, s in zip(begin, end, strides))


@gl_kernel("StridedSlice")
def strided_slice(backend, x, begin, end, strides, shape):
    x_strides = strides_of(x.shape)
    view = strided_view(backend, x, _counts(begin, end, strides), [s * stride for s, stride in zip(strides, x_strides)],
                        sum(b * stride for b, stride in zip(begin, x_strides)))
    return alias(view, shape)


@gl_kernel("StridedSliceGrad")
def strided_slice_grad(backend, dy, shape, begin, end, strides):
    counts = _counts(begin, end, strides)
    if counts == tuple(shape) and all(s == 1 for s in strides):     # the slice is the whole input, in order
        return alias(dy, shape)
    return backend.program(ProgramSpec([alias(dy, counts)], shape, dy.dtype, ("indexing_strided_slice_grad.glsl",),
                                       {"SLICE_BEGIN": int_array(begin), "SLICE_STEP": int_array(strides)}))


def _gather_rows(backend, params, indices, out_shape, outer, length, count, inner):
    """params as [batch, outer, length, inner] gathered by int indices [batch, count] along `length`."""
    return backend.program(ProgramSpec([params, indices], out_shape, params.dtype, ("indexing_gather.glsl",),
                                       {"OUTER": outer, "LENGTH": length, "COUNT": count, "INNER": inner}))


@gl_kernel("GatherV2")
def gather(backend, params, indices, axis, batch_dims):
    # Out-of-range indices gather zeros, as on TensorFlow's GPU: checking them here would read the
    # indices back and stall the GPU pipeline (an Embedding layer gathers on every training step).
    length = params.shape[axis]
    shape = tuple(params.shape)
    out_shape = (*shape[:axis], *indices.shape[batch_dims:], *shape[axis + 1:])
    return _gather_rows(backend, params, indices, out_shape, math.prod(shape[batch_dims:axis]), length,
                        math.prod(indices.shape[batch_dims:]), math.prod(shape[axis + 1:]))


def _positions(backend, indices, shape, op_name):
    """Range-check the index tuples (last axis of `indices`) into `shape`; their row-major row positions (int32)."""
    depth = indices.shape[-1]
    count = math.prod(indices.shape[:-1])
    if indices.shape.num_elements():
        _linear_indices(indices.numpy(), tuple(shape), op_name)
    if depth == 0:
        return filled(backend, (count,), int32, 0)
    if depth == 1:
        return alias(indices, (count,))
    return backend.program(ProgramSpec([indices], (count,), int32, ("indexing_positions.glsl",),
                                       {"ROW_STRIDES": int_array(strides_of(shape[:depth]))}, input_names=("y",)))


@gl_kernel("GatherNd")
def gather_nd(backend, params, indices):
    depth = indices.shape[-1]
    positions = _positions(backend, indices, params.shape, "gather_nd")
    row_shape = tuple(params.shape[depth:])
    return _gather_rows(backend, params, positions, (*indices.shape[:-1], *row_shape), 1,
                        math.prod(params.shape[:depth]), positions.shape[0], math.prod(row_shape))


def _scatter_add(backend, positions, updates, shape, inner):
    return backend.program(ProgramSpec([positions, updates], shape, updates.dtype, ("indexing_scatter.glsl",),
                                       {"SCATTER_ADD": 1, "COUNT": positions.shape[0], "INNER": inner},
                                       input_names=("positions", "updates")))


@gl_kernel("ScatterNd")
def scatter_nd(backend, indices, updates, shape):
    depth = indices.shape[-1]
    positions = _positions(backend, indices, shape, "scatter_nd")
    return _scatter_add(backend, positions, updates, shape, math.prod(shape[depth:]))


@gl_kernel("TensorScatterUpdate")
def tensor_scatter_update(backend, tensor, indices, updates):
    depth = indices.shape[-1]
    positions = _positions(backend, indices, tensor.shape, "tensor_scatter_nd_update")
    return backend.program(ProgramSpec([tensor, positions, updates], tensor.shape, tensor.dtype,
                                       ("indexing_scatter.glsl",),
                                       {"COUNT": positions.shape[0], "INNER": math.prod(tensor.shape[depth:])},
                                       input_names=("tensor", "positions", "updates")))


@gl_kernel("UnsortedSegmentSum")
def unsorted_segment_sum(backend, data, segment_ids, num_segments):
    # Rows with ids outside [0, num_segments) are dropped, as on TensorFlow's GPU (no readback to check them).
    positions = alias(segment_ids, (segment_ids.shape.num_elements(),))
    shape = (num_segments, *data.shape[segment_ids.ndim:])
    return _scatter_add(backend, positions, data, shape, math.prod(shape[1:]))


@gl_kernel("OneHot")
def one_hot(backend, indices, on_value, off_value, depth, axis):
    shape = (*indices.shape[:axis], depth, *indices.shape[axis:])
    return backend.program(ProgramSpec([indices, on_value, off_value], shape, on_value.dtype,
                                       ("indexing_one_hot.glsl",),
                                       {"DEPTH": depth, "INNER": math.prod(indices.shape[axis:])},
                                       input_names=("indices", "on", "off")))


@gl_kernel("Select")
def select(backend, condition, x, y):
    shape = np.broadcast_shapes(tuple(condition.shape), tuple(x.shape), tuple(y.shape))
    return backend.program(ProgramSpec([condition, x, y], shape, x.dtype, ("indexing_select.glsl",),
                                       input_names=("condition", "x", "y")))


@gl_kernel("Where")
def where(backend, condition):
    """Coordinates of the nonzero elements: prefix counts in log16(n) passes, then a binary search per row.

    The output's shape depends on the data, so the total count (one word) is read back in between.
    """
    size = condition.shape.num_elements()
    rank = condition.ndim
    if size <= 1:
        return filled(backend, (int(np.count_nonzero(condition.numpy())), rank), int32, 0)
    counts = alias(condition, (size,))
    span = 1
    while span < size:
        defines = {"RADIX": WHERE_SCAN_RADIX, **({"COUNT_NONZERO": 1} if span == 1 else {})}
        counts = backend.program(ProgramSpec([counts], (size,), int32, ("indexing_where_scan.glsl",), defines,
                                             {"span": ("int", span)}))
        span *= WHERE_SCAN_RADIX
    total = int(strided_view(backend, counts, (1,), (0,), size - 1).numpy()[0])
    return backend.program(ProgramSpec([alias(counts, condition.shape)], (total, rank), int32,
                                       ("indexing_where_coords.glsl",)))

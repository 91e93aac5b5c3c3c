"""Depthwise convolution kernels over NHWC arrays: every window tap summed inside one einsum.

The einsum reads a strided view whose last axis merges output columns and
channels (ow * k), so its inner loop runs over thousands of contiguous
elements; that needs a column stride of 1, so a strided convolution reads
each column phase (every s-th column) from a contiguous array of its own.

The forward pass and the stride-1 input gradient work in blocks of output rows
that fit a core's cache, on all cores: each block copies the input rows it
reads, with their zero padding and one array per column phase, into the
thread's scratch buffer, and its einsum reads them from the cache. No padded
copy of the whole input is made ([32, 112, 112, 96] 3x3 stride 2: about 2x
faster than padding it whole and splitting its phases).
"""
import numpy as np
from numpy.lib.stride_tricks import as_strided

from .conv import cropped, float32, flipped_pads, output_hw, padded, padded_zeros, tap_view, taps
from .kernel import cpu_kernel
from .parallel import map_blocks, map_row_blocks, scratch_buffer

# Output elements per block of the blocked correlation: with the input rows it reads (about as many, or twice at
# stride 2) and the tiled weights, a block stays within a 2 MiB L2 cache.
_BLOCK_OUTPUTS = 1 << 16


def _column_phases(kw, sw, dw):
    """[(columns, spacing)]: the window columns j that read one column phase (j * dw % sw), in order, and the
    distance between two of them in that phase's columns."""
    phases = []
    for phase in range(sw):
        columns = [j for j in range(kw) if j * dw % sw == phase]
        if columns:
            phases.append((columns, (columns[1] - columns[0]) * dw // sw if len(columns) > 1 else 1))
    return phases


def _tap_groups(xp, out_hw, kh, kw, strides, dilations):
    """[(columns, windows)]: window taps j in `columns` read the [n, oh, kh, len(columns), ow * k] view `windows`
    of padded `xp`."""
    (oh, ow), (sh, sw), (dh, dw) = out_hw, strides, dilations
    groups = []
    for columns, spacing in _column_phases(kw, sw, dw):
        source = xp if sw == 1 else np.ascontiguousarray(xp[:, :, columns[0] * dw % sw::sw])
        source = source[:, :, columns[0] * dw // sw:]
        n, depth = xp.shape[0], xp.shape[3]
        bn, bh, bw, bk = source.strides
        windows = as_strided(source, (n, oh, kh, len(columns), ow * depth), (bn, bh * sh, bh * dh, bw * spacing, bk),
                             writeable=False)
        groups.append((columns, windows))
    return groups


def _output_blocks(n, oh, row_elements):
    """(samples, first row, end row) blocks of an [n, oh] output of `row_elements` values a row, each of about
    _BLOCK_OUTPUTS values: whole samples where they are small, else rows of one sample."""
    per_sample = oh * row_elements
    if per_sample <= _BLOCK_OUTPUTS:
        step = _BLOCK_OUTPUTS // max(per_sample, 1)
        return [(slice(b, min(n, b + step)), 0, oh) for b in range(0, n, step)]
    rows = max(1, _BLOCK_OUTPUTS // row_elements)
    return [(slice(b, b + 1), r, min(oh, r + rows)) for b in range(n) for r in range(0, oh, rows)]


def _first_inside(offset, step, size):
    """(first, end): the range of t with 0 <= offset + t * step < size, for t >= 0 (end may be <= first)."""
    first = max(0, -(offset // step))
    end = (size - 1 - offset) // step + 1 if size - 1 - offset >= 0 else 0
    return first, end


def _depthwise_correlate(x, weights, pads, strides, dilations):
    """float32 out[n, h, w, k] = sum over taps (i, j) of xp[n, h*sh + i*dh, w*sw + j*dw, k] * weights[i, j, k], with xp
    the [n, h, w, c] input zero-padded by `pads` = (top, bottom, left, right) and each channel repeated
    k // c times (the depth multiplier)."""
    kh, kw, depth = weights.shape
    n, h, w, c = x.shape
    multiplier = depth // c
    (sh, sw), (dh, dw) = strides, dilations
    pt, pb, pl, pr = pads
    oh, ow = output_hw((n, h + pt + pb, w + pl + pr), kh, kw, strides, dilations)
    out = np.empty((n, oh, ow * depth), np.float32)
    if not out.size:
        return out.reshape(n, oh, ow, depth)
    tiled = np.broadcast_to(weights[:, :, None, :], (kh, kw, ow, depth)).reshape(kh, kw, ow * depth)
    # Per column phase: the window columns, their spacing, their tiled weights, the first padded column the phase
    # array holds and how many columns it holds.
    phases = [(columns, spacing, np.ascontiguousarray(tiled[:, columns]), columns[0] * dw,
               (columns[-1] - columns[0]) * dw // sw + ow)
              for columns, spacing in _column_phases(kw, sw, dw)]

    def correlate(block):
        samples, lo, hi = block
        count = samples.stop - samples.start
        first_row = lo * sh - pt  # the input row that padded row lo * sh holds
        rows = (hi - 1 - lo) * sh + (kh - 1) * dh + 1
        row_start, row_end = _first_inside(first_row, 1, h)
        row_end = min(row_end, rows)
        scratch = scratch_buffer(count * rows * depth * sum(width for *_, width in phases))
        target = out[samples, lo:hi]
        used = 0
        for index, (columns, spacing, group_weights, base, width) in enumerate(phases):
            source = scratch[used:used + count * rows * width * depth].reshape(count, rows, width, depth)
            used += source.size
            column_start, column_end = _first_inside(base - pl, sw, w)
            column_end = min(column_end, width)
            if row_end <= row_start or column_end <= column_start:
                source[...] = 0
            else:
                source[:, :row_start] = 0
                source[:, row_end:] = 0
                source[:, row_start:row_end, :column_start] = 0
                source[:, row_start:row_end, column_end:] = 0
                first_column = base - pl + column_start * sw
                inside = x[samples, first_row + row_start:first_row + row_end,
                           first_column:first_column + (column_end - column_start - 1) * sw + 1:sw]
                # Channel k of the depth reads input channel k // multiplier: a broadcast copies each one in place.
                source.reshape(count, rows, width, c, multiplier)[:, row_start:row_end, column_start:column_end] = \
                    inside[..., None]
            bn, bh, bw, bk = source.strides
            windows = as_strided(source, (count, hi - lo, kh, len(columns), ow * depth),
                                 (bn, bh * sh, bh * dh, bw * spacing, bk), writeable=False)
            if index:
                target += np.einsum("nhijq,ijq->nhq", windows, group_weights)
            else:
                np.einsum("nhijq,ijq->nhq", windows, group_weights, out=target)

    map_blocks(correlate, _output_blocks(n, oh, ow * depth), out.size * kh * kw)
    return out.reshape(n, oh, ow, depth)


@cpu_kernel("DepthwiseConv2dNative")
def depthwise_conv2d(x, filters, *, strides, pads, dilations):
    kh, kw, c, m = filters.shape
    out = _depthwise_correlate(x, float32(filters).reshape(kh, kw, c * m), pads, strides, dilations)
    return out.astype(x.dtype, copy=False)


@cpu_kernel("DepthwiseConv2dNativeBackpropInput")
def depthwise_conv2d_backprop_input(dy, filters, *, input_shape, strides, pads, dilations):
    kh, kw, c, m = filters.shape
    weights = float32(filters).reshape(kh, kw, c * m)
    flipped = flipped_pads(kh, kw, pads, dilations) if strides == (1, 1) else None
    if flipped is not None:
        # Stride 1: the correlation of the padded output gradient with the filter flipped in space.
        dx = _depthwise_correlate(dy, weights[::-1, ::-1], flipped, strides, dilations)
    else:
        dx = padded_zeros(input_shape, pads, c * m)
        if dy.size:
            dy32 = float32(dy)
            product = np.empty_like(dy32)
            for i, j, row, col in taps(kh, kw, dilations):
                np.multiply(dy32, weights[i, j], out=product)
                target = tap_view(dx, row, col, dy.shape[1:3], strides)
                target += product
        dx = cropped(dx, input_shape, pads)
    if m > 1:
        dx = dx.reshape(*dx.shape[:3], c, m).sum(axis=4)
    return dx.astype(dy.dtype, copy=False)


@cpu_kernel("DepthwiseConv2dNativeBackpropFilter")
def depthwise_conv2d_backprop_filter(x, dy, *, filter_shape, strides, pads, dilations):
    kh, kw, c, m = filter_shape
    n, oh, ow, depth = dy.shape
    dw = np.zeros((kh, kw, depth), np.float32)
    if dy.size:
        xp = padded(np.asarray(x, np.float32), pads)
        if m > 1:
            xp = np.repeat(xp, m, axis=3)  # channel c * m + k lines up with output channel c * m + k
        dy_rows = float32(dy).reshape(n, oh, ow * depth)
        for columns, windows in _tap_groups(xp, (oh, ow), kh, kw, strides, dilations):
            def block_sum(block, windows=windows):
                return np.einsum("nhijq,nhq->ijq", windows[block], dy_rows[block])
            total = sum(map_row_blocks(block_sum, n, oh, dy.size * kh * len(columns)))
            dw[:, columns] = total.reshape(kh, len(columns), ow, depth).sum(axis=2)
    return dw.reshape(filter_shape).astype(x.dtype, copy=False)

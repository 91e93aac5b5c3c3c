"""Depthwise convolution kernels over NHWC arrays: every window tap summed inside one einsum.

The einsum reads a strided view whose last axis merges output columns and
channels (ow * k), so its inner loop runs over thousands of contiguous
elements; that needs a column stride of 1, so a strided convolution reads
each column phase (every s-th column) from a contiguous copy of its own.
"""
import numpy as np
from numpy.lib.stride_tricks import as_strided

from .conv import cropped, float32, flipped_pads, map_row_blocks, output_hw, padded, padded_zeros, tap_view, taps
from .kernel import cpu_kernel


def _expanded(x, multiplier):
    """Each input channel repeated `multiplier` times, so channel c * m + k lines up with output channel c * m + k."""
    return x if multiplier == 1 else np.repeat(x, multiplier, axis=3)


def _tap_groups(xp, out_hw, kh, kw, strides, dilations):
    """[(columns, windows)]: window taps j in `columns` read the [n, oh, kh, len(columns), ow * k] view `windows`."""
    (oh, ow), (sh, sw), (dh, dw) = out_hw, strides, dilations
    groups = []
    for phase in range(sw):
        columns = [j for j in range(kw) if j * dw % sw == phase]
        if not columns:
            continue
        source = xp if sw == 1 else np.ascontiguousarray(xp[:, :, phase::sw])
        source = source[:, :, columns[0] * dw // sw:]
        spacing = (columns[1] - columns[0]) * dw // sw if len(columns) > 1 else 1
        n, depth = xp.shape[0], xp.shape[3]
        bn, bh, bw, bk = source.strides
        windows = as_strided(source, (n, oh, kh, len(columns), ow * depth), (bn, bh * sh, bh * dh, bw * spacing, bk),
                             writeable=False)
        groups.append((columns, windows))
    return groups


def _depthwise_correlate(xp, weights, strides, dilations):
    """out[n, h, w, k] = sum over taps (i, j) of xp[n, h*sh + i*dh, w*sw + j*dw, k] * weights[i, j, k]."""
    kh, kw, depth = weights.shape
    n = xp.shape[0]
    oh, ow = output_hw(xp.shape, kh, kw, strides, dilations)
    out = np.empty((n, oh, ow * depth), np.float32)
    if not out.size:
        return out.reshape(n, oh, ow, depth)
    tiled = np.broadcast_to(weights[:, :, None, :], (kh, kw, ow, depth)).reshape(kh, kw, ow * depth)
    groups = [(windows, np.ascontiguousarray(tiled[:, columns]))
              for columns, windows in _tap_groups(np.ascontiguousarray(xp), (oh, ow), kh, kw, strides, dilations)]

    def correlate(block):
        target = out[block]
        for index, (windows, group_weights) in enumerate(groups):
            if index:
                target += np.einsum("nhijq,ijq->nhq", windows[block], group_weights)
            else:
                np.einsum("nhijq,ijq->nhq", windows[block], group_weights, out=target)

    map_row_blocks(correlate, n, oh, out.size * kh * kw)
    return out.reshape(n, oh, ow, depth)


@cpu_kernel("DepthwiseConv2dNative")
def depthwise_conv2d(x, filters, *, strides, pads, dilations):
    kh, kw, c, m = filters.shape
    xp = _expanded(padded(np.asarray(x, np.float32), pads), m)
    out = _depthwise_correlate(xp, float32(filters).reshape(kh, kw, c * m), strides, dilations)
    return out.astype(x.dtype, copy=False)


@cpu_kernel("DepthwiseConv2dNativeBackpropInput")
def depthwise_conv2d_backprop_input(dy, filters, *, input_shape, strides, pads, dilations):
    kh, kw, c, m = filters.shape
    weights = float32(filters).reshape(kh, kw, c * m)
    flipped = flipped_pads(kh, kw, pads, dilations) if strides == (1, 1) else None
    if flipped is not None:
        # Stride 1: the correlation of the padded output gradient with the filter flipped in space.
        dx = _depthwise_correlate(padded(np.asarray(dy, np.float32), flipped), weights[::-1, ::-1], strides, dilations)
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
        xp = _expanded(padded(np.asarray(x, np.float32), pads), m)
        dy_rows = float32(dy).reshape(n, oh, ow * depth)
        for columns, windows in _tap_groups(xp, (oh, ow), kh, kw, strides, dilations):
            def block_sum(block, windows=windows):
                return np.einsum("nhijq,nhq->ijq", windows[block], dy_rows[block])
            total = sum(map_row_blocks(block_sum, n, oh, dy.size * kh * len(columns)))
            dw[:, columns] = total.reshape(kh, len(columns), ow, depth).sum(axis=2)
    return dw.reshape(filter_shape).astype(x.dtype, copy=False)

"""Convolution kernels over NHWC arrays, with explicit (top, bottom, left, right) pads.

Conv2D and its filter gradient gather the windows with stride tricks (im2col)
into a reused scratch buffer and make one BLAS matmul per block of rows.
Depthwise convolution sums the kh * kw window taps inside one einsum over a
strided view. Stride-1 input gradients are the forward correlation of the
padded output gradient with the flipped filter; strided ones add each tap's
contribution back where it was read. No Python loop runs per pixel.
"""
import threading

import numpy as np
from numpy.lib.stride_tricks import as_strided

from .kernel import cpu_kernel

# The most im2col elements gathered at once (16 MiB of float32): bounds memory for big batches.
_BLOCK_ELEMENTS = 1 << 22


class _Scratch(threading.local):
    def __init__(self):
        self.buffer = np.empty(0, np.float32)


_scratch = _Scratch()


def _scratch_buffer(size):
    """A float32 work array reused across calls on this thread.

    Freeing and reallocating multi-MiB arrays on every call costs page faults
    that measured about three times the whole convolution here.
    """
    if _scratch.buffer.size < size:
        _scratch.buffer = np.empty(size, np.float32)
    return _scratch.buffer[:size]


def float32(a):
    return np.ascontiguousarray(a, dtype=np.float32)


def padded(x, pads, fill=0):
    """`x` padded by `pads` = (top, bottom, left, right), C-contiguous."""
    pt, pb, pl, pr = pads
    if not (pt or pb or pl or pr):
        return np.ascontiguousarray(x)
    n, h, w, c = x.shape
    out = np.empty((n, h + pt + pb, w + pl + pr, c), x.dtype)
    out[:, :pt] = fill
    out[:, pt + h:] = fill
    out[:, pt:pt + h, :pl] = fill
    out[:, pt:pt + h, pl + w:] = fill
    out[:, pt:pt + h, pl:pl + w] = x
    return out


def cropped(padded_array, shape, pads):
    pt, _, pl, _ = pads
    return np.ascontiguousarray(padded_array[:, pt:pt + shape[1], pl:pl + shape[2]])


def output_hw(padded_shape, kh, kw, strides, dilations):
    sizes = []
    for size, k, s, d in zip(padded_shape[1:3], (kh, kw), strides, dilations):
        sizes.append(max((size - (k - 1) * d - 1) // s + 1, 0))
    return tuple(sizes)


def taps(kh, kw, dilations):
    """(i, j, row offset, column offset) of every window tap, in row-major order."""
    return [(i, j, i * dilations[0], j * dilations[1]) for i in range(kh) for j in range(kw)]


def tap_view(a, row, col, out_hw, strides):
    """The [n, oh, ow, c] view of padded `a` that the window tap at offset (row, col) reads."""
    (oh, ow), (sh, sw) = out_hw, strides
    return a[:, row:row + (oh - 1) * sh + 1:sh, col:col + (ow - 1) * sw + 1:sw]


def _flipped_pads(kh, kw, pads, dilations):
    """Pads that turn a stride-1 input gradient into a forward correlation, or None where a pad exceeds the window."""
    edges = ((kh - 1) * dilations[0],) * 2 + ((kw - 1) * dilations[1],) * 2
    flipped = tuple(edge - pad for edge, pad in zip(edges, pads))
    return flipped if min(flipped) >= 0 else None


def _expanded_zeros(input_shape, pads, depth):
    n, h, w, _ = input_shape
    pt, pb, pl, pr = pads
    return np.zeros((n, h + pt + pb, w + pl + pr, depth), np.float32)


# --- Conv2D and its gradients ---------------------------------------------------------
def _windows(xp, rows, out_w, kh, kw, strides, dilations):
    """A [n, len(rows), ow, kh, kw, c] strided view of the windows of output rows `rows` (no copy)."""
    sn, sh, sw, sc = xp.strides
    start = xp[:, rows.start * strides[0]:]
    shape = (xp.shape[0], rows.stop - rows.start, out_w, kh, kw, xp.shape[3])
    return as_strided(start, shape, (sn, sh * strides[0], sw * strides[1], sh * dilations[0], sw * dilations[1], sc),
                      writeable=False)


def _row_blocks(n, out_h, row_elements):
    """(samples, output rows) slices whose im2col has at most _BLOCK_ELEMENTS elements (at least one row)."""
    per_sample = out_h * row_elements
    if per_sample <= _BLOCK_ELEMENTS:
        step = max(1, _BLOCK_ELEMENTS // max(per_sample, 1))
        return [(slice(b, min(n, b + step)), slice(0, out_h)) for b in range(0, n, step)]
    rows = max(1, _BLOCK_ELEMENTS // row_elements)
    return [(slice(b, b + 1), slice(r, min(out_h, r + rows))) for b in range(n) for r in range(0, out_h, rows)]


def _im2col_blocks(xp, out_hw, kh, kw, strides, dilations):
    """Yield (samples, rows, cols) with cols the [samples * rows * ow, kh * kw * c] im2col matrix of that block."""
    n, c = xp.shape[0], xp.shape[3]
    oh, ow = out_hw
    depth = kh * kw * c
    for samples, rows in _row_blocks(n, oh, ow * depth):
        windows = _windows(xp[samples], rows, ow, kh, kw, strides, dilations)
        cols = _scratch_buffer(windows.size).reshape(windows.shape)
        np.copyto(cols, windows)
        yield samples, rows, cols.reshape(-1, depth)


def _is_pointwise(kh, kw, strides, pads):
    return kh == kw == 1 and strides == (1, 1) and not any(pads)


def _correlate(xp, filters, strides, dilations):
    """float32 [n, oh, ow, out] cross-correlation of padded float32 `xp` with [kh, kw, c, out] `filters`."""
    kh, kw, c, out_c = filters.shape
    weights = float32(filters).reshape(kh * kw * c, out_c)
    oh, ow = output_hw(xp.shape, kh, kw, strides, dilations)
    out = np.empty((xp.shape[0], oh, ow, out_c), np.float32)
    if out.size:
        for samples, rows, cols in _im2col_blocks(xp, (oh, ow), kh, kw, strides, dilations):
            np.matmul(cols, weights, out=out[samples, rows].reshape(-1, out_c))
    return out


@cpu_kernel("Conv2D")
def conv2d(x, filters, *, strides, pads, dilations):
    kh, kw, c, out_c = filters.shape
    if _is_pointwise(kh, kw, strides, pads):
        out = np.matmul(float32(x).reshape(-1, c), float32(filters).reshape(c, out_c))
        return out.reshape(*x.shape[:3], out_c).astype(x.dtype, copy=False)
    return _correlate(padded(np.asarray(x, np.float32), pads), filters, strides, dilations).astype(x.dtype, copy=False)


@cpu_kernel("Conv2DBackpropInput")
def conv2d_backprop_input(dy, filters, *, input_shape, strides, pads, dilations):
    kh, kw, c, out_c = filters.shape
    if _is_pointwise(kh, kw, strides, pads):
        out = np.matmul(float32(dy).reshape(-1, out_c), float32(filters).reshape(c, out_c).T)
        return out.reshape(input_shape).astype(dy.dtype, copy=False)
    # At stride 1 the gradient is the correlation of the padded output gradient with the filter flipped in space
    # and transposed; its im2col has `out_c` channels, so it beats adding per-tap products only when c >= out_c.
    flipped = _flipped_pads(kh, kw, pads, dilations) if strides == (1, 1) and c >= out_c else None
    if flipped is not None:
        flipped_filters = np.ascontiguousarray(float32(filters)[::-1, ::-1].transpose(0, 1, 3, 2))
        dx = _correlate(padded(np.asarray(dy, np.float32), flipped), flipped_filters, strides, dilations)
        return dx.astype(dy.dtype, copy=False)
    dxp = _expanded_zeros(input_shape, pads, c)
    if dy.size and c:
        dy2 = float32(dy).reshape(-1, out_c)
        weights = float32(filters)
        contribution = np.empty((dy2.shape[0], c), np.float32)
        for i, j, row, col in taps(kh, kw, dilations):
            np.matmul(dy2, weights[i, j].T, out=contribution)
            target = tap_view(dxp, row, col, dy.shape[1:3], strides)
            target += contribution.reshape(target.shape)
    return cropped(dxp, input_shape, pads).astype(dy.dtype, copy=False)


@cpu_kernel("Conv2DBackpropFilter")
def conv2d_backprop_filter(x, dy, *, filter_shape, strides, pads, dilations):
    kh, kw, c, out_c = filter_shape
    dy32 = float32(dy)
    if _is_pointwise(kh, kw, strides, pads):
        dw = np.matmul(float32(x).reshape(-1, c).T, dy32.reshape(-1, out_c))
        return dw.reshape(filter_shape).astype(x.dtype, copy=False)
    xp = padded(np.asarray(x, np.float32), pads)
    dw = np.zeros((kh * kw * c, out_c), np.float32)
    if dy.size:
        for samples, rows, cols in _im2col_blocks(xp, dy.shape[1:3], kh, kw, strides, dilations):
            dw += np.matmul(cols.T, dy32[samples, rows].reshape(-1, out_c))
    return dw.reshape(filter_shape).astype(x.dtype, copy=False)


# --- depthwise ------------------------------------------------------------------------
def _depthwise_windows(xp, out_hw, kh, kw, strides, dilations):
    """[n, oh, kh, kw, ow * k] windows of C-contiguous `xp` when the column stride is 1, else [n, oh, kh, kw, ow, k].

    Merging ow and k gives einsum one long inner loop: four times faster than
    the six-dimensional view here.
    """
    (oh, ow), (sh, sw), (dh, dw) = out_hw, strides, dilations
    n, _, _, depth = xp.shape
    bn, bh, bw, bk = xp.strides
    if sw == 1:
        return as_strided(xp, (n, oh, kh, kw, ow * depth), (bn, bh * sh, bh * dh, bw * dw, bk), writeable=False)
    return as_strided(xp, (n, oh, kh, kw, ow, depth), (bn, bh * sh, bh * dh, bw * dw, bw * sw, bk), writeable=False)


def _expanded(x, multiplier):
    """Each input channel repeated `multiplier` times, so channel c * m + k lines up with output channel c * m + k."""
    return x if multiplier == 1 else np.repeat(x, multiplier, axis=3)


def _depthwise_correlate(xp, weights, strides, dilations):
    """out[n, h, w, k] = sum over taps (i, j) of xp[n, h*sh + i*dh, w*sw + j*dw, k] * weights[i, j, k]."""
    kh, kw, depth = weights.shape
    oh, ow = output_hw(xp.shape, kh, kw, strides, dilations)
    out = np.empty((xp.shape[0], oh, ow, depth), np.float32)
    if out.size:
        windows = _depthwise_windows(xp, (oh, ow), kh, kw, strides, dilations)
        tiled = np.ascontiguousarray(np.broadcast_to(weights[:, :, None, :], (kh, kw, ow, depth)))
        np.einsum("nhij...,ij...->nh...", windows, tiled.reshape(kh, kw, *windows.shape[4:]),
                  out=out.reshape(out.shape[:2] + windows.shape[4:]))
    return out


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
    flipped = _flipped_pads(kh, kw, pads, dilations) if strides == (1, 1) else None
    if flipped is not None:
        dx = _depthwise_correlate(padded(np.asarray(dy, np.float32), flipped), weights[::-1, ::-1], strides, dilations)
    else:
        dx = _expanded_zeros(input_shape, pads, c * m)
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
    xp = _expanded(padded(np.asarray(x, np.float32), pads), m)
    dw = np.zeros((kh, kw, dy.shape[2], c * m), np.float32)
    if dy.size:
        windows = _depthwise_windows(xp, dy.shape[1:3], kh, kw, strides, dilations)
        np.einsum("nhij...,nh...->ij...", windows, float32(dy).reshape(dy.shape[:2] + windows.shape[4:]),
                  out=dw.reshape(kh, kw, *windows.shape[4:]))
    return dw.sum(axis=2).reshape(filter_shape).astype(x.dtype, copy=False)


from . import pool  # noqa: E402,F401  (pooling kernels share the helpers above)

"""Convolution and pooling kernels over NHWC arrays, with explicit (top, bottom, left, right) pads.

Conv2D and its filter gradient gather the windows with stride tricks (im2col)
into a reused scratch buffer and make one BLAS matmul per block of rows; the
input gradient makes one matmul per filter tap and adds it where the tap read.
Depthwise convolution and pooling make one vectorised pass per window tap
over a strided view, so their Python loops run kh * kw times, never per pixel.
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


def _float32(a):
    return np.ascontiguousarray(a, dtype=np.float32)


def _padded(x, pads, fill=0):
    pt, pb, pl, pr = pads
    if not (pt or pb or pl or pr):
        return x
    n, h, w, c = x.shape
    out = np.empty((n, h + pt + pb, w + pl + pr, c), x.dtype)
    out[:, :pt] = fill
    out[:, pt + h:] = fill
    out[:, pt:pt + h, :pl] = fill
    out[:, pt:pt + h, pl + w:] = fill
    out[:, pt:pt + h, pl:pl + w] = x
    return out


def _cropped(padded, shape, pads):
    pt, _, pl, _ = pads
    return np.ascontiguousarray(padded[:, pt:pt + shape[1], pl:pl + shape[2]])


def _output_size(padded, kernel, stride, dilation):
    return max((padded - (kernel - 1) * dilation - 1) // stride + 1, 0)


def _output_hw(padded_shape, kh, kw, strides, dilations):
    return (_output_size(padded_shape[1], kh, strides[0], dilations[0]),
            _output_size(padded_shape[2], kw, strides[1], dilations[1]))


def _taps(kh, kw, dilations):
    return [(i, j, i * dilations[0], j * dilations[1]) for i in range(kh) for j in range(kw)]


def _tap(a, row, col, out_hw, strides):
    """The [n, oh, ow, c] view of padded `a` that one window tap at offset (row, col) reads."""
    (oh, ow), (sh, sw) = out_hw, strides
    return a[:, row:row + (oh - 1) * sh + 1:sh, col:col + (ow - 1) * sw + 1:sw]


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


# --- Conv2D and its gradients ---------------------------------------------------------
@cpu_kernel("Conv2D")
def conv2d(x, filters, *, strides, pads, dilations):
    kh, kw, c, out_c = filters.shape
    weights = _float32(filters).reshape(kh * kw * c, out_c)
    if _is_pointwise(kh, kw, strides, pads):
        return np.matmul(_float32(x).reshape(-1, c), weights).reshape(*x.shape[:3], out_c).astype(x.dtype, copy=False)
    xp = _padded(np.asarray(x, np.float32), pads)
    oh, ow = _output_hw(xp.shape, kh, kw, strides, dilations)
    out = np.empty((x.shape[0], oh, ow, out_c), np.float32)
    if out.size:
        for samples, rows, cols in _im2col_blocks(xp, (oh, ow), kh, kw, strides, dilations):
            np.matmul(cols, weights, out=out[samples, rows].reshape(-1, out_c))
    return out.astype(x.dtype, copy=False)


@cpu_kernel("Conv2DBackpropInput")
def conv2d_backprop_input(dy, filters, *, input_shape, strides, pads, dilations):
    kh, kw, c, out_c = filters.shape
    dy2 = _float32(dy).reshape(-1, out_c)
    weights = _float32(filters)
    if _is_pointwise(kh, kw, strides, pads):
        return np.matmul(dy2, weights.reshape(c, out_c).T).reshape(input_shape).astype(dy.dtype, copy=False)
    n, h, w, _ = input_shape
    pt, pb, pl, pr = pads
    dxp = np.zeros((n, h + pt + pb, w + pl + pr, c), np.float32)
    out_hw = dy.shape[1:3]
    if dy.size and c:
        contribution = np.empty((dy2.shape[0], c), np.float32)
        for i, j, row, col in _taps(kh, kw, dilations):
            np.matmul(dy2, weights[i, j].T, out=contribution)
            target = _tap(dxp, row, col, out_hw, strides)
            target += contribution.reshape(target.shape)
    return _cropped(dxp, input_shape, pads).astype(dy.dtype, copy=False)


@cpu_kernel("Conv2DBackpropFilter")
def conv2d_backprop_filter(x, dy, *, filter_shape, strides, pads, dilations):
    kh, kw, c, out_c = filter_shape
    dy32 = _float32(dy)
    if _is_pointwise(kh, kw, strides, pads):
        dw = np.matmul(_float32(x).reshape(-1, c).T, dy32.reshape(-1, out_c))
        return dw.reshape(filter_shape).astype(x.dtype, copy=False)
    xp = _padded(np.asarray(x, np.float32), pads)
    dw = np.zeros((kh * kw * c, out_c), np.float32)
    if dy.size:
        for samples, rows, cols in _im2col_blocks(xp, dy.shape[1:3], kh, kw, strides, dilations):
            dw += np.matmul(cols.T, dy32[samples, rows].reshape(-1, out_c))
    return dw.reshape(filter_shape).astype(x.dtype, copy=False)


# --- depthwise ------------------------------------------------------------------------
def _expanded(x, multiplier):
    """Each input channel repeated `multiplier` times, so channel c * m + k lines up with output channel c * m + k."""
    return x if multiplier == 1 else np.repeat(x, multiplier, axis=3)


def _tiled_taps(filters, out_w):
    """[kh, kw, ow, c * m] weights: a contiguous weight row lets numpy run each tap as one long inner loop."""
    kh, kw, c, m = filters.shape
    weights = np.asarray(filters, np.float32).reshape(kh, kw, 1, c * m)
    return np.ascontiguousarray(np.broadcast_to(weights, (kh, kw, out_w, c * m)))


@cpu_kernel("DepthwiseConv2dNative")
def depthwise_conv2d(x, filters, *, strides, pads, dilations):
    kh, kw, c, m = filters.shape
    xp = _expanded(_padded(np.asarray(x, np.float32), pads), m)
    oh, ow = _output_hw(xp.shape, kh, kw, strides, dilations)
    out = np.zeros((x.shape[0], oh, ow, c * m), np.float32)
    if out.size:
        weights = _tiled_taps(filters, ow)
        product = np.empty_like(out)
        for index, (i, j, row, col) in enumerate(_taps(kh, kw, dilations)):
            source = _tap(xp, row, col, (oh, ow), strides)
            np.multiply(source, weights[i, j], out=out if index == 0 else product)
            if index:
                out += product
    return out.astype(x.dtype, copy=False)


@cpu_kernel("DepthwiseConv2dNativeBackpropInput")
def depthwise_conv2d_backprop_input(dy, filters, *, input_shape, strides, pads, dilations):
    kh, kw, c, m = filters.shape
    n, h, w, _ = input_shape
    pt, pb, pl, pr = pads
    dxp = np.zeros((n, h + pt + pb, w + pl + pr, c * m), np.float32)
    if dy.size:
        dy32 = _float32(dy)
        out_hw = dy.shape[1:3]
        weights = _tiled_taps(filters, out_hw[1])
        product = np.empty_like(dy32)
        for i, j, row, col in _taps(kh, kw, dilations):
            np.multiply(dy32, weights[i, j], out=product)
            target = _tap(dxp, row, col, out_hw, strides)
            target += product
    if m > 1:
        dxp = dxp.reshape(*dxp.shape[:3], c, m).sum(axis=4)
    return _cropped(dxp, input_shape, pads).astype(dy.dtype, copy=False)


@cpu_kernel("DepthwiseConv2dNativeBackpropFilter")
def depthwise_conv2d_backprop_filter(x, dy, *, filter_shape, strides, pads, dilations):
    kh, kw, c, m = filter_shape
    xp = _expanded(_padded(np.asarray(x, np.float32), pads), m)
    dy32 = _float32(dy)
    dw = np.zeros((kh, kw, c * m), np.float32)
    if dy.size:
        for i, j, row, col in _taps(kh, kw, dilations):
            dw[i, j] = np.einsum("nhwk,nhwk->k", _tap(xp, row, col, dy.shape[1:3], strides), dy32)
    return dw.reshape(filter_shape).astype(x.dtype, copy=False)


# --- pooling ----------------------------------------------------------------------------
def _lowest(dtype):
    return -np.inf if dtype.kind == "f" else np.iinfo(dtype).min


@cpu_kernel("MaxPool")
def max_pool(x, *, ksize, strides, pads):
    xp = _padded(x, pads, fill=_lowest(x.dtype))
    oh, ow = _output_hw(xp.shape, *ksize, strides, (1, 1))
    out = np.empty((x.shape[0], oh, ow, x.shape[3]), x.dtype)
    if out.size:
        for index, (_, _, row, col) in enumerate(_taps(*ksize, (1, 1))):
            source = _tap(xp, row, col, (oh, ow), strides)
            if index:
                np.maximum(out, source, out=out)
            else:
                np.copyto(out, source)
    return out


@cpu_kernel("MaxPoolGrad")
def max_pool_grad(x, y, dy, *, ksize, strides, pads):
    """The gradient goes to the first maximum of each window in row-major order, as TF's CPU kernel does."""
    xp = _padded(x, pads, fill=_lowest(x.dtype))
    dxp = np.zeros(xp.shape, np.float32)
    if dy.size:
        dy32 = _float32(dy)
        out_hw = dy.shape[1:3]
        unclaimed = np.ones(dy.shape, bool)
        hit = np.empty(dy.shape, bool)
        for _, _, row, col in _taps(*ksize, (1, 1)):
            np.equal(_tap(xp, row, col, out_hw, strides), y, out=hit)
            hit &= unclaimed
            unclaimed ^= hit
            target = _tap(dxp, row, col, out_hw, strides)
            np.add(target, dy32, out=target, where=hit)
    return _cropped(dxp, x.shape, pads).astype(dy.dtype, copy=False)


def _inverse_counts(input_hw, out_hw, ksize, strides, pads):
    """[oh, ow, 1] reciprocals of how many input pixels (padding excluded) each window covers."""
    counts = []
    for size, out, k, s, before in zip(input_hw, out_hw, ksize, strides, pads[::2]):
        start = np.arange(out) * s - before
        counts.append(np.minimum(start + k, size) - np.maximum(start, 0))
    return (1.0 / np.multiply.outer(*counts).astype(np.float32))[:, :, None]


@cpu_kernel("AvgPool")
def avg_pool(x, *, ksize, strides, pads):
    xp = _padded(np.asarray(x, np.float32), pads)
    oh, ow = _output_hw(xp.shape, *ksize, strides, (1, 1))
    out = np.zeros((x.shape[0], oh, ow, x.shape[3]), np.float32)
    if out.size:
        for _, _, row, col in _taps(*ksize, (1, 1)):
            out += _tap(xp, row, col, (oh, ow), strides)
        out *= _inverse_counts(x.shape[1:3], (oh, ow), ksize, strides, pads)
    return out.astype(x.dtype, copy=False)


@cpu_kernel("AvgPoolGrad")
def avg_pool_grad(dy, *, input_shape, ksize, strides, pads):
    n, h, w, c = input_shape
    pt, pb, pl, pr = pads
    dxp = np.zeros((n, h + pt + pb, w + pl + pr, c), np.float32)
    if dy.size:
        out_hw = dy.shape[1:3]
        share = _float32(dy) * _inverse_counts((h, w), out_hw, ksize, strides, pads)
        for _, _, row, col in _taps(*ksize, (1, 1)):
            target = _tap(dxp, row, col, out_hw, strides)
            target += share
    return _cropped(dxp, input_shape, pads).astype(dy.dtype, copy=False)

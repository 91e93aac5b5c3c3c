"""Convolution kernels over NHWC arrays with explicit (top, bottom, left, right) pads, and their shared helpers.

Conv2D and its filter gradient gather the windows with stride tricks (im2col)
into a reused scratch buffer and make one BLAS matmul per block of rows. A
stride-1 input gradient is the forward correlation of the padded output
gradient with the flipped filter; a strided one adds each tap's contribution
back where it was read. No Python loop runs per pixel. Depthwise and pooling
kernels live in depthwise.py and pool.py.
"""
import os
import threading
from concurrent.futures import ThreadPoolExecutor

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


# Work below this many multiply-adds runs on the calling thread: handing it to the pool costs more than it saves.
_PARALLEL_WORK = 1 << 20


class _Pool:
    """Worker threads for all cores but the caller's, created on first use (and again in a forked child)."""

    def __init__(self):
        self.lock = threading.Lock()
        self.executor = None
        self.pid = None
        self.workers = os.cpu_count() or 1

    def map(self, fn, parts):
        """[fn(part) for part in parts]: the calling thread runs the first part while the pool runs the rest."""
        with self.lock:
            if self.pid != os.getpid():
                self.executor = ThreadPoolExecutor(self.workers - 1, thread_name_prefix="engine-cpu")
                self.pid = os.getpid()
            executor = self.executor
        futures = [executor.submit(fn, part) for part in parts[1:]]
        try:
            first = fn(parts[0])
        finally:
            rest = [future.result() for future in futures]
        return [first] + rest


_pool = _Pool()


def _split(n, parts):
    bounds = [n * p // parts for p in range(parts + 1)]
    return [slice(a, b) for a, b in zip(bounds, bounds[1:]) if b > a]


def map_row_blocks(fn, n, out_h, work):
    """[fn((samples, rows)) for blocks of the [n, out_h] output], run on all cores when `work` is large.

    For numpy calls that release the GIL (einsum, ufuncs on big arrays).
    """
    workers = _pool.workers
    if work < _PARALLEL_WORK or workers == 1 or n * out_h < 2:
        return [fn((slice(None), slice(None)))]
    if n >= workers:
        parts = [(samples, slice(None)) for samples in _split(n, workers)]
    else:
        parts = [(slice(None), rows) for rows in _split(out_h, workers)]
    return _pool.map(fn, parts)


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


def flipped_pads(kh, kw, pads, dilations):
    """Pads that turn a stride-1 input gradient into a forward correlation, or None where a pad exceeds the window."""
    edges = ((kh - 1) * dilations[0],) * 2 + ((kw - 1) * dilations[1],) * 2
    flipped = tuple(edge - pad for edge, pad in zip(edges, pads))
    return flipped if min(flipped) >= 0 else None


def padded_zeros(input_shape, pads, depth):
    n, h, w, _ = input_shape
    pt, pb, pl, pr = pads
    return np.zeros((n, h + pt + pb, w + pl + pr, depth), np.float32)


# --- Conv2D and its gradients ---------------------------------------------------------
def _windows(xp, rows, out_w, kh, kw, strides, dilations):
    """A [n, len(rows), ow, kh, kw, c] strided view of the windows of output rows `rows` (no copy)."""
    sn, sh, sw, sc = xp.strides
    start = xp[:, rows.start * strides[0]:]
    if dilations[1] == 1 and sw == xp.shape[3] * sc:
        # The kw taps of one window row are adjacent pixels: one contiguous run of kw * c values,
        # so the im2col copy moves runs of kw * c values instead of c (RGB 224x224 s2: 0.61 -> 0.22 ms).
        shape = (xp.shape[0], rows.stop - rows.start, out_w, kh, kw * xp.shape[3])
        return as_strided(start, shape, (sn, sh * strides[0], sw * strides[1], sh * dilations[0], sc),
                          writeable=False)
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
    if out.size and c <= _FEW_CHANNELS:
        _correlate_few_channels(xp, weights, out, kh, kw, strides, dilations)
    elif out.size:
        for samples, rows, cols in _im2col_blocks(xp, (oh, ow), kh, kw, strides, dilations):
            np.matmul(cols, weights, out=out[samples, rows].reshape(-1, out_c))
    return out


_FEW_CHANNELS = 4


def _correlate_few_channels(xp, weights, out, kh, kw, strides, dilations):
    """Correlation for inputs of a few channels (RGB images): the patch matrix is built transposed,
    [kh * kw * c, oh * ow] per sample, so each copied run spans an output row instead of c values
    (224x224 RGB, 3x3, stride 2: 0.15 ms instead of 0.25 ms), and BLAS reads it transposed."""
    n, _, _, c = xp.shape
    _, oh, ow, out_c = out.shape
    _, sh, sw, sc = xp.strides
    patches = np.empty((kh, kw, c, oh, ow), np.float32)
    taps = (sh * dilations[0], sw * dilations[1], sc, sh * strides[0], sw * strides[1])
    for sample in range(n):
        np.copyto(patches, as_strided(xp[sample], patches.shape, taps, writeable=False))
        np.matmul(patches.reshape(kh * kw * c, oh * ow).T, weights, out=out[sample].reshape(oh * ow, out_c))


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
    flipped = flipped_pads(kh, kw, pads, dilations) if strides == (1, 1) and c >= out_c else None
    if flipped is not None:
        flipped_filters = np.ascontiguousarray(float32(filters)[::-1, ::-1].transpose(0, 1, 3, 2))
        dx = _correlate(padded(np.asarray(dy, np.float32), flipped), flipped_filters, strides, dilations)
        return dx.astype(dy.dtype, copy=False)
    dxp = padded_zeros(input_shape, pads, c)
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


from . import depthwise, pool  # noqa: E402,F401  (they share the helpers above)

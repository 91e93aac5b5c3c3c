"""Convolution kernels over NHWC arrays with explicit (top, bottom, left, right) pads, and their shared helpers.

Conv2D and its filter gradient gather the windows with stride tricks (im2col)
into a reused scratch buffer and make one BLAS matmul per block of rows; inputs
of a few channels gather them transposed, one sample at a time. A stride-1
input gradient is the forward correlation of the padded output gradient with
the flipped filter (when that is cheaper); otherwise each tap's product is
added back where it was read. No Python loop runs per pixel. Where BLAS runs
on one thread, each kernel cuts its output into blocks of samples (or rows of
one sample) that run on all cores (parallel.py). Depthwise and pooling kernels live
in depthwise.py and pool.py.
"""

import numpy as np
from numpy.lib.stride_tricks import as_strided

from .kernel import cpu_kernel
from .parallel import map_output_blocks, matmul, scratch_buffer, worker_count

# The most im2col elements gathered at once, by all threads together (16 MiB of float32): bounds memory for big
# batches, since each thread keeps its scratch buffer.
_BLOCK_ELEMENTS = 1 << 22


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
    """(samples, output rows) slices whose im2col has at most a thread's share of _BLOCK_ELEMENTS elements
    (at least one row)."""
    limit = max(1, _BLOCK_ELEMENTS // worker_count())
    per_sample = out_h * row_elements
    if per_sample <= limit:
        step = max(1, limit // max(per_sample, 1))
        return [(slice(b, min(n, b + step)), slice(0, out_h)) for b in range(0, n, step)]
    rows = max(1, limit // row_elements)
    return [(slice(b, b + 1), slice(r, min(out_h, r + rows))) for b in range(n) for r in range(0, out_h, rows)]


def _im2col_blocks(xp, out_hw, kh, kw, strides, dilations):
    """Yield (samples, rows, cols) with cols the [samples * rows * ow, kh * kw * c] im2col matrix of that block."""
    n, c = xp.shape[0], xp.shape[3]
    oh, ow = out_hw
    depth = kh * kw * c
    for samples, rows in _row_blocks(n, oh, ow * depth):
        windows = _windows(xp[samples], rows, ow, kh, kw, strides, dilations)
        cols = scratch_buffer(windows.size).reshape(windows.shape)
        np.copyto(cols, windows)
        yield samples, rows, cols.reshape(-1, depth)


def _input_rows(xp, rows, kh, strides, dilations):
    """The rows of padded `xp` that the output rows `rows` read: their convolution is those output rows."""
    first = rows.start * strides[0]
    return xp[:, first:(rows.stop - 1) * strides[0] + (kh - 1) * dilations[0] + 1]


def _matrix(block, columns):
    """`block` seen as a [-1, columns] matrix; a view always, as a product written into it must land in place."""
    return block.reshape(-1, columns, copy=False)


def _is_pointwise(kh, kw, strides, pads):
    return kh == kw == 1 and strides == (1, 1) and not any(pads)


def _correlate(xp, filters, strides, dilations):
    """float32 [n, oh, ow, out] cross-correlation of padded float32 `xp` with [kh, kw, c, out] `filters`."""
    kh, kw, c, out_c = filters.shape
    weights = float32(filters).reshape(kh * kw * c, out_c)
    oh, ow = output_hw(xp.shape, kh, kw, strides, dilations)
    out = np.empty((xp.shape[0], oh, ow, out_c), np.float32)

    def correlate_block(block):
        samples, rows = block
        source, target = _input_rows(xp[samples], rows, kh, strides, dilations), out[samples, rows]
        if c <= _FEW_CHANNELS:
            _correlate_few_channels(source, weights, target, kh, kw, strides, dilations)
            return
        for block_samples, block_rows, cols in _im2col_blocks(source, target.shape[1:3], kh, kw, strides,
                                                               dilations):
            np.matmul(cols, weights, out=_matrix(target[block_samples, block_rows], out_c))

    if out.size:
        map_output_blocks(correlate_block, xp.shape[0], oh, out.size * kh * kw * c)
    return out


# Inputs of at most this many channels (RGB images) gather their patches transposed: see _few_channel_patches.
_FEW_CHANNELS = 4


def _few_channel_patches(xp, kh, kw, out_hw, strides, dilations):
    """Yield (sample, patches) with patches the [kh * kw * c, oh * ow] patch matrix of each sample of padded `xp`.

    Built transposed, each copied run spans an output row instead of c values (224x224 RGB, 3x3, stride 2:
    0.15 ms instead of 0.25 ms); one sample at a time keeps the matrix in cache for its product.
    """
    c = xp.shape[3]
    _, sh, sw, sc = xp.strides
    patches = np.empty((kh, kw, c, *out_hw), np.float32)
    steps = (sh * dilations[0], sw * dilations[1], sc, sh * strides[0], sw * strides[1])
    for sample in range(xp.shape[0]):
        np.copyto(patches, as_strided(xp[sample], patches.shape, steps, writeable=False))
        yield sample, patches.reshape(kh * kw * c, -1)


def _correlate_few_channels(xp, weights, out, kh, kw, strides, dilations):
    """Correlation for inputs of a few channels; BLAS reads each sample's patch matrix transposed."""
    out_c = out.shape[3]
    for sample, patches in _few_channel_patches(xp, kh, kw, out.shape[1:3], strides, dilations):
        np.matmul(patches.T, weights, out=_matrix(out[sample], out_c))


@cpu_kernel("Conv2D")
def conv2d(x, filters, *, strides, pads, dilations):
    kh, kw, c, out_c = filters.shape
    if _is_pointwise(kh, kw, strides, pads):
        out = matmul(float32(x).reshape(-1, c), float32(filters).reshape(c, out_c))
        return out.reshape(*x.shape[:3], out_c).astype(x.dtype, copy=False)
    return _correlate(padded(np.asarray(x, np.float32), pads), filters, strides, dilations).astype(x.dtype, copy=False)


@cpu_kernel("Conv2DBackpropInput")
def conv2d_backprop_input(dy, filters, *, input_shape, strides, pads, dilations):
    kh, kw, c, out_c = filters.shape
    if _is_pointwise(kh, kw, strides, pads):
        out = matmul(float32(dy).reshape(-1, out_c), float32(filters).reshape(c, out_c).T)
        return out.reshape(input_shape).astype(dy.dtype, copy=False)
    # At stride 1 the gradient is the correlation of the padded output gradient with the filter flipped in space
    # and transposed; its im2col has `out_c` channels, so it beats adding per-tap products only when c >= out_c.
    flipped = flipped_pads(kh, kw, pads, dilations) if strides == (1, 1) and c >= out_c else None
    if flipped is not None:
        flipped_filters = np.ascontiguousarray(float32(filters)[::-1, ::-1].transpose(0, 1, 3, 2))
        dx = _correlate(padded(np.asarray(dy, np.float32), flipped), flipped_filters, strides, dilations)
        return dx.astype(dy.dtype, copy=False)
    dxp = padded_zeros(input_shape, pads, c)
    dy32, weights = float32(dy), float32(filters)

    def add_tap_products(block):
        samples, _ = block
        gradient, dy2 = dxp[samples], dy32[samples].reshape(-1, out_c)
        contribution = np.empty((dy2.shape[0], c), np.float32)
        for i, j, row, col in taps(kh, kw, dilations):
            np.matmul(dy2, weights[i, j].T, out=contribution)
            target = tap_view(gradient, row, col, dy.shape[1:3], strides)
            target += contribution.reshape(target.shape)

    if dy.size and c:
        # Whole samples per block (out_h=1): the taps of different output rows add into the same input rows.
        map_output_blocks(add_tap_products, dy.shape[0], 1, dy.size * kh * kw * c)
    return cropped(dxp, input_shape, pads).astype(dy.dtype, copy=False)


@cpu_kernel("Conv2DBackpropFilter")
def conv2d_backprop_filter(x, dy, *, filter_shape, strides, pads, dilations):
    kh, kw, c, out_c = filter_shape
    dy32 = float32(dy)
    if _is_pointwise(kh, kw, strides, pads):
        dw = matmul(float32(x).reshape(-1, c).T, dy32.reshape(-1, out_c))
        return dw.reshape(filter_shape).astype(x.dtype, copy=False)
    xp = padded(np.asarray(x, np.float32), pads)

    def block_filter_gradient(block):
        samples, rows = block
        source, block_dy = _input_rows(xp[samples], rows, kh, strides, dilations), dy32[samples, rows]
        dw = np.zeros((kh * kw * c, out_c), np.float32)
        if c <= _FEW_CHANNELS:
            # [32, 32, 32, 3] -> 3x3x3x32: 0.96 ms against 1.24 ms through im2col.
            for sample, patches in _few_channel_patches(source, kh, kw, block_dy.shape[1:3], strides, dilations):
                dw += np.matmul(patches, block_dy[sample].reshape(-1, out_c))
            return dw
        for block_samples, block_rows, cols in _im2col_blocks(source, block_dy.shape[1:3], kh, kw, strides,
                                                               dilations):
            dw += np.matmul(cols.T, block_dy[block_samples, block_rows].reshape(-1, out_c))
        return dw

    if not dy.size:
        return np.zeros(filter_shape, x.dtype)
    dw = sum(map_output_blocks(block_filter_gradient, dy.shape[0], dy.shape[1], dy.size * kh * kw * c))
    return dw.reshape(filter_shape).astype(x.dtype, copy=False)


from . import depthwise, pool  # noqa: E402,F401  (they share the helpers above)

"""Max and average pooling kernels over NHWC arrays: one vectorised pass per window tap over a strided view;
max pooling and its gradient run blocks of samples on all cores where BLAS leaves them free (see conv._Pool)."""
import numpy as np

from .conv import cropped, float32, output_hw, padded, tap_view, taps
from .kernel import cpu_kernel
from .parallel import map_output_blocks

_NO_DILATION = (1, 1)


def _lowest(dtype):
    return -np.inf if dtype.kind == "f" else np.iinfo(dtype).min


@cpu_kernel("MaxPool")
def max_pool(x, *, ksize, strides, pads):
    xp = padded(x, pads, fill=_lowest(x.dtype))
    oh, ow = output_hw(xp.shape, *ksize, strides, _NO_DILATION)
    out = np.empty((x.shape[0], oh, ow, x.shape[3]), x.dtype)

    def pool_samples(block):
        samples, _ = block
        source, target = xp[samples], out[samples]
        for index, (_, _, row, col) in enumerate(taps(*ksize, _NO_DILATION)):
            window_tap = tap_view(source, row, col, (oh, ow), strides)
            if index:
                np.maximum(target, window_tap, out=target)
            else:
                np.copyto(target, window_tap)

    if out.size:
        # Two element operations per tap: read, compare.
        map_output_blocks(pool_samples, x.shape[0], 1, 2 * out.size * ksize[0] * ksize[1])
    return out


@cpu_kernel("MaxPoolGrad")
def max_pool_grad(x, y, dy, *, ksize, strides, pads):
    """The gradient goes to the first maximum of each window in row-major order, as TF's CPU kernel does."""
    xp = padded(x, pads, fill=_lowest(x.dtype))
    out_hw = dy.shape[1:3]
    overlapping = any(k > s for k, s in zip(ksize, strides))
    # Windows that tile the padded input write every element of the gradient: no zero fill needed.
    tiling = all(k == s and o * s == size for o, s, k, size in zip(out_hw, strides, ksize, xp.shape[1:3]))
    dxp = np.empty(xp.shape, np.float32) if tiling and dy.size else np.zeros(xp.shape, np.float32)
    dy32 = float32(dy)
    window_taps = taps(*ksize, _NO_DILATION)

    def route_samples(block):
        samples, _ = block
        source, pooled, share, gradient = xp[samples], y[samples], dy32[samples], dxp[samples]
        hit = np.empty(pooled.shape, bool)
        unclaimed = None
        for index, (_, _, row, col) in enumerate(window_taps):
            np.equal(tap_view(source, row, col, out_hw, strides), pooled, out=hit)
            if unclaimed is None:
                unclaimed = ~hit
            else:
                hit &= unclaimed
                if index < len(window_taps) - 1:
                    unclaimed ^= hit
            target = tap_view(gradient, row, col, out_hw, strides)
            # A masked multiply is several times faster than np.add(..., where=hit) or np.copyto(..., where=hit);
            # windows that do not overlap write their share straight into place.
            if overlapping:
                target += share * hit
            else:
                np.multiply(share, hit, out=target)

    if dy.size:
        # Four element operations per tap: compare, mask, claim, route.
        map_output_blocks(route_samples, dy.shape[0], 1, 4 * dy.size * len(window_taps))
    return cropped(dxp, x.shape, pads).astype(dy.dtype, copy=False)


def _inverse_counts(input_hw, out_hw, ksize, strides, pads):
    """[oh, ow, 1] reciprocals of how many input pixels (padding excluded) each window covers."""
    counts = []
    for size, out, k, s, before in zip(input_hw, out_hw, ksize, strides, pads[::2]):
        start = np.arange(out) * s - before
        counts.append(np.minimum(start + k, size) - np.maximum(start, 0))
    return (1.0 / np.multiply.outer(*counts).astype(np.float32))[:, :, None]


@cpu_kernel("AvgPool")
def avg_pool(x, *, ksize, strides, pads):
    xp = padded(np.asarray(x, np.float32), pads)
    oh, ow = output_hw(xp.shape, *ksize, strides, _NO_DILATION)
    out = np.zeros((x.shape[0], oh, ow, x.shape[3]), np.float32)
    if out.size:
        for _, _, row, col in taps(*ksize, _NO_DILATION):
            out += tap_view(xp, row, col, (oh, ow), strides)
        out *= _inverse_counts(x.shape[1:3], (oh, ow), ksize, strides, pads)
    return out.astype(x.dtype, copy=False)


@cpu_kernel("AvgPoolGrad")
def avg_pool_grad(dy, *, input_shape, ksize, strides, pads):
    n, h, w, c = input_shape
    pt, pb, pl, pr = pads
    dxp = np.zeros((n, h + pt + pb, w + pl + pr, c), np.float32)
    if dy.size:
        out_hw = dy.shape[1:3]
        share = float32(dy) * _inverse_counts((h, w), out_hw, ksize, strides, pads)
        for _, _, row, col in taps(*ksize, _NO_DILATION):
            target = tap_view(dxp, row, col, out_hw, strides)
            target += share
    return cropped(dxp, input_shape, pads).astype(dy.dtype, copy=False)

"""conv family (GL): Conv2D and its gradients as per-output-element gathers (gl_kernels/conv_*.glsl).

Every kernel computes each output element with one loop over the window taps
(and channels) that reach it, reading zeros for the padding; no atomics. A sum
that would loop longer than LOOP_BUDGET iterations per element is split into
parts written to a temporary and then reduced. A 1x1 convolution is a matrix
product on reshapes of its operands. Depthwise kernels live in conv_depthwise.py,
pooling in pool.py, and the compute path's float32 convolutions in conv_gemm.py
(implicit matrix products) and conv_quads.py (4 channels per invocation).
"""
import functools
import math

from ....dtypes import float32
from ..kernel import gl_kernel
from ..program import ProgramSpec
from .core import alias
from .reduction import MIN_RUN, TARGET_THREADS, reduce

# Loop iterations one output element may run. llvmpipe silently ends a shader invocation after
# 65,535 iterations of all its loops together, and the fragment path computes 4 elements per
# invocation; a real GPU, too, wants such long sums spread over more threads.
LOOP_BUDGET = 12_000


def output_hw(input_shape, window, strides, pads, dilations):
    """The output's spatial size, as the cpu kernels compute it."""
    return tuple(max((size + before + after - (k - 1) * d - 1) // s + 1, 0)
                 for size, k, s, d, before, after in zip(input_shape[1:3], window, strides, dilations, pads[0::2],
                                                         pads[1::2]))


def window_defines(input_shape, out_hw, window, strides, pads, dilations):
    """The defines of gl_kernels/conv_window.glsl for an NHWC input of `input_shape`."""
    batch, height, width, channels = input_shape
    return {"BATCH": batch, "IN_H": height, "IN_W": width, "IN_C": channels, "OUT_H": out_hw[0], "OUT_W": out_hw[1],
            "KH": window[0], "KW": window[1], "TAPS": window[0] * window[1], "SH": strides[0], "SW": strides[1],
            "DH": dilations[0], "DW": dilations[1], "PAD_T": pads[0], "PAD_L": pads[2]}


def _tap_cost(channels, lanes):
    """Loop iterations one tap costs: the tap loop's, then the channel loop's (`lanes` channels a step) and its tail."""
    return 1 if channels is None else 2 + -(-channels // lanes) + lanes


def split_sum(taps, channels, lanes):
    """(tap chunk, channel chunk) that keep each part of a sum over taps x channels within LOOP_BUDGET iterations."""
    if taps * _tap_cost(channels, lanes) <= LOOP_BUDGET:
        return taps, channels
    channel_chunk = None if channels is None else \
        min(channels, lanes * max(1, LOOP_BUDGET // taps - 2 - lanes))
    return min(taps, max(1, LOOP_BUDGET // _tap_cost(channel_chunk, lanes))), channel_chunk


def summed_program(backend, inputs, names, out_shape, dtype, libraries, defines, channels, lanes=4, merge="SUM"):
    """A conv_window.glsl program that reduces over taps (and, unless `channels` is None, channels) per element.

    Longer sums run as parts (part_ranges in conv_window.glsl) written to a temporary, then merged
    with reduction `merge`.
    """
    taps = defines["TAPS"]
    tap_chunk, channel_chunk = split_sum(taps, channels, lanes)
    channel_parts = -(-channels // channel_chunk) if channels else 1
    parts = -(-taps // tap_chunk) * channel_parts if taps else 1
    defines = {**defines, "TAP_CHUNK": tap_chunk, "CHANNEL_CHUNK": channel_chunk or 1, "CHANNEL_PARTS": channel_parts,
               "REDUCED_C": channels or 0}
    libraries = ("conv_window.glsl",) + tuple(libraries)
    if parts == 1:
        return backend.program(ProgramSpec(inputs, out_shape, dtype, libraries, defines, input_names=names))
    partial_dtype = float32 if dtype.is_floating else dtype
    partials = backend.program(ProgramSpec(inputs, (parts,) + tuple(out_shape), partial_dtype, libraries, defines,
                                           input_names=names))
    return reduce(backend, partials, (0,), False, merge, out_dtype=dtype)


def position_parts(positions, outputs):
    """How many parts a sum over `positions` terms per output should run in: each within LOOP_BUDGET
    iterations, and enough of them (but each at least MIN_RUN long) to keep a GPU busy."""
    if positions == 0 or outputs == 0:
        return 1
    return max(-(-positions // LOOP_BUDGET), min(-(-TARGET_THREADS // outputs), positions // MIN_RUN), 1)


def filter_gradient(backend, x, dy, filter_shape, strides, pads, dilations, depthwise):
    """Conv2DBackpropFilter (or the depthwise one): per filter element, partial sums over chunks of the
    output positions (gl_kernels/conv_backprop_filter.glsl), then their sum."""
    positions = math.prod(dy.shape[:3])
    parts = position_parts(positions, math.prod(filter_shape))
    chunk = max(1, -(-positions // parts))
    parts = max(1, -(-positions // chunk))
    defines = {**window_defines(x.shape, dy.shape[1:3], filter_shape[:2], strides, pads, dilations),
               "DY_C": dy.shape[3], "FILTER_K": filter_shape[3], "POSITIONS": positions, "POSITION_CHUNK": chunk}
    if depthwise:
        defines["DEPTHWISE"] = 1
    libraries = ("conv_window.glsl", "conv_backprop_filter.glsl")
    if parts == 1:
        return backend.program(ProgramSpec([x, dy], filter_shape, x.dtype, libraries, defines, input_names=("x", "dy")))
    partials = backend.program(ProgramSpec([x, dy], (parts,) + tuple(filter_shape), float32, libraries, defines,
                                           input_names=("x", "dy")))
    return reduce(backend, partials, (0,), False, "SUM", out_dtype=x.dtype)


# --- 1x1 convolutions: matrix products on reshapes ---------------------------------------
def is_pointwise(filter_shape, strides, pads):
    return tuple(filter_shape[:2]) == (1, 1) and tuple(strides) == (1, 1) and not any(pads)


def _matmul(backend, a, b, **transposes):
    return backend.kernels["BatchMatMul"](backend, a, b, **transposes)


@functools.lru_cache(maxsize=256)
def _divisor_at_least(n, low):
    """The smallest divisor of n that is >= low (n itself when none is smaller)."""
    for d in range(max(1, low), math.isqrt(n) + 1):
        if n % d == 0:
            return d
    for d in range(min(math.isqrt(n), n // max(1, low)), 0, -1):   # the cofactors of the small divisors, rising
        if n % d == 0 and n // d >= low:
            return n // d
    return n


def pointwise_filter_gradient(backend, x, dy, filter_shape):
    """x^T dy over the positions, as a batch of products over position chunks (summed after), or None when
    the positions have no divisor giving chunks long enough to be worth a matrix product, or when the
    products would round float16 partial sums."""
    _, _, channels, out_channels = filter_shape
    positions = math.prod(x.shape[:3])
    parts = _divisor_at_least(positions, position_parts(positions, channels * out_channels)) if positions else 1
    chunk = positions // parts if positions else 0
    if parts > 1 and (chunk < MIN_RUN // 4 or x.dtype is not float32):
        return None
    x3 = alias(x, (parts, chunk, channels))
    dy3 = alias(dy, (parts, chunk, out_channels))
    products = _matmul(backend, x3, dy3, transpose_a=True)
    if parts == 1:
        return alias(products, filter_shape)
    return alias(reduce(backend, products, (0,), False, "SUM", out_dtype=x.dtype), filter_shape)


# --- kernels ---------------------------------------------------------------------------
@gl_kernel("Conv2D")
def conv2d(backend, x, filters, *, strides, pads, dilations):
    kh, kw, channels, out_channels = filters.shape
    batch = x.shape[0]
    if is_pointwise(filters.shape, strides, pads):
        rows = math.prod(x.shape[:3])
        product = _matmul(backend, alias(x, (rows, channels)), alias(filters, (channels, out_channels)))
        return alias(product, tuple(x.shape[:3]) + (out_channels,))
    out_hw = output_hw(x.shape, (kh, kw), strides, pads, dilations)
    defines = {**window_defines(x.shape, out_hw, (kh, kw), strides, pads, dilations), "OUT_C": out_channels}
    return summed_program(backend, [x, filters], ("x", "filters"), (batch,) + out_hw + (out_channels,), x.dtype,
                          ("conv_forward.glsl",), defines, channels)


@gl_kernel("Conv2DBackpropInput")
def conv2d_backprop_input(backend, dy, filters, *, input_shape, strides, pads, dilations):
    kh, kw, channels, out_channels = filters.shape
    if is_pointwise(filters.shape, strides, pads):
        rows = math.prod(dy.shape[:3])
        product = _matmul(backend, alias(dy, (rows, out_channels)), alias(filters, (channels, out_channels)),
                          transpose_b=True)
        return alias(product, input_shape)
    defines = {**window_defines(input_shape, dy.shape[1:3], (kh, kw), strides, pads, dilations), "OUT_C": out_channels}
    return summed_program(backend, [dy, filters], ("dy", "filters"), input_shape, dy.dtype,
                          ("conv_backprop_input.glsl",), defines, out_channels)


@gl_kernel("Conv2DBackpropFilter")
def conv2d_backprop_filter(backend, x, dy, *, filter_shape, strides, pads, dilations):
    if is_pointwise(filter_shape, strides, pads):
        gradient = pointwise_filter_gradient(backend, x, dy, filter_shape)
        if gradient is not None:
            return gradient
    return filter_gradient(backend, x, dy, filter_shape, strides, pads, dilations, depthwise=False)


from . import conv_depthwise, conv_gemm, conv_quads, pool  # noqa: E402,F401  (they share the helpers above)

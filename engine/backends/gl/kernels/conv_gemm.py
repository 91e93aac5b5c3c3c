"""The compute path's float32 convolutions as implicit matrix products (gl_kernels/conv_gemm.comp).

The tiled product reads its operand tiles straight from the NHWC tensors, so a
convolution costs no im2col matrix. It needs every channel count to be a
multiple of 4 (one 128-bit load per 4 channels) and each tensor within one SSBO
binding; other cases, float16, and 1x1 convolutions (plain matrix products)
take the shared kernels of conv.py.
"""
import math

from ....dtypes import float32
from ..kernel import gl_kernel, shared_kernel
from .. import program as programs
from ..program import ComputeSpec
from .conv import LOOP_BUDGET, is_pointwise, output_hw, window_defines
from .core import alias
from .reduction import reduce

TILE = 128                  # the product tile one workgroup computes (BM = BN in conv_gemm.comp)
TARGET_GROUPS = 264         # workgroups that keep a large GPU busy (2 per SM of an H100)
MIN_K_CHUNK = 256           # the shortest sum worth a workgroup of its own
# The longest sum one workgroup runs: on llvmpipe each 8-long step of it costs about 9 loop iterations
# of the 65,535 an invocation may run.
MAX_K_CHUNK = 4 * LOOP_BUDGET


def _fits(tensors, channels, out_words):
    return (all(t.dtype is float32 for t in tensors) and all(c % 4 == 0 and c > 0 for c in channels)
            and all(t.size <= programs.PART_WORDS for t in tensors) and out_words <= programs.PART_WORDS)


def _splits(m, n, k):
    """How many parts the sum over k runs in: enough workgroups for the GPU, parts of useful length."""
    tiles = -(-m // TILE) * -(-n // TILE)
    return max(1, min(-(-TARGET_GROUPS // tiles), k // MIN_K_CHUNK), -(-k // MAX_K_CHUNK))


def _product(backend, mode, x, y, geometry, m, n, k, out_shape):
    """Run conv_gemm.comp in `mode` for an [m, n] product over k, summing its split parts; None if it does not fit."""
    splits = _splits(m, n, k)
    chunk = -(-k // splits)
    chunk += -chunk % 8
    splits = max(1, -(-k // chunk))
    if not _fits([x, y], [geometry["IN_C"], geometry["OUT_C"]], splits * m * n):
        return None
    defines = {mode: 1, **geometry, "M": m, "N": n, "K": k, "K_CHUNK": chunk}
    groups = (-(-n // TILE), -(-m // TILE), splits)
    parts = backend.program(ComputeSpec("conv_gemm.comp", [x, y], (splits, m, n), float32, groups, defines))
    total = reduce(backend, parts, (0,), False, "SUM") if splits > 1 else parts
    return alias(total, out_shape)


def _window(input_shape, out_hw, filter_shape, strides, pads, dilations):
    return {**window_defines(input_shape, out_hw, filter_shape[:2], strides, pads, dilations),
            "OUT_C": filter_shape[3]}


@gl_kernel("Conv2D", path="compute")
def conv2d(backend, x, filters, *, strides, pads, dilations):
    result = None
    if not is_pointwise(filters.shape, strides, pads) and x.size:
        kh, kw, channels, out_channels = filters.shape
        out_hw = output_hw(x.shape, (kh, kw), strides, pads, dilations)
        out_shape = (x.shape[0],) + out_hw + (out_channels,)
        geometry = _window(x.shape, out_hw, filters.shape, strides, pads, dilations)
        result = _product(backend, "FORWARD", x, filters, geometry, math.prod(out_shape[:3]), out_channels,
                          kh * kw * channels, out_shape)
    if result is None:
        result = shared_kernel("Conv2D")(backend, x, filters, strides=strides, pads=pads, dilations=dilations)
    return result


@gl_kernel("Conv2DBackpropInput", path="compute")
def conv2d_backprop_input(backend, dy, filters, *, input_shape, strides, pads, dilations):
    result = None
    if not is_pointwise(filters.shape, strides, pads) and dy.size:
        kh, kw, channels, out_channels = filters.shape
        geometry = _window(input_shape, dy.shape[1:3], filters.shape, strides, pads, dilations)
        result = _product(backend, "BACKPROP_INPUT", dy, filters, geometry, math.prod(input_shape[:3]), channels,
                          kh * kw * out_channels, input_shape)
    if result is None:
        result = shared_kernel("Conv2DBackpropInput")(backend, dy, filters, input_shape=input_shape, strides=strides,
                                                      pads=pads, dilations=dilations)
    return result


@gl_kernel("Conv2DBackpropFilter", path="compute")
def conv2d_backprop_filter(backend, x, dy, *, filter_shape, strides, pads, dilations):
    result = None
    if not is_pointwise(filter_shape, strides, pads) and dy.size:
        kh, kw, channels, out_channels = filter_shape
        geometry = _window(x.shape, dy.shape[1:3], filter_shape, strides, pads, dilations)
        result = _product(backend, "BACKPROP_FILTER", x, dy, geometry, kh * kw * channels, out_channels,
                          math.prod(dy.shape[:3]), filter_shape)
    if result is None:
        result = shared_kernel("Conv2DBackpropFilter")(backend, x, dy, filter_shape=filter_shape, strides=strides,
                                                       pads=pads, dilations=dilations)
    return result

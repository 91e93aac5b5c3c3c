"""The compute path's float32 convolutions 4 channels per invocation (gl_kernels/conv_quads.comp).

Depthwise kernels of channel multiplier 1 over depths that are multiples of 4,
and direct Conv2D for input depths the implicit matrix product (conv_gemm.py)
cannot take (an image's 3 channels) when the output depth is a multiple of 4.
Every other case takes the shared kernels.
"""
import math

from ....dtypes import float32
from ..kernel import gl_kernel, shared_kernel
from .. import program as programs
from ..program import ComputeSpec
from .conv import LOOP_BUDGET, output_hw, position_parts, window_defines
from .core import alias
from .reduction import reduce

LOCAL_SIZE = 256   # conv_quads.comp's workgroup size


def _fits(tensors, quads, loop_iterations):
    """Whether conv_quads.comp can run: float32 operands within one SSBO binding, and a loop per
    invocation within the loop budget."""
    return (all(t.dtype is float32 and t.size <= programs.PART_WORDS for t in tensors)
            and 4 * quads <= programs.PART_WORDS and loop_iterations <= LOOP_BUDGET)


def _run(backend, mode, x, y, geometry, out_shape):
    quads = math.prod(out_shape) // 4
    groups = max(1, -(-quads // LOCAL_SIZE))   # an empty output dispatches nothing
    return backend.program(ComputeSpec("conv_quads.comp", [x, y], out_shape, float32, programs.dispatch_grid(groups),
                                       {mode: 1, **geometry, "QUADS": quads}))


def direct_forward(backend, x, filters, strides, pads, dilations):
    """Conv2D by conv_quads.comp's direct loop, or None where it does not apply."""
    kh, kw, channels, out_channels = filters.shape
    out_hw = output_hw(x.shape, (kh, kw), strides, pads, dilations)
    out_shape = (x.shape[0],) + out_hw + (out_channels,)
    if out_channels % 4 or not _fits([x, filters], math.prod(out_shape) // 4, kh * kw * (2 + channels)):
        return None
    geometry = {**window_defines(x.shape, out_hw, (kh, kw), strides, pads, dilations), "OUT_C": out_channels}
    return _run(backend, "FORWARD", x, filters, geometry, out_shape)


def _depthwise_fits(tensors, filter_shape, quads, loop_iterations):
    kh, kw, channels, multiplier = filter_shape
    return multiplier == 1 and channels % 4 == 0 and _fits(tensors, quads, loop_iterations)


@gl_kernel("DepthwiseConv2dNative", path="compute")
def depthwise_conv2d(backend, x, filters, *, strides, pads, dilations):
    kh, kw, channels, _ = filters.shape
    out_hw = output_hw(x.shape, (kh, kw), strides, pads, dilations)
    out_shape = (x.shape[0],) + out_hw + (channels,)
    if not _depthwise_fits([x, filters], filters.shape, math.prod(out_shape) // 4, kh * (1 + kw)):
        return shared_kernel("DepthwiseConv2dNative")(backend, x, filters, strides=strides, pads=pads,
                                                      dilations=dilations)
    geometry = {**window_defines(x.shape, out_hw, (kh, kw), strides, pads, dilations), "OUT_C": channels}
    return _run(backend, "DEPTHWISE_FORWARD", x, filters, geometry, out_shape)


@gl_kernel("DepthwiseConv2dNativeBackpropInput", path="compute")
def depthwise_conv2d_backprop_input(backend, dy, filters, *, input_shape, strides, pads, dilations):
    kh, kw, channels, _ = filters.shape
    if not _depthwise_fits([dy, filters], filters.shape, math.prod(input_shape) // 4, kh * (1 + kw)):
        return shared_kernel("DepthwiseConv2dNativeBackpropInput")(backend, dy, filters, input_shape=input_shape,
                                                                   strides=strides, pads=pads, dilations=dilations)
    geometry = {**window_defines(input_shape, dy.shape[1:3], (kh, kw), strides, pads, dilations), "OUT_C": channels}
    return _run(backend, "DEPTHWISE_BACKPROP_INPUT", dy, filters, geometry, tuple(input_shape))


@gl_kernel("DepthwiseConv2dNativeBackpropFilter", path="compute")
def depthwise_conv2d_backprop_filter(backend, x, dy, *, filter_shape, strides, pads, dilations):
    kh, kw, channels, _ = filter_shape
    positions = math.prod(dy.shape[:3])
    parts = position_parts(positions, kh * kw * channels // 4)
    chunk = max(1, -(-positions // parts))
    parts = max(1, -(-positions // chunk))
    if not _depthwise_fits([x, dy], filter_shape, parts * kh * kw * channels // 4, chunk):
        return shared_kernel("DepthwiseConv2dNativeBackpropFilter")(backend, x, dy, filter_shape=filter_shape,
                                                                    strides=strides, pads=pads, dilations=dilations)
    geometry = {**window_defines(x.shape, dy.shape[1:3], (kh, kw), strides, pads, dilations), "OUT_C": channels,
                "POSITIONS": positions, "POSITION_CHUNK": chunk}
    partials = _run(backend, "DEPTHWISE_BACKPROP_FILTER", x, dy, geometry, (parts, kh * kw * channels))
    total = reduce(backend, partials, (0,), False, "SUM") if parts > 1 else partials
    return alias(total, filter_shape)

"""The compute path's float32 convolutions as implicit matrix products (gl_kernels/conv_gemm.comp).

The tiled product reads its operand tiles straight from the NHWC tensors, so a
convolution costs no im2col matrix. It needs every channel count to be a
multiple of 4 (one 128-bit load per 4 channels) and each tensor within one SSBO
binding; a forward convolution of another input depth runs conv_quads.py's direct
loop, and the other cases, float16 among them, take the shared kernels of conv.py.
"""
import math

from ....dtypes import float32
from ..kernel import gl_kernel, shared_kernel
from .. import program as programs
from ..program import ComputeSpec
from .conv import LOOP_BUDGET, output_hw, window_defines
from .conv_quads import direct_forward
from .core import alias
from .reduction import reduce

BAND = 64                   # conv_gemm.comp's tiles are bands of 64 rows by bands of 64 columns
TARGET_GROUPS = 264         # workgroups that keep a large GPU busy (2 per SM of an H100)
MIN_K_CHUNK = 256           # the shortest sum worth a workgroup of its own
# The longest sum one workgroup runs: on llvmpipe each 8-long step of it costs about 9 loop iterations
# of the 65,535 an invocation may run.
MAX_K_CHUNK = 4 * LOOP_BUDGET


def _fits(tensors, channels, out_words):
    return (all(t.dtype is float32 for t in tensors) and all(c % 4 == 0 and c > 0 for c in channels)
            and all(t.size <= programs.PART_WORDS for t in tensors) and out_words <= programs.PART_WORDS)


def _splits(groups, k):
    """How many parts the sum over k runs in: enough workgroups for the GPU, parts of useful length."""
    return max(1, min(-(-TARGET_GROUPS // groups), k // MIN_K_CHUNK), -(-k // MAX_K_CHUNK))


def _product(backend, mode, x, y, geometry, m, n, k, out_shape, rows=None, phases=1, prepare_y=None):
    """conv_gemm.comp in `mode`: an [m, n] product over k (at most k in each of `phases` phases of at
    most `rows` rows), its split parts summed; None when the operands do not fit it. `prepare_y`
    turns y into the shader's operand (of the same size) once the product is known to fit."""
    rows = m if rows is None else rows
    if not (m and n and k and rows):
        return None
    # 128 x 128 tiles; 256 x 64 where the product has too few columns to fill them.
    row_bands, column_bands = (4, 1) if n <= BAND else (2, 2)
    tiles = (-(-n // (BAND * column_bands)), -(-rows // (BAND * row_bands)))
    splits = _splits(tiles[0] * tiles[1] * phases, k)
    chunk = -(-k // splits)
    chunk += -chunk % 8
    splits = -(-k // chunk)
    if not _fits([x, y], [geometry["IN_C"], geometry["OUT_C"]], splits * m * n):
        return None
    if prepare_y is not None:
        y = prepare_y(y)
    defines = {mode: 1, **geometry, "M": m, "N": n, "K": k, "K_CHUNK": chunk, "PHASES": phases,
               "ROW_BANDS": row_bands, "COL_BANDS": column_bands}
    parts = backend.program(ComputeSpec("conv_gemm.comp", [x, y], (splits, m, n), float32,
                                        tiles + (splits * phases,), defines))
    total = reduce(backend, parts, (0,), False, "SUM") if splits > 1 else parts
    return alias(total, out_shape)


def _window(input_shape, out_hw, filter_shape, strides, pads, dilations):
    return {**window_defines(input_shape, out_hw, filter_shape[:2], strides, pads, dilations),
            "OUT_C": filter_shape[3]}


@gl_kernel("Conv2D", path="compute")
def conv2d(backend, x, filters, *, strides, pads, dilations):
    kh, kw, channels, out_channels = filters.shape
    out_hw = output_hw(x.shape, (kh, kw), strides, pads, dilations)
    out_shape = (x.shape[0],) + out_hw + (out_channels,)
    geometry = _window(x.shape, out_hw, filters.shape, strides, pads, dilations)
    result = _product(backend, "FORWARD", x, filters, geometry, math.prod(out_shape[:3]), out_channels,
                      kh * kw * channels, out_shape)
    if result is None and math.prod(out_shape):
        result = direct_forward(backend, x, filters, strides, pads, dilations)
    if result is None:
        result = shared_kernel("Conv2D")(backend, x, filters, strides=strides, pads=pads, dilations=dilations)
    return result


@gl_kernel("Conv2DBackpropInput", path="compute")
def conv2d_backprop_input(backend, dy, filters, *, input_shape, strides, pads, dilations):
    kh, kw, channels, out_channels = filters.shape
    batch, height, width, _ = input_shape
    steps = [s // math.gcd(s, d) for s, d in zip(strides, dilations)]
    geometry = {**_window(input_shape, dy.shape[1:3], filters.shape, strides, pads, dilations),
                "TAP_STEP_H": steps[0], "TAP_STEP_W": steps[1]}
    # Each sub-pixel phase reaches at most ceil(k / step) taps along each axis.
    phase_depth = -(-kh // steps[0]) * -(-kw // steps[1]) * out_channels
    phase_rows = batch * -(-height // strides[0]) * -(-width // strides[1])
    # The product's B is the filters with their channel axes swapped: [(tap, oc), c].
    result = _product(backend, "BACKPROP_INPUT", dy, filters, geometry, math.prod(input_shape[:3]), channels,
                      phase_depth, input_shape, phase_rows, strides[0] * strides[1],
                      lambda f: backend.kernels["Transpose"](backend, f, perm=(0, 1, 3, 2)))
    if result is None:
        result = shared_kernel("Conv2DBackpropInput")(backend, dy, filters, input_shape=input_shape, strides=strides,
                                                      pads=pads, dilations=dilations)
    return result


@gl_kernel("Conv2DBackpropFilter", path="compute")
def conv2d_backprop_filter(backend, x, dy, *, filter_shape, strides, pads, dilations):
    kh, kw, channels, out_channels = filter_shape
    geometry = _window(x.shape, dy.shape[1:3], filter_shape, strides, pads, dilations)
    result = _product(backend, "BACKPROP_FILTER", x, dy, geometry, kh * kw * channels, out_channels,
                      math.prod(dy.shape[:3]), filter_shape)
    if result is None:
        result = shared_kernel("Conv2DBackpropFilter")(backend, x, dy, filter_shape=filter_shape, strides=strides,
                                                       pads=pads, dilations=dilations)
    return result

"""Convolutions over NHWC / NWC tensors: conv1d, conv2d, depthwise, separable and transposed convolutions.

Ops turn TF's padding argument ('SAME', 'VALID' or explicit pairs) into
explicit (top, bottom, left, right) pads, so kernels only ever see numbers.
1-D ops run as 2-D ops over a height of one. Pooling lives in `pool.py`.
"""
import math
import numbers

from .._export import tf_export
from ..errors import DTypeError, IncompatibleShapesError, InvalidArgumentError, UnimplementedError
from ..runtime import run_kernel
from .convert import convert_to_tensor
from .shape import reshape

_LAYOUTS = {1: "NWC", 2: "NHWC"}
_CHANNELS_FIRST = ("NCW", "NCHW", "NCDHW", "NCHW_VECT_C")


# --- argument normalisation (shared with pool.py) -------------------------------------
def check_data_format(data_format, spatial_rank, op_name):
    expected = _LAYOUTS[spatial_rank]
    if data_format is None or data_format == expected:
        return
    if data_format in _CHANNELS_FIRST:
        raise UnimplementedError(f"{op_name}: data_format {data_format!r} is not supported; "
                                 f"only channels-last {expected!r} is (transpose the input)")
    raise InvalidArgumentError(f"{op_name}: data_format must be {expected!r}, got {data_format!r}")


def check_rank(x, rank, op_name, what):
    if x.ndim != rank:
        raise InvalidArgumentError(f"{op_name}: {what} must have rank {rank}, got shape {list(x.shape)}")


def spatial_argument(value, spatial_rank, op_name, what):
    """TF's int-or-list window argument (strides, ksize, dilations): an int or 1, n or n+2 ints -> n ints."""
    if hasattr(value, "numpy"):
        value = value.numpy().tolist()
    values = [value] if isinstance(value, numbers.Integral) else value
    try:
        values = [int(v) for v in values]
    except (TypeError, ValueError):
        raise InvalidArgumentError(f"{op_name}: {what} must be an int or a list of ints, got {value!r}") from None
    if len(values) == 1:
        values = values * spatial_rank
    elif len(values) == spatial_rank + 2:
        if values[0] != 1 or values[-1] != 1:
            raise InvalidArgumentError(f"{op_name}: {what} {values} must be 1 in the batch and channel dimensions")
        values = values[1:-1]
    elif len(values) != spatial_rank:
        raise InvalidArgumentError(f"{op_name}: {what} must be an int or a list of 1, {spatial_rank} or "
                                   f"{spatial_rank + 2} ints, got {value!r}")
    if any(v < 1 for v in values):
        raise InvalidArgumentError(f"{op_name}: {what} must be positive, got {value!r}")
    return tuple(values)


def _explicit_pads(padding, spatial_rank, op_name):
    if hasattr(padding, "numpy"):
        padding = padding.numpy().tolist()
    try:
        pairs = [[int(p) for p in pair] for pair in padding]
    except (TypeError, ValueError):
        pairs = None
    if pairs is None or len(pairs) != spatial_rank + 2 or any(len(pair) != 2 for pair in pairs):
        raise InvalidArgumentError(f"{op_name}: explicit padding must be {spatial_rank + 2} [before, after] pairs "
                                   f"in {_LAYOUTS[spatial_rank]} order, got {padding!r}")
    if pairs[0] != [0, 0] or pairs[-1] != [0, 0]:
        raise InvalidArgumentError(f"{op_name}: explicit padding of the batch and channel dimensions must be "
                                   f"[0, 0], got {padding!r}")
    if any(p < 0 for pair in pairs for p in pair):
        raise InvalidArgumentError(f"{op_name}: explicit padding must be non-negative, got {padding!r}")
    return tuple(p for pair in pairs[1:-1] for p in pair)


def resolve_padding(padding, sizes, windows, strides, op_name, explicit=True):
    """(pads as (before, after) per spatial axis flattened, output sizes) for TF's padding argument.

    `windows` are the effective (dilated) window sizes. SAME puts the odd pixel
    of padding after (bottom/right), as TF does.
    """
    if isinstance(padding, str):
        if padding == "SAME":
            outputs = tuple(-(-size // stride) for size, stride in zip(sizes, strides))
            pads = []
            for size, window, stride, out in zip(sizes, windows, strides, outputs):
                total = max((out - 1) * stride + window - size, 0)
                pads += [total // 2, total - total // 2]
            return tuple(pads), outputs
        if padding != "VALID":
            allowed = "'SAME', 'VALID' or a list of [before, after] pairs" if explicit else "'SAME' or 'VALID'"
            raise InvalidArgumentError(f"{op_name}: padding must be {allowed}, got {padding!r}")
        pads = (0,) * (2 * len(sizes))
    elif explicit:
        pads = _explicit_pads(padding, len(sizes), op_name)
    else:
        raise InvalidArgumentError(f"{op_name}: padding must be 'SAME' or 'VALID', got {padding!r}")
    outputs = []
    for axis, (size, window, stride) in enumerate(zip(sizes, windows, strides)):
        padded = size + pads[2 * axis] + pads[2 * axis + 1]
        # TF's size formula, with C's division truncating towards zero.
        out = int((padded - window + stride) / stride)
        if out < 0:
            raise InvalidArgumentError(f"{op_name}: a window of {window} does not fit an input of {size} padded to "
                                       f"{padded} (spatial axis {axis}): the output size would be negative")
        outputs.append(out)
    return pads, tuple(outputs)


def dilated(sizes, dilations):
    return tuple((k - 1) * d + 1 for k, d in zip(sizes, dilations))


def _float_operands(input, filters, op_name):
    x = convert_to_tensor(input)
    w = convert_to_tensor(filters, dtype_hint=x.dtype)
    for tensor, what in ((x, "input"), (w, "filters")):
        if tensor.dtype.name not in ("float32", "float16"):
            raise DTypeError(f"{op_name}: {what} must be float32 or float16, got {tensor.dtype.name} "
                             f"(shape {list(tensor.shape)})")
    if x.dtype is not w.dtype:
        raise DTypeError(f"{op_name}: input is {x.dtype.name} but filters are {w.dtype.name}; use tf.cast")
    return x, w


def _check_depth(x, w, filter_axis, op_name, filter_name="filters"):
    if x.shape[-1] != w.shape[filter_axis]:
        raise IncompatibleShapesError(
            f"{op_name}: input depth {x.shape[-1]} does not match the depth {w.shape[filter_axis]} of the "
            f"{filter_name} (input shape {list(x.shape)}, {filter_name} shape {list(w.shape)})")


def _dilations(dilations, spatial_rank, op_name):
    return (1,) * spatial_rank if dilations is None else spatial_argument(dilations, spatial_rank, op_name, "dilations")


# --- kernels with explicit attrs (the gradients use these too) ------------------------
def conv2d_explicit(x, filters, strides, pads, dilations):
    return run_kernel("Conv2D", [x, filters], {"strides": strides, "pads": pads, "dilations": dilations})


def conv2d_backprop_input(dy, filters, input_shape, strides, pads, dilations):
    return run_kernel("Conv2DBackpropInput", [dy, filters], {
        "input_shape": tuple(input_shape), "strides": strides, "pads": pads, "dilations": dilations})


def conv2d_backprop_filter(x, dy, filter_shape, strides, pads, dilations):
    return run_kernel("Conv2DBackpropFilter", [x, dy], {
        "filter_shape": tuple(filter_shape), "strides": strides, "pads": pads, "dilations": dilations})


def depthwise_conv2d_explicit(x, filters, strides, pads, dilations):
    return run_kernel("DepthwiseConv2dNative", [x, filters], {"strides": strides, "pads": pads, "dilations": dilations})


def depthwise_conv2d_backprop_input(dy, filters, input_shape, strides, pads, dilations):
    return run_kernel("DepthwiseConv2dNativeBackpropInput", [dy, filters], {
        "input_shape": tuple(input_shape), "strides": strides, "pads": pads, "dilations": dilations})


def depthwise_conv2d_backprop_filter(x, dy, filter_shape, strides, pads, dilations):
    return run_kernel("DepthwiseConv2dNativeBackpropFilter", [x, dy], {
        "filter_shape": tuple(filter_shape), "strides": strides, "pads": pads, "dilations": dilations})


# --- public ops -------------------------------------------------------------------------
@tf_export("nn.conv2d")
def conv2d(input, filters, strides, padding, data_format="NHWC", dilations=None, name=None):
    """2-D convolution (cross-correlation) of NHWC `input` with [kh, kw, in, out] `filters`."""
    check_data_format(data_format, 2, "conv2d")
    x, w = _float_operands(input, filters, "conv2d")
    check_rank(x, 4, "conv2d", "input")
    check_rank(w, 4, "conv2d", "filters")
    _check_depth(x, w, 2, "conv2d")
    strides = spatial_argument(strides, 2, "conv2d", "strides")
    dilations = _dilations(dilations, 2, "conv2d")
    pads, _ = resolve_padding(padding, x.shape[1:3], dilated(w.shape[:2], dilations), strides, "conv2d")
    return conv2d_explicit(x, w, strides, pads, dilations)


@tf_export("nn.conv1d")
def conv1d(input, filters, stride, padding, data_format="NWC", dilations=None, name=None):
    """1-D convolution of [..., width, in] `input` with [k, in, out] `filters` (a conv2d over a height of 1)."""
    check_data_format(data_format, 1, "conv1d")
    x, w = _float_operands(input, filters, "conv1d")
    if x.ndim < 3:
        raise InvalidArgumentError(f"conv1d: input must have rank 3 or more, got shape {list(x.shape)}")
    check_rank(w, 3, "conv1d", "filters")
    _check_depth(x, w, 1, "conv1d")
    (stride,) = spatial_argument(stride, 1, "conv1d", "stride")
    (dilation,) = _dilations(dilations, 1, "conv1d")
    *batch, width, depth = x.shape
    pads, (out_width,) = resolve_padding(padding, (width,), dilated(w.shape[:1], (dilation,)), (stride,), "conv1d")
    y = conv2d_explicit(reshape(x, [math.prod(batch), 1, width, depth]), reshape(w, [1, *w.shape]),
                        (1, stride), (0, 0) + pads, (1, dilation))
    return reshape(y, [*batch, out_width, w.shape[2]])


@tf_export("nn.convolution")
def convolution(input, filters, strides=None, padding="VALID", data_format=None, dilations=None, name=None):
    """N-D convolution, dispatched on the input's rank to conv1d or conv2d."""
    x = convert_to_tensor(input)
    spatial_rank = x.ndim - 2
    if spatial_rank not in _LAYOUTS:
        if spatial_rank == 3:
            raise UnimplementedError(f"convolution: 3-D convolution is not supported (input shape {list(x.shape)})")
        raise InvalidArgumentError(f"convolution: input must have rank 3 or 4, got shape {list(x.shape)}")
    strides = 1 if strides is None else strides
    if spatial_rank == 1:
        return conv1d(x, filters, strides, padding, data_format or "NWC", dilations)
    return conv2d(x, filters, strides, padding, data_format or "NHWC", dilations)


@tf_export("nn.depthwise_conv2d")
def depthwise_conv2d(input, filter, strides, padding, data_format=None, dilations=None, name=None):
    """Per-channel 2-D convolution with [kh, kw, in, multiplier] `filter`; output depth in * multiplier."""
    check_data_format(data_format, 2, "depthwise_conv2d")
    x, w = _float_operands(input, filter, "depthwise_conv2d")
    check_rank(x, 4, "depthwise_conv2d", "input")
    check_rank(w, 4, "depthwise_conv2d", "filter")
    _check_depth(x, w, 2, "depthwise_conv2d", "filter")
    strides = spatial_argument(strides, 2, "depthwise_conv2d", "strides")
    dilations = _dilations(dilations, 2, "depthwise_conv2d")
    pads, _ = resolve_padding(padding, x.shape[1:3], dilated(w.shape[:2], dilations), strides, "depthwise_conv2d")
    return depthwise_conv2d_explicit(x, w, strides, pads, dilations)


@tf_export("nn.separable_conv2d")
def separable_conv2d(input, depthwise_filter, pointwise_filter, strides, padding, data_format=None, dilations=None,
                     name=None):
    """A depthwise convolution followed by a 1x1 convolution with [1, 1, in * multiplier, out] `pointwise_filter`."""
    depthwise = depthwise_conv2d(input, depthwise_filter, strides, padding, data_format, dilations)
    pointwise = convert_to_tensor(pointwise_filter, dtype_hint=depthwise.dtype)
    if pointwise.dtype is not depthwise.dtype:
        raise DTypeError(f"separable_conv2d: pointwise_filter is {pointwise.dtype.name} but the input is "
                         f"{depthwise.dtype.name}; use tf.cast")
    if pointwise.ndim != 4 or tuple(pointwise.shape[:3]) != (1, 1, depthwise.shape[3]):
        raise IncompatibleShapesError(
            f"separable_conv2d: pointwise_filter must have shape [1, 1, {depthwise.shape[3]}, out] "
            f"(in channels * channel multiplier = {depthwise.shape[3]}), got {list(pointwise.shape)}")
    return conv2d_explicit(depthwise, pointwise, (1, 1), (0, 0, 0, 0), (1, 1))


def _output_shape(output_shape, rank, op_name):
    if hasattr(output_shape, "numpy"):
        output_shape = output_shape.numpy().tolist()
    try:
        shape = tuple(int(d) for d in output_shape)
    except (TypeError, ValueError):
        shape = ()
    if len(shape) != rank or any(d < 0 for d in shape):
        raise InvalidArgumentError(f"{op_name}: output_shape must be {rank} non-negative ints, got {output_shape!r}")
    return shape


@tf_export("nn.conv2d_transpose")
def conv2d_transpose(input, filters, output_shape, strides, padding="SAME", data_format="NHWC", dilations=None,
                     name=None):
    """The gradient of conv2d with respect to its input, used forward: [kh, kw, out, in] `filters`."""
    check_data_format(data_format, 2, "conv2d_transpose")
    x, w = _float_operands(input, filters, "conv2d_transpose")
    check_rank(x, 4, "conv2d_transpose", "input")
    check_rank(w, 4, "conv2d_transpose", "filters")
    _check_depth(x, w, 3, "conv2d_transpose")
    shape = _output_shape(output_shape, 4, "conv2d_transpose")
    strides = spatial_argument(strides, 2, "conv2d_transpose", "strides")
    dilations = _dilations(dilations, 2, "conv2d_transpose")
    pads = _check_transpose_shape(x, w, shape, strides, padding, dilations, "conv2d_transpose")
    return conv2d_backprop_input(x, w, shape, strides, pads, dilations)


def _check_transpose_shape(x, w, shape, strides, padding, dilations, op_name):
    """The explicit pads of the forward convolution that maps `shape` to the input's shape, or an error."""
    if shape[0] != x.shape[0] or shape[-1] != w.shape[-2]:
        raise IncompatibleShapesError(
            f"{op_name}: output_shape {list(shape)} needs batch {x.shape[0]} (the input's) and depth {w.shape[-2]} "
            f"(the filters'), for input shape {list(x.shape)} and filters shape {list(w.shape)}")
    spatial = shape[1:-1]
    pads, outputs = resolve_padding(padding, spatial, dilated(w.shape[:-2], dilations), strides, op_name)
    if outputs != tuple(x.shape[1:-1]):
        raise InvalidArgumentError(
            f"{op_name}: output_shape {list(shape)} is inconsistent with the input shape {list(x.shape)}: a "
            f"convolution of {list(spatial)} with these strides {list(strides)} and padding gives {list(outputs)}, "
            f"not {list(x.shape[1:-1])}")
    return pads


@tf_export("nn.conv1d_transpose")
def conv1d_transpose(input, filters, output_shape, strides, padding="SAME", data_format="NWC", dilations=None,
                     name=None):
    """The gradient of conv1d with respect to its input, used forward: [k, out, in] `filters`."""
    check_data_format(data_format, 1, "conv1d_transpose")
    x, w = _float_operands(input, filters, "conv1d_transpose")
    check_rank(x, 3, "conv1d_transpose", "input")
    check_rank(w, 3, "conv1d_transpose", "filters")
    _check_depth(x, w, 2, "conv1d_transpose")
    shape = _output_shape(output_shape, 3, "conv1d_transpose")
    (stride,) = spatial_argument(strides, 1, "conv1d_transpose", "strides")
    (dilation,) = _dilations(dilations, 1, "conv1d_transpose")
    pads = _check_transpose_shape(x, w, shape, (stride,), padding, (dilation,), "conv1d_transpose")
    batch, width, depth = x.shape
    y = conv2d_backprop_input(reshape(x, [batch, 1, width, depth]), reshape(w, [1, *w.shape]),
                              (shape[0], 1, shape[1], shape[2]), (1, stride), (0, 0) + pads, (1, dilation))
    return reshape(y, list(shape))


from . import pool  # noqa: E402,F401  (pooling ops share the helpers above)

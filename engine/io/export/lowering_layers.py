"""Per-layer lowerings: Keras layer -> export graph ops, in a registry keyed by layer class name.

Each function takes a LayerContext (lowering.py) and returns the graph tensors of the layer's
outputs. Arithmetic follows the layer's own call() so that the graph computes what Keras does:
Rescaling multiplies then adds, Normalization subtracts then divides, Average divides by the
count. BatchNormalization lowers to a per-channel multiply-add, which lowering_folding.py folds
into a convolution or Dense before it.
"""
import numpy as np

from ...keras import activations
from .lowering_audio import lower_log_mel

__all__ = ["LOWERINGS", "apply_activation"]

LOWERINGS = {}


def lowers(*class_names):
    def register(function):
        for name in class_names:
            LOWERINGS[name] = function
        return function
    return register


# --- activations ------------------------------------------------------------------------------------------
def _elu(ctx, x, shape, alpha):
    """max(x, 0) + alpha * (exp(min(x, 0)) - 1): finite for every x, like Keras's expm1 of min(x, 0)."""
    negative = ctx.emit("minimum", [x, ctx.constant("zero", 0.0)], shape)
    below = ctx.emit("add", [ctx.emit("exp", [negative], shape), ctx.constant("minus_one", -1.0)], shape)
    if alpha != 1.0:
        below = ctx.emit("mul", [below, ctx.constant("alpha", alpha)], shape)
    return ctx.emit("add", [ctx.emit("relu", [x], shape), below], shape)


def _silu(ctx, x, shape):
    return ctx.emit("mul", [x, ctx.emit("sigmoid", [x], shape)], shape)


def _hard_sigmoid(ctx, x, shape):
    shifted = ctx.emit("add", [x, ctx.constant("three", 3.0)], shape)
    return ctx.emit("div", [ctx.emit("relu6", [shifted], shape), ctx.constant("six", 6.0)], shape)


_SIMPLE_ACTIVATIONS = {activations.relu: "relu", activations.relu6: "relu6", activations.sigmoid: "sigmoid",
                       activations.tanh: "tanh", activations.hard_silu: "hard_swish", activations.exponential: "exp"}
_COMPOSED_ACTIVATIONS = {activations.silu: _silu, activations.hard_sigmoid: _hard_sigmoid,
                         activations.elu: lambda ctx, x, shape: _elu(ctx, x, shape, 1.0),
                         activations.leaky_relu: lambda ctx, x, shape: ctx.emit("leaky_relu", [x], shape, alpha=0.2)}


def apply_activation(ctx, x, shape, activation):
    """The graph of a Keras activation function (an `activation=` argument or an Activation layer)."""
    if activation is activations.linear:
        return x
    if activation is activations.softmax:
        return _softmax(ctx, x, shape, len(shape) - 1)
    # By identity: a user's callable may be unhashable, and only Keras's own functions are known here.
    for function, op in _SIMPLE_ACTIVATIONS.items():
        if activation is function:
            return ctx.emit(op, [x], shape)
    for function, lower in _COMPOSED_ACTIVATIONS.items():
        if activation is function:
            return lower(ctx, x, shape)
    raise ctx.error(f"activation {getattr(activation, '__name__', activation)!r} is not supported")


def _softmax(ctx, x, shape, axis):
    """Softmax over `axis`: the vocabulary's softmax works on the last axis, so another axis is swapped there."""
    last = len(shape) - 1
    if axis == last:
        return ctx.emit("softmax", [x], shape)
    perm = list(range(len(shape)))
    perm[axis], perm[last] = last, axis
    swapped_shape = tuple(shape[i] for i in perm)
    swapped = ctx.emit("transpose", [x], swapped_shape, perm=tuple(perm))
    return ctx.emit("transpose", [ctx.emit("softmax", [swapped], swapped_shape)], shape, perm=tuple(perm))


@lowers("Activation")
def _activation(ctx):
    return [apply_activation(ctx, ctx.inputs[0], ctx.output_shapes[0], ctx.layer.activation)]


@lowers("ReLU")
def _relu(ctx):
    """min(relu(x), max_value) + negative_slope * min(x, 0): Keras's ReLU when the threshold is 0."""
    layer, x, shape = ctx.layer, ctx.inputs[0], ctx.output_shapes[0]
    if layer.threshold != 0:
        raise ctx.error(f"ReLU(threshold={layer.threshold}) is not supported (only threshold 0)")
    if layer.negative_slope != 0 and layer.max_value is None:
        return [ctx.emit("leaky_relu", [x], shape, alpha=float(layer.negative_slope))]
    if layer.max_value == 6:
        y = ctx.emit("relu6", [x], shape)
    else:
        y = ctx.emit("relu", [x], shape)
        if layer.max_value is not None:
            y = ctx.emit("minimum", [y, ctx.constant("max_value", layer.max_value)], shape)
    if layer.negative_slope != 0:
        negative = ctx.emit("minimum", [x, ctx.constant("zero", 0.0)], shape)
        sloped = ctx.emit("mul", [negative, ctx.constant("negative_slope", layer.negative_slope)], shape)
        y = ctx.emit("add", [y, sloped], shape)
    return [y]


@lowers("LeakyReLU")
def _leaky_relu(ctx):
    return [ctx.emit("leaky_relu", [ctx.inputs[0]], ctx.output_shapes[0], alpha=float(ctx.layer.negative_slope))]


@lowers("ELU")
def _elu_layer(ctx):
    return [_elu(ctx, ctx.inputs[0], ctx.output_shapes[0], float(ctx.layer.alpha))]


@lowers("Softmax")
def _softmax_layer(ctx):
    axis = ctx.layer.axis
    if isinstance(axis, (list, tuple)):
        if len(axis) != 1:
            raise ctx.error(f"softmax over several axes ({axis}) is not supported")
        axis = axis[0]
    shape = ctx.output_shapes[0]
    return [_softmax(ctx, ctx.inputs[0], shape, axis % len(shape))]


# --- dense and convolutions -------------------------------------------------------------------------------
def _bias_inputs(ctx, layer):
    return [ctx.weight(layer.bias, "bias")] if layer.bias is not None else []


@lowers("Dense")
def _dense(ctx):
    layer, shape = ctx.layer, ctx.output_shapes[0]
    y = ctx.emit("dense", [ctx.inputs[0], ctx.weight(layer.kernel, "kernel"), *_bias_inputs(ctx, layer)], shape)
    return [apply_activation(ctx, y, shape, layer.activation)]


def _window_attrs(layer):
    return {"strides": tuple(layer.strides), "dilations": tuple(layer.dilation_rate),
            "padding": layer.padding.upper()}


@lowers("Conv2D")
def _conv2d(ctx):
    layer, shape = ctx.layer, ctx.output_shapes[0]
    if layer.groups != 1:
        raise ctx.error(f"grouped convolution (groups={layer.groups}) is not supported")
    y = ctx.emit("conv2d", [ctx.inputs[0], ctx.weight(layer.kernel, "kernel"), *_bias_inputs(ctx, layer)], shape,
                 **_window_attrs(layer))
    return [apply_activation(ctx, y, shape, layer.activation)]


@lowers("DepthwiseConv2D")
def _depthwise_conv2d(ctx):
    layer, shape = ctx.layer, ctx.output_shapes[0]
    y = ctx.emit("depthwise_conv2d", [ctx.inputs[0], ctx.weight(layer.kernel, "kernel"), *_bias_inputs(ctx, layer)],
                 shape, **_window_attrs(layer))
    return [apply_activation(ctx, y, shape, layer.activation)]


@lowers("SeparableConv2D")
def _separable_conv2d(ctx):
    layer, shape = ctx.layer, ctx.output_shapes[0]
    depthwise_shape = (*shape[:-1], ctx.input_shapes[0][-1] * layer.depth_multiplier)
    depthwise = ctx.emit("depthwise_conv2d", [ctx.inputs[0], ctx.weight(layer.depthwise_kernel, "depthwise_kernel")],
                         depthwise_shape, **_window_attrs(layer))
    y = ctx.emit("conv2d", [depthwise, ctx.weight(layer.pointwise_kernel, "pointwise_kernel"),
                            *_bias_inputs(ctx, layer)], shape, strides=(1, 1), dilations=(1, 1), padding="VALID")
    return [apply_activation(ctx, y, shape, layer.activation)]


def _steps_known(ctx):
    # The reshape to rows has one -1 to spare, and the batch takes it.
    if ctx.input_shapes[0][1] is None:
        raise ctx.error("1-D layers need a known number of steps (the input's second dimension)")


def _as_rows(ctx, x, shape):
    """(batch, steps, channels) -> (batch, 1, steps, channels), so 1-D windows run as 2-D ones."""
    return ctx.emit("reshape", [x], (shape[0], 1, *shape[1:]), shape=(-1, 1, *shape[1:]))


def _from_rows(ctx, x, shape):
    return ctx.emit("reshape", [x], shape, shape=(-1, *shape[1:]))


@lowers("Conv1D")
def _conv1d(ctx):
    layer, x, shape = ctx.layer, ctx.inputs[0], ctx.output_shapes[0]
    if layer.groups != 1:
        raise ctx.error(f"grouped convolution (groups={layer.groups}) is not supported")
    _steps_known(ctx)
    input_shape = ctx.input_shapes[0]
    padding = layer.padding
    if padding == "causal":
        left = layer.dilation_rate[0] * (layer.kernel_size[0] - 1)
        input_shape = (input_shape[0], input_shape[1] + left, input_shape[2])
        x = ctx.emit("pad", [x], input_shape, paddings=((0, 0), (left, 0), (0, 0)))
        padding = "valid"
    kernel = ctx.weight(layer.kernel, "kernel", shape=(1, *layer.kernel.shape))
    rows = ctx.emit("conv2d", [_as_rows(ctx, x, input_shape), kernel, *_bias_inputs(ctx, layer)],
                    (shape[0], 1, *shape[1:]), strides=(1, layer.strides[0]), dilations=(1, layer.dilation_rate[0]),
                    padding=padding.upper())
    return [apply_activation(ctx, _from_rows(ctx, rows, shape), shape, layer.activation)]


# --- pooling ----------------------------------------------------------------------------------------------
def _pool_op(layer):
    return "max_pool2d" if "Max" in type(layer).__name__ else "avg_pool2d"


@lowers("MaxPooling2D", "AveragePooling2D")
def _pool2d(ctx):
    layer = ctx.layer
    return [ctx.emit(_pool_op(layer), [ctx.inputs[0]], ctx.output_shapes[0], pool_size=tuple(layer.pool_size),
                     strides=tuple(layer.strides), padding=layer.padding.upper())]


@lowers("MaxPooling1D", "AveragePooling1D")
def _pool1d(ctx):
    layer, shape = ctx.layer, ctx.output_shapes[0]
    _steps_known(ctx)
    rows = ctx.emit(_pool_op(layer), [_as_rows(ctx, ctx.inputs[0], ctx.input_shapes[0])], (shape[0], 1, *shape[1:]),
                    pool_size=(1, layer.pool_size[0]), strides=(1, layer.strides[0]), padding=layer.padding.upper())
    return [_from_rows(ctx, rows, shape)]


@lowers("GlobalAveragePooling1D", "GlobalAveragePooling2D", "GlobalMaxPooling1D", "GlobalMaxPooling2D")
def _global_pool(ctx):
    layer = ctx.layer
    op = "max" if "Max" in type(layer).__name__ else "mean"
    return [ctx.emit(op, [ctx.inputs[0]], ctx.output_shapes[0], axes=tuple(range(1, layer.rank + 1)),
                     keepdims=bool(layer.keepdims))]


# --- normalization and preprocessing ----------------------------------------------------------------------
def _channel_vector(ctx, what, vector, axis, rank):
    """A per-channel constant shaped to broadcast along `axis` of a rank-`rank` tensor."""
    return ctx.constant(what, np.reshape(vector, (-1,) + (1,) * (rank - 1 - axis)))


@lowers("BatchNormalization")
def _batch_normalization(ctx):
    layer, shape = ctx.layer, ctx.output_shapes[0]
    variance = layer.moving_variance.numpy().astype(np.float64)
    scale = 1.0 / np.sqrt(variance + layer.epsilon)
    if layer.gamma is not None:
        scale = scale * layer.gamma.numpy()
    shift = -layer.moving_mean.numpy() * scale
    if layer.beta is not None:
        shift = shift + layer.beta.numpy()
    axis = layer._channel_axis
    scaled = ctx.emit("mul", [ctx.inputs[0], _channel_vector(ctx, "scale", scale, axis, len(shape))], shape)
    return [ctx.emit("add", [scaled, _channel_vector(ctx, "shift", shift, axis, len(shape))], shape)]


@lowers("Rescaling")
def _rescaling(ctx):
    layer, y, shape = ctx.layer, ctx.inputs[0], ctx.output_shapes[0]
    scale = np.asarray(layer.scale.numpy() if hasattr(layer.scale, "numpy") else layer.scale, np.float32)
    offset = np.asarray(layer.offset.numpy() if hasattr(layer.offset, "numpy") else layer.offset, np.float32)
    if np.any(scale != 1):
        y = ctx.emit("mul", [y, ctx.constant("scale", scale)], shape)
    if np.any(offset != 0):
        y = ctx.emit("add", [y, ctx.constant("offset", offset)], shape)
    return [y]


@lowers("Normalization")
def _normalization(ctx):
    layer, shape = ctx.layer, ctx.output_shapes[0]
    mean, variance = (value.numpy() for value in layer._statistics())
    # Keras's floor on the standard deviation (its backend epsilon).
    std = np.maximum(np.sqrt(variance), 1e-7)
    if layer.invert:
        scaled = ctx.emit("mul", [ctx.inputs[0], ctx.constant("std", std)], shape)
        return [ctx.emit("add", [scaled, ctx.constant("mean", mean)], shape)]
    centred = ctx.emit("sub", [ctx.inputs[0], ctx.constant("mean", mean)], shape)
    return [ctx.emit("div", [centred, ctx.constant("std", std)], shape)]


@lowers("Resizing")
def _resizing(ctx):
    layer, shape, input_shape = ctx.layer, ctx.output_shapes[0], ctx.input_shapes[0]
    if layer.interpolation != "bilinear":
        raise ctx.error(f"interpolation {layer.interpolation!r} is not supported (only 'bilinear')")
    if layer.crop_to_aspect_ratio or layer.pad_to_aspect_ratio or layer.data_format != "channels_last":
        raise ctx.error("crop_to_aspect_ratio, pad_to_aspect_ratio and channels_first are not supported")
    if len(input_shape) != 4 or None in input_shape[1:3]:
        raise ctx.error(f"resizing needs a batch of images of known size, got shape {input_shape}")
    # TF's antialiasing filter only differs from bilinear interpolation when it shrinks the image.
    if layer.antialias and (layer.height < input_shape[1] or layer.width < input_shape[2]):
        raise ctx.error("antialiased downsampling is not supported")
    return [ctx.emit("resize_bilinear", [ctx.inputs[0]], shape, size=(layer.height, layer.width),
                     half_pixel_centers=True)]


# --- merging --------------------------------------------------------------------------------------------
def _broadcast_shape(a, b):
    if len(a) < len(b):
        a, b = b, a
    b = (1,) * (len(a) - len(b)) + tuple(b)
    return tuple(y if x == 1 else x if y == 1 or y is None else y for x, y in zip(a, b))


def _merge_inputs(ctx):
    """The inputs with unit axes inserted after the batch axis of lower-rank ones, as Keras's merge layers do."""
    rank = max(len(shape) for shape in ctx.input_shapes)
    merged = []
    for x, shape in zip(ctx.inputs, ctx.input_shapes):
        if len(shape) < rank:
            if None in shape[1:]:
                raise ctx.error(f"merging inputs of different ranks needs known sizes, got shape {shape}")
            target = (shape[0], *(1,) * (rank - len(shape)), *shape[1:])
            x = ctx.emit("reshape", [x], target, shape=(-1, *target[1:]))
            shape = target
        merged.append((x, shape))
    return merged


def _fold_inputs(ctx, op):
    (y, shape), *rest = _merge_inputs(ctx)
    for x, x_shape in rest:
        shape = _broadcast_shape(shape, x_shape)
        y = ctx.emit(op, [y, x], shape)
    return y, shape


def _merge(op):
    def lower(ctx):
        return [_fold_inputs(ctx, op)[0]]
    return lower


for _class_name, _op in (("Add", "add"), ("Subtract", "sub"), ("Multiply", "mul"), ("Maximum", "maximum"),
                         ("Minimum", "minimum")):
    LOWERINGS[_class_name] = _merge(_op)


@lowers("Average")
def _average(ctx):
    total, shape = _fold_inputs(ctx, "add")
    return [ctx.emit("div", [total, ctx.constant("count", float(len(ctx.inputs)))], shape)]


@lowers("Concatenate")
def _concatenate(ctx):
    shape = ctx.output_shapes[0]
    return [ctx.emit("concat", ctx.inputs, shape, axis=ctx.layer.axis % len(shape))]


# --- shapes ---------------------------------------------------------------------------------------------
def _reshape_to_output(ctx):
    shape = ctx.output_shapes[0]
    if None in shape[1:]:
        raise ctx.error(f"the output shape {shape} has unknown dimensions besides the batch")
    return [ctx.emit("reshape", [ctx.inputs[0]], shape, shape=(-1, *shape[1:]))]


LOWERINGS["Reshape"] = LOWERINGS["Flatten"] = _reshape_to_output


@lowers("Permute")
def _permute(ctx):
    return [ctx.emit("transpose", [ctx.inputs[0]], ctx.output_shapes[0], perm=(0, *ctx.layer.dims))]


@lowers("Dropout")
def _dropout(ctx):
    # Dropout only acts in training: the exported model is for inference.
    return [ctx.inputs[0]]


def _spatial_axes(layer):
    return (2, 3) if layer.data_format == "channels_first" else (1, 2)


@lowers("ZeroPadding2D")
def _zero_padding2d(ctx):
    paddings = [(0, 0)] * 4
    for axis, pair in zip(_spatial_axes(ctx.layer), ctx.layer.padding):
        paddings[axis] = tuple(pair)
    return [ctx.emit("pad", [ctx.inputs[0]], ctx.output_shapes[0], paddings=tuple(paddings))]


@lowers("Cropping2D")
def _cropping2d(ctx):
    shape = ctx.output_shapes[0]
    begin, size = [0, 0, 0, 0], [-1, -1, -1, -1]
    for axis, (before, _) in zip(_spatial_axes(ctx.layer), ctx.layer.cropping):
        if shape[axis] is None:
            raise ctx.error(f"cropping needs known spatial sizes, got output shape {shape}")
        begin[axis], size[axis] = before, shape[axis]
    return [ctx.emit("slice", [ctx.inputs[0]], shape, begin=tuple(begin), size=tuple(size), steps=(1, 1, 1, 1))]


@lowers("LogMelSpectrogram")
def _log_mel(ctx):
    return [lower_log_mel(ctx)]

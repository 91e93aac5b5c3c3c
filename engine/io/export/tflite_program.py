"""A TFLite model before serialization: tensors and builtin operators, each named as in the schema.

`build_program` maps an export Graph node for node to TFLite builtins (weights moved into the
layouts TFLite's kernels read, a ReLU or ReLU6 fused into the op before it). The program is
float32; tflite_quantize.py rewrites it for float16 weights or full-integer int8, and
tflite_flatbuffer.py writes it out.
"""
import dataclasses

import numpy as np

from .graph import ExportError

__all__ = ["Quantization", "LiteTensor", "LiteOp", "Program", "build_program", "FORMAT"]

FORMAT = "TFLite"

# The schema's Padding and ActivationFunctionType enums (this module stays free of the schema package's import).
_PADDING = {"SAME": 0, "VALID": 1}
_ACTIVATIONS = {None: 0, "relu": 1, "relu6": 3}
# Graph ops whose TFLite builtin carries a fused activation (matmul only with constant weights: FULLY_CONNECTED).
_FUSES_ACTIVATION = ("dense", "matmul", "conv2d", "depthwise_conv2d", "add", "sub", "mul")
_UNARY = {"relu": "RELU", "relu6": "RELU6", "sigmoid": "LOGISTIC", "tanh": "TANH", "hard_swish": "HARD_SWISH",
          "exp": "EXP", "log": "LOG", "sqrt": "SQRT", "square": "SQUARE", "abs": "ABS", "neg": "NEG"}
_BINARY = {"add": ("ADD", "AddOptions"), "sub": ("SUB", "SubOptions"), "mul": ("MUL", "MulOptions"),
           "div": ("DIV", "DivOptions"), "maximum": ("MAXIMUM", None), "minimum": ("MINIMUM", None)}
_REDUCERS = {"mean": "MEAN", "max": "REDUCE_MAX", "sum": "SUM"}


@dataclasses.dataclass
class Quantization:
    """real = scale * (q - zero_point); per channel along `axis` when scale has more than one entry."""
    scale: np.ndarray
    zero_point: np.ndarray
    axis: int = 0

    @classmethod
    def per_tensor(cls, scale, zero_point):
        return cls(np.array([scale], np.float32), np.array([zero_point], np.int64))

    def same_as(self, other):
        return (other is not None and self.axis == other.axis and np.array_equal(self.scale, other.scale)
                and np.array_equal(self.zero_point, other.zero_point))


@dataclasses.dataclass
class LiteTensor:
    name: str
    shape: tuple
    dtype: str                   # numpy dtype name: float32, float16, int8, int32
    data: np.ndarray = None      # set for constants
    quantization: Quantization = None


@dataclasses.dataclass
class LiteOp:
    code: str                    # BuiltinOperator name, e.g. "CONV_2D"
    inputs: list                 # tensor names
    outputs: list
    options: tuple = None        # (options table name, {field: value}) as in the schema, e.g. ("Conv2DOptions", {...})
    layer: str = ""              # the Keras layer, for error messages
    keep_float: bool = False     # stays float32 in an int8 model (the log-mel front end)


class Program:
    def __init__(self, name):
        self.name = name
        self.tensors = {}
        self.ops = []
        self.inputs = []
        self.outputs = []

    def unique(self, base):
        name, count = base, 1
        while name in self.tensors:
            count += 1
            name = f"{base}_{count}"
        return name

    def add_tensor(self, name, shape, dtype, quantization=None):
        tensor = LiteTensor(self.unique(name), tuple(int(d) for d in shape), dtype, quantization=quantization)
        self.tensors[tensor.name] = tensor
        return tensor.name

    def add_constant(self, name, array, quantization=None):
        array = np.ascontiguousarray(array)
        name = self.add_tensor(name, array.shape, array.dtype.name, quantization)
        self.tensors[name].data = array
        return name


def _concrete_shape(info, batch_size, layer):
    shape = (batch_size, *info.shape[1:]) if info.shape and info.shape[0] is None else info.shape
    if any(dim is None for dim in shape):
        raise ExportError(f"cannot export layer {layer!r} to {FORMAT}: tensor {info.name!r} has shape {info.shape}, "
                          "and every dimension but the batch must be known")
    return shape


def _fusable_activations(graph):
    """{producer node id: activation node} for each ReLU/ReLU6 that TFLite can fold into the op before it."""
    producer_of = {node.outputs[0]: node for node in graph.nodes}
    output_names = {info.name for info in graph.outputs}
    fused = {}
    for node in graph.nodes:
        if node.op not in ("relu", "relu6"):
            continue
        producer = producer_of.get(node.inputs[0])
        if producer is None or (producer.op == "matmul" and producer.inputs[1] not in graph.constants):
            continue
        if (producer.op in _FUSES_ACTIVATION and producer.outputs[0] not in output_names
                and len(graph.consumers(producer.outputs[0])) == 1
                and bool(producer.attrs.get("keep_float")) == bool(node.attrs.get("keep_float"))):
            fused[id(producer)] = node
    return fused


class _Builder:
    def __init__(self, graph, batch_size):
        self.graph = graph
        self.batch_size = batch_size
        self.program = Program(graph.name)

    def shape(self, name, layer):
        return _concrete_shape(self.graph.tensors[name], self.batch_size, layer)

    def constant(self, node, index, what):
        name = node.inputs[index]
        if name not in self.graph.constants:
            raise ExportError(f"cannot export layer {node.layer!r} to {FORMAT}: the {what} of {node.op!r} must be a "
                              "constant")
        return self.graph.constants[name]

    def operand(self, name):
        """The program tensor of a graph tensor, under the same name; a constant is added on its first use."""
        if name not in self.program.tensors:
            self.program.add_constant(name, self.graph.constants[name])
        return name

    def int32(self, node, what, values):
        return self.program.add_constant(f"{node.outputs[0]}/{what}", np.asarray(values, np.int32))

    def emit(self, node, code, inputs, output, options=None):
        self.program.ops.append(LiteOp(code, list(inputs), [output], options, node.layer,
                                       bool(node.attrs.get("keep_float"))))


def _weighted(builder, node, output, activation):
    """FULLY_CONNECTED, CONV_2D or DEPTHWISE_CONV_2D with its weights in TFLite's layout and a bias always."""
    op, attrs, layer = node.op, node.attrs, node.layer
    x = builder.operand(node.inputs[0])
    kernel = builder.constant(node, 1, "weights")
    if op == "dense" or op == "matmul":
        if kernel.ndim != 2:
            raise ExportError(f"cannot export layer {layer!r} to {FORMAT}: {op!r} needs a 2-D weight matrix, got "
                              f"shape {kernel.shape}")
        weights = kernel.T                                        # [in, out] -> [out, in]
    elif op == "conv2d":
        weights = np.transpose(kernel, (3, 0, 1, 2))              # [kh, kw, cin, cout] -> [cout, kh, kw, cin]
    else:
        kh, kw, in_channels, multiplier = kernel.shape
        weights = kernel.reshape(1, kh, kw, in_channels * multiplier)  # output channel c * multiplier + m, as TF's
    channels = weights.shape[3] if op == "depthwise_conv2d" else weights.shape[0]
    # TFLite's converter always gives these ops a bias; their int8 kernels expect one.
    has_bias = op != "matmul" and len(node.inputs) > 2
    bias = builder.constant(node, 2, "bias") if has_bias else np.zeros(channels, np.float32)
    program = builder.program
    inputs = [x, program.add_constant(f"{node.outputs[0]}/weights", weights.astype(np.float32)),
              program.add_constant(f"{node.outputs[0]}/bias", np.asarray(bias, np.float32))]
    fused = _ACTIVATIONS[activation]
    if op in ("dense", "matmul"):
        options = ("FullyConnectedOptions", {"FusedActivationFunction": fused,
                                             "KeepNumDims": len(program.tensors[x].shape) > 2})
        builder.emit(node, "FULLY_CONNECTED", inputs, output, options)
        return
    fields = {"Padding": _PADDING[attrs["padding"]], "StrideH": attrs["strides"][0], "StrideW": attrs["strides"][1],
              "DilationHFactor": attrs["dilations"][0], "DilationWFactor": attrs["dilations"][1],
              "FusedActivationFunction": fused}
    if op == "conv2d":
        builder.emit(node, "CONV_2D", inputs, output, ("Conv2DOptions", fields))
    else:
        fields["DepthMultiplier"] = kernel.shape[3]
        builder.emit(node, "DEPTHWISE_CONV_2D", inputs, output, ("DepthwiseConv2DOptions", fields))


def _slice_ends(node, builder, output):
    out_shape = builder.program.tensors[output].shape
    return [start + (count - 1) * step + 1 for start, count, step in zip(node.attrs["begin"], out_shape,
                                                                        node.attrs["steps"])]


def _lower_node(builder, node, output, activation):
    op, attrs, layer = node.op, node.attrs, node.layer
    if op in ("dense", "conv2d", "depthwise_conv2d") or (op == "matmul" and node.inputs[1] in builder.graph.constants):
        return _weighted(builder, node, output, activation)
    inputs = [builder.operand(name) for name in node.inputs]
    x = inputs[0]
    if op in _UNARY:
        builder.emit(node, _UNARY[op], [x], output)
    elif op in _BINARY:
        code, options_table = _BINARY[op]
        options = (options_table, {"FusedActivationFunction": _ACTIVATIONS[activation]}) if options_table else None
        builder.emit(node, code, inputs, output, options)
    elif op in ("max_pool2d", "avg_pool2d"):
        fields = {"Padding": _PADDING[attrs["padding"]], "StrideH": attrs["strides"][0],
                  "StrideW": attrs["strides"][1], "FilterHeight": attrs["pool_size"][0],
                  "FilterWidth": attrs["pool_size"][1]}
        builder.emit(node, "MAX_POOL_2D" if op == "max_pool2d" else "AVERAGE_POOL_2D", [x], output,
                     ("Pool2DOptions", fields))
    elif op in _REDUCERS:
        axes = builder.int32(node, "axes", attrs["axes"])
        builder.emit(node, _REDUCERS[op], [x, axes], output, ("ReducerOptions", {"KeepDims": attrs["keepdims"]}))
    elif op == "leaky_relu":
        builder.emit(node, "LEAKY_RELU", [x], output, ("LeakyReluOptions", {"Alpha": attrs["alpha"]}))
    elif op == "softmax":
        builder.emit(node, "SOFTMAX", [x], output, ("SoftmaxOptions", {"Beta": 1.0}))
    elif op == "concat":
        builder.emit(node, "CONCATENATION", inputs, output, ("ConcatenationOptions", {"Axis": attrs["axis"]}))
    elif op == "reshape":
        new_shape = list(builder.program.tensors[output].shape)
        builder.emit(node, "RESHAPE", [x, builder.int32(node, "shape", new_shape)], output,
                     ("ReshapeOptions", {"NewShape": new_shape}))
    elif op == "transpose":
        builder.emit(node, "TRANSPOSE", [x, builder.int32(node, "perm", attrs["perm"])], output)
    elif op == "pad":
        builder.emit(node, "PAD", [x, builder.int32(node, "paddings", attrs["paddings"])], output)
    elif op == "slice":
        ends = _slice_ends(node, builder, output)
        builder.emit(node, "STRIDED_SLICE", [x, builder.int32(node, "begin", attrs["begin"]),
                                             builder.int32(node, "end", ends),
                                             builder.int32(node, "strides", attrs["steps"])], output,
                     ("StridedSliceOptions", {}))
    elif op == "matmul":
        builder.emit(node, "BATCH_MATMUL", inputs, output, ("BatchMatMulOptions", {}))
    elif op == "resize_bilinear":
        builder.emit(node, "RESIZE_BILINEAR", [x, builder.int32(node, "size", attrs["size"])], output,
                     ("ResizeBilinearOptions", {"HalfPixelCenters": attrs["half_pixel_centers"]}))
    else:
        raise ExportError(f"cannot export layer {layer!r} to {FORMAT}: graph op {op!r} has no TFLite operator")


def build_program(graph, batch_size=1):
    """The float32 TFLite program of `graph`, with the batch dimension fixed to `batch_size`."""
    builder = _Builder(graph, batch_size)
    program = builder.program
    for info in graph.inputs:
        program.add_tensor(info.name, _concrete_shape(info, batch_size, info.name), info.dtype)
    program.inputs = [info.name for info in graph.inputs]
    fused = _fusable_activations(graph)
    skipped = {id(node) for node in fused.values()}
    for node in graph.nodes:
        if id(node) in skipped:
            continue
        activation_node = fused.get(id(node))
        # A fused op writes straight into the activation's output tensor.
        output_name = (activation_node or node).outputs[0]
        output = program.add_tensor(output_name, builder.shape(output_name, node.layer),
                                    graph.tensors[output_name].dtype)
        _lower_node(builder, node, output, activation_node.op if activation_node else None)
    program.outputs = [info.name for info in graph.outputs]
    return program

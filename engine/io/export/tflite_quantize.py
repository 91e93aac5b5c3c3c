"""Float16 weights and full-integer int8 quantization of a float32 Program (tflite_program.py).

Float16, as TF's converter does it: every float32 constant is stored as float16 and a
DEQUANTIZE op at the start of the graph turns it back into float32 once, at load time.

Int8 follows TFLite's quantization spec
(https://www.tensorflow.org/lite/performance/quantization_spec): activations asymmetric int8
with a range calibrated on representative data and widened to hold 0 exactly; conv, depthwise
and fully-connected weights symmetric int8 per output channel (a conv filter's taps rounded to
keep their sum), biases int32 at scale input_scale * weight_scale. The kernels impose the rest:
LOGISTIC and SOFTMAX write 1/256 - 128 and TANH 1/128 + 0; pooling, reshapes and slices pass
their input's parameters on; CONCATENATION, MAXIMUM and MINIMUM read their inputs at the
output's parameters, so an input at other parameters is requantized first. TFLite has no int8
DIV, NEG or SQUARE: a division by a constant, a negation and a square become multiplications;
a division by a tensor cannot be written. Ops marked keep_float (the log-mel front end) stay
float32 between a DEQUANTIZE and a QUANTIZE.
"""
import numpy as np

from .graph import ExportError
from .tflite_program import FORMAT, LiteOp, Quantization

__all__ = ["calibrate", "quantize_int8", "store_float16"]

_INT8_FORMAT = f"{FORMAT} int8"
_INT32_MAX = 2 ** 31 - 1
_FIXED_OUTPUT = {"SOFTMAX": (1.0 / 256, -128), "LOGISTIC": (1.0 / 256, -128), "TANH": (1.0 / 128, 0)}
_SAME_AS_INPUT = ("MAX_POOL_2D", "AVERAGE_POOL_2D", "RESHAPE", "TRANSPOSE", "PAD", "STRIDED_SLICE",
                  "RESIZE_BILINEAR", "REDUCE_MAX")
_INPUTS_AT_OUTPUT = ("CONCATENATION", "MAXIMUM", "MINIMUM")
_WEIGHT_AXIS = {"CONV_2D": 0, "DEPTHWISE_CONV_2D": 3, "FULLY_CONNECTED": 0}
_CALIBRATED = ("ADD", "SUB", "MUL", "RELU", "RELU6", "LEAKY_RELU", "HARD_SWISH", "EXP", "LOG", "SQRT", "ABS", "MEAN",
               "SUM", "BATCH_MATMUL")
_INT8_KERNELS = (*_FIXED_OUTPUT, *_SAME_AS_INPUT, *_INPUTS_AT_OUTPUT, *_WEIGHT_AXIS, *_CALIBRATED)
# Chunk size for an array of representative samples: Graph.evaluate keeps every tensor of a chunk.
_CALIBRATION_CHUNK = 8


def _float16_range_ok(array):
    return np.all(np.abs(array) <= np.finfo(np.float16).max)


def store_float16(program):
    """Store the float32 constants as float16, each dequantized by one DEQUANTIZE op before all other ops.

    A constant beyond float16's range (65504) stays float32: float16 cannot hold it.
    """
    dequantized = {}
    dequantize_ops = []
    for op in program.ops:
        for position, name in enumerate(op.inputs):
            tensor = program.tensors.get(name)
            if tensor is None or tensor.data is None or tensor.dtype != "float32" or not _float16_range_ok(
                    tensor.data):
                continue
            if name not in dequantized:
                half = program.add_constant(f"{name}/float16", tensor.data.astype(np.float16))
                dequantized[name] = program.add_tensor(f"{name}/dequantized", tensor.shape, "float32")
                dequantize_ops.append(LiteOp("DEQUANTIZE", [half], [dequantized[name]], layer=op.layer))
            op.inputs[position] = dequantized[name]
    program.ops = dequantize_ops + program.ops


def _representative_batches(graph, representative_data):
    """Feeds for Graph.evaluate: an array is split into chunks of samples, an iterable gives one batch per item."""
    if isinstance(representative_data, np.ndarray):
        if len(graph.inputs) > 1:
            raise ValueError(f"the model has {len(graph.inputs)} inputs: give representative_data as an iterable "
                             "of batches, each a list with one array per input")
        batches = ([representative_data[start:start + _CALIBRATION_CHUNK]]
                   for start in range(0, len(representative_data), _CALIBRATION_CHUNK))
    else:
        batches = ([np.asarray(part) for part in batch] if isinstance(batch, (list, tuple)) else [np.asarray(batch)]
                   for batch in representative_data)
    for feeds in batches:
        if len(feeds) != len(graph.inputs):
            raise ValueError(f"representative_data: a batch has {len(feeds)} arrays for {len(graph.inputs)} inputs")
        for value, info in zip(feeds, graph.inputs):
            if value.ndim != len(info.shape) or any(size not in (None, got) for size, got in zip(info.shape,
                                                                                                value.shape)):
                raise ValueError(f"representative_data: a batch of shape {value.shape} for input {info.name!r} of "
                                 f"shape {info.shape} (None: any size)")
        yield feeds


def calibrate(graph, representative_data):
    """{tensor name: (min, max)} over the representative data, for every float tensor the graph computes."""
    ranges = {}
    for feeds in _representative_batches(graph, representative_data):
        values = graph.evaluate(feeds, keep_all=True)
        for name, value in values.items():
            if name in graph.constants or value.dtype != np.float32 or value.size == 0:
                continue
            low, high = float(value.min()), float(value.max())
            if name in ranges:
                low, high = min(low, ranges[name][0]), max(high, ranges[name][1])
            ranges[name] = (low, high)
    if not ranges:
        raise ValueError("representative_data is empty: int8 calibration needs at least one batch")
    return ranges


def _asymmetric(low, high):
    """Per-tensor int8 parameters for values in [low, high], widened to include 0 (which stays exact)."""
    low, high = min(low, 0.0), max(high, 0.0)
    scale = (high - low) / 255.0 or 1.0
    return Quantization.per_tensor(scale, int(np.clip(np.round(-128 - low / scale), -128, 127)))


def _quantize_array(array, quantization, dtype=np.int8):
    info = np.iinfo(dtype)
    shape = [1] * array.ndim
    if array.ndim:
        shape[quantization.axis] = -1
    scale = quantization.scale.reshape(shape) if quantization.scale.size > 1 else quantization.scale[0]
    zero_point = quantization.zero_point.reshape(shape) if quantization.zero_point.size > 1 else \
        quantization.zero_point[0]
    return np.clip(np.round(array / scale) + zero_point, info.min, info.max).astype(dtype)


def _round_keeping_sums(rows):
    """Round each row to integers so that it still sums to its exact sum, rounded; no value moves a whole step.

    The rounding of the |drift| values that rounded furthest in the drift's direction goes the other way.
    """
    rounded = np.round(rows)
    error = rows - rounded
    drift = np.round(error.sum(axis=1))
    direction = np.sign(drift)[:, np.newaxis]
    ranks = np.argsort(np.argsort(-error * direction, axis=1), axis=1)
    return rounded + direction * (ranks < np.abs(drift)[:, np.newaxis])


def _int8_weights(code, weights, scale, axis):
    """Per-channel int8 weights; a filter's taps keep their sum (its response to a flat input).

    A filter whose large taps cancel (an edge detector) has a small sum that plain rounding can
    move by several steps: EfficientNet-Lite0's first depthwise layer then loses a quarter of
    its embedding. FULLY_CONNECTED weights have no taps and are rounded plainly.
    """
    exact = weights / scale.reshape([-1 if i == axis else 1 for i in range(weights.ndim)])
    if code == "FULLY_CONNECTED":
        rounded = np.round(exact)
    else:
        # CONV_2D [cout, kh, kw, cin] and DEPTHWISE_CONV_2D [1, kh, kw, channels]: kh x kw taps per channel pair.
        taps = np.moveaxis(exact, (1, 2), (2, 3))
        rounded = np.moveaxis(_round_keeping_sums(taps.reshape(-1, taps.shape[2] * taps.shape[3])).reshape(
            taps.shape), (2, 3), (1, 2))
    return np.clip(rounded, -127, 127).astype(np.int8)


class _Int8Rewriter:
    def __init__(self, program, ranges, input_type):
        self.program = program
        self.ranges = ranges
        self.tensors = program.tensors
        self.ops = []
        self.converted = {}      # (tensor, "int8"|"float32") -> its converted copy
        for name in program.inputs:
            if input_type == "int8" and self.tensors[name].dtype == "float32":
                self.retype(name, "int8", self.calibrated(name, name))

    def calibrated(self, name, layer):
        if name not in self.ranges:
            raise ExportError(f"cannot export layer {layer!r} to {_INT8_FORMAT}: tensor {name!r} got no value from "
                              "the representative data to calibrate its range")
        return _asymmetric(*self.ranges[name])

    def retype(self, name, dtype, quantization):
        self.tensors[name].dtype = dtype
        self.tensors[name].quantization = quantization

    def convert(self, name, dtype, layer):
        """`name` as `dtype`: itself, or a QUANTIZE/DEQUANTIZE copy made once and shared by its readers."""
        tensor = self.tensors[name]
        if tensor.dtype == dtype:
            return name
        if (name, dtype) not in self.converted:
            suffix = "quantized" if dtype == "int8" else "dequantized"
            copy = self.program.add_tensor(f"{name}/{suffix}", tensor.shape, dtype)
            if dtype == "int8":
                self.retype(copy, "int8", self.calibrated(name, layer))
            self.ops.append(LiteOp("QUANTIZE" if dtype == "int8" else "DEQUANTIZE", [name], [copy], layer=layer))
            self.converted[(name, dtype)] = copy
        return self.converted[(name, dtype)]

    def requantized(self, name, quantization, layer):
        """`name` (int8) at `quantization`: itself when it already is, else a QUANTIZE int8 -> int8 copy."""
        tensor = self.tensors[name]
        if tensor.quantization.same_as(quantization):
            return name
        copy = self.program.add_tensor(f"{name}/requantized", tensor.shape, "int8", quantization)
        self.ops.append(LiteOp("QUANTIZE", [name], [copy], layer=layer))
        return copy

    def constant(self, name, quantization):
        tensor = self.tensors[name]
        return self.program.add_constant(f"{name}/int8", _quantize_array(tensor.data, quantization), quantization)

    def weighted(self, op):
        """Per-channel symmetric int8 weights and their int32 bias."""
        x, weights_name, bias_name = op.inputs
        weights, bias = self.tensors[weights_name].data, self.tensors[bias_name].data
        axis = _WEIGHT_AXIS[op.code]
        input_scale = float(self.tensors[x].quantization.scale[0])
        other_axes = tuple(i for i in range(weights.ndim) if i != axis)
        scale = np.abs(weights).max(axis=other_axes) / 127.0
        channels = len(scale)
        # The int32 accumulator adds up to fan_in products of 255 * 127 to the bias: a bias that leaves no room
        # for them at input_scale * weight_scale (a channel of near-zero weights and a real bias, as BatchNorm
        # folding makes of a dead channel) would overflow, so such a channel gets a coarser weight scale.
        fan_in = weights.size // channels
        bias_limit = _INT32_MAX - fan_in * 255 * 127
        scale = np.maximum(scale, np.abs(bias) / (input_scale * bias_limit))
        scale = np.where(scale > 0, scale, 1.0).astype(np.float32)
        weight_quantization = Quantization(scale, np.zeros(channels, np.int64), axis)
        bias_quantization = Quantization((input_scale * scale.astype(np.float64)).astype(np.float32),
                                         np.zeros(channels, np.int64), 0)
        op.inputs[1] = self.program.add_constant(f"{weights_name}/int8", _int8_weights(op.code, weights, scale, axis),
                                                 weight_quantization)
        op.inputs[2] = self.program.add_constant(f"{bias_name}/int32", _quantize_array(
            bias.astype(np.float64), bias_quantization, np.int32), bias_quantization)

    def int8_op(self, op):
        if op.code not in _INT8_KERNELS:
            raise ExportError(f"cannot export layer {op.layer!r} to {_INT8_FORMAT}: TFLite has no int8 {op.code} "
                              "kernel; export as float32 or float16")
        output = op.outputs[0]
        for position, name in enumerate(op.inputs):
            tensor = self.tensors.get(name)
            if tensor is not None and tensor.data is None:
                op.inputs[position] = self.convert(name, "int8", op.layer)
        if op.code in _FIXED_OUTPUT:
            quantization = Quantization.per_tensor(*_FIXED_OUTPUT[op.code])
        elif op.code in _SAME_AS_INPUT:
            quantization = self.tensors[op.inputs[0]].quantization
        else:
            quantization = self.calibrated(output, op.layer)
        self.retype(output, "int8", quantization)
        if op.code in _WEIGHT_AXIS:
            self.weighted(op)
            return
        for position, name in enumerate(op.inputs):
            tensor = self.tensors[name]
            if op.code in _INPUTS_AT_OUTPUT:
                op.inputs[position] = (self.constant(name, quantization) if tensor.data is not None
                                       else self.requantized(name, quantization, op.layer))
            elif tensor.data is not None and tensor.dtype == "float32":
                low, high = float(tensor.data.min()), float(tensor.data.max())
                op.inputs[position] = self.constant(name, _asymmetric(low, high))

    def float_op(self, op):
        for position, name in enumerate(op.inputs):
            tensor = self.tensors.get(name)
            if tensor is not None and tensor.data is None:
                op.inputs[position] = self.convert(name, "float32", op.layer)

    def run(self):
        for op in self.program.ops:
            _as_multiply(self.program, op)
            if op.keep_float:
                self.float_op(op)
            else:
                self.int8_op(op)
            self.ops.append(op)
        self.program.ops = self.ops


def _as_multiply(program, op):
    """Rewrite ops that have no int8 kernel as MUL, which has: x / c -> x * (1 / c), -x -> x * -1, x^2 -> x * x."""
    if op.keep_float or op.code not in ("DIV", "NEG", "SQUARE"):
        return
    x = op.inputs[0]
    if op.code == "DIV":
        divisor = program.tensors[op.inputs[1]]
        if divisor.data is None or not np.all(divisor.data):
            return
        factor = program.add_constant(f"{divisor.name}/reciprocal", (1.0 / divisor.data).astype(np.float32))
    elif op.code == "NEG":
        factor = program.add_constant(f"{op.outputs[0]}/minus_one", np.float32(-1.0))
    else:
        factor = x
    activation = op.options[1]["FusedActivationFunction"] if op.options else 0
    op.code, op.inputs, op.options = "MUL", [x, factor], ("MulOptions", {"FusedActivationFunction": activation})


def _rename(program, old, new):
    tensor = program.tensors.pop(old)
    tensor.name = new
    program.tensors[new] = tensor
    for op in program.ops:
        op.inputs = [new if name == old else name for name in op.inputs]
        op.outputs = [new if name == old else name for name in op.outputs]


def _convert_outputs(program, ranges, output_type):
    """Give each output `output_type`; the converted tensor keeps the output's name, so callers find it."""
    for name in program.outputs:
        tensor = program.tensors[name]
        if tensor.dtype == output_type:
            continue
        inner = program.unique(f"{name}/{tensor.dtype}")
        _rename(program, name, inner)
        program.add_tensor(name, tensor.shape, output_type)
        if output_type == "int8":
            program.tensors[name].quantization = _asymmetric(*ranges[name])
        program.ops.append(LiteOp("QUANTIZE" if output_type == "int8" else "DEQUANTIZE", [inner], [name],
                                  layer=name))


def quantize_int8(program, ranges, input_type="float32", output_type="float32"):
    """Rewrite a float32 program in place as a full-integer int8 one with `input_type`/`output_type` ends."""
    _Int8Rewriter(program, ranges, input_type).run()
    _convert_outputs(program, ranges, output_type)

"""Operator versions and the minimum runtime version, by the rules of TFLite's converter.

A builtin's version says which kernel variant a model needs (int8 inputs, dilation, more than
four dimensions, ...): tensorflow/lite/tools/versioning/op_version.cc. A runtime registers a
range of versions per builtin and refuses a model that asks for more; asking for less than the
model uses makes older runtimes fail at run time instead of at load time. The minimum runtime
version (runtime_version.cc) is the newest TFLite release that introduced one of the model's
(builtin, version) pairs; the converter writes it as the "min_runtime_version" metadata entry.
"""
import numpy as np

__all__ = ["operator_version", "min_runtime_version", "padded_version_bytes"]

# Builtins whose only type-dependent step is: int8 inputs need version 2.
_INT8_IS_VERSION_2 = ("ADD", "SUB", "MAXIMUM", "MINIMUM", "MAX_POOL_2D", "AVERAGE_POOL_2D", "TRANSPOSE",
                      "STRIDED_SLICE", "PAD", "CONCATENATION", "SOFTMAX", "MEAN", "REDUCE_MAX", "SUM", "RELU",
                      "RELU6", "TANH", "LOGISTIC", "EXP", "LOG", "ABS", "BATCH_MATMUL", "RESIZE_BILINEAR",
                      "DEQUANTIZE")

# (builtin, version) -> the first TFLite release that runs it; only the pairs this exporter writes.
_RUNTIME_VERSIONS = {
    ("ABS", 1): "1.13.0", ("ABS", 2): "2.4.0",
    ("ADD", 1): "1.5.0", ("ADD", 2): "1.14.0",
    ("AVERAGE_POOL_2D", 1): "1.5.0", ("AVERAGE_POOL_2D", 2): "1.14.0",
    ("BATCH_MATMUL", 1): "2.3.0", ("BATCH_MATMUL", 2): "2.3.0",
    ("CONCATENATION", 1): "1.5.0", ("CONCATENATION", 2): "1.14.0",
    ("CONV_2D", 1): "1.5.0", ("CONV_2D", 3): "1.14.0",
    ("DEPTHWISE_CONV_2D", 1): "1.5.0", ("DEPTHWISE_CONV_2D", 2): "1.12.0", ("DEPTHWISE_CONV_2D", 3): "1.14.0",
    ("DEQUANTIZE", 1): "1.13.1", ("DEQUANTIZE", 2): "1.14.0", ("DEQUANTIZE", 3): "1.15.0",
    ("DIV", 1): "1.6.0", ("DIV", 2): "2.3.0",
    ("EXP", 1): "1.7.0",
    ("FULLY_CONNECTED", 1): "1.5.0", ("FULLY_CONNECTED", 4): "1.14.0", ("FULLY_CONNECTED", 5): "2.0.0",
    ("HARD_SWISH", 1): "1.15.0",
    ("LEAKY_RELU", 1): "1.13.1",
    ("LOG", 1): "1.14.0",
    ("LOGISTIC", 1): "1.14.0", ("LOGISTIC", 2): "1.14.0",
    ("MAX_POOL_2D", 1): "1.5.0", ("MAX_POOL_2D", 2): "1.14.0",
    ("MAXIMUM", 1): "1.14.0", ("MAXIMUM", 2): "1.14.0", ("MAXIMUM", 3): "2.3.0",
    ("MEAN", 1): "1.6.0", ("MEAN", 2): "1.14.0",
    ("MINIMUM", 1): "1.14.0", ("MINIMUM", 2): "1.14.0", ("MINIMUM", 3): "2.3.0",
    ("MUL", 1): "1.5.0", ("MUL", 2): "1.14.0", ("MUL", 3): "1.15.0",
    ("NEG", 1): "1.9.0",
    ("PAD", 1): "1.5.0", ("PAD", 2): "1.14.0", ("PAD", 4): "2.6.0",
    ("QUANTIZE", 1): "1.14.0",
    ("REDUCE_MAX", 1): "1.11.0", ("REDUCE_MAX", 2): "1.14.0",
    ("RELU", 1): "1.5.0", ("RELU", 2): "2.1.0",
    ("RELU6", 1): "1.5.0", ("RELU6", 2): "1.14.0",
    ("RESHAPE", 1): "1.5.0",
    ("RESIZE_BILINEAR", 1): "1.7.0", ("RESIZE_BILINEAR", 2): "1.14.0", ("RESIZE_BILINEAR", 3): "2.2.0",
    ("SOFTMAX", 1): "1.5.0", ("SOFTMAX", 2): "1.14.0",
    ("SQRT", 1): "1.10.0",
    ("SQUARE", 1): "1.12.0",
    ("STRIDED_SLICE", 1): "1.6.0", ("STRIDED_SLICE", 2): "1.14.0", ("STRIDED_SLICE", 4): "2.2.0",
    ("SUB", 1): "1.6.0", ("SUB", 2): "1.14.0", ("SUB", 3): "2.3.0",
    ("SUM", 1): "1.10.0", ("SUM", 2): "1.15.0",
    ("TANH", 1): "1.14.0", ("TANH", 2): "1.14.0",
    ("TRANSPOSE", 1): "1.6.0", ("TRANSPOSE", 2): "1.14.0", ("TRANSPOSE", 4): "2.3.0",
}


def _broadcasts_beyond_4d(op, tensors):
    first, second = (tensors[name] for name in op.inputs[:2])
    return first.shape != second.shape and max(len(first.shape), len(second.shape)) > 4


def operator_version(op, tensors):
    """The version op_version.cc gives `op` (a LiteOp) with these tensors (name -> LiteTensor)."""
    code = op.code
    first = tensors[op.inputs[0]]
    int8 = first.dtype == "int8"
    options = op.options[1] if op.options else {}
    rank = len(first.shape)
    if code in ("CONV_2D", "DEPTHWISE_CONV_2D"):
        if int8:
            return 3
        dilated = (options["DilationHFactor"], options["DilationWFactor"]) != (1, 1)
        return 2 if code == "DEPTHWISE_CONV_2D" and dilated else 1
    if code == "FULLY_CONNECTED":
        if options.get("KeepNumDims"):
            return 5
        return 4 if int8 else 1
    if code == "MUL" and int8:
        scales = [float(tensors[name].quantization.scale[0]) for name in (*op.inputs, *op.outputs)]
        return 3 if scales[0] * scales[1] / scales[2] >= 1.0 else 2
    if code in ("SUB", "MAXIMUM", "MINIMUM") and _broadcasts_beyond_4d(op, tensors):
        return 3
    if code == "DIV":
        return 2 if _broadcasts_beyond_4d(op, tensors) else 1
    if code in ("TRANSPOSE", "PAD") and rank > 4:
        return 4
    if code == "STRIDED_SLICE" and rank > 4:
        return 4
    if code == "RESIZE_BILINEAR" and options.get("HalfPixelCenters"):
        return 3
    if code == "DEQUANTIZE" and first.dtype == "float16":
        return 3
    if code in _INT8_IS_VERSION_2 and int8:
        return 2
    return 1


def _version_key(text):
    return tuple(int(part) for part in text.split("."))


def min_runtime_version(operator_codes):
    """The newest release among the runtime versions of (builtin, version) pairs, as a string ("" if none known)."""
    known = [_RUNTIME_VERSIONS[pair] for pair in operator_codes if pair in _RUNTIME_VERSIONS]
    return max(known, key=_version_key) if known else ""


def padded_version_bytes(version):
    """The 16-byte, zero-padded buffer the converter stores the minimum runtime version in."""
    data = np.zeros(16, np.uint8)
    encoded = version.encode("ascii")
    data[:len(encoded)] = np.frombuffer(encoded, np.uint8)
    return data.tobytes()

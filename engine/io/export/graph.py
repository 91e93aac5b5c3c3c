"""The format-neutral graph that Keras models are lowered to before the TFLite and ONNX writers see them.

Lowering (lowering.py) turns each Keras layer into a few primitive nodes, folds what inference
does not need (BatchNormalization into the convolution or Dense before it, Dropout away), and
checks every layer can be written; the writers then map node for node to TFLite builtins or
ONNX operators. Layout is Keras's: channels last (NHWC, NWC). A tensor's shape has None for a
dimension the graph leaves open (the batch).

The vocabulary (`OPS`): each op's inputs are tensor names (graph inputs, node outputs or
constants) and its attrs are plain Python values.

- dense(x, kernel[in, out], bias[out]?): x @ kernel + bias over x's last axis (x of any rank >= 2).
- conv2d(x, kernel[kh, kw, cin, cout], bias[cout]?): strides (sh, sw), dilations (dh, dw), padding "SAME"|"VALID".
- depthwise_conv2d(x, kernel[kh, kw, cin, multiplier], bias[cin * multiplier]?): same attrs as conv2d.
- max_pool2d(x), avg_pool2d(x): pool_size (ph, pw), strides (sh, sw), padding "SAME"|"VALID"; average over the
  window's valid (unpadded) cells, as Keras.
- mean(x), max(x), sum(x): axes (tuple of non-negative ints), keepdims (bool).
- relu, relu6, sigmoid, tanh, hard_swish, exp, log, sqrt, square, abs, neg: one input, no attrs.
  hard_swish(x) = x * relu6(x + 3) / 6 (Keras's hard_swish and TFLite's HARD_SWISH).
- leaky_relu(x): alpha. softmax(x): over the last axis (lowering transposes otherwise).
- add, sub, mul, div, maximum, minimum (a, b): numpy broadcasting; either side may be a constant.
- concat(*xs): axis (non-negative). reshape(x): shape (tuple; -1 at most once, and for the batch).
- transpose(x): perm. pad(x): paddings ((before, after) per axis), constant zero.
- slice(x): begin, size (tuples; size -1 means to the end), steps (tuple of positive ints).
- matmul(a, b): batched a @ b (b is usually a constant).
- resize_bilinear(x): size (h, w), half_pixel_centers (bool; TF 2's resize uses True).

Node attrs beyond an op's required ones are hints that writers may read and must otherwise ignore:

- keep_float (bool): the TFLite int8 writer keeps this node in float32 (quantizing its inputs
  and outputs around it). Lowering sets it on every node of the log-mel front end
  (LogMelSpectrogram): an 8-bit power spectrum loses the quiet bands that the log brings back.

Lowering's output: the graph's inputs are named after the model's InputLayers and its outputs
after the layers that produce them; the batch dimension is None everywhere; every node's
`layer` is the path of the Keras layer it came from ("outer_model/inner_model/layer").

`Graph.evaluate` runs a graph with the engine's own ops (on the current backend) on numpy arrays:
the lowering's tests compare it with the Keras model it came from, and int8 calibration reads
every tensor's range from it.
"""
import dataclasses

import numpy as np

__all__ = ["OPS", "TensorInfo", "Node", "Graph", "ExportError", "claim_name"]

_UNARY = ("relu", "relu6", "sigmoid", "tanh", "hard_swish", "exp", "log", "sqrt", "square", "abs", "neg")
_BINARY = ("add", "sub", "mul", "div", "maximum", "minimum")

# op -> the attrs it must carry
OPS = {
    "dense": (), "conv2d": ("strides", "dilations", "padding"), "depthwise_conv2d": ("strides", "dilations", "padding"),
    "max_pool2d": ("pool_size", "strides", "padding"), "avg_pool2d": ("pool_size", "strides", "padding"),
    "mean": ("axes", "keepdims"), "max": ("axes", "keepdims"), "sum": ("axes", "keepdims"),
    **{name: () for name in _UNARY}, "leaky_relu": ("alpha",), "softmax": (),
    **{name: () for name in _BINARY},
    "concat": ("axis",), "reshape": ("shape",), "transpose": ("perm",), "pad": ("paddings",),
    "slice": ("begin", "size", "steps"), "matmul": (), "resize_bilinear": ("size", "half_pixel_centers"),
}


def claim_name(base, used):
    """`base`, or `base_2`, `base_3`... whichever is not in `used` yet; it is added to `used`."""
    name, count = base, 1
    while name in used:
        count += 1
        name = f"{base}_{count}"
    used.add(name)
    return name


class ExportError(ValueError):
    """A model (or one of its layers) that a format cannot express; the message names the layer and the format."""


@dataclasses.dataclass(frozen=True)
class TensorInfo:
    name: str
    shape: tuple
    dtype: str = "float32"


@dataclasses.dataclass
class Node:
    op: str
    inputs: tuple
    outputs: tuple
    attrs: dict
    layer: str           # the Keras layer this node came from, for error messages


class Graph:
    """Nodes in execution order, the constants they read, and the shape and dtype of every tensor."""

    def __init__(self, name="model"):
        self.name = name
        self.inputs = []       # [TensorInfo]
        self.outputs = []      # [TensorInfo]
        self.nodes = []        # [Node], each after the nodes it reads from
        self.constants = {}    # name -> np.ndarray
        self.tensors = {}      # name -> TensorInfo, for inputs, constants and node outputs alike
        self._used_names = set()

    def unique_name(self, base):
        return claim_name(base, self._used_names)

    def add_input(self, name, shape, dtype="float32"):
        info = TensorInfo(self.unique_name(name), tuple(shape), dtype)
        self.inputs.append(info)
        self.tensors[info.name] = info
        return info.name

    def add_constant(self, name, array):
        array = np.ascontiguousarray(array)
        if array.dtype == np.float64:
            array = array.astype(np.float32)
        info = TensorInfo(self.unique_name(name), tuple(array.shape), str(array.dtype))
        self.constants[info.name] = array
        self.tensors[info.name] = info
        return info.name

    def add_node(self, op, inputs, shape, layer, /, name=None, dtype="float32", **attrs):
        """Append `op` reading `inputs`; returns the name of its one output, whose shape the caller gives.

        The first four are positional-only, so that reshape's attr `shape` can be passed by keyword.
        """
        if op not in OPS:
            raise ValueError(f"unknown graph op {op!r}")
        missing = [key for key in OPS[op] if key not in attrs]
        if missing:
            raise ValueError(f"graph op {op!r} needs attrs {missing}")
        for tensor in inputs:
            if tensor not in self.tensors:
                raise ValueError(f"graph op {op!r} of layer {layer!r} reads unknown tensor {tensor!r}")
        output = TensorInfo(self.unique_name(name or f"{layer}/{op}"), tuple(shape), dtype)
        self.tensors[output.name] = output
        self.nodes.append(Node(op, tuple(inputs), (output.name,), dict(attrs), layer))
        return output.name

    def set_outputs(self, names):
        self.outputs = [self.tensors[name] for name in names]

    def consumers(self, tensor):
        return [node for node in self.nodes if tensor in node.inputs]

    def rename_tensor(self, old, base):
        """Give tensor `old` a unique name made from `base` everywhere it appears; returns the new name."""
        if old == base:
            return old
        new = self.unique_name(base)
        self.tensors[new] = dataclasses.replace(self.tensors.pop(old), name=new)
        if old in self.constants:
            self.constants[new] = self.constants.pop(old)

        def renamed(names):
            return tuple(new if name == old else name for name in names)

        for node in self.nodes:
            node.inputs, node.outputs = renamed(node.inputs), renamed(node.outputs)
        self.inputs = [self.tensors[new] if entry.name == old else entry for entry in self.inputs]
        self.outputs = [self.tensors[new] if entry.name == old else entry for entry in self.outputs]
        return new

    def remove_unused_constants(self):
        """Drop the constants no node reads (rewrites such as BatchNormalization folding leave them behind)."""
        used = {name for node in self.nodes for name in node.inputs}
        for name in [name for name in self.constants if name not in used]:
            del self.constants[name]
            del self.tensors[name]

    def evaluate(self, feeds, keep_all=False):
        """Run the graph with the engine's ops on the current backend.

        feeds: {input name: array} or a list in input order.

        Returns {output name: np.ndarray}, or every tensor's value when keep_all (for calibration).
        """
        from .reference import run_node          # imports the engine's ops only when a graph is run

        if not isinstance(feeds, dict):
            feeds = {info.name: value for info, value in zip(self.inputs, feeds)}
        values = {name: np.asarray(feeds[info.name], np.float32 if info.dtype == "float32" else info.dtype)
                  for info, name in ((info, info.name) for info in self.inputs)}
        values.update(self.constants)
        for node in self.nodes:
            values[node.outputs[0]] = run_node(node, [values[name] for name in node.inputs])
        if keep_all:
            return values
        return {info.name: values[info.name] for info in self.outputs}

"""ONNX export: Keras model -> export graph (lowering.py) -> ONNX ModelProto, checked, written atomically.

Tensors stay channels last (NHWC), as in Keras, so inputs and outputs have Keras's layout. ONNX's
Conv, MaxPool, AveragePool and Resize work on NCHW: each is wrapped in a Transpose pair, which
runtimes' layout optimizers (onnxruntime's among them) cancel between consecutive ops. Weights are
rearranged once at export: conv kernels HWIO -> OIHW, depthwise kernels to grouped-conv OIHW.

The batch dimension is the symbolic "batch" in every input and output. Opsets 13 and later are
written (Softmax's one-axis semantics start there); reductions switch from an `axes` attribute to
an `axes` input at opset 18 (ReduceSum at 13), as the standard does.
"""
import json

import numpy as np
import onnx
from onnx import helper, numpy_helper

from ..files import atomic_write
from .graph import ExportError, claim_name
from .lowering import lower_model

__all__ = ["export_onnx", "to_onnx_model", "MIN_OPSET", "MAX_OPSET", "BATCH_DIM"]

MIN_OPSET = 13
MAX_OPSET = onnx.defs.onnx_opset_version()
BATCH_DIM = "batch"
_TO_NCHW = (0, 3, 1, 2)
_TO_NHWC = (0, 2, 3, 1)
_INT64_MAX = np.iinfo(np.int64).max

_UNARY = {"relu": "Relu", "sigmoid": "Sigmoid", "tanh": "Tanh", "exp": "Exp", "log": "Log", "sqrt": "Sqrt",
          "abs": "Abs", "neg": "Neg"}
_BINARY = {"add": "Add", "sub": "Sub", "mul": "Mul", "div": "Div", "maximum": "Max", "minimum": "Min"}
_REDUCE = {"mean": "ReduceMean", "max": "ReduceMax", "sum": "ReduceSum"}
# The opset from which a reduction takes its axes as an input rather than an attribute.
_AXES_INPUT_SINCE = {"ReduceMean": 18, "ReduceMax": 18, "ReduceSum": 13}


def _padding_attrs(padding, input_shape, window, strides, dilations):
    """ONNX padding for TF's "SAME"/"VALID" on an NHWC input: explicit pads where the image size is known.

    Explicit pads, because onnxruntime refuses auto_pad with dilation; an image of unknown size
    gets SAME_UPPER, which pads as TF does (the odd pixel at the end).
    """
    if padding == "VALID":
        return {"pads": [0, 0, 0, 0]}
    sizes = input_shape[1:3]
    if None in sizes:
        return {"auto_pad": "SAME_UPPER"}
    befores, afters = [], []
    for size, kernel, stride, dilation in zip(sizes, window, strides, dilations):
        output = -(-size // stride)
        total = max((output - 1) * stride + (kernel - 1) * dilation + 1 - size, 0)
        befores.append(total // 2)
        afters.append(total - total // 2)
    return {"pads": befores + afters}


class _OnnxGraphBuilder:
    """ONNX nodes and initializers for one export graph, op by op (one method per graph op family)."""

    def __init__(self, graph, opset):
        self.graph = graph
        self.opset = opset
        self.nodes = []
        self.initializers = []
        self._names = set(graph.tensors)

    def used_constants(self):
        """The graph's constants that ONNX nodes read (a conv kernel is read as its OIHW copy instead)."""
        used = {name for node in self.nodes for name in node.input}
        return [numpy_helper.from_array(array, name) for name, array in self.graph.constants.items() if name in used]

    def fresh(self, base):
        return claim_name(base, self._names)

    def initializer(self, base, array):
        name = self.fresh(base)
        self.initializers.append(numpy_helper.from_array(np.asarray(array), name))
        return name

    def node(self, op_type, inputs, output, layer, **attrs):
        self.nodes.append(helper.make_node(op_type, list(inputs), [output], name=self.fresh(f"{layer}/{op_type}"),
                                           **attrs))
        return output

    def in_nchw(self, node, make_op):
        """Transpose the NHWC input to NCHW, run `make_op(nchw_input, nchw_output)`, transpose back to NHWC."""
        out = node.outputs[0]
        nchw_in = self.node("Transpose", [node.inputs[0]], self.fresh(f"{out}/nchw_input"), node.layer, perm=_TO_NCHW)
        nchw_out = self.fresh(f"{out}/nchw")
        make_op(nchw_in, nchw_out)
        self.node("Transpose", [nchw_out], out, node.layer, perm=_TO_NHWC)

    def add(self, node):
        op, out, attrs = node.op, node.outputs[0], node.attrs
        if op in _UNARY:
            self.node(_UNARY[op], node.inputs, out, node.layer)
        elif op in _BINARY:
            self.node(_BINARY[op], node.inputs, out, node.layer)
        elif op in ("relu6", "square", "hard_swish", "leaky_relu", "softmax"):
            self.activation(node)
        elif op == "dense":
            self.dense(node)
        elif op in ("conv2d", "depthwise_conv2d"):
            self.conv(node)
        elif op in ("max_pool2d", "avg_pool2d"):
            self.pool(node)
        elif op in _REDUCE:
            self.reduce(node)
        elif op == "matmul":
            self.node("MatMul", node.inputs, out, node.layer)
        elif op == "concat":
            self.node("Concat", node.inputs, out, node.layer, axis=attrs["axis"])
        elif op == "reshape":
            shape = self.initializer(f"{out}/shape", np.asarray(attrs["shape"], np.int64))
            self.node("Reshape", [node.inputs[0], shape], out, node.layer)
        elif op == "transpose":
            self.node("Transpose", node.inputs, out, node.layer, perm=list(attrs["perm"]))
        elif op == "pad":
            befores, afters = zip(*attrs["paddings"])
            pads = self.initializer(f"{out}/pads", np.asarray(befores + afters, np.int64))
            self.node("Pad", [node.inputs[0], pads], out, node.layer, mode="constant")
        elif op == "slice":
            self.slice(node)
        elif op == "resize_bilinear":
            self.resize(node)
        else:
            raise ExportError(f"cannot export layer {node.layer!r} to ONNX: graph op {op!r} has no ONNX form")

    def activation(self, node):
        op, x, out = node.op, node.inputs[0], node.outputs[0]
        if op == "relu6":
            low = self.initializer(f"{out}/min", np.float32(0.0))
            high = self.initializer(f"{out}/max", np.float32(6.0))
            self.node("Clip", [x, low, high], out, node.layer)
        elif op == "square":
            self.node("Mul", [x, x], out, node.layer)
        elif op == "hard_swish" and self.opset >= 14:
            self.node("HardSwish", [x], out, node.layer)
        elif op == "hard_swish":
            # HardSwish arrived in opset 14; before it, x * HardSigmoid(x) with HardSwish's alpha and beta.
            gate = self.node("HardSigmoid", [x], self.fresh(f"{out}/gate"), node.layer, alpha=1.0 / 6.0, beta=0.5)
            self.node("Mul", [x, gate], out, node.layer)
        elif op == "leaky_relu":
            self.node("LeakyRelu", [x], out, node.layer, alpha=float(node.attrs["alpha"]))
        else:
            self.node("Softmax", [x], out, node.layer, axis=-1)

    def dense(self, node):
        x, kernel, out = node.inputs[0], node.inputs[1], node.outputs[0]
        if len(self.graph.tensors[x].shape) == 2:
            self.node("Gemm", node.inputs, out, node.layer)
        elif len(node.inputs) == 2:
            self.node("MatMul", [x, kernel], out, node.layer)
        else:
            product = self.node("MatMul", [x, kernel], self.fresh(f"{out}/matmul"), node.layer)
            self.node("Add", [product, node.inputs[2]], out, node.layer)

    def conv(self, node):
        kernel = self.graph.constants.get(node.inputs[1])
        if kernel is None:
            raise ExportError(f"cannot export layer {node.layer!r} to ONNX: its convolution kernel is not a constant")
        height, width, channels, last = kernel.shape
        attrs = {"strides": list(node.attrs["strides"]), "dilations": list(node.attrs["dilations"]),
                 **_padding_attrs(node.attrs["padding"], self.graph.tensors[node.inputs[0]].shape, (height, width),
                                  node.attrs["strides"], node.attrs["dilations"])}
        if node.op == "conv2d":
            oihw = kernel.transpose(3, 2, 0, 1)
        else:
            # Depthwise output channel c * multiplier + m is group c's m-th output: grouped Conv with one input each.
            oihw = kernel.reshape(height, width, channels * last, 1).transpose(2, 3, 0, 1)
            attrs["group"] = channels
        weight = self.initializer(f"{node.inputs[1]}/oihw", np.ascontiguousarray(oihw))
        self.in_nchw(node, lambda x, out: self.node("Conv", [x, weight, *node.inputs[2:]], out, node.layer,
                                                   kernel_shape=[height, width], **attrs))

    def pool(self, node):
        window, strides = node.attrs["pool_size"], node.attrs["strides"]
        attrs = {"kernel_shape": list(window), "strides": list(strides),
                 **_padding_attrs(node.attrs["padding"], self.graph.tensors[node.inputs[0]].shape, window, strides,
                                  (1, 1))}
        if node.op == "max_pool2d":
            op_type = "MaxPool"
        else:
            # Keras averages over the window's cells inside the image only.
            op_type, attrs["count_include_pad"] = "AveragePool", 0
        self.in_nchw(node, lambda x, out: self.node(op_type, [x], out, node.layer, **attrs))

    def reduce(self, node):
        op_type, out = _REDUCE[node.op], node.outputs[0]
        axes = list(node.attrs["axes"])
        keepdims = int(bool(node.attrs["keepdims"]))
        if self.opset >= _AXES_INPUT_SINCE[op_type]:
            axes_input = self.initializer(f"{out}/axes", np.asarray(axes, np.int64))
            self.node(op_type, [node.inputs[0], axes_input], out, node.layer, keepdims=keepdims)
        else:
            self.node(op_type, node.inputs, out, node.layer, axes=axes, keepdims=keepdims)

    def slice(self, node):
        out, attrs = node.outputs[0], node.attrs
        begin, size, steps = attrs["begin"], attrs["size"], attrs["steps"]
        ends = [_INT64_MAX if count == -1 else start + (count - 1) * step + 1
                for start, count, step in zip(begin, size, steps)]
        inputs = [node.inputs[0]]
        for what, values in (("starts", begin), ("ends", ends), ("axes", range(len(begin))), ("steps", steps)):
            inputs.append(self.initializer(f"{out}/{what}", np.asarray(list(values), np.int64)))
        self.node("Slice", inputs, out, node.layer)

    def resize(self, node):
        out, layer = node.outputs[0], node.layer
        height, width = node.attrs["size"]
        mode = "half_pixel" if node.attrs["half_pixel_centers"] else "asymmetric"

        def make_resize(x, resized):
            # Sizes, not scales: a float scale could round the output size down; the batch size is read at run time.
            shape = self.node("Shape", [x], self.fresh(f"{out}/shape"), layer)
            starts = self.initializer(f"{out}/zero", np.asarray([0], np.int64))
            ends = self.initializer(f"{out}/two", np.asarray([2], np.int64))
            batch_channels = self.node("Slice", [shape, starts, ends], self.fresh(f"{out}/batch_channels"), layer)
            spatial = self.initializer(f"{out}/spatial_size", np.asarray([height, width], np.int64))
            sizes = self.node("Concat", [batch_channels, spatial], self.fresh(f"{out}/sizes"), layer, axis=0)
            self.node("Resize", [x, "", "", sizes], resized, layer, mode="linear",
                      coordinate_transformation_mode=mode)

        self.in_nchw(node, make_resize)


def _value_info(info):
    dims = [BATCH_DIM if axis == 0 and size is None else size for axis, size in enumerate(info.shape)]
    return helper.make_tensor_value_info(info.name, helper.np_dtype_to_tensor_dtype(np.dtype(info.dtype)), dims)


def to_onnx_model(model, opset=17, labels=None):
    """The checked ONNX ModelProto of a Keras `model` (see `export_onnx`)."""
    if not isinstance(opset, int) or not MIN_OPSET <= opset <= MAX_OPSET:
        raise ValueError(f"export_onnx: opset must be an int from {MIN_OPSET} to {MAX_OPSET}, got {opset!r}")
    graph = lower_model(model, "ONNX")
    builder = _OnnxGraphBuilder(graph, opset)
    for node in graph.nodes:
        builder.add(node)
    onnx_graph = helper.make_graph(builder.nodes, graph.name, [_value_info(info) for info in graph.inputs],
                                   [_value_info(info) for info in graph.outputs],
                                   builder.used_constants() + builder.initializers)
    opset_import = [helper.make_opsetid("", opset)]
    proto = helper.make_model(onnx_graph, opset_imports=opset_import, producer_name="glimmer",
                              ir_version=helper.find_min_ir_version_for(opset_import))
    if labels is not None:
        labels = [str(label) for label in labels]
        proto.doc_string = "Output classes, in order: " + ", ".join(labels)
        helper.set_model_props(proto, {"labels": json.dumps(labels)})
    onnx.checker.check_model(proto, full_check=True)
    return proto


def export_onnx(model, path, opset=17, labels=None):
    """Write `model` (functional or Sequential Keras) as an ONNX file at `path`; returns `path`.

    Inputs and outputs are named after the model's input and output layers, with a dynamic batch
    dimension. `labels` (class names in output order) go into the model's doc_string and its
    "labels" metadata entry (a JSON list). A layer ONNX cannot express raises ExportError naming it;
    the file is written whole or not at all.
    """
    serialized = to_onnx_model(model, opset, labels).SerializeToString()
    with atomic_write(path) as temporary:
        with open(temporary, "wb") as handle:
            handle.write(serialized)
    return path

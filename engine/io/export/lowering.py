"""Lowering a Keras model to the export graph (graph.py): walk its layer calls, inline nested models, fold.

The functional graph is replayed node by node in the order the model runs it; a nested model
(functional or Sequential) is inlined, its inputs bound to the tensors the outer call passed it.
Each layer becomes a few graph ops through the registry of lowering_layers.py (and
lowering_audio.py for the log-mel front end), with the layer's weights as constants. Then
`fold_affine` (lowering_folding.py) folds BatchNormalization's multiply-add into the convolution
or Dense before it, and the outputs take the names of the layers that produce them.
"""
import numpy as np

from ...keras.models import Functional, Model, Sequential
from .graph import ExportError, Graph
from .lowering_folding import fold_affine
from .lowering_layers import LOWERINGS

__all__ = ["lower_model", "LayerContext"]


class LayerContext:
    """What a per-layer lowering function sees: its inputs in the graph, its shapes, and ways to add to the graph."""

    def __init__(self, lowering, layer, path, inputs, output_shapes):
        self.graph = lowering.graph
        self.format_name = lowering.format_name
        self.layer = layer
        self.path = path                  # the layer's name inside nested models ("outer/inner/layer")
        self.inputs = inputs              # graph tensor names, in the layer call's input order
        self.input_shapes = [self.graph.tensors[name].shape for name in inputs]
        self.output_shapes = output_shapes
        self.keep_float = False           # set by front ends whose nodes int8 TFLite keeps in float (graph.py)
        self._weights = lowering.weights

    def error(self, reason):
        return ExportError(f"cannot export layer {self.path!r} ({type(self.layer).__name__}) to "
                           f"{self.format_name}: {reason}")

    def emit(self, op, inputs, shape, /, **attrs):
        if self.keep_float:
            attrs["keep_float"] = True
        return self.graph.add_node(op, inputs, shape, self.path, **attrs)

    def constant(self, what, array):
        return self.graph.add_constant(f"{self.path}/{what}", np.asarray(array, np.float32))

    def weight(self, variable, what, shape=None):
        """A layer weight (reshaped to `shape` if given) as a constant, made once for every call of a shared layer."""
        key = (id(variable), shape)
        if key not in self._weights:
            value = variable.numpy()
            self._weights[key] = self.constant(what, value if shape is None else value.reshape(shape))
        return self._weights[key]


class _Lowering:
    def __init__(self, model, format_name):
        self.graph = Graph(model.name)
        self.format_name = format_name
        self.weights = {}

    def model_error(self, model, reason):
        return ExportError(f"cannot export model {model.name!r} ({type(model).__name__}) to {self.format_name}: "
                           f"{reason}")

    def functional_of(self, model):
        """The functional graph a model runs: its own, or a Sequential's; subclassed models have none."""
        if isinstance(model, Sequential):
            if model._functional is None:
                raise self.model_error(model, "the Sequential model is not built; give it an Input or call "
                                              "build(input_shape) first")
            return model._functional
        if isinstance(model, Functional):
            return model
        raise self.model_error(model, "only functional and Sequential models can be exported; a subclassed "
                                      "model's call() is Python code with no graph to read")

    def lower(self, model):
        functional = self.functional_of(model)
        values = {}
        for tensor in functional.inputs:
            layer = tensor._keras_history.operation
            if tensor.dtype != "float32":
                raise self.model_error(model, f"input {layer.name!r} has dtype {tensor.dtype}; only float32 "
                                              "inputs are supported")
            values[id(tensor)] = self.graph.add_input(layer.name, (None, *tensor.shape[1:]))
        self.lower_nodes(functional, values, prefix="")
        self.graph.set_outputs([values[id(tensor)] for tensor in functional.outputs])
        fold_affine(self.graph)
        self.graph.remove_unused_constants()
        self.name_outputs(functional.output_names)
        return self.graph

    def lower_nodes(self, functional, values, prefix):
        """Add the graph ops of every layer call of `functional`; `values` maps its KerasTensors to graph tensors."""
        for node in functional._nodes:
            if node.is_input:
                continue
            layer = node.operation
            if isinstance(layer, Model):
                outputs = self.inline(layer, node, values, prefix)
            else:
                inputs = [values[id(tensor)] for tensor in node.input_tensors]
                output_shapes = [(None, *tensor.shape[1:]) for tensor in node.outputs]
                context = LayerContext(self, layer, prefix + layer.name, inputs, output_shapes)
                outputs = self.lower_layer(context)
            for symbolic, name in zip(node.outputs, outputs):
                values[id(symbolic)] = name

    def inline(self, model, node, values, prefix):
        """Lower the layer calls of a nested `model` called at `node`; returns the graph tensors of its outputs."""
        inner = self.functional_of(model)
        structure = node.call_args[0] if node.call_args else node.call_kwargs.get("inputs")
        # The call's tensors in the nested model's input order (a dict of inputs is matched by name).
        arguments = inner._flat_call_inputs(structure)
        inner_values = {}
        for tensor, argument in zip(inner.inputs, arguments):
            name = values[id(argument)]
            if len(tensor.shape) != len(self.graph.tensors[name].shape):
                raise self.model_error(model, f"input {tensor.name} of rank {len(tensor.shape)} is fed a tensor of "
                                              f"shape {self.graph.tensors[name].shape}")
            inner_values[id(tensor)] = name
        self.lower_nodes(inner, inner_values, prefix + model.name + "/")
        return [inner_values[id(tensor)] for tensor in inner.outputs]

    def lower_layer(self, context):
        layer = context.layer
        # Only the engine's own classes: a user's layer of the same name computes something else.
        lowering = LOWERINGS.get(type(layer).__name__) if type(layer).__module__.startswith("engine.") else None
        if lowering is None:
            raise context.error(f"{type(layer).__name__} layers are not supported (supported: "
                                f"{', '.join(sorted(LOWERINGS))})")
        outputs = lowering(context)
        if len(outputs) != len(context.output_shapes):
            raise AssertionError(f"lowering of {context.path!r} gave {len(outputs)} outputs, not "
                                 f"{len(context.output_shapes)}")
        return outputs

    def name_outputs(self, output_names):
        """Each output tensor takes its producing layer's name; an input or repeated output gets a copy first."""
        graph = self.graph
        produced = {node.outputs[0] for node in graph.nodes}
        named = set()
        for index, name in enumerate(output_names):
            info = graph.outputs[index]
            if info.name in named or info.name not in produced:
                # The vocabulary has no identity op: a reshape to the tensor's own shape is the copy.
                copy = graph.add_node("reshape", [info.name], info.shape, name, name=name,
                                      shape=(-1, *info.shape[1:]))
                graph.outputs[index] = graph.tensors[copy]
            else:
                graph.rename_tensor(info.name, name)
            named.add(graph.outputs[index].name)


def lower_model(model, format_name):
    """The export graph of a functional or Sequential Keras `model`; `format_name` ("ONNX", "TFLite") is for errors.

    Raises ExportError naming the first layer that `format_name` cannot express.
    """
    return _Lowering(model, format_name).lower(model)

"""Functional models: a graph of layer calls from `Input`s to outputs, its execution and its Keras 3 config.

The graph is read back from the outputs' `_keras_history` (see keras_tensor.py)
the way Keras 3 does it, so layers come out in Keras's order (by decreasing
depth, ties in the order they are first met walking back from the outputs) and
`weights` line up with what Keras writes to and reads from model files.
"""
import collections

from ..._export import lookup
from ...errors import InvalidArgumentError, ModelFormatError
from ..keras_tensor import KerasTensor, flatten, map_structure
from ..layer import InputSpec, Layer
from ..layers.core import InputLayer
from .. import serialization
from .model import Model

__all__ = ["Functional"]


def _producing_node(tensor):
    history = tensor._keras_history
    return history.operation._inbound_nodes[history.node_index]


def map_graph(inputs, outputs):
    """(nodes in execution order, layers in Keras's order, ids of the graph's nodes) between inputs and outputs."""
    input_ids = {id(t) for t in inputs}
    finished, in_progress = set(), set()
    nodes_in_decreasing_depth = []
    layer_indices = {}

    def visit(tensor):
        if tensor._keras_history is None:
            raise InvalidArgumentError(f"{tensor.name} is not the output of a layer: functional model outputs must "
                                       "come from layers called on Input() tensors")
        layer = tensor._keras_history.operation
        node = _producing_node(tensor)
        if id(node) in finished:
            return
        if id(node) in in_progress:
            raise InvalidArgumentError(f"the graph has a cycle through layer {layer.name!r}")
        layer_indices.setdefault(id(layer), len(layer_indices))
        in_progress.add(id(node))
        if not node.is_input and id(tensor) not in input_ids:
            for parent_tensor in node.input_tensors:
                visit(parent_tensor)
        in_progress.discard(id(node))
        finished.add(id(node))
        nodes_in_decreasing_depth.append(node)

    for tensor in outputs:
        visit(tensor)

    node_depths = {}
    layer_depths = {}
    layers_by_id = {}
    for node in reversed(nodes_in_decreasing_depth):
        depth = max(node_depths.setdefault(id(node), 0), layer_depths.get(id(node.operation), 0))
        layer_depths[id(node.operation)] = depth
        layers_by_id[id(node.operation)] = node.operation
        node_depths[id(node)] = depth
        for parent in node.parent_nodes:
            node_depths[id(parent)] = max(depth + 1, node_depths.get(id(parent), 0))
    nodes_by_id = {id(node): node for node in nodes_in_decreasing_depth}
    for tensor in inputs:
        layer = tensor._keras_history.operation
        if id(layer) not in layer_depths:
            layer_depths[id(layer)] = 0
            layer_indices[id(layer)] = -1
            layers_by_id[id(layer)] = layer
            node = layer._inbound_nodes[0]
            node_depths[id(node)] = 0
            nodes_by_id[id(node)] = node

    nodes_by_depth = collections.defaultdict(list)
    for node_id, depth in node_depths.items():
        nodes_by_depth[depth].append(nodes_by_id[node_id])
    layers_by_depth = collections.defaultdict(list)
    for layer_id, depth in layer_depths.items():
        layers_by_depth[depth].append(layers_by_id[layer_id])
    ordered_layers = []
    for depth in sorted(layers_by_depth, reverse=True):
        ordered_layers.extend(sorted(layers_by_depth[depth], key=lambda layer: layer_indices[id(layer)]))
    ordered_nodes = [node for depth in sorted(nodes_by_depth, reverse=True) for node in nodes_by_depth[depth]]

    available = set(input_ids)
    for node in ordered_nodes:
        if node.is_input:
            continue
        missing = [t for t in node.input_tensors if id(t) not in available]
        if missing:
            raise InvalidArgumentError(
                f"Graph disconnected: cannot get the value of tensor {missing[0].name} (input of layer "
                f"{node.operation.name!r}); the model's inputs are {[t.name for t in inputs]}")
        available.update(id(t) for t in node.outputs)
    return ordered_nodes, ordered_layers, set(nodes_by_id)


class Functional(Model):
    """A model defined by `Model(inputs, outputs)`: calling it replays the recorded layer calls."""

    _keras_module = "keras.src.models.functional"
    _keras_registered_name = "Functional"
    # Keras 2 configs count a functional model's construction as its node 0.
    _legacy_node_offset = 1

    def __init__(self, inputs, outputs, name=None, trainable=True, **kwargs):
        super().__init__(name=name, trainable=trainable, **kwargs)
        flat_inputs = flatten(inputs)
        flat_outputs = flatten(outputs)
        for tensor in flat_inputs + flat_outputs:
            if not isinstance(tensor, KerasTensor):
                raise InvalidArgumentError(f"Model {self.name!r}: inputs and outputs must be symbolic tensors from "
                                           f"keras.Input() and layer calls, got {type(tensor).__name__}")
        for tensor in flat_inputs:
            if tensor._keras_history is None or not isinstance(tensor._keras_history.operation, InputLayer):
                raise InvalidArgumentError(f"Model {self.name!r}: input {tensor.name} does not come from "
                                           "keras.Input(); every model input must be an Input tensor")
        self._inputs_struct = inputs
        self._outputs_struct = outputs
        self._inputs = flat_inputs
        self._outputs = flat_outputs
        self._nodes, self._functional_layers, self._node_ids = map_graph(flat_inputs, flat_outputs)
        if not isinstance(inputs, dict):
            self.input_spec = [InputSpec(shape=t.shape, dtype=t.dtype, allow_last_axis_squeeze=True, name=t.name)
                               for t in flat_inputs]
        self.built = True
        if not trainable:
            self.trainable = False

    @property
    def _layers(self):
        return list(self._functional_layers)

    # --- inputs and outputs ------------------------------------------------------------------
    @property
    def inputs(self):
        return list(self._inputs)

    @property
    def outputs(self):
        return list(self._outputs)

    @property
    def input(self):
        return self._inputs_struct

    @property
    def output(self):
        return self._outputs_struct

    @property
    def input_shape(self):
        return map_structure(lambda t: t.shape, self._inputs_struct)

    @property
    def output_shape(self):
        return map_structure(lambda t: t.shape, self._outputs_struct)

    @property
    def input_names(self):
        return [t._keras_history.operation.name for t in self._inputs]

    @property
    def output_names(self):
        return [t._keras_history.operation.name for t in self._outputs]

    # --- running ---------------------------------------------------------------------------------
    def _flat_call_inputs(self, inputs):
        if isinstance(inputs, dict):
            if isinstance(self._inputs_struct, dict):
                missing = [k for k in self._inputs_struct if k not in inputs]
                if missing:
                    raise InvalidArgumentError(f"model {self.name!r}: missing inputs {missing}")
                return flatten({k: inputs[k] for k in self._inputs_struct})
            names = self.input_names
            missing = [n for n in names if n not in inputs]
            if missing:
                raise InvalidArgumentError(f"model {self.name!r}: missing inputs {missing}; the inputs are {names}")
            return [inputs[n] for n in names]
        flat = flatten(inputs)
        if len(flat) != len(self._inputs):
            raise InvalidArgumentError(f"model {self.name!r} expects {len(self._inputs)} input(s) "
                                       f"({', '.join(self.input_names)}), but it received {len(flat)}")
        return flat

    def _run_graph(self, inputs, run_layer):
        # Sequential rebuilds its graph as layers are added: the plan follows the node list it was made for.
        nodes, last_readers = self.__dict__.get("_release_plan", (None, None))
        if nodes is not self._nodes:
            last_readers = _last_readers(self._nodes, self._outputs)
            self.__dict__["_release_plan"] = (self._nodes, last_readers)
        values = {}
        for tensor, value in zip(self._inputs, self._flat_call_inputs(inputs)):
            values[id(tensor)] = value
        for node in self._nodes:
            if node.is_input:
                continue
            args, kwargs = map_structure(lambda x: values[id(x)] if isinstance(x, KerasTensor) else x,
                                         (node.call_args, node.call_kwargs))
            outputs = run_layer(node.operation, args, kwargs)
            for symbolic, value in zip(node.outputs, flatten(outputs)):
                values[id(symbolic)] = value
            for finished in last_readers.get(id(node), ()):
                del values[finished]
        return map_structure(lambda t: values[id(t)], self._outputs_struct)

    def call(self, inputs, training=None, mask=None):
        def standardize(symbolic, value):
            value = lookup("convert_to_tensor")(value)
            if value.dtype != symbolic.dtype:
                value = lookup("cast")(value, symbolic.dtype)
            # Like Keras, (batch,) feeds an input of shape (batch, 1) and the other way round.
            if value.ndim == len(symbolic.shape) - 1 and symbolic.shape[-1] == 1:
                value = lookup("expand_dims")(value, -1)
            elif value.ndim == len(symbolic.shape) + 1 and value.shape[-1] == 1:
                value = lookup("squeeze")(value, -1)
            return value

        flat = [standardize(t, v) for t, v in zip(self._inputs, self._flat_call_inputs(inputs))]
        return self._run_graph(flat, lambda layer, args, kwargs: layer(*args, **kwargs))

    def compute_output_spec(self, inputs, training=None, mask=None):
        return self._run_graph(inputs, lambda layer, args, kwargs: layer.compute_output_spec(*args, **kwargs))

    def compute_output_shape(self, input_shape):
        if isinstance(input_shape, dict):
            symbolic = {key: KerasTensor(shape) for key, shape in input_shape.items()}
        elif len(self._inputs) == 1:
            symbolic = KerasTensor(input_shape, dtype=self._inputs[0].dtype)
        else:
            symbolic = [KerasTensor(shape, dtype=t.dtype) for shape, t in zip(input_shape, self._inputs)]
        return map_structure(lambda t: t.shape, self.compute_output_spec(symbolic))

    # --- config ----------------------------------------------------------------------------------
    def get_build_config(self):
        # A functional model is built by its construction; Keras records no input shape for it.
        return {"input_shape": None}

    def get_config(self):
        """Keras 3's functional config: layers with their inbound nodes, input_layers and output_layers."""
        # input_layers/output_layers number only this graph's nodes of a layer, and Keras 3 counts a nested
        # functional model's construction there (not a Sequential's), unlike in inbound nodes (_serialize_node).
        reindexed = {}
        for layer in self._functional_layers:
            kept = 1 if isinstance(layer, Functional) else 0
            for node in layer._inbound_nodes:
                if id(node) in self._node_ids:
                    reindexed[id(node)] = kept
                    kept += 1
        layer_configs = []
        for layer in self._functional_layers:
            layer_config = serialization.serialize_keras_object(layer)
            layer_config["name"] = layer.name
            layer_config["inbound_nodes"] = [self._serialize_node(node) for node in layer._inbound_nodes
                                             if id(node) in self._node_ids and not node.is_input]
            layer_configs.append(layer_config)

        def tensor_reference(tensor):
            history = tensor._keras_history
            return [history.operation.name, reindexed[id(_producing_node(tensor))], history.tensor_index]

        def references(structure):
            if isinstance(structure, KerasTensor):
                return tensor_reference(structure)
            return map_structure(tensor_reference, structure)

        return {"name": self.name, "trainable": self.trainable, "layers": layer_configs,
                "input_layers": references(self._inputs_struct), "output_layers": references(self._outputs_struct)}

    def _serialize_node(self, node):
        def serialize(value):
            if not isinstance(value, KerasTensor):
                return serialization.serialize_keras_object(value)
            history = value._keras_history
            earlier = history.operation._inbound_nodes[:history.node_index]
            node_index = sum(1 for n in earlier if id(n) in self._node_ids)
            return {"class_name": "__keras_tensor__",
                    "config": {"shape": list(value.shape), "dtype": value.dtype,
                               "keras_history": [history.operation.name, node_index, history.tensor_index]}}

        return {"args": [map_structure(serialize, arg) for arg in node.call_args],
                "kwargs": {key: map_structure(serialize, value) for key, value in node.call_kwargs.items()}}


def is_functional_config(config):
    return isinstance(config, dict) and all(key in config for key in ("layers", "input_layers", "output_layers"))


def functional_from_config(cls, config, custom_objects=None):
    """Rebuild a functional model from its config (Keras 3 form, or Keras 2's nested-list inbound nodes)."""
    config = dict(config)
    layer_entries = config.pop("layers")
    input_layers = config.pop("input_layers")
    output_layers = config.pop("output_layers")
    name = config.pop("name", None)
    trainable = config.pop("trainable", None)
    for ignored in ("dtype", "build_input_shape"):
        config.pop(ignored, None)
    created = {}
    pending = {}
    for entry in layer_entries:
        if not isinstance(entry, dict) or "name" not in entry and "config" not in entry:
            raise ModelFormatError(f"model {name!r}: a layer entry must be a dict with a name, got {entry!r}")
        layer = serialization.deserialize_keras_object(entry, custom_objects=custom_objects)
        if not isinstance(layer, Layer):
            raise ModelFormatError(f"model {name!r}: entry {entry.get('name')!r} is a {type(layer).__name__}, "
                                   "not a layer")
        layer_name = entry.get("name") or layer.name
        created[layer_name] = layer
        nodes = entry.get("inbound_nodes") or []
        if nodes:
            pending[layer_name] = list(nodes)

    def layer_named(layer_name):
        if layer_name not in created:
            raise ModelFormatError(f"model {name!r}: a node refers to layer {layer_name!r}, which the config does "
                                   "not define")
        return created[layer_name]

    def node_output(layer_name, node_index, tensor_index, offset):
        layer = layer_named(layer_name)
        call_index = node_index - (offset if isinstance(layer, Model) else 0)
        # A negative index would silently read a node from the end of the list (for a nested model's node 0
        # under Keras 2 numbering: its construction, which is no call in this graph).
        if call_index < 0 or tensor_index < 0:
            raise ModelFormatError(f"model {name!r}: node {node_index}, output {tensor_index} of layer "
                                   f"{layer_name!r} names no call of that layer in this graph")
        if call_index >= len(layer._inbound_nodes):
            raise IndexError(layer_name)
        outputs = layer._inbound_nodes[call_index].outputs
        if tensor_index >= len(outputs):
            raise ModelFormatError(f"model {name!r}: layer {layer_name!r} has no output {tensor_index}")
        return outputs[tensor_index]

    def keras3_tensor(value):
        if isinstance(value, dict) and value.get("class_name") == "__keras_tensor__":
            layer_name, node_index, tensor_index = value["config"]["keras_history"]
            return node_output(layer_name, node_index, tensor_index, 0)
        if isinstance(value, dict) and "class_name" in value:
            return serialization.deserialize_keras_object(value, custom_objects=custom_objects)
        if isinstance(value, dict):
            return {k: keras3_tensor(v) for k, v in value.items()}
        if isinstance(value, list):
            return [keras3_tensor(v) for v in value]
        return value

    def run_node(layer, node_data):
        if isinstance(node_data, dict):
            args = [keras3_tensor(arg) for arg in node_data.get("args", [])]
            kwargs = {k: keras3_tensor(v) for k, v in node_data.get("kwargs", {}).items()}
            layer(*args, **kwargs)
            return
        # Keras 2: [[layer_name, node_index, tensor_index, kwargs], ...] for the node's input tensors.
        tensors = []
        kwargs = {}
        for reference in node_data:
            tensors.append(node_output(reference[0], reference[1], reference[2],
                                       getattr(layer_named(reference[0]), "_legacy_node_offset", 0)))
            if len(reference) > 3 and reference[3]:
                kwargs.update(reference[3])
        layer(tensors[0] if len(tensors) == 1 else tensors, **kwargs)

    while pending:
        progressed = False
        for entry in layer_entries:
            layer_name = entry.get("name")
            if layer_name not in pending:
                continue
            nodes = pending[layer_name]
            while nodes:
                try:
                    run_node(created[layer_name], nodes[0])
                except IndexError:
                    break
                nodes.pop(0)
                progressed = True
            if not nodes:
                del pending[layer_name]
        if not progressed:
            raise ModelFormatError(f"model {name!r}: the inbound nodes of layers {sorted(pending)} refer to layer "
                                   "outputs that never appear (a disconnected or malformed graph)")

    def tensors_of(references, legacy):
        if isinstance(references, list) and len(references) == 3 and isinstance(references[0], str):
            layer = layer_named(references[0])
            offset = getattr(layer, "_legacy_node_offset", 0) if legacy else (
                1 if isinstance(layer, Functional) else 0)
            return node_output(references[0], references[1], references[2], offset)
        if isinstance(references, dict):
            return {k: tensors_of(v, legacy) for k, v in references.items()}
        return [tensors_of(r, legacy) for r in references]

    legacy = any(not isinstance(node, dict) for entry in layer_entries for node in entry.get("inbound_nodes") or [])
    try:
        inputs = tensors_of(input_layers, legacy)
        outputs = tensors_of(output_layers, legacy)
    except IndexError as exc:
        raise ModelFormatError(f"model {name!r}: input_layers/output_layers refer to a node of layer {exc} that "
                               "does not exist") from None
    if legacy and isinstance(inputs, list) and len(inputs) == 1:
        inputs = inputs[0]
    if legacy and isinstance(outputs, list) and len(outputs) == 1:
        outputs = outputs[0]
    return cls(inputs=inputs, outputs=outputs, name=name, trainable=True if trainable is None else trainable,
               **config)


def _last_readers(nodes, outputs):
    """{id(node): [ids of the symbolic tensors it is the last to read]}, the model's outputs left out. A forward
    pass drops each value after its last reader: holding all of EfficientNet-Lite0's activations at batch 32 grew
    the heap to 2.5 GB, which every forward then page-faulted in again (1.8 s a forward against 0.9 s)."""
    last = {}
    for node in nodes:
        if node.is_input:
            continue
        for value in flatten((node.call_args, node.call_kwargs)):
            if isinstance(value, KerasTensor):
                last[id(value)] = node
    returned = {id(tensor) for tensor in outputs}
    readers = collections.defaultdict(list)
    for key, node in last.items():
        if key not in returned:
            readers[id(node)].append(key)
    return dict(readers)

"""Symbolic tensors and graph nodes for the functional API.

A `KerasTensor` is a placeholder with a shape (None for unknown dimensions,
the batch one first) and a dtype. Calling a layer on KerasTensors computes no
values: the layer records a `Node` (its input tensors, its call arguments and
the output KerasTensors), and each output remembers the layer, node index and
tensor index that produced it in `_keras_history`. A functional `Model` walks
these nodes back from its outputs to its inputs.

Masks (for Embedding(mask_zero=True) and RNNs) travel beside eager tensors in
a registry keyed by tensor identity, since engine tensors have no attribute
slots to spare; a mask disappears with its tensor.
"""
import collections
import itertools
import weakref

from ..dtypes import as_dtype
from ..errors import UnimplementedError
from ..tensor import Tensor

__all__ = ["KerasTensor", "Node", "KerasHistory", "get_keras_mask", "set_keras_mask", "is_keras_tensor"]

KerasHistory = collections.namedtuple("KerasHistory", ["operation", "node_index", "tensor_index"])

_tensor_names = itertools.count()
_MASKS = {}


def _symbolic_operation_error(what):
    return UnimplementedError(
        f"{what} on a symbolic KerasTensor is not supported: functional models are built from layers only; "
        "use keras layers (Add, Multiply, Reshape, Activation, ...) or a custom Layer subclass instead")


class KerasTensor:
    """A symbolic tensor of a functional model: shape, dtype and the layer call that produced it."""

    def __init__(self, shape, dtype="float32", sparse=False, name=None):
        self.shape = tuple(None if d is None else int(d) for d in shape)
        self.dtype = as_dtype(dtype).name
        self.sparse = sparse
        self.name = name if name is not None else f"keras_tensor_{next(_tensor_names)}"
        self._keras_history = None
        self._keras_mask = None

    @property
    def ndim(self):
        return len(self.shape)

    @property
    def rank(self):
        return len(self.shape)

    def __repr__(self):
        return f"<KerasTensor shape={self.shape}, dtype={self.dtype}, sparse={self.sparse}, name={self.name}>"

    def numpy(self):
        raise UnimplementedError(f"{self.name} is a symbolic KerasTensor of a functional model and has no value; "
                                 "call the model on data to get values")

    def __array__(self, dtype=None, copy=None):
        return self.numpy()

    def __bool__(self):
        raise TypeError(f"a symbolic KerasTensor ({self.name}) has no truth value")

    def __hash__(self):
        return id(self)

    def __eq__(self, other):
        return self is other

    def __getitem__(self, key):
        raise _symbolic_operation_error("indexing")

    def _arithmetic(self, *_):
        raise _symbolic_operation_error("arithmetic")

    __add__ = __radd__ = __sub__ = __rsub__ = __mul__ = __rmul__ = _arithmetic
    __truediv__ = __rtruediv__ = __matmul__ = __rmatmul__ = __pow__ = __neg__ = _arithmetic


def is_keras_tensor(value):
    return isinstance(value, KerasTensor)


def flatten(structure):
    """Leaves of nested lists, tuples and dicts, dicts in insertion order."""
    if isinstance(structure, dict):
        return [leaf for value in structure.values() for leaf in flatten(value)]
    if isinstance(structure, (list, tuple)):
        return [leaf for item in structure for leaf in flatten(item)]
    return [structure]


def map_structure(fn, structure):
    if isinstance(structure, dict):
        return {key: map_structure(fn, value) for key, value in structure.items()}
    if isinstance(structure, (list, tuple)):
        items = [map_structure(fn, item) for item in structure]
        return type(structure)(*items) if hasattr(structure, "_fields") else type(structure)(items)
    return fn(structure)


def any_symbolic(*structures):
    return any(isinstance(leaf, KerasTensor) for structure in structures for leaf in flatten(structure))


class Node:
    """One call of a layer on symbolic inputs: what went in, what came out.

    `call_args`/`call_kwargs` keep the call's structure with the KerasTensors in
    place, so the call can be replayed on real tensors and written to a config.
    """

    def __init__(self, operation, call_args=(), call_kwargs=None, outputs=()):
        self.operation = operation
        self.call_args = tuple(call_args)
        self.call_kwargs = dict(call_kwargs or {})
        self.input_tensors = [t for t in flatten((self.call_args, self.call_kwargs)) if isinstance(t, KerasTensor)]
        self.output_structure = outputs
        self.outputs = [t for t in flatten(outputs) if isinstance(t, KerasTensor)]
        node_index = len(operation._inbound_nodes)
        operation._inbound_nodes.append(self)
        for tensor in self.input_tensors:
            if tensor._keras_history is not None:
                tensor._keras_history.operation._outbound_nodes.append(self)
        for tensor_index, tensor in enumerate(self.outputs):
            tensor._keras_history = KerasHistory(operation, node_index, tensor_index)

    @property
    def is_input(self):
        return not self.input_tensors

    @property
    def parent_nodes(self):
        """The nodes that produced this node's inputs, in input order."""
        parents = []
        for tensor in self.input_tensors:
            history = tensor._keras_history
            if history is not None:
                parents.append(history.operation._inbound_nodes[history.node_index])
        return parents

    def __repr__(self):
        return f"<Node of {self.operation.name}: {len(self.input_tensors)} inputs, {len(self.outputs)} outputs>"


def get_keras_mask(tensor):
    if isinstance(tensor, KerasTensor):
        return tensor._keras_mask
    if isinstance(tensor, Tensor):
        return _MASKS.get(id(tensor))
    return None


def set_keras_mask(tensor, mask):
    """Attach `mask` to `tensor` (None removes it); the mask is dropped when the tensor dies."""
    if isinstance(tensor, KerasTensor):
        tensor._keras_mask = mask
        return
    if not isinstance(tensor, Tensor):
        return
    key = id(tensor)
    if mask is None:
        _MASKS.pop(key, None)
        return
    if key not in _MASKS:
        weakref.finalize(tensor, _MASKS.pop, key, None)
    _MASKS[key] = mask

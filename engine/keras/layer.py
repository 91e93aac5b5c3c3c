"""Layer: the Keras 3 base class (lazy build, weights, call, config).

A layer creates its weights in `build(input_shape)` with `add_weight`, which
`__call__` runs on the first call with the input's shape, and computes in
`call(inputs, training=None, mask=None)` with public ops only.

Tracking: weights made by `add_weight` or assigned as Variable attributes are
the layer's own, in creation order; sublayers are found among the attributes
(also inside lists, tuples and dicts) in assignment order. `weights` lists the
own trainable weights, the own non-trainable ones, then each sublayer's, as
Keras 3 does.

Calls on symbolic `KerasTensor`s (functional models) are handled by
`SymbolicCallMixin` (symbolic_call.py).
"""
import collections
import inspect
import threading
import weakref

import numpy as np

from .._export import lookup
from ..dtypes import as_dtype
from ..errors import InvalidArgumentError, UnimplementedError
from ..tensor import Tensor, Variable
from . import constraints, initializers, regularizers, serialization
from .input_spec import InputSpec, assert_input_compatibility
from .keras_tensor import KerasTensor, any_symbolic, flatten, get_keras_mask, map_structure, set_keras_mask
from .layer_utils import (as_shape_structure, auto_config, first_input, is_scalar_number, serialize_dtype_policy,
                          shapes_of, standardize_dtype_policy, to_snake_case, unique_object_name)
from .symbolic_call import SymbolicCallMixin

__all__ = ["Layer", "InputSpec", "KerasTensor"]

_context = threading.local()


# --- call context (training flag propagation) ------------------------------------------------
def _call_stack():
    stack = getattr(_context, "stack", None)
    if stack is None:
        stack = _context.stack = []
    return stack


def _outer_training():
    for value in reversed(_call_stack()):
        if value is not None:
            return value
    return None


def _recording_build(build):
    """Wrap a subclass's `build` so the outermost call records its shapes and marks the layer built."""

    def build_wrapper(self, *args, **kwargs):
        depth = self.__dict__.get("_build_depth", 0)
        object.__setattr__(self, "_build_depth", depth + 1)
        try:
            result = build(self, *args, **kwargs)
        finally:
            object.__setattr__(self, "_build_depth", depth)
        if depth == 0:
            bound = inspect.signature(build).bind(self, *args, **kwargs)
            self._build_shapes_dict = {k: v for k, v in list(bound.arguments.items())[1:]}
            self.built = True
        return result

    build_wrapper.__wrapped__ = build
    build_wrapper.__name__ = build.__name__
    build_wrapper.__doc__ = build.__doc__
    build_wrapper._records_build = True
    return build_wrapper



# Layers holding add_loss() values not yet cleared by an outermost call.
_LAYERS_WITH_LOSSES = weakref.WeakSet()

class Layer(SymbolicCallMixin):
    """Base class of every layer (Keras 3 semantics; see the module docstring for tracking and shapes)."""

    _keras_module = "keras.layers"

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        build = cls.__dict__.get("build")
        if build is not None and not getattr(build, "_records_build", False):
            cls.build = _recording_build(build)
        # Every layer class of the engine's keras package is a built-in Keras class, published by class name.
        if cls.__module__.startswith("engine.keras.") and not cls.__name__.startswith("_"):
            serialization.register_builtin(cls, cls._keras_module)

    def __new__(cls, *args, **kwargs):
        obj = super().__new__(cls)
        # Only a class without its own get_config needs its constructor arguments remembered.
        remembered = auto_config(cls, args, kwargs) if cls.get_config is Layer.get_config else None
        object.__setattr__(obj, "_auto_config", remembered)
        return obj

    def __init__(self, *, activity_regularizer=None, trainable=True, dtype=None, autocast=True, name=None,
                 **kwargs):
        cls_name = type(self).__name__
        input_dim = kwargs.pop("input_dim", None)
        input_shape = (input_dim,) if input_dim is not None else kwargs.pop("input_shape", None)
        batch_size = kwargs.pop("batch_size", None)
        batch_input_shape = kwargs.pop("batch_input_shape", None) or kwargs.pop("batch_shape", None)
        if kwargs:
            raise InvalidArgumentError(f"Unrecognized keyword arguments passed to {cls_name}: {kwargs}")
        if not isinstance(trainable, (bool, np.bool_)):
            raise InvalidArgumentError(f"{cls_name}: trainable must be a boolean, got {trainable!r}")
        self._trainable_variables = []
        self._non_trainable_variables = []
        self._weight_regularizers = []
        self._losses = []
        self._inbound_nodes = []
        self._outbound_nodes = []
        self._build_shapes_dict = None
        self._input_spec = None
        self._trainable = bool(trainable)
        self._dtype = standardize_dtype_policy(dtype, cls_name)
        self.name = name if name is not None else unique_object_name(to_snake_case(cls_name))
        if not isinstance(self.name, str) or not self.name:
            raise InvalidArgumentError(f"{cls_name}: name must be a non-empty string, got {self.name!r}")
        self.activity_regularizer = regularizers.get(activity_regularizer)
        self.autocast = autocast
        self.supports_masking = type(self).compute_mask is not Layer.compute_mask
        if batch_input_shape is not None:
            self._input_shape_arg = tuple(batch_input_shape)
        elif input_shape is not None:
            self._input_shape_arg = (batch_size, *input_shape)
        else:
            self._input_shape_arg = None
        call_parameters = inspect.signature(self.call).parameters
        self._call_has_training_arg = "training" in call_parameters
        self._call_has_mask_arg = "mask" in call_parameters
        training_default = call_parameters["training"].default if self._call_has_training_arg else None
        self._call_training_default = None if training_default is inspect.Parameter.empty else training_default
        # A layer that does not override build() has nothing to create from shapes.
        self.built = type(self).build is Layer.build

    # --- tracking -------------------------------------------------------------------------
    def __setattr__(self, name, value):
        if isinstance(value, Variable) and "_trainable_variables" in self.__dict__:
            self._track_variable(value)
        object.__setattr__(self, name, value)

    def _track_variable(self, variable):
        if any(v is variable for v in self._trainable_variables + self._non_trainable_variables):
            return
        (self._trainable_variables if variable.trainable else self._non_trainable_variables).append(variable)
        if not self.trainable:
            variable.trainable = False

    def _has_own_build(self):
        return type(self).build is not Layer.build

    def _check_super_called(self):
        if "_trainable_variables" not in self.__dict__:
            raise RuntimeError(f"In layer {type(self).__name__!r}, you forgot to call `super().__init__()` as the "
                               "first statement of `__init__()`")

    @property
    def _layers(self):
        """Direct sublayers, in the order their attributes were first assigned."""
        found = []
        seen = {id(self)}

        def visit(value):
            if isinstance(value, Layer):
                if id(value) not in seen:
                    seen.add(id(value))
                    found.append(value)
            elif isinstance(value, (list, tuple)):
                for item in value:
                    visit(item)
            elif isinstance(value, dict):
                for item in value.values():
                    visit(item)

        for key, value in self.__dict__.items():
            if key not in ("_inbound_nodes", "_outbound_nodes"):
                visit(value)
        return found

    def _flatten_layers(self, include_self=True, recursive=True):
        layers = [self] if include_self else []
        seen = {id(self)}
        queue = collections.deque(self._layers)
        while queue:
            layer = queue.popleft()
            if id(layer) in seen:
                continue
            seen.add(id(layer))
            layers.append(layer)
            if recursive:
                queue.extendleft(reversed(layer._layers))
        return layers

    def _own_variables(self):
        own = self._trainable_variables + self._non_trainable_variables
        ids = {id(v) for v in own}
        for key, value in self.__dict__.items():
            if isinstance(value, (list, tuple, dict)) and key not in ("_trainable_variables",
                                                                        "_non_trainable_variables"):
                for leaf in flatten(value):
                    if isinstance(leaf, Variable) and id(leaf) not in ids:
                        ids.add(id(leaf))
                        own.append(leaf)
        return own

    @property
    def weights(self):
        """Own weights (trainable, then non-trainable, each in creation order), then each sublayer's."""
        result = []
        seen = set()
        for variable in self._own_variables():
            if id(variable) not in seen:
                seen.add(id(variable))
                result.append(variable)
        for layer in self._layers:
            for variable in layer.weights:
                if id(variable) not in seen:
                    seen.add(id(variable))
                    result.append(variable)
        return result

    variables = weights

    @property
    def trainable_weights(self):
        if not self.trainable:
            return []
        return [v for v in self.weights if v.trainable]

    @property
    def non_trainable_weights(self):
        if not self.trainable:
            return self.weights
        return [v for v in self.weights if not v.trainable]

    trainable_variables = trainable_weights
    non_trainable_variables = non_trainable_weights

    @property
    def trainable(self):
        return self._trainable

    @trainable.setter
    def trainable(self, value):
        """Freeze or unfreeze the layer, its weights and all its sublayers."""
        value = bool(value)
        self._trainable = value
        for variable in self._trainable_variables:
            variable.trainable = value
        for layer in self._layers:
            layer.trainable = value

    def get_weights(self):
        return [v.numpy() for v in self.weights]

    def set_weights(self, weights):
        """Assign numpy arrays to `weights`, in the same order; shapes must match exactly."""
        own = self.weights
        weights = list(weights)
        if len(weights) != len(own):
            raise InvalidArgumentError(
                f"You called set_weights(weights) on layer {self.name!r} with a weight list of length "
                f"{len(weights)}, but the layer was expecting {len(own)} weights "
                f"({', '.join(v.name for v in own) or 'none: is it built?'})")
        for variable, value in zip(own, weights):
            value = np.asarray(value.numpy() if isinstance(value, Tensor) else value)
            if tuple(value.shape) != tuple(variable.shape):
                raise InvalidArgumentError(
                    f"Layer {self.name!r} weight {variable.name!r} has shape {tuple(variable.shape)}, which is not "
                    f"compatible with the provided weight shape {tuple(value.shape)}")
        for variable, value in zip(own, weights):
            value = np.asarray(value.numpy() if isinstance(value, Tensor) else value)
            variable.assign(value.astype(variable.dtype.name, copy=False))

    def count_params(self):
        if not self.built:
            raise InvalidArgumentError(f"You tried to call count_params on layer {self.name!r}, but the layer "
                                       "isn't built. You can build it manually via: layer.build(input_shape)")
        return int(sum(np.prod(v.shape, dtype=np.int64) for v in self.weights))

    # --- weights --------------------------------------------------------------------------
    def add_weight(self, shape=None, initializer=None, dtype=None, trainable=True, autocast=True,
                   regularizer=None, constraint=None, aggregation="none", name=None):
        """Create, track and return a Variable named `name` (Keras 3's arguments)."""
        self._check_super_called()
        shape = () if shape is None else tuple(shape)
        if any(d is None for d in shape):
            raise InvalidArgumentError(f"layer {self.name!r}: weight {name!r} needs a fully defined shape, "
                                       f"got {shape}")
        dtype = as_dtype(dtype or self._dtype)
        if initializer is None:
            initializer = "glorot_uniform" if dtype.is_floating else "zeros"
        initializer = initializers.get(initializer)
        value = initializer(shape, dtype=dtype)
        variable = Variable(value, trainable=trainable, name=name, dtype=dtype,
                            constraint=constraints.get(constraint))
        regularizer = regularizers.get(regularizer)
        if regularizer is not None:
            self._weight_regularizers.append((variable, regularizer))
        self._track_variable(variable)
        return variable

    add_variable = add_weight

    # --- losses -----------------------------------------------------------------------------
    def add_loss(self, loss):
        """Record a scalar loss tensor (from `call`); it shows in `losses` until the next outermost call."""
        for value in flatten(loss):
            if not isinstance(value, Tensor):
                raise InvalidArgumentError(f"layer {self.name!r}: add_loss() takes tensors, got {value!r}")
            self._losses.append(value)
            _LAYERS_WITH_LOSSES.add(self)

    @property
    def losses(self):
        """add_loss() losses of this layer and its sublayers, then the penalties of regularized trainable weights."""
        return self._losses_from(self._loss_sources())

    def _loss_sources(self):
        """What `losses` reads, found by walking the layer tree: (this layer and its sublayers, whose add_loss()
        values count, in order; [(variable, regularizer)] of the regularized trainable weights). A training loop
        keeps it while the tree cannot change, since the walk costs more than a small model's step."""
        layers = self._flatten_layers()
        regularizers_by_id = {}
        for layer in layers:
            for variable, regularizer in layer._weight_regularizers:
                regularizers_by_id[id(variable)] = regularizer
        regularized = [(variable, regularizers_by_id[id(variable)]) for variable in self.trainable_weights
                       if id(variable) in regularizers_by_id]
        return layers, regularized

    @staticmethod
    def _losses_from(sources):
        """The current `losses` of `sources` from _loss_sources()."""
        layers, regularized = sources
        losses = [loss for layer in layers for loss in layer._losses]
        losses.extend(regularizer(variable) for variable, regularizer in regularized)
        return losses

    def _clear_losses(self):
        # Every outermost call clears its layers' losses; without pending losses anywhere (the usual
        # case) that walk of the whole layer tree, hundreds of layers for an EfficientNet, is skipped.
        if not _LAYERS_WITH_LOSSES:
            return
        for layer in self._flatten_layers():
            if layer._losses:
                layer._losses.clear()
                _LAYERS_WITH_LOSSES.discard(layer)

    # --- dtypes and specs ------------------------------------------------------------------------
    @property
    def dtype(self):
        return self._dtype

    @property
    def compute_dtype(self):
        return self._dtype

    @property
    def variable_dtype(self):
        return self._dtype

    @property
    def dtype_policy(self):
        return serialize_dtype_policy(self._dtype)

    @property
    def input_spec(self):
        return self._input_spec

    @input_spec.setter
    def input_spec(self, value):
        self._input_spec = value

    # --- building -----------------------------------------------------------------------------
    def build(self, input_shape):
        """Create the weights for inputs of `input_shape`; the default has none to create."""
        self.built = True

    def get_build_config(self):
        shapes = self._build_shapes_dict
        if shapes is None:
            return None
        if len(shapes) == 1:
            return {"input_shape": next(iter(shapes.values()))}
        return {"shapes_dict": shapes}

    def build_from_config(self, config):
        if not config:
            return
        if "input_shape" in config:
            self.build(as_shape_structure(config["input_shape"]))
        elif "shapes_dict" in config:
            self.build(**{k: as_shape_structure(v) for k, v in config["shapes_dict"].items()})

    def _maybe_build(self, args, kwargs):
        if self.built:
            return
        if type(self).build is Layer.build:
            self.built = True
            return
        build_parameters = list(inspect.signature(self.build).parameters)
        if len(build_parameters) <= 1:
            self.build(shapes_of(first_input(self, args, kwargs)))
            return
        bound = inspect.signature(self.call).bind_partial(*args, **kwargs).arguments
        shapes = {}
        for parameter in build_parameters:
            argument = parameter[:-len("_shape")] if parameter.endswith("_shape") else parameter
            if argument in bound:
                shapes[parameter] = shapes_of(bound[argument])
        self.build(**shapes)

    # --- calling --------------------------------------------------------------------------------
    def call(self, inputs, *args, **kwargs):
        raise UnimplementedError(f"Layer {type(self).__name__} does not have a `call` method implemented")

    def compute_mask(self, inputs, previous_mask):
        return previous_mask

    def __call__(self, *args, **kwargs):
        self._check_super_called()
        if any_symbolic(args, kwargs):
            return self._symbolic_call(args, kwargs)
        args, kwargs = self._convert_inputs(args, kwargs)
        first = first_input(self, args, kwargs)
        assert_input_compatibility(self.input_spec, first, self.name)
        stack = _call_stack()
        outermost = not stack
        training = kwargs.get("training")
        if training is None:
            training = _outer_training()
        if training is None:
            training = self._call_training_default
        if self._call_has_training_arg:
            if training is not None:
                kwargs["training"] = training
        else:
            kwargs.pop("training", None)
        previous_mask = map_structure(get_keras_mask, first) if first is not None else None
        if self._call_has_mask_arg and kwargs.get("mask") is None and any(
                m is not None for m in flatten(previous_mask)):
            kwargs["mask"] = previous_mask
        elif not self._call_has_mask_arg:
            kwargs.pop("mask", None)
        if outermost:
            self._clear_losses()
        stack.append(training)
        try:
            if not self.built:
                self._maybe_build(args, kwargs)
                assert_input_compatibility(self.input_spec, first, self.name)
            outputs = self.call(*args, **kwargs)
            if self.activity_regularizer is not None:
                for output in flatten(outputs):
                    if isinstance(output, Tensor):
                        penalty = self.activity_regularizer(output)
                        if output.ndim > 0 and output.shape[0]:
                            penalty = penalty / float(output.shape[0])
                        self.add_loss(penalty)
        finally:
            stack.pop()
        self._propagate_mask(first, outputs, kwargs.get("mask", previous_mask))
        return outputs

    def _convert_inputs(self, args, kwargs):
        """Arrays and nested lists of numbers become tensors; float inputs take the layer's compute dtype."""
        def convert(value):
            if isinstance(value, (np.ndarray, np.generic)):
                value = lookup("convert_to_tensor")(value)
            if isinstance(value, Tensor) and self.autocast and value.dtype.is_floating \
                    and value.dtype.name != self.compute_dtype and not isinstance(value, Variable):
                value = lookup("cast")(value, self.compute_dtype)
            return value

        args = tuple(map_structure(convert, arg) if not is_scalar_number(arg) else arg for arg in args)
        if args and isinstance(args[0], (list, tuple)) and args[0] and all(is_scalar_number(v) for v in
                                                                          flatten(args[0])):
            args = (convert(np.asarray(args[0])),) + args[1:]
        for key in ("inputs", "x"):
            if key in kwargs:
                kwargs[key] = map_structure(convert, kwargs[key])
        return args, kwargs

    def _propagate_mask(self, inputs, outputs, previous_mask):
        if self.supports_masking:
            if previous_mask is None and type(self).compute_mask is Layer.compute_mask:
                return
            masks = self.compute_mask(inputs, previous_mask)
            if masks is None:
                return
            flat_outputs = flatten(outputs)
            flat_masks = flatten(masks) if isinstance(masks, (list, tuple)) else [masks] * len(flat_outputs)
            for output, mask in zip(flat_outputs, flat_masks):
                if mask is not None and get_keras_mask(output) is None:
                    set_keras_mask(output, mask)

    # --- config -----------------------------------------------------------------------------------
    def get_config(self):
        """Keras 3's base layer config; a custom layer without get_config also gets its __init__ arguments."""
        config = {"name": self.name, "trainable": self.trainable, "dtype": serialize_dtype_policy(self._dtype)}
        if self.activity_regularizer is not None:
            config["activity_regularizer"] = regularizers.serialize(self.activity_regularizer)
        if type(self).get_config is Layer.get_config and self._auto_config is not None:
            config = {**self._auto_config, **config}
        return config

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def __repr__(self):
        return f"<{type(self).__name__} name={self.name}, built={self.built}>"

    # --- graph introspection -----------------------------------------------------------------------
    def _single_node_tensors(self, attribute):
        if not self._inbound_nodes:
            raise InvalidArgumentError(f"layer {self.name!r} has never been called on a symbolic input, so it has "
                                       f"no defined {attribute}")
        if len(self._inbound_nodes) > 1:
            raise InvalidArgumentError(f"layer {self.name!r} has been called {len(self._inbound_nodes)} times, so "
                                       f"its {attribute} is ambiguous; use the node's tensors instead")
        node = self._inbound_nodes[0]
        tensors = node.outputs if attribute == "output" else node.input_tensors
        return tensors[0] if len(tensors) == 1 else list(tensors)

    @property
    def input(self):
        return self._single_node_tensors("input")

    @property
    def output(self):
        return self._single_node_tensors("output")



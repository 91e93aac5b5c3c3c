"""`Sequential`: a plain stack of layers, each feeding the next.

With an input shape (an `Input` first, or a first layer given `input_shape=`)
the model builds at once as a functional graph; without one it builds on its
first call, or when `build(input_shape)` is called.
"""
from ...errors import InvalidArgumentError
from ..keras_tensor import get_keras_mask, map_structure
from .. import serialization
from ..layer import Layer
from ..layers.core import InputLayer
from .functional import Functional
from .model import Model

__all__ = ["Sequential"]


def _is_shape(value):
    return isinstance(value, (list, tuple)) and all(d is None or isinstance(d, int) for d in value)


class Sequential(Model):
    """A linear stack of layers (Keras 3 semantics: `add`, `pop`, deferred build)."""

    _keras_module = "keras"
    # Keras 2 configs count a built Sequential's construction as its node 0.
    _legacy_node_offset = 1

    def __init__(self, layers=None, trainable=True, name=None, **kwargs):
        super().__init__(trainable=trainable, name=name, **kwargs)
        self._sequential_layers = []
        self._functional = None
        for layer in layers or []:
            self.add(layer, rebuild=False)
        if self._sequential_layers:
            self._maybe_rebuild()

    @property
    def _layers(self):
        return list(self._sequential_layers)

    @property
    def layers(self):
        """The model's layers, without the InputLayer."""
        layers = self._sequential_layers
        return list(layers[1:] if layers and isinstance(layers[0], InputLayer) else layers)

    def add(self, layer, rebuild=True):
        """Append a layer (or an `Input` tensor, which sets the model's input shape)."""
        history = getattr(layer, "_keras_history", None)
        if history is not None and isinstance(history.operation, InputLayer):
            layer = history.operation
        if not isinstance(layer, Layer):
            raise InvalidArgumentError(f"Only instances of keras Layer can be added to a Sequential model; received "
                                       f"{layer!r} of type {type(layer).__name__}")
        if any(other.name == layer.name and other is not layer for other in self._sequential_layers):
            raise InvalidArgumentError(f"All layers added to a Sequential model should have unique names. Name "
                                       f"{layer.name!r} is already the name of a layer in model {self.name!r}")
        if isinstance(layer, InputLayer) and self._sequential_layers and isinstance(self._sequential_layers[0],
                                                                                   InputLayer):
            raise InvalidArgumentError(
                f"Sequential model {self.name!r} has already been configured to use input shape "
                f"{self._sequential_layers[0].batch_shape}. You cannot add a different Input layer to it.")
        if not self._sequential_layers and not isinstance(layer, InputLayer) and layer._input_shape_arg is not None:
            self._sequential_layers.append(InputLayer(batch_shape=layer._input_shape_arg))
        self._sequential_layers.append(layer)
        self.built = False
        self._functional = None
        if rebuild:
            self._maybe_rebuild()

    def pop(self, rebuild=True):
        """Remove and return the last layer."""
        if not self.layers:
            raise InvalidArgumentError(f"There are no layers in model {self.name!r} to pop")
        layer = self._sequential_layers.pop()
        self.built = False
        self._functional = None
        if rebuild:
            self._maybe_rebuild()
        return layer

    def _maybe_rebuild(self):
        self.built = False
        self._functional = None
        first = self._sequential_layers[0]
        if isinstance(first, InputLayer) and len(self._sequential_layers) > 1:
            self.build(first.batch_shape)
        elif isinstance(first, Model):
            # A built model first (a feature extractor) fixes the input shape too.
            input_shape = getattr(first, "input_shape", None)
            if _is_shape(input_shape):
                self.build(input_shape)

    def build(self, input_shape=None):
        """Build as a functional graph from an InputLayer of `input_shape` (batch dimension included)."""
        if input_shape is None and self._sequential_layers and isinstance(self._sequential_layers[0], InputLayer):
            input_shape = self._sequential_layers[0].batch_shape
        if not _is_shape(input_shape):
            raise InvalidArgumentError(f"Sequential model {self.name!r}: build() needs the input shape (batch "
                                       f"dimension included) as a tuple of ints and Nones, got {input_shape!r}")
        input_shape = tuple(input_shape)
        if not self._sequential_layers:
            raise InvalidArgumentError(f"Sequential model {self.name!r} cannot be built because it has no layers. "
                                       "Call model.add(layer).")
        first = self._sequential_layers[0]
        if isinstance(first, InputLayer):
            if tuple(first.batch_shape) != input_shape:
                raise InvalidArgumentError(
                    f"Sequential model {self.name!r} has already been configured to use input shape "
                    f"{first.batch_shape}. You cannot build it with input_shape {input_shape}")
        else:
            self._sequential_layers.insert(0, InputLayer(batch_shape=input_shape, dtype=first.compute_dtype))
        inputs = self._sequential_layers[0].output
        x = inputs
        for layer in self._sequential_layers[1:]:
            x = layer(x)
        self._functional = Functional(inputs=inputs, outputs=x, name=f"{self.name}_graph")
        self._build_shapes_dict = {"input_shape": input_shape}
        self.built = True

    def _maybe_build(self, args, kwargs):
        if self.built:
            return
        first = args[0] if args else next(iter(kwargs.values()), None)
        shape = tuple(first.shape) if hasattr(first, "shape") else None
        if shape is not None and shape:
            # The batch size of the first call is not part of the model.
            self.build((None, *shape[1:]))
        if not self.built:
            super()._maybe_build(args, kwargs)

    def call(self, inputs, training=None, mask=None):
        if self._functional is not None:
            return self._functional(inputs, training=training)
        outputs = inputs
        for layer in self.layers:
            kwargs = {}
            if layer._call_has_mask_arg and mask is not None:
                kwargs["mask"] = mask
            if layer._call_has_training_arg and training is not None:
                kwargs["training"] = training
            outputs = layer(inputs, **kwargs)
            inputs = outputs
            mask = map_structure(get_keras_mask, outputs)
        return outputs

    def compute_output_spec(self, inputs, training=None, mask=None):
        if self._functional is not None:
            return self._functional.compute_output_spec(inputs)
        for layer in self.layers:
            inputs = layer.compute_output_spec(inputs)
        return inputs

    def compute_output_shape(self, input_shape):
        if self._functional is not None:
            return self._functional.compute_output_shape(input_shape)
        from ..keras_tensor import KerasTensor
        return self.compute_output_spec(KerasTensor(input_shape)).shape

    # --- graph views -----------------------------------------------------------------------------
    def _graph(self, what):
        if self._functional is None:
            raise AttributeError(f"Sequential model {self.name!r} has no defined {what} yet: it is not built. "
                                 "Give it an Input, call it on data or call build(input_shape)")
        return getattr(self._functional, what)

    @property
    def inputs(self):
        return self._graph("inputs")

    @property
    def outputs(self):
        return self._graph("outputs")

    @property
    def input(self):
        return self._graph("input")

    @property
    def output(self):
        return self._graph("output")

    @property
    def input_shape(self):
        return self._graph("input_shape")

    @property
    def output_shape(self):
        return self._graph("output_shape")

    # --- config ----------------------------------------------------------------------------------
    def get_config(self):
        config = super().get_config()
        config["layers"] = [serialization.serialize_keras_object(layer) for layer in self._sequential_layers]
        if self._functional is not None:
            config["build_input_shape"] = list(self._sequential_layers[0].batch_shape)
        return config

    def get_build_config(self):
        if self._functional is None:
            return None
        return {"input_shape": list(self._sequential_layers[0].batch_shape)}

    def build_from_config(self, config):
        if config and "input_shape" in config and not self.built:
            self.build(tuple(config["input_shape"]))

    @classmethod
    def from_config(cls, config, custom_objects=None):
        if isinstance(config, list):
            name, build_input_shape, layer_configs = None, None, config
        else:
            name = config.get("name")
            build_input_shape = config.get("build_input_shape")
            layer_configs = config.get("layers")
            if not isinstance(layer_configs, list):
                raise InvalidArgumentError(f"Sequential config {name!r} has no 'layers' list")
        model = cls(name=name, trainable=True if isinstance(config, list) else config.get("trainable", True))
        for layer_config in layer_configs:
            model.add(serialization.deserialize_keras_object(layer_config, custom_objects=custom_objects),
                      rebuild=False)
        if model._sequential_layers:
            model._maybe_rebuild()
        if not model.built and build_input_shape:
            model.build(tuple(build_input_shape))
        return model

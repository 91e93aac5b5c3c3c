"""`Model`: a Layer with the training loop (Trainer), layer access, summary and saving.

`Model(inputs, outputs)` makes a functional model (an instance of `Functional`,
a Model subclass); subclassing `Model` and writing `call` makes a subclassed
one whose layers are the Layer attributes (also inside lists and dicts).
"""
import numpy as np

from ... import runtime
from ..._export import lookup
from ...errors import InvalidArgumentError
from ..keras_tensor import map_structure
from ..layer import Layer
from ..trainer import Trainer
from .summary import print_summary

__all__ = ["Model"]


def _is_functional_call(args, kwargs):
    return "inputs" in kwargs and "outputs" in kwargs or len(args) >= 2 or (len(args) == 1 and "outputs" in kwargs)


class Model(Trainer, Layer):
    """A trainable stack of layers: functional (`Model(inputs, outputs)`) or subclassed (override `call`)."""

    _keras_module = "keras.src.models.model"

    def __new__(cls, *args, **kwargs):
        if cls is Model and _is_functional_call(args, kwargs):
            from .functional import Functional
            return Functional.__new__(Functional, *args, **kwargs)
        return super().__new__(cls, *args, **kwargs)

    def __init__(self, *args, **kwargs):
        if type(self) is Model and (args or "inputs" in kwargs):
            raise InvalidArgumentError("Model(inputs, outputs) needs both inputs and outputs")
        trainable = kwargs.pop("trainable", True)
        name = kwargs.pop("name", None)
        dtype = kwargs.pop("dtype", None)
        Trainer.__init__(self)
        Layer.__init__(self, trainable=trainable, name=name, dtype=dtype, **kwargs)
        self.stop_training = False

    # --- layers -----------------------------------------------------------------------------
    @property
    def layers(self):
        """The model's direct layers (for a functional model, its InputLayers first)."""
        return list(self._layers)

    def get_layer(self, name=None, index=None):
        """A layer by name or by index in `layers` (pass one of them)."""
        if (name is None) == (index is None):
            raise InvalidArgumentError("get_layer: pass exactly one of name= or index=")
        layers = self.layers
        if index is not None:
            if not -len(layers) <= index < len(layers):
                raise InvalidArgumentError(f"get_layer: index {index} is out of range; model {self.name!r} has "
                                           f"{len(layers)} layers")
            return layers[index]
        for layer in layers:
            if layer.name == name:
                return layer
        raise InvalidArgumentError(f"No such layer: {name}. Existing layers are: {[layer.name for layer in layers]}")

    # --- building -----------------------------------------------------------------------------
    def _maybe_build(self, args, kwargs):
        if self.built:
            return
        if type(self).build is not Model.build:
            super()._maybe_build(args, kwargs)
            return
        # A subclassed model builds by running `call`: its sublayers build themselves on the way.
        first = args[0] if args else next(iter(kwargs.values()), None)
        self._build_shapes_dict = {"input_shape": map_structure(lambda t: tuple(t.shape), first)}
        self.built = True

    def build(self, input_shape):
        """Build a subclassed model by calling it once on zeros of `input_shape` (unknown dimensions become 1)."""
        if self.built:
            return

        def zeros(shape):
            return lookup("zeros")([1 if d is None else d for d in shape], dtype=self.compute_dtype)

        inputs = map_structure_of_shapes(zeros, input_shape)
        with runtime.no_recording():
            self(inputs, training=False)
        self._clear_losses()

    # --- introspection ------------------------------------------------------------------------
    def summary(self, line_length=None, positions=None, print_fn=None, expand_nested=False, show_trainable=False,
                layer_range=None):
        """Print a Keras-like table: layer (type), output shape, parameter count; then the totals."""
        print_summary(self, line_length=line_length, positions=positions, print_fn=print_fn,
                      expand_nested=expand_nested, show_trainable=show_trainable, layer_range=layer_range)

    def count_params(self):
        if not self.built:
            raise InvalidArgumentError(f"You tried to call count_params on model {self.name!r}, but the model "
                                       "isn't built. Call it on data or call build(input_shape) first")
        return int(sum(np.prod(v.shape, dtype=np.int64) for v in self.weights))

    # --- saving --------------------------------------------------------------------------------
    def save(self, filepath, overwrite=True, format=None, **kwargs):  # noqa: A002  (Keras's argument name)
        """Save to `filepath`: `.keras`, `.h5`, or a TF.js folder, by extension or `format=`."""
        from .saving import save_model
        return save_model(self, filepath, overwrite=overwrite, format=format, **kwargs)

    def save_weights(self, filepath, overwrite=True):
        """Save the weights alone: Keras 3's layout for `.weights.h5`, tf_keras's for other `.h5` names."""
        from .saving import save_weights
        return save_weights(self, filepath, overwrite=overwrite)

    def load_weights(self, filepath):
        """Load weights saved by `save_weights`, or those of a `.keras` or legacy `.h5` model file."""
        from .saving import load_weights
        return load_weights(self, filepath)

    @classmethod
    def from_config(cls, config, custom_objects=None):
        from .functional import Functional, functional_from_config, is_functional_config
        if is_functional_config(config) and (cls is Model or issubclass(cls, Functional)):
            return functional_from_config(Functional if cls is Model else cls, config, custom_objects)
        return cls(**config)


def _is_flat_shape(shape):
    return isinstance(shape, (tuple, list)) and all(d is None or isinstance(d, (int, np.integer)) for d in shape)


def map_structure_of_shapes(fn, shapes):
    """Apply `fn` to each shape of a structure of shapes (a shape is a flat tuple of ints and Nones)."""
    if _is_flat_shape(shapes):
        return fn(shapes)
    if isinstance(shapes, dict):
        return {k: map_structure_of_shapes(fn, v) for k, v in shapes.items()}
    if isinstance(shapes, (list, tuple)):
        return type(shapes)(map_structure_of_shapes(fn, s) for s in shapes)
    raise InvalidArgumentError(f"not a shape or a structure of shapes: {shapes!r}")


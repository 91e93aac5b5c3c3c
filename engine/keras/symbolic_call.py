"""Calling a layer on symbolic tensors (the functional API): build from shapes, infer outputs, record a Node.

The output shapes come from `compute_output_shape`, which every built-in layer
implements. A custom layer without it is run once (twice when some input
dimension is unknown) eagerly on small zero tensors, with every unknown
dimension set to 2 and then to 3; output dimensions that differ between the
runs are unknown (None). The probe runs on the current backend, outside any
GradientTape, in inference mode unless `training` was given.
"""
import inspect

from .. import runtime
from .._export import lookup
from ..errors import InvalidArgumentError, UnimplementedError
from .input_spec import assert_input_compatibility
from .keras_tensor import KerasTensor, Node, flatten, map_structure
from .layer_utils import first_input, pack, shapes_of, shapes_to_keras_tensors

__all__ = []

_PROBE_SIZES = (2, 3)


class SymbolicCallMixin:
    """The functional-API half of Layer.__call__."""

    def _symbolic_call(self, args, kwargs):
        first = first_input(self, args, kwargs)
        assert_input_compatibility(self.input_spec, first, self.name)
        if not self.built and self._has_own_build():
            self._maybe_build(args, kwargs)
            assert_input_compatibility(self.input_spec, first, self.name)
        if self._call_has_mask_arg and "mask" not in kwargs:
            # Keras records the (absent) mask of a layer that takes one, so configs show "mask": null.
            kwargs = {**kwargs, "mask": None}
        outputs = self.compute_output_spec(*args, **kwargs)
        Node(self, args, kwargs, outputs)
        return outputs

    def compute_output_spec(self, *args, **kwargs):
        """Output KerasTensors for symbolic inputs: from compute_output_shape, else by probing (module doc)."""
        if type(self).compute_output_shape is SymbolicCallMixin.compute_output_shape:
            return self._probe_output_spec(args, kwargs)
        parameters = list(inspect.signature(self.compute_output_shape).parameters)
        if len(parameters) <= 1:
            output_shapes = self.compute_output_shape(shapes_of(first_input(self, args, kwargs)))
        else:
            bound = inspect.signature(self.call).bind_partial(*args, **kwargs).arguments
            output_shapes = self.compute_output_shape(**{
                p: shapes_of(bound[p[:-len("_shape")] if p.endswith("_shape") else p]) for p in parameters})
        return shapes_to_keras_tensors(output_shapes, self.compute_dtype)

    def compute_output_shape(self, input_shape):
        raise UnimplementedError(f"Layer {type(self).__name__} does not implement compute_output_shape()")

    def _probe_output_spec(self, args, kwargs):
        inputs = [t for t in flatten((args, kwargs)) if isinstance(t, KerasTensor)]
        has_unknown = any(d is None for t in inputs for d in t.shape)
        probes = []
        for size in (_PROBE_SIZES if has_unknown else _PROBE_SIZES[:1]):
            def concrete(value, size=size):
                if not isinstance(value, KerasTensor):
                    return value
                return lookup("zeros")([size if d is None else d for d in value.shape], dtype=value.dtype)

            probe_args = map_structure(concrete, args)
            probe_kwargs = map_structure(concrete, kwargs)
            if self._call_has_training_arg and probe_kwargs.get("training") is None:
                probe_kwargs["training"] = False
            try:
                with runtime.no_recording():
                    probes.append(self(*probe_args, **probe_kwargs))
            except Exception as exc:
                shapes = [t.shape for t in inputs]
                raise InvalidArgumentError(
                    f"could not infer the output shape of layer {self.name!r} ({type(self).__name__}) on symbolic "
                    f"inputs of shape {shapes}: running it on zeros failed with {type(exc).__name__}: {exc}. "
                    "Implement compute_output_shape(input_shape) for this layer.") from exc
        self._clear_losses()

        def to_spec(*outputs):
            shape = tuple(dims[0] if len(set(dims)) == 1 else None
                          for dims in zip(*(tuple(o.shape) for o in outputs)))
            return KerasTensor(shape, dtype=outputs[0].dtype.name)

        flat = [flatten(p) for p in probes]
        return pack(probes[0], [to_spec(*outputs) for outputs in zip(*flat)])

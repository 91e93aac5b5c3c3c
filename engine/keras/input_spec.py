"""InputSpec: what a layer accepts (rank, dims at given axes, full shape, dtype), checked on every call."""
from ..dtypes import as_dtype
from ..errors import InvalidArgumentError
from .keras_tensor import flatten

__all__ = ["InputSpec", "assert_input_compatibility"]


class InputSpec:
    """What a layer accepts: rank (`ndim`, `min_ndim`, `max_ndim`), dims at given `axes`, full `shape`, `dtype`."""

    def __init__(self, dtype=None, shape=None, ndim=None, max_ndim=None, min_ndim=None, axes=None,
                 allow_last_axis_squeeze=False, name=None, optional=False):
        self.dtype = None if dtype is None else as_dtype(dtype).name
        self.shape = None if shape is None else tuple(shape)
        self.ndim = len(self.shape) if shape is not None else ndim
        self.max_ndim = max_ndim
        self.min_ndim = min_ndim
        self.axes = {int(k): v for k, v in (axes or {}).items()}
        self.allow_last_axis_squeeze = allow_last_axis_squeeze
        self.name = name
        self.optional = optional

    def __repr__(self):
        fields = {k: v for k, v in vars(self).items() if v not in (None, {}, False)}
        return "InputSpec(" + ", ".join(f"{k}={v!r}" for k, v in fields.items()) + ")"

    def get_config(self):
        return {"dtype": self.dtype, "shape": self.shape, "ndim": self.ndim, "max_ndim": self.max_ndim,
                "min_ndim": self.min_ndim, "axes": self.axes}

    @classmethod
    def from_config(cls, config):
        return cls(**config)


def assert_input_compatibility(input_spec, inputs, layer_name):
    """Raise InvalidArgumentError naming the layer when `inputs` do not match `input_spec`."""
    if not input_spec:
        return
    specs = input_spec if isinstance(input_spec, (list, tuple)) else [input_spec]
    tensors = flatten(inputs)
    if len(tensors) != len(specs):
        raise InvalidArgumentError(f"layer {layer_name!r} expects {len(specs)} input(s), but it received "
                                   f"{len(tensors)} input tensors")
    for index, (spec, tensor) in enumerate(zip(specs, tensors)):
        if spec is None or (tensor is None and spec.optional):
            continue
        shape = tuple(tensor.shape)
        where = f"Input {index} of layer {layer_name!r} is incompatible with the layer"
        ndim = len(shape)
        if spec.ndim is not None and not spec.allow_last_axis_squeeze and ndim != spec.ndim:
            raise InvalidArgumentError(f"{where}: expected ndim={spec.ndim}, found ndim={ndim}. "
                                       f"Full shape received: {shape}")
        if spec.max_ndim is not None and ndim > spec.max_ndim:
            raise InvalidArgumentError(f"{where}: expected max_ndim={spec.max_ndim}, found ndim={ndim}. "
                                       f"Full shape received: {shape}")
        if spec.min_ndim is not None and ndim < spec.min_ndim:
            raise InvalidArgumentError(f"{where}: expected min_ndim={spec.min_ndim}, found ndim={ndim}. "
                                       f"Full shape received: {shape}")
        for axis, value in spec.axes.items():
            if value is None:
                continue
            if not -ndim <= axis < ndim or shape[axis] not in (value, None):
                found = shape[axis] if -ndim <= axis < ndim else "nothing"
                raise InvalidArgumentError(f"{where}: expected axis {axis} of the input to have value {value}, "
                                           f"but received input with shape {shape} ({found} there)")
        if spec.shape is not None:
            expected_shape, got_shape = spec.shape, shape
            if spec.allow_last_axis_squeeze:
                # (batch,) and (batch, 1) are the same input to Keras: compare without trailing size-1 axes.
                expected_shape = _squeeze_last(expected_shape)
                got_shape = _squeeze_last(got_shape)
            if len(expected_shape) != len(got_shape):
                raise InvalidArgumentError(f"{where}: expected shape={spec.shape}, found shape={shape}")
            for expected, got in zip(expected_shape, got_shape):
                if expected is not None and got is not None and expected != got:
                    raise InvalidArgumentError(f"{where}: expected shape={spec.shape}, found shape={shape}")


def _squeeze_last(shape):
    return shape[:-1] if shape and shape[-1] == 1 else shape

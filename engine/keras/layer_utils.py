"""Helpers of the Layer base class: Keras's auto-naming, dtype policies, shape structures, auto configs."""
import collections
import inspect
import re

import numpy as np

from ..dtypes import as_dtype
from ..errors import InvalidArgumentError, UnimplementedError
from .keras_tensor import KerasTensor, flatten, map_structure

__all__ = []

_NAME_UIDS = collections.defaultdict(int)
_JSON_PLAIN = (type(None), bool, int, float, str)


def to_snake_case(name):
    """Keras's default layer name for a class: "Conv2DTranspose" -> "conv2d_transpose"."""
    name = re.sub(r"\W+", "", name)
    name = re.sub("(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub("([a-z])([A-Z])", r"\1_\2", name).lower()


def unique_object_name(base):
    """"base" the first time, then "base_1", "base_2", ... (Keras's auto-naming)."""
    count = _NAME_UIDS[base]
    _NAME_UIDS[base] += 1
    return base if count == 0 else f"{base}_{count}"


def reset_object_names():
    """Restart auto-naming, as `keras.backend.clear_session()` does."""
    _NAME_UIDS.clear()


# --- dtypes --------------------------------------------------------------------------------
def standardize_dtype_policy(dtype, who):
    """The variable dtype name for a layer's `dtype` argument: None, a name, a DType or a DTypePolicy config."""
    if dtype is None:
        return "float32"
    if isinstance(dtype, dict):
        config = dtype.get("config", {})
        name = config.get("name") if isinstance(config, dict) else None
        if name is None:
            raise InvalidArgumentError(f"{who}: cannot read a dtype policy from {dtype!r}")
        dtype = name
    if hasattr(dtype, "name") and not isinstance(dtype, str):
        dtype = dtype.name
    if isinstance(dtype, str) and dtype.startswith("mixed_"):
        raise UnimplementedError(f"{who}: mixed precision policy {dtype!r} is not supported; use 'float32'")
    return as_dtype(dtype).name


def serialize_dtype_policy(dtype_name):
    return {"module": "keras", "class_name": "DTypePolicy", "config": {"name": dtype_name}, "registered_name": None}


def shapes_of(structure):
    """The shapes (tuples) of a structure of tensors; other leaves pass through."""
    return map_structure(lambda leaf: tuple(leaf.shape) if hasattr(leaf, "shape") else leaf, structure)


def is_shape(value):
    return isinstance(value, (tuple, list)) and all(d is None or isinstance(d, (int, np.integer)) for d in value)


def is_scalar_number(value):
    return isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool)


def first_input(layer, args, kwargs):
    if args:
        return args[0]
    for key in ("inputs", "x"):
        if key in kwargs:
            return kwargs[key]
    parameters = list(inspect.signature(layer.call).parameters)
    return kwargs.get(parameters[0]) if parameters else None


def as_shape_structure(value):
    """JSON lists back to shape tuples (a list of shapes stays a list)."""
    if is_shape(value):
        return tuple(value)
    if isinstance(value, dict):
        return {k: as_shape_structure(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [as_shape_structure(v) for v in value]
    return value


def shapes_to_keras_tensors(shapes, dtype):
    if is_shape(shapes):
        return KerasTensor(tuple(shapes), dtype=dtype)
    if isinstance(shapes, dict):
        return {k: shapes_to_keras_tensors(v, dtype) for k, v in shapes.items()}
    if isinstance(shapes, (list, tuple)):
        return type(shapes)(shapes_to_keras_tensors(s, dtype) for s in shapes)
    if hasattr(shapes, "as_list"):
        return KerasTensor(tuple(shapes.as_list()), dtype=dtype)
    raise InvalidArgumentError(f"compute_output_shape() returned {shapes!r}, which is not a shape or a structure "
                               "of shapes")


def pack(structure, flat):
    leaves = iter(flat)
    return map_structure(lambda _: next(leaves), structure)


def auto_config(cls, args, kwargs):
    """The constructor arguments of a custom layer, when they are plain JSON values (else None)."""
    signature = inspect.signature(cls.__init__)
    try:
        bound = signature.bind(None, *args, **kwargs)
    except TypeError:
        return None
    config = {}
    for key, value in list(bound.arguments.items())[1:]:
        parameter = signature.parameters[key]
        if parameter.kind is inspect.Parameter.VAR_KEYWORD:
            config.update(value)
        elif parameter.kind is inspect.Parameter.VAR_POSITIONAL:
            if value:
                return None
        else:
            config[key] = value
    if not all(isinstance(leaf, _JSON_PLAIN) for leaf in flatten(config)):
        return None
    for key in ("name", "trainable", "dtype"):
        config.pop(key, None)
    return config

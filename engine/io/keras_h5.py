"""Legacy Keras `.h5` model and weight files (what tf_keras, Keras 2 and Teachable Machine write).

Layout: root attributes `model_config` (the Keras 2 style config as JSON), `keras_version`,
`backend`; group `model_weights` with attribute `layer_names` and, per top-level layer, a group
whose `weight_names` attribute lists its weights (`dense/kernel:0`, ...) stored as datasets at
those paths. A weights-only file (`save_weights` to `.h5`) has the `model_weights` content at
its root. Attributes larger than HDF5's 64 KB header limit are split as `name0`, `name1`, ...
"""
import json
import os

import numpy as np

from ..errors import ModelFormatError
from .common import assign_weights, file_errors, match_keras2_weights, model_from_config, parse_json
from .files import atomic_write, read_bytes
from .files import h5py_module as _h5py
from .hdf5_reader import H5Dataset, H5File, H5Group
from .topology import KERAS2_VERSION, to_keras2
from .weight_names import keras2_layer_weights

__all__ = ["load_h5_model", "save_h5_model", "load_legacy_h5_weights", "save_legacy_h5_weights"]

# HDF5 keeps attributes in the object header, which holds at most 64 KB.
_ATTRIBUTE_LIMIT = 64512


def load_h5_model(path, custom_objects=None, compile=True, safe_mode=True):  # noqa: A002  (Keras's name)
    """The model in a legacy `.h5` file, with its weights (its training config is not restored)."""
    source = os.fspath(path)
    data = read_bytes(path, source)
    with file_errors(source):
        root = H5File(data, source).root
        config = root.attrs.get("model_config")
        if config is None:
            raise ModelFormatError(f"{source}: no model_config attribute: this is a weights-only file; build the "
                                   "model in code and call model.load_weights() instead")
        if not isinstance(config, str):
            raise ModelFormatError(f"{source}: model_config must be a JSON string")
        model = model_from_config(parse_json(config, f"{source}: model_config"), custom_objects, safe_mode, source,
                                  compile=False)
        weights = root.get("model_weights")
        if not isinstance(weights, H5Group):
            raise ModelFormatError(f"{source}: no model_weights group")
        _load_weights_group(model, weights, source)
    return model


def load_legacy_h5_weights(model, root, source):
    """Set `model`'s weights from a legacy `.h5` file's root group (a whole-model file or a weights-only one)."""
    weights = root.get("model_weights")
    _load_weights_group(model, weights if isinstance(weights, H5Group) else root, source)


def _string_list(group, name, source):
    """A list-of-strings attribute, joined from its `name0`, `name1`, ... chunks when Keras split it."""
    attrs = group.attrs
    if name in attrs:
        values = [attrs[name]]
    else:
        values = []
        while f"{name}{len(values)}" in attrs:
            values.append(attrs[f"{name}{len(values)}"])
    strings = []
    for value in values:
        if isinstance(value, str):
            value = [value]
        elif isinstance(value, np.ndarray) and value.size == 0:
            value = []
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            raise ModelFormatError(f"{source}: attribute {name!r} of {group.name} must list strings")
        strings.extend(value)
    return strings


def _load_weights_group(model, group, source):
    file_layers = _string_list(group, "layer_names", source)

    def per_layer(layer_name):
        if layer_name not in file_layers or layer_name not in group:
            return None
        layer_group = group[layer_name]
        if not isinstance(layer_group, H5Group):
            raise ModelFormatError(f"{source}: model_weights/{layer_name} is not a group")
        stored = []
        for weight_name in _string_list(layer_group, "weight_names", source):
            dataset = layer_group.get(weight_name)
            if not isinstance(dataset, H5Dataset):
                raise ModelFormatError(f"{source}: weight {weight_name!r} of layer {layer_name!r} is listed but "
                                       "not stored")
            stored.append((weight_name, dataset.read()))
        return stored

    model_layers = {layer.name for layer in model.layers}
    for layer_name in file_layers:
        if layer_name not in model_layers and layer_name in group and isinstance(group[layer_name], H5Group) \
                and _string_list(group[layer_name], "weight_names", source):
            raise ModelFormatError(f"{source}: the file has weights for layer {layer_name!r}, which the model "
                                   f"does not have (its layers: {sorted(model_layers)})")
    assign_weights(match_keras2_weights(model, None, source, per_layer=per_layer), source)


def _set_string_list(group, name, strings):
    """Write a list-of-strings attribute, in chunks `name0`, `name1`, ... if it is too big for one."""
    encoded = np.array([s.encode("utf-8") for s in strings], dtype=bytes) if strings else np.array([], np.float64)
    chunks = 1
    while encoded.nbytes / chunks > _ATTRIBUTE_LIMIT:
        chunks += 1
    if chunks == 1:
        group.attrs[name] = encoded
        return
    for index, part in enumerate(np.array_split(encoded, chunks)):
        group.attrs[f"{name}{index}"] = part


def _write_weights_group(model, group):
    group.attrs["backend"] = "tensorflow"
    group.attrs["keras_version"] = KERAS2_VERSION
    _set_string_list(group, "layer_names", [layer.name for layer in model.layers])
    for layer, named in keras2_layer_weights(model):
        layer_group = group.create_group(layer.name)
        _set_string_list(layer_group, "weight_names", [f"{name}:0" for name, _ in named])
        for name, variable in named:
            layer_group.create_dataset(f"{name}:0", data=variable.numpy())
    # tf_keras writes the (empty) variables that belong to the model itself here.
    _set_string_list(group.create_group("top_level_model_weights"), "weight_names", [])


def save_h5_model(model, path):
    """Write `model` as a legacy `.h5` file in tf_keras's layout and Keras 2 config style."""
    from ..keras.serialization import serialize_keras_object
    config = to_keras2(serialize_keras_object(model), where=f"model {model.name!r}")
    with atomic_write(path) as temporary:
        with _h5py().File(temporary, "w") as handle:
            handle.attrs["backend"] = "tensorflow"
            handle.attrs["keras_version"] = KERAS2_VERSION
            handle.attrs["model_config"] = json.dumps(config)
            _write_weights_group(model, handle.create_group("model_weights"))


def save_legacy_h5_weights(model, path):
    """Write only `model`'s weights in tf_keras's `save_weights` `.h5` layout (the groups at the root)."""
    with atomic_write(path) as temporary:
        with _h5py().File(temporary, "w") as handle:
            _write_weights_group(model, handle)

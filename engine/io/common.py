"""What every model-file reader shares: error translation, JSON parsing, model rebuilding, weight assignment."""
import contextlib
import json

import numpy as np

from ..errors import BackendError, ModelFormatError
from .topology import to_keras3

__all__ = ["file_errors", "parse_json", "model_from_config", "assign_weights", "match_keras3_weights",
           "match_keras2_weights"]

# A model file's JSON parts (config.json, model.json) are small; a bigger one is not a model file.
MAX_JSON_BYTES = 64 * 1024 * 1024


@contextlib.contextmanager
def file_errors(source):
    """Re-raise whatever a damaged file makes the parsers throw as ModelFormatError naming `source`.

    ModelFormatErrors from deeper down (the class registry, a layer's config) get the file prepended.

    Malformed data reaches layer constructors and shape checks too, which may fail in many
    ways; all of them mean "this file does not describe a model we can build". Errors of the
    machine (a GL backend failing) and interrupts pass through unchanged.
    """
    try:
        yield
    except ModelFormatError as exc:
        if source in str(exc):
            raise
        raise ModelFormatError(f"{source}: {exc}") from exc
    except BackendError:
        raise
    except (RecursionError, MemoryError) as exc:
        raise ModelFormatError(f"{source}: the file is too deeply nested or too large to load "
                               f"({type(exc).__name__})") from exc
    except Exception as exc:
        raise ModelFormatError(f"{source}: cannot load the model: {type(exc).__name__}: {exc}") from exc


def parse_json(data, source):
    """The JSON object in `data` (bytes or str); anything else raises ModelFormatError naming `source`."""
    if len(data) > MAX_JSON_BYTES:
        raise ModelFormatError(f"{source}: {len(data)} bytes is too large for a model description")
    try:
        text = data.decode("utf-8") if isinstance(data, (bytes, bytearray)) else data
        value = json.loads(text)
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise ModelFormatError(f"{source}: not valid JSON: {exc}") from exc
    if not isinstance(value, dict):
        raise ModelFormatError(f"{source}: expected a JSON object, got {type(value).__name__}")
    return value


def model_from_config(config, custom_objects, safe_mode, source, compile=True):  # noqa: A002  (Keras's name)
    """Rebuild the model a serialized config (either Keras style) describes; never runs code from it."""
    from ..keras.layer import Layer
    from ..keras.serialization import deserialize_keras_object
    config = to_keras3(config, where=source)
    if not compile:
        config.pop("compile_config", None)
    model = deserialize_keras_object(config, custom_objects=custom_objects, safe_mode=safe_mode)
    if not isinstance(model, Layer):
        raise ModelFormatError(f"{source}: the config describes a {type(model).__name__}, not a model")
    return model


def assign_weights(assignments, source):
    """Set each (variable, array, description) after checking every shape, so a bad file changes nothing."""
    checked = []
    for variable, value, description in assignments:
        value = np.asarray(value)
        if tuple(value.shape) != tuple(variable.shape):
            raise ModelFormatError(f"{source}: weight {description} has shape {tuple(value.shape)} in the file, "
                                   f"but the model expects {tuple(variable.shape)}")
        if value.dtype.kind not in "fiub":
            raise ModelFormatError(f"{source}: weight {description} holds {value.dtype} values, not numbers")
        checked.append((variable, value.astype(variable.dtype.name, copy=False)))
    for variable, value in checked:
        variable.assign(value)


def match_keras3_weights(model, read_vars, source):
    """(variable, array, description) for every variable, by Keras 3 path.

    `read_vars(path)` returns the arrays stored under `<path>/vars` in order ("0", "1", ...),
    or None when the file has no such group.
    """
    from .weight_names import keras3_weight_groups
    assignments = []
    for path, layer, variables in keras3_weight_groups(model):
        vars_path = f"{path}/vars" if path else "vars"
        stored = read_vars(vars_path)
        if stored is None:
            if variables:
                raise ModelFormatError(f"{source}: no weights for layer {layer.name!r} (expected group "
                                       f"{vars_path!r} with {len(variables)} variables)")
            continue
        if len(stored) != len(variables):
            raise ModelFormatError(f"{source}: layer {layer.name!r} expects {len(variables)} variables "
                                   f"({', '.join(v.name for v in variables) or 'none'}), but {vars_path!r} "
                                   f"holds {len(stored)}")
        for index, (variable, value) in enumerate(zip(variables, stored)):
            assignments.append((variable, value, f"{vars_path}/{index} ({layer.name}/{variable.name})"))
    return assignments


def match_keras2_weights(model, named_arrays, source, per_layer=None):
    """(variable, array, description) for every variable, by Keras 2 weight name.

    `named_arrays` maps file weight names to arrays (TF.js), or `per_layer(layer_name)` gives
    the [(name, array)] a legacy .h5 stores for one top-level layer. A name matches exactly, or
    as a suffix after "/" (Keras 3's legacy .h5 prefixes a nested model's name); with
    `per_layer`, a layer whose names do not all resolve falls back to the file's order, as
    Keras itself loads .h5 files. Unused weights in the file are an error: they mean the file
    describes another model.
    """
    from .weight_names import keras2_layer_weights
    assignments = []
    used = set()
    for layer, named in keras2_layer_weights(model):
        if per_layer is not None:
            stored = per_layer(layer.name)
            if stored is None:
                if named:
                    raise ModelFormatError(f"{source}: no weights for layer {layer.name!r} (expected "
                                           f"{', '.join(name for name, _ in named)})")
                continue
            assignments.extend(_match_layer(layer, named, stored, source))
            continue
        for name, variable in named:
            key = _resolve_name(name, named_arrays)
            if key is None:
                raise ModelFormatError(f"{source}: weight {name!r} of layer {layer.name!r} is missing from the "
                                       "weights manifest")
            used.add(key)
            assignments.append((variable, named_arrays[key], f"{key!r} (layer {layer.name!r})"))
    if per_layer is None:
        unused = [name for name in named_arrays if name not in used]
        if unused:
            raise ModelFormatError(f"{source}: the file has weights that no layer of the model uses: "
                                   f"{', '.join(unused[:10])}{' ...' if len(unused) > 10 else ''}")
    return assignments


def _resolve_name(name, named_arrays):
    if name in named_arrays:
        return name
    candidates = [key for key in named_arrays if key.endswith("/" + name)]
    return candidates[0] if len(candidates) == 1 else None


def _match_layer(layer, named, stored, source):
    stored_by_name = {}
    for key, value in stored:
        stored_by_name.setdefault(key[:-2] if key.endswith(":0") else key, value)
    if len(stored) != len(named):
        raise ModelFormatError(f"{source}: layer {layer.name!r} expects {len(named)} weights "
                               f"({', '.join(name for name, _ in named) or 'none'}), but the file holds "
                               f"{len(stored)} ({', '.join(key for key, _ in stored) or 'none'})")
    resolved = [_resolve_name(name, stored_by_name) for name, _ in named]
    if all(resolved) and len(set(resolved)) == len(resolved):
        return [(variable, stored_by_name[key], f"{key!r} (layer {layer.name!r})")
                for (name, variable), key in zip(named, resolved)]
    return [(variable, value, f"{key!r} (layer {layer.name!r}, by position)")
            for (name, variable), (key, value) in zip(named, stored)]

"""TF.js layers models: a `model.json` (topology + weights manifest) and binary weight shards beside it.

Reads what the `tensorflowjs` converter writes (from tf_keras `.h5`: Keras 2 topology and
`layer/weight` names; from Keras 3 `.keras`: Keras 3 topology and `layers/<...>/vars/<i>`
names) and what TF.js's own `model.save` writes. Writes Keras 2 style topology, the form
TF.js 4.x's `tf.loadLayersModel` accepts, with shards of at most 4 MB by default.
"""
import json
import os
import re

from ..errors import InvalidArgumentError, ModelFormatError
from .common import assign_weights, file_errors, match_keras2_weights, match_keras3_weights, model_from_config
from .common import parse_json
from .files import atomic_write, read_bytes
from .tfjs_weights import DEFAULT_SHARD_SIZE_BYTES, read_weights, write_weights
from .topology import KERAS2_VERSION, to_keras2
from .weight_names import keras2_layer_weights

__all__ = ["load_tfjs_model", "save_tfjs_model", "model_json_path"]

_MODEL_JSON = "model.json"
_OUR_SHARD = re.compile(r"^group\d+-shard\d+of\d+\.bin$")


def model_json_path(path):
    """The model.json of a TF.js model given as its folder or as the file itself."""
    path = os.fspath(path)
    return os.path.join(path, _MODEL_JSON) if os.path.isdir(path) else path


def load_tfjs_model(path, custom_objects=None, safe_mode=True):
    """The model of a TF.js layers model folder (or its model.json), with its weights."""
    json_path = model_json_path(path)
    directory = os.path.dirname(os.path.abspath(json_path))
    document = parse_json(read_bytes(json_path, limit=64 * 1024 * 1024), json_path)
    with file_errors(json_path):
        topology = document.get("modelTopology")
        if not isinstance(topology, dict):
            raise ModelFormatError(f"{json_path}: no modelTopology object (is this a TF.js graph model? only "
                                   "layers models can be loaded)")
        model_config = topology.get("model_config", topology)
        model = model_from_config(model_config, custom_objects, safe_mode, json_path, compile=False)
        manifest = document.get("weightsManifest", [])

        def read_shard(name):
            return read_bytes(os.path.join(directory, name), f"{json_path}: shard {name}")

        weights = read_weights(manifest, read_shard, json_path)
        if _is_keras3_naming(weights):
            consumed = set()
            assignments = match_keras3_weights(model, _keras3_reader(weights, consumed, json_path), json_path)
            _check_all_used(weights, consumed, json_path)
        else:
            assignments = match_keras2_weights(model, weights, json_path)
        assign_weights(assignments, json_path)
    return model


def _is_keras3_naming(weights):
    return bool(weights) and all(re.search(r"(^|/)vars/\d+$", name) for name in weights)


def _keras3_reader(weights, consumed, source):
    def read_vars(path):
        prefix = f"{path}/"
        found = {name[len(prefix):]: value for name, value in weights.items() if name.startswith(prefix)
                 and "/" not in name[len(prefix):]}
        if not found:
            return None
        if sorted(found, key=lambda k: (len(k), k)) != [str(i) for i in range(len(found))]:
            raise ModelFormatError(f"{source}: weights under {path!r} are {sorted(found)}, "
                                   f"expected 0..{len(found) - 1}")
        consumed.update(prefix + key for key in found)
        return [found[str(i)] for i in range(len(found))]

    return read_vars


def _check_all_used(weights, used, source):
    unused = [name for name in weights if name not in used]
    if unused:
        raise ModelFormatError(f"{source}: the file has weights that no layer of the model uses: "
                               f"{', '.join(unused[:10])}{' ...' if len(unused) > 10 else ''}")


def save_tfjs_model(model, path, quantize=None, shard_size_bytes=DEFAULT_SHARD_SIZE_BYTES):
    """Write `model` as a TF.js layers model: `path`/model.json and its weight shards.

    `path` is a folder (created if needed) or a path ending in `.json`. `quantize` is None,
    "uint8", "uint16" or "float16" (float32 weights only, as the converter's --quantize_*);
    each shard holds at most `shard_size_bytes`. Shards we wrote there before are replaced.
    """
    from .. import __version__
    from ..keras.serialization import serialize_keras_object
    path = os.fspath(path)
    json_path = path if path.endswith(".json") else os.path.join(path, _MODEL_JSON)
    directory = os.path.dirname(os.path.abspath(json_path))
    named = [(name, variable.numpy()) for _, weights in keras2_layer_weights(model) for name, variable in weights]
    seen = set()
    for name, _ in named:
        if name in seen:
            raise InvalidArgumentError(f"model {model.name!r}: two weights are both named {name!r} in TF.js "
                                       "format; give the layers distinct names")
        seen.add(name)
    topology = {"keras_version": KERAS2_VERSION, "backend": "tensorflow",
                "model_config": to_keras2(serialize_keras_object(model), where=f"model {model.name!r}")}
    os.makedirs(directory, exist_ok=True)
    for entry in os.listdir(directory):
        if _OUR_SHARD.match(entry):
            os.remove(os.path.join(directory, entry))
    manifest = write_weights(named, directory, shard_size_bytes=shard_size_bytes, quantize=quantize)
    document = {"format": "layers-model", "generatedBy": f"glimmer {__version__}", "convertedBy": None,
                "modelTopology": topology, "weightsManifest": manifest}
    with atomic_write(json_path) as temporary:
        with open(temporary, "w", encoding="utf-8") as handle:
            json.dump(document, handle)
    return json_path

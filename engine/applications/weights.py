"""Weights that ship with the app: where they are, and how a freshly built model takes them.

Each pretrained network lives in `assets/models/<name>/` as a TF.js layers model (model.json
with topology and weights manifest, plus its `.bin` shards), so `tf.keras.models.load_model`
reads it as it is and TF.js can load it too. The builders in this package construct variants
of that model (without the classifier, another pooling, another input size) and take the
weights by layer and variable name.
"""
import os

from ..errors import ModelFormatError
from ..io.common import assign_weights, parse_json
from ..io.files import read_bytes
from ..io.tfjs_weights import read_weights
from ..io.weight_names import keras2_layer_weights

__all__ = ["MODELS_DIR", "shipped_model_dir", "read_shipped_weights", "assign_weights_by_name"]

MODELS_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))),
                          "assets", "models")


def shipped_model_dir(name):
    """The folder holding the shipped model `name` (its model.json, shards, LICENSE and README)."""
    directory = os.path.join(MODELS_DIR, name)
    if not os.path.isfile(os.path.join(directory, "model.json")):
        raise ModelFormatError(f"{directory}: the pretrained weights of {name!r} are not installed (no model.json)")
    return directory


def read_shipped_weights(name):
    """{Keras 2 weight name ("stem_conv/kernel", ...): float32 array} of the shipped model `name`."""
    json_path = os.path.join(shipped_model_dir(name), "model.json")
    document = parse_json(read_bytes(json_path), json_path)
    directory = os.path.dirname(json_path)
    return read_weights(document.get("weightsManifest", []),
                        lambda shard: read_bytes(os.path.join(directory, shard), f"{json_path}: shard {shard}"),
                        json_path)


def assign_weights_by_name(model, weights, source):
    """Give every variable of `model` the array named `<layer>/<variable>` in `weights`.

    The file may hold more than the model needs (a model built without the classifier takes
    the shipped weights minus the classifier's); a variable the file lacks is an error, and
    nothing is assigned unless every shape matches.
    """
    assignments = []
    for layer, named in keras2_layer_weights(model):
        for name, variable in named:
            if name not in weights:
                raise ModelFormatError(f"{source}: no weight {name!r} for layer {layer.name!r}")
            assignments.append((variable, weights[name], f"{name!r} (layer {layer.name!r})"))
    assign_weights(assignments, source)

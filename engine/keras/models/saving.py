"""load_model / save_model / weights files: pick the file format and delegate to engine.io.

Formats: "keras" (Keras 3 `.keras` zip), "h5" (legacy Keras `.h5`), "tfjs" (TF.js layers
model: a folder with model.json and weight shards). `load_model` tells them apart by content
(zip, HDF5 signature, JSON or a folder holding model.json); `save_model` by `format=` or else
by extension (`.keras`, `.h5`/`.hdf5`, anything else is a TF.js folder).
"""
import os

from ...errors import InvalidArgumentError, ModelFormatError
from ...io import files, hdf5_reader, keras_h5, keras_v3, tfjs_layers
from ...io.common import file_errors

__all__ = ["load_model", "save_model", "save_weights", "load_weights", "detect_format"]

_FORMATS = ("keras", "h5", "tfjs")
_ZIP_SIGNATURE = b"PK\x03\x04"


def detect_format(path):
    """"keras", "h5" or "tfjs" for the model file or folder at `path`, judged by its content."""
    path = os.fspath(path)
    if os.path.isdir(path):
        if os.path.isfile(os.path.join(path, "model.json")):
            return "tfjs"
        raise ModelFormatError(f"{path}: a folder without model.json is not a model this engine reads "
                               "(TF SavedModel folders are not supported)")
    if not os.path.exists(path):
        raise ModelFormatError(f"{path}: file not found")
    try:
        with open(path, "rb") as handle:
            head = handle.read(64)
    except OSError as exc:
        raise ModelFormatError(f"{path}: cannot read: {exc}") from exc
    if head.startswith(_ZIP_SIGNATURE):
        return "keras"
    if hdf5_reader.is_hdf5(head):
        return "h5"
    if head.lstrip()[:1] == b"{":
        return "tfjs"
    raise ModelFormatError(f"{path}: not a model file this engine reads (expected a .keras zip, an HDF5 .h5 file "
                           "or a TF.js model.json)")


def load_model(filepath, custom_objects=None, compile=True, safe_mode=True):  # noqa: A002  (Keras's name)
    """The model stored at `filepath` (`.keras`, `.h5`, or a TF.js model.json / its folder).

    Loading never runs code from the file: classes resolve only through built-ins, registered
    classes and `custom_objects`; `Lambda` layers are refused. A damaged or inconsistent
    file raises engine.errors.ModelFormatError naming the file and the layer or weight.
    """
    kind = detect_format(filepath)
    if kind == "keras":
        return keras_v3.load_keras_file(filepath, custom_objects=custom_objects, compile=compile,
                                        safe_mode=safe_mode)
    if kind == "h5":
        return keras_h5.load_h5_model(filepath, custom_objects=custom_objects, compile=compile, safe_mode=safe_mode)
    return tfjs_layers.load_tfjs_model(filepath, custom_objects=custom_objects, safe_mode=safe_mode)


def _format_for_path(path):
    lowered = path.lower()
    if lowered.endswith(".keras"):
        return "keras"
    if lowered.endswith((".h5", ".hdf5")):
        return "h5"
    return "tfjs"


def save_model(model, filepath, overwrite=True, format=None, **kwargs):  # noqa: A002  (Keras's name)
    """Save `model` to `filepath` as `format` ("keras", "h5", "tfjs"), by default chosen by extension.

    TF.js takes `quantize=None|"uint8"|"uint16"|"float16"` and `shard_size_bytes=` (4 MB).
    Files are written to a temporary name and renamed, so a failed save leaves the old file.
    """
    filepath = os.fspath(filepath)
    chosen = (format or _format_for_path(filepath)).lower()
    if chosen in ("tf.js", "tfjs_layers_model"):
        chosen = "tfjs"
    if chosen not in _FORMATS:
        raise InvalidArgumentError(f"save_model: unknown format {format!r}; use one of {_FORMATS}")
    target = tfjs_layers.model_json_path(filepath) if chosen == "tfjs" else filepath
    if not overwrite and os.path.exists(target):
        raise InvalidArgumentError(f"save_model: {target} exists and overwrite=False")
    if kwargs and chosen != "tfjs":
        raise InvalidArgumentError(f"save_model: unexpected arguments for format {chosen!r}: {sorted(kwargs)}")
    if not model.built:
        raise InvalidArgumentError(f"save_model: model {model.name!r} is not built yet; call it on data or "
                                   "build(input_shape) first, so it has weights to save")
    if chosen == "keras":
        keras_v3.save_keras_file(model, filepath)
    elif chosen == "h5":
        keras_h5.save_h5_model(model, filepath)
    else:
        tfjs_layers.save_tfjs_model(model, filepath, **kwargs)


def save_weights(model, filepath, overwrite=True):
    """`model.save_weights(filepath)`: `.weights.h5` in Keras 3's layout, `.h5`/`.hdf5` in tf_keras's."""
    filepath = os.fspath(filepath)
    if not overwrite and os.path.exists(filepath):
        raise InvalidArgumentError(f"save_weights: {filepath} exists and overwrite=False")
    lowered = filepath.lower()
    if lowered.endswith(".weights.h5"):
        keras_v3.save_keras3_weights(model, filepath)
    elif lowered.endswith((".h5", ".hdf5")):
        keras_h5.save_legacy_h5_weights(model, filepath)
    else:
        raise InvalidArgumentError(f"save_weights: the filename must end in .weights.h5 (Keras 3) or .h5 "
                                   f"(legacy Keras), got {filepath!r}")


def load_weights(model, filepath):
    """`model.load_weights(filepath)`: from a `.weights.h5`, a `.keras` file, or a legacy `.h5` file.

    The file is recognised by content; every shape is checked before any weight changes.
    """
    filepath = os.fspath(filepath)
    data = files.read_bytes(filepath)
    if data.startswith(_ZIP_SIGNATURE):
        keras_v3.load_keras_file_weights(model, data, filepath)
        return
    if not hdf5_reader.is_hdf5(data):
        raise ModelFormatError(f"{filepath}: not a weights file (expected HDF5 .weights.h5/.h5 or a .keras zip)")
    with file_errors(filepath):
        root = hdf5_reader.H5File(data, filepath).root
        if "layer_names" in root.attrs or "layer_names0" in root.attrs or "model_weights" in root:
            keras_h5.load_legacy_h5_weights(model, root, filepath)
        else:
            keras_v3.load_keras3_weights(model, root, filepath)

"""Keras 3 `.keras` files and `.weights.h5` weight files.

A `.keras` file is a zip (entries stored, as Keras writes them) of `metadata.json`
(`keras_version`, `date_saved`), `config.json` (the model's serialized config, Keras 3
form) and `model.weights.h5` (each layer's own variables under `<path>/vars/<i>`; see
weight_names.py). A `.weights.h5` file is that HDF5 file alone.
"""
import datetime
import io
import json
import os
import zipfile


from ..errors import ModelFormatError
from .common import assign_weights, file_errors, match_keras3_weights, model_from_config, parse_json
from .files import MAX_FILE_BYTES, atomic_write, read_bytes
from .files import h5py_module as _h5py
from .hdf5_reader import H5Dataset, H5File, H5Group
from .weight_names import keras3_weight_groups

__all__ = ["load_keras_file", "load_keras_file_weights", "save_keras_file", "load_keras3_weights",
           "save_keras3_weights", "read_keras3_weights", "KERAS3_VERSION"]

# The Keras release whose `.keras` layout we write (metadata.json's keras_version).
KERAS3_VERSION = "3.15.1"
_CONFIG, _METADATA, _WEIGHTS = "config.json", "metadata.json", "model.weights.h5"
_MAX_JSON_BYTES = 64 * 1024 * 1024


def load_keras_file(path, custom_objects=None, compile=True, safe_mode=True):  # noqa: A002  (Keras's name)
    """The model in a `.keras` file, with its weights."""
    source = os.fspath(path)
    data = read_bytes(path, source)
    with file_errors(source):
        with _open_archive(data, source) as archive:
            config = parse_json(_member(archive, _CONFIG, source, _MAX_JSON_BYTES), f"{source}/{_CONFIG}")
            model = model_from_config(config, custom_objects, safe_mode, f"{source}/{_CONFIG}", compile)
            _load_archive_weights(model, archive, source)
    return model


def load_keras_file_weights(model, data, source):
    """Set `model`'s weights from the bytes of a `.keras` file (Keras's `load_weights("x.keras")`)."""
    with file_errors(source):
        with _open_archive(data, source) as archive:
            _load_archive_weights(model, archive, source)


def _open_archive(data, source):
    try:
        return zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as exc:
        raise ModelFormatError(f"{source}: not a .keras file (not a zip archive): {exc}") from exc


def _load_archive_weights(model, archive, source):
    if _WEIGHTS not in archive.namelist():
        if model.weights:
            raise ModelFormatError(f"{source}: no {_WEIGHTS} in the archive, but model {model.name!r} has weights")
        return
    weights = H5File(_member(archive, _WEIGHTS, source, MAX_FILE_BYTES), f"{source}/{_WEIGHTS}")
    load_keras3_weights(model, weights.root, f"{source}/{_WEIGHTS}")


def _member(archive, name, source, limit):
    try:
        info = archive.getinfo(name)
    except KeyError as exc:
        raise ModelFormatError(f"{source}: the archive has no {name}") from exc
    if info.file_size > limit:
        raise ModelFormatError(f"{source}: {name} claims {info.file_size} bytes, more than the {limit} allowed")
    try:
        return archive.read(info)
    except (zipfile.BadZipFile, EOFError, ValueError, NotImplementedError, RuntimeError, OSError) as exc:
        raise ModelFormatError(f"{source}: cannot read {name} from the archive: {exc}") from exc


def read_keras3_weights(root, source):
    """`read_vars(path)` for common.match_keras3_weights over an HDF5 root group."""

    def read_vars(path):
        group = root.get(path)
        if group is None:
            return None
        if not isinstance(group, H5Group):
            raise ModelFormatError(f"{source}: {path!r} is a dataset, expected a group of variables")
        keys = group.keys()
        expected = [str(i) for i in range(len(keys))]
        if sorted(keys, key=lambda k: (len(k), k)) != expected:
            raise ModelFormatError(f"{source}: {path!r} holds {sorted(keys)}, expected variables named "
                                   f"0..{len(keys) - 1}")
        values = []
        for key in expected:
            dataset = group[key]
            if not isinstance(dataset, H5Dataset):
                raise ModelFormatError(f"{source}: {path}/{key} is a group, expected a variable's values")
            values.append(dataset.read())
        return values

    return read_vars


def load_keras3_weights(model, root, source):
    """Set `model`'s variables from a Keras 3 weights tree (`model.weights.h5` or `.weights.h5`)."""
    assign_weights(match_keras3_weights(model, read_keras3_weights(root, source), source), source)


def _write_keras3_weights(model, handle):
    with _h5py().File(handle, "w") as weights:
        for path, layer, variables in keras3_weight_groups(model):
            group = weights.require_group(f"{path}/vars" if path else "vars")
            group.attrs["name"] = layer.name
            for index, variable in enumerate(variables):
                group.create_dataset(str(index), data=variable.numpy())


def save_keras3_weights(model, path):
    """Write `model`'s variables as a Keras 3 `.weights.h5` file (what `model.save_weights` writes)."""
    with atomic_write(path) as temporary:
        with open(temporary, "wb") as handle:
            _write_keras3_weights(model, handle)


def save_keras_file(model, path):
    """Write `model` as a Keras 3 `.keras` file that `keras.models.load_model` reads."""
    from ..keras.serialization import serialize_keras_object
    config = serialize_keras_object(model)
    metadata = {"keras_version": KERAS3_VERSION,
                "date_saved": datetime.datetime.now().strftime("%Y-%m-%d@%H:%M:%S")}
    weights = io.BytesIO()
    _write_keras3_weights(model, weights)
    with atomic_write(path) as temporary:
        with zipfile.ZipFile(temporary, "w", compression=zipfile.ZIP_STORED) as archive:
            archive.writestr(_METADATA, json.dumps(metadata))
            archive.writestr(_CONFIG, json.dumps(config))
            archive.writestr(_WEIGHTS, weights.getvalue())

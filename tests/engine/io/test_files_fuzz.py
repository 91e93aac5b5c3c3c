"""Property: whatever damage a model file suffers, loading it either works or raises ModelFormatError.

Damage: truncation, flipped bytes, JSON edits (values replaced, keys deleted, classes renamed),
shards truncated, extended or removed, zip members and HDF5 files corrupted. Any other
exception, a hang or a crash fails the property.
"""
import io
import json
import os
import shutil
import tempfile
import zipfile

import h5py
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine.errors import ModelFormatError
from engine.keras.models import load_model, load_weights

from .conftest import fixture_path

pytestmark = pytest.mark.usefixtures("cpu")

FUZZ = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                      HealthCheck.too_slow])
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(-3, 70) | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=8) | st.sampled_from(["Lambda", "Dense", "InputLayer", "Functional", "float16", "same"]),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3),
    max_leaves=6)


def _loads_or_refuses(path, loader=load_model):
    try:
        loader(path)
    except ModelFormatError:
        pass


def _damage_bytes(data, draw):
    """Flip some bytes, then maybe cut the end off."""
    data = bytearray(data)
    for _ in range(draw(st.integers(1, 8))):
        position = draw(st.integers(0, len(data) - 1))
        data[position] = draw(st.integers(0, 255))
    if draw(st.booleans()):
        data = data[:draw(st.integers(0, len(data)))]
    return bytes(data)


def _paths(value, prefix=()):
    yield prefix
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _paths(item, prefix + (key,))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _paths(item, prefix + (index,))


def _mutate_json(document, draw):
    """Replace or delete one value somewhere in the document (a few times)."""
    for _ in range(draw(st.integers(1, 3))):
        paths = [path for path in _paths(document) if path]
        path = draw(st.sampled_from(paths))
        parent = document
        for key in path[:-1]:
            parent = parent[key]
        if isinstance(parent, dict) and draw(st.booleans()):
            del parent[path[-1]]
        else:
            parent[path[-1]] = draw(JSON_VALUES)
    return document


@FUZZ
@given(data=st.data(), fixture=st.sampled_from(["mlp.tfjs", "cnn.tfjs_sharded", "cnn.tfjs_uint8", "cnn.tfjs_keras3",
                                                "nested.tfjs_node"]))
def test_tfjs_model_json_damage(data, fixture):
    with tempfile.TemporaryDirectory() as scratch:
        folder = os.path.join(scratch, "model")
        shutil.copytree(fixture_path(fixture), folder)
        path = os.path.join(folder, "model.json")
        raw = open(path, "rb").read()
        if data.draw(st.booleans()):
            damaged = _damage_bytes(raw, data.draw)
        else:
            damaged = json.dumps(_mutate_json(json.loads(raw), data.draw)).encode()
        open(path, "wb").write(damaged)
        _loads_or_refuses(folder)


@FUZZ
@given(data=st.data(), fixture=st.sampled_from(["cnn.tfjs_sharded", "cnn.tfjs_uint16", "mlp.tfjs_float16"]))
def test_tfjs_shard_damage(data, fixture):
    with tempfile.TemporaryDirectory() as scratch:
        folder = os.path.join(scratch, "model")
        shutil.copytree(fixture_path(fixture), folder)
        shards = sorted(name for name in os.listdir(folder) if name.endswith(".bin"))
        shard = os.path.join(folder, data.draw(st.sampled_from(shards)))
        action = data.draw(st.sampled_from(["remove", "damage", "extend"]))
        if action == "remove":
            os.remove(shard)
        elif action == "damage":
            damaged = _damage_bytes(open(shard, "rb").read(), data.draw)
            open(shard, "wb").write(damaged)
        else:
            open(shard, "ab").write(data.draw(st.binary(min_size=1, max_size=9)))
        _loads_or_refuses(folder)


@FUZZ
@given(data=st.data(), fixture=st.sampled_from(["mlp.keras", "cnn.keras", "nested.keras", "submodels.keras"]))
def test_keras_file_damage(data, fixture):
    raw = open(fixture_path(fixture), "rb").read()
    target = data.draw(st.sampled_from(["archive", "config.json", "model.weights.h5", "metadata.json"]))
    if target == "archive":
        damaged = _damage_bytes(raw, data.draw)
    else:
        with zipfile.ZipFile(io.BytesIO(raw)) as archive:
            members = {name: archive.read(name) for name in archive.namelist()}
        if target == "config.json" and data.draw(st.booleans()):
            members[target] = json.dumps(_mutate_json(json.loads(members[target]), data.draw)).encode()
        else:
            members[target] = _damage_bytes(members[target], data.draw)
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as archive:
            for name, member in members.items():
                archive.writestr(name, member)
        damaged = buffer.getvalue()
    with tempfile.TemporaryDirectory() as scratch:
        path = os.path.join(scratch, "model.keras")
        open(path, "wb").write(damaged)
        _loads_or_refuses(path)


@FUZZ
@given(data=st.data(), fixture=st.sampled_from(["mlp.h5", "cnn.h5", "nested.h5", "submodels.h5", "cnn.keras3.h5"]))
def test_h5_file_damage(data, fixture):
    with tempfile.TemporaryDirectory() as scratch:
        path = os.path.join(scratch, "model.h5")
        if data.draw(st.booleans()):
            open(path, "wb").write(_damage_bytes(open(fixture_path(fixture), "rb").read(), data.draw))
        else:
            shutil.copy(fixture_path(fixture), path)
            with h5py.File(path, "r+") as handle:
                config = json.loads(handle.attrs["model_config"])
                handle.attrs["model_config"] = json.dumps(_mutate_json(config, data.draw))
        _loads_or_refuses(path)


@FUZZ
@given(data=st.data())
def test_weights_file_damage(data):
    model = load_model(fixture_path("cnn.keras"))
    with zipfile.ZipFile(fixture_path("cnn.keras")) as archive:
        weights = archive.read("model.weights.h5")
    with tempfile.TemporaryDirectory() as scratch:
        path = os.path.join(scratch, "cnn.weights.h5")
        open(path, "wb").write(_damage_bytes(weights, data.draw))
        _loads_or_refuses(path, lambda p: load_weights(model, p))

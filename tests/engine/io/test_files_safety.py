"""Loading never runs code from a file, and damaged files raise ModelFormatError naming the file and the part."""
import json
import shutil
import sys
import zipfile

import h5py
import numpy as np
import pytest

from engine.errors import ModelFormatError
from engine.keras.models import load_model, save_weights
from engine.keras.serialization import register_keras_serializable

from .conftest import NODE_DIR, K, L, fixture_io, fixture_path, predict

pytestmark = pytest.mark.usefixtures("cpu")


def _copy_tfjs(tmp_path, name="mlp.tfjs"):
    target = tmp_path / name
    shutil.copytree(fixture_path(name), target)
    return target


def _edit_model_json(folder, edit):
    path = folder / "model.json"
    document = json.loads(path.read_text())
    edit(document)
    path.write_text(json.dumps(document))


def _layers(document):
    return document["modelTopology"]["model_config"]["config"]["layers"]


def test_lambda_layers_are_refused_even_outside_safe_mode(tmp_path):
    folder = _copy_tfjs(tmp_path)
    sentinel = tmp_path / "ran"
    # What Keras stores for a Lambda: marshalled bytecode. If anything ran it, the sentinel would appear.
    code = f"open({str(sentinel)!r}, 'w').write('x')"
    _edit_model_json(folder, lambda d: _layers(d).__setitem__(2, {
        "class_name": "Lambda", "config": {"name": "lam", "function": [code, None, None], "function_type": "lambda"}}))
    for safe_mode in (True, False):
        with pytest.raises(ModelFormatError, match="Lambda") as caught:
            load_model(folder, safe_mode=safe_mode)
        assert "model.json" in str(caught.value)
    assert not sentinel.exists()


def test_unknown_classes_are_named_and_nothing_is_imported(tmp_path):
    folder = _copy_tfjs(tmp_path)
    _edit_model_json(folder, lambda d: _layers(d)[1].update({"module": "antigravity", "class_name": "Fly"}))
    with pytest.raises(ModelFormatError, match="Fly") as caught:
        load_model(folder)
    assert "model.json" in str(caught.value)
    assert "antigravity" not in sys.modules


@register_keras_serializable(package="FilesTest")
class Doubling(L.Layer):
    def call(self, inputs):
        return inputs * 2.0


def test_registered_custom_layers_load_and_unregistered_ones_do_not(tmp_path):
    model = K.Sequential([K.Input(shape=(3,)), L.Dense(2, name="d"), Doubling(name="double")])
    model.save(tmp_path / "custom.keras")
    inputs = np.ones((1, 3), np.float32)
    np.testing.assert_allclose(predict(load_model(tmp_path / "custom.keras"), inputs), predict(model, inputs))
    with zipfile.ZipFile(tmp_path / "custom.keras") as archive:
        config = archive.read("config.json").decode().replace("FilesTest>Doubling", "Elsewhere>Doubling")
        members = {name: archive.read(name) for name in archive.namelist()}
    members["config.json"] = config.replace('"class_name": "Doubling"', '"class_name": "Tripling"')
    with zipfile.ZipFile(tmp_path / "other.keras", "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    with pytest.raises(ModelFormatError, match="Tripling") as caught:
        load_model(tmp_path / "other.keras")
    assert "other.keras" in str(caught.value)


def test_truncated_model_json(tmp_path):
    folder = _copy_tfjs(tmp_path)
    path = folder / "model.json"
    path.write_bytes(path.read_bytes()[:500])
    with pytest.raises(ModelFormatError, match=r"model\.json: not valid JSON"):
        load_model(folder)


def test_missing_and_wrong_size_shards(tmp_path):
    folder = _copy_tfjs(tmp_path, "cnn.tfjs_sharded")
    (folder / "group1-shard3of5.bin").unlink()
    with pytest.raises(ModelFormatError, match="group1-shard3of5.bin.*(missing|not found)"):
        load_model(folder)
    folder = _copy_tfjs(tmp_path / "again", "cnn.tfjs_sharded")
    shard = folder / "group1-shard5of5.bin"
    shard.write_bytes(shard.read_bytes()[:-4])
    with pytest.raises(ModelFormatError, match="truncated, missing or of the wrong size") as caught:
        load_model(folder)
    assert "cnn.tfjs_sharded/model.json" in str(caught.value)


def test_weight_of_the_wrong_shape_is_named(tmp_path):
    folder = _copy_tfjs(tmp_path)

    def transpose_first_kernel(document):
        entry = document["weightsManifest"][0]["weights"][0]
        entry["shape"] = entry["shape"][::-1]
    _edit_model_json(folder, transpose_first_kernel)
    with pytest.raises(ModelFormatError, match=r"'dense/kernel'.*\(16, 6\).*\(6, 16\)") as caught:
        load_model(folder)
    assert "model.json" in str(caught.value)


def test_weight_of_the_wrong_shape_in_h5_is_named(tmp_path):
    path = tmp_path / "bad.h5"
    shutil.copy(fixture_path("mlp.h5"), path)
    with h5py.File(path, "r+") as handle:
        del handle["model_weights/dense_1/dense_1/bias:0"]
        handle["model_weights/dense_1/dense_1/bias:0"] = np.zeros(9, np.float32)
    with pytest.raises(ModelFormatError, match=r"bad.h5.*dense_1/bias.*\(9,\).*\(8,\)"):
        load_model(path)


def test_weights_missing_from_a_keras_file_are_named(tmp_path):
    with zipfile.ZipFile(fixture_path("cnn.keras")) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    weights = tmp_path / "w.h5"
    weights.write_bytes(members["model.weights.h5"])
    with h5py.File(weights, "r+") as handle:
        del handle["layers/separable_conv2d/vars/2"]
    members["model.weights.h5"] = weights.read_bytes()
    with zipfile.ZipFile(tmp_path / "cnn.keras", "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    with pytest.raises(ModelFormatError, match=r"separable_conv2d.*expects 3 variables.*holds 2"):
        load_model(tmp_path / "cnn.keras")


def test_files_that_are_not_models():
    with pytest.raises(ModelFormatError, match="not a model file"):
        load_model(fixture_path("cnn.input.npy"))
    with pytest.raises(ModelFormatError, match="file not found"):
        load_model(fixture_path("nothing.keras"))
    with pytest.raises(ModelFormatError, match="without model.json"):
        load_model(NODE_DIR)


def test_a_weights_only_h5_is_not_a_model(tmp_path):
    save_weights(load_model(fixture_path("mlp.keras")), tmp_path / "w.h5")
    with pytest.raises(ModelFormatError, match="weights-only"):
        load_model(tmp_path / "w.h5")


def test_graph_models_from_tfjs_are_refused_by_name(tmp_path):
    folder = tmp_path / "graph"
    folder.mkdir()
    (folder / "model.json").write_text(json.dumps({"format": "graph-model", "modelTopology": None,
                                                   "weightsManifest": []}))
    with pytest.raises(ModelFormatError, match="no modelTopology object"):
        load_model(folder)


def test_fixture_still_loads_after_the_damage_tests():
    inputs, expected = fixture_io("mlp")
    np.testing.assert_allclose(predict(load_model(fixture_path("mlp.tfjs")), inputs), expected, rtol=1e-5,
                               atol=1e-6)

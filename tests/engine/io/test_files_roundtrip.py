"""save -> load in every format gives the same model and predictions; weight files; saving options."""
import json
import os

import numpy as np
import pytest

from engine.errors import InvalidArgumentError, ModelFormatError
from engine.io.hdf5_reader import H5File
from engine.keras.models import load_model, load_weights, save_model, save_weights

from .conftest import (K, L, fixture_io, fixture_path, graph_inputs, graph_model, predict, randomize, rnn_inputs,
                       rnn_model, submodels_inputs, submodels_model)

pytestmark = pytest.mark.usefixtures("cpu")

FORMATS = {"keras": "model.keras", "h5": "model.h5", "tfjs": "model_tfjs"}


@pytest.mark.parametrize("fmt", sorted(FORMATS))
@pytest.mark.parametrize("name", ["mlp", "cnn", "nested"])
def test_fixture_models_survive_a_round_trip_unchanged(tmp_path, name, fmt):
    inputs, _ = fixture_io(name)
    model = load_model(fixture_path(f"{name}.keras"))
    path = str(tmp_path / FORMATS[fmt])
    model.save(path)
    loaded = load_model(path)
    np.testing.assert_array_equal(predict(loaded, inputs), predict(model, inputs))
    assert [layer.name for layer in loaded.layers] == [layer.name for layer in model.layers]
    for got, expected in zip(loaded.get_weights(), model.get_weights()):
        np.testing.assert_array_equal(got, expected)


@pytest.mark.parametrize("fmt", sorted(FORMATS))
@pytest.mark.parametrize("builder", ["graph", "submodels", "rnn"])
def test_graph_and_recurrent_models_round_trip(tmp_path, fmt, builder):
    model, inputs = {"graph": (graph_model, graph_inputs), "submodels": (submodels_model, submodels_inputs),
                     "rnn": (rnn_model, rnn_inputs)}[builder]
    model, inputs = model(), inputs()
    path = str(tmp_path / FORMATS[fmt])
    save_model(model, path)
    loaded = load_model(path)
    np.testing.assert_array_equal(np.concatenate([np.ravel(p) for p in predict(loaded, inputs)]),
                                  np.concatenate([np.ravel(p) for p in predict(model, inputs)]))


def test_frozen_layers_and_batch_norm_statistics_are_kept(tmp_path):
    model = randomize(K.Sequential([K.Input(shape=(4,)), L.BatchNormalization(name="bn"), L.Dense(3, name="d")]))
    model.get_layer("bn").trainable = False
    inputs = np.random.default_rng(2).normal(size=(5, 4)).astype(np.float32)
    for path in (tmp_path / "m.keras", tmp_path / "m.h5"):
        model.save(path)
        loaded = load_model(path)
        np.testing.assert_array_equal(predict(loaded, inputs), predict(model, inputs))
        assert loaded.get_layer("bn").trainable is False


@pytest.mark.parametrize("quantize,tolerance", [("uint8", 2e-2), ("uint16", 1e-4), ("float16", 1e-3)])
def test_quantized_tfjs_round_trip_is_close_and_smaller(tmp_path, quantize, tolerance):
    inputs, expected = fixture_io("cnn")
    model = load_model(fixture_path("cnn.keras"))
    save_model(model, tmp_path / "plain")
    save_model(model, tmp_path / "small", quantize=quantize)
    plain = sum(os.path.getsize(tmp_path / "plain" / f) for f in os.listdir(tmp_path / "plain") if f.endswith(".bin"))
    small = sum(os.path.getsize(tmp_path / "small" / f) for f in os.listdir(tmp_path / "small") if f.endswith(".bin"))
    assert small == plain // {"uint8": 4, "uint16": 2, "float16": 2}[quantize]
    np.testing.assert_allclose(predict(load_model(tmp_path / "small"), inputs), expected, atol=tolerance)


def test_tfjs_shards_respect_the_size_limit_and_old_shards_go(tmp_path):
    model = load_model(fixture_path("cnn.keras"))
    save_model(model, tmp_path / "m", shard_size_bytes=100)
    first = json.load(open(tmp_path / "m" / "model.json"))["weightsManifest"][0]["paths"]
    assert len(first) == 11 and all(os.path.getsize(tmp_path / "m" / p) <= 100 for p in first)
    save_model(model, tmp_path / "m")
    assert sorted(f for f in os.listdir(tmp_path / "m") if f.endswith(".bin")) == ["group1-shard1of1.bin"]
    inputs, expected = fixture_io("cnn")
    np.testing.assert_allclose(predict(load_model(tmp_path / "m"), inputs), expected, rtol=1e-5, atol=1e-6)


def test_tfjs_model_json_names_what_tf_keras_would(tmp_path):
    save_model(load_model(fixture_path("cnn.keras")), tmp_path / "m")
    ours = json.load(open(tmp_path / "m" / "model.json"))
    theirs = json.load(open(fixture_path("cnn.tfjs/model.json")))
    assert ours["format"] == "layers-model"
    assert sorted(w["name"] for w in ours["weightsManifest"][0]["weights"]) == \
        sorted(w["name"] for w in theirs["weightsManifest"][0]["weights"])


def test_legacy_h5_has_tf_keras_layout(tmp_path):
    load_model(fixture_path("cnn.keras")).save(tmp_path / "m.h5")
    ours = H5File((tmp_path / "m.h5").read_bytes(), "ours").root
    theirs = H5File(open(fixture_path("cnn.h5"), "rb").read(), "theirs").root
    assert ours["model_weights"].attrs["layer_names"] == theirs["model_weights"].attrs["layer_names"]
    for layer in theirs["model_weights"].attrs["layer_names"]:
        assert list(ours[f"model_weights/{layer}"].attrs["weight_names"]) == \
            list(theirs[f"model_weights/{layer}"].attrs["weight_names"]), layer
    assert json.loads(ours.attrs["model_config"])["config"]["layers"][0]["config"]["batch_input_shape"] == \
        [None, 8, 8, 3]


@pytest.mark.parametrize("filename", ["w.weights.h5", "w.h5"])
def test_save_weights_then_load_weights_into_a_fresh_model(tmp_path, filename):
    model = graph_model()
    save_weights(model, tmp_path / filename)
    fresh = randomize(graph_model(), seed=11)
    load_weights(fresh, tmp_path / filename)
    for got, expected in zip(fresh.get_weights(), model.get_weights()):
        np.testing.assert_array_equal(got, expected)


def test_load_weights_reads_keras_made_files():
    fresh = randomize(load_model(fixture_path("cnn.keras")), seed=5)
    load_weights(fresh, fixture_path("cnn.keras"))
    inputs, expected = fixture_io("cnn")
    np.testing.assert_allclose(predict(fresh, inputs), expected, rtol=1e-5, atol=1e-6)
    randomize(fresh, seed=6)
    load_weights(fresh, fixture_path("cnn.h5"))
    np.testing.assert_allclose(predict(fresh, inputs), expected, rtol=1e-5, atol=1e-6)


def test_weights_of_another_model_are_refused_and_nothing_changes(tmp_path):
    save_weights(load_model(fixture_path("mlp.keras")), tmp_path / "mlp.weights.h5")
    target = load_model(fixture_path("cnn.keras"))
    before = target.get_weights()
    with pytest.raises(ModelFormatError, match="mlp.weights.h5"):
        load_weights(target, tmp_path / "mlp.weights.h5")
    for got, expected in zip(target.get_weights(), before):
        np.testing.assert_array_equal(got, expected)


def test_format_argument_overrides_the_extension_and_overwrite_false_protects(tmp_path):
    model = load_model(fixture_path("mlp.keras"))
    save_model(model, tmp_path / "as_keras.bin", format="keras")
    assert load_model(tmp_path / "as_keras.bin").name == "mlp"
    with pytest.raises(InvalidArgumentError, match="overwrite=False"):
        save_model(model, tmp_path / "as_keras.bin", overwrite=False)
    with pytest.raises(InvalidArgumentError, match="unknown format"):
        save_model(model, tmp_path / "x", format="onnx")
    with pytest.raises(InvalidArgumentError, match="quantize"):
        save_model(model, tmp_path / "x.keras", quantize="uint8")


def test_an_unbuilt_model_cannot_be_saved(tmp_path):
    with pytest.raises(InvalidArgumentError, match="not built"):
        save_model(K.Sequential([L.Dense(2)]), tmp_path / "m.keras")


def test_a_failed_save_leaves_the_previous_file(tmp_path, monkeypatch):
    model = load_model(fixture_path("mlp.keras"))
    path = tmp_path / "m.keras"
    model.save(path)
    before = path.read_bytes()
    from engine.io import keras_v3

    def broken(*args, **kwargs):
        raise OSError("disk full")
    monkeypatch.setattr(keras_v3.zipfile.ZipFile, "writestr", broken)
    with pytest.raises(OSError, match="disk full"):
        model.save(path)
    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == ["m.keras"]


def test_saved_files_are_readable_by_others_like_any_new_file(tmp_path):
    model = K.Sequential([K.Input((2,)), L.Dense(1)])
    previous = os.umask(0o022)
    try:
        for name in ("m.keras", "m.h5"):
            model.save(str(tmp_path / name))
            assert os.stat(tmp_path / name).st_mode & 0o777 == 0o644
    finally:
        os.umask(previous)

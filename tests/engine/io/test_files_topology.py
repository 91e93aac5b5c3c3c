"""Keras 2 <-> Keras 3 config translation, checked against what tf_keras and Keras 3 wrote for the same model."""
import json
import zipfile

import numpy as np
import pytest

from engine.errors import ModelFormatError
from engine.io.common import model_from_config
from engine.io.hdf5_reader import H5File
from engine.io.topology import to_keras2, to_keras3

from .conftest import K, L, fixture_path, graph_model, submodels_model

pytestmark = pytest.mark.usefixtures("cpu")


def _keras3_config(name):
    with zipfile.ZipFile(fixture_path(f"{name}.keras")) as archive:
        return json.loads(archive.read("config.json"))


def _tf_keras_config(name):
    return json.loads(H5File(open(fixture_path(f"{name}.h5"), "rb").read(), name).attrs["model_config"])


def _skeleton(config):
    """Class names, layer names, input shapes and graph wiring: what TF.js and tf_keras need to rebuild a model."""
    layers = []
    for layer in config["config"]["layers"]:
        inner = layer["config"]
        entry = [layer["class_name"], inner.get("name"), inner.get("batch_input_shape"), layer.get("inbound_nodes")]
        if "layers" in inner:
            entry.append(_skeleton(layer))
        layers.append(entry)
    return [config["class_name"], layers, config["config"].get("input_layers"), config["config"].get("output_layers")]


def _assert_same_skeleton(ours, theirs):
    # Layer names differ only where Keras numbered them in another session (input_layer vs input_1).
    ours_skeleton, theirs_skeleton = json.dumps(_skeleton(ours)), json.dumps(_skeleton(theirs))
    for our_name, tf_keras_name in _input_names(ours, theirs):
        ours_skeleton = ours_skeleton.replace(f'"{our_name}"', f'"{tf_keras_name}"')
    assert ours_skeleton == theirs_skeleton


@pytest.mark.parametrize("name", ["mlp", "cnn", "nested", "submodels"])
def test_keras3_config_becomes_what_tf_keras_wrote(name):
    _assert_same_skeleton(to_keras2(_keras3_config(name)), _tf_keras_config(name))


def test_our_nested_model_files_are_wired_as_tf_keras_wires_them(tmp_path):
    """Keras 2 numbers a nested model's calls from 1 in inbound nodes and in output_layers alike, counting only
    the calls in the graph being saved (the other graph's calls of `block` and `head` are left out)."""
    model = submodels_model()
    model.save(tmp_path / "model.h5")
    model.save(tmp_path / "tfjs")
    from_h5 = json.loads(H5File(open(tmp_path / "model.h5", "rb").read(), "model.h5").attrs["model_config"])
    with open(tmp_path / "tfjs" / "model.json") as handle:
        from_model_json = json.load(handle)["modelTopology"]["model_config"]
    theirs = _tf_keras_config("submodels")
    assert theirs["config"]["output_layers"] == [["head", 1, 0], ["block", 1, 0], ["head", 2, 0]]
    _assert_same_skeleton(from_h5, theirs)
    _assert_same_skeleton(from_model_json, theirs)


def _input_names(ours, theirs):
    pairs = []

    def walk(a, b):
        for la, lb in zip(a["config"]["layers"], b["config"]["layers"]):
            if la["class_name"] == "InputLayer":
                pairs.append((la["config"]["name"], lb["config"]["name"]))
            if "layers" in la["config"]:
                walk(la, lb)
    walk(ours, theirs)
    return pairs


def test_keras2_only_keys_and_forms_are_turned_into_keras3():
    config = to_keras3(_tf_keras_config("cnn"))
    layers = {layer["config"]["name"]: layer for layer in config["config"]["layers"]}
    assert layers["image"]["config"]["batch_shape"] == [None, 8, 8, 3]
    assert "batch_input_shape" not in layers["image"]["config"]
    assert not {"kernel_initializer", "kernel_regularizer", "kernel_constraint", "groups"} & \
        set(layers["separable_conv2d"]["config"])
    assert "groups" not in layers["depthwise_conv2d"]["config"]
    assert layers["batch_normalization"]["config"]["axis"] == 3
    # Keras 2 wiring stays: only the functional model knows how to number nested models' nodes.
    assert layers["add"]["inbound_nodes"] == [[["activation", 0, 0, {}], ["batch_normalization_1", 0, 0, {}]]]


def test_nested_models_are_numbered_from_one_in_keras2_wiring():
    config = to_keras2({"class_name": "Functional", "config": graph_model().get_config()})
    layers = {layer["name"]: layer for layer in config["config"]["layers"]}
    # `block` is called twice (its nodes 1 and 2 in Keras 2), `tower` once (node 1).
    assert layers["tower"]["inbound_nodes"] == [[["block", 1, 0, {}]]]
    assert layers["concat"]["inbound_nodes"] == [[["tower", 1, 0, {}], ["block", 2, 0, {}]]]
    assert config["config"]["input_layers"] == [["left", 0, 0], ["right", 0, 0]]
    assert config["config"]["output_layers"] == [["first", 0, 0], ["second", 0, 0]]
    assert layers["block"]["config"]["layers"][0]["config"]["batch_input_shape"] == [None, 5]


def test_a_keras2_reference_to_a_nested_models_construction_is_refused():
    config = to_keras2({"class_name": "Functional", "config": submodels_model().get_config()})
    head = next(layer for layer in config["config"]["layers"] if layer["name"] == "head")
    # Keras 2's node 0 of a nested model is its construction: no call whose output another layer can take.
    head["inbound_nodes"][0] = [["block", 0, 0, {}]]
    with pytest.raises(ModelFormatError, match="node 0, output 0 of layer 'block' names no call"):
        model_from_config(config, None, True, "submodels")


def test_an_old_keras_sequential_without_input_layer_still_builds():
    config = {"class_name": "Sequential", "config": [
        {"class_name": "Dense", "config": {"name": "hidden", "units": 4, "activation": "relu",
                                           "batch_input_shape": [None, 3], "dtype": "float32"}},
        {"class_name": "LeakyReLU", "config": {"name": "leaky", "alpha": 0.25}},
        {"class_name": "Dense", "config": {"name": "out", "units": 2}}]}
    model = model_from_config(config, None, True, "old.json")
    assert model.built and tuple(model.input_shape) == (None, 3)
    assert model.get_layer("leaky").negative_slope == pytest.approx(0.25)
    assert [variable.shape for variable in model.weights] == [(3, 4), (4,), (4, 2), (2,)]


def test_round_trip_through_keras2_rebuilds_the_same_model():
    model = graph_model()
    rebuilt = model_from_config(to_keras2({"class_name": "Functional", "config": model.get_config()}), None, True,
                                "graph")
    rebuilt.set_weights(model.get_weights())
    rng = np.random.default_rng(1)
    inputs = [rng.normal(size=(2, 3)).astype(np.float32) for _ in range(2)]
    for got, expected in zip(rebuilt(inputs), model(inputs)):
        np.testing.assert_allclose(np.asarray(got), np.asarray(expected), rtol=1e-6)


def test_a_model_whose_layers_are_not_a_list_is_refused():
    with pytest.raises(ModelFormatError, match="no 'layers' list"):
        to_keras3({"class_name": "Functional", "config": {"name": "m", "layers": {"x": 1}}})
    with pytest.raises(ModelFormatError, match="expected a layer"):
        to_keras3({"class_name": "Sequential", "config": {"layers": [42]}})


def test_leaky_relu_slope_is_written_under_its_keras2_name():
    model = K.Sequential([K.Input(shape=(2,)), L.LeakyReLU(negative_slope=0.1, name="leaky")])
    config = to_keras2({"class_name": "Sequential", "config": model.get_config()})
    assert config["config"]["layers"][1]["config"]["alpha"] == pytest.approx(0.1)


def test_bidirectional_is_stored_as_keras2_wraps_it():
    def keras2_bidirectional(layer):
        model = K.Sequential([K.Input(shape=(4, 3)), layer])
        return to_keras2({"class_name": "Sequential", "config": model.get_config()})["config"]["layers"][1]["config"]

    mirrored = keras2_bidirectional(L.Bidirectional(L.LSTM(2, name="lstm"), name="bi"))
    assert mirrored["layer"]["config"]["name"] == "lstm" and "backward_layer" not in mirrored
    custom = keras2_bidirectional(L.Bidirectional(L.LSTM(2, name="lstm"), name="bi2",
                                                  backward_layer=L.LSTM(2, go_backwards=True, activation="relu",
                                                                        name="back")))
    assert custom["layer"]["config"]["name"] == "lstm"
    assert custom["backward_layer"]["config"]["activation"] == "relu"

"""Keras 3 serialization: registry, object dicts, safety, and configs compared with files real Keras 3 wrote."""
import json
import os
import zipfile

import numpy as np
import pytest

import engine as tf
from engine.errors import ModelFormatError
from engine.keras.layer import Layer
from engine.keras.serialization import (custom_object_scope, deserialize_keras_object, get_registered_name,
                                        get_registered_object, register_keras_serializable, serialize_keras_object)

K = tf.keras
FIXTURES = os.path.join(os.path.dirname(__file__), "..", "..", "fixtures")


def _without_shared_ids(value):
    """Keras marks repeated objects with a process-specific shared_object_id; it carries no configuration."""
    if isinstance(value, dict):
        return {k: _without_shared_ids(v) for k, v in value.items() if k != "shared_object_id"}
    if isinstance(value, list):
        return [_without_shared_ids(v) for v in value]
    return value


def _fixture_config(name):
    with zipfile.ZipFile(os.path.join(FIXTURES, f"{name}.keras")) as archive:
        return _without_shared_ids(json.loads(archive.read("config.json")))


def test_builtin_objects_serialize_in_keras3_form():
    assert serialize_keras_object(K.initializers.HeNormal(seed=3)) == {
        "module": "keras.initializers", "class_name": "HeNormal",
        "config": {"seed": 3, "input_axes": None, "output_axes": None}, "registered_name": None}
    assert serialize_keras_object(K.regularizers.L1L2(l1=0.5)) == {
        "module": "keras.regularizers", "class_name": "L1L2", "config": {"l1": 0.5, "l2": 0.0},
        "registered_name": None}
    assert serialize_keras_object((1, [2, 3])) == [1, [2, 3]]
    assert serialize_keras_object(np.float32(1.5)) == 1.5


def test_registered_custom_layer_round_trips():
    @register_keras_serializable(package="Tests")
    class Doubler(Layer):
        def __init__(self, factor=2.0, **kwargs):
            super().__init__(**kwargs)
            self.factor = factor

        def call(self, inputs):
            return inputs * self.factor

        def get_config(self):
            return {**super().get_config(), "factor": self.factor}

    layer = Doubler(3.0, name="triple")
    config = serialize_keras_object(layer)
    assert config["registered_name"] == "Tests>Doubler"
    assert config["class_name"] == "Doubler"
    assert get_registered_name(Doubler) == "Tests>Doubler"
    assert get_registered_object("Tests>Doubler") is Doubler
    clone = deserialize_keras_object(json.loads(json.dumps(config)))
    assert isinstance(clone, Doubler) and clone.factor == 3.0 and clone.name == "triple"


def test_unknown_classes_raise_model_format_error_naming_them():
    with pytest.raises(ModelFormatError, match="unknown class 'NoSuchLayer'"):
        deserialize_keras_object({"module": "keras.layers", "class_name": "NoSuchLayer", "config": {}})
    with pytest.raises(ModelFormatError, match="'os.system'"):
        deserialize_keras_object({"module": "os", "class_name": "function", "config": "os.system",
                                  "registered_name": None})


@pytest.mark.parametrize("class_name", ["Lambda", "__lambda__"])
def test_code_in_a_config_is_never_run(class_name):
    config = {"module": "keras.layers", "class_name": class_name,
              "config": {"function": {"class_name": "__lambda__", "config": {"code": "print('hi')"}}}}
    with pytest.raises(ModelFormatError, match="Python code"):
        deserialize_keras_object(config)


def test_custom_objects_and_scopes_resolve_unregistered_classes():
    class Local(Layer):
        def call(self, inputs):
            return inputs

    config = {"module": "somewhere", "class_name": "Local", "config": {"name": "x"}, "registered_name": "Local"}
    assert isinstance(deserialize_keras_object(config, custom_objects={"Local": Local}), Local)
    with custom_object_scope({"Local": Local}):
        assert isinstance(deserialize_keras_object(config), Local)
    with pytest.raises(ModelFormatError, match="'Local'"):
        deserialize_keras_object(config)


def test_keras2_style_configs_without_module_load():
    layer = deserialize_keras_object({"class_name": "Dense", "config": {
        "name": "d", "units": 2, "activation": "relu", "use_bias": True, "trainable": True, "dtype": "float32",
        "kernel_initializer": {"class_name": "VarianceScaling",
                               "config": {"scale": 1.0, "mode": "fan_avg", "distribution": "uniform", "seed": None}},
        "bias_initializer": {"class_name": "Zeros", "config": {}}, "kernel_regularizer": None,
        "bias_regularizer": None, "activity_regularizer": None, "kernel_constraint": None, "bias_constraint": None}})
    assert isinstance(layer, K.layers.Dense) and layer.units == 2
    assert isinstance(layer.kernel_initializer, K.initializers.VarianceScaling)


def test_tuple_and_numpy_markers_deserialize():
    assert deserialize_keras_object({"class_name": "__tuple__", "config": {"value": [1, 2]}}) == (1, 2)
    array = deserialize_keras_object({"class_name": "__numpy__", "config": {"value": [[1, 2]], "dtype": "int32"}})
    assert array.dtype == np.int32 and array.tolist() == [[1, 2]]


@pytest.mark.parametrize("name", ["mlp", "cnn", "nested"])
def test_configs_written_by_keras3_are_reproduced_key_for_key(name):
    """Rebuild each fixture model from the config.json Keras 3.15 wrote; our config must be the same JSON."""
    config = _fixture_config(name)
    model = deserialize_keras_object(config)
    ours = json.loads(json.dumps(serialize_keras_object(model)))
    config.pop("compile_config", None)
    ours.pop("compile_config", None)
    assert ours == config


@pytest.mark.parametrize("class_name", ["Dense", "Conv2D", "DepthwiseConv2D", "SeparableConv2D", "MaxPooling2D",
                                        "AveragePooling2D", "GlobalAveragePooling2D", "Dropout", "Activation",
                                        "InputLayer"])
def test_default_layer_configs_have_exactly_keras3_keys(class_name):
    """A freshly made layer's config has the same keys as the same class in Keras 3's own files."""
    found = {}
    for name in ("mlp", "cnn", "nested"):
        stack = [_fixture_config(name)]
        while stack:
            entry = stack.pop()
            if isinstance(entry, dict):
                if entry.get("class_name") == class_name and "config" in entry:
                    found = entry["config"]
                stack.extend(entry.values())
            elif isinstance(entry, list):
                stack.extend(entry)
    assert found, f"no {class_name} in the fixtures"
    arguments = {"Dense": {"units": 2}, "Conv2D": {"filters": 2, "kernel_size": 3},
                 "DepthwiseConv2D": {"kernel_size": 3}, "SeparableConv2D": {"filters": 2, "kernel_size": 3},
                 "Dropout": {"rate": 0.5}, "Activation": {"activation": "relu"},
                 "InputLayer": {"shape": (3,)}}.get(class_name, {})
    layer = getattr(K.layers, class_name)(**arguments)
    assert list(layer.get_config()) == list(found)


def _legacy_h5_weights(name):
    """{layer name: [arrays]} from the tf_keras `.h5` fixture, in each layer's weight_names order."""
    import h5py
    weights = {}
    with h5py.File(os.path.join(FIXTURES, f"{name}.h5"), "r") as f:
        group = f["model_weights"]
        for layer_name in group:
            names = [n.decode() if isinstance(n, bytes) else n for n in group[layer_name].attrs["weight_names"]]
            weights[layer_name] = [group[layer_name][n][()] for n in names]
        config = json.loads(f.attrs["model_config"])
    return config, weights


@pytest.mark.parametrize("name", ["mlp", "cnn", "nested"])
@pytest.mark.parametrize("style", ["keras3", "tf_keras"])
def test_models_rebuilt_from_keras_configs_predict_like_keras(name, style):
    """Both config styles (Keras 3's `.keras`, tf_keras's `.h5` with nested-list inbound nodes) give Keras's outputs.

    The two fixture files hold the same weights (make_fixtures.py hands them from one to the other).
    """
    legacy_config, weights = _legacy_h5_weights(name)
    model = deserialize_keras_object(_fixture_config(name) if style == "keras3" else legacy_config)
    for layer in model.layers:
        if layer.weights:
            layer.set_weights(weights[layer.name])
    x = np.load(os.path.join(FIXTURES, f"{name}.input.npy"))
    np.testing.assert_allclose(model(x).numpy(), np.load(os.path.join(FIXTURES, f"{name}.output.npy")),
                               rtol=1e-5, atol=1e-6)

"""Files written by real Keras 3, tf_keras, the tensorflowjs converter and TF.js load and predict as Keras did.

The fixtures and the outputs Keras computed for their inputs come from tests/fixtures/make_fixtures.py.
"""
import json
import os

import numpy as np
import pytest

import engine as tf
from engine.io.weight_names import keras2_layer_weights
from engine.keras.models import detect_format, load_model

from .conftest import fixture_io, fixture_path, predict

pytestmark = pytest.mark.usefixtures("cpu")

EXACT = [(model, suffix) for model, suffixes in {
    "mlp": (".keras", ".h5", ".keras3.h5", ".tfjs", ".tfjs_keras3", ".tfjs_node"),
    "cnn": (".keras", ".h5", ".keras3.h5", ".tfjs", ".tfjs_sharded", ".tfjs_keras3"),
    "nested": (".keras", ".h5", ".keras3.h5", ".tfjs", ".tfjs_node"),
    "submodels": (".keras", ".h5", ".keras3.h5", ".tfjs", ".tfjs_node"),
}.items() for suffix in suffixes]
# Largest prediction change each quantization caused here (measured: 2.1e-3, 6e-6, 3.4e-5 / 2.2e-4), with margin.
QUANTIZED = [("cnn", ".tfjs_uint8", 2e-2), ("cnn", ".tfjs_uint16", 1e-4), ("cnn", ".tfjs_float16", 1e-3),
             ("mlp", ".tfjs_float16", 2e-3)]


@pytest.mark.parametrize("model_name,suffix", EXACT)
def test_fixture_predicts_like_keras(model_name, suffix):
    inputs, expected = fixture_io(model_name)
    model = load_model(fixture_path(model_name + suffix))
    np.testing.assert_allclose(predict(model, inputs), expected, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("model_name,suffix,tolerance", QUANTIZED)
def test_quantized_fixture_predicts_within_quantization_error(model_name, suffix, tolerance):
    inputs, expected = fixture_io(model_name)
    got = predict(load_model(fixture_path(model_name + suffix)), inputs)
    np.testing.assert_allclose(got, expected, atol=tolerance)
    assert not np.array_equal(got, expected)  # the weights really are the quantized ones


def _decode_manifest_by_hand(folder):
    """{name: (dequantized array, largest error the stored form allows)}, decoded with plain numpy."""
    with open(os.path.join(folder, "model.json")) as handle:
        manifest = json.load(handle)["weightsManifest"]
    result = {}
    for group in manifest:
        data = b"".join(open(os.path.join(folder, path), "rb").read() for path in group["paths"])
        offset = 0
        for entry in group["weights"]:
            quantization = entry["quantization"]
            stored = np.dtype({"uint8": "u1", "uint16": "<u2", "float16": "<f2"}[quantization["dtype"]])
            count = int(np.prod(entry["shape"]))
            raw = np.frombuffer(data, stored, count, offset).astype(np.float64).reshape(entry["shape"])
            offset += count * stored.itemsize
            if quantization["dtype"] == "float16":
                result[entry["name"]] = (raw, None)
            else:
                result[entry["name"]] = (raw * quantization["scale"] + quantization["min"], quantization["scale"] / 2)
    return result


@pytest.mark.parametrize("suffix", [".tfjs_uint8", ".tfjs_uint16", ".tfjs_float16"])
def test_quantized_weights_are_the_dequantized_values_and_close_to_the_originals(suffix):
    folder = fixture_path("cnn" + suffix)
    by_hand = _decode_manifest_by_hand(folder)
    quantized = load_model(folder)
    original = {name: variable.numpy() for _, named in keras2_layer_weights(load_model(fixture_path("cnn.keras")))
                for name, variable in named}
    loaded = {name: variable.numpy() for _, named in keras2_layer_weights(quantized) for name, variable in named}
    assert sorted(loaded) == sorted(by_hand) == sorted(original)
    for name, (expected, half_step) in by_hand.items():
        np.testing.assert_allclose(loaded[name], expected, rtol=1e-6, atol=1e-7, err_msg=name)
        if half_step is None:  # float16 keeps 11 significant bits
            np.testing.assert_allclose(loaded[name], original[name], rtol=2.0 ** -11, atol=1e-7, err_msg=name)
        else:
            assert np.abs(loaded[name] - original[name]).max() <= half_step * (1 + 1e-4) + 1e-7, name


def test_sharded_fixture_really_has_several_shards():
    with open(fixture_path("cnn.tfjs_sharded/model.json")) as handle:
        paths = json.load(handle)["weightsManifest"][0]["paths"]
    assert len(paths) == 5


def test_weights_land_on_the_same_variables_in_every_format():
    reference = load_model(fixture_path("cnn.keras")).get_weights()
    for suffix in (".h5", ".keras3.h5", ".tfjs", ".tfjs_keras3", ".tfjs_sharded"):
        weights = load_model(fixture_path("cnn" + suffix)).get_weights()
        assert len(weights) == len(reference) == 16
        for got, expected in zip(weights, reference):
            np.testing.assert_array_equal(got, expected, err_msg=suffix)


def test_keras2_and_keras3_topologies_give_the_same_architecture():
    from_tf_keras = load_model(fixture_path("cnn.tfjs"))
    from_keras3 = load_model(fixture_path("cnn.tfjs_keras3"))
    assert [type(layer).__name__ for layer in from_tf_keras.layers] == \
           [type(layer).__name__ for layer in from_keras3.layers]
    assert [layer.name for layer in from_tf_keras.layers] == [layer.name for layer in from_keras3.layers]
    depthwise = from_tf_keras.get_layer("depthwise_conv2d")
    assert depthwise.padding == "same" and tuple(depthwise.kernel_size) == (3, 3)
    assert from_tf_keras.get_layer("batch_normalization_1").epsilon == pytest.approx(1e-3)


def test_teachable_machine_shape_nested_sequentials_keep_their_structure():
    model = load_model(fixture_path("nested.h5"))
    assert [layer.name for layer in model.layers] == ["features", "head"]
    assert [layer.name for layer in model.get_layer("head").layers] == ["dense_3", "dense_4"]


@pytest.mark.parametrize("name,kind", [("cnn.keras", "keras"), ("cnn.h5", "h5"), ("cnn.tfjs", "tfjs"),
                                       ("cnn.tfjs/model.json", "tfjs")])
def test_format_is_detected_by_content(name, kind):
    assert detect_format(fixture_path(name)) == kind


def test_a_model_json_path_loads_like_its_folder():
    inputs, expected = fixture_io("mlp")
    np.testing.assert_allclose(predict(load_model(fixture_path("mlp.tfjs/model.json")), inputs), expected,
                               rtol=1e-5, atol=1e-6)


def test_gl_backend_predicts_a_loaded_model_like_keras(backend):
    """Loading is backend-independent; the loaded weights must also drive the GL kernels correctly."""
    inputs, expected = fixture_io("mlp")
    model = load_model(fixture_path("mlp.tfjs_node"))
    np.testing.assert_allclose(predict(model, inputs), expected, rtol=1e-4, atol=1e-5)
    assert tf.get_backend() == backend

"""ONNX export, proven in onnxruntime: the exported file computes what the Keras model computes."""
import json
import os

import numpy as np
import onnx
import onnxruntime
import pytest

from engine.io.export.graph import ExportError
from engine.io.export.onnx_writer import BATCH_DIM, MAX_OPSET, MIN_OPSET, export_onnx

from .conftest import (LAYER_MODELS, K, L, audio_app_model, audio_inputs, every_layer_cnn, image_app_model,
                       image_inputs, randomize, sample_inputs)

TOLERANCE = 1e-4


def session(path):
    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    return onnxruntime.InferenceSession(path, options, providers=["CPUExecutionProvider"])


def run(path, inputs):
    runtime = session(path)
    return runtime.run(None, {info.name: value for info, value in zip(runtime.get_inputs(), inputs)})


def keras_outputs(model, inputs):
    outputs = model(inputs if len(inputs) > 1 else inputs[0], training=False)
    return [np.asarray(output) for output in (outputs if isinstance(outputs, (list, tuple)) else [outputs])]


def assert_onnx_matches(model, path, inputs):
    got = run(path, inputs)
    expected = keras_outputs(model, inputs)
    assert len(got) == len(expected)
    for index, (value, reference) in enumerate(zip(got, expected)):
        assert value.shape == reference.shape
        np.testing.assert_allclose(value, reference, rtol=TOLERANCE, atol=TOLERANCE, err_msg=f"output {index}")
    return max(float(np.max(np.abs(value - reference))) for value, reference in zip(got, expected))


def dims(value_info):
    return [dim.dim_param or dim.dim_value for dim in value_info.type.tensor_type.shape.dim]


@pytest.mark.parametrize("name", sorted(LAYER_MODELS))
def test_every_layer_family_matches_onnxruntime(name, tmp_path):
    model = LAYER_MODELS[name]()
    path = export_onnx(model, str(tmp_path / f"{name}.onnx"))
    assert_onnx_matches(model, path, sample_inputs(model, batch=3))


@pytest.mark.parametrize("opset", [MIN_OPSET, 17, 18, MAX_OPSET])
def test_a_cnn_of_every_layer_kind_matches_onnxruntime_at_each_opset(opset, tmp_path):
    model = every_layer_cnn()
    path = export_onnx(model, str(tmp_path / "cnn.onnx"), opset=opset)
    assert onnx.load(path).opset_import[0].version == opset
    assert_onnx_matches(model, path, sample_inputs(model, batch=3))


def test_an_mlp_matches_onnxruntime_with_batches_of_one_and_three(tmp_path):
    model = randomize(K.Sequential([K.Input((8,), name="features"), L.Dense(16, activation="relu"),
                                    L.Dropout(0.2), L.Dense(16, activation="tanh"),
                                    L.Dense(3, activation="softmax", name="probabilities")], name="mlp"), seed=0)
    path = export_onnx(model, str(tmp_path / "mlp.onnx"))
    for batch in (1, 3):
        assert_onnx_matches(model, path, sample_inputs(model, batch=batch, seed=batch))
    graph = onnx.load(path).graph
    assert [node.op_type for node in graph.node] == ["Gemm", "Relu", "Gemm", "Tanh", "Gemm", "Softmax"]


def test_images_of_any_size_run_through_same_padding_worked_out_at_run_time(tmp_path):
    image = K.Input((None, None, 3), name="image")
    x = L.Conv2D(4, 3, strides=2, padding="same", activation="relu")(image)
    x = L.MaxPooling2D(3, strides=2, padding="same")(L.DepthwiseConv2D(3, padding="same")(x))
    x = L.AveragePooling2D(2, padding="same")(x)
    model = randomize(K.Model(image, L.Dense(2)(L.GlobalAveragePooling2D()(x))), seed=4)
    path = export_onnx(model, str(tmp_path / "any_size.onnx"))
    assert dims(onnx.load(path).graph.input[0]) == [BATCH_DIM, 0, 0, 3]
    rng = np.random.default_rng(0)
    for height, width in ((9, 9), (12, 7)):
        assert_onnx_matches(model, path, [rng.standard_normal((2, height, width, 3)).astype(np.float32)])


# --- the app's two models ----------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def image_app(tmp_path_factory):
    model = image_app_model()
    path = export_onnx(model, str(tmp_path_factory.mktemp("image") / "image.onnx"), labels=["cat", "dog", "fish"])
    return model, path


@pytest.fixture(scope="module")
def audio_app(tmp_path_factory):
    model = audio_app_model()
    return model, export_onnx(model, str(tmp_path_factory.mktemp("audio") / "audio.onnx"))


@pytest.mark.parametrize("batch", [1, 3])
def test_the_image_app_model_matches_onnxruntime(image_app, batch):
    model, path = image_app
    assert_onnx_matches(model, path, image_inputs(batch, seed=batch))


@pytest.mark.parametrize("batch", [1, 3])
def test_the_audio_app_model_matches_onnxruntime(audio_app, batch):
    model, path = audio_app
    assert_onnx_matches(model, path, audio_inputs(batch, seed=batch))


@pytest.mark.parametrize("app, input_name, input_dims", [
    ("image_app", "image", [BATCH_DIM, 224, 224, 3]), ("audio_app", "waveform", [BATCH_DIM, 44100])])
def test_app_models_pass_the_full_checker_with_named_inputs_and_a_dynamic_batch(app, input_name, input_dims, request):
    _, path = request.getfixturevalue(app)
    model = onnx.load(path)
    onnx.checker.check_model(model, full_check=True)
    assert [(info.name, dims(info)) for info in model.graph.input] == [(input_name, input_dims)]
    assert [(info.name, dims(info)) for info in model.graph.output] == [("head", [BATCH_DIM, 3])]


def test_labels_travel_in_the_doc_string_and_metadata(image_app):
    model = onnx.load(image_app[1])
    assert json.loads({prop.key: prop.value for prop in model.metadata_props}["labels"]) == ["cat", "dog", "fish"]
    assert "cat, dog, fish" in model.doc_string


def test_convolutions_are_wrapped_in_transposes_that_onnxruntime_removes(image_app):
    model, path = image_app
    graph = onnx.load(path).graph
    network = model.get_layer("efficientnet_lite0")
    convolutions = [layer for layer in network.layers if isinstance(layer, (L.Conv2D, L.DepthwiseConv2D))]
    assert sum(node.op_type == "Conv" for node in graph.node) == len(convolutions)
    options = onnxruntime.SessionOptions()
    options.optimized_model_filepath = path + ".optimized"
    onnxruntime.InferenceSession(path, options, providers=["CPUExecutionProvider"])
    optimized = onnx.load(options.optimized_model_filepath)
    os.remove(options.optimized_model_filepath)
    # One pair is left: into the network's first layer and out of its global pooling.
    assert sum(node.op_type == "Transpose" for node in optimized.graph.node) <= 2


# --- failures -----------------------------------------------------------------------------------------------
def _unexportable():
    inputs = K.Input((4, 4, 3), name="image")
    return K.Model(inputs, L.Conv2DTranspose(2, 3, name="upsample")(inputs))


def test_a_failed_export_leaves_no_file_and_keeps_an_earlier_one(tmp_path):
    with pytest.raises(ExportError, match=r"layer 'upsample' \(Conv2DTranspose\) to ONNX"):
        export_onnx(_unexportable(), str(tmp_path / "model.onnx"))
    assert os.listdir(tmp_path) == []
    earlier = tmp_path / "earlier.onnx"
    earlier.write_bytes(b"an earlier export")
    with pytest.raises(ExportError):
        export_onnx(_unexportable(), str(earlier))
    assert os.listdir(tmp_path) == ["earlier.onnx"]
    assert earlier.read_bytes() == b"an earlier export"


def test_a_write_that_fails_midway_leaves_no_temporary_file(tmp_path, monkeypatch):
    def failing_fsync(descriptor):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", failing_fsync)
    with pytest.raises(OSError, match="No space left"):
        export_onnx(LAYER_MODELS["pooling"](), str(tmp_path / "model.onnx"))
    assert os.listdir(tmp_path) == []


@pytest.mark.parametrize("opset", [MIN_OPSET - 1, MAX_OPSET + 1, "17"])
def test_opsets_outside_the_supported_range_are_refused(opset, tmp_path):
    with pytest.raises(ValueError, match=f"opset must be an int from {MIN_OPSET} to {MAX_OPSET}"):
        export_onnx(LAYER_MODELS["pooling"](), str(tmp_path / "model.onnx"), opset=opset)
    assert os.listdir(tmp_path) == []

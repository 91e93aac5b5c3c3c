"""Full-integer int8 TFLite files in LiteRT: each kernel within its rounding error, models close to the engine.

Per op, the inputs are snapped to the int8 grid the file quantizes them to, so what is left is
the op's own error: half an output step of rounding and about as much from the kernel's
fixed-point arithmetic, plus a weight step per multiply-accumulate for layers with quantized
weights (the rounding that keeps each channel's sum moves a few weights by up to one step) and
half a step for quantized constants. Whole models are held to a share of each output's range (wrong
scales, zero points or channel axes miss by about the range itself).
"""
import os

import numpy as np
import pytest
import tflite
from ai_edge_litert.interpreter import Interpreter

import engine as tf
from engine.io.export.graph import ExportError, Graph
from engine.io.export.tflite_writer import export_tflite, write_tflite

from .conftest import LAYER_MODELS, K, L, every_layer_cnn, sample_inputs
from .test_tflite_export import (KERAS_MODELS, OP_CASES, RESOLVERS, assert_outputs_close, case_inputs, engine_outputs,
                                 head_mlp, metadata_entries, operator_codes, operators, read_model, run_litert)

# A division by a tensor: TFLite has no int8 DIV (a division by a constant becomes a multiplication).
INT8_CASES = [case for case in OP_CASES if case != "div"]
# Share of an output's int8 range that a whole int8 model may miss by (measured at most 3.6%, after tanh).
MODEL_TOLERANCE = 0.05


def int8_span(values):
    """The width of the range an int8 tensor holding `values` covers: theirs, widened to include 0."""
    return max(values.max(), 0.0) - min(values.min(), 0.0)


def tensor_quantization(path):
    """{tensor name: (scales, zero points)} of the file's quantized tensors."""
    interpreter = Interpreter(model_path=os.fspath(path))
    return {detail["name"]: (detail["quantization_parameters"]["scales"],
                             detail["quantization_parameters"]["zero_points"])
            for detail in interpreter.get_tensor_details() if len(detail["quantization_parameters"]["scales"])}


def quantized_constants(path):
    """{name: (scales, element count)} of the int8 tensors the file stores (weights and constant operands)."""
    model = read_model(path)
    subgraph = model.Subgraphs(0)
    constants = {}
    for tensor in (subgraph.Tensors(i) for i in range(subgraph.TensorsLength())):
        if tensor.Type() == tflite.TensorType.INT8 and model.Buffers(tensor.Buffer()).DataLength():
            constants[tensor.Name().decode()] = (tensor.Quantization().ScaleAsNumpy(), tensor.ShapeAsNumpy().prod())
    return constants


def snap(values, quantization):
    scale, zero_point = quantization[0][0], quantization[1][0]
    return ((np.clip(np.round(values / scale) + zero_point, -128, 127) - zero_point) * scale).astype(np.float32)


def op_error_bound(path, graph, inputs):
    """What one int8 op may miss by (module docstring): output steps, plus the weights' and constants' steps."""
    quantization = tensor_quantization(path)
    output_scale = quantization[f"{graph.outputs[0].name}/int8"][0][0]
    largest_input = max(np.abs(value).max() for value in inputs)
    bound = 2.0 * output_scale
    for name, (scales, count) in quantized_constants(path).items():
        if name.endswith("/weights/int8"):
            fan_in = count // len(scales)
            bound += scales.max() * fan_in * largest_input
        else:
            bound += 0.5 * scales.max() * max(1.0, largest_input)
    return bound


def calibration_batches(inputs):
    return [list(inputs)]


@pytest.mark.parametrize("resolver", RESOLVERS)
@pytest.mark.parametrize("case", INT8_CASES)
def test_graph_op_int8_within_its_rounding_error(tmp_path, case, resolver):
    _, build, kind = OP_CASES[case]
    graph = build()
    inputs = case_inputs(graph, kind, batch=16)
    path = write_tflite(graph, tmp_path / f"{case}.tflite", quantize="int8",
                        representative_data=calibration_batches(inputs), batch_size=16)
    quantization = tensor_quantization(path)
    snapped = [snap(value, quantization[f"{info.name}/quantized"]) for value, info in zip(inputs, graph.inputs)]
    expected = graph.evaluate(snapped)[graph.outputs[0].name]
    (actual,) = run_litert(path, snapped, RESOLVERS[resolver])
    assert np.abs(actual - expected).max() <= op_error_bound(path, graph, snapped)


def test_division_by_a_tensor_names_layer_and_format(tmp_path):
    _, build, kind = OP_CASES["div"]
    graph = build()
    with pytest.raises(ExportError, match=r"div_layer.*TFLite int8"):
        write_tflite(graph, tmp_path / "div.tflite", quantize="int8",
                     representative_data=calibration_batches(case_inputs(graph, kind)))
    assert os.listdir(tmp_path) == []


@pytest.mark.parametrize("name", KERAS_MODELS)
def test_keras_models_int8_track_engine(tmp_path, name):
    model = KERAS_MODELS[name]()
    inputs = sample_inputs(model, batch=8)
    path = export_tflite(model, tmp_path / "model.tflite", quantize="int8",
                         representative_data=calibration_batches(inputs), batch_size=8)
    for actual, expected in zip(run_litert(path, inputs), engine_outputs(model, inputs)):
        assert np.abs(actual - expected).max() <= MODEL_TOLERANCE * int8_span(expected)


def test_log_mel_front_end_stays_float(tmp_path):
    """keep_float nodes run in float32; the model is quantized from the first op after them."""
    tf.random.set_seed(12)      # the Dense layers' weights do not depend on which tests ran before
    model = LAYER_MODELS["log_mel_frames_of_two_steps"]()
    waveform = model.inputs[0]
    features = L.Flatten()(model(waveform))
    classifier = K.Model(waveform, L.Dense(3, activation="softmax", name="scores")(
        L.Dense(8, activation="relu")(features)), name="sound_classifier")
    inputs = sample_inputs(classifier, batch=8)
    path = export_tflite(classifier, tmp_path / "sound.tflite", quantize="int8",
                         representative_data=calibration_batches(inputs), batch_size=8)
    model_file = read_model(path)
    names = [name for name, _ in operators(model_file)]
    # The waveform enters as float32: no QUANTIZE before the front end, one after it.
    assert names[0] != "QUANTIZE" and names.count("QUANTIZE") == 1
    subgraph = model_file.Subgraphs(0)
    front_end = [op for _, op in operators(model_file)[:names.index("QUANTIZE")]]
    assert {"FULLY_CONNECTED", "SQUARE", "LOG"} <= set(names[:len(front_end)])
    assert {subgraph.Tensors(op.Inputs(i)).Type() for op in front_end for i in range(op.InputsLength())} == {
        tflite.TensorType.FLOAT32, tflite.TensorType.INT32}
    (actual,) = run_litert(path, inputs)
    (expected,) = engine_outputs(classifier, inputs)
    # TFLite's int8 softmax writes [0, 1] in steps of 1/256, whatever range the scores use.
    assert np.abs(actual - expected).max() <= MODEL_TOLERANCE * 1.0


def test_fully_connected_weights_are_per_channel(tmp_path):
    """Channel 1's weights are 100x smaller than channel 0's, and LiteRT reads them at their own scale."""
    features = K.Input((8,), name="features")
    dense = L.Dense(2, name="scores")
    model = K.Model(features, dense(features), name="per_channel")
    rng = np.random.default_rng(0)
    kernel = np.stack([rng.uniform(-1.0, 1.0, 8), rng.uniform(-0.01, 0.01, 8)], axis=1).astype(np.float32)
    dense.set_weights([kernel, np.zeros(2, np.float32)])
    inputs = [rng.normal(0.0, 1.0, (64, 8)).astype(np.float32)]
    path = export_tflite(model, tmp_path / "fc.tflite", quantize="int8", representative_data=inputs[0],
                         batch_size=64)
    interpreter = Interpreter(model_path=path)
    interpreter.allocate_tensors()
    (weights,) = [detail for detail in interpreter.get_tensor_details() if detail["name"] == "scores/weights/int8"]
    scales = weights["quantization_parameters"]["scales"]
    np.testing.assert_allclose(scales, np.abs(kernel).max(axis=0) / 127, rtol=1e-6)
    stored = interpreter.get_tensor(weights["index"])
    assert np.abs(stored).max(axis=1).tolist() == [127, 127]
    (actual,) = run_litert(path, inputs)
    (expected,) = engine_outputs(model, inputs)
    output_scale = tensor_quantization(path)["scores/int8"][0][0]
    # Channel 1's int8 weights read at channel 0's scale would give outputs ~100x too large.
    misread = inputs[0] @ (stored[1] * scales[0])
    assert np.abs(actual - expected).max() <= 2 * output_scale < 0.1 * np.abs(misread).max()


def test_int8_inputs_and_outputs_carry_their_parameters(tmp_path):
    model = every_layer_cnn()
    rng = np.random.default_rng(0)
    inputs = [rng.uniform(0.0, 255.0, (8, 16, 16, 3)).astype(np.float32)]
    options = {"quantize": "int8", "representative_data": inputs[0], "batch_size": 8}
    float_io = export_tflite(model, tmp_path / "float_io.tflite", **options)
    int8_io = export_tflite(model, tmp_path / "int8_io.tflite", input_type="int8", output_type="int8", **options)
    interpreter = Interpreter(model_path=int8_io)
    (image,), (scores,) = interpreter.get_input_details(), interpreter.get_output_details()
    assert (image["name"], image["dtype"], scores["name"], scores["dtype"]) == ("image", np.int8, "scores", np.int8)
    # Pixels calibrated on 0..255 (0 included): one step per grey level, 0 at -128.
    scale, zero_point = image["quantization"]
    assert abs(scale - 1.0) < 0.01 and zero_point == -128
    model_file = read_model(int8_io)
    assert operators(model_file)[0][0] != "QUANTIZE"
    # Same integer computation either way: the float ends only quantize and dequantize.
    assert_outputs_close(run_litert(int8_io, inputs), run_litert(float_io, inputs), atol=1e-6)
    (expected,) = engine_outputs(model, inputs)
    assert np.abs(run_litert(float_io, inputs)[0] - expected).max() <= MODEL_TOLERANCE * int8_span(expected)


def test_operator_versions_and_runtime_version(tmp_path):
    model = head_mlp()
    inputs = sample_inputs(model, batch=16)
    path = export_tflite(model, tmp_path / "mlp.tflite", quantize="int8", representative_data=inputs[0])
    model_file = read_model(path)
    # op_version.cc: int8 FULLY_CONNECTED is 4, int8 SOFTMAX 2, int8 DEQUANTIZE 2, QUANTIZE from float 1.
    assert sorted(operator_codes(model_file)) == [("DEQUANTIZE", 2), ("FULLY_CONNECTED", 4), ("QUANTIZE", 1),
                                                  ("SOFTMAX", 2)]
    # runtime_version.cc: every one of those first ran in TFLite 1.14.0.
    assert metadata_entries(model_file)["min_runtime_version"] == b"1.14.0".ljust(16, b"\0")
    quantization = tensor_quantization(path)
    np.testing.assert_allclose(quantization["scores/int8"][0], [1 / 256])
    assert quantization["scores/int8"][1][0] == -128
    (actual,) = run_litert(path, inputs)
    (expected,) = engine_outputs(model, inputs)
    assert np.abs(actual - expected).max() <= MODEL_TOLERANCE * int8_span(expected)


def test_representative_data_forms(tmp_path):
    model = LAYER_MODELS["merges"]()
    inputs = sample_inputs(model, batch=4)
    batches = (list(inputs) for _ in range(2))
    path = export_tflite(model, tmp_path / "merges.tflite", quantize="int8", representative_data=batches,
                         batch_size=4)
    assert len(run_litert(path, inputs)) == len(model.outputs)
    with pytest.raises(ValueError, match="3 inputs"):
        export_tflite(model, tmp_path / "bad.tflite", quantize="int8", representative_data=inputs[0])
    with pytest.raises(ValueError, match="a batch has 2 arrays for 3 inputs"):
        export_tflite(model, tmp_path / "bad.tflite", quantize="int8", representative_data=[inputs[:2]])
    with pytest.raises(ValueError, match=r"a batch of shape \(4,\) for input 'c' of shape \(None, 3\)"):
        export_tflite(model, tmp_path / "bad.tflite", quantize="int8",
                      representative_data=[[*inputs[:2], inputs[2][..., 0]]])
    with pytest.raises(ValueError, match="empty"):
        export_tflite(model, tmp_path / "bad.tflite", quantize="int8", representative_data=[])
    assert sorted(os.listdir(tmp_path)) == ["merges.tflite"]


def test_float_graph_inputs_feed_int8_and_float_consumers(tmp_path):
    """One input read by a keep_float node and by an int8 node: a QUANTIZE for the int8 reader only."""
    graph = Graph("mixed")
    x = graph.add_input("x", (None, 6))
    front = graph.add_node("exp", [x], (None, 6), "front", keep_float=True)
    quantized = graph.add_node("relu", [x], (None, 6), "body")
    graph.set_outputs([graph.add_node("add", [front, quantized], (None, 6), "join")])
    inputs = [np.random.default_rng(0).normal(0.0, 1.0, (16, 6)).astype(np.float32)]
    path = write_tflite(graph, tmp_path / "mixed.tflite", quantize="int8", representative_data=inputs[0],
                        batch_size=16)
    model_file = read_model(path)
    assert [name for name, _ in operators(model_file)] == ["EXP", "QUANTIZE", "RELU", "QUANTIZE", "ADD",
                                                          "DEQUANTIZE"]
    (actual,) = run_litert(path, inputs)
    expected = graph.evaluate(inputs)[graph.outputs[0].name]
    np.testing.assert_allclose(actual, expected, atol=3 * tensor_quantization(path)["join/add/int8"][0][0])


def test_channel_of_near_zero_weights_keeps_its_bias(tmp_path):
    """BatchNorm folding turns a dead channel into weights ~1e-6 and a large bias: at a weight scale made from the
    weights alone, the int32 bias would fill the accumulator, and the products would overflow it."""
    rng = np.random.default_rng(0)
    kernel = rng.normal(0.0, 0.5, (3, 3, 3, 2)).astype(np.float32)
    kernel[..., 1] *= 1e-6
    graph = Graph("dead_channel")
    x = graph.add_input("x", (None, 8, 8, 3))
    conv = graph.add_node("conv2d", [x, graph.add_constant("kernel", kernel),
                                     graph.add_constant("bias", np.array([0.1, -5.9], np.float32))],
                          (None, 8, 8, 2), "conv", strides=(1, 1), dilations=(1, 1), padding="SAME")
    graph.set_outputs([graph.add_node("relu6", [conv], (None, 8, 8, 2), "activation")])
    inputs = [rng.normal(0.0, 2.5, (16, 8, 8, 3)).astype(np.float32)]
    path = write_tflite(graph, tmp_path / "dead.tflite", quantize="int8", representative_data=inputs[0],
                        batch_size=16)
    quantization = tensor_quantization(path)
    snapped = [snap(inputs[0], quantization["x/quantized"])]
    (actual,) = run_litert(path, snapped)
    assert np.abs(actual[..., 1]).max() <= quantization["activation/relu6/int8"][0][0]    # relu6(-5.9 + ~0) = 0
    expected = graph.evaluate(snapped)["activation/relu6"]
    assert np.abs(actual - expected).max() <= op_error_bound(path, graph, snapped)


def test_filters_keep_their_response_to_flat_input(tmp_path):
    """Edge-detector taps (±10) that cancel to a small sum keep that sum: a flat image gives the right small output."""
    rng = np.random.default_rng(0)
    kernel = rng.uniform(-10.0, 10.0, (3, 3, 16, 1))
    kernel[1, 1] -= kernel.sum(axis=(0, 1)) - rng.uniform(-0.1, 0.1, (16, 1))     # each filter sums to |s| < 0.1
    graph = Graph("edges")
    x = graph.add_input("x", (None, 8, 8, 16))
    graph.set_outputs([graph.add_node("depthwise_conv2d", [x, graph.add_constant("kernel", kernel)],
                                      (None, 6, 6, 16), "edges", strides=(1, 1), dilations=(1, 1), padding="VALID")])
    levels = rng.uniform(0.5, 3.0, (16, 1, 1, 1)).astype(np.float32)
    flat = [np.broadcast_to(levels, (16, 8, 8, 16)).copy()]
    path = write_tflite(graph, tmp_path / "edges.tflite", quantize="int8", representative_data=flat[0],
                        batch_size=16)
    quantization = tensor_quantization(path)
    snapped = [snap(flat[0], quantization["x/quantized"])]
    (actual,) = run_litert(path, snapped)
    expected = graph.evaluate(snapped)["edges/depthwise_conv2d"]
    # Half a weight step in each filter's sum, times the level, plus the output's own rounding. Plain rounding
    # lets the 9 taps' errors add up to several steps.
    weight_scales = quantization["edges/depthwise_conv2d/weights/int8"][0]
    output_scale = quantization["edges/depthwise_conv2d/int8"][0][0]
    bound = 0.5 * weight_scales * snapped[0].max() + 2 * output_scale
    assert np.all(np.abs(actual - expected).max(axis=(0, 1, 2)) <= bound)

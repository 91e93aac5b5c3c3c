"""TFLite export proven in LiteRT: float32 and float16 files compute what the engine computes, and the file is sound.

Every graph op runs in LiteRT (with its default XNNPack delegate and with the builtin kernels
alone) against Graph.evaluate; the Keras models of conftest.py run against the engine. The
helpers here (running a file in LiteRT, reading it back with the schema package) are shared
with test_tflite_int8.py and test_tflite_apps.py.
"""
import os
import zipfile

import numpy as np
import pytest
import tflite
from ai_edge_litert.interpreter import Interpreter, OpResolverType
from flatbuffers import number_types
from flatbuffers.table import Table

from engine.io.export.graph import OPS, ExportError, Graph
from engine.io.export.lowering import lower_model
from engine.io.export.tflite_writer import export_tflite, write_tflite

from .conftest import LAYER_MODELS, K, L, every_layer_cnn, sample_inputs

FLOAT32_TOLERANCE = 1e-4
RESOLVERS = {"xnnpack": OpResolverType.AUTO, "builtin": OpResolverType.BUILTIN_WITHOUT_DEFAULT_DELEGATES}


# --- running and reading files -----------------------------------------------------------------------------
def run_litert(path, inputs, resolver=OpResolverType.AUTO):
    """LiteRT's outputs (float32) for a list of input arrays, run batch by batch at the file's batch size.

    int8 inputs are quantized and int8 outputs dequantized with the parameters the file gives them.
    """
    interpreter = Interpreter(model_path=os.fspath(path), num_threads=1, experimental_op_resolver_type=resolver)
    interpreter.allocate_tensors()
    input_details, output_details = interpreter.get_input_details(), interpreter.get_output_details()
    batch = input_details[0]["shape"][0]
    total = len(inputs[0])
    results = [[] for _ in output_details]
    for start in range(0, total, batch):
        for detail, value in zip(input_details, inputs):
            chunk = value[start:start + batch]
            if detail["dtype"] == np.int8:
                scale, zero_point = detail["quantization"]
                chunk = np.clip(np.round(chunk / scale) + zero_point, -128, 127)
            interpreter.set_tensor(detail["index"], chunk.astype(detail["dtype"]))
        interpreter.invoke()
        for result, detail in zip(results, output_details):
            value = interpreter.get_tensor(detail["index"])
            if detail["dtype"] == np.int8:
                scale, zero_point = detail["quantization"]
                value = (value.astype(np.float32) - zero_point) * scale
            result.append(value)
    return [np.concatenate(result) for result in results]


def read_model(path):
    with open(path, "rb") as handle:
        return tflite.Model.GetRootAsModel(handle.read(), 0)


def operator_codes(model):
    """[(builtin name, version)] of the file's operator codes."""
    names = {value: name for name, value in vars(tflite.BuiltinOperator).items() if not name.startswith("_")}
    return [(names[model.OperatorCodes(i).BuiltinCode()], model.OperatorCodes(i).Version())
            for i in range(model.OperatorCodesLength())]


def operators(model):
    """[(builtin name, operator)] of the main subgraph, in execution order."""
    codes = operator_codes(model)
    subgraph = model.Subgraphs(0)
    return [(codes[subgraph.Operators(i).OpcodeIndex()][0], subgraph.Operators(i))
            for i in range(subgraph.OperatorsLength())]


def metadata_entries(model):
    """{metadata name: bytes}."""
    entries = {}
    for i in range(model.MetadataLength()):
        entry = model.Metadata(i)
        entries[entry.Name().decode()] = model.Buffers(entry.Buffer()).DataAsNumpy().tobytes()
    return entries


def constant_types(model):
    """{tensor name: TensorType} of the main subgraph's tensors that hold data in the file."""
    subgraph = model.Subgraphs(0)
    tensors = [subgraph.Tensors(i) for i in range(subgraph.TensorsLength())]
    return {tensor.Name().decode(): tensor.Type() for tensor in tensors
            if model.Buffers(tensor.Buffer()).DataLength() > 0}


# --- one graph per op --------------------------------------------------------------------------------------
def _weights(*shape, seed=0):
    return np.random.default_rng([seed, *shape]).normal(0.0, 0.5, shape).astype(np.float32)


def _graph(input_shapes, build):
    graph = Graph("case")
    names = [graph.add_input(f"x{index}", shape) for index, shape in enumerate(input_shapes)]
    graph.set_outputs([build(graph, *names)])
    return graph


def _unary(op, shape=(None, 4, 5), **attrs):
    return lambda: _graph([shape], lambda g, x: g.add_node(op, [x], shape, f"{op}_layer", **attrs))


def _binary(op, constant_shape=None, constant_first=False):
    shape = (None, 3, 4, 5)

    def build():
        if constant_shape is None:
            return _graph([shape, shape], lambda g, a, b: g.add_node(op, [a, b], shape, f"{op}_layer"))

        def with_constant(g, x):
            constant = g.add_constant("operand", np.abs(_weights(*constant_shape)) + 0.5)
            return g.add_node(op, [constant, x] if constant_first else [x, constant], shape, f"{op}_layer")
        return _graph([shape], with_constant)
    return build


def _weighted(op, input_shape, kernel_shape, output_shape, bias=True, **attrs):
    def build(g, x):
        inputs = [x, g.add_constant("kernel", _weights(*kernel_shape))]
        if bias:
            inputs.append(g.add_constant("bias", _weights(output_shape[-1], seed=1)))
        return g.add_node(op, inputs, output_shape, f"{op}_layer", **attrs)
    return lambda: _graph([input_shape], build)


def _single(op, input_shape, output_shape, **attrs):
    return lambda: _graph([input_shape], lambda g, x: g.add_node(op, [x], output_shape, f"{op}_layer", **attrs))


def _concat():
    shape = (None, 3, 4)
    return _graph([shape, (None, 2, 4)], lambda g, a, b: g.add_node("concat", [a, b], (None, 5, 4), "concat_layer",
                                                                       axis=1))


def _matmul_of_inputs():
    return _graph([(None, 3, 4), (None, 4, 2)], lambda g, a, b: g.add_node("matmul", [a, b], (None, 3, 2),
                                                                           "matmul_layer"))


_WINDOW = {"strides": (1, 1), "dilations": (1, 1), "padding": "SAME"}
# case id -> (graph op, graph builder, input kind): "normal" inputs, or "positive" for ops defined on x > 0.
OP_CASES = {
    "dense": ("dense", _weighted("dense", (None, 6), (6, 5), (None, 5)), "normal"),
    "dense_rank3_no_bias": ("dense", _weighted("dense", (None, 3, 6), (6, 4), (None, 3, 4), bias=False), "normal"),
    "conv2d_strided": ("conv2d", _weighted("conv2d", (None, 9, 9, 3), (3, 3, 3, 4), (None, 5, 5, 4),
                                           **{**_WINDOW, "strides": (2, 2)}), "normal"),
    "conv2d_dilated_valid": ("conv2d", _weighted("conv2d", (None, 9, 9, 3), (3, 2, 3, 4), (None, 5, 7, 4),
                                                 bias=False, strides=(1, 1), dilations=(2, 2), padding="VALID"),
                             "normal"),
    "depthwise_multiplier": ("depthwise_conv2d", _weighted("depthwise_conv2d", (None, 8, 8, 3), (3, 3, 3, 2),
                                                           (None, 8, 8, 6), **_WINDOW), "normal"),
    "depthwise_strided": ("depthwise_conv2d", _weighted("depthwise_conv2d", (None, 8, 8, 3), (5, 5, 3, 1),
                                                        (None, 4, 4, 3), bias=False,
                                                        **{**_WINDOW, "strides": (2, 2)}), "normal"),
    "depthwise_dilated": ("depthwise_conv2d", _weighted("depthwise_conv2d", (None, 8, 8, 3), (3, 3, 3, 1),
                                                        (None, 4, 4, 3), strides=(1, 1), dilations=(2, 2),
                                                        padding="VALID"), "normal"),
    "max_pool2d": ("max_pool2d", _single("max_pool2d", (None, 7, 7, 3), (None, 4, 4, 3), pool_size=(3, 3),
                                         strides=(2, 2), padding="SAME"), "normal"),
    "avg_pool2d_same": ("avg_pool2d", _single("avg_pool2d", (None, 7, 7, 3), (None, 4, 4, 3), pool_size=(3, 3),
                                              strides=(2, 2), padding="SAME"), "normal"),
    "avg_pool2d_valid": ("avg_pool2d", _single("avg_pool2d", (None, 6, 5, 2), (None, 5, 4, 2), pool_size=(2, 2),
                                               strides=(1, 1), padding="VALID"), "normal"),
    "mean": ("mean", _single("mean", (None, 4, 5, 3), (None, 3), axes=(1, 2), keepdims=False), "normal"),
    "max": ("max", _single("max", (None, 4, 5, 3), (None, 1, 1, 3), axes=(1, 2), keepdims=True), "normal"),
    "sum": ("sum", _single("sum", (None, 4, 5, 3), (None, 4, 3), axes=(2,), keepdims=False), "normal"),
    **{op: (op, _unary(op), "normal") for op in ("relu", "relu6", "sigmoid", "tanh", "hard_swish", "exp",
                                                   "square", "abs", "neg")},
    "log": ("log", _unary("log"), "positive"),
    "sqrt": ("sqrt", _unary("sqrt"), "positive"),
    "leaky_relu": ("leaky_relu", _unary("leaky_relu", alpha=0.3), "normal"),
    "softmax": ("softmax", _unary("softmax"), "normal"),
    **{op: (op, _binary(op), "normal") for op in ("add", "sub", "mul", "maximum", "minimum")},
    "div": ("div", _binary("div"), "positive"),
    "add_channel_constant": ("add", _binary("add", (5,)), "normal"),
    "sub_from_constant": ("sub", _binary("sub", (4, 1), constant_first=True), "normal"),
    "mul_scalar": ("mul", _binary("mul", ()), "normal"),
    "div_by_constant": ("div", _binary("div", (1, 1, 5)), "normal"),
    "maximum_constant": ("maximum", _binary("maximum", (5,)), "normal"),
    "concat": ("concat", _concat, "normal"),
    "reshape": ("reshape", _single("reshape", (None, 4, 6), (None, 2, 3, 4), shape=(-1, 2, 3, 4)), "normal"),
    "transpose": ("transpose", _single("transpose", (None, 3, 4, 5), (None, 5, 3, 4), perm=(0, 3, 1, 2)), "normal"),
    "pad": ("pad", _single("pad", (None, 4, 5), (None, 7, 6), paddings=((0, 0), (1, 2), (0, 1))), "normal"),
    "slice": ("slice", _single("slice", (None, 8, 5), (None, 3, 2), begin=(0, 1, 2), size=(-1, 3, 2),
                               steps=(1, 2, 1)), "normal"),
    "slice_to_end": ("slice", _single("slice", (None, 8, 5), (None, 5, 5), begin=(0, 3, 0), size=(-1, -1, -1),
                                      steps=(1, 1, 1)), "normal"),
    "matmul_constant": ("matmul", _weighted("matmul", (None, 3, 4), (4, 5), (None, 3, 5), bias=False), "normal"),
    "matmul_of_inputs": ("matmul", _matmul_of_inputs, "normal"),
    "resize_bilinear_up": ("resize_bilinear", _single("resize_bilinear", (None, 5, 7, 2), (None, 9, 4, 2),
                                                      size=(9, 4), half_pixel_centers=True), "normal"),
    "resize_bilinear_down": ("resize_bilinear", _single("resize_bilinear", (None, 6, 6, 2), (None, 3, 4, 2),
                                                        size=(3, 4), half_pixel_centers=True), "normal"),
}


def case_inputs(graph, kind, batch=3, seed=0):
    rng = np.random.default_rng(seed)
    shapes = [(batch, *info.shape[1:]) for info in graph.inputs]
    if kind == "positive":
        return [rng.uniform(0.2, 3.0, shape).astype(np.float32) for shape in shapes]
    # Wide enough to reach relu6's and hard_swish's upper kinks.
    return [rng.normal(0.0, 2.5, shape).astype(np.float32) for shape in shapes]


def test_every_graph_op_has_a_case():
    assert set(OPS) == {op for op, _, _ in OP_CASES.values()}


@pytest.mark.parametrize("resolver", RESOLVERS)
@pytest.mark.parametrize("case", OP_CASES)
def test_graph_op_float32_matches_engine(tmp_path, case, resolver):
    _, build, kind = OP_CASES[case]
    graph = build()
    inputs = case_inputs(graph, kind)
    path = write_tflite(graph, tmp_path / f"{case}.tflite", batch_size=3)
    expected = graph.evaluate(inputs)[graph.outputs[0].name]
    (actual,) = run_litert(path, inputs, RESOLVERS[resolver])
    assert actual.shape == expected.shape
    np.testing.assert_allclose(actual, expected, rtol=1e-5, atol=FLOAT32_TOLERANCE)


# --- Keras models ------------------------------------------------------------------------------------------
def engine_outputs(model, inputs):
    outputs = model([np.asarray(value) for value in inputs] if len(inputs) > 1 else inputs[0], training=False)
    return [np.asarray(output) for output in (outputs if isinstance(outputs, (list, tuple)) else [outputs])]


def assert_outputs_close(actual, expected, atol, rtol=0.0):
    assert len(actual) == len(expected)
    for got, want in zip(actual, expected):
        assert got.shape == want.shape
        np.testing.assert_allclose(got, want, rtol=rtol, atol=atol)


# conftest's models, one per family of layers, and all of them in one CNN.
KERAS_MODELS = {**LAYER_MODELS, "every_layer_cnn": every_layer_cnn}


@pytest.mark.parametrize("name", KERAS_MODELS)
def test_keras_models_float32_match_engine(tmp_path, name):
    model = KERAS_MODELS[name]()
    inputs = sample_inputs(model, batch=3)
    path = export_tflite(model, tmp_path / "model.tflite", batch_size=3)
    # The relative part covers outputs in the tens (exp, log-mel of loud noise); float32 carries ~7 digits.
    assert_outputs_close(run_litert(path, inputs), engine_outputs(model, inputs), atol=FLOAT32_TOLERANCE, rtol=1e-5)


def head_mlp():
    """The app's classification head on its own: Dense(relu) -> Dropout -> Dense(softmax)."""
    features = K.Input((12,), name="features")
    hidden = L.Dropout(0.5)(L.Dense(16, activation="relu", name="hidden")(features))
    return K.Model(features, L.Dense(3, activation="softmax", name="scores")(hidden), name="head_mlp")


def test_mlp_fuses_relu_and_keeps_names(tmp_path):
    model = head_mlp()
    inputs = sample_inputs(model, batch=5)
    path = export_tflite(model, tmp_path / "mlp.tflite", batch_size=5)
    assert_outputs_close(run_litert(path, inputs), engine_outputs(model, inputs), atol=FLOAT32_TOLERANCE)
    tflite_model = read_model(path)
    ops = operators(tflite_model)
    assert [name for name, _ in ops] == ["FULLY_CONNECTED", "FULLY_CONNECTED", "SOFTMAX"]
    options = tflite.FullyConnectedOptions()
    table = ops[0][1].BuiltinOptions()
    options.Init(table.Bytes, table.Pos)
    assert options.FusedActivationFunction() == tflite.ActivationFunctionType.RELU
    interpreter = Interpreter(model_path=str(path))
    assert [d["name"] for d in interpreter.get_input_details()] == ["features"]
    assert [d["name"] for d in interpreter.get_output_details()] == ["scores"]
    runner = interpreter.get_signature_runner("serving_default")
    np.testing.assert_allclose(runner(features=inputs[0])["scores"], engine_outputs(model, inputs)[0],
                               atol=FLOAT32_TOLERANCE)


def test_activation_fuses_only_into_a_sole_consumer_with_fused_options(tmp_path):
    """BATCH_MATMUL has no fused activation, and a Dense whose output is read twice keeps its ReLU apart."""
    graph = Graph("fusion")
    a, b = graph.add_input("a", (None, 3, 4)), graph.add_input("b", (None, 4, 2))
    product = graph.add_node("matmul", [a, b], (None, 3, 2), "product")
    dense = graph.add_node("dense", [a, graph.add_constant("kernel", _weights(4, 2))], (None, 3, 2), "dense")
    rectified = graph.add_node("relu", [dense], (None, 3, 2), "rectified")
    graph.set_outputs([graph.add_node("relu", [product], (None, 3, 2), "product_relu"),
                       graph.add_node("add", [dense, rectified], (None, 3, 2), "sum")])
    inputs = case_inputs(graph, "normal")
    path = write_tflite(graph, tmp_path / "fusion.tflite", batch_size=3)
    model_file = read_model(path)
    assert [name for name, _ in operators(model_file)] == ["BATCH_MATMUL", "FULLY_CONNECTED", "RELU", "RELU", "ADD"]
    expected = graph.evaluate(inputs)
    assert_outputs_close(run_litert(path, inputs), [expected[info.name] for info in graph.outputs],
                         atol=FLOAT32_TOLERANCE)


def test_batch_size_is_one_unless_asked(tmp_path):
    model = head_mlp()
    inputs = sample_inputs(model, batch=4)
    single = Interpreter(model_path=export_tflite(model, tmp_path / "one.tflite"))
    assert list(single.get_input_details()[0]["shape"]) == [1, 12]
    assert list(single.get_output_details()[0]["shape"]) == [1, 3]
    four = Interpreter(model_path=export_tflite(model, tmp_path / "four.tflite", batch_size=4))
    assert list(four.get_input_details()[0]["shape"]) == [4, 12]
    assert_outputs_close(run_litert(tmp_path / "four.tflite", inputs), run_litert(tmp_path / "one.tflite", inputs),
                         atol=1e-6)


# --- float16 -----------------------------------------------------------------------------------------------
def rounded_to_float16(graph):
    """The graph with every float constant rounded to float16: what a float16 file computes, in float32."""
    for name, value in graph.constants.items():
        if value.dtype == np.float32:
            graph.constants[name] = value.astype(np.float16).astype(np.float32)
    return graph


def float16_error_bound(graph, outputs):
    """First-order bound on what float16 weights do to the outputs.

    Rounding to float16 moves each weight by at most 2^-11 of itself (11 significant bits), so
    each layer with weights moves its output by at most that fraction; through a network the
    relative changes add up, layer by layer.
    """
    weighted = sum(1 for node in graph.nodes if any(name in graph.constants for name in node.inputs))
    return weighted * 2.0 ** -11 * max(np.abs(output).max() for output in outputs)


def test_float16_stores_half_weights_and_computes_with_them(tmp_path):
    model = every_layer_cnn()
    inputs = sample_inputs(model, batch=4)
    half_path = export_tflite(model, tmp_path / "float16.tflite", quantize="float16", batch_size=4)
    (actual,) = run_litert(half_path, inputs)
    # Exact: the file runs the float16-rounded weights in float32, as the engine does with them.
    rounded = rounded_to_float16(lower_model(model, "TFLite"))
    np.testing.assert_allclose(actual, rounded.evaluate(inputs)[rounded.outputs[0].name], rtol=1e-5,
                               atol=FLOAT32_TOLERANCE)
    expected = engine_outputs(model, inputs)
    # Measured 6.4e-4 against a bound of 3.0e-2.
    assert np.abs(actual - expected[0]).max() <= float16_error_bound(rounded, expected)
    model_file = read_model(half_path)
    stored = constant_types(model_file)
    assert set(stored.values()) == {tflite.TensorType.FLOAT16, tflite.TensorType.INT32}
    # One DEQUANTIZE per float16 constant, and only those.
    assert [name for name, _ in operators(model_file)].count("DEQUANTIZE") == list(stored.values()).count(
        tflite.TensorType.FLOAT16)
    assert ("DEQUANTIZE", 3) in operator_codes(model_file)


# --- metadata ----------------------------------------------------------------------------------------------
def _field(table, slot):
    """Where field `slot` of a metadata-schema table sits relative to the table (0: absent)."""
    return table.Offset(4 + 2 * slot)


def _string(table, slot):
    offset = _field(table, slot)
    return table.String(table.Pos + offset).decode() if offset else None


def _tables(table, slot):
    offset = _field(table, slot)
    if not offset:
        return []
    start = table.Vector(offset)
    return [Table(table.Bytes, table.Indirect(start + 4 * i)) for i in range(table.VectorLen(offset))]


def _byte(table, slot):
    offset = _field(table, slot)
    return table.Get(number_types.Int8Flags, table.Pos + offset) if offset else 0


def read_model_metadata(data):
    """(model name, min parser version, [(output name, [(associated file, file type)])]) of a ModelMetadata.

    Read with the field slots of tflite-support's metadata_schema.fbs, independently of the writer.
    """
    assert data[4:8] == b"M001"
    root = Table(data, int.from_bytes(data[0:4], "little"))
    (subgraph,) = _tables(root, 3)              # ModelMetadata.subgraph_metadata
    outputs = [(_string(tensor, 0), [(_string(file, 0), _byte(file, 2)) for file in _tables(tensor, 6)])
               for tensor in _tables(subgraph, 3)]  # SubGraphMetadata.output_tensor_metadata
    return _string(root, 0), _string(root, 7), outputs


def test_labels_and_runtime_version_are_readable_back(tmp_path):
    model = head_mlp()
    labels = ["cat", "dog", "crème brûlée"]
    path = export_tflite(model, tmp_path / "labelled.tflite", labels=labels)
    model_file = read_model(path)
    entries = metadata_entries(model_file)
    assert entries["labels"].decode("utf-8").splitlines() == labels
    assert entries["min_runtime_version"] == b"1.5.0".ljust(16, b"\0")
    name, parser_version, outputs = read_model_metadata(entries["TFLITE_METADATA"])
    assert (name, parser_version) == ("head_mlp", "1.0.0")
    assert outputs == [("scores", [("labels.txt", 2)])]
    with zipfile.ZipFile(path) as archive:
        assert archive.read("labels.txt").decode("utf-8").splitlines() == labels
        assert archive.getinfo("labels.txt").compress_type == zipfile.ZIP_STORED
    # The appended archive does not disturb the runtime.
    inputs = sample_inputs(model, batch=2)
    assert_outputs_close(run_litert(path, inputs), engine_outputs(model, inputs), atol=FLOAT32_TOLERANCE)


def test_labels_must_fit_an_output(tmp_path):
    with pytest.raises(ValueError, match="4 labels fit no output"):
        export_tflite(head_mlp(), tmp_path / "model.tflite", labels=["a", "b", "c", "d"])
    assert os.listdir(tmp_path) == []


# --- errors and atomic writes ------------------------------------------------------------------------------
class Unexportable(L.Layer):
    def call(self, inputs):
        return inputs * 2.0


def test_unsupported_layer_names_layer_and_format_and_leaves_no_file(tmp_path):
    features = K.Input((4,), name="features")
    model = K.Model(features, L.Dense(2)(Unexportable(name="doubler")(features)), name="custom")
    target = tmp_path / "model.tflite"
    target.write_bytes(b"previous export")
    with pytest.raises(ExportError, match=r"doubler.*TFLite"):
        export_tflite(model, target)
    assert target.read_bytes() == b"previous export"
    assert os.listdir(tmp_path) == ["model.tflite"]


def test_failure_while_writing_removes_the_temporary_file(tmp_path, monkeypatch):
    import engine.io.export.tflite_metadata as metadata

    def full_disk(path, labels):
        with open(path, "ab") as handle:
            handle.write(b"partial")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(metadata, "append_labels_file", full_disk)
    with pytest.raises(OSError, match="No space"):
        export_tflite(head_mlp(), tmp_path / "model.tflite", labels=["a", "b", "c"])
    assert os.listdir(tmp_path) == []


@pytest.mark.parametrize("options, message", [
    ({"quantize": "int4"}, "quantize must be one of"),
    ({"quantize": "int8"}, "needs representative_data"),
    ({"input_type": "int8"}, "needs quantize='int8'"),
    ({"quantize": "float16", "output_type": "int8"}, "needs quantize='int8'"),
    ({"batch_size": 0}, "batch_size must be a positive int"),
    ({"representative_data": np.zeros((2, 12), np.float32)}, "does not use it"),
])
def test_bad_options_raise_before_writing(tmp_path, options, message):
    with pytest.raises(ValueError, match=message):
        export_tflite(head_mlp(), tmp_path / "model.tflite", **options)
    assert os.listdir(tmp_path) == []

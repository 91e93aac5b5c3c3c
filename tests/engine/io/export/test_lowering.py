"""Lowering Keras models to the export graph: the graph computes what the model computes, and says what it cannot."""
import numpy as np
import pytest

import engine as tf
from engine.io.export.graph import ExportError
from engine.io.export.lowering import lower_model

from .conftest import LAYER_MODELS, K, L, every_layer_cnn, randomize, sample_inputs

BUILDERS = {**LAYER_MODELS, "every_layer_cnn": every_layer_cnn}


def keras_outputs(model, inputs):
    outputs = model(inputs if len(inputs) > 1 else inputs[0], training=False)
    return [np.asarray(output) for output in (outputs if isinstance(outputs, (list, tuple)) else [outputs])]


def assert_graph_matches(model, inputs, graph=None):
    graph = graph or lower_model(model, "ONNX")
    got = graph.evaluate(inputs)
    expected = keras_outputs(model, inputs)
    assert len(got) == len(expected)
    for info, value in zip(graph.outputs, expected):
        np.testing.assert_allclose(got[info.name], value, rtol=1e-5, atol=1e-5, err_msg=info.name)
    return graph


def ops_of(graph):
    return [node.op for node in graph.nodes]


@pytest.mark.parametrize("name", sorted(BUILDERS))
def test_graph_computes_what_the_model_computes(name):
    model = BUILDERS[name]()
    graph = assert_graph_matches(model, sample_inputs(model, batch=3))
    assert [info.shape for info in graph.outputs] == [(None, *tensor.shape[1:]) for tensor in model.outputs]


def test_inputs_and_outputs_take_their_layers_names():
    model = LAYER_MODELS["nested_models"]()
    graph = lower_model(model, "ONNX")
    assert [(info.name, info.shape) for info in graph.inputs] == [("left", (None, 3)), ("right", (None, 3))]
    assert [(info.name, info.shape) for info in graph.outputs] == [("first", (None, 2)), ("second", (None, 1))]


def test_layers_inside_nested_models_are_named_by_their_path():
    graph = lower_model(LAYER_MODELS["nested_models"](), "ONNX")
    layers = {node.layer for node in graph.nodes}
    assert {"block/block_dense", "tower/tower_dense", "tower/tower_bn", "shared"} <= layers


def test_a_shared_layer_contributes_its_weights_once():
    graph = lower_model(LAYER_MODELS["nested_models"](), "ONNX")
    assert sum(node.layer == "shared" for node in graph.nodes) == 2
    assert sorted(name for name in graph.constants if name.startswith("shared/")) == ["shared/bias", "shared/kernel"]


def test_a_nested_model_with_named_inputs_gets_each_argument_by_name():
    first, second = K.Input((3,), name="first"), K.Input((3,), name="second")
    difference = K.Model({"first": first, "second": second}, L.Subtract()([first, second]), name="difference")
    left, right = K.Input((3,), name="left"), K.Input((3,), name="right")
    model = K.Model([left, right], difference({"second": left, "first": right}))
    assert_graph_matches(model, sample_inputs(model))


def test_the_batch_dimension_stays_open_even_when_the_model_fixes_it():
    inputs = K.Input((4, 4, 2), batch_size=2, name="image")
    x = L.Conv2D(3, 3, padding="same", activation="relu")(inputs)
    model = randomize(K.Model(inputs, L.Dense(2)(L.Flatten()(x))), seed=0)
    graph = lower_model(model, "ONNX")
    assert all(graph.tensors[node.outputs[0]].shape[0] is None for node in graph.nodes)
    assert graph.inputs[0].shape == (None, 4, 4, 2)
    batch_of_six = np.random.default_rng(0).standard_normal((6, 4, 4, 2)).astype(np.float32)
    # The model itself only takes batches of two.
    expected = np.concatenate([keras_outputs(model, [batch_of_six[i:i + 2]])[0] for i in range(0, 6, 2)])
    np.testing.assert_allclose(graph.evaluate([batch_of_six])[graph.outputs[0].name], expected, rtol=1e-5,
                               atol=1e-5)


# --- BatchNormalization folding ---------------------------------------------------------------------------
def _bn():
    return L.BatchNormalization(epsilon=1e-3)


def test_batch_norm_folds_into_the_conv_depthwise_or_dense_before_it():
    image = K.Input((6, 6, 3), name="image")
    convolved = L.ReLU()(_bn()(L.Conv2D(4, 3, padding="same")(image)))
    depthwise = _bn()(L.DepthwiseConv2D(3, depth_multiplier=2, use_bias=False)(convolved))
    features = K.Input((5,), name="features")
    dense = _bn()(L.Dense(3, use_bias=False)(features))
    model = randomize(K.Model([image, features], [depthwise, dense]), seed=1)
    graph = assert_graph_matches(model, sample_inputs(model))
    assert sorted(ops_of(graph)) == ["conv2d", "dense", "depthwise_conv2d", "relu"]
    # The folded nodes carry a bias now, and the BatchNormalization constants are gone.
    assert all(len(node.inputs) == 3 for node in graph.nodes if node.op != "relu")
    assert not [name for name in graph.constants if "batch_normalization" in name and "folded" not in name]


def test_batch_norm_after_an_activation_or_a_shared_tensor_stays_a_multiply_add():
    image = K.Input((6, 6, 3), name="image")
    activated = _bn()(L.Conv2D(4, 3, activation="relu")(image))
    shared = L.Conv2D(4, 3)(image)
    branched = L.Add()([shared, _bn()(shared)])
    on_input = _bn()(image)
    model = randomize(K.Model(image, [activated, branched, on_input]), seed=2)
    graph = assert_graph_matches(model, sample_inputs(model))
    assert sorted(ops_of(graph)) == sorted(["conv2d", "relu", "mul", "add",  # activated
                                            "conv2d", "mul", "add", "add",  # branched
                                            "mul", "add"])                  # on_input


def test_batch_norm_folds_across_a_nested_model_boundary_but_not_into_a_model_output():
    inner_input = K.Input((5, 5, 2))
    inner = K.Model(inner_input, L.Conv2D(3, 3)(inner_input), name="inner")
    image = K.Input((5, 5, 2), name="image")
    convolved = inner(image)
    model = randomize(K.Model(image, [_bn()(convolved), convolved]), seed=3)
    assert ops_of(assert_graph_matches(model, sample_inputs(model))) == ["conv2d", "mul", "add"]
    single = randomize(K.Model(image, _bn()(inner(image))), seed=3)
    assert ops_of(assert_graph_matches(single, sample_inputs(single))) == ["conv2d"]


def test_efficientnet_lite0_keeps_no_batch_norm_or_dropout():
    model = tf.applications.EfficientNetLite0(include_top=True, weights=None)
    graph = lower_model(model, "TFLite")
    layers = {node.layer for node in graph.nodes}
    assert not [layer for layer in layers if layer.endswith("bn") or "drop" in layer]
    convolutions = [layer for layer in model.layers if isinstance(layer, (L.Conv2D, L.DepthwiseConv2D))]
    assert sum(node.op in ("conv2d", "depthwise_conv2d") for node in graph.nodes) == len(convolutions)
    assert [info.name for info in graph.outputs] == ["predictions"]


# --- the log-mel front end ------------------------------------------------------------------------------
def test_log_mel_nodes_are_marked_to_stay_float_and_the_rest_are_not():
    model = LAYER_MODELS["log_mel_frames_of_two_steps"]()
    classifier = K.Model(model.inputs, L.Dense(2, name="dense")(L.Flatten(name="flatten")(model.outputs[0])))
    graph = assert_graph_matches(classifier, sample_inputs(classifier))
    marked = {node.layer: node.attrs.get("keep_float", False) for node in graph.nodes}
    assert marked == {"log_mel": True, "flatten": False, "dense": False}


def test_log_mel_of_aisfx_frames_with_two_slices_and_one_dft_product():
    model = LAYER_MODELS["log_mel_frames_of_two_steps"]()
    graph = lower_model(model, "ONNX")
    assert ops_of(graph) == ["pad", "reshape", "slice", "slice", "concat", "dense", "square", "dense", "log", "mul"]
    # The log's scale and offset were folded into the mel product.
    assert graph.nodes[-3].inputs[2] in graph.constants


# --- what cannot be exported ------------------------------------------------------------------------------
def test_an_unsupported_layer_is_named_with_its_class_and_the_format():
    inputs = K.Input((4, 4, 3), name="image")
    model = K.Model(inputs, L.Conv2DTranspose(2, 3, name="upsample")(L.ReLU(name="relu")(inputs)))
    with pytest.raises(ExportError, match=r"layer 'upsample' \(Conv2DTranspose\) to TFLite"):
        lower_model(model, "TFLite")


def test_an_unsupported_layer_inside_a_nested_model_is_named_by_its_path():
    inner_input = K.Input((4, 4, 3))
    decoder = K.Model(inner_input, L.UpSampling2D(name="upsample")(inner_input), name="decoder")
    inputs = K.Input((4, 4, 3), name="image")
    with pytest.raises(ExportError, match=r"layer 'decoder/upsample' \(UpSampling2D\) to ONNX"):
        lower_model(K.Model(inputs, decoder(inputs)), "ONNX")


@pytest.mark.parametrize("layer, input_shape, reason", [
    (L.ReLU(threshold=0.5, name="odd"), (4,), "threshold"),
    (L.Dense(3, activation="gelu", name="odd"), (4,), "activation 'gelu'"),
    (L.Activation("softplus", name="odd"), (4,), "activation 'softplus'"),
    (L.Conv2D(4, 3, groups=2, name="odd"), (5, 5, 4), "grouped"),
    (L.Softmax(axis=(1, 2), name="odd"), (3, 3), "several axes"),
    (L.Resizing(3, 3, interpolation="nearest", name="odd"), (5, 5, 1), "interpolation 'nearest'"),
    (L.Resizing(3, 3, antialias=True, name="odd"), (5, 5, 1), "antialiased downsampling"),
    (L.Resizing(3, 3, crop_to_aspect_ratio=True, name="odd"), (5, 4, 1), "crop_to_aspect_ratio"),
])
def test_unsupported_options_are_named(layer, input_shape, reason):
    inputs = K.Input(input_shape)
    with pytest.raises(ExportError, match=rf"layer 'odd' \({type(layer).__name__}\) to ONNX: .*{reason}"):
        lower_model(K.Model(inputs, layer(inputs)), "ONNX")


class Dense(K.layers.Layer):
    """A user's layer that happens to share a built-in layer's class name."""

    def call(self, inputs):
        return inputs * 2.0

    def compute_output_shape(self, input_shape):
        return input_shape


def test_a_user_layer_sharing_a_builtin_name_is_not_lowered_as_the_builtin():
    inputs = K.Input((3,))
    with pytest.raises(ExportError, match=r"layer 'doubler' \(Dense\) to ONNX: Dense layers are not supported"):
        lower_model(K.Model(inputs, Dense(name="doubler")(inputs)), "ONNX")


class Subclassed(K.Model):
    def __init__(self):
        super().__init__(name="subclassed")
        self.dense = L.Dense(2)

    def call(self, inputs):
        return self.dense(inputs)


def test_models_without_a_graph_are_refused_by_name():
    model = Subclassed()
    model(np.zeros((1, 3), np.float32))
    with pytest.raises(ExportError, match=r"model 'subclassed' \(Subclassed\) to ONNX: .*subclassed"):
        lower_model(model, "ONNX")
    with pytest.raises(ExportError, match=r"model 'unbuilt' \(Sequential\) to ONNX: .*not built"):
        lower_model(K.Sequential([L.Dense(2)], name="unbuilt"), "ONNX")


def test_integer_inputs_are_refused_by_name():
    tokens = K.Input((3,), dtype="int32", name="tokens")
    with pytest.raises(ExportError, match=r"input 'tokens' has dtype int32"):
        lower_model(K.Model(tokens, L.Embedding(5, 2)(tokens)), "ONNX")


# --- outputs that are not new tensors --------------------------------------------------------------------
def test_an_output_that_is_an_input_or_repeated_gets_a_named_copy():
    inputs = K.Input((3,), name="values")
    passed = L.Dropout(0.5, name="passed")(inputs)
    model = K.Model(inputs, [passed, L.Activation("linear", name="again")(passed)])
    graph = lower_model(model, "ONNX")
    assert [info.name for info in graph.outputs] == ["passed", "again"]
    assert ops_of(graph) == ["reshape", "reshape"]
    values = np.arange(6, dtype=np.float32).reshape(2, 3)
    for output in graph.evaluate([values]).values():
        np.testing.assert_array_equal(output, values)

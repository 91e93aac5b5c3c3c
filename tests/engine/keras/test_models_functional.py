"""Functional models: graphs with several inputs and outputs, shared layers, nested models, configs."""
import json

import numpy as np
import pytest

import engine as tf
from engine.errors import InvalidArgumentError, ModelFormatError, UnimplementedError
from engine.keras.layer import Layer

K = tf.keras
L = K.layers
RNG = np.random.default_rng(21)


def _numpy_dense(x, layer, activation=lambda v: v):
    kernel, bias = (w.astype(np.float64) for w in layer.get_weights())
    return activation(x.astype(np.float64) @ kernel + bias)


def _two_tower_model():
    left, right = K.Input((4,), name="left"), K.Input((4,), name="right")
    shared = L.Dense(3, activation="relu", name="shared")
    merged = L.Concatenate(name="merge")([shared(left), shared(right)])
    scores = L.Dense(2, name="scores")(merged)
    extra = L.Dense(1, name="extra")(shared(right))
    return K.Model([left, right], [scores, extra], name="towers")


def test_multi_input_multi_output_with_a_shared_layer_matches_numpy():
    model = _two_tower_model()
    shared, scores, extra = model.get_layer("shared"), model.get_layer("scores"), model.get_layer("extra")
    assert len(shared._inbound_nodes) == 3
    a, b = RNG.standard_normal((2, 4)).astype(np.float32), RNG.standard_normal((2, 4)).astype(np.float32)
    out_scores, out_extra = model([a, b])
    relu = lambda v: np.maximum(v, 0)  # noqa: E731
    merged = np.concatenate([_numpy_dense(a, shared, relu), _numpy_dense(b, shared, relu)], axis=-1)
    np.testing.assert_allclose(out_scores.numpy(), _numpy_dense(merged, scores), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(out_extra.numpy(), _numpy_dense(_numpy_dense(b, shared, relu), extra), rtol=1e-5,
                               atol=1e-6)
    by_name = model({"left": a, "right": b})
    np.testing.assert_array_equal(by_name[0].numpy(), out_scores.numpy())


def test_layers_come_in_keras_order_and_weights_follow_them():
    model = _two_tower_model()
    assert [layer.name for layer in model.layers] == ["left", "right", "shared", "merge", "scores", "extra"]
    assert [tuple(w.shape) for w in model.weights] == [(4, 3), (3,), (6, 2), (2,), (3, 1), (1,)]
    assert model.inputs[0].shape == (None, 4) and model.input_shape == [(None, 4), (None, 4)]
    assert model.output_shape == [(None, 2), (None, 1)]
    assert model.compute_output_shape([(5, 4), (5, 4)]) == [(5, 2), (5, 1)]
    assert model.get_layer(index=3).name == "merge"
    with pytest.raises(InvalidArgumentError, match="No such layer: nope"):
        model.get_layer("nope")


def test_gradients_reach_every_trainable_weight():
    model = _two_tower_model()
    a, b = np.ones((2, 4), np.float32), -np.ones((2, 4), np.float32)
    with tf.GradientTape() as tape:
        scores, extra = model([a, b], training=True)
        loss = tf.reduce_sum(scores * scores) + tf.reduce_sum(extra)
    grads = tape.gradient(loss, model.trainable_weights)
    assert len(grads) == 6 and all(g is not None for g in grads)


def test_config_round_trip_rebuilds_an_identical_model():
    model = _two_tower_model()
    config = json.loads(json.dumps(model.get_config()))
    assert config["input_layers"] == [["left", 0, 0], ["right", 0, 0]]
    assert config["output_layers"] == [["scores", 0, 0], ["extra", 0, 0]]
    shared_entry = next(entry for entry in config["layers"] if entry["name"] == "shared")
    histories = [node["args"][0]["config"]["keras_history"] for node in shared_entry["inbound_nodes"]]
    assert histories == [["left", 0, 0], ["right", 0, 0], ["right", 0, 0]]
    extra_entry = next(entry for entry in config["layers"] if entry["name"] == "extra")
    assert extra_entry["inbound_nodes"][0]["args"][0]["config"]["keras_history"] == ["shared", 2, 0]
    clone = K.Model.from_config(config)
    assert clone.get_config() == config
    clone.set_weights(model.get_weights())
    a, b = RNG.standard_normal((3, 4)).astype(np.float32), RNG.standard_normal((3, 4)).astype(np.float32)
    for ours, theirs in zip(clone([a, b]), model([a, b])):
        np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


def test_nested_functional_model_is_a_layer_and_round_trips():
    inner_input = K.Input((3,), name="inner_in")
    inner = K.Model(inner_input, L.Dense(2, activation="tanh", name="inner_dense")(inner_input), name="inner")
    x = K.Input((3,), name="x")
    first = inner(x)
    second = inner(L.Dense(3, name="pre")(x))
    outer = K.Model(x, L.Add(name="sum")([first, second]), name="outer")
    assert [layer.name for layer in outer.layers] == ["x", "pre", "inner", "sum"]
    assert len(outer.weights) == 4
    values = RNG.standard_normal((2, 3)).astype(np.float32)
    inner_dense = inner.get_layer("inner_dense")
    expected = _numpy_dense(values, inner_dense, np.tanh) + _numpy_dense(
        _numpy_dense(values, outer.get_layer("pre")), inner_dense, np.tanh)
    np.testing.assert_allclose(outer(values).numpy(), expected, rtol=1e-5, atol=1e-6)
    config = json.loads(json.dumps(outer.get_config()))
    inner_entry = next(entry for entry in config["layers"] if entry["name"] == "inner")
    assert inner_entry["class_name"] == "Functional" and len(inner_entry["inbound_nodes"]) == 2
    clone = K.Model.from_config(config)
    clone.set_weights(outer.get_weights())
    np.testing.assert_array_equal(clone(values).numpy(), outer(values).numpy())
    # A nested functional model as an output is referenced with Keras's extra node offset.
    as_output = K.Model(x, first, name="as_output")
    assert as_output.get_config()["output_layers"] == ["inner", 1, 0]
    assert tuple(K.Model.from_config(as_output.get_config())(values).shape) == (2, 2)


def test_single_input_and_output_are_written_unnested():
    x = K.Input((2,), name="only")
    model = K.Model(x, L.Dense(1, name="d")(x))
    config = model.get_config()
    assert config["input_layers"] == ["only", 0, 0] and config["output_layers"] == ["d", 0, 0]
    assert model.name == "functional" or model.name.startswith("functional_")


def test_keras2_style_config_loads():
    """The nested-list inbound nodes tf_keras and TF.js write."""
    config = {
        "name": "legacy", "layers": [
            {"class_name": "InputLayer", "name": "in",
             "config": {"batch_input_shape": [None, 2], "dtype": "float32", "sparse": False, "ragged": False,
                        "name": "in"}, "inbound_nodes": []},
            {"class_name": "Dense", "name": "d", "config": {"name": "d", "units": 3, "activation": "relu",
                                                            "dtype": "float32", "trainable": True},
             "inbound_nodes": [[["in", 0, 0, {}]]]},
            {"class_name": "Dense", "name": "e", "config": {"name": "e", "units": 3, "trainable": True},
             "inbound_nodes": [[["in", 0, 0, {}]]]},
            {"class_name": "Add", "name": "add", "config": {"name": "add", "trainable": True},
             "inbound_nodes": [[["d", 0, 0, {}], ["e", 0, 0, {}]]]},
        ],
        "input_layers": [["in", 0, 0]], "output_layers": [["add", 0, 0]]}
    model = K.Model.from_config(config)
    assert [layer.name for layer in model.layers] == ["in", "d", "e", "add"]
    x = np.array([[1.0, -1.0]], np.float32)
    d, e = model.get_layer("d"), model.get_layer("e")
    np.testing.assert_allclose(model(x).numpy(), _numpy_dense(x, d, lambda v: np.maximum(v, 0)) + _numpy_dense(x, e),
                               rtol=1e-5, atol=1e-6)


def test_malformed_configs_raise_model_format_error():
    x = K.Input((2,), name="x")
    config = K.Model(x, L.Dense(1, name="d")(x)).get_config()
    broken = json.loads(json.dumps(config))
    broken["layers"][1]["inbound_nodes"][0]["args"][0]["config"]["keras_history"] = ["ghost", 0, 0]
    with pytest.raises(ModelFormatError, match="'ghost'"):
        K.Model.from_config(broken)
    broken = json.loads(json.dumps(config))
    broken["layers"][1]["class_name"] = "Densest"
    with pytest.raises(ModelFormatError, match="'Densest'"):
        K.Model.from_config(broken)


def test_graph_errors_are_clear():
    a, b = K.Input((2,), name="a"), K.Input((2,), name="b")
    total = L.Add()([a, b])
    with pytest.raises(InvalidArgumentError, match="Graph disconnected.*tensor b"):
        K.Model(a, total)
    with pytest.raises(InvalidArgumentError, match="does not come from keras.Input"):
        K.Model(L.Dense(2)(a), total)
    with pytest.raises(UnimplementedError, match="arithmetic on a symbolic KerasTensor"):
        a + b
    model = K.Model([a, b], total)
    with pytest.raises(InvalidArgumentError, match="expects 2 input"):
        model(np.ones((1, 2), np.float32))
    with pytest.raises(InvalidArgumentError, match="incompatible"):
        model([np.ones((1, 3), np.float32), np.ones((1, 3), np.float32)])


def test_inputs_of_the_wrong_shape_name_the_model_and_trailing_ones_are_adjusted():
    x = K.Input((1,), name="scalar")
    model = K.Model(x, L.Dense(2, kernel_initializer="ones", name="d")(x), name="scalar_model")
    np.testing.assert_array_equal(model(np.array([1.0, 2.0], np.float32)).numpy(), [[1.0, 1.0], [2.0, 2.0]])
    with pytest.raises(InvalidArgumentError, match=r"layer 'scalar_model'.*expected shape=\(None, 1\)"):
        model(np.ones((2, 3), np.float32))
    with pytest.raises(InvalidArgumentError, match=r"layer 'scalar_model'.*expected shape"):
        model(np.ones((2, 1, 3), np.float32))


def test_custom_layer_without_compute_output_shape_in_a_functional_model():
    class PairSum(Layer):
        def call(self, inputs):
            return tf.reduce_sum(inputs, axis=-1, keepdims=True) * 2.0

    x = K.Input((None, 3))
    model = K.Model(x, PairSum()(x))
    assert model.output_shape == (None, None, 1)
    values = RNG.standard_normal((2, 5, 3)).astype(np.float32)
    np.testing.assert_allclose(model(values).numpy(), values.sum(-1, keepdims=True) * 2.0, rtol=1e-5)


def test_training_flag_reaches_layers_inside_a_functional_model():
    x = K.Input((200,))
    model = K.Model(x, L.Dropout(0.5, seed=1)(x))
    ones = np.ones((1, 200), np.float32)
    np.testing.assert_array_equal(model(ones).numpy(), ones)
    assert (model(ones, training=True).numpy() == 0).any()


def test_freezing_a_functional_model():
    model = _two_tower_model()
    model.get_layer("shared").trainable = False
    assert len(model.trainable_weights) == 4 and len(model.non_trainable_weights) == 2
    model.trainable = False
    assert model.trainable_weights == [] and len(model.non_trainable_weights) == 6

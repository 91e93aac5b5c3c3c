"""Sequential models: with and without an Input, add/pop, deferred build, configs, nesting, summary."""
import json

import numpy as np
import pytest

import engine as tf
from engine.errors import InvalidArgumentError

K = tf.keras
L = K.layers
RNG = np.random.default_rng(8)


def _mlp_reference(model, x):
    out = x.astype(np.float64)
    for layer in model.layers:
        if isinstance(layer, L.Dense):
            kernel, bias = (w.astype(np.float64) for w in layer.get_weights())
            out = out @ kernel + bias
            if layer.get_config()["activation"] == "relu":
                out = np.maximum(out, 0)
    return out


def test_sequential_with_input_builds_at_once_and_matches_numpy(backend):
    model = K.Sequential([K.Input((4,)), L.Dense(3, activation="relu"), L.Dropout(0.5), L.Dense(2)])
    assert model.built and model.input_shape == (None, 4) and model.output_shape == (None, 2)
    assert [type(layer).__name__ for layer in model.layers] == ["Dense", "Dropout", "Dense"]
    x = RNG.standard_normal((2, 4)).astype(np.float32)
    np.testing.assert_allclose(model(x).numpy(), _mlp_reference(model, x), rtol=1e-5, atol=1e-6)


def test_sequential_from_an_input_shape_argument():
    model = K.Sequential([L.Dense(3, input_shape=(5,)), L.Dense(1)])
    assert model.built and model.input_shape == (None, 5)
    assert isinstance(model._layers[0], L.InputLayer)


def test_deferred_build_on_the_first_call():
    model = K.Sequential([L.Dense(3), L.Dense(2)])
    assert not model.built and model.weights == []
    with pytest.raises(AttributeError, match="not built"):
        model.input_shape
    x = RNG.standard_normal((4, 6)).astype(np.float32)
    y = model(x)
    assert model.built and model.input_shape == (None, 6) and tuple(y.shape) == (4, 2)
    # Another batch size works: the batch dimension is not part of the model.
    assert tuple(model(x[:1]).shape) == (1, 2)
    np.testing.assert_allclose(y.numpy(), _mlp_reference(model, x), rtol=1e-5, atol=1e-6)


def test_explicit_build():
    model = K.Sequential([L.Dense(3), L.Dense(2)])
    model.build((None, 7))
    assert model.built and [tuple(w.shape) for w in model.weights] == [(7, 3), (3,), (3, 2), (2,)]
    assert model.count_params() == 7 * 3 + 3 + 3 * 2 + 2
    with pytest.raises(InvalidArgumentError, match="needs the input shape"):
        K.Sequential([L.Dense(1)]).build()


def test_add_and_pop():
    model = K.Sequential()
    model.add(K.Input((3,)))
    model.add(L.Dense(4))
    assert model.built and model.output_shape == (None, 4)
    model.add(L.Dense(2, name="head"))
    assert model.output_shape == (None, 2)
    popped = model.pop()
    assert popped.name == "head" and model.output_shape == (None, 4)
    with pytest.raises(InvalidArgumentError, match="unique names"):
        model.add(L.Dense(1, name=model.layers[0].name))
    with pytest.raises(InvalidArgumentError, match="already been configured to use input shape"):
        model.add(K.Input((9,)))
    with pytest.raises(InvalidArgumentError, match="Only instances of keras Layer"):
        model.add("dense")
    with pytest.raises(InvalidArgumentError, match="no layers"):
        K.Sequential().pop()


def test_sequential_config_round_trip_and_keras3_form():
    model = K.Sequential([K.Input((4,)), L.Dense(3, activation="relu"), L.Dense(2)], name="seq")
    config = json.loads(json.dumps(model.get_config()))
    assert list(config) == ["name", "trainable", "dtype", "layers", "build_input_shape"]
    assert config["build_input_shape"] == [None, 4]
    assert [entry["class_name"] for entry in config["layers"]] == ["InputLayer", "Dense", "Dense"]
    assert all("inbound_nodes" not in entry for entry in config["layers"])
    clone = K.Sequential.from_config(config)
    assert clone.get_config() == config
    clone.set_weights(model.get_weights())
    x = RNG.standard_normal((2, 4)).astype(np.float32)
    np.testing.assert_array_equal(clone(x).numpy(), model(x).numpy())
    unbuilt = K.Sequential([L.Dense(2)], name="lazy").get_config()
    assert "build_input_shape" not in unbuilt and not K.Sequential.from_config(unbuilt).built


def test_nested_sequentials_like_teachable_machine():
    features = K.Sequential([K.Input((4, 4, 1)), L.Conv2D(2, 3, activation="relu"), L.Flatten()], name="features")
    head = K.Sequential([K.Input((8,)), L.Dense(3, activation="softmax")], name="head")
    model = K.Sequential([K.Input((4, 4, 1)), features, head], name="outer")
    assert model.output_shape == (None, 3)
    assert [layer.name for layer in model.layers] == ["features", "head"]
    assert len(model.weights) == 4
    x = RNG.standard_normal((2, 4, 4, 1)).astype(np.float32)
    y = model(x).numpy()
    np.testing.assert_allclose(y.sum(axis=-1), 1.0, rtol=1e-5)
    clone = K.Sequential.from_config(json.loads(json.dumps(model.get_config())))
    clone.set_weights(model.get_weights())
    np.testing.assert_array_equal(clone(x).numpy(), y)


def test_a_built_model_first_gives_the_input_shape():
    features = K.Sequential([K.Input((5,)), L.Dense(3)], name="base")
    model = K.Sequential([features, L.Dense(1)])
    assert model.built and model.input_shape == (None, 5) and model.output_shape == (None, 1)


def test_sequential_inside_a_functional_model():
    block = K.Sequential([L.Dense(4, activation="relu"), L.Dense(4)], name="block")
    x = K.Input((4,))
    model = K.Model(x, L.Add()([x, block(x)]))
    values = RNG.standard_normal((3, 4)).astype(np.float32)
    np.testing.assert_allclose(model(values).numpy(), values + block(values).numpy(), rtol=1e-5, atol=1e-6)
    clone = K.Model.from_config(json.loads(json.dumps(model.get_config())))
    clone.set_weights(model.get_weights())
    np.testing.assert_allclose(clone(values).numpy(), model(values).numpy(), rtol=1e-6)


def _summary_lines(model, **kwargs):
    lines = []
    model.summary(print_fn=lines.append, **kwargs)
    return lines


def test_summary_table_and_totals():
    model = K.Sequential([K.Input((4,)), L.Dense(3, name="hidden"), L.BatchNormalization(name="norm"),
                          L.Dense(2, name="out")], name="net")
    lines = _summary_lines(model)
    assert lines[0] == 'Model: "net"'
    text = "\n".join(lines)
    assert "Layer (type)" in text and "Output Shape" in text and "Param #" in text
    hidden = next(line for line in lines if "hidden (Dense)" in line)
    assert "(None, 3)" in hidden and hidden.rstrip("│ ").endswith("15")
    norm = next(line for line in lines if "norm (BatchNormalization)" in line)
    assert norm.rstrip("│ ").endswith("12")
    # 15 + 12 + 8 = 35 parameters, of which the 6 moving statistics are not trainable.
    assert " Total params: 35 (140.00 B)" in lines
    assert " Trainable params: 29 (116.00 B)" in lines
    assert " Non-trainable params: 6 (24.00 B)" in lines


def test_summary_of_a_branching_model_lists_connections():
    a, b = K.Input((2,), name="a"), K.Input((2,), name="b")
    model = K.Model([a, b], L.Dense(1, name="d")(L.Concatenate(name="cat")([a, b])))
    lines = _summary_lines(model, show_trainable=True)
    header = next(line for line in lines if "Layer (type)" in line)
    assert "Connected to" in header and "Trainable" in header
    assert any("cat (Concatenate)" in line and "a[0][0]" in line for line in lines)
    assert any("b[0][0]" in line and "cat" not in line for line in lines)
    assert " Total params: 5 (20.00 B)" in lines

"""Subclassed models: layer tracking (attributes, lists, dicts), build, training flag, config, save delegation."""
import numpy as np
import pytest

import engine as tf
from engine.errors import InvalidArgumentError
from engine.keras.models import saving

K = tf.keras
L = K.layers


class Tower(K.Model):
    def __init__(self, width=4, **kwargs):
        super().__init__(**kwargs)
        self.width = width
        # Positive weights keep the ReLUs alive for positive inputs, so every weight gets a gradient.
        self.stem = L.Dense(width, activation="relu", kernel_initializer=K.initializers.RandomUniform(0.1, 0.5))
        self.blocks = [L.Dense(width), L.Dense(width)]
        self.heads = {"score": L.Dense(1), "gate": L.Dense(1, activation="sigmoid")}
        self.dropout = L.Dropout(0.5, seed=2)

    def call(self, inputs, training=None):
        x = self.stem(inputs)
        for block in self.blocks:
            x = x + block(x)
        x = self.dropout(x, training=training)
        return self.heads["score"](x) * self.heads["gate"](x)


def test_model_of_inputs_and_outputs_is_functional_and_a_model():
    x = K.Input((2,))
    model = K.Model(inputs=x, outputs=L.Dense(1)(x), name="f")
    assert isinstance(model, K.Model) and type(model).__name__ == "Functional"
    assert model.stop_training is False


def test_sublayers_in_attributes_lists_and_dicts_are_tracked():
    model = Tower()
    assert not model.built
    assert [type(layer).__name__ for layer in model.layers] == ["Dense"] * 5 + ["Dropout"]
    model(np.ones((2, 3), np.float32))
    assert model.built
    assert [tuple(w.shape) for w in model.weights] == [(3, 4), (4,), (4, 4), (4,), (4, 4), (4,), (4, 1), (1,),
                                                       (4, 1), (1,)]
    assert model.count_params() == 16 + 2 * 20 + 2 * 5


def test_forward_matches_numpy_and_uses_the_training_flag():
    model = Tower(width=3)
    x = np.random.default_rng(1).standard_normal((2, 5)).astype(np.float32)
    y = model(x).numpy()

    def dense(layer, values):
        kernel, bias = (w.astype(np.float64) for w in layer.get_weights())
        return values @ kernel + bias

    h = np.maximum(dense(model.stem, x.astype(np.float64)), 0)
    for block in model.blocks:
        h = h + dense(block, h)
    expected = dense(model.heads["score"], h) / (1 + np.exp(-dense(model.heads["gate"], h)))
    np.testing.assert_allclose(y, expected, rtol=1e-5, atol=1e-6)
    training_outputs = {model(x, training=True).numpy().tobytes() for _ in range(4)}
    assert len(training_outputs) > 1


def test_training_step_updates_every_weight():
    model = Tower()
    x = np.ones((4, 3), np.float32)
    model(x)
    before = [w.numpy() for w in model.trainable_weights]
    optimizer = K.optimizers.SGD(learning_rate=0.1)
    with tf.GradientTape() as tape:
        loss = tf.reduce_mean(tf.square(model(x, training=False) - 1.0))
    grads = tape.gradient(loss, model.trainable_weights)
    assert all(g is not None for g in grads)
    optimizer.apply_gradients(zip(grads, model.trainable_weights))
    assert all(not np.array_equal(b, w.numpy()) for b, w in zip(before, model.trainable_weights))


def test_build_with_a_shape_then_summary():
    model = Tower(name="tower")
    model.build((None, 6))
    assert model.built and tuple(model.weights[0].shape) == (6, 4)
    lines = []
    model.summary(print_fn=lines.append)
    assert lines[0] == 'Model: "tower"'
    assert any("(Dense)" in line for line in lines)
    assert f" Total params: {model.count_params()}" in "\n".join(lines)


def test_unbuilt_model_errors():
    model = Tower()
    with pytest.raises(InvalidArgumentError, match="isn't built"):
        model.count_params()
    with pytest.raises(InvalidArgumentError, match="exactly one of"):
        model.get_layer()


def test_auto_config_of_a_subclassed_model_round_trips():
    model = Tower(width=5, name="t")
    config = model.get_config()
    assert config["width"] == 5 and config["name"] == "t"
    clone = Tower.from_config(config)
    assert clone.width == 5 and clone.name == "t"


def test_freezing_a_sublayer_of_a_subclassed_model():
    model = Tower()
    model(np.ones((1, 2), np.float32))
    model.blocks[0].trainable = False
    assert len(model.trainable_weights) == 8
    assert len(model.non_trainable_weights) == 2


def test_save_delegates_to_the_saving_module(monkeypatch):
    calls = []

    def fake_save_model(model, filepath, overwrite=True, format=None, **kwargs):  # noqa: A002
        calls.append((model, filepath, overwrite, format, kwargs))

    monkeypatch.setattr(saving, "save_model", fake_save_model, raising=False)
    model = Tower()
    model.save("somewhere.keras")
    model.save("folder", format="tfjs", overwrite=False)
    assert calls == [(model, "somewhere.keras", True, None, {}), (model, "folder", False, "tfjs", {})]


def test_save_weights_and_load_weights_round_trip(tmp_path):
    model, other = Tower(), Tower()
    x = np.ones((2, 3), np.float32)
    model(x)
    other(x)
    model.save_weights(str(tmp_path / "tower.weights.h5"))
    other.load_weights(str(tmp_path / "tower.weights.h5"))
    for saved, loaded in zip(model.get_weights(), other.get_weights()):
        np.testing.assert_array_equal(saved, loaded)

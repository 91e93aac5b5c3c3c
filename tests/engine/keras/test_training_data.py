"""What fit / evaluate / predict accept: several inputs and outputs (lists and dicts), Keras 3's log names for
them, generators and other iterables of batches, and the errors for data that does not fit."""
import numpy as np
import pytest

import engine as tf
from engine.errors import IncompatibleShapesError, InvalidArgumentError

K = tf.keras
L = K.layers
RNG = np.random.default_rng(30)


def two_output_model():
    inputs = K.Input((4,), name="x")
    classes = L.Dense(3, activation="softmax", name="cls")(inputs)
    value = L.Dense(1, name="reg")(inputs)
    return K.Model(inputs, [classes, value])


def data(n=8):
    return (RNG.normal(0, 1, (n, 4)).astype(np.float32), RNG.integers(0, 3, n),
            RNG.normal(0, 1, (n, 1)).astype(np.float32))


def dense64(model, layer_name, x):
    kernel, bias = (w.astype(np.float64) for w in model.get_layer(layer_name).get_weights())
    return x.astype(np.float64) @ kernel + bias


def test_two_outputs_log_each_loss_and_prefixed_metrics_like_keras():
    model = two_output_model()
    model.compile(optimizer=K.optimizers.SGD(0.0), loss=["sparse_categorical_crossentropy", "mse"],
                  metrics=[["accuracy"], ["mae"]], loss_weights=[1.0, 0.5])
    x, labels, values = data()
    history = model.fit(x, [labels, values], batch_size=4, verbose=0, validation_split=0.25)
    assert sorted(history.history) == ["cls_accuracy", "cls_loss", "loss", "reg_loss", "reg_mae", "val_cls_accuracy",
                                       "val_cls_loss", "val_loss", "val_reg_loss", "val_reg_mae"]
    logs = model.evaluate(x, [labels, values], verbose=0, return_dict=True)
    z = dense64(model, "cls", x)
    p = np.exp(z - z.max(-1, keepdims=True))
    p /= p.sum(-1, keepdims=True)
    crossentropy = -np.log(np.clip(p[np.arange(len(x)), labels], 1e-7, 1 - 1e-7)).mean()
    squared = ((dense64(model, "reg", x) - values) ** 2).mean()
    np.testing.assert_allclose(logs["cls_loss"], crossentropy, rtol=1e-5)
    np.testing.assert_allclose(logs["reg_loss"], squared, rtol=1e-5)
    np.testing.assert_allclose(logs["loss"], crossentropy + 0.5 * squared, rtol=1e-5)
    np.testing.assert_allclose(logs["reg_mae"], np.abs(dense64(model, "reg", x) - values).mean(), rtol=1e-5)
    assert model.metrics_names == ["loss", "cls_loss", "reg_loss", "cls_accuracy", "reg_mae"]
    assert model.evaluate(x, [labels, values], verbose=0) == [logs[name] for name in model.metrics_names]


def test_losses_metrics_and_targets_by_output_name():
    model = two_output_model()
    model.compile(optimizer="sgd", loss={"reg": "mse", "cls": "sparse_categorical_crossentropy"},
                  metrics={"cls": "acc"}, loss_weights={"reg": 2.0})
    x, labels, values = data()
    by_name = model.evaluate(x, {"cls": labels, "reg": values}, verbose=0, return_dict=True)
    by_position = model.evaluate(x, [labels, values], verbose=0, return_dict=True)
    assert by_name == by_position
    assert sorted(by_name) == ["cls_acc", "cls_loss", "loss", "reg_loss"]
    np.testing.assert_allclose(by_name["loss"], by_name["cls_loss"] + 2.0 * by_name["reg_loss"], rtol=1e-6)
    predictions = model.predict(x, batch_size=3, verbose=0)
    assert isinstance(predictions, list) and [p.shape for p in predictions] == [(8, 3), (8, 1)]


def test_one_loss_for_several_outputs_applies_to_each():
    model = two_output_model()
    model.compile(optimizer="sgd", loss="mse", metrics=["mae"])
    x, labels, values = data()
    logs = model.evaluate(x, [np.eye(3, dtype=np.float32)[labels], values], verbose=0, return_dict=True)
    assert sorted(logs) == ["cls_loss", "cls_mae", "loss", "reg_loss", "reg_mae"]
    np.testing.assert_allclose(logs["loss"], logs["cls_loss"] + logs["reg_loss"], rtol=1e-6)


def test_a_sample_weight_array_applies_to_every_output():
    model = two_output_model()
    model.compile(optimizer="sgd", loss=["sparse_categorical_crossentropy", "mse"])
    x, labels, values = data()
    weights = RNG.uniform(0, 2, len(x)).astype(np.float32)
    logs = model.evaluate(x, [labels, values], sample_weight=weights, verbose=0, return_dict=True)
    squared = ((dense64(model, "reg", x) - values) ** 2)[:, 0]
    np.testing.assert_allclose(logs["reg_loss"], (squared * weights).mean(), rtol=1e-5)


def test_several_inputs_as_a_list_or_a_dict():
    left, right = K.Input((2,), name="left"), K.Input((3,), name="right")
    merged = L.Concatenate()([left, right])
    model = K.Model([left, right], L.Dense(2, activation="softmax")(merged))
    model.compile(optimizer=K.optimizers.Adam(0.05), loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    a, b = RNG.normal(0, 1, (16, 2)).astype(np.float32), RNG.normal(0, 1, (16, 3)).astype(np.float32)
    y = (a[:, 0] + b[:, 1] > 0).astype(np.int32)
    history = model.fit([a, b], y, batch_size=4, epochs=4, verbose=0, validation_split=0.25)
    assert "val_loss" in history.history
    from_dict = model.predict({"left": a, "right": b}, batch_size=5, verbose=0)
    np.testing.assert_allclose(from_dict, model.predict([a, b], verbose=0), rtol=1e-6)
    assert model.evaluate({"left": a, "right": b}, y, verbose=0) == model.evaluate([a, b], y, verbose=0)


def test_python_lists_of_numbers_are_data_not_structures():
    model = K.Sequential([K.Input((2,)), L.Dense(2, activation="softmax")])
    model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
    history = model.fit([[0.0, 1.0], [1.0, 0.0], [1.0, 1.0]], [0, 1, 1], verbose=0)
    assert len(history.history["loss"]) == 1


def batches(x, y, batch_size, weights=None):
    for start in range(0, len(x), batch_size):
        rows = slice(start, start + batch_size)
        yield (x[rows], y[rows]) if weights is None else (x[rows], y[rows], weights[rows])


def test_fit_from_a_generator_with_steps_per_epoch_carries_on_across_epochs():
    x, y = RNG.normal(0, 1, (40, 4)).astype(np.float32), RNG.integers(0, 3, 40)
    model = K.Sequential([K.Input((4,)), L.Dense(3, activation="softmax")])
    model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    consumed = []

    def endless():
        while True:
            for batch in batches(x, y, 8):
                consumed.append(1)
                yield batch

    history = model.fit(endless(), steps_per_epoch=3, epochs=3, verbose=0)
    assert history.epoch == [0, 1, 2] and history.params["steps"] == 3
    assert len(consumed) == 9
    logs = model.evaluate(batches(x, y, 8), verbose=0, return_dict=True)
    assert logs == model.evaluate(x, y, batch_size=8, verbose=0, return_dict=True)
    predictions = model.predict(((x[i:i + 8],) for i in range(0, 40, 8)), verbose=0)
    np.testing.assert_allclose(predictions, model(x).numpy(), rtol=1e-6)


class Batches:
    """A dataset-like object: every iteration starts from the first batch."""

    def __init__(self, *arrays, batch_size):
        self.arrays, self.batch_size = arrays, batch_size

    def __len__(self):
        return -(-len(self.arrays[0]) // self.batch_size)

    def __iter__(self):
        return batches(*self.arrays[:2], self.batch_size, *self.arrays[2:])


def test_a_reiterable_dataset_restarts_each_epoch_and_weights_come_third():
    x, y = RNG.normal(0, 1, (12, 4)).astype(np.float32), RNG.integers(0, 3, 12)
    weights = RNG.uniform(0, 1, 12).astype(np.float32)
    model = K.Sequential([K.Input((4,)), L.Dense(3, activation="softmax")])
    model.compile(optimizer=K.optimizers.SGD(0.0), loss="sparse_categorical_crossentropy")
    history = model.fit(Batches(x, y, weights, batch_size=4), epochs=2, verbose=0)
    expected = model.evaluate(x, y, sample_weight=weights, batch_size=4, verbose=0)
    assert history.params["steps"] == 3
    np.testing.assert_allclose(history.history["loss"], [expected, expected], rtol=1e-6)


def test_a_finite_generator_stops_training_when_it_runs_out():
    x, y = RNG.normal(0, 1, (16, 4)).astype(np.float32), RNG.integers(0, 3, 16)
    model = K.Sequential([K.Input((4,)), L.Dense(3, activation="softmax")])
    model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
    with pytest.warns(UserWarning, match="ran out of data"):
        history = model.fit(batches(x, y, 4), epochs=3, verbose=0)
    assert history.epoch == [0]


def test_data_errors_are_typed_and_explicit():
    model = K.Sequential([K.Input((4,)), L.Dense(3, activation="softmax")])
    model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
    x = np.zeros((6, 4), np.float32)
    with pytest.raises(IncompatibleShapesError, match="cardinality"):
        model.fit(x, np.zeros(5), verbose=0)
    with pytest.raises(InvalidArgumentError, match="should not be passed"):
        model.fit(batches(x, np.zeros(6), 2), np.zeros(6), verbose=0)
    with pytest.raises(InvalidArgumentError, match="validation_split"):
        model.fit(batches(x, np.zeros(6), 2), validation_split=0.5, verbose=0)
    two_outputs = two_output_model()
    two_outputs.compile(optimizer="sgd", loss="mse")
    with pytest.raises(InvalidArgumentError, match="single output"):
        two_outputs.fit(x, [np.zeros(6), np.zeros(6)], class_weight={0: 1.0}, verbose=0)

"""compile / fit / evaluate / predict on real models: learning, logs, weights and the stop flag, checked
against float64 numpy computations of the same losses."""
import threading

import numpy as np
import pytest

import engine as tf
from engine.errors import InvalidArgumentError

K = tf.keras
L = K.layers
EPS = 1e-7


def blobs(n=96, seed=0):
    """Two well separated Gaussian blobs in 2-D; labels 0 / 1."""
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 2, n)
    centres = np.array([[-2.0, -2.0], [2.0, 2.0]])
    x = centres[labels] + rng.normal(0, 0.6, (n, 2))
    return x.astype(np.float32), labels.astype(np.int32)


def softmax_model(inputs=3, classes=4, seed=0, regularizer=None):
    model = K.Sequential([K.Input((inputs,)), L.Dense(classes, activation="softmax", kernel_regularizer=regularizer)])
    rng = np.random.default_rng(seed)
    model.set_weights([rng.normal(0, 0.7, (inputs, classes)).astype(np.float32),
                       rng.normal(0, 0.1, classes).astype(np.float32)])
    return model


def softmax_crossentropy64(model, x, labels):
    """Per-sample sparse crossentropy of a one-Dense softmax model, in float64 (Keras's clipping)."""
    kernel, bias = (w.astype(np.float64) for w in model.get_weights()[:2])
    z = x.astype(np.float64) @ kernel + bias
    p = np.exp(z - z.max(-1, keepdims=True))
    p /= p.sum(-1, keepdims=True)
    clipped = np.clip(p, EPS, 1 - EPS)
    return -np.log(clipped[np.arange(len(labels)), labels] / clipped.sum(-1)), p


def test_fit_learns_a_separable_problem_and_the_loss_decreases():
    x, y = blobs()
    model = K.Sequential([K.Input((2,)), L.Dense(8, activation="relu"), L.Dense(2, activation="softmax")])
    model.compile(optimizer=K.optimizers.Adam(0.05), loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    history = model.fit(x, y, batch_size=16, epochs=15, verbose=0)
    assert sorted(history.history) == ["accuracy", "loss"]
    assert history.epoch == list(range(15))
    assert history.params == {"verbose": 0, "epochs": 15, "steps": 6}
    assert model.history is history
    assert history.history["loss"][-1] < 0.3 * history.history["loss"][0]
    assert history.history["accuracy"][-1] >= 0.95
    assert model.evaluate(x, y, verbose=0, return_dict=True)["accuracy"] >= 0.95


def test_epoch_loss_is_the_sample_mean_over_batches_of_any_size():
    # With a zero learning rate the weights never move, so the epoch loss is the plain mean over samples,
    # although the last of the three batches holds only 2 samples.
    rng = np.random.default_rng(1)
    x, y = rng.normal(0, 1, (10, 3)).astype(np.float32), rng.integers(0, 4, 10)
    model = softmax_model()
    model.compile(optimizer=K.optimizers.SGD(0.0), loss="sparse_categorical_crossentropy")
    history = model.fit(x, y, batch_size=4, epochs=1, verbose=0, shuffle=True)
    expected, _ = softmax_crossentropy64(model, x, y)
    np.testing.assert_allclose(history.history["loss"][0], expected.mean(), rtol=1e-5)


def test_validation_split_holds_out_the_last_fraction():
    rng = np.random.default_rng(2)
    x, y = rng.normal(0, 1, (10, 3)).astype(np.float32), rng.integers(0, 4, 10)
    model = softmax_model()
    model.compile(optimizer=K.optimizers.SGD(0.0), loss="sparse_categorical_crossentropy", metrics=["acc"])
    history = model.fit(x, y, batch_size=3, epochs=1, validation_split=0.3, verbose=0)
    train_part, _ = softmax_crossentropy64(model, x[:7], y[:7])
    held_out, probabilities = softmax_crossentropy64(model, x[7:], y[7:])
    np.testing.assert_allclose(history.history["loss"][0], train_part.mean(), rtol=1e-5)
    np.testing.assert_allclose(history.history["val_loss"][0], held_out.mean(), rtol=1e-5)
    np.testing.assert_allclose(history.history["val_acc"][0], np.mean(probabilities.argmax(-1) == y[7:]))
    assert history.params["steps"] == 3
    with pytest.raises(InvalidArgumentError, match="not sufficient"):
        model.fit(x[:1], y[:1], validation_split=0.5, verbose=0)


def test_sample_weight_and_class_weight_weight_the_loss_exactly():
    rng = np.random.default_rng(3)
    x, y = rng.normal(0, 1, (8, 3)).astype(np.float32), rng.integers(0, 4, 8)
    weights = rng.uniform(0.1, 2.0, 8).astype(np.float32)
    model = softmax_model()
    model.compile(optimizer=K.optimizers.SGD(0.0), loss="sparse_categorical_crossentropy")
    per_sample, _ = softmax_crossentropy64(model, x, y)
    np.testing.assert_allclose(model.test_on_batch(x, y, sample_weight=weights), (per_sample * weights).mean(),
                               rtol=1e-5)
    class_weight = {0: 0.5, 1: 2.0, 3: 4.0}   # class 2 keeps weight 1
    by_class = np.array([class_weight.get(label, 1.0) for label in y])
    history = model.fit(x, y, batch_size=8, epochs=1, class_weight=class_weight, verbose=0)
    np.testing.assert_allclose(history.history["loss"][0], (per_sample * by_class).mean(), rtol=1e-5)
    np.testing.assert_allclose(model.train_on_batch(x, y, class_weight=class_weight), (per_sample * by_class).mean(),
                               rtol=1e-5)
    history = model.fit(x, y, batch_size=3, epochs=1, sample_weight=weights, verbose=0, shuffle=False,
                        validation_data=(x, y, weights))
    np.testing.assert_allclose(history.history["val_loss"][0], (per_sample * weights).mean(), rtol=1e-5)
    with pytest.raises(InvalidArgumentError, match="class_weight"):
        model.fit(x, y, class_weight=class_weight, sample_weight=weights, verbose=0)


def test_one_hot_targets_take_class_weights_by_their_argmax():
    rng = np.random.default_rng(4)
    x, labels = rng.normal(0, 1, (6, 3)).astype(np.float32), np.array([0, 1, 2, 3, 1, 0])
    model = softmax_model()
    model.compile(optimizer=K.optimizers.SGD(0.0), loss="categorical_crossentropy")
    per_sample, _ = softmax_crossentropy64(model, x, labels)
    got = model.train_on_batch(x, np.eye(4, dtype=np.float32)[labels], class_weight={1: 3.0})
    np.testing.assert_allclose(got, (per_sample * np.where(labels == 1, 3.0, 1.0)).mean(), rtol=1e-5)


def test_regularization_losses_are_added_to_the_training_loss():
    rng = np.random.default_rng(5)
    x, y = rng.normal(0, 1, (5, 3)).astype(np.float32), rng.integers(0, 4, 5)
    model = softmax_model(regularizer=K.regularizers.L2(0.1))
    model.compile(optimizer=K.optimizers.SGD(0.0), loss="sparse_categorical_crossentropy")
    per_sample, _ = softmax_crossentropy64(model, x, y)
    penalty = 0.1 * np.sum(model.get_weights()[0].astype(np.float64) ** 2)
    np.testing.assert_allclose(model.test_on_batch(x, y), per_sample.mean() + penalty, rtol=1e-5)


def test_one_sgd_step_moves_the_weights_by_the_hand_gradient():
    rng = np.random.default_rng(6)
    x, y = rng.normal(0, 1, (6, 3)).astype(np.float32), rng.integers(0, 4, 6)
    model = softmax_model()
    model.compile(optimizer=K.optimizers.SGD(0.5), loss="sparse_categorical_crossentropy")
    kernel, bias = (w.astype(np.float64) for w in model.get_weights())
    _, p = softmax_crossentropy64(model, x, y)
    dz = (p - np.eye(4)[y]) / len(y)
    model.fit(x, y, batch_size=6, epochs=1, verbose=0)
    new_kernel, new_bias = model.get_weights()
    np.testing.assert_allclose(new_kernel, kernel - 0.5 * x.T.astype(np.float64) @ dz, rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(new_bias, bias - 0.5 * dz.sum(0), rtol=1e-4, atol=1e-6)


def test_stop_flag_set_in_a_batch_callback_ends_training_after_that_batch():
    x, y = blobs(80)
    model = K.Sequential([K.Input((2,)), L.Dense(2, activation="softmax")])
    model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
    seen = []

    def on_batch_end(batch, logs):
        seen.append(batch)
        if batch == 3:
            model.stop_training = True

    history = model.fit(x, y, batch_size=8, epochs=5, verbose=0,
                        callbacks=[K.callbacks.LambdaCallback(on_train_batch_end=on_batch_end)])
    assert seen == [0, 1, 2, 3]
    assert history.epoch == [0]
    assert len(history.history["loss"]) == 1


def test_stop_flag_set_from_another_thread_is_seen_at_the_end_of_the_batch():
    x, y = blobs(80)
    model = K.Sequential([K.Input((2,)), L.Dense(2, activation="softmax")])
    model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
    begun = []

    def on_batch_begin(batch, logs):
        begun.append(batch)
        if batch == 2:
            gui = threading.Thread(target=setattr, args=(model, "stop_training", True))
            gui.start()
            gui.join()

    model.fit(x, y, batch_size=8, epochs=3, verbose=0,
              callbacks=[K.callbacks.LambdaCallback(on_train_batch_begin=on_batch_begin)])
    assert begun == [0, 1, 2]
    assert model.stop_training is True
    model.fit(x, y, batch_size=40, epochs=1, verbose=0)   # the next fit starts afresh
    assert model.stop_training is False


def test_predict_in_batches_equals_one_call():
    x = np.random.default_rng(7).normal(0, 1, (23, 3)).astype(np.float32)
    model = softmax_model()
    whole = model(x).numpy()
    for batch_size in (1, 5, 23, 64):
        got = model.predict(x, batch_size=batch_size, verbose=0)
        assert isinstance(got, np.ndarray) and got.shape == (23, 4)
        np.testing.assert_allclose(got, whole, rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(model.predict_on_batch(x), whole, rtol=1e-6, atol=1e-7)


def test_evaluate_returns_keras_keys_and_order():
    rng = np.random.default_rng(8)
    x, y = rng.normal(0, 1, (12, 3)).astype(np.float32), rng.integers(0, 4, 12)
    model = softmax_model()
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy",
                  metrics=["accuracy", K.metrics.SparseTopKCategoricalAccuracy(k=2, name="top2")])
    logs = model.evaluate(x, y, batch_size=5, verbose=0, return_dict=True)
    assert list(logs) == ["accuracy", "loss", "top2"]
    assert model.metrics_names == ["loss", "accuracy", "top2"]
    values = model.evaluate(x, y, batch_size=5, verbose=0)
    assert values == [logs["loss"], logs["accuracy"], logs["top2"]]
    per_sample, p = softmax_crossentropy64(model, x, y)
    np.testing.assert_allclose(logs["loss"], per_sample.mean(), rtol=1e-5)
    np.testing.assert_allclose(logs["accuracy"], np.mean(p.argmax(-1) == y))
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    assert isinstance(model.evaluate(x, y, verbose=0), float)


def test_train_and_test_on_batch_report_that_batch_only():
    rng = np.random.default_rng(9)
    x, y = rng.normal(0, 1, (8, 3)).astype(np.float32), rng.integers(0, 4, 8)
    model = softmax_model()
    model.compile(optimizer=K.optimizers.SGD(0.0), loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    first, _ = softmax_crossentropy64(model, x[:4], y[:4])
    second, p = softmax_crossentropy64(model, x[4:], y[4:])
    model.train_on_batch(x[:4], y[:4])
    logs = model.train_on_batch(x[4:], y[4:], return_dict=True)
    np.testing.assert_allclose(logs["loss"], second.mean(), rtol=1e-5)
    np.testing.assert_allclose(model.test_on_batch(x[:4], y[:4]), [first.mean(), model.test_on_batch(
        x[:4], y[:4], return_dict=True)["accuracy"]], rtol=1e-5)
    np.testing.assert_allclose(logs["accuracy"], np.mean(p.argmax(-1) == y[4:]))


def test_fit_accepts_engine_tensors():
    x, y = blobs(32)
    model = K.Sequential([K.Input((2,)), L.Dense(2, activation="softmax")])
    model.compile(optimizer=K.optimizers.Adam(0.1), loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    history = model.fit(tf.constant(x), tf.constant(y), batch_size=8, epochs=3, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0]
    np.testing.assert_allclose(model.predict(tf.constant(x), verbose=0), model(x).numpy(), rtol=1e-6)


def test_compile_resolves_accuracy_and_crossentropy_by_shapes():
    x, y = blobs(16)
    cases = [
        ("sparse_categorical_crossentropy", y, K.layers.Dense(2, activation="softmax"), "SparseCategoricalAccuracy"),
        ("categorical_crossentropy", np.eye(2, dtype=np.float32)[y], K.layers.Dense(2, activation="softmax"),
         "CategoricalAccuracy"),
        ("binary_crossentropy", y.astype(np.float32), K.layers.Dense(1, activation="sigmoid"), "BinaryAccuracy"),
        ("crossentropy", y.reshape(-1, 1), K.layers.Dense(3, activation="softmax"), "SparseCategoricalAccuracy"),
    ]
    for loss, targets, output, accuracy_class in cases:
        model = K.Sequential([K.Input((2,)), output])
        model.compile(optimizer="sgd", loss=loss, metrics=["acc"])
        logs = model.evaluate(x, targets, verbose=0, return_dict=True)
        assert sorted(logs) == ["acc", "loss"]
        assert [type(m).__name__ for m in model.metrics] == ["Mean", accuracy_class]


def test_compile_config_round_trip():
    model = softmax_model()
    model.compile(optimizer=K.optimizers.Adam(0.01), loss=K.losses.SparseCategoricalCrossentropy(from_logits=False),
                  metrics=["accuracy", K.metrics.SparseTopKCategoricalAccuracy(k=2)])
    config = model.get_compile_config()
    assert config["optimizer"]["class_name"] == "Adam"
    assert config["loss"] == {"module": "keras.losses", "class_name": "SparseCategoricalCrossentropy",
                              "config": {"name": "sparse_categorical_crossentropy", "reduction": "sum_over_batch_size",
                                         "from_logits": False, "ignore_class": None},
                              "registered_name": None}
    assert config["metrics"][0] == "accuracy" and config["metrics"][1]["config"]["k"] == 2
    assert {key: config[key] for key in ("loss_weights", "weighted_metrics", "run_eagerly", "steps_per_execution",
                                         "jit_compile")} == {"loss_weights": None, "weighted_metrics": None,
                                                             "run_eagerly": False, "steps_per_execution": 1,
                                                             "jit_compile": False}
    other = softmax_model()
    assert other.get_compile_config() == {}
    other.compile_from_config(config)
    assert isinstance(other.optimizer, K.optimizers.Adam)
    np.testing.assert_allclose(float(other.optimizer.learning_rate), 0.01, rtol=1e-6)
    assert other.get_compile_config() == config
    rng = np.random.default_rng(10)
    x, y = rng.normal(0, 1, (6, 3)).astype(np.float32), rng.integers(0, 4, 6)
    assert model.evaluate(x, y, verbose=0, return_dict=True) == other.evaluate(x, y, verbose=0, return_dict=True)


def test_using_an_uncompiled_model_or_no_loss_fails_clearly():
    model = softmax_model()
    x = np.zeros((2, 3), np.float32)
    with pytest.raises(InvalidArgumentError, match="compile"):
        model.fit(x, np.zeros(2), verbose=0)
    model.compile(optimizer="sgd")
    with pytest.raises(InvalidArgumentError, match="No loss to compute"):
        model.fit(x, np.zeros(2), verbose=0)


def test_fit_on_every_backend_matches_the_cpu_run(backend):
    """Two epochs of SGD on a tiny problem give the cpu backend's numbers, without growing memory."""
    rng = np.random.default_rng(12)
    x, y = rng.normal(0, 1, (6, 3)).astype(np.float32), rng.integers(0, 4, 6)

    def run(backend_name):
        tf.set_backend(backend_name)
        model = softmax_model(seed=3)
        model.compile(optimizer=K.optimizers.SGD(0.3), loss="sparse_categorical_crossentropy", metrics=["accuracy"])
        history = model.fit(x, y, batch_size=3, epochs=2, shuffle=False, verbose=0)
        return model, history.history

    _, reference = run("cpu")
    model, got = run(backend)
    for key in ("loss", "accuracy"):
        np.testing.assert_allclose(got[key], reference[key], rtol=1e-4, atol=1e-6)
    before = tf.memory()["num_tensors"]
    model.fit(x, y, batch_size=3, epochs=2, shuffle=False, verbose=0)
    # Garbage collection during the second fit may free tensors of the first run, never add any.
    assert tf.memory()["num_tensors"] <= before


@pytest.mark.parametrize("shuffle", [False, True], ids=["in order", "shuffled"])
def test_steps_per_execution_trains_as_one_step_per_call(backend, shuffle):
    """Groups of 3 steps (and the epoch's shorter last group) give the weights of one step per call, and the
    batch callbacks come once per group."""
    rng = np.random.default_rng(5)
    x, y = rng.normal(0, 1, (40, 3)).astype(np.float32), rng.integers(0, 4, 40)
    results = []
    for steps_per_execution in (1, 3):
        tf.random.set_seed(9)
        np.random.seed(4)   # fit's shuffle draws from numpy's global generator
        inputs = K.Input((3,))
        hidden = K.layers.Dropout(0.3)(K.layers.Dense(8, activation="relu", kernel_initializer=K.initializers.
                                                      GlorotUniform(seed=1))(inputs))
        model = K.Model(inputs, K.layers.Dense(4, activation="softmax",
                                               kernel_initializer=K.initializers.GlorotUniform(seed=2))(hidden))
        model.compile(K.optimizers.Adam(0.05), "sparse_categorical_crossentropy", metrics=["accuracy"],
                      steps_per_execution=steps_per_execution)
        ends = []
        history = model.fit(x, y, batch_size=4, epochs=2, shuffle=shuffle, verbose=0,
                            callbacks=[K.callbacks.LambdaCallback(on_train_batch_end=lambda batch, logs: ends.append(batch))])
        results.append((model.get_weights(), history.history["loss"], ends))
    (weights_one, loss_one, ends_one), (weights_group, loss_group, ends_group) = results
    for got, want in zip(weights_group, weights_one):
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(loss_group, loss_one, rtol=1e-5)
    assert ends_one == list(range(10)) * 2
    assert ends_group == [2, 5, 8, 9] * 2
    with pytest.raises(InvalidArgumentError, match="steps_per_execution"):
        model.compile("adam", "mse", steps_per_execution=0)

"""Callbacks in fit: hook order and logs, History, EarlyStopping (patience, baseline, restoring the best
weights exactly), ReduceLROnPlateau, LearningRateScheduler, ModelCheckpoint, TerminateOnNaN, ProgbarLogger."""
import math
import os

import numpy as np
import pytest

import engine as tf
from engine.errors import InvalidArgumentError

K = tf.keras
L = K.layers
C = K.callbacks


def problem(n=32, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(0, 1, (n, 3)).astype(np.float32)
    return x, (x[:, 0] > 0).astype(np.int32)


def model_for(optimizer="sgd", metrics=("accuracy",)):
    model = K.Sequential([K.Input((3,)), L.Dense(2, activation="softmax")])
    model.compile(optimizer=optimizer, loss="sparse_categorical_crossentropy", metrics=list(metrics))
    return model


class Scripted(C.Callback):
    """Puts a scripted value under `key` in each epoch's logs (for the callbacks after it to watch)."""

    def __init__(self, key, values):
        super().__init__()
        self.key, self.values = key, values

    def on_epoch_end(self, epoch, logs=None):
        logs[self.key] = self.values[epoch]


class Recorder(C.Callback):
    def __init__(self):
        super().__init__()
        self.calls = []
        self.weights = []
        self.learning_rates = []

    def on_train_begin(self, logs=None):
        self.calls.append(("train_begin",))

    def on_epoch_begin(self, epoch, logs=None):
        self.calls.append(("epoch_begin", epoch))
        self.learning_rates.append(float(self.model.optimizer.learning_rate))

    def on_train_batch_begin(self, batch, logs=None):
        self.calls.append(("batch_begin", batch))

    def on_train_batch_end(self, batch, logs=None):
        self.calls.append(("batch_end", batch, sorted(logs)))

    def on_test_begin(self, logs=None):
        self.calls.append(("test_begin",))

    def on_test_end(self, logs=None):
        self.calls.append(("test_end", sorted(logs)))

    def on_epoch_end(self, epoch, logs=None):
        self.calls.append(("epoch_end", epoch, sorted(logs)))
        self.weights.append([w.copy() for w in self.model.get_weights()])

    def on_train_end(self, logs=None):
        self.calls.append(("train_end",))


def test_hooks_come_in_order_with_float_logs():
    x, y = problem(8)
    model = model_for()
    recorder = Recorder()
    model.fit(x, y, batch_size=4, epochs=2, verbose=0, validation_data=(x, y), callbacks=[recorder])
    batch_keys = ["accuracy", "loss"]
    epoch_keys = ["accuracy", "loss", "val_accuracy", "val_loss"]
    expected = [("train_begin",)]
    for epoch in range(2):
        expected += [("epoch_begin", epoch), ("batch_begin", 0), ("batch_end", 0, batch_keys), ("batch_begin", 1),
                     ("batch_end", 1, batch_keys), ("test_begin",), ("test_end", batch_keys),
                     ("epoch_end", epoch, epoch_keys)]
    assert recorder.calls == expected + [("train_end",)]
    assert recorder.params == {"verbose": 0, "epochs": 2, "steps": 2}


def test_batch_logs_are_the_running_epoch_means():
    x, y = problem(12)
    model = model_for(optimizer=K.optimizers.SGD(0.0))
    seen = []
    model.fit(x, y, batch_size=4, epochs=1, shuffle=False, verbose=0,
              callbacks=[C.LambdaCallback(on_train_batch_end=lambda batch, logs: seen.append(logs["loss"]))])
    per_batch = [model.evaluate(x[i:i + 4], y[i:i + 4], verbose=0, return_dict=True)["loss"] for i in (0, 4, 8)]
    np.testing.assert_allclose(seen, np.cumsum(per_batch) / np.arange(1, 4), rtol=1e-5)
    assert all(isinstance(value, float) for value in seen)


def test_lambda_callback_hooks_and_unknown_hooks():
    x, y = problem(8)
    events = []
    callback = C.LambdaCallback(on_train_begin=lambda logs: events.append("begin"),
                                on_epoch_end=lambda epoch, logs: events.append(("epoch", epoch, round(logs["loss"], 9))),
                                on_test_end=lambda logs: events.append("test"),
                                on_train_end=lambda logs: events.append("end"))
    history = model_for().fit(x, y, epochs=2, verbose=0, validation_data=(x, y), callbacks=[callback])
    assert events == ["begin", "test", ("epoch", 0, round(history.history["loss"][0], 9)), "test",
                      ("epoch", 1, round(history.history["loss"][1], 9)), "end"]
    with pytest.raises(InvalidArgumentError, match="on_epoch_middle"):
        C.LambdaCallback(on_epoch_middle=print)


@pytest.mark.parametrize("mode, values, patience, stopped_after", [
    ("max", [0.1, 0.3, 0.3, 0.2, 0.9, 0.9], 2, 3),       # no improvement at epochs 2 and 3
    ("min", [5.0, 4.0, 3.0, 2.0, 1.0, 0.5], 1, 5),       # keeps improving: runs every epoch
    ("min", [1.0, 1.0, 1.0, 0.0, 0.0, 0.0], 0, 1),       # patience 0 stops at the first stall after epoch 0
])
def test_early_stopping_patience(mode, values, patience, stopped_after):
    x, y = problem(8)
    stopper = C.EarlyStopping(monitor="score", mode=mode, patience=patience)
    history = model_for().fit(x, y, epochs=6, verbose=0, callbacks=[Scripted("score", values), stopper])
    assert history.epoch == list(range(stopped_after + 1))
    assert stopper.stopped_epoch == (stopped_after if stopped_after < 5 else 0)


def test_early_stopping_min_delta_baseline_and_start_epoch():
    x, y = problem(8)
    stopper = C.EarlyStopping(monitor="score", mode="max", patience=1, min_delta=0.05)
    history = model_for().fit(x, y, epochs=6, verbose=0,
                              callbacks=[Scripted("score", [0.5, 0.52, 0.54, 0.9, 0.9, 0.9]), stopper])
    assert history.epoch == [0, 1]             # +0.02 does not count as an improvement
    stalls = [0.5, 0.5, 0.5, 0.9, 0.9, 0.9]
    history = model_for().fit(x, y, epochs=6, verbose=0,
                              callbacks=[Scripted("score", stalls), C.EarlyStopping(monitor="score", patience=2,
                                                                                     mode="max")])
    assert history.epoch == [0, 1, 2]
    stopper = C.EarlyStopping(monitor="score", mode="max", patience=2, baseline=0.8)
    history = model_for().fit(x, y, epochs=6, verbose=0, callbacks=[Scripted("score", stalls), stopper])
    assert history.epoch == [0, 1]             # below the baseline, the first epoch already counts as waiting
    stopper = C.EarlyStopping(monitor="score", mode="min", patience=0, start_from_epoch=3)
    history = model_for().fit(x, y, epochs=6, verbose=0,
                              callbacks=[Scripted("score", [9, 9, 9, 1, 2, 0]), stopper])
    assert history.epoch == [0, 1, 2, 3, 4]


def test_early_stopping_restores_the_best_weights_exactly():
    x, y = problem(16)
    model = model_for(optimizer=K.optimizers.SGD(0.5))
    recorder = Recorder()
    stopper = C.EarlyStopping(monitor="score", mode="max", patience=2, restore_best_weights=True)
    model.fit(x, y, batch_size=4, epochs=10, verbose=0,
              callbacks=[Scripted("score", [0.1, 0.2, 0.3, 0.4, 0.9, 0.2, 0.3, 0.1, 0.5, 0.5]), recorder, stopper])
    assert len(recorder.weights) == 7 and stopper.best_epoch == 4
    for got, best in zip(model.get_weights(), recorder.weights[4]):
        np.testing.assert_array_equal(got, best)
    assert not np.array_equal(recorder.weights[4][0], recorder.weights[6][0])


def test_early_stopping_on_val_loss_by_default_and_auto_direction():
    x, y = problem(16)
    model = model_for()
    stopper = C.EarlyStopping(patience=1)
    model.fit(x, y, epochs=1, verbose=0, validation_split=0.25, callbacks=[stopper])
    assert stopper.monitor == "val_loss" and stopper.best is not None
    accuracy_stopper = C.EarlyStopping(monitor="val_accuracy")
    model.fit(x, y, epochs=1, verbose=0, validation_split=0.25, callbacks=[accuracy_stopper])
    assert accuracy_stopper._higher_is_better is True
    with pytest.raises(InvalidArgumentError, match="maximized or minimized"):
        model.fit(x, y, epochs=1, verbose=0, callbacks=[Scripted("score", [1.0]), C.EarlyStopping(monitor="score")])
    with pytest.warns(UserWarning, match="not available"):
        model.fit(x, y, epochs=1, verbose=0, callbacks=[C.EarlyStopping(monitor="missing", mode="min")])


def test_reduce_lr_on_plateau_changes_the_optimizer_learning_rate():
    x, y = problem(8)
    model = model_for(optimizer=K.optimizers.SGD(1.0))
    recorder = Recorder()
    reducer = C.ReduceLROnPlateau(monitor="score", mode="min", factor=0.5, patience=2, cooldown=1, min_lr=0.2)
    history = model.fit(x, y, epochs=9, verbose=0,
                        callbacks=[Scripted("score", [1.0] * 9), reducer, recorder])
    # Stalls from epoch 1: halve after epoch 2; the cooldown epoch (3) counts as the first stall again, so
    # the next halvings come after epochs 4 and 6; 0.125 is floored to min_lr, which is never undercut.
    expected = [1.0, 1.0, 1.0, 0.5, 0.5, 0.25, 0.25, 0.2, 0.2]
    assert recorder.learning_rates == pytest.approx(expected, rel=1e-6)
    assert history.history["learning_rate"] == pytest.approx(expected, rel=1e-6)   # logged before reducing
    np.testing.assert_allclose(float(model.optimizer.learning_rate), 0.2, rtol=1e-6)
    with pytest.raises(InvalidArgumentError, match="factor"):
        C.ReduceLROnPlateau(factor=1.5)


def test_learning_rate_scheduler_sets_each_epoch():
    x, y = problem(8)
    model = model_for(optimizer=K.optimizers.Adam(0.1))
    recorder = Recorder()
    scheduler = C.LearningRateScheduler(lambda epoch, lr: lr * 0.5 if epoch > 0 else lr)
    history = model.fit(x, y, epochs=4, verbose=0, callbacks=[scheduler, recorder])
    assert recorder.learning_rates == pytest.approx([0.1, 0.05, 0.025, 0.0125], rel=1e-6)
    assert history.history["learning_rate"] == pytest.approx([0.1, 0.05, 0.025, 0.0125], rel=1e-6)
    one_argument = C.LearningRateScheduler(lambda epoch: 0.01 * (epoch + 1))
    model.fit(x, y, epochs=2, verbose=0, callbacks=[one_argument])
    np.testing.assert_allclose(float(model.optimizer.learning_rate), 0.02, rtol=1e-6)
    with pytest.raises(InvalidArgumentError, match="should be a float"):
        model.fit(x, y, epochs=1, verbose=0, callbacks=[C.LearningRateScheduler(lambda epoch, lr: "fast")])


def test_model_checkpoint_files_are_named_from_the_logs_and_reload(tmp_path):
    x, y = problem(16)
    model = model_for(optimizer=K.optimizers.SGD(0.5))
    recorder = Recorder()
    pattern = os.path.join(tmp_path, "ckpt", "model-{epoch:02d}-{score:.2f}.keras")
    model.fit(x, y, epochs=3, verbose=0,
              callbacks=[Scripted("score", [0.5, 0.25, 0.125]), C.ModelCheckpoint(pattern, monitor="score"), recorder])
    names = sorted(os.listdir(tmp_path / "ckpt"))
    assert names == ["model-01-0.50.keras", "model-02-0.25.keras", "model-03-0.12.keras"]
    reloaded = K.models.load_model(os.path.join(tmp_path, "ckpt", names[1]))
    for got, saved in zip(reloaded.get_weights(), recorder.weights[1]):
        np.testing.assert_array_equal(got, saved)
    kernel, bias = (w.astype(np.float64) for w in recorder.weights[1])
    z = x @ kernel + bias
    softmax = np.exp(z - z.max(-1, keepdims=True))
    np.testing.assert_allclose(reloaded.predict(x, verbose=0), softmax / softmax.sum(-1, keepdims=True), rtol=1e-5)


def test_model_checkpoint_save_best_only_and_weights_only(tmp_path):
    x, y = problem(16)
    model = model_for(optimizer=K.optimizers.SGD(0.5))
    recorder = Recorder()
    best = os.path.join(tmp_path, "best.keras")
    weights = os.path.join(tmp_path, "e{epoch}.weights.h5")
    saved = []
    checkpoint = C.ModelCheckpoint(best, monitor="score", mode="max", save_best_only=True)
    original_save = model.save
    model.save = lambda path, **kwargs: (saved.append(path), original_save(path, **kwargs))
    model.fit(x, y, epochs=4, verbose=0, callbacks=[Scripted("score", [0.2, 0.6, 0.4, 0.5]), checkpoint, recorder,
                                                    C.ModelCheckpoint(weights, save_weights_only=True)])
    assert saved == [best, best] and checkpoint.best == 0.6
    reloaded = K.models.load_model(best)
    for got, expected in zip(reloaded.get_weights(), recorder.weights[1]):
        np.testing.assert_array_equal(got, expected)
    assert sorted(os.listdir(tmp_path)) == ["best.keras", "e1.weights.h5", "e2.weights.h5", "e3.weights.h5",
                                           "e4.weights.h5"]
    fresh = model_for()
    fresh.load_weights(os.path.join(tmp_path, "e3.weights.h5"))
    for got, expected in zip(fresh.get_weights(), recorder.weights[2]):
        np.testing.assert_array_equal(got, expected)
    with pytest.raises(InvalidArgumentError, match="weights.h5"):
        C.ModelCheckpoint(os.path.join(tmp_path, "w.h5"), save_weights_only=True)


def test_terminate_on_nan_stops_at_the_bad_batch():
    x, y = problem(24)
    x[13] = np.nan       # in the fourth batch of 4
    batches = []
    history = model_for().fit(x, y, batch_size=4, epochs=3, shuffle=False, verbose=0,
                              callbacks=[C.TerminateOnNaN(),
                                         C.LambdaCallback(on_train_batch_end=lambda b, logs: batches.append(b))])
    assert batches == [0, 1, 2, 3]
    assert history.epoch == [0] and math.isnan(history.history["loss"][0])
    with pytest.raises(RuntimeError, match="NaN or Inf loss"):
        model_for().fit(x, y, batch_size=4, shuffle=False, verbose=0, callbacks=[C.TerminateOnNaN(raise_error=True)])


def test_progbar_logger_prints_one_line_per_epoch_with_verbose_2(capsys):
    x, y = problem(8)
    model_for().fit(x, y, batch_size=4, epochs=2, verbose=2, validation_data=(x, y))
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines[0] == "Epoch 1/2" and lines[2] == "Epoch 2/2" and len(lines) == 4
    for line in (lines[1], lines[3]):
        assert line.startswith("2/2 - ") and "/step - accuracy: " in line
        assert " - loss: " in line and " - val_accuracy: " in line and " - val_loss: " in line


def test_progbar_logger_with_verbose_1_ends_each_epoch_with_a_full_bar(capsys):
    x, y = problem(8)
    model = model_for()
    model.fit(x, y, batch_size=4, epochs=1, verbose=1)
    out = capsys.readouterr().out
    assert out.rstrip().splitlines()[-1].startswith("2/2 [" + "=" * 30 + "] - ")
    model.evaluate(x, y, batch_size=4, verbose=1)
    assert capsys.readouterr().out.startswith("2/2 [")
    model.fit(x, y, epochs=1, verbose=0)
    model.predict(x, verbose=0)
    assert capsys.readouterr().out == ""


def test_callback_list_skips_batch_logs_nobody_reads():
    listener = C.LambdaCallback(on_train_batch_end=lambda batch, logs: None)
    assert C.CallbackList([listener]).wants_batch_logs("train")
    assert not C.CallbackList([C.EarlyStopping(), C.History()]).wants_batch_logs("train")
    assert C.CallbackList([C.TerminateOnNaN()]).wants_batch_logs("train")
    assert not C.CallbackList([C.TerminateOnNaN()]).wants_batch_logs("test")

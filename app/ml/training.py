"""Training the classification head on cached embeddings (Teachable Machine's recipe), seeded and cancellable."""
import contextlib
import dataclasses
import time

import numpy as np

import engine as tf

from ..errors import TrainingError

__all__ = ["build_head", "train_head", "stratified_split", "confusion_matrix", "per_class_accuracy",
           "HIDDEN_UNITS", "DROPOUT_RATE"]

HIDDEN_UNITS = 100
DROPOUT_RATE = 0.5
# Validation runs in batches of up to this many samples, not the training batch size: the same mean loss and
# accuracy from one or a few passes an epoch instead of one per 16 samples, each a GPU replay of its own.
VALIDATION_BATCH_LIMIT = 1024
# Training steps a call of the traced step runs (one GPU replay): a whole epoch of the default 3 x 200 samples.
# On an H100, alternating in one process (2026-11-27): train_head 0.82-0.96 s against 0.98-1.25 s a step a call
# (6 runs each); on the cpu backend, measured while its steps still ran eagerly, no difference. Cancelling waits
# for the current call, at most 32 steps.
STEPS_PER_EXECUTION = 32


def build_head(embedding_size, num_classes):
    """Dense(100, relu) -> Dropout(0.5) -> Dense(num_classes, softmax)."""
    return tf.keras.Sequential([
        tf.keras.Input((embedding_size,), name="embedding"),
        tf.keras.layers.Dense(HIDDEN_UNITS, activation="relu", name="hidden"),
        tf.keras.layers.Dropout(DROPOUT_RATE, name="dropout"),
        tf.keras.layers.Dense(num_classes, activation="softmax", name="scores"),
    ], name="head")


def stratified_split(labels, num_classes, fraction, seed):
    """(train indices, validation indices): about `fraction` of every class (at least one sample of each class
    that has two or more) goes to validation, chosen at random with `seed`."""
    rng = np.random.default_rng(seed)
    train, validation = [], []
    for class_index in range(num_classes):
        members = np.flatnonzero(labels == class_index)
        rng.shuffle(members)
        count = int(round(fraction * len(members)))
        if fraction > 0 and len(members) >= 2:
            count = min(max(count, 1), len(members) - 1)
        else:
            count = 0
        validation.extend(members[:count])
        train.extend(members[count:])
    return np.sort(np.array(train, dtype=np.int64)), np.sort(np.array(validation, dtype=np.int64))


def confusion_matrix(true_labels, predicted_labels, num_classes):
    """counts[i][j]: samples of class i predicted as class j."""
    counts = np.zeros((num_classes, num_classes), np.int64)
    np.add.at(counts, (np.asarray(true_labels, np.int64), np.asarray(predicted_labels, np.int64)), 1)
    return counts


def per_class_accuracy(counts):
    """Fraction of each class predicted correctly; None for a class with no samples."""
    totals = counts.sum(axis=1)
    return [float(counts[i, i] / totals[i]) if totals[i] else None for i in range(len(counts))]


@contextlib.contextmanager
def _numpy_seed(seed):
    """fit() shuffles with numpy's global generator: seed it for this run only."""
    state = np.random.get_state()
    np.random.seed(seed)
    try:
        yield
    finally:
        np.random.set_state(state)


class _StopAndTime(tf.keras.callbacks.Callback):
    """Stops training when should_stop() says so (checked before every call of the training step and at the end
    of each epoch) and times each epoch."""

    def __init__(self, should_stop):
        super().__init__()
        self.should_stop = should_stop
        self.seconds = []
        self.stopped = False
        self._started = None

    def on_epoch_begin(self, epoch, logs=None):
        self._started = time.perf_counter()

    def on_train_batch_begin(self, batch, logs=None):
        if self.should_stop():
            self.stopped = True
            self.model.stop_training = True

    def on_epoch_end(self, epoch, logs=None):
        self.seconds.append(time.perf_counter() - self._started)
        if self.should_stop():
            self.stopped = True
            self.model.stop_training = True


def _check_inputs(embeddings, labels, num_classes):
    x = np.asarray(embeddings, dtype=np.float32)
    y = np.asarray(labels)
    if x.ndim != 2 or len(x) == 0:
        raise TrainingError(f"training needs a [samples, features] array of embeddings, got shape {x.shape}")
    if y.shape != (len(x),):
        raise TrainingError(f"{len(x)} embeddings but labels of shape {y.shape}")
    if num_classes < 2:
        raise TrainingError("training needs at least two classes")
    if y.min() < 0 or y.max() >= num_classes:
        raise TrainingError(f"labels must be in [0, {num_classes - 1}]")
    return x, y.astype(np.int32)


def train_head(embeddings, labels, num_classes, settings, callbacks=(), should_stop=lambda: False):
    """Train a new head on (embeddings, labels); returns (head, history).

    history: per-epoch "loss", "accuracy", "val_loss", "val_accuracy", "seconds_per_epoch", "total_seconds"; the
    "confusion_matrix" and "per_class_accuracy" on the validation set ("evaluated_on" says which
    set; the training set when there is no validation data), "backend", sizes, "stopped".
    """
    started = time.perf_counter()
    x, y = _check_inputs(embeddings, labels, num_classes)
    train, validation = stratified_split(y, num_classes, settings.validation_fraction, settings.seed)
    tf.random.set_seed(settings.seed)
    head = build_head(x.shape[1], num_classes)
    head.compile(optimizer=tf.keras.optimizers.Adam(learning_rate=settings.learning_rate),
                 loss="sparse_categorical_crossentropy", metrics=["accuracy"],
                 steps_per_execution=STEPS_PER_EXECUTION)
    monitor = _StopAndTime(should_stop)
    validation_data = (x[validation], y[validation]) if len(validation) else None
    with _numpy_seed(settings.seed):
        fitted = head.fit(x[train], y[train], batch_size=settings.batch_size, epochs=settings.epochs,
                          validation_data=validation_data, shuffle=True, verbose=0,
                          validation_batch_size=min(max(len(validation), 1), VALIDATION_BATCH_LIMIT),
                          callbacks=[monitor, *callbacks])
    evaluated = validation if len(validation) else train
    predicted = np.argmax(head.predict(x[evaluated], verbose=0), axis=1)
    counts = confusion_matrix(y[evaluated], predicted, num_classes)
    logs = fitted.history
    history = {name: [float(v) for v in logs.get(name, [])]
               for name in ("loss", "accuracy", "val_loss", "val_accuracy")}
    history.update({
        "epochs": len(history["loss"]),
        "seconds_per_epoch": [round(s, 4) for s in monitor.seconds],
        "total_seconds": round(time.perf_counter() - started, 3),
        "confusion_matrix": counts.tolist(),
        "per_class_accuracy": per_class_accuracy(counts),
        "evaluated_on": "validation" if len(validation) else "training",
        "train_size": int(len(train)),
        "validation_size": int(len(validation)),
        "backend": tf.get_backend(),
        "stopped": monitor.stopped,
        "settings": dataclasses.asdict(settings),
    })
    return head, history

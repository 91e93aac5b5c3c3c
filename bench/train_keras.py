"""Keras 3 (TensorFlow backend, CPU) side of bench/train.py: prints one JSON line of samples/s per workload.

Run by bench/train.py with the interpreter of a separate venv (`GLIMMER_KERAS_PYTHON`); it needs only
`tensorflow-cpu`, which brings Keras 3:

    python bench/train_keras.py '{"mlp": 100, "cnn": 30}' 3
"""
import json
import os
import statistics
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np  # noqa: E402
import keras  # noqa: E402
import tensorflow as tf  # noqa: E402

BATCH = 32


def build(kind):
    layers = keras.layers
    if kind == "mlp":
        stack = [keras.Input((784,)), layers.Dense(128, activation="relu"), layers.Dense(10, activation="softmax")]
    else:
        stack = [keras.Input((32, 32, 3)), layers.Conv2D(32, 3, activation="relu"), layers.MaxPooling2D(),
                 layers.Conv2D(64, 3, activation="relu"), layers.MaxPooling2D(), layers.Flatten(),
                 layers.Dense(10, activation="softmax")]
    model = keras.Sequential(stack)
    model.compile(optimizer=keras.optimizers.Adam(1e-3), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    return model


def samples_per_second(kind, steps, repeats):
    rng = np.random.default_rng(0)
    shape = (784,) if kind == "mlp" else (32, 32, 3)
    x = rng.standard_normal((steps * BATCH, *shape)).astype(np.float32)
    y = rng.integers(0, 10, steps * BATCH).astype(np.int32)
    model = build(kind)
    model.fit(x[:4 * BATCH], y[:4 * BATCH], batch_size=BATCH, epochs=1, verbose=0)  # traces the step
    rates = []
    for _ in range(repeats):
        start = time.perf_counter()
        model.fit(x, y, batch_size=BATCH, epochs=1, verbose=0)
        rates.append(len(x) / (time.perf_counter() - start))
    return statistics.median(rates)


def main():
    steps = json.loads(sys.argv[1])
    repeats = int(sys.argv[2])
    results = {kind: samples_per_second(kind, count, repeats) for kind, count in steps.items()}
    results["versions"] = f"TensorFlow {tf.__version__}, Keras {keras.__version__}"
    print(json.dumps(results))


if __name__ == "__main__":
    main()

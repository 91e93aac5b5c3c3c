"""`Model.fit` throughput: an MLP (784-128-10) and a small CNN on 32x32x3, batch 32, Adam, sparse
categorical crossentropy with accuracy, on the engine's cpu backend vs Keras 3 (TensorFlow backend, CPU)
and TF.js in Node (wasm backend, and its cpu backend where wasm cannot train), all in this run.

Keras runs in its own venv, found through `GLIMMER_KERAS_PYTHON` (default /work/venvs/keras-tf/bin/python;
make it with `python3 -m venv /work/venvs/keras-tf && /work/venvs/keras-tf/bin/pip install tensorflow-cpu`).
TF.js is installed by npm into bench/tfjs (git-ignored). A missing peer shows as "missing" in the table.

    python bench/train.py            # also: --quick (fewer steps)

Our engine runs in child processes, once with no BLAS thread setting in the environment and once with one
BLAS thread asked for: on a busy machine OpenBLAS's spinning threads can cost the cpu backend several times its
speed. With neither setting the cpu backend takes numpy's BLAS down to one thread itself (threadpoolctl) and
runs its kernels in blocks on threads of its own, as with one; beside a BLAS that the environment gives several
threads it leaves the cores to BLAS. The load average is printed before and after the run, since other work on
the machine moves every column.
"""
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import engine as tf  # noqa: E402
from bench.common import print_table  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
KERAS_PYTHON = os.environ.get("GLIMMER_KERAS_PYTHON", "/work/venvs/keras-tf/bin/python")
BATCH = 32
WORKLOADS = {"mlp": "MLP 784-128-10", "cnn": "CNN 32x32x3 (conv32-pool-conv64-pool-dense10)"}
TARGETS = {"keras": 1.5, "tfjs": 1.0}   # ours may take at most this many times their time per sample


def build(kind):
    layers = tf.keras.layers
    if kind == "mlp":
        stack = [tf.keras.Input((784,)), layers.Dense(128, activation="relu"), layers.Dense(10, activation="softmax")]
    else:
        stack = [tf.keras.Input((32, 32, 3)), layers.Conv2D(32, 3, activation="relu"), layers.MaxPooling2D(),
                 layers.Conv2D(64, 3, activation="relu"), layers.MaxPooling2D(), layers.Flatten(),
                 layers.Dense(10, activation="softmax")]
    model = tf.keras.Sequential(stack)
    model.compile(optimizer=tf.keras.optimizers.Adam(1e-3), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    return model


def engine_rates(kind, steps, repeats):
    """samples/s of `repeats` timed one-epoch fits (after one warm-up fit)."""
    rng = np.random.default_rng(0)
    shape = (784,) if kind == "mlp" else (32, 32, 3)
    x = rng.standard_normal((steps * BATCH, *shape)).astype(np.float32)
    y = rng.integers(0, 10, steps * BATCH).astype(np.int32)
    model = build(kind)
    model.fit(x[:4 * BATCH], y[:4 * BATCH], batch_size=BATCH, epochs=1, verbose=0)
    rates = []
    for _ in range(repeats):
        start = time.perf_counter()
        model.fit(x, y, batch_size=BATCH, epochs=1, verbose=0)
        rates.append(len(x) / (time.perf_counter() - start))
    return rates


def keras_results(steps, repeats):
    """samples/s from bench/train_keras.py in the Keras venv; None when that interpreter is missing."""
    if not os.path.exists(KERAS_PYTHON):
        print(f"(Keras-TF not measured: no interpreter at {KERAS_PYTHON}; set GLIMMER_KERAS_PYTHON)", file=sys.stderr)
        return None
    done = subprocess.run([KERAS_PYTHON, os.path.join(HERE, "train_keras.py"), json.dumps(steps), str(repeats)],
                          capture_output=True, text=True, timeout=1800)
    if done.returncode != 0:
        print(f"(Keras-TF not measured: {done.stderr.strip()[-300:]})", file=sys.stderr)
        return None
    return json.loads(done.stdout.strip().splitlines()[-1])


def tfjs_results(steps, repeats):
    """{backend: {workload: samples/s or an error}} from bench/tfjs_train.js; None when Node or the package is
    missing."""
    node, npm = shutil.which("node"), shutil.which("npm")
    folder = os.path.join(HERE, "tfjs")
    if not node or not npm:
        print("(TF.js not measured: node or npm is not installed)", file=sys.stderr)
        return None
    if not os.path.isdir(os.path.join(folder, "node_modules", "@tensorflow", "tfjs-backend-wasm")):
        done = subprocess.run([npm, "install", "--silent", "--no-audit", "--no-fund", "--prefix", folder,
                               "@tensorflow/tfjs@4.22.0", "@tensorflow/tfjs-backend-wasm@4.22.0"],
                              capture_output=True, text=True)
        if done.returncode != 0:
            print(f"(TF.js not measured: npm install failed: {done.stderr.strip()[:200]})", file=sys.stderr)
            return None
    done = subprocess.run([node, os.path.join(HERE, "tfjs_train.js"), json.dumps(steps), str(repeats)],
                          capture_output=True, text=True, cwd=folder, timeout=3600,
                          env={**os.environ, "NODE_PATH": os.path.join(folder, "node_modules")})
    if done.returncode != 0:
        print(f"(TF.js not measured: {done.stderr.strip()[-300:]})", file=sys.stderr)
        return None
    return json.loads(done.stdout.strip().splitlines()[-1])


def _load_average():
    """The 1, 5 and 15 minute load averages, or "unknown" where the platform has none."""
    try:
        return " ".join(f"{value:.2f}" for value in os.getloadavg())
    except (AttributeError, OSError):  # Windows has no os.getloadavg
        return "unknown"


def _rate(value):
    if value is None:
        return "missing"
    if isinstance(value, str):
        return "cannot train" if "not registered" in value else "failed"
    return f"{value:,.0f}"


def _time_ratio(ours, theirs, limit):
    """Our time per sample over theirs (lower is better), and whether it meets the target."""
    if not isinstance(ours, float) or not isinstance(theirs, float):
        return "—", "—"
    ratio = theirs / ours
    return f"{ratio:.2f}x", "yes" if ratio <= limit else "no"


def engine_results(steps, repeats, blas_threads):
    """{workload: [samples/s per timed epoch]} from a child process with `blas_threads` BLAS threads
    (None: numpy's default), since the thread count must be set before numpy loads."""
    env = dict(os.environ)
    for name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        env.pop(name, None)
        if blas_threads is not None:
            env[name] = str(blas_threads)
    done = subprocess.run([sys.executable, os.path.abspath(__file__), "--engine-only", json.dumps(steps), str(repeats)],
                          capture_output=True, text=True, env=env, timeout=1800)
    if done.returncode != 0:
        raise RuntimeError(f"engine run failed: {done.stderr.strip()[-500:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main():
    if sys.argv[1:2] == ["--engine-only"]:
        tf.set_backend("cpu")
        steps, repeats = json.loads(sys.argv[2]), int(sys.argv[3])
        print(json.dumps({kind: engine_rates(kind, count, repeats) for kind, count in steps.items()}))
        return
    quick = "--quick" in sys.argv
    steps = {"mlp": 30 if quick else 150, "cnn": 8 if quick else 40}
    repeats = 3
    print(f"Model.fit throughput, batch {BATCH}, Adam — {platform.processor() or platform.machine()}, "
          f"{os.cpu_count()} cores, numpy {np.__version__}; steps per timed epoch {steps}, median of {repeats} "
          f"timed epochs ({2 * repeats} for ours: before and after the peers); load average {_load_average()}")
    # Ours is timed before and after the peers (the median of both), so load that drifts during the
    # run weighs on every column alike; once with numpy's default BLAS threads, once with one.
    configs = {"default BLAS threads": None, "1 BLAS thread": 1}
    before = {name: engine_results(steps, repeats, threads) for name, threads in configs.items()}
    keras = keras_results(steps, repeats)
    tfjs = tfjs_results(steps, repeats)
    after = {name: engine_results(steps, repeats, threads) for name, threads in configs.items()}
    rows = []
    for kind, title in WORKLOADS.items():
        keras_rate = keras.get(kind) if keras else None
        wasm_rate = tfjs["wasm"].get(kind) if tfjs else None
        js_cpu_rate = tfjs["cpu"].get(kind) if tfjs else None
        for name in configs:
            ours = statistics.median(before[name][kind] + after[name][kind])
            vs_keras, keras_ok = _time_ratio(ours, keras_rate, TARGETS["keras"])
            vs_wasm, wasm_ok = _time_ratio(ours, wasm_rate, TARGETS["tfjs"])
            vs_js_cpu, _ = _time_ratio(ours, js_cpu_rate, TARGETS["tfjs"])
            rows.append([title, name, _rate(ours), _rate(keras_rate), vs_keras, keras_ok, _rate(wasm_rate), vs_wasm,
                         wasm_ok, _rate(js_cpu_rate), vs_js_cpu])
    peers = [keras["versions"] if keras else "Keras-TF missing", f"TF.js {tfjs['version']}" if tfjs else "TF.js missing"]
    print_table(f"fit samples/s (ratios: our time per sample / theirs, lower is better; {'; '.join(peers)})",
                ["workload", "engine", "engine cpu", "Keras-TF CPU", "vs Keras", "<= 1.5x", "TF.js wasm", "vs wasm",
                 "< 1x", "TF.js cpu", "vs TF.js cpu"], rows)
    failures = {f"{backend} {kind}": value for backend in ("wasm", "cpu") for kind, value in (tfjs or {}).get(
        backend, {}).items() if isinstance(value, str) and kind != "active"}
    for where, message in failures.items():
        print(f"- TF.js {where}: {message}")
    print("- TF.js cpu: 2 steps, one timed epoch (it trains the CNN at about one sample per second)")
    print(f"- load average at the end: {_load_average()}")


if __name__ == "__main__":
    main()

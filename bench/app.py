"""The app's speed as a person meets it: Train to a trained model, the live preview rate, and whether the
window keeps responding while it trains.

- Train: app.ml's train_head on 600 cached embeddings (3 classes x 200 samples) at the default settings
  (50 epochs, batch 16, validation 15%), the step that runs when Train is pressed: embeddings are computed
  as samples arrive, not then. The vectors are synthetic (1280 non-negative features around a prototype
  per class, as EfficientNet-Lite0's pooled features are): the time does not depend on their values.
- Train in the window: the same, started by clicking Train in the real main window (offscreen), timed from
  the click to the window holding the new classifier.
- Preview: the window's live path without its widgets: FrameReader on a 60 fps synthetic camera of
  224x224 frames -> PreviewWorker (latest frame wins) with the real EfficientNet-Lite0 and a trained head,
  as PreviewPanel connects them. Also the time of one prediction.
- UI stalls: a 10 ms timer in the real window's event loop while that training runs in its
  TrainingWorker; the longest gap between two ticks (an idle second before Train gives the floor).

    python bench/app.py [--backend cpu] [--quick]

Each configuration runs in a child process, once with numpy's default BLAS threads and once with one
(the count must be set before numpy loads): on a machine whose cores are busy with other work, OpenBLAS's
spinning threads stall each other on small matrices.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

CLASSES = 3
SAMPLES_PER_CLASS = 200
EMBEDDING_SIZE = 1280
FRAME_SIZE = 224
CAMERA_FPS = 60   # above both targets, so the rate measured is the engine's and not the camera's
TICK_MS = 10
IDLE_SECONDS = 1.0
# The targets: on the project's 2-core CPU, and where the engine runs on a hardware GPU.
STALL_MS = 50.0
TARGETS = {"cpu": {"train_seconds": 5.0, "preview_fps": 10.0, "stall_ms": STALL_MS},
           "gpu": {"train_seconds": 1.0, "preview_fps": 30.0, "stall_ms": STALL_MS}}
BLAS_CONFIGS = {"default BLAS threads": None, "1 BLAS thread": 1}


# --- measured in the child process -----------------------------------------------------------------------
def synthetic_embeddings(seed=0):
    """(embeddings [600, 1280] float32, labels [600] int32): a noisy non-negative prototype per class."""
    import numpy as np
    rng = np.random.default_rng(seed)
    prototypes = rng.gamma(1.0, 0.5, (CLASSES, EMBEDDING_SIZE))
    labels = np.repeat(np.arange(CLASSES, dtype=np.int32), SAMPLES_PER_CLASS)
    noise = rng.normal(0.0, 0.5, (len(labels), EMBEDDING_SIZE))
    return np.maximum(prototypes[labels] + noise, 0.0).astype(np.float32), labels


def measure_training(embeddings, labels, repeats):
    """Seconds of each train_head run at the default settings, the last head, and its validation accuracy."""
    from app.ml import train_head
    from app.project import TrainingSettings
    seconds = []
    for _ in range(repeats):
        started = time.perf_counter()
        head, history = train_head(embeddings, labels, CLASSES, TrainingSettings())
        seconds.append(time.perf_counter() - started)
    return seconds, head, history["val_accuracy"][-1]


def run_loop(seconds=None, until=None, timeout=600.0):
    """Run the Qt event loop for `seconds`, or until `until()` is true (checked every 10 ms)."""
    from PySide6.QtCore import QEventLoop, QTimer
    loop = QEventLoop()
    deadline = time.perf_counter() + (seconds if seconds is not None else timeout)

    def check():
        if time.perf_counter() >= deadline or (until is not None and until()):
            loop.quit()

    poll = QTimer(interval=TICK_MS)
    poll.timeout.connect(check)
    poll.start()
    loop.exec()
    poll.stop()
    if until is not None and not until():
        raise RuntimeError(f"timed out after {timeout:.0f} s")


def measure_preview(classifier, seconds):
    """(predictions per second, frames dropped per second, seconds per prediction) of the live path."""
    from PySide6.QtCore import QObject, Slot

    from app.capture import SyntheticCameraSource
    from app.workers import FrameReader, PreviewWorker
    from bench.common import measure

    class Feeder(QObject):
        """PreviewPanel's frame hand-off: on the UI thread, give the worker the reader's latest frame."""

        def __init__(self, reader, worker):
            super().__init__()
            self.reader, self.worker = reader, worker

        @Slot()
        def on_frame(self):
            frame = self.reader.latest()
            if frame is not None:
                self.worker.submit(frame)

    source = SyntheticCameraSource(width=FRAME_SIZE, height=FRAME_SIZE, fps=CAMERA_FPS)
    frame = source.frame(0)
    per_prediction = measure(lambda: classifier.predict_one(frame), min_time=1.0, repeats=5, warmup=2)
    reader, worker = FrameReader(source), PreviewWorker(classifier)
    feeder = Feeder(reader, worker)
    reader.frame_ready.connect(feeder.on_frame)
    worker.start()
    reader.start()
    try:
        run_loop(1.0)  # the worker settles into its pace before counting
        predictions, dropped, started = worker.predictions, worker.dropped, time.perf_counter()
        run_loop(seconds)
        elapsed = time.perf_counter() - started
        return ((worker.predictions - predictions) / elapsed, (worker.dropped - dropped) / elapsed, per_prediction)
    finally:
        reader.stop()
        worker.stop()


def sample_project_file(folder, embeddings, labels):
    """A saved project of 3 classes x 200 synthetic-camera pictures with their embeddings cached."""
    from app.capture import SyntheticCameraSource
    from app.ml import DEFAULT_EXTRACTOR
    from app.project import Project, save_project
    project = Project("bench: 3 x 200")
    source = SyntheticCameraSource(width=FRAME_SIZE, height=FRAME_SIZE)
    class_ids = [project.add_class(f"class {index + 1}").id for index in range(CLASSES)]
    for index, label in enumerate(labels):
        source.set_class_hint(int(label))
        sample = project.add_sample(class_ids[label], source.frame(index), source="camera")
        project.set_embedding(sample.id, embeddings[index], extractor_name=DEFAULT_EXTRACTOR)
    return save_project(project, os.path.join(folder, "bench.glimmer"))


def measure_window(project_path):
    """(seconds from clicking Train to the new classifier, the longest tick gap while training, how many gaps
    exceeded the stall target then, the longest gap while idle), in seconds."""
    from PySide6.QtCore import QEventLoop, Qt, QTimer
    from PySide6.QtWidgets import QMessageBox

    from app.ui.main_window import MainWindow
    window = MainWindow()
    window.ask_unsaved = lambda: QMessageBox.Discard
    window.show()
    window.open_project(project_path)
    run_loop(until=lambda: window.project is not None and window.workspace.training.train_button.isEnabled(),
             timeout=120)

    ticks, marks = [], {}
    ticker = QTimer(interval=TICK_MS, timerType=Qt.PreciseTimer)
    ticker.timeout.connect(lambda: ticks.append(time.perf_counter()))
    loop = QEventLoop()

    def press_train():
        window.training.classifier_changed.connect(lambda _: marks.setdefault("trained", time.perf_counter()))
        marks["pressed"] = time.perf_counter()
        window.workspace.training.train_button.click()
        if window.training.worker is None:
            loop.quit()  # training did not start: the panel's message says why (reported below)
        else:
            window.training.worker.finished.connect(loop.quit)

    ticker.start()
    QTimer.singleShot(int(IDLE_SECONDS * 1000), press_train)
    loop.exec()
    ticker.stop()
    if "trained" not in marks:
        raise RuntimeError(f"training in the window did not finish: {window.workspace.training.status_label.text()}")

    def gaps(start, end):
        inside = [tick for tick in ticks if start <= tick <= end]
        return [b - a for a, b in zip(inside, inside[1:])]

    training_gaps = gaps(marks["pressed"], marks["trained"])
    result = (marks["trained"] - marks["pressed"], max(training_gaps),
              sum(gap * 1e3 > STALL_MS for gap in training_gaps), max(gaps(ticks[0], marks["pressed"])))
    window.close()
    return result


def measure_all(backend, repeats, preview_seconds):
    os.environ["QT_QPA_PLATFORM"] = "offscreen"
    # The window remembers the projects it opens and autosaves: keep that out of the user's data folder.
    os.environ["GLIMMER_DATA_DIR"] = tempfile.mkdtemp(prefix="glimmer-bench-data-")
    import engine as tf
    from PySide6.QtWidgets import QApplication

    from app.ml import Classifier, ImageFeatureExtractor
    tf.set_backend(backend)
    application = QApplication.instance() or QApplication(sys.argv[:1])  # noqa: F841  (the window needs one)
    embeddings, labels = synthetic_embeddings()
    train_seconds, head, accuracy = measure_training(embeddings, labels, repeats)
    classifier = Classifier(ImageFeatureExtractor(), head, [f"class {index + 1}" for index in range(CLASSES)])
    fps, dropped, per_prediction = measure_preview(classifier, preview_seconds)
    with tempfile.TemporaryDirectory(prefix="glimmer-bench-") as folder:
        window_seconds, training_gap, stalls, idle_gap = measure_window(sample_project_file(folder, embeddings, labels))
    return {"train_seconds": train_seconds, "val_accuracy": accuracy, "window_train_seconds": window_seconds,
            "preview_fps": fps, "dropped_per_second": dropped, "prediction_seconds": per_prediction,
            "training_gap": training_gap, "stalls": stalls, "idle_gap": idle_gap, "backend": tf.get_backend(),
            "hardware_gpu": tf.get_backend() != "cpu" and not tf.backends()[tf.get_backend()]["software"]}


# --- the parent: one child per BLAS configuration, then the table -------------------------------------------
def child_results(backend, repeats, preview_seconds, blas_threads):
    env = dict(os.environ)
    for name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        env.pop(name, None)
        if blas_threads is not None:
            env[name] = str(blas_threads)
    done = subprocess.run([sys.executable, os.path.abspath(__file__), "--measure", backend, str(repeats),
                           str(preview_seconds)], capture_output=True, text=True, env=env, timeout=3600)
    if done.returncode != 0:
        raise RuntimeError(f"measuring failed: {done.stderr.strip()[-800:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def _verdict(met):
    return "yes" if met else "no"


def table_rows(name, result, repeats):
    from bench.common import format_time
    train = statistics.median(result["train_seconds"])
    spread = f" ({format_time(min(result['train_seconds']))}–{format_time(max(result['train_seconds']))})" \
        if repeats > 1 else ""
    targets = TARGETS["gpu" if result["hardware_gpu"] else "cpu"]
    target_train, target_fps, target_stall = targets["train_seconds"], targets["preview_fps"], targets["stall_ms"]
    return [
        [f"Train: train_head, 600 embeddings, 50 epochs, batch 16 (median of {repeats})", name,
         format_time(train) + spread, f"< {target_train:g} s", _verdict(train < target_train)],
        ["Train in the window: click to new classifier", name, format_time(result["window_train_seconds"]),
         f"< {target_train:g} s", _verdict(result["window_train_seconds"] < target_train)],
        [f"Preview: {CAMERA_FPS} fps camera, {FRAME_SIZE}x{FRAME_SIZE}, EfficientNet-Lite0 + head", name,
         f"{result['preview_fps']:.1f} fps ({result['dropped_per_second']:.1f} frames/s dropped)",
         f">= {target_fps:g} fps", _verdict(result["preview_fps"] >= target_fps)],
        ["Preview: one prediction (predict_one)", name, format_time(result["prediction_seconds"]),
         f"<= {format_time(1 / target_fps)}", _verdict(result["prediction_seconds"] <= 1 / target_fps)],
        [f"UI: longest gap of a {TICK_MS} ms timer while training (idle: {format_time(result['idle_gap'])})", name,
         f"{format_time(result['training_gap'])} ({result['stalls']} gaps over {target_stall:g} ms)",
         f"<= {target_stall:g} ms",
         _verdict(result["training_gap"] * 1e3 <= target_stall)],
    ]


def main():
    if sys.argv[1:2] == ["--measure"]:
        backend, repeats, preview_seconds = sys.argv[2], int(sys.argv[3]), float(sys.argv[4])
        print(json.dumps(measure_all(backend, repeats, preview_seconds)))
        return
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backend", default="cpu", help="engine backend (default cpu)")
    parser.add_argument("--quick", action="store_true", help="one training run and a 3 s preview, not 3 and 10 s")
    args = parser.parse_args()
    repeats, preview_seconds = (1, 3.0) if args.quick else (3, 10.0)
    import numpy as np

    from bench.common import print_table
    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    print(f"Glimmer app speed on {args.backend}: {os.cpu_count()} cores (load average {load} at the start), "
          f"numpy {np.__version__}; targets: " + "; ".join(
              f"{kind}: train < {t['train_seconds']:g} s, preview >= {t['preview_fps']:g} fps, no UI stall over "
              f"{t['stall_ms']:g} ms" for kind, t in (("cpu", TARGETS["cpu"]), ("hardware GPU", TARGETS["gpu"]))))
    rows = []
    for name, threads in BLAS_CONFIGS.items():
        result = child_results(args.backend, repeats, preview_seconds, threads)
        rows += table_rows(name, result, repeats)
        print(f"- {name}: validation accuracy of the head {result['val_accuracy']:.2f} on {result['backend']}",
              flush=True)
    print_table(f"App speed ({args.backend} backend)", ["measure", "engine", "result", "target", "met"], rows)


if __name__ == "__main__":
    main()

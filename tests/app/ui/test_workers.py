"""Workers: frames are dropped, never queued; training reports every epoch; a guard keeps None alive."""
import sys
import threading

import numpy as np
from PySide6.QtWidgets import QLabel

from app.capture import SyntheticCameraSource
from app.project import TrainingSettings
from app.ui.compat import qt_leaks_none
from app.workers import FrameReader, LatestSlot, PreviewWorker, TrainingWorker


def test_latest_slot_keeps_only_the_newest_item_and_counts_the_dropped():
    slot = LatestSlot()
    assert slot.put(1) is True, "an empty slot needs a nudge"
    assert slot.put(2) is False and slot.put(3) is False
    assert slot.dropped == 2
    assert slot.take() == 3 and slot.take() is None
    assert slot.wait_take(0.01) is None


class SlowClassifier:
    """Holds each frame until released, like the extractor on a slow CPU; records which frames it saw."""

    labels = ["a", "b"]

    def __init__(self):
        self.seen = []
        self.busy = threading.Event()
        self.release = threading.Event()

    def predict_one(self, image):
        self.busy.set()
        self.release.wait(10)
        self.seen.append(int(image[0, 0, 0]))
        return {"a": 0.25, "b": 0.75}


def test_preview_worker_classifies_the_newest_frame_and_drops_the_rest(qtbot):
    classifier = SlowClassifier()
    worker = PreviewWorker(classifier)
    worker.start()
    frames = [np.full((240, 320, 3), value, np.uint8) for value in range(50)]
    worker.submit(frames[0])
    assert classifier.busy.wait(10)
    for frame in frames[1:]:
        worker.submit(frame)  # arrive while the first one is being classified
    with qtbot.waitSignal(worker.predicted, timeout=10000) as first:
        classifier.release.set()
    assert first.args == [{"a": 0.25, "b": 0.75}]
    qtbot.waitUntil(lambda: worker.predictions == 2)
    worker.stop()
    assert classifier.seen == [0, 49], "the newest frame wins; the 48 in between are dropped"
    assert worker.dropped == 48


def test_frame_reader_notifies_once_until_the_frame_is_taken(qtbot):
    source = SyntheticCameraSource(fps=60)
    reader = FrameReader(source)
    notifications = []
    reader.frame_ready.connect(lambda: notifications.append(source.frame_index))
    reader.start()
    qtbot.waitUntil(lambda: source.frame_index > 10, timeout=10000)
    assert len(notifications) == 1, "nobody took the frame: no second notification queues up"
    newest = reader.latest()
    assert newest is not None
    qtbot.waitUntil(lambda: len(notifications) == 2, timeout=10000)
    reader.stop()
    assert not source.is_open


def test_training_worker_reports_each_epoch_then_the_model(qtbot):
    rng = np.random.default_rng(0)
    embeddings = np.concatenate([rng.normal(0, 1, (20, 16)), rng.normal(4, 1, (20, 16))]).astype(np.float32)
    labels = np.repeat([0, 1], 20).astype(np.int32)
    worker = TrainingWorker(embeddings, labels, 2, TrainingSettings(epochs=7, batch_size=8))
    epochs = []
    worker.epoch_ended.connect(lambda epoch, logs: epochs.append((epoch, sorted(logs))))
    with qtbot.waitSignal(worker.trained, timeout=60000) as trained:
        worker.start()
    worker.wait()
    head, history = trained.args
    assert [epoch for epoch, _ in epochs] == list(range(7))
    assert {"loss", "accuracy", "seconds"} <= set(epochs[0][1])
    assert history["epochs"] == 7 and len(history["val_accuracy"]) == 7 and not history["stopped"]
    assert head.predict(embeddings[:1], verbose=0).shape == (1, 2)


def test_many_qt_calls_do_not_wear_out_none(themed_app):
    """Some PySide6 releases drop a reference to None per call; importing app.ui guards against it."""
    label = QLabel()
    for _ in range(200_000):  # far more than None's reference count in a fresh interpreter
        label.setText("x")
    assert label.text() == "x"
    assert not qt_leaks_none() or sys.getrefcount(None) > 1 << 40

"""Work that runs off the UI thread: reading frames, embedding samples, training, live prediction, exports.

Each worker is a QThread whose results travel back as Qt signals (queued onto the UI thread), so the
window never waits on a camera or on the engine. Frames go through `LatestSlot`: a newer frame
replaces one that was not picked up yet, so a slow consumer drops frames instead of queueing them.
"""
import queue
import sys
import threading
import time
import traceback

from PySide6.QtCore import QThread, Signal

import engine as tf
from app.errors import AppError
from app.imaging import prepare_image
from app.ml import train_head


# Readers whose source did not close in time: kept alive here until their thread ends (a QThread
# object destroyed while its thread runs aborts the process).
_RETIRING = set()


def describe_error(error):
    """One line for the person using the app; unexpected errors also leave a traceback on stderr."""
    if isinstance(error, AppError):
        return str(error)
    traceback.print_exception(error, file=sys.stderr)
    return f"{type(error).__name__}: {error}"


class LatestSlot:
    """Holds at most one item; `put` replaces an item nobody took (and counts it as dropped)."""

    def __init__(self):
        self._condition = threading.Condition()
        self._item = None
        self._full = False
        self._closed = False
        self.dropped = 0

    def put(self, item):
        """Store `item`; True when the slot was empty (the consumer needs a nudge), False when it replaced one."""
        with self._condition:
            replaced = self._full
            if replaced:
                self.dropped += 1
            self._item, self._full = item, True
            self._condition.notify()
            return not replaced

    def take(self):
        """The waiting item (emptying the slot), or None."""
        with self._condition:
            item, self._item, self._full = self._item, None, False
            return item

    def wait_take(self, timeout):
        """Wait up to `timeout` seconds for an item; None when none came or the slot was closed."""
        with self._condition:
            if not self._full and not self._closed:
                self._condition.wait(timeout)
            if not self._full:
                return None
            item, self._item, self._full = self._item, None, False
            return item

    def close(self):
        with self._condition:
            self._closed = True
            self._condition.notify_all()


class FrameReader(QThread):
    """Opens a FrameSource and reads it at the source's pace; the UI takes the latest frame on `frame_ready`.

    `frame_ready` is emitted only when the slot was empty, so at most one notification is ever
    waiting in the UI's event queue however slow the UI is.
    """

    opened = Signal(str)
    frame_ready = Signal()
    failed = Signal(str)

    def __init__(self, source, mirror=False, parent=None):
        super().__init__(parent)
        self.source = source
        self.mirror = mirror
        self._slot = LatestSlot()
        self._stop = threading.Event()
        self._interval = 1.0 / min(max(float(getattr(source, "fps", 30) or 30), 1.0), 60.0)

    def latest(self):
        return self._slot.take()

    def stop(self, wait_ms=3000):
        """Ask the loop to end and wait (a while) for it to close the source, so the camera is free again.

        A camera that hangs in read() does not hang the window: the reader is let go and ends on its own.
        """
        self._stop.set()
        if not self.wait(wait_ms):
            self.setParent(None)
            _RETIRING.add(self)
            self.finished.connect(lambda: _RETIRING.discard(self))

    def run(self):
        try:
            self.source.open()
        except Exception as error:  # noqa: BLE001 - every open failure becomes a message in the window
            self.failed.emit(describe_error(error))
            return
        self.opened.emit(str(getattr(self.source, "name", "")))
        try:
            while not self._stop.is_set():
                started = time.perf_counter()
                frame = self.source.read()
                if frame is not None:
                    if self.mirror:
                        frame = frame[:, ::-1].copy()
                    if self._slot.put(frame):
                        self.frame_ready.emit()
                spare = self._interval - (time.perf_counter() - started)
                if spare > 0:
                    self._stop.wait(spare)
        except Exception as error:  # noqa: BLE001 - a camera unplugged mid-stream: say so, keep the app
            self.failed.emit(describe_error(error))
        finally:
            try:
                self.source.close()
            except Exception as error:  # noqa: BLE001
                describe_error(error)


class EmbeddingWorker(QThread):
    """Turns batches of 224x224 images into feature vectors with the (shared) extractor, in order."""

    embedded = Signal(list, object)
    failed = Signal(str)

    def __init__(self, extractor, parent=None):
        super().__init__(parent)
        self.extractor = extractor
        self._batches = queue.Queue()

    def submit(self, sample_ids, images):
        self._batches.put((list(sample_ids), images))

    def stop(self):
        self._batches.put(None)

    def run(self):
        while True:
            batch = self._batches.get()
            if batch is None:
                return
            sample_ids, images = batch
            try:
                vectors = self.extractor.embed(images)
            except Exception as error:  # noqa: BLE001
                self.failed.emit(describe_error(error))
                self.embedded.emit(sample_ids, None)
                continue
            self.embedded.emit(sample_ids, vectors)


class _EpochReporter(tf.keras.callbacks.Callback):
    """Times each epoch, reports its logs, and stops training at the next batch once cancelled."""

    def __init__(self, worker):
        super().__init__()
        self._worker = worker
        self._started = 0.0

    def on_epoch_begin(self, epoch, logs=None):
        self._started = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        report = dict(logs or {})
        report["seconds"] = time.perf_counter() - self._started
        self._worker.epoch_ended.emit(epoch, report)

    def on_train_batch_begin(self, batch, logs=None):
        if self._worker.cancel_requested():
            self.model.stop_training = True


class TrainingWorker(QThread):
    """Trains the classifier head on cached embeddings; one `epoch_ended` per epoch, then one outcome."""

    epoch_ended = Signal(int, dict)
    trained = Signal(object, object)
    cancelled = Signal()
    failed = Signal(str)

    def __init__(self, embeddings, labels, num_classes, settings, parent=None):
        super().__init__(parent)
        self._embeddings = embeddings
        self._labels = labels
        self._num_classes = num_classes
        self._settings = settings
        self._cancel = threading.Event()

    def cancel(self):
        self._cancel.set()

    def cancel_requested(self):
        return self._cancel.is_set()

    def run(self):
        try:
            head, history = train_head(self._embeddings, self._labels, self._num_classes, self._settings,
                                       callbacks=[_EpochReporter(self)], should_stop=self._cancel.is_set)
        except Exception as error:  # noqa: BLE001
            self.failed.emit(describe_error(error))
            return
        if self._cancel.is_set():
            self.cancelled.emit()
        else:
            self.trained.emit(head, history)


class PreviewWorker(QThread):
    """Classifies the most recent frame it was given; frames that arrive while it is busy replace each other."""

    predicted = Signal(dict)
    failed = Signal(str)

    def __init__(self, classifier, parent=None):
        super().__init__(parent)
        self._classifier = classifier
        self._slot = LatestSlot()
        self._stop = threading.Event()
        self.predictions = 0

    @property
    def dropped(self):
        return self._slot.dropped

    def submit(self, frame):
        self._slot.put(frame)

    def set_classifier(self, classifier):
        self._classifier = classifier

    def stop(self, wait_ms=10000):
        self._stop.set()
        self._slot.close()
        self.wait(wait_ms)

    def run(self):
        while not self._stop.is_set():
            frame = self._slot.wait_take(0.2)
            if frame is None:
                continue
            try:
                scores = self._classifier.predict_one(prepare_image(frame))
            except Exception as error:  # noqa: BLE001 - reported; the next frame is tried again
                self.failed.emit(describe_error(error))
                continue
            self.predictions += 1
            self.predicted.emit({label: float(value) for label, value in scores.items()})


class BackgroundTask(QThread):
    """Runs `function(*args)` once off the UI thread: opening a project, importing files, exporting."""

    succeeded = Signal(object)
    failed = Signal(str)

    def __init__(self, function, *args, parent=None):
        super().__init__(parent)
        self._function = function
        self._args = args

    def run(self):
        try:
            result = self._function(*self._args)
        except Exception as error:  # noqa: BLE001
            self.failed.emit(describe_error(error))
            return
        self.succeeded.emit(result)

"""Work that runs off the UI thread: reading frames and sound, embedding samples, training, live prediction,
playback, exports.

Each worker is a QThread whose results travel back as Qt signals (queued onto the UI thread), so the
window never waits on a camera, a microphone or the engine. Frames go through `LatestSlot`: a newer frame
replaces one that was not picked up yet, so a slow consumer drops frames instead of queueing them.
Sound is different: a recording needs every sample, so `AudioReader` hands over all of it.
"""
import dataclasses
import queue
import sys
import threading
import time
import traceback

import numpy as np
from PySide6.QtCore import QThread, Signal

import engine as tf
from app.audio import SAMPLE_RATE, SILENCE_DB, rms_level_db, spectrogram_image
from app.errors import AppError
from app.imaging import prepare_image
from app.ml import train_head


# Readers whose source did not close in time: kept alive here until their thread ends (a QThread
# object destroyed while its thread runs aborts the process).
_RETIRING = set()


def _wait_or_retire(reader, wait_ms):
    """Wait for a reader thread to close its device; one that hangs in read() is let go to end on its own."""
    if not reader.wait(wait_ms):
        reader.setParent(None)
        _RETIRING.add(reader)
        reader.finished.connect(lambda: _RETIRING.discard(reader))


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


class SourceReader(QThread):
    """Opens a capture source on its own thread, reads it until `stop()`, and closes it whatever happens; a
    source that fails to open or mid-stream (unplugged, taken by another program) becomes `failed(message)`."""

    failed = Signal(str)

    def __init__(self, source, parent=None):
        super().__init__(parent)
        self.source = source
        self._stop = threading.Event()

    def stop(self, wait_ms=3000):
        """Ask the loop to end and wait (a while) for it to close the source, so the device is free again.

        A device that hangs in read() does not hang the window: the reader is let go and ends on its own.
        """
        self._stop.set()
        _wait_or_retire(self, wait_ms)

    def _on_opened(self):
        """Called on the reader's thread once the source is open."""

    def _read_once(self):
        """Read what the source has; returns how long to wait before the next read, in seconds."""
        raise NotImplementedError

    def run(self):
        try:
            self.source.open()
        except Exception as error:  # noqa: BLE001 - every open failure becomes a message in the window
            self.failed.emit(describe_error(error))
            return
        self._on_opened()
        try:
            while not self._stop.is_set():
                wait_s = self._read_once()
                if wait_s > 0:
                    self._stop.wait(wait_s)
        except Exception as error:  # noqa: BLE001 - a device unplugged mid-stream: say so, keep the app
            self.failed.emit(describe_error(error))
        finally:
            try:
                self.source.close()
            except Exception as error:  # noqa: BLE001 - closing is best effort, the source is done with
                describe_error(error)


class FrameReader(SourceReader):
    """Opens a FrameSource and reads it at the source's pace; the UI takes the latest frame on `frame_ready`.

    `frame_ready` is emitted only when the slot was empty, so at most one notification is ever
    waiting in the UI's event queue however slow the UI is.
    """

    opened = Signal(str)
    frame_ready = Signal()

    def __init__(self, source, mirror=False, parent=None):
        super().__init__(source, parent)
        self.mirror = mirror
        self._slot = LatestSlot()
        self._interval = 1.0 / min(max(float(getattr(source, "fps", 30) or 30), 1.0), 60.0)

    def latest(self):
        return self._slot.take()

    def _on_opened(self):
        self.opened.emit(str(getattr(self.source, "name", "")))

    def _read_once(self):
        started = time.perf_counter()
        frame = self.source.read()
        if frame is not None:
            if self.mirror:
                frame = frame[:, ::-1].copy()
            if self._slot.put(frame):
                self.frame_ready.emit()
        return self._interval - (time.perf_counter() - started)


# The live spectrogram's frames (see app.audio.spectrogram_image): 1024 samples, a column every 512.
_SPECTROGRAM_FRAME = 1024
_SPECTROGRAM_STEP = 512


@dataclasses.dataclass
class AudioChunk:
    """What an AudioReader read since the UI last asked: the samples, their loudest level, spectrogram columns."""
    samples: np.ndarray
    level_db: float
    columns: np.ndarray


class AudioReader(SourceReader):
    """Opens an AudioSource and reads it every few milliseconds; the UI takes everything new on `audio_ready`.

    No sound is dropped (a recording needs every sample): `take()` returns all that arrived since the last
    take, with the spectrogram columns of the live view already computed here, off the UI thread.
    `audio_ready` is emitted only when the UI had taken everything, so notifications never pile up.
    """

    audio_ready = Signal()

    READ_INTERVAL_S = 0.03

    def __init__(self, source, spectrogram_height=64, parent=None):
        super().__init__(source, parent)
        self._height = spectrogram_height
        self._lock = threading.Lock()
        self._samples = []
        self._columns = []
        self._level_db = SILENCE_DB
        self._unframed = np.zeros(0, np.float32)

    def take(self):
        """An AudioChunk of everything read since the last call (empty arrays when nothing came)."""
        with self._lock:
            samples, self._samples = self._samples, []
            columns, self._columns = self._columns, []
            level, self._level_db = self._level_db, SILENCE_DB
        return AudioChunk(samples=np.concatenate(samples) if samples else np.zeros(0, np.float32), level_db=level,
                          columns=np.concatenate(columns, axis=1) if columns else np.zeros((self._height, 0),
                                                                                           np.uint8))

    def _spectrogram_columns(self, samples):
        """Columns for whole frames only; the rest waits for the next read, so the picture has no seams."""
        self._unframed = np.concatenate([self._unframed, samples])
        if len(self._unframed) < _SPECTROGRAM_FRAME:
            return None
        frames = (len(self._unframed) - _SPECTROGRAM_FRAME) // _SPECTROGRAM_STEP + 1
        used = (frames - 1) * _SPECTROGRAM_STEP + _SPECTROGRAM_FRAME
        columns = spectrogram_image(self._unframed[:used], height=self._height)
        self._unframed = self._unframed[frames * _SPECTROGRAM_STEP:]
        return columns

    def _keep(self, samples):
        columns = self._spectrogram_columns(samples)
        level = rms_level_db(samples)
        with self._lock:
            was_empty = not self._samples
            self._samples.append(samples)
            if columns is not None:
                self._columns.append(columns)
            self._level_db = max(self._level_db, level)
        if was_empty:
            self.audio_ready.emit()

    def _read_once(self):
        samples = self.source.read()
        if len(samples):
            self._keep(np.asarray(samples, np.float32))
        return self.READ_INTERVAL_S


# sounddevice's play() replaces the sound that is playing; two threads must not do that at once.
_PLAYBACK_LOCK = threading.Lock()


def play_sound(clip, sample_rate=SAMPLE_RATE):
    """Start playing a mono clip on the default output (returns once it plays; a new clip replaces it).

    Opening the output can take a moment, so run it in a BackgroundTask. No sound card, or PortAudio
    missing, is an AppError saying so.
    """
    with _PLAYBACK_LOCK:
        try:
            import sounddevice  # loaded on first use: a machine without PortAudio still runs the app
        except OSError as error:
            raise AppError(f"The sound cannot be played: PortAudio is not installed ({error}).") from error
        try:
            sounddevice.play(np.asarray(clip, np.float32), sample_rate)
        except sounddevice.PortAudioError as error:
            raise AppError(f"The sound cannot be played: no working sound output was found ({error}).") from error


class EmbeddingWorker(QThread):
    """Turns batches of samples (224x224 images or sound clips) into feature vectors, in order.

    Each batch names its extractor: the window switches extractors when another kind of project opens.
    """

    embedded = Signal(list, object)
    failed = Signal(str)

    def __init__(self, parent=None):
        super().__init__(parent)
        self._batches = queue.Queue()

    def submit(self, sample_ids, inputs, extractor):
        self._batches.put((list(sample_ids), inputs, extractor))

    def stop(self):
        self._batches.put(None)

    def run(self):
        while True:
            batch = self._batches.get()
            if batch is None:
                return
            sample_ids, inputs, extractor = batch
            try:
                vectors = extractor.embed(inputs)
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


class ListeningWorker(QThread):
    """Scores live sound in overlapping windows (a SlidingWindowListener) off the UI thread.

    `submit` only appends and returns, so the sound keeps flowing whatever the classifier does. When the
    classifier is slower than real time the waiting sound is cut to the newest window and the listener
    starts over from there: the preview stays current instead of falling ever further behind
    (`skipped_seconds` counts what was left out).
    """

    heard = Signal(list)
    failed = Signal(str)

    def __init__(self, listener, parent=None):
        super().__init__(parent)
        self._listener = listener
        self._condition = threading.Condition()
        self._pending = []
        self._stop = threading.Event()
        self.skipped_seconds = 0.0
        self.windows = 0

    def submit(self, samples):
        with self._condition:
            self._pending.append(samples)
            self._condition.notify()

    def set_listener(self, listener):
        """Score with `listener` from the next sound on (a newly trained model)."""
        with self._condition:
            self._listener = listener

    def stop(self, wait_ms=10000):
        self._stop.set()
        with self._condition:
            self._condition.notify()
        self.wait(wait_ms)

    def _take(self):
        """(listener, the waiting sound), cut to the newest window if more than two windows wait."""
        with self._condition:
            if not self._pending and not self._stop.is_set():
                self._condition.wait(0.2)
            listener = self._listener
            samples = np.concatenate(self._pending) if self._pending else np.zeros(0, np.float32)
            self._pending = []
        if len(samples) > 2 * listener.window_samples:
            kept = samples[-listener.window_samples:]
            self.skipped_seconds += (len(samples) - len(kept)) / listener.sample_rate
            listener.reset()
            samples = kept
        return listener, samples

    def run(self):
        while not self._stop.is_set():
            listener, samples = self._take()
            if not len(samples):
                continue
            try:
                results = listener.push(samples)
            except Exception as error:  # noqa: BLE001 - reported; the next sound is tried again
                self.failed.emit(describe_error(error))
                listener.reset()
                continue
            if results:
                self.windows += len(results)
                self.heard.emit(results)


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

"""Keeps every sample's embedding computed in the background, as samples arrive.

The project is only touched on the UI thread: this object picks the next few samples without an
embedding, loads them (small PNGs or one-second WAVs, a few milliseconds) and hands them to the
EmbeddingWorker with the project's extractor; the vectors come back as a signal and are stored
with `set_embedding`.
"""
import numpy as np
from PySide6.QtCore import QObject, QTimer, Signal

from app.workers import EmbeddingWorker

BATCH_SIZE = 8


class EmbeddingQueue(QObject):
    """`remaining_changed(n)` after every batch; `idle` when every sample has its embedding."""

    remaining_changed = Signal(int)
    idle = Signal()
    failed = Signal(str)

    def __init__(self, parent=None):
        super().__init__(parent)
        self._project = None
        self._extractor = None
        self._unsubscribe = None
        self._in_flight = set()
        self._worker = EmbeddingWorker(self)
        self._worker.embedded.connect(self._store)
        self._worker.failed.connect(self.failed)
        self._worker.start()
        self._pump_timer = QTimer(self, singleShot=True, interval=0)
        self._pump_timer.timeout.connect(self._pump)

    def attach(self, project, extractor=None):
        """Start keeping `project`'s embeddings with `extractor` (None, None: stop; a batch in flight for the
        old project is ignored)."""
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
        self._project = project
        self._extractor = extractor
        self._in_flight = set()
        if project is not None:
            self._unsubscribe = project.subscribe(self._on_change)
            self._pump_timer.start()

    def remaining(self):
        return len(self._project.missing_embeddings()) if self._project is not None else 0

    def busy(self):
        return bool(self._in_flight)

    def shutdown(self):
        self._worker.stop()
        self._worker.wait()

    def _on_change(self, event, payload):
        # Samples arrive by capture, import, undo of a class deletion...: any change may bring some.
        if event not in ("embedding_ready", "saved"):
            self._pump_timer.start()

    def _pump(self):
        if self._project is None or self._in_flight:
            return
        batch = self._project.missing_embeddings()[:BATCH_SIZE]
        if not batch:
            self.remaining_changed.emit(0)
            self.idle.emit()
            return
        inputs = self._project.load_inputs(batch)
        self._in_flight = {sample.id for sample in batch}
        self._worker.submit([sample.id for sample in batch], inputs, self._extractor)

    def _store(self, sample_ids, vectors):
        if self._project is None or set(sample_ids) != self._in_flight:
            return  # a batch for a project that was closed meanwhile
        self._in_flight = set()
        if vectors is None:
            return  # the worker reported the failure; do not retry the same batch in a loop
        still_missing = {sample.id for sample in self._project.missing_embeddings()}
        for sample_id, vector in zip(sample_ids, vectors):
            if sample_id in still_missing:
                self._project.set_embedding(sample_id, np.asarray(vector, dtype=np.float32),
                                            extractor_name=self._extractor.name)
        self.remaining_changed.emit(len(self._project.missing_embeddings()))
        self._pump_timer.start()

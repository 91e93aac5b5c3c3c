"""Training, from the Train button to a live classifier: readiness checks, waiting for embeddings,
the TrainingWorker, Cancel, and handing the new model to the preview and the "Under the hood" view.
"""
import gc
import time

from PySide6.QtCore import QObject, QTimer, Signal

from app.errors import AppError
from app.ml import Classifier, project_classifier, training_data
from app.project import MIN_BACKGROUND_SECONDS
from app.workers import TrainingWorker

from .under_the_hood import engine_summary

# Events after which a trained model no longer reflects the project.
_STALE_EVENTS = {"class_added", "class_removed", "class_renamed", "class_moved", "class_enabled",
                 "sample_added", "sample_removed", "sample_moved"}


class TrainingController(QObject):
    """Owns the training state of the open project.

    `epoch_ended(epoch, logs)` during training; `classifier_changed(classifier or None)` after each change.
    """

    classifier_changed = Signal(object)
    epoch_ended = Signal(int, dict)

    def __init__(self, panel, embeddings, hood, parent=None):
        super().__init__(parent)
        self.panel = panel
        self.embeddings = embeddings
        self.extractor = None
        self.hood = hood
        self.project = None
        self.classifier = None
        self.worker = None
        self._waiting = False
        self._stale = False
        self._started = 0.0
        self._unsubscribe = None
        # Recording adds many samples per second: recheck readiness once per event-loop turn, not per sample.
        self._refresh_timer = QTimer(self, singleShot=True, interval=0)
        self._refresh_timer.timeout.connect(self.refresh)
        panel.train_clicked.connect(self.train)
        panel.cancel_clicked.connect(self.cancel)
        embeddings.remaining_changed.connect(lambda _: self._on_embeddings_progress())
        embeddings.idle.connect(self._on_embeddings_idle)
        embeddings.failed.connect(lambda message: self._show_idle(f"Could not prepare samples: {message}"))

    # ---- project ------------------------------------------------------------------------------------
    def set_project(self, project, extractor):
        """Follow `project`, whose samples `extractor` embeds (the trained model sits on top of it)."""
        self.cancel()
        if self._unsubscribe is not None:
            self._unsubscribe()
        self.project = project
        self.extractor = extractor
        self._waiting = False
        self._stale = False
        self._unsubscribe = project.subscribe(self._on_change)
        self.panel.advanced.show_settings(project.settings)
        self.hood.set_history(project.history)
        self._set_classifier(project_classifier(project, self.extractor) if project.has_model else None)
        self.panel.show_result(self._result_text(project.history) if project.has_model else "")
        self.refresh()

    def detach(self):
        self.cancel()
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
        self.project = None
        self.extractor = None
        self._set_classifier(None)

    def _on_change(self, event, payload):
        if event in _STALE_EVENTS and self.project.has_model:
            self._stale = True
        if event != "embedding_ready":
            self._refresh_timer.start()

    def is_training(self):
        return self.worker is not None

    # ---- readiness ------------------------------------------------------------------------------------
    def problem(self):
        """Why training cannot start now (a sentence saying what to do), or None.

        A sound project's background noise comes first: every sound model needs it.
        """
        if self.project.kind == "audio":
            problem = self._background_problem()
            if problem:
                return problem
        enabled = [info for info in self.project.classes if info.enabled]
        if len(enabled) < 2:
            return "Add at least two classes (and give each a few samples) to train a model."
        for info in enabled:
            if not info.sample_ids:
                return f"“{info.name}” has no samples yet: record or upload some, or untick “Use” on it."
        names = [info.name for info in enabled]
        duplicates = {name for name in names if names.count(name) > 1}
        if duplicates:
            return f"Two classes are called “{sorted(duplicates)[0]}”: give each class its own name."
        return None

    def _background_problem(self):
        """What a sound project lacks in background noise (the model must learn the room's sound), or None."""
        background = self.project.background_class()
        if background is None:
            return (f"Sound models need a background noise class with at least {MIN_BACKGROUND_SECONDS:g} s of "
                    "the room's everyday sound: add one with “Add a background noise class”.")
        if not background.enabled:
            return f"Tick “Use” on “{background.name}”: sound models always learn the background noise."
        seconds = self.project.background_seconds()
        if seconds < MIN_BACKGROUND_SECONDS:
            return (f"“{background.name}” needs at least {MIN_BACKGROUND_SECONDS:g} s of sound to train "
                    f"(it has {seconds:g} s): record the room without your sounds.")
        return None

    def refresh(self):
        if self.project is None or self.is_training():
            return
        if self._waiting:
            self.panel.show_waiting(self.embeddings.remaining())
            return
        problem = self.problem()
        if problem:
            self._show_idle(problem, can_train=False)
            return
        samples = sum(len(info.sample_ids) for info in self.project.classes if info.enabled)
        classes = len(self.project.labels())
        if self.project.has_model and not self._stale:
            message = f"The model is up to date with your {samples:,} samples. Train again after changes."
        elif self.project.has_model:
            message = f"Your classes changed since the last training. Train again to use all {samples:,} samples."
        else:
            message = f"Ready to train on {samples:,} samples in {classes} classes."
        self._show_idle(message)

    def _show_idle(self, message, can_train=True):
        remaining = self.embeddings.remaining() if self.project is not None else 0
        if remaining:
            message += f"\nPreparing samples in the background: {remaining:,} left."
        self.panel.show_idle(can_train, message)

    def _on_embeddings_progress(self):
        self.refresh()

    def _on_embeddings_idle(self):
        if self._waiting:
            self._waiting = False
            self._start_worker()
        else:
            self.refresh()

    # ---- training -----------------------------------------------------------------------------------
    def train(self):
        if self.project is None or self.is_training() or self._waiting or self.problem():
            return
        self.project.settings = self.panel.advanced.settings(self.project.settings)
        if self.embeddings.remaining():
            self._waiting = True
            self.panel.show_waiting(self.embeddings.remaining())
            return
        self._start_worker()

    def _start_worker(self):
        problem = self.problem()
        if problem:
            self._show_idle(problem, can_train=False)
            return
        try:
            embeddings, targets, self._labels = training_data(self.project)
        except AppError as error:
            self._show_idle(str(error), can_train=False)
            return
        settings = self.project.settings
        self.worker = TrainingWorker(embeddings, targets, len(self._labels), settings, self)
        self.worker.epoch_ended.connect(self._on_epoch)
        self.worker.trained.connect(self._on_trained)
        self.worker.cancelled.connect(self._on_cancelled)
        self.worker.failed.connect(self._on_failed)
        self.worker.finished.connect(self._on_worker_finished)
        self.panel.show_training(settings.epochs)
        self.hood.start_training()
        self._started = time.perf_counter()
        # A full garbage collection scans every tracked object (the modules, the widgets, the project) with
        # the GIL held: 15-35 ms, which the UI waits out. While training, those scans skip what exists now;
        # it goes back under collection when the worker finishes.
        gc.freeze()
        self.worker.start()

    def cancel(self):
        if self._waiting:
            self._waiting = False
            self.refresh()
        if self.worker is not None:
            self.worker.cancel()
            self.panel.show_cancelling()

    def _on_epoch(self, epoch, logs):
        if self.project is None:
            return
        self.panel.show_epoch(epoch, self.project.settings.epochs, logs)
        self.hood.add_epoch(epoch, logs)
        self.epoch_ended.emit(epoch, logs)

    def _on_trained(self, head, history):
        if self.project is None:
            return
        history = dict(history)
        history["labels"] = self._labels
        history["extractor"] = self.project.extractor_name
        history.setdefault("device", engine_summary()[1])
        history.setdefault("total_seconds", time.perf_counter() - self._started)
        self.project.set_model(head, history)
        self._stale = False
        self._set_classifier(Classifier(self.extractor, head, history["labels"]))
        self.hood.set_history(history)
        self.panel.show_result(self._result_text(history))

    def _on_cancelled(self):
        self.panel.show_result("Training was cancelled; the previous model (if any) is kept.")

    def _on_failed(self, message):
        self.panel.show_result(f"Training failed: {message}")

    def _on_worker_finished(self):
        self.worker = None
        gc.unfreeze()
        self.refresh()

    def _set_classifier(self, classifier):
        self.classifier = classifier
        self.classifier_changed.emit(classifier)

    @staticmethod
    def _result_text(history):
        history = history or {}
        parts = []
        validation = history.get("val_accuracy") or []
        if validation:
            parts.append(f"Validation accuracy <b>{validation[-1]:.0%}</b>")
        elif history.get("accuracy"):
            parts.append(f"Training accuracy <b>{history['accuracy'][-1]:.0%}</b>")
        epochs = len(history.get("loss") or [])
        if epochs:
            parts.append(f"{epochs} epochs")
        if history.get("total_seconds"):
            parts.append(f"trained in {history['total_seconds']:.1f} s")
        return " · ".join(parts)

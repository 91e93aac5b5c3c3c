"""The "Preview" card of a sound project: the microphone (or a sound file, or the synthetic microphone) heard
live, scored in overlapping windows, with a bar per class and what was last heard above a threshold.

The AudioReader reads the source off the UI thread; its sound goes to the ListeningWorker, whose
`submit` only queues it, so neither the microphone nor the window ever waits for the classifier.
"""
import time

from PySide6.QtCore import QSize, Qt, QTimer, Signal
from PySide6.QtWidgets import QFileDialog, QHBoxLayout, QLabel, QSlider

from app.capture import list_microphones
from app.ml import SlidingWindowListener, last_heard
from app.workers import AudioReader, BackgroundTask, ListeningWorker

from . import icons, source_choice
from .audio_capture_dialog import AUDIO_FILTER
from .audio_widgets import ScrollingSpectrogram, colorize
from .confidence_bars import ConfidenceBars
from .frames import FrameView
from .preview_card import PreviewCard
from .source_choice import PICK_AUDIO, SYNTHETIC_SOUNDS

# About five seconds of sound across the view (a spectrogram column every 512 samples).
LIVE_COLUMNS = 430
DEFAULT_THRESHOLD = 0.75
# The synthetic microphone plays each class's sound in turn, this long each.
SYNTHETIC_TURN_MS = 4000


class AudioPreviewPanel(PreviewCard):
    """`predicted(scores)` after every scored window (tests and the window listen)."""

    predicted = Signal(dict)

    IDLE_TEXT = "Listen"

    def __init__(self, parent=None):
        super().__init__(parent)
        self.project = None
        self._classifier = None
        self._spectrogram = ScrollingSpectrogram(columns=LIVE_COLUMNS)
        self.last_label = None
        self._last_heard_at = 0.0
        self.microphones_found = None  # not known until the microphones are listed

        self.source_combo.addItem(icons.icon("sparkle"), "Synthetic test microphone (each class in turn)",
                                  SYNTHETIC_SOUNDS)
        self.source_combo.addItem(icons.icon("folder"), "Sound file…", PICK_AUDIO)
        self.view = FrameView(stretch=True, minimum=QSize(220, 110))
        self.bars = ConfidenceBars()

        self.threshold_slider = QSlider(Qt.Horizontal, minimum=50, maximum=99, value=round(DEFAULT_THRESHOLD * 100))
        self.threshold_slider.setToolTip("A sound counts as heard when its class scores at least this much")
        self.threshold_label = QLabel(objectName="muted")
        self.threshold_label.setMinimumWidth(36)
        self.threshold_slider.valueChanged.connect(self._show_threshold)
        threshold_row = QHBoxLayout()
        threshold_row.addWidget(QLabel("Threshold"))
        threshold_row.addWidget(self.threshold_slider, 1)
        threshold_row.addWidget(self.threshold_label)
        self.heard_label = QLabel(objectName="heading", wordWrap=True)
        self.heard_label.hide()

        self._lay_out(self.view, self.bars, threshold_row, self.heard_label)

        self._clock = QTimer(self, interval=500)
        self._clock.timeout.connect(self._show_last_heard)
        self.synthetic_turns = QTimer(self, interval=SYNTHETIC_TURN_MS)
        self.synthetic_turns.timeout.connect(self._next_synthetic_class)
        self._show_threshold()
        self.set_classifier(None)
        self._microphone_lister = BackgroundTask(list_microphones, parent=self)
        self._microphone_lister.succeeded.connect(self._add_microphones)
        self._microphone_lister.failed.connect(lambda message: self._add_microphones([]))
        self._microphone_lister.start()

    def _add_microphones(self, microphones):
        for position, (index, name) in enumerate(microphones):
            self.source_combo.insertItem(position, icons.icon("microphone"), name, source_choice.microphone(index))
        self.microphones_found = bool(microphones)
        if microphones and not self.is_live():
            self.source_combo.setCurrentIndex(0)
        if self._classifier is not None and not self.is_live():
            self.view.set_message(self._ready_message())

    def _ready_message(self):
        if self.microphones_found is False:
            return ("No microphone found. Press Listen to hear the synthetic test microphone, or choose a sound file: "
                    "it is classified as if it were played into a microphone.")
        return "Press Listen to classify the microphone live, or choose a sound file."

    def set_project(self, project):
        """The open sound project: its overlap spaces the windows, its background class is never "heard"."""
        self.stop()
        self.project = project

    def threshold(self):
        return self.threshold_slider.value() / 100

    def _show_threshold(self):
        self.threshold_label.setText(f"{self.threshold_slider.value()} %")
        self._show_last_heard()

    # ---- the classifier ---------------------------------------------------------------------------
    def set_classifier(self, classifier):
        """Score with `classifier` (None: no model yet, the panel explains what to do)."""
        self._classifier = classifier
        for control in (self.source_combo, self.live_button, self.threshold_slider):
            control.setEnabled(classifier is not None)
        self.last_label = None
        if classifier is None:
            self._clock.stop()
            self.stop()
            self.bars.set_labels([])
            self.view.set_message("Train a model, then hear it classify your microphone or a sound file here.")
            self._show_heard("")
            return
        self.bars.set_labels(classifier.labels)
        self._clock.start()  # "last heard … s ago" keeps counting
        if self._worker is not None:
            self._worker.set_listener(self._new_listener())
        if not self.is_live():
            self.view.set_message(self._ready_message())
        self._show_last_heard()

    def _new_listener(self):
        window = self.project.window_seconds
        return SlidingWindowListener(self._classifier, window, window * (1 - self.project.overlap))

    def _background_label(self):
        info = self.project.background_class() if self.project is not None else None
        return info.name if info is not None else None

    # ---- sources ------------------------------------------------------------------------------------
    def _on_source_chosen(self, _index):
        choice = self.source_combo.currentData()
        if choice == PICK_AUDIO:
            path, _ = QFileDialog.getOpenFileName(self, "Choose a sound file to classify", "", AUDIO_FILTER)
            if not path:
                return
            choice = source_choice.audio_file(path)
            if self.source_combo.findData(choice) < 0:
                self.source_combo.insertItem(self.source_combo.count() - 1, icons.icon("folder"),
                                             source_choice.file_name(choice), choice)
            self.source_combo.setCurrentIndex(self.source_combo.findData(choice))
        if self.is_live():
            self.start(choice)

    def _on_live_toggled(self, on):
        if on:
            choice = self.source_combo.currentData()
            self.start(choice if choice != PICK_AUDIO else SYNTHETIC_SOUNDS)
        else:
            self.stop()

    def start(self, choice):
        """Classify the sound of `choice` ("microphone:<index>", "synthetic-sounds", "audio:<path>") until stop()."""
        if self._classifier is None:
            return
        self.stop()
        if self._worker is None:
            self._worker = ListeningWorker(self._new_listener(), self)
            self._worker.heard.connect(self._on_heard)
            self._worker.failed.connect(self._on_failed)
            self._worker.start()
        else:
            self._worker.set_listener(self._new_listener())
        self.source = source_choice.make_audio_source(choice)
        if choice == SYNTHETIC_SOUNDS:
            self.synthetic_turns.start()
        self._spectrogram.clear()
        self.last_label = None
        self._reader = AudioReader(self.source, parent=self)
        self._reader.audio_ready.connect(self._on_audio)
        self._reader.failed.connect(self._on_failed)
        self._reader.start()
        self.view.set_message("Starting…")
        self._set_live_button(True)

    def _next_synthetic_class(self):
        if self.source is not None and self.project is not None:
            self.source.set_class_hint((self.source.class_hint + 1) % len(self.project.classes))

    def stop(self):
        if self._reader is not None:
            self._reader.audio_ready.disconnect(self._on_audio)
            self._reader.failed.disconnect(self._on_failed)
            self._reader.stop()
            self._reader = None
        self.source = None
        self.synthetic_turns.stop()
        self._set_live_button(False)
        self._show_last_heard()

    # ---- sound in, scores out -----------------------------------------------------------------------
    def _on_audio(self):
        chunk = self._reader.take() if self._reader is not None else None
        if chunk is None:
            return
        self._spectrogram.append(chunk.columns)
        self.view.set_frame(colorize(self._spectrogram.image))
        if len(chunk.samples):
            self._worker.submit(chunk.samples)

    def _on_heard(self, results):
        if not self.is_live():
            return  # windows of a source that was just stopped
        background = self._background_label()
        for _start, _end, scores in results:
            label = last_heard(scores, self.threshold(), background)
            if label is not None:
                self.last_label, self._last_heard_at = label, time.monotonic()
        scores = results[-1][2]
        self.bars.set_scores(scores)
        windows, skipped = self._worker.windows, self._worker.skipped_seconds
        self.stats_label.setText(f"{windows} window{'' if windows == 1 else 's'} scored"
                                 + (f" · {skipped:.1f} s skipped" if skipped else ""))
        self._show_last_heard()
        self.predicted.emit(scores)

    def _show_last_heard(self):
        if self._classifier is None:
            return
        if self.last_label is None:
            self._show_heard(f"Listening for your sounds (above {self.threshold_slider.value()} %)…"
                             if self.is_live() else "")
            return
        ago = time.monotonic() - self._last_heard_at
        when = "just now" if ago < 1.5 else f"{ago:.0f} s ago"
        self._show_heard(f"Last heard: {self.last_label} · {when}")

    def _show_heard(self, text):
        self.heard_label.setText(text)
        self.heard_label.setVisible(bool(text))

    def _on_failed(self, message):
        self.stop()
        self.view.set_message(f"{message}\n\nChoose another source above, such as the synthetic test microphone or a "
                              "sound file.")

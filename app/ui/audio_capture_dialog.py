"""Recording sounds for one class: microphone choice, level meter, live spectrogram, hold-to-record and timed.

A recording is kept whole while it runs and cut into samples when it ends (`app.audio.cut_windows` with
the project's window length and overlap: 1 s, half overlapping, unless changed), so every sample is a
full window of sound.
"""
import math
import time

import numpy as np
from PySide6.QtCore import QSize, Qt, QTimer
from PySide6.QtWidgets import (QButtonGroup, QComboBox, QDialog, QDialogButtonBox, QDoubleSpinBox, QFileDialog,
                               QFormLayout, QGroupBox, QHBoxLayout, QLabel, QProgressBar, QPushButton, QRadioButton,
                               QSpinBox, QToolButton, QVBoxLayout)

from app.audio import MAX_WINDOW_SECONDS, MIN_WINDOW_SECONDS, SAMPLE_RATE, cut_windows
from app.capture import list_microphones
from app.project import MIN_BACKGROUND_SECONDS
from app.workers import AudioReader, BackgroundTask

from . import icons, source_choice, theme
from .audio_widgets import LevelMeter, ScrollingSpectrogram, colorize
from .frames import FrameView
from .source_choice import PICK_AUDIO, SYNTHETIC_SOUNDS

AUDIO_FILTER = "Sound files (*.wav *.flac *.ogg *.oga *.opus *.mp3 *.aiff *.aif)"
# About five seconds of sound across the live view (a column every 512 samples).
LIVE_COLUMNS = 430


class AudioCaptureDialog(QDialog):
    """Adds the windows of every recording to `class_id`.

    `source` is the AudioSource being heard (None while microphones are listed or after a failure);
    `source_choice` is remembered by the window so the next class opens the same microphone.
    """

    def __init__(self, project, class_id, source_choice=None, parent=None):
        super().__init__(parent)
        self.project = project
        self.class_id = class_id
        self.source = None
        self.source_choice = source_choice
        self._reader = None
        self._recording = None  # the chunks of the recording under way, or None
        self._recording_limit = None  # samples a timed recording keeps
        self._countdown_until = None
        self._recording_started = 0.0
        self.recorded = 0
        self._spectrogram = ScrollingSpectrogram(columns=LIVE_COLUMNS)
        info = self.project.class_info(class_id)
        self.setWindowTitle(f"Record sounds: {info.name}")
        self.resize(980, 600)

        self.view = FrameView(stretch=True, minimum=QSize(420, 240))
        self.view.set_message("Looking for microphones…")
        self.view.setToolTip("The last few seconds of sound: time runs to the right, low pitches at the bottom")
        self.level_meter = LevelMeter()
        level_row = QHBoxLayout()
        level_row.addWidget(QLabel("Level", objectName="muted"))
        level_row.addWidget(self.level_meter, 1)

        self.source_combo = QComboBox()
        self.source_combo.setMinimumWidth(220)
        self.refresh_button = QToolButton(icon=theme.standard_icon("BrowserReload"),
                                          toolTip="Look for microphones again")
        self.refresh_button.clicked.connect(self._list_sources)
        source_row = QHBoxLayout()
        source_row.addWidget(self.source_combo, 1)
        source_row.addWidget(self.refresh_button)
        source_form = QFormLayout()
        source_form.setLabelAlignment(Qt.AlignRight)
        source_form.addRow("Input", source_row)
        source_group = QGroupBox("Microphone")
        source_group.setLayout(source_form)

        self.hold_mode = QRadioButton("Hold to record", checked=True)
        self.timed_mode = QRadioButton("Timed")
        modes = QButtonGroup(self)
        modes.addButton(self.hold_mode)
        modes.addButton(self.timed_mode)
        self.timed_mode.toggled.connect(self._update_record_button)
        self.timed_mode.toggled.connect(self._update_timed_fields)
        mode_row = QHBoxLayout()
        mode_row.addWidget(self.hold_mode)
        mode_row.addWidget(self.timed_mode)
        mode_row.addStretch(1)
        self.delay_spin = QDoubleSpinBox(minimum=0, maximum=10, value=2, singleStep=0.5, suffix=" s", decimals=1)
        self.duration_spin = QDoubleSpinBox(minimum=1, maximum=120, value=20 if info.is_background else 4,
                                            singleStep=1, suffix=" s", decimals=1)
        self.duration_spin.valueChanged.connect(self._update_record_button)
        self.window_spin = QDoubleSpinBox(minimum=MIN_WINDOW_SECONDS, maximum=MAX_WINDOW_SECONDS, singleStep=0.25,
                                          value=project.window_seconds, suffix=" s", decimals=2)
        self.window_spin.valueChanged.connect(self._set_window)
        self._update_window_spin()
        self.overlap_spin = QSpinBox(minimum=0, maximum=90, singleStep=10, suffix=" %",
                                     value=round(project.overlap * 100))
        self.overlap_spin.setToolTip("How much each sample overlaps the one before it: more overlap, more samples "
                                     "from the same recording (the live preview's windows overlap as much)")
        self.overlap_spin.valueChanged.connect(self._set_overlap)
        settings = QFormLayout()
        settings.setLabelAlignment(Qt.AlignRight)
        settings.addRow("Mode", mode_row)
        settings.addRow("Delay", self.delay_spin)
        settings.addRow("Duration", self.duration_spin)
        settings.addRow("Sample length", self.window_spin)
        settings.addRow("Overlap", self.overlap_spin)
        record_group = QGroupBox("Recording")
        record_group.setLayout(settings)

        self.record_button = QPushButton(objectName="record")
        self.record_button.setEnabled(False)
        self.record_button.pressed.connect(self._record_pressed)
        self.record_button.released.connect(self._record_released)
        self.count_label = QLabel(objectName="heading")
        self.background_progress = QProgressBar(textVisible=False, maximum=1000)
        self.background_progress.setFixedHeight(8)
        self.background_label = QLabel(objectName="muted", wordWrap=True)
        self.status_label = QLabel(objectName="hint", wordWrap=True)

        side = QVBoxLayout()
        side.setSpacing(12)
        side.addWidget(source_group)
        side.addWidget(record_group)
        side.addWidget(self.record_button)
        side.addWidget(self.count_label)
        side.addWidget(self.background_progress)
        side.addWidget(self.background_label)
        side.addWidget(self.status_label)
        side.addStretch(1)
        live = QVBoxLayout()
        live.setSpacing(8)
        live.addWidget(self.view, 1)
        live.addLayout(level_row)
        body = QHBoxLayout()
        body.setSpacing(16)
        body.addLayout(live, 1)
        body.addLayout(side)

        buttons = QDialogButtonBox()
        done = buttons.addButton("Done", QDialogButtonBox.RejectRole)
        done.setMinimumWidth(100)
        buttons.rejected.connect(self.reject)
        self.title_label = QLabel(f"Record sounds for “{info.name}”", objectName="heading")
        if info.is_background:
            text = (f"Record the room as it usually sounds, without the sounds of your other classes. The model "
                    f"needs at least {MIN_BACKGROUND_SECONDS:g} s of it to tell your sounds from "
                    f"everything else.")
        else:
            text = ("Make the sound again and again, a little differently each time. Each recording is cut into "
                    "short samples.")
        hint = QLabel(text, objectName="muted", wordWrap=True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(18, 16, 18, 14)
        layout.setSpacing(10)
        layout.addWidget(self.title_label)
        layout.addWidget(hint)
        layout.addLayout(body, 1)
        layout.addWidget(buttons)

        self._tick = QTimer(self, interval=50)
        self._tick.timeout.connect(self._on_tick)
        self._update_record_button()
        self._update_timed_fields()
        self._update_count()
        self.source_combo.activated.connect(self._on_source_chosen)
        self._list_sources()

    # ---- sources --------------------------------------------------------------------------------
    def _list_sources(self):
        self.source_combo.clear()
        self.source_combo.addItem("Looking for microphones…", None)
        self.source_combo.setEnabled(False)
        self.refresh_button.setEnabled(False)
        self._lister = BackgroundTask(list_microphones, parent=self)
        self._lister.succeeded.connect(self._fill_sources)
        self._lister.failed.connect(lambda message: self._fill_sources([], message))
        self._lister.start()

    def _fill_sources(self, microphones, problem=""):
        self.source_combo.clear()
        for index, name in microphones:
            self.source_combo.addItem(icons.icon("microphone"), name, source_choice.microphone(index))
        self.source_combo.addItem(icons.icon("sparkle"), "Synthetic test microphone", SYNTHETIC_SOUNDS)
        self.source_combo.addItem(icons.icon("folder"), "Sound file…", PICK_AUDIO)
        self.source_combo.setEnabled(True)
        self.refresh_button.setEnabled(True)
        choice = self.source_choice
        if choice is not None and source_choice.kind_of(choice) == "audio" and choice != PICK_AUDIO:
            self._add_file_item(choice)
        if choice is None or self.source_combo.findData(choice) < 0:
            choice = source_choice.microphone(microphones[0][0]) if microphones else SYNTHETIC_SOUNDS
        self.source_combo.setCurrentIndex(self.source_combo.findData(choice))
        if not microphones:
            reason = problem or "No microphone found."
            self.status_label.setText(f"{reason} Listening to the synthetic test microphone instead: choose a sound "
                                      "file, or close this window and use Upload to add sound files.")
        self._start_source(choice)

    def _add_file_item(self, choice):
        if self.source_combo.findData(choice) < 0:
            self.source_combo.insertItem(self.source_combo.count() - 1, icons.icon("folder"),
                                         source_choice.file_name(choice), choice)

    def _on_source_chosen(self, _index):
        choice = self.source_combo.currentData()
        if choice == PICK_AUDIO:
            path, _ = QFileDialog.getOpenFileName(self, "Choose a sound file", "", AUDIO_FILTER)
            if not path:
                self.source_combo.setCurrentIndex(max(0, self.source_combo.findData(self.source_choice)))
                return
            choice = source_choice.audio_file(path)
            self._add_file_item(choice)
            self.source_combo.setCurrentIndex(self.source_combo.findData(choice))
        self._start_source(choice)

    def select_source(self, choice):
        """Listen to `choice` ("microphone:<index>", "synthetic-sounds" or "audio:<path>"; see source_choice)."""
        if source_choice.kind_of(choice) == "audio":
            self._add_file_item(choice)
        self.source_combo.setCurrentIndex(self.source_combo.findData(choice))
        self._start_source(choice)

    def _start_source(self, choice):
        if choice is None or choice == PICK_AUDIO:
            return
        self._stop_recording()
        self._stop_reader()
        self.source_choice = choice
        self.view.set_message("Starting…")
        self.source = source_choice.make_audio_source(choice)
        if hasattr(self.source, "set_class_hint"):
            self.source.set_class_hint(self._synthetic_sound())
        self._spectrogram.clear()
        self._reader = AudioReader(self.source, parent=self)
        self._reader.audio_ready.connect(self._on_audio)
        self._reader.failed.connect(self._on_source_failed)
        self._reader.start()

    def _synthetic_sound(self):
        """Which of the synthetic microphone's sounds this class gets: noise for the background class (sound 0),
        a sound of its own for every other class."""
        others = [info.id for info in self.project.classes if not info.is_background]
        return others.index(self.class_id) + 1 if self.class_id in others else 0

    def _on_source_failed(self, message):
        self._stop_recording()  # what was heard before the microphone went away is kept
        self._stop_reader()
        self.level_meter.reset()
        self.view.set_message(f"{message}\n\nChoose the synthetic test microphone or a sound file above, or close "
                              "this window and use Upload to add sound files.")

    def _stop_reader(self):
        if self._reader is not None:
            self._reader.audio_ready.disconnect(self._on_audio)
            self._reader.failed.disconnect(self._on_source_failed)
            self._reader.stop()
            self._reader = None
        self.source = None
        self.record_button.setEnabled(False)

    # ---- recording ------------------------------------------------------------------------------
    def is_recording(self):
        return self._recording is not None

    def _recorded_samples(self):
        return sum(len(chunk) for chunk in self._recording) if self._recording is not None else 0

    def _update_record_button(self):
        if self.timed_mode.isChecked():
            self.record_button.setText(f"Record {self.duration_spin.value():g} s")
        else:
            self.record_button.setText("Hold to record")

    def _update_timed_fields(self):
        for box in (self.delay_spin, self.duration_spin):
            box.setEnabled(self.timed_mode.isChecked())

    def _record_pressed(self):
        if self.timed_mode.isChecked():
            if self.is_recording() or self._countdown_until is not None:
                self._stop_recording()
                return
            self._countdown_until = time.monotonic() + self.delay_spin.value()
            self.record_button.setText("Stop")
            self._tick.start()
            self._on_tick()
        else:
            self._start_recording(limit=None)

    def _record_released(self):
        if not self.timed_mode.isChecked():
            self._stop_recording()

    def _start_recording(self, limit):
        self._recording = []
        self._recording_limit = limit
        self._recording_started = time.monotonic()
        self.status_label.setText("")
        self._tick.start()
        self._on_tick()

    def _on_tick(self):
        if self._countdown_until is not None:
            left = self._countdown_until - time.monotonic()
            if left > 0:
                self.view.set_overlay(str(math.ceil(left)))
                return
            self._countdown_until = None
            self._start_recording(limit=int(round(self.duration_spin.value() * SAMPLE_RATE)))
        if self.is_recording():
            heard = self._recorded_samples() / SAMPLE_RATE
            if self._recording_limit is None:
                self.view.set_overlay(f"● {heard:.1f} s")
            else:
                self.view.set_overlay(f"● {max(0.0, self._recording_limit / SAMPLE_RATE - heard):.1f} s")

    def _stop_recording(self):
        """End the countdown, or the recording and cut it into samples."""
        recording = self._recording
        self._recording = None
        self._recording_limit = None
        self._countdown_until = None
        self._tick.stop()
        self.view.set_overlay("")
        self._update_record_button()
        if recording is not None:
            self._keep(np.concatenate(recording) if recording else np.zeros(0, np.float32))

    def _set_overlap(self, percent):
        """The project keeps the overlap: recordings, imports and the live preview all use it."""
        self.project.set_overlap(percent / 100)

    def _set_window(self, seconds):
        if self.project.sample_count == 0 and not self.project.has_model:
            self.project.set_window_seconds(seconds)

    def _update_window_spin(self):
        """The sample length is chosen before the first sample: every sample of a project is equally long."""
        open_to_change = self.project.sample_count == 0 and not self.project.has_model
        self.window_spin.setEnabled(open_to_change)
        self.window_spin.setToolTip(
            "Each recording is cut into samples this long. Choose it before recording: every sample of a project "
            "is equally long." if open_to_change else
            "Each recording is cut into samples this long. It is fixed once a project has samples, since every "
            "sample of a project is equally long.")

    def _keep(self, signal):
        window = self.project.window_seconds
        if len(signal) < self.project.window_samples:
            self.status_label.setText(f"That recording was {len(signal) / SAMPLE_RATE:.1f} s long, shorter than one "
                                      f"sample ({window:g} s): it was not kept. Hold the button a little longer.")
            return
        source = self._sample_source()
        windows = cut_windows(signal, window, self.project.overlap)
        for clip in windows:
            self.project.add_sample(self.class_id, clip, source=source)
        self.recorded += len(windows)
        self._update_window_spin()
        self.status_label.setText(f"Kept {len(windows)} sample{'' if len(windows) == 1 else 's'} from "
                                  f"{len(signal) / SAMPLE_RATE:.1f} s of sound.")
        self._update_count()

    def _sample_source(self):
        kind = source_choice.kind_of(self.source_choice or "")
        if kind == "audio":
            return f"file:{source_choice.file_name(self.source_choice)}"
        return "microphone" if kind == "microphone" else "synthetic"

    def _on_audio(self):
        reader = self._reader
        if reader is None:
            return
        chunk = reader.take()
        # Recording becomes possible with the first sound, not when the microphone merely opened.
        self.record_button.setEnabled(True)
        self.level_meter.set_level(chunk.level_db)
        self._spectrogram.append(chunk.columns)
        self.view.set_frame(colorize(self._spectrogram.image))
        if self._recording is None or not len(chunk.samples):
            return
        samples = chunk.samples
        if self._recording_limit is not None:
            samples = samples[:self._recording_limit - self._recorded_samples()]
        self._recording.append(samples)
        if self._recording_limit is not None and self._recorded_samples() >= self._recording_limit:
            self._stop_recording()

    def _update_count(self):
        info = self.project.class_info(self.class_id)
        count = len(info.sample_ids)
        self.count_label.setText(f"{count} sample{'' if count == 1 else 's'} in “{info.name}”")
        seconds = self.project.background_seconds()
        needed = MIN_BACKGROUND_SECONDS
        self.background_progress.setVisible(info.is_background)
        self.background_label.setVisible(info.is_background)
        if info.is_background:
            self.background_progress.setValue(min(1000, round(1000 * seconds / needed)))
            if seconds >= needed:
                self.background_label.setText(f"{seconds:g} s of background noise: enough to train. "
                                              "More, in different places and at different times, helps.")
            else:
                self.background_label.setText(f"{seconds:g} s of the {needed:g} s of background "
                                              "noise needed to train.")

    def done(self, result):
        self._stop_recording()
        self._stop_reader()
        for task in self.findChildren(BackgroundTask):
            task.wait()  # the dialog is deleted after closing; its threads must have ended
        super().done(result)

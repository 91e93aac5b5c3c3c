"""Recording sounds for one class: microphone choice, level meter, live spectrogram, hold-to-record and timed.

A recording is kept whole while it runs and cut into samples when it ends (`app.audio.cut_windows` with
the project's window length and overlap: 1 s, half overlapping, unless changed), so every sample is a
full window of sound.
"""
import time

import numpy as np
from PySide6.QtCore import QSize, Qt
from PySide6.QtWidgets import (QDoubleSpinBox, QFormLayout, QGroupBox, QHBoxLayout, QLabel, QProgressBar, QSpinBox,
                               QVBoxLayout)

from app.audio import MAX_WINDOW_SECONDS, MIN_WINDOW_SECONDS, SAMPLE_RATE, cut_windows
from app.capture import list_microphones
from app.project import MIN_BACKGROUND_SECONDS
from app.workers import AudioReader

from . import source_choice
from .audio_widgets import LevelMeter, ScrollingSpectrogram, colorize
from .frames import FrameView
from .recording_dialog import RecordingDialog
from .source_choice import PICK_AUDIO, SYNTHETIC_SOUNDS

AUDIO_FILTER = "Sound files (*.wav *.flac *.ogg *.oga *.opus *.mp3 *.aiff *.aif)"
# About five seconds of sound across the live view (a column every 512 samples).
LIVE_COLUMNS = 430


class AudioCaptureDialog(RecordingDialog):
    """Adds the windows of every recording to `class_id`.

    `source` is the AudioSource being heard (None while microphones are listed or after a failure);
    `source_choice` is remembered by the window so the next class opens the same microphone.
    """

    DEVICE_ICON = "microphone"
    LOOKING_TEXT = "Looking for microphones…"
    SYNTHETIC_TEXT = "Synthetic test microphone"
    SYNTHETIC_CHOICE = SYNTHETIC_SOUNDS
    FILE_TEXT = "Sound file…"
    PICK_FILE = PICK_AUDIO
    FILE_KIND = "audio"
    FILE_DIALOG_TITLE = "Choose a sound file"
    FILE_FILTER = AUDIO_FILTER

    def __init__(self, project, class_id, source_choice=None, parent=None):
        super().__init__(project, class_id, source_choice, parent)
        self._recording = None  # the chunks of the recording under way, or None
        self._recording_limit = None  # samples a timed recording keeps
        self._recording_started = 0.0
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

        source_row = self._source_row("Look for microphones again")
        source_form = QFormLayout()
        source_form.setLabelAlignment(Qt.AlignRight)
        source_form.addRow("Input", source_row)
        source_group = QGroupBox("Microphone")
        source_group.setLayout(source_form)

        mode_row = self._mode_row()
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

        self._record_button()
        self.background_progress = QProgressBar(textVisible=False, maximum=1000)
        self.background_progress.setFixedHeight(8)
        self.background_label = QLabel(objectName="muted", wordWrap=True)

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

        if info.is_background:
            text = (f"Record the room as it usually sounds, without the sounds of your other classes. The model "
                    f"needs at least {MIN_BACKGROUND_SECONDS:g} s of it to tell your sounds from "
                    f"everything else.")
        else:
            text = ("Make the sound again and again, a little differently each time. Each recording is cut into "
                    "short samples.")
        self._lay_out(f"Record sounds for “{info.name}”", text, body)
        self._open_sources()

    # ---- sources --------------------------------------------------------------------------------
    def _list_devices(self):
        return list_microphones()

    def _device_choice(self, index):
        return source_choice.microphone(index)

    def _file_choice(self, path):
        return source_choice.audio_file(path)

    def _explain_no_device(self, problem):
        reason = problem or "No microphone found."
        self.status_label.setText(f"{reason} Listening to the synthetic test microphone instead: choose a sound "
                                  "file, or close this window and use Upload to add sound files.")

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

    def _start_hold_recording(self):
        self._start_recording(limit=None)

    def _start_recording(self, limit):
        self._recording = []
        self._recording_limit = limit
        self._recording_started = time.monotonic()
        self.status_label.setText("")
        self._tick.start()
        self._on_tick()

    def _start_timed_recording(self):
        self._start_recording(limit=int(round(self.duration_spin.value() * SAMPLE_RATE)))

    def _show_recording_progress(self):
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
        self._reset_recording_controls()
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

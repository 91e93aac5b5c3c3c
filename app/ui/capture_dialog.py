"""Recording samples for one class: live view, camera choice, hold-to-record and timed recording."""
import time

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QCheckBox, QComboBox, QDoubleSpinBox, QFormLayout, QGroupBox, QHBoxLayout, QSpinBox,
                               QVBoxLayout)

from app.capture import list_cameras
from app.workers import FrameReader

from . import source_choice
from .frames import FrameView
from .recording_dialog import RecordingDialog
from .source_choice import PICK_VIDEO, SYNTHETIC

RESOLUTIONS = ((640, 480), (1280, 720), (320, 240))
VIDEO_FILTER = "Videos (*.mp4 *.avi *.mkv *.mov)"


class CaptureDialog(RecordingDialog):
    """Adds a sample to `class_id` for every recorded frame (at most `FPS` a second).

    `source` is the FrameSource being shown (None while cameras are being listed or after a failure);
    `source_choice` is remembered by the window so the next class opens the same camera.
    """

    source_changed = Signal(object)

    DEVICE_ICON = "camera"
    LOOKING_TEXT = "Looking for cameras…"
    SYNTHETIC_TEXT = "Synthetic test camera"
    SYNTHETIC_CHOICE = SYNTHETIC
    FILE_TEXT = "Video file…"
    PICK_FILE = PICK_VIDEO
    FILE_KIND = "video"
    FILE_DIALOG_TITLE = "Choose a video"
    FILE_FILTER = VIDEO_FILTER

    def __init__(self, project, class_id, source_choice=None, parent=None):
        super().__init__(project, class_id, source_choice, parent)
        self._recording_until = None
        self._last_capture = 0.0
        name = self._class_name()
        self.setWindowTitle(f"Record samples: {name}")
        self.resize(960, 580)

        self.view = FrameView()
        self.view.set_message("Looking for cameras…")

        source_row = self._source_row("Look for cameras again")
        self.resolution_combo = QComboBox()
        for width, height in RESOLUTIONS:
            self.resolution_combo.addItem(f"{width} × {height}", (width, height))
        self.mirror_box = QCheckBox("Mirror the image", checked=True)
        self.mirror_box.toggled.connect(self._set_mirror)
        camera_form = QFormLayout()
        camera_form.setLabelAlignment(Qt.AlignRight)
        camera_form.addRow("Camera", source_row)
        camera_form.addRow("Resolution", self.resolution_combo)
        camera_form.addRow("", self.mirror_box)
        camera_group = QGroupBox("Camera")
        camera_group.setLayout(camera_form)

        mode_row = self._mode_row()
        self.fps_spin = QSpinBox(minimum=1, maximum=60, value=24, suffix=" per second")
        self.duration_spin = QDoubleSpinBox(minimum=0.5, maximum=60, value=4, singleStep=0.5, suffix=" s", decimals=1)
        self.duration_spin.valueChanged.connect(self._update_record_button)
        settings = QFormLayout()
        settings.setLabelAlignment(Qt.AlignRight)
        settings.addRow("Mode", mode_row)
        settings.addRow("Samples", self.fps_spin)
        settings.addRow("Delay", self.delay_spin)
        settings.addRow("Duration", self.duration_spin)
        record_group = QGroupBox("Recording")
        record_group.setLayout(settings)

        self._record_button()

        side = QVBoxLayout()
        side.setSpacing(12)
        side.addWidget(camera_group)
        side.addWidget(record_group)
        side.addWidget(self.record_button)
        side.addWidget(self.count_label)
        side.addWidget(self.status_label)
        side.addStretch(1)

        body = QHBoxLayout()
        body.setSpacing(16)
        body.addWidget(self.view, 1)
        body.addLayout(side)
        self._lay_out(f"Record samples for “{name}”",
                      "Show the thing to the camera from different sides, distances and lights. "
                      "Only the square in the middle is kept.", body)
        self.resolution_combo.activated.connect(lambda _: self._start_source(self.source_combo.currentData()))
        self._open_sources()

    def _class_name(self):
        return next(c.name for c in self.project.classes if c.id == self.class_id)

    # ---- sources --------------------------------------------------------------------------------
    def _list_devices(self):
        return list_cameras()

    def _device_choice(self, index):
        return source_choice.camera(index)

    def _file_choice(self, path):
        return source_choice.video(path)

    def _explain_no_device(self, _problem):
        self.status_label.setText("No camera found: showing the synthetic test camera. "
                                  "Choose a video file, or close this window and use Upload.")

    def _start_source(self, choice):
        if choice is None or choice == PICK_VIDEO:
            return
        self._stop_reader()
        self.source_choice = choice
        self.resolution_combo.setEnabled(source_choice.kind_of(choice) == "camera")
        self.view.set_message("Starting the camera…")
        self.status_label.setObjectName("hint")
        try:
            width, height = self.resolution_combo.currentData()
            self.source = source_choice.make_source(choice, width, height)
        except Exception as error:  # noqa: BLE001 - a bad choice is a message, not a crash
            self._on_source_failed(str(error))
            return
        self._reader = FrameReader(self.source, mirror=self.mirror_box.isChecked(), parent=self)
        self._reader.frame_ready.connect(self._on_frame)
        self._reader.failed.connect(self._on_source_failed)
        self._reader.start()
        self.source_changed.emit(self.source)

    def _on_source_failed(self, message):
        self._stop_recording()
        self.record_button.setEnabled(False)
        self.source = None
        self.view.set_message(f"{message}\n\nYou can also close this window and use Upload to add image files.")

    def _set_mirror(self, on):
        if self._reader is not None:
            self._reader.mirror = on

    def _stop_reader(self):
        if self._reader is not None:
            self._reader.frame_ready.disconnect(self._on_frame)
            self._reader.stop()
            self._reader = None
        self.source = None
        self.record_button.setEnabled(False)

    # ---- recording ------------------------------------------------------------------------------
    def is_recording(self):
        return self._recording_until is not None

    def _start_hold_recording(self):
        self._recording_until = float("inf")
        self._last_capture = 0.0
        self.view.set_overlay("● REC")

    def _start_timed_recording(self):
        self._recording_until = time.monotonic() + self.duration_spin.value()
        self._last_capture = 0.0

    def _show_recording_progress(self):
        left = self._recording_until - time.monotonic()
        if left <= 0:
            self._stop_recording()
        else:
            self.view.set_overlay(f"● {left:.1f} s")

    def _stop_recording(self):
        self._recording_until = None
        self._reset_recording_controls()

    def _on_frame(self):
        reader = self._reader
        frame = reader.latest() if reader is not None else None
        if frame is None:
            return
        self.view.set_frame(frame)
        # Recording becomes possible with the first picture, not when the camera merely opened.
        self.record_button.setEnabled(True)
        if not self.is_recording():
            return
        now = time.monotonic()
        if now - self._last_capture >= 1.0 / self.fps_spin.value() and now < self._recording_until:
            self._last_capture = now
            self.project.add_sample(self.class_id, frame, source="camera")
            self.recorded += 1
            self._update_count()

    def _update_count(self):
        count = len(self.project.samples_of(self.class_id))
        self.count_label.setText(f"{count} sample{'' if count == 1 else 's'} in “{self._class_name()}”")

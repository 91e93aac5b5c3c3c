"""Recording samples for one class: live view, camera choice, hold-to-record and timed recording."""
import math
import time

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (QButtonGroup, QCheckBox, QComboBox, QDialog, QDialogButtonBox, QDoubleSpinBox,
                               QFileDialog, QFormLayout, QGroupBox, QHBoxLayout, QLabel, QPushButton,
                               QRadioButton, QSpinBox, QToolButton, QVBoxLayout)

from app.capture import list_cameras
from app.workers import BackgroundTask, FrameReader

from . import icons, source_choice, theme
from .frames import FrameView
from .source_choice import PICK_VIDEO, SYNTHETIC

RESOLUTIONS = ((640, 480), (1280, 720), (320, 240))
VIDEO_FILTER = "Videos (*.mp4 *.avi *.mkv *.mov)"


class CaptureDialog(QDialog):
    """Adds a sample to `class_id` for every recorded frame (at most `FPS` a second).

    `source` is the FrameSource being shown (None while cameras are being listed or after a failure);
    `source_choice` is remembered by the window so the next class opens the same camera.
    """

    source_changed = Signal(object)

    def __init__(self, project, class_id, source_choice=None, parent=None):
        super().__init__(parent)
        self.project = project
        self.class_id = class_id
        self.source = None
        self.source_choice = source_choice
        self._reader = None
        self._recording_until = None
        self._countdown_until = None
        self._last_capture = 0.0
        self.recorded = 0
        name = self._class_name()
        self.setWindowTitle(f"Record samples: {name}")
        self.resize(960, 580)

        self.view = FrameView()
        self.view.set_message("Looking for cameras…")

        self.source_combo = QComboBox()
        self.source_combo.setMinimumWidth(220)
        self.refresh_button = QToolButton(icon=theme.standard_icon("BrowserReload"), toolTip="Look for cameras again")
        self.refresh_button.clicked.connect(self._list_sources)
        source_row = QHBoxLayout()
        source_row.addWidget(self.source_combo, 1)
        source_row.addWidget(self.refresh_button)
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
        self.fps_spin = QSpinBox(minimum=1, maximum=60, value=24, suffix=" per second")
        self.delay_spin = QDoubleSpinBox(minimum=0, maximum=10, value=2, singleStep=0.5, suffix=" s", decimals=1)
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

        self.record_button = QPushButton(objectName="record")
        self.record_button.setEnabled(False)
        self.record_button.pressed.connect(self._record_pressed)
        self.record_button.released.connect(self._record_released)
        self.count_label = QLabel(objectName="heading")
        self.status_label = QLabel(objectName="hint", wordWrap=True)

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
        buttons = QDialogButtonBox()
        done = buttons.addButton("Done", QDialogButtonBox.RejectRole)
        done.setMinimumWidth(100)
        buttons.rejected.connect(self.reject)
        self.title_label = QLabel(f"Record samples for “{name}”", objectName="heading")
        hint = QLabel("Show the thing to the camera from different sides, distances and lights. "
                      "Only the square in the middle is kept.", objectName="muted", wordWrap=True)
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
        self.resolution_combo.activated.connect(lambda _: self._start_source(self.source_combo.currentData()))
        self._list_sources()

    def _class_name(self):
        return next(c.name for c in self.project.classes if c.id == self.class_id)

    # ---- sources --------------------------------------------------------------------------------
    def _list_sources(self):
        self.source_combo.clear()
        self.source_combo.addItem("Looking for cameras…", None)
        self.source_combo.setEnabled(False)
        self.refresh_button.setEnabled(False)
        self._lister = BackgroundTask(list_cameras, parent=self)
        self._lister.succeeded.connect(self._fill_sources)
        self._lister.failed.connect(lambda message: self._fill_sources([]))
        self._lister.start()

    def _fill_sources(self, cameras):
        self.source_combo.clear()
        for index, name in cameras:
            self.source_combo.addItem(icons.icon("camera"), name, source_choice.camera(index))
        self.source_combo.addItem(icons.icon("sparkle"), "Synthetic test camera", SYNTHETIC)
        self.source_combo.addItem(icons.icon("folder"), "Video file…", PICK_VIDEO)
        self.source_combo.setEnabled(True)
        self.refresh_button.setEnabled(True)
        choice = self.source_choice
        if choice is not None and source_choice.kind_of(choice) == "video" and choice != PICK_VIDEO:
            self._add_video_item(choice)
        if choice is None or self.source_combo.findData(choice) < 0:
            choice = source_choice.camera(cameras[0][0]) if cameras else SYNTHETIC
        self.source_combo.setCurrentIndex(self.source_combo.findData(choice))
        if not cameras:
            self.status_label.setText("No camera found: showing the synthetic test camera. "
                                      "Choose a video file, or close this window and use Upload.")
        self._start_source(choice)

    def _add_video_item(self, choice):
        if self.source_combo.findData(choice) < 0:
            self.source_combo.insertItem(self.source_combo.count() - 1, icons.icon("folder"),
                                         source_choice.file_name(choice), choice)

    def _on_source_chosen(self, _index):
        choice = self.source_combo.currentData()
        if choice == PICK_VIDEO:
            path, _ = QFileDialog.getOpenFileName(self, "Choose a video", "", VIDEO_FILTER)
            if not path:
                self.source_combo.setCurrentIndex(max(0, self.source_combo.findData(self.source_choice)))
                return
            choice = source_choice.video(path)
            self._add_video_item(choice)
            self.source_combo.setCurrentIndex(self.source_combo.findData(choice))
        self._start_source(choice)

    def select_source(self, choice):
        """Show `choice` ("camera:<index>", "synthetic" or "video:<path>"; see source_choice)."""
        if source_choice.kind_of(choice) == "video":
            self._add_video_item(choice)
        self.source_combo.setCurrentIndex(self.source_combo.findData(choice))
        self._start_source(choice)

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
            self._recording_until = float("inf")
            self._last_capture = 0.0
            self.view.set_overlay("● REC")

    def _record_released(self):
        if not self.timed_mode.isChecked():
            self._stop_recording()

    def _on_tick(self):
        now = time.monotonic()
        if self._countdown_until is not None:
            left = self._countdown_until - now
            if left > 0:
                self.view.set_overlay(str(math.ceil(left)))
                return
            self._countdown_until = None
            self._recording_until = now + self.duration_spin.value()
            self._last_capture = 0.0
        if self.is_recording():
            left = self._recording_until - now
            if left <= 0:
                self._stop_recording()
            else:
                self.view.set_overlay(f"● {left:.1f} s")

    def _stop_recording(self):
        self._recording_until = None
        self._countdown_until = None
        self._tick.stop()
        self.view.set_overlay("")
        self._update_record_button()

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

    def done(self, result):
        self._stop_recording()
        self._stop_reader()
        for task in self.findChildren(BackgroundTask):
            task.wait()  # the dialog is deleted after closing; its threads must have ended
        super().done(result)

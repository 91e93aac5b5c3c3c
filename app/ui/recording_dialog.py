"""What the picture and the sound capture dialogs share: the list of sources (devices looked for in the
background, the synthetic source, a file), hold-to-record or timed recording after a countdown, and the
dialog's frame (title, hint, Done)."""
import math
import time

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import (QButtonGroup, QComboBox, QDialog, QDialogButtonBox, QDoubleSpinBox, QFileDialog,
                               QHBoxLayout, QLabel, QPushButton, QRadioButton, QToolButton, QVBoxLayout)

from app.workers import BackgroundTask

from . import icons, source_choice, theme


class RecordingDialog(QDialog):
    """The base of CaptureDialog and AudioCaptureDialog, which add samples to `class_id` of `project`.

    A subclass names its kind of source in the class attributes below, builds its window with the helpers
    (`_source_row`, `_mode_row`, `_record_button`, `_lay_out`), calls `_open_sources()` last, and provides
    `_list_devices`, `_device_choice`, `_file_choice`, `_explain_no_device`, `_start_source`, `_stop_reader`,
    `is_recording`, `_start_hold_recording`, `_start_timed_recording`, `_show_recording_progress`,
    `_stop_recording` and `_update_count`.
    """

    DEVICE_ICON = None       # the icon of each device found ("camera", "microphone")
    LOOKING_TEXT = None      # the list's only item while devices are looked for
    SYNTHETIC_TEXT = None    # the synthetic source, always there
    SYNTHETIC_CHOICE = None
    FILE_TEXT = None         # the item that asks for a file
    PICK_FILE = None
    FILE_KIND = None         # source_choice.kind_of() of a file's choice
    FILE_DIALOG_TITLE = None
    FILE_FILTER = None

    def __init__(self, project, class_id, source_choice=None, parent=None):
        super().__init__(parent)
        self.project = project
        self.class_id = class_id
        self.source = None
        self.source_choice = source_choice
        self._reader = None
        self._countdown_until = None
        self.recorded = 0
        self._tick = QTimer(self, interval=50)
        self._tick.timeout.connect(self._on_tick)

    # ---- building the window ------------------------------------------------------------------------
    def _source_row(self, refresh_tip):
        """The source list and its "look again" button, side by side."""
        self.source_combo = QComboBox()
        self.source_combo.setMinimumWidth(220)
        self.refresh_button = QToolButton(icon=theme.standard_icon("BrowserReload"), toolTip=refresh_tip)
        self.refresh_button.clicked.connect(self._list_sources)
        row = QHBoxLayout()
        row.addWidget(self.source_combo, 1)
        row.addWidget(self.refresh_button)
        return row

    def _mode_row(self):
        """Hold to record or timed (makes `delay_spin` too; the subclass makes `duration_spin`)."""
        self.hold_mode = QRadioButton("Hold to record", checked=True)
        self.timed_mode = QRadioButton("Timed")
        modes = QButtonGroup(self)
        modes.addButton(self.hold_mode)
        modes.addButton(self.timed_mode)
        self.timed_mode.toggled.connect(self._update_record_button)
        self.timed_mode.toggled.connect(self._update_timed_fields)
        row = QHBoxLayout()
        row.addWidget(self.hold_mode)
        row.addWidget(self.timed_mode)
        row.addStretch(1)
        self.delay_spin = QDoubleSpinBox(minimum=0, maximum=10, value=2, singleStep=0.5, suffix=" s", decimals=1)
        return row

    def _record_button(self):
        """The record button (enabled once the source delivers), with `count_label` and `status_label`."""
        self.record_button = QPushButton(objectName="record")
        self.record_button.setEnabled(False)
        self.record_button.pressed.connect(self._record_pressed)
        self.record_button.released.connect(self._record_released)
        self.count_label = QLabel(objectName="heading")
        self.status_label = QLabel(objectName="hint", wordWrap=True)
        return self.record_button

    def _lay_out(self, title, hint, body):
        """The window: `title` (kept as `title_label`), the `hint` line, the `body` layout and a Done button."""
        buttons = QDialogButtonBox()
        done = buttons.addButton("Done", QDialogButtonBox.RejectRole)
        done.setMinimumWidth(100)
        buttons.rejected.connect(self.reject)
        self.title_label = QLabel(title, objectName="heading")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(18, 16, 18, 14)
        layout.setSpacing(10)
        layout.addWidget(self.title_label)
        layout.addWidget(QLabel(hint, objectName="muted", wordWrap=True))
        layout.addLayout(body, 1)
        layout.addWidget(buttons)

    def _open_sources(self):
        """Show the controls' first state and start looking for devices (the end of a subclass's __init__)."""
        self._update_record_button()
        self._update_timed_fields()
        self._update_count()
        self.source_combo.activated.connect(self._on_source_chosen)
        self._list_sources()

    # ---- sources --------------------------------------------------------------------------------------
    def _list_sources(self):
        self.source_combo.clear()
        self.source_combo.addItem(self.LOOKING_TEXT, None)
        self.source_combo.setEnabled(False)
        self.refresh_button.setEnabled(False)
        self._lister = BackgroundTask(self._list_devices, parent=self)
        self._lister.succeeded.connect(self._fill_sources)
        self._lister.failed.connect(lambda message: self._fill_sources([], message))
        self._lister.start()

    def _fill_sources(self, devices, problem=""):
        self.source_combo.clear()
        for index, name in devices:
            self.source_combo.addItem(icons.icon(self.DEVICE_ICON), name, self._device_choice(index))
        self.source_combo.addItem(icons.icon("sparkle"), self.SYNTHETIC_TEXT, self.SYNTHETIC_CHOICE)
        self.source_combo.addItem(icons.icon("folder"), self.FILE_TEXT, self.PICK_FILE)
        self.source_combo.setEnabled(True)
        self.refresh_button.setEnabled(True)
        choice = self.source_choice
        if choice is not None and source_choice.kind_of(choice) == self.FILE_KIND and choice != self.PICK_FILE:
            self._add_file_item(choice)
        if choice is None or self.source_combo.findData(choice) < 0:
            choice = self._device_choice(devices[0][0]) if devices else self.SYNTHETIC_CHOICE
        self.source_combo.setCurrentIndex(self.source_combo.findData(choice))
        if not devices:
            self._explain_no_device(problem)
        self._start_source(choice)

    def _add_file_item(self, choice):
        if self.source_combo.findData(choice) < 0:
            self.source_combo.insertItem(self.source_combo.count() - 1, icons.icon("folder"),
                                         source_choice.file_name(choice), choice)

    def _on_source_chosen(self, _index):
        choice = self.source_combo.currentData()
        if choice == self.PICK_FILE:
            path, _ = QFileDialog.getOpenFileName(self, self.FILE_DIALOG_TITLE, "", self.FILE_FILTER)
            if not path:
                self.source_combo.setCurrentIndex(max(0, self.source_combo.findData(self.source_choice)))
                return
            choice = self._file_choice(path)
            self._add_file_item(choice)
            self.source_combo.setCurrentIndex(self.source_combo.findData(choice))
        self._start_source(choice)

    def select_source(self, choice):
        """Use `choice` (a device, the synthetic source or a file; see source_choice)."""
        if source_choice.kind_of(choice) == self.FILE_KIND:
            self._add_file_item(choice)
        self.source_combo.setCurrentIndex(self.source_combo.findData(choice))
        self._start_source(choice)

    # ---- recording ------------------------------------------------------------------------------------
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
            self._start_hold_recording()

    def _record_released(self):
        if not self.timed_mode.isChecked():
            self._stop_recording()

    def _on_tick(self):
        if self._countdown_until is not None:
            left = self._countdown_until - time.monotonic()
            if left > 0:
                self.view.set_overlay(str(math.ceil(left)))
                return
            self._countdown_until = None
            self._start_timed_recording()
        if self.is_recording():
            self._show_recording_progress()

    def _reset_recording_controls(self):
        """No countdown, no overlay, the record button as the mode wants it."""
        self._countdown_until = None
        self._tick.stop()
        self.view.set_overlay("")
        self._update_record_button()

    def done(self, result):
        self._stop_recording()
        self._stop_reader()
        for task in self.findChildren(BackgroundTask):
            task.wait()  # the dialog is deleted after closing; its threads must have ended
        super().done(result)

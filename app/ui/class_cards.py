"""The left column: one card per class (name, sample count, thumbnails, record and upload buttons).

Cards change the project directly for small edits (rename, enable, reorder, delete or move
samples); recording, uploading, playing a sound and deleting a class go up as signals because the
window owns the capture dialog, the file dialogs, the sound output and the undo banner.
In an audio project the background noise class says what it is for and how much of it training needs.
"""
from PySide6.QtCore import QSize, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QPainter
from PySide6.QtWidgets import (QCheckBox, QFrame, QHBoxLayout, QLabel, QLineEdit, QMenu, QPushButton,
                               QScrollArea, QSizePolicy, QToolButton, QVBoxLayout, QWidget)

from app.project import MIN_BACKGROUND_SECONDS

from . import icons, theme
from .sample_grid import SampleGrid, SampleListModel, ThumbnailCache


class ColorDot(QWidget):
    def __init__(self, color, parent=None):
        super().__init__(parent)
        self.color = QColor(color)
        self.setFixedSize(QSize(14, 14))

    def paintEvent(self, event):
        painter = QPainter(self)
        painter.setRenderHint(QPainter.Antialiasing)
        painter.setPen(Qt.NoPen)
        painter.setBrush(self.color)
        painter.drawEllipse(self.rect().adjusted(1, 1, -1, -1))


def describe_background(seconds):
    """The background class's note: what it is for, and how much more training needs."""
    purpose = "The room's everyday sound, without any of your sounds: the model learns what to ignore."
    if seconds >= MIN_BACKGROUND_SECONDS:
        return f"{purpose} ✓ {seconds:g} s recorded, enough to train."
    return f"{purpose} Training needs at least {MIN_BACKGROUND_SECONDS:g} s: {seconds:g} s so far."


class ClassCard(QFrame):
    """One class; image or sound files and folders dropped on it are added to it (`files_dropped`)."""

    record_requested = Signal(str)
    upload_requested = Signal(str)
    delete_requested = Signal(str)
    files_dropped = Signal(str, list)
    play_requested = Signal(str)

    def __init__(self, project, class_info, thumbnails, parent=None):
        super().__init__(parent)
        self.project = project
        self.class_id = class_info.id
        self.setObjectName("card")
        self.setSizePolicy(QSizePolicy.Preferred, QSizePolicy.Fixed)
        self.setAcceptDrops(True)

        self.dot = ColorDot(theme.CLASS_COLORS[0])
        self.name_edit = QLineEdit(class_info.name, objectName="className")
        self.name_edit.setToolTip("Click to rename this class")
        # Click focus only: activating the window or tabbing must not select (and so highlight) the name.
        self.name_edit.setFocusPolicy(Qt.ClickFocus)
        self.name_edit.editingFinished.connect(self._rename)
        self.count_label = QLabel(objectName="muted")
        self.enabled_box = QCheckBox("Use")
        self.enabled_box.setToolTip("Include this class when training")
        self.enabled_box.toggled.connect(lambda on: self.project.set_class_enabled(self.class_id, on))
        self.menu_button = QToolButton(text="⋮", toolTip="More actions for this class")
        self.menu_button.setPopupMode(QToolButton.InstantPopup)
        self.menu_button.setMenu(self._build_menu())
        self.menu_button.setStyleSheet("QToolButton { font-size: 14pt; padding: 0 6px; }"
                                       "QToolButton::menu-indicator { image: none; }")

        header = QHBoxLayout()
        header.setSpacing(8)
        header.addWidget(self.dot)
        header.addWidget(self.name_edit, 1)
        header.addWidget(self.count_label)
        header.addWidget(self.enabled_box)
        header.addWidget(self.menu_button)

        # Only the background class of a sound project has this note (set in `refresh`).
        self.background_note = QLabel(objectName="hint", wordWrap=True)
        self.background_note.hide()

        sounds = project.kind == "audio"
        self.model = SampleListModel(project, self.class_id, thumbnails, self)
        self.grid = SampleGrid(self.model, self._other_classes, playable=sounds)
        self.grid.delete_requested.connect(self._delete_samples)
        self.grid.move_requested.connect(self._move_samples)
        self.grid.play_requested.connect(self.play_requested)

        if sounds:
            self.record_button = QPushButton(icons.icon("microphone"), "Microphone")
            self.record_button.setToolTip("Record sounds of this class with a microphone")
        else:
            self.record_button = QPushButton(icons.icon("camera"), "Webcam")
            self.record_button.setToolTip("Record samples of this class from a camera")
        self.record_button.clicked.connect(lambda: self.record_requested.emit(self.class_id))
        self.upload_button = QPushButton(icons.icon("upload"), "Upload")
        self.upload_button.setToolTip("Add sound files (WAV, FLAC, OGG…) or a folder of them to this class" if sounds
                                      else "Add image files or a folder of images to this class")
        self.upload_button.clicked.connect(lambda: self.upload_requested.emit(self.class_id))
        buttons = QHBoxLayout()
        buttons.setSpacing(8)
        buttons.addWidget(self.record_button)
        buttons.addWidget(self.upload_button)
        buttons.addStretch(1)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(14, 10, 14, 14)
        layout.setSpacing(8)
        layout.addLayout(header)
        layout.addWidget(self.background_note)
        layout.addWidget(self.grid)
        layout.addLayout(buttons)
        self.refresh()

    def dragEnterEvent(self, event):
        if any(url.isLocalFile() for url in event.mimeData().urls()):
            event.acceptProposedAction()

    def dropEvent(self, event):
        paths = [url.toLocalFile() for url in event.mimeData().urls() if url.isLocalFile()]
        if paths:
            event.acceptProposedAction()
            self.files_dropped.emit(self.class_id, paths)

    def _build_menu(self):
        menu = QMenu(self)
        menu.addAction("Rename", self._start_rename)
        menu.addAction(theme.standard_icon("ArrowUp"), "Move up", lambda: self._move_by(-1))
        menu.addAction(theme.standard_icon("ArrowDown"), "Move down", lambda: self._move_by(1))
        menu.addSeparator()
        menu.addAction("Delete all samples", self._delete_all_samples)
        menu.addAction(theme.standard_icon("TrashIcon"), "Delete class",
                       lambda: self.delete_requested.emit(self.class_id))
        return menu

    def class_info(self):
        return next(info for info in self.project.classes if info.id == self.class_id)

    def refresh(self):
        """Match the project: name, colour (by position), enabled state, sample count, thumbnails."""
        info = self.class_info()
        index = [c.id for c in self.project.classes].index(self.class_id)
        self.dot.color = theme.class_color(index)
        self.dot.update()
        if not self.name_edit.hasFocus() and self.name_edit.text() != info.name:
            self.name_edit.setText(info.name)
        self.enabled_box.blockSignals(True)
        self.enabled_box.setChecked(info.enabled)
        self.enabled_box.blockSignals(False)
        if self.property("enabledClass") != info.enabled:
            self.setProperty("enabledClass", info.enabled)
            self.style().unpolish(self)
            self.style().polish(self)
        self.model.refresh()
        count = self.model.rowCount()
        self.count_label.setText(f"{count} sample" + ("" if count == 1 else "s"))
        self.background_note.setVisible(info.is_background)
        if info.is_background:
            seconds = self.project.background_seconds()
            self.background_note.setText(describe_background(seconds))
            style = "hint" if seconds >= MIN_BACKGROUND_SECONDS else "warningNote"
            if self.background_note.objectName() != style:
                self.background_note.setObjectName(style)
                self.background_note.style().unpolish(self.background_note)
                self.background_note.style().polish(self.background_note)
        self.grid.viewport().update()

    def _start_rename(self):
        self.name_edit.setFocus()
        self.name_edit.selectAll()

    def _rename(self):
        name = self.name_edit.text().strip()
        if name and name != self.class_info().name:
            self.project.rename_class(self.class_id, name)
        elif not name:
            self.name_edit.setText(self.class_info().name)
        self.name_edit.deselect()
        self.name_edit.clearFocus()

    def _move_by(self, step):
        ids = [c.id for c in self.project.classes]
        target = ids.index(self.class_id) + step
        if 0 <= target < len(ids):
            self.project.move_class(self.class_id, target)

    def _other_classes(self):
        return [(c.id, c.name) for c in self.project.classes if c.id != self.class_id]

    def _delete_samples(self, sample_ids):
        for sample_id in sample_ids:
            self.project.remove_sample(sample_id)

    def _delete_all_samples(self):
        self._delete_samples(self.model.sample_ids())

    def _move_samples(self, sample_ids, class_id):
        for sample_id in sample_ids:
            self.project.move_sample(sample_id, class_id)


class ClassListPanel(QScrollArea):
    """Every class card in project order, then a big "Add a class" button; follows project changes.

    A sound project whose background noise class was deleted also offers to add one back.
    """

    record_requested = Signal(str)
    upload_requested = Signal(str)
    delete_requested = Signal(str)
    files_dropped = Signal(str, list)
    play_requested = Signal(str)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.project = None
        self.cards = {}
        self._unsubscribe = None
        self._thumbnails = None
        self.setWidgetResizable(True)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarAlwaysOff)
        content = QWidget(objectName="scrollContent")
        self._layout = QVBoxLayout(content)
        self._layout.setContentsMargins(16, 16, 12, 16)
        self._layout.setSpacing(14)
        self.add_button = QPushButton(icons.icon("plus", theme.MUTED), "Add a class", objectName="dashed")
        self.add_button.setToolTip("Add another class to teach the model")
        self.add_button.clicked.connect(lambda: self._add_class())
        self.add_background_button = QPushButton(icons.icon("sound", theme.MUTED), "Add a background noise class",
                                                 objectName="dashed")
        self.add_background_button.setToolTip("Sound models need the room's everyday sound to tell yours apart")
        self.add_background_button.clicked.connect(lambda: self._add_class(background=True))
        self.add_background_button.hide()
        self._layout.addWidget(self.add_button)
        self._layout.addWidget(self.add_background_button)
        self._layout.addStretch(1)
        self.setWidget(content)
        self._sync_timer = QTimer(self, singleShot=True, interval=0)
        self._sync_timer.timeout.connect(self.sync)

    def set_project(self, project):
        """Show `project`'s classes (None: none, and stop following the previous project)."""
        for card in self.cards.values():
            self._layout.removeWidget(card)
            card.deleteLater()
        self.cards = {}
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
        self.project = project
        if project is None:
            return
        self._thumbnails = ThumbnailCache(project)
        self._unsubscribe = project.subscribe(self._on_change)
        self.sync()

    def _on_change(self, event, payload):
        if event == "sample_removed":
            self._forget(payload.class_id, payload.id)
        elif event == "sample_moved":
            sample, old_class_id = payload
            self._forget(old_class_id, sample.id)
        if event not in ("embedding_ready", "saved", "model_trained"):
            self._sync_timer.start()

    def _forget(self, class_id, sample_id):
        card = self.cards.get(class_id)
        if card is not None:
            card.model.forget(sample_id)

    def _add_class(self, background=False):
        """A new class, scrolled into view with its name ready to type (the background class keeps its name)."""
        info = self.project.add_class(background=background)
        self.sync()
        card = self.cards[info.id]
        if background:
            QTimer.singleShot(0, lambda: self.ensureWidgetVisible(card))
        else:
            QTimer.singleShot(0, lambda: (self.ensureWidgetVisible(card), card._start_rename()))

    def sync(self):
        """Create, drop and reorder cards to match the project's classes, then refresh each."""
        ids = [info.id for info in self.project.classes]
        for class_id in list(self.cards):
            if class_id not in ids:
                card = self.cards.pop(class_id)
                self._layout.removeWidget(card)
                card.deleteLater()
        for position, info in enumerate(self.project.classes):
            card = self.cards.get(info.id)
            if card is None:
                card = ClassCard(self.project, info, self._thumbnails)
                card.record_requested.connect(self.record_requested)
                card.upload_requested.connect(self.upload_requested)
                card.delete_requested.connect(self.delete_requested)
                card.files_dropped.connect(self.files_dropped)
                card.play_requested.connect(self.play_requested)
                self.cards[info.id] = card
            if self._layout.indexOf(card) != position:
                self._layout.insertWidget(position, card)
            card.refresh()
        self.add_background_button.setVisible(self.project.kind == "audio" and self.project.background_class() is None)

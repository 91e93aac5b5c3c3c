"""The first screen: start a new image or sound project, open one, try the bundled sample, or pick a recent one."""
import datetime
import os

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtWidgets import (QFrame, QGridLayout, QHBoxLayout, QLabel, QListWidget, QListWidgetItem, QPushButton,
                               QSizePolicy, QVBoxLayout, QWidget)

from . import icons, theme

PATH_ROLE = Qt.UserRole + 1
# Each kind of project has one icon: on its "New … project" tile and beside its recent files.
KIND_ICONS = {"image": "image", "audio": "microphone"}
KIND_NAMES = {"image": "Image project", "audio": "Sound project"}
# A recent file whose kind is unknown (unreadable) gets the icon of the "Open a project…" tile.
PROJECT_FILE_ICON = "folder"


class Tile(QPushButton):
    """A large button: an icon, a bold title and a muted line saying what it is for."""

    def __init__(self, icon_name, title, subtitle, parent=None):
        super().__init__(parent, objectName="tile")
        self.setAccessibleName(title)
        self.setMinimumSize(QSize(220, 84))
        self.setSizePolicy(QSizePolicy.Expanding, QSizePolicy.Fixed)
        self.setCursor(Qt.PointingHandCursor)
        picture = QLabel(pixmap=icons.icon(icon_name, theme.ACCENT, 28).pixmap(28, 28))
        heading = QLabel(title)
        heading.setStyleSheet("font-weight: 600;")
        detail = QLabel(subtitle, objectName="muted")
        text = QVBoxLayout()
        text.setSpacing(2)
        text.addWidget(heading)
        text.addWidget(detail)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(16, 12, 16, 12)
        layout.setSpacing(14)
        layout.addWidget(picture)
        layout.addLayout(text, 1)
        for label in (picture, heading, detail):
            label.setAttribute(Qt.WA_TransparentForMouseEvents)


class StartScreen(QWidget):
    new_requested = Signal()
    new_audio_requested = Signal()
    open_requested = Signal()
    sample_requested = Signal()
    recent_requested = Signal(str)
    recover_requested = Signal(str)

    def __init__(self, parent=None):
        super().__init__(parent)
        logo = QLabel(pixmap=icons.logo_pixmap(56))
        title = QLabel("Glimmer", objectName="title")
        title_row = QHBoxLayout()
        title_row.setSpacing(14)
        title_row.addWidget(logo)
        title_row.addWidget(title)
        title_row.addStretch(1)
        tagline = QLabel("Teach your computer to recognise things in pictures or sounds: record or upload a few "
                         "examples of each class, train in seconds, and use the model anywhere. "
                         "Everything stays on this computer.", objectName="muted", wordWrap=True)
        self.new_button = Tile(KIND_ICONS["image"], "New image project", "Webcam pictures or image files")
        self.new_audio_button = Tile(KIND_ICONS["audio"], "New audio project", "Microphone recordings or sound files")
        self.open_button = Tile(PROJECT_FILE_ICON, "Open a project…", "A .glimmer file")
        self.sample_button = Tile("sparkle", "Try the sample project", "Shapes, ready to train")
        self.new_button.clicked.connect(self.new_requested)
        self.new_audio_button.clicked.connect(self.new_audio_requested)
        self.open_button.clicked.connect(self.open_requested)
        self.sample_button.clicked.connect(self.sample_requested)
        tiles = QGridLayout()
        tiles.setSpacing(14)
        tiles.addWidget(self.new_button, 0, 0)
        tiles.addWidget(self.new_audio_button, 0, 1)
        tiles.addWidget(self.open_button, 1, 0)
        tiles.addWidget(self.sample_button, 1, 1)

        self.recover_box = QFrame(objectName="card")
        recover_layout = QHBoxLayout(self.recover_box)
        recover_layout.setContentsMargins(14, 10, 14, 10)
        self.recover_label = QLabel(wordWrap=True)
        self.recover_button = QPushButton("Recover")
        self.recover_button.clicked.connect(lambda: self.recover_requested.emit(self._recovery_path))
        recover_layout.addWidget(QLabel(pixmap=theme.standard_icon("MessageBoxInformation").pixmap(22, 22)))
        recover_layout.addWidget(self.recover_label, 1)
        recover_layout.addWidget(self.recover_button)
        self._recovery_path = None

        self.error_label = QLabel(objectName="error", wordWrap=True)
        self.error_label.setTextInteractionFlags(Qt.TextSelectableByMouse)
        self.error_label.setStyleSheet("QLabel { background: #fdecea; border-radius: 8px; padding: 10px 14px; }")
        self.error_label.hide()

        recent_title = QLabel("Recent projects", objectName="heading")
        self.recent_list = QListWidget()
        self.recent_list.setIconSize(QSize(20, 20))
        self.recent_list.setSpacing(2)
        self.recent_list.setStyleSheet("QListWidget { background: white; padding: 4px; }"
                                       "QListWidget::item { padding: 8px; border-radius: 6px; }"
                                       "QListWidget::item:hover { background: #eef3fc; }")
        self.recent_list.itemActivated.connect(lambda item: self.recent_requested.emit(item.data(PATH_ROLE)))
        self.recent_list.itemClicked.connect(lambda item: self.recent_requested.emit(item.data(PATH_ROLE)))
        self.recent_empty = QLabel("No recent projects yet. Projects you save or open appear here.",
                                   objectName="muted")

        column = QVBoxLayout()
        column.setSpacing(14)
        column.addStretch(1)
        column.addLayout(title_row)
        column.addWidget(tagline)
        column.addSpacing(10)
        column.addLayout(tiles)
        column.addWidget(self.error_label)
        column.addWidget(self.recover_box)
        column.addSpacing(10)
        column.addWidget(recent_title)
        column.addWidget(self.recent_empty)
        column.addWidget(self.recent_list)
        column.addStretch(1)
        content = QWidget()
        content.setLayout(column)
        content.setMaximumWidth(820)
        outer = QHBoxLayout(self)
        outer.setContentsMargins(32, 24, 32, 24)
        outer.addStretch(1)
        outer.addWidget(content, 10)
        outer.addStretch(1)

    def set_recent(self, entries):
        """Show the recent projects: RecentProject entries (path and kind), most recent first."""
        self.recent_list.clear()
        for entry in entries:
            name = os.path.splitext(os.path.basename(entry.path))[0]
            try:
                when = datetime.datetime.fromtimestamp(os.path.getmtime(entry.path)).strftime("%d %b %Y, %H:%M")
            except OSError:
                when = ""
            picture = icons.icon(KIND_ICONS.get(entry.kind, PROJECT_FILE_ICON), theme.MUTED)
            item = QListWidgetItem(picture, f"{name}\n{os.path.dirname(entry.path)}  ·  {when}")
            item.setData(PATH_ROLE, entry.path)
            kind_name = KIND_NAMES.get(entry.kind, "Project")
            item.setToolTip(f"{kind_name}: {entry.path}")
            item.setData(Qt.AccessibleTextRole, f"{kind_name} {name}")
            self.recent_list.addItem(item)
        self.recent_list.setVisible(bool(entries))
        self.recent_empty.setVisible(not entries)
        rows = min(len(entries), 6)
        if rows:
            height = sum(self.recent_list.sizeHintForRow(row) + 2 * self.recent_list.spacing() for row in range(rows))
            self.recent_list.setFixedHeight(height + 2 * self.recent_list.frameWidth() + 10)

    def set_recovery(self, path):
        """Offer to recover an autosave of a project that was never saved (None: hide the offer)."""
        self._recovery_path = path
        self.recover_box.setVisible(path is not None)
        if path:
            when = datetime.datetime.fromtimestamp(os.path.getmtime(path)).strftime("%d %b %Y, %H:%M")
            self.recover_label.setText(f"An unsaved project from {when} was kept for you.")

    def show_error(self, message):
        """Say why the last open failed (None: hide)."""
        self.error_label.setText(message or "")
        self.error_label.setVisible(bool(message))

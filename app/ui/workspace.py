"""The project screen: top bar (name, save state, backend), class cards on the left, training and
preview on the right, and a message strip for undo and errors.

Image and sound projects share it: the capture dialog, the upload choices and the preview panel
follow the open project's kind.
"""
import os

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (QFileDialog, QFrame, QHBoxLayout, QLabel, QLineEdit, QMenu, QPushButton,
                               QScrollArea, QSplitter, QVBoxLayout, QWidget)

from app.capture import import_audio, import_images
from app.workers import BackgroundTask, play_sound

from . import icons, theme
from .audio_capture_dialog import AUDIO_FILTER, AudioCaptureDialog
from .audio_preview_panel import AudioPreviewPanel
from .banner import Banner
from .capture_dialog import CaptureDialog
from .class_cards import ClassListPanel
from .preview_panel import PreviewPanel
from .skipped_files import SkippedFilesDialog
from .training_panel import TrainingPanel
from .under_the_hood import engine_summary

IMAGE_FILTER = "Images (*.jpg *.jpeg *.png *.bmp *.webp)"
# Adding imported samples in slices keeps the window responsive while thousands arrive.
IMPORT_SLICE = 40


def describe_skipped(broken, limit=3):
    shown = "; ".join(f"{os.path.basename(path)} ({reason})" for path, reason in broken[:limit])
    more = f"; and {len(broken) - limit} more" if len(broken) > limit else ""
    noun = "file was" if len(broken) == 1 else "files were"
    return f"{len(broken)} {noun} skipped: {shown}{more}."


class TopBar(QFrame):
    name_edited = Signal(str)
    save_clicked = Signal()
    export_clicked = Signal()

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("topBar")
        logo = QLabel(pixmap=icons.logo_pixmap(26))
        brand = QLabel("Glimmer", objectName="heading")
        self.name_edit = QLineEdit(objectName="projectName")
        self.name_edit.setToolTip("Click to rename the project")
        self.name_edit.setFocusPolicy(Qt.ClickFocus)
        self.name_edit.setMinimumWidth(260)
        self.name_edit.editingFinished.connect(lambda: self.name_edited.emit(self.name_edit.text().strip()))
        self.save_state = QLabel(objectName="savedChip")
        self.backend_chip = QLabel(objectName="chip")
        self.save_button = QPushButton(theme.standard_icon("DialogSaveButton"), "Save")
        self.save_button.clicked.connect(self.save_clicked)
        self.export_button = QPushButton("Export model", objectName="primary")
        self.export_button.clicked.connect(self.export_clicked)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(18, 10, 18, 10)
        layout.setSpacing(12)
        layout.addWidget(logo)
        layout.addWidget(brand)
        separator = QFrame(frameShape=QFrame.VLine)
        separator.setStyleSheet(f"color: {theme.BORDER};")
        layout.addWidget(separator)
        layout.addWidget(self.name_edit)
        layout.addWidget(self.save_state)
        layout.addStretch(1)
        layout.addWidget(self.backend_chip)
        layout.addWidget(self.save_button)
        layout.addWidget(self.export_button)
        self.show_backend()

    def show_backend(self):
        backend, device = engine_summary()
        self.backend_chip.setText(f"Engine: {backend}")
        self.backend_chip.setToolTip(f"Backend {backend} on {device or 'an unknown device'}")

    def show_name(self, name):
        if not self.name_edit.hasFocus():
            self.name_edit.setText(name)


def play_sample(project, sample_id):
    """Play a sound sample (in a BackgroundTask: reading the clip and opening the output take a moment)."""
    play_sound(project.load_audio(sample_id), project.sample_rate)


class Workspace(QWidget):
    """Everything on screen while a project is open; the window supplies the project and the controllers.

    `preview` is the preview panel of the open project's kind (pictures or sound).
    """

    def __init__(self, parent=None):
        super().__init__(parent)
        self.project = None
        self.capture_dialog = None
        self.skipped_dialog = None
        # The source last recorded from, per kind of project: the next class opens the same camera or microphone.
        self.source_choices = {}
        self._imports = []
        self._playing = []
        self._undo_token = None

        self.top_bar = TopBar()
        self.banner = Banner()
        self.classes = ClassListPanel()
        self.classes.setMinimumWidth(420)
        self.classes.record_requested.connect(self.open_capture)
        self.classes.upload_requested.connect(self.choose_uploads)
        self.classes.delete_requested.connect(self.delete_class)
        self.classes.files_dropped.connect(self.import_into)
        self.classes.play_requested.connect(self.play)
        self.training = TrainingPanel()
        self.image_preview = PreviewPanel()
        self.audio_preview = AudioPreviewPanel()
        self.audio_preview.hide()
        self.preview = self.image_preview

        right_content = QWidget(objectName="scrollContent")
        right_layout = QVBoxLayout(right_content)
        right_layout.setContentsMargins(6, 16, 16, 16)
        right_layout.setSpacing(14)
        right_layout.addWidget(self.training)
        right_layout.addWidget(self.image_preview, 1)
        right_layout.addWidget(self.audio_preview, 1)
        # On a small screen the column scrolls rather than squeezing the panels into each other.
        right = QScrollArea()
        right.setWidgetResizable(True)
        right.setHorizontalScrollBarPolicy(Qt.ScrollBarAlwaysOff)
        right.setWidget(right_content)
        right.setMinimumWidth(400)

        splitter = QSplitter(Qt.Horizontal)
        splitter.addWidget(self.classes)
        splitter.addWidget(right)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        splitter.setChildrenCollapsible(False)
        splitter.setHandleWidth(6)
        splitter.setSizes([560, 720])  # kept in proportion when the window is resized

        banner_row = QHBoxLayout()
        banner_row.setContentsMargins(16, 10, 16, 0)
        banner_row.addWidget(self.banner)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.top_bar)
        layout.addLayout(banner_row)
        layout.addWidget(splitter, 1)

    def set_project(self, project):
        """Show `project` (None: the project was closed; drop everything that belonged to it)."""
        if self.capture_dialog is not None:
            self.capture_dialog.reject()
        self.project = project
        self._undo_token = None
        self.banner.hide()
        self.classes.set_project(project)
        if project is not None:
            self.top_bar.show_name(project.name)
            sounds = project.kind == "audio"
            self.preview = self.audio_preview if sounds else self.image_preview
            self.image_preview.setVisible(not sounds)
            self.audio_preview.setVisible(sounds)
            if sounds:
                self.audio_preview.set_project(project)

    def shutdown(self):
        """Stop both preview panels' threads (the window is closing)."""
        self.image_preview.shutdown()
        self.audio_preview.shutdown()

    # ---- capture --------------------------------------------------------------------------------------
    def open_capture(self, class_id):
        """Show the recording window for `class_id`; the preview lets go of the camera or microphone meanwhile."""
        self.preview.stop()
        if self.capture_dialog is not None:
            self.capture_dialog.close()
        dialog_class = AudioCaptureDialog if self.project.kind == "audio" else CaptureDialog
        self.capture_dialog = dialog_class(self.project, class_id, self.source_choices.get(self.project.kind), self)
        self.capture_dialog.finished.connect(self._capture_closed)
        self.capture_dialog.open()
        return self.capture_dialog

    def _capture_closed(self):
        if self.capture_dialog is not None:
            self.source_choices[self.project.kind] = self.capture_dialog.source_choice
            self.capture_dialog.deleteLater()
            self.capture_dialog = None

    # ---- upload -------------------------------------------------------------------------------------------
    def choose_uploads(self, class_id):
        card = self.classes.cards.get(class_id)
        what = "sound files" if self.project.kind == "audio" else "images"
        menu = QMenu(self)
        menu.addAction(theme.standard_icon("FileIcon"), f"{what.capitalize()}…", lambda: self._pick_files(class_id))
        menu.addAction(theme.standard_icon("DirIcon"), f"A folder of {what}…", lambda: self._pick_folder(class_id))
        anchor = card.upload_button if card is not None else self
        menu.exec(anchor.mapToGlobal(anchor.rect().bottomLeft()))

    def _pick_files(self, class_id):
        if self.project.kind == "audio":
            paths, _ = QFileDialog.getOpenFileNames(self, "Add sound files", "", AUDIO_FILTER)
        else:
            paths, _ = QFileDialog.getOpenFileNames(self, "Add images", "", IMAGE_FILTER)
        if paths:
            self.import_into(class_id, paths)

    def _pick_folder(self, class_id):
        what = "sound files" if self.project.kind == "audio" else "images"
        folder = QFileDialog.getExistingDirectory(self, f"Add a folder of {what}")
        if folder:
            self.import_into(class_id, [folder])

    def import_into(self, class_id, paths):
        """Read `paths` (files or folders) off the UI thread, then add them to the class in slices.

        Sound files are cut into samples of the project's window length and overlap.
        """
        if self.project.kind == "audio":
            task = BackgroundTask(import_audio, paths, self.project.window_seconds, self.project.overlap, parent=self)
            task.succeeded.connect(lambda result: self._add_imported_sounds(class_id, *result))
            self.banner.show_message("Reading sound files…", "info")
        else:
            task = BackgroundTask(import_images, paths, parent=self)
            task.succeeded.connect(lambda result: self._add_imported(class_id, *result))
            self.banner.show_message("Reading images…", "info")
        task.failed.connect(lambda message: self.banner.show_message(message, "error"))
        task.finished.connect(lambda: self._imports.remove(task))
        self._imports.append(task)
        task.start()

    def _add_imported(self, class_id, images, broken):
        if broken:
            self.show_skipped(broken)
        elif not images:
            self.banner.show_message("No images found there (JPEG, PNG, BMP and WebP are read).", "warning")
        else:
            self.banner.hide()
        self.add_images(class_id, images)

    def _add_imported_sounds(self, class_id, sounds, broken):
        if broken:
            self.show_skipped(broken)
        elif not sounds:
            self.banner.show_message("No sound files found there (WAV, FLAC, OGG and MP3 are read).", "warning")
        else:
            count = sum(len(windows) for _path, windows in sounds)
            files = f"{len(sounds)} file{'' if len(sounds) == 1 else 's'}"
            self.banner.show_message(f"Added {count} sample{'' if count == 1 else 's'} from {files}.", "info",
                                     timeout_s=6)
        self.add_sounds(class_id, sounds)

    def add_images(self, class_id, images):
        """Add [(path, image)] to a class, a slice per event-loop turn so the window stays responsive."""
        self._add_in_slices(class_id, [(image, f"file:{os.path.basename(path)}") for path, image in images])

    def add_sounds(self, class_id, sounds):
        """Add [(path, windows)] (each file's windows, as app.capture.import_audio cuts them) to a class."""
        self._add_in_slices(class_id, [(clip, f"file:{os.path.basename(path)}")
                                       for path, windows in sounds for clip in windows])

    def _add_in_slices(self, class_id, items):
        """Add [(data, source)] to a class, a slice per event-loop turn so the window stays responsive."""
        project = self.project

        def add_slice(start=0):
            if project is not self.project or class_id not in {c.id for c in project.classes}:
                return
            for data, source in items[start:start + IMPORT_SLICE]:
                project.add_sample(class_id, data, source=source)
            if start + IMPORT_SLICE < len(items):
                QTimer.singleShot(0, lambda: add_slice(start + IMPORT_SLICE))
        add_slice()

    def show_skipped(self, broken):
        """Say which files were skipped and why; "Show all" lists every one of them."""
        self.banner.show_message(describe_skipped(broken), "warning", action_text="Show all",
                                 on_action=lambda: self.show_skipped_list(broken))

    def show_skipped_list(self, broken):
        if self.skipped_dialog is not None:
            self.skipped_dialog.close()
        self.skipped_dialog = SkippedFilesDialog(broken, self)
        self.skipped_dialog.open()
        return self.skipped_dialog

    # ---- playing sounds ------------------------------------------------------------------------------------
    def play(self, sample_id):
        """Play a sound sample off the UI thread; no sound output is a message in the banner, not a crash."""
        task = BackgroundTask(play_sample, self.project, sample_id, parent=self)
        task.failed.connect(lambda message: self.banner.show_message(message, "error", timeout_s=10))
        task.finished.connect(lambda: self._playing.remove(task))
        self._playing.append(task)
        task.start()
        return task

    def importing(self):
        return bool(self._imports)

    # ---- delete with undo -------------------------------------------------------------------------------
    def delete_class(self, class_id):
        info = next(c for c in self.project.classes if c.id == class_id)
        count = len(info.sample_ids)
        self._undo_token = self.project.remove_class(class_id)
        samples = f" and its {count} sample{'' if count == 1 else 's'}" if count else ""
        self.banner.show_message(f"Deleted “{info.name}”{samples}.", "info", action_text="Undo",
                                 on_action=self.undo_delete, timeout_s=15)

    def can_undo(self):
        return self._undo_token is not None

    def undo_delete(self):
        if self._undo_token is not None:
            self.project.restore_class(self._undo_token)
            self._undo_token = None
            self.banner.hide()

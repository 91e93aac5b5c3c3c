"""The main window: the start screen or the open project, the File menu, saving, autosave and recents."""
import os

from PySide6.QtCore import QThread, QTimer
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QFileDialog, QMainWindow, QMessageBox, QProgressDialog, QStackedWidget

from app.capture import import_audio_dataset, import_dataset, is_background_folder
from app.ml import ImageFeatureExtractor, calibration_inputs, extractor_for
from app.project import (PROJECT_EXTENSION, Autosaver, Project, load_project, recent_entries, recent_projects,
                         recovery_files, remember_project, sample_project)
from app.workers import BackgroundTask

from . import icons
from .embedding import EmbeddingQueue
from .export_dialog import ExportDialog
from .saving import ProjectSaver
from .start_screen import StartScreen
from .training import TrainingController
from .under_the_hood import UnderTheHoodDialog
from .workspace import Workspace

PROJECT_FILTER = f"Glimmer projects (*{PROJECT_EXTENSION})"
AUTOSAVE_CHECK_MS = 1000


def load_recovered(path):
    project = load_project(path)
    project.path = None  # the recovery file belongs to the autosaver, not to the person
    project.dirty = True
    return project


class MainWindow(QMainWindow):
    """`extractor`, `audio_extractor`: the image and sound feature extractors the workers share (tests pass small
    ones); others are made when a project needs them (a sound extractor per window length)."""

    def __init__(self, extractor=None, audio_extractor=None):
        super().__init__()
        self.setWindowTitle("Glimmer")
        self.setWindowIcon(icons.logo_icon())
        self.resize(1280, 800)
        self.setMinimumSize(900, 600)
        self.project = None
        self._attached_extractor = None
        self.autosaver = None
        self.export_dialog = None
        self._loading = None
        self._unsubscribe = None
        self._extractors = {"image": extractor or ImageFeatureExtractor()}
        if audio_extractor is not None:
            self._extractors[("audio", audio_extractor.window_samples)] = audio_extractor

        self.start = StartScreen()
        self.workspace = Workspace()
        self.stack = QStackedWidget()
        self.stack.addWidget(self.start)
        self.stack.addWidget(self.workspace)
        self.setCentralWidget(self.stack)

        self.embeddings = EmbeddingQueue(self)
        self.saver = ProjectSaver(self)
        self.saver.saved.connect(self._on_saved)
        self.saver.failed.connect(self._on_save_failed)
        self._waiting_for_saves = False
        self.hood = UnderTheHoodDialog(self)
        self.training = TrainingController(self.workspace.training, self.embeddings, self.hood, self)
        self.training.classifier_changed.connect(self._on_classifier_changed)

        self.start.new_requested.connect(self.new_project)
        self.start.new_audio_requested.connect(self.new_audio_project)
        self.start.open_requested.connect(self.choose_project_file)
        self.start.sample_requested.connect(self.open_sample)
        self.start.recent_requested.connect(self.open_project)
        self.start.recover_requested.connect(self.recover_project)
        self.workspace.top_bar.name_edited.connect(self._rename_project)
        self.workspace.top_bar.save_clicked.connect(self.save)
        self.workspace.top_bar.export_clicked.connect(self.open_export)
        self.workspace.training.under_the_hood_clicked.connect(self.show_under_the_hood)
        self.workspace.training.settings_changed.connect(self._store_settings)
        self._build_menus()

        self._autosave_timer = QTimer(self, interval=AUTOSAVE_CHECK_MS)
        self._autosave_timer.timeout.connect(self._autosave)
        self._autosave_timer.start()
        self.show_start()

    def _build_menus(self):
        file_menu = self.menuBar().addMenu("&File")
        self.new_action = file_menu.addAction("&New image project", self.new_project, QKeySequence.New)
        self.new_audio_action = file_menu.addAction("New &audio project", self.new_audio_project, "Ctrl+Shift+N")
        file_menu.addAction("&Open…", self.choose_project_file, QKeySequence.Open)
        self.recent_menu = file_menu.addMenu("Open &recent")
        self.recent_menu.aboutToShow.connect(self._fill_recent_menu)
        file_menu.addSeparator()
        self.save_action = file_menu.addAction("&Save", self.save, QKeySequence.Save)
        self.save_as_action = file_menu.addAction("Save &as…", self.choose_save_path, QKeySequence.SaveAs)
        self.import_action = file_menu.addAction("&Import a dataset folder…", self.choose_dataset_folder)
        self.export_action = file_menu.addAction("&Export model…", self.open_export, "Ctrl+E")
        file_menu.addSeparator()
        self.close_action = file_menu.addAction("&Close project", self.close_project, QKeySequence.Close)
        file_menu.addAction("&Quit", self.close, QKeySequence.Quit)
        edit_menu = self.menuBar().addMenu("&Edit")
        self.undo_action = QAction("&Undo delete class", self, shortcut=QKeySequence.Undo)
        self.undo_action.triggered.connect(self.workspace.undo_delete)
        edit_menu.addAction(self.undo_action)
        edit_menu.aboutToShow.connect(lambda: self.undo_action.setEnabled(self.workspace.can_undo()))
        view_menu = self.menuBar().addMenu("&View")
        view_menu.addAction("&Under the hood", self.show_under_the_hood, "Ctrl+U")

    def _fill_recent_menu(self):
        self.recent_menu.clear()
        paths = recent_projects()
        for path in paths:
            self.recent_menu.addAction(os.path.basename(path), lambda p=path: self.open_project(p))
        if not paths:
            self.recent_menu.addAction("No recent projects").setEnabled(False)

    def _update_actions(self):
        has_project = self.project is not None
        for action in (self.save_action, self.save_as_action, self.import_action, self.close_action):
            action.setEnabled(has_project)
        self.export_action.setEnabled(has_project and self.training.classifier is not None)
        self.workspace.top_bar.export_button.setEnabled(self.training.classifier is not None)
        self.workspace.top_bar.export_button.setToolTip(
            "Save the trained model for TensorFlow.js or Keras" if self.training.classifier is not None
            else "Train a model first")

    # ---- screens --------------------------------------------------------------------------------------
    def show_start(self, error=None):
        self.start.set_recent(recent_entries())
        recovery = recovery_files()
        self.start.set_recovery(recovery[0] if recovery else None)
        self.start.show_error(error)
        self.stack.setCurrentWidget(self.start)
        self.setWindowTitle("Glimmer")
        self._update_actions()

    def _show_project(self, project):
        if self.project is not None and not self.close_project(show_start=False):
            return
        self.project = project
        self.autosaver = Autosaver(project, interval_s=5)
        self._unsubscribe = project.subscribe(self._on_project_changed)
        self.workspace.set_project(project)
        self._attach_extractor(project)
        if project.path:
            remember_project(project.path, project.kind)
        self.stack.setCurrentWidget(self.workspace)
        self._update_save_state()
        self._update_actions()

    def _attach_extractor(self, project):
        extractor = self.extractor_for(project)
        self.embeddings.attach(project, extractor)
        self.training.set_project(project, extractor)
        self._attached_extractor = extractor

    def _on_project_changed(self, event, _payload):
        # A new sample length needs the extractor built for windows of that length (a new overlap does not).
        if event == "sampling_changed" and self.extractor_for(self.project) is not self._attached_extractor:
            self._attach_extractor(self.project)
        self._update_save_state()

    def _on_classifier_changed(self, classifier):
        self.workspace.preview.set_classifier(classifier)
        self._update_actions()

    def show_under_the_hood(self):
        self.hood.show()
        self.hood.raise_()

    def extractor_for(self, project):
        """The shared feature extractor for `project`'s kind of samples (made on first need; built on first use)."""
        key = "image" if project.kind == "image" else ("audio", project.window_samples)
        if key not in self._extractors:
            self._extractors[key] = extractor_for(project)
        return self._extractors[key]

    # ---- new / open -------------------------------------------------------------------------------------
    def new_project(self):
        project = Project(name="Untitled project")
        project.add_class()
        project.add_class()
        project.dirty = False
        self._show_project(project)

    def new_audio_project(self):
        """A sound project: it starts with its background noise class and one class for a sound of your own."""
        self._show_project(Project(name="Untitled sound project", kind="audio"))

    def choose_project_file(self):
        path, _ = QFileDialog.getOpenFileName(self, "Open a project", "", PROJECT_FILTER)
        if path:
            self.open_project(path)

    def open_sample(self):
        """The bundled circles, squares and triangles as a new, unsaved project (try everything, no camera)."""
        self._load(sample_project, "the sample project")

    def reopen_last(self):
        """Open the most recent project, if there is one (called at start-up)."""
        paths = recent_projects()
        if paths:
            self.open_project(paths[0])

    def open_project(self, path):
        """Read `path` off the UI thread; a damaged or foreign file is a clear message, never a crash."""
        self._load(load_project, os.path.basename(path), path)

    def recover_project(self, path):
        """Open the autosave of a never-saved project; it stays unsaved (Save asks where to keep it)."""
        self._load(load_recovered, "the unsaved project", path)

    def _load(self, function, description, *args):
        if self._loading is not None:
            return
        self.statusBar().showMessage(f"Opening {description}…")
        self._loading = BackgroundTask(function, *args, parent=self)
        self._loading.succeeded.connect(self._show_project)
        self._loading.failed.connect(self._open_failed)
        self._loading.finished.connect(self._loading_done)
        self._loading.start()

    def is_loading(self):
        return self._loading is not None

    def _loading_done(self):
        self._loading = None
        self.statusBar().clearMessage()

    def _open_failed(self, message):
        if self.project is None:
            self.show_start(error=f"Could not open the project (the file was left as it was). {message}")
        else:
            self.workspace.banner.show_message(f"Could not open the project. {message}", "error")

    # ---- save -----------------------------------------------------------------------------------------
    def save(self):
        if self.project is None:
            return
        if not self.project.path:
            self.choose_save_path()
        else:
            self.save_to(self.project.path)

    def choose_save_path(self):
        """Ask where to save the project and start saving it there; False when the person cancels."""
        start = self.project.path or os.path.join(os.path.expanduser("~"), self.project.name + PROJECT_EXTENSION)
        path, _ = QFileDialog.getSaveFileName(self, "Save project", start, PROJECT_FILTER)
        if not path:
            return False
        if not path.endswith(PROJECT_EXTENSION):
            path += PROJECT_EXTENSION
        self.save_to(path)
        return True

    def save_to(self, path):
        """Start saving the project as `path` (atomically, on a worker thread, after any save that runs); the top
        bar shows when it is done, a message if it failed."""
        self.saver.save(self.project, path)
        self._update_save_state()

    def _autosave(self):
        if (self.autosaver is not None and not self.training.is_training() and not self.saver.is_busy()
                and self.autosaver.due()):
            path, write = self.autosaver.destination()
            self.saver.save(self.project, path, write)
            self._update_save_state()

    def _on_saved(self, saved):
        self.autosaver.saved(saved)
        if saved.is_project_file:
            remember_project(saved.path, self.project.kind)
        self._update_save_state()

    def _on_save_failed(self, message):
        self.autosaver.failed()
        self.workspace.banner.show_message(f"Could not save: {message}", "error")
        self._update_save_state()

    def _wait_for_saves(self):
        """Let running saves end, showing "Saving…" (the window keeps painting; the person's input waits)."""
        if not self.saver.is_busy():
            return
        self._update_save_state()
        note = QProgressDialog(f"Saving “{self.project.name}”…", None, 0, 0, self)
        note.setWindowTitle("Saving")
        note.setMinimumDuration(0)
        note.show()
        self._waiting_for_saves = True
        try:
            self.saver.wait()
        finally:
            self._waiting_for_saves = False
            note.close()
            note.deleteLater()

    def _save_before_closing(self):
        """Write every change to the project's file, waiting for the saves; False if one failed (its message is
        shown and the project stays open, dirty)."""
        self._wait_for_saves()
        if not self.project.path:
            return False  # its first save, as a file of its own, failed
        while self.autosaver.needs_save():
            self.save_to(self.project.path)
            self._wait_for_saves()
            if self.saver.last_error is not None:
                return False
        return True

    def _update_save_state(self):
        if self.project is None:
            return
        chip = self.workspace.top_bar.save_state
        if self.saver.is_busy() and self.saver.target != self.autosaver.recovery_path:
            chip.setText("Saving…")
            chip.setToolTip(f"Writing {self.saver.target}")
        elif not self.project.path:
            chip.setText("Not saved yet")
            chip.setToolTip("Kept for recovery automatically. Choose Save to keep it as a file.")
        elif self.project.dirty and self.saver.last_error is not None:
            chip.setText("⚠ Not saved")
            chip.setToolTip(f"{self.saver.last_error}. Saving is tried again every few seconds.")
        elif self.project.dirty:
            chip.setText("Saving soon…")
            chip.setToolTip(f"Changes are saved to {self.project.path} every few seconds")
        else:
            chip.setText("✓ All changes saved")
            chip.setToolTip(self.project.path)
        self.workspace.top_bar.show_name(self.project.name)
        self.setWindowTitle(f"{self.project.name} – Glimmer")

    def _rename_project(self, name):
        if self.project is not None and name and name != self.project.name:
            self.project.name = name
            self._mark_changed()

    def _store_settings(self):
        if self.project is not None:
            self.project.settings = self.workspace.training.advanced.settings(self.project.settings)
            self._mark_changed()

    def _mark_changed(self):
        """The project's name and settings are plain attributes: tell the autosaver they changed."""
        self.project.dirty = True
        self.project.revision += 1
        self._update_save_state()

    # ---- import / export ---------------------------------------------------------------------------------
    def choose_dataset_folder(self):
        what = "sound files" if self.project.kind == "audio" else "images"
        folder = QFileDialog.getExistingDirectory(self, f"Import a dataset: one sub-folder of {what} per class")
        if folder:
            self.import_dataset(folder)

    def import_dataset(self, folder):
        """Add every sub-folder of `folder` as a class (or to the class of that name)."""
        if self.project.kind == "audio":
            task = BackgroundTask(import_audio_dataset, folder, self.project.window_seconds, self.project.overlap,
                                  parent=self)
        else:
            task = BackgroundTask(import_dataset, folder, parent=self)
        task.succeeded.connect(self._add_dataset)
        task.failed.connect(lambda message: self.workspace.banner.show_message(message, "error"))
        self.workspace.banner.show_message("Reading the dataset…", "info")
        self._dataset_task = task
        task.start()

    def _dataset_class(self, name):
        """The class that a dataset folder called `name` fills: the one of that name, the background class for
        a background folder, an empty "Class n", or a new one."""
        by_name = {info.name: info for info in self.project.classes}
        if name in by_name:
            return by_name[name]
        if self.project.kind == "audio" and is_background_folder(name):
            background = self.project.background_class()
            return background if background is not None else self.project.add_class(background=True)
        empty = [c for c in self.project.classes
                 if not c.sample_ids and c.name.startswith("Class ") and not c.is_background]
        info = empty[0] if empty else self.project.add_class(name)
        if info.name != name:
            self.project.rename_class(info.id, name)
        return info

    def _add_dataset(self, result):
        classes, broken = result
        for name, items in classes.items():
            info = self._dataset_class(name)
            if self.project.kind == "audio":
                self.workspace.add_sounds(info.id, items)
            else:
                self.workspace.add_images(info.id, [(f"{name}/{i}", image) for i, image in enumerate(items)])
        if broken:
            self.workspace.show_skipped(broken)
        else:
            self.workspace.banner.show_message(f"Imported {len(classes)} classes.", "info", timeout_s=6)

    def open_export(self):
        if self.training.classifier is None:
            return None
        folder = os.path.dirname(self.project.path) if self.project.path else os.path.expanduser("~")
        default = os.path.join(folder, f"{self.project.name} model")
        background = self.project.background_class() if self.project.kind == "audio" else None
        background_label = background.name if background is not None and background.name in (
            self.training.classifier.labels) else None
        project = self.project
        self.export_dialog = ExportDialog(self.training.classifier, default, project.name, background_label,
                                          lambda: calibration_inputs(project), self)
        self.export_dialog.open()
        return self.export_dialog

    # ---- close --------------------------------------------------------------------------------------------
    def close_project(self, show_start=True):
        """Close the open project (asking first if it was never saved); False when the person cancels."""
        if self.project is None:
            return True
        if not self._confirm_close():
            return False
        self.training.detach()
        self.workspace.preview.stop()
        self.embeddings.attach(None, None)
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
        self.workspace.set_project(None)
        self.project.close()
        self.project = None
        self.autosaver = None
        self.hood.set_history(None)
        if show_start:
            self.show_start()
        return True

    def _confirm_close(self):
        """Saved projects are flushed silently (autosave); a never-saved one with content asks first."""
        self._wait_for_saves()  # a running save may be the one that gives the project its file
        if self.project.path:
            return self._save_before_closing()
        if not self.project.dirty:
            self._discard_recovery()
            return True
        answer = self.ask_unsaved()
        if answer == QMessageBox.Save:
            return self.choose_save_path() and self._save_before_closing()
        if answer == QMessageBox.Discard:
            self._discard_recovery()
            return True
        return False

    def _discard_recovery(self):
        self._wait_for_saves()  # a recovery autosave that still runs would write the file again
        self.autosaver.discard_recovery()

    def ask_unsaved(self):
        return QMessageBox.question(
            self, "Save this project?",
            f"“{self.project.name}” has never been saved. Save it before closing?",
            QMessageBox.Save | QMessageBox.Discard | QMessageBox.Cancel, QMessageBox.Save)

    def closeEvent(self, event):
        # A second close while the first waits for a save: the first one closes the window.
        if self._waiting_for_saves or not self.close_project(show_start=False):
            event.ignore()
            return
        self.shutdown()
        event.accept()

    def shutdown(self):
        """Stop every background thread and wait for it (a QThread must not outlive its object)."""
        self._autosave_timer.stop()
        self.training.detach()
        self.workspace.shutdown()
        self.embeddings.shutdown()
        for thread in self.findChildren(QThread):
            thread.wait()

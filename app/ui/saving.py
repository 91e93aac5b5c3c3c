"""Saving the open project on a worker thread, one save at a time (manual saves and autosaves alike).

A save's snapshot is taken on the UI thread when it starts (app.project.snapshot_project, cheap); the
writing, fsync and rename run in a BackgroundTask, so even a project of 10,000 samples never freezes
the window. Changes made meanwhile leave the project dirty, and the next save writes them. A save asked
for while one runs starts when that one ends (the newest such request wins).
"""
from PySide6.QtCore import QCoreApplication, QEventLoop, QObject, Signal

from app.project import finish_save, snapshot_project, write_snapshot
from app.workers import BackgroundTask


class ProjectSaver(QObject):
    """`saved(SavedProject)` or `failed(message)` after each save, then `idle` once no save runs or waits."""

    saved = Signal(object)
    failed = Signal(str)
    idle = Signal()

    def __init__(self, parent=None):
        super().__init__(parent)
        self._task = None
        self._running = None
        self._waiting = None
        self._outcome = None
        # The path of the save that runs now, or None.
        self.target = None
        # The message of the last save that ended, if it failed.
        self.last_error = None

    def is_busy(self):
        return self._task is not None

    def save(self, project, path, write=write_snapshot):
        """Save `project` to `path` with `write` (write_snapshot, or write_snapshot_copy for a copy that does not
        become the project's file): now, or when the running save ends."""
        if self._task is not None:
            self._waiting = (project, path, write)
        else:
            self._start(project, path, write)

    def wait(self):
        """Handle events until no save runs or waits: the window keeps painting and timers run, but the person's
        clicks and keys wait, so nothing is edited meanwhile.

        Not a nested QEventLoop: that would also carry out pending deleteLater() calls, possibly of the very
        objects that wait here.
        """
        while self._task is not None:
            QCoreApplication.processEvents(QEventLoop.AllEvents | QEventLoop.ExcludeUserInputEvents
                                           | QEventLoop.WaitForMoreEvents)

    def _start(self, project, path, write):
        self._running = project
        self.target = path
        self._outcome = None
        self._task = BackgroundTask(write, snapshot_project(project), path, parent=self)
        self._task.succeeded.connect(self._keep_outcome)
        self._task.failed.connect(self._keep_outcome)
        # Handled once the thread has ended, so no two saves ever overlap, not even by their last instructions.
        self._task.finished.connect(self._ended)
        self._task.start()

    def _keep_outcome(self, outcome):
        self._outcome = outcome

    def _ended(self):
        project, outcome = self._running, self._outcome
        self._task.deleteLater()
        self._task, self._running, self.target = None, None, None
        if isinstance(outcome, str):
            self.last_error = outcome
        else:
            self.last_error = None
            finish_save(project, outcome)
        if self._waiting is not None:
            waiting, self._waiting = self._waiting, None
            self._start(*waiting)
        if isinstance(outcome, str):
            self.failed.emit(outcome)
        else:
            self.saved.emit(outcome)
        if self._task is None:
            self.idle.emit()

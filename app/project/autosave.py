"""Autosave: a timer calls `maybe_save()`; changes reach disk within `interval_s` seconds.

A project that has a file is saved to it. A new project without one is saved to a recovery
file in the data folder (`autosave/<project id>.glimmer`), which is deleted once the project is
saved under a name of its own.
"""
import os
import time

from ..errors import AppError
from .files import PROJECT_EXTENSION, save_project, write_project_copy
from .recent import data_dir

__all__ = ["Autosaver", "recovery_files"]


def _recovery_dir():
    return os.path.join(data_dir(), "autosave")


def recovery_files():
    """Recovery autosaves of projects that were never saved, newest first."""
    folder = _recovery_dir()
    try:
        names = [name for name in os.listdir(folder) if name.endswith(PROJECT_EXTENSION)]
    except OSError:
        return []
    paths = [os.path.join(folder, name) for name in names]
    return sorted(paths, key=os.path.getmtime, reverse=True)


class Autosaver:
    """Saves `project` at most every `interval_s` seconds while it has unsaved changes."""

    def __init__(self, project, interval_s=5, on_error=None, clock=time.monotonic):
        self.project = project
        self.interval_s = interval_s
        self.on_error = on_error
        self.last_error = None
        self._clock = clock
        self._last_save = clock()
        # A project with unsaved changes when autosave starts has never been written in this state.
        self._written_revision = None if project.dirty else project.revision

    @property
    def recovery_path(self):
        return os.path.join(_recovery_dir(), self.project.id + PROJECT_EXTENSION)

    def _needs_save(self):
        return self.project.dirty and self.project.revision != self._written_revision

    def maybe_save(self):
        """Save if there are changes and the interval has passed; errors go to `on_error`, never raise."""
        if not self._needs_save() or self._clock() - self._last_save < self.interval_s:
            return None
        try:
            return self.flush()
        except AppError as exc:
            self.last_error = exc
            self._last_save = self._clock()
            if self.on_error is not None:
                self.on_error(exc)
            return None

    def flush(self):
        """Save now if anything changed (raises AppError on failure); returns the path written, or None."""
        if not self._needs_save():
            return None
        revision = self.project.revision
        if self.project.path:
            written = save_project(self.project, self.project.path)
            self.discard_recovery()
        else:
            os.makedirs(_recovery_dir(), exist_ok=True)
            written = write_project_copy(self.project, self.recovery_path)
        self._written_revision = revision
        self._last_save = self._clock()
        self.last_error = None
        return written

    def discard_recovery(self):
        try:
            os.unlink(self.recovery_path)
        except OSError:
            pass

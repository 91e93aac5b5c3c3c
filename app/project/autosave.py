"""Autosave: when an open project is saved without being asked, and where.

Changes reach disk within `interval_s` seconds. A project that has a file is saved to it. A new project
without one is saved to a recovery file in the data folder (`autosave/<project id>.glimmer`), which is
deleted once the project is saved under a name of its own. The Autosaver only decides; the window runs
the saves on a worker thread (app.ui.saving) and reports each outcome back with `saved` or `failed`.
"""
import contextlib
import os
import time

from .files import PROJECT_EXTENSION, write_snapshot, write_snapshot_copy
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
    """Says when `project` is due for a save: at most every `interval_s` seconds while it has unsaved changes."""

    def __init__(self, project, interval_s=5, clock=time.monotonic):
        self.project = project
        self.interval_s = interval_s
        self._clock = clock
        self._last_attempt = clock()
        # A project with unsaved changes when autosave starts has never been written in this state.
        self._written_revision = None if project.dirty else project.revision

    @property
    def recovery_path(self):
        return os.path.join(_recovery_dir(), self.project.id + PROJECT_EXTENSION)

    def needs_save(self):
        """True while the project has changes that no save has written yet (to its file or its recovery file)."""
        return self.project.dirty and self.project.revision != self._written_revision

    def due(self):
        """True when the project needs a save and the interval since the last one (or the last failure) passed."""
        return self.needs_save() and self._clock() - self._last_attempt >= self.interval_s

    def destination(self):
        """(path, writer) of the next autosave: the project's file with `write_snapshot`, or while it has none, its
        recovery file with `write_snapshot_copy`."""
        if self.project.path:
            return self.project.path, write_snapshot
        # A folder that cannot be made is reported by the save, which finds it missing.
        with contextlib.suppress(OSError):
            os.makedirs(_recovery_dir(), exist_ok=True)
        return self.recovery_path, write_snapshot_copy

    def saved(self, saved):
        """A save (automatic or not) wrote `saved` (a SavedProject); the recovery file goes once the project's own
        file holds the project."""
        self._written_revision = saved.revision
        self._last_attempt = self._clock()
        if saved.is_project_file:
            self.discard_recovery()

    def failed(self):
        """A save failed: try again after the interval, not at once."""
        self._last_attempt = self._clock()

    def discard_recovery(self):
        try:
            os.unlink(self.recovery_path)
        except OSError:
            pass

"""Saving on a worker thread: the window keeps running, nothing is lost, closing waits, failures are said."""
import hashlib
import os
import threading
import time

import numpy as np
import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QProgressDialog

from app.project import files, load_project
from tests.app.ui.helpers import add_samples, save_and_wait


class SaveGate:
    """Holds each save in the middle of writing its temporary file until `release()`: a very slow disk."""

    def __init__(self, monkeypatch):
        self.entered = threading.Event()
        self._open = threading.Event()
        write_archive = files._write_archive

        def held(snapshot, handle):
            self.entered.set()
            if not self._open.wait(60):
                raise OSError("the test never released the save")
            return write_archive(snapshot, handle)

        monkeypatch.setattr(files, "_write_archive", held)

    def release(self):
        self._open.set()


def digest(path):
    with open(path, "rb") as handle:
        return hashlib.sha256(handle.read()).hexdigest()


@pytest.fixture
def saved_project(window, qtbot, tmp_path):
    """The window's new project with a few samples, saved once (fast) as `projects/saved.glimmer`; returns the
    path."""
    window.new_project()
    add_samples(window.project, window.project.classes[0].id, 0, 4)
    (tmp_path / "projects").mkdir()
    path = str(tmp_path / "projects" / "saved.glimmer")
    assert save_and_wait(window, qtbot, path)
    return path


def test_the_window_keeps_running_while_a_slow_save_writes(window, qtbot, saved_project, monkeypatch):
    add_samples(window.project, window.project.classes[1].id, 1, 4)
    gate = SaveGate(monkeypatch)
    window.save_to(saved_project)
    assert gate.entered.wait(10)
    assert window.saver.is_busy() and window.workspace.top_bar.save_state.text() == "Saving…"
    ticks = []
    timer = QTimer(interval=10)
    timer.timeout.connect(lambda: ticks.append(time.perf_counter()))
    timer.start()
    qtbot.mouseClick(window.workspace.classes.add_button, Qt.LeftButton)  # the person keeps working
    qtbot.wait(500)
    timer.stop()
    assert [c.name for c in window.project.classes] == ["Class 1", "Class 2", "Class 3"]
    assert window.saver.is_busy(), "the save is still held: everything above ran while it was writing"
    # A 10 ms timer on a busy 2-core machine: dozens of ticks, no gap near the length of the save.
    assert len(ticks) >= 10 and np.diff(ticks).max() < 0.25
    gate.release()
    qtbot.waitUntil(lambda: not window.saver.is_busy(), timeout=10000)
    assert len(load_project(saved_project).classes) == 2      # the class added meanwhile is the next save's


def test_changes_made_during_a_save_reach_the_file_with_the_next_save(window, qtbot, saved_project, monkeypatch):
    project = window.project
    first, second = project.classes
    gate = SaveGate(monkeypatch)
    add_samples(project, second.id, 1, 2)
    window.save_to(saved_project)
    assert gate.entered.wait(10)
    # Meanwhile: a recorded sample, a deleted one (the save still reads it), a renamed class, a new class.
    add_samples(project, second.id, 1, 1)
    removed = project.samples_of(first.id)[0]
    project.remove_sample(removed.id)
    project.rename_class(first.id, "renamed while saving")
    project.add_class("added while saving")
    gate.release()
    qtbot.waitUntil(lambda: not window.saver.is_busy(), timeout=10000)
    written = load_project(saved_project)
    assert [c.name for c in written.classes] == ["Class 1", "Class 2"]
    assert len(written.samples_of(second.id)) == 2 and removed.id in {s.id for s in written.samples_of(first.id)}
    assert project.dirty and window.workspace.top_bar.save_state.text() == "Saving soon…"
    window.autosaver.interval_s = 0
    qtbot.waitUntil(lambda: not project.dirty and not window.saver.is_busy(), timeout=10000)
    written = load_project(saved_project)
    assert [c.name for c in written.classes] == ["renamed while saving", "Class 2", "added while saving"]
    assert [len(written.samples_of(c.id)) for c in written.classes] == [3, 3, 0]
    assert removed.id not in {s.id for s in written.all_samples()}
    assert window.workspace.top_bar.save_state.text() == "✓ All changes saved"


def test_closing_the_window_during_a_save_waits_for_it_showing_saving(window, qtbot, saved_project, monkeypatch,
                                                                      screenshot):
    add_samples(window.project, window.project.classes[1].id, 1, 5)
    gate = SaveGate(monkeypatch)
    window.save_to(saved_project)
    assert gate.entered.wait(10)
    seen = {}

    def look_then_release():
        notes = [w for w in QApplication.topLevelWidgets() if isinstance(w, QProgressDialog) and w.isVisible()]
        seen["note"] = notes[0].labelText() if notes else None
        seen["chip"] = window.workspace.top_bar.save_state.text()
        seen["open"] = window.isVisible() and window.project is not None
        if notes:
            screenshot(notes[0], "19_saving_before_close")
        gate.release()

    QTimer.singleShot(300, look_then_release)
    started = time.perf_counter()
    window.close()
    assert time.perf_counter() - started >= 0.25, "close returned before the save ended"
    assert seen == {"note": "Saving “Untitled project”…", "chip": "Saving…", "open": True}
    assert not window.isVisible() and window.project is None
    reopened = load_project(saved_project)
    assert [len(reopened.samples_of(c.id)) for c in reopened.classes] == [4, 5]
    assert all(reopened.load_image(s).shape == (224, 224, 3) for s in reopened.all_samples())


def test_a_failed_save_leaves_the_old_file_and_says_why(window, qtbot, saved_project, monkeypatch, screenshot):
    before = digest(saved_project)
    window.project.add_class("not saved yet")
    write_archive = files._write_archive

    def disk_full(snapshot, handle):
        handle.write(b"half a project")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(files, "_write_archive", disk_full)
    window.save_to(saved_project)
    qtbot.waitUntil(lambda: not window.saver.is_busy(), timeout=10000)
    message = window.workspace.banner.text()
    assert "Could not save" in message and "No space left on device" in message
    assert "previous file is unchanged" in message
    assert window.workspace.top_bar.save_state.text() == "⚠ Not saved"
    assert window.project.dirty and window.autosaver.needs_save()
    assert digest(saved_project) == before
    assert os.listdir(os.path.dirname(saved_project)) == ["saved.glimmer"], "no half-written file is left"
    screenshot(window, "18_save_failed")
    # Closing must not lose the change: the window stays open while saving fails.
    window.close()
    assert window.isVisible() and window.project is not None
    monkeypatch.setattr(files, "_write_archive", write_archive)
    window.close()
    assert not window.isVisible()
    assert [c.name for c in load_project(saved_project).classes] == ["Class 1", "Class 2", "not saved yet"]

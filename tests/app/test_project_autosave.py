"""Autosave and the recent-projects list."""
import os

import json

import numpy as np
import pytest

from app.errors import ProjectSaveError
from app.project import (Autosaver, Project, finish_save, load_project, recent_entries, recent_projects,
                         recovery_files, remember_project, save_project, snapshot_project, write_snapshot)
from app.project.files import write_snapshot_copy
from app.project.recent import MAX_RECENT


class FakeClock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


def autosave(autosaver, project):
    """What the window does when an autosave is due: snapshot, write, and report the outcome."""
    path, write = autosaver.destination()
    saved = write(snapshot_project(project), path)
    finish_save(project, saved)
    autosaver.saved(saved)
    return saved.path


def test_autosave_is_due_after_the_interval_and_goes_to_the_project_file(tmp_path):
    project = Project()
    path = tmp_path / "auto.glimmer"
    save_project(project, path)
    clock = FakeClock()
    autosaver = Autosaver(project, interval_s=5, clock=clock)
    assert not autosaver.due()                                  # nothing changed
    project.add_sample(project.add_class("first").id, np.zeros((8, 8, 3), np.uint8))
    clock.now += 2
    assert not autosaver.due()                                  # too soon
    clock.now += 4
    assert autosaver.due() and autosaver.destination() == (str(path), write_snapshot)
    assert autosave(autosaver, project) == str(path)
    assert not project.dirty and not autosaver.needs_save() and load_project(path).classes[0].name == "first"
    project.add_class("second")
    assert autosaver.needs_save() and not autosaver.due()      # the interval counts from the last save


def test_unsaved_project_autosaves_to_a_recovery_file_until_it_has_a_name(tmp_path):
    project = Project("draft")
    project.add_class("only")
    autosaver = Autosaver(project, interval_s=0)
    assert autosaver.destination() == (autosaver.recovery_path, write_snapshot_copy)
    recovery = autosave(autosaver, project)
    assert recovery == autosaver.recovery_path and recovery_files() == [recovery]
    assert load_project(recovery).classes[0].name == "only"
    assert project.path is None and project.dirty
    assert not autosaver.due()                                  # unchanged since the recovery save
    project.path = str(tmp_path / "named.glimmer")
    project.add_class("two")
    assert autosave(autosaver, project) == project.path
    assert recovery_files() == []


def test_after_a_failed_save_autosave_tries_again_after_the_interval(tmp_path):
    project = Project()
    save_project(project, tmp_path / "gone.glimmer")
    project.path = str(tmp_path / "missing-folder" / "gone.glimmer")
    project.add_class()
    clock = FakeClock()
    autosaver = Autosaver(project, interval_s=1, clock=clock)
    clock.now += 2
    path, write = autosaver.destination()
    with pytest.raises(ProjectSaveError, match="missing-folder"):
        write(snapshot_project(project), path)
    autosaver.failed()
    assert project.dirty and autosaver.needs_save() and not autosaver.due()
    clock.now += 2
    assert autosaver.due()


def test_recent_projects_most_recent_first_and_only_existing(tmp_path, isolated_data_dir):
    paths = []
    for i in range(MAX_RECENT + 2):
        path = tmp_path / f"p{i}.glimmer"
        path.write_bytes(b"")
        paths.append(str(path))
        remember_project(path, "image")
    assert recent_projects() == paths[::-1][:MAX_RECENT]
    remember_project(paths[5], "image")
    assert recent_projects()[0] == paths[5]
    os.unlink(paths[5])
    assert paths[5] not in recent_projects()
    assert (isolated_data_dir / "recent_projects.json").is_file()


def test_a_damaged_recent_list_is_ignored(isolated_data_dir, tmp_path):
    isolated_data_dir.mkdir()
    (isolated_data_dir / "recent_projects.json").write_text("{broken")
    assert recent_projects() == []
    path = tmp_path / "x.glimmer"
    path.write_bytes(b"")
    remember_project(path, "image")
    assert recent_projects() == [str(path)]


def test_the_recent_list_keeps_each_projects_kind(tmp_path):
    pictures, sounds = str(tmp_path / "pictures.glimmer"), str(tmp_path / "sounds.glimmer")
    save_project(Project(kind="image"), pictures)
    save_project(Project(kind="audio"), sounds)
    remember_project(pictures, "image")
    remember_project(sounds, "audio")
    assert [(entry.path, entry.kind) for entry in recent_entries()] == [(sounds, "audio"), (pictures, "image")]


def test_a_recent_list_of_bare_paths_reads_the_kinds_from_the_files(tmp_path, isolated_data_dir):
    """Lists written before the kinds were kept hold only paths."""
    sounds, broken = str(tmp_path / "sounds.glimmer"), str(tmp_path / "broken.glimmer")
    save_project(Project(kind="audio"), sounds)
    (tmp_path / "broken.glimmer").write_bytes(b"not a zip")
    isolated_data_dir.mkdir()
    (isolated_data_dir / "recent_projects.json").write_text(json.dumps([sounds, broken]))
    assert [(entry.path, entry.kind) for entry in recent_entries()] == [(sounds, "audio"), (broken, None)]

"""Autosave and the recent-projects list."""
import os

import numpy as np

from app.errors import ProjectSaveError
from app.project import Autosaver, Project, load_project, recent_projects, recovery_files, remember_project, \
    save_project
from app.project.recent import MAX_RECENT


class FakeClock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


def test_autosave_saves_changes_after_the_interval(tmp_path):
    project = Project()
    path = tmp_path / "auto.glimmer"
    save_project(project, path)
    clock = FakeClock()
    autosaver = Autosaver(project, interval_s=5, clock=clock)
    assert autosaver.maybe_save() is None                       # nothing changed
    project.add_sample(project.add_class("first").id, np.zeros((8, 8, 3), np.uint8))
    clock.now += 2
    assert autosaver.maybe_save() is None                       # too soon
    clock.now += 4
    assert autosaver.maybe_save() == str(path)
    assert not project.dirty and load_project(path).classes[0].name == "first"
    project.add_class("second")
    assert autosaver.flush() == str(path)                       # flush does not wait
    assert [c.name for c in load_project(path).classes] == ["first", "second"]
    assert autosaver.flush() is None


def test_unsaved_project_autosaves_to_a_recovery_file_until_it_has_a_name(tmp_path):
    project = Project("draft")
    project.add_class("only")
    autosaver = Autosaver(project)
    recovery = autosaver.flush()
    assert recovery == autosaver.recovery_path and recovery_files() == [recovery]
    assert load_project(recovery).classes[0].name == "only"
    assert project.path is None and project.dirty
    assert autosaver.flush() is None                            # unchanged since the recovery save
    project.path = str(tmp_path / "named.glimmer")
    project.add_class("two")
    assert autosaver.flush() == project.path
    assert recovery_files() == []


def test_autosave_errors_are_reported_not_raised(tmp_path):
    project = Project()
    save_project(project, tmp_path / "gone.glimmer")
    project.path = str(tmp_path / "missing-folder" / "gone.glimmer")
    project.add_class()
    errors = []
    clock = FakeClock()
    autosaver = Autosaver(project, interval_s=1, on_error=errors.append, clock=clock)
    clock.now += 2
    assert autosaver.maybe_save() is None
    assert len(errors) == 1 and isinstance(errors[0], ProjectSaveError) and autosaver.last_error is errors[0]


def test_recent_projects_most_recent_first_and_only_existing(tmp_path, isolated_data_dir):
    paths = []
    for i in range(MAX_RECENT + 2):
        path = tmp_path / f"p{i}.glimmer"
        path.write_bytes(b"")
        paths.append(str(path))
        remember_project(path)
    assert recent_projects() == paths[::-1][:MAX_RECENT]
    remember_project(paths[5])
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
    remember_project(path)
    assert recent_projects() == [str(path)]

"""Opening, saving, autosave, recovery, the sample project, and what happens with a damaged file."""
import argparse
import os

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QMessageBox

from app.project import load_project, recent_projects, remember_project, save_project, Project
from app.ui import icons, run_app, theme
from app.ui.main_window import MainWindow
from app.ui.start_screen import KIND_ICONS, PATH_ROLE
from tests.app.ui.helpers import add_samples, save_and_wait


def test_a_damaged_file_gives_a_clear_message_and_is_left_as_it_was(window, qtbot, tmp_path, screenshot):
    damaged = tmp_path / "holiday.glimmer"
    damaged.write_bytes(b"PK\x03\x04 this is not the zip it claims to be")
    before = damaged.read_bytes()
    window.open_project(str(damaged))
    qtbot.waitUntil(lambda: not window.is_loading(), timeout=10000)
    assert window.project is None and window.stack.currentWidget() is window.start
    message = window.start.error_label.text()
    assert window.start.error_label.isVisible() and "holiday.glimmer" in message
    assert damaged.read_bytes() == before
    screenshot(window, "16_damaged_project_file")
    # The rest of the app keeps working.
    qtbot.mouseClick(window.start.new_button, Qt.LeftButton)
    assert window.project is not None


def test_save_then_autosave_reaches_the_file(window, qtbot, tmp_path):
    window.new_project()
    path = str(tmp_path / "kept.glimmer")
    assert save_and_wait(window, qtbot, path)
    assert window.workspace.top_bar.save_state.text() == "✓ All changes saved"
    assert recent_projects() == [path]
    window.autosaver.interval_s = 0
    add_samples(window.project, window.project.classes[0].id, 0, 2)
    qtbot.keyClicks(window.workspace.top_bar.name_edit, " renamed")
    window.workspace.top_bar.name_edit.editingFinished.emit()
    qtbot.waitUntil(lambda: not window.project.dirty, timeout=10000)
    assert window.workspace.top_bar.save_state.text() == "✓ All changes saved"
    reopened = load_project(path)
    assert len(reopened.samples_of(reopened.classes[0].id)) == 2
    assert reopened.name == "Untitled project renamed"
    assert window.windowTitle() == "Untitled project renamed – Glimmer"


def test_an_unsaved_project_asks_before_closing_and_is_kept_for_recovery(window, qtbot, tmp_path):
    window.new_project()
    add_samples(window.project, window.project.classes[0].id, 0, 1)
    assert window.workspace.top_bar.save_state.text() == "Not saved yet"
    window.autosaver.interval_s = 0
    qtbot.waitUntil(lambda: os.path.exists(window.autosaver.recovery_path), timeout=10000)
    assert window.workspace.top_bar.save_state.text() == "Not saved yet"
    window.ask_unsaved = lambda: QMessageBox.Cancel
    assert not window.close_project() and window.project is not None
    asked = []
    window.ask_unsaved = lambda: asked.append(True) or QMessageBox.Discard
    recovery = window.autosaver.recovery_path
    assert window.close_project() and asked and window.project is None
    assert not os.path.exists(recovery), "discarding drops the recovery copy too"


def test_a_recovery_copy_is_offered_on_the_start_screen(window, qtbot, tmp_path):
    window.new_project()
    add_samples(window.project, window.project.classes[1].id, 1, 3)
    window.autosaver.interval_s = 0
    recovery = window.autosaver.recovery_path
    qtbot.waitUntil(lambda: os.path.exists(recovery) and not window.saver.is_busy(), timeout=10000)
    window.project, project = None, window.project  # as after a crash: nothing closed the project
    project.close()
    window.show_start()
    assert window.start.recover_box.isVisible()
    qtbot.mouseClick(window.start.recover_button, Qt.LeftButton)
    qtbot.waitUntil(lambda: window.project is not None, timeout=10000)
    assert len(window.project.samples_of(window.project.classes[1].id)) == 3
    assert window.project.path is None and window.workspace.top_bar.save_state.text() == "Not saved yet"
    assert os.path.exists(recovery), "kept until the person saves or discards the project"


def test_the_sample_project_opens_from_the_start_screen(window, qtbot, screenshot):
    qtbot.mouseClick(window.start.sample_button, Qt.LeftButton)
    qtbot.waitUntil(lambda: window.project is not None, timeout=30000)
    assert window.project.labels() == ["circle", "square", "triangle"]
    assert window.project.path is None and all(c.sample_ids for c in window.project.classes)
    qtbot.waitUntil(lambda: window.embeddings.remaining() == 0, timeout=30000)
    screenshot(window, "17_sample_project")


def test_import_a_dataset_folder_as_classes(window, qtbot, tmp_path):
    import cv2
    from tests.app.ui.helpers import random_image
    for name in ("apples", "pears"):
        (tmp_path / "data" / name).mkdir(parents=True)
        for index in range(2):
            cv2.imwrite(str(tmp_path / "data" / name / f"{index}.png"), random_image(index))
    window.new_project()
    window.import_dataset(str(tmp_path / "data"))
    qtbot.waitUntil(lambda: window.project.labels() == ["apples", "pears"], timeout=10000)
    qtbot.waitUntil(lambda: all(len(c.sample_ids) == 2 for c in window.project.classes))
    assert "Imported 2 classes" in window.workspace.banner.text()


def test_run_app_reopens_the_last_project(themed_app, qtbot, tmp_path):
    project = Project("Last time")
    project.add_class("Only")
    path = str(tmp_path / "last.glimmer")
    save_project(project, path)
    remember_project(path, project.kind)
    seen = []

    def look_and_close():
        windows = [w for w in QApplication.topLevelWidgets() if isinstance(w, MainWindow) and w.isVisible()]
        if not windows or windows[0].project is None:
            QTimer.singleShot(50, look_and_close)
            return
        seen.append(windows[0].project.name)
        windows[0].close()
    QTimer.singleShot(50, look_and_close)
    assert run_app(argparse.Namespace()) == 0
    assert seen == ["Last time"]


def icon_image(icon):
    return icon.pixmap(20, 20).toImage()


def test_recent_sound_projects_have_their_own_icon(window, qtbot, tmp_path, screenshot):
    for make, name in ((window.new_project, "pictures"), (window.new_audio_project, "sounds")):
        make()
        assert save_and_wait(window, qtbot, str(tmp_path / f"{name}.glimmer"))
        assert window.close_project()
    recent = window.start.recent_list
    items = {recent.item(row).data(PATH_ROLE): recent.item(row) for row in range(recent.count())}
    pictures, sounds = items[str(tmp_path / "pictures.glimmer")], items[str(tmp_path / "sounds.glimmer")]
    assert icon_image(sounds.icon()) == icon_image(icons.icon(KIND_ICONS["audio"], theme.MUTED))
    assert icon_image(pictures.icon()) == icon_image(icons.icon(KIND_ICONS["image"], theme.MUTED))
    assert icon_image(sounds.icon()) != icon_image(pictures.icon())
    assert sounds.toolTip().startswith("Sound project") and pictures.toolTip().startswith("Image project")
    screenshot(window, "29_start_screen_recent_image_and_sound")

"""Recording (timed mode, a camera that cannot be opened) and uploading files, broken ones included."""
import cv2
from PySide6.QtCore import Qt

import app.ui.capture_dialog as capture_dialog
from app.imaging import prepare_image
from app.workers import FrameReader
from tests.app.ui.helpers import random_image, synthetic_frames


def open_capture(window, qtbot, position=0):
    card = window.workspace.classes.cards[window.project.classes[position].id]
    qtbot.mouseClick(card.record_button, Qt.LeftButton)
    dialog = window.workspace.capture_dialog
    qtbot.waitExposed(dialog)
    return dialog


def test_timed_recording_waits_then_records_at_most_fps_times_duration(window, qtbot, screenshot):
    window.new_project()
    dialog = open_capture(window, qtbot)
    qtbot.waitUntil(lambda: dialog.record_button.isEnabled(), timeout=20000)
    assert dialog.view.has_frame(), "recording becomes possible with the first picture"
    assert not dialog.delay_spin.isEnabled(), "delay and duration belong to timed mode"
    qtbot.mouseClick(dialog.timed_mode, Qt.LeftButton)
    assert dialog.delay_spin.isEnabled() and dialog.record_button.text() == "Record 4 s"
    dialog.fps_spin.setValue(5)
    dialog.delay_spin.setValue(2)
    dialog.duration_spin.setValue(1)
    qtbot.mouseClick(dialog.record_button, Qt.LeftButton)
    assert dialog.record_button.text() == "Stop" and dialog.recorded == 0
    qtbot.waitUntil(lambda: dialog.view._overlay in ("2", "1"))
    assert dialog.recorded == 0, "nothing is recorded during the countdown"
    screenshot(dialog, "13_capture_countdown")
    qtbot.waitUntil(lambda: dialog.is_recording(), timeout=10000)
    qtbot.waitUntil(lambda: not dialog.is_recording(), timeout=10000)
    # At most one sample per 1/FPS seconds during the 1 s recording.
    assert 1 <= dialog.recorded <= 6
    class_id = window.project.classes[0].id
    assert len(window.project.samples_of(class_id)) == dialog.recorded
    assert dialog.count_label.text().startswith(f"{dialog.recorded} sample")
    dialog.accept()


def test_a_camera_that_cannot_open_is_a_message_and_other_sources_still_work(window, qtbot, screenshot,
                                                                             monkeypatch):
    # A camera that is listed but busy (or unplugged since): index 9 does not open on this machine.
    monkeypatch.setattr(capture_dialog, "list_cameras", lambda: [(9, "USB camera")])
    window.new_project()
    dialog = open_capture(window, qtbot)
    # The message names the camera and says what else to do.
    qtbot.waitUntil(lambda: "video9" in dialog.view.message() or "Camera 9" in dialog.view.message(), timeout=20000)
    assert "use Upload" in dialog.view.message()
    assert dialog.source_combo.currentText() == "USB camera"
    assert not dialog.record_button.isEnabled() and dialog.source is None
    screenshot(dialog, "14_camera_unavailable")

    dialog.select_source("synthetic")
    qtbot.waitUntil(lambda: dialog.record_button.isEnabled() and dialog.view.has_frame(), timeout=20000)
    qtbot.mousePress(dialog.record_button, Qt.LeftButton)
    qtbot.waitUntil(lambda: dialog.recorded >= 2, timeout=20000)
    qtbot.mouseRelease(dialog.record_button, Qt.LeftButton)
    dialog.accept()
    assert len(window.project.samples_of(window.project.classes[0].id)) >= 2


def test_mirror_flips_frames_before_they_are_kept(qtbot):
    from app.capture import SyntheticCameraSource
    source = SyntheticCameraSource()
    reader = FrameReader(source, mirror=True)
    with qtbot.waitSignal(reader.frame_ready, timeout=10000):
        reader.start()
    frame = reader.latest()
    reader.stop()
    originals = synthetic_frames(0, source.frame_index)
    assert any((frame == original[:, ::-1]).all() for original in originals)
    assert not any((frame == original).all() for original in originals)


def test_upload_adds_readable_images_and_lists_broken_files(window, qtbot, tmp_path):
    window.new_project()
    folder = tmp_path / "photos"
    folder.mkdir()
    for index in range(3):
        cv2.imwrite(str(folder / f"good{index}.png"), random_image(index, size=300 + index)[:, :, ::-1])  # BGR
    (folder / "broken.jpg").write_bytes(b"\xff\xd8 not really a jpeg")
    class_id = window.project.classes[1].id
    window.workspace.import_into(class_id, [str(folder)])
    qtbot.waitUntil(lambda: not window.workspace.importing(), timeout=20000)
    qtbot.waitUntil(lambda: len(window.project.samples_of(class_id)) == 3)
    banner = window.workspace.banner
    assert banner.kind == "warning" and "broken.jpg" in banner.text() and "1 file was skipped" in banner.text()
    samples = window.project.samples_of(class_id)
    assert sorted(sample.source for sample in samples) == ["file:good0.png", "file:good1.png", "file:good2.png"]
    first = next(sample for sample in samples if sample.source == "file:good0.png")
    assert (window.project.load_image(first) == prepare_image(random_image(0, size=300))).all()

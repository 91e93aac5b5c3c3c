"""Sound projects in the window: the start screen, the background noise class, recording from the synthetic
microphone (hold and timed), a microphone that will not open, importing sound files with broken ones listed,
and playing a sample back."""
import numpy as np
import sounddevice
from PySide6.QtCore import Qt

import app.ui.audio_capture_dialog as audio_capture_dialog
from app.audio import SAMPLE_RATE
from app.capture import write_sound_files
from app.ui.audio_capture_dialog import AudioCaptureDialog
from app.ui.audio_preview_panel import AudioPreviewPanel

WINDOW = SAMPLE_RATE  # one-second samples
HOP = WINDOW // 2     # half overlapping


def open_audio_capture(window, qtbot, position):
    card = window.workspace.classes.cards[window.project.classes[position].id]
    qtbot.mouseClick(card.record_button, Qt.LeftButton)
    dialog = window.workspace.capture_dialog
    assert isinstance(dialog, AudioCaptureDialog)
    qtbot.waitExposed(dialog)
    qtbot.waitUntil(lambda: dialog.record_button.isEnabled(), timeout=20000)
    return dialog


def test_a_new_audio_project_starts_with_background_noise_explained(window, qtbot, screenshot):
    window.show_start()
    assert window.start.new_audio_button.isVisible()
    screenshot(window, "20_start_screen_with_audio")
    qtbot.mouseClick(window.start.new_audio_button, Qt.LeftButton)
    project = window.project
    assert project.kind == "audio" and window.stack.currentWidget() is window.workspace
    background, first = project.classes
    assert background.is_background and not first.is_background
    cards = window.workspace.classes.cards
    note = cards[background.id].background_note
    assert note.isVisible() and "at least 20 s" in note.text() and note.objectName() == "warningNote"
    assert not cards[first.id].background_note.isVisible()
    assert cards[first.id].record_button.text() == "Microphone"
    assert window.workspace.preview is window.workspace.audio_preview
    assert window.workspace.audio_preview.isVisible() and not window.workspace.image_preview.isVisible()
    assert not window.workspace.training.train_button.isEnabled()
    screenshot(window, "21_new_audio_project")


def test_a_deleted_background_class_can_be_added_back(window, qtbot):
    window.new_audio_project()
    panel = window.workspace.classes
    assert not panel.add_background_button.isVisible()
    window.workspace.delete_class(window.project.background_class().id)
    qtbot.waitUntil(panel.add_background_button.isVisible)
    training = window.workspace.training
    qtbot.waitUntil(lambda: "background noise class" in training.status_label.text())
    qtbot.mouseClick(panel.add_background_button, Qt.LeftButton)
    background = window.project.background_class()
    assert background is not None and background.name == "Background noise"
    qtbot.waitUntil(lambda: not panel.add_background_button.isVisible())
    qtbot.waitUntil(panel.cards[background.id].background_note.isVisible)


def test_hold_to_record_cuts_the_recording_into_overlapping_one_second_samples(window, qtbot, screenshot):
    window.new_audio_project()
    dialog = open_audio_capture(window, qtbot, position=1)
    assert dialog.source_choice == "synthetic-sounds", "no microphone here: the synthetic microphone is chosen"
    assert "No microphone found" in dialog.status_label.text()
    assert dialog.source.class_hint == 1, "the synthetic microphone plays this class's own sound"
    qtbot.waitUntil(lambda: dialog.view.has_frame() and dialog.level_meter.level_db > -60, timeout=10000)
    qtbot.mousePress(dialog.record_button, Qt.LeftButton)
    assert dialog.is_recording()
    qtbot.waitUntil(lambda: dialog._recorded_samples() >= 2.2 * SAMPLE_RATE, timeout=20000)
    screenshot(dialog, "22_audio_capture_recording")
    recorded = dialog._recorded_samples()
    qtbot.mouseRelease(dialog.record_button, Qt.LeftButton)
    assert not dialog.is_recording()
    class_id = window.project.classes[1].id
    samples = window.project.samples_of(class_id)
    assert len(samples) == (recorded - WINDOW) // HOP + 1 == dialog.recorded
    clips = [window.project.load_audio(sample) for sample in samples]
    for before, after in zip(clips, clips[1:]):
        assert np.array_equal(before[HOP:], after[:HOP]), "each sample starts half-way into the one before"
    assert {sample.source for sample in samples} == {"synthetic"}
    assert dialog.count_label.text() == f"{len(samples)} samples in “{window.project.classes[1].name}”"
    assert "Kept" in dialog.status_label.text()
    dialog.accept()
    card = window.workspace.classes.cards[class_id]
    qtbot.waitUntil(lambda: card.count_label.text() == f"{len(samples)} samples")


def test_timed_recording_counts_down_then_keeps_exactly_its_duration(window, qtbot):
    window.new_audio_project()
    dialog = open_audio_capture(window, qtbot, position=1)
    assert not dialog.delay_spin.isEnabled()
    dialog.timed_mode.setChecked(True)
    dialog.delay_spin.setValue(1)
    dialog.duration_spin.setValue(1.5)
    assert dialog.record_button.text() == "Record 1.5 s"
    qtbot.mouseClick(dialog.record_button, Qt.LeftButton)
    assert dialog.view._overlay == "1" and not dialog.is_recording(), "the countdown comes first"
    qtbot.waitUntil(dialog.is_recording, timeout=5000)
    qtbot.waitUntil(lambda: not dialog.is_recording(), timeout=10000)
    # 1.5 s of sound: windows at 0 and 0.5 s (a window at 1.0 s would end after the recording).
    assert len(window.project.samples_of(window.project.classes[1].id)) == 2
    dialog.accept()


def test_the_sample_length_is_chosen_before_the_first_sample_and_then_fixed(window, qtbot):
    window.new_audio_project()
    dialog = open_audio_capture(window, qtbot, position=1)
    assert dialog.window_spin.isEnabled() and dialog.window_spin.value() == 1.0
    dialog.window_spin.setValue(2.0)
    project = window.project
    assert project.window_seconds == 2.0 and project.window_samples == 2 * SAMPLE_RATE
    # The embeddings and training now use an extractor made for two-second windows.
    assert window.embeddings._extractor is window.extractor_for(project)
    assert window.embeddings._extractor.window_samples == 2 * SAMPLE_RATE
    dialog.timed_mode.setChecked(True)
    dialog.delay_spin.setValue(0)
    dialog.duration_spin.setValue(2.5)
    qtbot.mouseClick(dialog.record_button, Qt.LeftButton)
    qtbot.waitUntil(lambda: dialog.recorded == 1, timeout=10000)
    (sample,) = project.samples_of(project.classes[1].id)
    assert project.load_audio(sample).shape == (2 * SAMPLE_RATE,)
    assert not dialog.window_spin.isEnabled() and "fixed" in dialog.window_spin.toolTip()
    dialog.accept()


def test_a_press_shorter_than_one_sample_keeps_nothing_and_says_why(window, qtbot):
    window.new_audio_project()
    dialog = open_audio_capture(window, qtbot, position=1)
    qtbot.mousePress(dialog.record_button, Qt.LeftButton)
    qtbot.mouseRelease(dialog.record_button, Qt.LeftButton)
    assert window.project.sample_count == 0
    assert "shorter than one sample" in dialog.status_label.text()
    dialog.accept()


def test_background_capture_shows_how_much_noise_training_needs(window, qtbot, screenshot):
    window.new_audio_project()
    project = window.project
    background = project.background_class()
    for _ in range(6):  # six half-overlapping seconds: 3.5 s of sound
        project.add_sample(background.id, np.zeros(WINDOW, np.float32), source="microphone")
    dialog = open_audio_capture(window, qtbot, position=0)
    assert dialog.duration_spin.value() == 20, "timed recording offers the 20 s needed"
    assert dialog.source.class_hint == 0, "the synthetic microphone plays noise for the background"
    assert "3.5 s of the 20 s" in dialog.background_label.text()
    assert dialog.background_progress.isVisible() and dialog.background_progress.value() == 175
    qtbot.wait(300)
    screenshot(dialog, "23_audio_capture_background")
    while project.background_seconds() < 20:
        project.add_sample(background.id, np.zeros(WINDOW, np.float32), source="microphone")
    dialog._update_count()
    assert "enough to train" in dialog.background_label.text()
    dialog.accept()
    note = window.workspace.classes.cards[background.id].background_note
    qtbot.waitUntil(lambda: "✓ 20 s recorded" in note.text())


def test_a_microphone_that_cannot_open_is_a_message_and_the_synthetic_one_still_works(window, qtbot, screenshot,
                                                                                      monkeypatch):
    # Listed but not there any more (unplugged since): this machine's PortAudio has no device 7.
    monkeypatch.setattr(audio_capture_dialog, "list_microphones", lambda: [(7, "USB microphone")])
    window.new_audio_project()
    card = window.workspace.classes.cards[window.project.classes[1].id]
    qtbot.mouseClick(card.record_button, Qt.LeftButton)
    dialog = window.workspace.capture_dialog
    qtbot.waitUntil(lambda: "Upload" in dialog.view.message(), timeout=20000)
    assert "microphone" in dialog.view.message().lower() and dialog.source_combo.currentText() == "USB microphone"
    assert not dialog.record_button.isEnabled() and dialog.source is None
    screenshot(dialog, "24_microphone_unavailable")
    dialog.select_source("synthetic-sounds")
    qtbot.waitUntil(lambda: dialog.record_button.isEnabled() and dialog.view.has_frame(), timeout=20000)
    dialog.accept()


def test_upload_cuts_sound_files_into_samples_and_lists_broken_ones(window, qtbot, tmp_path, screenshot):
    window.new_audio_project()
    folder = tmp_path / "sounds"
    write_sound_files(folder, class_index=2, count=2, seconds=2.0)                          # 2 x 3 windows
    write_sound_files(folder, class_index=2, count=1, seconds=1.5, extension=".flac", prefix="flac",
                      sample_rate=22050, channels=2)                                        # 2 windows
    write_sound_files(folder, class_index=2, count=1, seconds=1.0, extension=".ogg", prefix="ogg")  # 1 window
    (folder / "broken.wav").write_bytes(b"RIFF\x00\x00 not really a wave file")
    (folder / "empty.ogg").write_bytes(b"")
    class_id = window.project.classes[1].id
    window.workspace.import_into(class_id, [str(folder)])
    qtbot.waitUntil(lambda: not window.workspace.importing(), timeout=20000)
    qtbot.waitUntil(lambda: len(window.project.samples_of(class_id)) == 9)
    sources = {sample.source for sample in window.project.samples_of(class_id)}
    assert sources == {"file:00.wav", "file:01.wav", "file:flac00.flac", "file:ogg00.ogg"}
    banner = window.workspace.banner
    assert banner.kind == "warning" and "2 files were skipped" in banner.text()
    assert "broken.wav" in banner.text() and "empty.ogg" in banner.text()
    qtbot.mouseClick(banner.action_button, Qt.LeftButton)
    listing = window.workspace.skipped_dialog
    qtbot.waitExposed(listing)
    rows = [listing.table.topLevelItem(row) for row in range(listing.table.topLevelItemCount())]
    assert [row.text(0) for row in rows] == ["broken.wav", "empty.ogg"]
    assert all(row.text(1) for row in rows) and rows[0].toolTip(0) == str(folder / "broken.wav")
    screenshot(listing, "25_skipped_sound_files")
    listing.accept()


def test_a_sound_dataset_fills_the_background_class_and_names_the_others(window, qtbot, tmp_path):
    window.new_audio_project()
    data = tmp_path / "data"
    write_sound_files(data / "_background_noise_", class_index=0, count=1, seconds=3.0)  # 5 windows
    write_sound_files(data / "whistle", class_index=1, count=2, seconds=1.0)             # 1 window each
    (data / "whistle" / "bad.flac").write_bytes(b"fLaC but nothing else")
    window.import_dataset(str(data))
    qtbot.waitUntil(lambda: window.project.sample_count == 7, timeout=20000)
    background, whistle = window.project.classes
    assert background.is_background and len(background.sample_ids) == 5
    assert whistle.name == "whistle" and len(whistle.sample_ids) == 2, "the empty starter class takes the name"
    banner = window.workspace.banner
    assert banner.kind == "warning" and "bad.flac" in banner.text()


def double_click_first_sample(qtbot, card):
    grid = card.grid
    qtbot.waitUntil(lambda: grid.model().rowCount() > 0)
    centre = grid.visualRect(grid.model().index(0, 0)).center()
    # A person's double-click: press and release, then the second press that Qt reports as a double-click.
    qtbot.mouseClick(grid.viewport(), Qt.LeftButton, pos=centre)
    qtbot.mouseDClick(grid.viewport(), Qt.LeftButton, pos=centre)


def test_double_click_plays_a_sample_and_no_sound_card_is_a_message(window, qtbot, monkeypatch, screenshot):
    window.new_audio_project()
    class_id = window.project.classes[1].id
    clip = np.sin(np.arange(WINDOW) / 20).astype(np.float32) * 0.3
    window.project.add_sample(class_id, clip, source="microphone")
    card = window.workspace.classes.cards[class_id]
    played = []
    monkeypatch.setattr(sounddevice, "play", lambda data, rate: played.append((data, rate)))
    double_click_first_sample(qtbot, card)
    qtbot.waitUntil(lambda: len(played) == 1, timeout=5000)
    assert np.array_equal(played[0][0], clip) and played[0][1] == SAMPLE_RATE

    def no_device(data, rate):
        raise sounddevice.PortAudioError("Error querying device -1")
    monkeypatch.setattr(sounddevice, "play", no_device)
    double_click_first_sample(qtbot, card)
    banner = window.workspace.banner
    qtbot.waitUntil(lambda: banner.kind == "error" and "no working sound output" in banner.text(), timeout=5000)
    screenshot(window, "26_audio_samples_and_playback_error")


def test_the_preview_without_a_microphone_offers_the_other_sources(themed_app, qtbot):
    panel = AudioPreviewPanel()
    qtbot.addWidget(panel)
    qtbot.waitUntil(lambda: panel.microphones_found is not None, timeout=10000)
    texts = [panel.source_combo.itemText(row) for row in range(panel.source_combo.count())]
    assert texts == ["Synthetic test microphone (each class in turn)", "Sound file…"]
    assert not panel.live_button.isEnabled() and "Train a model" in panel.view.message()
    panel.shutdown()

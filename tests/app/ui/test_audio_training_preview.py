"""A sound project from samples to a live preview: training waits for 20 s of background noise, the preview
scores the synthetic microphone in overlapping windows, "last heard" follows the threshold and ignores the
background, the model exports as a sound model, and the project saves and opens again as a sound project."""
import os

import numpy as np
import pytest
from PySide6.QtCore import Qt

from app.audio import SAMPLE_RATE
from app.capture import class_sound
from app.project import MIN_BACKGROUND_SECONDS, Project
from app.ui.audio_preview_panel import AudioPreviewPanel

CLIPS_PER_CLASS = 12
# Half-overlapping one-second windows: 39 of them hold 20 s of sound.
BACKGROUND_CLIPS = 39


def add_synthetic_clips(project, position, count, first=0):
    """Clips `first` to `count` (one second each) of the synthetic microphone's sound for the class at `position`."""
    class_id = project.classes[position].id
    for index in range(first, count):
        project.add_sample(class_id, class_sound(position, index * SAMPLE_RATE, SAMPLE_RATE, seed=7),
                           source="synthetic")


def top_label(bars):
    scores = bars.scores()
    return max(scores, key=scores.get) if scores else None


@pytest.fixture
def trained_window(window, qtbot):
    """A sound project with background noise, a tone class and a chirp class, trained."""
    window.new_audio_project()
    project = window.project
    project.rename_class(project.classes[1].id, "Whistle")
    project.add_class("Siren")
    add_synthetic_clips(project, 1, CLIPS_PER_CLASS)
    add_synthetic_clips(project, 2, CLIPS_PER_CLASS)
    training = window.workspace.training
    # Not enough background noise yet: Train stays off and says how much is missing.
    add_synthetic_clips(project, 0, 8)  # eight half-overlapping seconds: 4.5 s of sound
    qtbot.waitUntil(lambda: "it has 4.5 s" in training.status_label.text())
    assert not training.train_button.isEnabled() and "needs at least 20 s" in training.status_label.text()
    add_synthetic_clips(project, 0, BACKGROUND_CLIPS, first=8)
    assert project.background_seconds() == MIN_BACKGROUND_SECONDS
    qtbot.waitUntil(lambda: training.train_button.isEnabled())
    training.advanced.epochs.setValue(60)
    training.advanced.learning_rate.setValue(0.01)
    qtbot.mouseClick(training.train_button, Qt.LeftButton)
    qtbot.waitUntil(lambda: window.training.classifier is not None, timeout=60000)
    return window


def test_training_then_listening_to_each_class_live(trained_window, qtbot, screenshot):
    window = trained_window
    assert window.training.classifier.kind == "audio"
    assert window.training.classifier.labels == ["Background noise", "Whistle", "Siren"]
    preview = window.workspace.preview
    assert preview is window.workspace.audio_preview and preview.live_button.isEnabled()
    preview.threshold_slider.setValue(60)
    assert preview.threshold_label.text() == "60 %"
    qtbot.mouseClick(preview.live_button, Qt.LeftButton)
    assert preview.is_live() and preview.live_button.text() == "Stop"
    preview.synthetic_turns.stop()  # the test chooses which class the synthetic microphone plays
    for position, name in ((1, "Whistle"), (2, "Siren")):
        preview.source.set_class_hint(position)
        qtbot.waitUntil(lambda: top_label(preview.bars) == name and preview.last_label == name, timeout=15000)
        assert preview.heard_label.text().startswith(f"Last heard: {name}")
    screenshot(window, "27_audio_preview_live")
    preview.source.set_class_hint(0)
    qtbot.waitUntil(lambda: top_label(preview.bars) == "Background noise", timeout=15000)
    assert preview.last_label == "Siren", "background noise is never what was heard"
    assert preview.view.has_frame() and "windows scored" in preview.stats_label.text()
    qtbot.mouseClick(preview.live_button, Qt.LeftButton)
    assert not preview.is_live() and preview.source is None


class FixedClassifier:
    """Scores every window the same: a stand-in where the network is not the point."""

    kind = "audio"
    labels = ["Background noise", "Whistle", "Siren"]

    class extractor:
        window_samples = SAMPLE_RATE

    def predict(self, batch):
        return np.tile(np.float32([0.1, 0.7, 0.2]), (len(batch), 1))


def test_last_heard_needs_the_threshold_and_is_never_the_background(themed_app, qtbot):
    project = Project(kind="audio")
    project.rename_class(project.classes[1].id, "Whistle")
    project.add_class("Siren")
    preview = AudioPreviewPanel()
    qtbot.addWidget(preview)
    preview.set_project(project)
    preview.set_classifier(FixedClassifier())
    preview.threshold_slider.setValue(75)
    with qtbot.waitSignal(preview.predicted, timeout=15000) as predicted:
        preview.start("synthetic-sounds")
    assert predicted.args[0] == pytest.approx({"Background noise": 0.1, "Whistle": 0.7, "Siren": 0.2})
    assert preview.last_label is None, "70 % is below the 75 % threshold"
    assert preview.heard_label.text() == "Listening for your sounds (above 75 %)…"
    preview.threshold_slider.setValue(65)
    qtbot.waitUntil(lambda: preview.last_label == "Whistle", timeout=15000)
    assert preview.heard_label.text() == "Last heard: Whistle · just now"
    assert top_label(preview.bars) == "Whistle"
    preview.shutdown()


def test_a_sound_model_exports_with_its_spectrogram_layer(trained_window, qtbot, tmp_path, screenshot):
    window = trained_window
    window.open_export()
    dialog = window.export_dialog
    qtbot.waitExposed(dialog)
    assert "mono sound as float32 [N, 44100]" in dialog.intro_label.text()
    assert "import soundfile" in dialog.snippet_views["python"].toPlainText()
    screenshot(dialog, "28_audio_export_dialog")
    dialog.folder_edit.setText(str(tmp_path / "export"))
    dialog.format_boxes["tfjs"].setChecked(False)
    dialog.start_export()
    qtbot.waitUntil(lambda: not dialog.is_busy(), timeout=60000)
    names = {os.path.basename(path) for path in dialog.written}
    assert {"model.keras", "log_mel_spectrogram.py", "labels.txt", "metadata.json"} <= names
    assert "Done." in dialog.status_label.text()
    dialog.reject()


def test_a_saved_sound_project_opens_as_one(trained_window, qtbot, tmp_path):
    window = trained_window
    path = str(tmp_path / "sounds.glimmer")
    window.save_to(path)
    assert window.close_project()  # waits for the save
    window.open_project(path)
    qtbot.waitUntil(lambda: window.project is not None and not window.is_loading(), timeout=20000)
    assert window.project.kind == "audio" and window.workspace.preview is window.workspace.audio_preview
    assert window.training.classifier is not None and window.training.classifier.kind == "audio"
    card = window.workspace.classes.cards[window.project.background_class().id]
    assert card.background_note.isVisible() and "enough to train" in card.background_note.text()
    assert np.isclose(window.project.overlap, 0.5)

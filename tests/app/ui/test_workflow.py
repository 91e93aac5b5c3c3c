"""End to end through the real window and the real EfficientNet-Lite0 extractor: a new project, three
classes recorded from the synthetic camera, training, live predictions, save, reopen, export.
Screenshots of each main screen go to artifacts/.
"""
import os

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog, QMessageBox

from app.ui.main_window import MainWindow

SAMPLES_PER_CLASS = 8
CLASS_NAMES = ("Circle", "Square", "Triangle")
EPOCHS = 25


@pytest.fixture
def real_window(themed_app, qtbot):
    window = MainWindow()  # the real extractor: EfficientNet-Lite0 with its shipped weights
    window.ask_unsaved = lambda: QMessageBox.Discard
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    yield window
    window.close()


def rename_class(qtbot, card, name):
    card.name_edit.setFocus()
    card.name_edit.selectAll()
    qtbot.keyClicks(card.name_edit, name)
    qtbot.keyClick(card.name_edit, Qt.Key_Return)


def record(qtbot, window, card, hint, timed, screenshot=None):
    """Open the capture window from the card, record SAMPLES_PER_CLASS frames of class `hint`, close it."""
    qtbot.mouseClick(card.record_button, Qt.LeftButton)
    dialog = window.workspace.capture_dialog
    qtbot.waitUntil(lambda: dialog.source is not None and dialog.record_button.isEnabled(), timeout=20000)
    assert dialog.source_choice == "synthetic", "no camera here: the synthetic camera is chosen"
    source = dialog.source
    source.set_class_hint(hint)
    hinted_from = source.frame_index
    # Frames drawn before the hint may still wait in the reader: record only once newer ones have come.
    qtbot.waitUntil(lambda: source.frame_index > hinted_from + 2)
    dialog.fps_spin.setValue(12)
    if timed:
        dialog.timed_mode.setChecked(True)
        dialog.delay_spin.setValue(0)
        dialog.duration_spin.setValue(SAMPLES_PER_CLASS / 12 + 2)
        qtbot.mouseClick(dialog.record_button, Qt.LeftButton)
        qtbot.waitUntil(lambda: dialog.recorded >= SAMPLES_PER_CLASS, timeout=20000)
        qtbot.mouseClick(dialog.record_button, Qt.LeftButton)  # stop early: enough samples
    else:
        qtbot.mousePress(dialog.record_button, Qt.LeftButton)
        qtbot.waitUntil(lambda: dialog.recorded >= SAMPLES_PER_CLASS, timeout=20000)
        qtbot.mouseRelease(dialog.record_button, Qt.LeftButton)
    assert not dialog.is_recording()
    if screenshot:
        qtbot.wait(100)
        screenshot(dialog, "03_capture_dialog")
    dialog.accept()
    qtbot.waitUntil(lambda: window.workspace.capture_dialog is None)


def test_record_train_preview_save_reopen_export(real_window, qtbot, screenshot, tmp_path, monkeypatch):
    window = real_window
    screenshot(window, "01_start_screen")

    # A new project starts with two classes; a third one is added with the big button.
    qtbot.mouseClick(window.start.new_button, Qt.LeftButton)
    assert window.stack.currentWidget() is window.workspace
    screenshot(window, "02_new_project")
    qtbot.mouseClick(window.workspace.classes.add_button, Qt.LeftButton)
    qtbot.waitUntil(lambda: len(window.workspace.classes.cards) == 3)
    new_card = window.workspace.classes.cards[window.project.classes[2].id]
    qtbot.waitUntil(lambda: new_card.name_edit.hasSelectedText())  # a new class starts with its name to type
    cards = [window.workspace.classes.cards[info.id] for info in window.project.classes]
    for card, name in zip(cards, CLASS_NAMES):
        rename_class(qtbot, card, name)
    assert window.project.labels() == list(CLASS_NAMES)

    for hint, card in enumerate(cards):
        record(qtbot, window, card, hint, timed=hint == 2, screenshot=screenshot if hint == 0 else None)
    qtbot.waitUntil(lambda: all(card.model.rowCount() >= SAMPLES_PER_CLASS for card in cards))
    assert all(card.count_label.text().endswith("samples") for card in cards)
    screenshot(window, "04_project_with_samples")

    # Training: fewer epochs for the test; progress arrives per epoch while the window stays live.
    panel = window.workspace.training
    qtbot.mouseClick(panel.advanced_toggle, Qt.LeftButton)
    panel.advanced.epochs.setValue(EPOCHS)
    assert window.project.settings.epochs == EPOCHS
    epochs_seen = []

    def during_training(epoch, logs):
        epochs_seen.append(epoch)
        if epoch == EPOCHS // 2:
            screenshot(window, "05_training_in_progress")
    window.training.epoch_ended.connect(during_training)
    qtbot.mouseClick(panel.train_button, Qt.LeftButton)
    qtbot.waitUntil(lambda: window.training.classifier is not None and window.training.worker is None,
                    timeout=180000)
    assert epochs_seen == list(range(EPOCHS))
    assert window.project.has_model and window.project.model_labels() == list(CLASS_NAMES)
    assert window.project.extractor_name == "efficientnet_lite0"
    assert window.project.embedding(window.project.samples_of(cards[0].class_id)[0]).shape == (1280,)
    assert "accuracy" in panel.metrics_label.text()
    qtbot.mouseClick(panel.advanced_toggle, Qt.LeftButton)
    screenshot(window, "06_training_finished")

    # Live preview of the synthetic camera: each class's shapes are recognised as that class.
    preview = window.workspace.preview
    assert preview.live_button.isEnabled()
    qtbot.mouseClick(preview.live_button, Qt.LeftButton)
    qtbot.waitUntil(lambda: preview.source is not None)
    for hint, name in enumerate(CLASS_NAMES):
        preview.source.set_class_hint(hint)
        with qtbot.waitSignal(preview.predicted, timeout=20000):
            pass  # a frame of the previous class may still be in flight
        qtbot.waitUntil(lambda: max(preview.bars.scores().items(), key=lambda kv: kv[1])[0] == name,
                        timeout=30000)
    assert preview.view.has_frame()
    screenshot(window, "07_preview")
    qtbot.mouseClick(preview.live_button, Qt.LeftButton)
    assert preview.source is None

    qtbot.mouseClick(panel.hood_button, Qt.LeftButton)
    qtbot.waitExposed(window.hood)
    assert window.hood.confusion._labels == list(CLASS_NAMES)
    assert np.asarray(window.hood.confusion._matrix).sum() == window.project.history["validation_size"]
    assert len(window.hood._curves["loss"].getData()[1]) == EPOCHS
    screenshot(window.hood, "08_under_the_hood")
    window.hood.close()

    # Save through the Save button (the file dialog answers with our path).
    path = str(tmp_path / "shapes.glimmer")
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *args, **kwargs: (path, ""))
    qtbot.mouseClick(window.workspace.top_bar.save_button, Qt.LeftButton)
    qtbot.waitUntil(lambda: not window.saver.is_busy(), timeout=30000)
    assert os.path.isfile(path)
    assert "saved" in window.workspace.top_bar.save_state.text().lower()

    # Close, then reopen from the recent list on the start screen.
    window.close_action.trigger()
    assert window.stack.currentWidget() is window.start and window.project is None
    assert window.start.recent_list.count() == 1
    screenshot(window, "09_start_screen_recent")
    item = window.start.recent_list.item(0)
    window.start.recent_list.itemClicked.emit(item)
    qtbot.waitUntil(lambda: window.project is not None, timeout=30000)
    assert window.project.path == path
    assert window.project.labels() == list(CLASS_NAMES)
    assert [len(window.project.samples_of(info.id)) for info in window.project.classes] == \
        [card.model.rowCount() for card in window.workspace.classes.cards.values()]
    assert window.training.classifier is not None and preview.live_button.isEnabled()

    # Export every format through the dialog.
    qtbot.mouseClick(window.workspace.top_bar.export_button, Qt.LeftButton)
    dialog = window.export_dialog
    qtbot.waitExposed(dialog)
    for box in dialog.format_boxes.values():
        box.setChecked(True)
    assert "keras.models.load_model" in dialog.snippet_views["python"].toPlainText()
    assert "tfjs/model.json" in dialog.snippet_views["javascript"].toPlainText()
    destination = tmp_path / "export"
    dialog.folder_edit.setText(str(destination))
    qtbot.mouseClick(dialog.export_button, Qt.LeftButton)
    qtbot.waitUntil(lambda: not dialog.is_busy(), timeout=120000)
    assert "Done" in dialog.status_label.text(), dialog.status_label.text()
    assert "ai_edge_litert" in dialog.snippet_views["litert"].toPlainText()
    assert "onnxruntime.InferenceSession" in dialog.snippet_views["onnxruntime"].toPlainText()
    assert "org.tensorflow.lite.Interpreter" in dialog.snippet_views["kotlin"].toPlainText()
    for name in ("tfjs/model.json", "tfjs/metadata.json", "tfjs.zip", "model.keras", "model.h5", "model.tflite",
                 "model_int8.tflite", "model.onnx", "labels.txt"):
        assert (destination / name).exists(), name
    assert (destination / "labels.txt").read_text().split() == list(CLASS_NAMES)
    screenshot(dialog, "10_export_dialog")
    dialog.close()

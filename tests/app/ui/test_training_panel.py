"""The training panel: what it asks for, waiting for embeddings, Cancel, and noticing a stale model."""
import gc

from PySide6.QtCore import Qt

from tests.app.ui.helpers import add_samples


def status(window):
    return window.workspace.training.status_label.text()


def test_the_panel_says_what_is_missing_before_training(window, qtbot):
    window.new_project()
    project = window.project
    panel = window.workspace.training
    qtbot.waitUntil(lambda: "has no samples yet" in status(window))
    assert "“Class 1”" in status(window) and not panel.train_button.isEnabled()
    add_samples(project, project.classes[0].id, 0, 3)
    qtbot.waitUntil(lambda: "“Class 2” has no samples yet" in status(window))
    add_samples(project, project.classes[1].id, 1, 3)
    qtbot.waitUntil(lambda: "Ready to train on 6 samples in 2 classes" in status(window))
    assert panel.train_button.isEnabled()
    project.rename_class(project.classes[1].id, "Class 1")
    qtbot.waitUntil(lambda: "Two classes are called “Class 1”" in status(window))
    assert not panel.train_button.isEnabled()


def test_train_waits_for_embeddings_then_starts_and_a_later_change_makes_the_model_stale(window, qtbot):
    window.new_project()
    project = window.project
    for hint, info in enumerate(project.classes):
        add_samples(project, info.id, hint, 20)
    window.workspace.training.advanced.epochs.setValue(5)
    panel = window.workspace.training
    assert window.embeddings.remaining() == 40, "nothing is embedded before the event loop runs"
    window.training.train()
    assert panel.train_button.text() == "Preparing samples…" and panel.cancel_button.isVisible()
    qtbot.waitUntil(lambda: window.project.has_model and window.training.worker is None, timeout=60000)
    assert window.project.history["epochs"] == 5
    assert "up to date" in status(window)
    add_samples(project, project.classes[0].id, 0, 1)
    qtbot.waitUntil(lambda: "changed since the last training" in status(window))


def test_cancel_stops_training_and_keeps_the_previous_state(window, qtbot, screenshot):
    window.new_project()
    project = window.project
    for hint, info in enumerate(project.classes):
        add_samples(project, info.id, hint, 10)
    qtbot.waitUntil(lambda: window.embeddings.remaining() == 0, timeout=30000)
    panel = window.workspace.training
    panel.advanced.epochs.setValue(5000)
    epochs = []

    frozen = []

    def on_epoch(epoch, logs):
        epochs.append(epoch)
        frozen.append(gc.get_freeze_count())
        if epoch == 2:
            screenshot(window, "15_training_cancel_pressed")
            qtbot.mouseClick(panel.cancel_button, Qt.LeftButton)
    window.training.epoch_ended.connect(on_epoch)
    qtbot.mouseClick(panel.train_button, Qt.LeftButton)
    assert panel.cancel_button.isVisible()
    qtbot.waitUntil(lambda: window.training.worker is None, timeout=60000)
    assert 3 <= len(epochs) < 5000
    # Full collections skip the objects from before training while it runs (no GIL-held scans of the whole app),
    # and collect them again once it has stopped.
    assert min(frozen) > 0 and gc.get_freeze_count() == 0
    assert not project.has_model and window.training.classifier is None
    assert "cancelled" in panel.metrics_label.text()
    assert panel.train_button.isEnabled() and not panel.cancel_button.isVisible()

"""Class cards: rename, disable, reorder, delete with undo, delete and move samples, and a big project."""
import numpy as np
from PySide6.QtCore import QItemSelectionModel, Qt, QTimer
from PySide6.QtWidgets import QApplication

from tests.app.ui.helpers import add_samples


def card_of(window, position):
    return window.workspace.classes.cards[window.project.classes[position].id]


def menu_action(card, text):
    return next(action for action in card.menu_button.menu().actions() if action.text() == text)


def choose_from_popup(path):
    """Pick `path` (["Move 2 samples to", "Class 2"]) in the context menu that is about to open."""
    def pick():
        menu = QApplication.activePopupWidget()
        for text in path[:-1]:
            menu = next(a for a in menu.actions() if a.text() == text).menu()
        next(a for a in menu.actions() if a.text() == path[-1]).trigger()
        QApplication.activePopupWidget().close()
    QTimer.singleShot(150, pick)


def test_rename_disable_reorder_and_undo_a_deleted_class(window, qtbot, screenshot):
    window.new_project()
    project = window.project
    first, second = project.classes
    add_samples(project, first.id, 0, 4)
    add_samples(project, second.id, 1, 3)
    qtbot.waitUntil(lambda: card_of(window, 0).model.rowCount() == 4)

    card = card_of(window, 0)
    qtbot.mouseClick(card.name_edit, Qt.LeftButton)
    card.name_edit.selectAll()
    qtbot.keyClicks(card.name_edit, "Cats")
    qtbot.keyClick(card.name_edit, Qt.Key_Return)
    assert first.name == "Cats"
    assert not card.name_edit.hasSelectedText()

    # Disabling the second class leaves one class to train: the panel says what to do.
    qtbot.mouseClick(card_of(window, 1).enabled_box, Qt.LeftButton)
    assert not second.enabled and project.labels() == ["Cats"]
    qtbot.waitUntil(lambda: "at least two classes" in window.workspace.training.status_label.text())
    assert not window.workspace.training.train_button.isEnabled()
    qtbot.mouseClick(card_of(window, 1).enabled_box, Qt.LeftButton)
    assert second.enabled

    menu_action(card, "Move down").trigger()
    assert [info.id for info in project.classes] == [second.id, first.id]
    qtbot.waitUntil(lambda: window.workspace.classes._layout.indexOf(card) == 1)

    menu_action(card, "Delete class").trigger()
    assert [info.id for info in project.classes] == [second.id]
    banner = window.workspace.banner
    assert "Deleted “Cats” and its 4 samples" in banner.text() and banner.action_button.text() == "Undo"
    qtbot.waitUntil(lambda: len(window.workspace.classes.cards) == 1)
    screenshot(window, "11_class_deleted_with_undo")
    qtbot.mouseClick(banner.action_button, Qt.LeftButton)
    assert [info.id for info in project.classes] == [second.id, first.id]
    assert len(project.samples_of(first.id)) == 4
    qtbot.waitUntil(lambda: len(window.workspace.classes.cards) == 2)
    assert card_of(window, 1).model.rowCount() == 4 and not banner.isVisible()


def test_delete_and_move_samples_from_the_grid(window, qtbot):
    window.new_project()
    project = window.project
    first, second = project.classes
    add_samples(project, first.id, 0, 5)
    qtbot.waitUntil(lambda: card_of(window, 0).model.rowCount() == 5)
    grid = card_of(window, 0).grid
    ids = [sample.id for sample in project.samples_of(first.id)]

    grid.setFocus()
    grid.selectionModel().select(grid.model().index(0), QItemSelectionModel.Select)
    qtbot.keyClick(grid, Qt.Key_Delete)
    assert [sample.id for sample in project.samples_of(first.id)] == ids[1:]
    qtbot.waitUntil(lambda: grid.model().rowCount() == 4)

    for row in (0, 1):
        grid.selectionModel().select(grid.model().index(row), QItemSelectionModel.Select)
    choose_from_popup(["Move 2 samples to", second.name])
    grid.customContextMenuRequested.emit(grid.visualRect(grid.model().index(0)).center())
    assert [sample.id for sample in project.samples_of(second.id)] == ids[1:3]
    qtbot.waitUntil(lambda: card_of(window, 1).model.rowCount() == 2 and grid.model().rowCount() == 2)


def test_fifty_classes_of_ten_thousand_samples_paint_only_what_is_visible(window, qtbot, screenshot):
    window.new_project()
    project = window.project
    for info in list(project.classes):
        project.remove_class(info.id)
    colours = np.random.default_rng(0).integers(0, 256, size=(50, 3), dtype=np.uint8)
    for index in range(50):
        info = project.add_class(f"Object {index + 1}")
        image = np.broadcast_to(colours[index], (32, 32, 3))
        for _ in range(200):
            project.add_sample(info.id, image, source="file:colour.png")
    requested = []
    thumbnail = project.thumbnail
    project.thumbnail = lambda sample, *args: requested.append(sample.id) or thumbnail(sample, *args)

    panel = window.workspace.classes
    qtbot.waitUntil(lambda: len(panel.cards) == 50, timeout=30000)
    qtbot.waitUntil(lambda: all(card.model.rowCount() == 200 for card in panel.cards.values()), timeout=30000)
    qtbot.waitUntil(lambda: len(requested) > 0, timeout=30000)   # painting may lag on a busy machine
    qtbot.wait(200)
    assert len(requested) < 500, "only the thumbnails on screen are made"
    last = card_of(window, 49)

    def scrolled_to_the_last_card():
        # As a person would: scroll to the end again while cards above still settle their heights (a save
        # running beside the layout can leave the first maximum short of the end).
        panel.verticalScrollBar().setValue(panel.verticalScrollBar().maximum())
        return not last.grid.visibleRegion().isEmpty()
    qtbot.waitUntil(scrolled_to_the_last_card, timeout=30000)
    last.grid.scrollToBottom()
    qtbot.waitUntil(lambda: project.samples_of(last.class_id)[-1].id in requested, timeout=30000)
    assert last.count_label.text() == "200 samples"
    assert len(requested) < 1000
    screenshot(window, "12_fifty_classes_ten_thousand_samples")

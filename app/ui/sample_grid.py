"""A class's samples as a scrolling grid of thumbnails that stays fast with thousands of samples.

QListView with uniform item sizes lays out and paints only the visible cells, and the model asks
the project for a thumbnail only when a cell is painted; an LRU cache keeps the recent ones.
A sound's thumbnail is its spectrogram, with a play mark: double-click plays it.
"""
from collections import OrderedDict

from PySide6.QtCore import QAbstractListModel, QModelIndex, QPointF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QPainter, QPainterPath
from PySide6.QtWidgets import QAbstractItemView, QListView, QMenu

from . import theme
from .frames import to_pixmap

THUMB_SIZE = 56
CELL_SIZE = 62
VISIBLE_ROWS = 2
SAMPLE_ID_ROLE = Qt.UserRole + 1


class ThumbnailCache:
    """The most recently painted thumbnails of a project, as pixmaps (shared by every card)."""

    def __init__(self, project, capacity=3000):
        self._project = project
        self._capacity = capacity
        self._pixmaps = OrderedDict()

    def pixmap(self, sample):
        pixmap = self._pixmaps.get(sample.id)
        if pixmap is not None:
            self._pixmaps.move_to_end(sample.id)
            return pixmap
        if self._project.kind == "audio":
            pixmap = sound_thumbnail(self._project.thumbnail(sample))
        else:
            pixmap = to_pixmap(self._project.thumbnail(sample)).scaled(
                THUMB_SIZE, THUMB_SIZE, Qt.KeepAspectRatio, Qt.SmoothTransformation)
        self._pixmaps[sample.id] = pixmap
        if len(self._pixmaps) > self._capacity:
            self._pixmaps.popitem(last=False)
        return pixmap


def sound_thumbnail(spectrogram):
    """A sound's spectrogram picture (RGB) as a THUMB_SIZE square with a small play mark in the top left corner,
    where the high, usually quiet, pitches are: it hides the least of the sound."""
    pixmap = to_pixmap(spectrogram).scaled(THUMB_SIZE, THUMB_SIZE, Qt.IgnoreAspectRatio, Qt.SmoothTransformation)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.Antialiasing)
    painter.setPen(Qt.NoPen)
    painter.setBrush(QColor(0, 0, 0, 120))
    painter.drawEllipse(QPointF(11, 11), 7.5, 7.5)
    mark = QPainterPath(QPointF(8.5, 7))
    mark.lineTo(15, 11)
    mark.lineTo(8.5, 15)
    mark.closeSubpath()
    painter.setBrush(QColor("white"))
    painter.drawPath(mark)
    painter.end()
    return pixmap


class SampleListModel(QAbstractListModel):
    """The samples of one class, in the project's order."""

    def __init__(self, project, class_id, thumbnails, parent=None):
        super().__init__(parent)
        self._project = project
        self._class_id = class_id
        self._thumbnails = thumbnails
        self._samples = list(project.samples_of(class_id))

    def rowCount(self, parent=QModelIndex()):
        return 0 if parent.isValid() else len(self._samples)

    def data(self, index, role=Qt.DisplayRole):
        if not index.isValid():
            return None
        sample = self._samples[index.row()]
        if role == Qt.DecorationRole:
            return self._thumbnails.pixmap(sample)
        if role == Qt.ToolTipRole:
            tip = f"Sample {index.row() + 1} · {sample.source}"
            return tip + " · double-click to play" if self._project.kind == "audio" else tip
        if role == SAMPLE_ID_ROLE:
            return sample.id
        return None

    def sample_ids(self):
        return [sample.id for sample in self._samples]

    def forget(self, sample_id):
        """Drop a sample that left the class, at once: a paint before the next refresh must not ask for it."""
        for row, sample in enumerate(self._samples):
            if sample.id == sample_id:
                self.beginRemoveRows(QModelIndex(), row, row)
                del self._samples[row]
                self.endRemoveRows()
                return

    def refresh(self):
        """Catch up with the project: append cheaply when samples were only added, else reset."""
        samples = list(self._project.samples_of(self._class_id))
        old_ids = self.sample_ids()
        new_ids = [sample.id for sample in samples]
        if new_ids[:len(old_ids)] == old_ids:
            if len(new_ids) > len(old_ids):
                self.beginInsertRows(QModelIndex(), len(old_ids), len(new_ids) - 1)
                self._samples = samples
                self.endInsertRows()
        else:
            self.beginResetModel()
            self._samples = samples
            self.endResetModel()


class SampleGrid(QListView):
    """Thumbnails in rows that scroll; right-click or Delete to remove, right-click to move to another class.

    `playable`: the samples are sounds; double-click (or Play in the menu) asks for one to be played.
    """

    delete_requested = Signal(list)
    move_requested = Signal(list, str)
    play_requested = Signal(str)

    def __init__(self, model, class_choices, playable=False, parent=None):
        """`class_choices()` returns [(class_id, name)] of the classes a sample may move to."""
        super().__init__(parent)
        self._class_choices = class_choices
        self._playable = playable
        self.setModel(model)
        self.setViewMode(QListView.IconMode)
        self.setFlow(QListView.LeftToRight)
        self.setWrapping(True)
        self.setResizeMode(QListView.Adjust)
        self.setMovement(QListView.Static)
        self.setUniformItemSizes(True)
        self.setLayoutMode(QListView.Batched)
        self.setBatchSize(200)
        self.setIconSize(QSize(THUMB_SIZE, THUMB_SIZE))
        self.setGridSize(QSize(CELL_SIZE, CELL_SIZE))
        self.setSpacing(0)
        self.setSelectionMode(QAbstractItemView.ExtendedSelection)
        self.setVerticalScrollMode(QAbstractItemView.ScrollPerPixel)
        self.setFixedHeight(CELL_SIZE * VISIBLE_ROWS + 2 * self.frameWidth() + 6)
        self.setContextMenuPolicy(Qt.CustomContextMenu)
        self.customContextMenuRequested.connect(self._show_menu)
        if playable:
            self.empty_text = "No samples yet. Record some with the microphone, upload sound files, or drop them here."
            self.doubleClicked.connect(lambda index: self.play_requested.emit(index.data(SAMPLE_ID_ROLE)))
        else:
            self.empty_text = "No samples yet. Record some with the webcam, upload images, or drop files here."
        model.rowsInserted.connect(lambda *_: self.scrollToBottom())

    def selected_ids(self):
        return [index.data(SAMPLE_ID_ROLE) for index in self.selectionModel().selectedIndexes()]

    def resizeEvent(self, event):
        # Share the row's spare pixels between the cells, so the thumbnails fill the card's width.
        # QListView wraps rows as if its scroll bar were there (and a few pixels early): leave it that room.
        scroll_bar = self.verticalScrollBar()
        available = self.viewport().width() - (0 if scroll_bar.isVisible() else scroll_bar.sizeHint().width()) - 6
        columns = max(1, available // CELL_SIZE)
        width = available // columns
        if self.gridSize().width() != width:
            self.setGridSize(QSize(width, CELL_SIZE))
        super().resizeEvent(event)

    def keyPressEvent(self, event):
        if event.key() in (Qt.Key_Delete, Qt.Key_Backspace) and self.selected_ids():
            self.delete_requested.emit(self.selected_ids())
            return
        super().keyPressEvent(event)

    def _show_menu(self, position):
        index = self.indexAt(position)
        if not index.isValid():
            return
        if not self.selectionModel().isSelected(index):
            self.setCurrentIndex(index)
        ids = self.selected_ids()
        menu = QMenu(self)
        noun = "sample" if len(ids) == 1 else f"{len(ids)} samples"
        if self._playable:
            sample_id = index.data(SAMPLE_ID_ROLE)
            menu.addAction(theme.standard_icon("MediaPlay"), "Play", lambda: self.play_requested.emit(sample_id))
        menu.addAction(theme.standard_icon("TrashIcon"), f"Delete {noun}", lambda: self.delete_requested.emit(ids))
        move_menu = menu.addMenu(f"Move {noun} to")
        choices = self._class_choices()
        for class_id, name in choices:
            move_menu.addAction(name, lambda target=class_id: self.move_requested.emit(ids, target))
        move_menu.setEnabled(bool(choices))
        menu.exec(self.viewport().mapToGlobal(position))

    def paintEvent(self, event):
        super().paintEvent(event)
        if self.model().rowCount() == 0:
            painter = QPainter(self.viewport())
            painter.setPen(QColor(theme.MUTED))
            painter.drawText(self.viewport().rect().adjusted(12, 0, -12, 0),
                             Qt.AlignCenter | Qt.TextWordWrap, self.empty_text)

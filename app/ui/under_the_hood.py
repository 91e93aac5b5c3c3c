"""Under the hood: loss and accuracy per epoch, accuracy per class, the confusion matrix, and the engine.

Fed live during training (`add_epoch`) and with the full history afterwards (`set_history`),
so it can stay open while a model trains.
"""
import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QFontMetrics, QPainter
from PySide6.QtWidgets import QDialog, QFrame, QGridLayout, QHBoxLayout, QLabel, QSizePolicy, QVBoxLayout, QWidget

import engine as tf

from . import theme
from .confidence_bars import ConfidenceBars

TRAIN_PEN = pg.mkPen(theme.ACCENT, width=2)
VALIDATION_PEN = pg.mkPen(theme.CLASS_COLORS[1], width=2, style=Qt.DashLine)


def engine_summary():
    """(backend, device) of the engine's current backend, in words."""
    backend = tf.get_backend()
    info = tf.backends().get(backend, {})
    device = info.get("renderer") or info.get("device") or ""
    return backend, device


def format_bytes(count):
    for unit in ("bytes", "KB", "MB", "GB"):
        if count < 1024 or unit == "GB":
            return f"{count:.0f} {unit}" if unit == "bytes" else f"{count:.1f} {unit}"
        count /= 1024


class ConfusionMatrixView(QWidget):
    """Rows: the true class; columns: the predicted class; shade: share of the row; numbers: counts.

    Hovering a cell says it in words (useful when many classes make the names short).
    """

    def __init__(self, parent=None):
        super().__init__(parent)
        self._labels = []
        self._matrix = np.zeros((0, 0), dtype=np.int64)
        self.setMinimumSize(QSize(260, 200))
        self.setSizePolicy(QSizePolicy.Expanding, QSizePolicy.Expanding)
        self.setMouseTracking(True)

    def set_matrix(self, labels, matrix):
        self._labels = list(labels)
        self._matrix = np.asarray(matrix, dtype=np.int64).reshape(len(self._labels), len(self._labels))
        self.update()

    def _geometry(self):
        """(left, top, cell side, row-label width) of the grid in this widget."""
        metrics = self.fontMetrics()
        label_width = min(130, max(metrics.horizontalAdvance(label) for label in self._labels) + 16)
        top = metrics.height() * 2 + 6
        left = label_width + metrics.height() + 6
        count = len(self._labels)
        side = max(8.0, min((self.width() - left - 4) / count, (self.height() - top - 4) / count))
        return left, top, side, label_width

    def cell_at(self, position):
        """(true index, predicted index) under `position`, or None."""
        if not self._labels:
            return None
        left, top, side, _ = self._geometry()
        row, column = int((position.y() - top) // side), int((position.x() - left) // side)
        inside = position.x() >= left and position.y() >= top
        return (row, column) if inside and row < len(self._labels) and column < len(self._labels) else None

    def mouseMoveEvent(self, event):
        cell = self.cell_at(event.position())
        if cell is None:
            self.setToolTip("")
            return
        row, column = cell
        count = int(self._matrix[row, column])
        verb = "recognised as" if row == column else "mistaken for"
        self.setToolTip(f"{count} “{self._labels[row]}” sample{'' if count == 1 else 's'} {verb} "
                        f"“{self._labels[column]}”")

    def paintEvent(self, event):
        painter = QPainter(self)
        painter.setRenderHint(QPainter.Antialiasing)
        count = len(self._labels)
        if count == 0:
            painter.setPen(QColor(theme.MUTED))
            painter.drawText(self.rect(), Qt.AlignCenter | Qt.TextWordWrap,
                             "Train a model to see which classes it confuses.")
            return
        metrics = painter.fontMetrics()
        left, top, side, label_width = self._geometry()
        painter.setPen(QColor(theme.MUTED))
        painter.drawText(QRectF(left, 0, side * count, metrics.height()), Qt.AlignCenter, "Predicted class")
        painter.save()
        painter.translate(metrics.height() / 2 + 2, top + side * count / 2)
        painter.rotate(-90)
        painter.drawText(QRectF(-side * count / 2, -metrics.height() / 2, side * count, metrics.height()),
                         Qt.AlignCenter, "True class")
        painter.restore()
        header_font = QFont(painter.font())
        header_font.setPointSizeF(painter.font().pointSizeF() - 1)
        header_metrics = QFontMetrics(header_font)
        totals = self._matrix.sum(axis=1, keepdims=True)
        shares = self._matrix / np.maximum(totals, 1)
        for row, label in enumerate(self._labels):
            painter.setFont(self.font())
            painter.setPen(QColor(theme.TEXT))
            painter.drawText(QRectF(left - label_width, top + row * side, label_width - 8, side),
                             Qt.AlignVCenter | Qt.AlignRight, metrics.elidedText(label, Qt.ElideRight, label_width - 10))
            painter.setFont(header_font)
            painter.drawText(QRectF(left + row * side, metrics.height() + 2, side, metrics.height()), Qt.AlignCenter,
                             header_metrics.elidedText(label, Qt.ElideRight, int(side)))
            for column in range(count):
                cell = QRectF(left + column * side, top + row * side, side, side).adjusted(1, 1, -1, -1)
                share = float(shares[row, column])
                shade = QColor(theme.SUCCESS if row == column else theme.DANGER)
                shade.setAlphaF(0.08 + 0.85 * share)
                painter.setPen(Qt.NoPen)
                painter.setBrush(shade)
                painter.drawRoundedRect(cell, 4, 4)
                if side >= 18:
                    painter.setPen(QColor("white") if share > 0.55 else QColor(theme.TEXT))
                    painter.drawText(cell, Qt.AlignCenter, str(int(self._matrix[row, column])))


def _boxed(title, widget):
    frame = QFrame(objectName="card")
    layout = QVBoxLayout(frame)
    layout.setContentsMargins(14, 10, 14, 12)
    layout.addWidget(QLabel(title, objectName="heading"))
    layout.addWidget(widget, 1)
    return frame


def _plot(y_label):
    plot = pg.PlotWidget(background="w")
    plot.setMinimumHeight(200)
    plot.showGrid(x=True, y=True, alpha=0.15)
    plot.addLegend(offset=(-10, 10))
    plot.setMouseEnabled(x=False, y=False)
    plot.hideButtons()
    # setPen also colours the axis title: the text pen (and so the title colour) must come after it.
    for axis in ("left", "bottom"):
        plot.getAxis(axis).setPen(theme.BORDER)
        plot.getAxis(axis).setTextPen(theme.MUTED)
    plot.setLabel("bottom", "epoch")
    plot.setLabel("left", y_label)
    return plot


class UnderTheHoodDialog(QDialog):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.setWindowTitle("Under the hood")
        self.resize(980, 700)
        self._series = {}
        self._seconds = []

        self.engine_label = QLabel(objectName="muted", wordWrap=True)
        self.loss_plot = _plot("loss")
        self.accuracy_plot = _plot("accuracy")
        self.accuracy_plot.setYRange(0, 1.02)
        self._curves = {
            "loss": self.loss_plot.plot([], [], pen=TRAIN_PEN, name="training"),
            "val_loss": self.loss_plot.plot([], [], pen=VALIDATION_PEN, name="validation"),
            "accuracy": self.accuracy_plot.plot([], [], pen=TRAIN_PEN, name="training"),
            "val_accuracy": self.accuracy_plot.plot([], [], pen=VALIDATION_PEN, name="validation"),
        }
        self.class_accuracy = ConfidenceBars(highlight_top=False)
        self.class_note = QLabel("Measured on the validation samples after training.", objectName="muted",
                                 wordWrap=True)
        per_class = QWidget()
        per_class_layout = QVBoxLayout(per_class)
        per_class_layout.setContentsMargins(0, 0, 0, 0)
        per_class_layout.addWidget(self.class_accuracy)
        per_class_layout.addWidget(self.class_note)
        per_class_layout.addStretch(1)
        self.confusion = ConfusionMatrixView()

        grid = QGridLayout()
        grid.setSpacing(14)
        grid.addWidget(_boxed("Loss per epoch", self.loss_plot), 0, 0)
        grid.addWidget(_boxed("Accuracy per epoch", self.accuracy_plot), 0, 1)
        grid.addWidget(_boxed("Accuracy per class", per_class), 1, 0)
        grid.addWidget(_boxed("Confusion matrix", self.confusion), 1, 1)
        grid.setRowStretch(0, 3)
        grid.setRowStretch(1, 2)
        engine_row = QHBoxLayout()
        engine_row.addWidget(self.engine_label, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(18, 16, 18, 18)
        layout.setSpacing(12)
        layout.addLayout(engine_row)
        layout.addLayout(grid, 1)
        self.set_history(None)

    def start_training(self):
        """Clear the charts for a new run (per-class results arrive when it ends)."""
        self._series = {key: [] for key in self._curves}
        self._seconds = []
        self._redraw()
        self._update_engine()

    def add_epoch(self, epoch, logs):
        for key in self._curves:
            if key in logs:
                self._series.setdefault(key, []).append(float(logs[key]))
        if "seconds" in logs:
            self._seconds.append(float(logs["seconds"]))
        self._redraw()
        self._update_engine()

    def set_history(self, history):
        """Show a finished training's history (None: nothing trained yet)."""
        history = history or {}
        self._series = {key: list(history.get(key) or []) for key in self._curves}
        self._seconds = list(history.get("seconds_per_epoch") or [])
        labels = history.get("labels") or []
        self.class_accuracy.set_labels(labels)
        per_class = history.get("per_class_accuracy") or {}
        if isinstance(per_class, (list, tuple)):
            per_class = dict(zip(labels, per_class))
        self.class_accuracy.set_scores({label: value for label, value in per_class.items() if value is not None})
        if not labels:
            self.class_note.setText("Train a model to see how well it knows each class.")
        elif history.get("evaluated_on") == "training":
            self.class_note.setText("Measured on the training samples: there were too few to keep some aside.")
        else:
            self.class_note.setText(f"Measured on the {history.get('validation_size', '')} validation samples "
                                    "kept aside from training.")
        matrix = history.get("confusion_matrix")
        self.confusion.set_matrix(labels if matrix is not None else [], matrix if matrix is not None else [])
        self._redraw()
        self._update_engine(history.get("backend"), history.get("device"))

    def _redraw(self):
        for key, curve in self._curves.items():
            values = self._series.get(key) or []
            curve.setData(np.arange(1, len(values) + 1), np.asarray(values, dtype=np.float64))

    def _update_engine(self, backend=None, device=None):
        current_backend, current_device = engine_summary()
        memory = tf.memory()
        parts = [f"<b>Backend</b> {backend or current_backend}",
                 f"<b>Device</b> {device or current_device or 'unknown'}",
                 f"<b>Engine memory</b> {format_bytes(memory['num_bytes'])} in {memory['num_tensors']} tensors"]
        if self._seconds:
            parts.append(f"<b>Time per epoch</b> {1000 * float(np.mean(self._seconds)):.0f} ms "
                         f"({len(self._seconds)} epochs, {sum(self._seconds):.1f} s)")
        self.engine_label.setText("&nbsp;&nbsp;·&nbsp;&nbsp;".join(parts))

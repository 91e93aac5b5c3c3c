"""One horizontal bar per class with its probability, in the class's colour."""
from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QColor, QPainter
from PySide6.QtWidgets import QSizePolicy, QWidget

from . import theme

ROW_HEIGHT = 28
LABEL_WIDTH = 140


class ConfidenceBars(QWidget):
    def __init__(self, parent=None, highlight_top=True):
        """`highlight_top`: the best-scoring class's name is bold (the prediction)."""
        super().__init__(parent)
        self._highlight_top = highlight_top
        self._labels = []
        self._scores = {}
        self.setSizePolicy(QSizePolicy.Expanding, QSizePolicy.Fixed)

    def set_labels(self, labels):
        self._labels = list(labels)
        self._scores = {}
        self.updateGeometry()
        self.setFixedHeight(self.sizeHint().height())
        self.update()

    def set_scores(self, scores):
        self._scores = dict(scores)
        self.update()

    def scores(self):
        return dict(self._scores)

    def sizeHint(self):
        return QSize(300, max(1, len(self._labels)) * ROW_HEIGHT + 4)

    def paintEvent(self, event):
        painter = QPainter(self)
        painter.setRenderHint(QPainter.Antialiasing)
        top_label = max(self._scores, key=self._scores.get) if self._scores and self._highlight_top else None
        metrics = painter.fontMetrics()
        for row, label in enumerate(self._labels):
            y = 2 + row * ROW_HEIGHT
            color = theme.class_color(row)
            name = metrics.elidedText(label, Qt.ElideRight, LABEL_WIDTH - 10)
            font = painter.font()
            font.setBold(label == top_label)
            painter.setFont(font)
            painter.setPen(QColor(theme.TEXT))
            painter.drawText(QRectF(0, y, LABEL_WIDTH - 10, ROW_HEIGHT), Qt.AlignVCenter | Qt.AlignLeft, name)
            track = QRectF(LABEL_WIDTH, y + 5, max(10, self.width() - LABEL_WIDTH - 2), ROW_HEIGHT - 10)
            faded = QColor(color)
            faded.setAlpha(40)
            painter.setPen(Qt.NoPen)
            painter.setBrush(faded)
            painter.drawRoundedRect(track, 5, 5)
            value = min(max(self._scores.get(label, 0.0), 0.0), 1.0)
            if value > 0:
                painter.setBrush(color)
                painter.drawRoundedRect(QRectF(track.left(), track.top(), max(track.height(), track.width() * value),
                                               track.height()), 5, 5)
            text = f"{value:.0%}" if label in self._scores else "–"
            inside = track.width() * value > 56
            painter.setPen(QColor("white") if inside else QColor(theme.TEXT))
            text_box = track.adjusted(8, 0, -8, 0)
            painter.drawText(text_box, Qt.AlignVCenter | (Qt.AlignLeft if inside else Qt.AlignRight), text)

"""Showing camera frames and thumbnails: numpy RGB to QImage, and a view that marks the captured square."""
import numpy as np
from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QColor, QImage, QPainter, QPainterPath, QPen, QPixmap
from PySide6.QtWidgets import QSizePolicy, QWidget

from . import theme


def to_qimage(image: np.ndarray) -> QImage:
    """An RGB (HxWx3), RGBA or grey uint8 array as a QImage that owns a copy of the pixels."""
    array = np.ascontiguousarray(image)
    if array.ndim == 2:
        height, width = array.shape
        return QImage(array.data, width, height, width, QImage.Format_Grayscale8).copy()
    height, width, channels = array.shape
    fmt = QImage.Format_RGBA8888 if channels == 4 else QImage.Format_RGB888
    return QImage(array.data, width, height, width * channels, fmt).copy()


def to_pixmap(image: np.ndarray) -> QPixmap:
    return QPixmap.fromImage(to_qimage(image))


class FrameView(QWidget):
    """The latest frame, scaled to fit; outside the centre square (what gets captured) is dimmed.

    With no frame it shows a message instead: what to do next, or why the camera is not there.
    `stretch`: the image fills the whole view whatever its shape (a spectrogram: time by frequency).
    """

    def __init__(self, parent=None, square_guide=True, minimum=QSize(240, 180), stretch=False):
        super().__init__(parent)
        self._image = None
        self._message = ""
        self._square_guide = square_guide and not stretch
        self._stretch = stretch
        self._overlay = ""
        self.setMinimumSize(minimum)
        self.setSizePolicy(QSizePolicy.Expanding, QSizePolicy.Expanding)

    def set_frame(self, image: np.ndarray):
        self._image = to_qimage(image)
        self._message = ""
        self.update()

    def set_message(self, text):
        """Clear the frame and show `text` (the empty state or an error)."""
        self._image = None
        self._message = text
        self.update()

    def set_overlay(self, text):
        """A short label over the frame, e.g. the recording countdown."""
        self._overlay = text
        self.update()

    def has_frame(self):
        return self._image is not None

    def message(self):
        return self._message

    def paintEvent(self, event):
        painter = QPainter(self)
        painter.setRenderHint(QPainter.SmoothPixmapTransform)
        painter.setRenderHint(QPainter.Antialiasing)
        area = QRectF(self.rect()).adjusted(1, 1, -1, -1)
        if self._image is None:
            # The empty state is light, like the rest of the window: a dashed frame and what to do next.
            painter.setPen(QPen(QColor("#c5cdd9"), 1.5, Qt.DashLine))
            painter.setBrush(QColor("#f6f8fb"))
            painter.drawRoundedRect(area, 8, 8)
            painter.setPen(QColor(theme.MUTED))
            painter.drawText(area.adjusted(24, 16, -24, -16), Qt.AlignCenter | Qt.TextWordWrap, self._message)
            return
        painter.setPen(Qt.NoPen)
        painter.setBrush(QColor("#20242d"))
        painter.drawRoundedRect(area, 8, 8)
        if self._stretch:
            target = area
            clip = QPainterPath()
            clip.addRoundedRect(area, 8, 8)
            painter.save()
            painter.setClipPath(clip)
            painter.drawImage(target, self._image)
            painter.restore()
        else:
            scale = min(area.width() / self._image.width(), area.height() / self._image.height())
            width, height = self._image.width() * scale, self._image.height() * scale
            target = QRectF(area.center().x() - width / 2, area.center().y() - height / 2, width, height)
            painter.drawImage(target, self._image)
        if self._square_guide and abs(width - height) > 1:
            side = min(width, height)
            square = QRectF(target.center().x() - side / 2, target.center().y() - side / 2, side, side)
            shade = QColor(0, 0, 0, 110)
            if width > height:
                painter.fillRect(QRectF(target.left(), target.top(), square.left() - target.left(), height), shade)
                painter.fillRect(QRectF(square.right(), target.top(), target.right() - square.right(), height), shade)
            else:
                painter.fillRect(QRectF(target.left(), target.top(), width, square.top() - target.top()), shade)
                painter.fillRect(QRectF(target.left(), square.bottom(), width, target.bottom() - square.bottom()), shade)
            painter.setPen(QPen(QColor(255, 255, 255, 160), 1.5, Qt.DashLine))
            painter.setBrush(Qt.NoBrush)
            painter.drawRect(square)
        if self._overlay.isdigit():
            self._paint_countdown(painter, target)
        elif self._overlay:
            font = painter.font()
            font.setPointSize(theme.BASE_POINT_SIZE + 10)
            font.setBold(True)
            painter.setFont(font)
            badge = QRectF(target.left() + 12, target.top() + 12, 0, 0)
            metrics = painter.fontMetrics()
            badge.setWidth(metrics.horizontalAdvance(self._overlay) + 24)
            badge.setHeight(metrics.height() + 10)
            painter.setPen(Qt.NoPen)
            painter.setBrush(QColor(192, 57, 43, 220))
            painter.drawRoundedRect(badge, 8, 8)
            painter.setPen(QColor("white"))
            painter.drawText(badge, Qt.AlignCenter, self._overlay)

    def _paint_countdown(self, painter, target):
        """The seconds before timed recording starts: a big number in the middle of the picture."""
        radius = min(target.width(), target.height()) * 0.16
        circle = QRectF(target.center().x() - radius, target.center().y() - radius, 2 * radius, 2 * radius)
        painter.setPen(Qt.NoPen)
        painter.setBrush(QColor(0, 0, 0, 120))
        painter.drawEllipse(circle)
        font = painter.font()
        font.setPixelSize(max(12, int(radius * 1.1)))
        font.setBold(True)
        painter.setFont(font)
        painter.setPen(QColor("white"))
        painter.drawText(circle, Qt.AlignCenter, self._overlay)

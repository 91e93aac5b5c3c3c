"""Seeing sound: colours for spectrograms, a scrolling live spectrogram, and an input level meter.

Spectrograms arrive as grey uint8 images (rows: frequency, low at the bottom; columns: time). They are
coloured with the magma map, as the project colours its sample thumbnails, so the live view and the
samples it turns into look the same.
"""
import cv2
import numpy as np
from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QColor, QLinearGradient, QPainter
from PySide6.QtWidgets import QSizePolicy, QWidget

from . import theme

# Level (0 quiet .. 255 loud) -> RGB, the thumbnails' map (app.project.media colours them the same way).
COLOR_TABLE = cv2.applyColorMap(np.arange(256, dtype=np.uint8)[:, None], cv2.COLORMAP_MAGMA)[:, 0, ::-1].copy()


def colorize(spectrogram):
    """A grey uint8 [H, W] spectrogram as an RGB uint8 [H, W, 3] image."""
    return COLOR_TABLE[np.asarray(spectrogram, dtype=np.uint8)]


class ScrollingSpectrogram:
    """The last `columns` spectrogram columns, newest on the right; older ones scroll out to the left."""

    def __init__(self, height=64, columns=300):
        self.image = np.zeros((height, columns), np.uint8)

    def append(self, new_columns):
        """Add a grey [H, n] block of columns (n may be 0) on the right."""
        new_columns = np.asarray(new_columns, dtype=np.uint8)
        count = new_columns.shape[1]
        if count == 0:
            return
        width = self.image.shape[1]
        if count >= width:
            self.image = new_columns[:, -width:].copy()
        else:
            self.image = np.concatenate([self.image[:, count:], new_columns], axis=1)

    def clear(self):
        self.image[:] = 0


class LevelMeter(QWidget):
    """How loud the input is, in dBFS: a bar from -60 dB to 0 dB (green, amber near clipping, red at it).

    A thin mark holds the recent peak for a moment so short sounds stay visible.
    """

    FLOOR_DB = -60.0
    PEAK_HOLD_UPDATES = 25

    def __init__(self, parent=None):
        super().__init__(parent)
        self.level_db = self.FLOOR_DB
        self.peak_db = self.FLOOR_DB
        self._peak_age = 0
        self.setMinimumSize(QSize(120, 14))
        self.setSizePolicy(QSizePolicy.Expanding, QSizePolicy.Fixed)
        self.setToolTip("Input level: speak or play the sound; the bar should move well into the green")

    def sizeHint(self):
        return QSize(240, 14)

    def set_level(self, level_db):
        self.level_db = max(self.FLOOR_DB, min(0.0, float(level_db)))
        self._peak_age += 1
        if self.level_db >= self.peak_db or self._peak_age > self.PEAK_HOLD_UPDATES:
            self.peak_db, self._peak_age = self.level_db, 0
        self.update()

    def reset(self):
        self.level_db = self.peak_db = self.FLOOR_DB
        self.update()

    def _fraction(self, level_db):
        return (level_db - self.FLOOR_DB) / -self.FLOOR_DB

    def paintEvent(self, event):
        painter = QPainter(self)
        painter.setRenderHint(QPainter.Antialiasing)
        track = QRectF(self.rect()).adjusted(0.5, 0.5, -0.5, -0.5)
        painter.setPen(QColor(theme.BORDER))
        painter.setBrush(QColor("#eef1f5"))
        painter.drawRoundedRect(track, 4, 4)
        gradient = QLinearGradient(track.left(), 0, track.right(), 0)
        gradient.setColorAt(0.0, QColor(theme.SUCCESS))
        gradient.setColorAt(self._fraction(-12.0), QColor(theme.SUCCESS))
        gradient.setColorAt(self._fraction(-6.0), QColor("#e0a800"))
        gradient.setColorAt(1.0, QColor(theme.DANGER))
        filled = QRectF(track.left(), track.top(), track.width() * self._fraction(self.level_db), track.height())
        painter.setPen(Qt.NoPen)
        painter.setBrush(gradient)
        if filled.width() > 1:
            painter.drawRoundedRect(filled, 4, 4)
        if self.peak_db > self.FLOOR_DB:
            x = track.left() + track.width() * self._fraction(self.peak_db)
            painter.fillRect(QRectF(min(x, track.right() - 2), track.top(), 2, track.height()), QColor(theme.TEXT))

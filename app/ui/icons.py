"""Small line icons drawn with QPainter (no image files to ship), and the app's logo.

Each icon is drawn on a 24x24 grid in one colour, so they stay crisp at any size and match the text.
"""
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QIcon, QLinearGradient, QPainter, QPainterPath, QPen, QPixmap

from . import theme


def _draw_camera(painter):
    body = QPainterPath()
    body.addRoundedRect(QRectF(3, 7, 18, 13), 3, 3)
    painter.drawPath(body)
    painter.drawLine(QPointF(8.5, 7), QPointF(10, 4.5))
    painter.drawLine(QPointF(10, 4.5), QPointF(14, 4.5))
    painter.drawLine(QPointF(14, 4.5), QPointF(15.5, 7))
    painter.drawEllipse(QPointF(12, 13.5), 3.6, 3.6)


def _draw_upload(painter):
    painter.drawLine(QPointF(12, 4), QPointF(12, 15))
    painter.drawLine(QPointF(7.5, 8.5), QPointF(12, 4))
    painter.drawLine(QPointF(16.5, 8.5), QPointF(12, 4))
    path = QPainterPath(QPointF(4, 14))
    path.lineTo(4, 20)
    path.lineTo(20, 20)
    path.lineTo(20, 14)
    painter.drawPath(path)


def _draw_plus(painter):
    painter.drawLine(QPointF(12, 5), QPointF(12, 19))
    painter.drawLine(QPointF(5, 12), QPointF(19, 12))


def _draw_chart(painter):
    painter.drawLine(QPointF(4, 4), QPointF(4, 20))
    painter.drawLine(QPointF(4, 20), QPointF(20, 20))
    path = QPainterPath(QPointF(6, 16))
    path.lineTo(10, 11)
    path.lineTo(13, 14)
    path.lineTo(19, 6)
    painter.drawPath(path)


def _draw_image(painter):
    painter.drawRoundedRect(QRectF(3, 5, 18, 14), 2, 2)
    path = QPainterPath(QPointF(4, 17))
    path.lineTo(9, 11)
    path.lineTo(13, 15)
    path.lineTo(16, 12)
    path.lineTo(20, 16)
    painter.drawPath(path)
    painter.drawEllipse(QPointF(16, 9), 1.5, 1.5)


def _draw_folder(painter):
    path = QPainterPath(QPointF(3, 7))
    path.lineTo(3, 19)
    path.lineTo(21, 19)
    path.lineTo(21, 8.5)
    path.lineTo(11.5, 8.5)
    path.lineTo(9.5, 5.5)
    path.lineTo(3, 5.5)
    path.closeSubpath()
    painter.drawPath(path)


def _draw_microphone(painter):
    painter.drawRoundedRect(QRectF(9, 3, 6, 11), 3, 3)
    path = QPainterPath(QPointF(5.5, 11))
    path.cubicTo(QPointF(5.5, 19.5), QPointF(18.5, 19.5), QPointF(18.5, 11))
    painter.drawPath(path)
    painter.drawLine(QPointF(12, 17.5), QPointF(12, 21))
    painter.drawLine(QPointF(8.5, 21), QPointF(15.5, 21))


def _draw_sound(painter):
    """A waveform: bars of different heights around the middle line."""
    for x, half in ((4, 2), (7.5, 5), (11, 8), (14.5, 4), (18, 6.5), (21, 2.5)):
        painter.drawLine(QPointF(x, 12 - half), QPointF(x, 12 + half))


def _draw_play(painter):
    path = QPainterPath(QPointF(8, 5))
    path.lineTo(19, 12)
    path.lineTo(8, 19)
    path.closeSubpath()
    painter.drawPath(path)


def _draw_sparkle(painter):
    painter.drawPath(_star(QPointF(12, 12), 8.5, 2.2))


def _star(centre, outer, inner):
    """A four-pointed star (the glimmer)."""
    path = QPainterPath()
    x, y = centre.x(), centre.y()
    points = [(0, -outer), (inner, -inner), (outer, 0), (inner, inner), (0, outer), (-inner, inner),
              (-outer, 0), (-inner, -inner)]
    path.moveTo(x + points[0][0], y + points[0][1])
    for dx, dy in points[1:]:
        path.lineTo(x + dx, y + dy)
    path.closeSubpath()
    return path


_DRAWINGS = {"camera": _draw_camera, "upload": _draw_upload, "plus": _draw_plus, "chart": _draw_chart,
             "image": _draw_image, "folder": _draw_folder, "sparkle": _draw_sparkle, "microphone": _draw_microphone,
             "sound": _draw_sound, "play": _draw_play}


def icon(name, color=theme.TEXT, size=24):
    """The line icon `name` ("camera", "upload", "plus", "chart", "image", "folder", "sparkle", "microphone",
    "sound", "play") in `color`."""
    result = QIcon()
    for scale in (1, 2):
        pixmap = QPixmap(size * scale, size * scale)
        pixmap.fill(Qt.transparent)
        painter = QPainter(pixmap)
        painter.setRenderHint(QPainter.Antialiasing)
        painter.scale(size * scale / 24, size * scale / 24)
        painter.setPen(QPen(QColor(color), 1.8, Qt.SolidLine, Qt.RoundCap, Qt.RoundJoin))
        painter.setBrush(Qt.NoBrush)
        _DRAWINGS[name](painter)
        painter.end()
        pixmap.setDevicePixelRatio(scale)
        result.addPixmap(pixmap)
    return result


def logo_pixmap(size=64):
    """The logo: a rounded square in the accent gradient with a white four-pointed star."""
    pixmap = QPixmap(size, size)
    pixmap.fill(Qt.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.Antialiasing)
    gradient = QLinearGradient(0, 0, size, size)
    gradient.setColorAt(0, QColor("#4f8df5"))
    gradient.setColorAt(1, QColor("#7b3fc4"))
    painter.setPen(Qt.NoPen)
    painter.setBrush(gradient)
    painter.drawRoundedRect(QRectF(0, 0, size, size), size * 0.22, size * 0.22)
    painter.setBrush(QColor("white"))
    painter.drawPath(_star(QPointF(size * 0.5, size * 0.5), size * 0.34, size * 0.08))
    painter.setBrush(QColor(255, 255, 255, 200))
    painter.drawPath(_star(QPointF(size * 0.76, size * 0.25), size * 0.11, size * 0.03))
    painter.end()
    return pixmap


def logo_icon():
    result = QIcon()
    for size in (16, 32, 64, 128, 256):
        result.addPixmap(logo_pixmap(size))
    return result

"""Render packaging/glimmer.svg to glimmer.png (256x256) beside it: the icon the desktop entry and PyInstaller use.

Run again after changing the SVG:  .venv/bin/python packaging/render_icon.py
"""
import os
import sys

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import Qt  # noqa: E402  (after choosing the headless Qt platform)
from PySide6.QtGui import QGuiApplication, QImage, QPainter  # noqa: E402
from PySide6.QtSvg import QSvgRenderer  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
SIZE = 256


def main():
    application = QGuiApplication(sys.argv[:1])  # noqa: F841  (QPainter needs one to exist)
    renderer = QSvgRenderer(os.path.join(HERE, "glimmer.svg"))
    if not renderer.isValid():
        sys.exit("glimmer.svg could not be read")
    image = QImage(SIZE, SIZE, QImage.Format_ARGB32_Premultiplied)
    image.fill(Qt.transparent)
    painter = QPainter(image)
    renderer.render(painter)
    painter.end()
    path = os.path.join(HERE, "glimmer.png")
    if not image.save(path, "PNG"):
        sys.exit(f"could not write {path}")
    print(path)


if __name__ == "__main__":
    main()

"""A slim message strip inside the window (instead of a pop-up): what happened, and one action if any."""
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QToolButton

from . import theme

STYLES = {
    "info": ("#2b3140", "white", "#9cc0ff"),
    "error": ("#fdecea", "#7f1d1d", theme.DANGER),
    "warning": ("#fff4e0", "#6b4500", "#b45309"),
}


class Banner(QFrame):
    """`show_message(text, kind, action_text, on_action, timeout_s)`: on_action runs when its button is pressed."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("messageBanner")
        self.text_label = QLabel(wordWrap=True)
        self.text_label.setTextInteractionFlags(Qt.TextSelectableByMouse)
        self.action_button = QPushButton()
        self.action_button.setCursor(Qt.PointingHandCursor)
        self.action_button.clicked.connect(self._on_action)
        self.close_button = QToolButton(text="✕", toolTip="Dismiss")
        self.close_button.clicked.connect(self.hide)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(14, 8, 8, 8)
        layout.setSpacing(10)
        layout.addWidget(self.text_label, 1)
        layout.addWidget(self.action_button)
        layout.addWidget(self.close_button)
        self._timer = QTimer(self, singleShot=True)
        self._timer.timeout.connect(self.hide)
        self.kind = None
        self._on_action_callback = None
        self.hide()

    def show_message(self, text, kind="info", action_text=None, on_action=None, timeout_s=None):
        background, foreground, accent = STYLES[kind]
        self.kind = kind
        self._on_action_callback = on_action
        self.setStyleSheet(
            f"QFrame#messageBanner {{ background: {background}; border-radius: 8px; }}"
            f"QFrame#messageBanner QLabel {{ color: {foreground}; }}"
            f"QFrame#messageBanner QPushButton {{ background: transparent; border: none; color: {accent};"
            f" font-weight: 600; padding: 4px 10px; }}"
            f"QFrame#messageBanner QToolButton {{ color: {foreground}; }}")
        self.text_label.setText(text)
        self.action_button.setText(action_text or "")
        self.action_button.setVisible(bool(action_text))
        self.show()
        if timeout_s:
            self._timer.start(int(timeout_s * 1000))
        else:
            self._timer.stop()

    def text(self):
        return self.text_label.text() if self.isVisible() else ""

    def _on_action(self):
        self.hide()
        if self._on_action_callback is not None:
            self._on_action_callback()

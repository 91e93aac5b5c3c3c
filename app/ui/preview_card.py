"""What the picture and the sound "Preview" cards share: the heading with a statistics line, the source list
with its live button, the card's layout, and stopping."""
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QFrame, QHBoxLayout, QLabel, QLayout, QPushButton, QVBoxLayout

from . import theme


class PreviewCard(QFrame):
    """The base of PreviewPanel and AudioPreviewPanel.

    A subclass fills `source_combo`, lays the card out with `_lay_out`, and provides `_on_source_chosen`,
    `_on_live_toggled` and `stop` (which ends the `_reader` of the live source); `_worker` classifies.
    """

    IDLE_TEXT = None  # the live button's text while nothing is classified live

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("card")
        self.source = None
        self._reader = None
        self._worker = None
        self.stats_label = QLabel(objectName="muted")
        self.stats_label.setAlignment(Qt.AlignRight)
        self.source_combo = QComboBox()
        self.source_combo.activated.connect(self._on_source_chosen)
        self.live_button = QPushButton(theme.standard_icon("MediaPlay"), self.IDLE_TEXT, checkable=True)
        self.live_button.toggled.connect(self._on_live_toggled)

    def _lay_out(self, view, *below):
        """Heading and statistics, the source list and live button, then `view` (stretching) and `below` (widgets
        or layouts)."""
        header = QHBoxLayout()
        header.addWidget(QLabel("Preview", objectName="heading"))
        header.addStretch(1)
        header.addWidget(self.stats_label)
        controls = QHBoxLayout()
        controls.addWidget(self.source_combo, 1)
        controls.addWidget(self.live_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 14, 16, 14)
        layout.setSpacing(10)
        layout.addLayout(header)
        layout.addLayout(controls)
        layout.addWidget(view, 1)
        for item in below:
            if isinstance(item, QLayout):
                layout.addLayout(item)
            else:
                layout.addWidget(item)

    def is_live(self):
        return self._reader is not None

    def shutdown(self):
        self.stop()
        if self._worker is not None:
            self._worker.stop()
            self._worker = None

    def _set_live_button(self, live):
        self.live_button.blockSignals(True)
        self.live_button.setChecked(live)
        self.live_button.blockSignals(False)
        self.live_button.setText("Stop" if live else self.IDLE_TEXT)
        self.live_button.setIcon(theme.standard_icon("MediaStop" if live else "MediaPlay"))

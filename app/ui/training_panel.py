"""The "Training" card: Train / Cancel, progress per epoch, advanced settings, a door to "Under the hood".

It shows state; the window decides what Train does (wait for embeddings, start the worker).
"""
import dataclasses

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QDoubleSpinBox, QFrame, QGridLayout, QHBoxLayout, QLabel, QProgressBar,
                               QPushButton, QSpinBox, QToolButton, QVBoxLayout, QWidget)

from app.project import TrainingSettings

from . import icons


class AdvancedSettings(QWidget):
    """Epochs, batch size, learning rate, validation fraction and seed, with a reset to the defaults."""

    changed = Signal()

    def __init__(self, parent=None):
        super().__init__(parent)
        self.epochs = QSpinBox(minimum=1, maximum=10000)
        self.batch_size = QSpinBox(minimum=1, maximum=4096)
        self.learning_rate = QDoubleSpinBox(minimum=0.00001, maximum=1.0, decimals=5, singleStep=0.0005)
        self.validation_fraction = QDoubleSpinBox(minimum=0.0, maximum=0.5, decimals=2, singleStep=0.05)
        self.seed = QSpinBox(minimum=0, maximum=2**31 - 1)
        reset = QPushButton("Reset to defaults")
        reset.clicked.connect(lambda: (self.show_settings(TrainingSettings()), self.changed.emit()))
        grid = QGridLayout(self)
        grid.setContentsMargins(4, 2, 4, 0)
        grid.setHorizontalSpacing(10)
        grid.setVerticalSpacing(8)
        rows = (("Epochs", self.epochs, "Batch size", self.batch_size),
                ("Learning rate", self.learning_rate, "Validation share", self.validation_fraction),
                ("Random seed", self.seed, "", reset))
        for row, (left_label, left, right_label, right) in enumerate(rows):
            grid.addWidget(QLabel(left_label), row, 0, Qt.AlignRight)
            grid.addWidget(left, row, 1)
            grid.addWidget(QLabel(right_label), row, 2, Qt.AlignRight)
            grid.addWidget(right, row, 3)
        grid.setColumnStretch(1, 1)
        grid.setColumnStretch(3, 1)
        for box in (self.epochs, self.batch_size, self.seed):
            box.valueChanged.connect(lambda _: self.changed.emit())
        for box in (self.learning_rate, self.validation_fraction):
            box.valueChanged.connect(lambda _: self.changed.emit())
        self.validation_fraction.setToolTip("Share of each class's samples kept aside to measure accuracy")

    def show_settings(self, settings):
        for name in ("epochs", "batch_size", "learning_rate", "validation_fraction", "seed"):
            box = getattr(self, name)
            box.blockSignals(True)
            box.setValue(getattr(settings, name))
            box.blockSignals(False)

    def settings(self, base):
        return dataclasses.replace(base, epochs=self.epochs.value(), batch_size=self.batch_size.value(),
                                   learning_rate=self.learning_rate.value(),
                                   validation_fraction=self.validation_fraction.value(), seed=self.seed.value())


class TrainingPanel(QFrame):
    train_clicked = Signal()
    cancel_clicked = Signal()
    under_the_hood_clicked = Signal()
    settings_changed = Signal()

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("card")
        heading = QLabel("Training", objectName="heading")
        self.train_button = QPushButton("Train model", objectName="primary")
        self.train_button.setMinimumHeight(38)
        self.train_button.clicked.connect(self.train_clicked)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setMinimumHeight(38)
        self.cancel_button.clicked.connect(self.cancel_clicked)
        self.cancel_button.hide()
        buttons = QHBoxLayout()
        buttons.addWidget(self.train_button, 1)
        buttons.addWidget(self.cancel_button)

        self.progress = QProgressBar(textVisible=False)
        self.progress.setFixedHeight(10)
        self.progress.hide()
        self.status_label = QLabel(objectName="muted", wordWrap=True)
        self.metrics_label = QLabel(wordWrap=True)
        self.metrics_label.hide()

        self.advanced_toggle = QToolButton(text="Advanced settings", checkable=True)
        self.advanced_toggle.setToolButtonStyle(Qt.ToolButtonTextBesideIcon)
        self.advanced_toggle.setArrowType(Qt.RightArrow)
        self.advanced_toggle.toggled.connect(self._toggle_advanced)
        self.hood_button = QToolButton(text="Under the hood")
        self.hood_button.setIcon(icons.icon("chart"))
        self.hood_button.setToolButtonStyle(Qt.ToolButtonTextBesideIcon)
        self.hood_button.setToolTip("Loss and accuracy per epoch, accuracy per class, confusion matrix")
        self.hood_button.clicked.connect(self.under_the_hood_clicked)
        links = QHBoxLayout()
        links.addWidget(self.advanced_toggle)
        links.addStretch(1)
        links.addWidget(self.hood_button)
        self.advanced = AdvancedSettings()
        self.advanced.changed.connect(self.settings_changed)
        self.advanced.hide()

        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 14, 16, 14)
        layout.setSpacing(10)
        layout.addWidget(heading)
        layout.addLayout(buttons)
        layout.addWidget(self.progress)
        layout.addWidget(self.status_label)
        layout.addWidget(self.metrics_label)
        layout.addLayout(links)
        layout.addWidget(self.advanced)

    def _toggle_advanced(self, on):
        self.advanced_toggle.setArrowType(Qt.DownArrow if on else Qt.RightArrow)
        self.advanced.setVisible(on)

    def show_idle(self, can_train, message):
        """Not training: Train is enabled when the project is ready; `message` says what to do next."""
        self.train_button.setText("Train model")
        self.train_button.setEnabled(can_train)
        self.cancel_button.hide()
        self.progress.hide()
        self.advanced.setEnabled(True)
        self.status_label.setText(message)

    def show_waiting(self, remaining):
        """Train was pressed while samples are still being prepared: it starts by itself once they are."""
        self.train_button.setEnabled(False)
        self.train_button.setText("Preparing samples…")
        self.cancel_button.show()
        self.progress.show()
        self.progress.setRange(0, 0)
        self.status_label.setText(f"Preparing {remaining} sample{'' if remaining == 1 else 's'} for training. "
                                  "Training starts as soon as they are ready.")

    def show_training(self, epochs):
        self.train_button.setEnabled(False)
        self.train_button.setText("Training…")
        self.cancel_button.show()
        self.cancel_button.setEnabled(True)
        self.advanced.setEnabled(False)
        self.progress.show()
        self.progress.setRange(0, epochs)
        self.progress.setValue(0)
        self.metrics_label.hide()
        self.status_label.setText(f"Starting: {epochs} epochs…")

    def show_epoch(self, epoch, epochs, logs):
        self.progress.setValue(epoch + 1)
        parts = [f"Epoch {epoch + 1} of {epochs}"]
        if "loss" in logs:
            parts.append(f"loss {logs['loss']:.3f}")
        if "accuracy" in logs:
            parts.append(f"accuracy {logs['accuracy']:.0%}")
        if "val_accuracy" in logs:
            parts.append(f"validation {logs['val_accuracy']:.0%}")
        self.status_label.setText(" · ".join(parts))

    def show_cancelling(self):
        self.cancel_button.setEnabled(False)
        self.status_label.setText("Cancelling…")

    def show_result(self, text):
        self.metrics_label.setText(text)
        self.metrics_label.setVisible(bool(text))

"""Exporting the trained model: formats, destination folder, ready-to-run code, and what was written."""
import os

from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QDesktopServices, QGuiApplication
from PySide6.QtWidgets import (QCheckBox, QDialog, QDialogButtonBox, QFileDialog, QGroupBox, QHBoxLayout, QLabel,
                               QLineEdit, QPlainTextEdit, QProgressBar, QPushButton, QTabWidget, QVBoxLayout,
                               QWidget)

from app.audio import SAMPLE_RATE
from app.ml import code_snippets, export
from app.ml.snippets import SNIPPET_LANGUAGES
from app.workers import BackgroundTask

from . import theme

FORMATS = (
    ("tfjs", "TensorFlow.js", "model.json, weight shards and metadata.json with the labels; as a folder and a .zip"),
    ("keras", "Keras (.keras)", "Keras 3 and TensorFlow 2.16+"),
    ("h5", "Keras HDF5 (.h5)", "older Keras 2 / tf.keras programs"),
    ("tflite", "TFLite (.tflite)", "LiteRT on Android, iOS, Raspberry Pi and microcontrollers; labels inside"),
    ("tflite-int8", "TFLite, int8 quantized", "about 4x smaller and faster on phones; calibrated on your own "
                                              "samples, here on this computer"),
    ("onnx", "ONNX (.onnx)", "onnxruntime, Windows ML and other ONNX runtimes; any batch size"),
)
# Checked when the dialog opens: the formats most people want; the rest are one click away.
_DEFAULT_FORMATS = ("tfjs", "keras", "tflite", "onnx")


def describe_input(classifier):
    """What the exported model takes, in words, for the dialog's introduction."""
    if classifier.kind == "audio":
        window = classifier.extractor.window_samples
        return (f"mono sound as float32 [N, {window}] ({window / SAMPLE_RATE:g} s at {SAMPLE_RATE} Hz, values "
                "−1 to 1; the spectrogram is computed inside the model)")
    return "RGB images as float32 [N, 224, 224, 3] with values 0–255"


class ExportDialog(QDialog):
    """`model_name` goes into metadata.json; `background_label` names a sound model's background noise class;
    `representative_data` (a function returning model inputs: the project's samples) calibrates int8 exports."""

    def __init__(self, classifier, default_folder, model_name="Glimmer model", background_label=None,
                 representative_data=None, parent=None):
        super().__init__(parent)
        self.classifier = classifier
        self.representative_data = representative_data
        self.model_name = model_name
        self.background_label = background_label
        self.written = []
        self._task = None
        self.setWindowTitle("Export model")
        self.resize(900, 680)

        title = QLabel("Export your model", objectName="heading")
        labels = ", ".join(classifier.labels)
        self.intro_label = QLabel(f"The exported model is the whole pipeline, preprocessing included: it takes "
                                  f"{describe_input(classifier)} and returns one score per class, in the order of "
                                  f"labels.txt ({labels}).", objectName="muted", wordWrap=True)

        self.format_boxes = {}
        formats_layout = QVBoxLayout()
        for key, name, detail in FORMATS:
            box = QCheckBox(name, checked=key in _DEFAULT_FORMATS)
            box.toggled.connect(self._update)
            note = QLabel(detail, objectName="muted")
            row = QHBoxLayout()
            row.addWidget(box)
            row.addWidget(note, 1)
            formats_layout.addLayout(row)
            self.format_boxes[key] = box
        formats_group = QGroupBox("Formats (labels.txt and a README with the code below come with each)")
        formats_group.setLayout(formats_layout)

        self.folder_edit = QLineEdit(default_folder)
        self.folder_edit.textChanged.connect(self._update)
        browse = QPushButton(theme.standard_icon("DirOpenIcon"), "Browse…")
        browse.clicked.connect(self._browse)
        folder_row = QHBoxLayout()
        folder_row.addWidget(QLabel("Save in"))
        folder_row.addWidget(self.folder_edit, 1)
        folder_row.addWidget(browse)

        self.snippet_tabs = QTabWidget()
        self.snippet_views = {}
        for key, (name, _heading, _fence) in SNIPPET_LANGUAGES.items():
            view = QPlainTextEdit(readOnly=True)
            view.setFont(theme.monospace_font())
            view.setLineWrapMode(QPlainTextEdit.NoWrap)
            self.snippet_views[key] = view
            self.snippet_tabs.addTab(view, name)
        self.copy_button = QPushButton("Copy code")
        self.copy_button.clicked.connect(self._copy_snippet)
        code_row = QHBoxLayout()
        code_row.addWidget(QLabel("Ready-to-run code", objectName="heading"))
        code_row.addStretch(1)
        code_row.addWidget(self.copy_button)

        self.progress = QProgressBar(textVisible=False)
        self.progress.setRange(0, 0)
        self.progress.setFixedHeight(8)
        self.progress.hide()
        self.status_label = QLabel(wordWrap=True)
        self.status_label.setTextInteractionFlags(Qt.TextSelectableByMouse)
        self.open_folder_button = QPushButton(theme.standard_icon("DirOpenIcon"), "Show files")
        self.open_folder_button.clicked.connect(
            lambda: QDesktopServices.openUrl(QUrl.fromLocalFile(self.folder_edit.text())))
        self.open_folder_button.hide()
        status_row = QHBoxLayout()
        status_row.addWidget(self.status_label, 1)
        status_row.addWidget(self.open_folder_button)

        self.buttons = QDialogButtonBox(QDialogButtonBox.Close)
        self.export_button = self.buttons.addButton("Export", QDialogButtonBox.AcceptRole)
        self.export_button.setObjectName("primary")
        self.export_button.clicked.disconnect()
        self.export_button.clicked.connect(self.start_export)
        self.buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(20, 18, 20, 16)
        layout.setSpacing(12)
        layout.addWidget(title)
        layout.addWidget(self.intro_label)
        layout.addWidget(formats_group)
        layout.addLayout(folder_row)
        layout.addSpacing(4)
        layout.addLayout(code_row)
        layout.addWidget(self.snippet_tabs, 1)
        layout.addWidget(self.progress)
        layout.addLayout(status_row)
        layout.addWidget(self.buttons)
        self._update()

    def chosen_formats(self):
        return [key for key, box in self.format_boxes.items() if box.isChecked()]

    def _update(self):
        formats = self.chosen_formats()
        window = self.classifier.extractor.window_samples if self.classifier.kind == "audio" else None
        snippets = code_snippets(formats, self.classifier.kind, window, SAMPLE_RATE) if formats else {}
        for index, (key, view) in enumerate(self.snippet_views.items()):
            view.setPlainText(snippets.get(key, ""))
            self.snippet_tabs.setTabEnabled(index, key in snippets)
            if key not in snippets:
                view.setPlainText("Choose a format above to see how to use the exported model.")
        busy = self._task is not None
        self.export_button.setEnabled(bool(formats) and bool(self.folder_edit.text().strip()) and not busy)

    def _browse(self):
        folder = QFileDialog.getExistingDirectory(self, "Export into this folder", self.folder_edit.text())
        if folder:
            self.folder_edit.setText(folder)

    def _copy_snippet(self):
        view = self.snippet_tabs.currentWidget()
        QGuiApplication.clipboard().setText(view.toPlainText())
        self.copy_button.setText("Copied")

    def start_export(self):
        folder = self.folder_edit.text().strip()
        self._task = BackgroundTask(export, self.classifier, self.chosen_formats(), folder, self.model_name,
                                    self.background_label, self.representative_data, parent=self)
        self._task.succeeded.connect(self._exported)
        self._task.failed.connect(self._failed)
        self._task.finished.connect(self._task_done)
        self.progress.show()
        self.open_folder_button.hide()
        self.status_label.setObjectName("muted")
        self.status_label.setText("Exporting: building the full model and writing the files…")
        self._restyle(self.status_label)
        self._update()
        self._task.start()

    def is_busy(self):
        return self._task is not None

    def _task_done(self):
        self._task = None
        self.progress.hide()
        self._update()

    def _exported(self, paths):
        self.written = list(paths)
        folder = self.folder_edit.text().strip()
        names = ", ".join(sorted({os.path.relpath(path, folder) for path in paths}))
        self.status_label.setObjectName("")
        self.status_label.setText(f"<b>Done.</b> Wrote {names} in {folder}")
        self._restyle(self.status_label)
        self.open_folder_button.show()

    def _failed(self, message):
        self.status_label.setObjectName("error")
        self.status_label.setText(f"Export failed: {message}")
        self._restyle(self.status_label)

    @staticmethod
    def _restyle(widget: QWidget):
        widget.style().unpolish(widget)
        widget.style().polish(widget)

    def reject(self):
        if self._task is None:
            super().reject()

"""The full list of files an import skipped, each with the reason, so a person can find and fix them."""
import os

from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QHeaderView, QLabel, QTreeWidget, QTreeWidgetItem, QVBoxLayout


class SkippedFilesDialog(QDialog):
    """`broken`: [(path, reason)] as the importers return them."""

    def __init__(self, broken, parent=None):
        super().__init__(parent)
        self.broken = list(broken)
        count = len(self.broken)
        self.setWindowTitle("Skipped files")
        self.resize(760, 420)
        title = QLabel(f"{count} file{' was' if count == 1 else 's were'} skipped", objectName="heading")
        intro = QLabel("These could not be read, so nothing of them was added; every other file was. "
                       "Hover over a name to see where it is.", objectName="muted", wordWrap=True)
        self.table = QTreeWidget()
        self.table.setRootIsDecorated(False)
        self.table.setHeaderLabels(["File", "Why it was skipped"])
        self.table.header().setSectionResizeMode(0, QHeaderView.ResizeToContents)
        self.table.header().setStretchLastSection(True)
        for path, reason in self.broken:
            item = QTreeWidgetItem([os.path.basename(path) or path, reason])
            item.setToolTip(0, path)
            item.setToolTip(1, reason)
            self.table.addTopLevelItem(item)
        buttons = QDialogButtonBox(QDialogButtonBox.Close)
        self.copy_button = buttons.addButton("Copy list", QDialogButtonBox.ActionRole)
        self.copy_button.clicked.connect(self._copy)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(18, 16, 18, 14)
        layout.setSpacing(10)
        layout.addWidget(title)
        layout.addWidget(intro)
        layout.addWidget(self.table, 1)
        layout.addWidget(buttons)

    def _copy(self):
        QGuiApplication.clipboard().setText("\n".join(f"{path}\t{reason}" for path, reason in self.broken))
        self.copy_button.setText("Copied")

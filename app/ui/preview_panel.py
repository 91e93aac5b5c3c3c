"""The "Preview" card: a live camera, a video or an image, classified as fast as the engine keeps up.

Frames go to the PreviewWorker, which only ever holds the newest one: while it classifies a
frame, newer frames replace each other and the replaced ones are counted as skipped.
"""
import collections
import time

from PySide6.QtCore import QSize, Signal
from PySide6.QtWidgets import QFileDialog

from app.capture import list_cameras
from app.imaging import read_image
from app.workers import BackgroundTask, FrameReader, PreviewWorker, describe_error

from . import icons, source_choice
from .confidence_bars import ConfidenceBars
from .frames import FrameView
from .preview_card import PreviewCard
from .source_choice import PICK_VIDEO, SYNTHETIC

PICK_IMAGE = "image:"
IMAGE_FILTER = "Images (*.jpg *.jpeg *.png *.bmp *.webp)"
VIDEO_FILTER = "Videos (*.mp4 *.avi *.mkv *.mov)"


class PreviewPanel(PreviewCard):
    """`predicted(scores)` after every classified frame (tests and the window listen)."""

    predicted = Signal(dict)

    IDLE_TEXT = "Start"

    def __init__(self, parent=None):
        super().__init__(parent)
        self._classifier = None
        self._times = collections.deque(maxlen=30)
        self.source_combo.addItem(icons.icon("sparkle"), "Synthetic test camera", SYNTHETIC)
        self.source_combo.addItem(icons.icon("image"), "Image file…", PICK_IMAGE)
        self.source_combo.addItem(icons.icon("folder"), "Video file…", PICK_VIDEO)
        self.view = FrameView(square_guide=True, minimum=QSize(220, 200))
        self.bars = ConfidenceBars()
        self._lay_out(self.view, self.bars)
        self.set_classifier(None)
        self._camera_lister = BackgroundTask(list_cameras, parent=self)
        self._camera_lister.succeeded.connect(self._add_cameras)
        self._camera_lister.start()

    def _add_cameras(self, cameras):
        for position, (index, name) in enumerate(cameras):
            self.source_combo.insertItem(position, icons.icon("camera"), name, source_choice.camera(index))
        if cameras and not self.is_live():
            self.source_combo.setCurrentIndex(0)

    def set_classifier(self, classifier, note=""):
        """Classify with `classifier` (None: no model yet, the panel explains what to do)."""
        self._classifier = classifier
        if self._worker is not None:
            self._worker.set_classifier(classifier)
        self.source_combo.setEnabled(classifier is not None)
        self.live_button.setEnabled(classifier is not None)
        if classifier is None:
            self.stop()
            self.bars.set_labels([])
            self.view.set_message(note or "Train a model, then watch it classify your camera or an image here.")
            return
        self.bars.set_labels(classifier.labels)
        if not self.is_live():
            self.view.set_message(note or "Press Start to classify the camera live, or choose an image file.")

    def _on_source_chosen(self, _index):
        choice = self.source_combo.currentData()
        if choice == PICK_IMAGE:
            path, _ = QFileDialog.getOpenFileName(self, "Choose an image to classify", "", IMAGE_FILTER)
            if path:
                self.classify_file(path)
            return
        if choice == PICK_VIDEO:
            path, _ = QFileDialog.getOpenFileName(self, "Choose a video", "", VIDEO_FILTER)
            if not path:
                return
            choice = source_choice.video(path)
            self.source_combo.insertItem(self.source_combo.count() - 1, path.rsplit("/", 1)[-1], choice)
            self.source_combo.setCurrentIndex(self.source_combo.findData(choice))
        if self.is_live():
            self.start(choice)

    def _on_live_toggled(self, on):
        if on:
            choice = self.source_combo.currentData()
            self.start(choice if choice not in (PICK_IMAGE, PICK_VIDEO) else SYNTHETIC)
        else:
            self.stop()

    def _ensure_worker(self):
        if self._worker is None:
            self._worker = PreviewWorker(self._classifier, self)
            self._worker.predicted.connect(self._on_predicted)
            self._worker.failed.connect(self._on_failed)
            self._worker.start()

    def start(self, choice):
        """Classify frames from `choice` ("camera:<index>", "synthetic", "video:<path>") until `stop()`."""
        if self._classifier is None:
            return
        self.stop()
        self.source = source_choice.make_source(choice)
        self._ensure_worker()
        self._times.clear()
        mirror = source_choice.kind_of(choice) == "camera"
        self._reader = FrameReader(self.source, mirror=mirror, parent=self)
        self._reader.frame_ready.connect(self._on_frame)
        self._reader.failed.connect(self._on_failed)
        self._reader.start()
        self.view.set_message("Starting…")
        self._set_live_button(True)

    def stop(self):
        if self._reader is not None:
            self._reader.frame_ready.disconnect(self._on_frame)
            self._reader.stop()
            self._reader = None
        self.source = None
        self._set_live_button(False)

    def classify_file(self, path):
        """Show and classify one image file (the live source stops)."""
        self.stop()
        try:
            image = read_image(path)
        except Exception as error:  # noqa: BLE001 - a broken file is a message
            self.view.set_message(describe_error(error))
            return
        self._ensure_worker()
        self.view.set_frame(image)
        self._worker.submit(image)

    def _on_frame(self):
        frame = self._reader.latest() if self._reader is not None else None
        if frame is None:
            return
        self.view.set_frame(frame)
        self._worker.submit(frame)

    def _on_predicted(self, scores):
        self._times.append(time.monotonic())
        self.bars.set_scores(scores)
        if self.is_live() and len(self._times) > 1:
            rate = (len(self._times) - 1) / max(self._times[-1] - self._times[0], 1e-6)
            self.stats_label.setText(f"{rate:.1f} predictions/s · {self._worker.dropped} frames skipped")
        self.predicted.emit(scores)

    def _on_failed(self, message):
        self.stop()
        self.view.set_message(f"{message}\n\nChoose another source, or an image file.")

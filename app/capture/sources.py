"""Frame sources behind one interface: a camera (OpenCV), a video file, and the synthetic camera (synthetic.py).

Every source yields RGB uint8 frames of any size; `app.imaging.prepare_image` makes them
224x224 samples. A missing or busy camera raises CameraError with a message a person can act
on; the rest of the app keeps working with the other sources.
"""
import abc
import os
import sys

import cv2

from ..errors import CameraError
from ..imaging import quiet_opencv_logging
from .source import Source

__all__ = ["FrameSource", "CameraSource", "VideoFileSource", "list_cameras"]

quiet_opencv_logging()

# A camera that fails this many reads in a row is treated as gone (unplugged, taken by another program).
_MAX_FAILED_READS = 30


def _to_rgb(frame):
    if frame.ndim == 2:
        return cv2.cvtColor(frame, cv2.COLOR_GRAY2RGB)
    if frame.shape[2] == 4:
        return cv2.cvtColor(frame, cv2.COLOR_BGRA2RGB)
    return cv2.cvtColor(frame, cv2.COLOR_BGR2RGB)


class FrameSource(Source):
    """A stream of RGB uint8 frames. `read()` returns the latest frame, or None when none is available."""

    name = "source"
    fps = 30.0
    not_open_error = CameraError

    @abc.abstractmethod
    def read(self):
        """The next frame (H x W x 3 RGB uint8), or None if there is none right now."""


def _camera_api():
    """The OpenCV capture API of this platform (V4L2 on Linux, Media Foundation on Windows, AVFoundation on macOS)."""
    if sys.platform.startswith("linux"):
        return cv2.CAP_V4L2
    if sys.platform == "win32":
        return cv2.CAP_MSMF
    if sys.platform == "darwin":
        return cv2.CAP_AVFOUNDATION
    return cv2.CAP_ANY


def _linux_device(index):
    return f"/dev/video{index}"


def _linux_camera_name(index):
    try:
        with open(f"/sys/class/video4linux/video{index}/name", encoding="utf-8") as handle:
            return handle.read().strip() or f"Camera {index}"
    except OSError:
        return f"Camera {index}"


class CameraSource(FrameSource):
    """A webcam through OpenCV, asking for width x height (the camera may pick the nearest size it has)."""

    def __init__(self, index=0, width=640, height=480):
        super().__init__()
        self.index = int(index)
        self.width = int(width)
        self.height = int(height)
        self.name = f"Camera {self.index}"
        self._capture = None
        self._failed_reads = 0

    def open(self):
        if sys.platform.startswith("linux") and not os.path.exists(_linux_device(self.index)):
            raise CameraError(f"No camera found: {_linux_device(self.index)} does not exist. Connect a camera, "
                              "or use a video file or the synthetic camera instead.")
        capture = cv2.VideoCapture(self.index, _camera_api())
        if not capture.isOpened():
            capture.release()
            raise CameraError(f"{self.name} could not be opened: it may be in use by another program, or this "
                              "app has no permission to use it.")
        capture.set(cv2.CAP_PROP_FRAME_WIDTH, self.width)
        capture.set(cv2.CAP_PROP_FRAME_HEIGHT, self.height)
        # Keep only the newest frame so `read` never hands out a stale, queued one.
        capture.set(cv2.CAP_PROP_BUFFERSIZE, 1)
        ok, _frame = capture.read()
        if not ok:
            capture.release()
            raise CameraError(f"{self.name} opened but delivers no picture: it may be busy in another program.")
        self.fps = capture.get(cv2.CAP_PROP_FPS) or 30.0
        self._capture = capture
        self._failed_reads = 0
        self._open = True

    def read(self):
        self._require_open()
        ok, frame = self._capture.read()
        if not ok or frame is None:
            self._failed_reads += 1
            if self._failed_reads >= _MAX_FAILED_READS:
                self.close()
                raise CameraError(f"{self.name} stopped delivering pictures (unplugged, or taken by another "
                                  "program).")
            return None
        self._failed_reads = 0
        return _to_rgb(frame)

    def close(self):
        if self._capture is not None:
            self._capture.release()
            self._capture = None
        super().close()


class VideoFileSource(FrameSource):
    """Frames of a video file, one per `read()`, starting over at the end when `loop` is set."""

    def __init__(self, path, loop=True):
        super().__init__()
        self.path = os.fspath(path)
        self.loop = loop
        self.name = os.path.basename(self.path)
        self._capture = None

    def open(self):
        if not os.path.isfile(self.path):
            raise CameraError(f"{self.path}: video file not found")
        capture = cv2.VideoCapture(self.path)
        ok = capture.isOpened() and capture.read()[0]
        if not ok:
            capture.release()
            raise CameraError(f"{self.path}: cannot play this video (damaged, or a codec this app cannot read; "
                              "MJPG and MPEG-4 Part 2 files work everywhere)")
        capture.set(cv2.CAP_PROP_POS_FRAMES, 0)
        self.fps = capture.get(cv2.CAP_PROP_FPS) or 30.0
        self._capture = capture
        self._open = True

    def read(self):
        self._require_open()
        ok, frame = self._capture.read()
        if not ok and self.loop:
            self._capture.set(cv2.CAP_PROP_POS_FRAMES, 0)
            ok, frame = self._capture.read()
        return _to_rgb(frame) if ok and frame is not None else None

    def close(self):
        if self._capture is not None:
            self._capture.release()
            self._capture = None
        super().close()


def list_cameras(max_index=4):
    """[(index, name)] of the cameras that open, probing indices 0..max_index."""
    found = []
    for index in range(max_index + 1):
        if sys.platform.startswith("linux") and not os.path.exists(_linux_device(index)):
            continue
        capture = cv2.VideoCapture(index, _camera_api())
        try:
            # Linux lists metadata nodes as video devices too; only a node that gives a picture is a camera.
            if capture.isOpened() and capture.read()[0]:
                name = _linux_camera_name(index) if sys.platform.startswith("linux") else f"Camera {index}"
                found.append((index, name))
        finally:
            capture.release()
    return found

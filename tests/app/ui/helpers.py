"""Small helpers shared by the widget tests."""
import numpy as np

from app.capture import SyntheticCameraSource


def synthetic_frames(hint, count, seed=0):
    source = SyntheticCameraSource(seed=seed)
    source.set_class_hint(hint)
    return [source.frame(index) for index in range(count)]


def add_samples(project, class_id, hint, count):
    for frame in synthetic_frames(hint, count):
        project.add_sample(class_id, frame, source="camera")


def random_image(seed, size=64):
    return np.random.default_rng(seed).integers(0, 256, size=(size, size, 3), dtype=np.uint8)


def save_and_wait(window, qtbot, path):
    """Save the window's project as `path` and wait for the save thread to finish; True when the save worked."""
    window.save_to(path)
    qtbot.waitUntil(lambda: not window.saver.is_busy(), timeout=30000)
    return window.saver.last_error is None

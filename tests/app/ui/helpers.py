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

"""The sample project that ships with the app (assets/samples/), so a new user can try everything without a camera."""
import os

from ..capture.importing import dataset_files
from ..errors import AppError
from ..imaging import read_image
from .model import Project

__all__ = ["SAMPLES_DIR", "sample_project", "held_out_samples"]

SAMPLES_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), "assets",
                           "samples")


def sample_project():
    """A new, unsaved project with the bundled circles, squares and triangles, a class per shape."""
    classes, skipped = dataset_files(os.path.join(SAMPLES_DIR, "shapes"))
    if not classes or skipped:
        raise AppError(f"{SAMPLES_DIR}: the bundled sample images are missing or incomplete; regenerate them "
                       "with assets/samples/make_samples.py")
    project = Project("Shapes (sample)")
    for name, paths in classes.items():
        info = project.add_class(name)
        for path in paths:
            project.add_sample(info.id, read_image(path), source=f"file:{name}/{os.path.basename(path)}")
    project.dirty = False
    return project


def held_out_samples():
    """Paths of bundled pictures that are not in the sample project, for trying predictions."""
    folder = os.path.join(SAMPLES_DIR, "held_out")
    return sorted(os.path.join(folder, name) for name in os.listdir(folder) if name.endswith(".jpg"))

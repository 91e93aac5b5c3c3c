"""Importing image files and folders: every readable image is prepared (224x224); broken ones are listed.

Nothing here writes anywhere: files are only read.
"""
import os

from ..errors import AppError, ImageReadError
from ..imaging import IMAGE_EXTENSIONS, prepare_image, read_image

__all__ = ["image_files", "import_images", "dataset_files", "import_dataset"]


def _is_image_name(name):
    return name.lower().endswith(IMAGE_EXTENSIONS) and not name.startswith(".")


def _walk_images(folder):
    """Image files under `folder`, recursively, in a stable (sorted) order, skipping hidden entries."""
    found = []
    for root, folders, names in os.walk(folder):
        folders[:] = sorted(name for name in folders if not name.startswith("."))
        found.extend(os.path.join(root, name) for name in sorted(names) if _is_image_name(name))
    return found


def image_files(paths_or_folders):
    """(files to read, [(path, reason)] for paths that do not exist). Folders are searched for image files;
    a file named directly is taken whatever its extension (reading it will tell)."""
    if isinstance(paths_or_folders, (str, os.PathLike)):
        paths_or_folders = [paths_or_folders]
    files, missing = [], []
    for path in map(os.fspath, paths_or_folders):
        if os.path.isdir(path):
            files.extend(_walk_images(path))
        elif os.path.isfile(path):
            files.append(path)
        else:
            missing.append((path, "not found"))
    return files, missing


def _read_prepared(path, broken):
    try:
        return prepare_image(read_image(path))
    except ImageReadError as exc:
        broken.append((path, exc.reason))
        return None


def import_images(paths_or_folders):
    """([(path, 224x224 RGB image)], [(path, reason)]): broken or missing files are listed and skipped."""
    files, broken = image_files(paths_or_folders)
    images = []
    for path in files:
        image = _read_prepared(path, broken)
        if image is not None:
            images.append((path, image))
    return images, broken


def dataset_files(folder):
    """({class name: [image paths]}, [(path, reason)]) for a folder with one sub-folder of images per class.

    Classes come in sorted folder-name order; images outside any class folder are listed as skipped.
    """
    folder = os.fspath(folder)
    if not os.path.isdir(folder):
        raise AppError(f"{folder}: folder not found (expected one sub-folder of images per class)")
    classes, skipped = {}, []
    for name in sorted(os.listdir(folder)):
        path = os.path.join(folder, name)
        if name.startswith("."):
            continue
        if os.path.isdir(path):
            classes[name] = _walk_images(path)
        elif _is_image_name(name):
            skipped.append((path, "not inside a class folder"))
    return classes, skipped


def import_dataset(folder):
    """({class name: [224x224 RGB images]}, [(path, reason)]) from a folder with a sub-folder per class."""
    files, broken = dataset_files(folder)
    classes = {}
    for name, paths in files.items():
        images = (_read_prepared(path, broken) for path in paths)
        classes[name] = [image for image in images if image is not None]
    return classes, broken

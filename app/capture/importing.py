"""Importing files and folders of images or sounds: every readable file is prepared; broken ones are listed.

Images become 224x224 samples; sounds become windows (`app.audio.cut_windows`) of the project's length.
Nothing here writes anywhere: files are only read.
"""
import os

from ..audio import AUDIO_EXTENSIONS, DEFAULT_OVERLAP, DEFAULT_WINDOW_SECONDS, cut_windows, load_audio
from ..errors import AppError, AudioFileError, ImageReadError
from ..imaging import IMAGE_EXTENSIONS, prepare_image, read_image

__all__ = ["image_files", "import_images", "dataset_files", "import_dataset", "audio_files", "import_audio",
           "audio_dataset_files", "import_audio_dataset", "BACKGROUND_FOLDER_NAMES", "is_background_folder"]

# The class folder of background noise in a sound data set, as Speech Commands names it (or plainly).
BACKGROUND_FOLDER_NAMES = ("_background_noise_", "background")


def is_background_folder(name):
    """Whether a class folder named `name` holds background noise (compared without regard to case)."""
    return name.lower() in BACKGROUND_FOLDER_NAMES


def _has_extension(name, extensions):
    return name.lower().endswith(extensions) and not name.startswith(".")


def _walk(folder, extensions):
    """Files under `folder` with one of `extensions`, recursively, in a stable (sorted) order, skipping hidden
    entries."""
    found = []
    for root, folders, names in os.walk(folder):
        folders[:] = sorted(name for name in folders if not name.startswith("."))
        found.extend(os.path.join(root, name) for name in sorted(names) if _has_extension(name, extensions))
    return found


def _files(paths_or_folders, extensions):
    if isinstance(paths_or_folders, (str, os.PathLike)):
        paths_or_folders = [paths_or_folders]
    files, missing = [], []
    for path in map(os.fspath, paths_or_folders):
        if os.path.isdir(path):
            files.extend(_walk(path, extensions))
        elif os.path.isfile(path):
            files.append(path)
        else:
            missing.append((path, "not found"))
    return files, missing


def image_files(paths_or_folders):
    """(files to read, [(path, reason)] for paths that do not exist). Folders are searched for image files;
    a file named directly is taken whatever its extension (reading it will tell)."""
    return _files(paths_or_folders, IMAGE_EXTENSIONS)


def audio_files(paths_or_folders):
    """As `image_files`, for sound files (AUDIO_EXTENSIONS)."""
    return _files(paths_or_folders, AUDIO_EXTENSIONS)


def _read_prepared(path, broken):
    try:
        return prepare_image(read_image(path))
    except ImageReadError as exc:
        broken.append((path, exc.reason))
        return None


def _read_windows(path, broken, window_seconds, overlap):
    try:
        return cut_windows(load_audio(path), window_seconds, overlap)
    except AudioFileError as exc:
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


def import_audio(paths_or_folders, window_seconds=DEFAULT_WINDOW_SECONDS, overlap=DEFAULT_OVERLAP):
    """([(path, windows [n, window samples])], [(path, reason)]): every readable sound file cut into windows;
    broken or missing files are listed and skipped."""
    files, broken = audio_files(paths_or_folders)
    clips = []
    for path in files:
        windows = _read_windows(path, broken, window_seconds, overlap)
        if windows is not None:
            clips.append((path, windows))
    return clips, broken


def dataset_files(folder, extensions=IMAGE_EXTENSIONS):
    """({class name: [file paths]}, [(path, reason)]) for a folder with one sub-folder of files per class.

    Classes come in sorted folder-name order; files outside any class folder are listed as skipped.
    """
    folder = os.fspath(folder)
    what = "images" if extensions == IMAGE_EXTENSIONS else "sound files"
    if not os.path.isdir(folder):
        raise AppError(f"{folder}: folder not found (expected one sub-folder of {what} per class)")
    classes, skipped = {}, []
    for name in sorted(os.listdir(folder)):
        path = os.path.join(folder, name)
        if name.startswith("."):
            continue
        if os.path.isdir(path):
            classes[name] = _walk(path, extensions)
        elif _has_extension(name, extensions):
            skipped.append((path, "not inside a class folder"))
    return classes, skipped


def audio_dataset_files(folder):
    """As `dataset_files`, for sound files; `is_background_folder` tells which class is the background noise."""
    return dataset_files(folder, AUDIO_EXTENSIONS)


def import_dataset(folder):
    """({class name: [224x224 RGB images]}, [(path, reason)]) from a folder with a sub-folder per class."""
    files, broken = dataset_files(folder)
    classes = {}
    for name, paths in files.items():
        images = (_read_prepared(path, broken) for path in paths)
        classes[name] = [image for image in images if image is not None]
    return classes, broken


def import_audio_dataset(folder, window_seconds=DEFAULT_WINDOW_SECONDS, overlap=DEFAULT_OVERLAP):
    """({class name: [(path, windows [n, window samples])]}, [(path, reason)]) from a folder with a sub-folder of
    sound files per class; broken files are listed and skipped."""
    files, broken = audio_dataset_files(folder)
    classes = {}
    for name, paths in files.items():
        read = ((path, _read_windows(path, broken, window_seconds, overlap)) for path in paths)
        classes[name] = [(path, windows) for path, windows in read if windows is not None]
    return classes, broken

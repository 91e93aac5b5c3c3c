"""The JSON manifest inside a .glimmer file: building it, and checking one read from a file we did not write.

Layout of the zip:

    manifest.json            format, version, kind, name, settings, classes with their samples, history;
                             audio projects: "audio" {sample_rate, window_seconds, overlap} and each
                             class's "background" flag
    samples/<id>.png         image projects: one 224x224 RGB PNG per sample (stored, PNG is compressed already)
    samples/<id>.wav         audio projects: one float32 mono WAV clip of the window's length per sample
    embeddings.npy           float32 [n, d], rows in the order of manifest["embeddings"]["sample_ids"]
    model/head.keras         the trained head in Keras 3 format (labels in manifest["model"]["labels"])

Versions: 1 is the image project; 2 added audio projects. A file says the lowest version that can
read it (image projects still say 1), so older Glimmers keep opening image projects saved by this one.
"""
import math
import re

from ..audio import MAX_OVERLAP, MAX_WINDOW_SECONDS, MIN_WINDOW_SECONDS, SAMPLE_RATE
from ..errors import ProjectFormatError

__all__ = ["FORMAT_NAME", "FORMAT_VERSION", "MANIFEST_NAME", "EMBEDDINGS_NAME", "MODEL_NAME", "sample_member",
           "manifest_version", "check_member_names", "check_manifest"]

FORMAT_NAME = "glimmer-project"
FORMAT_VERSION = 2
_FIRST_VERSION = {"image": 1, "audio": 2}
MANIFEST_NAME = "manifest.json"
EMBEDDINGS_NAME = "embeddings.npy"
MODEL_NAME = "model/head.keras"
_ID = re.compile(r"^[0-9a-f]{32}$")
_DRIVE = re.compile(r"^[A-Za-z]:")


def sample_member(sample_id, extension=".png"):
    return f"samples/{sample_id}{extension}"


def manifest_version(kind):
    """The version a project of `kind` is written with: the first one that knows the kind."""
    return _FIRST_VERSION[kind]


def check_member_names(path, names):
    """Refuse archives whose entry names could point outside a folder if extracted, or are ambiguous."""
    seen = set()
    for name in names:
        parts = name.split("/")
        if (name.startswith("/") or "\\" in name or _DRIVE.match(name) or ".." in parts or "\x00" in name):
            raise ProjectFormatError(f"{path}: unsafe entry name {name!r} in the archive (absolute path or '..'); "
                                     "the file was not opened")
        if name in seen:
            raise ProjectFormatError(f"{path}: the archive holds {name!r} twice")
        seen.add(name)


class _Checker:
    """Type checks with messages that say where in the manifest the problem is."""

    def __init__(self, path):
        self.path = path

    def fail(self, where, what):
        raise ProjectFormatError(f"{self.path}: damaged manifest: {where} {what}")

    def dict(self, value, where):
        if not isinstance(value, dict):
            self.fail(where, f"must be an object, not {type(value).__name__}")
        return value

    def list(self, value, where):
        if not isinstance(value, list):
            self.fail(where, f"must be a list, not {type(value).__name__}")
        return value

    def str(self, value, where):
        if not isinstance(value, str):
            self.fail(where, f"must be a string, not {type(value).__name__}")
        return value

    def bool(self, value, where):
        if not isinstance(value, bool):
            self.fail(where, f"must be true or false, not {value!r}")
        return value

    def id(self, value, where):
        if not isinstance(value, str) or not _ID.match(value):
            self.fail(where, f"is not a valid id: {value!r}")
        return value

    def number(self, value, where, low, high, integer=False):
        ok_type = isinstance(value, int) if integer else isinstance(value, (int, float))
        if isinstance(value, bool) or not ok_type or not math.isfinite(value) or not low <= value <= high:
            self.fail(where, f"must be a {'whole ' if integer else ''}number in [{low}, {high}], not {value!r}")
        return value


def check_manifest(path, manifest, member_names):
    """Validate a parsed manifest; returns it. Raises ProjectFormatError naming the file and the field."""
    check = _Checker(path)
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT_NAME:
        raise ProjectFormatError(f"{path}: not a Glimmer project (the manifest does not say format "
                                 f"{FORMAT_NAME!r})")
    version = manifest.get("version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        check.fail("version", f"must be a positive whole number, not {version!r}")
    if version > FORMAT_VERSION:
        raise ProjectFormatError(f"{path}: made by a newer Glimmer (project format {version}; this version reads "
                                 f"up to {FORMAT_VERSION}); update Glimmer to open it")
    kind = manifest.get("kind")
    if kind not in _FIRST_VERSION:
        raise ProjectFormatError(f"{path}: a {kind!r} project; this version opens image and audio projects")
    if version < _FIRST_VERSION[kind]:
        check.fail("version", f"{version} cannot hold {kind} projects")
    extension = ".png"
    if kind == "audio":
        audio = check.dict(manifest.get("audio"), "audio")
        if audio.get("sample_rate") != SAMPLE_RATE:
            check.fail("audio.sample_rate", f"must be {SAMPLE_RATE}, not {audio.get('sample_rate')!r}")
        check.number(audio.get("window_seconds"), "audio.window_seconds", MIN_WINDOW_SECONDS, MAX_WINDOW_SECONDS)
        check.number(audio.get("overlap"), "audio.overlap", 0, MAX_OVERLAP)
        extension = ".wav"
    check.str(manifest.get("name"), "name")
    check.id(manifest.get("id"), "id")
    settings = check.dict(manifest.get("settings"), "settings")
    check.number(settings.get("epochs"), "settings.epochs", 1, 100000, integer=True)
    check.number(settings.get("batch_size"), "settings.batch_size", 1, 1 << 20, integer=True)
    check.number(settings.get("learning_rate"), "settings.learning_rate", 0, 1e3)
    check.number(settings.get("validation_fraction"), "settings.validation_fraction", 0, 0.9)
    check.number(settings.get("seed"), "settings.seed", 0, 2 ** 32 - 1, integer=True)
    class_ids, sample_ids = set(), set()
    for i, info in enumerate(check.list(manifest.get("classes"), "classes")):
        where = f"classes[{i}]"
        check.dict(info, where)
        class_id = check.id(info.get("id"), where + ".id")
        if class_id in class_ids:
            check.fail(where + ".id", "repeats another class's id")
        class_ids.add(class_id)
        check.str(info.get("name"), where + ".name")
        check.bool(info.get("enabled"), where + ".enabled")
        if check.bool(info.get("background", False), where + ".background"):
            if kind != "audio":
                check.fail(where + ".background", "is set, but only audio projects have a background class")
            if any(other.get("background") for other in manifest["classes"][:i]):
                check.fail(where + ".background", "is set on a second class")
        for j, sample in enumerate(check.list(info.get("samples"), where + ".samples")):
            sample_where = f"{where}.samples[{j}]"
            check.dict(sample, sample_where)
            sample_id = check.id(sample.get("id"), sample_where + ".id")
            if sample_id in sample_ids:
                check.fail(sample_where + ".id", "repeats another sample's id")
            sample_ids.add(sample_id)
            check.str(sample.get("source"), sample_where + ".source")
            if sample_member(sample_id, extension) not in member_names:
                raise ProjectFormatError(f"{path}: sample {sample_id} of class {info['name']!r} is missing from "
                                         "the archive")
    embeddings = manifest.get("embeddings")
    if embeddings is not None:
        check.dict(embeddings, "embeddings")
        check.str(embeddings.get("extractor"), "embeddings.extractor")
        for k, sample_id in enumerate(check.list(embeddings.get("sample_ids"), "embeddings.sample_ids")):
            if check.id(sample_id, f"embeddings.sample_ids[{k}]") not in sample_ids:
                check.fail(f"embeddings.sample_ids[{k}]", "names no sample of the project")
        if EMBEDDINGS_NAME not in member_names:
            raise ProjectFormatError(f"{path}: {EMBEDDINGS_NAME} is missing from the archive")
    model = manifest.get("model")
    if model is not None:
        check.dict(model, "model")
        labels = check.list(model.get("labels"), "model.labels")
        for k, label in enumerate(labels):
            check.str(label, f"model.labels[{k}]")
        if MODEL_NAME not in member_names:
            raise ProjectFormatError(f"{path}: {MODEL_NAME} is missing from the archive")
    history = manifest.get("history")
    if history is not None:
        check.dict(history, "history")
    return manifest

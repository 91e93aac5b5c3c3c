"""Saving and opening .glimmer files.

A save writes the whole project to a temporary file in the same folder, fsyncs it and renames
it over the old file, so a crash or a kill at any moment leaves either the old file or the new
one, never a mix. Opening validates everything it reads (entry names, manifest, embeddings,
model) and never writes to the file.

A save has three steps, so that the slow one can run on a worker thread while the project keeps
changing: `snapshot_project` (UI thread, cheap), `write_snapshot` (any thread: the writing, the fsync
and the rename) and `finish_save` (UI thread: the project learns what was saved). `save_project`
does all three in a row.
"""
import dataclasses
import io
import json
import os
import shutil
import tempfile
import zipfile

import numpy as np

from ..audio import SAMPLE_RATE
from ..errors import ProjectFormatError, ProjectSaveError
from ..imaging import IMAGE_SIZE
from .manifest import (EMBEDDINGS_NAME, FORMAT_NAME, MANIFEST_NAME, MODEL_NAME, check_manifest, check_member_names,
                       manifest_version, sample_member)
from .model import PROJECT_KINDS, ClassInfo, Project, Sample, TrainingSettings

__all__ = ["save_project", "load_project", "read_project_kind", "PROJECT_EXTENSION", "ProjectSnapshot", "SavedProject",
           "snapshot_project", "write_snapshot", "write_snapshot_copy", "finish_save"]

PROJECT_EXTENSION = ".glimmer"
_MAX_MANIFEST_BYTES = 64 << 20
_MAX_EMBEDDINGS_BYTES = 4 << 30
_MAX_MODEL_BYTES = 2 << 30


def _process_umask():
    umask = os.umask(0)
    os.umask(umask)
    return umask


# Reading the umask means setting it for a moment, and every thread shares it: read once, at import, not
# from a save running on a worker thread while other threads create files.
_UMASK = _process_umask()


# --- the trained head as bytes ---------------------------------------------------------------------
def _model_to_bytes(model):
    import engine as tf
    folder = tempfile.mkdtemp(prefix="glimmer-model-")
    try:
        path = os.path.join(folder, "head.keras")
        tf.keras.models.save_model(model, path, format="keras")
        with open(path, "rb") as handle:
            return handle.read()
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _model_from_bytes(data, where):
    import engine as tf
    folder = tempfile.mkdtemp(prefix="glimmer-model-")
    try:
        path = os.path.join(folder, "head.keras")
        with open(path, "wb") as handle:
            handle.write(data)
        try:
            return tf.keras.models.load_model(path, compile=False)
        except Exception as exc:  # the engine's ModelFormatError and whatever a damaged file provokes
            raise ProjectFormatError(f"{where}: the trained model is damaged ({exc})") from exc
    finally:
        shutil.rmtree(folder, ignore_errors=True)


# --- saving ------------------------------------------------------------------------------------------
def _class_entry(project, info):
    entry = {"id": info.id, "name": info.name, "enabled": info.enabled}
    if project.kind == "audio":
        entry["background"] = info.is_background
    entry["samples"] = [{"id": sample.id, "source": sample.source} for sample in project.samples_of(info.id)]
    return entry


def _manifest(project, embedding_ids):
    manifest = {
        "format": FORMAT_NAME,
        "version": manifest_version(project.kind),
        "kind": project.kind,
        "id": project.id,
        "name": project.name,
    }
    if project.kind == "audio":
        manifest["audio"] = {"sample_rate": SAMPLE_RATE, "window_seconds": project.window_seconds,
                             "overlap": project.overlap}
    else:
        manifest["image_size"] = IMAGE_SIZE
    return {
        **manifest,
        "settings": project.settings.to_dict(),
        "classes": [_class_entry(project, info) for info in project.classes],
        "embeddings": ({"extractor": project.extractor_name or "", "sample_ids": embedding_ids}
                       if embedding_ids else None),
        "model": {"labels": project.model_labels()} if project.has_model else None,
        "history": project.history,
    }


@dataclasses.dataclass(eq=False)
class ProjectSnapshot:
    """What one save writes: the project as it was at one moment on the UI thread.

    Cheap to take, even for 10,000 samples: the manifest, and references to data that is never changed in
    place (sample files through the store's SampleSnapshot, embedding vectors, the trained head). Changes
    made after it was taken go to the next save.
    """
    revision: int
    manifest: dict
    sample_members: list            # (sample id, member name) in manifest order
    samples: object                 # the store's SampleSnapshot
    embeddings: list                # vectors, in the order of manifest["embeddings"]["sample_ids"]
    model: object                   # the trained head, or None
    model_bytes: bytes              # its .keras bytes if the project had them already, else None
    unsaved_sample_ids: list        # samples of removed classes, not in the file but still in undo's reach
    store: object


@dataclasses.dataclass(eq=False)
class SavedProject:
    """What a save wrote: the file, the revision of the project it holds, and the head's .keras bytes."""
    path: str
    revision: int
    is_project_file: bool           # False for a copy (a recovery autosave) that does not become the project's file
    model: object
    model_bytes: bytes


def snapshot_project(project):
    """The ProjectSnapshot of `project` now (call on the UI thread); `write_snapshot` or `write_snapshot_copy` must
    write it, which ends the save that this begins (one save of a project at a time)."""
    embeddings = project.embeddings_snapshot()
    samples = project.all_samples()
    members = [(sample.id, sample_member(sample.id, project.media.extension)) for sample in samples]
    return ProjectSnapshot(
        revision=project.revision, manifest=_manifest(project, list(embeddings)), sample_members=members,
        samples=project.store.begin_save([sample.id for sample in samples]), embeddings=list(embeddings.values()),
        model=project.model(), model_bytes=project.saved_model_bytes(), unsaved_sample_ids=project.removed_sample_ids(),
        store=project.store)


def _write_archive(snapshot, handle):
    """Write the snapshot as a zip into the open binary file `handle`; returns the head's .keras bytes, or None."""
    model_bytes = snapshot.model_bytes
    with zipfile.ZipFile(handle, "w", compression=zipfile.ZIP_DEFLATED, allowZip64=True) as archive:
        archive.writestr(MANIFEST_NAME, json.dumps(snapshot.manifest, indent=1))
        for sample_id, member in snapshot.sample_members:
            # Stored: PNG is compressed already, and float samples barely deflate.
            archive.writestr(member, snapshot.samples.read(sample_id), compress_type=zipfile.ZIP_STORED)
        if snapshot.embeddings:
            buffer = io.BytesIO()
            np.save(buffer, np.stack(snapshot.embeddings), allow_pickle=False)
            archive.writestr(EMBEDDINGS_NAME, buffer.getvalue())
        if snapshot.model is not None:
            if model_bytes is None:
                model_bytes = _model_to_bytes(snapshot.model)
            archive.writestr(MODEL_NAME, model_bytes, compress_type=zipfile.ZIP_STORED)
    return model_bytes


def _fsync_directory(directory):
    if os.name != "posix":
        return
    descriptor = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def _write_temporary(snapshot, path):
    """Write the snapshot next to `path` under a temporary name; returns (temp path, the head's .keras bytes)."""
    directory = os.path.dirname(path)
    descriptor, temp = tempfile.mkstemp(prefix=f".{os.path.basename(path)}.", suffix=".saving", dir=directory)
    try:
        with os.fdopen(descriptor, "wb") as handle:
            model_bytes = _write_archive(snapshot, handle)
            handle.flush()
            os.fsync(handle.fileno())
        # mkstemp makes the file private; a project file gets the usual permissions.
        os.chmod(temp, 0o666 & ~_UMASK)
    except BaseException:
        _remove_quietly(temp)
        raise
    return temp, model_bytes


def _remove_quietly(path):
    try:
        os.unlink(path)
    except OSError:
        pass


def _target_path(path):
    path = os.path.abspath(os.fspath(path))
    if os.path.isdir(path):
        raise ProjectSaveError(f"{path}: is a folder; choose a file name ending in {PROJECT_EXTENSION}")
    if not os.path.isdir(os.path.dirname(path)):
        raise ProjectSaveError(f"{path}: the folder {os.path.dirname(path)} does not exist")
    return path


def _save_error(path, exc):
    return ProjectSaveError(f"{path}: {exc.strerror or exc}; the previous file is unchanged")


def _replace(temp, path):
    """Rename the written temporary file over `path`, durably."""
    try:
        os.replace(temp, path)
        _fsync_directory(os.path.dirname(path))
    except OSError as exc:
        _remove_quietly(temp)
        raise _save_error(path, exc) from exc


def write_snapshot(snapshot, path):
    """Write `snapshot` to `path` atomically and make it the file the project reads its samples from (any thread).

    On any failure the file at `path` is exactly what it was before (ProjectSaveError says why).
    """
    try:
        path = _target_path(path)
        try:
            snapshot.store.keep_unsaved(snapshot.unsaved_sample_ids)
            temp, model_bytes = _write_temporary(snapshot, path)
        except OSError as exc:
            raise _save_error(path, exc) from exc
        snapshot.store.replace_archive(path, dict(snapshot.sample_members), lambda: _replace(temp, path))
    finally:
        snapshot.store.end_save()
    return SavedProject(path=path, revision=snapshot.revision, is_project_file=True, model=snapshot.model,
                        model_bytes=model_bytes)


def write_snapshot_copy(snapshot, path):
    """Write `snapshot` atomically to `path` without making it the project's file (recovery autosaves; any thread)."""
    try:
        path = _target_path(path)
        try:
            temp, model_bytes = _write_temporary(snapshot, path)
        except OSError as exc:
            raise _save_error(path, exc) from exc
        _replace(temp, path)
    finally:
        snapshot.store.end_save()
    return SavedProject(path=path, revision=snapshot.revision, is_project_file=False, model=snapshot.model,
                        model_bytes=model_bytes)


def finish_save(project, saved):
    """Tell `project` (on the UI thread) what `saved` wrote; it stays dirty if it changed since the snapshot."""
    project.keep_model_bytes(saved.model, saved.model_bytes)
    if saved.is_project_file:
        project.mark_saved(saved.path, saved.revision)


def save_project(project, path):
    """Write `project` to `path` atomically, on this thread; afterwards its samples are read from the new file.

    On any failure the file at `path` is exactly what it was before (ProjectSaveError says why).
    """
    saved = write_snapshot(snapshot_project(project), path)
    finish_save(project, saved)
    return saved.path


# --- opening -------------------------------------------------------------------------------------------
def _read_member(archive, path, name, limit):
    info = archive.getinfo(name)
    if info.file_size > limit:
        raise ProjectFormatError(f"{path}: {name} is implausibly large ({info.file_size} bytes)")
    try:
        return archive.read(info)
    except (zipfile.BadZipFile, OSError, EOFError, ValueError, NotImplementedError) as exc:
        raise ProjectFormatError(f"{path}: {name} is damaged ({exc})") from exc


def _open_archive(path):
    if not os.path.exists(path):
        raise ProjectFormatError(f"{path}: file not found")
    if os.path.isdir(path):
        raise ProjectFormatError(f"{path}: is a folder, not a {PROJECT_EXTENSION} file")
    try:
        return zipfile.ZipFile(path, "r")
    except zipfile.BadZipFile as exc:
        raise ProjectFormatError(f"{path}: not a Glimmer project, or the file is truncated or damaged "
                                 f"(not a readable zip archive: {exc})") from exc
    except (OSError, EOFError, ValueError) as exc:
        raise ProjectFormatError(f"{path}: cannot read the file ({exc})") from exc


def _read_embeddings(archive, path, manifest, project):
    spec = manifest.get("embeddings")
    if spec is None:
        return
    data = _read_member(archive, path, EMBEDDINGS_NAME, _MAX_EMBEDDINGS_BYTES)
    try:
        matrix = np.load(io.BytesIO(data), allow_pickle=False)
    except (ValueError, OSError, EOFError) as exc:
        raise ProjectFormatError(f"{path}: {EMBEDDINGS_NAME} is damaged ({exc})") from exc
    ids = spec["sample_ids"]
    if matrix.dtype != np.float32 or matrix.ndim != 2 or matrix.shape[0] != len(ids):
        raise ProjectFormatError(f"{path}: {EMBEDDINGS_NAME} holds a {matrix.dtype} array of shape {matrix.shape}, "
                                 f"expected float32 [{len(ids)}, d]")
    project.extractor_name = spec["extractor"] or None
    for sample_id, row in zip(ids, matrix):
        project._embeddings[sample_id] = row


def _read_model(archive, path, manifest, project):
    spec = manifest.get("model")
    if spec is None:
        return
    data = _read_member(archive, path, MODEL_NAME, _MAX_MODEL_BYTES)
    model = _model_from_bytes(data, f"{path}: {MODEL_NAME}")
    outputs = model.outputs[0].shape[-1] if getattr(model, "outputs", None) else None
    if outputs != len(spec["labels"]):
        raise ProjectFormatError(f"{path}: the trained model has {outputs} outputs but {len(spec['labels'])} labels")
    project._model = model
    project._model_labels = list(spec["labels"])
    project._model_bytes = data


def read_project_kind(path):
    """The kind ("image", "audio") a project file says it holds, or None if it cannot be read or is not one."""
    try:
        with _open_archive(os.path.abspath(os.fspath(path))) as archive:
            manifest = json.loads(_read_member(archive, path, MANIFEST_NAME, _MAX_MANIFEST_BYTES).decode("utf-8"))
    except (ProjectFormatError, KeyError, UnicodeDecodeError, ValueError):
        return None
    kind = manifest.get("kind") if isinstance(manifest, dict) else None
    return kind if kind in PROJECT_KINDS else None


def load_project(path):
    """The project in the .glimmer file at `path`; ProjectFormatError (naming the file and the problem) if it is
    damaged, truncated, foreign or unsafe. The file is only read."""
    path = os.path.abspath(os.fspath(path))
    with _open_archive(path) as archive:
        try:
            names = archive.namelist()
        except (zipfile.BadZipFile, ValueError) as exc:
            raise ProjectFormatError(f"{path}: damaged archive ({exc})") from exc
        check_member_names(path, names)
        if MANIFEST_NAME not in names:
            raise ProjectFormatError(f"{path}: not a Glimmer project (no {MANIFEST_NAME} in the archive)")
        raw = _read_member(archive, path, MANIFEST_NAME, _MAX_MANIFEST_BYTES)
        try:
            manifest = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, ValueError) as exc:
            raise ProjectFormatError(f"{path}: damaged manifest (not valid JSON: {exc})") from exc
        check_manifest(path, manifest, set(names))
        audio = manifest.get("audio") if manifest["kind"] == "audio" else {}
        project = Project(name=manifest["name"], kind=manifest["kind"], starter_classes=False,
                          **{key: audio[key] for key in ("window_seconds", "overlap") if key in audio})
        project.id = manifest["id"]
        settings = manifest["settings"]
        project.settings = TrainingSettings(epochs=settings["epochs"], batch_size=settings["batch_size"],
                                            learning_rate=float(settings["learning_rate"]),
                                            validation_fraction=float(settings["validation_fraction"]),
                                            seed=settings["seed"])
        members = {}
        for entry in manifest["classes"]:
            info = ClassInfo(id=entry["id"], name=entry["name"], enabled=entry["enabled"],
                             is_background=entry.get("background", False))
            project.classes.append(info)
            for sample_entry in entry["samples"]:
                sample = Sample(id=sample_entry["id"], class_id=info.id, source=sample_entry["source"])
                member = sample_member(sample.id, project.media.extension)
                if archive.getinfo(member).file_size > project.media.max_bytes:
                    raise ProjectFormatError(f"{path}: {member} is implausibly large for one {project.kind} sample "
                                             f"({archive.getinfo(member).file_size} bytes)")
                project._adopt_sample(sample, info)
                members[sample.id] = member
        _read_embeddings(archive, path, manifest, project)
        _read_model(archive, path, manifest, project)
        project.history = manifest.get("history")
    try:
        project.store.attach_archive(path, members)
    except (OSError, zipfile.BadZipFile) as exc:
        raise ProjectFormatError(f"{path}: cannot read the file ({exc})") from exc
    project.path = path
    project.dirty = False
    return project

"""The list of recently opened projects, kept in the user's data folder (GLIMMER_DATA_DIR overrides it).

Each entry keeps the project's kind beside its path, so the start screen can show it without opening the
file (reading a project's manifest means reading the zip's whole directory: 70 ms for 10,000 samples).
"""
import dataclasses
import json
import os
import tempfile

from .files import read_project_kind
from .model import PROJECT_KINDS

__all__ = ["data_dir", "RecentProject", "recent_entries", "recent_projects", "remember_project", "forget_project",
           "MAX_RECENT"]

MAX_RECENT = 10
_FILE_NAME = "recent_projects.json"


def data_dir():
    """Where Glimmer keeps its own files: $GLIMMER_DATA_DIR, else the platform's user data folder."""
    override = os.environ.get("GLIMMER_DATA_DIR")
    if override:
        return override
    import platformdirs
    return platformdirs.user_data_dir("Glimmer", appauthor=False)


def _list_path():
    return os.path.join(data_dir(), _FILE_NAME)


@dataclasses.dataclass(frozen=True)
class RecentProject:
    path: str
    kind: str  # "image" or "audio"; None if unknown (an older list's entry whose file cannot be read)


def _entry(item):
    """A RecentProject from one item of the file; None for an item that is neither form."""
    if isinstance(item, dict) and isinstance(item.get("path"), str):
        return RecentProject(item["path"], item.get("kind") if item.get("kind") in PROJECT_KINDS else None)
    if isinstance(item, str):
        # Lists written before kinds were kept hold bare paths: the file says its kind.
        return RecentProject(item, read_project_kind(item))
    return None


def _read_list():
    try:
        with open(_list_path(), "r", encoding="utf-8") as handle:
            items = json.load(handle)
    except (OSError, ValueError):
        return []
    entries = [_entry(item) for item in items] if isinstance(items, list) else []
    return [entry for entry in entries if entry is not None]


def _write_list(entries):
    folder = data_dir()
    os.makedirs(folder, exist_ok=True)
    descriptor, temp = tempfile.mkstemp(prefix=".recent.", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            json.dump([dataclasses.asdict(entry) for entry in entries], handle, indent=1)
        os.replace(temp, _list_path())
    except OSError:
        try:
            os.unlink(temp)
        except OSError:
            pass
        raise


def recent_entries():
    """RecentProject entries of recently opened projects that still exist, most recent first."""
    return [entry for entry in _read_list() if os.path.isfile(entry.path)]


def recent_projects():
    """Absolute paths of recently opened projects that still exist, most recent first."""
    return [entry.path for entry in recent_entries()]


def remember_project(path, kind):
    """Put `path`, a project of `kind`, at the top of the recent list (a failure to write the list is not worth
    an error)."""
    path = os.path.abspath(os.fspath(path))
    entries = [RecentProject(path, kind)] + [entry for entry in _read_list() if entry.path != path]
    try:
        _write_list(entries[:MAX_RECENT])
    except OSError:
        pass


def forget_project(path):
    path = os.path.abspath(os.fspath(path))
    try:
        _write_list([entry for entry in _read_list() if entry.path != path])
    except OSError:
        pass

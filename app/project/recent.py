"""The list of recently opened projects, kept in the user's data folder (GLIMMER_DATA_DIR overrides it)."""
import json
import os
import tempfile

__all__ = ["data_dir", "recent_projects", "remember_project", "forget_project", "MAX_RECENT"]

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


def _read_list():
    try:
        with open(_list_path(), "r", encoding="utf-8") as handle:
            entries = json.load(handle)
    except (OSError, ValueError):
        return []
    return [entry for entry in entries if isinstance(entry, str)] if isinstance(entries, list) else []


def _write_list(entries):
    folder = data_dir()
    os.makedirs(folder, exist_ok=True)
    descriptor, temp = tempfile.mkstemp(prefix=".recent.", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            json.dump(entries, handle, indent=1)
        os.replace(temp, _list_path())
    except OSError:
        try:
            os.unlink(temp)
        except OSError:
            pass
        raise


def recent_projects():
    """Absolute paths of recently opened projects that still exist, most recent first."""
    return [path for path in _read_list() if os.path.isfile(path)]


def remember_project(path):
    """Put `path` at the top of the recent list (a failure to write the list is not worth an error)."""
    path = os.path.abspath(os.fspath(path))
    entries = [path] + [entry for entry in _read_list() if entry != path]
    try:
        _write_list(entries[:MAX_RECENT])
    except OSError:
        pass


def forget_project(path):
    path = os.path.abspath(os.fspath(path))
    try:
        _write_list([entry for entry in _read_list() if entry != path])
    except OSError:
        pass

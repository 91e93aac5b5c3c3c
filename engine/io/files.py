"""Reading and writing whole files: size limits on reads, atomic replacement on writes."""
import contextlib
import os
import tempfile

from ..errors import ModelFormatError

__all__ = ["read_bytes", "atomic_write", "MAX_FILE_BYTES"]

MAX_FILE_BYTES = 8 * 1024 ** 3


def read_bytes(path, source=None, limit=MAX_FILE_BYTES):
    """The bytes of the file at `path`; a missing, unreadable or oversized file raises ModelFormatError."""
    source = source or os.fspath(path)
    try:
        with open(path, "rb") as handle:
            data = handle.read(limit + 1)
    except FileNotFoundError as exc:
        raise ModelFormatError(f"{source}: file not found") from exc
    except IsADirectoryError as exc:
        raise ModelFormatError(f"{source}: is a directory, not a file") from exc
    except OSError as exc:
        raise ModelFormatError(f"{source}: cannot read: {exc}") from exc
    if len(data) > limit:
        raise ModelFormatError(f"{source}: larger than {limit} bytes, too large to be a model file here")
    return data


def _current_umask():
    """The process umask (reading it means setting it; this runs only around a file save)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


@contextlib.contextmanager
def atomic_write(path):
    """Yield a temporary path beside `path`; on success it replaces `path` in one rename, else it vanishes.

    A crash or an error while writing never leaves a half-written model file under the real name.
    """
    path = os.fspath(path)
    directory = os.path.dirname(os.path.abspath(path))
    os.makedirs(directory, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{os.path.basename(path)}.", suffix=".tmp", dir=directory)
    os.close(handle)
    try:
        yield temporary
        with open(temporary, "rb+") as written:
            os.fsync(written.fileno())
        # mkstemp creates the file readable by its owner only; give it what a plain open() would.
        os.chmod(temporary, 0o666 & ~_current_umask())
        os.replace(temporary, path)
    finally:
        if os.path.exists(temporary):
            os.remove(temporary)


def h5py_module():
    """h5py, imported on the first file written with it: reading never needs it (hdf5_reader.py), and
    importing it costs every `import engine` about 25 ms."""
    import h5py
    return h5py

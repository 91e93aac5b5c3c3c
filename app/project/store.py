"""Where each sample's encoded bytes (PNG image, WAV clip) live: a member of the saved .glimmer file, or a file
in a scratch folder.

Samples never all sit in memory (10,000 images are about a gigabyte of pixels, 10,000 one-second clips
1.7 GB): a sample recorded since the last save is a file in a private scratch folder; after a save,
or when a project is opened, it is read on demand from the project file, which stays open for reading.
"""
import os
import shutil
import tempfile
import threading
import weakref
import zipfile

from ..errors import ProjectFormatError

__all__ = ["SampleStore"]


class SampleStore:
    """Encoded samples by sample id; safe to read from worker threads while the UI thread writes."""

    def __init__(self):
        self._lock = threading.RLock()
        self._archive = None
        self._archive_path = None
        self._members = {}
        self._scratch_dir = None
        self._scratch = {}
        self._cleanup = None

    # --- reading -------------------------------------------------------------------------------
    def read(self, sample_id):
        """The stored bytes of `sample_id`; ProjectFormatError if the project file's copy is damaged."""
        with self._lock:
            path = self._scratch.get(sample_id)
            if path is not None:
                with open(path, "rb") as handle:
                    return handle.read()
            member = self._members.get(sample_id)
            if member is None or self._archive is None:
                raise KeyError(sample_id)
            try:
                return self._archive.read(member)
            except (zipfile.BadZipFile, OSError, EOFError, ValueError) as exc:
                raise ProjectFormatError(f"{self._archive_path}: sample {member} is damaged ({exc})") from exc

    def __contains__(self, sample_id):
        with self._lock:
            return sample_id in self._scratch or sample_id in self._members

    # --- writing -------------------------------------------------------------------------------
    def put(self, sample_id, data):
        """Keep `data` (encoded sample bytes) for `sample_id` in the scratch folder until the next save."""
        with self._lock:
            path = os.path.join(self._scratch_folder(), sample_id)
            with open(path, "wb") as handle:
                handle.write(data)
            self._scratch[sample_id] = path

    def discard(self, sample_id):
        """Forget a sample for good (its scratch file goes; a project-file copy simply is not saved again)."""
        with self._lock:
            path = self._scratch.pop(sample_id, None)
            self._members.pop(sample_id, None)
            if path is not None:
                try:
                    os.unlink(path)
                except OSError:
                    pass

    def _scratch_folder(self):
        if self._scratch_dir is None:
            self._scratch_dir = tempfile.mkdtemp(prefix="glimmer-samples-")
            self._cleanup = weakref.finalize(self, shutil.rmtree, self._scratch_dir, True)
        return self._scratch_dir

    # --- the project file ------------------------------------------------------------------------
    def attach_archive(self, path, members):
        """Read samples from the project file at `path`; `members` maps sample id -> member name."""
        with self._lock:
            self._close_archive()
            self._archive = zipfile.ZipFile(path, "r")
            self._archive_path = path
            self._members = dict(members)

    def detach_for_replace(self, keep_ids):
        """Before the project file is replaced: copy the samples in `keep_ids` (not saved in the new file, but
        still reachable through undo) to scratch, then close the file so it can be renamed over."""
        with self._lock:
            for sample_id in keep_ids:
                if sample_id in self._members and sample_id not in self._scratch:
                    self.put(sample_id, self.read(sample_id))
            previous = (self._archive_path, self._members)
            self._close_archive()
            return previous

    def saved(self, path, members):
        """After a save to `path`: those samples are read from the new file; their scratch copies go."""
        with self._lock:
            self.attach_archive(path, members)
            for sample_id in members:
                scratch = self._scratch.pop(sample_id, None)
                if scratch is not None:
                    try:
                        os.unlink(scratch)
                    except OSError:
                        pass

    def reattach(self, previous):
        """Undo `detach_for_replace` when the replace failed: read from the old file again."""
        path, members = previous
        if path is not None and os.path.exists(path):
            self.attach_archive(path, members)

    def _close_archive(self):
        if self._archive is not None:
            self._archive.close()
        self._archive, self._archive_path, self._members = None, None, {}

    def close(self):
        """Close the project file and delete the scratch folder (unsaved samples are gone)."""
        with self._lock:
            self._close_archive()
            self._scratch.clear()
            if self._cleanup is not None:
                self._cleanup()
            self._scratch_dir = None

"""Where each sample's encoded bytes (PNG image, WAV clip) live: a member of the saved .glimmer file, or a file
in a scratch folder.

Samples never all sit in memory (10,000 images are about a gigabyte of pixels, 10,000 one-second clips
1.7 GB): a sample recorded since the last save is a file in a private scratch folder; after a save,
or when a project is opened, it is read on demand from the project file, which stays open for reading.

A save runs on a worker thread while the project keeps changing, so it reads the samples through a
`SampleSnapshot`: where each sample was when the save began. Until the save ends, a sample discarded
meanwhile keeps its scratch file, so the snapshot stays readable.
"""
import os
import shutil
import tempfile
import threading
import weakref
import zipfile

from ..errors import ProjectFormatError

__all__ = ["SampleStore", "SampleSnapshot"]


def _remove_quietly(path):
    try:
        os.unlink(path)
    except OSError:
        pass


class SampleSnapshot:
    """Where the samples a save writes were stored when it began; `read` them from the save's thread."""

    def __init__(self, store, scratch, members):
        self._store = store
        self._scratch = scratch
        self._members = members

    def read(self, sample_id):
        """The stored bytes of `sample_id` as they were when the snapshot was taken."""
        path = self._scratch.get(sample_id)
        if path is not None:
            with open(path, "rb") as handle:
                return handle.read()
        return self._store.read_member(self._members[sample_id])


class SampleStore:
    """Encoded samples by sample id; safe to read from worker threads while the UI thread writes.

    One save at a time: `begin_save` ... `end_save` brackets it (the save's thread may call `keep_unsaved`
    and `replace_archive` in between).
    """

    def __init__(self):
        self._lock = threading.RLock()
        self._archive = None
        self._archive_path = None
        self._members = {}
        self._scratch_dir = None
        self._scratch = {}
        self._cleanup = None
        self._saving = None
        # Scratch files discarded while a save may still read them, deleted when it ends; and their samples.
        self._unlink_after_save = []
        self._discarded_while_saving = set()

    # --- reading -------------------------------------------------------------------------------
    def read(self, sample_id):
        """The stored bytes of `sample_id`; ProjectFormatError if the project file's copy is damaged."""
        with self._lock:
            path = self._scratch.get(sample_id)
            if path is not None:
                with open(path, "rb") as handle:
                    return handle.read()
            member = self._members.get(sample_id)
            if member is None:
                raise KeyError(sample_id)
            return self.read_member(member)

    def read_member(self, member):
        """The bytes of `member` of the project file; ProjectFormatError if it is damaged."""
        with self._lock:
            if self._archive is None:
                raise KeyError(member)
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
        """Forget a sample for good (its scratch file goes, once no save reads it; a project-file copy simply is not
        saved again)."""
        with self._lock:
            path = self._scratch.pop(sample_id, None)
            self._members.pop(sample_id, None)
            if self._saving is not None:
                # The running save may be reading it.
                self._discarded_while_saving.add(sample_id)
                if path is not None:
                    self._unlink_after_save.append(path)
            elif path is not None:
                _remove_quietly(path)

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

    def begin_save(self, sample_ids):
        """The SampleSnapshot of `sample_ids` for a save about to run; RuntimeError if one runs already."""
        with self._lock:
            if self._saving is not None:
                raise RuntimeError("a save of this project is running already")
            self._saving = SampleSnapshot(
                self, {i: self._scratch[i] for i in sample_ids if i in self._scratch},
                {i: self._members[i] for i in sample_ids if i not in self._scratch and i in self._members})
            return self._saving

    def keep_unsaved(self, sample_ids):
        """Before the project file is replaced by one without them: copy the samples in `sample_ids` (of removed
        classes, which undo can bring back) that only the project file holds to scratch."""
        for sample_id in sample_ids:
            # One sample per lock, so that other threads' reads go on meanwhile.
            with self._lock:
                if sample_id in self._members and sample_id not in self._scratch:
                    self.put(sample_id, self.read(sample_id))

    def replace_archive(self, path, members, replace):
        """Close the project file, call `replace()` (which renames the new file over `path`), then read `members`
        ({sample id: member name}) from the new file and drop their scratch copies. If `replace` raises, the
        old file is read again. Readers on other threads wait meanwhile, so they never find a sample missing."""
        with self._lock:
            previous_path, previous_members = self._archive_path, self._members
            # Closed before the rename: Windows refuses to replace a file that is open.
            self._close_archive()
            try:
                replace()
            except BaseException:
                if previous_path is not None and os.path.exists(previous_path):
                    self.attach_archive(previous_path, previous_members)
                raise
            self.attach_archive(path, members)
            for sample_id in members:
                scratch = self._scratch.pop(sample_id, None)
                if scratch is not None:
                    _remove_quietly(scratch)

    def end_save(self):
        """The save is over (written or failed): samples discarded meanwhile are gone for good now."""
        with self._lock:
            for sample_id in self._discarded_while_saving:
                self._members.pop(sample_id, None)
            for path in self._unlink_after_save:
                _remove_quietly(path)
            self._discarded_while_saving = set()
            self._unlink_after_save = []
            self._saving = None

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

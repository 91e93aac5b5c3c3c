"""The project: its kind (image or audio), classes, samples, cached embeddings, settings, the trained model and
its history.

An image project's samples are 224x224 RGB pictures. An audio project's are float32 mono clips of
`window_seconds` at SAMPLE_RATE (recordings are cut with `app.audio.cut_windows(signal,
project.window_seconds, project.overlap)`); it has one background noise class
(`ClassInfo.is_background`), which a new audio project starts with, beside one ordinary class, and
which training needs at least MIN_BACKGROUND_SECONDS of (app.ml checks). The background class can be
renamed, disabled or removed like any other (training then says what is missing); `add_class(...,
background=True)` makes one again.

No widgets here. Every change notifies subscribers with `fn(event, payload)`:

    class_added / class_removed / class_renamed / class_moved / class_enabled   payload: ClassInfo
    sample_added / sample_removed / embedding_ready                              payload: Sample
    sample_moved                                                                 payload: (Sample, old_class_id)
    model_trained                                                                payload: history dict
    sampling_changed (an audio project's window length or overlap)              payload: Project
    saved                                                                        payload: path

All mutations happen on one thread (the UI thread); `load_image`, `load_audio`, `load_inputs`, `thumbnail`
and `embedding` may be called from worker threads, and so may a save's writing (app.project.files).
"""
import collections
import dataclasses
import threading
import uuid

import numpy as np

from ..audio import DEFAULT_OVERLAP, DEFAULT_WINDOW_SECONDS, SAMPLE_RATE, check_window
from .media import media_for
from .store import SampleStore

__all__ = ["Sample", "ClassInfo", "TrainingSettings", "Project", "RemovedClass", "PROJECT_KINDS",
           "BACKGROUND_CLASS_NAME", "MIN_BACKGROUND_SECONDS"]

PROJECT_KINDS = ("image", "audio")
BACKGROUND_CLASS_NAME = "Background noise"
# Teachable Machine's rule: the model learns what "nothing in particular" sounds like from this much of it.
MIN_BACKGROUND_SECONDS = 20.0
_THUMBNAIL_CACHE_SIZE = 2048
_DECODED_CACHE_SIZE = 64


def new_id():
    return uuid.uuid4().hex


@dataclasses.dataclass(eq=False)
class Sample:
    """One example of a class (an image or a clip); its data lives in the project's store."""
    id: str
    class_id: str
    source: str = "camera"
    _project: object = dataclasses.field(default=None, repr=False, compare=False)

    @property
    def image(self):
        """The 224x224 RGB uint8 image of an image sample, read on demand."""
        return self._project.load_image(self)

    @property
    def clip(self):
        """The float32 mono clip of a sound sample, read on demand."""
        return self._project.load_audio(self)


@dataclasses.dataclass(eq=False)
class ClassInfo:
    id: str
    name: str
    enabled: bool = True
    sample_ids: list = dataclasses.field(default_factory=list)
    is_background: bool = False


@dataclasses.dataclass
class TrainingSettings:
    epochs: int = 50
    batch_size: int = 16
    learning_rate: float = 0.001
    validation_fraction: float = 0.15
    seed: int = 0

    def to_dict(self):
        return dataclasses.asdict(self)


@dataclasses.dataclass(eq=False)
class RemovedClass:
    """Undo token of `remove_class`: everything needed to put the class back where it was."""
    info: ClassInfo
    index: int
    samples: list
    embeddings: dict


class _LRU:
    """A small thread-safe least-recently-used cache."""

    def __init__(self, capacity):
        self._capacity = capacity
        self._items = collections.OrderedDict()
        self._lock = threading.Lock()

    def get(self, key):
        with self._lock:
            value = self._items.get(key)
            if value is not None:
                self._items.move_to_end(key)
            return value

    def put(self, key, value):
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self._capacity:
                self._items.popitem(last=False)

    def drop(self, key):
        with self._lock:
            self._items.pop(key, None)


class Project:
    """An image or audio classification project (see the module docstring for events and threads).

    `window_seconds` and `overlap` matter for audio projects only (None for image ones): every sample
    is one window long; `overlap` is how recordings are cut and how far apart the live preview's
    windows are. `starter_classes`: a new audio project gets its background class and one ordinary
    class, named as add_class names it ("Class 2"); opening a file builds the project without them.
    """

    def __init__(self, name="Untitled project", kind="image", window_seconds=DEFAULT_WINDOW_SECONDS,
                 overlap=DEFAULT_OVERLAP, starter_classes=True):
        if kind not in PROJECT_KINDS:
            raise ValueError(f"unknown project kind {kind!r}; choose one of {', '.join(PROJECT_KINDS)}")
        self.kind = kind
        if kind == "audio":
            self.window_seconds, self.overlap = check_window(window_seconds, overlap)
        else:
            self.window_seconds = self.overlap = None
        self._media = media_for(kind, self.window_seconds)
        self.id = new_id()
        self.name = name
        self.path = None
        self.classes = []
        self.settings = TrainingSettings()
        self.history = None
        self.dirty = False
        # Bumped on every change; the autosaver compares it with the revision it last wrote.
        self.revision = 0
        self.extractor_name = None
        self._samples = {}
        self._embeddings = {}
        self._model = None
        self._model_labels = []
        # The saved head's .keras bytes, kept so that saving again does not re-serialise an unchanged model.
        self._model_bytes = None
        self._store = SampleStore()
        self._subscribers = []
        self._removed = []
        self._decoded = _LRU(_DECODED_CACHE_SIZE)
        self._thumbnails = _LRU(_THUMBNAIL_CACHE_SIZE)
        if kind == "audio" and starter_classes:
            self.add_class(background=True)
            self.add_class()
            self.dirty = False

    @property
    def sample_rate(self):
        """The rate of an audio project's clips (SAMPLE_RATE); None for an image project."""
        return SAMPLE_RATE if self.kind == "audio" else None

    @property
    def media(self):
        """How this project's samples are prepared, stored and read (app.project.media)."""
        return self._media

    @property
    def window_samples(self):
        """How many samples an audio project's clips hold; None for an image project."""
        return self._media.window_samples if self.kind == "audio" else None

    # --- change notification ---------------------------------------------------------------------
    def subscribe(self, fn):
        """Call fn(event, payload) after every change; returns a function that unsubscribes."""
        self._subscribers.append(fn)
        return lambda: self._subscribers.remove(fn) if fn in self._subscribers else None

    def _changed(self, event, payload, dirty=True):
        if dirty:
            self.dirty = True
            self.revision += 1
        for fn in list(self._subscribers):
            fn(event, payload)

    # --- classes -----------------------------------------------------------------------------------
    def class_info(self, class_id):
        for info in self.classes:
            if info.id == class_id:
                return info
        raise KeyError(f"no class with id {class_id!r}")

    def _class_index(self, class_id):
        return self.classes.index(self.class_info(class_id))

    def add_class(self, name=None, background=False):
        """A new empty class at the end; default names are "Class 1", "Class 2", ... (the first unused).

        `background`: the audio project's background noise class (default name "Background noise"); a
        project has at most one.
        """
        if background:
            if self.kind != "audio":
                raise ValueError("only audio projects have a background noise class")
            if self.background_class() is not None:
                raise ValueError(f"the project already has a background noise class, "
                                 f"{self.background_class().name!r}")
            name = BACKGROUND_CLASS_NAME if name is None else name
        if name is None:
            used = {info.name for info in self.classes}
            number = len(self.classes) + 1
            while f"Class {number}" in used:
                number += 1
            name = f"Class {number}"
        info = ClassInfo(id=new_id(), name=str(name), is_background=bool(background))
        self.classes.append(info)
        self._changed("class_added", info)
        return info

    def background_class(self):
        """The background noise class (ClassInfo) of an audio project, or None."""
        return next((info for info in self.classes if info.is_background), None)

    def background_seconds(self):
        """Seconds of background noise the background class's samples hold: the length of one recording that
        `cut_windows` cuts into that many windows (overlapping windows do not count their shared sound twice;
        several shorter recordings count a little less than their sum). 0 without the class or samples."""
        info = self.background_class()
        count = len(info.sample_ids) if info is not None else 0
        if count == 0:
            return 0.0
        hop = self.window_seconds * (1.0 - self.overlap)
        return round((count - 1) * hop + self.window_seconds, 6)

    def rename_class(self, class_id, name):
        info = self.class_info(class_id)
        name = str(name).strip()
        if not name:
            raise ValueError("a class name cannot be empty")
        if name != info.name:
            info.name = name
            self._changed("class_renamed", info)

    def remove_class(self, class_id):
        """Remove a class and its samples; returns the token that `restore_class` takes to undo it."""
        index = self._class_index(class_id)
        info = self.classes.pop(index)
        samples = [self._samples.pop(sample_id) for sample_id in info.sample_ids]
        embeddings = {s.id: self._embeddings.pop(s.id) for s in samples if s.id in self._embeddings}
        token = RemovedClass(info=info, index=index, samples=samples, embeddings=embeddings)
        self._removed.append(token)
        self._changed("class_removed", info)
        return token

    def restore_class(self, token):
        """Undo `remove_class`: the class comes back at its old position with its samples and embeddings."""
        if token not in self._removed:
            raise ValueError("this class was already restored")
        self._removed.remove(token)
        self.classes.insert(min(token.index, len(self.classes)), token.info)
        for sample in token.samples:
            self._samples[sample.id] = sample
        self._embeddings.update(token.embeddings)
        self._changed("class_added", token.info)

    def set_class_enabled(self, class_id, enabled):
        info = self.class_info(class_id)
        if info.enabled != bool(enabled):
            info.enabled = bool(enabled)
            self._changed("class_enabled", info)

    def move_class(self, class_id, new_index):
        index = self._class_index(class_id)
        new_index = max(0, min(int(new_index), len(self.classes) - 1))
        if new_index != index:
            info = self.classes.pop(index)
            self.classes.insert(new_index, info)
            self._changed("class_moved", info)

    def labels(self):
        """Names of the enabled classes, in order: the classes a new training would learn."""
        return [info.name for info in self.classes if info.enabled]

    # --- samples -------------------------------------------------------------------------------
    def add_sample(self, class_id, data, source="camera"):
        """Add a sample to a class: for an image project an image (any size; centre-cropped and resized to
        224x224), for an audio project a float32 mono clip at SAMPLE_RATE of at most one window (a shorter
        one is padded with silence; ValueError for a longer one)."""
        info = self.class_info(class_id)
        prepared = self._media.prepare(data)
        sample = Sample(id=new_id(), class_id=class_id, source=str(source), _project=self)
        self._store.put(sample.id, self._media.encode(prepared))
        self._samples[sample.id] = sample
        info.sample_ids.append(sample.id)
        self._decoded.put(sample.id, prepared)
        self._changed("sample_added", sample)
        return sample

    def _adopt_sample(self, sample, info):
        """Register a sample whose image is already in the store (used when a project file is opened)."""
        sample._project = self
        self._samples[sample.id] = sample
        info.sample_ids.append(sample.id)

    def sample(self, sample_id):
        return self._samples[sample_id]

    def remove_sample(self, sample_id):
        sample = self._samples.pop(sample_id)
        self.class_info(sample.class_id).sample_ids.remove(sample_id)
        self._embeddings.pop(sample_id, None)
        self._store.discard(sample_id)
        self._decoded.drop(sample_id)
        self._thumbnails.drop(sample_id)
        self._changed("sample_removed", sample)

    def move_sample(self, sample_id, class_id):
        sample = self._samples[sample_id]
        target = self.class_info(class_id)
        if sample.class_id == class_id:
            return
        old_class_id = sample.class_id
        self.class_info(old_class_id).sample_ids.remove(sample_id)
        target.sample_ids.append(sample_id)
        sample.class_id = class_id
        self._changed("sample_moved", (sample, old_class_id))

    def samples_of(self, class_id):
        return [self._samples[sample_id] for sample_id in self.class_info(class_id).sample_ids]

    def set_window_seconds(self, window_seconds):
        """Change an audio project's sample length; only while it has no samples and no model, whose every
        window would otherwise no longer fit the extractor. Event "sampling_changed"."""
        self._require_audio("set_window_seconds")
        if self._samples or self.has_model:
            raise ValueError("the sample length can change only while the project has no samples and no trained "
                             "model")
        window_seconds, _ = check_window(window_seconds, self.overlap)
        if window_seconds != self.window_seconds:
            self.window_seconds = window_seconds
            self._media = media_for(self.kind, window_seconds)
            self._changed("sampling_changed", self)

    def set_overlap(self, overlap):
        """How much an audio project's recordings' windows (and the live preview's) overlap, 0 to MAX_OVERLAP.
        Event "sampling_changed"."""
        self._require_audio("set_overlap")
        _, overlap = check_window(self.window_seconds, overlap)
        if overlap != self.overlap:
            self.overlap = overlap
            self._changed("sampling_changed", self)

    def _require_audio(self, what):
        if self.kind != "audio":
            raise ValueError(f"{what}: only audio projects have a sample length and overlap")

    def all_samples(self):
        """Every sample, class by class in class order."""
        return [self._samples[sample_id] for info in self.classes for sample_id in info.sample_ids]

    @property
    def sample_count(self):
        return len(self._samples)

    def _load(self, sample):
        sample_id = sample.id if isinstance(sample, Sample) else sample
        data = self._decoded.get(sample_id)
        if data is None:
            data = self._media.decode(self._store.read(sample_id), sample_id, self.path or self.name)
            self._decoded.put(sample_id, data)
        return data

    def load_image(self, sample):
        """An image sample's 224x224 RGB uint8 picture (read from disk on demand, recent ones cached)."""
        if self.kind != "image":
            raise TypeError(f"load_image: {self.name!r} is an {self.kind} project; use load_audio")
        return self._load(sample)

    def load_audio(self, sample):
        """A sound sample's float32 mono clip of `window_samples` (read from disk on demand, recent ones cached)."""
        if self.kind != "audio":
            raise TypeError(f"load_audio: {self.name!r} is an {self.kind} project; use load_image")
        return self._load(sample)

    def load_inputs(self, samples):
        """The batch the feature extractor takes: [N, 224, 224, 3] uint8 images or [N, window_samples] float32."""
        return self._media.stack([self._load(sample) for sample in samples])

    def encoded_sample(self, sample):
        """The sample's bytes as stored (PNG for an image, WAV for a clip)."""
        return self._store.read(sample.id if isinstance(sample, Sample) else sample)

    def thumbnail(self, sample, size=96):
        """A size x size RGB uint8 preview: the picture, or a clip's spectrogram (app.audio.spectrogram_image)."""
        sample_id = sample.id if isinstance(sample, Sample) else sample
        key = (sample_id, size)
        small = self._thumbnails.get(key)
        if small is None:
            small = self._media.thumbnail(self._load(sample_id), size)
            self._thumbnails.put(key, small)
        return small

    # --- embeddings ----------------------------------------------------------------------------
    def embedding(self, sample):
        return self._embeddings.get(sample.id if isinstance(sample, Sample) else sample)

    def set_embedding(self, sample_id, vector, extractor_name=None):
        """Cache the feature vector of a sample (ignored if the sample was removed meanwhile)."""
        if sample_id not in self._samples:
            return
        if extractor_name is not None and extractor_name != self.extractor_name:
            # Vectors of another extractor do not mix: start the cache over.
            self._embeddings.clear()
            self.extractor_name = extractor_name
        self._embeddings[sample_id] = np.asarray(vector, dtype=np.float32).reshape(-1)
        self._changed("embedding_ready", self._samples[sample_id])

    def missing_embeddings(self):
        return [sample for sample in self.all_samples() if sample.id not in self._embeddings]

    def embeddings_snapshot(self):
        """{sample id: vector} of the cached embeddings of live samples."""
        return {sample_id: vector for sample_id, vector in self._embeddings.items() if sample_id in self._samples}

    # --- the trained model ---------------------------------------------------------------------
    @property
    def has_model(self):
        return self._model is not None

    def model(self):
        """The trained Keras head (embedding -> softmax over `history["labels"]`), or None before training."""
        return self._model

    def model_labels(self):
        """The labels the trained model predicts, in its output order (the classes at training time)."""
        return list(self._model_labels) if self._model is not None else []

    def set_model(self, model, history):
        """Keep a newly trained head; `history["labels"]` names its outputs in order."""
        self._model = model
        self._model_labels = list(history["labels"])
        self._model_bytes = None
        self.history = history
        self._changed("model_trained", history)

    # --- persistence helpers (used by app.project.files) ---------------------------------------------
    @property
    def store(self):
        return self._store

    def removed_sample_ids(self):
        """Samples of removed classes that undo can still bring back."""
        return [sample.id for token in self._removed for sample in token.samples]

    def saved_model_bytes(self):
        """The trained head's .keras bytes from the last save or open, or None (not serialised yet)."""
        return self._model_bytes

    def keep_model_bytes(self, model, data):
        """A save serialised `model` to `data`: keep the bytes for the next save, if it is still the project's
        model (a new one may have been trained while the save ran)."""
        if model is not None and model is self._model:
            self._model_bytes = data

    def mark_saved(self, path, revision):
        """The project as it was at `revision` is in the file at `path`: clean, unless it changed since."""
        self.path = path
        self.dirty = self.revision != revision
        self._changed("saved", path, dirty=False)

    def close(self):
        """Release the project file and delete unsaved samples' scratch files."""
        self._store.close()

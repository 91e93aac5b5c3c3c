"""The image project: classes, samples, cached embeddings, settings, the trained model and its history.

No widgets here. Every change notifies subscribers with `fn(event, payload)`:

    class_added / class_removed / class_renamed / class_moved / class_enabled   payload: ClassInfo
    sample_added / sample_removed / embedding_ready                              payload: Sample
    sample_moved                                                                 payload: (Sample, old_class_id)
    model_trained                                                                payload: history dict
    saved                                                                        payload: path

All mutations happen on one thread (the UI thread); `load_image`, `thumbnail` and `embedding`
may be called from worker threads.
"""
import collections
import dataclasses
import threading
import uuid

import numpy as np

from ..errors import ProjectFormatError
from ..imaging import IMAGE_SIZE, decode_image, encode_png, prepare_image, thumbnail as make_thumbnail
from .store import SampleStore

__all__ = ["Sample", "ClassInfo", "TrainingSettings", "Project", "RemovedClass"]

_THUMBNAIL_CACHE_SIZE = 2048
_IMAGE_CACHE_SIZE = 64
_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_PNG_SIZE = IMAGE_SIZE.to_bytes(4, "big") * 2


def new_id():
    return uuid.uuid4().hex


@dataclasses.dataclass(eq=False)
class Sample:
    """One example image of a class; its pixels live in the project's store (`project.load_image(sample)`)."""
    id: str
    class_id: str
    source: str = "camera"
    _project: object = dataclasses.field(default=None, repr=False, compare=False)

    @property
    def image(self):
        """The 224x224 RGB uint8 image, read on demand."""
        return self._project.load_image(self)


@dataclasses.dataclass(eq=False)
class ClassInfo:
    id: str
    name: str
    enabled: bool = True
    sample_ids: list = dataclasses.field(default_factory=list)


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
    """An image classification project (see the module docstring for events and threads)."""

    kind = "image"

    def __init__(self, name="Untitled project"):
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
        self._images = _LRU(_IMAGE_CACHE_SIZE)
        self._thumbnails = _LRU(_THUMBNAIL_CACHE_SIZE)

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

    def add_class(self, name=None):
        """A new empty class at the end; default names are "Class 1", "Class 2", ... (the first unused)."""
        if name is None:
            used = {info.name for info in self.classes}
            number = len(self.classes) + 1
            while f"Class {number}" in used:
                number += 1
            name = f"Class {number}"
        info = ClassInfo(id=new_id(), name=str(name))
        self.classes.append(info)
        self._changed("class_added", info)
        return info

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
    def add_sample(self, class_id, image, source="camera"):
        """Add an image (any size; centre-cropped and resized to 224x224) to a class."""
        info = self.class_info(class_id)
        prepared = prepare_image(image)
        sample = Sample(id=new_id(), class_id=class_id, source=str(source), _project=self)
        self._store.put(sample.id, encode_png(prepared))
        self._samples[sample.id] = sample
        info.sample_ids.append(sample.id)
        self._images.put(sample.id, prepared)
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
        self._images.drop(sample_id)
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

    def all_samples(self):
        """Every sample, class by class in class order."""
        return [self._samples[sample_id] for info in self.classes for sample_id in info.sample_ids]

    @property
    def sample_count(self):
        return len(self._samples)

    def load_image(self, sample):
        """The sample's 224x224 RGB uint8 image (read from disk on demand, recent ones cached)."""
        sample_id = sample.id if isinstance(sample, Sample) else sample
        image = self._images.get(sample_id)
        if image is None:
            data = self._store.read(sample_id)
            # Check the header before decoding: a crafted file could hold a tiny PNG of enormous dimensions.
            if data[:8] != _PNG_SIGNATURE or data[12:16] != b"IHDR" or data[16:24] != _PNG_SIZE:
                raise ProjectFormatError(f"{self.path or self.name}: sample {sample_id} is not a "
                                         f"{IMAGE_SIZE}x{IMAGE_SIZE} PNG image")
            image = decode_image(data, f"sample {sample_id}")
            self._images.put(sample_id, image)
        return image

    def load_images(self, samples):
        """[N, 224, 224, 3] uint8 batch of these samples."""
        return np.stack([self.load_image(sample) for sample in samples]) if samples else (
            np.zeros((0, 224, 224, 3), np.uint8))

    def encoded_image(self, sample):
        """The sample's PNG bytes as stored."""
        return self._store.read(sample.id if isinstance(sample, Sample) else sample)

    def thumbnail(self, sample, size=96):
        sample_id = sample.id if isinstance(sample, Sample) else sample
        key = (sample_id, size)
        small = self._thumbnails.get(key)
        if small is None:
            small = make_thumbnail(self.load_image(sample_id), size)
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

    def mark_saved(self, path):
        self.path = path
        self.dirty = False
        self._changed("saved", path, dirty=False)

    def close(self):
        """Release the project file and delete unsaved samples' scratch files."""
        self._store.close()

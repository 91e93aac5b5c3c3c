"""Project-level steps shared by the window and the command line: pick the extractor, embed what is missing,
train, classify. The same steps serve image and audio projects."""
import numpy as np

from ..errors import TrainingError
from ..project import MIN_BACKGROUND_SECONDS
from .audio_extractor import AudioFeatureExtractor
from .classifier import Classifier
from .extractor import ImageFeatureExtractor
from .training import train_head

__all__ = ["extractor_for", "compute_missing_embeddings", "check_background", "training_data", "train_project",
           "project_classifier", "calibration_inputs", "CALIBRATION_SAMPLES"]

# Samples that calibrate an int8 export: TFLite's converter guidance is a hundred or so; more only adds time.
CALIBRATION_SAMPLES = 100


def extractor_for(project, backend=None):
    """A new feature extractor for the project's kind: EfficientNet-Lite0 for images, aiSFX (at the project's
    window length) for sounds."""
    if project.kind == "audio":
        return AudioFeatureExtractor(window_samples=project.window_samples, backend=backend)
    return ImageFeatureExtractor(backend=backend)


def _check_extractor(project, extractor):
    if extractor.kind != project.kind:
        raise TrainingError(f"an {extractor.kind} feature extractor cannot embed the samples of the {project.kind} "
                            f"project {project.name!r}")
    if project.kind == "audio" and extractor.window_samples != project.window_samples:
        raise TrainingError(f"the sound extractor takes clips of {extractor.window_samples} samples but the project "
                            f"{project.name!r} has windows of {project.window_samples}")


def compute_missing_embeddings(project, extractor, progress=None, should_stop=lambda: False):
    """Embed every sample without a cached embedding, a batch at a time; progress(done, total) after each.

    Returns how many were embedded (fewer if should_stop() said stop).
    """
    _check_extractor(project, extractor)
    missing = project.missing_embeddings()
    done = 0
    for start in range(0, len(missing), extractor.batch_size):
        if should_stop():
            break
        batch = missing[start:start + extractor.batch_size]
        vectors = extractor.embed(project.load_inputs(batch))
        for sample, vector in zip(batch, vectors):
            project.set_embedding(sample.id, vector, extractor_name=extractor.name)
        done += len(batch)
        if progress is not None:
            progress(done, len(missing))
    return done


def check_background(project, min_background_seconds=MIN_BACKGROUND_SECONDS):
    """TrainingError unless the audio project's background class is there, enabled and long enough."""
    info = project.background_class()
    rule = (f"audio training needs at least {min_background_seconds:g} s of background noise, so that the model "
            "learns what the room sounds like when none of your sounds plays")
    if info is None:
        raise TrainingError(f"the project has no background noise class; {rule}")
    if not info.enabled:
        raise TrainingError(f"the background noise class {info.name!r} is disabled; {rule}")
    seconds = project.background_seconds()
    if seconds < min_background_seconds:
        raise TrainingError(f"the background noise class {info.name!r} has {seconds:g} s of samples; {rule} "
                            f"(record {min_background_seconds - seconds:g} s more)")


def training_data(project, min_background_seconds=MIN_BACKGROUND_SECONDS):
    """(embeddings [n, d], labels [n], label names) of the enabled classes; TrainingError says what is lacking.

    Audio projects also need `min_background_seconds` of background noise.
    """
    classes = [info for info in project.classes if info.enabled]
    if len(classes) < 2:
        raise TrainingError("training needs at least two enabled classes")
    if project.kind == "audio":
        check_background(project, min_background_seconds)
    vectors, labels = [], []
    for index, info in enumerate(classes):
        samples = project.samples_of(info.id)
        if not samples:
            raise TrainingError(f"class {info.name!r} has no samples; add some or disable it")
        for sample in samples:
            vector = project.embedding(sample)
            if vector is None:
                raise TrainingError(f"sample {sample.id} of class {info.name!r} has no embedding yet")
            vectors.append(vector)
            labels.append(index)
    return np.stack(vectors), np.array(labels, np.int32), [info.name for info in classes]


def train_project(project, extractor=None, callbacks=(), should_stop=lambda: False, embed_progress=None,
                  min_background_seconds=MIN_BACKGROUND_SECONDS):
    """Embed what is missing (when given an extractor), train a head on the enabled classes with the project's
    settings, and keep it in the project. Returns the history (with "labels" and "extractor")."""
    if extractor is not None:
        compute_missing_embeddings(project, extractor, progress=embed_progress, should_stop=should_stop)
    embeddings, labels, names = training_data(project, min_background_seconds)
    head, history = train_head(embeddings, labels, len(names), project.settings, callbacks=callbacks,
                               should_stop=should_stop)
    history["labels"] = names
    history["extractor"] = project.extractor_name
    project.set_model(head, history)
    return history


def project_classifier(project, extractor):
    """The Classifier of the project's trained model; TrainingError if it has none or the extractor does not fit."""
    if not project.has_model:
        raise TrainingError(f"{project.path or project.name}: the project has no trained model; train it first")
    _check_extractor(project, extractor)
    return Classifier(extractor, project.model(), project.model_labels())


def calibration_inputs(project, limit=CALIBRATION_SAMPLES):
    """Up to `limit` exported-model inputs from the project's enabled classes, taken in turn from each class
    (float32 RGB 0..255 images or waveforms): the representative data of an int8 export."""
    queues = [list(project.samples_of(info.id)) for info in project.classes if info.enabled]
    chosen = []
    while len(chosen) < limit and any(queues):
        for queue in queues:
            if queue and len(chosen) < limit:
                chosen.append(queue.pop(0))
    if not chosen:
        raise TrainingError("the project has no samples to calibrate an int8 export with")
    return np.asarray(project.load_inputs(chosen), dtype=np.float32)

"""Project-level steps shared by the window and the command line: embed what is missing, train, classify."""
import numpy as np

from ..errors import TrainingError
from .classifier import Classifier
from .training import train_head

__all__ = ["compute_missing_embeddings", "training_data", "train_project", "project_classifier"]


def compute_missing_embeddings(project, extractor, progress=None, should_stop=lambda: False):
    """Embed every sample without a cached embedding, a batch at a time; progress(done, total) after each.

    Returns how many were embedded (fewer if should_stop() said stop).
    """
    missing = project.missing_embeddings()
    done = 0
    for start in range(0, len(missing), extractor.batch_size):
        if should_stop():
            break
        batch = missing[start:start + extractor.batch_size]
        vectors = extractor.embed(project.load_images(batch))
        for sample, vector in zip(batch, vectors):
            project.set_embedding(sample.id, vector, extractor_name=extractor.name)
        done += len(batch)
        if progress is not None:
            progress(done, len(missing))
    return done


def training_data(project):
    """(embeddings [n, d], labels [n], label names) of the enabled classes; TrainingError says what is lacking."""
    classes = [info for info in project.classes if info.enabled]
    if len(classes) < 2:
        raise TrainingError("training needs at least two enabled classes")
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


def train_project(project, extractor=None, callbacks=(), should_stop=lambda: False, embed_progress=None):
    """Embed what is missing (when given an extractor), train a head on the enabled classes with the project's
    settings, and keep it in the project. Returns the history (with "labels" and "extractor")."""
    if extractor is not None:
        compute_missing_embeddings(project, extractor, progress=embed_progress, should_stop=should_stop)
    embeddings, labels, names = training_data(project)
    head, history = train_head(embeddings, labels, len(names), project.settings, callbacks=callbacks,
                               should_stop=should_stop)
    history["labels"] = names
    history["extractor"] = project.extractor_name
    project.set_model(head, history)
    return history


def project_classifier(project, extractor):
    """The Classifier of the project's trained model; TrainingError if it has none."""
    if not project.has_model:
        raise TrainingError(f"{project.path or project.name}: the project has no trained model; train it first")
    return Classifier(extractor, project.model(), project.model_labels())

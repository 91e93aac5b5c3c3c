"""The project model: classes, samples, embeddings, undo, events; thousands of samples."""
import numpy as np
import pytest

from app.imaging import IMAGE_SIZE
from app.project import Project


def colour(value, size=(240, 320)):
    return np.full(size + (3,), value, np.uint8)


@pytest.fixture
def project():
    return Project("shapes")


def test_classes_get_default_names_and_keep_their_order(project):
    first, second, third = project.add_class(), project.add_class(), project.add_class("Cats")
    assert [info.name for info in project.classes] == ["Class 1", "Class 2", "Cats"]
    project.rename_class(first.id, "Dogs")
    project.move_class(third.id, 0)
    assert [info.name for info in project.classes] == ["Cats", "Dogs", "Class 2"]
    assert project.add_class().name == "Class 4"
    project.set_class_enabled(second.id, False)
    assert project.labels() == ["Cats", "Dogs", "Class 4"]
    with pytest.raises(ValueError):
        project.rename_class(first.id, "  ")


def test_every_change_is_announced_and_marks_the_project_dirty(project):
    events = []
    unsubscribe = project.subscribe(lambda event, payload: events.append((event, payload)))
    info = project.add_class()
    sample = project.add_sample(info.id, colour(5))
    other = project.add_class()
    project.move_sample(sample.id, other.id)
    project.set_embedding(sample.id, np.zeros(4))
    project.remove_sample(sample.id)
    assert [event for event, _ in events] == ["class_added", "sample_added", "class_added", "sample_moved",
                                              "embedding_ready", "sample_removed"]
    assert events[3][1] == (sample, info.id)
    assert project.dirty and project.revision == 6
    unsubscribe()
    project.add_class()
    assert len(events) == 6


def test_samples_are_prepared_and_read_back(project):
    info = project.add_class()
    image = np.random.RandomState(0).randint(0, 256, (300, 500, 3)).astype(np.uint8)
    sample = project.add_sample(info.id, image, source="file:photo.jpg")
    loaded = project.load_image(sample)
    assert loaded.shape == (IMAGE_SIZE, IMAGE_SIZE, 3)
    assert np.array_equal(sample.image, loaded)
    assert project.thumbnail(sample).shape == (96, 96, 3)
    assert project.samples_of(info.id) == [sample] and sample.source == "file:photo.jpg"


def test_moving_and_removing_samples(project):
    a, b = project.add_class(), project.add_class()
    samples = [project.add_sample(a.id, colour(i)) for i in range(3)]
    project.move_sample(samples[1].id, b.id)
    assert project.samples_of(a.id) == [samples[0], samples[2]] and project.samples_of(b.id) == [samples[1]]
    assert samples[1].class_id == b.id
    project.remove_sample(samples[0].id)
    assert project.samples_of(a.id) == [samples[2]] and project.sample_count == 2


def test_removing_a_class_can_be_undone_with_samples_and_embeddings(project):
    project.add_class("A")
    b = project.add_class("B")
    project.add_class("C")
    samples = [project.add_sample(b.id, colour(10 * i)) for i in range(3)]
    project.set_embedding(samples[0].id, np.arange(4.0))
    token = project.remove_class(b.id)
    assert project.labels() == ["A", "C"] and project.sample_count == 0
    assert project.missing_embeddings() == []
    project.restore_class(token)
    assert [info.name for info in project.classes] == ["A", "B", "C"]
    assert project.samples_of(b.id) == samples
    assert np.array_equal(project.embedding(samples[0]), np.arange(4.0))
    assert np.all(project.load_image(samples[2]) == 20)
    with pytest.raises(ValueError):
        project.restore_class(token)


def test_missing_embeddings_and_extractor_change(project):
    info = project.add_class()
    samples = [project.add_sample(info.id, colour(i)) for i in range(3)]
    project.set_embedding(samples[0].id, np.ones(3), extractor_name="small")
    assert project.missing_embeddings() == samples[1:]
    project.set_embedding(samples[1].id, np.ones(3), extractor_name="other")
    assert project.missing_embeddings() == [samples[0], samples[2]]
    project.remove_sample(samples[2].id)
    project.set_embedding(samples[2].id, np.ones(3))     # removed meanwhile: ignored
    assert project.embedding(samples[2]) is None


def test_set_model_records_labels_and_history(project):
    sentinel = object()
    history = {"labels": ["x", "y"], "loss": [1.0]}
    project.set_model(sentinel, history)
    assert project.has_model and project.model() is sentinel and project.model_labels() == ["x", "y"]
    assert project.history is history


def test_thousands_of_samples_in_many_classes(project):
    """50 classes x 60 samples: adding, listing, embedding bookkeeping and moving stay linear."""
    classes = [project.add_class() for _ in range(50)]
    image = colour(128, (IMAGE_SIZE, IMAGE_SIZE))
    for info in classes:
        for _ in range(60):
            project.add_sample(info.id, image)
    assert project.sample_count == 3000
    everything = project.all_samples()
    for sample in everything[::2]:
        project.set_embedding(sample.id, np.zeros(8, np.float32))
    assert len(project.missing_embeddings()) == 1500
    assert sum(len(project.samples_of(info.id)) for info in classes) == 3000
    for sample in project.samples_of(classes[0].id):
        project.move_sample(sample.id, classes[1].id)
    assert len(project.samples_of(classes[1].id)) == 120

"""Head training, the classifier, and exports that load back and predict the same."""
import json
import os
import subprocess
import zipfile

import numpy as np
import pytest

import engine as tf
from app.errors import AppError, TrainingError
from app.ml import (Classifier, ImageFeatureExtractor, code_snippets, compute_missing_embeddings, export,
                    parse_formats, project_classifier, stratified_split, train_head, train_project)
from app.project import Project, TrainingSettings

from .helpers import shape_images, small_extractor

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def separable_embeddings(classes=3, per_class=40, dims=24, seed=0):
    rng = np.random.default_rng(seed)
    centres = rng.normal(0, 3, (classes, dims))
    labels = np.repeat(np.arange(classes), per_class)
    return (centres[labels] + rng.normal(0, 1, (len(labels), dims))).astype(np.float32), labels


def test_stratified_split_takes_a_share_of_every_class():
    labels = np.array([0] * 20 + [1] * 7 + [2] * 2 + [3])
    train, validation = stratified_split(labels, 4, 0.15, seed=1)
    assert sorted(np.concatenate([train, validation])) == list(range(len(labels)))
    assert [int(np.sum(labels[validation] == c)) for c in range(4)] == [3, 1, 1, 0]
    again = stratified_split(labels, 4, 0.15, seed=1)
    assert np.array_equal(again[1], validation)
    assert len(stratified_split(labels, 4, 0.0, seed=1)[1]) == 0


def test_train_head_learns_separable_data_and_reports_the_confusion_matrix():
    x, y = separable_embeddings()
    settings = TrainingSettings(epochs=25, batch_size=16, learning_rate=0.003, validation_fraction=0.25, seed=3)
    epochs_seen = []
    callback = tf.keras.callbacks.LambdaCallback(on_epoch_end=lambda epoch, logs: epochs_seen.append(logs))
    head, history = train_head(x, y, 3, settings, callbacks=[callback])
    assert history["val_accuracy"][-1] >= 0.95
    assert len(history["loss"]) == len(history["val_loss"]) == len(epochs_seen) == history["epochs"] == 25
    assert history["loss"][-1] < history["loss"][0]
    assert len(history["seconds_per_epoch"]) == 25 and history["backend"] == tf.get_backend()
    # The matrix and per-class accuracy, recomputed with numpy on the same validation split.
    _, validation = stratified_split(y, 3, 0.25, seed=3)
    assert history["validation_size"] == len(validation) == 30 and history["evaluated_on"] == "validation"
    predicted = np.argmax(head.predict(x[validation], verbose=0), axis=1)
    expected = np.zeros((3, 3), int)
    for truth, guess in zip(y[validation], predicted):
        expected[truth, guess] += 1
    assert history["confusion_matrix"] == expected.tolist()
    assert history["per_class_accuracy"] == [expected[i, i] / expected[i].sum() for i in range(3)]
    assert np.isclose(history["val_accuracy"][-1], np.trace(expected) / expected.sum())


def test_training_is_reproducible_with_the_same_seed():
    x, y = separable_embeddings(classes=2, per_class=20)
    settings = TrainingSettings(epochs=3, seed=7)
    assert train_head(x, y, 2, settings)[1]["loss"] == train_head(x, y, 2, settings)[1]["loss"]


def test_training_stops_when_asked():
    x, y = separable_embeddings(per_class=50)
    calls = []

    def should_stop():
        calls.append(1)
        return len(calls) > 3

    # Checked before each call of the training step (an epoch's 16 batches here: one call) and at each epoch's end:
    # the fourth check, at the end of the second epoch, stops training there.
    _, history = train_head(x, y, 3, TrainingSettings(epochs=50, batch_size=8), should_stop=should_stop)
    assert history["stopped"] and history["epochs"] == 2 and len(calls) == 4


def test_bad_training_inputs_are_clear_errors():
    x, y = separable_embeddings(classes=2, per_class=3)
    with pytest.raises(TrainingError, match="at least two classes"):
        train_head(x, y, 1, TrainingSettings())
    with pytest.raises(TrainingError, match="labels must be in"):
        train_head(x, y + 5, 2, TrainingSettings())
    project = Project()
    project.add_class("lonely")
    with pytest.raises(TrainingError, match="at least two enabled classes"):
        train_project(project)
    project.add_class("empty")
    with pytest.raises(TrainingError, match="'lonely' has no samples"):
        train_project(project)


@pytest.fixture(scope="module")
def trained():
    """A project of circles, squares and triangles trained on the small stand-in extractor."""
    extractor = small_extractor()
    project = Project("shapes")
    for kind in ("circle", "square", "triangle"):
        info = project.add_class(kind)
        for image in shape_images(kind, 12):
            project.add_sample(info.id, image)
    project.settings = TrainingSettings(epochs=40, learning_rate=0.01, validation_fraction=0.25)
    progress = []
    history = train_project(project, extractor, embed_progress=lambda done, total: progress.append((done, total)))
    assert progress[-1] == (36, 36) and project.missing_embeddings() == []
    return project, extractor, history


def test_train_project_keeps_the_model_and_labels(trained):
    project, extractor, history = trained
    assert project.has_model and project.model_labels() == ["circle", "square", "triangle"]
    assert history["labels"] == ["circle", "square", "triangle"] and history["extractor"] == "small_extractor"
    assert compute_missing_embeddings(project, extractor) == 0


def test_classifier_predicts_like_its_parts_and_like_the_full_model(trained):
    project, extractor, _ = trained
    classifier = project_classifier(project, extractor)
    images = np.stack(shape_images("triangle", 2, seed=9) + shape_images("circle", 1, seed=9))
    scores = classifier.predict(images)
    assert scores.shape == (3, 3) and np.allclose(scores.sum(axis=1), 1, atol=1e-5)
    by_parts = project.model().predict(extractor.embed(images), verbose=0)
    assert np.allclose(scores, by_parts, atol=1e-5)
    full = classifier.full_model().predict(images.astype(np.float32), verbose=0)
    assert np.allclose(scores, full, atol=1e-5)
    one = classifier.predict_one(np.pad(images[0], ((40, 40), (0, 0), (0, 0))))     # any size is prepared
    assert list(one) == ["circle", "square", "triangle"] and np.isclose(sum(one.values()), 1, atol=1e-5)
    with pytest.raises(ValueError, match="2 outputs but 3 labels|3 outputs but 2 labels"):
        Classifier(extractor, project.model(), ["a", "b"])


def test_export_writes_models_that_load_back_and_predict_the_same(trained, tmp_path):
    project, extractor, _ = trained
    classifier = project_classifier(project, extractor)
    images = np.stack(shape_images("square", 2, seed=5))
    expected = classifier.predict(images)
    written = export(classifier, ["tfjs", "keras", "h5"], tmp_path / "out", model_name="shapes")
    out = tmp_path / "out"
    assert sorted(os.path.relpath(p, out) for p in written) == sorted(
        ["labels.txt", "metadata.json", "tfjs", "tfjs.zip", "model.keras", "model.h5", "README.md"])
    assert (out / "labels.txt").read_text() == "circle\nsquare\ntriangle\n"
    for path in (out / "tfjs", out / "model.keras", out / "model.h5"):
        loaded = tf.keras.models.load_model(str(path))
        assert np.allclose(loaded.predict(images.astype(np.float32), verbose=0), expected, atol=1e-5), path
    metadata = json.loads((out / "tfjs" / "metadata.json").read_text())
    assert metadata["labels"] == ["circle", "square", "triangle"] and metadata["imageSize"] == 224
    assert metadata["modelName"] == "shapes" and metadata["input"]["range"] == [0, 255]
    assert json.loads((out / "metadata.json").read_text()) == metadata
    with zipfile.ZipFile(out / "tfjs.zip") as archive:
        names = archive.namelist()
    assert "model.json" in names and "metadata.json" in names and any(n.endswith(".bin") for n in names)
    readme = (out / "README.md").read_text()
    assert 'keras.models.load_model("model.keras")' in readme and 'tf.loadLayersModel("tfjs/model.json")' in readme


def test_exported_tfjs_model_runs_in_tensorflow_js(trained, tmp_path):
    project, extractor, _ = trained
    classifier = project_classifier(project, extractor)
    export(classifier, ["tfjs"], tmp_path)
    images = np.stack(shape_images("circle", 1, seed=11)).astype(np.float32)
    jobs = tmp_path / "jobs.json"
    jobs.write_text(json.dumps({"jobs": [{"model": str(tmp_path / "tfjs"),
                                          "inputs": [{"shape": list(images.shape), "data": images.ravel().tolist()}]}]}))
    results = tmp_path / "results.json"
    subprocess.run(["node", os.path.join(ROOT, "tests", "node", "tfjs_check.mjs"), "predict", str(jobs), str(results)],
                   check=True, capture_output=True, timeout=120)
    output = json.loads(results.read_text())["results"][0]["outputs"][0]
    assert output["shape"] == [1, 3]
    assert np.allclose(output["data"], classifier.predict(images.astype(np.uint8))[0], atol=1e-4)


def test_export_refuses_unknown_formats(trained, tmp_path):
    with pytest.raises(AppError, match="unknown export format 'coreml'"):
        parse_formats("tfjs,coreml")
    assert parse_formats(" keras, tfjs,keras ") == ["keras", "tfjs"]
    with pytest.raises(AppError, match="no export format"):
        parse_formats("")


def test_real_extractor_embeds_and_its_full_model_exports(tmp_path):
    """End to end with EfficientNet-Lite0 and its shipped weights."""
    extractor = ImageFeatureExtractor()
    images = np.stack(shape_images("circle", 1) + shape_images("square", 1))
    vectors = extractor.embed(images)
    assert vectors.shape == (2, 1280) and extractor.embedding_size == 1280
    assert np.all(np.isfinite(vectors)) and not np.allclose(vectors[0], vectors[1])
    assert np.allclose(extractor.embed(images[:1]), vectors[:1], atol=1e-4)
    x, y = np.repeat(vectors, 4, axis=0), np.repeat([0, 1], 4)
    head, _ = train_head(x, y, 2, TrainingSettings(epochs=5, validation_fraction=0))
    classifier = Classifier(extractor, head, ["circle", "square"])
    expected = classifier.predict(images)
    export(classifier, ["keras"], tmp_path)
    loaded = tf.keras.models.load_model(str(tmp_path / "model.keras"))
    assert np.allclose(loaded.predict(images.astype(np.float32), verbose=0), expected, atol=1e-4)
    with pytest.raises(ValueError, match="expected prepared images"):
        extractor.embed(np.zeros((1, 100, 100, 3), np.uint8))


def test_the_h5_only_snippet_loads_with_tf_keras_which_wires_nested_models():
    """Keras 3 refuses a legacy .h5 whose model calls a nested model (the app's always does), even tf_keras's own
    (tests/engine/io/test_files_interop_keras3.py); the snippet for model.h5 alone uses tf_keras, and a sound
    model's, whose first layer exists for Keras 3 only, points to model.keras."""
    image = code_snippets(["h5"])["python"]
    assert "import tf_keras as keras" in image and 'load_model("model.h5")' in image and "import keras\n" not in image
    assert 'load_model("model.keras")' in code_snippets(["keras", "h5"])["python"]
    sound = code_snippets(["h5"], "audio")["python"]
    assert "model.keras" in sound and "load_model" not in sound

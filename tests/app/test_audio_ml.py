"""Sound classifiers: training on the synthetic microphone's sounds, the background rule, the sliding-window
listener, and exports that TF.js (with the shipped LogMelSpectrogram layer) and Keras 3 run as our engine does."""
import json
import os
import shutil
import subprocess
import sys

import numpy as np
import pytest
import soundfile

import engine as tf
from app.audio import SAMPLE_RATE, cut_windows
from app.capture import SyntheticAudioSource, class_sound
from app.errors import TrainingError
from app.ml import (AudioFeatureExtractor, ImageFeatureExtractor, SlidingWindowListener, code_snippets, export,
                    extractor_for, last_heard, project_classifier, train_project, training_data)
from app.project import MIN_BACKGROUND_SECONDS, Project, TrainingSettings
from engine.applications.audio.aisfx import aisfx_front_end

from .audio_helpers import SOUND_CLASSES, record, recorded_project, small_audio_extractor

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
NODE_DIR = os.path.join(ROOT, "tests", "node")


def sound_project(window_seconds=1.0, overlap=0.5):
    project = Project("sounds", kind="audio", window_seconds=window_seconds, overlap=overlap)
    project.rename_class(project.classes[1].id, SOUND_CLASSES[1])
    for name in SOUND_CLASSES[2:]:
        project.add_class(name)
    project.settings = TrainingSettings(epochs=40, learning_rate=0.01, validation_fraction=0.25, seed=2)
    return project


@pytest.fixture(scope="module")
def trained():
    """Background noise (the full 20 s), a tone, a chirp and clicks from the synthetic microphone, 8 s each."""
    extractor = small_audio_extractor()
    project = recorded_project(sound_project(), seconds_per_class=8, seed=3, background_seconds=MIN_BACKGROUND_SECONDS)
    history = train_project(project, extractor)
    return project, extractor, history


def test_training_on_recorded_sounds_reaches_high_validation_accuracy(trained):
    project, extractor, history = trained
    assert [len(info.sample_ids) for info in project.classes] == [39, 15, 15, 15]
    assert project.background_seconds() == MIN_BACKGROUND_SECONDS == 20.0       # one 20 s recording, cut
    assert history["labels"] == ["Background noise", "tone", "chirp", "clicks"]
    assert history["validation_size"] == 22 and history["val_accuracy"][-1] >= 0.95, history["confusion_matrix"]
    assert history["extractor"] == "small_audio_extractor" and project.extractor_name == "small_audio_extractor"
    # New recordings, from another seed, are recognised too.
    classifier = project_classifier(project, extractor)
    with SyntheticAudioSource(seed=11, realtime=False) as source:
        for index in range(4):
            windows = cut_windows(record(source, index, 3.0), 1.0, 0.5)
            predicted = np.argmax(classifier.predict(windows), axis=1)
            assert np.mean(predicted == index) >= 0.8, (index, predicted)


def test_training_needs_twenty_seconds_of_background_noise():
    project = recorded_project(sound_project(), seconds_per_class=2, seed=1, background_seconds=5.5)
    extractor = small_audio_extractor()
    assert len(project.background_class().sample_ids) == 10 and project.background_seconds() == 5.5
    with pytest.raises(TrainingError, match=r"'Background noise' has 5.5 s of samples; audio training needs at least "
                                            r"20 s of background noise.*\(record 14.5 s more\)"):
        train_project(project, extractor)
    project.settings.epochs = 2
    assert train_project(project, extractor, min_background_seconds=5.5)["labels"][0] == "Background noise"
    background = project.background_class()
    project.set_class_enabled(background.id, False)
    with pytest.raises(TrainingError, match="'Background noise' is disabled"):
        training_data(project, min_background_seconds=1)
    project.remove_class(background.id)
    with pytest.raises(TrainingError, match="has no background noise class"):
        training_data(project, min_background_seconds=1)


def test_the_extractor_must_fit_the_project():
    project = sound_project(window_seconds=0.5)
    assert isinstance(extractor_for(project), AudioFeatureExtractor) and extractor_for(project).window_samples == 22050
    assert isinstance(extractor_for(Project("pictures")), ImageFeatureExtractor)
    with pytest.raises(TrainingError, match="takes clips of 44100 samples but the project 'sounds' has windows of "
                                            "22050"):
        train_project(project, small_audio_extractor(1.0))
    with pytest.raises(TrainingError, match="an image feature extractor cannot embed the samples of the audio project"):
        train_project(project, ImageFeatureExtractor())
    with pytest.raises(ValueError, match="not clips of 22050 samples"):
        AudioFeatureExtractor(window_samples=22050, model=small_audio_extractor(1.0).model)


def test_the_classifier_and_its_full_model_agree(trained):
    project, extractor, _ = trained
    classifier = project_classifier(project, extractor)
    clips = np.stack([class_sound(index, 5 * SAMPLE_RATE, SAMPLE_RATE, seed=8) for index in range(4)])
    scores = classifier.predict(clips)
    np.testing.assert_allclose(scores, project.model().predict(extractor.embed(clips), verbose=0), atol=1e-6)
    full = classifier.full_model()
    assert full.inputs[0].shape[1:] == (SAMPLE_RATE,) and full.name == "glimmer_audio_classifier"
    np.testing.assert_allclose(full.predict(clips, verbose=0), scores, atol=1e-5)
    # A shorter clip is padded with silence, as the project pads a short sample.
    short = class_sound(1, 0, 20000, seed=8)
    padded = np.zeros(SAMPLE_RATE, np.float32)
    padded[:20000] = short
    one = classifier.predict_one(short)
    assert list(one) == project.model_labels()
    np.testing.assert_allclose(list(one.values()), classifier.predict(padded[None])[0], atol=1e-6)


def test_the_listener_scores_the_windows_cut_windows_cuts_however_the_samples_arrive(trained):
    project, extractor, _ = trained
    classifier = project_classifier(project, extractor)
    signal = np.concatenate([class_sound(k, 0, SAMPLE_RATE, seed=4) for k in (0, 1, 2, 3)])[:int(3.7 * SAMPLE_RATE)]
    expected = classifier.predict(cut_windows(signal, 1.0, 0.5))
    listener = SlidingWindowListener(classifier, window_seconds=1.0, hop_seconds=0.5)
    rng = np.random.default_rng(0)
    results, position = [], 0
    while position < len(signal):
        size = int(rng.integers(1, 9000))
        results += listener.push(signal[position:position + size])
        position += size
    assert listener.finish() == []
    assert [(start, end) for start, end, _ in results] == [(0.0, 1.0), (0.5, 1.5), (1.0, 2.0), (1.5, 2.5),
                                                            (2.0, 3.0), (2.5, 3.5)]
    got = np.array([[scores[label] for label in classifier.labels] for _, _, scores in results])
    np.testing.assert_allclose(got, expected, atol=1e-5)
    assert listener.windows_scored == 6 and listener.heard_seconds == pytest.approx(3.7, abs=1e-4)
    # A recording shorter than one window: one window, padded, reported to the recording's end.
    listener.reset()
    assert listener.push(signal[:30000]) == []
    (start, end, scores), = listener.finish()
    assert start == 0.0 and end == pytest.approx(30000 / SAMPLE_RATE)
    np.testing.assert_allclose([scores[label] for label in classifier.labels],
                               classifier.predict(cut_windows(signal[:30000], 1.0, 0.5))[0], atol=1e-5)
    with pytest.raises(ValueError, match="takes windows of 44100 samples, not 22050"):
        SlidingWindowListener(classifier, window_seconds=0.5, hop_seconds=0.25)


def test_last_heard_ignores_background_and_doubtful_windows():
    scores = {"Background noise": 0.1, "tone": 0.75, "chirp": 0.15}
    assert last_heard(scores, 0.7, background="Background noise") == "tone"
    assert last_heard(scores, 0.8, background="Background noise") is None
    assert last_heard({"Background noise": 0.9, "tone": 0.1}, 0.5, background="Background noise") is None
    assert last_heard({"Background noise": 0.9, "tone": 0.1}, 0.5) == "Background noise"
    assert last_heard({}, 0.5) is None


def test_export_writes_the_waveform_model_metadata_and_layer_files(trained, tmp_path):
    project, extractor, _ = trained
    classifier = project_classifier(project, extractor)
    written = export(classifier, ["tfjs", "keras", "h5"], tmp_path, model_name="sounds",
                     background_label="Background noise")
    assert sorted(os.path.relpath(p, tmp_path) for p in written) == sorted(
        ["labels.txt", "metadata.json", "tfjs", "tfjs.zip", "model.keras", "model.h5", "log_mel_spectrogram.py",
         "README.md"])
    metadata = json.loads((tmp_path / "metadata.json").read_text())
    assert metadata["labels"] == ["Background noise", "tone", "chirp", "clicks"]
    assert (metadata["sampleRate"], metadata["windowSeconds"], metadata["backgroundLabel"]) == (
        44100, 1.0, "Background noise")
    assert {k: metadata["input"][k] for k in ("name", "shape", "dtype", "range")} == {
        "name": "waveform", "shape": [None, 44100], "dtype": "float32", "range": [-1, 1]}
    assert json.loads((tmp_path / "tfjs" / "metadata.json").read_text()) == metadata
    assert (tmp_path / "tfjs" / "log_mel_spectrogram.js").read_text().startswith("// Glimmer's LogMelSpectrogram")
    clips = np.stack([class_sound(index, 9 * SAMPLE_RATE, SAMPLE_RATE, seed=2) for index in range(4)])
    expected = classifier.predict(clips)
    for name in ("model.keras", "model.h5", "tfjs"):
        loaded = tf.keras.models.load_model(str(tmp_path / name))
        np.testing.assert_allclose(loaded.predict(clips, verbose=0), expected, atol=1e-5, err_msg=name)
    readme = (tmp_path / "README.md").read_text()
    assert "# Glimmer sound classifier" in readme and "`[N, 44100]` (1 s at 44100 Hz)" in readme
    assert 'import {register} from "./tfjs/log_mel_spectrogram.js";' in readme
    assert "import log_mel_spectrogram" in readme and 'keras.models.load_model("model.keras")' in readme


def run_node(jobs, tmp_path):
    node = shutil.which("node")
    assert node and os.path.isdir(os.path.join(NODE_DIR, "node_modules", "@tensorflow", "tfjs")), \
        "the TF.js check needs Node.js and `npm ci` in tests/node; `make test` installs both"
    jobs_path, results_path = tmp_path / "jobs.json", tmp_path / "results.json"
    jobs_path.write_text(json.dumps({"jobs": jobs}))
    completed = subprocess.run([node, os.path.join(NODE_DIR, "tfjs_check.mjs"), "predict", str(jobs_path),
                                str(results_path)], capture_output=True, text=True, timeout=300)
    assert completed.returncode == 0, completed.stderr[-3000:]
    return [np.array(r["outputs"][0]["data"]).reshape(r["outputs"][0]["shape"])
            for r in json.loads(results_path.read_text())["results"]]


def test_exported_sound_models_run_in_tensorflow_js_with_the_shipped_layer(trained, tmp_path):
    """The classifier (the small extractor's own log-mel settings) and aiSFX's front end alone, in real TF.js."""
    project, extractor, _ = trained
    classifier = project_classifier(project, extractor)
    export(classifier, ["tfjs"], tmp_path / "classifier")
    inputs = tf.keras.Input((SAMPLE_RATE,), name="waveform")
    front_end = tf.keras.Model(inputs, aisfx_front_end()(inputs))
    front_end_dir = tmp_path / "front_end"
    tf.keras.models.save_model(front_end, str(front_end_dir), format="tfjs")
    clips = np.stack([class_sound(index, 2 * SAMPLE_RATE, SAMPLE_RATE, seed=6) for index in range(4)])
    layer = str(tmp_path / "classifier" / "tfjs" / "log_mel_spectrogram.js")
    data = {"shape": list(clips.shape), "data": clips.ravel().tolist()}
    scores, spectrogram = run_node([
        {"model": str(tmp_path / "classifier" / "tfjs"), "register": [layer], "inputs": [data]},
        {"model": str(front_end_dir), "register": [layer], "inputs": [data]}], tmp_path)
    np.testing.assert_allclose(scores, classifier.predict(clips), atol=1e-4)
    reference = front_end.predict(clips, verbose=0)
    assert spectrogram.shape == reference.shape == (4, 45, 96)
    np.testing.assert_allclose(spectrogram, reference, atol=1e-4)


def test_the_readme_python_snippet_runs_in_keras_3_and_prints_what_we_predict(trained, tmp_path):
    """The exported model.keras with the shipped log_mel_spectrogram.py, in real Keras 3 (jax), run by the very
    snippet the README and the export dialog show, on a 2 s sound file."""
    project, extractor, _ = trained
    classifier = project_classifier(project, extractor)
    export(classifier, ["keras"], tmp_path)
    sound = np.concatenate([class_sound(2, 0, SAMPLE_RATE, seed=7), class_sound(3, 0, SAMPLE_RATE, seed=7)])
    soundfile.write(tmp_path / "sound.wav", sound, SAMPLE_RATE, subtype="FLOAT")
    completed = subprocess.run([sys.executable, "-c", code_snippets(["keras"], "audio")["python"]],
                               capture_output=True, text=True, timeout=300, cwd=str(tmp_path),
                               env={**os.environ, "KERAS_BACKEND": "jax", "JAX_PLATFORMS": "cpu"})
    assert completed.returncode == 0, completed.stderr[-3000:]
    printed = [line.split() for line in completed.stdout.strip().splitlines()]
    scores = classifier.predict(cut_windows(sound, 1.0, 0.5))
    assert [(float(start), label) for start, _s, label, _score in printed] == [
        (0.0, "chirp"), (0.5, classifier.labels[int(np.argmax(scores[1]))]), (1.0, "clicks")]
    np.testing.assert_allclose([float(row[3]) for row in printed], scores.max(axis=1), atol=0.006)


def test_the_real_aisfx_extractor_learns_sounds_from_a_short_recording(tmp_path):
    """End to end with aiSFX and its shipped weights: 20 s of background, 3 s of each sound."""
    project = recorded_project(sound_project(overlap=0.0), seconds_per_class=3, seed=5, background_seconds=20)
    project.settings = TrainingSettings(epochs=25, learning_rate=0.003, validation_fraction=0.3, seed=1)
    extractor = AudioFeatureExtractor()
    history = train_project(project, extractor)
    assert extractor.name == "aisfx" and project.embedding(project.all_samples()[0]).shape == (512,)
    assert history["val_accuracy"][-1] >= 0.9, history["confusion_matrix"]
    classifier = project_classifier(project, extractor)
    clips = np.stack([class_sound(index, 30 * SAMPLE_RATE, SAMPLE_RATE, seed=9) for index in range(4)])
    assert list(np.argmax(classifier.predict(clips), axis=1)) == [0, 1, 2, 3]
    export(classifier, ["keras"], tmp_path)
    loaded = tf.keras.models.load_model(str(tmp_path / "model.keras"))
    np.testing.assert_allclose(loaded.predict(clips, verbose=0), classifier.predict(clips), atol=1e-4)


def test_tflite_and_onnx_exports_and_their_snippets_run_in_the_real_runtimes(trained, tmp_path):
    """A sound model exported as TFLite (float and int8) and ONNX: the README's LiteRT and onnxruntime snippets,
    run as shown on a 2 s sound file, print our engine's labels and scores window by window."""
    project, extractor, _ = trained
    classifier = project_classifier(project, extractor)
    from app.ml import calibration_inputs
    export(classifier, ["tflite", "tflite-int8", "onnx"], tmp_path,
           representative_data=lambda: calibration_inputs(project))
    sound = np.concatenate([class_sound(2, 0, SAMPLE_RATE, seed=7), class_sound(3, 0, SAMPLE_RATE, seed=7)])
    soundfile.write(tmp_path / "sound.wav", sound, SAMPLE_RATE, subtype="FLOAT")
    scores = classifier.predict(cut_windows(sound, 1.0, 0.5))
    window = classifier.extractor.window_samples
    for formats, key in ((["tflite"], "litert"), (["tflite-int8"], "litert"), (["onnx"], "onnxruntime")):
        snippet = code_snippets(formats, "audio", window, SAMPLE_RATE)[key]
        completed = subprocess.run([sys.executable, "-c", snippet], capture_output=True, text=True, timeout=300,
                                   cwd=str(tmp_path))
        assert completed.returncode == 0, completed.stderr[-3000:]
        printed = [line.split() for line in completed.stdout.strip().splitlines()]
        assert [float(row[0]) for row in printed] == [0.0, 0.5, 1.0]
        assert [row[2] for row in printed] == [classifier.labels[i] for i in np.argmax(scores, axis=1)], formats
        tolerance = 0.1 if formats == ["tflite-int8"] else 0.006     # printed with two decimals
        np.testing.assert_allclose([float(row[3]) for row in printed], scores.max(axis=1), atol=tolerance)
    kotlin = code_snippets(["tflite"], "audio", window, SAMPLE_RATE)["kotlin"]
    assert f"require(window.size == {window})" in kotlin

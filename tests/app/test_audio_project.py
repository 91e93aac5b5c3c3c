"""Audio projects: the background class, clips as samples, spectrogram thumbnails, and .glimmer round trips
(with image projects still written as version 1)."""
import io
import json
import zipfile

import numpy as np
import pytest
import soundfile

import engine as tf
from app.audio import SAMPLE_RATE, spectrogram_image
from app.capture import class_sound
from app.errors import ProjectFormatError
from app.project import BACKGROUND_CLASS_NAME, Project, load_project, save_project

from .test_project_files import digest, manifest_edit, rewrite


def clip(class_index, start=0, seconds=1.0, seed=0):
    return class_sound(class_index, start, int(seconds * SAMPLE_RATE), seed=seed)


def test_a_new_audio_project_starts_with_background_noise_and_one_class():
    project = Project("sounds", kind="audio")
    assert project.kind == "audio" and not project.dirty
    # Numbered among all classes, as Teachable Machine names them ("Background Noise", "Class 2").
    assert [(c.name, c.is_background) for c in project.classes] == [(BACKGROUND_CLASS_NAME, True), ("Class 2", False)]
    assert project.background_class() is project.classes[0]
    assert (project.sample_rate, project.window_seconds, project.overlap, project.window_samples) == (
        SAMPLE_RATE, 1.0, 0.5, SAMPLE_RATE)
    image = Project("pictures")
    assert image.kind == "image" and image.classes == [] and image.background_class() is None
    assert (image.window_seconds, image.window_samples, image.sample_rate) == (None, None, None)
    assert Project("short", kind="audio", window_seconds=0.5).window_samples == 22050
    with pytest.raises(ValueError, match="unknown project kind 'video'"):
        Project("x", kind="video")
    with pytest.raises(ValueError, match="window must be"):
        Project("x", kind="audio", window_seconds=20)


def test_there_is_one_background_class_and_only_in_audio_projects():
    project = Project("sounds", kind="audio")
    with pytest.raises(ValueError, match="already has a background noise class, 'Background noise'"):
        project.add_class("more noise", background=True)
    with pytest.raises(ValueError, match="only audio projects"):
        Project("pictures").add_class(background=True)
    background = project.background_class()
    project.rename_class(background.id, "Room")
    token = project.remove_class(background.id)
    assert project.background_class() is None and project.background_seconds() == 0.0
    project.restore_class(token)
    assert project.background_class().name == "Room" and project.classes[0].is_background
    project.remove_class(background.id)
    made_again = project.add_class(background=True)
    assert made_again.name == BACKGROUND_CLASS_NAME and project.background_class() is made_again


def test_clips_are_samples_of_one_window():
    project = Project("sounds", kind="audio", window_seconds=0.5)
    background, tone = project.classes
    full = clip(0, seconds=0.5)
    sample = project.add_sample(background.id, full, source="microphone")
    np.testing.assert_array_equal(project.load_audio(sample), full)
    np.testing.assert_array_equal(sample.clip, full)
    short = project.add_sample(tone.id, clip(1, seconds=0.2))
    padded = project.load_audio(short)
    assert padded.shape == (22050,) and np.all(padded[8820:] == 0)
    np.testing.assert_array_equal(padded[:8820], clip(1, seconds=0.2))
    batch = project.load_inputs([sample, short])
    assert batch.shape == (2, 22050) and batch.dtype == np.float32
    assert project.load_inputs([]).shape == (0, 22050)
    assert project.background_seconds() == 0.5
    for bad, message in ((clip(1, seconds=0.6), "more than the project's window"),
                         (np.zeros((2, 100), np.float32), "mono float clip"),
                         (np.zeros(100, np.int16), "mono float clip"),
                         (np.array([0.1, np.inf], np.float32), "invalid samples")):
        with pytest.raises(ValueError, match=message):
            project.add_sample(tone.id, bad)
    with pytest.raises(TypeError, match="audio project; use load_audio"):
        project.load_image(sample)
    with pytest.raises(TypeError, match="image project; use load_image"):
        Project("pictures").load_audio(sample)


def test_thumbnails_are_spectrograms():
    project = Project("sounds", kind="audio")
    background, tone = project.classes
    noise = project.add_sample(background.id, clip(0))
    beep = project.add_sample(tone.id, clip(1))
    silent = project.add_sample(tone.id, np.zeros(100, np.float32))
    pictures = [project.thumbnail(s) for s in (noise, beep, silent)]
    assert all(p.shape == (96, 96, 3) and p.dtype == np.uint8 for p in pictures)
    assert project.thumbnail(beep, size=48).shape == (48, 48, 3)
    # The tone is one bright band, at its pitch; noise spreads over every row; silence is the colour map's darkest.
    brightness = [p.astype(float).sum(axis=2).mean(axis=1) for p in pictures]
    pure = spectrogram_image(np.sin(2 * np.pi * 523.25 * np.arange(SAMPLE_RATE) / SAMPLE_RATE), height=96)
    assert abs(int(np.argmax(brightness[1])) - int(np.argmax(pure.mean(axis=1)))) <= 1
    assert brightness[1].max() > 1.5 * np.median(brightness[1])
    assert brightness[0].min() > 2 * brightness[2].max() and len(np.unique(pictures[2].reshape(-1, 3), axis=0)) == 1


def audio_project(samples_per_class=3):
    project = Project("round trip", kind="audio", window_seconds=0.5, overlap=0.25)
    project.add_class("clicks")
    for index, info in enumerate(project.classes):
        for k in range(samples_per_class):
            sample = project.add_sample(info.id, clip(index * 2, start=k * SAMPLE_RATE, seconds=0.5),
                                        source=f"synthetic {k}")
            project.set_embedding(sample.id, np.random.default_rng(k).random(8), extractor_name="test-extractor")
    tf.random.set_seed(0)
    head = tf.keras.Sequential([tf.keras.Input((8,)), tf.keras.layers.Dense(3, activation="softmax")])
    project.set_model(head, {"labels": [c.name for c in project.classes], "loss": [0.3]})
    return project


def test_audio_projects_save_and_open_with_every_clip_bit_for_bit(tmp_path):
    original = audio_project()
    path = tmp_path / "sounds.glimmer"
    save_project(original, path)
    loaded = load_project(path)
    assert (loaded.kind, loaded.window_seconds, loaded.overlap, loaded.name, loaded.id) == (
        "audio", 0.5, 0.25, original.name, original.id)
    assert [(c.id, c.name, c.is_background) for c in loaded.classes] == [
        (c.id, c.name, c.is_background) for c in original.classes]
    for mine, theirs in zip(loaded.all_samples(), original.all_samples()):
        assert (mine.id, mine.source) == (theirs.id, theirs.source)
        np.testing.assert_array_equal(loaded.load_audio(mine), original.load_audio(theirs))
        np.testing.assert_array_equal(loaded.embedding(mine), original.embedding(theirs))
    probe = np.random.default_rng(1).random((2, 8)).astype(np.float32)
    np.testing.assert_allclose(loaded.model().predict(probe, verbose=0), original.model().predict(probe, verbose=0))
    with zipfile.ZipFile(path) as archive:
        manifest = json.loads(archive.read("manifest.json"))
        member = archive.read(f"samples/{original.all_samples()[0].id}.wav")
    assert manifest["version"] == 2 and manifest["audio"] == {"sample_rate": 44100, "window_seconds": 0.5,
                                                              "overlap": 0.25}
    assert [c["background"] for c in manifest["classes"]] == [True, False, False]
    info = soundfile.info(io.BytesIO(member))
    assert (info.samplerate, info.channels, info.frames, info.subtype) == (44100, 1, 22050, "FLOAT")
    # Saved again after opening: clips come from the file and survive a second round.
    loaded.add_sample(loaded.classes[1].id, clip(1, seconds=0.3))
    save_project(loaded, path)
    assert load_project(path).sample_count == 10


def test_image_projects_are_still_written_as_version_one(tmp_path):
    project = Project("pictures")
    info = project.add_class("dots")
    project.add_sample(info.id, np.full((50, 60, 3), 128, np.uint8))
    save_project(project, tmp_path / "pictures.glimmer")
    with zipfile.ZipFile(tmp_path / "pictures.glimmer") as archive:
        manifest = json.loads(archive.read("manifest.json"))
    assert manifest["version"] == 1 and manifest["kind"] == "image" and "audio" not in manifest
    assert "background" not in manifest["classes"][0]


@pytest.fixture(scope="module")
def good_audio_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("audio") / "good.glimmer"
    save_project(audio_project(1), path)
    return path


@pytest.mark.parametrize("edit, message", [
    (lambda m: m.update(version=1), "version 1 cannot hold audio projects"),
    (lambda m: m["audio"].update(sample_rate=16000), "audio.sample_rate must be 44100"),
    (lambda m: m["audio"].update(window_seconds=0), r"audio.window_seconds must be a number in \[0.25, 10.0\]"),
    (lambda m: m["audio"].update(overlap=1), "audio.overlap"),
    (lambda m: m.pop("audio"), "audio must be an object"),
    (lambda m: m["classes"][1].update(background=True), r"classes\[1\].background is set on a second class"),
    (lambda m: m["classes"][0].update(background="yes"), r"classes\[0\].background must be true or false"),
])
def test_inconsistent_audio_manifests_are_refused(tmp_path, good_audio_file, edit, message):
    path = tmp_path / "edited.glimmer"
    rewrite(good_audio_file, path, manifest_edit(edit))
    before = digest(path)
    with pytest.raises(ProjectFormatError, match=message):
        load_project(path)
    assert digest(path) == before


def test_a_background_flag_in_an_image_project_is_refused(tmp_path):
    project = Project("pictures")
    project.add_class("dots")
    save_project(project, tmp_path / "pictures.glimmer")
    rewrite(tmp_path / "pictures.glimmer", tmp_path / "edited.glimmer",
            manifest_edit(lambda m: m["classes"][0].update(background=True)))
    with pytest.raises(ProjectFormatError, match="only audio projects have a background class"):
        load_project(tmp_path / "edited.glimmer")


@pytest.mark.parametrize("replacement, message", [
    (lambda: _wav(np.zeros(22050, np.float32), 16000), "at 16000 Hz, expected mono FLOAT of 22050 samples"),
    (lambda: _wav(np.zeros((11025, 2), np.float32), SAMPLE_RATE), "2-channel"),
    (lambda: _wav(np.zeros(1000, np.float32), SAMPLE_RATE), "of 1000 samples"),
    (lambda: b"RIFF not a wave file", "is not a WAV clip"),
    (lambda: b"\0" * 200_000, "implausibly large"),
])
def test_a_sample_that_is_not_a_clip_of_the_window_is_refused(tmp_path, good_audio_file, replacement, message):
    path = tmp_path / "odd.glimmer"
    replaced = []

    def change(name, data):
        if name.endswith(".wav") and not replaced:
            replaced.append(name)
            return replacement()
        return data

    rewrite(good_audio_file, path, change)
    with pytest.raises(ProjectFormatError, match=message):
        project = load_project(path)
        project.load_audio(replaced[0].split("/")[1][:-4])


def _wav(data, rate):
    buffer = io.BytesIO()
    soundfile.write(buffer, data, rate, format="WAV", subtype="FLOAT")
    return buffer.getvalue()


def test_the_sample_length_changes_only_before_the_first_sample_and_overlap_any_time():
    project = Project("sounds", kind="audio")
    events = []
    project.subscribe(lambda event, payload: events.append(event))
    project.set_window_seconds(0.5)
    project.set_overlap(0.25)
    assert (project.window_seconds, project.window_samples, project.overlap) == (0.5, SAMPLE_RATE // 2, 0.25)
    assert events == ["sampling_changed", "sampling_changed"] and project.dirty
    with pytest.raises(ValueError, match="0.25 to 10"):
        project.set_window_seconds(0.1)
    project.add_sample(project.classes[1].id, np.zeros(SAMPLE_RATE // 2, np.float32))
    with pytest.raises(ValueError, match="no samples and no trained model"):
        project.set_window_seconds(1.0)
    project.set_overlap(0.5)
    assert project.overlap == 0.5
    with pytest.raises(ValueError, match="only audio projects"):
        Project("pictures").set_overlap(0.5)

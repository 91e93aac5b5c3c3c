""".glimmer files: round trips, atomic saves, and damaged, truncated, foreign or unsafe files refused."""
import hashlib
import json
import os
import subprocess
import sys
import zipfile

import numpy as np
import pytest

import engine as tf
from app.errors import ProjectFormatError, ProjectSaveError
from app.project import Project, finish_save, load_project, save_project, snapshot_project, write_snapshot

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def small_head(inputs=8, classes=2):
    tf.random.set_seed(0)
    return tf.keras.Sequential([tf.keras.Input((inputs,)), tf.keras.layers.Dense(classes, activation="softmax")])


def make_project(samples_per_class=3):
    project = Project("round trip")
    rng = np.random.RandomState(0)
    for name in ("cat", "dog"):
        info = project.add_class(name)
        for _ in range(samples_per_class):
            sample = project.add_sample(info.id, rng.randint(0, 256, (230, 260, 3)).astype(np.uint8),
                                        source=f"file:{name}.png")
            project.set_embedding(sample.id, rng.rand(8), extractor_name="test-extractor")
    project.set_class_enabled(project.classes[1].id, False)
    project.settings.epochs = 7
    project.settings.learning_rate = 0.01
    project.set_model(small_head(), {"labels": ["cat", "dog"], "loss": [0.5, 0.25], "confusion_matrix": [[1, 0],
                                                                                                        [0, 1]]})
    return project


def digest(path):
    return hashlib.sha256(open(path, "rb").read()).hexdigest()


def assert_same_project(loaded, original):
    assert loaded.name == original.name and loaded.id == original.id
    assert [(c.id, c.name, c.enabled) for c in loaded.classes] == [(c.id, c.name, c.enabled) for c in original.classes]
    assert loaded.settings == original.settings
    assert loaded.history == original.history
    for mine, theirs in zip(loaded.all_samples(), original.all_samples()):
        assert (mine.id, mine.class_id, mine.source) == (theirs.id, theirs.class_id, theirs.source)
        assert np.array_equal(loaded.load_image(mine), original.load_image(theirs))
        assert np.array_equal(loaded.embedding(mine), original.embedding(theirs))
    assert loaded.extractor_name == original.extractor_name
    probe = np.random.RandomState(1).rand(3, 8).astype(np.float32)
    assert np.allclose(loaded.model().predict(probe, verbose=0), original.model().predict(probe, verbose=0))
    assert loaded.model_labels() == original.model_labels()


def test_round_trip_keeps_everything(tmp_path):
    project = make_project()
    path = tmp_path / "pets.glimmer"
    events = []
    project.subscribe(lambda event, payload: events.append((event, payload)))
    save_project(project, path)
    assert events == [("saved", str(path))] and not project.dirty and project.path == str(path)
    loaded = load_project(path)
    assert_same_project(loaded, project)
    assert not loaded.dirty and loaded.path == str(path)
    # Saving again (samples now read from the file being replaced) and reopening changes nothing.
    loaded.add_class("bird")
    save_project(loaded, path)
    again = load_project(path)
    assert [c.name for c in again.classes] == ["cat", "dog", "bird"]
    assert_same_project(again, loaded)


def test_project_without_model_or_embeddings(tmp_path):
    project = Project()
    project.add_sample(project.add_class().id, np.zeros((10, 10, 3), np.uint8))
    save_project(project, tmp_path / "plain.glimmer")
    loaded = load_project(tmp_path / "plain.glimmer")
    assert not loaded.has_model and loaded.history is None and len(loaded.missing_embeddings()) == 1


def test_undo_after_save_still_has_the_removed_class_images(tmp_path):
    project = make_project()
    path = tmp_path / "undo.glimmer"
    save_project(project, path)
    project = load_project(path)
    cat = project.classes[0]
    before = [project.load_image(s).copy() for s in project.samples_of(cat.id)]
    token = project.remove_class(cat.id)
    save_project(project, path)              # the new file no longer holds the cat samples
    save_project(project, tmp_path / "elsewhere.glimmer")
    project.restore_class(token)
    assert [np.array_equal(project.load_image(s), b) for s, b in zip(project.samples_of(cat.id), before)] == [True] * 3
    save_project(project, path)
    assert len(load_project(path).samples_of(cat.id)) == 3


def test_a_save_writes_the_project_as_it_was_when_its_snapshot_was_taken(tmp_path):
    """What the window's save thread sees: the project keeps changing between the snapshot and the writing."""
    project = make_project()
    path = tmp_path / "snapshot.glimmer"
    save_project(project, path)                               # its samples are read from the file now
    cat, dog = project.classes
    on_file = project.samples_of(cat.id)[0]
    rng = np.random.RandomState(5)
    recorded = project.add_sample(cat.id, rng.randint(0, 256, (224, 224, 3)).astype(np.uint8))  # a scratch file
    snapshot = snapshot_project(project)
    project.remove_sample(on_file.id)
    project.remove_sample(recorded.id)
    late = project.add_sample(dog.id, rng.randint(0, 256, (224, 224, 3)).astype(np.uint8))
    project.rename_class(cat.id, "kitten")
    with pytest.raises(RuntimeError, match="running already"):
        snapshot_project(project)                             # one save at a time
    finish_save(project, write_snapshot(snapshot, path))
    assert project.dirty and project.path == str(path)        # changed since the snapshot
    written = load_project(path)
    assert [c.name for c in written.classes] == ["cat", "dog"]
    assert {on_file.id, recorded.id} <= {s.id for s in written.all_samples()}
    assert late.id not in {s.id for s in written.all_samples()}
    assert all(project.encoded_sample(s) for s in project.all_samples())
    save_project(project, path)
    assert not project.dirty
    again = load_project(path)
    assert [c.name for c in again.classes] == ["kitten", "dog"]
    assert {s.id for s in again.all_samples()} == {s.id for s in project.all_samples()}
    assert_same_project(again, project)


def test_a_save_that_fails_halfway_leaves_the_previous_file_intact(tmp_path, monkeypatch):
    project = make_project()
    path = tmp_path / "safe.glimmer"
    save_project(project, path)
    before = digest(path)
    project.add_class("extra")
    written = []

    def failing_writestr(self, name, data, *args, **kwargs):
        if len(written) == 3:
            raise OSError(28, "No space left on device")
        written.append(name)
        return original_writestr(self, name, data, *args, **kwargs)

    original_writestr = zipfile.ZipFile.writestr
    monkeypatch.setattr(zipfile.ZipFile, "writestr", failing_writestr)
    with pytest.raises(ProjectSaveError, match="No space left on device.*previous file is unchanged"):
        save_project(project, path)
    monkeypatch.undo()
    assert digest(path) == before
    assert os.listdir(tmp_path) == ["safe.glimmer"]          # the half-written temporary file is gone
    assert [c.name for c in load_project(path).classes] == ["cat", "dog"]
    # The project still reads its samples and saves fine afterwards.
    assert project.load_image(project.all_samples()[0]).shape == (224, 224, 3)
    save_project(project, path)
    assert [c.name for c in load_project(path).classes] == ["cat", "dog", "extra"]


def test_a_rename_that_fails_leaves_the_previous_file_and_the_project_readable(tmp_path, monkeypatch):
    project = make_project()
    path = tmp_path / "rename.glimmer"
    save_project(project, path)
    before = digest(path)

    def refuse(*args):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(os, "replace", refuse)
    with pytest.raises(ProjectSaveError, match="Permission denied"):
        save_project(project, path)
    monkeypatch.undo()
    assert digest(path) == before and os.listdir(tmp_path) == ["rename.glimmer"]
    assert all(project.load_image(s).shape == (224, 224, 3) for s in project.all_samples())


KILLED_SAVER = r"""
import sys, time, zipfile
sys.path.insert(0, sys.argv[1])
import numpy as np
from app.project import load_project, save_project
project = load_project(sys.argv[2])
project.add_class("never saved")
original = zipfile.ZipFile.writestr
def slow_writestr(self, name, data, *args, **kwargs):
    original(self, name, data, *args, **kwargs)
    if name.startswith("samples/"):
        print("halfway", flush=True)
        time.sleep(60)
zipfile.ZipFile.writestr = slow_writestr
save_project(project, sys.argv[2])
"""


def test_killing_the_process_during_a_save_leaves_the_previous_file_openable(tmp_path):
    path = tmp_path / "killed.glimmer"
    save_project(make_project(), path)
    before = digest(path)
    child = subprocess.Popen([sys.executable, "-c", KILLED_SAVER, ROOT, str(path)], stdout=subprocess.PIPE,
                             text=True)
    try:
        assert child.stdout.readline().strip() == "halfway"
    finally:
        child.kill()
        child.wait()
    assert digest(path) == before
    assert [c.name for c in load_project(path).classes] == ["cat", "dog"]


# --- files that must be refused, unchanged ------------------------------------------------------------
def rewrite(source, target, change):
    """Copy the zip `source` to `target`, letting change(name, data) alter or drop (None) entries."""
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w") as new:
        for info in old.infolist():
            data = change(info.filename, old.read(info))
            if data is not None:
                new.writestr(info.filename, data)


def manifest_edit(edit):
    def change(name, data):
        if name != "manifest.json":
            return data
        manifest = json.loads(data)
        edit(manifest)
        return json.dumps(manifest)
    return change


@pytest.fixture(scope="module")
def good_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("good") / "good.glimmer"
    save_project(make_project(), path)
    return path


def refused(path, message):
    before = digest(path)
    with pytest.raises(ProjectFormatError, match=message) as caught:
        load_project(path)
    assert str(path) in str(caught.value)
    assert digest(path) == before


@pytest.mark.parametrize("fraction", [0.2, 0.5, 0.95])
def test_truncated_files_are_refused(tmp_path, good_file, fraction):
    data = good_file.read_bytes()
    path = tmp_path / "truncated.glimmer"
    path.write_bytes(data[: int(len(data) * fraction)])
    refused(path, "truncated or damaged")


def test_foreign_files_are_refused(tmp_path):
    text = tmp_path / "notes.glimmer"
    text.write_text("hello")
    refused(text, "not a Glimmer project")
    other_zip = tmp_path / "other.glimmer"
    with zipfile.ZipFile(other_zip, "w") as archive:
        archive.writestr("readme.txt", "hi")
    refused(other_zip, "no manifest.json")
    wrong_format = tmp_path / "wrong.glimmer"
    with zipfile.ZipFile(wrong_format, "w") as archive:
        archive.writestr("manifest.json", json.dumps({"format": "something-else"}))
    refused(wrong_format, "not a Glimmer project")
    with pytest.raises(ProjectFormatError, match="file not found"):
        load_project(tmp_path / "absent.glimmer")


@pytest.mark.parametrize("bad_name", ["../evil.png", "samples/../../evil.png", "/etc/evil", "C:/evil.png",
                                      "samples\\..\\evil.png"])
def test_entries_with_unsafe_paths_are_refused(tmp_path, good_file, bad_name):
    path = tmp_path / "unsafe.glimmer"
    rewrite(good_file, path, lambda name, data: data)
    with zipfile.ZipFile(path, "a") as archive:
        archive.writestr(zipfile.ZipInfo(bad_name), b"x")
    refused(path, "unsafe entry name")
    assert not (tmp_path.parent / "evil.png").exists()


@pytest.mark.parametrize("edit, message", [
    (lambda m: m.update(version=99), "newer Glimmer"),
    (lambda m: m.update(kind="pose"), "'pose' project"),
    (lambda m: m["classes"][0].update(name=5), r"classes\[0\].name must be a string"),
    (lambda m: m["classes"][1]["samples"][0].update(id="../../x"), "not a valid id"),
    (lambda m: m["settings"].update(epochs=-1), "settings.epochs"),
    (lambda m: m["classes"][1].update(id=m["classes"][0]["id"]), "repeats another class"),
    (lambda m: m["embeddings"]["sample_ids"].append("f" * 32), "names no sample"),
    (lambda m: m["model"].update(labels=["only one"]), "2 outputs but 1 labels"),
])
def test_inconsistent_manifests_are_refused(tmp_path, good_file, edit, message):
    path = tmp_path / "edited.glimmer"
    rewrite(good_file, path, manifest_edit(edit))
    refused(path, message)


@pytest.mark.parametrize("target, replacement, message", [
    ("manifest.json", b"{not json", "not valid JSON"),
    ("embeddings.npy", b"\x93NUMPY garbage", "embeddings.npy is damaged"),
    ("model/head.keras", b"PK\x03\x04 not really a zip", "trained model is damaged"),
    ("samples/", None, "is missing from the archive"),
])
def test_damaged_or_missing_entries_are_refused(tmp_path, good_file, target, replacement, message):
    path = tmp_path / "damaged.glimmer"
    dropped = []

    def change(name, data):
        if not name.startswith(target) or (target == "samples/" and dropped):
            return data
        dropped.append(name)
        return replacement

    rewrite(good_file, path, change)
    refused(path, message)


def test_a_flipped_byte_in_the_manifest_is_caught_by_the_checksum(tmp_path, good_file):
    data = bytearray(good_file.read_bytes())
    with zipfile.ZipFile(good_file) as archive:
        info = archive.getinfo("embeddings.npy")
    # Past the local header and name: inside the compressed bytes of the entry.
    data[info.header_offset + 30 + len(info.filename) + 5] ^= 0xFF
    path = tmp_path / "flipped.glimmer"
    path.write_bytes(bytes(data))
    refused(path, "damaged")


def test_save_refuses_a_missing_folder(tmp_path):
    with pytest.raises(ProjectSaveError, match="does not exist"):
        save_project(make_project(1), tmp_path / "no" / "such" / "place.glimmer")


def test_thousands_of_samples_save_and_open(tmp_path):
    project = Project("big")
    image = np.full((224, 224, 3), 90, np.uint8)
    for _ in range(4):
        info = project.add_class()
        for _ in range(500):
            sample = project.add_sample(info.id, image)
            project.set_embedding(sample.id, np.zeros(16))
    path = tmp_path / "big.glimmer"
    save_project(project, path)
    loaded = load_project(path)
    assert loaded.sample_count == 2000 and loaded.missing_embeddings() == []
    assert all(loaded.thumbnail(s).shape == (96, 96, 3) for s in loaded.all_samples()[::50])
    loaded.remove_class(loaded.classes[0].id)
    save_project(loaded, path)
    assert load_project(path).sample_count == 1500


def test_a_sample_that_is_not_a_224_pixel_png_is_refused_when_read(tmp_path, good_file):
    import cv2
    huge_header = cv2.imencode(".png", np.zeros((8, 3000, 3), np.uint8))[1].tobytes()
    path = tmp_path / "odd-sample.glimmer"
    replaced = []

    def change(name, data):
        if name.startswith("samples/") and not replaced:
            replaced.append(name)
            return huge_header
        return data

    rewrite(good_file, path, change)
    project = load_project(path)
    odd = project.sample(replaced[0][len("samples/"):-len(".png")])
    with pytest.raises(ProjectFormatError, match="is not a 224x224 PNG image"):
        project.load_image(odd)
    assert project.load_image(next(s for s in project.all_samples() if s is not odd)).shape == (224, 224, 3)

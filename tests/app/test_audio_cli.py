"""The command line on sound: train --type audio and predict, with the real aiSFX extractor, offline."""
import json
import os

import numpy as np
import pytest

from app.audio import cut_windows, load_audio
from app.capture import write_sound_files

from .test_cli import run_in_process, run_process

CLASSES = ("_background_noise_", "chirp", "clicks", "tone")       # folder names, sorted: the labels' order
SOUND_INDEX = {"_background_noise_": 0, "tone": 1, "chirp": 2, "clicks": 3}


@pytest.fixture(scope="module")
def workspace(tmp_path_factory):
    """Speech-Commands-like data: two 11 s background files, 1.5 s clips of each sound in assorted formats, rates
    and channel counts, one broken file; held-out files; a trained OUT with every export."""
    root = tmp_path_factory.mktemp("audio_cli")
    data, held_out = root / "data", root / "held_out"
    write_sound_files(data / "_background_noise_", 0, 2, 11.0, seed=1)
    write_sound_files(data / "tone", 1, 5, 1.5, seed=1, extension=".flac", sample_rate=48000, channels=2)
    write_sound_files(data / "chirp", 2, 5, 1.5, seed=1, extension=".ogg", sample_rate=22050)
    write_sound_files(data / "clicks", 3, 5, 1.5, seed=1)
    (data / "chirp" / "broken.wav").write_bytes(b"RIFF\x10\x00\x00\x00WAVEfmt cut")
    (data / "_background_noise_" / "README.md").write_text("not a sound file: ignored")
    write_sound_files(held_out, 2, 1, 2.2, seed=7, prefix="chirp-")
    write_sound_files(held_out, 1, 1, 0.4, seed=7, prefix="tone-", extension=".flac")
    out = root / "out"
    result = run_in_process("train", "--type", "audio", "--data", str(data), "--out", str(out), "--epochs", "30",
                            "--seed", "1", "--validation-fraction", "0.3", "--export", "tfjs,keras")
    return {"data": data, "held_out": held_out, "out": out, "train": result}


def test_train_audio_reaches_high_validation_accuracy_and_exports_a_waveform_model(workspace):
    code, stdout, stderr, attempts = workspace["train"]
    assert code == 0, stderr
    assert attempts == [] and "Traceback" not in stderr and "epoch 30/30" in stderr
    assert f"skipped {workspace['data'] / 'chirp' / 'broken.wav'}: not a sound file or damaged" in stderr
    assert "embedding clips: 72/72" in stderr                   # 2 x 21 background windows, 3 x 5 x 2 others
    accuracy_line = next(line for line in stdout.splitlines() if line.startswith("validation accuracy"))
    assert float(accuracy_line.split()[2]) >= 0.95 and accuracy_line.endswith("clips)"), stdout
    export = workspace["out"] / "export"
    for name in ("tfjs/model.json", "tfjs/log_mel_spectrogram.js", "model.keras", "log_mel_spectrogram.py",
                 "labels.txt", "metadata.json", "README.md"):
        assert (export / name).is_file(), name
    assert (export / "labels.txt").read_text().split() == list(CLASSES)
    metadata = json.loads((export / "metadata.json").read_text())
    assert (metadata["labels"], metadata["sampleRate"], metadata["windowSeconds"], metadata["backgroundLabel"]) == (
        list(CLASSES), 44100, 1.0, "_background_noise_")
    assert metadata["input"]["shape"] == [None, 44100] and metadata["input"]["dtype"] == "float32"


def test_predict_prints_a_line_per_window_then_one_per_file(workspace, tmp_path):
    import engine as tf
    broken = tmp_path / "broken.flac"
    broken.write_bytes(b"fLaC but nothing after")
    chirp, tone = workspace["held_out"] / "chirp-00.wav", workspace["held_out"] / "tone-00.flac"
    result = run_process("predict", "--model", str(workspace["out"]), str(workspace["held_out"]), str(broken))
    assert result.returncode == 1 and "1 file(s) could not be read" in result.stderr
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    # chirp-00 (2.2 s): windows at 0, 0.5 and 1.0 s, then its overall line; tone-00 (0.4 s): one padded window.
    assert [(line["file"], line.get("window")) for line in lines] == [
        (str(chirp), [0.0, 1.0]), (str(chirp), [0.5, 1.5]), (str(chirp), [1.0, 2.0]), (str(chirp), None),
        (str(tone), [0.0, 0.4]), (str(tone), None), (str(broken), None)]
    assert set(lines[-1]) == {"file", "error"} and "not a sound file or damaged" in lines[-1]["error"]
    for line in lines[:-1]:
        assert list(line) == ["file", "window", "label", "confidence", "scores"]
        assert list(line["scores"]) == list(CLASSES) and np.isclose(sum(line["scores"].values()), 1, atol=1e-4)
        assert line["confidence"] == max(line["scores"].values()) and line["label"] in CLASSES
    assert [line["label"] for line in lines[:4]] == ["chirp"] * 4 and lines[5]["label"] == "tone"
    overall = np.mean([list(line["scores"].values()) for line in lines[:3]], axis=0)
    np.testing.assert_allclose(list(lines[3]["scores"].values()), overall, atol=2e-6)
    # The exported model, given the same windows of raw audio, scores what predict printed.
    model = tf.keras.models.load_model(str(workspace["out"] / "export" / "model.keras"))
    windows = cut_windows(load_audio(chirp), 1.0, 0.5)
    np.testing.assert_allclose(model.predict(windows, verbose=0), [list(l["scores"].values()) for l in lines[:3]],
                               atol=1e-4)


def test_audio_training_refuses_data_without_enough_background(tmp_path):
    data = tmp_path / "data"
    write_sound_files(data / "background", 0, 1, 6.0, seed=2)
    write_sound_files(data / "tone", 1, 2, 1.0, seed=2)
    code, _stdout, stderr, _ = run_in_process("train", "--type", "audio", "--data", str(data), "--out",
                                              str(tmp_path / "out"))
    assert code == 1 and "'background' has 6 s of samples; audio training needs at least 20 s" in stderr
    os.rename(data / "background", data / "noise")
    code, _stdout, stderr, _ = run_in_process("train", "--type", "audio", "--data", str(data), "--out",
                                              str(tmp_path / "out"))
    assert code == 1 and "no background noise folder; name the one class folder of background noise " \
                         "_background_noise_ or background" in stderr
    write_sound_files(data / "_background_noise_", 0, 1, 1.0, seed=2)
    write_sound_files(data / "Background", 0, 1, 1.0, seed=2)
    code, _stdout, stderr, _ = run_in_process("train", "--type", "audio", "--data", str(data), "--out",
                                              str(tmp_path / "out"))
    assert code == 1 and "2 background noise folders" in stderr
    code, _stdout, stderr, _ = run_in_process("train", "--data", str(data), "--out", str(tmp_path / "out"),
                                              "--window", "0.5")
    assert code == 1 and "--window and --overlap are for sound (--type audio)" in stderr


"""The command line: train, predict and export on generated shape pictures, with the real extractor, offline."""
import contextlib
import io
import json
import os
import shutil
import socket
import subprocess
import sys
from unittest import mock

import numpy as np
import pytest

import main
from app.capture.synthetic import write_shape_images

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CLASSES = ("circle", "square", "triangle")


class NetworkGuard:
    """Fails any attempt to resolve a name or open a connection while active."""

    def __init__(self):
        self.attempts = []
        self._patches = []

    def _refuse(self, what):
        def refuse(*args, **kwargs):
            self.attempts.append((what, args[1:] if what.startswith("socket.") else args))
            raise OSError(f"network access attempted: {what}")
        return refuse

    def __enter__(self):
        for target, name in ((socket.socket, "connect"), (socket.socket, "connect_ex"), (socket, "create_connection"),
                             (socket, "getaddrinfo")):
            label = f"socket.{name}" if target is socket.socket else name
            patcher = mock.patch.object(target, name, self._refuse(label))
            patcher.start()
            self._patches.append(patcher)
        return self

    def __exit__(self, *exc_info):
        for patcher in reversed(self._patches):
            patcher.stop()
        return False


def run_in_process(*argv):
    """(exit code, stdout, stderr, network attempts) of main.main(argv) in this process."""
    out, err = io.StringIO(), io.StringIO()
    with NetworkGuard() as guard, contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main.main(list(argv))
        except SystemExit as exit_:
            code = exit_.code
    return code, out.getvalue(), err.getvalue(), guard.attempts


def run_process(*argv, env=None):
    return subprocess.run([sys.executable, os.path.join(ROOT, "main.py"), *argv], capture_output=True, text=True,
                          timeout=300, env={**os.environ, **(env or {})})


@pytest.fixture(scope="module")
def workspace(tmp_path_factory):
    """A generated dataset (10 pictures per shape, one broken file), held-out pictures, and a trained OUT."""
    root = tmp_path_factory.mktemp("cli")
    data, held_out = root / "data", root / "held_out"
    for kind in CLASSES:
        write_shape_images(data / kind, kind, 10, seed=10)
        write_shape_images(held_out, kind, 2, seed=20, prefix=f"{kind}-")
    (data / "square" / "broken.jpg").write_bytes(b"\xff\xd8\xff this is not a JPEG")
    out = root / "out"
    result = run_in_process("train", "--type", "image", "--data", str(data), "--out", str(out), "--epochs", "40",
                            "--seed", "1", "--validation-fraction", "0.3", "--export", "tfjs,keras,h5")
    return {"root": root, "data": data, "held_out": held_out, "out": out, "train": result}


def test_train_reaches_high_validation_accuracy_and_writes_project_and_exports(workspace):
    code, stdout, stderr, attempts = workspace["train"]
    assert code == 0, stderr
    assert attempts == []
    assert "Traceback" not in stderr and "epoch 40/40" in stderr
    assert f"skipped {workspace['data'] / 'square' / 'broken.jpg'}: not an image or damaged" in stderr
    accuracy_line = next(line for line in stdout.splitlines() if line.startswith("validation accuracy"))
    assert float(accuracy_line.split()[2]) >= 0.9, stdout
    assert "confusion matrix" in stdout and all(kind in stdout for kind in CLASSES)
    out = workspace["out"]
    assert (out / "project.glimmer").is_file()
    export = out / "export"
    for name in ("tfjs/model.json", "tfjs/metadata.json", "model.keras", "model.h5", "labels.txt", "README.md"):
        assert (export / name).is_file(), name
    assert any(name.endswith(".bin") for name in os.listdir(export / "tfjs"))
    assert (export / "labels.txt").read_text().split() == list(CLASSES)
    assert json.loads((export / "tfjs" / "metadata.json").read_text())["labels"] == list(CLASSES)


def test_predict_held_out_files_prints_json_lines_only(workspace):
    result = run_process("predict", "--model", str(workspace["out"]), str(workspace["held_out"]))
    assert result.returncode == 0, result.stderr
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(lines) == 6
    for line in lines:
        assert set(line) == {"file", "label", "confidence", "scores"}
        assert list(line["scores"]) == list(CLASSES) and np.isclose(sum(line["scores"].values()), 1, atol=1e-4)
        assert line["confidence"] == max(line["scores"].values())
    correct = sum(os.path.basename(line["file"]).startswith(line["label"]) for line in lines)
    assert correct >= 5, lines


def test_predict_reports_unreadable_files_and_still_predicts_the_rest(workspace, tmp_path):
    broken = tmp_path / "broken.png"
    broken.write_bytes(b"\x89PNG\r\n\x1a\n cut short")
    good = workspace["held_out"] / "circle-00.jpg"
    code, stdout, stderr, attempts = run_in_process("predict", "--model", str(workspace["out"] / "project.glimmer"),
                                                    str(broken), str(good), str(tmp_path / "missing.jpg"))
    assert attempts == []
    assert code == 1 and "2 file(s) could not be read" in stderr
    lines = [json.loads(line) for line in stdout.splitlines()]
    assert [line["file"] for line in lines] == [str(broken), str(good), str(tmp_path / "missing.jpg")]
    assert "not an image or damaged" in lines[0]["error"] and lines[2]["error"] == "not found"
    assert lines[1]["label"] in CLASSES and "error" not in lines[1]


def test_export_later_from_the_project_file(workspace, tmp_path):
    import engine as tf
    project_file = tmp_path / "mine.glimmer"
    shutil.copy(workspace["out"] / "project.glimmer", project_file)
    result = run_process("export", "--model", str(project_file), "--format", "keras")
    assert result.returncode == 0, result.stderr
    assert sorted(os.listdir(tmp_path / "export")) == ["README.md", "labels.txt", "metadata.json", "model.keras"]
    # The exported file, given raw 0..255 pixels, scores like `predict` does.
    predicted = run_in_process("predict", "--model", str(project_file), str(workspace["held_out"] / "square-01.jpg"))
    scores = json.loads(predicted[1])["scores"]
    from app.imaging import prepare_image, read_image
    image = prepare_image(read_image(workspace["held_out"] / "square-01.jpg")).astype(np.float32)[None]
    model = tf.keras.models.load_model(str(tmp_path / "export" / "model.keras"))
    assert np.allclose(model.predict(image, verbose=0)[0], list(scores.values()), atol=1e-4)


def test_train_without_export_writes_only_the_project_file(tmp_path):
    data = tmp_path / "data"
    for kind in ("circle", "square"):
        write_shape_images(data / kind, kind, 3, seed=4)
    out = tmp_path / "out"
    result = run_process("train", "--data", str(data), "--out", str(out), "--epochs", "3")
    assert result.returncode == 0, result.stderr
    assert os.listdir(out) == ["project.glimmer"]
    assert f"project: {out / 'project.glimmer'}" in result.stdout and "epoch 3/3" in result.stderr


@pytest.mark.parametrize("argv, code, message", [
    (["train", "--data", "somewhere"], 2, "glimmer train: error: the following arguments are required: --out"),
    (["train", "--data", "d", "--out", "o", "--lr", "fast"], 2, "argument --lr: 'fast' is not a number"),
    (["train", "--data", "d", "--out", "o", "--type", "pose"], 2, "invalid choice: 'pose'"),
    (["predict", "--model", "nowhere"], 2, "the following arguments are required: FILE_OR_DIR"),
    (["predict", "--model", "/no/such/place", "x.jpg"], 1, "glimmer predict: error: /no/such/place: no such file"),
    (["export", "--model", "/no/such/place", "--format", "coreml"], 1, "unknown export format 'coreml'"),
])
def test_bad_arguments_exit_non_zero_with_one_line(argv, code, message):
    result_code, stdout, stderr, _ = run_in_process(*argv)
    assert result_code == code
    assert stdout == "" and message in stderr and len(stderr.strip().splitlines()) == 1


def test_unreadable_inputs_are_one_line_errors_in_a_real_process(tmp_path):
    damaged = tmp_path / "damaged.glimmer"
    damaged.write_bytes(b"PK\x03\x04 truncated")
    result = run_process("export", "--model", str(damaged), "--format", "tfjs")
    assert result.returncode == 1 and result.stdout == ""
    assert result.stderr.strip().splitlines() == [
        f"glimmer export: error: {damaged}: not a Glimmer project, or the file is truncated or damaged (not a "
        "readable zip archive: File is not a zip file)"]
    one_class = tmp_path / "one"
    write_shape_images(one_class / "circle", "circle", 1)
    result = run_process("train", "--data", str(one_class), "--out", str(tmp_path / "out"))
    assert result.returncode == 1 and "training needs at least two sub-folders" in result.stderr
    assert "Traceback" not in result.stderr and len(result.stderr.strip().splitlines()) == 1


def _litert_scores(path, image):
    from ai_edge_litert.interpreter import Interpreter
    interpreter = Interpreter(model_path=str(path))
    interpreter.allocate_tensors()
    interpreter.set_tensor(interpreter.get_input_details()[0]["index"], image)
    interpreter.invoke()
    return interpreter.get_tensor(interpreter.get_output_details()[0]["index"])[0]


def test_export_tflite_int8_and_onnx_score_like_predict_in_the_real_runtimes(workspace, tmp_path):
    """`export --format tflite,tflite-int8,onnx`: LiteRT and onnxruntime give predict's scores (int8: its classes),
    and the README's LiteRT and onnxruntime snippets run as shown."""
    import onnxruntime
    from app.imaging import prepare_image, read_image
    from app.ml import code_snippets
    dest = tmp_path / "export"
    result = run_in_process("export", "--model", str(workspace["out"]), "--format", "tflite,tflite-int8,onnx",
                            "--dest", str(dest))
    assert result[0] == 0 and not result[3], result[2]
    assert sorted(os.listdir(dest)) == ["README.md", "labels.txt", "metadata.json", "model.onnx", "model.tflite",
                                        "model_int8.tflite"]
    labels = (dest / "labels.txt").read_text().split()
    assert json.loads((dest / "metadata.json").read_text())["labels"] == labels == list(CLASSES)
    files = sorted(os.listdir(workspace["held_out"]))
    predicted = run_in_process("predict", "--model", str(workspace["out"]),
                               *[str(workspace["held_out"] / name) for name in files])
    expected = np.array([list(json.loads(line)["scores"].values()) for line in predicted[1].splitlines()])
    images = np.stack([prepare_image(read_image(workspace["held_out"] / name)) for name in files]).astype(np.float32)
    session = onnxruntime.InferenceSession(str(dest / "model.onnx"))
    np.testing.assert_allclose(session.run(None, {session.get_inputs()[0].name: images})[0], expected, atol=1e-4)
    for image, scores in zip(images, expected):
        np.testing.assert_allclose(_litert_scores(dest / "model.tflite", image[None]), scores, atol=1e-4)
        quantized = _litert_scores(dest / "model_int8.tflite", image[None])
        assert np.argmax(quantized) == np.argmax(scores) and np.abs(quantized - scores).max() < 0.1

    shutil.copy(workspace["held_out"] / "triangle-01.jpg", dest / "photo.jpg")
    index = files.index("triangle-01.jpg")
    snippets = code_snippets(["tflite", "onnx"], "image")
    assert {"litert", "onnxruntime", "kotlin"} <= set(snippets)
    for key in ("litert", "onnxruntime"):
        completed = subprocess.run([sys.executable, "-c", snippets[key]], capture_output=True, text=True,
                                   timeout=300, cwd=str(dest))
        assert completed.returncode == 0, completed.stderr[-3000:]
        label, score = completed.stdout.split()
        assert label == CLASSES[int(np.argmax(expected[index]))]
        assert abs(float(score) - expected[index].max()) < 1e-4
    readme = (dest / "README.md").read_text()
    assert "## Python with LiteRT" in readme and "## Android (Kotlin, LiteRT)" in readme and "model_int8.tflite" in readme


def test_int8_export_without_samples_is_refused_before_writing(workspace, tmp_path):
    from app.errors import AppError
    from app.ml import export
    from app.project import load_project
    from app.ml import extractor_for, project_classifier
    project = load_project(workspace["out"] / "project.glimmer")
    classifier = project_classifier(project, extractor_for(project))
    with pytest.raises(AppError, match="int8 TFLite export needs the project's samples"):
        export(classifier, ["onnx", "tflite-int8"], tmp_path / "export")
    assert not (tmp_path / "export").exists()

"""Exporting a trained classifier as one model file that other tools run as they are.

The exported model is the whole pipeline. Image models: RGB float32 [N, 224, 224, 3] in 0..255 in
(Rescaling -> extractor -> head). Sound models: a mono float32 waveform [N, window samples] at 44.1 kHz in
(LogMelSpectrogram -> aiSFX -> head); their first layer is Glimmer's own, so its implementations for
TF.js and Keras ship beside the model (assets/export/). Both give softmax scores in the order of
labels.txt. Next to the model go labels.txt, metadata.json (labels, input; for sound the rate and the
window) and README.md with ready-to-run Python and JavaScript snippets.
"""
import datetime
import json
import os
import shutil
import tempfile
import zipfile

import engine as tf

from ..audio import SAMPLE_RATE
from ..errors import AppError
from ..imaging import IMAGE_SIZE
from .snippets import AUDIO_PREPARE_NOTE, IMAGE_PREPARE_NOTE, TFJS_VERSION, code_snippets, readme

__all__ = ["EXPORT_FORMATS", "export", "parse_formats", "code_snippets", "metadata", "EXPORT_ASSETS_DIR"]

EXPORT_FORMATS = ("tfjs", "keras", "h5", "tflite", "tflite-int8", "onnx")
# Exported model files by format; every format also gets labels.txt, metadata.json and README.md.
_MODEL_FILES = {"keras": "model.keras", "h5": "model.h5", "tflite": "model.tflite",
                "tflite-int8": "model_int8.tflite", "onnx": "model.onnx"}
# The layer implementations that sound models need elsewhere.
EXPORT_ASSETS_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))),
                                 "assets", "export")
_LAYER_JS = "log_mel_spectrogram.js"
_LAYER_PY = "log_mel_spectrogram.py"


def parse_formats(formats):
    """"tfjs,keras" or ["tfjs", "keras"] -> a checked list; AppError naming an unknown format."""
    if isinstance(formats, str):
        formats = formats.split(",")
    chosen = []
    for name in (f.strip().lower() for f in formats):
        if not name:
            continue
        if name not in EXPORT_FORMATS:
            raise AppError(f"unknown export format {name!r}; choose from {', '.join(EXPORT_FORMATS)}")
        if name not in chosen:
            chosen.append(name)
    if not chosen:
        raise AppError(f"no export format given; choose from {', '.join(EXPORT_FORMATS)}")
    return chosen


def metadata(classifier, model_name, background_label=None):
    """The metadata.json of an export: labels and what the model takes (for sound: rate, window, background)."""
    labels = list(classifier.labels)
    common = {
        "modelName": model_name,
        "labels": labels,
        "packageName": "glimmer",
        "packageVersion": tf.__version__,
        "tfjsVersion": TFJS_VERSION,
        "timeStamp": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
    }
    if classifier.kind == "audio":
        window = classifier.extractor.window_samples
        return {**common, "sampleRate": SAMPLE_RATE, "windowSeconds": window / SAMPLE_RATE,
                "backgroundLabel": background_label,
                "input": {"name": "waveform", "shape": [None, window], "dtype": "float32", "range": [-1, 1],
                          "channels": "mono", "preparation": AUDIO_PREPARE_NOTE},
                "customLayers": {"LogMelSpectrogram": {"tfjs": _LAYER_JS, "keras": _LAYER_PY}},
                "output": {"activation": "softmax", "order": "labels"}}
    return {**common, "imageSize": IMAGE_SIZE,
            "input": {"name": "image", "shape": [None, IMAGE_SIZE, IMAGE_SIZE, 3], "dtype": "float32",
                      "range": [0, 255], "channels": "RGB", "preparation": IMAGE_PREPARE_NOTE},
            "output": {"activation": "softmax", "order": "labels"}}


def _write_text(path, text):
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(text)
    return path


def _copy_layer(name, folder):
    """Copy a shipped layer implementation into `folder`; returns its path there."""
    source = os.path.join(EXPORT_ASSETS_DIR, name)
    if not os.path.isfile(source):
        raise AppError(f"{source}: missing from this installation; sound models cannot be exported without it")
    return shutil.copyfile(source, os.path.join(folder, name))


def _export_tfjs(model, dest, labels, info, kind):
    """dest/tfjs/ (model.json, shards, metadata.json, labels.txt, and the LogMelSpectrogram layer for sound
    models) and dest/tfjs.zip of the same files."""
    target = os.path.join(dest, "tfjs")
    staging = tempfile.mkdtemp(prefix=".tfjs-", dir=dest)
    try:
        tf.keras.models.save_model(model, staging, format="tfjs")
        _write_text(os.path.join(staging, "metadata.json"), json.dumps(info, indent=2))
        _write_text(os.path.join(staging, "labels.txt"), "\n".join(labels) + "\n")
        if kind == "audio":
            _copy_layer(_LAYER_JS, staging)
        # Replace a previous export as a whole, so no stale shard of an older model stays beside model.json.
        if os.path.isdir(target):
            shutil.rmtree(target)
        os.replace(staging, target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    archive_path = os.path.join(dest, "tfjs.zip")
    temp_archive = archive_path + ".partial"
    with zipfile.ZipFile(temp_archive, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name in sorted(os.listdir(target)):
            archive.write(os.path.join(target, name), name)
    os.replace(temp_archive, archive_path)
    return [target, archive_path]


def _write_model(model, name, path, labels, representative_data):
    if name in ("keras", "h5"):
        tf.keras.models.save_model(model, path, format=name)
    elif name == "tflite":
        tf.io.export_tflite(model, path, labels=labels)
    elif name == "tflite-int8":
        tf.io.export_tflite(model, path, quantize="int8", representative_data=representative_data, labels=labels)
    else:
        tf.io.export_onnx(model, path, labels=labels)
    return path


def export(classifier, formats, dest, model_name="Glimmer model", background_label=None, representative_data=None):
    """Write the classifier's full model in each of `formats` under `dest`; returns the paths written.

    `background_label`: for sound models, the label of the background noise class (recorded in metadata.json,
    so that users can tell "none of the sounds" from a detection). `representative_data`: model inputs (or a
    function returning them) that calibrate the int8 TFLite model: the project's own samples
    (pipeline.calibration_inputs), which never leave the machine.
    """
    formats = parse_formats(formats)
    if "tflite-int8" in formats:
        if representative_data is None:
            raise AppError("the int8 TFLite export needs the project's samples to calibrate it; export from a "
                           "project")
        if callable(representative_data):
            representative_data = representative_data()
    dest = os.path.abspath(os.fspath(dest))
    kind = classifier.kind
    try:
        os.makedirs(dest, exist_ok=True)
        model = classifier.full_model()
        labels = classifier.labels
        info = metadata(classifier, model_name, background_label)
        written = [_write_text(os.path.join(dest, "labels.txt"), "\n".join(labels) + "\n"),
                   _write_text(os.path.join(dest, "metadata.json"), json.dumps(info, indent=2))]
        if "tfjs" in formats:
            written += _export_tfjs(model, dest, labels, info, kind)
        for name, file_name in _MODEL_FILES.items():
            if name in formats:
                written.append(_write_model(model, name, os.path.join(dest, file_name), labels,
                                            representative_data))
        if kind == "audio" and ("keras" in formats or "h5" in formats):
            written.append(_copy_layer(_LAYER_PY, dest))
        window = classifier.extractor.window_samples if kind == "audio" else None
        written.append(_write_text(os.path.join(dest, "README.md"),
                                   readme(formats, labels, kind, window_samples=window, sample_rate=SAMPLE_RATE)))
    except OSError as exc:
        raise AppError(f"{dest}: could not write the export ({exc.strerror or exc})") from exc
    except tf.io.ExportError as exc:
        raise AppError(f"this model cannot be exported: {exc}") from exc
    return written

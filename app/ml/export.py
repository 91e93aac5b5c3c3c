"""Exporting a trained classifier as one model file that other tools run as they are.

The exported model is the whole pipeline (Rescaling -> extractor -> head): raw RGB float32
[N, 224, 224, 3] in 0..255 in, softmax scores in the order of labels.txt out. Next to it go
labels.txt and README.md with ready-to-run Python and JavaScript snippets.
"""
import datetime
import json
import os
import shutil
import tempfile
import zipfile

import engine as tf

from ..errors import AppError
from ..imaging import IMAGE_SIZE

__all__ = ["EXPORT_FORMATS", "export", "parse_formats", "code_snippets"]

EXPORT_FORMATS = ("tfjs", "keras", "h5")
_TFJS_VERSION = "4.22.0"

_PREPARE_NOTE = ("Prepare images the way Glimmer does: centre-crop to a square, resize to 224x224 (bilinear), "
                 "RGB values 0..255 as float32. The model normalises them itself.")

_PYTHON = '''# pip install keras jax pillow     (or TensorFlow 2.16+, which includes Keras 3)
import numpy as np
from PIL import Image
import keras

model = keras.models.load_model("{model_file}")
labels = open("labels.txt", encoding="utf-8").read().splitlines()


def prepare(path):
    """Centre square, 224x224 bilinear, RGB 0..255 float32, as Glimmer prepared its training images."""
    image = Image.open(path).convert("RGB")
    side = min(image.size)
    left, top = (image.width - side) // 2, (image.height - side) // 2
    image = image.crop((left, top, left + side, top + side)).resize((224, 224), Image.BILINEAR)
    return np.asarray(image, dtype="float32")[None]


scores = model.predict(prepare("photo.jpg"), verbose=0)[0]
best = int(np.argmax(scores))
print(labels[best], float(scores[best]))
'''

_JAVASCRIPT = '''<!-- Serve this folder over HTTP (python -m http.server) and open the page. -->
<script src="https://cdn.jsdelivr.net/npm/@tensorflow/tfjs@{tfjs_version}/dist/tf.min.js"></script>
<img id="photo" src="photo.jpg">
<script type="module">
const model = await tf.loadLayersModel("tfjs/model.json");
const {{labels}} = await (await fetch("tfjs/metadata.json")).json();

// Centre square, 224x224 bilinear, RGB 0..255 float32, as Glimmer prepared its training images.
function prepare(image) {{
  return tf.tidy(() => {{
    const pixels = tf.browser.fromPixels(image);
    const [height, width] = pixels.shape;
    const side = Math.min(height, width);
    const top = Math.floor((height - side) / 2), left = Math.floor((width - side) / 2);
    const square = pixels.slice([top, left, 0], [side, side, 3]);
    return tf.image.resizeBilinear(square, [224, 224]).toFloat().expandDims(0);
  }});
}}

const scores = await model.predict(prepare(document.getElementById("photo"))).data();
const best = scores.indexOf(Math.max(...scores));
console.log(labels[best], scores[best]);
</script>
'''


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


def code_snippets(formats):
    """{"python": ..., "javascript": ...}: ready-to-run code for the exported files (for the dialog and README)."""
    snippets = {}
    if "keras" in formats or "h5" in formats:
        snippets["python"] = _PYTHON.format(model_file="model.keras" if "keras" in formats else "model.h5")
    if "tfjs" in formats:
        snippets["javascript"] = _JAVASCRIPT.format(tfjs_version=_TFJS_VERSION)
    return snippets


def _metadata(labels, model_name):
    return {
        "modelName": model_name,
        "labels": list(labels),
        "imageSize": IMAGE_SIZE,
        "packageName": "glimmer",
        "packageVersion": tf.__version__,
        "tfjsVersion": _TFJS_VERSION,
        "timeStamp": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "input": {"name": "image", "shape": [None, IMAGE_SIZE, IMAGE_SIZE, 3], "dtype": "float32",
                  "range": [0, 255], "channels": "RGB", "preparation": _PREPARE_NOTE},
        "output": {"activation": "softmax", "order": "labels"},
    }


def _write_text(path, text):
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(text)
    return path


def _export_tfjs(model, dest, labels, model_name):
    """dest/tfjs/ (model.json, shards, metadata.json, labels.txt) and dest/tfjs.zip of the same files."""
    target = os.path.join(dest, "tfjs")
    staging = tempfile.mkdtemp(prefix=".tfjs-", dir=dest)
    try:
        tf.keras.models.save_model(model, staging, format="tfjs")
        _write_text(os.path.join(staging, "metadata.json"), json.dumps(_metadata(labels, model_name), indent=2))
        _write_text(os.path.join(staging, "labels.txt"), "\n".join(labels) + "\n")
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


def export(classifier, formats, dest, model_name="Glimmer model"):
    """Write the classifier's full model in each of `formats` under `dest`; returns the paths written."""
    formats = parse_formats(formats)
    dest = os.path.abspath(os.fspath(dest))
    try:
        os.makedirs(dest, exist_ok=True)
        model = classifier.full_model()
        labels = classifier.labels
        written = [_write_text(os.path.join(dest, "labels.txt"), "\n".join(labels) + "\n")]
        if "tfjs" in formats:
            written += _export_tfjs(model, dest, labels, model_name)
        if "keras" in formats:
            path = os.path.join(dest, "model.keras")
            tf.keras.models.save_model(model, path, format="keras")
            written.append(path)
        if "h5" in formats:
            path = os.path.join(dest, "model.h5")
            tf.keras.models.save_model(model, path, format="h5")
            written.append(path)
        written.append(_write_text(os.path.join(dest, "README.md"), _readme(formats, labels)))
    except OSError as exc:
        raise AppError(f"{dest}: could not write the export ({exc.strerror or exc})") from exc
    return written


def _readme(formats, labels):
    files = {"tfjs": "`tfjs/` (or `tfjs.zip`): TF.js layers model (`model.json`, weight shards, `metadata.json`)",
             "keras": "`model.keras`: Keras 3 model", "h5": "`model.h5`: legacy Keras HDF5 model"}
    lines = ["# Glimmer image classifier", "",
             "Input: RGB float32 `[N, 224, 224, 3]`, values 0..255. Output: softmax scores in the order of "
             "`labels.txt` (" + ", ".join(labels) + ").", "", _PREPARE_NOTE, "", "Files:", ""]
    lines += [f"- {files[name]}" for name in formats] + ["- `labels.txt`: one label per line", ""]
    snippets = code_snippets(formats)
    if "python" in snippets:
        lines += ["## Python", "", "```python", snippets["python"].rstrip(), "```", ""]
    if "javascript" in snippets:
        lines += ["## JavaScript (browser)", "", "```html", snippets["javascript"].rstrip(), "```", ""]
    return "\n".join(lines)

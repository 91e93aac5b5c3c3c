"""Ready-to-run code and the README for exported models: what a person copies to use the files elsewhere.

Image models take RGB float32 [N, 224, 224, 3] in 0..255; sound models take float32 waveforms
[N, window samples] at the rate in metadata.json, and need their first layer, LogMelSpectrogram, which
ships beside them (log_mel_spectrogram.js for TF.js, log_mel_spectrogram.py for Keras).
"""
from .runtime_snippets import IMAGE_PREPARE, runtime_snippets

__all__ = ["TFJS_VERSION", "IMAGE_PREPARE_NOTE", "code_snippets", "readme", "SNIPPET_LANGUAGES"]

TFJS_VERSION = "4.22.0"

IMAGE_PREPARE_NOTE = ("Prepare images the way Glimmer does: centre-crop to a square, resize to 224x224 (bilinear), "
                      "RGB values 0..255 as float32. The model normalises them itself.")
AUDIO_PREPARE_NOTE = ("Prepare sound the way Glimmer does: mono (average the channels), resampled to the rate in "
                      "`metadata.json` (44100 Hz), float32 in [-1, 1], cut into windows of `windowSeconds` (a "
                      "shorter sound padded with silence at the end). The model computes the log-mel spectrogram "
                      "itself, in its first layer, LogMelSpectrogram, which ships beside it.")

_IMAGE_PYTHON = ('''# pip install keras jax pillow     (or TensorFlow 2.16+, which includes Keras 3)
import numpy as np
from PIL import Image
import keras

model = keras.models.load_model("{model_file}")
labels = open("labels.txt", encoding="utf-8").read().splitlines()
''' + IMAGE_PREPARE + '''
scores = model.predict(prepare("photo.jpg"), verbose=0)[0]
best = int(np.argmax(scores))
print(labels[best], float(scores[best]))
''')

_IMAGE_JAVASCRIPT = '''<!-- Serve this folder over HTTP (python -m http.server) and open the page. -->
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

_AUDIO_PYTHON = '''# pip install keras jax soundfile soxr     (or TensorFlow 2.16+, which includes Keras 3)
import json

import numpy as np
import soundfile
import soxr
import keras
import log_mel_spectrogram  # noqa: F401  (the model's first layer, beside the model: Keras finds it once imported)

model = keras.models.load_model("{model_file}")
metadata = json.load(open("metadata.json", encoding="utf-8"))
labels, rate = metadata["labels"], metadata["sampleRate"]
window = metadata["input"]["shape"][1]


def load(path):
    """Mono float32 at the model's rate, as Glimmer prepared its training sounds."""
    sound, file_rate = soundfile.read(path, dtype="float32", always_2d=True)
    return soxr.resample(sound.mean(axis=1), file_rate, rate).astype("float32")


sound = load("sound.wav")
hop = window // 2   # windows overlapping by half, as Glimmer's live preview listens
starts = range(0, max(1, len(sound) - window + 1), hop)
windows = np.stack([np.pad(sound[s:s + window], (0, max(0, s + window - len(sound)))) for s in starts])
for start, scores in zip(starts, model.predict(windows, verbose=0)):
    best = int(np.argmax(scores))
    print(f"{{start / rate:7.2f}} s  {{labels[best]}}  {{scores[best]:.2f}}")
'''

_AUDIO_JAVASCRIPT = '''<!-- Serve this folder over HTTP (python -m http.server) and open the page. -->
<script src="https://cdn.jsdelivr.net/npm/@tensorflow/tfjs@{tfjs_version}/dist/tf.min.js"></script>
<script type="module">
import {{register}} from "./tfjs/log_mel_spectrogram.js";
register(tf);   // the model's first layer, LogMelSpectrogram, which TF.js does not have
const model = await tf.loadLayersModel("tfjs/model.json");
const {{labels, sampleRate, input}} = await (await fetch("tfjs/metadata.json")).json();
const window = input.shape[1];

// Mono float32 at the model's rate, as Glimmer prepared its training sounds (the browser resamples).
const context = new AudioContext({{sampleRate}});
const decoded = await context.decodeAudioData(await (await fetch("sound.wav")).arrayBuffer());
const sound = new Float32Array(decoded.length);
for (let c = 0; c < decoded.numberOfChannels; c++) {{
  decoded.getChannelData(c).forEach((value, i) => {{ sound[i] += value / decoded.numberOfChannels; }});
}}

// Windows overlapping by half, as Glimmer's live preview listens; a short sound is padded with silence.
const hop = Math.floor(window / 2);
for (let start = 0; start === 0 || start + window <= sound.length; start += hop) {{
  const clip = new Float32Array(window);
  clip.set(sound.subarray(start, start + window));
  const scores = await tf.tidy(() => model.predict(tf.tensor2d(clip, [1, window]))).data();
  const best = scores.indexOf(Math.max(...scores));
  console.log((start / sampleRate).toFixed(2), "s", labels[best], scores[best].toFixed(2));
}}
</script>
'''

_FILES = {
    "tfjs": "`tfjs/` (or `tfjs.zip`): TF.js layers model (`model.json`, weight shards, `metadata.json`)",
    "keras": "`model.keras`: Keras 3 model",
    "h5": "`model.h5`: legacy Keras HDF5 model",
    "tflite": "`model.tflite`: TFLite (LiteRT) model, float32, batch of one",
    "tflite-int8": "`model_int8.tflite`: TFLite (LiteRT) model quantized to int8 (calibrated on the project's own "
                   "samples); float32 in and out like the others, batch of one",
    "onnx": "`model.onnx`: ONNX model (opset 17), any batch size",
}
# Snippet key -> (tab title, README heading, code fence language).
SNIPPET_LANGUAGES = {
    "python": ("Python (Keras)", "Python (Keras)", "python"),
    "javascript": ("JavaScript", "JavaScript (browser)", "html"),
    "litert": ("Python (LiteRT)", "Python with LiteRT (the TFLite interpreter)", "python"),
    "onnxruntime": ("Python (onnxruntime)", "Python with onnxruntime", "python"),
    "kotlin": ("Android (Kotlin)", "Android (Kotlin, LiteRT)", "kotlin"),
}


def _legacy_h5_python(python, kind):
    """The Python snippet for model.h5 alone: Keras 3 cannot wire a legacy .h5 whose model calls a nested model
    (ours always does: the extractor and the head), so images load it in tf_keras, the Keras 2 that TensorFlow
    programs use; a sound model's first layer exists for Keras 3 only, so it points to model.keras."""
    if kind == "audio":
        return ("# model.h5 is for Keras 2 (tf_keras) programs, which have no LogMelSpectrogram layer: with Python,\n"
                "# export model.keras too and load it in Keras 3 with log_mel_spectrogram.py (choose Keras above).\n")
    return python.format(model_file="model.h5").replace(
        "# pip install keras jax pillow     (or TensorFlow 2.16+, which includes Keras 3)",
        "# pip install tensorflow tf_keras pillow     (model.h5 is a Keras 2 file: tf_keras loads it)").replace(
        "import keras\n", "import tf_keras as keras\n")


def code_snippets(formats, kind="image", window_samples=None, sample_rate=None):
    """{snippet key: code} (keys of SNIPPET_LANGUAGES): ready-to-run code for the exported files of a `kind`
    ("image" or "audio") model, for the export dialog and the README. Sound models' Android code names their
    window (`window_samples` at `sample_rate`)."""
    python, javascript = (_AUDIO_PYTHON, _AUDIO_JAVASCRIPT) if kind == "audio" else (_IMAGE_PYTHON, _IMAGE_JAVASCRIPT)
    snippets = {}
    if "keras" in formats:
        snippets["python"] = python.format(model_file="model.keras")
    elif "h5" in formats:
        snippets["python"] = _legacy_h5_python(python, kind)
    if "tfjs" in formats:
        snippets["javascript"] = javascript.format(tfjs_version=TFJS_VERSION)
    snippets.update(runtime_snippets(formats, kind, window_samples, sample_rate))
    return snippets


def readme(formats, labels, kind="image", window_samples=None, sample_rate=None):
    """README.md of an export: the input, the files, and the snippets."""
    if kind == "audio":
        lines = ["# Glimmer sound classifier", "",
                 f"Input: mono float32 waveform `[N, {window_samples}]` ({window_samples / sample_rate:g} s at "
                 f"{sample_rate} Hz), values in [-1, 1]. Output: softmax scores in the order of `labels.txt` ("
                 + ", ".join(labels) + ").", "", AUDIO_PREPARE_NOTE, "", "Files:", ""]
        files = dict(_FILES, tfjs=_FILES["tfjs"][:-1] + ", `log_mel_spectrogram.js`: the first layer for TF.js)")
        extra = ["- `metadata.json`: labels, sample rate, window length, input description"]
        if "keras" in formats or "h5" in formats:
            extra.append("- `log_mel_spectrogram.py`: the first layer for Keras (import it before loading the model)")
    else:
        lines = ["# Glimmer image classifier", "",
                 "Input: RGB float32 `[N, 224, 224, 3]`, values 0..255. Output: softmax scores in the order of "
                 "`labels.txt` (" + ", ".join(labels) + ").", "", IMAGE_PREPARE_NOTE, "", "Files:", ""]
        files = _FILES
        extra = ["- `metadata.json`: labels and input description"]
    lines += [f"- {files[name]}" for name in formats] + ["- `labels.txt`: one label per line"] + extra + [""]
    snippets = code_snippets(formats, kind, window_samples, sample_rate)
    for key, (_tab, heading, fence) in SNIPPET_LANGUAGES.items():
        if key in snippets:
            lines += [f"## {heading}", "", f"```{fence}", snippets[key].rstrip(), "```", ""]
    return "\n".join(lines)

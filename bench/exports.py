"""Exports: file sizes, and LiteRT and onnxruntime latency next to our engine's on the same machine, in one run.

The app's two full models (an untrained head is enough: sizes and speed do not depend on its
values): EfficientNet-Lite0 + head on a 224x224 image, and aiSFX + head on one second of sound,
at batch 1. Ours runs the Keras model on the current backend (cpu unless GLIMMER_BACKEND says
otherwise), eagerly and as a tf.function; LiteRT runs the float32, float16 and int8 files with
its default XNNPack delegate, onnxruntime the ONNX file (default CPU provider). Each runtime gets
the machine's cores as its default; the last column is the ratio to our eager call.

    python bench/exports.py
"""
import os
import sys
import tempfile

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import engine as tf  # noqa: E402
from bench.common import format_time, measure, print_table  # noqa: E402

COLUMNS = ("model", "runtime", "file", "size", "latency", "vs ours (eager)")
CLASSES = 4


def _head(embedding_size):
    from app.ml.training import build_head
    return build_head(embedding_size, CLASSES)


def image_model():
    inputs = tf.keras.Input((224, 224, 3), name="image")
    x = tf.keras.layers.Rescaling(1 / 128, offset=-127 / 128)(inputs)
    x = tf.applications.EfficientNetLite0(include_top=False, weights="imagenet", pooling="avg")(x)
    return tf.keras.Model(inputs, _head(1280)(x)), np.random.default_rng(0).uniform(0, 255, (1, 224, 224, 3))


def audio_model():
    from engine.applications.audio import AisfxEmbedding
    inputs = tf.keras.Input((44100,), name="waveform")
    x = AisfxEmbedding(num_samples=44100)(inputs)
    return tf.keras.Model(inputs, _head(512)(x)), np.random.default_rng(0).uniform(-0.5, 0.5, (1, 44100))


def _litert(path):
    from ai_edge_litert.interpreter import Interpreter
    interpreter = Interpreter(model_path=path)
    interpreter.allocate_tensors()
    input_index = interpreter.get_input_details()[0]["index"]
    output_index = interpreter.get_output_details()[0]["index"]

    def run(batch):
        interpreter.set_tensor(input_index, batch)
        interpreter.invoke()
        return interpreter.get_tensor(output_index)
    return run


def _onnxruntime(path):
    import onnxruntime
    session = onnxruntime.InferenceSession(path)
    name = session.get_inputs()[0].name
    return lambda batch: session.run(None, {name: batch})[0]


def bench(name, model, sample, folder):
    sample = sample.astype(np.float32)
    calibration = [np.clip(sample + np.random.default_rng(seed).normal(0, 0.05 * np.abs(sample).max(), sample.shape),
                           sample.min(), sample.max()).astype(np.float32)[0] for seed in range(16)]
    files = {
        "tflite float32": tf.io.export_tflite(model, os.path.join(folder, f"{name}.tflite")),
        "tflite float16": tf.io.export_tflite(model, os.path.join(folder, f"{name}_f16.tflite"), quantize="float16"),
        "tflite int8": tf.io.export_tflite(model, os.path.join(folder, f"{name}_int8.tflite"), quantize="int8",
                                           representative_data=np.stack(calibration)),
        "onnx": tf.io.export_onnx(model, os.path.join(folder, f"{name}.onnx")),
    }
    fast = tf.function(model)
    ours = measure(lambda: model(sample, training=False).numpy())
    rows = [(name, f"ours ({tf.get_backend()}, eager)", "—", "—", format_time(ours), "1.00x"),
            (name, f"ours ({tf.get_backend()}, tf.function)", "—", "—",
             format_time(traced := measure(lambda: fast(sample, training=False).numpy())), f"{traced / ours:.2f}x")]
    for label, path in files.items():
        run = _onnxruntime(path) if label == "onnx" else _litert(path)
        seconds = measure(lambda: run(sample))
        rows.append((name, "onnxruntime" if label == "onnx" else "LiteRT", label,
                     f"{os.path.getsize(path) / 1e6:.1f} MB", format_time(seconds), f"{seconds / ours:.2f}x"))
    return rows


def main():
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        for name, build in (("EfficientNet-Lite0 + head", image_model), ("aiSFX + head (1 s)", audio_model)):
            model, sample = build()
            rows += bench(name, model, sample, folder)
    print_table("Exports: sizes and batch-1 latency", COLUMNS, rows)


if __name__ == "__main__":
    main()

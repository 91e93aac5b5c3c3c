"""`glimmer --self-test`: a quick headless check that an installed or bundled Glimmer has everything it needs.

It touches each part a PyInstaller bundle could miss: the engine and its backends (the GL ones read
gl_kernels/ at run time), the shipped EfficientNet-Lite0 weights and a bundled sample image
(assets/), OpenCV's image decoding, sound decoding and resampling (libsndfile, soxr), the TFLite and
ONNX writers with their schema packages and the sound-model layer files (assets/export/), and the Qt
window with its plugins (built offscreen, never shown).
"""
import os
import sys
import time

import numpy as np

__all__ = ["run_self_test"]

EXIT_FAILED = 1


class SelfTestError(Exception):
    pass


def _check_backends():
    """Run one small op on every backend that works here; returns their names."""
    import engine as tf
    started_on = tf.get_backend()
    working = [name for name, info in tf.backends().items() if info["available"]]
    try:
        for name in working:
            tf.set_backend(name)
            total = float(tf.reduce_sum(tf.constant([1.0, 2.0, 3.0]) * 2.0).numpy())
            if total != 12.0:
                raise SelfTestError(f"backend {name}: 2 * (1 + 2 + 3) gave {total}")
    finally:
        tf.set_backend(started_on)
    return working, started_on


def _check_extractor():
    """Embed one bundled sample picture with the shipped EfficientNet-Lite0; returns the extractor and a summary."""
    from .imaging import prepare_image, read_image
    from .ml import ImageFeatureExtractor
    from .project import held_out_samples
    samples = held_out_samples()
    if not samples:
        raise SelfTestError("no bundled sample pictures in assets/samples/held_out")
    extractor = ImageFeatureExtractor()
    started = time.perf_counter()
    vector = extractor.embed(prepare_image(read_image(samples[0]))[None])[0]
    if vector.shape != (extractor.embedding_size,) or not np.all(np.isfinite(vector)) or not np.any(vector):
        raise SelfTestError(f"EfficientNet-Lite0 gave a bad embedding for {os.path.basename(samples[0])}")
    return extractor, (f"EfficientNet-Lite0 embedded {os.path.basename(samples[0])} into {vector.size} features "
                       f"in {time.perf_counter() - started:.2f} s")


def _check_exports_and_sound():
    """Export a tiny model as TFLite and ONNX, find the sound-model layer files, decode and resample a sound."""
    import tempfile

    import engine as tf
    from .audio import SAMPLE_RATE, decode_wav, encode_wav, resample
    from .ml.export import EXPORT_ASSETS_DIR
    model = tf.keras.Sequential([tf.keras.Input((4,)), tf.keras.layers.Dense(2, activation="softmax")])
    with tempfile.TemporaryDirectory() as folder:
        for path in (tf.io.export_tflite(model, os.path.join(folder, "model.tflite"), labels=["a", "b"]),
                     tf.io.export_onnx(model, os.path.join(folder, "model.onnx"))):
            if os.path.getsize(path) == 0:
                raise SelfTestError(f"the {os.path.splitext(path)[1]} export wrote an empty file")
    for name in ("log_mel_spectrogram.js", "log_mel_spectrogram.py"):
        if not os.path.isfile(os.path.join(EXPORT_ASSETS_DIR, name)):
            raise SelfTestError(f"assets/export/{name} is missing: sound models could not be exported")
    tone = np.sin(2 * np.pi * 440 * np.arange(22050) / 22050).astype(np.float32)
    resampled = resample(decode_wav(encode_wav(tone)), 22050, SAMPLE_RATE)
    if abs(len(resampled) - SAMPLE_RATE) > 1 or not 0.6 < float(np.sqrt(np.mean(resampled ** 2))) < 0.8:
        raise SelfTestError("a 1 s test tone did not survive WAV decoding and resampling")
    return "exports: TFLite and ONNX written; sound: WAV decoding and resampling work"


def _check_window(extractor):
    """Build the real main window on Qt's offscreen platform, then close it."""
    os.environ["QT_QPA_PLATFORM"] = "offscreen"  # headless even where a display exists: nothing appears
    import PySide6
    from PySide6.QtWidgets import QApplication, QMessageBox

    from .ui.main_window import MainWindow
    application = QApplication.instance() or QApplication(sys.argv[:1])
    window = MainWindow(extractor=extractor)
    window.ask_unsaved = lambda: QMessageBox.Discard
    window.close()
    application.processEvents()
    return f"PySide6 {PySide6.__version__}: main window built offscreen ({application.platformName()})"


def run_self_test():
    """Print one line per check and OK (exit code 0), or one line saying what failed (non-zero exit code)."""
    try:
        import engine as tf
        working, current = _check_backends()
        print(f"engine {tf.__version__}: backends {', '.join(working)} work (default {current})", flush=True)
        extractor, summary = _check_extractor()
        print(summary, flush=True)
        print(_check_exports_and_sound(), flush=True)
        print(_check_window(extractor), flush=True)
    except Exception as exc:  # the promise: one line saying what is wrong, never a traceback
        if os.environ.get("GLIMMER_DEBUG"):
            raise
        reason = str(exc) if isinstance(exc, SelfTestError) else f"{type(exc).__name__}: {exc}"
        print(f"glimmer self-test failed: {' '.join(reason.split())}", file=sys.stderr)
        return EXIT_FAILED
    print("OK")
    return 0

"""`glimmer --self-test`: a quick headless check that an installed or bundled Glimmer has everything it needs.

It touches each part a PyInstaller bundle could miss: the engine and its backends (the GL ones read
gl_kernels/ at run time), the shipped EfficientNet-Lite0 weights and a bundled sample image
(assets/), OpenCV's image decoding, and the Qt window with its plugins (built offscreen, never shown).
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
        print(_check_window(extractor), flush=True)
    except Exception as exc:  # the promise: one line saying what is wrong, never a traceback
        if os.environ.get("GLIMMER_DEBUG"):
            raise
        reason = str(exc) if isinstance(exc, SelfTestError) else f"{type(exc).__name__}: {exc}"
        print(f"glimmer self-test failed: {' '.join(reason.split())}", file=sys.stderr)
        return EXIT_FAILED
    print("OK")
    return 0

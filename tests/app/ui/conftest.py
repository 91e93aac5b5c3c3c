"""Widget tests drive the real window on a real X server: Xvfb, started here (CI has no display).

Xvfb picks a free display number itself (-displayfd), so parallel test workers each get their own.
The environment is set when this conftest loads, before pytest-qt creates the QApplication.
"""
import os
import select
import subprocess

import pytest
from PySide6.QtWidgets import QApplication, QMessageBox

ARTIFACTS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "artifacts")
_XVFB = {}


def _start_xvfb():
    read_end, write_end = os.pipe()
    # -terminate: the server exits when its last client (this test process) goes, even if pytest is killed.
    process = subprocess.Popen(["Xvfb", "-displayfd", str(write_end), "-screen", "0", "1280x800x24",
                                "-nolisten", "tcp", "-terminate"],
                               pass_fds=(write_end,), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    os.close(write_end)
    number = b""
    while not number.endswith(b"\n"):
        ready, _, _ = select.select([read_end], [], [], 30)
        chunk = os.read(read_end, 16) if ready else b""
        if not chunk:
            process.kill()
            raise RuntimeError(f"Xvfb did not start: {process.stderr.read().decode(errors='replace')[-2000:]}")
        number += chunk
    os.close(read_end)
    return process, ":" + number.decode().strip()


def pytest_configure(config):
    process, display = _start_xvfb()
    _XVFB["process"] = process
    os.environ["DISPLAY"] = display
    os.environ["QT_QPA_PLATFORM"] = "xcb"
    os.environ["QT_XCB_GL_INTEGRATION"] = "xcb_egl"
    os.environ.pop("WAYLAND_DISPLAY", None)


def pytest_unconfigure(config):
    process = _XVFB.pop("process", None)
    if process is not None:
        process.terminate()
        process.wait(10)


@pytest.fixture(scope="session")
def themed_app(qapp):
    from app.ui.theme import apply_theme
    apply_theme(qapp)
    return qapp


@pytest.fixture
def screenshot():
    """screenshot(widget, name): the widget as it is on screen, saved as artifacts/<name>.png."""
    os.makedirs(ARTIFACTS, exist_ok=True)

    def save(widget, name):
        QApplication.sendPostedEvents()  # pending layout requests: grab what a person would see
        QApplication.processEvents()
        path = os.path.join(ARTIFACTS, name + ".png")
        assert widget.grab().save(path), f"could not write {path}"
        return path
    return save


@pytest.fixture(scope="session")
def small_extractor():
    """A fast stand-in for EfficientNet where the network is not the point: pooled colours as features."""
    import engine as tf
    from app.ml import ImageFeatureExtractor
    model = tf.keras.Sequential([tf.keras.Input((224, 224, 3)), tf.keras.layers.AveragePooling2D(28),
                                 tf.keras.layers.Flatten()], name="pooled_colours")
    return ImageFeatureExtractor(model=model)


@pytest.fixture(scope="session")
def small_audio_extractor():
    """A fast stand-in for aiSFX where the network is not the point: the average log-mel energy per band."""
    import engine as tf
    from app.ml import AudioFeatureExtractor
    from engine.applications.audio import LogMelSpectrogram
    model = tf.keras.Sequential([tf.keras.Input((44100,)),
                                 LogMelSpectrogram(num_mel_bins=32, frame_length=1024, frame_step=1024),
                                 tf.keras.layers.GlobalAveragePooling1D()], name="mel_energies")
    return AudioFeatureExtractor(model=model)


@pytest.fixture
def window(themed_app, qtbot, small_extractor, small_audio_extractor):
    from app.ui.main_window import MainWindow
    main_window = MainWindow(extractor=small_extractor, audio_extractor=small_audio_extractor)
    # Closing never blocks on the "save this project?" question; tests of that question set their own answer.
    main_window.ask_unsaved = lambda: QMessageBox.Discard
    qtbot.addWidget(main_window)
    main_window.show()
    qtbot.waitExposed(main_window)
    yield main_window
    main_window.close()

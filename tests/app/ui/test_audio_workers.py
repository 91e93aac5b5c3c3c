"""Sound off the UI thread: the reader hands over every sample with a seamless spectrogram; the listener
skips ahead rather than fall behind; playback says plainly when there is no sound card; the level meter
and the scrolling spectrogram behave."""
import threading

import numpy as np
import pytest
import sounddevice

from app.audio import spectrogram_image
from app.capture import SyntheticAudioSource, class_sound
from app.errors import AppError
from app.ml import SlidingWindowListener
from app.ui.audio_widgets import COLOR_TABLE, LevelMeter, ScrollingSpectrogram, colorize
from app.workers import AudioReader, ListeningWorker, play_sound


def test_audio_reader_hands_over_every_sample_and_a_seamless_spectrogram(qtbot):
    # Not paced in real time: a 0.05 s block per read, so the test does not wait for the clock.
    source = SyntheticAudioSource(seed=3, realtime=False, block_seconds=0.05)
    source.set_class_hint(2)
    reader = AudioReader(source)
    samples, columns = [], []

    def take():
        chunk = reader.take()
        samples.append(chunk.samples)
        columns.append(chunk.columns)
    reader.audio_ready.connect(take)
    reader.start()
    qtbot.waitUntil(lambda: sum(map(len, samples)) >= 44100, timeout=20000)
    reader.stop()
    take()  # what arrived after the last notification
    assert not source.is_open, "stopping the reader closes the source"
    heard = np.concatenate(samples)
    assert np.array_equal(heard, class_sound(2, 0, len(heard), seed=3)), "no sample lost, none repeated"
    pictured = np.concatenate(columns, axis=1)
    frames = pictured.shape[1]
    assert frames == (len(heard) - 1024) // 512 + 1, "a column for every whole frame"
    # Columns computed chunk by chunk are the picture of the whole stream: no seams between reads.
    assert np.array_equal(pictured, spectrogram_image(heard[:(frames - 1) * 512 + 1024]))


def test_audio_reader_notifies_once_until_the_sound_is_taken(qtbot):
    source = SyntheticAudioSource(realtime=False, block_seconds=0.02)
    reader = AudioReader(source)
    notifications = []
    reader.audio_ready.connect(lambda: notifications.append(source.position))
    reader.start()
    qtbot.waitUntil(lambda: source.position > 10 * 882, timeout=10000)
    assert len(notifications) == 1, "nobody took the sound: no second notification queues up"
    chunk = reader.take()
    assert len(chunk.samples) >= 10 * 882 and chunk.level_db > -60
    qtbot.waitUntil(lambda: len(notifications) == 2, timeout=10000)
    reader.stop()


def test_a_source_that_cannot_open_is_reported(qtbot, tmp_path):
    from app.capture import AudioFileSource
    broken = tmp_path / "broken.wav"
    broken.write_bytes(b"RIFF not really")
    reader = AudioReader(AudioFileSource(str(broken)))
    with qtbot.waitSignal(reader.failed, timeout=10000) as failed:
        reader.start()
    reader.wait()
    assert "broken.wav" in failed.args[0]


def test_playback_without_a_sound_card_is_a_clear_error(monkeypatch):
    def no_device(*args, **kwargs):
        raise sounddevice.PortAudioError("Error querying device -1")
    monkeypatch.setattr(sounddevice, "play", no_device)
    with pytest.raises(AppError, match="no working sound output"):
        play_sound(np.zeros(100, np.float32))


def test_playback_starts_the_clip_at_the_app_sample_rate(monkeypatch):
    played = []
    monkeypatch.setattr(sounddevice, "play", lambda data, rate: played.append((data, rate)))
    play_sound(np.ones(10, np.float64) * 0.5)
    assert played[0][1] == 44100 and played[0][0].dtype == np.float32 and played[0][0][0] == 0.5


def test_scrolling_spectrogram_keeps_the_newest_columns_on_the_right():
    scroller = ScrollingSpectrogram(height=4, columns=5)
    scroller.append(np.full((4, 3), 10, np.uint8))
    scroller.append(np.full((4, 0), 99, np.uint8))
    scroller.append(np.full((4, 1), 20, np.uint8))
    assert scroller.image[0].tolist() == [0, 10, 10, 10, 20]
    scroller.append(np.arange(28, dtype=np.uint8).reshape(4, 7))
    assert scroller.image[0].tolist() == [2, 3, 4, 5, 6]
    assert colorize(scroller.image).shape == (4, 5, 3)
    assert COLOR_TABLE[0].sum() < COLOR_TABLE[255].sum(), "quiet is dark, loud is bright"


def test_level_meter_clamps_and_holds_the_peak(themed_app):
    meter = LevelMeter()
    meter.set_level(-200)
    assert meter.level_db == LevelMeter.FLOOR_DB
    meter.set_level(-6)
    meter.set_level(-40)
    assert meter.level_db == -40 and meter.peak_db == -6, "a short loud sound stays visible a moment"
    for _ in range(LevelMeter.PEAK_HOLD_UPDATES + 1):
        meter.set_level(-40)
    assert meter.peak_db == -40
    meter.set_level(12)
    assert meter.level_db == 0


class SlowSoundClassifier:
    """Holds the first batch until released, like a big network on a slow CPU; records the batches it saw."""

    labels = ["quiet", "loud"]

    class extractor:
        window_samples = 100

    def __init__(self):
        self.batches = []
        self.busy = threading.Event()
        self.release = threading.Event()

    def predict(self, batch):
        self.busy.set()
        self.release.wait(10)
        self.batches.append(batch.copy())
        return np.tile(np.float32([0.25, 0.75]), (len(batch), 1))


def test_listening_worker_scores_overlapping_windows_and_skips_ahead_when_behind(qtbot):
    classifier = SlowSoundClassifier()
    worker = ListeningWorker(SlidingWindowListener(classifier, window_seconds=100 / 44100, hop_seconds=50 / 44100))
    heard = []
    worker.heard.connect(heard.extend)
    worker.start()
    stream = np.arange(2000, dtype=np.float32)
    worker.submit(stream[:150])  # two windows: [0, 100) and [50, 150)
    assert classifier.busy.wait(10)
    for start in range(150, 2000, 50):
        worker.submit(stream[start:start + 50])  # 1850 samples arrive while the first batch is scored
    classifier.release.set()
    qtbot.waitUntil(lambda: worker.windows == 3, timeout=10000)
    worker.stop()
    first, second = classifier.batches
    assert [row[0] for row in first] == [0, 50], "overlapping windows, half a window apart"
    # Far behind: only the newest window is scored, the rest is skipped and counted.
    assert second.tolist() == [stream[1900:2000].tolist()]
    assert worker.skipped_seconds == pytest.approx(1750 / 44100)
    assert [scores for _start, _end, scores in heard] == [{"quiet": 0.25, "loud": 0.75}] * 3

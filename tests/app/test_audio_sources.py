"""Sound sources: the ring buffer under the microphone, the synthetic microphone, sound files, and real PortAudio
through ALSA devices defined in a config file (no sound card needed)."""
import json
import os
import subprocess
import sys
import threading
import time

import numpy as np
import pytest
import soundfile

from app.audio import SAMPLE_RATE
from app.capture import AudioFileSource, RingBuffer, SyntheticAudioSource, class_sound
from app.errors import AudioFileError, MicrophoneError

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


# --- the ring buffer ------------------------------------------------------------------------------------------
def test_ring_buffer_hands_out_every_sample_once_across_the_wrap():
    ring = RingBuffer(100)
    stream = np.arange(1000, dtype=np.float32)
    position, received = 0, []
    for size in [7, 30, 99, 1, 0, 64, 13, 100, 50]:
        ring.write(stream[position:position + size])
        position += size
        received.append(ring.read_new())
        np.testing.assert_array_equal(ring.latest(40), stream[max(0, position - 40):position])
    np.testing.assert_array_equal(np.concatenate(received), stream[:position])
    assert ring.overrun == 0 and len(ring.read_new()) == 0
    assert len(ring.latest(500)) == 100


def test_ring_buffer_keeps_the_newest_samples_when_the_reader_falls_behind():
    ring = RingBuffer(100)
    stream = np.arange(400, dtype=np.float32)
    ring.write(stream[:70])
    ring.write(stream[70:150])
    np.testing.assert_array_equal(ring.read_new(), stream[50:150])
    assert ring.overrun == 50
    ring.write(stream[150:400])                    # a chunk larger than the whole buffer
    np.testing.assert_array_equal(ring.read_new(), stream[300:400])
    assert ring.overrun == 200 and ring.written == 400
    with pytest.raises(ValueError, match="at least one sample"):
        RingBuffer(0)


def test_ring_buffer_without_a_lock_never_hands_out_torn_or_reordered_samples():
    """A writer thread (standing in for the audio callback) races the reader: every read is a contiguous run of
    the stream after the previous one, and what was read plus what was overrun is everything written."""
    ring = RingBuffer(512)
    total = 400_000
    stream = np.arange(total, dtype=np.float32)           # exact integers in float32

    def write():
        for start in range(0, total, 37):
            ring.write(stream[start:start + 37])

    writer = threading.Thread(target=write)
    writer.start()
    reads, last = 0, -1
    while writer.is_alive() or ring.written != last + 1:
        chunk = ring.read_new()
        if len(chunk):
            assert np.all(np.diff(chunk) == 1) and chunk[0] > last
            last = int(chunk[-1])
            reads += len(chunk)
    writer.join()
    assert last == total - 1 and reads + ring.overrun == total


# --- synthetic microphone ---------------------------------------------------------------------------------
def test_synthetic_microphone_is_deterministic_whatever_the_block_size():
    def stream(block_seconds, seed=4):
        with SyntheticAudioSource(seed=seed, realtime=False, block_seconds=block_seconds) as source:
            parts = []
            for hint in (1, 1, 3, 0):
                source.set_class_hint(hint)
                parts += [source.read() for _ in range(int(round(0.2 / block_seconds)))]
        return np.concatenate(parts)

    a, b = stream(0.05), stream(0.1)
    assert a.dtype == np.float32 and len(a) == len(b) == int(0.8 * SAMPLE_RATE)
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, stream(0.05, seed=5))
    # Each stretch is the class's endless recording at that position: 0.4 s of the tone, then clicks, then noise.
    quarter = len(a) // 4
    np.testing.assert_array_equal(a[:2 * quarter], class_sound(1, 0, 2 * quarter, seed=4))
    np.testing.assert_array_equal(a[2 * quarter:3 * quarter], class_sound(3, 2 * quarter, quarter, seed=4))


def test_synthetic_classes_sound_different():
    def spectrum(index):
        clip = class_sound(index, 0, SAMPLE_RATE, seed=1)
        return np.abs(np.fft.rfft(clip)) / np.sqrt(len(clip))

    tone, chirp, noise = spectrum(1), spectrum(2), spectrum(0)
    assert abs(np.argmax(tone) - 523) <= 1                       # 1 Hz bins: the C5 tone
    band = slice(400, 4000)
    assert chirp[band].sum() > 5 * chirp[6000:9600].sum()        # the sweep stays between 400 Hz and 4 kHz
    assert noise[band].sum() < 3 * noise[6000:9600].sum()        # noise is flat
    clicks = class_sound(3, 0, SAMPLE_RATE, seed=1)
    envelope = np.abs(clicks).reshape(-1, 441).max(axis=1)        # 10 ms blocks
    assert np.sum(envelope > 0.1) >= 3 and np.median(envelope) < 0.1
    with pytest.raises(ValueError, match="must not be negative"):
        class_sound(-1, 0, 10)


def test_synthetic_microphone_in_real_time_delivers_what_the_clock_says():
    now = [100.0]
    source = SyntheticAudioSource(seed=2, realtime=True, clock=lambda: now[0])
    with pytest.raises(MicrophoneError, match="not open"):
        source.read()
    with source:
        assert len(source.read()) == 0
        now[0] += 0.25
        first = source.read()
        now[0] += 0.5
        second = source.read()
        # A reader that stalls for a minute gets the last 10 s, as a microphone's buffer would have kept them.
        now[0] += 60
        after_stall = source.read()
    assert (len(first), len(second), len(after_stall)) == (11025, 22050, 10 * SAMPLE_RATE)
    np.testing.assert_array_equal(np.concatenate([first, second]), class_sound(0, 0, 33075, seed=2))
    np.testing.assert_array_equal(after_stall, class_sound(0, 33075 + 50 * SAMPLE_RATE, 10 * SAMPLE_RATE, seed=2))
    assert not source.is_open
    with SyntheticAudioSource(realtime=True) as real_clock:
        time.sleep(0.05)
        assert 0.04 * SAMPLE_RATE <= len(real_clock.read()) <= 0.5 * SAMPLE_RATE


# --- sound files ------------------------------------------------------------------------------------------
def test_file_source_loops_or_finishes(tmp_path):
    signal = np.random.default_rng(2).uniform(-0.5, 0.5, 10_000).astype(np.float32)
    path = tmp_path / "clip.wav"
    soundfile.write(path, signal, SAMPLE_RATE, subtype="FLOAT")
    with AudioFileSource(path, loop=True, realtime=False, block_seconds=0.1) as looping:
        played = np.concatenate([looping.read() for _ in range(5)])
    np.testing.assert_array_equal(played, np.tile(signal, 3)[:5 * 4410])
    once = AudioFileSource(path, loop=False, realtime=False, block_seconds=0.1)
    once.open()
    parts = [once.read() for _ in range(4)]
    assert [len(p) for p in parts] == [4410, 4410, 1180, 0] and once.finished
    np.testing.assert_array_equal(np.concatenate(parts), signal)
    assert once.name == "clip.wav"
    now = [0.0]
    with AudioFileSource(path, loop=True, clock=lambda: now[0]) as stalled:
        now[0] = 12.0                     # 529,200 samples due; the buffer keeps the last 441,000
        kept = stalled.read()
    start = (12 * SAMPLE_RATE - 10 * SAMPLE_RATE) % len(signal)
    np.testing.assert_array_equal(kept, np.tile(signal, 50)[start:start + 10 * SAMPLE_RATE])
    with pytest.raises(AudioFileError, match="missing.wav: cannot read"):
        AudioFileSource(tmp_path / "missing.wav").open()


# --- real PortAudio, through ALSA devices in a config file ------------------------------------------------
_MICROPHONE_SCRIPT = r"""
import json, sys, time
import numpy as np
from app.capture import MicrophoneSource, list_microphones
from app.errors import MicrophoneError
result = {"microphones": [name for _, name in list_microphones()]}
samples_path, device = sys.argv[1], sys.argv[2] if len(sys.argv) > 2 else None
rate = int(sys.argv[3]) if len(sys.argv) > 3 else 44100
source = MicrophoneSource(device=device, sample_rate=rate, block_seconds=0.02, buffer_seconds=60)
try:
    source.open()
except MicrophoneError as exc:
    result["error"] = str(exc)
else:
    result["name"], result["rate"] = source.name, source.device_rate
    chunks, count, deadline = [], 0, time.monotonic() + 5
    while count < 2 * source.sample_rate and time.monotonic() < deadline:
        chunks.append(source.read())
        count += len(chunks[-1])
        time.sleep(0.01)
    source.close()
    result["open_after_close"] = source.is_open
    np.save(samples_path, np.concatenate(chunks))
print(json.dumps(result))
"""


def run_with_alsa_config(tmp_path, config, *args):
    path = tmp_path / "asound.conf"
    path.write_text(config)
    completed = subprocess.run([sys.executable, "-c", _MICROPHONE_SCRIPT, str(tmp_path / "samples.npy"), *args],
                               capture_output=True, text=True,
                               timeout=120, cwd=ROOT, env={**os.environ, "ALSA_CONFIG_PATH": str(path)})
    assert completed.returncode == 0, completed.stderr[-3000:]
    return json.loads(completed.stdout.splitlines()[-1])


def file_microphone_config(raw_path):
    """An ALSA configuration whose device glimmer_test_mic records the raw S16LE file at `raw_path`."""
    # PortAudio 19.6 aborts on an ALSA configuration without a default device.
    return f"""
pcm.!default {{
    type plug
    slave.pcm "glimmer_test_mic"
}}
pcm.glimmer_test_mic {{
    type plug
    slave {{ pcm "glimmer_test_file"; format S16_LE; rate {SAMPLE_RATE}; channels 1 }}
}}
pcm.glimmer_test_file {{
    type file
    slave.pcm {{ type null }}
    file "/dev/null"
    infile "{raw_path}"
    format "raw"
}}
"""


def test_microphone_records_through_portaudio_from_an_alsa_file_device(tmp_path):
    """ALSA's `file` plugin reads a raw S16LE file as if it were a capture device; `plug` converts to what
    PortAudio asks for. The device is not paced in real time, so PortAudio drops whole periods as overruns:
    what arrives must be runs of the file's samples, exact and in order."""
    period = 32000
    (tmp_path / "input.raw").write_bytes((np.arange(30 * SAMPLE_RATE) % period).astype("<i2").tobytes())
    result = run_with_alsa_config(tmp_path, file_microphone_config(tmp_path / "input.raw"), "glimmer_test_mic")
    assert "glimmer_test_mic" in result["microphones"] and "error" not in result, result.get("error")
    assert result["name"] == "glimmer_test_mic" and result["rate"] == SAMPLE_RATE
    assert result["open_after_close"] is False
    values = np.load(tmp_path / "samples.npy").astype(np.float64) * 32768
    assert len(values) > SAMPLE_RATE
    np.testing.assert_array_equal(values, np.rint(values))          # 16-bit samples, unchanged
    steps = np.diff(values) % period
    assert np.mean(steps == 1) > 0.99                               # in order; the rest are dropped periods
    runs = np.diff(np.flatnonzero(np.concatenate([[True], steps != 1, [True]])))
    assert runs.max() >= 882                                        # at least one whole 20 ms block intact


def test_a_rate_the_device_refuses_is_recorded_at_its_own_and_converted(tmp_path):
    """PortAudio refuses 2 kHz on this device: the microphone records at the device's 44.1 kHz and read()
    converts, so a 100 Hz hum arrives as a 100 Hz hum in 2 kHz samples."""
    hum = 0.5 * np.sin(2 * np.pi * 100 * np.arange(30 * SAMPLE_RATE) / SAMPLE_RATE)
    (tmp_path / "hum.raw").write_bytes(np.rint(hum * 32767).astype("<i2").tobytes())
    result = run_with_alsa_config(tmp_path, file_microphone_config(tmp_path / "hum.raw"), "glimmer_test_mic", "2000")
    assert "error" not in result, result.get("error")
    assert result["rate"] == SAMPLE_RATE
    samples = np.load(tmp_path / "samples.npy")
    assert len(samples) >= 4000 and samples.dtype == np.float32
    spectrum = np.abs(np.fft.rfft(samples[-4000:] * np.hanning(4000)))
    assert abs(np.argmax(spectrum) * 2000 / 4000 - 100) <= 1
    assert 0.4 < np.abs(samples[-4000:]).max() < 0.6


def test_no_microphone_is_a_clear_error(tmp_path):
    unplugged = "pcm.glimmer_unplugged {\n    type hw\n    card 99\n}\n"
    result = run_with_alsa_config(tmp_path, unplugged)
    assert result["microphones"] == []
    assert result["error"].startswith("No microphone found") and "synthetic microphone" in result["error"]


def test_an_unknown_microphone_name_lists_the_ones_there_are(tmp_path):
    config = "pcm.!default {\n    type null\n}\npcm.glimmer_quiet_mic {\n    type null\n}\n"
    result = run_with_alsa_config(tmp_path, config, "no such device")
    assert "no microphone 'no such device'" in result["error"] and "glimmer_quiet_mic" in result["error"]

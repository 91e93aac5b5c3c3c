"""Sound sources behind one interface: a microphone (sounddevice/PortAudio), a sound file, synthetic sounds.

Every source delivers float32 mono samples at its `sample_rate` (SAMPLE_RATE, 44.1 kHz, unless asked
otherwise); `read()` returns what arrived since the last call, maybe nothing, and never waits. The
microphone's PortAudio callback runs on PortAudio's own thread and only copies into a RingBuffer: no
locks, no Python objects kept, nothing that could make it miss its deadline. A missing microphone or
PortAudio library raises MicrophoneError with a message a person can act on; files and the synthetic
microphone keep the rest of the app usable.
"""
import abc
import os
import time

import numpy as np
import soxr

from ..audio import SAMPLE_RATE, load_audio
from ..errors import MicrophoneError
from .sounds import class_sound
from .source import Source

__all__ = ["RingBuffer", "AudioSource", "MicrophoneSource", "AudioFileSource", "SyntheticAudioSource",
           "list_microphones"]

DEFAULT_BLOCK_SECONDS = 0.02
DEFAULT_BUFFER_SECONDS = 10.0
_NO_MICROPHONE = ("Connect a microphone (and allow this app to use it in the system's privacy settings), or use a "
                  "sound file or the synthetic microphone instead.")


class RingBuffer:
    """The newest `capacity_samples` float32 samples of a stream; one writer thread, one reader thread, no lock.

    The writer (an audio callback) copies a chunk in and then publishes it by advancing `written`; before
    copying it announces how far it will write (`_claimed`), so a reader that fell more than a whole buffer
    behind can tell which of the samples it copied may have been overwritten meanwhile and drops them
    (they count in `overrun`). Python's GIL makes each counter update atomic.
    """

    def __init__(self, capacity_samples):
        self.capacity = int(capacity_samples)
        if self.capacity < 1:
            raise ValueError(f"RingBuffer: capacity must be at least one sample, got {capacity_samples}")
        self._data = np.zeros(self.capacity, np.float32)
        self._claimed = 0
        self.written = 0
        self._read = 0
        self.overrun = 0

    def write(self, chunk):
        """Append a 1-D chunk (the oldest samples give way); never blocks, never allocates for float32 input."""
        count = len(chunk)
        if count == 0:
            return
        if count > self.capacity:
            chunk, skipped = chunk[count - self.capacity:], count - self.capacity
        else:
            skipped = 0
        start = self.written + skipped
        self._claimed = start + len(chunk)
        offset = start % self.capacity
        first = min(len(chunk), self.capacity - offset)
        self._data[offset:offset + first] = chunk[:first]
        self._data[:len(chunk) - first] = chunk[first:]
        self.written = self._claimed

    def _copy(self, start, end):
        """Samples [start, end) of the stream, minus any at the front that the writer may have overwritten."""
        out = np.empty(end - start, np.float32)
        offset = start % self.capacity
        first = min(end - start, self.capacity - offset)
        out[:first] = self._data[offset:offset + first]
        out[first:] = self._data[:end - start - first]
        oldest_intact = min(self._claimed - self.capacity, end)
        if start < oldest_intact:
            return out[oldest_intact - start:], oldest_intact
        return out, start

    def read_new(self):
        """The samples written since the last `read_new` (at most the capacity; older ones count as overrun)."""
        end = self.written
        start = max(self._read, end - self.capacity)
        data, start_kept = self._copy(start, end)
        self.overrun += start_kept - self._read
        self._read = end
        return data

    def latest(self, n):
        """The newest min(n, written, capacity) samples, without consuming anything."""
        end = self.written
        start = max(0, end - min(int(n), self.capacity))
        return self._copy(start, end)[0]


class AudioSource(Source):
    """A stream of float32 mono samples at `sample_rate`; `read()` gives what arrived since the last read."""

    name = "sound source"
    sample_rate = SAMPLE_RATE
    not_open_error = MicrophoneError

    @abc.abstractmethod
    def open(self):
        """Start the source; raises MicrophoneError (or AudioFileError for a file) with the reason if it cannot."""

    @abc.abstractmethod
    def read(self):
        """The samples that arrived since the last read, float32 (samples,), possibly empty; never waits."""


def _sounddevice():
    """The sounddevice module; MicrophoneError when PortAudio, the library under it, is not installed."""
    try:
        import sounddevice
    except OSError as exc:  # sounddevice raises OSError at import when it cannot load PortAudio
        raise MicrophoneError("Microphones cannot be used: the PortAudio library is not installed (on Debian or "
                              "Ubuntu: apt install libportaudio2). Sound files and the synthetic microphone "
                              "still work.") from exc
    return sounddevice


def list_microphones():
    """[(index, name)] of the devices that can record. MicrophoneError if PortAudio itself is missing."""
    sd = _sounddevice()
    return [(index, device["name"]) for index, device in enumerate(sd.query_devices())
            if device["max_input_channels"] > 0]


class MicrophoneSource(AudioSource):
    """A microphone through PortAudio. `device`: an index or (part of) a name from `list_microphones()`; None
    for the system's default input. Samples come at `sample_rate`: when the device cannot record at that rate
    it records at its own, and `read()` converts (outside the audio callback)."""

    def __init__(self, device=None, sample_rate=SAMPLE_RATE, block_seconds=DEFAULT_BLOCK_SECONDS,
                 buffer_seconds=DEFAULT_BUFFER_SECONDS):
        super().__init__()
        self.device = device
        self.sample_rate = int(sample_rate)
        self.block_seconds = float(block_seconds)
        self.buffer_seconds = float(buffer_seconds)
        self.name = "Microphone" if device is None else f"Microphone {device}"
        self.device_rate = None
        self.input_overflows = 0
        self._stream = None
        self._ring = None
        self._resampler = None

    def _device_info(self, sd):
        inputs = list_microphones()
        if not inputs:
            raise MicrophoneError(f"No microphone found: the sound system lists no recording device. "
                                  f"{_NO_MICROPHONE}")
        try:
            info = sd.query_devices(self.device, kind="input")
        except (ValueError, sd.PortAudioError) as exc:
            available = "; ".join(f"{index}: {name}" for index, name in inputs)
            which = "no default microphone is set" if self.device is None else f"no microphone {self.device!r}"
            raise MicrophoneError(f"{self.name}: {which} ({exc}). Microphones: {available}") from exc
        return info

    def open(self):
        sd = _sounddevice()
        info = self._device_info(sd)
        self.name = info["name"]
        rate = self.sample_rate
        try:
            sd.check_input_settings(device=self.device, channels=1, dtype="float32", samplerate=rate)
        except (ValueError, sd.PortAudioError):
            rate = int(info["default_samplerate"])
        self._resampler = (soxr.ResampleStream(rate, self.sample_rate, 1, dtype="float32")
                           if rate != self.sample_rate else None)
        self.device_rate = rate
        self._ring = RingBuffer(int(self.buffer_seconds * rate))
        self.input_overflows = 0
        try:
            stream = sd.InputStream(device=self.device, channels=1, samplerate=rate, dtype="float32",
                                    blocksize=max(1, int(round(self.block_seconds * rate))), callback=self._callback)
            stream.start()
        except sd.PortAudioError as exc:
            raise MicrophoneError(f"{self.name} could not be opened ({exc}): it may be in use by another program, "
                                  f"or this app has no permission to use it. {_NO_MICROPHONE}") from exc
        self._stream = stream
        self._open = True

    def _callback(self, indata, frames, time_info, status):
        # PortAudio's thread, with a deadline: copy and count, nothing else.
        if status.input_overflow:
            self.input_overflows += 1
        self._ring.write(indata[:, 0])

    def read(self):
        self._require_open()
        samples = self._ring.read_new()
        if not self._stream.active and len(samples) == 0:
            self.close()
            raise MicrophoneError(f"{self.name} stopped delivering sound (unplugged, or taken by another program).")
        if self._resampler is not None:
            samples = self._resampler.resample_chunk(samples)
        return samples

    @property
    def overrun(self):
        """Samples lost because `read` was not called for longer than the buffer holds."""
        return self._ring.overrun if self._ring is not None else 0

    def close(self):
        if self._stream is not None:
            stream, self._stream = self._stream, None
            stream.abort(ignore_errors=True)
            stream.close(ignore_errors=True)
        super().close()


class _PacedSource(AudioSource):
    """A source that makes its samples up (or reads them from memory) at real-time pace (by `clock`, seconds) or
    a block per read."""

    def __init__(self, realtime, block_seconds, clock):
        super().__init__()
        self.realtime = bool(realtime)
        self._clock = clock
        self.block_samples = max(1, int(round(float(block_seconds) * SAMPLE_RATE)))
        self.position = 0
        self._started = None
        self._delivered = 0

    def _due(self):
        """How many samples the next read should give."""
        if not self.realtime:
            return self.block_samples
        return max(0, int((self._clock() - self._started) * self.sample_rate) - self._delivered)

    def open(self):
        self._started = self._clock()
        self._delivered = 0
        self._open = True

    def read(self):
        self._require_open()
        count = self._due()
        self._delivered += count
        # After a long stall deliver only what a microphone's buffer would have kept.
        kept = int(DEFAULT_BUFFER_SECONDS * self.sample_rate)
        if count > kept:
            self._skip(count - kept)
            count = kept
        return self._take(count)

    def _skip(self, count):
        """Pass over the next `count` samples."""
        self.position += count

    @abc.abstractmethod
    def _take(self, count):
        """The next `count` samples of the stream (fewer at the end of a file that does not loop)."""


class AudioFileSource(_PacedSource):
    """A sound file played as a microphone, starting over at the end when `loop` is set. `realtime`: deliver the
    samples as fast as they would play; otherwise a block of `block_seconds` per read. `finished` says that a
    file that does not loop has been played to its end."""

    def __init__(self, path, loop=True, realtime=True, block_seconds=0.1, clock=time.monotonic):
        super().__init__(realtime, block_seconds, clock)
        self.path = os.fspath(path)
        self.loop = loop
        self.name = os.path.basename(self.path)
        self._signal = None

    def open(self):
        self._signal = load_audio(self.path)
        self.position = 0
        super().open()

    @property
    def finished(self):
        return self._signal is not None and not self.loop and self.position >= len(self._signal)

    def _skip(self, count):
        end = self.position + count
        self.position = end % len(self._signal) if self.loop else min(end, len(self._signal))

    def _take(self, count):
        signal = self._signal
        if not self.loop:
            chunk = signal[self.position:self.position + count]
            self.position += len(chunk)
            return chunk.copy()
        indices = (self.position + np.arange(count)) % len(signal)
        self.position = (self.position + count) % len(signal)
        return signal[indices]


class SyntheticAudioSource(_PacedSource):
    """The synthetic microphone: the endless recording of `app.capture.sounds.class_sound` for the current class
    hint; the stream's samples depend only on (seed, the hint at each moment, position)."""

    def __init__(self, seed=0, realtime=True, block_seconds=0.1, clock=time.monotonic):
        super().__init__(realtime, block_seconds, clock)
        self.seed = int(seed)
        self.class_hint = 0
        self.name = "Synthetic microphone"

    def set_class_hint(self, index):
        """Sound like class `index` from the next sample on (0: background noise; see app.capture.sounds)."""
        self.class_hint = int(index)

    def open(self):
        self.position = 0
        super().open()

    def _take(self, count):
        chunk = class_sound(self.class_hint, self.position, count, seed=self.seed)
        self.position += count
        return chunk

"""Sounds without a microphone: noise, tones, chirps and clicks, the same samples for the same seed, every time.

`class_sound(class_index, start, count, seed)` is an endless recording per class: its samples depend
only on (seed, class index, sample position), so any stretch of it can be cut out again exactly.
Class 0 is background noise (as in an audio project, whose first class is the background); classes
1, 2, 3 are a tone, a chirp and clicks over a quieter noise floor; 4 and up repeat the kinds at other
pitches and rates. Levels drift from second to second ("noise at varying levels"), smoothly, so a
class is not told apart by its loudness. The synthetic microphone plays these, and
`write_sound_files` makes data sets of them for tests and benchmarks.
"""
import math
import os

import numpy as np
import soundfile

from ..audio import SAMPLE_RATE, resample

__all__ = ["SOUND_KINDS", "BACKGROUND_INDEX", "sound_kind", "class_sound", "write_sound_files"]

SOUND_KINDS = ("noise", "tone", "chirp", "clicks")
BACKGROUND_INDEX = 0
_BLOCK = SAMPLE_RATE // 10            # randomness (noise, click times) is drawn per 0.1 s block
_TONE_HZ = 523.25                     # C5; variants go up a fifth each
_CHIRP_PERIOD_S = 0.5
_CHIRP_LOW_HZ, _CHIRP_HIGH_HZ = 400.0, 4000.0
_CLICK_SECONDS = 0.004
_CLICK_CHANCE = 0.6                   # per 0.1 s block: about six clicks a second
# (lowest, highest) level of the class's sound, drawn per second; the noise floor under tones, chirps, clicks.
_LEVELS = {"noise": (0.01, 0.08), "tone": (0.05, 0.4), "chirp": (0.05, 0.4), "clicks": (0.2, 0.8)}
_FLOOR = (0.002, 0.015)


def sound_kind(class_index):
    """(kind, variant): what class `class_index` sounds like."""
    return SOUND_KINDS[class_index % len(SOUND_KINDS)], class_index // len(SOUND_KINDS)


def _levels(seed, class_index, positions, low, high, salt):
    """A level per sample, drawn uniformly in [low, high] at every whole second and interpolated between."""
    seconds = positions / SAMPLE_RATE
    first, last = int(math.floor(seconds[0])), int(math.floor(seconds[-1])) + 1
    knots = np.array([np.random.default_rng([seed, class_index, second, salt]).uniform(low, high)
                      for second in range(first, last + 1)])
    return np.interp(seconds, np.arange(first, last + 1), knots).astype(np.float32)


def _noise(seed, class_index, start, count, salt):
    """White noise in [-1, 1]-ish (unit variance), drawn per 0.1 s block so any stretch can be regenerated."""
    out = np.empty(count, np.float32)
    position = start
    while position < start + count:
        block, offset = divmod(position, _BLOCK)
        take = min(_BLOCK - offset, start + count - position)
        values = np.random.default_rng([seed, class_index, block, salt]).standard_normal(_BLOCK)
        out[position - start:position - start + take] = values[offset:offset + take]
        position += take
    return out


def _clicks(seed, class_index, variant, start, count):
    """Decaying noise bursts, at most one at a random place in every 0.1 s block."""
    out = np.zeros(count, np.float32)
    length = int(_CLICK_SECONDS * SAMPLE_RATE)
    decay = np.exp(-np.arange(length) / (length / 5.0)).astype(np.float32)
    chance = min(0.95, _CLICK_CHANCE * (1 + 0.5 * variant))
    for block in range(start // _BLOCK, (start + count - 1) // _BLOCK + 1):
        rng = np.random.default_rng([seed, class_index, block, 3])
        if rng.uniform() > chance:
            continue
        at = block * _BLOCK + int(rng.integers(0, _BLOCK - length))
        burst = rng.standard_normal(length).astype(np.float32) * decay
        lo, hi = max(at, start), min(at + length, start + count)
        if lo < hi:
            out[lo - start:hi - start] = burst[lo - at:hi - at]
    return out


def _chirp(variant, positions):
    """Exponential sweeps between 400 Hz and 4 kHz, one every half second (faster for higher variants), rising
    for even variants and falling for odd ones, each faded in and out."""
    period = _CHIRP_PERIOD_S / (1 + 0.5 * (variant // 2))
    ratio = _CHIRP_HIGH_HZ / _CHIRP_LOW_HZ
    progress = np.mod(positions / SAMPLE_RATE, period) / period
    if variant % 2 == 0:
        phase = _CHIRP_LOW_HZ * (ratio ** progress - 1.0)
    else:
        phase = _CHIRP_HIGH_HZ * (1.0 - ratio ** -progress)
    sweep = np.sin(2 * np.pi * period / np.log(ratio) * phase) * np.sin(np.pi * progress)
    return sweep.astype(np.float32)


def class_sound(class_index, start, count, seed=0):
    """Samples [start, start + count) of class `class_index`'s endless recording: float32 mono at SAMPLE_RATE."""
    class_index, start, count = int(class_index), int(start), int(count)
    if class_index < 0 or start < 0 or count < 0:
        raise ValueError(f"class_sound: class index, start and count must not be negative, got "
                         f"{class_index}, {start}, {count}")
    if count == 0:
        return np.zeros(0, np.float32)
    kind, variant = sound_kind(class_index)
    positions = np.arange(start, start + count, dtype=np.float64)
    level = _levels(seed, class_index, positions, *_LEVELS[kind], salt=1)
    if kind == "noise":
        return np.clip(_noise(seed, class_index, start, count, salt=0) * level, -1, 1)
    if kind == "tone":
        frequency = _TONE_HZ * 1.5 ** variant
        sound = np.sin(2 * np.pi * frequency * positions / SAMPLE_RATE).astype(np.float32)
    elif kind == "chirp":
        sound = _chirp(variant, positions)
    else:
        sound = _clicks(seed, class_index, variant, start, count)
    floor = _noise(seed, class_index, start, count, salt=2) * _levels(seed, class_index, positions, *_FLOOR, salt=4)
    return np.clip(sound * level + floor, -1, 1).astype(np.float32)


def write_sound_files(folder, class_index, count, seconds, seed=0, extension=".wav", sample_rate=SAMPLE_RATE,
                      channels=1, prefix=""):
    """Write `count` recordings of `seconds` each of class `class_index` (different stretches of its endless
    recording) to `folder` as `extension` files at `sample_rate` with `channels` identical channels.

    Returns the paths. The same arguments always give the same files.
    """
    os.makedirs(folder, exist_ok=True)
    length = int(round(seconds * SAMPLE_RATE))
    paths = []
    for index in range(count):
        # Stretches a minute apart: the files share no samples.
        clip = class_sound(class_index, index * 60 * SAMPLE_RATE, length, seed=seed)
        if sample_rate != SAMPLE_RATE:
            clip = resample(clip, SAMPLE_RATE, sample_rate)
        data = np.repeat(clip[:, None], channels, axis=1)
        path = os.path.join(folder, f"{prefix}{index:02d}{extension}")
        soundfile.write(path, data, sample_rate)
        paths.append(path)
    return paths

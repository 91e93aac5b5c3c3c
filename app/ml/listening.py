"""Classifying a stream of sound: overlapping windows, scored as soon as each one is complete.

`SlidingWindowListener` serves the live preview (samples pushed as the microphone delivers them)
and `predict` on files (the whole file pushed at once): both see the windows `app.audio.cut_windows`
cuts, at the same places, so a recording scores the same live and from its file.
"""
import numpy as np

from ..audio import SAMPLE_RATE

__all__ = ["SlidingWindowListener", "last_heard"]


class SlidingWindowListener:
    """Cuts pushed samples into windows of `window_seconds` starting every `hop_seconds` (from the first sample
    pushed) and scores each complete window with `classifier` (an audio Classifier whose extractor takes
    windows of that length).

    Times are seconds since the first sample pushed. Only the last window's worth of samples is kept.
    """

    def __init__(self, classifier, window_seconds, hop_seconds, sample_rate=SAMPLE_RATE):
        self.classifier = classifier
        self.sample_rate = int(sample_rate)
        self.window_samples = int(round(window_seconds * self.sample_rate))
        self.hop_samples = int(round(hop_seconds * self.sample_rate))
        if self.hop_samples < 1 or self.window_samples < 1:
            raise ValueError(f"window ({window_seconds} s) and hop ({hop_seconds} s) must each be at least one "
                             "sample long")
        expected = getattr(classifier.extractor, "window_samples", None)
        if expected != self.window_samples:
            raise ValueError(f"the classifier takes windows of {expected} samples, not {self.window_samples} "
                             f"({window_seconds} s)")
        self.labels = list(classifier.labels)
        self._buffer = np.zeros(0, np.float32)
        # Stream position of the buffer's first sample, and of the next window's start.
        self._buffer_start = 0
        self._next_start = 0
        self.windows_scored = 0

    @property
    def heard_seconds(self):
        """Seconds of sound pushed so far."""
        return (self._buffer_start + len(self._buffer)) / self.sample_rate

    def push(self, samples):
        """Add samples (float32 mono at `sample_rate`); returns [(start_s, end_s, {label: score})] for every
        window completed by them, oldest first (scored together in one batch)."""
        samples = np.asarray(samples, np.float32).reshape(-1)
        self._buffer = np.concatenate([self._buffer, samples]) if len(self._buffer) else samples.copy()
        end = self._buffer_start + len(self._buffer)
        starts = list(range(self._next_start, end - self.window_samples + 1, self.hop_samples))
        results = []
        if starts:
            offsets = [start - self._buffer_start for start in starts]
            batch = np.stack([self._buffer[offset:offset + self.window_samples] for offset in offsets])
            scores = self.classifier.predict(batch)
            for start, row in zip(starts, scores):
                results.append((start / self.sample_rate, (start + self.window_samples) / self.sample_rate,
                                {label: float(score) for label, score in zip(self.labels, row)}))
            self._next_start = starts[-1] + self.hop_samples
            self.windows_scored += len(starts)
        # Keep what the next windows still need.
        keep_from = min(self._next_start, end) - self._buffer_start
        if keep_from > 0:
            self._buffer = self._buffer[keep_from:]
            self._buffer_start += keep_from
        return results

    def finish(self):
        """At the end of a recording: when it was shorter than one window (no window was scored), its one window
        padded with silence, as cut_windows gives it; otherwise nothing (the tail after the last whole window is
        left out, as cut_windows leaves it). Returns a list like `push`."""
        if self.windows_scored or len(self._buffer) == 0:
            return []
        heard = len(self._buffer)
        results = self.push(np.zeros(self.window_samples - heard, np.float32))
        start, _end, scores = results[0]
        return [(start, heard / self.sample_rate, scores)]

    def reset(self):
        """Forget everything pushed (a new recording starts at time 0)."""
        self._buffer = np.zeros(0, np.float32)
        self._buffer_start = self._next_start = self.windows_scored = 0


def last_heard(scores, threshold, background=None):
    """The label to show as "last heard" for one window's {label: score}, or None.

    It is the best-scoring label when its score reaches `threshold` and it is not `background` (the background
    noise class's label, which means "none of your sounds"). A caller keeps the most recent non-None
    answer, with its time, to show "last heard: X, 2 s ago".
    """
    if not scores:
        return None
    label = max(scores, key=scores.get)
    if label == background or scores[label] < threshold:
        return None
    return label

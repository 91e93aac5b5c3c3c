"""Shared helpers of the audio tests: a small stand-in sound extractor and recordings from the synthetic microphone."""
import numpy as np

import engine as tf
from app.audio import SAMPLE_RATE, cut_windows, window_samples
from app.capture import SyntheticAudioSource
from app.ml import AudioFeatureExtractor
from engine.applications.audio import LogMelSpectrogram

SOUND_CLASSES = ("background", "tone", "chirp", "clicks")


def small_audio_extractor(window_seconds=1.0):
    """In place of aiSFX: the mean and the maximum over time of a 32-band log-mel spectrogram (64 features).

    No trained weights: the features are fixed functions of the sound, enough to tell tones, chirps, clicks
    and noise apart, and cheap.
    """
    samples = window_samples(window_seconds)
    inputs = tf.keras.Input((samples,), name="waveform")
    spectrogram = LogMelSpectrogram(sample_rate=SAMPLE_RATE, frame_length=1024, frame_step=512, num_mel_bins=32,
                                    lower_edge_hertz=50.0, name="small_log_mel")(inputs)
    mean = tf.keras.layers.GlobalAveragePooling1D(name="mean_over_time")(spectrogram)
    peak = tf.keras.layers.GlobalMaxPooling1D(name="max_over_time")(spectrogram)
    features = tf.keras.layers.Concatenate(name="features")([mean, peak])
    model = tf.keras.Model(inputs, features, name="small_audio_extractor")
    return AudioFeatureExtractor(window_samples=samples, model=model)


def record(source, class_index, seconds):
    """`seconds` of the synthetic microphone sounding like class `class_index` (read block by block, as a
    capture loop reads a microphone)."""
    source.set_class_hint(class_index)
    wanted = int(round(seconds * SAMPLE_RATE))
    chunks, total = [], 0
    while total < wanted:
        chunk = source.read()
        chunks.append(chunk)
        total += len(chunk)
    return np.concatenate(chunks)[:wanted]


def recorded_project(project, seconds_per_class, seed=0, background_seconds=None):
    """Fill an audio project's classes from the synthetic microphone: class i of the project gets sound i (the
    background class, first, gets noise), cut into windows as a recording is."""
    with SyntheticAudioSource(seed=seed, realtime=False) as source:
        for index, info in enumerate(project.classes):
            seconds = background_seconds if info.is_background and background_seconds else seconds_per_class
            signal = record(source, index, seconds)
            for clip in cut_windows(signal, project.window_seconds, project.overlap):
                project.add_sample(info.id, clip, source="synthetic microphone")
    return project

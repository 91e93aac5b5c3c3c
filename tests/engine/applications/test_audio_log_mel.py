"""LogMelSpectrogram: against a float64 numpy log-mel on every backend, and against aiSFX's Essentia spectrogram.

Fixtures: tests/fixtures/aisfx (made once with the original aiSFX code and Essentia; see make_fixture.py).
"""
import os
import wave

import numpy as np
import pytest

import engine as tf
from engine.applications.audio import LogMelSpectrogram, mel_filterbank
from engine.errors import InvalidArgumentError

FIXTURES = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), "fixtures",
                        "aisfx")
REFERENCE = np.load(os.path.join(FIXTURES, "reference.npz"))


def read_fixture_clip(name):
    """A fixture WAV (16-bit mono, 44.1 kHz) as float32 in [-1, 1), scaled as Essentia's loader does."""
    with wave.open(os.path.join(FIXTURES, f"{name}.wav")) as handle:
        assert (handle.getnchannels(), handle.getsampwidth(), handle.getframerate()) == (1, 2, 44100)
        samples = np.frombuffer(handle.readframes(handle.getnframes()), dtype="<i2")
    return samples.astype(np.float32) / 32768.0


def reference_log_mel(signal, config):
    """Float64 log-mel of (batch, samples) written from the definitions, sharing no code with the layer."""
    signal = np.asarray(signal, dtype=np.float64)
    length, step = config["frame_length"], config["frame_step"]
    size = config.get("fft_length") or length
    samples = signal.shape[-1]
    if config.get("center", True):
        count = -(-(samples + length // 2) // step)
        padded = np.zeros(signal.shape[:-1] + (count * step + length,))
        padded[..., length // 2:length // 2 + samples] = signal
    else:
        count = 1 + (samples - length) // step
        padded = signal
    frames = np.stack([padded[..., k * step:k * step + length] for k in range(count)], axis=-2)
    period = length if config.get("periodic_window", False) else length - 1
    coefficients = (0.5, 0.5) if config.get("window", "hann") == "hann" else (0.54, 0.46)
    window = coefficients[0] - coefficients[1] * np.cos(2 * np.pi * np.arange(length) / period)
    magnitude = np.abs(np.fft.rfft(frames * window, n=size, axis=-1))
    spectrum = magnitude ** config.get("power", 2.0)

    def mel(hertz):
        return 1127.0 * np.log(1.0 + np.asarray(hertz) / 700.0)

    sample_rate = config["sample_rate"]
    edges = np.linspace(mel(config.get("lower_edge_hertz", 0.0)),
                        mel(config.get("upper_edge_hertz", sample_rate / 2)), config["num_mel_bins"] + 2)
    bin_mels = mel(np.arange(size // 2 + 1) * sample_rate / size)[:, None]
    rising = (bin_mels - edges[:-2]) / (edges[1:-1] - edges[:-2])
    falling = (edges[2:] - bin_mels) / (edges[2:] - edges[1:-1])
    filters = np.maximum(0.0, np.minimum(rising, falling))
    filters[0] = 0.0
    if config.get("mel_normalization", "unit_sum") == "unit_sum":
        filters /= filters.sum(axis=0)
    energies = spectrum @ filters
    return np.log(config.get("log_scale", 1e4) * energies + config.get("log_offset", 1.0)) / \
        np.log(config.get("log_base", 10.0))


# aiSFX's layout at 8 kHz with short frames; and a TF-style one (no centring, periodic window,
# magnitude, raw triangles, natural log with a small offset, FFT longer than the frame).
SMALL_CONFIGS = {
    "essentia_style": dict(sample_rate=8000, frame_length=64, frame_step=32, num_mel_bins=10),
    "tf_style": dict(sample_rate=8000, frame_length=50, frame_step=20, fft_length=64, num_mel_bins=8,
                     lower_edge_hertz=100.0, upper_edge_hertz=3800.0, window="hamming", periodic_window=True,
                     center=False, power=1.0, mel_normalization=None, log_scale=1.0, log_offset=1e-6,
                     log_base=np.e),
}


@pytest.mark.parametrize("config_name", sorted(SMALL_CONFIGS))
def test_log_mel_matches_float64_reference(backend, config_name):
    config = SMALL_CONFIGS[config_name]
    signal = np.random.default_rng(3).uniform(-0.5, 0.5, (2, 301)).astype(np.float32)
    expected = reference_log_mel(signal, config)
    layer = LogMelSpectrogram(**config)
    output = layer(signal).numpy()
    assert output.shape == expected.shape == (2, layer.num_frames(301), config["num_mel_bins"])
    np.testing.assert_allclose(output, expected, rtol=2e-5, atol=2e-4 if config_name == "tf_style" else 2e-5)


def test_mel_filterbank_is_essentias():
    """aiSFX's 96 bands over a 2048-point FFT at 44.1 kHz, against the weights of Essentia's MelBands itself."""
    ours = mel_filterbank(96, 2048, 44100.0, 0.0, 22050.0, "unit_sum")
    essentia = REFERENCE["essentia_mel_filterbank"]
    np.testing.assert_array_equal(ours > 0, essentia > 0)
    np.testing.assert_allclose(ours, essentia, rtol=0, atol=2e-6)


def test_frame_counts_are_essentias():
    layer = LogMelSpectrogram()
    for samples, frames in REFERENCE["essentia_frame_counts"]:
        assert layer.num_frames(int(samples)) == frames, samples
        assert layer(np.zeros((1, int(samples)), np.float32)).shape == (1, frames, 96)


def _check_aisfx_spectrogram(clip):
    expected = REFERENCE[f"{clip}_spectrogram"]
    output = LogMelSpectrogram()(read_fixture_clip(clip)[None]).numpy()[0]
    assert output.shape == expected.shape
    # Both are float32 computations: where a frame's energy sits in other bands, a quiet band's power
    # is at float32 rounding level of the FFT (about 1e-4 on this log scale, up to 8.3).
    np.testing.assert_allclose(output, expected, rtol=0, atol=2e-4)


def test_default_layer_reproduces_aisfx_spectrogram(backend):
    """aiSFX's Essentia log-mel of the 1 s fixture clip."""
    _check_aisfx_spectrogram("chirp")


def test_default_layer_reproduces_aisfx_spectrogram_of_long_clip():
    """The 3.5 s clip (tone, noise, knocks over a hum), on cpu: llvmpipe is slow."""
    _check_aisfx_spectrogram("events")


def test_symbolic_shapes_and_config_round_trip():
    layer = LogMelSpectrogram(sample_rate=16000, frame_length=400, frame_step=160, fft_length=512, num_mel_bins=40,
                              center=False, name="front")
    assert layer.compute_output_shape((None, 16000)) == (None, 98, 40)
    assert layer.compute_output_shape((None, None)) == (None, None, 40)
    clone = LogMelSpectrogram.from_config(layer.get_config())
    assert clone.get_config() == layer.get_config()
    signal = np.random.default_rng(0).uniform(-1, 1, (1, 2000)).astype(np.float32)
    np.testing.assert_array_equal(clone(signal).numpy(), layer(signal).numpy())


@pytest.mark.parametrize("file_name", ["model.keras", "tfjs"])
def test_saves_and_loads_with_a_model(tmp_path, file_name):
    inputs = tf.keras.Input(shape=(3000,))
    features = LogMelSpectrogram(sample_rate=8000, frame_length=256, frame_step=128, num_mel_bins=16)(inputs)
    outputs = tf.keras.layers.Dense(3, name="head")(tf.keras.layers.GlobalAveragePooling1D()(features))
    model = tf.keras.Model(inputs, outputs)
    signal = np.random.default_rng(1).uniform(-1, 1, (2, 3000)).astype(np.float32)
    path = str(tmp_path / file_name)
    model.save(path)
    loaded = tf.keras.models.load_model(path)
    assert isinstance(loaded.layers[1], LogMelSpectrogram)
    assert loaded.layers[1].get_config() == model.layers[1].get_config()
    np.testing.assert_array_equal(loaded.predict(signal, verbose=0), model.predict(signal, verbose=0))


@pytest.mark.parametrize("arguments, message", [
    (dict(window="kaiser"), "window"),
    (dict(power=3.0), "power"),
    (dict(mel_normalization="slaney"), "mel_normalization"),
    (dict(frame_length=512, fft_length=256), "fft_length"),
    (dict(frame_step=0), "frame_step"),
    (dict(frame_length=10.5), "frame_length"),
    (dict(log_offset=0.0), "log_offset"),
    (dict(upper_edge_hertz=30000.0), "Nyquist"),
    (dict(frame_length=64, num_mel_bins=96), "cover no FFT bin"),
])
def test_bad_arguments_are_refused(arguments, message):
    with pytest.raises(InvalidArgumentError, match=message):
        LogMelSpectrogram(**arguments)

"""Sound files in, windows out: any rate, channel count and format becomes mono 44.1 kHz; broken files are listed."""
import numpy as np
import pytest
import soundfile

from app.audio import (SAMPLE_RATE, SILENCE_DB, cut_windows, decode_wav, encode_wav, load_audio, rms_level_db,
                       spectrogram_image)
from app.capture import audio_dataset_files, import_audio, import_audio_dataset, is_background_folder
from app.errors import AudioFileError

SECONDS = 0.5


def sine(frequency, rate, amplitude=0.5, seconds=SECONDS):
    return (amplitude * np.sin(2 * np.pi * frequency * np.arange(int(seconds * rate)) / rate)).astype(np.float32)


def dominant_hertz(signal):
    spectrum = np.abs(np.fft.rfft(signal * np.hanning(len(signal))))
    return np.argmax(spectrum) * SAMPLE_RATE / len(signal)


@pytest.mark.parametrize("rate", [8000, 22050, 44100, 48000])
@pytest.mark.parametrize("extension, subtype", [(".wav", "FLOAT"), (".wav", "PCM_16"), (".flac", "PCM_24")])
def test_lossless_files_at_any_rate_become_the_same_sine_at_44_1_khz(tmp_path, rate, extension, subtype):
    path = tmp_path / f"tone{extension}"
    soundfile.write(path, sine(440, rate), rate, subtype=subtype)
    loaded = load_audio(path)
    assert loaded.dtype == np.float32 and loaded.ndim == 1
    assert abs(len(loaded) - SECONDS * SAMPLE_RATE) <= 1
    # Away from the edges (where the resampler's filter sees the cut), the samples are the sine itself at 44.1 kHz.
    reference = sine(440, SAMPLE_RATE)[:len(loaded)]
    inner = slice(2000, len(loaded) - 2000)
    assert np.abs(loaded[inner] - reference[inner]).max() < (2e-3 if rate != SAMPLE_RATE else 1e-4)
    if rate == SAMPLE_RATE and subtype == "FLOAT":
        np.testing.assert_array_equal(loaded, sine(440, SAMPLE_RATE))


def test_channels_are_averaged(tmp_path):
    left, right = sine(440, 48000, amplitude=0.5), sine(440, 48000, amplitude=0.1)
    soundfile.write(tmp_path / "stereo.flac", np.stack([left, right], axis=1), 48000, subtype="PCM_24")
    six = np.stack([sine(440, 22050, amplitude=0.06 * k) for k in range(6)], axis=1)
    soundfile.write(tmp_path / "surround.wav", six, 22050, subtype="FLOAT")
    for name, amplitude in (("stereo.flac", 0.3), ("surround.wav", 0.15)):
        loaded = load_audio(tmp_path / name)
        peak = np.abs(loaded[2000:-2000]).max()
        assert abs(peak - amplitude) < 2e-3, (name, peak)
        assert abs(dominant_hertz(loaded) - 440) < 3


@pytest.mark.parametrize("extension, subtype, rate", [(".ogg", "VORBIS", 32000), (".opus", "OPUS", 48000),
                                                      (".mp3", "MPEG_LAYER_III", 44100)])
def test_compressed_files_keep_their_pitch_and_length(tmp_path, extension, subtype, rate):
    path = tmp_path / f"tone{extension}"
    soundfile.write(path, sine(1000, rate), rate, format="OGG" if subtype == "OPUS" else None, subtype=subtype)
    loaded = load_audio(path)
    assert abs(len(loaded) - SECONDS * SAMPLE_RATE) < 0.05 * SAMPLE_RATE
    assert abs(dominant_hertz(loaded) - 1000) < 5
    assert 0.3 < np.abs(loaded).max() < 0.7


def test_unreadable_files_raise_an_error_naming_the_file(tmp_path):
    garbage = tmp_path / "garbage.wav"
    garbage.write_bytes(b"RIFF\x00\x00\x00\x00WAVE and then nothing sensible")
    silent = tmp_path / "empty.wav"
    soundfile.write(silent, np.zeros(0, np.float32), SAMPLE_RATE)
    invalid = tmp_path / "nan.wav"
    soundfile.write(invalid, np.array([0.1, np.nan, 0.2], np.float32), SAMPLE_RATE, subtype="FLOAT")
    cases = [(garbage, "not a sound file or damaged"), (silent, "holds no sound"),
             (invalid, "invalid samples"), (tmp_path / "missing.flac", "cannot read")]
    for path, reason in cases:
        with pytest.raises(AudioFileError, match=reason) as caught:
            load_audio(path)
        assert str(caught.value).startswith(f"{path}: ") and caught.value.path == str(path)
        assert reason in caught.value.reason


def test_import_lists_broken_files_and_cuts_the_rest(tmp_path):
    folder = tmp_path / "sounds"
    folder.mkdir()
    soundfile.write(folder / "a.wav", sine(440, 44100, seconds=2.0), 44100)
    soundfile.write(folder / "b.flac", sine(880, 16000, seconds=0.3), 16000)
    (folder / "broken.ogg").write_bytes(b"OggS this stops here")
    (folder / "notes.txt").write_text("not a sound, and not a sound file name either")
    (folder / ".hidden.wav").write_bytes(b"")
    clips, broken = import_audio([folder, tmp_path / "gone.wav"], window_seconds=1.0, overlap=0.5)
    assert [str(path) for path, _ in clips] == [str(folder / "a.wav"), str(folder / "b.flac")]
    assert clips[0][1].shape == (3, SAMPLE_RATE) and clips[1][1].shape == (1, SAMPLE_RATE)
    # The short file is one window padded with silence after its 0.3 s.
    assert np.all(clips[1][1][0, 13300:] == 0) and np.abs(clips[1][1][0, :13000]).max() > 0.4
    assert [(str(path), reason.split(" (")[0]) for path, reason in broken] == [
        (str(tmp_path / "gone.wav"), "not found"), (str(folder / "broken.ogg"), "not a sound file or damaged")]


def test_dataset_folders_are_classes_and_the_background_is_found_by_name(tmp_path):
    for name in ("_background_noise_", "dog", "cat"):
        (tmp_path / name).mkdir()
        soundfile.write(tmp_path / name / "x.wav", sine(300, 44100, seconds=1.5), 44100)
    (tmp_path / "dog" / "bad.wav").write_bytes(b"bark")
    soundfile.write(tmp_path / "stray.wav", sine(300, 44100), 44100)
    files, skipped = audio_dataset_files(tmp_path)
    assert list(files) == ["_background_noise_", "cat", "dog"]
    assert skipped == [(str(tmp_path / "stray.wav"), "not inside a class folder")]
    classes, broken = import_audio_dataset(tmp_path, window_seconds=0.5, overlap=0.0)
    assert {name: [w.shape for _, w in entries] for name, entries in classes.items()} == {
        "_background_noise_": [(3, 22050)], "cat": [(3, 22050)], "dog": [(3, 22050)]}
    assert [path for path, _ in broken] == [str(tmp_path / "stray.wav"), str(tmp_path / "dog" / "bad.wav")]
    assert [is_background_folder(n) for n in ("_background_noise_", "Background", "background noise", "dog")] == [
        True, True, False, False]


def test_cut_windows_places_windows_a_hop_apart():
    signal = np.arange(int(2.6 * SAMPLE_RATE), dtype=np.float32)
    windows = cut_windows(signal, 1.0, 0.5)
    hop = SAMPLE_RATE // 2
    assert windows.shape == (4, SAMPLE_RATE) and windows.dtype == np.float32
    for k, window in enumerate(windows):
        np.testing.assert_array_equal(window, signal[k * hop:k * hop + SAMPLE_RATE])
    assert cut_windows(signal, 1.0, 0.0).shape == (2, SAMPLE_RATE)
    assert cut_windows(signal, 0.25, 0.75).shape == (1 + (len(signal) - 11025) // 2756, 11025)
    exact = cut_windows(signal[:SAMPLE_RATE], 1.0, 0.5)
    np.testing.assert_array_equal(exact, signal[None, :SAMPLE_RATE])
    short = cut_windows(np.ones(100, np.float32), 1.0, 0.5)
    assert short.shape == (1, SAMPLE_RATE) and short[0, :100].sum() == 100 and short[0, 100:].sum() == 0
    for window, overlap in ((0.1, 0.5), (11.0, 0.5), (1.0, 1.0), (1.0, -0.1)):
        with pytest.raises(ValueError):
            cut_windows(signal, window, overlap)
    with pytest.raises(ValueError, match="mono"):
        cut_windows(np.zeros((2, 100)), 1.0, 0.5)


def test_wav_storage_is_lossless_and_other_wavs_are_converted():
    clip = np.random.default_rng(0).uniform(-1, 1, 4410).astype(np.float32)
    data = encode_wav(clip)
    np.testing.assert_array_equal(decode_wav(data), clip)
    import io
    buffer = io.BytesIO()
    soundfile.write(buffer, np.stack([sine(440, 22050)] * 2, axis=1), 22050, format="WAV")
    assert abs(len(decode_wav(buffer.getvalue(), "upload")) - SECONDS * SAMPLE_RATE) <= 1
    with pytest.raises(AudioFileError, match="^upload: empty file"):
        decode_wav(b"", "upload")


def test_spectrogram_image_puts_pitch_on_the_height_and_level_on_a_fixed_scale():
    low, high = spectrogram_image(sine(200, SAMPLE_RATE, 1.0)), spectrogram_image(sine(5000, SAMPLE_RATE, 1.0))
    frames = 1 + (int(SECONDS * SAMPLE_RATE) - 1024) // 512
    assert low.shape == high.shape == (64, frames) and low.dtype == np.uint8
    # Row 0 is the top: the high tone's brightest row is nearer the top than the low tone's.
    assert np.argmax(high[:, 10]) < np.argmax(low[:, 10])
    assert low.max() >= 250 and high.max() >= 250               # full scale is white
    quiet = spectrogram_image(sine(200, SAMPLE_RATE, 0.01))
    assert 0 < quiet.max() < low.max() - 100                    # -40 dB is much darker
    assert spectrogram_image(np.zeros(SAMPLE_RATE, np.float32)).max() == 0
    assert spectrogram_image(np.ones(10, np.float32), height=32).shape == (32, 1)


def test_rms_level_db_is_decibels_full_scale():
    square = np.tile([1.0, -1.0], 500).astype(np.float32)
    assert rms_level_db(square) == pytest.approx(0.0, abs=1e-6)
    assert rms_level_db(0.1 * square) == pytest.approx(-20.0, abs=1e-4)
    assert rms_level_db(sine(440, SAMPLE_RATE, 1.0)) == pytest.approx(-3.0103, abs=1e-3)
    assert rms_level_db(np.zeros(100)) == rms_level_db([]) == SILENCE_DB

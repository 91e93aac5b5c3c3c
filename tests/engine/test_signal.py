import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

import engine as tf
from tests.engine.opcheck import check_grad, check_op

RNG = np.random.default_rng(0)


def _parts(fn):
    """An engine function of (re, im) through a complex tensor, returning its real and imaginary parts."""
    def engine_fn(re, im):
        z = fn(tf.complex(re, im))
        return tf.math.real(z), tf.math.imag(z)
    return engine_fn


def _parts_reference(fn):
    def reference(re, im):
        z = fn(re + 1j * im)
        return np.real(z), np.imag(z)
    return reference


# --- complex numbers -----------------------------------------------------------------
@pytest.mark.parametrize("shapes", [((2, 3), (2, 3)), ((2, 3), (3,)), ((), (4,)), ((0, 2), (2,))])
def test_complex_real_imag(backend, shapes):
    re, im = (RNG.standard_normal(s) for s in shapes)
    check_op(tf.complex, lambda a, b: a + 1j * b, [re, im], check_dtype=tf.complex64)
    check_grad(_parts(lambda z: z), _parts_reference(lambda z: z), [re, im])


@pytest.mark.parametrize("name,ref", [("abs", np.abs), ("angle", np.angle), ("real", np.real), ("imag", np.imag)])
def test_complex_to_real_functions(backend, name, ref):
    re, im = RNG.uniform(0.5, 2, (3, 4)) * RNG.choice([-1, 1], (3, 4)), RNG.standard_normal((3, 4))
    op = tf.abs if name == "abs" else getattr(tf.math, name)
    engine_fn = lambda a, b: op(tf.complex(a, b))  # noqa: E731
    reference = lambda a, b: ref(a + 1j * b)  # noqa: E731
    check_op(engine_fn, reference, [re, im], check_dtype=tf.float32)
    check_grad(engine_fn, reference, [re, im])


def test_complex_functions_of_real_tensors(backend):
    x = tf.constant([-2.0, 0.0, 3.0])
    assert tf.math.real(x) is x
    np.testing.assert_array_equal(tf.math.imag(x).numpy(), [0, 0, 0])
    np.testing.assert_allclose(tf.math.angle(x).numpy(), [math.pi, 0, 0])
    np.testing.assert_array_equal(tf.math.imag(tf.constant([1, 2])).numpy(), [0, 0])


def test_complex_special_values(backend):
    z = tf.complex(tf.constant([np.inf, 0.0, 3.0]), tf.constant([0.0, np.inf, -4.0]))
    np.testing.assert_array_equal(tf.math.real(z).numpy(), [np.inf, 0, 3])
    np.testing.assert_array_equal(tf.math.imag(z).numpy(), [0, np.inf, -4])
    np.testing.assert_array_equal(tf.abs(z).numpy(), [np.inf, np.inf, 5])
    zero = tf.constant([0.0, 3.0])
    with tf.GradientTape() as tape:
        tape.watch(zero)
        magnitude = tf.reduce_sum(tf.abs(tf.complex(zero, zero)))
    np.testing.assert_allclose(tape.gradient(magnitude, zero).numpy(), [0, math.sqrt(2)])


def test_complex_errors(backend):
    with pytest.raises(tf.errors.DTypeError, match="must be float32, got int32"):
        tf.complex(tf.constant([1]), tf.constant([2]))
    with pytest.raises(tf.errors.DTypeError, match="float32 and float16"):
        tf.complex(tf.constant([1.0]), tf.constant(np.ones(1, np.float16)))
    with pytest.raises(tf.errors.IncompatibleShapesError, match=r"\[2\].*\[3\]"):
        tf.complex(tf.zeros([2]), tf.zeros([3]))
    with pytest.raises(tf.errors.DTypeError, match="math.angle.*int32"):
        tf.math.angle(tf.constant([1]))
    with pytest.raises(tf.errors.DTypeError, match="math.real: bool"):
        tf.math.real(tf.constant([True]))


# --- FFTs ----------------------------------------------------------------------------
@pytest.mark.parametrize("shape,fft_length", [((8,), None), ((2, 8), 8), ((3, 6), 9), ((2, 7), 4), ((5,), 12),
                                              ((1,), 1), ((0, 4), None)])
def test_rfft(backend, shape, fft_length):
    x = RNG.standard_normal(shape)
    n = shape[-1] if fft_length is None else fft_length
    engine_fn = lambda a: tf.signal.rfft(a, fft_length)  # noqa: E731
    check_op(engine_fn, lambda a: np.fft.rfft(a, n), [x], atol=1e-5, check_dtype=tf.complex64)
    parts = lambda a: (tf.math.real(engine_fn(a)), tf.math.imag(engine_fn(a)))  # noqa: E731
    reference = lambda a: (np.real(np.fft.rfft(a, n)), np.imag(np.fft.rfft(a, n)))  # noqa: E731
    check_grad(parts, reference, [x])


@pytest.mark.parametrize("shape,fft_length", [((5,), None), ((2, 5), 8), ((2, 5), 9), ((3, 4), 12), ((2, 6), 5),
                                              ((1,), 1), ((2,), 2)])
def test_irfft(backend, shape, fft_length):
    re, im = RNG.standard_normal(shape), RNG.standard_normal(shape)
    n = 2 * (shape[-1] - 1) if fft_length is None else fft_length
    engine_fn = lambda a, b: tf.signal.irfft(tf.complex(a, b), [n] if fft_length else None)  # noqa: E731
    reference = lambda a, b: np.fft.irfft(a + 1j * b, n)  # noqa: E731
    check_op(engine_fn, reference, [re, im], atol=1e-5, check_dtype=tf.float32)
    check_grad(engine_fn, reference, [re, im])


@pytest.mark.parametrize("name,ref", [("fft", np.fft.fft), ("ifft", np.fft.ifft)])
@pytest.mark.parametrize("shape", [(6,), (2, 5), (1,)])
def test_fft_and_ifft(backend, name, ref, shape):
    re, im = RNG.standard_normal(shape), RNG.standard_normal(shape)
    op = getattr(tf.signal, name)
    check_op(lambda a, b: op(tf.complex(a, b)), lambda a, b: ref(a + 1j * b), [re, im], atol=1e-5)
    check_grad(_parts(op), _parts_reference(ref), [re, im])


def test_fft_round_trips_and_empty_axes(backend):
    x = RNG.standard_normal((3, 10)).astype(np.float32)
    np.testing.assert_allclose(tf.signal.irfft(tf.signal.rfft(x)).numpy(), x, atol=1e-5)
    z = tf.complex(tf.constant(x), tf.constant(x[::-1].copy()))
    np.testing.assert_allclose(tf.signal.ifft(tf.signal.fft(z)).numpy(), z.numpy(), atol=1e-5)
    assert tf.signal.fft(tf.complex(tf.zeros([2, 0]), tf.zeros([2, 0]))).shape == (2, 0)
    assert tf.signal.rfft(tf.zeros([2, 0]), [4]).shape == (2, 3)


def test_fft_errors(backend):
    with pytest.raises(tf.errors.DTypeError, match="signal.rfft: expected a float32 tensor, got int32"):
        tf.signal.rfft(tf.constant([1, 2]))
    with pytest.raises(tf.errors.DTypeError, match="signal.fft: expected a complex64 tensor, got float32"):
        tf.signal.fft(tf.constant([1.0, 2.0]))
    with pytest.raises(tf.errors.InvalidArgumentError, match="fft_length must be at least 1, got 0"):
        tf.signal.rfft(tf.zeros([3]), 0)
    with pytest.raises(tf.errors.InvalidArgumentError, match="fft_length must be one integer"):
        tf.signal.rfft(tf.zeros([3]), [4, 4])
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"at least 1 dimension.*\[\]"):
        tf.signal.rfft(tf.constant(1.0))
    with pytest.raises(tf.errors.InvalidArgumentError, match="fft_length must be at least 1, got 0"):
        tf.signal.irfft(tf.complex(tf.zeros([1]), tf.zeros([1])))


# --- frame / overlap_and_add -------------------------------------------------------------
def _frame_reference(x, frame_length, frame_step, pad_end=False, pad_value=0.0, axis=-1):
    moved = np.moveaxis(x, axis, -1)
    length = moved.shape[-1]
    if pad_end:
        count = -(-length // frame_step)
    else:
        count = max(0, 1 + (length - frame_length) // frame_step)
    needed = max((count - 1) * frame_step + frame_length, length)
    padded = np.concatenate([moved, np.full(moved.shape[:-1] + (needed - length,), pad_value)], axis=-1)
    frames = np.stack([padded[..., f * frame_step:f * frame_step + frame_length] for f in range(count)], axis=-2) \
        if count else np.zeros(moved.shape[:-1] + (0, frame_length))
    axis = axis % x.ndim
    return np.moveaxis(frames, (-2, -1), (axis, axis + 1))


def _overlap_and_add_reference(frames, frame_step):
    count, length = frames.shape[-2:]
    out = np.zeros(frames.shape[:-2] + (max(0, (count - 1) * frame_step + length),))
    for f in range(count):
        out[..., f * frame_step:f * frame_step + length] += frames[..., f, :]
    return out


FRAME_CASES = [((10,), 4, 2, False, -1), ((10,), 4, 3, True, -1), ((2, 9), 3, 3, False, -1), ((2, 9), 5, 2, True, 1),
               ((7, 2), 3, 1, False, 0), ((3, 5, 2), 2, 4, True, -2), ((3,), 5, 1, False, -1), ((4,), 2, 5, False, 0)]


@pytest.mark.parametrize("shape,frame_length,frame_step,pad_end,axis", FRAME_CASES)
def test_frame(backend, shape, frame_length, frame_step, pad_end, axis):
    x = RNG.standard_normal(shape)
    engine_fn = lambda a: tf.signal.frame(a, frame_length, frame_step, pad_end=pad_end, pad_value=2.5,  # noqa: E731
                                          axis=axis)
    reference = lambda a: _frame_reference(a, frame_length, frame_step, pad_end, 2.5, axis)  # noqa: E731
    check_op(engine_fn, reference, [x])
    check_grad(engine_fn, reference, [x])


def test_frame_values_dtypes_and_errors(backend):
    frames = tf.signal.frame(tf.range(7), 3, 2, pad_end=True, pad_value=-1)
    assert frames.dtype == tf.int32
    np.testing.assert_array_equal(frames.numpy(), [[0, 1, 2], [2, 3, 4], [4, 5, 6], [6, -1, -1]])
    assert tf.signal.frame(tf.zeros([2, 0]), 4, 2, pad_end=True).shape == (2, 0, 4)
    with pytest.raises(tf.errors.InvalidArgumentError, match="at least one dimension"):
        tf.signal.frame(tf.constant(1.0), 2, 1)
    with pytest.raises(tf.errors.InvalidArgumentError, match="frame_length must be at least 1, got 0"):
        tf.signal.frame(tf.zeros([4]), 0, 1)
    with pytest.raises(tf.errors.InvalidArgumentError, match="axis 2 is out of range"):
        tf.signal.frame(tf.zeros([4, 4]), 2, 1, axis=2)


@pytest.mark.parametrize("shape,frame_step", [((3, 4), 2), ((2, 3, 5), 5), ((4, 3), 1), ((2, 2, 6), 4), ((0, 4), 2),
                                              ((3, 2), 3)])
def test_overlap_and_add(backend, shape, frame_step):
    frames = RNG.standard_normal(shape)
    engine_fn = lambda a: tf.signal.overlap_and_add(a, frame_step)  # noqa: E731
    reference = lambda a: _overlap_and_add_reference(a, frame_step)  # noqa: E731
    check_op(engine_fn, reference, [frames])
    check_grad(engine_fn, reference, [frames])


def test_overlap_and_add_inverts_rectangular_framing(backend):
    x = RNG.standard_normal((2, 12)).astype(np.float32)
    frames = tf.signal.frame(x, 4, 2)
    counts = _overlap_and_add_reference(np.ones((5, 4)), 2)
    np.testing.assert_allclose(tf.signal.overlap_and_add(frames, 2).numpy(), x * counts, rtol=1e-6)
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"\[\.\.\., frames, frame_length\]"):
        tf.signal.overlap_and_add(tf.zeros([4]), 2)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(length=st.integers(0, 12), frame_length=st.integers(1, 6), frame_step=st.integers(1, 6), pad_end=st.booleans())
def test_frame_matches_reference_for_any_sizes(backend, length, frame_length, frame_step, pad_end):
    x = np.arange(length, dtype=np.float64).reshape(1, length)
    check_op(lambda a: tf.signal.frame(a, frame_length, frame_step, pad_end=pad_end),
             lambda a: _frame_reference(a, frame_length, frame_step, pad_end), [x])


# --- windows --------------------------------------------------------------------------
def _window_reference(length, periodic, a, b):
    if length == 1:
        return np.ones(1)
    # TF adds the periodic extra sample only to even lengths.
    denominator = length - 1 + (1 if periodic and length % 2 == 0 else 0)
    return a - b * np.cos(2 * np.pi * np.arange(length) / denominator)


@pytest.mark.parametrize("length", [0, 1, 2, 5, 8, 16])
@pytest.mark.parametrize("periodic", [True, False])
@pytest.mark.parametrize("name,a,b", [("hann_window", 0.5, 0.5), ("hamming_window", 0.54, 0.46)])
def test_windows(backend, name, a, b, length, periodic):
    window = getattr(tf.signal, name)(length, periodic=periodic)
    assert window.dtype == tf.float32 and window.shape == (length,)
    np.testing.assert_allclose(window.numpy(), _window_reference(length, periodic, a, b), atol=1e-6)


def test_window_known_values_and_errors(backend):
    np.testing.assert_allclose(tf.signal.hann_window(4).numpy(), [0, 0.5, 1, 0.5], atol=1e-7)
    np.testing.assert_allclose(tf.signal.hann_window(4, periodic=False).numpy(), [0, 0.75, 0.75, 0], atol=1e-7)
    np.testing.assert_allclose(tf.signal.hamming_window(3).numpy(), [0.08, 1, 0.08], atol=1e-7)
    assert tf.signal.hann_window(tf.constant(6), dtype=tf.float16).dtype == tf.float16
    with pytest.raises(tf.errors.DTypeError, match="float type, got int32"):
        tf.signal.hann_window(4, dtype=tf.int32)
    with pytest.raises(tf.errors.InvalidArgumentError, match="window_length must be at least 0, got -1"):
        tf.signal.hann_window(-1)


# --- STFT --------------------------------------------------------------------------------
def _stft_reference(x, frame_length, frame_step, fft_length, pad_end=False, window=True):
    frames = _frame_reference(x, frame_length, frame_step, pad_end)
    if window:
        frames = frames * _window_reference(frame_length, True, 0.5, 0.5)
    return np.fft.rfft(frames, fft_length)


STFT_CASES = [((20,), 8, 4, None, False), ((2, 17), 6, 3, None, True), ((15,), 5, 5, 16, False),
              ((2, 12), 8, 2, 6, True), ((4,), 8, 2, None, False)]


@pytest.mark.parametrize("shape,frame_length,frame_step,fft_length,pad_end", STFT_CASES)
def test_stft_matches_framing_window_rfft(backend, shape, frame_length, frame_step, fft_length, pad_end):
    x = RNG.standard_normal(shape)
    n = fft_length or 1 << (frame_length - 1).bit_length()
    engine_fn = lambda a: tf.signal.stft(a, frame_length, frame_step, fft_length, pad_end=pad_end)  # noqa: E731
    check_op(engine_fn, lambda a: _stft_reference(a, frame_length, frame_step, n, pad_end), [x], atol=1e-5,
             check_dtype=tf.complex64)
    check_grad(lambda a: tf.abs(engine_fn(a)),
               lambda a: np.abs(_stft_reference(a, frame_length, frame_step, n, pad_end)), [x])


def test_stft_default_fft_length_and_window_fn(backend):
    x = RNG.standard_normal((1, 40)).astype(np.float32)
    assert tf.signal.stft(x, 10, 5).shape == (1, 7, 9)
    assert tf.signal.stft(x, 16, 8).shape == (1, 4, 9)
    plain = tf.signal.stft(x, 8, 4, window_fn=None)
    np.testing.assert_allclose(plain.numpy(), _stft_reference(x.astype(np.float64), 8, 4, 8, window=False),
                               atol=1e-5)
    hamming = tf.signal.stft(x, 8, 4, window_fn=tf.signal.hamming_window)
    expected = np.fft.rfft(_frame_reference(x, 8, 4) * _window_reference(8, True, 0.54, 0.46), 8)
    np.testing.assert_allclose(hamming.numpy(), expected, atol=1e-5)


def _inverse_stft_reference(frame_length, frame_step, fft_length, window=True):
    def reference(re, im):
        frames = np.fft.irfft(re + 1j * im, fft_length)
        if fft_length >= frame_length:
            frames = frames[..., :frame_length]
        else:
            frames = np.concatenate([frames, np.zeros(frames.shape[:-1] + (frame_length - fft_length,))], -1)
        if window:
            frames = frames * _window_reference(frame_length, True, 0.5, 0.5)
        return _overlap_and_add_reference(frames, frame_step)
    return reference


@pytest.mark.parametrize("shape,frame_length,frame_step,fft_length", [((3, 5), 8, 4, None), ((2, 4, 9), 12, 6, 16),
                                                                      ((3, 3), 6, 2, 4), ((2, 5), 7, 7, 8)])
def test_inverse_stft(backend, shape, frame_length, frame_step, fft_length):
    re, im = RNG.standard_normal(shape), RNG.standard_normal(shape)
    n = fft_length or 1 << (frame_length - 1).bit_length()
    engine_fn = lambda a, b: tf.signal.inverse_stft(tf.complex(a, b), frame_length, frame_step, fft_length)  # noqa
    reference = _inverse_stft_reference(frame_length, frame_step, n)
    check_op(engine_fn, reference, [re, im], atol=1e-5, check_dtype=tf.float32)
    check_grad(engine_fn, reference, [re, im])


def test_inverse_stft_reconstructs_with_rectangular_frames(backend):
    x = RNG.standard_normal((2, 16)).astype(np.float32)
    spectrum = tf.signal.stft(x, 4, 4, window_fn=None)
    np.testing.assert_allclose(tf.signal.inverse_stft(spectrum, 4, 4, window_fn=None).numpy(), x, atol=1e-5)


# --- mel scale and MFCC -----------------------------------------------------------------
def _mel(hertz):
    return 1127.0 * np.log(1.0 + hertz / 700.0)


def _mel_reference(num_mel_bins, num_spectrogram_bins, sample_rate, lower_edge_hertz, upper_edge_hertz):
    """TF's documented construction: HTK mel, triangles between equally spaced mel edges, zero DC row."""
    bin_mels = _mel(np.linspace(0, sample_rate / 2, num_spectrogram_bins))
    edges = np.linspace(_mel(lower_edge_hertz), _mel(upper_edge_hertz), num_mel_bins + 2)
    out = np.zeros((num_spectrogram_bins, num_mel_bins))
    for k in range(1, num_spectrogram_bins):
        for j in range(num_mel_bins):
            rising = (bin_mels[k] - edges[j]) / (edges[j + 1] - edges[j])
            falling = (edges[j + 2] - bin_mels[k]) / (edges[j + 2] - edges[j + 1])
            out[k, j] = max(0.0, min(rising, falling))
    return out


@pytest.mark.parametrize("args", [(20, 129, 8000, 125.0, 3800.0), (8, 33, 16000, 0.0, 8000.0),
                                  (40, 257, 16000, 20.0, 7600.0), (1, 2, 100, 10.0, 50.0)])
def test_linear_to_mel_weight_matrix(backend, args):
    matrix = tf.signal.linear_to_mel_weight_matrix(*args)
    assert matrix.dtype == tf.float32 and matrix.shape == (args[1], args[0])
    np.testing.assert_allclose(matrix.numpy(), _mel_reference(*args), atol=1e-6)
    np.testing.assert_array_equal(matrix.numpy()[0], 0)


def test_mel_matrix_known_values(backend):
    # Edges at mel 0, 1127 ln 2 (700 Hz) and 2 * 1127 ln 2 (2100 Hz); bins at 0, 700, 1400, 2100 Hz.
    matrix = tf.signal.linear_to_mel_weight_matrix(1, 4, 4200, 0.0, 2100.0).numpy()
    np.testing.assert_allclose(matrix[:, 0], [0.0, 1.0, 2.0 - math.log2(3.0), 0.0], atol=1e-6)
    # Default matrix, bin 10 (312.5 Hz), worked out by hand: it lies between mel edges `edge` and `edge + 1`,
    # on the falling side of band edge - 1 and the rising side of band edge.
    default = tf.signal.linear_to_mel_weight_matrix().numpy()
    low, high = 1127 * math.log(1 + 125 / 700), 1127 * math.log(1 + 3800 / 700)
    spacing = (high - low) / 21
    mel = 1127 * math.log(1 + 312.5 / 700)
    edge = int((mel - low) // spacing)
    assert edge == 2
    expected = np.zeros(20)
    expected[edge - 1] = (low + (edge + 1) * spacing - mel) / spacing
    expected[edge] = (mel - low - edge * spacing) / spacing
    np.testing.assert_allclose(default[10], expected, atol=1e-6)
    # Between the first and last band centres the two overlapping triangles sum to one.
    inside = (_mel(np.linspace(0, 4000, 129)) > low + spacing) & (_mel(np.linspace(0, 4000, 129)) < high - spacing)
    np.testing.assert_allclose(default[inside].sum(axis=1), 1.0, rtol=1e-5)


def test_mel_matrix_errors_and_dtype(backend):
    assert tf.signal.linear_to_mel_weight_matrix(dtype=tf.float16).dtype == tf.float16
    assert tf.signal.linear_to_mel_weight_matrix(sample_rate=tf.constant(8000.0)).shape == (129, 20)
    with pytest.raises(tf.errors.InvalidArgumentError, match="num_mel_bins must be positive, got 0"):
        tf.signal.linear_to_mel_weight_matrix(0)
    with pytest.raises(tf.errors.InvalidArgumentError, match="Nyquist"):
        tf.signal.linear_to_mel_weight_matrix(upper_edge_hertz=5000.0)
    with pytest.raises(tf.errors.InvalidArgumentError, match="lower_edge_hertz 300.0 must be below"):
        tf.signal.linear_to_mel_weight_matrix(lower_edge_hertz=300.0, upper_edge_hertz=200.0)
    with pytest.raises(tf.errors.InvalidArgumentError, match="float type, got int32"):
        tf.signal.linear_to_mel_weight_matrix(dtype=tf.int32)


def _dct_reference(x, scale=2.0):
    n = x.shape[-1]
    basis = np.cos(np.pi * np.arange(n)[None, :] * (2 * np.arange(n)[:, None] + 1) / (2 * n))
    return scale * x @ basis


@pytest.mark.parametrize("shape", [(13,), (2, 3, 8), (1,)])
def test_mfccs_from_log_mel_spectrograms(backend, shape):
    x = RNG.standard_normal(shape)
    reference = lambda a: _dct_reference(a, scale=math.sqrt(2.0 / a.shape[-1]))  # noqa: E731
    check_op(tf.signal.mfccs_from_log_mel_spectrograms, reference, [x], atol=1e-5)
    check_grad(tf.signal.mfccs_from_log_mel_spectrograms, reference, [x])


def test_mfcc_of_a_constant_spectrum(backend):
    mfccs = tf.signal.mfccs_from_log_mel_spectrograms(tf.fill([2, 10], 3.0)).numpy()
    np.testing.assert_allclose(mfccs[:, 0], 3.0 * math.sqrt(20.0), rtol=1e-6)
    np.testing.assert_allclose(mfccs[:, 1:], 0.0, atol=1e-5)
    with pytest.raises(tf.errors.InvalidArgumentError, match="num_mel_bins must be positive"):
        tf.signal.mfccs_from_log_mel_spectrograms(tf.zeros([3, 0]))


def test_dct(backend):
    x = RNG.standard_normal((3, 6))
    check_op(tf.signal.dct, _dct_reference, [x], atol=1e-5)
    check_grad(tf.signal.dct, _dct_reference, [x])
    orthonormal = tf.signal.dct(tf.eye(6), norm="ortho").numpy()
    np.testing.assert_allclose(orthonormal @ orthonormal.T, np.eye(6), atol=1e-6)
    with pytest.raises(tf.errors.UnimplementedError, match="type=3"):
        tf.signal.dct(tf.zeros([4]), type=3)
    with pytest.raises(tf.errors.InvalidArgumentError, match="norm must be None or 'ortho'"):
        tf.signal.dct(tf.zeros([4]), norm="forward")

"""aiSFX's sound-effects embedding network (Ma & Lerch, ISMIR 2022), rebuilt from tf.keras layers.

The network is the 8-layer CNN of the DCASE 2018 cross-task baseline ("Cnn_9layers", Kong et
al.): four blocks of two 3x3 convolutions (no bias) with BatchNorm and ReLU, 64/128/256/512
channels, 2x2 max pooling after the first three blocks; then the mean over frequency and the
maximum over time give a 512-d embedding. aiSFX trained it on sound-effects libraries labelled
with the Universal Category System; we ship its embedding part (the classifier heads are left
out) converted from the `aisfx` 0.1.2 wheel's checkpoint by packaging/convert_aisfx.py.

Input, as aiSFX computes it (aisfx.inference with its default Essentia spectrograms):
- mono audio at 44.1 kHz (resample first), floats in [-1, 1], not loudness-normalised;
- 2048-sample symmetric Hann frames (46 ms) every 1024 samples (23 ms), frame k centred on
  sample k * 1024 (LogMelSpectrogram's defaults);
- 96 HTK-mel bands, 0 Hz to 22.05 kHz, each filter summing to one, on the power spectrum;
- log10(1e4 * mel + 1), divided by SPECTROGRAM_MAX;
- blocks of 100 frames (2.3 s); a shorter clip is padded with zero frames to one block, and a
  longer one is cut into blocks half a block apart (`embed_clip`).

Layer names follow the PyTorch module names ("conv_block1_conv1", "conv_block1_bn1", ...).
"""
import engine as tf

from ... import keras
from ...errors import InvalidArgumentError
from ..weights import assign_weights_by_name, read_shipped_weights
from .log_mel import LogMelSpectrogram

__all__ = ["AisfxEmbeddingNet", "AisfxEmbedding", "embed_clip", "aisfx_front_end", "WEIGHTS_NAME",
           "EMBEDDING_SIZE", "SAMPLE_RATE", "FRAME_LENGTH", "FRAME_STEP", "NUM_MEL_BINS", "BLOCK_FRAMES",
           "SPECTROGRAM_MAX"]

WEIGHTS_NAME = "aisfx"
EMBEDDING_SIZE = 512
SAMPLE_RATE = 44100
FRAME_LENGTH = 2048
FRAME_STEP = 1024
NUM_MEL_BINS = 96
BLOCK_FRAMES = 100
# aiSFX's "original" min-max normalisation: the minimum is 0, and this is the largest log-mel value
# over the Essentia spectrograms of all the paper's training sets.
SPECTROGRAM_MAX = 9.457798957824707
_BLOCK_CHANNELS = (64, 128, 256, 512)
_BATCH_NORM_EPSILON = 1e-5     # PyTorch's default
_BATCH_NORM_MOMENTUM = 0.9     # PyTorch's momentum 0.1 weighs the new batch; Keras's weighs the old average
# Three 2x2 poolings: fewer frames than this leave no time step for the last block.
_MIN_FRAMES = 8
_POOLED_MEL_BINS = NUM_MEL_BINS // 8


def aisfx_front_end(name="log_mel"):
    """The LogMelSpectrogram layer with aiSFX's settings (they are the layer's defaults, spelled out here)."""
    return LogMelSpectrogram(sample_rate=SAMPLE_RATE, frame_length=FRAME_LENGTH, frame_step=FRAME_STEP,
                             num_mel_bins=NUM_MEL_BINS, lower_edge_hertz=0.0, upper_edge_hertz=SAMPLE_RATE / 2,
                             window="hann", periodic_window=False, center=True, power=2.0,
                             mel_normalization="unit_sum", log_scale=1e4, log_offset=1.0, log_base=10.0, name=name)


def _embedding_layers(x):
    """The CNN from a (batch, frames, 96, 1) normalised log-mel map to the (batch, 512) embedding."""
    for block, channels in enumerate(_BLOCK_CHANNELS, start=1):
        for conv in (1, 2):
            prefix = f"conv_block{block}_"
            x = keras.layers.Conv2D(channels, 3, padding="same", use_bias=False, name=f"{prefix}conv{conv}")(x)
            x = keras.layers.BatchNormalization(epsilon=_BATCH_NORM_EPSILON, momentum=_BATCH_NORM_MOMENTUM,
                                                name=f"{prefix}bn{conv}")(x)
            x = keras.layers.ReLU(name=f"{prefix}relu{conv}")(x)
        if block < len(_BLOCK_CHANNELS):
            x = keras.layers.MaxPooling2D(2, name=f"conv_block{block}_pool")(x)
    x = keras.layers.AveragePooling2D((1, _POOLED_MEL_BINS), name="frequency_mean")(x)
    return keras.layers.GlobalMaxPooling2D(name="time_max")(x)


def _check_weights(weights, builder):
    if weights not in (WEIGHTS_NAME, None):
        raise InvalidArgumentError(f"{builder}: weights must be {WEIGHTS_NAME!r} or None, got {weights!r}")


def _finish(model, weights):
    if weights == WEIGHTS_NAME:
        assign_weights_by_name(model, read_shipped_weights(WEIGHTS_NAME), f"shipped weights {WEIGHTS_NAME!r}")
    return model


def AisfxEmbeddingNet(weights=WEIGHTS_NAME, num_frames=BLOCK_FRAMES, name="aisfx_embedding_net"):  # noqa: N802
    """The embedding CNN on normalised log-mel blocks: (batch, num_frames, 96) -> (batch, 512).

    Its input is aiSFX's spectrogram block: `aisfx_front_end()` of the audio divided by
    SPECTROGRAM_MAX. The network was trained on blocks of 100 frames; `num_frames` may be any
    number from 8 (or None for any length). weights: "aisfx" (shipped with the app) or None.
    """
    _check_weights(weights, "AisfxEmbeddingNet")
    if num_frames is not None and num_frames < _MIN_FRAMES:
        raise InvalidArgumentError(f"AisfxEmbeddingNet: num_frames must be at least {_MIN_FRAMES}, got {num_frames}")
    inputs = keras.Input(shape=(num_frames, NUM_MEL_BINS), name="log_mel_block")
    x = keras.layers.Reshape((num_frames or -1, NUM_MEL_BINS, 1), name="add_channel")(inputs)
    return _finish(keras.Model(inputs, _embedding_layers(x), name=name), weights)


def AisfxEmbedding(num_samples=SAMPLE_RATE, weights=WEIGHTS_NAME, name="aisfx_embedding"):  # noqa: N802
    """Waveform to embedding in one model: (batch, num_samples) audio at 44.1 kHz -> (batch, 512).

    The log-mel front end is the model's first layer, so it runs on the model's backend and is
    saved with it. A clip shorter than one block (num_samples < 101,376, 2.3 s) is padded with
    silent frames to 100, as aiSFX pads its single block, and gives aiSFX's embedding exactly; a
    longer clip gives one embedding over all its frames (`embed_clip` gives aiSFX's per-block ones).
    The default, one second, is 45 frames.
    """
    _check_weights(weights, "AisfxEmbedding")
    if not isinstance(num_samples, int) or num_samples < 1:
        raise InvalidArgumentError(f"AisfxEmbedding: num_samples must be a positive int (the clip length at "
                                   f"{SAMPLE_RATE} Hz), got {num_samples!r}; embed_clip takes clips of any length")
    front_end = aisfx_front_end()
    num_frames = front_end.num_frames(num_samples)
    inputs = keras.Input(shape=(num_samples,), name="waveform")
    x = front_end(inputs)
    x = keras.layers.Rescaling(1.0 / SPECTROGRAM_MAX, name="normalize")(x)
    x = keras.layers.Reshape((num_frames, NUM_MEL_BINS, 1), name="add_channel")(x)
    if num_frames < BLOCK_FRAMES:
        x = keras.layers.ZeroPadding2D(((0, BLOCK_FRAMES - num_frames), (0, 0)), name="pad_to_block")(x)
    return _finish(keras.Model(inputs, _embedding_layers(x), name=name), weights)


def embed_clip(waveform, embedding_net, hop=0.5, drop_partial_block=True):
    """aiSFX's embeddings of one clip, block by block, as aisfx.inference computes them: (blocks, 512).

    waveform: (samples,) mono audio at 44.1 kHz in [-1, 1], any length. embedding_net: an
    `AisfxEmbeddingNet()` (built once by the caller, it holds the weights). Blocks of 100 frames
    start `hop` blocks apart; the spectrogram is padded with silent frames to fill the last
    block, which is dropped when incomplete unless it is the only one (aiSFX's rules; aiSFX
    itself refuses clips shorter than one hop, here they give their one padded block).
    """
    step = int(round(BLOCK_FRAMES * hop))
    if not 1 <= step <= BLOCK_FRAMES:
        raise InvalidArgumentError(f"embed_clip: hop must be a fraction of a block, from {1 / BLOCK_FRAMES} to 1, "
                                   f"got {hop}")
    signal = tf.convert_to_tensor(waveform, dtype="float32")
    if signal.ndim != 1:
        raise InvalidArgumentError(f"embed_clip: waveform must be one mono clip (samples,), got shape "
                                   f"{list(signal.shape)}")
    spectrogram = aisfx_front_end()(signal) * (1.0 / SPECTROGRAM_MAX)
    num_frames = spectrogram.shape[0]
    blocks = -(-(num_frames - BLOCK_FRAMES) // step) + 1
    if drop_partial_block and (num_frames - BLOCK_FRAMES) % step:
        blocks -= 1
    blocks = max(1, blocks)
    padded = tf.pad(spectrogram, [[0, BLOCK_FRAMES], [0, 0]])
    framed = tf.signal.frame(padded, BLOCK_FRAMES, step, axis=0)[:blocks]
    return embedding_net(framed, training=False)

"""Lowering the log-mel front end (engine.applications.audio.LogMelSpectrogram) to framing and matrix products.

No export format shares an FFT op with the others, so the spectrum is a real DFT done as one
product with a constant matrix: its columns are window * cos and window * sin of every bin,
[frame_length, 2 * bins] (two [2048, 1025] halves, 16 MB, for aiSFX's 2048-point frames). Power
is the sum of the squared halves, which the mel product does for free with the filterbank stacked
twice. Every node is marked keep_float (see graph.py).

Framing uses only reshape and slices: with g = gcd(frame_length, frame_step), the padded signal is
cut into blocks of g samples, and frame k is blocks k*step/g ... k*step/g + frame_length/g - 1, so
frame_length/g strided slices of the blocks, concatenated, give every frame at once (two slices
for aiSFX, whose step is half a frame). When there are fewer frames than that, each frame is
sliced out on its own instead.
"""
import math

import numpy as np

__all__ = ["lower_log_mel"]


def _padded_signal(ctx, x, num_samples, num_frames):
    """The signal padded (or cut) to exactly the samples the frames cover, as the layer's call() lays them out."""
    layer = ctx.layer
    left = layer.frame_length // 2 if layer.center else 0
    covered = (num_frames - 1) * layer.frame_step + layer.frame_length
    right = covered - (left + num_samples)
    if left or right > 0:
        x = ctx.emit("pad", [x], (None, left + num_samples + max(right, 0)), paddings=((0, 0), (left, max(right, 0))))
    if right < 0:
        x = ctx.emit("slice", [x], (None, covered), begin=(0, 0), size=(-1, covered), steps=(1, 1))
    return x, covered


def _frames(ctx, signal, covered, num_frames):
    """[batch, frames, frame_length] from the padded [batch, covered] signal (module docstring)."""
    length, step = ctx.layer.frame_length, ctx.layer.frame_step
    block = math.gcd(length, step)
    blocks_per_frame, blocks_per_step = length // block, step // block
    shape = (None, num_frames, length)
    if blocks_per_frame <= num_frames:
        blocks = ctx.emit("reshape", [signal], (None, covered // block, block), shape=(-1, covered // block, block))
        parts = [ctx.emit("slice", [blocks], (None, num_frames, block), begin=(0, first, 0), size=(-1, num_frames, -1),
                          steps=(1, blocks_per_step, 1)) for first in range(blocks_per_frame)]
        return parts[0] if len(parts) == 1 else ctx.emit("concat", parts, shape, axis=2)
    parts = [ctx.emit("slice", [signal], (None, length), begin=(0, frame * step), size=(-1, length), steps=(1, 1))
             for frame in range(num_frames)]
    joined = parts[0] if len(parts) == 1 else ctx.emit("concat", parts, (None, num_frames * length), axis=1)
    return ctx.emit("reshape", [joined], shape, shape=(-1, num_frames, length))


def _dft_matrix(window, fft_length):
    """[frame_length, 2 * bins]: window * cos, then window * sin, of each bin's frequency (frames zero-padded)."""
    samples = np.arange(len(window))[:, np.newaxis]
    bins = np.arange(fft_length // 2 + 1)[np.newaxis, :]
    # Reducing t * k modulo the FFT length first keeps the angles exact for long frames.
    angles = 2.0 * np.pi * ((samples * bins) % fft_length) / fft_length
    weighted = np.asarray(window, np.float64)[:, np.newaxis]
    return np.concatenate([weighted * np.cos(angles), weighted * np.sin(angles)], axis=1)


def lower_log_mel(ctx):
    layer, x, input_shape = ctx.layer, ctx.inputs[0], ctx.input_shapes[0]
    if len(input_shape) != 2 or input_shape[1] is None:
        raise ctx.error(f"the log-mel front end needs (batch, samples) inputs of known length, got {input_shape}")
    num_frames = layer.num_frames(input_shape[1])
    if num_frames < 1:
        raise ctx.error(f"{input_shape[1]} samples are shorter than one frame ({layer.frame_length})")
    ctx.keep_float = True
    window, filterbank = (tensor.numpy() for tensor in layer._window_and_filterbank())
    bins = layer.fft_length // 2 + 1
    signal, covered = _padded_signal(ctx, x, input_shape[1], num_frames)
    frames = _frames(ctx, signal, covered, num_frames)
    halves = ctx.emit("dense", [frames, ctx.constant("dft", _dft_matrix(window, layer.fft_length))],
                      (None, num_frames, 2 * bins))
    squared = ctx.emit("square", [halves], (None, num_frames, 2 * bins))
    mel_shape = (None, num_frames, layer.num_mel_bins)
    if layer.power == 2.0:
        # [re^2, im^2] @ [filterbank; filterbank] = (re^2 + im^2) @ filterbank: the power spectrum's mel bands.
        mel = ctx.emit("dense", [squared, ctx.constant("mel_filterbank", np.concatenate([filterbank] * 2))],
                       mel_shape)
    else:
        pairs = ctx.emit("reshape", [squared], (None, num_frames, 2, bins), shape=(-1, num_frames, 2, bins))
        power = ctx.emit("sum", [pairs], (None, num_frames, bins), axes=(2,), keepdims=False)
        magnitude = ctx.emit("sqrt", [power], (None, num_frames, bins))
        mel = ctx.emit("dense", [magnitude, ctx.constant("mel_filterbank", filterbank)], mel_shape)
    scaled = ctx.emit("mul", [mel, ctx.constant("log_scale", layer.log_scale)], mel_shape)
    shifted = ctx.emit("add", [scaled, ctx.constant("log_offset", layer.log_offset)], mel_shape)
    logarithm = ctx.emit("log", [shifted], mel_shape)
    return ctx.emit("mul", [logarithm, ctx.constant("log_base", 1.0 / math.log(layer.log_base))], mel_shape)

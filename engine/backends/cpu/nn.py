"""nn kernels: softmax, log-softmax, the cross-entropies and dropout.

float16 inputs are computed in float32 and the results cast back. Every
softmax subtracts the maximum along its axis first, so large logits never
overflow; an all -inf or NaN row gives NaN, as in TF.
"""
import numpy as np

from ...errors import InvalidArgumentError
from .parallel import map_blocks, scratch_buffer
from .kernel import cpu_kernel
from .random import uniform_floats


def _shifted_and_log_sum(logits, axis):
    """(logits - max, log(sum(exp(logits - max)))) in float32; log_softmax is their difference.

    `initial` lets rows of length 0 reduce without error.
    """
    shifted = logits - np.max(logits, axis=axis, keepdims=True, initial=-np.inf)
    return shifted, np.log(np.sum(np.exp(shifted), axis=axis, keepdims=True))


def _float32(x):
    return x.astype(np.float32, copy=False)


@cpu_kernel("Softmax")
def softmax(logits, *, axis):
    with np.errstate(all="ignore"):
        work = _float32(logits)
        shifted = np.exp(work - np.max(work, axis=axis, keepdims=True, initial=-np.inf))
        return (shifted / np.sum(shifted, axis=axis, keepdims=True)).astype(logits.dtype, copy=False)


@cpu_kernel("LogSoftmax")
def log_softmax(logits, *, axis):
    with np.errstate(all="ignore"):
        shifted, log_sum = _shifted_and_log_sum(_float32(logits), axis)
        return (shifted - log_sum).astype(logits.dtype, copy=False)


@cpu_kernel("SoftmaxCrossEntropyWithLogits")
def softmax_cross_entropy_with_logits(logits, labels, *, axis):
    """(loss, backprop): -sum(labels * log_softmax(logits)) along axis, and softmax(logits) - labels."""
    with np.errstate(all="ignore"):
        shifted, log_sum = _shifted_and_log_sum(_float32(logits), axis)
        targets = _float32(labels)
        loss = np.sum(targets * (log_sum - shifted), axis=axis)
        backprop = np.exp(shifted - log_sum) - targets
    return loss.astype(logits.dtype, copy=False), backprop.astype(logits.dtype, copy=False)


@cpu_kernel("SparseSoftmaxCrossEntropyWithLogits")
def sparse_softmax_cross_entropy_with_logits(logits, labels):
    """(loss, backprop): -log_softmax(logits)[label], and softmax(logits) - one_hot(label)."""
    classes = logits.shape[-1]
    out_of_range = (labels < 0) | (labels >= classes)
    if out_of_range.any():
        raise InvalidArgumentError(
            f"sparse_softmax_cross_entropy_with_logits: received a label value of {labels[out_of_range][0]} which "
            f"is outside the valid range of [0, {classes})")
    index = labels[..., np.newaxis].astype(np.intp)
    with np.errstate(all="ignore"):
        shifted, log_sum = _shifted_and_log_sum(_float32(logits), -1)
        loss = log_sum[..., 0] - np.take_along_axis(shifted, index, axis=-1)[..., 0]
        backprop = np.exp(shifted - log_sum)
    np.put_along_axis(backprop, index, np.take_along_axis(backprop, index, axis=-1) - 1, axis=-1)
    return loss.astype(logits.dtype, copy=False), backprop.astype(logits.dtype, copy=False)


@cpu_kernel("SigmoidCrossEntropyWithLogits")
def sigmoid_cross_entropy_with_logits(logits, labels):
    with np.errstate(all="ignore"):
        x, z = _float32(logits), _float32(labels)
        loss = np.maximum(x, 0) - x * z + np.log1p(np.exp(-np.abs(x)))
    return loss.astype(logits.dtype, copy=False)


@cpu_kernel("Dropout")
def dropout(x, *, rate, noise_shape, seed0, seed1):
    """Keep x * 1/(1 - rate) where a uniform of noise_shape (broadcast to x) is >= rate, else 0."""
    scalar = x.dtype.type
    keep = uniform_floats(noise_shape, x.dtype, seed0, seed1) >= scalar(rate)
    with np.errstate(all="ignore"):
        return np.where(keep, x * scalar(1 / (1 - rate)), scalar(0))


# Elements a block of the per-channel batch norm covers: with its output it stays in a core's L2 cache, so the
# add after the multiply reads the product from there.
_NORM_BLOCK = 1 << 16
# The per-channel factors repeat to rows of at least this many values: numpy's inner loops then run over long
# rows instead of one pixel's channels (16 to 96 of them in EfficientNet's early layers).
_NORM_ROW = 2048


def _per_channel(parameter, channels):
    """The [channels] vector a parameter of x's last axis (or a scalar) broadcasts to, or None for other shapes."""
    if parameter.size not in (1, channels) or any(size != 1 for size in parameter.shape[:-1]):
        return None
    return np.broadcast_to(parameter.reshape(-1), (channels,))


@cpu_kernel("FusedBatchNorm")
def fused_batch_norm(x, mean, variance, offset, scale, *, epsilon):
    """(x - mean) * scale / sqrt(variance + epsilon) + offset: the per-channel factor and shift first, then
    x * factor + shift."""
    with np.errstate(all="ignore"):
        inverse_std = _float32(scale) / np.sqrt(_float32(variance) + np.float32(epsilon))
        shift = _float32(offset) - _float32(mean) * inverse_std
        channels = x.shape[-1] if x.ndim else 1
        vectors = [_per_channel(p, channels) for p in (inverse_std, shift)]
        if x.ndim == 0 or any(v is None for v in vectors) or inverse_std.ndim > x.ndim or shift.ndim > x.ndim:
            return (_float32(x) * inverse_std + shift).astype(x.dtype, copy=False)
        return _normalize_channels(x, *vectors)


def _normalize_channels(x, factor, shift):
    """x * factor + shift for [channels] factor and shift, in place in the output, blocks of rows on all cores.

    Written straight into the output block by block: one pass of x from memory and the add in the cache, where
    `x * factor + shift` wrote and read a whole temporary ([32, 112, 112, 96]: about 40 ms against 60-85 ms).
    """
    channels = factor.shape[0]
    out = np.empty(x.shape, x.dtype)
    if not x.size:
        return out
    repeat = max(1, _NORM_ROW // channels)
    row = repeat * channels
    rows = x.size // row
    factor_row, shift_row = np.tile(factor, repeat), np.tile(shift, repeat)
    flat, out_flat = x.reshape(-1), out.reshape(-1)
    matrix, out_matrix = flat[:rows * row].reshape(rows, row), out_flat[:rows * row].reshape(rows, row)
    step = max(1, _NORM_BLOCK // row)

    def normalize(block):
        source, target = matrix[block], out_matrix[block]
        if target.dtype == np.float32:
            np.multiply(source, factor_row, out=target)
            np.add(target, shift_row, out=target)
        else:  # float16: computed in float32, rounded once
            work = scratch_buffer(target.size).reshape(target.shape)
            np.multiply(source, factor_row, out=work)
            np.add(work, shift_row, out=work)
            np.copyto(target, work, casting="unsafe")

    map_blocks(normalize, [slice(r, min(rows, r + step)) for r in range(0, rows, step)], 2 * x.size)
    tail = slice(rows * row, None)
    if flat[tail].size:
        out_flat[tail] = (_float32(flat[tail]).reshape(-1, channels) * factor + shift).reshape(-1)
    return out

"""nn kernels: softmax, log-softmax, the cross-entropies and dropout.

float16 inputs are computed in float32 and the results cast back. Every
softmax subtracts the maximum along its axis first, so large logits never
overflow; an all -inf or NaN row gives NaN, as in TF.
"""
import numpy as np

from ...errors import InvalidArgumentError
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


@cpu_kernel("FusedBatchNorm")
def fused_batch_norm(x, mean, variance, offset, scale, *, epsilon):
    """(x - mean) * scale / sqrt(variance + epsilon) + offset: the per-channel factors first, then two passes."""
    work = _float32(x)
    with np.errstate(all="ignore"):
        inverse_std = _float32(scale) / np.sqrt(_float32(variance) + np.float32(epsilon))
        shift = _float32(offset) - _float32(mean) * inverse_std
        return (work * inverse_std + shift).astype(x.dtype, copy=False)

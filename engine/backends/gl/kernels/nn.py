"""nn kernels (GL): softmax, log-softmax, the cross-entropies and dropout, as engine/backends/cpu/nn.py computes them.

The softmax family runs two programs: one per row for (max, sum of exp(x - max)), then one per element
(and, for the cross-entropies, one per row for the loss); the compute path runs the sparse cross-entropy of
float32 logits as one program with two outputs. float16 tensors are float32 in GPU memory,
so every kernel computes in float32 and rounds at the store, like the cpu kernels' casts.
"""
import math

import numpy as np

from ....dtypes import complex64, float32
from ..fusion import BATCH_NORM_LIBRARIES
from ..kernel import gl_kernel
from .. import program as programs
from ..program import ComputeSpec, ProgramSpec
from .random import half_define, philox_uniforms, random_uniform


_ROWS_A_GROUP = 64        # nn_sparse_xent.comp's local size: an invocation a row


def _row_defines(shape, axis):
    """logits viewed as [outer, ROW_SIZE, INNER] with the softmax axis in the middle."""
    return {"ROW_SIZE": shape[axis], "INNER": math.prod(shape[axis + 1:])}


def _row_stats(backend, logits, axis):
    """Per row: vec2(max, sum(exp(x - max))), two words per row, so held in a complex64-typed scratch tensor."""
    shape = tuple(logits.shape)
    return backend.program(ProgramSpec([logits], shape[:axis] + shape[axis + 1:], complex64, ("nn_row_stats.glsl",),
                                       _row_defines(shape, axis), input_names=("logits",)))


def _per_element(backend, output, logits, stats, axis, labels=None):
    """One of nn_softmax.glsl's outputs (SOFTMAX, LOG_SOFTMAX, DENSE_BACKPROP, SPARSE_BACKPROP)."""
    inputs, names = [logits, stats], ["logits", "stats"]
    if labels is not None:
        inputs.append(labels)
        names.append("labels")
    return backend.program(ProgramSpec(inputs, logits.shape, logits.dtype, ("nn_softmax.glsl",),
                                       {**_row_defines(tuple(logits.shape), axis), output: 1}, input_names=names))


def _loss(backend, logits, labels, stats, axis, sparse):
    defines = _row_defines(tuple(logits.shape), axis)
    if sparse:
        defines["SPARSE"] = 1
    return backend.program(ProgramSpec([logits, labels, stats], stats.shape, logits.dtype, ("nn_xent_loss.glsl",),
                                       defines, input_names=("logits", "labels", "stats")))


@gl_kernel("Softmax")
def softmax(backend, logits, *, axis):
    return _per_element(backend, "SOFTMAX", logits, _row_stats(backend, logits, axis), axis)


@gl_kernel("LogSoftmax")
def log_softmax(backend, logits, *, axis):
    return _per_element(backend, "LOG_SOFTMAX", logits, _row_stats(backend, logits, axis), axis)


@gl_kernel("SoftmaxCrossEntropyWithLogits")
def softmax_cross_entropy_with_logits(backend, logits, labels, *, axis):
    stats = _row_stats(backend, logits, axis)
    return (_loss(backend, logits, labels, stats, axis, sparse=False),
            _per_element(backend, "DENSE_BACKPROP", logits, stats, axis, labels))


@gl_kernel("SparseSoftmaxCrossEntropyWithLogits")
def sparse_softmax_cross_entropy_with_logits(backend, logits, labels):
    # Out-of-range labels give NaN rows, as on TensorFlow's GPU: checking them here would read the
    # labels back and stall the GPU pipeline once per training step.
    axis = logits.ndim - 1
    rows = labels.size
    if backend.path == "compute" and logits.dtype is float32 and 0 < logits.size <= programs.PART_WORDS:
        return backend.program(ComputeSpec("nn_sparse_xent.comp", [logits, labels], labels.shape, float32,
                                           programs.dispatch_grid(-(-rows // _ROWS_A_GROUP)),
                                           {"ROWS": rows, "ROW_SIZE": logits.shape[-1]},
                                           input_names=("logits", "labels"),
                                           extra_outputs=((logits.shape, float32),)))
    stats = _row_stats(backend, logits, axis)
    return (_loss(backend, logits, labels, stats, axis, sparse=True),
            _per_element(backend, "SPARSE_BACKPROP", logits, stats, axis, labels))


@gl_kernel("SigmoidCrossEntropyWithLogits")
def sigmoid_cross_entropy_with_logits(backend, logits, labels):
    return backend.program(ProgramSpec([logits, labels], logits.shape, logits.dtype, ("nn_sigmoid_xent.glsl",),
                                       input_names=("logits", "labels")))


@gl_kernel("Dropout")
def dropout(backend, x, *, rate, noise_shape, seed0, seed1):
    """x * 1/(1 - rate) where the uniform of noise_shape (broadcast to x) is >= rate, else 0; rate in x's dtype."""
    scalar = x.dtype.as_numpy_dtype.type
    uniforms = {"threshold": ("float", float(scalar(rate))), "scale": ("float", float(scalar(1 / (1 - rate))))}
    if tuple(noise_shape) == tuple(x.shape):
        return backend.program(ProgramSpec([x], x.shape, x.dtype, ("philox.glsl", "nn_dropout.glsl"),
                                           half_define(x.dtype), {**uniforms, **philox_uniforms(seed0, seed1)}))
    noise = random_uniform(backend, shape=noise_shape, dtype=x.dtype, seed0=seed0, seed1=seed1)
    return backend.program(ProgramSpec([x, noise], x.shape, x.dtype, ("nn_dropout.glsl",), {"BROADCAST_NOISE": 1},
                                       uniforms, input_names=("x", "noise")))


@gl_kernel("FusedBatchNorm")
def fused_batch_norm(backend, x, mean, variance, offset, scale, *, epsilon):
    shape = np.broadcast_shapes(*(tuple(t.shape) for t in (x, mean, variance, offset, scale)))
    return backend.program(ProgramSpec([x, mean, variance, offset, scale], shape, x.dtype, BATCH_NORM_LIBRARIES,
                                       uniforms={"epsilon": ("float", float(epsilon))},
                                       input_names=("x", "mean", "variance", "offset", "scale")))

"""Fused training updates: an optimizer's step, one kernel per variable instead of a dozen elementwise ops,
a Mean metric's update, and accuracy's per-sample matches.

Internal to engine/optimizers and engine/keras's metrics (TF's raw ApplyAdam is not part of its Python API
either); each update reproduces the unfused ops' float32 arithmetic in the same order.
"""
from ..dtypes import float32, int32
from ..errors import DTypeError, InvalidArgumentError
from ..runtime import run_kernel


def apply_adam(variable, momentum, velocity, gradient, alpha, decay_1, decay_2, epsilon):
    """Adam's step as Keras 3 computes it; returns (new variable, new momentum, new velocity).

    m' = m + (g - m) * decay_1;  v' = v + (g^2 - v) * decay_2;  w' = w - (m' * alpha) / (sqrt(v') + epsilon),
    with decay_k = 1 - beta_k and alpha, decay_1, decay_2, epsilon float32 scalars.
    """
    shapes = {tuple(t.shape) for t in (variable, momentum, velocity, gradient)}
    if len(shapes) != 1:
        raise InvalidArgumentError(f"apply_adam: variable, slots and gradient differ in shape: {sorted(shapes)}")
    for name, scalar in (("alpha", alpha), ("decay_1", decay_1), ("decay_2", decay_2), ("epsilon", epsilon)):
        if scalar.shape.rank != 0:
            raise InvalidArgumentError(f"apply_adam: {name} must be a scalar, got shape {list(scalar.shape)}")
    return tuple(run_kernel("ApplyAdam", [variable, momentum, velocity, gradient, alpha, decay_1, decay_2, epsilon],
                            {}))


def adam_step_size(learning_rate, iterations, beta_1, beta_2):
    """Adam's step size for the step after `iterations` steps: lr * sqrt(1 - beta_2^t) / (1 - beta_1^t) with
    t = iterations + 1, in float32 as the unfused ops compute it (beta_k as float32); one kernel instead of
    eight scalar ops a training step. learning_rate: a float32 scalar; iterations: an int32 scalar."""
    if learning_rate.shape.rank != 0 or iterations.shape.rank != 0:
        raise InvalidArgumentError(f"adam_step_size: learning_rate and iterations must be scalars, got shapes "
                                   f"{list(learning_rate.shape)} and {list(iterations.shape)}")
    return run_kernel("AdamStepSize", [learning_rate, iterations], {"beta_1": float(beta_1), "beta_2": float(beta_2)})


def accumulate_mean(total, count, values, increment, weighted=False):
    """A Mean metric's update as one kernel: (total + sum(values), count + increment), float32 scalars, where
    reduce_sum and two additions were three dispatches each training step. weighted: total + sum(values) *
    increment instead (a loss tracker adding a batch's mean loss times its size)."""
    for name, tensor in (("total", total), ("count", count), ("increment", increment)):
        if tensor.shape.rank != 0:
            raise InvalidArgumentError(f"accumulate_mean: {name} must be a scalar, got shape {list(tensor.shape)}")
    return tuple(run_kernel("AccumulateMean", [total, count, values, increment], {"weighted": bool(weighted)}))


def argmax_matches(labels, predictions):
    """1.0 where an int32 label equals the index of its row's largest float32 prediction (the first one on ties,
    the first NaN if any, as argmax), else 0.0: accuracy's per-sample values in one kernel instead of argmax,
    equal and cast. labels: shape S; predictions: S + (classes,), classes >= 1."""
    if labels.dtype is not int32 or predictions.dtype is not float32:
        raise DTypeError(f"argmax_matches: int32 labels and float32 predictions, got {labels.dtype.name} and "
                         f"{predictions.dtype.name}")
    if predictions.shape.rank < 1 or not predictions.shape[-1] or tuple(labels.shape) != tuple(predictions.shape[:-1]):
        raise InvalidArgumentError(f"argmax_matches: labels of shape {list(labels.shape)} do not fit predictions "
                                   f"of shape {list(predictions.shape)}")
    return run_kernel("ArgmaxMatches", [labels, predictions], {})

"""Fused optimizer updates: one kernel per variable instead of a dozen elementwise ops.

Internal to engine/optimizers (TF's raw ApplyAdam is not part of its Python API either);
each update reproduces the unfused ops' float32 arithmetic in the same order.
"""
from ..errors import InvalidArgumentError
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

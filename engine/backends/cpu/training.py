"""Fused optimizer updates (engine/ops/training.py), in the unfused ops' float32 order."""
import numpy as np

from .kernel import cpu_kernel


@cpu_kernel("ApplyAdam")
def apply_adam(variable, momentum, velocity, gradient, alpha, decay_1, decay_2, epsilon):
    with np.errstate(all="ignore"):
        momentum = momentum + (gradient - momentum) * decay_1
        velocity = velocity + (np.square(gradient) - velocity) * decay_2
        variable = variable - (momentum * alpha) / (np.sqrt(velocity) + epsilon)
    return variable.astype(np.float32), momentum.astype(np.float32), velocity.astype(np.float32)

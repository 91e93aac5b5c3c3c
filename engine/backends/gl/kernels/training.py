"""Fused optimizer updates (gl_kernels/training_*.glsl): one elementwise program per output."""
from ....dtypes import float32
from ..kernel import gl_kernel
from ..program import ProgramSpec
from .binary import OPAQUE_ZERO, POW_LIBRARIES

_ADAM_INPUTS = ("variable", "momentum", "velocity", "gradient", "alpha", "decay_1", "decay_2", "epsilon")


@gl_kernel("ApplyAdam")
def apply_adam(backend, *inputs):
    variable = inputs[0]
    return tuple(backend.program(ProgramSpec(inputs, variable.shape, variable.dtype, ("training_adam.glsl",),
                                             {output: 1}, input_names=_ADAM_INPUTS, elementwise=True))
                 for output in ("OUT_VARIABLE", "OUT_MOMENTUM", "OUT_VELOCITY"))


@gl_kernel("AdamStepSize")
def adam_step_size(backend, learning_rate, iterations, *, beta_1, beta_2):
    return backend.program(ProgramSpec([learning_rate, iterations], (), float32,
                                       POW_LIBRARIES + ("training_adam_step_size.glsl",),
                                       uniforms={"beta_1": ("float", beta_1), "beta_2": ("float", beta_2), **OPAQUE_ZERO},
                                       input_names=("learning_rate", "iterations")))

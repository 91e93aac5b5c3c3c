"""Fused optimizer updates (gl_kernels/training_*.glsl): one elementwise program per output."""
from ..kernel import gl_kernel
from ..program import ProgramSpec

_ADAM_INPUTS = ("variable", "momentum", "velocity", "gradient", "alpha", "decay_1", "decay_2", "epsilon")


@gl_kernel("ApplyAdam")
def apply_adam(backend, *inputs):
    variable = inputs[0]
    return tuple(backend.program(ProgramSpec(inputs, variable.shape, variable.dtype, ("training_adam.glsl",),
                                             {output: 1}, input_names=_ADAM_INPUTS, elementwise=True))
                 for output in ("OUT_VARIABLE", "OUT_MOMENTUM", "OUT_VELOCITY"))

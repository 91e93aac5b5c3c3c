"""Fused optimizer updates (gl_kernels/training_*): Adam as one dispatch with three outputs on the compute
path, one elementwise program per output on the fragment path."""
from ....dtypes import float32
from .. import program as programs
from ..kernel import gl_kernel, kernels_for
from ..program import ComputeSpec, ProgramSpec
from .binary import OPAQUE_ZERO, POW_LIBRARIES

_ADAM_INPUTS = ("variable", "momentum", "velocity", "gradient", "alpha", "decay_1", "decay_2", "epsilon")
_ADAM_GROUP_SIZE = 256


@gl_kernel("ApplyAdam")
def apply_adam(backend, *inputs):
    variable = inputs[0]
    count = variable.size
    if backend.path == "compute" and variable.dtype is float32 and 0 < count <= programs.PART_WORDS:
        outputs = ((variable.shape, float32),) * 2
        return backend.program(ComputeSpec("training_adam.comp", inputs, variable.shape, float32,
                                           programs.dispatch_grid(-(-count // _ADAM_GROUP_SIZE)),
                                           {"COUNT": count, "WG_SIZE": _ADAM_GROUP_SIZE}, input_names=_ADAM_INPUTS,
                                           extra_outputs=outputs))
    return tuple(backend.program(ProgramSpec(inputs, variable.shape, variable.dtype, ("training_adam.glsl",),
                                             {output: 1}, input_names=_ADAM_INPUTS, elementwise=True))
                 for output in ("OUT_VARIABLE", "OUT_MOMENTUM", "OUT_VELOCITY"))


@gl_kernel("AdamStepSize")
def adam_step_size(backend, learning_rate, iterations, *, beta_1, beta_2):
    return backend.program(ProgramSpec([learning_rate, iterations], (), float32,
                                       POW_LIBRARIES + ("training_adam_step_size.glsl",),
                                       uniforms={"beta_1": ("float", beta_1), "beta_2": ("float", beta_2),
                                                 **OPAQUE_ZERO},
                                       input_names=("learning_rate", "iterations")))


@gl_kernel("AccumulateMean")
def accumulate_mean(backend, total, count, values, increment, *, weighted):
    if backend.path == "compute" and 0 < values.size <= programs.PART_WORDS:
        return backend.program(ComputeSpec("training_accumulate_mean.comp", [total, count, values, increment], (),
                                           float32, (1, 1, 1), {"COUNT": values.size, "WEIGHTED": int(weighted)},
                                           input_names=("total", "count", "values", "increment"),
                                           extra_outputs=(((), float32),)))
    kernels = kernels_for(backend.path)
    added = kernels["Sum"](backend, values, axes=tuple(range(values.ndim)), keepdims=False)
    if weighted:
        added = kernels["Mul"](backend, added, increment)
    return kernels["Add"](backend, total, added), kernels["Add"](backend, count, increment)


@gl_kernel("ArgmaxMatches")
def argmax_matches(backend, labels, predictions):
    return backend.program(ProgramSpec([labels, predictions], labels.shape, float32, ("metrics_argmax_matches.glsl",),
                                       {"CLASSES": predictions.shape[-1]}, input_names=("labels", "predictions")))

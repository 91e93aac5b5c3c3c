"""Replaying a tf.function trace on the cpu backend (engine/tracing.py): the kernel calls alone.

On a small model most of an eager op's time on the cpu is spent around numpy, not in it: checking
and converting arguments, inferring shapes, making Tensors, recording for autodiff, Keras's layer
calls. A trace keeps each kernel call it made (kernel, input buffers, attrs, output buffers); a replay
calls the same kernels on this call's arrays and does nothing else. The plan names each input by
where a replay finds it (engine/backends/replay_sources.py, as the GL backends' plans do): the
call's arguments, the current value of a Variable, a constant of the trace, or an output of an
earlier step. A call that reads constants alone and draws no fresh random numbers computes the same every
time: its traced output becomes a constant of the plan.
"""
import numpy as np

from ...errors import ReplayMismatchError
from ..replay_sources import CONSTANT, STEP, TraceSources


class CpuReplayPlan:
    __slots__ = ("steps", "slot_count", "outputs", "constants")

    def __init__(self, steps, slot_count, outputs, constants):
        self.steps = steps              # [(kernel, [(kind, index)], attrs, seed request or None, [(slot, shape)])]
        self.slot_count = slot_count    # outputs of all steps, numbered in order
        self.outputs = outputs          # [(kind, index) or None] per output leaf, then per assigned Variable
        self.constants = constants      # the constants' buffers


def build_plan(records, traced_variables, argument_buffers, output_buffers, seed_pairs):
    """(CpuReplayPlan, [Variables in the order the plan reads them]) from a trace's kernel calls `records`
    ((kernel, input buffers, attrs, output buffers)); `traced_variables` the trace's id(buffer) ->
    (buffer, Variable); `seed_pairs` those of the trace's stateful random ops, in the order drawn."""
    wanted = {pair: index for index, pair in enumerate(seed_pairs)}
    sources = TraceSources(argument_buffers, traced_variables)
    steps, slot_count = [], 0
    for kernel, inputs, attrs, outputs in records:
        inputs_found = [sources.locate(buffer) for buffer in inputs]
        request = wanted.get((attrs.get("seed0"), attrs.get("seed1")))
        if request is None and all(kind == CONSTANT for kind, _ in inputs_found):
            continue
        slots = []
        for buffer in outputs:
            sources.produced(buffer, slot_count)
            slots.append((slot_count, buffer.array.shape))
            slot_count += 1
        steps.append((kernel, inputs_found, attrs, request, slots))
    outputs = [None if buffer is None else sources.locate(buffer) for buffer in output_buffers]
    return CpuReplayPlan(steps, slot_count, outputs, sources.constants), sources.variables


def run_plan(plan, arguments, variables, seed_pairs, new_buffer):
    """Call every step's kernel; returns the buffer of each output leaf and assigned Variable (None for a leaf
    that is not a tensor). `arguments` and `variables` are buffers; `new_buffer(array)` wraps a step's result.

    Raises ReplayMismatchError where a kernel's result has another shape than when traced (a kernel whose
    output shape follows the values, such as a boolean mask), before anything is assigned."""
    made = [None] * plan.slot_count
    sources = ([buffer.array for buffer in arguments], [buffer.array for buffer in variables],
               [buffer.array for buffer in plan.constants], made)
    for kernel, inputs, attrs, request, slots in plan.steps:
        if request is not None:
            attrs = dict(attrs, seed0=seed_pairs[request][0], seed1=seed_pairs[request][1])
        result = kernel(*[sources[kind][index] for kind, index in inputs], **attrs)
        for (slot, shape), array in zip(slots, result if type(result) is tuple else (result,)):
            if type(array) is not np.ndarray:
                array = np.asarray(array)
            if array.shape != shape:
                raise ReplayMismatchError(f"kernel {getattr(kernel, '__name__', kernel)!r} gave shape "
                                          f"{list(array.shape)} where the trace saw {list(shape)}")
            made[slot] = array
    buffers = (arguments, variables, plan.constants)
    return [None if source is None else
            new_buffer(made[source[1]]) if source[0] == STEP else buffers[source[0]][source[1]]
            for source in plan.outputs]

"""Replaying a tf.function trace on the cpu backend (engine/tracing.py): the kernel calls alone.

On a small model most of an eager op's time on the cpu is spent around numpy, not in it: checking
and converting arguments, inferring shapes, making Tensors, recording for autodiff, Keras's layer
calls. A trace keeps each kernel call it made (kernel, input buffers, attrs, output buffers); a replay
calls the same kernels on this call's arrays and does nothing else. The plan names each input by
where a replay finds it, as the GL backends' plans do (engine/backends/gl/replay.py): the call's
arguments, the current value of a Variable, a constant of the trace, or an output of an earlier
step. A call that reads constants alone and draws no fresh random numbers computes the same every
time: its traced output becomes a constant of the plan.
"""
import numpy as np

from ...errors import ReplayMismatchError

_ARGUMENT, _VARIABLE, _CONSTANT, _STEP = range(4)


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
    arguments = {}
    for index, buffer in enumerate(argument_buffers):
        arguments.setdefault(id(buffer), index)
    variables, variable_index = [], {}
    constants, constant_index = [], {}
    produced = {}                                   # id(buffer) -> output slot

    def locate(buffer):
        key = id(buffer)
        if key in produced:
            return _STEP, produced[key]
        if key in arguments:
            return _ARGUMENT, arguments[key]
        if key in traced_variables:
            if key not in variable_index:
                variable_index[key] = len(variables)
                variables.append(traced_variables[key][1])
            return _VARIABLE, variable_index[key]
        if key not in constant_index:
            constant_index[key] = len(constants)
            constants.append(buffer)
        return _CONSTANT, constant_index[key]

    steps, slot_count = [], 0
    for kernel, inputs, attrs, outputs in records:
        sources = [locate(buffer) for buffer in inputs]
        request = wanted.get((attrs.get("seed0"), attrs.get("seed1")))
        if request is None and all(kind == _CONSTANT for kind, _ in sources):
            continue
        slots = []
        for buffer in outputs:
            produced[id(buffer)] = slot_count
            slots.append((slot_count, buffer.array.shape))
            slot_count += 1
        steps.append((kernel, sources, attrs, request, slots))
    return CpuReplayPlan(steps, slot_count, [None if buffer is None else locate(buffer) for buffer in output_buffers],
                         constants), variables


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
            new_buffer(made[source[1]]) if source[0] == _STEP else buffers[source[0]][source[1]]
            for source in plan.outputs]

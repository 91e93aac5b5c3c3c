"""Replaying the programs a tf.function trace dispatched (engine/tracing.py), all in one GL-thread command.

A trace records each dispatch as (program, input buffers, output buffer, uniforms, grid, binding
layout, spec, extra output buffers). The plan names every buffer by where a replay finds it: the
call's arguments, the current buffer of a Variable, a constant the trace holds (weights it folded,
scalars it uploaded), or an output slot of an earlier step (a step has one slot per output).
Step outputs get GL objects from the pool as eager dispatches do, and go back to it right after
the last step that reads them; the function's outputs become new tensors of their own, so a later
replay never overwrites them.
"""
import math

from ..replay_sources import CONSTANT, STEP, TraceSources
from . import program as programs
from .kernels.shape import contiguous_offset
from .kernels.random import philox_uniforms

_PHILOX_NAMES = tuple(philox_uniforms(0, 0))


class StepOutput:
    """A replayed step's output that no caller sees: only its size and, while alive, its GL object."""

    __slots__ = ("words", "gl_name")

    def __init__(self, words):
        self.words = words
        self.gl_name = None


class ReplayPlan:
    __slots__ = ("steps", "slot_sizes", "release_after", "outputs", "constants", "reseeds", "prepared")

    def __init__(self, steps, slot_sizes, release_after, outputs, constants, reseeds):
        # [(compiled, [(kind, index)], uniforms, groups, layout, out slots, copied run or None)]: a step that
        # copies one contiguous run of its input has the run's (byte offset, bytes) (compute_replay.py).
        self.steps = steps
        self.slot_sizes = slot_sizes        # (words, nbytes) of each output slot
        self.release_after = release_after  # [slots that the step at this index reads last]
        self.outputs = outputs              # [(kind, index) or None] per output leaf of the function
        self.constants = constants          # buffers the plan keeps alive
        self.reseeds = reseeds              # [(seed request index, step index, {uniform name: slot})]
        self.prepared = None                # the compute path's PreparedReplay (compute_replay.py), once built


def find_reseeds(records, seed_pairs):
    """Where each stateful random op's Philox uniforms sit among the recorded dispatches' uniforms, as
    (seed request index, record index, {uniform name: slot}): a replay gives them the op's next seed pair.
    Dispatches are matched by value (a pair is 128 random bits), so the pairs of stateless ops, which must
    repeat, match nothing."""
    wanted = {_philox_values(pair): index for index, pair in enumerate(seed_pairs)}
    reseeds = []
    for index, record in enumerate(records):
        uniforms = record[6].uniforms
        if "philox_key0" not in uniforms:
            continue
        request = wanted.get(tuple(uniforms[name][1] for name in _PHILOX_NAMES))
        if request is not None:
            slots = {name: slot for slot, name in enumerate(uniforms) if name in _PHILOX_NAMES}
            reseeds.append((request, index, slots))
    return reseeds


def reseeded_uniforms(plan, seed_pairs):
    """{step index: its uniforms with the Philox words of this replay's seed pairs}."""
    overrides = {}
    for request, step, slots in plan.reseeds:
        uniforms = list(overrides.get(step, plan.steps[step][2]))
        words = philox_uniforms(*seed_pairs[request])
        for name, slot in slots.items():
            location, kind, _ = uniforms[slot]
            uniforms[slot] = (location, kind, words[name][1])
        overrides[step] = uniforms
    return overrides


def _philox_values(pair):
    words = philox_uniforms(*pair)
    return tuple(words[name][1] for name in _PHILOX_NAMES)


def build_plan(records, traced_variables, argument_buffers, output_buffers, seed_pairs):
    """(ReplayPlan, [Variables in the order the plan reads them]) from a trace's dispatches (after fusion.py):
    `records` (compiled, inputs, out, uniforms, groups, layout, spec, extras); `traced_variables` the trace's
    id(buffer) -> (buffer, Variable); `seed_pairs` those of the trace's stateful random ops.

    A dispatch that reads constants alone (a gradient's seed of ones, a shape's fill) and draws no fresh
    random numbers computes the same every time: its traced output becomes a constant of the plan."""
    reseeds = find_reseeds(records, seed_pairs)
    reseeded = {record for _, record, _ in reseeds}
    sources = TraceSources(argument_buffers, traced_variables)
    locate = sources.locate
    steps, slot_sizes, last_read, written_by, step_of_record = [], [], {}, [], {}
    for record, (compiled, inputs, out, uniforms, groups, layout, spec, extras) in enumerate(records):
        inputs_found = [locate(buffer) for buffer in inputs]
        if record not in reseeded and all(kind == CONSTANT for kind, _ in inputs_found):
            continue
        step_of_record[record] = len(steps)
        for kind, index in inputs_found:
            if kind == STEP:
                last_read[index] = len(steps)
        slots = []
        for buffer in (out, *extras):
            sources.produced(buffer, len(slot_sizes))
            slots.append(len(slot_sizes))
            slot_sizes.append((buffer.words, buffer.nbytes))
            written_by.append(len(steps))
        steps.append((compiled, inputs_found, uniforms, groups, layout, tuple(slots), _copied_run(spec)))
    outputs = [None if buffer is None else locate(buffer) for buffer in output_buffers]
    returned = set(_step_slots(outputs))
    release_after = [[] for _ in steps]
    for slot, step in enumerate(written_by):
        if slot not in returned:
            release_after[last_read.get(slot, step)].append(slot)
    return ReplayPlan(steps, slot_sizes, release_after, outputs, sources.constants,
                      [(request, step_of_record[record], slots) for request, record, slots in reseeds]), \
        sources.variables


def _copied_run(spec):
    offset = contiguous_offset(spec)
    if offset is None:
        return None
    word_bytes = 4 * programs.words_per_element(spec.out_dtype)
    return offset * word_bytes, math.prod(spec.out_shape) * word_bytes


def returned_slots(plan):
    """The output slots the function returns (each becomes a tensor of the caller's)."""
    return _step_slots(plan.outputs)


def _step_slots(outputs):
    return sorted({index for kind, index in filter(None, outputs) if kind == STEP})


def run_plan(backend, plan, arguments, variables, returned, uniform_overrides):
    """On the GL thread: dispatch every step, releasing step outputs once nothing later reads them."""
    sources = (arguments, variables, plan.constants, [None] * len(plan.slot_sizes))
    made = sources[STEP]
    for index, (compiled, inputs, uniforms, groups, layout, slots, _) in enumerate(plan.steps):
        for slot in slots:
            made[slot] = returned.get(slot) or StepOutput(plan.slot_sizes[slot][0])
        backend.dispatch(compiled, [sources[kind][slot] for kind, slot in inputs], made[slots[0]],
                         uniform_overrides.get(index, uniforms), groups, layout, [made[slot] for slot in slots[1:]])
        for finished in plan.release_after[index]:
            backend.recycle(made[finished])
            made[finished] = None


def output_buffers(plan, arguments, variables, returned):
    """The buffer behind each output leaf of one replay (None for a leaf that is not a tensor)."""
    sources = (arguments, variables, plan.constants, returned)
    return [None if source is None else sources[source[0]][source[1]] for source in plan.outputs]

"""A replay plan (replay.py) prepared for the compute path: what each dispatch binds is decided once.

A replay issues tens of dispatches per millisecond, and eagerly each one takes its output from the buffer
pool and gives back what it read last. Here the plan's intermediate results (the outputs no caller sees)
get GL buffers of their own when the plan is first run, shared between results whose lifetimes do not
overlap as the pool would share them, and kept for the plan's life: a replay never runs concurrently with
itself (the GL thread runs one command at a time) and the GPU runs dispatches in order, so the next replay
may overwrite them. So the binding array of every dispatch is filled in once; a replay writes into it only
the names that change from call to call (the call's arguments, the Variables' current buffers and the fresh
buffers of the results it returns) and then makes the GL calls. With every buffer known, a memory barrier
goes only before a dispatch that depends on one since the last barrier, not after every dispatch.

A step that copies one contiguous run of a call's argument, a Variable or a constant (fit's batches sliced
from a chunk of them, engine/keras/trainer.py) is not dispatched at all where the run starts at an offset
the driver can bind: its readers bind that range of the source instead.
"""
import ctypes
import weakref

from ..replay_sources import ARGUMENT, CONSTANT, STEP, VARIABLE
from .replay import returned_slots
from .runtime import capacity_for

SSBO = 0x90D2                          # GL_SHADER_STORAGE_BUFFER
# GL_SHADER_STORAGE_BARRIER_BIT | GL_BUFFER_UPDATE_BARRIER_BIT: later dispatches and readbacks see the writes.
AFTER_DISPATCH_BARRIERS = 0x2000 | 0x200
UNIFORM_SETTERS = {"float": "glUniform1f", "int": "glUniform1i", "uint": "glUniform1ui"}

_RETURNED = STEP   # in a step's patches: the fresh buffer of a returned output slot


def set_uniforms(hot, uniforms):
    """Set a program's uniforms, given as (location, GLSL type, value)."""
    for location, kind, value in uniforms:
        getattr(hot, UNIFORM_SETTERS[kind])(location, value)


class PreparedReplay:
    """The dispatches of one replay plan, each as (program, [(binding, source kind, index)] to fill in per
    call, GLuint array of every binding, [(binding, source kind, index, byte offset, bytes)] bound as ranges,
    [(uniform setter, location, value)], groups, index of the plan step for its uniform overrides, whether a
    memory barrier goes before it)."""

    __slots__ = ("steps", "returned_capacities", "__weakref__")

    def __init__(self, steps, returned_capacities):
        self.steps = steps
        self.returned_capacities = returned_capacities   # [(returned slot, pool size class)]

    @classmethod
    def build(cls, runtime, plan):
        """On the GL thread: the prepared replay, or None where a tensor needs several bindings (a tensor
        larger than one SSBO may be) or the context cannot bind several buffers in one call (GL < 4.4)."""
        hot = runtime.hot
        if hot.glBindBuffersBase is None or any(parts != 1 for step in plan.steps for _, parts in step[4]):
            return None
        returned = set(returned_slots(plan))
        capacities = [capacity_for(words * 4) for words, _ in plan.slot_sizes]
        alignment = runtime.info["ssbo_offset_alignment"]
        owned, free = {}, {}   # slot -> GL name; size class -> names whose results nothing reads any more
        held = []              # (GL name, size class) of every buffer the plan keeps
        ranges = {}            # slot -> (source kind, index, byte offset, bytes) of a step not dispatched
        hazards = _Hazards()
        steps = []
        for index, (compiled, inputs, uniforms, groups, layout, slots, run) in enumerate(plan.steps):
            source_range = _bindable_range(run, inputs, slots, returned, alignment)
            if source_range is not None:
                ranges[slots[0]] = source_range
                continue
            bindings = (ctypes.c_uint * len(layout))()
            patches, bound_ranges, reads, writes = [], [], [], []
            for (kind, slot), (binding, _) in zip(inputs, layout):
                if kind == CONSTANT:
                    name = plan.constants[slot].gl_name
                    bindings[binding] = runtime.dummy_buffer if name is None else name
                elif kind == STEP and slot in ranges:
                    bound_ranges.append((binding, *ranges[slot]))
                elif kind == STEP and slot not in returned:
                    bindings[binding] = owned[slot]
                    reads.append(owned[slot])
                else:
                    patches.append((binding, kind, slot))
                    if kind == STEP:
                        reads.append(("returned", slot))
            for slot, (binding, _) in zip(slots, layout[len(inputs):]):
                if slot in returned:
                    patches.append((binding, _RETURNED, slot))
                    writes.append(("returned", slot))
                    continue
                names = free.get(capacities[slot])
                if not names:
                    names = [runtime.acquire_buffer(capacities[slot])]
                    held.append((names[0], capacities[slot]))
                owned[slot] = bindings[binding] = names.pop()
                writes.append(owned[slot])
            for slot in plan.release_after[index]:
                if slot in owned:
                    free.setdefault(capacities[slot], []).append(owned[slot])
            steps.append((compiled.name, patches, bindings, bound_ranges,
                          [(getattr(hot, UNIFORM_SETTERS[kind]), location, value) for location, kind, value in uniforms],
                          groups, index, hazards.barrier_before(reads, writes)))
        prepared = cls(steps, [(slot, capacities[slot]) for slot in sorted(returned)])
        finalizer = weakref.finalize(prepared, runtime.thread.release, _give_back, runtime, held)
        finalizer.atexit = False
        return prepared

    def run(self, runtime, arguments, variables, constants, returned, uniform_overrides):
        """On the GL thread: one replay, `returned` the output slots' buffers that become the caller's tensors,
        `uniform_overrides` {plan step index: uniforms} for the steps that draw fresh random numbers."""
        for slot, capacity in self.returned_capacities:
            returned[slot].gl_name = runtime.acquire_buffer(capacity)
        hot, dummy, progress = runtime.hot, runtime.dummy_buffer, runtime.progress
        bind_all, bind_range = hot.glBindBuffersBase, hot.glBindBufferRange
        dispatch, barrier = hot.glDispatchCompute, hot.glMemoryBarrier
        sources = {ARGUMENT: arguments, VARIABLE: variables, CONSTANT: constants, _RETURNED: returned}
        current = runtime.current_program
        for program, patches, bindings, bound_ranges, setters, groups, index, barrier_before in self.steps:
            if barrier_before:
                barrier(AFTER_DISPATCH_BARRIERS)
            if program != current:
                hot.glUseProgram(program)
                current = program
            for binding, kind, slot in patches:
                name = sources[kind][slot].gl_name
                bindings[binding] = dummy if name is None else name
            bind_all(SSBO, 0, len(bindings), bindings)
            for binding, kind, slot, offset, size in bound_ranges:
                bind_range(SSBO, binding, sources[kind][slot].gl_name, offset, size)
            overridden = uniform_overrides.get(index)
            if overridden is None:
                for setter, location, value in setters:
                    setter(location, value)
            else:
                set_uniforms(hot, overridden)
            dispatch(*groups)
            progress.submit()
        barrier(AFTER_DISPATCH_BARRIERS)   # what runs next, eager dispatches and reads, sees every write
        runtime.current_program = current
        runtime.bound_buffers.clear()   # eager dispatches' record of the binding points is out of date


class _Hazards:
    """Which dispatches must wait for the writes of those before them. Dispatches between two barriers may run
    at once on the GPU, so one that reads what such a dispatch wrote, or writes what it read or wrote (the
    plan reuses its buffers), gets a barrier first. The call's arguments, the Variables, constants and bound
    ranges are never written during a replay; the first dispatch follows the barrier that ends every
    dispatch and replay."""

    def __init__(self):
        self.read, self.written = set(), set()

    def barrier_before(self, reads, writes):
        needed = not self.written.isdisjoint(reads) or not self.written.isdisjoint(writes) \
            or not self.read.isdisjoint(writes)
        if needed:
            self.read.clear()
            self.written.clear()
        self.read.update(reads)
        self.written.update(writes)
        return needed


def _bindable_range(run, inputs, slots, returned, alignment):
    """(source kind, index, byte offset, bytes) where the step copies a contiguous run of a buffer that lives
    through the whole replay into a result no caller sees, starting at an offset the driver can bind.

    Offset and size are whole 16-byte words, which vectorized programs load: a source's pool buffer is a
    multiple of 16 bytes, so the rounded range stays inside it."""
    if run is None or inputs[0][0] == STEP or slots[0] in returned or not run[1]:
        return None
    offset, size = run
    if offset % max(alignment, 16):
        return None
    return (*inputs[0], offset, -(-size // 16) * 16)


def _give_back(runtime, held):
    for name, capacity in held:
        runtime.release_buffer(name, capacity)

"""The two GL backends: `gl-compute` (GL >= 4.3, SSBOs) and `gl-fragment` (GL >= 3.3, RGBA32UI textures).

Both keep tensors as 32-bit words in GPU memory and run the same kernel
programs (program.py), wrapped as compute or fragment shaders. Work is queued
on the GL thread; only reads wait.
"""
import math
from concurrent.futures import Future

import numpy as np

from ...errors import BackendError
from ...runtime import current_trace, refuse_trace
from ...tensor import Tensor
from ..base import Backend, DataBuffer
from . import fusion
from . import program as programs
from . import replay as replays
from .compute_replay import AFTER_DISPATCH_BARRIERS, SSBO, PreparedReplay, set_uniforms
from .kernel import kernels_for
from .runtime import array_from_words, capacity_for, get_runtime, pointer, words_of


class GlBuffer(DataBuffer):
    """A tensor's storage: an SSBO (compute) or an RGBA32UI texture (fragment), assigned on the GL thread."""

    __slots__ = ("words", "gl_name")

    def __init__(self, backend, words, nbytes):
        self.words = words
        self.gl_name = None
        super().__init__(backend, nbytes)

    def __del__(self):
        try:
            self.backend.on_buffer_released(self)
            if self.words:  # after the upload or dispatch that gives it a GL object, which held this buffer
                self.backend.runtime.thread.release(self.backend.recycle, self)
        except Exception:  # interpreter shutdown: the context dies with the process
            pass


class GLBackend(Backend):
    path = None
    can_replay = True     # tf.function replays recorded dispatches (engine/tracing.py, replay.py)

    def __init__(self):
        super().__init__()
        self.runtime = get_runtime(self.path)
        self.kernels = kernels_for(self.path)
        self.thread = self.runtime.thread
        self._plans = {}   # spec key -> (compiled program, grid or None, bindings): computed once per key

    def describe(self):
        info = self.runtime.info
        return {"vendor": info["vendor"], "renderer": info["renderer"], "version": info["version"],
                "software": info["software"]}

    def memory(self):
        info = super().memory()
        info["gl_objects"] = self.runtime.gl_objects
        info["gl_objects_pooled"] = self.runtime.pooled()
        return info

    def synchronize(self):
        self.thread.call(self.runtime.GL.glFinish)

    def flush(self):
        self.thread.call(int)

    # --- data in and out ---------------------------------------------------------------
    def write(self, array):
        words = words_of(array)
        buffer = GlBuffer(self, words.size, array.nbytes)
        if words.size:
            self.thread.submit(self._upload, buffer, words)
        return buffer

    def read(self, buffer, shape, dtype):
        refuse_trace("it reads a tensor's value (numpy(), or a kernel that runs on the cpu)")
        words = self.thread.call(self._download, buffer) if buffer.words else np.zeros(0, np.uint32)
        return array_from_words(words, shape, dtype)

    def read_async(self, buffer, shape, dtype):
        refuse_trace("it reads a tensor's value (data())")
        future = Future()
        if not buffer.words:
            future.set_result(array_from_words(np.zeros(0, np.uint32), shape, dtype))
            return future

        def on_gl_thread():
            poll = self.runtime.fence()

            def finish():
                try:
                    future.set_result(array_from_words(self._download(buffer), shape, dtype))
                except Exception as exc:
                    future.set_exception(exc)
            self.thread.watch_fence(poll, finish)
        self.thread.submit(on_gl_thread)
        return future

    def run_deferred(self, trace):
        """Queue the dispatches `trace` recorded without running them, in the order it recorded them."""
        for compiled, inputs, out, uniforms, groups, layout, _, extras in trace.steps:
            if id(out) in trace.deferred:
                self.thread.submit(self.dispatch, compiled, inputs, out, uniforms, groups, layout, extras)

    # --- kernels ---------------------------------------------------------------------------
    def run(self, kernel, inputs, attrs):
        result = kernel(self, *inputs, **attrs)
        return list(result) if isinstance(result, (tuple, list)) else [result]

    def program(self, spec):
        """Run one ProgramSpec or ComputeSpec and return its output tensor, or the tuple of its outputs where a
        ComputeSpec has extra outputs."""
        out = _new_buffer(self, spec.out_shape, spec.out_dtype)
        extra_outputs = spec.extra_outputs
        extras = [_new_buffer(self, shape, dtype) for shape, dtype in extra_outputs]
        if out.words:
            plan = self._plans.get(spec.key)
            if plan is None:
                compiled = self.runtime.program(self.path, spec.key) or self.thread.call(self._compile, spec)
                plan = self._plans[spec.key] = (compiled, self._groups(spec), self._layout(spec))
            compiled, groups, layout = plan
            if isinstance(spec, programs.ComputeSpec):
                groups = spec.groups   # its key leaves the shapes out; a ProgramSpec's key fixes its grid
            uniforms = [(compiled.uniform_locations[name], kind, value)
                        for name, (kind, value) in spec.uniforms.items()]
            inputs = [t.buffer for t in spec.inputs]
            trace = current_trace()
            if trace is not None and trace.backend is self:
                trace.steps.append((compiled, inputs, out, uniforms, groups, layout, spec, extras))
                if trace.refused is None and any(trace.reads_call_data(buffer) for buffer in inputs):
                    # Its replay will compute it: running it now too would cost a trace twice the GL work.
                    trace.deferred.update(id(buffer) for buffer in (out, *extras))
                    return self._outputs(out, spec, extras)
            self.thread.submit(self.dispatch, compiled, inputs, out, uniforms, groups, layout, extras)
        return self._outputs(out, spec, extras)

    @staticmethod
    def _outputs(out, spec, extras):
        result = Tensor(out, spec.out_shape, spec.out_dtype)
        if not extras:
            return result
        return (result, *(Tensor(buffer, shape, dtype) for buffer, (shape, dtype) in zip(extras, spec.extra_outputs)))

    # --- tf.function replays -----------------------------------------------------------------
    def make_replay_plan(self, trace, argument_buffers, output_buffers):
        # Results the function returns or assigns, and Variables' values (a Variable made while tracing holds
        # one that a dispatch computed), must still be stored.
        kept = {id(buffer) for buffer in output_buffers if buffer is not None} | set(trace.variables)
        records = fusion.fuse(self, trace.steps, kept)
        return replays.build_plan(records, trace.variables, argument_buffers, output_buffers,
                                  [pair for _, pair in trace.seed_requests])

    def replay(self, plan, arguments, variables, seed_pairs):
        """Queue a whole recorded trace as one GL-thread command, its random ops drawing `seed_pairs`; returns
        the buffer of each output leaf."""
        returned = {slot: GlBuffer(self, *plan.slot_sizes[slot]) for slot in replays.returned_slots(plan)}
        self.thread.submit(self._run_plan, plan, arguments, variables, returned,
                           replays.reseeded_uniforms(plan, seed_pairs))
        return replays.output_buffers(plan, arguments, variables, returned)

    def _run_plan(self, plan, arguments, variables, returned, uniform_overrides):
        replays.run_plan(self, plan, arguments, variables, returned, uniform_overrides)


def _new_buffer(backend, shape, dtype):
    count = math.prod(shape)
    return GlBuffer(backend, count * programs.words_per_element(dtype), count * dtype.size)


_HOT_UPLOAD_BYTES = 1 << 20   # larger uploads go through PyOpenGL, which lets other threads run during the copy


class GLComputeBackend(GLBackend):
    name = "gl-compute"
    path = "compute"

    def __init__(self):
        super().__init__()
        if not self.runtime.has_compute:
            raise BackendError(f"gl-compute needs OpenGL 4.3; this driver offers {self.runtime.info['version']}")

    def _upload(self, buffer, words):
        capacity = capacity_for(words.nbytes)
        buffer.gl_name = self.runtime.acquire_buffer(capacity, for_upload=True)
        GL = self.runtime.hot if words.nbytes <= _HOT_UPLOAD_BYTES else self.runtime.GL
        GL.glBindBuffer(SSBO, buffer.gl_name)
        GL.glBufferSubData(SSBO, 0, words.nbytes, pointer(words))
        self.runtime.progress.submit()

    def _download(self, buffer):
        GL = self.runtime.GL
        words = np.empty(buffer.words, np.uint32)
        GL.glBindBuffer(GL.GL_SHADER_STORAGE_BUFFER, buffer.gl_name)
        GL.glGetBufferSubData(GL.GL_SHADER_STORAGE_BUFFER, 0, words.nbytes, pointer(words))
        return words

    def recycle(self, buffer):
        if buffer.gl_name is not None:
            self.runtime.release_buffer(buffer.gl_name, capacity_for(buffer.words * 4))
            buffer.gl_name = None

    def _compile(self, spec):
        compiled = self.runtime.program(self.path, spec.key)
        if compiled is None:
            source = programs.raw_compute_source(spec) if isinstance(spec, programs.ComputeSpec) else \
                programs.compute_source(spec)
            compiled = self.runtime.compile(self.path, spec.key, source, list(spec.uniforms))
        return compiled

    @staticmethod
    def _layout(spec):
        if isinstance(spec, programs.ComputeSpec):
            return programs.compute_spec_layout(spec)
        return programs.binding_layout(spec)

    @staticmethod
    def _groups(spec):
        if isinstance(spec, programs.ComputeSpec):
            return spec.groups
        per_thread = 4 if programs.vectorized(spec) else 1
        return programs.dispatch_grid(-(-math.prod(spec.out_shape) // (programs.LOCAL_SIZE * per_thread)))

    def _bind(self, buffer, first, parts):
        hot, bound = self.runtime.hot, self.runtime.bound_buffers
        if parts == 1:
            _bind_whole(self.runtime, first, buffer.gl_name)
            return
        part_bytes = programs.PART_WORDS * 4
        for part in range(parts):
            size = min(part_bytes, buffer.words * 4 - part * part_bytes)
            hot.glBindBufferRange(SSBO, first + part, buffer.gl_name, part * part_bytes, size)
            bound.pop(first + part, None)

    def _run_plan(self, plan, arguments, variables, returned, uniform_overrides):
        """On the GL thread: a replay's dispatches, prepared once per plan (compute_replay.py) where every tensor
        fits one binding and the context binds several buffers in one call, else as eager dispatches run."""
        prepared = self._prepared(plan)
        if prepared:
            prepared.run(self.runtime, arguments, variables, plan.constants, returned, uniform_overrides)
        else:
            replays.run_plan(self, plan, arguments, variables, returned, uniform_overrides)

    def replay_dispatches(self, plan):
        prepared = self.thread.call(self._prepared, plan)
        return len(prepared.steps) if prepared else len(plan.steps)

    def _prepared(self, plan):
        """On the GL thread: the plan's PreparedReplay, built on first use; False where it has none."""
        if plan.prepared is None:
            plan.prepared = PreparedReplay.build(self.runtime, plan) or False
        return plan.prepared

    def dispatch(self, compiled, inputs, out, uniforms, groups, layout, extras=()):
        """On the GL thread: run one program into `out` and `extras` (fresh GL objects from the pool)."""
        runtime = self.runtime
        _use_program(runtime, compiled.name)
        for buffer, (first, parts) in zip(inputs, layout):
            self._bind(buffer, first, parts)
        for buffer, (first, parts) in zip((out, *extras), layout[len(inputs):]):
            buffer.gl_name = runtime.acquire_buffer(capacity_for(buffer.words * 4))
            self._bind(buffer, first, parts)
        hot = runtime.hot
        set_uniforms(hot, uniforms)
        hot.glDispatchCompute(*groups)
        hot.glMemoryBarrier(AFTER_DISPATCH_BARRIERS)
        runtime.progress.submit()


def _use_program(runtime, name):
    if runtime.current_program != name:
        runtime.hot.glUseProgram(name)
        runtime.current_program = name


def _bind_whole(runtime, binding, name):
    """Bind SSBO `name` (None: a tensor with no words, given the dummy buffer) whole at `binding`."""
    if name is None:
        name = runtime.dummy_buffer
    if runtime.bound_buffers.get(binding) != name:   # GL names are never deleted, so a remembered binding stays valid
        runtime.hot.glBindBufferBase(SSBO, binding, name)
        runtime.bound_buffers[binding] = name


class GLFragmentBackend(GLBackend):
    name = "gl-fragment"
    path = "fragment"

    def _upload(self, buffer, words):
        GL = self.runtime.GL
        extent = programs.texture_extent(buffer.words)
        buffer.gl_name = self.runtime.acquire_texture(extent, for_upload=True)
        padded = np.zeros(extent[0] * extent[1] * 4, np.uint32)
        padded[:words.size] = words
        GL.glBindTexture(GL.GL_TEXTURE_2D, buffer.gl_name)
        GL.glTexSubImage2D(GL.GL_TEXTURE_2D, 0, 0, 0, extent[0], extent[1], GL.GL_RGBA_INTEGER, GL.GL_UNSIGNED_INT,
                           pointer(padded))
        self.runtime.progress.submit()

    def _download(self, buffer):
        GL = self.runtime.GL
        extent = programs.texture_extent(buffer.words)
        texels = np.empty(extent[0] * extent[1] * 4, np.uint32)
        GL.glBindFramebuffer(GL.GL_FRAMEBUFFER, self.runtime.framebuffer)
        GL.glFramebufferTexture2D(GL.GL_FRAMEBUFFER, GL.GL_COLOR_ATTACHMENT0, GL.GL_TEXTURE_2D, buffer.gl_name, 0)
        GL.glReadPixels(0, 0, extent[0], extent[1], GL.GL_RGBA_INTEGER, GL.GL_UNSIGNED_INT, pointer(texels))
        return texels[:buffer.words]

    def recycle(self, buffer):
        if buffer.gl_name is not None:
            self.runtime.release_texture(buffer.gl_name, programs.texture_extent(buffer.words))
            buffer.gl_name = None

    def _compile(self, spec):
        compiled = self.runtime.program(self.path, spec.key)
        if compiled is None:
            samplers = [f"{name}_tex" for name in spec.input_names]
            compiled = self.runtime.compile(self.path, spec.key, programs.fragment_source(spec), list(spec.uniforms),
                                            samplers)
        return compiled

    @staticmethod
    def _groups(spec):
        return None

    @staticmethod
    def _layout(spec):
        return None

    def dispatch(self, compiled, inputs, out, uniforms, groups, layout, extras=()):
        """On the GL thread: render one program into `out` (a fresh texture from the pool); the fragment path's
        programs have no extra outputs."""
        GL, hot = self.runtime.GL, self.runtime.hot
        extent = programs.texture_extent(out.words)
        out.gl_name = self.runtime.acquire_texture(extent)
        hot.glBindFramebuffer(GL.GL_FRAMEBUFFER, self.runtime.framebuffer)
        hot.glFramebufferTexture2D(GL.GL_FRAMEBUFFER, GL.GL_COLOR_ATTACHMENT0, GL.GL_TEXTURE_2D, out.gl_name, 0)
        hot.glViewport(0, 0, extent[0], extent[1])
        _use_program(self.runtime, compiled.name)
        for unit, buffer in enumerate(inputs):
            hot.glActiveTexture(GL.GL_TEXTURE0 + unit)
            hot.glBindTexture(GL.GL_TEXTURE_2D,
                              buffer.gl_name if buffer.gl_name is not None else self.runtime.dummy_texture)
        set_uniforms(hot, uniforms)
        hot.glBindVertexArray(self.runtime.vertex_array)
        hot.glDrawArrays(GL.GL_TRIANGLES, 0, 3)
        self.runtime.progress.submit()

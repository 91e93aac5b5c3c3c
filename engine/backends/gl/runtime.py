"""The process-wide GL runtime: one context on one thread, object pools and the program cache."""
import collections
import ctypes
import functools
import os
import threading

import numpy as np

from ...errors import BackendError
from .context import create_headless_context
from .hot_calls import HotCalls
from .worker import GLThread
from . import program as programs

_instances = {}
_instance_lock = threading.Lock()


def get_runtime(path):
    """The runtime of one GL path ("compute" or "fragment"), created on first use.

    Each path has its own context and thread: on NVIDIA's driver (580, H200), rendering
    with the fragment path in a context that had run compute dispatches produced zeros
    and then corrupted later dispatches, with no GL error (seen 2026-11-26).
    Raises BackendError when GL cannot start.
    """
    with _instance_lock:
        if path not in _instances:
            _instances[path] = GLRuntime(path)
        return _instances[path]


def _point_shader_caches_at_app_cache():
    """Mesa and NVIDIA keep compiled shaders on disk; keep them in Glimmer's cache folder."""
    base = os.environ.get("GLIMMER_CACHE_DIR")
    if base is None:
        try:
            import platformdirs
            base = platformdirs.user_cache_dir("Glimmer", appauthor=False)
        except ImportError:
            return
    folder = os.path.join(base, "shaders")
    try:
        os.makedirs(folder, exist_ok=True)
    except OSError:
        return
    os.environ.setdefault("MESA_SHADER_CACHE_DIR", folder)
    os.environ.setdefault("__GL_SHADER_DISK_CACHE_PATH", folder)


class Program:
    __slots__ = ("name", "uniform_locations")

    def __init__(self, name, uniform_locations):
        self.name = name
        self.uniform_locations = uniform_locations


class GLRuntime:
    def __init__(self, path):
        _point_shader_caches_at_app_cache()
        try:
            self.thread = GLThread(self._setup, name=f"glimmer-gl-{path}", on_idle=self._flush_submitted)
        except Exception as exc:
            raise BackendError(f"OpenGL is not available: {exc}") from exc
        self.info = self.thread.setup_result
        self.version = tuple(int(p) for p in self.info["version"].split()[0].split(".")[:2])
        self.has_compute = self.version >= (4, 3)
        self._programs = {}                 # (path, key) -> Program; read from any thread, written on the GL thread
        self.gl_objects = 0                 # buffers + textures alive (pooled or in use)
        # GL-thread state that dispatches skip re-setting: the program in use, SSBO binding -> buffer name.
        self.current_program = None
        self.bound_buffers = {}

    # --- on the GL thread ---------------------------------------------------------
    def _setup(self):
        from OpenGL import GL
        self.context, info = create_headless_context(min_version=(3, 3),
                                                     prefer_hardware=os.environ.get("GLIMMER_GL_SOFTWARE") != "1")
        self.GL = GL
        version = tuple(int(p) for p in info["version"].split()[0].split(".")[:2])
        from OpenGL import EGL
        self.hot = HotCalls(EGL.eglGetProcAddress, version)
        self.progress = GpuProgress(self.hot)
        self._buffers = ReleasedPool(self.progress)
        self._textures = ReleasedPool(self.progress)
        info["max_texture_size"] = int(GL.glGetIntegerv(GL.GL_MAX_TEXTURE_SIZE))
        programs.MAX_TEXTURE_SIZE = info["max_texture_size"]
        if version >= (4, 3):
            info["max_ssbo_bytes"] = int(GL.glGetIntegerv(GL.GL_MAX_SHADER_STORAGE_BLOCK_SIZE))
            # A power of two, so a word index splits into (part, offset) with a shift and a mask.
            programs.PART_WORDS = 1 << min((info["max_ssbo_bytes"] // 4).bit_length() - 1, 30)
            info["ssbo_offset_alignment"] = int(GL.glGetIntegerv(GL.GL_SHADER_STORAGE_BUFFER_OFFSET_ALIGNMENT))
            self.dummy_buffer = int(GL.glGenBuffers(1))
            GL.glBindBuffer(GL.GL_SHADER_STORAGE_BUFFER, self.dummy_buffer)
            GL.glBufferData(GL.GL_SHADER_STORAGE_BUFFER, 16, None, GL.GL_DYNAMIC_DRAW)
        self.vertex_array = int(GL.glGenVertexArrays(1))
        self.framebuffer = int(GL.glGenFramebuffers(1))
        self.dummy_texture = int(GL.glGenTextures(1))
        GL.glBindTexture(GL.GL_TEXTURE_2D, self.dummy_texture)
        GL.glTexImage2D(GL.GL_TEXTURE_2D, 0, GL.GL_RGBA32UI, 1, 1, 0, GL.GL_RGBA_INTEGER, GL.GL_UNSIGNED_INT, None)
        GL.glDisable(GL.GL_BLEND)
        GL.glDisable(GL.GL_DEPTH_TEST)
        return info

    def _flush_submitted(self):
        """Send queued commands to the GPU once the GL thread has nothing more to queue."""
        self.progress.flush()

    def compile(self, path, key, source, uniform_names, sampler_names=()):
        """Compile and link (on the GL thread); errors name the kernel and show the numbered source."""
        if os.environ.get("GLIMMER_VALIDATE_GLSL") == "1":
            validate_with_glslang(source, "comp" if path == "compute" else "frag")
        GL = self.GL
        stages = [(GL.GL_COMPUTE_SHADER, source)] if path == "compute" else [
            (GL.GL_VERTEX_SHADER, programs.VERTEX_SOURCE), (GL.GL_FRAGMENT_SHADER, source)]
        program = GL.glCreateProgram()
        shaders = []
        for stage, text in stages:
            shader = GL.glCreateShader(stage)
            GL.glShaderSource(shader, text)
            GL.glCompileShader(shader)
            if not GL.glGetShaderiv(shader, GL.GL_COMPILE_STATUS):
                log = GL.glGetShaderInfoLog(shader).decode(errors="replace")
                numbered = "\n".join(f"{n + 1:4d}  {line}" for n, line in enumerate(text.splitlines()))
                raise BackendError(f"GLSL compile error ({path}): {log}\n{numbered}")
            GL.glAttachShader(program, shader)
            shaders.append(shader)
        GL.glLinkProgram(program)
        for shader in shaders:
            GL.glDeleteShader(shader)
        if not GL.glGetProgramiv(program, GL.GL_LINK_STATUS):
            raise BackendError(f"GLSL link error ({path}): {GL.glGetProgramInfoLog(program).decode(errors='replace')}")
        GL.glUseProgram(program)
        self.current_program = int(program)
        for unit, name in enumerate(sampler_names):
            GL.glUniform1i(GL.glGetUniformLocation(program, name), unit)
        locations = {name: GL.glGetUniformLocation(program, name) for name in uniform_names}
        compiled = Program(int(program), locations)
        self._programs[(path, key)] = compiled
        return compiled

    def program(self, path, key):
        return self._programs.get((path, key))

    def acquire_buffer(self, capacity, for_upload=False):
        """A pooled or new SSBO of `capacity` bytes (see ReleasedPool for why uploads wait)."""
        name = self._buffers.take(capacity, for_upload)
        if name is not None:
            return name
        GL = self.GL
        name = int(GL.glGenBuffers(1))
        GL.glBindBuffer(GL.GL_SHADER_STORAGE_BUFFER, name)
        if self.version >= (4, 4):
            # Immutable storage without CPU-mapping flags stays in GPU memory; a mutable
            # buffer that is read back may be migrated to host memory by the driver.
            GL.glBufferStorage(GL.GL_SHADER_STORAGE_BUFFER, capacity, None, GL.GL_DYNAMIC_STORAGE_BIT)
        else:
            GL.glBufferData(GL.GL_SHADER_STORAGE_BUFFER, capacity, None, GL.GL_DYNAMIC_COPY)
        self.gl_objects += 1
        return name

    def release_buffer(self, name, capacity):
        self._buffers.give(capacity, name)

    def acquire_texture(self, extent, for_upload=False):
        name = self._textures.take(extent, for_upload)
        if name is not None:
            return name
        GL = self.GL
        name = int(GL.glGenTextures(1))
        GL.glBindTexture(GL.GL_TEXTURE_2D, name)
        GL.glTexParameteri(GL.GL_TEXTURE_2D, GL.GL_TEXTURE_MIN_FILTER, GL.GL_NEAREST)
        GL.glTexParameteri(GL.GL_TEXTURE_2D, GL.GL_TEXTURE_MAG_FILTER, GL.GL_NEAREST)
        GL.glTexImage2D(GL.GL_TEXTURE_2D, 0, GL.GL_RGBA32UI, extent[0], extent[1], 0, GL.GL_RGBA_INTEGER,
                        GL.GL_UNSIGNED_INT, None)
        self.gl_objects += 1
        return name

    def release_texture(self, name, extent):
        self._textures.give(extent, name)

    def pooled(self):
        return len(self._buffers) + len(self._textures)

    def fence(self):
        """A poll() -> bool that turns True once the GPU has finished every command submitted so far."""
        serial = self.progress.submitted
        return lambda: self.progress.finished(serial)


_SIGNALLED = (0x911A, 0x911C)   # GL_ALREADY_SIGNALED, GL_CONDITION_SATISFIED
_SYNC_GPU_COMMANDS_COMPLETE = 0x9117
_SYNC_FLUSH_COMMANDS_BIT = 0x1


class GpuProgress:
    """How far the GPU has got through the commands the GL thread submitted.

    Commands are numbered as they are submitted; a fence every FENCE_EVERY commands
    (and one on demand) tells which numbers have finished. A fence per command
    would be simpler, but on an H100 each one left the GPU idle for about 12 us.
    """

    FENCE_EVERY = 32
    # The driver holds commands back until a flush; flushing often lets the GPU start on
    # them while the GL thread queues the next ones (without it, an H100 sat idle until
    # the final glFinish and the CPU and GPU times added up instead of overlapping).
    FLUSH_EVERY = 4

    def __init__(self, hot):
        self.hot = hot
        self.submitted = 0
        self.completed = 0
        self._flushed = 0
        self._fences = collections.deque()   # (serial, sync), oldest first

    def submit(self):
        """Count one submitted command (a dispatch, a draw or an upload)."""
        self.submitted += 1
        if self.submitted % self.FENCE_EVERY == 0:
            self._fence()
        if self.submitted - self._flushed >= self.FLUSH_EVERY:
            self.flush()

    def flush(self):
        if self._flushed != self.submitted:
            self.hot.glFlush()
            self._flushed = self.submitted

    def finished(self, serial):
        """Whether command `serial` and all before it have finished; never blocks."""
        if serial <= self.completed:
            return True
        # The flush flag makes sure queued commands reach the GPU, so an idle GL thread's fence still signals.
        while self._fences and self.hot.glClientWaitSync(self._fences[0][1], _SYNC_FLUSH_COMMANDS_BIT, 0) in _SIGNALLED:
            done, sync = self._fences.popleft()
            self.hot.glDeleteSync(sync)
            self.completed = done
        if serial <= self.completed:
            return True
        if not self._fences or self._fences[-1][0] < serial:
            self._fence()
        return False

    def _fence(self):
        if not self._fences or self._fences[-1][0] < self.submitted:
            self._fences.append((self.submitted, self.hot.glFenceSync(_SYNC_GPU_COMMANDS_COMPLETE, 0)))


class ReleasedPool:
    """Released GL objects by size key, each with the number of the last command submitted before its release.

    NVIDIA's driver does not order uploads (glBufferSubData, glTexSubImage2D) after
    queued work that reads or writes the same object (seen on an H200, 2026-11-26:
    queued shaders saw the new upload, or the upload was overwritten). So an upload
    reuses an object only once the GPU has finished every command submitted before
    the release; a shader output may reuse any object at once, since the GPU runs
    dispatches and draws in order.
    """

    def __init__(self, progress):
        self.progress = progress
        self._entries = {}

    def take(self, key, for_upload):
        entries = self._entries.get(key)
        if not entries:
            return None
        if not for_upload:
            return entries.pop()[0]
        name, serial = entries[0]
        if not self.progress.finished(serial):
            return None
        entries.popleft()
        return name

    def give(self, key, name):
        self._entries.setdefault(key, collections.deque()).append((name, self.progress.submitted))

    def __len__(self):
        return sum(len(entries) for entries in self._entries.values())


def validate_with_glslang(source, stage):
    """Check a shader with the Khronos reference compiler (glslangValidator), as CI does for every shader."""
    import subprocess
    result = subprocess.run(["glslangValidator", "--stdin", "-S", stage], input=source, capture_output=True,
                            text=True)
    if result.returncode != 0:
        numbered = "\n".join(f"{n + 1:4d}  {line}" for n, line in enumerate(source.splitlines()))
        raise BackendError(f"glslangValidator rejects this {stage} shader:\n{result.stdout.strip()}\n{numbered}")


@functools.lru_cache(maxsize=4096)   # twice an op (acquire and recycle), on few distinct sizes
def capacity_for(nbytes):
    """Pool size classes: powers of two up to 16 MiB, then multiples of 16 MiB (at most 2x waste)."""
    nbytes = max(nbytes, 16)
    if nbytes <= 1 << 24:
        return 1 << (nbytes - 1).bit_length()
    return -(-nbytes // (1 << 24)) * (1 << 24)


def words_of(array):
    """A numpy array as the 32-bit words the GPU stores (float16 widened, bool as 0/1)."""
    kind = array.dtype
    if kind == np.float16:
        array = array.astype(np.float32)
    elif kind == np.bool_:
        array = array.astype(np.uint32)
    elif kind == np.complex64:
        array = np.ascontiguousarray(array).reshape(-1).view(np.float32)  # a 0-d array cannot change itemsize
    return np.ascontiguousarray(array).reshape(-1).view(np.uint32)


def array_from_words(words, shape, dtype):
    np_dtype = dtype.as_numpy_dtype
    if np_dtype == np.float16:
        return words.view(np.float32).astype(np.float16).reshape(shape)
    if np_dtype == np.bool_:
        return (words != 0).reshape(shape)
    if np_dtype == np.complex64:
        return words.view(np.complex64).reshape(shape)
    return words.view(np_dtype).reshape(shape)


def pointer(array):
    return array.ctypes.data_as(ctypes.c_void_p)


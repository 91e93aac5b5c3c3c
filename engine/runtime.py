"""The engine's state: backends, kernel dispatch, tape hooks, tidy scopes, memory and profiling.

Ops call `run_kernel(name, inputs, attrs)`; nothing outside this module and the
backends themselves touches a backend.
"""
import contextlib
import threading
import time
import warnings
import weakref

from .errors import BackendError

_FACTORIES = {}      # name -> (priority, factory)
_BROKEN = {}         # name -> reason the backend could not start


class _State(threading.local):
    pass


class _Global:
    """Process-wide state. Tapes, scopes and profilers are per thread (see `_local`)."""

    def __init__(self):
        self.backends = {}
        self.current = None
        self.num_tensors = 0
        self.fallbacks = {}          # (backend, kernel) -> count
        self.warned_fallbacks = set()
        self.lock = threading.RLock()

    def on_tensor_created(self, tensor):
        self.num_tensors += 1
        scopes = _local.scopes
        if scopes:
            scopes[-1].tracked.append(weakref.ref(tensor))

    def scope_keep(self, tensor):
        for scope in _local.scopes:
            scope.kept.add(tensor.id)


STATE = _Global()


class _Local(threading.local):
    def __init__(self):
        self.tapes = []          # active GradientTapes (innermost last)
        self.scopes = []         # active tidy scopes
        self.profilers = []      # active profile recorders
        self.paused = 0          # > 0 while tape recording is paused
        self.trace = None        # the tracing.Trace of a tf.function traced on this thread


_local = _Local()


# --- backends ---------------------------------------------------------------
def register_backend(name, factory, priority=0):
    """Register a backend factory. Higher priority wins when choosing the default."""
    _FACTORIES[name] = (priority, factory)


def _instantiate(name):
    backend = STATE.backends.get(name)
    if backend is not None:
        return backend
    if name not in _FACTORIES:
        known = ", ".join(sorted(_FACTORIES)) or "none"
        raise BackendError(f"unknown backend {name!r}; registered: {known}")
    if name in _BROKEN:
        raise BackendError(f"backend {name!r} is not available: {_BROKEN[name]}")
    try:
        backend = _FACTORIES[name][1]()
    except Exception as exc:  # a backend that cannot start is reported, never fatal
        _BROKEN[name] = f"{type(exc).__name__}: {exc}"
        raise BackendError(f"backend {name!r} is not available: {_BROKEN[name]}") from exc
    STATE.backends[name] = backend
    return backend


def set_backend(name):
    """Make `name` the backend new tensors and kernels use; "gl" picks the best GL path. Returns True."""
    with STATE.lock:
        if name == "gl":
            reasons = []
            for candidate in ("gl-compute", "gl-fragment"):
                try:
                    STATE.current = _instantiate(candidate)
                    return True
                except BackendError as exc:
                    reasons.append(str(exc))
            raise BackendError("no GL backend is available: " + "; ".join(reasons))
        STATE.current = _instantiate(name)
    return True


def get_backend():
    return current_backend().name


def current_backend():
    backend = STATE.current
    if backend is None:
        with STATE.lock:
            if STATE.current is None:
                STATE.current = _default_backend()
            backend = STATE.current
    return backend


def _default_backend():
    """A hardware GPU backend when one works here, else cpu (software GL is for tests, not users)."""
    for name in sorted(_FACTORIES, key=lambda n: -_FACTORIES[n][0]):
        if name == "cpu":
            continue
        try:
            backend = _instantiate(name)
        except BackendError:
            continue
        if not backend.describe().get("software", False):
            return backend
    return _instantiate("cpu")


def backends():
    """Every registered backend with whether it works here and, if not, why."""
    report = {}
    for name in sorted(_FACTORIES, key=lambda n: -_FACTORIES[n][0]):
        try:
            backend = _instantiate(name)
        except BackendError:
            report[name] = {"available": False, "reason": _BROKEN.get(name, "unknown")}
        else:
            report[name] = {"available": True, **backend.describe()}
    return report


def move_to_backend(tensor, backend):
    """A tensor with the same value on `backend` (data copied through the CPU)."""
    from .tensor import Tensor
    array = tensor.numpy()
    return Tensor(backend.write(array), tensor.shape, tensor.dtype)


# --- kernel dispatch --------------------------------------------------------
def run_kernel(name, inputs, attrs=None):
    """Run kernel `name` on the current backend; returns a Tensor, or a tuple for several outputs."""
    backend = STATE.current or current_backend()
    kernel = backend.kernels.get(name)
    if kernel is None:
        backend, kernel = _fallback(backend, name)
    placed = inputs
    for index, tensor in enumerate(inputs):
        if tensor.buffer.backend is not backend:
            if placed is inputs:
                placed = list(inputs)
            placed[index] = move_to_backend(tensor, backend)
    attrs = attrs or {}
    local = _local
    if local.trace is not None:
        local.trace.saw_kernel(name, placed, attrs, backend)
    if local.profilers:
        outputs = _run_profiled(backend, name, kernel, placed, attrs)
    else:
        outputs = backend.run(kernel, placed, attrs)
    if local.tapes and not local.paused:
        for tape in local.tapes:
            tape._record(name, inputs, attrs, outputs, None)
    return outputs[0] if len(outputs) == 1 else tuple(outputs)


def _fallback(backend, name):
    cpu = _instantiate("cpu")
    kernel = cpu.kernels.get(name)
    if kernel is None:
        raise BackendError(f"kernel {name!r} is registered on no backend (asked on {backend.name!r})")
    key = (backend.name, name)
    with STATE.lock:
        STATE.fallbacks[key] = STATE.fallbacks.get(key, 0) + 1
        first = key not in STATE.warned_fallbacks
        STATE.warned_fallbacks.add(key)
    if first:
        warnings.warn(f"backend {backend.name!r} has no kernel {name!r}; running it on 'cpu'", RuntimeWarning,
                      stacklevel=4)
    return cpu, kernel


def _run_profiled(backend, name, kernel, inputs, attrs):
    bytes_before = backend.num_bytes()
    tensors_before = STATE.num_tensors
    start = time.perf_counter()
    outputs = backend.run(kernel, inputs, attrs)
    backend.synchronize()
    elapsed = time.perf_counter() - start
    record = {
        "name": name,
        "backend": backend.name,
        "fallback": backend is not STATE.current,
        "input_shapes": [list(t.shape) for t in inputs],
        "output_shapes": [list(t.shape) for t in outputs],
        "time_ms": elapsed * 1e3,
        "bytes_added": backend.num_bytes() - bytes_before,
        "tensors_added": STATE.num_tensors - tensors_before,
    }
    for profiler in _local.profilers:
        profiler.add(record, backend)
    return outputs


@contextlib.contextmanager
def no_recording():
    """Pause every active tape on this thread (used by gradient computation and assign)."""
    _local.paused += 1
    try:
        yield
    finally:
        _local.paused -= 1


def current_trace():
    """The tracing.Trace recording this thread's kernels, or None."""
    return _local.trace


def set_trace(trace):
    _local.trace = trace


def refuse_trace(reason):
    """Mark the trace this thread is recording, if any, as one that cannot be replayed faithfully."""
    trace = _local.trace
    if trace is not None:
        trace.refuse(reason)


def active_tapes():
    return _local.tapes


# --- memory -------------------------------------------------------------------
def dispose_tensor(tensor):
    if tensor._buffer is not None:
        tensor._buffer = None
        STATE.num_tensors -= 1


class MemoryInfo(dict):
    """A dict with attribute access: num_tensors, num_bytes, num_data_buffers, backends, fallbacks."""

    def __getattr__(self, key):
        try:
            return self[key]
        except KeyError:
            raise AttributeError(key) from None


def memory():
    """Counts after every queued kernel has run (queued work holds buffers until it runs)."""
    for backend in list(STATE.backends.values()):
        backend.flush()
    per_backend = {name: backend.memory() for name, backend in STATE.backends.items()}
    return MemoryInfo(
        num_tensors=STATE.num_tensors,
        num_bytes=sum(m["num_bytes"] for m in per_backend.values()),
        num_data_buffers=sum(m["num_data_buffers"] for m in per_backend.values()),
        backends=per_backend,
        fallbacks={f"{b}:{k}": n for (b, k), n in STATE.fallbacks.items()},
    )


class _Scope:
    __slots__ = ("tracked", "kept")

    def __init__(self):
        self.tracked = []   # weak references: a tensor that dies early is already freed
        self.kept = set()


def push_scope():
    scope = _Scope()
    _local.scopes.append(scope)
    return scope


def pop_scope(scope, results):
    """End a tidy scope: dispose what it created except `results`, variables and kept tensors."""
    from .tensor import Variable
    if not _local.scopes or _local.scopes[-1] is not scope:
        raise RuntimeError("tidy scopes must nest: the innermost scope ends first")
    _local.scopes.pop()
    survivors = {t.id for t in results}
    parent = _local.scopes[-1] if _local.scopes else None
    for ref in scope.tracked:
        tensor = ref()
        if tensor is None or tensor._buffer is None:
            continue
        if tensor.id in survivors or tensor.id in scope.kept or isinstance(tensor, Variable):
            if parent is not None:
                parent.tracked.append(ref)
            continue
        dispose_tensor(tensor)


def keep(tensor):
    for scope in _local.scopes:
        scope.kept.add(tensor.id)
    return tensor


class Profiler:
    def __init__(self):
        self.kernels = []
        self.peak_bytes = 0

    def add(self, record, backend):
        self.kernels.append(record)
        self.peak_bytes = max(self.peak_bytes, backend.num_bytes())


def push_profiler():
    profiler = Profiler()
    _local.profilers.append(profiler)
    return profiler


def pop_profiler(profiler):
    _local.profilers.remove(profiler)

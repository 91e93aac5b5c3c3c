"""Explicit memory control as in TF.js: tidy, dispose, keep, memory, profile."""
import time

from . import nest, runtime
from .tensor import Tensor


class _Tidy:
    """`tidy(fn)` runs fn and disposes every tensor it made except what it returns;
    `with tidy():` disposes everything made inside except kept tensors and variables."""

    def __init__(self, fn=None):
        self._fn = fn
        self._scope = None

    def __enter__(self):
        self._scope = runtime.push_scope()
        return self

    def __exit__(self, *exc):
        runtime.pop_scope(self._scope, ())
        return False


def tidy(fn=None, *args, **kwargs):
    if fn is None:
        return _Tidy()
    if isinstance(fn, str):  # TF.js also accepts tidy(name, fn)
        fn, args = args[0], args[1:]
    scope = runtime.push_scope()
    result = None
    try:
        result = fn(*args, **kwargs)
    finally:
        returned = [t for t in nest.flatten(result) if isinstance(t, Tensor)] if result is not None else []
        runtime.pop_scope(scope, returned)
    return result


def dispose(value):
    """Free the data of a tensor, or of every tensor in a nested structure or a model-like object."""
    for leaf in nest.flatten(value):
        if isinstance(leaf, Tensor):
            runtime.dispose_tensor(leaf)
        elif hasattr(leaf, "dispose"):
            leaf.dispose()


def keep(tensor):
    """Exempt a tensor from disposal by the enclosing tidy scopes."""
    return runtime.keep(tensor)


memory = runtime.memory


class ProfileInfo:
    """What `profile(fn)` measured: new_bytes, new_tensors, peak_bytes, kernels, wall_ms, result."""

    def __init__(self, new_bytes, new_tensors, peak_bytes, kernels, wall_ms, result):
        self.new_bytes = new_bytes
        self.new_tensors = new_tensors
        self.peak_bytes = peak_bytes
        self.kernels = kernels
        self.wall_ms = wall_ms
        self.result = result

    @property
    def kernel_names(self):
        return [k["name"] for k in self.kernels]

    def fallbacks(self):
        return [k for k in self.kernels if k["fallback"]]

    def __repr__(self):
        lines = [f"ProfileInfo(new_bytes={self.new_bytes}, new_tensors={self.new_tensors}, "
                 f"peak_bytes={self.peak_bytes}, wall_ms={self.wall_ms:.3f}, kernels=["]
        for k in self.kernels:
            lines.append(f"  {k['name']:<24} {k['backend']:<12} {k['time_ms']:9.3f} ms  "
                         f"in {k['input_shapes']} out {k['output_shapes']}{'  FALLBACK' if k['fallback'] else ''}")
        return "\n".join(lines + ["])"])


def profile(fn, *args, **kwargs):
    """Run fn and report the kernels it ran (time, shapes, bytes), as TF.js's tf.profile."""
    start_bytes = runtime.memory()["num_bytes"]
    start_tensors = runtime.STATE.num_tensors
    profiler = runtime.push_profiler()
    started = time.perf_counter()
    try:
        result = fn(*args, **kwargs)
    finally:
        runtime.pop_profiler(profiler)
    wall_ms = (time.perf_counter() - started) * 1e3
    end = runtime.memory()
    return ProfileInfo(end["num_bytes"] - start_bytes, runtime.STATE.num_tensors - start_tensors,
                       max(profiler.peak_bytes, end["num_bytes"]), profiler.kernels, wall_ms, result)



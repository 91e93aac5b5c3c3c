"""`@gl_kernel("Name")`: register a GL kernel for both paths, or for one (`path="compute"`).

A GL kernel has the cpu kernel's signature with the backend first:
`fn(backend, *input_tensors, **attrs)` returning a Tensor or a tuple of them,
made with `backend.program(ProgramSpec(...))`. A path-specific kernel
overrides the shared one on that path (hand-tuned compute shaders).
"""
_SHARED = {}
_BY_PATH = {"compute": {}, "fragment": {}}
CPU_FALLBACKS = {}   # kernel name -> why no GL version exists (listed in bench/RESULTS.md)


def gl_kernel(name, path=None):
    def decorator(fn):
        table = _SHARED if path is None else _BY_PATH[path]
        if name in table:
            raise RuntimeError(f"GL kernel {name!r} is registered twice{' for ' + path if path else ''}")
        table[name] = fn
        return fn
    return decorator


def shared_kernel(name):
    """The kernel both paths share (what a path-specific override delegates to for cases it does not cover)."""
    return _SHARED[name]


def kernels_for(path):
    from . import kernels  # noqa: F401  (importing the families registers them)
    return {**_SHARED, **_BY_PATH[path]}


def cpu_fallback(name, reason):
    """Declare that kernel `name` deliberately runs on the cpu backend under GL, and why."""
    CPU_FALLBACKS[name] = reason

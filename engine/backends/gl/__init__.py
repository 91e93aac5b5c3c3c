"""OpenGL backends: `gl-compute` (compute shaders) and `gl-fragment` (fragment shaders, the macOS path).

Importing this module does not touch the GPU; a backend starts the GL runtime
the first time it is instantiated, and reports why when it cannot.
"""
from ...runtime import register_backend


def _compute():
    from .backend import GLComputeBackend
    return GLComputeBackend()


def _fragment():
    from .backend import GLFragmentBackend
    return GLFragmentBackend()


register_backend("gl-compute", _compute, priority=20)
register_backend("gl-fragment", _fragment, priority=10)

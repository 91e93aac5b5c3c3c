"""Suite-wide set-up: backend parametrisation, and no silent CPU fallbacks on the GL backends."""
import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
os.environ.setdefault("GLIMMER_CACHE_DIR", os.path.join(os.path.dirname(os.path.abspath(__file__)), ".cache"))
# Every shader the suite compiles is also checked by the Khronos reference compiler.
os.environ.setdefault("GLIMMER_VALIDATE_GLSL", "1")

import engine as tf  # noqa: E402
from engine import runtime  # noqa: E402

ALL_BACKENDS = ("cpu", "gl-compute", "gl-fragment")


def _test_backends():
    """Backends every op test runs on: `GLIMMER_TEST_BACKENDS` (comma-separated), else all three.

    A backend that cannot start here fails its tests rather than skipping them:
    CI brings up Mesa's llvmpipe so the GL backends always run.
    """
    requested = os.environ.get("GLIMMER_TEST_BACKENDS")
    if requested:
        return [name.strip() for name in requested.split(",") if name.strip()]
    return list(ALL_BACKENDS)


BACKENDS = _test_backends()


@pytest.fixture(params=BACKENDS)
def backend(request):
    """Run the test with `request.param` as the current backend; a GL kernel falling back to cpu fails it."""
    previous = tf.get_backend()
    tf.set_backend(request.param)
    before = dict(runtime.STATE.fallbacks)
    yield request.param
    tf.set_backend(previous)
    from engine.backends.gl.kernel import CPU_FALLBACKS
    fell_back = sorted(kernel for (name, kernel), count in runtime.STATE.fallbacks.items()
                       if name == request.param and count > before.get((name, kernel), 0)
                       and kernel not in CPU_FALLBACKS)
    if fell_back and request.param != "cpu":
        pytest.fail(f"{request.param} fell back to cpu for kernels: {', '.join(fell_back)}")


@pytest.fixture
def cpu():
    """Run the test on the cpu backend (for tests of cpu kernels or of files, where GL adds nothing)."""
    previous = tf.get_backend()
    tf.set_backend("cpu")
    yield
    tf.set_backend(previous)

"""Suite-wide set-up: backend parametrisation and a clean engine state per test."""
import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import engine as tf  # noqa: E402


def _test_backends():
    """Backends every op test runs on: `GLIMMER_TEST_BACKENDS` (comma-separated) or all that work here."""
    requested = os.environ.get("GLIMMER_TEST_BACKENDS")
    if requested:
        return [name.strip() for name in requested.split(",") if name.strip()]
    return [name for name, info in tf.backends().items() if info["available"]]


BACKENDS = _test_backends()


@pytest.fixture(params=BACKENDS)
def backend(request):
    """Run the test with `request.param` as the current backend."""
    previous = tf.get_backend()
    tf.set_backend(request.param)
    yield request.param
    tf.set_backend(previous)

"""The GL runtime itself: big tensors, threads, leaks, asynchronous reads, and running without GL."""
import os
import subprocess
import sys
import threading

import numpy as np
import pytest

import engine as tf
from engine.backends.gl import program as programs
from tests.conftest import BACKENDS

GL_BACKENDS = [name for name in BACKENDS if name.startswith("gl-")]
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


@pytest.fixture(params=GL_BACKENDS)
def gl_backend(request):
    previous = tf.get_backend()
    tf.set_backend(request.param)
    yield request.param
    tf.set_backend(previous)


def test_tensors_larger_than_one_binding_are_split(gl_backend, monkeypatch):
    # Shrink the part size so small tensors exercise the multi-binding path on every driver.
    monkeypatch.setattr(programs, "PART_WORDS", 1024)
    x = np.arange(3001, dtype=np.float32)
    y = np.linspace(-1, 1, 3001).astype(np.float32)
    total = tf.add(tf.constant(x), tf.constant(y))
    np.testing.assert_allclose(total.numpy(), x + y, rtol=1e-6)
    np.testing.assert_allclose(tf.reduce_sum(tf.reshape(total, (3001, 1)), axis=1).numpy(), x + y, rtol=1e-6)


def test_ops_from_three_threads(gl_backend):
    results, errors = {}, []

    def work(seed):
        try:
            rng = np.random.default_rng(seed)
            a = rng.standard_normal((17, 9)).astype(np.float32)
            b = rng.standard_normal((9, 5)).astype(np.float32)
            for _ in range(20):
                out = tf.nn.relu(tf.matmul(tf.constant(a), tf.constant(b)) + 1.0)
            results[seed] = (out.numpy(), np.maximum(a @ b + 1.0, 0))
        except Exception as exc:  # reported below with the thread's seed
            errors.append((seed, exc))

    threads = [threading.Thread(target=work, args=(seed,)) for seed in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors
    for got, want in results.values():
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5)


def test_training_loop_does_not_leak(gl_backend):
    rng = np.random.default_rng(0)
    x = tf.constant(rng.standard_normal((8, 4)).astype(np.float32))
    labels = tf.constant(rng.integers(0, 3, 8).astype(np.int32))
    w = tf.Variable(rng.standard_normal((4, 3)).astype(np.float32))
    b = tf.Variable(np.zeros(3, np.float32))
    optimizer = tf.optimizers.Adam(0.01)

    def step():
        with tf.GradientTape() as tape:
            logits = tf.matmul(x, w) + b
            loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels, logits))
        optimizer.apply_gradients(zip(tape.gradient(loss, [w, b]), [w, b]))
        return loss

    first = float(step())
    import gc
    gc.collect()
    baseline = (tf.memory().num_tensors, tf.memory().num_data_buffers)
    objects = []
    for index in range(2000):
        step()
        if index % 100 == 99:
            gc.collect()
            info = tf.memory()
            assert (info.num_tensors, info.num_data_buffers) == baseline
            objects.append(info.backends[gl_backend]["gl_objects"])
    assert max(objects) == objects[0] or max(objects) - min(objects) < 16, objects
    assert float(step()) < first


def test_data_future_resolves_without_blocking(gl_backend):
    x = tf.constant(np.arange(10, dtype=np.float32))
    future = (x * 2).data()
    np.testing.assert_array_equal(future.result(timeout=30), np.arange(10) * 2)


def test_engine_without_gl_runs_on_cpu_and_says_why():
    env = {**os.environ, "__EGL_VENDOR_LIBRARY_DIRS": "/nonexistent", "__EGL_VENDOR_LIBRARY_FILENAMES": "",
           "GLIMMER_BACKEND": ""}
    code = ("import engine as tf; r = tf.backends(); print(tf.get_backend()); "
            "print(r['gl-compute']['available'], r['gl-compute'].get('reason', '')); "
            "print(float(tf.reduce_sum(tf.constant([1.0, 2.0]))))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, env=env, timeout=120)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "cpu"
    assert lines[1].startswith("False") and "OpenGL" in lines[1]
    assert lines[2] == "3.0"


def test_exit_with_many_live_gl_tensors_does_not_hang(gl_backend):
    """Tensors released while the interpreter exits must not wait on the stopped GL thread's full queue."""
    code = (f"import engine as tf; tf.set_backend({gl_backend!r}); "
            "kept = [tf.constant([float(i)]) for i in range(600)]; print(float(kept[-1][0]))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "599.0"


def test_vertex_shader_passes_the_reference_compiler():
    from engine.backends.gl.runtime import validate_with_glslang
    validate_with_glslang(programs.VERTEX_SOURCE, "vert")


def test_callers_wait_while_the_gl_thread_is_a_full_queue_behind():
    from engine.backends.gl import worker
    gl_thread = worker.GLThread(lambda: None, name="test-queue")
    release = threading.Event()
    ran = []
    gl_thread.submit(release.wait)
    producer = threading.Thread(target=lambda: [gl_thread.submit(ran.append, n) for n in range(worker.MAX_QUEUED + 50)])
    producer.start()
    producer.join(timeout=2.0)
    assert producer.is_alive(), "a caller ran more than MAX_QUEUED commands ahead"
    assert gl_thread._queue.qsize() <= worker.MAX_QUEUED
    release.set()
    producer.join(timeout=30.0)
    assert gl_thread.call(len, ran) == worker.MAX_QUEUED + 50
    assert ran == list(range(worker.MAX_QUEUED + 50))


def test_small_and_large_uploads_read_back_exactly(gl_backend):
    # Up to 1 MiB an upload holds the GIL through the copy; larger ones release it (backend._upload).
    rng = np.random.default_rng(5)
    for count in (1, 262144, 262145, 600000):
        values = rng.standard_normal(count).astype(np.float32)
        np.testing.assert_array_equal(tf.constant(values).numpy(), values)



def test_a_dead_tensors_buffer_serves_the_next_command(gl_backend):
    a = tf.constant(np.arange(1000, dtype=np.float32))
    (a + a).numpy()   # the sum's size class now has a GL object
    objects = tf.memory().backends[gl_backend]["gl_objects"]
    for _ in range(50):
        total = a + a
        del total     # released without a command of its own, before the next one runs
    np.testing.assert_array_equal((a + a).numpy(), np.arange(1000) * 2)
    assert tf.memory().backends[gl_backend]["gl_objects"] == objects

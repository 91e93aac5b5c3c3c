import gc

import numpy as np

import engine as tf


def _counts():
    # Earlier tests' garbage first: a reference cycle that a queued GL command held is collectable only once
    # the flush in tf.memory() has run that command.
    gc.collect()
    tf.memory()
    gc.collect()
    info = tf.memory()
    return info.num_tensors, info.num_data_buffers


def test_refcounting_frees_tensors(backend):
    before = _counts()
    x = tf.constant(np.ones((16, 16), np.float32))
    y = x + x
    assert _counts()[0] == before[0] + 2
    del x, y
    assert _counts() == before


def test_tidy_disposes_all_but_result(backend):
    outside = tf.constant([1.0, 2.0])
    holder = []

    def body():
        a = outside * 2
        holder.append(a)
        return a + 1, {"b": a * 3}

    before = tf.memory().num_tensors
    result, extra = tf.tidy(body)
    assert holder[0].is_disposed
    assert not result.is_disposed and not extra["b"].is_disposed
    assert not outside.is_disposed
    np.testing.assert_allclose(result.numpy(), [3.0, 5.0])
    del holder
    assert tf.memory().num_tensors == before + 2


def test_tidy_context_manager_keeps_kept_and_variables(backend):
    v = None
    with tf.tidy():
        temp = tf.constant([1.0]) + 1
        kept = tf.keep(temp * 2)
        v = tf.Variable([5.0])
        v.assign_add([1.0])
    assert temp.is_disposed
    assert not kept.is_disposed and not v.is_disposed
    np.testing.assert_allclose(v.numpy(), [6.0])


def test_nested_tidy_passes_results_to_parent(backend):
    with tf.tidy():
        inner = tf.tidy(lambda: tf.constant([1.0]) + 1)
        assert not inner.is_disposed
    assert inner.is_disposed


def test_dispose_structures(backend):
    a, b = tf.constant([1.0]), tf.constant([2.0])
    tf.dispose({"a": a, "list": [b]})
    assert a.is_disposed and b.is_disposed


def test_steady_state_loop_does_not_grow(backend):
    w = tf.Variable(np.ones((8, 8), np.float32))
    x = tf.constant(np.ones((4, 8), np.float32))

    def step():
        with tf.GradientTape() as tape:
            loss = tf.reduce_sum(tf.multiply(tf.reshape(x, (4, 8, 1)), w))
        w.assign_sub(tf.multiply(tape.gradient(loss, w), 0.01))

    step()
    baseline = _counts()
    for _ in range(20):
        step()
        assert _counts() == baseline


def test_profile_reports_kernels(backend):
    x = tf.constant(np.ones((4, 4), np.float32))
    info = tf.profile(lambda: tf.reduce_sum(x * x))
    assert info.kernel_names == ["Mul", "Sum"]
    assert info.kernels[0]["input_shapes"] == [[4, 4], [4, 4]]
    assert info.kernels[1]["output_shapes"] == [[]]
    assert all(k["time_ms"] >= 0 and k["backend"] == backend and not k["fallback"] for k in info.kernels)
    assert info.new_tensors == 1 and float(info.result) == 16.0
    assert "Mul" in repr(info)

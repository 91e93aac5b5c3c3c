"""Fused optimizer updates against float64 numpy and against the unfused ops they replace."""
import numpy as np
import pytest

import engine as tf
from engine.ops.training import accumulate_mean, adam_step_size, apply_adam, argmax_matches
from tests.engine.opcheck import check_op


def _adam_reference(w, m, v, g, alpha, decay_1, decay_2, epsilon):
    m = m + (g - m) * decay_1
    v = v + (g * g - v) * decay_2
    return w - m * alpha / (np.sqrt(v) + epsilon), m, v


@pytest.mark.parametrize("shape", [(), (3,), (2, 5), (4, 4), (0, 3), (300, 7)])
def test_apply_adam_matches_numpy(backend, shape):
    rng = np.random.default_rng(1)
    w, m, g = (rng.standard_normal(shape) for _ in range(3))
    v = rng.random(shape)
    scalars = [np.asarray(0.01), np.asarray(0.1), np.asarray(0.001), np.asarray(1e-7)]
    check_op(apply_adam, _adam_reference, [w, m, v, g, *scalars], rtol=2e-5, atol=1e-6)


def test_adam_steps_equal_the_unfused_ops(backend):
    """Adam uses the fused kernel; amsgrad=True with v_hat = v at every step runs the unfused ops."""
    rng = np.random.default_rng(2)
    start = rng.standard_normal((3, 4)).astype(np.float32)
    # A non-decreasing v keeps v_hat = max(v_hat, v) equal to v, so both optimizers take the same steps.
    grads = [np.full((3, 4), 2.0 ** k, np.float32) for k in range(3)]
    fused, unfused = tf.Variable(start), tf.Variable(start)
    fused_optimizer, unfused_optimizer = tf.optimizers.Adam(0.1), tf.optimizers.Adam(0.1, amsgrad=True)
    for g in grads:
        fused_optimizer.apply_gradients([(tf.constant(g), fused)])
        unfused_optimizer.apply_gradients([(tf.constant(g), unfused)])
    np.testing.assert_allclose(fused.numpy(), unfused.numpy(), rtol=1e-6, atol=1e-7)
    assert not np.allclose(fused.numpy(), start)


def test_apply_adam_rejects_mismatched_shapes(backend):
    z = tf.zeros([2])
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"differ in shape"):
        apply_adam(z, z, tf.zeros([3]), z, *(tf.constant(1.0),) * 4)
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"alpha must be a scalar"):
        apply_adam(z, z, z, z, tf.zeros([1]), *(tf.constant(1.0),) * 3)


@pytest.mark.parametrize("iterations", [0, 1, 9, 999, 100000])
def test_adam_step_size_matches_numpy_and_the_unfused_ops(backend, iterations):
    beta_1, beta_2 = 0.9, 0.999
    learning_rate = tf.constant(np.float32(0.001))
    got = adam_step_size(learning_rate, tf.constant(np.int32(iterations)), beta_1, beta_2)
    assert got.dtype is tf.float32 and got.shape == ()
    beta_1_32, beta_2_32 = (np.float64(np.float32(beta)) for beta in (beta_1, beta_2))
    t = iterations + 1
    want = np.float64(np.float32(0.001)) * np.sqrt(1 - beta_2_32 ** t) / (1 - beta_1_32 ** t)
    # 1 - beta_2^t cancels in float32 for small t: a few 1e-5 relative, as in the unfused ops and in Keras.
    np.testing.assert_allclose(got.numpy(), want, rtol=5e-5)
    step = tf.cast(tf.constant(np.int32(iterations)) + 1, tf.float32)
    unfused = learning_rate * tf.sqrt(1.0 - tf.pow(tf.constant(np.float32(beta_2)), step)) / (
        1.0 - tf.pow(tf.constant(np.float32(beta_1)), step))
    # Equal bits but where a GPU compiler contracts 1 - beta^t differently in one program than in two.
    np.testing.assert_allclose(got.numpy(), unfused.numpy(), rtol=0 if backend == "cpu" else 5e-5)


def test_adam_step_size_rejects_tensors_that_are_not_scalars(backend):
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"must be scalars"):
        adam_step_size(tf.constant([0.1]), tf.constant(np.int32(0)), 0.9, 0.999)


def test_traced_adam_steps_with_one_and_three_dispatches_a_variable_match_eager(backend, monkeypatch):
    """On the compute path Adam is one dispatch with three outputs, unless a tensor needs several SSBO bindings
    (here: more than 1024 words); then it is three programs and the replay runs unprepared steps."""
    from engine.backends.gl import program as programs
    monkeypatch.setattr(programs, "PART_WORDS", 1024)
    rng = np.random.default_rng(3)
    x = rng.standard_normal((8, 40)).astype(np.float32)
    start_w, start_b = rng.standard_normal((40, 40)).astype(np.float32), rng.standard_normal(40).astype(np.float32)
    results = []
    for traced in (False, True):
        w, b = tf.Variable(start_w), tf.Variable(start_b)
        optimizer = tf.optimizers.Adam(0.01)

        def step(inputs):
            with tf.GradientTape() as tape:
                loss = tf.reduce_mean(tf.square(tf.matmul(inputs, w) + b))
            optimizer.apply_gradients(zip(tape.gradient(loss, [w, b]), [w, b]))
            return loss

        run = tf.function(step) if traced else step
        losses = [float(run(tf.constant(x))) for _ in range(4)]
        results.append((losses, w.numpy(), b.numpy()))
    (eager_losses, eager_w, eager_b), (traced_losses, traced_w, traced_b) = results
    np.testing.assert_allclose(traced_losses, eager_losses, rtol=1e-5)
    np.testing.assert_allclose(traced_w, eager_w, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(traced_b, eager_b, rtol=1e-5, atol=1e-6)
    assert not np.allclose(traced_b, start_b)


@pytest.mark.parametrize("shape", [(), (1,), (16,), (1000,), (3, 700)])
@pytest.mark.parametrize("one_binding", [True, False], ids=["one dispatch", "split bindings"])
@pytest.mark.parametrize("weighted", [False, True], ids=["mean", "weighted"])
def test_accumulate_mean_matches_numpy(backend, shape, one_binding, weighted, monkeypatch):
    if not one_binding:   # values past one SSBO binding: the compute path sums with the Sum kernel instead
        from engine.backends.gl import program as programs
        monkeypatch.setattr(programs, "PART_WORDS", 256)
    values = np.random.default_rng(4).standard_normal(shape).astype(np.float32)
    increment = 3.0 if weighted else float(values.size)
    total, count = accumulate_mean(tf.constant(np.float32(2.5)), tf.constant(np.float32(7.0)), tf.constant(values),
                                   tf.constant(np.float32(increment)), weighted=weighted)
    added = values.astype(np.float64).sum() * (increment if weighted else 1.0)
    np.testing.assert_allclose(total.numpy(), 2.5 + added, rtol=1e-5, atol=1e-5)
    assert count.numpy() == 7.0 + increment and total.dtype is tf.float32 and total.shape == ()


def test_a_traced_mean_metric_update_is_one_dispatch_on_the_compute_path(backend):
    metric = tf.keras.metrics.Mean()
    update = tf.function(metric.update_state)
    values = np.array([1.0, 2.0, 4.5], np.float32)
    for _ in range(3):
        update(values)
    np.testing.assert_allclose(float(metric.result()), 2.5)
    assert float(metric.count.numpy()) == 9.0
    if backend == "gl-compute":
        assert update.dispatch_count(values) == 1


def test_accumulate_mean_rejects_totals_that_are_not_scalars(backend):
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"total must be a scalar"):
        accumulate_mean(tf.zeros([1]), tf.constant(0.0), tf.zeros([3]), tf.constant(3.0))


def _argmax_matches_reference(labels, predictions):
    return (labels == np.argmax(predictions, axis=-1)).astype(np.float64)


@pytest.mark.parametrize("shape", [(1, 1), (16, 3), (2, 5, 7), (40, 1000)])
def test_argmax_matches_matches_numpy(backend, shape):
    rng = np.random.default_rng(6)
    predictions = rng.standard_normal(shape).astype(np.float32)
    predictions[0, ..., 0] = predictions[0, ..., -1] = 9.0          # ties: the first maximum counts
    if shape[0] > 1:
        predictions[1, ..., shape[-1] // 2] = np.nan                 # a NaN wins its row, as in argmax
    labels = rng.integers(0, shape[-1], shape[:-1]).astype(np.int32)
    labels.reshape(-1)[: labels.size // 2] = np.argmax(predictions, axis=-1).reshape(-1)[: labels.size // 2]
    got = argmax_matches(tf.constant(labels), tf.constant(predictions))
    assert got.dtype is tf.float32
    np.testing.assert_array_equal(got.numpy(), _argmax_matches_reference(labels, predictions))


def test_argmax_matches_rejects_what_it_cannot_pair(backend):
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"do not fit"):
        argmax_matches(tf.constant(np.zeros(3, np.int32)), tf.zeros([4, 2]))
    with pytest.raises(tf.errors.DTypeError, match=r"int32 labels"):
        argmax_matches(tf.zeros([4]), tf.zeros([4, 2]))

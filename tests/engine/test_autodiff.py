import numpy as np
import pytest

import engine as tf


def test_tape_watches_constants_and_variables(backend):
    x = tf.constant([1.0, 2.0])
    v = tf.Variable([3.0, 4.0])
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.reduce_sum(x * v)
    gx, gv = tape.gradient(y, [x, v])
    np.testing.assert_allclose(gx.numpy(), [3.0, 4.0])
    np.testing.assert_allclose(gv.numpy(), [1.0, 2.0])
    assert tape.watched_variables() == (v,)


def test_gradient_nested_structures_and_unconnected(backend):
    a, b, c = tf.constant(2.0), tf.constant(3.0), tf.constant(4.0)
    with tf.GradientTape() as tape:
        tape.watch([a, b, c])
        y = a * b
    grads = tape.gradient(y, {"a": a, "pair": (b, c)})
    assert float(grads["a"]) == 3.0 and float(grads["pair"][0]) == 2.0 and grads["pair"][1] is None
    with tf.GradientTape() as tape:
        tape.watch(c)
        y = a * b
    assert float(tape.gradient(y, c, unconnected_gradients="zero")) == 0.0


def test_non_persistent_tape_is_single_use(backend):
    x = tf.constant(1.0)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = x * x
    tape.gradient(y, x)
    with pytest.raises(tf.errors.GradientError, match="persistent"):
        tape.gradient(y, x)


def test_persistent_tape_and_output_gradients(backend):
    x = tf.constant([1.0, 2.0])
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(x)
        y = x * x
        z = y * x
    np.testing.assert_allclose(tape.gradient(y, x).numpy(), [2.0, 4.0])
    np.testing.assert_allclose(tape.gradient(z, x).numpy(), [3.0, 12.0])
    np.testing.assert_allclose(tape.gradient(y, x, output_gradients=tf.constant([1.0, 0.5])).numpy(), [2.0, 2.0])


def test_second_order_gradient(backend):
    x = tf.constant(3.0)
    with tf.GradientTape() as outer:
        outer.watch(x)
        with tf.GradientTape() as inner:
            inner.watch(x)
            y = x * x * x
        dy = inner.gradient(y, x)
    assert float(dy) == 27.0
    assert float(outer.gradient(dy, x)) == 18.0


def test_stop_recording_and_stop_gradient(backend):
    x = tf.constant(2.0)
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(x)
        with tape.stop_recording():
            hidden = x * x
        y = x * tf.stop_gradient(x * x)
    assert tape.gradient(hidden, x) is None
    assert float(tape.gradient(y, x)) == 4.0


def test_watch_accessed_variables_off(backend):
    v = tf.Variable(2.0)
    with tf.GradientTape(watch_accessed_variables=False) as tape:
        y = v * v
    assert tape.gradient(y, v) is None


def test_non_trainable_variables_are_not_watched(backend):
    v = tf.Variable(2.0, trainable=False)
    with tf.GradientTape() as tape:
        y = v * v
    assert tape.gradient(y, v) is None


def test_custom_gradient(backend):
    @tf.custom_gradient
    def clipped_identity(x):
        def grad(dy):
            return dy * 0.5
        return tf.identity(x), grad

    x = tf.constant([1.0, 2.0])
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.reduce_sum(clipped_identity(x) * 3.0)
    np.testing.assert_allclose(tape.gradient(y, x).numpy(), [1.5, 1.5])


def test_tfjs_style_functions(backend):
    f = lambda x: x * x * 2.0  # noqa: E731
    np.testing.assert_allclose(tf.grad(f)(tf.constant([1.0, 3.0])).numpy(), [4.0, 12.0])
    value, g = tf.value_and_grad(f)(tf.constant(2.0))
    assert float(value) == 8.0 and float(g) == 8.0
    value, (ga, gb) = tf.value_and_grads(lambda a, b: a * b)([tf.constant(2.0), tf.constant(5.0)])
    assert float(value) == 10.0 and float(ga) == 5.0 and float(gb) == 2.0
    assert [float(g) for g in tf.grads(lambda a, b: a * b)([2.0, 5.0])] == [5.0, 2.0]
    w = tf.Variable([1.0, 2.0], name="weights")
    frozen = tf.Variable([1.0], name="frozen", trainable=False)
    value, grads = tf.variable_grads(lambda: tf.reduce_sum(w * w) + tf.reduce_sum(frozen))
    assert set(grads) == {"weights"}
    np.testing.assert_allclose(grads["weights"].numpy(), [2.0, 4.0])


def test_integer_paths_carry_no_gradient(backend):
    x = tf.constant([1, 2])
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = x * 2
    assert tape.gradient(y, x) is None


def test_every_cpu_kernel_has_a_gradient_entry():
    from engine.backends.cpu.kernel import KERNELS
    from engine.gradients.registry import has_gradient_entry
    missing = sorted(name for name in KERNELS if not has_gradient_entry(name))
    assert not missing, f"kernels with neither a gradient nor not_differentiable(): {missing}"


def test_missing_gradient_names_the_kernel(backend):
    from engine.autodiff import _backprop
    from engine.gradients.registry import Op
    x = tf.constant(1.0)
    y = tf.identity(x)
    with pytest.raises(tf.errors.GradientError, match="NoSuchKernel"):
        _backprop([(Op("NoSuchKernel", [x], [y], {}), None)], [y], [None])


def test_inputs_unconnected_to_the_tape_get_no_gradient_work(backend):
    images = tf.constant(np.ones((1, 5, 5, 2), np.float32))
    filters = tf.Variable(np.ones((3, 3, 2, 4), np.float32))
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(tf.nn.conv2d(images, filters, 1, "SAME"))
    info = tf.profile(lambda: tape.gradient(loss, filters))
    assert "Conv2DBackpropFilter" in info.kernel_names
    assert "Conv2DBackpropInput" not in info.kernel_names
    assert info.result.shape == (3, 3, 2, 4)


def test_a_product_with_data_computes_only_the_weights_gradient(backend):
    data = tf.constant(np.arange(6, dtype=np.float32).reshape(2, 3))
    weights = tf.Variable(np.ones((3, 4), np.float32))
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(tf.matmul(data, weights))
    info = tf.profile(lambda: tape.gradient(loss, weights))
    assert info.kernel_names.count("BatchMatMul") == 1
    np.testing.assert_allclose(info.result.numpy(), np.repeat(data.numpy().sum(0)[:, None], 4, axis=1))
    with tf.GradientTape() as tape:
        tape.watch(data)
        loss = tf.reduce_sum(tf.matmul(data, weights))
    data_grad, weights_grad = tape.gradient(loss, [data, weights])
    np.testing.assert_allclose(data_grad.numpy(), np.full((2, 3), 4.0))
    np.testing.assert_allclose(weights_grad.numpy(), np.repeat(data.numpy().sum(0)[:, None], 4, axis=1))


@pytest.mark.parametrize("sparse", [True, False])
def test_a_cross_entropy_loss_gradient_skips_the_softmax_jacobian_of_its_unused_backprop(backend, sparse):
    logits_value = np.array([[1.0, -2.0, 0.5], [0.25, 3.0, -1.0]])
    logits = tf.Variable(logits_value.astype(np.float32))
    labels_index = np.array([2, 1])
    labels = np.eye(3)[labels_index]
    with tf.GradientTape() as tape:
        if sparse:
            loss = tf.reduce_sum(tf.nn.sparse_softmax_cross_entropy_with_logits(labels_index, logits))
        else:
            loss = tf.reduce_sum(tf.nn.softmax_cross_entropy_with_logits(labels.astype(np.float32), logits))
    info = tf.profile(lambda: tape.gradient(loss, logits))
    assert "Softmax" not in info.kernel_names and "ZerosLike" not in info.kernel_names
    probabilities = np.exp(logits_value) / np.exp(logits_value).sum(1, keepdims=True)
    np.testing.assert_allclose(info.result.numpy(), probabilities - labels, rtol=1e-5, atol=1e-6)

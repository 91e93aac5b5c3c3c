"""tf.function: traced once per signature, then replayed, on every backend; always equal to running eagerly."""
import gc

import numpy as np
import pytest

import engine as tf

K = tf.keras
RNG = np.random.default_rng(7)


def _small_model():
    inputs = K.Input((6, 6, 3))
    x = K.layers.Conv2D(4, 3, padding="same", activation="relu")(inputs)
    x = K.layers.BatchNormalization()(x)
    x = K.layers.DepthwiseConv2D(3, padding="same")(x)
    x = K.layers.GlobalAveragePooling2D()(x)
    return K.Model(inputs, K.layers.Dense(3, activation="softmax")(x))


def _images(batch=2):
    return RNG.random((batch, 6, 6, 3), dtype=np.float32)


def test_replay_matches_eager_and_reads_current_weights(backend):
    model = _small_model()
    fast = tf.function(model)
    first, second = _images(), _images()
    traced = fast(first, training=False).numpy()
    np.testing.assert_allclose(traced, model(first, training=False).numpy(), rtol=0, atol=0)
    replayed = fast(second, training=False)
    np.testing.assert_allclose(replayed.numpy(), model(second, training=False).numpy(), rtol=0, atol=0)
    assert fast.eager_reason(second, training=False) is None
    dense = model.layers[-1]
    dense.kernel.assign(RNG.standard_normal(dense.kernel.shape).astype(np.float32))
    np.testing.assert_allclose(fast(second, training=False).numpy(), model(second, training=False).numpy(),
                               rtol=0, atol=0)
    assert fast.trace_count == 1


def test_each_call_returns_tensors_of_its_own(backend):
    fast = tf.function(lambda x: tf.nn.relu(x * 2.0 - 1.0) + 0.5)
    first, second = _images(), _images()
    out_first = fast(first)
    expected_first = np.maximum(first * 2 - 1, 0) + 0.5
    out_second = fast(second)
    np.testing.assert_allclose(out_first.numpy(), expected_first, rtol=1e-6)
    np.testing.assert_allclose(out_second.numpy(), np.maximum(second * 2 - 1, 0) + 0.5, rtol=1e-6)


def test_new_shapes_and_python_values_trace_again(backend):
    fast = tf.function(lambda x, scale: x * scale)
    for shape, scale in (((2, 3), 2.0), ((2, 3), 3.0), ((4, 3), 2.0), ((2, 3), 2.0)):
        values = RNG.random(shape, dtype=np.float32)
        np.testing.assert_allclose(fast(values, scale).numpy(), values * scale, rtol=1e-6)
    assert fast.trace_count == 3


def test_outputs_may_be_arguments_constants_and_python_values(backend):
    constant = tf.constant([1.0, 2.0])
    fast = tf.function(lambda x: {"same": x, "constant": constant, "sum": x + constant, "label": "ok"})
    for _ in range(2):
        values = RNG.random(2, dtype=np.float32)
        out = fast(tf.constant(values))
        np.testing.assert_array_equal(out["same"].numpy(), values)
        np.testing.assert_array_equal(out["constant"].numpy(), [1.0, 2.0])
        np.testing.assert_allclose(out["sum"].numpy(), values + [1.0, 2.0], rtol=1e-6)
        assert out["label"] == "ok"


def test_reading_a_value_while_tracing_runs_eagerly_with_a_warning(backend):
    def halve_if_large(x):
        return x / 2.0 if float(tf.reduce_max(x).numpy()) > 1.0 else x

    fast = tf.function(halve_if_large)
    with pytest.warns(RuntimeWarning, match="reads a tensor's value"):
        fast(tf.constant([4.0]))
    assert "reads a tensor's value" in fast.eager_reason(tf.constant([0.5]))
    # Every call runs the Python again, so the branch follows the data, as eager code does.
    np.testing.assert_array_equal(fast(tf.constant([4.0])).numpy(), [2.0])
    np.testing.assert_array_equal(fast(tf.constant([0.5])).numpy(), [0.5])


def test_a_result_whose_shape_follows_the_values_runs_eagerly_with_a_warning(backend):
    # The cpu traces the boolean mask and finds on the next call that it keeps another number of values;
    # the GL backends read the mask back while tracing.
    fast = tf.function(lambda x: tf.boolean_mask(x, x > 0.0))
    with pytest.warns(RuntimeWarning, match="runs eagerly"):
        for values in ([1.0, -1.0, 2.0], [1.0, 2.0, 3.0]):
            np.testing.assert_array_equal(fast(tf.constant(values)).numpy(), [v for v in values if v > 0])
    np.testing.assert_array_equal(fast(tf.constant([-1.0, -2.0, 4.0])).numpy(), [4.0])
    assert fast.eager_reason(tf.constant([0.0, 0.0, 0.0])) is not None


@pytest.mark.parametrize("backend", ["gl-compute", "gl-fragment"], indirect=True)
def test_a_gl_trace_leaves_the_work_on_its_arguments_to_the_first_replay(backend, monkeypatch):
    from engine.runtime import current_backend
    gl = current_backend()
    eager = []
    monkeypatch.setattr(gl, "dispatch", lambda *args, run=gl.dispatch: (eager.append(args), run(*args)))
    scale = tf.Variable(3.0)

    @tf.function
    def affine(x):
        offset = tf.reduce_sum(tf.fill([4], 0.25))   # reads no argument: runs while tracing, a constant after
        return tf.nn.relu(x * 2.0 - offset) * scale

    x = _images()
    np.testing.assert_allclose(affine(x).numpy(), np.maximum(x * 2 - 1, 0) * 3, rtol=1e-6)
    # Only the constant's two dispatches ran eagerly; the product, the difference, the ReLU and the scaling
    # were recorded and then run by the replay, which gave the call's result (the fragment path replays
    # through the same dispatch method, the compute path through its prepared steps).
    replayed = affine.dispatch_count(x) if backend == "gl-fragment" else 0
    assert len(eager) == 2 + replayed
    assert affine.trace_count == 1


def test_what_a_trace_reads_or_keeps_is_computed_even_where_it_was_deferred(backend):
    made = []

    @tf.function
    def grow(x):
        if not made:
            made.append(tf.Variable(x * 2.0))   # a Variable made from the call's data while tracing
        made[0].assign_add(x)
        return made[0] * 1.0

    x = np.arange(3, dtype=np.float32)
    np.testing.assert_array_equal(grow(x).numpy(), 3 * x)
    np.testing.assert_array_equal(grow(x).numpy(), 4 * x)
    np.testing.assert_array_equal(made[0].numpy(), 4 * x)
    assert grow.trace_count == 1

    tf.set_backend("cpu")
    on_cpu = tf.constant([1.0, 2.0])
    tf.set_backend(backend)

    def mixed(x):   # refused once it returns, having read nothing
        return x * 2.0, on_cpu

    expected_warning = "returns a tensor that lives on another backend"
    if backend == "cpu":
        doubled, same = tf.function(mixed)(x)
    else:
        with pytest.warns(RuntimeWarning, match=expected_warning):
            doubled, same = tf.function(mixed)(x)
    np.testing.assert_array_equal(doubled.numpy(), 2 * x)
    assert same is on_cpu


def test_random_draws_are_not_frozen_into_a_replay(backend):
    fast = tf.function(lambda x: x + tf.random.uniform(x.shape))
    zeros = tf.zeros((64,))
    first = fast(zeros).numpy()
    assert not np.array_equal(first, fast(zeros).numpy())


def test_each_replay_draws_what_the_next_eager_call_would(backend):
    def noisy(x):
        kept = tf.nn.dropout(x, rate=0.5, seed=11)
        return kept + tf.random.normal(x.shape) + tf.random.stateless_uniform(x.shape, seed=[1, 2])

    values = tf.constant(RNG.random((4, 32), dtype=np.float32) + 1)
    fast = tf.function(noisy)
    tf.random.set_seed(5)
    replayed = [fast(values).numpy() for _ in range(3)]
    tf.random.set_seed(5)
    eager = [noisy(values).numpy() for _ in range(3)]
    for got, want in zip(replayed, eager):
        np.testing.assert_array_equal(got, want)
    assert not np.array_equal(replayed[1], replayed[2])
    assert fast.eager_reason(values) is None


def test_variable_assignments_are_replayed(backend):
    counter = tf.Variable(0.0)
    total = tf.Variable(tf.zeros((3,)))

    @tf.function
    def accumulate(x):
        counter.assign_add(1.0)
        total.assign(total * 0.5 + x)
        return total * 2.0

    values = [RNG.random(3, dtype=np.float32) for _ in range(4)]
    expected = np.zeros(3, np.float32)
    for x in values:
        expected = expected * 0.5 + x
        np.testing.assert_allclose(accumulate(tf.constant(x)).numpy(), expected * 2, rtol=1e-6)
    np.testing.assert_allclose(total.numpy(), expected, rtol=1e-6)
    assert counter.numpy() == 4.0
    assert accumulate.trace_count == 1


def test_a_traced_training_step_trains_as_the_eager_one(backend):
    def build():
        tf.random.set_seed(3)
        inputs = K.Input((6,))
        x = K.layers.Dense(8, activation="relu")(inputs)
        x = K.layers.BatchNormalization()(K.layers.Dropout(0.25)(x))
        model = K.Model(inputs, K.layers.Dense(3, activation="softmax")(x))
        return model, K.optimizers.Adam(0.01), K.losses.SparseCategoricalCrossentropy()

    x = tf.constant(RNG.standard_normal((16, 6)).astype(np.float32))
    y = tf.constant(RNG.integers(0, 3, 16).astype(np.int32))

    def trainer(model, optimizer, loss_fn):
        def step(x, y):
            with tf.GradientTape() as tape:
                loss = loss_fn(y, model(x, training=True))
            optimizer.apply_gradients(zip(tape.gradient(loss, model.trainable_variables), model.trainable_variables))
            return loss
        return step

    results = []
    for wrap in (lambda f: f, tf.function):
        model, optimizer, loss_fn = build()
        step = wrap(trainer(model, optimizer, loss_fn))
        losses = [float(step(x, y).numpy()) for _ in range(5)]
        results.append((losses, [w.numpy() for w in model.weights], int(optimizer.iterations.numpy())))
        if wrap is tf.function:
            assert step.eager_reason(x, y) is None and step.trace_count == 1
    (eager_losses, eager_weights, eager_steps), (losses, weights, steps) = results
    np.testing.assert_allclose(losses, eager_losses, rtol=1e-5)
    for got, want in zip(weights, eager_weights):
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)
    assert steps == eager_steps == 5


def test_under_a_gradient_tape_it_runs_eagerly_and_differentiates(backend):
    weight = tf.Variable([[2.0], [3.0]])
    fast = tf.function(lambda x: tf.reduce_sum(tf.matmul(x, weight) ** 2))
    inputs = tf.constant([[1.0, 1.0]])
    fast(inputs)
    with tf.GradientTape() as tape:
        loss = fast(inputs)
    np.testing.assert_allclose(tape.gradient(loss, weight).numpy(), [[10.0], [10.0]])


def test_replays_release_their_memory(backend):
    model = _small_model()
    fast = tf.function(model)
    # One tensor for every call: an upload per call could wait for the GPU to free a pooled object and, on
    # a busy GPU, take a new one, which says nothing about replays.
    images = tf.constant(_images())
    fast(images, training=False).numpy()
    fast(images, training=False).numpy()
    gc.collect()
    before = tf.memory()
    for _ in range(20):
        fast(images, training=False).numpy()
    gc.collect()
    after = tf.memory()
    assert after["num_tensors"] == before["num_tensors"]
    assert after["num_bytes"] == before["num_bytes"]
    if backend != "cpu":
        objects = after["backends"][backend]["gl_objects"]
        assert objects == before["backends"][backend]["gl_objects"]


def _pooled_when_deleted(backend, python_function):
    """How many GL objects go back to the pool when a tf.function that ran twice is deleted."""
    fast = tf.function(python_function)
    images = tf.constant(_images())
    fast(images)
    np.testing.assert_array_equal(fast(images).numpy(), python_function(images).numpy())
    gc.collect()
    before = tf.memory()["backends"][backend]["gl_objects_pooled"]
    del fast
    gc.collect()
    return tf.memory()["backends"][backend]["gl_objects_pooled"] - before


@pytest.mark.parametrize("backend", ["gl-compute", "gl-fragment"], indirect=True)
def test_a_deleted_function_gives_its_replay_buffers_back(backend):
    # Both return one dispatch's result (the sum and its ReLU are one); only the first has a result between
    # dispatches, relu(x), for which the compute path keeps a buffer from replay to replay (compute_replay.py).
    with_intermediate = _pooled_when_deleted(backend, lambda x: tf.nn.relu(tf.nn.relu(x) + x))
    without = _pooled_when_deleted(backend, lambda x: tf.nn.relu(x + x))
    assert with_intermediate - without == {"gl-compute": 1, "gl-fragment": 0}[backend]


def test_decorates_methods():
    class Scaler:
        def __init__(self, factor):
            self.factor = factor

        @tf.function
        def __call__(self, x):
            return x * self.factor

    np.testing.assert_allclose(Scaler(3.0)(tf.constant([1.0, 2.0])).numpy(), [3.0, 6.0])


def _block_model():
    """An EfficientNet-style block: Conv2D -> BatchNorm -> ReLU6, depthwise -> BatchNorm -> ReLU6, 1x1 Conv2D ->
    BatchNorm, a residual Add, and a Dense head with a ReLU and a bias-free Dense -> BatchNorm -> sigmoid."""
    inputs = K.Input((8, 8, 4))
    x = K.layers.Conv2D(8, 3, padding="same", use_bias=False)(inputs)
    x = K.layers.ReLU(6.0)(K.layers.BatchNormalization()(x))
    x = K.layers.DepthwiseConv2D(3, padding="same", use_bias=False)(x)
    x = K.layers.ReLU(6.0)(K.layers.BatchNormalization()(x))
    x = K.layers.BatchNormalization()(K.layers.Conv2D(4, 1, use_bias=False)(x))
    x = K.layers.GlobalAveragePooling2D()(K.layers.Add()([x, inputs]))
    x = K.layers.Dense(6, activation="relu")(x)
    x = K.layers.BatchNormalization()(K.layers.Dense(5, use_bias=False)(x))
    model = K.Model(inputs, K.layers.Activation("sigmoid")(x))
    for layer in model.layers:
        if isinstance(layer, K.layers.BatchNormalization):
            for variable in (layer.moving_mean, layer.moving_variance, layer.gamma, layer.beta):
                variable.assign(RNG.random(variable.shape).astype(np.float32) + 0.5)
    return model


# Dispatches of _block_model's forward: eagerly 16. Each BatchNorm, bias addition and activation folds into
# the convolution or product before it, leaving 7: 3 convolutions, Add, mean, 2 products. The fragment path
# runs the 1 x 1 convolution as a product of whole texels, which takes no epilogue. The cpu fuses nothing.
_BLOCK_DISPATCHES = {"gl-compute": 7, "gl-fragment": 8, "cpu": 16}


def test_replay_fuses_batch_norms_and_activations_into_the_dispatch_before(backend):
    model = _block_model()
    fast = tf.function(model)
    images = RNG.standard_normal((2, 8, 8, 4)).astype(np.float32) * 3
    fast(images, training=False)
    expected = model(images, training=False).numpy()
    np.testing.assert_allclose(fast(images, training=False).numpy(), expected, rtol=1e-6, atol=1e-7)
    assert fast.dispatch_count(images, training=False) == _BLOCK_DISPATCHES[backend]


def test_results_that_are_returned_or_read_twice_are_still_stored(backend):
    mean, variance, offset, scale = (tf.constant(RNG.random(4).astype(np.float32) + 0.5) for _ in range(4))
    filters = tf.constant(RNG.standard_normal((3, 3, 4, 4)).astype(np.float32))

    def block(x):
        conv = tf.nn.conv2d(x, filters, 1, "SAME")
        normalized = tf.nn.batch_normalization(conv, mean, variance, offset, scale, 1e-3)
        return conv, tf.nn.relu6(normalized) + normalized

    fast = tf.function(block)
    images = RNG.standard_normal((2, 6, 6, 4)).astype(np.float32)
    fast(images)
    for got, want in zip(fast(images), block(tf.constant(images))):
        np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-6, atol=1e-6)
    # The returned convolution and the batch norm that two ops read are stored: nothing fuses.
    assert fast.dispatch_count(images) == 4


def test_a_convolution_summed_in_parts_fuses_only_after_the_sum(backend):
    # 3 x 3 x 64 = 576 terms for 9 output pixels: the compute path sums the product in 2 parts and adds them.
    mean, variance, offset, scale = (tf.constant(RNG.random(8).astype(np.float32) + 0.5) for _ in range(4))
    filters = tf.constant(RNG.standard_normal((3, 3, 64, 8)).astype(np.float32))

    def block(x):
        conv = tf.nn.conv2d(x, filters, 1, "SAME")
        return tf.nn.relu(tf.nn.batch_normalization(conv, mean, variance, offset, scale, 1e-3))

    fast = tf.function(block)
    images = RNG.standard_normal((1, 3, 3, 64)).astype(np.float32)
    fast(images)
    np.testing.assert_allclose(fast(images).numpy(), block(tf.constant(images)).numpy(), rtol=1e-6, atol=1e-6)
    if backend == "gl-compute":
        # The parts, then their sum with the batch norm and the ReLU: the parts are not results yet.
        assert fast.dispatch_count(images) == 2


@pytest.mark.parametrize("tuned", [False, True], ids=["default shaders", "tuned matmul"])
def test_a_bias_addition_and_its_activation_fold_into_the_product_or_convolution_before(backend, tuned,
                                                                                       monkeypatch):
    if tuned:   # the shader a GPU picks for large products; llvmpipe runs it only when told to
        from engine.backends.gl.kernels import matmul
        monkeypatch.setattr(matmul, "forced_tile", matmul.TUNED_TILES[0])
    weights = tf.constant(RNG.standard_normal((64, 48)).astype(np.float32))
    filters = tf.constant(RNG.standard_normal((3, 3, 4, 8)).astype(np.float32))
    dense_bias, conv_bias = (tf.constant(RNG.standard_normal(n).astype(np.float32)) for n in (48, 8))

    def dense(x):
        return tf.nn.relu(tf.matmul(x, weights) + dense_bias)

    def conv(x):
        return tf.nn.sigmoid(tf.nn.conv2d(x, filters, 1, "SAME") + conv_bias)

    for function, shape in ((dense, (32, 64)), (conv, (2, 6, 6, 4))):
        fast = tf.function(function)
        x = RNG.standard_normal(shape).astype(np.float32)
        fast(x)
        np.testing.assert_allclose(fast(x).numpy(), function(tf.constant(x)).numpy(), rtol=1e-6, atol=1e-6)
        if backend == "gl-compute":
            assert fast.dispatch_count(x) == 1


def test_dispatches_that_read_only_constants_are_computed_once_at_trace_time(backend):
    def scaled(x):
        factor = tf.reduce_sum(tf.fill([4], 0.5))   # 2.0, from two dispatches that read no argument
        return x * factor + tf.random.uniform([4])

    fast = tf.function(scaled)
    x = np.arange(4, dtype=np.float32)
    first, second = fast(x).numpy(), fast(x).numpy()
    for got in (first, second):
        assert np.all((got >= 2 * x) & (got < 2 * x + 1))
    assert not np.array_equal(first, second)   # the random draw is still made on every replay
    assert fast.dispatch_count(x) == 3   # the product, the draw, the sum


def test_slices_of_an_argument_are_bound_in_place_of_a_copy(backend):
    weights = tf.constant(RNG.standard_normal((64, 5)).astype(np.float32))
    rows = 64   # 256 bytes a row: any offset a driver may ask a binding to start at divides it

    def batches(chunk):
        products = [tf.matmul(chunk[rows * i:rows * (i + 1)], weights) for i in range(3)]
        shifted = tf.reshape(chunk, [-1])[1:rows * rows + 1]   # 4 bytes in: no driver binds there
        doubled = (chunk * 2.0)[rows:2 * rows]                 # a slice of a result, not of the argument
        return products, tf.reduce_sum(shifted), tf.reduce_sum(doubled), chunk[rows:2 * rows]

    fast = tf.function(batches)
    chunk = RNG.standard_normal((3 * rows, 64)).astype(np.float32)
    fast(chunk)
    for _ in range(2):
        chunk = RNG.standard_normal((3 * rows, 64)).astype(np.float32)
        (got_products, *got_rest), (want_products, *want_rest) = fast(chunk), batches(tf.constant(chunk))
        for got_leaf, want_leaf in zip(got_products + got_rest, want_products + want_rest):
            np.testing.assert_array_equal(got_leaf.numpy(), want_leaf.numpy())
    # The 3 products and their 3 slices, the product by 2, the 3 other slices and the 2 sums, in two passes
    # each on GL (the cpu calls its reshape too): the compute path binds the slices that the products read.
    assert fast.dispatch_count(chunk) == {"gl-compute": 11, "gl-fragment": 14, "cpu": 13}[backend]


@pytest.mark.parametrize("backend", ["gl-compute"], indirect=True)
def test_a_replay_waits_only_where_a_dispatch_depends_on_one_before(backend, monkeypatch):
    def chain(x):
        doubled = x * 2.0           # into buffer A
        tripled = doubled * 3.0     # reads A: waits for the dispatch before
        halved = x * 0.5            # into A again once `tripled` read it: waits too
        quadrupled = x * 4.0        # depends on nothing since that wait
        return tripled + halved + quadrupled   # two dispatches, each waiting for the one before

    fast = tf.function(chain)
    x = _images()
    fast(x)
    expected = chain(tf.constant(x)).numpy()
    from engine.backends.gl.runtime import get_runtime
    hot = get_runtime("compute").hot
    barriers = []
    monkeypatch.setattr(hot, "glMemoryBarrier", lambda bits, wait=hot.glMemoryBarrier: (barriers.append(bits),
                                                                                          wait(bits)))
    got = fast(x).numpy()
    monkeypatch.undo()
    np.testing.assert_array_equal(got, expected)
    assert fast.dispatch_count(x) == 6
    # Before `tripled`, `halved`, the two sums, and one after the replay for whatever reads its results.
    assert len(barriers) == 5


def test_a_fit_after_a_weight_was_added_traces_its_steps_again(backend):
    # The first fit's replayed step would leave the new weight's regularization loss out.
    rng = np.random.default_rng(5)
    x, y = rng.normal(0, 1, (6, 3)).astype(np.float32), rng.integers(0, 2, 6)
    model = K.Sequential([K.Input((3,)), K.layers.Dense(2, activation="softmax")])
    model.compile(optimizer=K.optimizers.SGD(0.0), loss="sparse_categorical_crossentropy")
    before = model.fit(x, y, batch_size=6, epochs=1, verbose=0).history["loss"][0]
    model.layers[0].add_weight(shape=(), initializer="ones", regularizer=K.regularizers.L2(3.0), name="extra")
    after = model.fit(x, y, batch_size=6, epochs=1, verbose=0).history["loss"][0]
    np.testing.assert_allclose(after, before + 3.0, rtol=1e-5)
    np.testing.assert_allclose(model.evaluate(x, y, verbose=0), before + 3.0, rtol=1e-5)


def test_a_fit_after_a_layer_was_frozen_leaves_its_weights_alone(backend):
    rng = np.random.default_rng(6)
    x, y = rng.normal(0, 1, (8, 3)).astype(np.float32), rng.integers(0, 2, 8)
    model = K.Sequential([K.Input((3,)), K.layers.Dense(4, activation="relu"), K.layers.Dense(2, activation="softmax")])
    model.compile(optimizer=K.optimizers.SGD(0.5), loss="sparse_categorical_crossentropy")
    model.fit(x, y, batch_size=4, epochs=1, verbose=0)
    model.layers[0].trainable = False
    frozen, head = model.layers[0].kernel.numpy(), model.layers[1].kernel.numpy()
    model.fit(x, y, batch_size=4, epochs=1, verbose=0)
    np.testing.assert_array_equal(model.layers[0].kernel.numpy(), frozen)
    assert not np.array_equal(model.layers[1].kernel.numpy(), head)

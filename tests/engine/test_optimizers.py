"""Optimizers and learning-rate schedules against float64 numpy versions of Keras 3's published update rules."""
import gc
import json
import math

import numpy as np
import pytest

import engine as tf
from engine import optimizers
from engine.optimizers import schedules

STEPS = 6
SHAPES = [(3, 2), (4,), ()]


def _problem(seed=0):
    """Initial values and a fixed gradient sequence per step for three variables of different shapes."""
    rng = np.random.default_rng(seed)
    initial = [rng.standard_normal(s) for s in SHAPES]
    grads = [[rng.standard_normal(s) for s in SHAPES] for _ in range(STEPS)]
    return initial, grads


def _run(optimizer, initial, grads):
    """Apply every step through the engine; returns the variables' values after each step."""
    variables = [tf.Variable(w.astype(np.float32), name=f"w{i}") for i, w in enumerate(initial)]
    history = []
    for step_grads in grads:
        optimizer.apply_gradients(zip([tf.constant(g.astype(np.float32)) for g in step_grads], variables))
        history.append([v.numpy() for v in variables])
    return history


def _reference(update, initial, grads, clip=None, weight_decay=None, lr=None):
    """Run `update(w, g, state, t, lr)` per variable in float64; `clip` maps the step's gradient list."""
    weights = [np.array(w, dtype=np.float64) for w in initial]
    states = [{} for _ in weights]
    history = []
    for t, step_grads in enumerate(grads, start=1):
        rate = lr(t - 1) if callable(lr) else lr
        step_grads = clip(step_grads) if clip is not None else step_grads
        for i, g in enumerate(step_grads):
            if weight_decay is not None:
                weights[i] = weights[i] - weights[i] * weight_decay * rate
            weights[i] = update(weights[i], g, states[i], t, rate)
        history.append([w.copy() for w in weights])
    return history


def _assert_history(got, want, rtol=1e-5, atol=1e-5):
    for step, (g_step, w_step) in enumerate(zip(got, want)):
        for index, (g, w) in enumerate(zip(g_step, w_step)):
            assert g.shape == w.shape
            np.testing.assert_allclose(g, w, rtol=rtol, atol=atol,
                                       err_msg=f"variable {index} after step {step + 1}")


# --- float64 versions of Keras 3's update rules, from its documentation -------------------------
def sgd_rule(momentum=0.0, nesterov=False):
    def update(w, g, state, t, lr):
        if momentum == 0:
            return w - lr * g
        velocity = momentum * state.get("v", 0.0) - lr * g
        state["v"] = velocity
        return w + (momentum * velocity - lr * g if nesterov else velocity)
    return update


def adam_rule(beta_1=0.9, beta_2=0.999, epsilon=1e-7, amsgrad=False):
    def update(w, g, state, t, lr):
        m = beta_1 * state.get("m", 0.0) + (1 - beta_1) * g
        v = beta_2 * state.get("v", 0.0) + (1 - beta_2) * g * g
        state["m"], state["v"] = m, v
        if amsgrad:
            v = state["v_hat"] = np.maximum(state.get("v_hat", 0.0), v)
        alpha = lr * math.sqrt(1 - beta_2 ** t) / (1 - beta_1 ** t)
        return w - alpha * m / (np.sqrt(v) + epsilon)
    return update


def adamax_rule(beta_1=0.9, beta_2=0.999, epsilon=1e-7):
    def update(w, g, state, t, lr):
        m = state["m"] = beta_1 * state.get("m", 0.0) + (1 - beta_1) * g
        u = state["u"] = np.maximum(beta_2 * state.get("u", 0.0), np.abs(g))
        return w - lr / (1 - beta_1 ** t) * m / (u + epsilon)
    return update


def rmsprop_rule(rho=0.9, momentum=0.0, epsilon=1e-7, centered=False):
    def update(w, g, state, t, lr):
        v = state["v"] = rho * state.get("v", 0.0) + (1 - rho) * g * g
        if centered:
            mean_g = state["mg"] = rho * state.get("mg", 0.0) + (1 - rho) * g
            step = lr * g / np.sqrt(v - mean_g ** 2 + epsilon)
        else:
            step = lr * g / np.sqrt(v + epsilon)
        if momentum > 0:
            step = state["mom"] = momentum * state.get("mom", 0.0) + step
        return w - step
    return update


def adagrad_rule(initial_accumulator_value=0.1, epsilon=1e-7):
    def update(w, g, state, t, lr):
        accumulator = state["acc"] = state.get("acc", initial_accumulator_value) + g * g
        return w - lr * g / np.sqrt(accumulator + epsilon)
    return update


def adadelta_rule(rho=0.95, epsilon=1e-7):
    def update(w, g, state, t, lr):
        eg = state["eg"] = rho * state.get("eg", 0.0) + (1 - rho) * g * g
        delta = -np.sqrt(state.get("ed", 0.0) + epsilon) / np.sqrt(eg + epsilon) * g
        state["ed"] = rho * state.get("ed", 0.0) + (1 - rho) * delta * delta
        return w + lr * delta
    return update


CASES = [
    ("sgd", lambda: optimizers.SGD(), sgd_rule(), 0.01),
    ("sgd_momentum", lambda: optimizers.SGD(0.1, momentum=0.9), sgd_rule(0.9), 0.1),
    ("sgd_nesterov", lambda: optimizers.SGD(0.1, momentum=0.5, nesterov=True), sgd_rule(0.5, True), 0.1),
    ("adam", lambda: optimizers.Adam(0.1), adam_rule(), 0.1),
    ("adam_betas", lambda: optimizers.Adam(0.05, beta_1=0.5, beta_2=0.8, epsilon=1e-3),
     adam_rule(0.5, 0.8, 1e-3), 0.05),
    ("adam_amsgrad", lambda: optimizers.Adam(0.1, amsgrad=True), adam_rule(amsgrad=True), 0.1),
    ("adamax", lambda: optimizers.Adamax(0.1), adamax_rule(), 0.1),
    ("rmsprop", lambda: optimizers.RMSprop(0.01), rmsprop_rule(), 0.01),
    ("rmsprop_centered_momentum", lambda: optimizers.RMSprop(0.01, rho=0.8, momentum=0.5, centered=True),
     rmsprop_rule(0.8, 0.5, centered=True), 0.01),
    ("rmsprop_centered", lambda: optimizers.RMSprop(0.01, centered=True), rmsprop_rule(centered=True), 0.01),
    ("adagrad", lambda: optimizers.Adagrad(0.1), adagrad_rule(), 0.1),
    ("adagrad_initial", lambda: optimizers.Adagrad(0.1, initial_accumulator_value=1.5, epsilon=1e-3),
     adagrad_rule(1.5, 1e-3), 0.1),
    ("adadelta", lambda: optimizers.Adadelta(1.0), adadelta_rule(), 1.0),
    ("adadelta_rho", lambda: optimizers.Adadelta(2.0, rho=0.5, epsilon=1e-4), adadelta_rule(0.5, 1e-4), 2.0),
]


@pytest.mark.parametrize("name,make,rule,lr", CASES, ids=[c[0] for c in CASES])
def test_update_rules_match_keras_formulas(backend, name, make, rule, lr):
    initial, grads = _problem()
    _assert_history(_run(make(), initial, grads), _reference(rule, initial, grads, lr=lr))


def test_adamw_decays_weights_before_the_adam_step(backend):
    initial, grads = _problem(1)
    got = _run(optimizers.AdamW(0.1, weight_decay=0.2), initial, grads)
    _assert_history(got, _reference(adam_rule(), initial, grads, weight_decay=0.2, lr=0.1))
    default = optimizers.AdamW()
    assert default.weight_decay == 0.004 and default.learning_rate.numpy() == np.float32(0.001)


def test_weight_decay_option_on_any_optimizer(backend):
    initial, grads = _problem(2)
    got = _run(optimizers.SGD(0.1, momentum=0.9, weight_decay=0.5), initial, grads)
    _assert_history(got, _reference(sgd_rule(0.9), initial, grads, weight_decay=0.5, lr=0.1))


def test_exclude_from_weight_decay(backend):
    optimizer = optimizers.SGD(0.1, weight_decay=0.5)
    optimizer.exclude_from_weight_decay(var_names=["bias"])
    kernel, bias = tf.Variable([2.0], name="dense/kernel"), tf.Variable([2.0], name="dense/bias")
    optimizer.apply_gradients([(tf.constant([1.0]), kernel), (tf.constant([1.0]), bias)])
    np.testing.assert_allclose(kernel.numpy(), [2.0 - 2.0 * 0.5 * 0.1 - 0.1], rtol=1e-6)
    np.testing.assert_allclose(bias.numpy(), [2.0 - 0.1], rtol=1e-6)
    optimizer.exclude_from_weight_decay(var_list=[kernel])
    optimizer.apply_gradients([(tf.constant([0.0]), kernel), (tf.constant([0.0]), bias)])
    np.testing.assert_allclose(kernel.numpy(), [1.8], rtol=1e-6)
    np.testing.assert_allclose(bias.numpy(), [1.9 - 1.9 * 0.5 * 0.1], rtol=1e-6)


def _clip_by_norm(step_grads, c):
    return [g * c / max(np.linalg.norm(g), c) for g in step_grads]


def _clip_by_global_norm(step_grads, c):
    norm = math.sqrt(sum(float(np.sum(g * g)) for g in step_grads))
    return [g * c / max(norm, c) for g in step_grads]


@pytest.mark.parametrize("option,clip", [
    ({"clipnorm": 0.7}, lambda gs: _clip_by_norm(gs, 0.7)),
    ({"clipnorm": 100.0}, lambda gs: gs),
    ({"global_clipnorm": 1.5}, lambda gs: _clip_by_global_norm(gs, 1.5)),
    ({"global_clipnorm": 100.0}, lambda gs: gs),
    ({"clipvalue": 0.4}, lambda gs: [np.clip(g, -0.4, 0.4) for g in gs]),
], ids=["clipnorm", "clipnorm_inactive", "global_clipnorm", "global_clipnorm_inactive", "clipvalue"])
def test_gradient_clipping(backend, option, clip):
    initial, grads = _problem(3)
    got = _run(optimizers.Adam(0.1, **option), initial, grads)
    _assert_history(got, _reference(adam_rule(), initial, grads, clip=clip, lr=0.1))


def test_clipping_leaves_zero_gradients_alone(backend):
    v = tf.Variable([1.0, 2.0])
    for option in ({"clipnorm": 1.0}, {"global_clipnorm": 1.0}):
        optimizers.SGD(1.0, **option).apply_gradients([(tf.constant([0.0, 0.0]), v)])
        np.testing.assert_array_equal(v.numpy(), [1.0, 2.0])


def test_only_one_clipping_option(backend):
    with pytest.raises(ValueError, match="Only one of `clipnorm`, `clipvalue` and `global_clipnorm`"):
        optimizers.SGD(clipnorm=1.0, clipvalue=1.0)


def test_loss_scale_factor_unscales_gradients(backend):
    v = tf.Variable([1.0])
    optimizers.SGD(0.1, loss_scale_factor=4.0).apply_gradients([(tf.constant([8.0]), v)])
    np.testing.assert_allclose(v.numpy(), [1.0 - 0.1 * 2.0], rtol=1e-6)


def test_iterations_and_learning_rate_variables(backend):
    optimizer = optimizers.Adam(0.5)
    assert optimizer.iterations.dtype == tf.int32 and int(optimizer.iterations) == 0
    assert isinstance(optimizer.learning_rate, tf.Variable) and optimizer.learning_rate.dtype == tf.float32
    v = tf.Variable([1.0, 2.0])
    result = optimizer.apply_gradients([(tf.constant([1.0, 1.0]), v)])
    assert result is optimizer.iterations and int(optimizer.iterations) == 1
    optimizer.learning_rate = 0.25
    np.testing.assert_allclose(optimizer.learning_rate.numpy(), 0.25)
    assert optimizer.get_config()["learning_rate"] == 0.25


def test_learning_rate_change_takes_effect_next_step(backend):
    v = tf.Variable([0.0])
    optimizer = optimizers.SGD(1.0)
    optimizer.apply_gradients([(tf.constant([1.0]), v)])
    optimizer.learning_rate = 0.1
    optimizer.apply_gradients([(tf.constant([1.0]), v)])
    np.testing.assert_allclose(v.numpy(), [-1.1], rtol=1e-6)


def test_learning_rate_callable_and_bad_values(backend):
    v = tf.Variable([0.0])
    optimizer = optimizers.SGD(lambda: 0.5)
    optimizer.apply_gradients([(tf.constant([1.0]), v)])
    np.testing.assert_allclose(v.numpy(), [-0.5])
    with pytest.raises(ValueError, match="`learning_rate` should be a float"):
        optimizers.SGD("fast")
    scheduled = optimizers.SGD(schedules.ExponentialDecay(0.1, 10, 0.5))
    with pytest.raises(TypeError, match="not settable"):
        scheduled.learning_rate = 0.01


def test_schedule_drives_the_learning_rate(backend):
    schedule = schedules.PiecewiseConstantDecay([1, 3], [1.0, 0.5, 0.1])
    initial, grads = _problem(4)
    got = _run(optimizers.SGD(schedule), initial, grads)

    def piecewise(step):
        return 1.0 if step <= 1 else 0.5 if step <= 3 else 0.1
    _assert_history(got, _reference(sgd_rule(), initial, grads, lr=piecewise))
    optimizer = optimizers.Adam(schedules.ExponentialDecay(0.2, 2, 0.5, staircase=True))
    got = _run(optimizer, initial, grads)
    _assert_history(got, _reference(adam_rule(), initial, grads, lr=lambda step: 0.2 * 0.5 ** (step // 2)))
    np.testing.assert_allclose(float(optimizer.learning_rate), 0.2 * 0.5 ** (STEPS // 2), rtol=1e-6)


def test_slot_variables_are_named_like_keras_and_created_lazily(backend):
    optimizer = optimizers.Adam()
    kernel, bias = tf.Variable(np.ones((2, 3), np.float32), name="dense/kernel"), tf.Variable([0.0], name="bias")
    assert [v.name for v in optimizer.variables] == ["iteration", "learning_rate"]
    optimizer.apply_gradients([(tf.ones_like(kernel), kernel)])
    assert [v.name for v in optimizer.variables] == [
        "iteration", "learning_rate", "dense_kernel_momentum", "dense_kernel_velocity"]
    optimizer.apply_gradients([(tf.ones_like(kernel), kernel), (tf.constant([1.0]), bias)])
    names = [v.name for v in optimizer.variables]
    assert names == ["iteration", "learning_rate", "dense_kernel_momentum", "bias_momentum",
                     "dense_kernel_velocity", "bias_velocity"]
    slots = optimizer.variables[2:]
    assert all(not v.trainable for v in slots)
    assert [tuple(v.shape) for v in slots] == [(2, 3), (1,), (2, 3), (1,)]
    assert [v.name for v in optimizers.SGD(momentum=0.0, name="plain").variables] == ["iteration", "learning_rate"]
    rms = optimizers.RMSprop(momentum=0.9, centered=True)
    rms.build([bias])
    assert [v.name for v in rms.variables[2:]] == ["bias_velocity", "bias_momentum", "bias_average_gradient"]
    adagrad = optimizers.Adagrad(initial_accumulator_value=0.3)
    adagrad.build([bias])
    np.testing.assert_allclose(adagrad.variables[-1].numpy(), [0.3], rtol=1e-6)


def test_none_gradients_are_skipped_with_a_warning(backend):
    a, b = tf.Variable([1.0], name="a"), tf.Variable([1.0], name="b")
    optimizer = optimizers.SGD(0.5)
    with pytest.warns(UserWarning, match=r"do not exist for variables \['b'\]"):
        optimizer.apply_gradients([(tf.constant([1.0]), a), (None, b)])
    np.testing.assert_allclose(a.numpy(), [0.5])
    np.testing.assert_allclose(b.numpy(), [1.0])
    with pytest.raises(ValueError, match="no gradients provided for any variable"):
        optimizer.apply_gradients([(None, a)])


def test_gradient_shape_mismatch_raises(backend):
    v = tf.Variable(np.zeros((2, 3), np.float32), name="kernel")
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"\[3, 2\].*'kernel'.*\[2, 3\]"):
        optimizers.Adam().apply_gradients([(tf.zeros((3, 2)), v)])


def test_bad_variables_and_arguments_raise(backend):
    with pytest.raises(tf.errors.InvalidArgumentError, match="tf.Variable"):
        optimizers.SGD().apply_gradients([(tf.constant([1.0]), tf.constant([1.0]))])
    with pytest.raises(tf.errors.DTypeError, match="int32"):
        optimizers.SGD().apply_gradients([(tf.constant([1]), tf.Variable([1], name="count"))])
    with pytest.raises(ValueError, match="momentum"):
        optimizers.SGD(momentum=1.5)
    with pytest.raises(ValueError, match="weight_decay"):
        optimizers.AdamW(weight_decay=None)
    with pytest.raises(ValueError, match="not recognized"):
        optimizers.Adam(beta1=0.9)
    with pytest.raises(tf.errors.UnimplementedError, match="use_ema"):
        optimizers.Adam(use_ema=True)


def test_numpy_and_float64_gradients_are_converted(backend):
    v = tf.Variable([1.0, 1.0])
    optimizers.SGD(0.5).apply_gradients([(np.array([1.0, 2.0]), v)])
    np.testing.assert_allclose(v.numpy(), [0.5, 0.0])


def test_float16_variables_get_float16_slots_and_steps(backend):
    initial, grads = _problem(6)
    variables = [tf.Variable(w.astype(np.float16)) for w in initial]
    optimizer = optimizers.Adam(0.1, weight_decay=0.1)
    for step_grads in grads:
        optimizer.apply_gradients(zip([tf.constant(g.astype(np.float32)) for g in step_grads], variables))
    assert all(v.dtype == tf.float16 for v in optimizer.variables[2:])
    want = _reference(adam_rule(), initial, grads, weight_decay=0.1, lr=0.1)[-1]
    for v, w in zip(variables, want):
        np.testing.assert_allclose(v.numpy().astype(np.float64), w, rtol=1e-2, atol=1e-2)


def test_constraint_applied_after_the_update(backend):
    v = tf.Variable([0.5, 0.9], constraint=lambda x: tf.clip_by_value(x, 0.0, 1.0))
    optimizers.SGD(1.0).apply_gradients([(tf.constant([1.0, -1.0]), v)])
    np.testing.assert_allclose(v.numpy(), [0.0, 1.0])


def test_updates_are_never_recorded_on_a_tape(backend):
    v = tf.Variable([1.0, 2.0])
    optimizer = optimizers.Adam(0.1, clipnorm=1.0)
    with tf.GradientTape() as tape:
        optimizer.apply_gradients([(tf.constant([1.0, 1.0]), v)])
    assert tape.watched_variables() == ()


def test_minimize_converges_on_a_quadratic(backend):
    target = np.array([1.0, -2.0, 3.0], np.float32)
    for optimizer, steps in ((optimizers.SGD(0.1, momentum=0.5), 40), (optimizers.Adam(0.2), 100),
                             (optimizers.RMSprop(0.05), 100), (optimizers.Adagrad(1.0), 100)):
        w = tf.Variable(np.zeros(3, np.float32))
        loss = lambda: tf.reduce_sum(tf.square(w - target))  # noqa: E731
        for _ in range(steps):
            optimizer.minimize(loss, [w])
        np.testing.assert_allclose(w.numpy(), target, atol=0.05)
        assert int(optimizer.iterations) == steps


def test_minimize_with_tensor_loss_needs_a_tape(backend):
    w = tf.Variable([3.0])
    optimizer = optimizers.SGD(0.25)
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(tf.square(w))
    optimizer.minimize(loss, [w], tape=tape)
    np.testing.assert_allclose(w.numpy(), [1.5])
    with pytest.raises(ValueError, match="tape"):
        optimizer.minimize(tf.reduce_sum(w), [w])
    optimizer.minimize(lambda: tf.reduce_sum(w), lambda: [w])
    np.testing.assert_allclose(w.numpy(), [1.25])


def test_steps_do_not_leak_tensors(backend):
    v = tf.Variable(np.ones((4, 3), np.float32))
    optimizer = optimizers.Adam(0.01, global_clipnorm=1.0)
    grad = tf.ones_like(v)
    optimizer.apply_gradients([(grad, v)])
    gc.collect()
    before = tf.memory().num_tensors
    for _ in range(3):
        optimizer.apply_gradients([(grad, v)])
        tf.tidy(lambda: optimizer.apply_gradients([(grad, v)]))
    gc.collect()
    assert tf.memory().num_tensors == before


ALL_OPTIMIZERS = [
    optimizers.SGD, optimizers.Adam, optimizers.AdamW, optimizers.Adamax, optimizers.RMSprop,
    optimizers.Adagrad, optimizers.Adadelta,
]
KERAS_BASE_KEYS = {"name", "learning_rate", "weight_decay", "clipnorm", "global_clipnorm", "clipvalue", "use_ema",
                   "ema_momentum", "ema_overwrite_frequency", "loss_scale_factor", "gradient_accumulation_steps"}


@pytest.mark.parametrize("cls", ALL_OPTIMIZERS, ids=lambda c: c.__name__)
def test_get_config_round_trip(backend, cls):
    optimizer = cls(learning_rate=0.05, clipnorm=2.0, name="mine")
    config = optimizer.get_config()
    assert KERAS_BASE_KEYS <= set(config)
    assert config["name"] == "mine" and config["learning_rate"] == pytest.approx(0.05)
    config = json.loads(json.dumps(config))
    rebuilt = cls.from_config(config)
    assert type(rebuilt) is cls and rebuilt.get_config() == optimizer.get_config()
    assert optimizers.deserialize(json.loads(json.dumps(optimizers.serialize(optimizer)))).get_config() == config


def test_configs_carry_keras_hyperparameter_names_and_defaults(backend):
    assert {k: v for k, v in optimizers.Adam().get_config().items() if k not in KERAS_BASE_KEYS} == {
        "beta_1": 0.9, "beta_2": 0.999, "epsilon": 1e-7, "amsgrad": False}
    assert optimizers.Adam().get_config()["name"] == "adam"
    assert optimizers.SGD().get_config()["name"] == "SGD"
    assert optimizers.Adagrad().get_config()["name"] == "adagrad"
    rms = optimizers.RMSprop().get_config()
    assert (rms["rho"], rms["momentum"], rms["epsilon"], rms["centered"]) == (0.9, 0.0, 1e-7, False)
    assert optimizers.Adadelta().get_config()["rho"] == 0.95
    assert optimizers.Adagrad().get_config()["initial_accumulator_value"] == 0.1
    assert optimizers.SGD().get_config()["learning_rate"] == pytest.approx(0.01)


def test_schedule_config_round_trips_inside_an_optimizer(backend):
    schedule = schedules.CosineDecay(0.1, 100, alpha=0.1, warmup_target=0.5, warmup_steps=10)
    config = json.loads(json.dumps(optimizers.Adam(schedule).get_config()))
    assert config["learning_rate"]["class_name"] == "CosineDecay"
    assert config["learning_rate"]["module"] == "keras.optimizers.schedules"
    rebuilt = optimizers.Adam.from_config(config)
    assert isinstance(rebuilt.learning_rate, tf.Tensor)
    assert rebuilt._learning_rate.get_config() == schedule.get_config()


def test_get_by_name_and_keras2_config_keys(backend):
    assert isinstance(optimizers.get("adam"), optimizers.Adam)
    assert isinstance(optimizers.get("RMSprop"), optimizers.RMSprop)
    optimizer = optimizers.SGD()
    assert optimizers.get(optimizer) is optimizer
    keras2 = {"class_name": "Adam", "config": {"name": "Adam", "learning_rate": 0.01, "jit_compile": True,
                                               "is_legacy_optimizer": False, "beta_1": 0.8}}
    assert optimizers.get(keras2).beta_1 == 0.8
    with pytest.raises(ValueError, match="unknown optimizer 'nope'"):
        optimizers.get("nope")


def test_optimizer_state_saves_and_restores(backend):
    initial, grads = _problem(5)
    variables = [tf.Variable(w.astype(np.float32)) for w in initial]
    original = optimizers.Adam(0.1)
    for step_grads in grads[:3]:
        original.apply_gradients(zip([tf.constant(g.astype(np.float32)) for g in step_grads], variables))
    store = {}
    original.save_own_variables(store)
    restored = optimizers.Adam(0.1)
    restored.build(variables)
    restored.load_own_variables(store)
    assert int(restored.iterations) == 3
    copies = [tf.Variable(v.numpy()) for v in variables]
    restored_copy = optimizers.Adam(0.1)
    restored_copy.build(copies)
    restored_copy.set_weights(original.get_weights())
    for step_grads in grads[3:]:
        tensors = [tf.constant(g.astype(np.float32)) for g in step_grads]
        original.apply_gradients(zip(tensors, variables))
        restored_copy.apply_gradients(zip(tensors, copies))
    for v, c in zip(variables, copies):
        np.testing.assert_allclose(c.numpy(), v.numpy(), rtol=1e-6)
    with pytest.raises(ValueError, match="2 weights given for 8 optimizer variables"):
        restored.set_weights([0, 0.1])


# --- schedules ----------------------------------------------------------------------------------
def _cosine(step, initial, decay_steps, alpha=0.0, warmup_target=None, warmup_steps=0):
    if warmup_target is None:
        step = min(step, decay_steps)
        return initial * ((1 - alpha) * 0.5 * (1 + math.cos(math.pi * step / decay_steps)) + alpha)
    step = min(step, decay_steps + warmup_steps)
    if step < warmup_steps:
        return initial + (warmup_target - initial) * step / warmup_steps
    fraction = (step - warmup_steps) / decay_steps
    return warmup_target * ((1 - alpha) * 0.5 * (1 + math.cos(math.pi * fraction)) + alpha)


def _polynomial(step, initial, decay_steps, end=0.0001, power=1.0, cycle=False):
    if cycle:
        decay_steps = decay_steps * max(math.ceil(step / decay_steps), 1)
    else:
        step = min(step, decay_steps)
    return (initial - end) * (1 - step / decay_steps) ** power + end


SCHEDULE_CASES = [
    ("exponential", schedules.ExponentialDecay(0.1, 3, 0.5), lambda s: 0.1 * 0.5 ** (s / 3)),
    ("exponential_staircase", schedules.ExponentialDecay(0.1, 3, 0.5, staircase=True),
     lambda s: 0.1 * 0.5 ** (s // 3)),
    ("inverse_time", schedules.InverseTimeDecay(0.2, 4, 0.5), lambda s: 0.2 / (1 + 0.5 * s / 4)),
    ("inverse_time_staircase", schedules.InverseTimeDecay(0.2, 4, 0.5, staircase=True),
     lambda s: 0.2 / (1 + 0.5 * (s // 4))),
    ("piecewise", schedules.PiecewiseConstantDecay([2, 5, 9], [1.0, 0.5, 0.25, 0.125]),
     lambda s: 1.0 if s <= 2 else 0.5 if s <= 5 else 0.25 if s <= 9 else 0.125),
    ("cosine", schedules.CosineDecay(0.1, 10), lambda s: _cosine(s, 0.1, 10)),
    ("cosine_alpha", schedules.CosineDecay(0.1, 10, alpha=0.2), lambda s: _cosine(s, 0.1, 10, alpha=0.2)),
    ("cosine_warmup", schedules.CosineDecay(0.0, 10, alpha=0.1, warmup_target=0.4, warmup_steps=5),
     lambda s: _cosine(s, 0.0, 10, 0.1, 0.4, 5)),
    ("cosine_zero_warmup_steps", schedules.CosineDecay(0.1, 10, warmup_target=0.3),
     lambda s: _cosine(s, 0.1, 10, 0.0, 0.3, 0)),
    ("polynomial", schedules.PolynomialDecay(0.1, 8, 0.01, power=2.0), lambda s: _polynomial(s, 0.1, 8, 0.01, 2.0)),
    ("polynomial_cycle", schedules.PolynomialDecay(0.1, 4, cycle=True),
     lambda s: _polynomial(s, 0.1, 4, cycle=True)),
]


@pytest.mark.parametrize("name,schedule,formula", SCHEDULE_CASES, ids=[c[0] for c in SCHEDULE_CASES])
def test_schedule_values(backend, name, schedule, formula):
    for step in (0, 1, 2, 3, 4, 5, 6, 9, 10, 11, 15, 30):
        for given in (step, tf.constant(step), tf.Variable(step)):
            value = schedule(given)
            assert value.dtype == tf.float32 and tuple(value.shape) == ()
            np.testing.assert_allclose(float(value), formula(step), rtol=1e-5, atol=1e-7,
                                       err_msg=f"{name} at step {step}")


@pytest.mark.parametrize("name,schedule,formula", SCHEDULE_CASES, ids=[c[0] for c in SCHEDULE_CASES])
def test_schedule_config_round_trip(backend, name, schedule, formula):
    config = json.loads(json.dumps(schedules.serialize(schedule)))
    rebuilt = schedules.deserialize(config)
    assert type(rebuilt) is type(schedule) and rebuilt.get_config() == schedule.get_config()
    np.testing.assert_allclose(float(rebuilt(7)), formula(7), rtol=1e-5, atol=1e-7)


def test_schedule_keras_config_keys(backend):
    assert schedules.ExponentialDecay(0.1, 10, 0.9).get_config() == {
        "initial_learning_rate": 0.1, "decay_steps": 10, "decay_rate": 0.9, "staircase": False,
        "name": "ExponentialDecay"}
    assert schedules.CosineDecay(0.1, 10).get_config() == {
        "initial_learning_rate": 0.1, "decay_steps": 10, "alpha": 0.0, "name": "CosineDecay",
        "warmup_target": None, "warmup_steps": 0}
    assert schedules.PiecewiseConstantDecay([1], [0.1, 0.01]).get_config() == {
        "boundaries": [1], "values": [0.1, 0.01], "name": "PiecewiseConstant"}


def test_schedule_argument_errors(backend):
    with pytest.raises(ValueError, match="`decay_steps` must be > 0"):
        schedules.ExponentialDecay(0.1, 0, 0.5)
    with pytest.raises(ValueError, match="`decay_steps` must be > 0"):
        schedules.CosineDecay(0.1, -1)
    with pytest.raises(ValueError, match="1 less than the length of values"):
        schedules.PiecewiseConstantDecay([1, 2], [0.1, 0.2])
    with pytest.raises(ValueError, match="unknown learning rate schedule 'Nope'"):
        schedules.deserialize({"class_name": "Nope", "config": {}})

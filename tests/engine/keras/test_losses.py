"""Losses against float64 numpy re-implementations of Keras 3's formulas: clipping, from_logits,
label smoothing, sample weights, reductions, configs and lookup by name."""
import numpy as np
import pytest

import engine as tf
from engine.errors import IncompatibleShapesError, InvalidArgumentError

losses = tf.keras.losses
EPS = 1e-7
RNG = np.random.default_rng(7)


# --- float64 references ------------------------------------------------------------------
def log_softmax64(z):
    z = z - z.max(axis=-1, keepdims=True)
    return z - np.log(np.exp(z).sum(axis=-1, keepdims=True))


def cce_reference(y, p, from_logits=False, label_smoothing=0.0):
    y = y.astype(np.float64)
    if label_smoothing:
        y = y * (1 - label_smoothing) + label_smoothing / y.shape[-1]
    if from_logits:
        return -(y * log_softmax64(p.astype(np.float64))).sum(-1)
    p = p.astype(np.float64)
    p = np.clip(p / p.sum(-1, keepdims=True), EPS, 1 - EPS)
    return -(y * np.log(p)).sum(-1)


def scce_reference(labels, p, from_logits=False):
    if from_logits:
        log_p = log_softmax64(p.astype(np.float64))
    else:
        log_p = log_softmax64(np.log(np.clip(p.astype(np.float64), EPS, 1 - EPS)))
    return -np.take_along_axis(log_p, labels.reshape(-1, 1), axis=-1)[:, 0]


def bce_reference(y, p, from_logits=False, label_smoothing=0.0):
    y = y.astype(np.float64)
    if label_smoothing:
        y = y * (1 - label_smoothing) + 0.5 * label_smoothing
    if from_logits:
        z = p.astype(np.float64)
        elementwise = np.maximum(z, 0) - z * y + np.log1p(np.exp(-np.abs(z)))
    else:
        q = np.clip(p.astype(np.float64), EPS, 1 - EPS)
        elementwise = -(y * np.log(q) + (1 - y) * np.log(1 - q))
    return elementwise.mean(-1)


def huber_reference(y, p, delta):
    error = p.astype(np.float64) - y
    quadratic = 0.5 * error ** 2
    linear = delta * np.abs(error) - 0.5 * delta ** 2
    return np.where(np.abs(error) <= delta, quadratic, linear).mean(-1)


def kld_reference(y, p):
    y = np.clip(y.astype(np.float64), EPS, 1)
    p = np.clip(p.astype(np.float64), EPS, 1)
    return (y * np.log(y / p)).sum(-1)


def probabilities(shape):
    p = RNG.uniform(0.01, 1.0, shape)
    return (p / p.sum(-1, keepdims=True)).astype(np.float32)


ONE_HOT = np.eye(5, dtype=np.float32)[RNG.integers(0, 5, 8)]
PROBS = probabilities((8, 5))
LOGITS = RNG.normal(0, 3, (8, 5)).astype(np.float32)
BINARY = RNG.integers(0, 2, (8, 3)).astype(np.float32)
BINARY_PROBS = RNG.uniform(0, 1, (8, 3)).astype(np.float32)
TARGETS = RNG.normal(0, 2, (8, 3)).astype(np.float32)
WEIGHTS = RNG.uniform(0, 2, 8).astype(np.float32)


# --- functions ------------------------------------------------------------------------------
def test_loss_functions_on_every_backend(backend):
    labels = ONE_HOT.argmax(-1).astype(np.int32)
    cases = [
        (losses.categorical_crossentropy(ONE_HOT, PROBS), cce_reference(ONE_HOT, PROBS)),
        (losses.categorical_crossentropy(ONE_HOT, LOGITS, from_logits=True), cce_reference(ONE_HOT, LOGITS, True)),
        (losses.sparse_categorical_crossentropy(labels, PROBS), scce_reference(labels, PROBS)),
        (losses.sparse_categorical_crossentropy(labels, LOGITS, from_logits=True),
         scce_reference(labels, LOGITS, True)),
        (losses.binary_crossentropy(BINARY, BINARY_PROBS), bce_reference(BINARY, BINARY_PROBS)),
        (losses.binary_crossentropy(BINARY, TARGETS, from_logits=True), bce_reference(BINARY, TARGETS, True)),
        (losses.mean_squared_error(TARGETS, BINARY_PROBS), ((TARGETS - BINARY_PROBS.astype(np.float64)) ** 2).mean(-1)),
        (losses.mean_absolute_error(TARGETS, BINARY_PROBS), np.abs(TARGETS - BINARY_PROBS.astype(np.float64)).mean(-1)),
        (losses.huber(TARGETS, BINARY_PROBS, delta=0.8), huber_reference(TARGETS, BINARY_PROBS, 0.8)),
        (losses.kl_divergence(ONE_HOT, PROBS), kld_reference(ONE_HOT, PROBS)),
    ]
    for got, expected in cases:
        assert got.shape == expected.shape
        np.testing.assert_allclose(got.numpy(), expected, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("label_smoothing", [0.0, 0.1, 0.3])
@pytest.mark.parametrize("from_logits", [False, True])
def test_categorical_crossentropy_smoothing_and_logits(from_logits, label_smoothing):
    p = LOGITS if from_logits else PROBS
    got = losses.CategoricalCrossentropy(from_logits=from_logits, label_smoothing=label_smoothing)(ONE_HOT, p)
    expected = cce_reference(ONE_HOT, p, from_logits, label_smoothing).mean()
    np.testing.assert_allclose(float(got), expected, rtol=1e-5)


def test_categorical_crossentropy_renormalises_and_clips_probabilities():
    # Unnormalised rows are divided by their sum; an exact zero is clipped to EPSILON, not log(0).
    p = np.array([[2.0, 2.0, 0.0], [0.0, 1.0, 0.0]], np.float32)
    y = np.array([[1, 0, 0], [1, 0, 0]], np.float32)
    got = losses.categorical_crossentropy(y, p).numpy()
    np.testing.assert_allclose(got, [-np.log(0.5), -np.log(EPS)], rtol=1e-5)
    assert np.all(np.isfinite(got))


@pytest.mark.parametrize("from_logits", [False, True])
@pytest.mark.parametrize("label_smoothing", [0.0, 0.2])
def test_binary_crossentropy_smoothing_and_logits(from_logits, label_smoothing):
    p = TARGETS if from_logits else BINARY_PROBS
    got = losses.BinaryCrossentropy(from_logits=from_logits, label_smoothing=label_smoothing)(BINARY, p)
    np.testing.assert_allclose(float(got), bce_reference(BINARY, p, from_logits, label_smoothing).mean(), rtol=1e-5)


def test_binary_crossentropy_of_logits_is_stable_for_large_logits():
    z = np.array([[80.0, -80.0, 0.0]], np.float32)
    y = np.array([[0.0, 1.0, 1.0]], np.float32)
    got = losses.binary_crossentropy(y, z, from_logits=True).numpy()
    np.testing.assert_allclose(got, bce_reference(y, z, True), rtol=1e-6)


def test_binary_crossentropy_axis_averages_the_given_axis():
    y, p = BINARY.reshape(2, 4, 3), BINARY_PROBS.reshape(2, 4, 3)
    got = losses.binary_crossentropy(y, p, axis=1).numpy()
    q = np.clip(p.astype(np.float64), EPS, 1 - EPS)
    expected = (-(y * np.log(q) + (1 - y) * np.log(1 - q))).mean(axis=1)
    np.testing.assert_allclose(got, expected, rtol=1e-5)


def test_binary_labels_of_rank_one_meet_predictions_of_shape_n_by_1():
    y, p = BINARY[:, 0], BINARY_PROBS[:, :1]
    got = losses.BinaryCrossentropy()(y, p)
    np.testing.assert_allclose(float(got), bce_reference(y[:, None], p).mean(), rtol=1e-5)


@pytest.mark.parametrize("label_shape", ["flat", "column", "float"])
def test_sparse_categorical_crossentropy_label_forms(label_shape):
    labels = ONE_HOT.argmax(-1)
    given = {"flat": labels.astype(np.int32), "column": labels.reshape(-1, 1).astype(np.int32),
             "float": labels.astype(np.float32)}[label_shape]
    got = losses.SparseCategoricalCrossentropy()(given, PROBS)
    np.testing.assert_allclose(float(got), scce_reference(labels, PROBS).mean(), rtol=1e-5)


def test_sparse_categorical_crossentropy_ignore_class_averages_the_rest():
    labels = np.array([0, 2, 1, 2, 4, 3, 2, 0], np.int32)
    got = losses.SparseCategoricalCrossentropy(from_logits=True, ignore_class=2)(labels, LOGITS)
    keep = labels != 2
    expected = scce_reference(labels[keep], LOGITS[keep], True).mean()
    np.testing.assert_allclose(float(got), expected, rtol=1e-5)


def test_huber_and_kld_classes():
    np.testing.assert_allclose(float(losses.Huber(delta=0.5)(TARGETS, BINARY_PROBS)),
                               huber_reference(TARGETS, BINARY_PROBS, 0.5).mean(), rtol=1e-5)
    np.testing.assert_allclose(float(losses.KLDivergence()(ONE_HOT, PROBS)), kld_reference(ONE_HOT, PROBS).mean(),
                               rtol=1e-5)


# --- reductions and sample weights ------------------------------------------------------------
def test_reductions_with_sample_weights():
    per_sample = ((TARGETS - BINARY_PROBS.astype(np.float64)) ** 2).mean(-1)
    weighted = per_sample * WEIGHTS
    cases = {
        "sum_over_batch_size": weighted.mean(),
        "mean": weighted.mean(),
        "sum": weighted.sum(),
        "mean_with_sample_weight": weighted.sum() / WEIGHTS.sum(),
    }
    for reduction, expected in cases.items():
        got = losses.MeanSquaredError(reduction=reduction)(TARGETS, BINARY_PROBS, sample_weight=WEIGHTS)
        np.testing.assert_allclose(float(got), expected, rtol=1e-5, err_msg=reduction)
    for reduction in (None, "none"):
        got = losses.MeanSquaredError(reduction=reduction)(TARGETS, BINARY_PROBS, sample_weight=WEIGHTS)
        np.testing.assert_allclose(got.numpy(), weighted, rtol=1e-5)


def test_sample_weight_of_shape_n_by_1_and_per_timestep():
    per_sample = cce_reference(ONE_HOT, PROBS)
    got = losses.CategoricalCrossentropy()(ONE_HOT, PROBS, sample_weight=WEIGHTS.reshape(-1, 1))
    np.testing.assert_allclose(float(got), (per_sample * WEIGHTS).mean(), rtol=1e-5)
    # A per-timestep loss of shape (2, 4) with per-timestep weights.
    y, p = TARGETS.reshape(2, 4, 3), BINARY_PROBS.reshape(2, 4, 3)
    step_weights = RNG.uniform(0, 1, (2, 4)).astype(np.float32)
    got = losses.MeanAbsoluteError()(y, p, sample_weight=step_weights)
    expected = (np.abs(y - p.astype(np.float64)).mean(-1) * step_weights).mean()
    np.testing.assert_allclose(float(got), expected, rtol=1e-5)


def test_loss_gradient_of_softmax_crossentropy_from_logits():
    logits = tf.Variable(LOGITS)
    with tf.GradientTape() as tape:
        loss = losses.CategoricalCrossentropy(from_logits=True)(ONE_HOT, logits)
    gradient = tape.gradient(loss, logits).numpy()
    expected = (np.exp(log_softmax64(LOGITS.astype(np.float64))) - ONE_HOT) / len(ONE_HOT)
    np.testing.assert_allclose(gradient, expected, rtol=1e-4, atol=1e-7)


# --- errors, configs and lookup ----------------------------------------------------------------
def test_mismatched_shapes_raise_typed_errors_naming_both_shapes():
    with pytest.raises(IncompatibleShapesError, match=r"\[8, 5\].*\[8, 4\]"):
        losses.categorical_crossentropy(ONE_HOT, PROBS[:, :4])
    with pytest.raises(IncompatibleShapesError, match="y_true of shape"):
        losses.sparse_categorical_crossentropy(np.zeros(7, np.int32), PROBS)
    with pytest.raises(InvalidArgumentError, match="reduction"):
        losses.MeanSquaredError(reduction="average")


def test_configs_have_keras3_keys_and_round_trip():
    expected = {
        losses.CategoricalCrossentropy(from_logits=True, label_smoothing=0.1): {
            "name": "categorical_crossentropy", "reduction": "sum_over_batch_size", "from_logits": True,
            "label_smoothing": 0.1, "axis": -1},
        losses.SparseCategoricalCrossentropy(): {
            "name": "sparse_categorical_crossentropy", "reduction": "sum_over_batch_size", "from_logits": False,
            "ignore_class": None},
        losses.BinaryCrossentropy(reduction="sum"): {
            "name": "binary_crossentropy", "reduction": "sum", "from_logits": False, "label_smoothing": 0.0,
            "axis": -1},
        losses.MeanSquaredError(): {"name": "mean_squared_error", "reduction": "sum_over_batch_size"},
        losses.MeanAbsoluteError(): {"name": "mean_absolute_error", "reduction": "sum_over_batch_size"},
        losses.KLDivergence(): {"name": "kl_divergence", "reduction": "sum_over_batch_size"},
        losses.Huber(delta=2.0): {"name": "huber_loss", "reduction": "sum_over_batch_size", "delta": 2.0},
    }
    for loss, config in expected.items():
        assert loss.get_config() == config
        rebuilt = type(loss).from_config(loss.get_config())
        assert rebuilt.get_config() == config
        assert losses.deserialize(losses.serialize(loss)).get_config() == config
    assert losses.serialize(loss)["module"] == "keras.losses"


def test_keras2_reduction_auto_is_read_as_the_default():
    loss = losses.deserialize({"class_name": "CategoricalCrossentropy",
                               "config": {"reduction": "auto", "name": "categorical_crossentropy",
                                          "from_logits": False, "label_smoothing": 0.0, "axis": -1}})
    assert loss.reduction == "sum_over_batch_size"


def test_get_by_name_object_function_and_dict():
    assert losses.get("mse") is losses.mean_squared_error
    assert losses.get("MAE") is losses.mean_absolute_error
    assert losses.get("kld") is losses.kl_divergence
    assert losses.get("categorical_crossentropy") is losses.categorical_crossentropy
    assert isinstance(losses.get("CategoricalCrossentropy"), losses.CategoricalCrossentropy)
    huber = losses.Huber()
    assert losses.get(huber) is huber
    from_dict = losses.get({"class_name": "BinaryCrossentropy", "config": {"from_logits": True}})
    assert isinstance(from_dict, losses.BinaryCrossentropy) and from_dict.from_logits
    assert losses.serialize(losses.mean_squared_error) == {
        "module": "builtins", "class_name": "function", "config": "mean_squared_error", "registered_name": "function"}
    assert losses.deserialize(losses.serialize(losses.huber)) is losses.huber
    with pytest.raises(InvalidArgumentError, match="nonexistent"):
        losses.deserialize("nonexistent_loss")
    with pytest.raises(InvalidArgumentError):
        losses.get(42)


def test_loss_function_wrapper_passes_its_arguments_and_serializes_them():
    wrapper = losses.LossFunctionWrapper(losses.huber, delta=0.3, name="tight_huber")
    np.testing.assert_allclose(float(wrapper(TARGETS, BINARY_PROBS)), huber_reference(TARGETS, BINARY_PROBS, 0.3).mean(),
                               rtol=1e-5)
    config = wrapper.get_config()
    assert config["delta"] == 0.3 and config["name"] == "tight_huber"
    rebuilt = losses.LossFunctionWrapper.from_config(config)
    np.testing.assert_allclose(float(rebuilt(TARGETS, BINARY_PROBS)), float(wrapper(TARGETS, BINARY_PROBS)))


def test_crossentropy_of_a_recorded_softmax_uses_its_logits_as_keras_does():
    # A saturated softmax: its probabilities clip to EPSILON, but under a tape the loss reads the logits
    # behind them (Keras on TensorFlow does the same), so the loss and its gradient stay exact.
    logits = tf.Variable(np.array([[30.0, -30.0, 0.0], [1.0, 2.0, 3.0]], np.float32))
    labels = np.array([1, 2], np.int32)
    with tf.GradientTape() as tape:
        loss = losses.SparseCategoricalCrossentropy()(labels, tf.nn.softmax(logits))
    expected = -log_softmax64(logits.numpy().astype(np.float64))[np.arange(2), labels]
    np.testing.assert_allclose(float(loss), expected.mean(), rtol=1e-5)
    softmax = np.exp(log_softmax64(logits.numpy().astype(np.float64)))
    np.testing.assert_allclose(tape.gradient(loss, logits).numpy(), (softmax - np.eye(3)[labels]) / 2, atol=1e-6)
    outside_tape = losses.sparse_categorical_crossentropy(labels, tf.nn.softmax(logits)).numpy()
    np.testing.assert_allclose(outside_tape, scce_reference(labels, softmax.astype(np.float32)), rtol=1e-5)
    with tf.GradientTape():
        sigmoid_output = tf.sigmoid(tf.Variable(np.array([[40.0, -2.0]], np.float32)))
        got = losses.binary_crossentropy(np.array([[0.0, 1.0]], np.float32), sigmoid_output)
    np.testing.assert_allclose(got.numpy(), bce_reference(np.array([[0.0, 1.0]]), np.array([[40.0, -2.0]]), True),
                               rtol=1e-5)

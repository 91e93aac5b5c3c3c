"""Initializers (fans, distributions, seeds, configs), regularizers, constraints and activations by name."""
import math

import numpy as np
import pytest

import engine as tf
from engine.errors import InvalidArgumentError

K = tf.keras
I = K.initializers


@pytest.mark.parametrize("shape,fans", [((), (1, 1)), ((7,), (7, 7)), ((5, 3), (5, 3)), ((3, 3, 4, 8), (36, 72)),
                                        ((2, 6, 5), (12, 10))])
def test_fans_follow_keras(shape, fans):
    assert I.compute_fans(shape) == fans


def test_fans_with_explicit_axes():
    # An einsum kernel (in_a, in_b, out): both leading axes are inputs.
    assert I.compute_fans((4, 5, 6), input_axes=[0, 1], output_axes=[2]) == (20, 6)


SHAPE = (300, 200)
FAN_IN, FAN_OUT = 300, 200


@pytest.mark.parametrize("initializer,kind,variance", [
    (I.GlorotUniform(seed=1), "uniform", 2.0 / (FAN_IN + FAN_OUT)),
    (I.GlorotNormal(seed=1), "truncated", 2.0 / (FAN_IN + FAN_OUT)),
    (I.HeUniform(seed=1), "uniform", 2.0 / FAN_IN),
    (I.HeNormal(seed=1), "truncated", 2.0 / FAN_IN),
    (I.LecunUniform(seed=1), "uniform", 1.0 / FAN_IN),
    (I.LecunNormal(seed=1), "truncated", 1.0 / FAN_IN),
    (I.VarianceScaling(scale=3.0, mode="fan_out", distribution="untruncated_normal", seed=1), "normal",
     3.0 / FAN_OUT),
])
def test_variance_scaling_family_statistics(initializer, kind, variance):
    raw = initializer(SHAPE)
    assert raw.dtype == tf.float32 and tuple(raw.shape) == SHAPE
    values = raw.numpy().astype(np.float64)
    assert abs(values.mean()) < 0.05 * math.sqrt(variance)
    assert values.var() == pytest.approx(variance, rel=0.04)
    if kind == "uniform":
        limit = math.sqrt(3 * variance)
        assert values.min() >= -limit and values.max() <= limit
        assert values.max() > 0.99 * limit
    elif kind == "truncated":
        # Drawn from a normal of stddev sqrt(variance) / 0.8796 truncated at two of those stddevs.
        bound = 2 * math.sqrt(variance) / 0.87962566103423978
        assert np.abs(values).max() <= bound * (1 + 1e-6)
    else:
        assert np.abs(values).max() > 3 * math.sqrt(variance)


def test_random_initializers_statistics():
    normal = I.RandomNormal(mean=1.0, stddev=0.5, seed=4)((400, 100)).numpy()
    assert normal.mean() == pytest.approx(1.0, abs=0.01) and normal.std() == pytest.approx(0.5, rel=0.03)
    uniform = I.RandomUniform(minval=-2.0, maxval=1.0, seed=4)((400, 100)).numpy()
    assert uniform.min() >= -2.0 and uniform.max() < 1.0 and uniform.mean() == pytest.approx(-0.5, abs=0.02)
    truncated = I.TruncatedNormal(stddev=0.1, seed=4)((400, 100)).numpy()
    assert np.abs(truncated).max() <= 0.2 + 1e-6
    assert truncated.std() == pytest.approx(0.1 * 0.87962566103423978, rel=0.03)


def test_seeded_initializers_repeat_and_unseeded_ones_do_not():
    for cls in (I.GlorotUniform, I.HeNormal, I.RandomNormal, I.RandomUniform, I.TruncatedNormal, I.Orthogonal):
        first = cls(seed=42)((6, 5)).numpy()
        np.testing.assert_array_equal(first, cls(seed=42)((6, 5)).numpy())
        assert not np.array_equal(first, cls(seed=43)((6, 5)).numpy())
    unseeded = I.GlorotUniform()
    assert not np.array_equal(unseeded((6, 5)).numpy(), unseeded((6, 5)).numpy())


def test_seeded_layers_are_reproducible():
    def kernel():
        layer = K.layers.Dense(3, kernel_initializer=I.GlorotUniform(seed=7))
        layer(np.ones((1, 4), np.float32))
        return layer.kernel.numpy()

    np.testing.assert_array_equal(kernel(), kernel())


@pytest.mark.parametrize("shape", [(6, 4), (4, 6), (2, 3, 5)])
def test_orthogonal_rows_or_columns_are_orthonormal(shape):
    values = I.Orthogonal(gain=2.0, seed=3)(shape).numpy().astype(np.float64)
    matrix = values.reshape(-1, shape[-1])
    gram = matrix.T @ matrix if matrix.shape[0] >= matrix.shape[1] else matrix @ matrix.T
    np.testing.assert_allclose(gram, 4.0 * np.eye(gram.shape[0]), atol=1e-5)


def test_constant_zeros_ones_identity():
    np.testing.assert_array_equal(I.Constant(2.5)((2, 2)).numpy(), np.full((2, 2), 2.5))
    np.testing.assert_array_equal(I.Constant([1.0, 2.0])((3, 2)).numpy(), [[1, 2]] * 3)
    np.testing.assert_array_equal(I.Zeros()((3,)).numpy(), np.zeros(3))
    np.testing.assert_array_equal(I.Ones()((2, 1), dtype="int32").numpy(), np.ones((2, 1), np.int32))
    np.testing.assert_array_equal(I.Identity(gain=3.0)((2, 3)).numpy(), 3.0 * np.eye(2, 3))
    with pytest.raises(InvalidArgumentError, match="2-D"):
        I.Identity()((2, 2, 2))


@pytest.mark.parametrize("name,cls", [("glorot_uniform", I.GlorotUniform), ("he_normal", I.HeNormal),
                                      ("zeros", I.Zeros), ("ones", I.Ones), ("orthogonal", I.Orthogonal),
                                      ("random_normal", I.RandomNormal), ("truncated_normal", I.TruncatedNormal),
                                      ("variance_scaling", I.VarianceScaling), ("identity", I.IdentityInitializer),
                                      ("lecun_uniform", I.LecunUniform), ("constant", I.Constant)])
def test_initializers_by_name_and_config_round_trip(name, cls):
    initializer = I.get(name)
    assert type(initializer) is cls
    config = I.serialize(initializer)
    assert config["module"] == "keras.initializers" and config["class_name"] == cls.__name__
    assert I.serialize(I.deserialize(config)) == config


def test_keras3_initializer_configs():
    assert I.VarianceScaling(scale=2.0, mode="fan_avg", distribution="normal", seed=5).get_config() == {
        "seed": 5, "scale": 2.0, "mode": "fan_avg", "distribution": "truncated_normal", "input_axes": None,
        "output_axes": None}
    assert I.RandomUniform().get_config() == {"minval": -0.05, "maxval": 0.05, "seed": None}
    assert I.Orthogonal().get_config() == {"gain": 1.0, "seed": None}
    with pytest.raises(InvalidArgumentError, match="unknown initializer 'glorot'"):
        I.get("glorot")


def test_regularizers():
    R = K.regularizers
    x = tf.constant([[1.0, -2.0], [3.0, 0.5]])
    ref = np.array([[1.0, -2.0], [3.0, 0.5]])
    assert float(R.L1(0.1)(x)) == pytest.approx(0.1 * np.abs(ref).sum())
    assert float(R.L2(0.2)(x)) == pytest.approx(0.2 * (ref ** 2).sum())
    assert float(R.l1_l2(l1=0.1, l2=0.2)(x)) == pytest.approx(0.1 * np.abs(ref).sum() + 0.2 * (ref ** 2).sum())
    assert R.get("l2").get_config() == {"l2": 0.01}
    assert R.get("l1_l2").get_config() == {"l1": 0.0, "l2": 0.0}
    config = R.serialize(R.L1L2(l1=0.3, l2=0.4))
    assert config == {"module": "keras.regularizers", "class_name": "L1L2", "config": {"l1": 0.3, "l2": 0.4},
                      "registered_name": None}
    assert R.deserialize(config).get_config() == {"l1": 0.3, "l2": 0.4}
    with pytest.raises(InvalidArgumentError, match="non-negative"):
        R.L2(-1.0)


def test_orthogonal_regularizer_matches_numpy():
    rows = np.array([[1.0, 0.0], [1.0, 1.0], [0.0, 2.0]])
    normalized = rows / np.linalg.norm(rows, axis=1, keepdims=True)
    gram = normalized @ normalized.T
    expected = 0.5 * np.abs(gram - np.diag(np.diag(gram))).sum() / 3
    assert float(K.regularizers.OrthogonalRegularizer(0.5)(tf.constant(rows, tf.float32))) == \
        pytest.approx(expected, rel=1e-5)


def test_constraints_match_numpy():
    C = K.constraints
    w = np.array([[3.0, 0.1], [4.0, -0.2]])
    norms = np.sqrt((w ** 2).sum(axis=0, keepdims=True))
    np.testing.assert_allclose(C.MaxNorm(2.0)(tf.constant(w, tf.float32)).numpy(),
                               w * np.minimum(norms, 2.0) / (1e-7 + norms), rtol=1e-5)
    np.testing.assert_allclose(C.UnitNorm(axis=1)(tf.constant(w, tf.float32)).numpy(),
                               w / (1e-7 + np.sqrt((w ** 2).sum(axis=1, keepdims=True))), rtol=1e-5)
    np.testing.assert_array_equal(C.NonNeg()(tf.constant(w, tf.float32)).numpy(), np.maximum(w, 0).astype(np.float32))
    desired = 0.5 * np.clip(norms, 1.0, 2.0) + 0.5 * norms
    np.testing.assert_allclose(C.MinMaxNorm(1.0, 2.0, rate=0.5)(tf.constant(w, tf.float32)).numpy(),
                               w * desired / (1e-7 + norms), rtol=1e-5)
    assert C.get("max_norm").get_config() == {"max_value": 2, "axis": 0}
    assert C.serialize(C.UnitNorm(axis=1))["config"] == {"axis": 1}


def test_constraint_is_applied_by_the_optimizer():
    layer = K.layers.Dense(2, kernel_constraint=K.constraints.NonNeg(), kernel_initializer="ones")
    x = np.ones((1, 2), np.float32)
    layer(x)
    optimizer = K.optimizers.SGD(learning_rate=10.0)
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(layer(x))
    optimizer.apply_gradients(zip(tape.gradient(loss, layer.trainable_weights), layer.trainable_weights))
    # Without the constraint the kernel would be 1 - 10 = -9.
    np.testing.assert_array_equal(layer.kernel.numpy(), np.zeros((2, 2)))


def _erf(x):
    return np.vectorize(math.erf)(x)


X = np.linspace(-4.0, 4.0, 17)
SELU_ALPHA, SELU_SCALE = 1.6732632423543772, 1.0507009873554805


@pytest.mark.parametrize("name,reference", [
    ("relu", lambda x: np.maximum(x, 0)),
    ("relu6", lambda x: np.clip(x, 0, 6)),
    ("sigmoid", lambda x: 1 / (1 + np.exp(-x))),
    ("tanh", np.tanh),
    ("elu", lambda x: np.where(x > 0, x, np.expm1(x))),
    ("selu", lambda x: SELU_SCALE * np.where(x > 0, x, SELU_ALPHA * np.expm1(x))),
    ("softplus", lambda x: np.log1p(np.exp(x))),
    ("softsign", lambda x: x / (1 + np.abs(x))),
    ("swish", lambda x: x / (1 + np.exp(-x))),
    ("silu", lambda x: x / (1 + np.exp(-x))),
    ("gelu", lambda x: 0.5 * x * (1 + _erf(x / math.sqrt(2)))),
    ("leaky_relu", lambda x: np.where(x > 0, x, 0.2 * x)),
    ("hard_sigmoid", lambda x: np.clip(x / 6 + 0.5, 0, 1)),
    ("hard_silu", lambda x: x * np.clip(x / 6 + 0.5, 0, 1)),
    ("exponential", np.exp),
    ("linear", lambda x: x),
    ("mish", lambda x: x * np.tanh(np.log1p(np.exp(x)))),
    ("log_sigmoid", lambda x: -np.log1p(np.exp(-x))),
    ("celu", lambda x: np.maximum(x, 0) + np.minimum(0, np.expm1(x))),
    ("hard_tanh", lambda x: np.clip(x, -1, 1)),
    ("tanh_shrink", lambda x: x - np.tanh(x)),
    ("soft_shrink", lambda x: np.where(x > 0.5, x - 0.5, np.where(x < -0.5, x + 0.5, 0))),
    ("hard_shrink", lambda x: np.where(np.abs(x) > 0.5, x, 0)),
    ("squareplus", lambda x: (x + np.sqrt(x ** 2 + 4)) / 2),
    ("sparse_plus", lambda x: np.where(x <= -1, 0, np.where(x < 1, 0.25 * (x + 1) ** 2, x))),
    ("sparse_sigmoid", lambda x: np.clip((x + 1) / 2, 0, 1)),
])
def test_activations_by_name_match_numpy(name, reference):
    fn = K.activations.get(name)
    np.testing.assert_allclose(fn(tf.constant(X, tf.float32)).numpy(), reference(X), rtol=1e-5, atol=1e-6)
    assert K.activations.get(K.activations.serialize(fn)) is fn


def test_softmax_and_log_softmax_activations():
    logits = np.array([[1.0, 2.0, 0.5], [-1.0, 0.0, 3.0]])
    exp = np.exp(logits - logits.max(axis=-1, keepdims=True))
    softmax = exp / exp.sum(axis=-1, keepdims=True)
    np.testing.assert_allclose(K.activations.get("softmax")(tf.constant(logits, tf.float32)).numpy(), softmax,
                               rtol=1e-6)
    np.testing.assert_allclose(K.activations.get("log_softmax")(tf.constant(logits, tf.float32)).numpy(),
                               np.log(softmax), rtol=1e-5)


def _sparsemax_reference(row):
    """Sparsemax by bisection on the threshold tau with sum(max(row - tau, 0)) = 1."""
    low, high = row.min() - 1, row.max()
    for _ in range(200):
        tau = (low + high) / 2
        low, high = (tau, high) if np.maximum(row - tau, 0).sum() > 1 else (low, tau)
    return np.maximum(row - (low + high) / 2, 0)


def test_sparsemax_projects_onto_the_simplex():
    logits = np.array([[0.1, 1.5, 1.2, -2.0], [3.0, 0.0, 0.0, 0.0], [0.3, 0.3, 0.3, 0.3]])
    y = K.activations.get("sparsemax")(tf.constant(logits, tf.float32)).numpy()
    np.testing.assert_allclose(y, np.stack([_sparsemax_reference(row) for row in logits]), atol=1e-6)
    np.testing.assert_allclose(y.sum(axis=-1), 1.0, rtol=1e-6)


def test_activation_options_and_errors():
    x = tf.constant(X, tf.float32)
    np.testing.assert_allclose(K.activations.relu(x, negative_slope=0.1, max_value=2.0, threshold=1.0).numpy(),
                               np.clip(np.where(X > 1.0, X, 0.1 * (X - 1.0)), None, 2.0), rtol=1e-6)
    np.testing.assert_allclose(K.activations.elu(x, alpha=0.5).numpy(), np.where(X > 0, X, 0.5 * np.expm1(X)),
                               rtol=1e-5, atol=1e-7)
    assert K.activations.get(None) is K.activations.linear
    assert K.activations.serialize(K.activations.swish) == "silu"
    with pytest.raises(InvalidArgumentError, match="unknown activation function 'relux'"):
        K.activations.get("relux")

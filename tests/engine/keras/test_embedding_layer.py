"""Embedding: lookups against numpy indexing, the zero mask, gradients, errors and the Keras 3 config."""
import numpy as np
import pytest

import engine as tf
from engine.errors import InvalidArgumentError, UnimplementedError

L = tf.keras.layers

EMBEDDING_CONFIG_KEYS = ["name", "trainable", "dtype", "input_dim", "output_dim", "embeddings_initializer",
                         "embeddings_regularizer", "activity_regularizer", "embeddings_constraint", "mask_zero",
                         "quantization_config"]


def built_embedding(input_dim=6, output_dim=3, seed=0, **kwargs):
    layer = L.Embedding(input_dim, output_dim, **kwargs)
    layer.build()
    table = np.random.default_rng(seed).normal(size=(input_dim, output_dim)).astype(np.float32)
    layer.set_weights([table])
    return layer, table


def test_lookup_matches_numpy_indexing(backend):
    layer, table = built_embedding()
    indices = np.array([[0, 5, 2], [2, 2, 1]])
    np.testing.assert_array_equal(layer(indices).numpy(), table[indices])
    np.testing.assert_array_equal(layer(indices.astype(np.float32)).numpy(), table[indices])
    assert layer.compute_output_shape((None, 3)) == (None, 3, 3)


def test_gradient_accumulates_into_the_looked_up_rows(backend):
    layer, _ = built_embedding()
    indices = np.array([[1, 4, 1]])
    upstream = np.random.default_rng(1).normal(size=(1, 3, 3))
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(layer(indices) * tf.constant(upstream.astype(np.float32)))
    (gradient,) = tape.gradient(loss, layer.trainable_weights)
    want = np.zeros((6, 3))
    np.add.at(want, indices[0], upstream[0])
    np.testing.assert_allclose(np.asarray(gradient), want, rtol=1e-5, atol=1e-6)


def test_mask_zero_marks_padding(backend):
    layer, _ = built_embedding(mask_zero=True)
    indices = np.array([[3, 0, 1], [0, 0, 2]])
    np.testing.assert_array_equal(layer.compute_mask(tf.constant(indices)).numpy(), indices != 0)
    assert built_embedding()[0].compute_mask(tf.constant(indices)) is None


def test_embedding_mask_reaches_an_lstm_in_a_model():
    inputs = tf.keras.Input(shape=(4,), dtype="int32")
    embedded = L.Embedding(5, 2, mask_zero=True)
    lstm = L.LSTM(3)
    model = tf.keras.Model(inputs, lstm(embedded(inputs)))
    padded = np.array([[1, 2, 0, 0]])
    trimmed = np.array([[1, 2]])
    # A masked step keeps the state, so padding after the data does not change the final output.
    np.testing.assert_allclose(np.asarray(model(padded)), np.asarray(lstm(embedded(trimmed))), rtol=1e-5,
                               atol=1e-6)


def test_out_of_range_index_raises_on_cpu_and_gives_zeros_on_gl(backend):
    layer, _ = built_embedding()
    if backend == "cpu":   # tf.gather's semantics: TensorFlow's CPU kernel raises, its GPU kernel gathers zeros
        with pytest.raises(InvalidArgumentError):
            layer(np.array([[6]])).numpy()
    else:
        np.testing.assert_array_equal(layer(np.array([[6]])).numpy(), np.zeros((1, 1, layer.output_dim)))


def test_argument_checks_and_weights_argument():
    with pytest.raises(InvalidArgumentError, match="input_dim"):
        L.Embedding(0, 3)
    with pytest.raises(InvalidArgumentError, match="output_dim"):
        L.Embedding(3, 2.5)
    with pytest.raises(UnimplementedError, match="LoRA"):
        L.Embedding(3, 2, lora_rank=2)
    table = np.arange(6, dtype=np.float32).reshape(3, 2)
    layer = L.Embedding(3, 2, weights=[table])
    np.testing.assert_array_equal(layer(np.array([2, 0])).numpy(), table[[2, 0]])


def test_weight_and_config_match_keras3():
    layer = L.Embedding(10, 4, mask_zero=True, embeddings_regularizer="l2")
    layer.build((None, 3))
    assert [(w.name, tuple(w.shape), w.trainable) for w in layer.weights] == [("embeddings", (10, 4), True)]
    values = layer.embeddings.numpy()
    assert np.all(np.abs(values) <= 0.05) and values.std() > 0  # Keras's "uniform": RandomUniform(-0.05, 0.05)
    config = layer.get_config()
    assert list(config) == EMBEDDING_CONFIG_KEYS
    assert config["embeddings_initializer"]["class_name"] == "RandomUniform"
    assert config["embeddings_regularizer"]["class_name"] == "L2"
    assert (config["mask_zero"], config["quantization_config"]) == (True, None)
    assert L.Embedding.from_config(config).get_config() == config
    assert len(layer.losses) == 1

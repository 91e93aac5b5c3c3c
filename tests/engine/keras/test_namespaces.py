"""`tf.keras` namespaces as Keras code reaches them, and keras.utils.to_categorical."""
import numpy as np
import pytest

import engine as tf
from engine.errors import InvalidArgumentError

K = tf.keras


def test_keras_namespaces_expose_keras3_names():
    assert K.Input is K.layers.Input and K.Sequential is K.models.Sequential and K.Model is K.models.Model
    assert K.saving.load_model is K.models.load_model
    assert K.saving.register_keras_serializable is K.utils.register_keras_serializable
    assert K.optimizers.Adam is tf.optimizers.Adam
    assert {"Dense", "Conv2D", "LSTM", "Bidirectional", "BatchNormalization", "Concatenate"} <= set(K.layers.__all__)


def test_clear_session_restarts_layer_names():
    K.backend.clear_session()
    first = K.layers.Dense(1)
    K.backend.clear_session()
    assert K.layers.Dense(1).name == first.name == "dense"


def test_to_categorical_matches_an_identity_lookup():
    labels = np.array([2, 0, 1, 2])
    np.testing.assert_array_equal(K.utils.to_categorical(labels), np.eye(3, dtype=np.float32)[labels])
    assert K.utils.to_categorical(np.array([[1], [0]]), num_classes=4).shape == (2, 4)
    assert K.utils.to_categorical(labels).dtype == np.float32
    with pytest.raises(InvalidArgumentError, match=r"\[0, 2\)"):
        K.utils.to_categorical(labels, num_classes=2)
    with pytest.raises(InvalidArgumentError, match="whole numbers"):
        K.utils.to_categorical([0.5])

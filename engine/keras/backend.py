"""`tf.keras.backend`: the few session-level helpers Keras code calls."""
from .layer_utils import reset_object_names


def clear_session():
    """Start layer and model names afresh ("dense", not "dense_7"), as Keras's clear_session does."""
    reset_object_names()

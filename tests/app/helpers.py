"""Shared test helpers: a small stand-in extractor and synthetic shape images."""
import numpy as np

import engine as tf
from app.capture.synthetic import SHAPES, shape_scene
from app.ml import ImageFeatureExtractor


def small_extractor(seed=0):
    """A tiny conv net in place of EfficientNet-Lite0 (224x224 in, 12 features out), for tests about the rest."""
    tf.random.set_seed(seed)
    inputs = tf.keras.Input((224, 224, 3))
    x = tf.keras.layers.AveragePooling2D(8, name="shrink")(inputs)
    x = tf.keras.layers.Conv2D(12, 3, strides=2, activation="relu", name="features")(x)
    x = tf.keras.layers.GlobalAveragePooling2D(name="pool")(x)
    return ImageFeatureExtractor(model=tf.keras.Model(inputs, x, name="small_extractor"))


def shape_images(kind, count, seed=0, size=224):
    rng = np.random.default_rng([seed, SHAPES.index(kind)])
    return [shape_scene(rng, kind, size, size, palette=SHAPES.index(kind)) for _ in range(count)]

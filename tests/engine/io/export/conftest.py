"""Models for the export tests, shared by the lowering, ONNX and TFLite suites (import the builders from here).

- `LAYER_MODELS`: name -> builder of a small model covering one family of exportable layers, with
  seeded random weights (`randomize`) so that a misplaced weight shows; together they cover every
  layer and option the lowering supports.
- `every_layer_cnn()`: most of those layers chained in one CNN (nested Sequential and functional
  models included), as an app user's model would chain them.
- `image_app_model()` / `audio_app_model()`: the two models the app exports (EfficientNet-Lite0 and
  aiSFX with their shipped weights, each under the app's classification head).
- `sample_inputs(model, batch)`: seeded inputs for the small models; `image_inputs(batch)` and
  `audio_inputs(batch)` for the app's.

Every test here runs on the cpu backend (the GL backends are software in CI).
"""
import numpy as np
import pytest

import engine as tf
from engine.applications.audio import AisfxEmbedding, LogMelSpectrogram

from ..conftest import K, L, graph_model

__all__ = ["LAYER_MODELS", "every_layer_cnn", "image_app_model", "audio_app_model", "sample_inputs", "image_inputs",
           "audio_inputs"]

IMAGE_CLASSES = 3
AUDIO_SAMPLES = 44100
# What the app's exported models are made of (app/ml: the extractors' preprocessing, training.build_head),
# restated here so that these engine tests do not depend on the application package.
INPUT_MEAN, INPUT_SCALE = 127.0, 128.0
HEAD_UNITS, HEAD_DROPOUT = 100, 0.5


@pytest.fixture(autouse=True, scope="module")
def cpu_backend():
    previous = tf.get_backend()
    tf.set_backend("cpu")
    yield
    tf.set_backend(previous)


def sample_inputs(model, batch=3, seed=0):
    """Standard normal inputs of `model`'s input shapes with `batch` examples (a list, one per input)."""
    rng = np.random.default_rng(seed)
    return [rng.standard_normal((batch, *tensor.shape[1:])).astype(np.float32) for tensor in model.inputs]


def _layers(model):
    for layer in model.layers:
        if isinstance(layer, K.Model):
            yield from _layers(layer)
        else:
            yield layer


def randomize(model, seed):
    """Seeded random weights that keep activations responsive to the input through a dozen layers.

    Kernels are He-initialised (deviation sqrt(2 / fan in)), BatchNormalization's gamma lies in
    [0.5, 1.5] and variances in [0.5, 2]; biases, betas and means are small (deviation 0.2).
    """
    rng = np.random.default_rng(seed)
    for layer in _layers(model):
        for variable in layer.weights:
            shape, name = tuple(variable.shape), variable.name
            if not variable.dtype.is_floating:
                continue
            if "variance" in name:
                value = rng.uniform(0.5, 2.0, shape)
            elif "gamma" in name:
                value = rng.uniform(0.5, 1.5, shape)
            elif len(shape) >= 2:
                # A depthwise filter sees one input channel: its fan in is the window alone.
                depthwise = isinstance(layer, L.DepthwiseConv2D) or "depthwise" in name
                value = rng.normal(0.0, np.sqrt(2.0 / np.prod(shape[:-2] if depthwise else shape[:-1])), shape)
            else:
                value = rng.normal(0.0, 0.2, shape)
            variable.assign(value.astype(np.float32))
    return model


def _model(inputs, outputs, name, seed):
    return randomize(K.Model(inputs, outputs, name=name), seed=seed)


def dense_activations():
    """A Dense layer with each supported `activation=` on the same input, concatenated, then one without a bias."""
    inputs = K.Input((6,), name="features")
    branches = [L.Dense(4, activation=activation, name=f"dense_{activation}")(inputs)
                for activation in ("relu", "relu6", "sigmoid", "tanh", "hard_swish", "swish", "silu", "elu",
                                   "leaky_relu", "hard_sigmoid", "exponential", "softmax", "linear")]
    outputs = L.Dense(4, use_bias=False, name="no_bias")(L.Concatenate()(branches))
    return _model(inputs, outputs, "dense_activations", seed=1)


def activation_layers():
    """Each activation layer on the same (batch, 4, 5) input, concatenated."""
    inputs = K.Input((4, 5), name="values")
    layers = [L.ReLU(), L.ReLU(max_value=6.0), L.ReLU(max_value=0.7), L.ReLU(negative_slope=0.1),
              L.ReLU(max_value=0.8, negative_slope=0.2), L.ReLU(max_value=6.0, negative_slope=0.3), L.LeakyReLU(0.25),
              L.ELU(), L.ELU(alpha=0.5), L.Softmax(), L.Softmax(axis=1), L.Activation("sigmoid"),
              L.Activation("tanh"), L.Activation("hard_swish"), L.Activation("swish"), L.Activation("relu6"),
              L.Activation("linear")]
    return _model(inputs, L.Concatenate()([layer(inputs) for layer in layers]), "activation_layers", seed=2)


def convolutions():
    """Conv2D, DepthwiseConv2D and SeparableConv2D with their options, with BatchNormalization folded and not."""
    x = K.Input((9, 9, 3), name="image")
    outputs = [
        L.Conv2D(4, 3, padding="same", activation="relu")(x),
        L.ReLU()(L.BatchNormalization()(L.Conv2D(4, 3, strides=2)(x))),
        L.BatchNormalization()(L.Conv2D(4, (3, 2), dilation_rate=2, padding="same", use_bias=False)(x)),
        L.BatchNormalization()(L.DepthwiseConv2D(3, depth_multiplier=2, padding="same", activation="relu6")(x)),
        L.BatchNormalization()(L.DepthwiseConv2D(3, strides=2, padding="same", depth_multiplier=3,
                                                use_bias=False)(x)),
        L.SeparableConv2D(5, 3, padding="same", depth_multiplier=2, activation="tanh")(x),
        L.SeparableConv2D(4, (2, 3), strides=2, use_bias=False)(x),
    ]
    return _model(x, outputs, "convolutions", seed=3)


def pooling():
    x = K.Input((9, 8, 3), name="image")
    outputs = [L.MaxPooling2D()(x), L.MaxPooling2D(3, strides=2, padding="same")(x),
               L.AveragePooling2D(2, strides=1)(x), L.AveragePooling2D(3, strides=2, padding="same")(x),
               L.GlobalAveragePooling2D()(x), L.GlobalMaxPooling2D(keepdims=True)(x)]
    return _model(x, outputs, "pooling", seed=4)


def sequences():
    """1-D layers on (batch, steps, channels): Conv1D (same, strided, causal and dilated), pooling, Dense."""
    x = K.Input((12, 4), name="sequence")
    outputs = [L.Conv1D(5, 3, padding="same", activation="relu")(x), L.Conv1D(5, 3, strides=2)(x),
               L.BatchNormalization()(L.Conv1D(4, 3, padding="causal", dilation_rate=2)(x)),
               L.MaxPooling1D()(x), L.AveragePooling1D(3, strides=2, padding="same")(x),
               L.GlobalAveragePooling1D()(x), L.GlobalMaxPooling1D()(x), L.Dense(3, activation="tanh")(x)]
    return _model(x, outputs, "sequences", seed=5)


def merges():
    a, b = K.Input((4, 4, 3), name="a"), K.Input((4, 4, 3), name="b")
    c = K.Input((3,), name="c")
    outputs = [L.Add()([a, b, a]), L.Subtract()([a, b]), L.Multiply()([a, b]), L.Average()([a, b, b]),
               L.Maximum()([a, b]), L.Minimum()([a, b]), L.Concatenate()([a, b]), L.Concatenate(axis=1)([a, b]),
               L.Add()([a, c])]
    return _model([a, b, c], outputs, "merges", seed=6)


def preprocessing_and_shapes():
    x = K.Input((6, 6, 3), name="image")
    adapted = L.Normalization()
    adapted.adapt(np.random.default_rng(0).normal(2.0, 3.0, (20, 6, 6, 3)).astype(np.float32))
    outputs = [L.Rescaling(1 / 127.5, offset=-1.0)(x), L.Rescaling([0.5, 2.0, -1.0], offset=[0.1, 0.2, 0.3])(x),
               adapted(x), L.Normalization(mean=[1.0, 2.0, 3.0], variance=[4.0, 0.25, 1.0])(x),
               L.Normalization(mean=[1.0, 2.0, 3.0], variance=[4.0, 0.25, 1.0], invert=True)(x),
               L.Resizing(9, 11)(x), L.Resizing(4, 3)(x), L.Resizing(8, 8, antialias=True)(x),
               L.ZeroPadding2D(((1, 2), (0, 3)))(x), L.Cropping2D(((1, 0), (2, 1)))(x), L.Reshape((36, 3))(x),
               L.Flatten()(x), L.Permute((2, 1, 3))(x), L.Dense(2)(L.Dropout(0.5)(x))]
    return _model(x, outputs, "preprocessing_and_shapes", seed=7)


def nested_models():
    """Two inputs, a shared layer, a nested functional model called twice, a nested Sequential, two outputs."""
    return randomize(graph_model(), seed=8)


def _log_mel_model(name, num_samples, **settings):
    inputs = K.Input((num_samples,), name="waveform")
    return K.Model(inputs, LogMelSpectrogram(**settings, name="log_mel")(inputs), name=name)


def log_mel_frames_of_two_steps():
    return _log_mel_model("log_mel_frames_of_two_steps", 400, sample_rate=8000, frame_length=64, frame_step=32,
                          num_mel_bins=8)


def log_mel_steps_not_dividing_frames():
    return _log_mel_model("log_mel_steps_not_dividing_frames", 300, sample_rate=8000, frame_length=48,
                          frame_step=32, fft_length=64, num_mel_bins=6, window="hamming", periodic_window=True)


def log_mel_magnitude_uncentred():
    """Frame and step without a common block (each frame sliced on its own), magnitude, natural log."""
    return _log_mel_model("log_mel_magnitude_uncentred", 200, sample_rate=8000, frame_length=45, frame_step=28,
                          num_mel_bins=5, center=False, power=1.0, mel_normalization=None, log_scale=3.0,
                          log_offset=0.01, log_base=float(np.e))


LAYER_MODELS = {builder.__name__: builder for builder in (
    dense_activations, activation_layers, convolutions, pooling, sequences, merges, preprocessing_and_shapes,
    nested_models, log_mel_frames_of_two_steps, log_mel_steps_not_dividing_frames, log_mel_magnitude_uncentred)}


def every_layer_cnn():
    """One image CNN through most exportable layers, with a nested Sequential and a nested functional block."""
    image = K.Input((16, 16, 3), name="image")
    x = L.Rescaling(0.5, offset=0.25)(image)
    x = L.Normalization(mean=[0.1, -0.2, 0.0], variance=[1.5, 0.5, 1.0])(x)
    x = L.ZeroPadding2D(1)(x)
    x = L.BatchNormalization()(L.Conv2D(8, 3, activation="relu")(x))
    x = L.ReLU(max_value=6.0)(L.BatchNormalization()(L.Conv2D(8, 3, padding="same")(x)))
    x = L.ReLU(max_value=4.0, negative_slope=0.1)(L.BatchNormalization()(L.DepthwiseConv2D(3, padding="same")(x)))
    x = L.SeparableConv2D(8, 3, padding="same", activation="hard_swish")(x)
    x = L.MaxPooling2D()(x)
    averaged = L.AveragePooling2D(3, strides=1, padding="same")(x)
    x = L.Concatenate()([L.Add()([x, averaged]), L.Subtract()([x, averaged]), L.Multiply()([x, averaged]),
                         L.Average()([x, averaged]), L.Maximum()([x, averaged]), L.Minimum()([x, averaged])])
    x = L.Dropout(0.3)(L.Resizing(6, 6)(x))
    tower = K.Sequential([K.Input((6, 6, 48)), L.Conv2D(8, 1, activation="swish"), L.LeakyReLU(0.2),
                          L.BatchNormalization()], name="tower")
    block_input = K.Input((6, 6, 8))
    block_output = L.ELU()(L.Conv2D(8, 3, strides=2, padding="same", activation="sigmoid")(block_input))
    block = K.Model(block_input, L.Activation("tanh")(block_output), name="block")
    x = block(tower(x))
    pooled = L.Concatenate()([L.GlobalAveragePooling2D()(x), L.GlobalMaxPooling2D()(x)])
    sequence = L.Conv1D(4, 2, padding="causal")(L.Reshape((4, 4))(pooled))
    x = L.Flatten()(L.AveragePooling1D(2)(sequence))
    return randomize(K.Model(image, L.Dense(5, name="scores")(x), name="every_layer_cnn"), seed=11)


def _head(embedding_size, seed):
    """The app's classification head: Dense(100, relu) -> Dropout(0.5) -> Dense(classes, softmax)."""
    head = K.Sequential([K.Input((embedding_size,), name="embedding"),
                         L.Dense(HEAD_UNITS, activation="relu", name="hidden"),
                         L.Dropout(HEAD_DROPOUT, name="dropout"),
                         L.Dense(IMAGE_CLASSES, activation="softmax", name="scores")], name="head")
    return randomize(head, seed=seed)


def image_app_model():
    """The image app's exported model: raw RGB 0..255 -> preprocessing -> EfficientNet-Lite0 (shipped) -> head."""
    image = K.Input((224, 224, 3), name="image")
    x = L.Rescaling(1.0 / INPUT_SCALE, offset=-INPUT_MEAN / INPUT_SCALE, name="preprocess")(image)
    x = tf.applications.EfficientNetLite0(include_top=False, weights="imagenet", pooling="avg")(x)
    return K.Model(image, _head(x.shape[-1], seed=12)(x), name="glimmer_image_classifier")


def audio_app_model():
    """One second of 44.1 kHz audio -> aiSFX (log-mel front end and CNN, shipped weights) -> head."""
    waveform = K.Input((AUDIO_SAMPLES,), name="waveform")
    x = AisfxEmbedding(num_samples=AUDIO_SAMPLES)(waveform)
    return K.Model(waveform, _head(x.shape[-1], seed=13)(x), name="glimmer_audio_classifier")


def audio_inputs(batch, seed=0):
    """Noise at speech-like levels (the front end's log compresses whatever comes)."""
    return [0.1 * np.random.default_rng(seed).standard_normal((batch, AUDIO_SAMPLES)).astype(np.float32)]


def image_inputs(batch, seed=0):
    return [np.random.default_rng(seed).uniform(0.0, 255.0, (batch, 224, 224, 3)).astype(np.float32)]

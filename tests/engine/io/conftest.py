"""Shared pieces of the model-file tests: where the fixtures live and small models built with our layers."""
import os

import numpy as np

import engine as tf

FIXTURES = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), "fixtures")
NODE_DIR = os.path.join(os.path.dirname(FIXTURES), "node")
MODELS = ("mlp", "cnn", "nested", "submodels")

K = tf.keras
L = K.layers


def fixture_path(name):
    return os.path.join(FIXTURES, name)


def fixture_io(model):
    """(input, Keras's output) that make_fixtures.py stored for `model`."""
    return np.load(fixture_path(f"{model}.input.npy")), np.load(fixture_path(f"{model}.output.npy"))


def predict(model, inputs):
    outputs = model(inputs, training=False)
    if isinstance(outputs, (list, tuple)):
        return [np.asarray(output) for output in outputs]
    return np.asarray(outputs)


def randomize(model, seed=0):
    """Give every weight random values (variances positive), so a wrongly placed weight changes predictions."""
    rng = np.random.default_rng(seed)
    values = []
    for variable in model.weights:
        value = rng.normal(0.0, 0.5, variable.shape)
        if "variance" in variable.name:
            value = rng.uniform(0.5, 2.0, variable.shape)
        values.append(value.astype(np.float32))
    model.set_weights(values)
    return model


def graph_model():
    """Two inputs, a shared layer, a nested functional block, a nested Sequential and two outputs."""
    block_in = K.Input(shape=(5,), name="block_in")
    block = K.Model(block_in, L.Dense(5, activation="tanh", name="block_dense")(block_in), name="block")
    tower = K.Sequential([K.Input(shape=(5,)), L.Dense(4, activation="relu", name="tower_dense"),
                          L.BatchNormalization(name="tower_bn")], name="tower")
    left = K.Input(shape=(3,), name="left")
    right = K.Input(shape=(3,), name="right")
    shared = L.Dense(5, name="shared")
    joined = L.Add(name="joined")([shared(left), shared(right)])
    features = tower(block(joined))
    first = L.Dense(2, activation="softmax", name="first")(features)
    second = L.Dense(1, name="second")(L.Concatenate(name="concat")([features, block(joined)]))
    return randomize(K.Model([left, right], [first, second], name="graph"), seed=3)


def submodels_model():
    """The `submodels` fixture's architecture (see make_fixtures.py) built with our layers: the app's export shape
    (Input -> Rescaling -> a functional extractor -> a Sequential head) with each nested model called twice and
    calls of both among the three (batch, 4) outputs. Both nested models are first called in another graph, so
    their node lists start with a call that this model's files must not count."""
    block_input = K.Input(shape=(4,), name="block_input")
    block = K.Model(block_input, L.Dense(4, activation="tanh", name="block_dense")(block_input), name="block")
    head = K.Sequential([K.Input(shape=(4,)), L.Dense(6, activation="relu", name="head_hidden"),
                         L.Dense(4, activation="softmax", name="head_output")], name="head")
    elsewhere = K.Input(shape=(4,), name="elsewhere")
    K.Model(elsewhere, head(block(elsewhere)), name="other_graph")
    inputs = K.Input(shape=(3,), name="features")
    x = L.Rescaling(0.5, offset=-1.0, name="preprocess")(inputs)
    first = block(L.Dense(4, name="stem")(x))
    second = block(first)
    return randomize(K.Model(inputs, [head(second), first, head(first)], name="submodels"), seed=5)


def submodels_inputs():
    return np.random.default_rng(9).normal(size=(3, 3)).astype(np.float32)


def rnn_model():
    """Embedding, a Bidirectional LSTM, a GRU (reset_after=False: TF.js has no other) and a SimpleRNN."""
    tokens = K.Input(shape=(5,), name="tokens")
    x = L.Embedding(20, 6, name="embed")(tokens)
    x = L.Bidirectional(L.LSTM(4, return_sequences=True), name="bi")(x)
    x = L.GRU(3, reset_after=False, return_sequences=True, name="gru")(x)
    x = L.SimpleRNN(3, name="rnn")(x)
    return randomize(K.Model(tokens, L.Dense(2, name="out")(x), name="rnn_model"), seed=4)


def rnn_inputs():
    return np.random.default_rng(8).integers(0, 20, size=(3, 5)).astype(np.float32)


def graph_inputs():
    rng = np.random.default_rng(7)
    return [rng.normal(size=(4, 3)).astype(np.float32), rng.normal(size=(4, 3)).astype(np.float32)]



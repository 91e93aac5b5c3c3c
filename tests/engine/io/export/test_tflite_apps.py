"""The app's two exported models in LiteRT: EfficientNet-Lite0 and aiSFX, each under a head trained on synthetic data.

Like the app, each test case trains the head briefly on the extractor's embeddings of a small
project (synthetic shape pictures, synthetic sounds), calibrates int8 on those same samples,
and checks on a held-out set of new ones. The engine's outputs on the held-out set are the
reference for every file.
"""
import functools
import os

import numpy as np
import pytest
from ai_edge_litert.interpreter import Interpreter

import engine as tf
from app.capture.sounds import class_sound
from app.capture.synthetic import SHAPES, shape_scene
from engine.io.export.lowering import lower_model
from engine.io.export.tflite_writer import export_tflite

from .conftest import AUDIO_SAMPLES, IMAGE_CLASSES, K, audio_app_model, image_app_model
from .test_tflite_export import FLOAT32_TOLERANCE, float16_error_bound, rounded_to_float16, run_litert

TRAIN_PER_CLASS = 8
# 102 held-out examples: 99% agreement allows one disagreement.
HELD_OUT_PER_CLASS = 34
EMBEDDING_BATCH = 16


class AppCase:
    """A model with a trained head, its training samples (the calibration data), and held-out samples with the
    engine's scores for them."""

    def __init__(self, model, train, held_out, folder):
        self.model, self.folder = model, folder
        (self.train_inputs, train_labels), (self.held_out, self.held_out_labels) = train, held_out
        # Both app models are a chain: input -> preprocessing and extractor -> head.
        extractor_layers, head = model.layers[1:-1], model.get_layer("head")

        def embeddings(samples):
            batches = []
            for start in range(0, len(samples), EMBEDDING_BATCH):
                batch = samples[start:start + EMBEDDING_BATCH]
                for layer in extractor_layers:
                    batch = layer(batch, training=False)
                batches.append(np.asarray(batch))
            return np.concatenate(batches)

        head.compile(optimizer=K.optimizers.Adam(learning_rate=1e-3), loss="sparse_categorical_crossentropy")
        # The same head every run: fit() shuffles with numpy's global generator, dropout draws from the engine's.
        np.random.seed(0)
        tf.random.set_seed(0)
        head.fit(embeddings(self.train_inputs), train_labels, batch_size=8, epochs=10, verbose=0)
        self.expected = np.asarray(head(embeddings(self.held_out), training=False))

    def export(self, name, **options):
        return export_tflite(self.model, os.path.join(self.folder, f"{name}.tflite"), **options)

    @functools.cached_property
    def int8_path(self):
        """The int8 file with float32 ends, as the app exports it, calibrated on the training samples."""
        return self.export("int8", quantize="int8", representative_data=self.train_inputs)


def _images(per_class, seed):
    rng = np.random.default_rng(seed)
    images, labels = [], []
    for label, kind in enumerate(SHAPES[:IMAGE_CLASSES]):
        for _ in range(per_class):
            images.append(shape_scene(rng, kind, 224, 224, palette=int(rng.integers(0, 3)), noise=4.0))
            labels.append(label)
    return np.stack(images).astype(np.float32), np.array(labels)


def _sounds(per_class, seed):
    """One-second clips of classes 0.. (noise, tone, chirp), each from a different stretch of its recording."""
    clips, labels = [], []
    for label in range(IMAGE_CLASSES):
        for index in range(per_class):
            clips.append(class_sound(label, index * 3 * AUDIO_SAMPLES, AUDIO_SAMPLES, seed=seed))
            labels.append(label)
    return np.stack(clips), np.array(labels)


@pytest.fixture(scope="module")
def image_app(tmp_path_factory):
    return AppCase(image_app_model(), _images(TRAIN_PER_CLASS, seed=0),
                   _images(HELD_OUT_PER_CLASS, seed=1), tmp_path_factory.mktemp("image_app"))


@pytest.fixture(scope="module")
def audio_app(tmp_path_factory):
    return AppCase(audio_app_model(), _sounds(TRAIN_PER_CLASS, seed=0),
                   _sounds(HELD_OUT_PER_CLASS, seed=1), tmp_path_factory.mktemp("audio_app"))


APPS = ("image_app", "audio_app")
# int8 scores (softmax, output step 1/256) stay near the engine's: within two output steps on average and 0.08
# at worst (measured: mean 0.0027 and max 0.035 for the image app, 0.0012 and 0.0079 for the audio app).
INT8_MEAN_SCORE_ERROR = 2 / 256
INT8_MAX_SCORE_ERROR = 0.08


@pytest.mark.parametrize("app", APPS)
def test_float32_matches_engine(request, app):
    case = request.getfixturevalue(app)
    (actual,) = run_litert(case.export("float32"), [case.held_out[:4]])
    np.testing.assert_allclose(actual, case.expected[:4], atol=FLOAT32_TOLERANCE)


@pytest.mark.parametrize("app", APPS)
def test_float16_computes_with_half_weights(request, app):
    case = request.getfixturevalue(app)
    path = case.export("float16", quantize="float16")
    inputs = case.held_out[:2]
    (actual,) = run_litert(path, [inputs])
    rounded = rounded_to_float16(lower_model(case.model, "TFLite"))
    np.testing.assert_allclose(actual, rounded.evaluate([inputs])[rounded.outputs[0].name], atol=FLOAT32_TOLERANCE)
    assert np.abs(actual - case.expected[:2]).max() <= float16_error_bound(rounded, [case.expected])
    assert os.path.getsize(path) < 0.55 * os.path.getsize(case.export("float32"))


@pytest.mark.parametrize("app", APPS)
def test_int8_agrees_on_held_out_set(request, app):
    case = request.getfixturevalue(app)
    (actual,) = run_litert(case.int8_path, [case.held_out])
    predicted = case.expected.argmax(axis=1)
    # The claim is about a working classifier: the engine gets the held-out set right, every class included.
    assert np.mean(predicted == case.held_out_labels) >= 0.9
    assert set(predicted) == set(range(IMAGE_CLASSES))
    assert np.mean(actual.argmax(axis=1) == predicted) >= 0.99
    errors = np.abs(actual - case.expected)
    assert errors.mean() <= INT8_MEAN_SCORE_ERROR and errors.max() <= INT8_MAX_SCORE_ERROR


@pytest.mark.parametrize("app", APPS)
def test_int8_inputs_and_outputs_compute_as_float_ends(request, app):
    """An int8-io file computes exactly what the float-io file computes on inputs already on its input grid."""
    case = request.getfixturevalue(app)
    int8_io = case.export("int8_io", quantize="int8", representative_data=case.train_inputs, input_type="int8",
                          output_type="int8")
    interpreter = Interpreter(model_path=int8_io)
    (model_input,), (scores,) = interpreter.get_input_details(), interpreter.get_output_details()
    assert model_input["dtype"] == scores["dtype"] == np.int8
    assert scores["quantization"] == (1 / 256, -128)
    scale, zero_point = model_input["quantization"]
    on_grid = ((np.clip(np.round(case.held_out[:4] / scale) + zero_point, -128, 127) - zero_point)
               * np.float32(scale)).astype(np.float32)
    # One output step for a rounding tie the two paths may break differently.
    np.testing.assert_allclose(run_litert(int8_io, [on_grid])[0], run_litert(case.int8_path, [on_grid])[0],
                               atol=1 / 256)

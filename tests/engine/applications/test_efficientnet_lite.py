"""EfficientNet-Lite0 with the shipped ImageNet weights against the original PyTorch network.

References (tests/fixtures/efficientnet_lite0/make_fixtures.py, made once with the
efficientnet-lite-pytorch implementation and its checkpoint): "full" outputs come from the
original float32 checkpoint, "half" outputs from the same network with every weight rounded
through float16, which are exactly the values our float16 shards hold. So:
- agreement with "full" measures the network as shipped (cosine >= 0.9999, same top-1);
- agreement with "half" measures our float32 arithmetic on identical weights (1e-3 relative).

On the GL backends (Mesa's llvmpipe in CI) a forward pass at 224x224 takes a second or more,
so they predict the 4 photos one at a time and one image; cpu predicts the batch of 32 at once.
"""
import hashlib
import json
import os
import re

import numpy as np
import pytest

import engine as tf
from engine import applications
from engine.applications import efficientnet_lite
from engine.applications.weights import shipped_model_dir
from engine.errors import InvalidArgumentError

FIXTURES = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), "fixtures",
                        "efficientnet_lite0")
PHOTOS = ("chelsea", "coffee", "rocket", "astronaut")
MIN_COSINE = 0.9999
MAX_RELATIVE_ERROR = 1e-3


@pytest.fixture(scope="module")
def photos():
    stored = np.load(os.path.join(FIXTURES, "photos.npz"))
    return np.stack([stored[name] for name in PHOTOS])


@pytest.fixture(scope="module")
def reference():
    return dict(np.load(os.path.join(FIXTURES, "reference.npz")))


@pytest.fixture(scope="module")
def versions():
    with open(os.path.join(FIXTURES, "versions.json")) as handle:
        return json.load(handle)


def dihedral_batch(photos):
    """The fixture script's batch of 32: each photo in its 8 mirror/rotation variants."""
    return np.stack([np.rot90(np.flip(photo, 1) if mirrored else photo, k)
                     for photo in photos for mirrored in (False, True) for k in range(4)])


def preprocess(images):
    return efficientnet_lite.preprocess_input(images.astype(np.float32))


def cosine(a, b):
    return np.sum(a * b, axis=-1) / (np.linalg.norm(a, axis=-1) * np.linalg.norm(b, axis=-1))


def relative_error(ours, theirs):
    """Largest deviation per row, relative to the row's largest reference value."""
    return np.max(np.abs(ours - theirs), axis=-1) / np.max(np.abs(theirs), axis=-1)


def softmax(logits):
    shifted = np.exp(logits - logits.max(axis=-1, keepdims=True))
    return shifted / shifted.sum(axis=-1, keepdims=True)


def assert_embeddings_match(ours, reference, key, rows):
    assert ours.shape == (len(rows), 1280)
    full, half = reference[f"full_{key}"][rows], reference[f"half_{key}"][rows]
    assert np.min(cosine(ours, full)) >= MIN_COSINE
    assert np.max(relative_error(ours, half)) <= MAX_RELATIVE_ERROR


def test_photos_top1_and_embeddings_match_the_original_network(backend, photos, reference):
    # The original network calls the unrotated photos Egyptian cat (285), espresso (967), missile (657) and
    # class 450 for the astronaut (p = 0.20); rotated variants get other classes, which must match too.
    rows = np.arange(32) if backend == "cpu" else np.arange(0, 32, 8)  # the unrotated photos
    images = dihedral_batch(photos)[rows]
    classifier = applications.EfficientNetLite0()
    both = tf.keras.Model(classifier.input, [classifier.get_layer("avg_pool").output, classifier.output])
    # On GL, batches of one reuse the shaders the single-image test compiles (they are specialised by shape).
    batch_size = 32 if backend == "cpu" else 1
    embeddings, probabilities = both.predict(preprocess(images), batch_size=batch_size, verbose=0)
    assert probabilities.shape == (len(rows), 1000)
    np.testing.assert_array_equal(np.argmax(probabilities, -1), np.argmax(reference["full_logits"][rows], -1))
    np.testing.assert_allclose(probabilities, softmax(reference["half_logits"][rows]), atol=1e-4)
    assert_embeddings_match(embeddings, reference, "embeddings", rows)


def test_predict_single_image(backend, photos, reference):
    extractor = applications.EfficientNetLite0(include_top=False, pooling="avg")
    embedding = extractor.predict(preprocess(photos[:1]), verbose=0)
    assert_embeddings_match(embedding, reference, "embeddings", [0])


def test_other_input_sizes_pad_like_the_original(photos, reference):
    # 200x168 halves to odd sizes (25x21, 13x11), where "same" padding is symmetric for some
    # layers and lopsided for others; the reference network was built for this size.
    crops = photos[:, :200, :168]
    classifier = applications.EfficientNetLite0(input_shape=(200, 168, 3), classifier_activation=None)
    logits = classifier.predict(preprocess(crops), verbose=0)
    np.testing.assert_array_equal(np.argmax(logits, -1), np.argmax(reference["full_crop_logits"], -1))
    np.testing.assert_allclose(logits, reference["half_crop_logits"], atol=MAX_RELATIVE_ERROR * 10)
    extractor = applications.EfficientNetLite0(include_top=False, pooling="avg", input_shape=(200, 168, 3))
    assert_embeddings_match(extractor.predict(preprocess(crops), verbose=0), reference, "crop_embeddings",
                            list(range(4)))


def test_max_pooling_and_the_feature_map(photos, reference):
    image = preprocess(photos[:1])
    max_pooled = applications.EfficientNetLite0(include_top=False, pooling="max").predict(image, verbose=0)
    assert max_pooled.shape == (1, 1280)
    assert cosine(max_pooled[0], reference["full_chelsea_max"]) >= MIN_COSINE
    assert relative_error(max_pooled[0], reference["half_chelsea_max"]) <= MAX_RELATIVE_ERROR
    feature_map = applications.EfficientNetLite0(include_top=False).predict(image, verbose=0)
    assert feature_map.shape == (1, 7, 7, 1280)
    assert relative_error(feature_map.mean(axis=(1, 2))[0], reference["half_embeddings"][0]) <= MAX_RELATIVE_ERROR


def test_architecture_is_the_lite_variant(versions):
    model = applications.EfficientNetLite0(weights=None)
    trainable = sum(int(np.prod(variable.shape)) for variable in model.trainable_weights)
    assert trainable == versions["trainable_parameters"] == 4652008
    names = [layer.name for layer in model.layers]
    assert names[:4] == ["input_layer", "stem_conv", "stem_bn", "stem_activation"]
    assert names[-6:] == ["top_conv", "top_bn", "top_activation", "avg_pool", "top_dropout", "predictions"]
    assert {name.split("_")[0] for name in names if name.startswith("block")} == {
        "block1a", "block2a", "block2b", "block3a", "block3b", "block4a", "block4b", "block4c", "block5a",
        "block5b", "block5c", "block6a", "block6b", "block6c", "block6d", "block7a"}
    kinds = {type(layer).__name__ for layer in model.layers}
    assert kinds == {"InputLayer", "Conv2D", "DepthwiseConv2D", "BatchNormalization", "ReLU", "Dropout", "Add",
                     "GlobalAveragePooling2D", "Dense"}  # no squeeze-and-excitation (no Multiply, no sigmoid)
    for layer in model.layers:
        if isinstance(layer, tf.keras.layers.ReLU):
            assert layer.max_value == 6
        if isinstance(layer, tf.keras.layers.BatchNormalization):
            assert layer.epsilon == 1e-3
        if isinstance(layer, (tf.keras.layers.Conv2D, tf.keras.layers.DepthwiseConv2D)):
            assert layer.padding == "same"


def test_new_classifier_without_weights(photos):
    model = applications.EfficientNetLite0(weights=None, classes=5)
    probabilities = model.predict(preprocess(photos[:2]), verbose=0)
    assert probabilities.shape == (2, 5)
    np.testing.assert_allclose(probabilities.sum(-1), 1.0, rtol=1e-5)


def test_shipped_files_load_as_a_tfjs_model(photos):
    directory = shipped_model_dir(efficientnet_lite.WEIGHTS_NAME)
    loaded = tf.keras.models.load_model(directory)
    built = applications.EfficientNetLite0()
    assert [layer.name for layer in loaded.layers] == [layer.name for layer in built.layers]
    image = preprocess(photos[1:2])
    np.testing.assert_allclose(loaded.predict(image, verbose=0), built.predict(image, verbose=0), atol=1e-6)
    with open(os.path.join(directory, "model.json")) as handle:
        manifest = json.load(handle)["weightsManifest"]
    quantizations = {entry.get("quantization", {}).get("dtype") for group in manifest for entry in group["weights"]}
    assert quantizations == {"float16"}


def test_shipped_files_match_the_checksums_in_the_readme():
    directory = shipped_model_dir(efficientnet_lite.WEIGHTS_NAME)
    with open(os.path.join(directory, "README.md")) as handle:
        listed = {name: digest for digest, name in re.findall(r"^([0-9a-f]{64})  (\S+)$", handle.read(), re.MULTILINE)}
    assert sorted(listed) == sorted(set(os.listdir(directory)) - {"README.md"})
    for name, digest in listed.items():
        with open(os.path.join(directory, name), "rb") as handle:
            assert hashlib.sha256(handle.read()).hexdigest() == digest, name


def test_preprocess_input_maps_pixels_to_the_training_range():
    pixels = np.array([[0.0, 127.0, 255.0]], np.float32)
    expected = [[-127 / 128, 0.0, 1.0]]
    np.testing.assert_allclose(efficientnet_lite.preprocess_input(pixels), expected)
    np.testing.assert_allclose(efficientnet_lite.preprocess_input(tf.constant(pixels)).numpy(), expected)


@pytest.mark.parametrize("arguments, message", [
    ({"weights": "noisy-student"}, "weights must be"),
    ({"pooling": "sum"}, "pooling must be"),
    ({"classes": 10}, "1000 classes"),
    ({"input_shape": (224, 224, 1)}, "input_shape must be"),
    ({"input_shape": (16, 224, 3)}, "at least 32"),
])
def test_invalid_arguments(arguments, message):
    with pytest.raises(InvalidArgumentError, match=message):
        applications.EfficientNetLite0(**arguments)

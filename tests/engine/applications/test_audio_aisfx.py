"""aiSFX's embedding network with the shipped weights, against embeddings of the original PyTorch implementation.

The reference (tests/fixtures/aisfx, made once by make_fixture.py) ran the wheel's own code:
Essentia spectrograms, aisfx.inference's blocking and CrossNet.get_embedding on the CPU.
"""
import json
import os
import shutil
import subprocess

import numpy as np
import pytest

import engine as tf
from engine.applications.audio import AisfxEmbedding, AisfxEmbeddingNet, LogMelSpectrogram, aisfx, embed_clip
from engine.applications.weights import shipped_model_dir
from engine.errors import InvalidArgumentError

from .test_audio_log_mel import REFERENCE, read_fixture_clip

NODE_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), "node")
# Every embedding value of the fixtures is positive (the smallest is 0.049), so the elementwise
# relative error is meaningful.
RTOL = 1e-3


@pytest.fixture(scope="module")
def embedding_net():
    previous = tf.get_backend()
    tf.set_backend("cpu")
    net = AisfxEmbeddingNet()
    tf.set_backend(previous)
    return net


def reference_blocks(clip, hop):
    """aiSFX's normalised spectrogram blocks of a fixture clip, cut as aisfx.preprocessing.blocking does."""
    spectrogram = REFERENCE[f"{clip}_spectrogram"] / aisfx.SPECTROGRAM_MAX
    count = REFERENCE[f"{clip}_embeddings"].shape[0]
    padded = np.vstack([spectrogram, np.zeros((aisfx.BLOCK_FRAMES, aisfx.NUM_MEL_BINS), np.float32)])
    step = round(aisfx.BLOCK_FRAMES * hop)
    return np.stack([padded[i * step:i * step + aisfx.BLOCK_FRAMES] for i in range(count)])


def test_network_on_aisfx_spectrogram_blocks(embedding_net):
    """The CNN alone, fed aiSFX's own (Essentia) spectrogram blocks: 3 blocks from the two clips."""
    blocks = np.concatenate([reference_blocks("events", 0.5), reference_blocks("chirp", 0.4)])
    expected = np.concatenate([REFERENCE["events_embeddings"], REFERENCE["chirp_embeddings"]])
    output = embedding_net.predict(blocks, verbose=0)
    assert output.shape == (3, aisfx.EMBEDDING_SIZE)
    np.testing.assert_allclose(output, expected, rtol=RTOL)


def test_embed_clip_reproduces_aisfx_blocks(embedding_net):
    """3.5 s of audio -> our front end -> aiSFX's blocking (two blocks, half a block apart) -> the CNN."""
    output = embed_clip(read_fixture_clip("events"), embedding_net).numpy()
    np.testing.assert_allclose(output, REFERENCE["events_embeddings"], rtol=RTOL)


def test_embed_clip_pads_a_short_clip_to_one_block(embedding_net):
    output = embed_clip(read_fixture_clip("chirp"), embedding_net).numpy()
    np.testing.assert_allclose(output, REFERENCE["chirp_embeddings"], rtol=RTOL)


def test_embed_clip_block_count_follows_aisfx():
    """aisfx.preprocessing.blocking's count: ceil((frames - 100) / hop + 1), the incomplete last block dropped."""
    # Counting needs no CNN: a stand-in that averages each block over time.
    net = tf.keras.Sequential([tf.keras.Input((aisfx.BLOCK_FRAMES, aisfx.NUM_MEL_BINS)),
                               tf.keras.layers.GlobalAveragePooling1D()])
    clip = np.zeros(20 * 44100, np.float32)   # 863 frames
    assert embed_clip(clip, net, drop_partial_block=False).shape == (17, 96)    # ceil(763 / 50 + 1)
    assert embed_clip(clip, net).shape == (16, 96)                              # the 17th ends past frame 863
    assert embed_clip(clip, net, hop=1.0).shape == (8, 96)                      # ceil(763 / 100 + 1) - 1
    with pytest.raises(InvalidArgumentError, match="hop"):
        embed_clip(clip, net, hop=1.5)
    with pytest.raises(InvalidArgumentError, match="mono"):
        embed_clip(np.zeros((2, 44100), np.float32), net)


def test_waveform_model_on_one_second_clip(backend):
    """The whole extractor, front end included, on the 1 s clip: batch 1 on every backend."""
    model = AisfxEmbedding()
    assert model.input_shape == (None, aisfx.SAMPLE_RATE) and model.output_shape == (None, aisfx.EMBEDDING_SIZE)
    assert isinstance(model.layers[1], LogMelSpectrogram)
    output = model(read_fixture_clip("chirp")[None]).numpy()
    np.testing.assert_allclose(output, REFERENCE["chirp_embeddings"], rtol=RTOL)


def test_waveform_model_predicts_batches_and_round_trips(tmp_path):
    model = AisfxEmbedding(num_samples=22050)
    clips = np.random.default_rng(5).uniform(-0.3, 0.3, (4, 22050)).astype(np.float32)
    clips[2] = read_fixture_clip("chirp")[:22050]
    batched = model.predict(clips, batch_size=4, verbose=0)
    np.testing.assert_allclose(batched[2], model.predict(clips[2:3], verbose=0)[0], rtol=1e-5)
    path = str(tmp_path / "aisfx.keras")
    model.save(path)
    np.testing.assert_array_equal(tf.keras.models.load_model(path).predict(clips, verbose=0), batched)


def test_shipped_model_loads_as_a_plain_keras_model():
    """assets/models/aisfx is a TF.js layers model of standard layers: it loads without our builders."""
    directory = shipped_model_dir(aisfx.WEIGHTS_NAME)
    loaded = tf.keras.models.load_model(os.path.join(directory, "model.json"))
    assert loaded.input_shape == (None, aisfx.BLOCK_FRAMES, aisfx.NUM_MEL_BINS)
    assert loaded.count_params() == AisfxEmbeddingNet(weights=None).count_params() == 4_689_984
    blocks = reference_blocks("chirp", 0.4)
    np.testing.assert_allclose(loaded.predict(blocks, verbose=0), REFERENCE["chirp_embeddings"], rtol=RTOL)
    with open(os.path.join(directory, "model.json"), encoding="utf-8") as handle:
        manifest = json.load(handle)["weightsManifest"]
    assert {entry["dtype"] for group in manifest for entry in group["weights"]} == {"float32"}
    with open(os.path.join(directory, "LICENSE"), encoding="utf-8") as handle:
        assert handle.read().startswith("Attribution 4.0 International")
    with open(os.path.join(directory, "README.md"), encoding="utf-8") as handle:
        readme = handle.read()
    assert "CC BY 4.0" in readme and "44.1 kHz" in readme and "packaging/convert_aisfx.py" in readme


def test_shipped_model_runs_in_tfjs(tmp_path):
    """The real @tensorflow/tfjs (tests/node, installed by `make test`) loads the shipped folder as it is."""
    node = shutil.which("node")
    assert node and os.path.isdir(os.path.join(NODE_DIR, "node_modules", "@tensorflow", "tfjs")), \
        "the TF.js check needs Node.js and `npm ci` in tests/node; `make test` installs both"
    block = reference_blocks("chirp", 0.4)
    jobs, results = tmp_path / "jobs.json", tmp_path / "results.json"
    jobs.write_text(json.dumps({"jobs": [{"model": shipped_model_dir(aisfx.WEIGHTS_NAME), "inputs": [
        {"shape": list(block.shape), "data": block.ravel().tolist()}]}]}))
    completed = subprocess.run([node, os.path.join(NODE_DIR, "tfjs_check.mjs"), "predict", str(jobs), str(results)],
                               capture_output=True, text=True, timeout=300)
    assert completed.returncode == 0, completed.stderr[-3000:]
    output = json.loads(results.read_text())["results"][0]["outputs"][0]
    embedding = np.array(output["data"], np.float32).reshape(output["shape"])
    np.testing.assert_allclose(embedding, REFERENCE["chirp_embeddings"], rtol=RTOL)


def test_variable_length_network_and_bad_arguments():
    net = AisfxEmbeddingNet(weights=None, num_frames=None)
    assert net.predict(np.zeros((1, 37, 96), np.float32), verbose=0).shape == (1, 512)
    with pytest.raises(InvalidArgumentError, match="num_frames"):
        AisfxEmbeddingNet(weights=None, num_frames=4)
    with pytest.raises(InvalidArgumentError, match="weights"):
        AisfxEmbedding(weights="imagenet")
    with pytest.raises(InvalidArgumentError, match="num_samples"):
        AisfxEmbedding(num_samples=None)

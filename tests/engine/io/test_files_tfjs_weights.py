"""TF.js weight manifests and shards: dtypes, affine uint8/uint16 and float16 quantization, sharding, damage."""
import json
import os

import numpy as np
import pytest

from engine.errors import ModelFormatError
from engine.io.tfjs_weights import dequantize_weight, quantize_weight, read_weights, write_weights

from .conftest import fixture_path


def _reader(folder):
    def read(name):
        with open(os.path.join(folder, name), "rb") as handle:
            return handle.read()
    return read


def _converter_quantize(values, levels):
    """The tensorflowjs converter's affine quantization, restated in float64 numpy (zero nudged onto the grid)."""
    low, high = float(values.min()), float(values.max())
    scale = (high - low) / levels
    if low <= 0 <= high:
        low = -np.round(-low / scale) * scale
    stored = np.round((np.clip(values, low, low + levels * scale) - low) / scale)
    return stored, low, scale


@pytest.mark.parametrize("dtype,levels", [("uint8", 255), ("uint16", 65535)])
def test_affine_quantization_matches_the_converter_and_keeps_zero_exact(dtype, levels):
    values = np.concatenate([np.linspace(-0.73, 1.91, 97), [0.0]]).astype(np.float32)
    stored, quantization = quantize_weight(values, dtype)
    expected_stored, expected_min, expected_scale = _converter_quantize(values.astype(np.float64), levels)
    np.testing.assert_array_equal(stored, expected_stored)
    assert quantization == {"dtype": dtype, "min": pytest.approx(expected_min), "scale": pytest.approx(expected_scale)}
    restored = dequantize_weight(stored, quantization)
    assert restored[-1] == 0.0
    assert np.abs(restored - values).max() <= expected_scale / 2 * (1 + 1e-6)


def test_quantizing_a_constant_weight_stores_zeros_and_restores_it():
    stored, quantization = quantize_weight(np.full((3,), 0.25, np.float32), "uint8")
    np.testing.assert_array_equal(stored, [0, 0, 0])
    np.testing.assert_array_equal(dequantize_weight(stored, quantization), [0.25, 0.25, 0.25])


def test_int32_weights_quantized_by_others_are_rounded_back():
    quantization = {"dtype": "uint8", "min": -2.0, "scale": 0.5}
    restored = dequantize_weight(np.array([0, 3, 9], np.uint8), quantization, "int32")
    assert restored.dtype == np.int32
    np.testing.assert_array_equal(restored, [-2, 0, 2])  # -0.5 and 2.5 round half to even


def test_write_then_read_keeps_every_dtype_and_splits_shards(tmp_path):
    weights = [("a/kernel", np.arange(12, dtype=np.float32).reshape(3, 4) / 7),
               ("a/count", np.array([5, -7], np.int32)),
               ("a/mask", np.array([True, False, True])),
               ("b/empty", np.zeros((0, 3), np.float32)),
               ("b/scalar", np.float32(2.5))]
    manifest = write_weights(weights, str(tmp_path), shard_size_bytes=10)
    paths = manifest[0]["paths"]
    sizes = [os.path.getsize(tmp_path / path) for path in paths]
    assert paths[0] == f"group1-shard1of{len(paths)}.bin" and max(sizes) <= 10
    assert sum(sizes) == 12 * 4 + 2 * 4 + 3 + 4
    read = read_weights(json.loads(json.dumps(manifest)), _reader(tmp_path), "test")
    assert list(read) == [name for name, _ in weights]
    for name, value in weights:
        assert read[name].dtype == np.asarray(value).dtype
        np.testing.assert_array_equal(read[name], value)


@pytest.mark.parametrize("quantize", ["uint8", "uint16", "float16"])
def test_quantized_write_leaves_integer_weights_alone(tmp_path, quantize):
    weights = [("w", np.linspace(-1, 1, 50, dtype=np.float32)), ("steps", np.array([3], np.int32))]
    manifest = write_weights(weights, str(tmp_path), quantize=quantize)
    entries = {entry["name"]: entry for entry in manifest[0]["weights"]}
    assert entries["w"]["quantization"]["dtype"] == quantize and entries["w"]["dtype"] == "float32"
    assert "quantization" not in entries["steps"]
    read = read_weights(manifest, _reader(tmp_path), "test")
    np.testing.assert_array_equal(read["steps"], [3])
    step = {"uint8": 2 / 255, "uint16": 2 / 65535, "float16": 1e-3}[quantize]
    np.testing.assert_allclose(read["w"], weights[0][1], atol=step)


def test_groups_are_read_each_from_its_own_shards():
    manifest = [{"paths": ["one.bin"], "weights": [{"name": "x", "shape": [2], "dtype": "float32"}]},
                {"paths": ["two.bin"], "weights": [{"name": "y", "shape": [1], "dtype": "int32"}]}]
    shards = {"one.bin": np.array([1.5, -2], "<f4").tobytes(), "two.bin": np.array([9], "<i4").tobytes()}
    read = read_weights(manifest, shards.__getitem__, "test")
    np.testing.assert_array_equal(read["x"], [1.5, -2])
    np.testing.assert_array_equal(read["y"], [9])


def test_converter_fixture_decodes_to_the_unquantized_fixture_weights():
    plain = read_weights(json.load(open(fixture_path("cnn.tfjs/model.json")))["weightsManifest"],
                         _reader(fixture_path("cnn.tfjs")), "cnn.tfjs")
    sharded = read_weights(json.load(open(fixture_path("cnn.tfjs_sharded/model.json")))["weightsManifest"],
                           _reader(fixture_path("cnn.tfjs_sharded")), "cnn.tfjs_sharded")
    assert list(plain) == list(sharded)
    for name in plain:
        np.testing.assert_array_equal(plain[name], sharded[name])


@pytest.mark.parametrize("entry,message", [
    ({"name": "w", "shape": [2], "dtype": "float64"}, "dtype 'float64'"),
    ({"name": "w", "shape": [-1], "dtype": "float32"}, "shape must be"),
    ({"name": "", "shape": [1], "dtype": "float32"}, "non-empty string"),
    ({"name": "w", "shape": [1], "dtype": "float32", "quantization": {"dtype": "uint8", "min": 0}}, "'scale'"),
    ({"name": "w", "shape": [1], "dtype": "float32", "quantization": {"dtype": "int4"}}, "quantization"),
    ({"name": "w", "shape": [1], "dtype": "int32", "quantization": {"dtype": "float16"}}, "float16"),
])
def test_malformed_entries_are_named(entry, message):
    with pytest.raises(ModelFormatError, match=message) as caught:
        read_weights([{"paths": ["s.bin"], "weights": [entry]}], lambda name: b"\0" * 64, "m.json")
    assert "m.json" in str(caught.value)


def test_a_shard_of_the_wrong_size_or_a_missing_shard_is_reported():
    manifest = [{"paths": ["a.bin", "b.bin"], "weights": [{"name": "w", "shape": [4], "dtype": "float32"}]}]
    with pytest.raises(ModelFormatError, match="hold 15 bytes.*need 16"):
        read_weights(manifest, {"a.bin": b"\0" * 8, "b.bin": b"\0" * 7}.__getitem__, "m.json")
    with pytest.raises(ModelFormatError, match="hold 17 bytes"):
        read_weights(manifest, {"a.bin": b"\0" * 8, "b.bin": b"\0" * 9}.__getitem__, "m.json")

    def missing(name):
        raise FileNotFoundError(name)
    with pytest.raises(ModelFormatError, match="shard 'a.bin' is missing"):
        read_weights(manifest, missing, "m.json")


def test_shard_paths_cannot_leave_the_model_folder():
    manifest = [{"paths": ["../secret.bin"], "weights": []}]
    with pytest.raises(ModelFormatError, match="shard file names"):
        read_weights(manifest, lambda name: b"", "m.json")


def test_bool_weights_must_hold_zeros_and_ones():
    manifest = [{"paths": ["s.bin"], "weights": [{"name": "m", "shape": [2], "dtype": "bool"}]}]
    with pytest.raises(ModelFormatError, match="bool"):
        read_weights(manifest, lambda name: b"\x01\x07", "m.json")

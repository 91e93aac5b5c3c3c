"""TF.js weight files: the `weightsManifest` of a model.json and its binary shards.

A manifest is a list of groups `{"paths": [shard files], "weights": [entries]}`. A group's
shards, concatenated in order, hold its entries' bytes back to back (little-endian, no padding).
An entry is `{"name", "shape", "dtype"}` with dtype float32, int32 or bool, plus optionally
`"quantization": {"dtype": "uint8"|"uint16", "scale", "min"}` (affine: value = q * scale + min,
rounded for int32) or `{"dtype": "float16"}`, which is how the bytes are stored.
"""
import math
import os
import re

import numpy as np

from ..errors import ModelFormatError

__all__ = ["read_weights", "write_weights", "quantize_weight", "dequantize_weight",
           "DEFAULT_SHARD_SIZE_BYTES", "QUANTIZATION_DTYPES"]

DEFAULT_SHARD_SIZE_BYTES = 4 * 1024 * 1024
QUANTIZATION_DTYPES = ("uint8", "uint16", "float16")
_STORED_DTYPES = {"float32": "<f4", "int32": "<i4", "bool": "u1"}
_QUANTIZED_DTYPES = {"uint8": "u1", "uint16": "<u2", "float16": "<f2"}
# A shard path may name a file beside model.json, never one elsewhere.
_SAFE_PATH = re.compile(r"^[A-Za-z0-9_.\-]+$")


def read_weights(manifest, read_shard, source):
    """{weight name: numpy array} from `manifest`, reading shard files with `read_shard(path) -> bytes`.

    `source` names the model.json in error messages. Every malformed manifest entry, missing
    shard, shard of the wrong total size or undecodable value raises ModelFormatError.
    """
    if not isinstance(manifest, list):
        raise ModelFormatError(f"{source}: 'weightsManifest' must be a list of groups, got {type(manifest).__name__}")
    weights = {}
    for group_index, group in enumerate(manifest):
        where = f"{source}: weightsManifest[{group_index}]"
        if not isinstance(group, dict):
            raise ModelFormatError(f"{where} must be an object with 'paths' and 'weights'")
        paths, entries = group.get("paths"), group.get("weights")
        if not isinstance(paths, list) or not all(isinstance(p, str) and _SAFE_PATH.match(p) for p in paths):
            raise ModelFormatError(f"{where}: 'paths' must list shard file names beside model.json, got {paths!r}")
        if not isinstance(entries, list):
            raise ModelFormatError(f"{where}: 'weights' must be a list of weight entries")
        specs = [_parse_entry(entry, f"{where}.weights[{i}]") for i, entry in enumerate(entries)]
        needed = sum(spec["nbytes"] for spec in specs)
        data = b"".join(_read_one_shard(read_shard, path, source) for path in paths)
        if len(data) != needed:
            raise ModelFormatError(
                f"{where}: shards {', '.join(paths) or '(none)'} hold {len(data)} bytes, but the weights "
                f"{', '.join(spec['name'] for spec in specs) or '(none)'} need {needed}: a shard is truncated, "
                "missing or of the wrong size")
        offset = 0
        for spec in specs:
            if spec["name"] in weights:
                raise ModelFormatError(f"{where}: weight {spec['name']!r} appears twice in the manifest")
            raw = data[offset:offset + spec["nbytes"]]
            offset += spec["nbytes"]
            weights[spec["name"]] = _decode(raw, spec, where)
    return weights


def _read_one_shard(read_shard, path, source):
    try:
        return read_shard(path)
    except FileNotFoundError as exc:
        raise ModelFormatError(f"{source}: weight shard {path!r} is missing") from exc
    except OSError as exc:
        raise ModelFormatError(f"{source}: cannot read weight shard {path!r}: {exc}") from exc


def _parse_entry(entry, where):
    if not isinstance(entry, dict):
        raise ModelFormatError(f"{where} must be an object with name, shape and dtype")
    name, shape, dtype = entry.get("name"), entry.get("shape"), entry.get("dtype")
    if not isinstance(name, str) or not name:
        raise ModelFormatError(f"{where}: weight name must be a non-empty string, got {name!r}")
    where = f"{where} ({name!r})"
    if (not isinstance(shape, list)
            or not all(isinstance(d, int) and not isinstance(d, bool) and 0 <= d < 2 ** 31 for d in shape)):
        raise ModelFormatError(f"{where}: shape must be a list of non-negative integers, got {shape!r}")
    if dtype not in _STORED_DTYPES:
        raise ModelFormatError(f"{where}: dtype {dtype!r} is not one of {sorted(_STORED_DTYPES)}")
    size = math.prod(shape)
    quantization = entry.get("quantization")
    if quantization is None:
        stored = _STORED_DTYPES[dtype]
    else:
        if not isinstance(quantization, dict) or quantization.get("dtype") not in _QUANTIZED_DTYPES:
            raise ModelFormatError(f"{where}: quantization must name a dtype among {list(_QUANTIZED_DTYPES)}, "
                                   f"got {quantization!r}")
        if dtype == "bool":
            raise ModelFormatError(f"{where}: bool weights cannot be quantized")
        if quantization["dtype"] == "float16":
            if dtype != "float32":
                raise ModelFormatError(f"{where}: float16 quantization holds only float32 weights, not {dtype}")
        else:
            for key in ("scale", "min"):
                value = quantization.get(key)
                if not isinstance(value, (int, float)) or isinstance(value, bool) or not math.isfinite(value):
                    raise ModelFormatError(f"{where}: {quantization['dtype']} quantization needs a finite "
                                           f"{key!r}, got {value!r}")
        stored = _QUANTIZED_DTYPES[quantization["dtype"]]
    return {"name": name, "shape": tuple(shape), "dtype": dtype, "quantization": quantization,
            "stored": stored, "nbytes": size * np.dtype(stored).itemsize}


def _decode(raw, spec, where):
    values = np.frombuffer(raw, dtype=spec["stored"]).reshape(spec["shape"])
    quantization = spec["quantization"]
    if quantization is not None:
        return dequantize_weight(values, quantization, spec["dtype"])
    if spec["dtype"] == "bool":
        if values.size and values.max() > 1:
            raise ModelFormatError(f"{where}: weight {spec['name']!r} is bool but holds bytes other than 0 and 1")
        return values.astype(bool)
    return values.astype(spec["dtype"])


def dequantize_weight(values, quantization, dtype="float32"):
    """The weight stored as `values` under `quantization` (a manifest entry's "quantization" dict)."""
    if quantization["dtype"] == "float16":
        return values.astype(np.float32)
    restored = values.astype(np.float64) * float(quantization["scale"]) + float(quantization["min"])
    if dtype == "int32":
        return np.round(restored).astype(np.int32)
    return restored.astype(np.float32)


def quantize_weight(values, dtype):
    """(stored values, quantization dict) for a float32 array, as the tensorflowjs converter quantizes.

    uint8/uint16 map [min, max] linearly onto the integer range; when the range spans zero it is
    shifted so that 0.0 lands exactly on an integer (zero padding and ReLU zeros stay exact).
    """
    if dtype == "float16":
        return values.astype("<f2"), {"dtype": "float16"}
    if dtype not in ("uint8", "uint16"):
        raise ModelFormatError(f"quantization dtype must be one of {QUANTIZATION_DTYPES}, got {dtype!r}")
    values = np.asarray(values, dtype=np.float32)
    low = float(values.min()) if values.size else 0.0
    high = float(values.max()) if values.size else 0.0
    levels = np.iinfo(dtype).max
    if low == high:
        return np.zeros(values.shape, _QUANTIZED_DTYPES[dtype]), {"dtype": dtype, "min": low, "scale": 1.0}
    scale = (high - low) / levels
    if low <= 0.0 <= high:
        low = -round(-low / scale) * scale
    high = low + levels * scale
    stored = np.round((np.clip(values.astype(np.float64), low, high) - low) / scale)
    return stored.astype(_QUANTIZED_DTYPES[dtype]), {"dtype": dtype, "min": low, "scale": scale}


def write_weights(named_weights, directory, shard_size_bytes=DEFAULT_SHARD_SIZE_BYTES, quantize=None,
                  group_name="group1"):
    """Write `[(name, array), ...]` as one group of shards in `directory`; return the manifest list.

    Shards are named like the converter's (`group1-shard1of3.bin`) and hold at most
    `shard_size_bytes` each. `quantize` ("uint8", "uint16", "float16" or None) applies to float32
    weights only, as in the converter; int32 and bool weights are stored as they are.
    """
    if quantize is not None and quantize not in QUANTIZATION_DTYPES:
        raise ModelFormatError(f"quantize must be one of {QUANTIZATION_DTYPES} or None, got {quantize!r}")
    if not isinstance(shard_size_bytes, int) or shard_size_bytes < 1:
        raise ModelFormatError(f"shard_size_bytes must be a positive integer, got {shard_size_bytes!r}")
    entries, chunks = [], []
    for name, value in named_weights:
        value = np.asarray(value)
        dtype = "bool" if value.dtype == np.bool_ else value.dtype.name
        if dtype not in _STORED_DTYPES:
            raise ModelFormatError(f"weight {name!r} has dtype {dtype}; TF.js weights are float32, int32 or bool")
        entry = {"name": name, "shape": [int(d) for d in value.shape], "dtype": dtype}
        if quantize is not None and dtype == "float32":
            value, entry["quantization"] = quantize_weight(value, quantize)
        else:
            value = value.astype(_STORED_DTYPES[dtype])
        entries.append(entry)
        chunks.append(np.ascontiguousarray(value).tobytes())
    data = b"".join(chunks)
    count = max(1, -(-len(data) // shard_size_bytes))
    paths = []
    for index in range(count):
        path = f"{group_name}-shard{index + 1}of{count}.bin"
        with open(os.path.join(directory, path), "wb") as handle:
            handle.write(data[index * shard_size_bytes:(index + 1) * shard_size_bytes])
        paths.append(path)
    return [{"paths": paths, "weights": entries}]

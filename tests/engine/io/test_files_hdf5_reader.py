"""Our HDF5 reader against h5py (the reference) on Keras's files and on files made to stress its structures."""
import glob
import io
import json
import zipfile

import h5py
import numpy as np
import pytest

from engine.errors import ModelFormatError
from engine.io.hdf5_reader import H5Dataset, H5File, H5Group

from .conftest import fixture_path


def _as_reference(value):
    """h5py's attribute values in the reader's form: strings as str, string arrays as lists of str."""
    if isinstance(value, bytes):
        return value.decode()
    if isinstance(value, np.ndarray) and value.dtype.kind in "OS":
        return [item.decode() if isinstance(item, bytes) else item for item in value.tolist()]
    return value


def _assert_same_tree(reference, ours):
    assert sorted(reference.attrs) == sorted(ours.attrs), reference.name
    for key in reference.attrs:
        expected, got = _as_reference(reference.attrs[key]), ours.attrs[key]
        if isinstance(expected, np.ndarray):
            np.testing.assert_array_equal(got, expected, err_msg=f"{reference.name}@{key}")
            assert np.asarray(got).dtype == expected.dtype
        else:
            assert got == expected, f"{reference.name}@{key}"
    if isinstance(reference, h5py.Dataset):
        assert isinstance(ours, H5Dataset) and ours.shape == reference.shape
        value = reference[()]
        if value.dtype.kind in "OS":
            np.testing.assert_array_equal(ours.read(), np.array(_as_reference(value)))
        else:
            np.testing.assert_array_equal(ours.read(), value)
            assert ours.read().dtype == value.dtype
        return 1
    assert isinstance(ours, H5Group) and sorted(ours.keys()) == sorted(reference.keys()), reference.name
    return sum(_assert_same_tree(reference[key], ours[key]) for key in reference)


def _keras_weight_files():
    files = {path: open(path, "rb").read() for path in sorted(glob.glob(fixture_path("*.h5")))}
    for path in sorted(glob.glob(fixture_path("*.keras"))):
        with zipfile.ZipFile(path) as archive:
            files[path + "/model.weights.h5"] = archive.read("model.weights.h5")
    return files


@pytest.mark.parametrize("name", sorted(_keras_weight_files()))
def test_reads_keras_files_exactly_as_h5py(name):
    data = _keras_weight_files()[name]
    with h5py.File(io.BytesIO(data), "r") as reference:
        assert _assert_same_tree(reference, H5File(data, name).root) >= 6


def test_reads_large_groups_big_attributes_and_every_number_type(tmp_path):
    path = tmp_path / "stress.h5"
    with h5py.File(path, "w") as handle:
        handle.attrs["model_config"] = json.dumps({"pad": "x" * 200_000})  # beyond one 64 KB header
        handle.attrs["layer_names"] = np.array([b"dense", b"dense_1"])
        handle.attrs["empty"] = np.array([], np.float64)
        handle.attrs["scalar"] = np.int64(-3)
        group = handle.create_group("many")  # enough members for a multi-level B-tree
        for index in range(700):
            group.create_dataset(f"w{index}", data=np.arange(index % 5, dtype=np.float32) + index)
        group.attrs["strings"] = ["a", "bb", "ccc"]
        for dtype in ("float16", "float32", "float64", "int8", "uint8", "int16", "int32", "int64", "uint32"):
            handle.create_dataset(f"typed/{dtype}", data=np.arange(6, dtype=dtype).reshape(2, 3))
        handle.create_dataset("typed/scalar", data=np.float32(1.25))
        handle.create_dataset("typed/empty", shape=(0, 4), dtype=np.float32)
        handle.create_dataset("typed/unwritten", shape=(2, 2), dtype=np.float32)
    data = path.read_bytes()
    with h5py.File(path, "r") as reference:
        assert _assert_same_tree(reference, H5File(data, str(path)).root) == 700 + 12


@pytest.mark.parametrize("options", [{"libver": "latest"}, {"track_order": True}])
def test_layouts_keras_does_not_write_are_refused_by_name(tmp_path, options):
    path = tmp_path / "other.h5"
    with h5py.File(path, "w", **options) as handle:
        handle.create_group("group").create_dataset("w", data=np.ones(3, np.float32))
    with pytest.raises(ModelFormatError, match="other.h5: damaged or unsupported HDF5 file"):
        H5File(path.read_bytes(), str(path))["group/w"].read()


def test_compressed_datasets_are_refused_by_name(tmp_path):
    path = tmp_path / "packed.h5"
    with h5py.File(path, "w") as handle:
        handle.create_dataset("w", data=np.ones((64, 64), np.float32), compression="gzip")
    with pytest.raises(ModelFormatError, match="chunked storage"):
        H5File(path.read_bytes(), str(path))["w"].read()


def test_missing_members_raise_key_error_and_non_hdf5_is_refused():
    data = open(fixture_path("mlp.h5"), "rb").read()
    root = H5File(data, "mlp.h5").root
    assert "model_weights/dense" in root and "model_weights/nothing" not in root
    with pytest.raises(KeyError):
        root["model_weights/nothing"]
    with pytest.raises(ModelFormatError, match="no HDF5 signature"):
        H5File(b"PK\x03\x04" + data[4:], "x.h5")
    with pytest.raises(ModelFormatError, match="past the end of the file"):
        H5File(data[:300], "x.h5").root.attrs

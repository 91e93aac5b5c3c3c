"""The restricted PyTorch checkpoint reader against files written by torch.save itself.

Fixtures: tests/fixtures/torch_checkpoints/make_checkpoints.py (torch 2.13), one state dict in
both layouts (zip and legacy pickle) with every storage type, views sharing a storage, a
non-contiguous tensor and nested containers; the arrays torch holds are in expected.npz.
"""
import io
import os
import pickle
import zipfile

import numpy as np
import pytest

from engine.applications.checkpoint import CheckpointError, load_checkpoint, read_state_dict
from engine.errors import ModelFormatError

FIXTURES = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), "fixtures",
                        "torch_checkpoints")


def fixture(name):
    return os.path.join(FIXTURES, name)


@pytest.mark.parametrize("name", ["state_zip.pt", "state_legacy.pt"])
def test_reads_every_tensor_as_torch_holds_it(name):
    expected = np.load(fixture("expected.npz"))
    tensors = read_state_dict(fixture(name))
    assert list(tensors) == list(expected.keys())
    for key, value in tensors.items():
        assert value.dtype == expected[key].dtype, key
        assert value.shape == expected[key].shape, key
        np.testing.assert_array_equal(value, expected[key], err_msg=key)


@pytest.mark.parametrize("name", ["state_zip.pt", "state_legacy.pt"])
def test_keeps_the_structure_and_plain_values(name):
    checkpoint = load_checkpoint(fixture(name))
    assert checkpoint["epoch"] == 7
    assert checkpoint["note"] == "not a tensor"
    assert isinstance(checkpoint["nested"]["list"], list)
    np.testing.assert_array_equal(checkpoint["nested"]["list"][1], [2.5, 3.5])
    # Views come back as arrays of their own, not windows onto a shared buffer.
    checkpoint["shared.slice"][0] = -1.0
    assert checkpoint["shared.all"][5] == 5.0


def test_accepts_bytes():
    with open(fixture("state_zip.pt"), "rb") as handle:
        tensors = read_state_dict(handle.read())
    assert tensors["conv.weight"].shape == (4, 3, 3, 3)


def test_refuses_a_pickled_module():
    with pytest.raises(CheckpointError, match="torch.nn.modules.linear.Linear"):
        load_checkpoint(fixture("module_zip.pt"))


class _RunsCode:
    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (os.mkdir, (self.marker,))


def _legacy_file(payload):
    parts = [pickle.dumps(0x1950A86A20F9469CFC6C, protocol=2), pickle.dumps(1001, protocol=2),
             pickle.dumps({"little_endian": True}, protocol=2), pickle.dumps(payload, protocol=2),
             pickle.dumps([], protocol=2)]
    return b"".join(parts)


def _zip_file(payload):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("archive/data.pkl", pickle.dumps(payload, protocol=2))
        archive.writestr("archive/version", "3\n")
    return buffer.getvalue()


@pytest.mark.parametrize("layout", [_legacy_file, _zip_file])
def test_never_runs_what_the_pickle_names(tmp_path, layout):
    marker = tmp_path / "ran"
    with pytest.raises(CheckpointError, match=r"asks for (os|posix|nt)\.mkdir"):
        load_checkpoint(layout({"weight": _RunsCode(str(marker))}))
    assert not marker.exists()


@pytest.mark.parametrize("data, message", [
    (b"", "damaged"),
    (b"not a checkpoint at all", "damaged|not a PyTorch checkpoint"),
    (pickle.dumps({"a": 1}), "not a PyTorch checkpoint"),
])
def test_rejects_what_is_not_a_checkpoint(data, message):
    with pytest.raises(CheckpointError, match=message):
        load_checkpoint(data)


def test_truncated_storage_is_an_error():
    with open(fixture("state_legacy.pt"), "rb") as handle:
        data = handle.read()
    with pytest.raises(CheckpointError, match="ends inside storage"):
        load_checkpoint(data[:-10])


def test_missing_file_is_a_model_format_error(tmp_path):
    with pytest.raises(ModelFormatError, match="cannot read"):
        load_checkpoint(tmp_path / "absent.pt")

"""Read PyTorch checkpoints (`torch.save` files) into numpy arrays, without torch and without running their code.

Two layouts exist:

- zip (PyTorch >= 1.6): a zip whose `<prefix>/data.pkl` pickles the object and refers to
  storages by key; each storage's raw bytes are the record `<prefix>/data/<key>`, in the byte
  order named by `<prefix>/byteorder` (little-endian when absent).
- legacy (PyTorch < 1.6, or `_use_new_zipfile_serialization=False`): five things back to back
  in one file: a pickled magic number, a pickled protocol version, a pickled sys_info dict
  (byte order), the pickled object, a pickled list of storage keys, and then for each of those
  keys an int64 element count followed by the storage's raw bytes.

A pickle can name any importable callable, so loading one with `pickle.load` runs whatever the
file asks for. `_RestrictedUnpickler` resolves only the few names a tensor checkpoint needs
(the tensor rebuild functions, the storage classes, OrderedDict) to harmless stand-ins and
refuses every other name with CheckpointError: a checkpoint that pickles a whole nn.Module
(its class is named in the file) cannot be read; save its `state_dict()` instead.

The oldest format of all (PyTorch <= 0.1.9, a tar archive) is not read.
"""
import collections
import io
import math
import os
import pickle
import struct
import zipfile

import numpy as np

from ..errors import ModelFormatError

__all__ = ["CheckpointError", "load_checkpoint", "read_state_dict"]

_LEGACY_MAGIC = 0x1950A86A20F9469CFC6C
_LEGACY_PROTOCOL = 1001
_STORAGE_DTYPES = {
    "DoubleStorage": "f8", "FloatStorage": "f4", "HalfStorage": "f2", "BFloat16Storage": "bfloat16",
    "LongStorage": "i8", "IntStorage": "i4", "ShortStorage": "i2", "CharStorage": "i1", "ByteStorage": "u1",
    "BoolStorage": "?",
}


class CheckpointError(ModelFormatError):
    """A checkpoint that is damaged, of an unknown layout, or asks for code the restricted reader refuses."""


class _StorageType:
    """Stands in for a `torch.*Storage` class: only its element dtype matters."""

    def __init__(self, name):
        self.name = name
        self.dtype = _STORAGE_DTYPES[name]

    @property
    def itemsize(self):
        return 2 if self.dtype == "bfloat16" else np.dtype(self.dtype).itemsize


class _StorageRef:
    """A storage the pickle refers to: its key, element type, size, and (legacy views) element offset."""

    def __init__(self, key, storage_type, numel, offset=0):
        self.key, self.storage_type, self.numel, self.offset = key, storage_type, numel, offset


class _TensorRef:
    """A tensor the pickle rebuilds; turned into a numpy array once its storage bytes are at hand."""

    def __init__(self, storage, storage_offset, size, stride):
        if not isinstance(storage, _StorageRef):
            raise CheckpointError(f"a tensor is rebuilt from {type(storage).__name__}, not from a storage")
        self.storage, self.storage_offset = storage, int(storage_offset)
        self.size, self.stride = tuple(int(d) for d in size), tuple(int(s) for s in stride)


def _rebuild_tensor(storage, storage_offset, size, stride, *unused):
    # _rebuild_tensor_v2 adds requires_grad, backward_hooks and metadata: irrelevant to the values.
    return _TensorRef(storage, storage_offset, size, stride)


def _rebuild_parameter(data, requires_grad=False, backward_hooks=None, *unused):
    return data


def _numpy_scalar(dtype, data):
    # numpy.core.multiarray.scalar(dtype, raw bytes): how numpy pickles a scalar such as np.int64(3).
    if not isinstance(dtype, np.dtype) or dtype.hasobject or not isinstance(data, bytes) or len(data) != dtype.itemsize:
        raise CheckpointError(f"a numpy scalar of {dtype!r} from {type(data).__name__} is not plain data")
    return np.frombuffer(data, dtype=dtype)[0]


def _numpy_dtype(spec, align=False, copy=False):
    dtype = np.dtype(spec)
    if dtype.hasobject:
        raise CheckpointError(f"numpy dtype {spec!r} holds Python objects")
    return dtype


def _latin1_bytes(text, encoding):
    # Protocol-2 pickles write bytes as _codecs.encode(str, "latin1").
    if encoding != "latin1" or not isinstance(text, str):
        raise CheckpointError(f"_codecs.encode with {encoding!r} is not how a pickle stores bytes")
    return text.encode("latin1")


_ALLOWED_GLOBALS = {
    ("collections", "OrderedDict"): collections.OrderedDict,
    # numpy scalars (a saved epoch count, aiSFX's dataset table); numpy 2 pickles name numpy._core.
    ("numpy.core.multiarray", "scalar"): _numpy_scalar,
    ("numpy._core.multiarray", "scalar"): _numpy_scalar,
    ("numpy", "dtype"): _numpy_dtype,
    ("_codecs", "encode"): _latin1_bytes,
    ("torch._utils", "_rebuild_tensor"): _rebuild_tensor,
    ("torch._utils", "_rebuild_tensor_v2"): _rebuild_tensor,
    ("torch._utils", "_rebuild_parameter"): _rebuild_parameter,
    **{("torch", name): _StorageType(name) for name in _STORAGE_DTYPES},
}


class _RestrictedUnpickler(pickle.Unpickler):
    def __init__(self, file, source, persistent_load):
        super().__init__(file, encoding="utf-8")
        self._source = source
        self._persistent_load = persistent_load

    def find_class(self, module, name):
        allowed = _ALLOWED_GLOBALS.get((module, name))
        if allowed is None:
            raise CheckpointError(
                f"{self._source}: the checkpoint asks for {module}.{name}, which a tensor checkpoint does not need; "
                "refusing to run it (only state dicts of tensors can be read: save model.state_dict(), not the "
                "model)")
        return allowed

    def persistent_load(self, pid):
        return self._persistent_load(pid)


def _unpickle(file, source, persistent_load=None):
    def refuse(pid):
        raise CheckpointError(f"{source}: unexpected persistent reference {pid!r}")

    try:
        return _RestrictedUnpickler(file, source, persistent_load or refuse).load()
    except CheckpointError:
        raise
    except (pickle.UnpicklingError, EOFError, ValueError, TypeError, KeyError, IndexError, AttributeError,
            struct.error) as exc:
        raise CheckpointError(f"{source}: damaged checkpoint pickle: {exc}") from exc


def _storage_type_of(value, source):
    if not isinstance(value, _StorageType):
        raise CheckpointError(f"{source}: a storage reference names {value!r}, not a storage type")
    return value


def _storage_array(raw, storage_type, byteorder, source, key):
    if len(raw) % storage_type.itemsize:
        raise CheckpointError(f"{source}: storage {key!r} holds {len(raw)} bytes, not a whole number of "
                              f"{storage_type.name} elements")
    prefix = "<" if byteorder == "little" else ">"
    if storage_type.dtype == "bfloat16":
        # bfloat16 is the top half of a float32: widen it by shifting the bits up.
        return (np.frombuffer(raw, dtype=prefix + "u2").astype(np.uint32) << 16).view(np.float32)
    return np.frombuffer(raw, dtype=np.dtype(storage_type.dtype).newbyteorder(prefix)).astype(storage_type.dtype)


def _materialize(value, storages, source):
    """`value` with every _TensorRef replaced by a numpy array of its elements (containers rebuilt)."""
    if isinstance(value, _TensorRef):
        return _tensor_array(value, storages, source)
    if isinstance(value, dict):
        rebuilt = type(value)() if isinstance(value, collections.OrderedDict) else {}
        for key, item in value.items():
            rebuilt[key] = _materialize(item, storages, source)
        return rebuilt
    if isinstance(value, (list, tuple)):
        items = [_materialize(item, storages, source) for item in value]
        return items if isinstance(value, list) else tuple(items)
    return value


def _tensor_array(ref, storages, source):
    storage = storages.get(ref.storage.key)
    if storage is None:
        raise CheckpointError(f"{source}: storage {ref.storage.key!r} is referenced but not stored")
    start = ref.storage.offset + ref.storage_offset
    if len(ref.size) != len(ref.stride) or any(d < 0 for d in ref.size) or any(s < 0 for s in ref.stride):
        raise CheckpointError(f"{source}: tensor with size {ref.size} and stride {ref.stride} is malformed")
    if math.prod(ref.size) == 0:
        return np.zeros(ref.size, dtype=storage.dtype)
    last = start + sum((d - 1) * s for d, s in zip(ref.size, ref.stride))
    if start < 0 or last >= storage.size:
        raise CheckpointError(f"{source}: tensor of size {ref.size} at offset {start} reads past the end of "
                              f"storage {ref.storage.key!r} ({storage.size} elements)")
    strides = tuple(s * storage.itemsize for s in ref.stride)
    view = np.lib.stride_tricks.as_strided(storage[start:], shape=ref.size, strides=strides, writeable=False)
    return np.array(view)


def _read_zip(archive, source):
    names = archive.namelist()
    pickles = [name for name in names if name.endswith("/data.pkl") and name.count("/") == 1]
    if len(pickles) != 1:
        raise CheckpointError(f"{source}: a zip checkpoint holds one <prefix>/data.pkl, found {pickles or 'none'}")
    prefix = pickles[0][:-len("data.pkl")]
    byteorder = "little"
    if prefix + "byteorder" in names:
        byteorder = archive.read(prefix + "byteorder").decode("ascii", "replace").strip()
        if byteorder not in ("little", "big"):
            raise CheckpointError(f"{source}: unknown byte order {byteorder!r}")
    refs = {}

    def persistent_load(pid):
        if not (isinstance(pid, tuple) and len(pid) == 5 and pid[0] == "storage"):
            raise CheckpointError(f"{source}: unexpected persistent reference {pid!r}")
        _, storage_type, key, _location, numel = pid
        refs[str(key)] = _StorageRef(str(key), _storage_type_of(storage_type, source), int(numel))
        return refs[str(key)]

    value = _unpickle(io.BytesIO(archive.read(pickles[0])), source, persistent_load)
    storages = {}
    for key, ref in refs.items():
        record = f"{prefix}data/{key}"
        if record not in names:
            raise CheckpointError(f"{source}: storage record {record!r} is missing")
        storages[key] = _storage_array(archive.read(record), ref.storage_type, byteorder, source, key)
    return _materialize(value, storages, source)


def _read_legacy(handle, source):
    if _unpickle(handle, source) != _LEGACY_MAGIC:
        raise CheckpointError(f"{source}: not a PyTorch checkpoint (neither a zip nor the legacy magic number)")
    protocol = _unpickle(handle, source)
    if protocol != _LEGACY_PROTOCOL:
        raise CheckpointError(f"{source}: legacy checkpoint protocol {protocol!r} is not {_LEGACY_PROTOCOL}")
    sys_info = _unpickle(handle, source)
    byteorder = "little" if not isinstance(sys_info, dict) or sys_info.get("little_endian", True) else "big"
    roots = {}

    def persistent_load(pid):
        if not (isinstance(pid, tuple) and len(pid) == 6 and pid[0] == "storage"):
            raise CheckpointError(f"{source}: unexpected persistent reference {pid!r} (a pickled module or "
                                  "object other than tensors?)")
        _, storage_type, root_key, _location, numel, view = pid
        storage_type = _storage_type_of(storage_type, source)
        roots.setdefault(str(root_key), _StorageRef(str(root_key), storage_type, int(numel)))
        if view is None:
            return roots[str(root_key)]
        _view_key, offset, view_numel = view
        return _StorageRef(str(root_key), storage_type, int(view_numel), offset=int(offset))

    value = _unpickle(handle, source, persistent_load)
    keys = _unpickle(handle, source)
    if not isinstance(keys, list):
        raise CheckpointError(f"{source}: the legacy storage key list is {type(keys).__name__}, not a list")
    storages = {}
    integer = "<q" if byteorder == "little" else ">q"
    for key in keys:
        ref = roots.get(str(key))
        if ref is None:
            raise CheckpointError(f"{source}: stored storage {key!r} is not referenced by the pickle")
        header = handle.read(8)
        if len(header) != 8:
            raise CheckpointError(f"{source}: the file ends inside storage {key!r}")
        (numel,) = struct.unpack(integer, header)
        raw = handle.read(numel * ref.storage_type.itemsize)
        if numel < 0 or len(raw) != numel * ref.storage_type.itemsize:
            raise CheckpointError(f"{source}: the file ends inside storage {key!r} ({numel} elements announced)")
        storages[str(key)] = _storage_array(raw, ref.storage_type, byteorder, source, key)
    return _materialize(value, storages, source)


def load_checkpoint(path):
    """The object a `torch.save` file holds, with every tensor as a numpy array (dicts, lists, numbers kept).

    `path` is a file path or the file's bytes. Raises CheckpointError for an unreadable file,
    an unknown layout or any pickled name beyond what a tensor checkpoint needs.
    """
    if isinstance(path, (bytes, bytearray)):
        data, source = bytes(path), "checkpoint bytes"
    else:
        source = os.fspath(path)
        try:
            with open(source, "rb") as handle:
                data = handle.read()
        except OSError as exc:
            raise CheckpointError(f"{source}: cannot read: {exc}") from exc
    if zipfile.is_zipfile(io.BytesIO(data)):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                return _read_zip(archive, source)
        except (zipfile.BadZipFile, zipfile.LargeZipFile) as exc:
            raise CheckpointError(f"{source}: damaged zip checkpoint: {exc}") from exc
    return _read_legacy(io.BytesIO(data), source)


def read_state_dict(path):
    """{name: numpy array} for every tensor in a checkpoint, in the file's order.

    Nested dicts (a checkpoint like {"model": state_dict, "epoch": 3}) give dotted names
    ("model.conv.weight"); values that are not tensors (numbers, strings) are left out.
    """
    flat = {}

    def walk(value, prefix):
        if isinstance(value, np.ndarray):
            flat[prefix] = value
        elif isinstance(value, dict):
            for key, item in value.items():
                walk(item, f"{prefix}.{key}" if prefix else str(key))
        elif isinstance(value, (list, tuple)):
            for index, item in enumerate(value):
                walk(item, f"{prefix}.{index}" if prefix else str(index))

    walk(load_checkpoint(path), "")
    return flat

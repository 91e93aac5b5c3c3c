"""Data types. A DType compares equal to its name ("float32") and to numpy's dtype."""
import numpy as np

from .errors import DTypeError


class DType:
    __slots__ = ("name", "as_numpy_dtype", "size", "is_floating", "is_complex", "is_integer", "is_bool")

    def __init__(self, name, np_dtype):
        self.name = name
        self.as_numpy_dtype = np.dtype(np_dtype)
        self.size = self.as_numpy_dtype.itemsize
        kind = self.as_numpy_dtype.kind
        self.is_floating = kind == "f"
        self.is_complex = kind == "c"
        self.is_integer = kind in "iu"
        self.is_bool = kind == "b"

    def __eq__(self, other):
        if isinstance(other, DType):
            return self is other
        try:
            return as_dtype(other) is self
        except DTypeError:
            return False

    def __hash__(self):
        return hash(self.name)

    def __repr__(self):
        return f"tf.{self.name}"

    def __str__(self):
        return self.name

    @property
    def real_dtype(self):
        return float32 if self is complex64 else self


float32 = DType("float32", np.float32)
float16 = DType("float16", np.float16)
int32 = DType("int32", np.int32)
bool_ = DType("bool", np.bool_)
complex64 = DType("complex64", np.complex64)

ALL = (float32, float16, int32, bool_, complex64)
_BY_NAME = {d.name: d for d in ALL}
_BY_NUMPY = {d.as_numpy_dtype: d for d in ALL}
# numpy types without an engine dtype narrow to the nearest one, as TF.js does.
_NARROWED = {
    np.dtype(np.float64): float32,
    np.dtype(np.int64): int32,
    np.dtype(np.int16): int32,
    np.dtype(np.int8): int32,
    np.dtype(np.uint8): int32,
    np.dtype(np.uint16): int32,
    np.dtype(np.uint32): int32,
    np.dtype(np.complex128): complex64,
}
_NARROWED_NAMES = {d.name for d in _NARROWED}
_PYTHON = {float: float32, int: int32, bool: bool_, complex: complex64}


def as_dtype(value):
    """Return the engine DType for a DType, a name, a numpy dtype or a Python type."""
    if isinstance(value, DType):
        return value
    if isinstance(value, str):
        found = _BY_NAME.get(value)
        if found is None and value in _NARROWED_NAMES:
            found = _NARROWED[np.dtype(value)]
        if found is None:
            raise DTypeError(f"unknown dtype {value!r}; supported: {', '.join(_BY_NAME)}")
        return found
    if value in _PYTHON:
        return _PYTHON[value]
    try:
        np_dtype = np.dtype(value)
    except TypeError:
        raise DTypeError(f"cannot interpret {value!r} as a dtype") from None
    found = _BY_NUMPY.get(np_dtype) or _NARROWED.get(np_dtype)
    if found is None:
        raise DTypeError(f"numpy dtype {np_dtype} has no engine dtype; supported: {', '.join(_BY_NAME)}")
    return found


def from_numpy(np_dtype):
    """The DType of a numpy dtype that the engine stores exactly (no narrowing)."""
    found = _BY_NUMPY.get(np_dtype)
    if found is None:
        raise DTypeError(f"numpy dtype {np_dtype} is not an engine storage dtype")
    return found

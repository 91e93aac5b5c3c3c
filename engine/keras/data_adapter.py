"""Turning what fit / evaluate / predict receive into batches of tensors.

Arrays (numpy or engine tensors, alone or in lists / tuples / dicts) are
normalised to engine dtypes once, then sliced per batch; only the rows of one
batch are copied. Python generators and other iterables of (x, y[, sample_weight])
batches are consumed as they come.
"""
import math
import warnings

import numpy as np

from .. import nest
from ..dtypes import as_dtype
from ..errors import IncompatibleShapesError, InvalidArgumentError
from ..ops.convert import convert_to_tensor
from ..ops.indexing import gather
from ..tensor import Tensor

__all__ = []


def unpack_x_y_sample_weight(data):
    """(x, y, sample_weight) from a batch given as x, (x,), (x, y) or (x, y, sample_weight)."""
    if isinstance(data, list):
        data = tuple(data)
    if not isinstance(data, tuple):
        return data, None, None
    if len(data) == 1:
        return data[0], None, None
    if len(data) == 2:
        return data[0], data[1], None
    if len(data) == 3:
        return data
    raise InvalidArgumentError("Data is expected to be in format `x`, `(x,)`, `(x, y)`, or `(x, y, sample_weight)`, "
                               f"found a tuple of {len(data)} elements")


def map_structure(fn, structure):
    if structure is None:
        return None
    if isinstance(structure, dict):
        return {key: map_structure(fn, value) for key, value in structure.items()}
    if isinstance(structure, (list, tuple)):
        return type(structure)(map_structure(fn, value) for value in structure)
    return fn(structure)


def _is_plain_numbers(value):
    """A (nested) list or tuple of Python numbers: one array, not a structure of inputs."""
    if isinstance(value, (list, tuple)):
        return len(value) > 0 and all(_is_plain_numbers(item) for item in value)
    return isinstance(value, (int, float, bool, np.number, np.bool_))


def normalize_structure(value):
    """`value` with every leaf array-like and every list of plain numbers turned into an array."""
    if _is_plain_numbers(value):
        return np.asarray(value)
    if isinstance(value, dict):
        return {key: normalize_structure(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(normalize_structure(item) for item in value)
    return value


# Arrays up to this size in all live on the backend for the adapter's life (on a GPU, an epoch of a
# 600-sample training set was otherwise 2.6 MB sent again, and a new buffer for it, every epoch).
RESIDENT_BYTES = 256 << 20


def _as_array(value):
    """An engine tensor stays a tensor; anything else becomes a numpy array of an engine dtype."""
    if value is None or isinstance(value, Tensor):
        return value
    array = np.asarray(value)
    if array.dtype == object or array.dtype.kind in "USV":
        raise InvalidArgumentError(f"cannot train on data of numpy dtype {array.dtype} (shape {array.shape}); "
                                   "pass numbers")
    if array.ndim == 0:
        raise InvalidArgumentError("each input, target and sample weight needs a leading batch axis, got a scalar")
    target = as_dtype(array.dtype).as_numpy_dtype
    return np.ascontiguousarray(array, dtype=target)


def _num_rows(leaves):
    counts = {int(leaf.shape[0]) for leaf in leaves if leaf is not None}
    if len(counts) > 1:
        shapes = [list(leaf.shape) for leaf in leaves if leaf is not None]
        raise IncompatibleShapesError(f"Data cardinality is ambiguous: inputs, targets and sample weights have "
                                      f"different numbers of samples {sorted(counts)} (shapes {shapes}). Make sure "
                                      "all arrays contain the same number of samples.")
    return counts.pop() if counts else 0


def class_weight_to_sample_weights(y, class_weight):
    """Per-sample weights `class_weight[label]` (1.0 for labels not listed); one-hot targets use their argmax."""
    labels = y.numpy() if isinstance(y, Tensor) else np.asarray(y)
    if labels.ndim > 1:
        labels = np.argmax(labels, axis=-1) if labels.shape[-1] != 1 else np.squeeze(labels, axis=-1)
    labels = np.round(labels).astype(np.int64).reshape(len(labels), -1)[:, 0]
    return np.array([class_weight.get(int(label), 1.0) for label in labels], dtype=np.float32)


def _per_output_sample_weight(y, sample_weight):
    """One array for several outputs is repeated for each of them, as Keras does."""
    if sample_weight is None or not isinstance(y, (list, tuple, dict)):
        return sample_weight
    if isinstance(sample_weight, (list, tuple, dict)):
        if len(nest.flatten(sample_weight)) != len(nest.flatten(y)):
            raise InvalidArgumentError(f"You should provide one `sample_weight` array per output in `y`: "
                                       f"{len(nest.flatten(y))} outputs, {len(nest.flatten(sample_weight))} weights")
        return sample_weight
    weights = _as_array(sample_weight)
    if weights.ndim > 2 or weights.ndim == 2 and weights.shape[1] != 1:
        raise InvalidArgumentError("For a model with multiple outputs, when providing a single `sample_weight` "
                                   "array, it should only have one scalar score per sample (i.e. shape "
                                   f"`(num_samples,)`), got shape {list(weights.shape)}")
    return map_structure(lambda _: weights, y)


class ArrayDataAdapter:
    """Batches of in-memory arrays, in order or shuffled once per epoch (the last batch may be smaller)."""

    def __init__(self, x, y=None, sample_weight=None, batch_size=None, steps=None, shuffle=False,
                 class_weight=None):
        x, y, sample_weight = (normalize_structure(value) for value in (x, y, sample_weight))
        if class_weight is not None:
            if sample_weight is not None:
                raise InvalidArgumentError("You cannot `class_weight` and `sample_weight` at the same time.")
            if isinstance(y, (list, tuple, dict)):
                raise InvalidArgumentError("`class_weight` is only supported for Models with a single output.")
            if y is None:
                raise InvalidArgumentError("`class_weight` needs targets `y`")
            sample_weight = class_weight_to_sample_weights(y, class_weight)
        sample_weight = _per_output_sample_weight(y, sample_weight)
        self._data = map_structure(_as_array, (x, y, sample_weight))
        self.num_samples = _num_rows(nest.flatten(self._data))
        if sum(leaf.nbytes for leaf in nest.flatten(self._data) if isinstance(leaf, np.ndarray)) <= RESIDENT_BYTES:
            # Copied to the backend once: each epoch's batches are then gathered there, not sent again.
            self._data = map_structure(lambda leaf: leaf if leaf is None else convert_to_tensor(leaf), self._data)
        if batch_size is None:
            batch_size = math.ceil(self.num_samples / steps) if steps else 32
        if batch_size <= 0:
            raise InvalidArgumentError(f"batch_size must be a positive integer, got {batch_size}")
        self.batch_size = int(batch_size)
        self.num_batches = math.ceil(self.num_samples / self.batch_size)
        self.shuffle = shuffle
        self.restartable = True

    def batches(self):
        """One epoch of (x, y, sample_weight) batches of tensors."""
        for data, _ in self.chunks(1):
            yield data

    def chunks(self, batches_per_chunk):
        """One epoch as (data, batch sizes) pairs: `data` holds the rows of up to `batches_per_chunk` consecutive
        batches (one shuffle an epoch, whatever the chunk), as one tensor per leaf; its batches are consecutive
        rows."""
        order = np.random.permutation(self.num_samples) if self.shuffle else None
        rows_per_chunk = self.batch_size * batches_per_chunk
        for start in range(0, self.num_samples, rows_per_chunk):
            stop = min(start + rows_per_chunk, self.num_samples)
            rows = slice(start, stop) if order is None else order[start:stop]
            sizes = tuple(min(self.batch_size, stop - first) for first in range(start, stop, self.batch_size))
            yield map_structure(_Rows(rows), self._data), sizes


class _Rows:
    """Takes the same rows of each leaf: a slice, or shuffled indices (sent to the backend once for all leaves
    that live there)."""

    def __init__(self, rows):
        self.rows = rows
        self._indices = None

    def __call__(self, leaf):
        rows = self.rows
        if not isinstance(leaf, Tensor):
            return convert_to_tensor(leaf[rows])
        if isinstance(rows, slice):
            return leaf[rows]
        if self._indices is None:
            self._indices = convert_to_tensor(rows.astype(np.int32))
        return gather(leaf, self._indices)


def _to_tensors(value):
    return map_structure(lambda leaf: leaf if isinstance(leaf, Tensor) else convert_to_tensor(_as_array(leaf)),
                         normalize_structure(value))


class IterableDataAdapter:
    """Batches from a generator or any other iterable object of x, (x, y) or (x, y, sample_weight).

    An object that makes a fresh iterator each time (a dataset-like class) starts over each epoch;
    a generator is consumed once. Lists and tuples are never batch iterables: as in Keras, they hold
    the arrays of several inputs.
    """

    def __init__(self, data, class_weight=None):
        self._data = data
        self._class_weight = class_weight
        self.restartable = iter(data) is not data
        self.num_batches = len(data) if hasattr(data, "__len__") else None
        self.batch_size = None

    def batches(self):
        for item in self._data:
            x, y, sample_weight = unpack_x_y_sample_weight(item)
            if self._class_weight is not None and y is not None:
                if sample_weight is not None:
                    raise InvalidArgumentError("You cannot `class_weight` and `sample_weight` at the same time.")
                sample_weight = class_weight_to_sample_weights(y, self._class_weight)
            yield _to_tensors(x), _to_tensors(y), _to_tensors(_per_output_sample_weight(y, sample_weight))


def is_batch_iterable(x):
    """Whether `x` yields batches itself (a generator or another iterable that is not array data)."""
    if x is None or isinstance(x, (np.ndarray, Tensor, dict, list, tuple, str, bytes)):
        return False
    return hasattr(x, "__iter__") or hasattr(x, "__next__")


def get_data_adapter(x, y=None, sample_weight=None, batch_size=None, steps=None, shuffle=False,
                     class_weight=None):
    if is_batch_iterable(x):
        if y is not None:
            raise InvalidArgumentError("When providing `x` as a generator or other iterable of batches, `y` should "
                                       "not be passed: the iterable yields (x, y) or (x, y, sample_weight) tuples")
        if sample_weight is not None:
            raise InvalidArgumentError("`sample_weight` argument is not supported when passing a generator or "
                                       "iterable of batches; yield (x, y, sample_weight) instead")
        if batch_size is not None:
            warnings.warn("`batch_size` is ignored: the iterable yields batches already", stacklevel=3)
        return IterableDataAdapter(x, class_weight=class_weight)
    if x is None:
        raise InvalidArgumentError("no input data: pass `x`")
    return ArrayDataAdapter(x, y, sample_weight, batch_size=batch_size, steps=steps, shuffle=shuffle,
                            class_weight=class_weight)


def train_validation_split(data, validation_split):
    """Split (x, y, sample_weight) arrays: the last `validation_split` fraction of the samples validates."""
    leaves = [leaf for leaf in nest.flatten(data) if leaf is not None]
    if any(not isinstance(leaf, (np.ndarray, Tensor)) and not hasattr(leaf, "__len__") for leaf in leaves):
        raise InvalidArgumentError("Argument `validation_split` is only supported for tensors or NumPy arrays")
    data = map_structure(lambda leaf: leaf if isinstance(leaf, Tensor) else np.asarray(leaf),
                         normalize_structure(data))
    total = _num_rows(nest.flatten(data))
    split_at = int(math.floor(total * (1.0 - validation_split)))
    if split_at == 0 or split_at == total:
        raise InvalidArgumentError(
            f"Training data contains {total} samples, which is not sufficient to split it into a validation and "
            f"training set as specified by `validation_split={validation_split}`. Either provide more data, or a "
            "different value for the `validation_split` argument.")
    return (map_structure(lambda leaf: leaf[:split_at], data),
            map_structure(lambda leaf: leaf[split_at:], data))


class EpochIterator:
    """Steps of one epoch at a time: all batches, or `steps_per_epoch` of them taken from a stream that
    carries over between epochs (and restarts when a restartable source runs out). An epoch that yields
    no step means the data ran out."""

    def __init__(self, adapter, steps_per_epoch=None):
        self.adapter = adapter
        self.steps_per_epoch = steps_per_epoch
        self._stream = None

    @property
    def num_steps(self):
        return self.steps_per_epoch if self.steps_per_epoch is not None else self.adapter.num_batches

    def chunks(self, batches_per_chunk):
        """One epoch as ArrayDataAdapter.chunks() pairs, or None where the batches come one at a time (a stream of
        batches, or steps_per_epoch taken from a stream that carries over between epochs)."""
        if self.steps_per_epoch is not None or not hasattr(self.adapter, "chunks"):
            return None
        return self.adapter.chunks(batches_per_chunk)

    def epoch(self):
        """Yields (step, (x, y, sample_weight))."""
        if self.steps_per_epoch is None:
            yield from enumerate(self.adapter.batches())
            return
        for step in range(self.steps_per_epoch):
            batch = self._next_batch()
            if batch is None:
                return
            yield step, batch

    def _next_batch(self):
        if self._stream is None:
            self._stream = iter(self.adapter.batches())
        batch = next(self._stream, None)
        if batch is None and self.adapter.restartable:
            self._stream = iter(self.adapter.batches())
            batch = next(self._stream, None)
        return batch

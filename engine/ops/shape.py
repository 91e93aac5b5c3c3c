"""Shape manipulation: reshape, transpose, concat, stack, split, tile, pad, reverse, broadcast_to..."""
import math
import operator

import numpy as np

from .._export import tf_export
from ..dtypes import as_dtype, int32
from ..errors import DTypeError, IncompatibleShapesError, InvalidArgumentError
from ..runtime import run_kernel
from ..tensor import Tensor
from .convert import broadcast_shapes, convert_to_tensor
from .unary import conj


def as_int_list(value, op_name, what):
    """A shape-like argument (int, list or tensor, which TF also needs as a constant) as a list of ints."""
    if hasattr(value, "numpy"):
        value = value.numpy().tolist()
    if isinstance(value, (int, np.integer)):
        value = [value]
    try:
        return [int(v) for v in value]
    except (TypeError, ValueError):
        raise InvalidArgumentError(f"{op_name}: {what} must be a list of integers, got {value!r}") from None


def as_int(value, op_name, what):
    """A scalar argument (an axis, a count) given as a number or a one-element tensor, as an int."""
    if hasattr(value, "numpy"):
        value = value.numpy()
        if value.size != 1:
            raise InvalidArgumentError(f"{op_name}: {what} must be a scalar, got shape {list(value.shape)}")
        value = value.reshape(())
    try:
        return int(value)
    except (TypeError, ValueError):
        raise InvalidArgumentError(f"{op_name}: {what} must be an integer, got {value!r}") from None


def normalize_axis(axis, rank, op_name):
    """One axis in [-rank, rank) as a non-negative int, or an error naming the op and the rank."""
    axis = as_int(axis, op_name, "axis")
    if not -rank <= axis < rank:
        raise InvalidArgumentError(f"{op_name}: axis {axis} is out of range for a tensor of rank {rank}")
    return axis % rank


def _same_dtype_tensors(values, op_name):
    """Convert a list of values; Python numbers take the dtype of the first tensor among them."""
    hint = next((v.dtype for v in values if isinstance(v, Tensor)), None)
    tensors = [convert_to_tensor(v, dtype_hint=hint) for v in values]
    dtypes = {t.dtype for t in tensors}
    if len(dtypes) > 1:
        raise DTypeError(f"{op_name}: values have different dtypes "
                         f"{[t.dtype.name for t in tensors]} (shapes {[list(t.shape) for t in tensors]})")
    return tensors


@tf_export("reshape")
def reshape(tensor, shape, name=None):
    x = convert_to_tensor(tensor)
    shape = as_int_list(shape, "reshape", "shape")
    unknown = [i for i, d in enumerate(shape) if d == -1]
    if len(unknown) > 1 or any(d < -1 for d in shape):
        raise InvalidArgumentError(f"reshape: invalid target shape {shape}")
    size = x.shape.num_elements()
    if unknown:
        known = math.prod(d for d in shape if d != -1)
        if known == 0 or size % known:
            raise InvalidArgumentError(f"reshape: cannot reshape {list(x.shape)} ({size} elements) into {shape}")
        shape[unknown[0]] = size // known
    if math.prod(shape) != size:
        raise InvalidArgumentError(f"reshape: cannot reshape {list(x.shape)} ({size} elements) into {shape}")
    return run_kernel("Reshape", [x], {"shape": tuple(shape)})


@tf_export("broadcast_to")
def broadcast_to(input, shape, name=None):
    x = convert_to_tensor(input)
    shape = tuple(as_int_list(shape, "broadcast_to", "shape"))
    if broadcast_shapes(x.shape, shape, "broadcast_to") != shape:
        raise InvalidArgumentError(f"broadcast_to: cannot broadcast {list(x.shape)} to {list(shape)}")
    return run_kernel("BroadcastTo", [x], {"shape": shape})


@tf_export("identity")
def identity(input, name=None):
    return run_kernel("Identity", [convert_to_tensor(input)])


def _check_out_type(out_type, op_name):
    if not as_dtype(out_type).is_integer:
        raise DTypeError(f"{op_name}: out_type must be int32 or int64, not {out_type!r}")


@tf_export("shape")
def shape(input, out_type=int32, name=None):
    """The static shape as a 1-D int32 tensor (TF's int64 out_type narrows to int32)."""
    _check_out_type(out_type, "shape")
    return convert_to_tensor(np.array(convert_to_tensor(input).shape, dtype=np.int32))


@tf_export("size")
def size(input, out_type=int32, name=None):
    _check_out_type(out_type, "size")
    return convert_to_tensor(np.array(convert_to_tensor(input).shape.num_elements(), dtype=np.int32))


@tf_export("rank")
def rank(input, name=None):
    return convert_to_tensor(np.array(convert_to_tensor(input).ndim, dtype=np.int32))


@tf_export("transpose")
def transpose(a, perm=None, conjugate=False, name=None):
    x = convert_to_tensor(a)
    if perm is None:
        perm = tuple(range(x.ndim - 1, -1, -1))
    else:
        given = as_int_list(perm, "transpose", "perm")
        perm = tuple(p % x.ndim if -x.ndim <= p < x.ndim else -1 for p in given)
        if sorted(perm) != list(range(x.ndim)):
            raise InvalidArgumentError(
                f"transpose: perm {given} is not a permutation of the axes of a tensor of shape {list(x.shape)}")
    result = identity(x) if perm == tuple(range(x.ndim)) else run_kernel("Transpose", [x], {"perm": perm})
    return conj(result) if conjugate else result


@tf_export("expand_dims")
def expand_dims(input, axis, name=None):
    x = convert_to_tensor(input)
    position = normalize_axis(axis, x.ndim + 1, "expand_dims")
    new_shape = list(x.shape)
    new_shape.insert(position, 1)
    return reshape(x, new_shape)


@tf_export("squeeze")
def squeeze(input, axis=None, name=None):
    x = convert_to_tensor(input)
    if axis is None:
        return reshape(x, [d for d in x.shape if d != 1])
    axes = {normalize_axis(a, x.ndim, "squeeze") for a in as_int_list(axis, "squeeze", "axis")}
    for a in sorted(axes):
        if x.shape[a] != 1:
            raise InvalidArgumentError(
                f"squeeze: cannot squeeze axis {a} of shape {list(x.shape)}: expected size 1, got {x.shape[a]}")
    return reshape(x, [d for i, d in enumerate(x.shape) if i not in axes])


@tf_export("concat")
def concat(values, axis, name=None):
    if isinstance(values, Tensor) or not values:
        raise InvalidArgumentError("concat: values must be a non-empty list of tensors")
    tensors = _same_dtype_tensors(values, "concat")
    first = tensors[0]
    if first.ndim == 0:
        raise InvalidArgumentError("concat: cannot concatenate scalars (shape []); use tf.stack")
    axis = normalize_axis(axis, first.ndim, "concat")
    for t in tensors[1:]:
        if t.ndim != first.ndim or any(a != b for i, (a, b) in enumerate(zip(t.shape, first.shape)) if i != axis):
            raise IncompatibleShapesError(f"concat: shapes {[list(v.shape) for v in tensors]} differ outside "
                                          f"axis {axis}")
    if len(tensors) == 1:
        return identity(first)
    return run_kernel("Concat", tensors, {"axis": axis})


@tf_export("stack")
def stack(values, axis=0, name=None):
    if isinstance(values, Tensor) or not values:
        raise InvalidArgumentError("stack: values must be a non-empty list of tensors")
    tensors = _same_dtype_tensors(values, "stack")
    base = tuple(tensors[0].shape)
    if any(tuple(t.shape) != base for t in tensors):
        raise IncompatibleShapesError(f"stack: shapes {[list(t.shape) for t in tensors]} are not all equal")
    axis = normalize_axis(axis, len(base) + 1, "stack")
    expanded = list(base)
    expanded.insert(axis, 1)
    return concat([reshape(t, expanded) for t in tensors], axis)


def _split_sizes(num_or_size_splits, length, axis, x, num):
    if isinstance(num_or_size_splits, (int, np.integer)) or (
            isinstance(num_or_size_splits, Tensor) and num_or_size_splits.ndim == 0):
        pieces = as_int(num_or_size_splits, "split", "num_or_size_splits")
        if pieces <= 0 or length % pieces:
            raise InvalidArgumentError(
                f"split: axis {axis} of shape {list(x.shape)} (size {length}) does not split into {pieces} equal parts")
        return (length // pieces,) * pieces
    sizes = as_int_list(num_or_size_splits, "split", "num_or_size_splits")
    if num is not None and num != len(sizes):
        raise InvalidArgumentError(f"split: num={num} does not match {len(sizes)} sizes {sizes}")
    unknown = [i for i, s in enumerate(sizes) if s == -1]
    if len(unknown) > 1 or any(s < -1 for s in sizes):
        raise InvalidArgumentError(f"split: invalid sizes {sizes} (at most one -1, no other negatives)")
    known = sum(s for s in sizes if s != -1)
    if unknown:
        if known > length:
            raise InvalidArgumentError(f"split: sizes {sizes} exceed size {length} of axis {axis} "
                                       f"of shape {list(x.shape)}")
        sizes[unknown[0]] = length - known
    elif known != length:
        raise InvalidArgumentError(f"split: sizes {sizes} do not sum to size {length} of axis {axis} "
                                   f"of shape {list(x.shape)}")
    return tuple(sizes)


@tf_export("split")
def split(value, num_or_size_splits, axis=0, num=None, name=None):
    """A list of tensors: `num_or_size_splits` equal parts, or parts of the given sizes (one may be -1)."""
    x = convert_to_tensor(value)
    if x.ndim == 0:
        raise InvalidArgumentError("split: cannot split a scalar (shape [])")
    axis = normalize_axis(axis, x.ndim, "split")
    sizes = _split_sizes(num_or_size_splits, x.shape[axis], axis, x, num)
    if not sizes:
        raise InvalidArgumentError("split: num_or_size_splits is empty")
    if len(sizes) == 1:
        return [identity(x)]
    return list(run_kernel("Split", [x], {"axis": axis, "sizes": sizes}))


@tf_export("unstack")
def unstack(value, num=None, axis=0, name=None):
    """The slices of `value` along `axis`, as a list of tensors of rank one less."""
    x = convert_to_tensor(value)
    if x.ndim == 0:
        raise InvalidArgumentError("unstack: cannot unstack a scalar (shape [])")
    axis = normalize_axis(axis, x.ndim, "unstack")
    length = x.shape[axis]
    if num is not None and int(num) != length:
        raise InvalidArgumentError(f"unstack: num={num} does not match size {length} of axis {axis} "
                                   f"of shape {list(x.shape)}")
    if length == 0:
        return []
    remaining = [d for i, d in enumerate(x.shape) if i != axis]
    return [reshape(part, remaining) for part in split(x, length, axis)]


@tf_export("tile")
def tile(input, multiples, name=None):
    x = convert_to_tensor(input)
    multiples = tuple(as_int_list(multiples, "tile", "multiples"))
    if len(multiples) != x.ndim or any(m < 0 for m in multiples):
        raise InvalidArgumentError(f"tile: multiples {list(multiples)} must be {x.ndim} non-negative integers "
                                   f"for a tensor of shape {list(x.shape)}")
    if all(m == 1 for m in multiples):
        return identity(x)
    return run_kernel("Tile", [x], {"multiples": multiples})


def _normalize_paddings(paddings, x, op_name):
    if hasattr(paddings, "numpy"):
        paddings = paddings.numpy()
    try:
        pairs = tuple((operator.index(before), operator.index(after)) for before, after in paddings)
    except (TypeError, ValueError):
        pairs = None
    if pairs is None or len(pairs) != x.ndim:
        raise InvalidArgumentError(f"{op_name}: paddings must be integers of shape [{x.ndim}, 2] for a tensor of "
                                   f"shape {list(x.shape)}, got {np.asarray(paddings).tolist()}")
    if any(before < 0 or after < 0 for before, after in pairs):
        raise InvalidArgumentError(f"{op_name}: paddings must be non-negative, got {[list(p) for p in pairs]}")
    return pairs


@tf_export("pad")
def pad(tensor, paddings, mode="CONSTANT", constant_values=0, name=None):
    """Pad with a constant, or mirror the edges (REFLECT excludes the edge, SYMMETRIC repeats it)."""
    x = convert_to_tensor(tensor)
    paddings = _normalize_paddings(paddings, x, "pad")
    mode = str(mode).upper()
    if mode == "CONSTANT":
        value = convert_to_tensor(constant_values, dtype_hint=x.dtype)
        if value.dtype is not x.dtype or value.ndim != 0:
            raise InvalidArgumentError(f"pad: constant_values must be a scalar of dtype {x.dtype.name}, got shape "
                                       f"{list(value.shape)} of dtype {value.dtype.name}")
        return run_kernel("Pad", [x, value], {"paddings": paddings})
    if mode not in ("REFLECT", "SYMMETRIC"):
        raise InvalidArgumentError(f"pad: mode must be 'CONSTANT', 'REFLECT' or 'SYMMETRIC', not {mode!r}")
    edge = 1 if mode == "REFLECT" else 0
    for axis, ((before, after), length) in enumerate(zip(paddings, x.shape)):
        limit = max(length - edge, 0)
        if max(before, after) > limit:
            raise InvalidArgumentError(f"pad: {mode} paddings {[before, after]} of axis {axis} must be at most {limit} "
                                       f"for a tensor of shape {list(x.shape)}")
    return run_kernel("MirrorPad", [x], {"paddings": paddings, "mode": mode})


def mirror_pad_grad(grad, paddings, mode):
    """Fold the mirrored borders of `grad` back onto the interior (the adjoint of REFLECT/SYMMETRIC pad)."""
    return run_kernel("MirrorPadGrad", [convert_to_tensor(grad)], {"paddings": tuple(paddings), "mode": mode})


@tf_export("reverse")
def reverse(tensor, axis, name=None):
    x = convert_to_tensor(tensor)
    axes = [normalize_axis(a, x.ndim, "reverse") for a in as_int_list(axis, "reverse", "axis")]
    if len(set(axes)) != len(axes):
        raise InvalidArgumentError(f"reverse: axis {axes} has duplicates")
    if not axes:
        return identity(x)
    return run_kernel("Reverse", [x], {"axes": tuple(sorted(axes))})

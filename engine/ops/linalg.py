"""Linear algebra: matmul (batched, broadcasting), tensordot, norms."""
import math
import operator

import numpy as np

from .._export import tf_export
from ..dtypes import as_dtype
from ..errors import DTypeError, IncompatibleShapesError, InvalidArgumentError, UnimplementedError
from ..runtime import run_kernel
from .binary import pow as power
from .convert import binary_operands, broadcast_shapes, convert_to_tensor
from .reduction import normalize_axis, reduce_max, reduce_sum, reduced_shape
from .shape import reshape, transpose
from .unary import abs as absolute, conj, sqrt, square


@tf_export("matmul", "linalg.matmul")
def matmul(a, b, transpose_a=False, transpose_b=False, adjoint_a=False, adjoint_b=False,
           a_is_sparse=False, b_is_sparse=False, output_type=None, name=None):
    """a @ b over the last two axes; leading (batch) axes broadcast. `adjoint` = conjugate transpose.

    The sparsity flags are TF's performance hints and change nothing here.
    """
    a, b = binary_operands(a, b, "matmul")
    if a.dtype.is_bool:
        raise DTypeError(f"matmul: bool operands are not supported (shapes {list(a.shape)}, {list(b.shape)})")
    if output_type is not None and as_dtype(output_type) is not a.dtype:
        raise DTypeError(f"matmul: output_type {as_dtype(output_type).name} differs from the operands' "
                         f"{a.dtype.name}")
    if (transpose_a and adjoint_a) or (transpose_b and adjoint_b):
        raise InvalidArgumentError("matmul: only one of transpose_x and adjoint_x can be True for each operand")
    if a.ndim < 2 or b.ndim < 2:
        raise InvalidArgumentError(f"matmul: operands must have rank >= 2, got shapes {list(a.shape)} "
                                   f"and {list(b.shape)}")
    flip_a = bool(transpose_a or adjoint_a)
    flip_b = bool(transpose_b or adjoint_b)
    inner_a = a.shape[-2] if flip_a else a.shape[-1]
    inner_b = b.shape[-1] if flip_b else b.shape[-2]
    if inner_a != inner_b:
        raise IncompatibleShapesError(
            f"matmul: inner dimensions differ: a has shape {list(a.shape)}{_flags(transpose_a, adjoint_a)} "
            f"(inner {inner_a}) and b has shape {list(b.shape)}{_flags(transpose_b, adjoint_b)} (inner {inner_b})")
    if a.shape[:-2] != b.shape[:-2]:
        try:
            broadcast_shapes(a.shape[:-2], b.shape[:-2], "matmul")
        except IncompatibleShapesError:
            raise IncompatibleShapesError(f"matmul: batch dimensions of shapes {list(a.shape)} and "
                                          f"{list(b.shape)} are not broadcastable") from None
    if a.dtype.is_complex:
        if adjoint_a:
            a = conj(a)
        if adjoint_b:
            b = conj(b)
    return run_kernel("BatchMatMul", [a, b], {"transpose_a": flip_a, "transpose_b": flip_b})


def _flags(transpose, adjoint):
    return " transposed" if transpose else " adjoint" if adjoint else ""


@tf_export("tensordot", "linalg.tensordot")
def tensordot(a, b, axes, name=None):
    """Sum of products over `axes`: an int N (last N of a with first N of b) or a pair of axis lists."""
    a, b = binary_operands(a, b, "tensordot")
    a_axes, b_axes = _contraction_axes(axes, a, b)
    for i, j in zip(a_axes, b_axes):
        if a.shape[i] != b.shape[j]:
            raise IncompatibleShapesError(
                f"tensordot: axis {i} of a (shape {list(a.shape)}) has size {a.shape[i]} but axis {j} of b "
                f"(shape {list(b.shape)}) has size {b.shape[j]}")
    free_a = [i for i in range(a.ndim) if i not in a_axes]
    free_b = [i for i in range(b.ndim) if i not in b_axes]
    a_matrix, flip_a = _as_matrix(a, free_a, a_axes)
    b_matrix, flip_b = _as_matrix(b, b_axes, free_b)
    product = matmul(a_matrix, b_matrix, transpose_a=flip_a, transpose_b=flip_b)
    return reshape(product, [a.shape[i] for i in free_a] + [b.shape[i] for i in free_b])


def _contraction_axes(axes, a, b):
    if hasattr(axes, "numpy"):
        axes = axes.numpy().tolist()
    if isinstance(axes, (list, tuple)):
        if len(axes) != 2:
            raise InvalidArgumentError(f"tensordot: axes must be an int or a pair of axis lists, got {axes!r}")
        a_axes = [_axis(v, a, "a") for v in _as_list(axes[0])]
        b_axes = [_axis(v, b, "b") for v in _as_list(axes[1])]
    else:
        count = _index(axes)
        if not 0 <= count <= min(a.ndim, b.ndim):
            raise InvalidArgumentError(f"tensordot: axes={count} is out of range for shapes {list(a.shape)} "
                                       f"and {list(b.shape)}")
        a_axes = list(range(a.ndim - count, a.ndim))
        b_axes = list(range(count))
    if len(a_axes) != len(b_axes):
        raise InvalidArgumentError(f"tensordot: {len(a_axes)} axes of a but {len(b_axes)} axes of b: {axes!r}")
    if len(set(a_axes)) != len(a_axes) or len(set(b_axes)) != len(b_axes):
        raise InvalidArgumentError(f"tensordot: repeated axis in {axes!r}")
    return a_axes, b_axes


def _as_list(value):
    return list(value) if isinstance(value, (list, tuple)) else [value]


def _index(value):
    try:
        return operator.index(value)
    except TypeError:
        raise InvalidArgumentError(f"tensordot: axes must hold integers, got {value!r}") from None


def _axis(value, x, which):
    axis = _index(value)
    if not -x.ndim <= axis < x.ndim:
        raise InvalidArgumentError(f"tensordot: axis {axis} is out of range for {which} of shape {list(x.shape)}")
    return axis % x.ndim


def _as_matrix(x, row_axes, column_axes):
    """x as a matrix (rows: row_axes, columns: column_axes) and whether matmul must transpose it.

    A stored order of columns-then-rows reshapes into the transpose, which matmul flips for free.
    """
    rows = math.prod(x.shape[i] for i in row_axes)
    columns = math.prod(x.shape[i] for i in column_axes)
    in_order = list(range(x.ndim))
    if row_axes + column_axes == in_order:
        return reshape(x, [rows, columns]), False
    if column_axes + row_axes == in_order:
        return reshape(x, [columns, rows]), True
    return reshape(transpose(x, row_axes + column_axes), [rows, columns]), False


_MATRIX_NORMS = ("euclidean", "fro", 1, 2, np.inf)


@tf_export("norm", "linalg.norm")
def norm(tensor, ord="euclidean", axis=None, keepdims=None, name=None):  # noqa: A002  (TF's argument name)
    """Vector norms (axis None: all entries; an int: one axis) or matrix norms (axis: a pair of axes).

    ord: 'euclidean', 1, 2, np.inf or any p > 0 for vectors; 'euclidean'/'fro', 1 (largest column sum),
    2 (largest singular value), np.inf (largest row sum) for matrices. The result is real.
    """
    x = convert_to_tensor(tensor)
    if not (x.dtype.is_floating or x.dtype.is_complex):
        raise DTypeError(f"norm: takes floating-point or complex tensors, got {x.dtype.name} (shape {list(x.shape)})")
    if hasattr(axis, "numpy"):
        axis = axis.numpy().tolist()
    keepdims = bool(keepdims)
    if isinstance(axis, (list, tuple)) and len(axis) == 2:
        return _matrix_norm(x, ord, axis, keepdims)
    if isinstance(axis, (list, tuple)):
        raise InvalidArgumentError(f"norm: axis must be None, an integer or a pair of integers, got {axis!r}")
    if not _is_vector_ord(ord):
        raise InvalidArgumentError(f"norm: ord must be 'euclidean', 1, 2, np.inf or a positive number for a "
                                   f"vector norm, got {ord!r}")
    axes = None if axis is None else normalize_axis(axis, x.ndim, "norm")
    if ord in ("euclidean", 2):
        return sqrt(reduce_sum(_squared_magnitude(x), axes, keepdims))
    magnitude = absolute(x)
    if ord == 1:
        return reduce_sum(magnitude, axes, keepdims)
    if ord == np.inf:
        return reduce_max(magnitude, axes, keepdims)
    return power(reduce_sum(power(magnitude, float(ord)), axes, keepdims), 1.0 / ord)


def _is_vector_ord(ord):
    if isinstance(ord, str):
        return ord == "euclidean"
    return isinstance(ord, (int, float, np.integer, np.floating)) and not isinstance(ord, bool) and ord > 0


def _squared_magnitude(x):
    return square(absolute(x)) if x.dtype.is_complex else square(x)


def _matrix_norm(x, ord, axis, keepdims):
    valid = ord in ("euclidean", "fro") if isinstance(ord, str) else not isinstance(ord, bool) and ord in (1, 2, np.inf)
    if not valid:
        raise InvalidArgumentError(f"norm: ord must be one of {list(_MATRIX_NORMS)} for a matrix norm, got {ord!r}")
    rows, columns = (normalize_axis(a, x.ndim, "norm") for a in axis)
    if rows == columns:
        raise InvalidArgumentError(f"norm: a matrix norm needs two different axes, got {list(axis)}")
    kept_shape = reduced_shape(x.shape, (rows, columns), keepdims)
    if ord in ("euclidean", "fro"):
        return sqrt(reduce_sum(_squared_magnitude(x), (rows, columns), keepdims))
    if ord == 2:
        return reshape(_spectral_norm(x, rows, columns), kept_shape)
    magnitude = absolute(x)
    summed, maximised = (rows, columns) if ord == 1 else (columns, rows)
    return reshape(reduce_max(reduce_sum(magnitude, summed, keepdims=True), maximised, keepdims=True), kept_shape)


def _spectral_norm(x, rows, columns):
    if x.dtype.is_complex:
        raise UnimplementedError(f"norm: ord=2 matrix norms of {x.dtype.name} tensors are not implemented")
    last_two = {x.ndim - 2, x.ndim - 1}
    if {rows, columns} != last_two:
        batch = [i for i in range(x.ndim) if i not in (rows, columns)]
        x = transpose(x, batch + [rows, columns])
    return run_kernel("SpectralNorm", [x])[0]

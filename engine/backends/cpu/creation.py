"""Creation kernels: they take no data inputs (except the *Like kernels' shape source)."""
import numpy as np

from .kernel import cpu_kernel


@cpu_kernel("ZerosLike")
def zeros_like(x, dtype):
    return np.zeros(x.shape, dtype.as_numpy_dtype)


@cpu_kernel("OnesLike")
def ones_like(x, dtype):
    return np.ones(x.shape, dtype.as_numpy_dtype)


@cpu_kernel("Fill")
def fill(*, shape, value, dtype):
    return np.full(shape, value, dtype.as_numpy_dtype)


@cpu_kernel("Range")
def range_(*, start, delta, size, dtype):
    if dtype.is_integer:
        values = start + np.arange(size, dtype=np.int64) * delta
    else:
        values = start + np.arange(size, dtype=np.float64) * delta
    return values.astype(dtype.as_numpy_dtype)


@cpu_kernel("LinSpace")
def linspace(*, start, stop, num, dtype):
    # The last value is stop exactly, as in TF, whatever rounding the steps had.
    values = start + np.arange(num, dtype=np.float64) * ((stop - start) / max(num - 1, 1))
    if num > 1:
        values[-1] = stop
    return values.astype(dtype.as_numpy_dtype)


@cpu_kernel("Eye")
def eye(*, num_rows, num_columns, batch_shape, dtype):
    matrix = np.eye(num_rows, num_columns, dtype=dtype.as_numpy_dtype)
    return np.ascontiguousarray(np.broadcast_to(matrix, batch_shape + (num_rows, num_columns)))

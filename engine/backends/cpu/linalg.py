"""Linear algebra kernels."""
import numpy as np

from .parallel import matmul
from .kernel import cpu_kernel


@cpu_kernel("BatchMatMul")
def batch_matmul(a, b, *, transpose_a, transpose_b):
    # Transposes are strided views: numpy hands them to BLAS as transposed operands, without copying.
    if transpose_a:
        a = np.swapaxes(a, -1, -2)
    if transpose_b:
        b = np.swapaxes(b, -1, -2)
    if a.dtype == np.float16:
        return np.matmul(a, b, dtype=np.float32).astype(np.float16)
    return matmul(a, b)


@cpu_kernel("SpectralNorm")
def spectral_norm(x):
    """The largest singular value of each matrix x[..., m, n] and its left and right singular vectors."""
    batch, (rows, columns) = x.shape[:-2], x.shape[-2:]
    if rows == 0 or columns == 0:
        return tuple(np.zeros(shape, x.dtype) for shape in (batch, batch + (rows,), batch + (columns,)))
    try:
        left, singular, right = np.linalg.svd(x.astype(np.float32, copy=False), full_matrices=False)
    except np.linalg.LinAlgError:  # non-finite input: TF answers NaN rather than raising
        return tuple(np.full(shape, np.nan, x.dtype) for shape in (batch, batch + (rows,), batch + (columns,)))
    return (singular[..., 0].astype(x.dtype), left[..., :, 0].astype(x.dtype),
            right[..., 0, :].astype(x.dtype))

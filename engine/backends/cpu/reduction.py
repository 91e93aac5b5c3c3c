"""Reduction kernels: reductions over sorted non-negative `axes`, arg-reductions, scans and top-k."""
import math

import numpy as np

from .kernel import cpu_kernel


# Rows of a leading-axes sum are folded into runs of about this many values (see _sum_leading_axes).
_FOLD_ELEMENTS = 4096


def _sum_leading_axes(x, count):
    """float32 sum of C-contiguous `x` over its first `count` axes, for short trailing rows.

    numpy adds a [rows, t] array row by row, one inner loop of t values per row, so a bias gradient
    ([32, 30, 30, 32] -> [32]) spends its time in loop overhead. Folding m rows into one run of m * t
    values first, then summing the m partial rows, is 6x faster here and, with m partial sums instead
    of one running sum, no less accurate.
    """
    trailing = x.shape[count:]
    rows = x.reshape(-1, math.prod(trailing))
    width = rows.shape[1]
    fold = _FOLD_ELEMENTS // width
    if fold < 2 or rows.shape[0] < 2 * fold:
        return np.sum(rows, axis=0, dtype=x.dtype).reshape(trailing)
    whole = rows.shape[0] // fold * fold
    total = rows[:whole].reshape(-1, fold * width).sum(axis=0).reshape(fold, width).sum(axis=0)
    if whole < rows.shape[0]:
        total += rows[whole:].sum(axis=0)
    return total.reshape(trailing)


@cpu_kernel("Sum")
def sum_(x, *, axes, keepdims):
    leading = len(axes)
    if (x.dtype == np.float32 and x.size and 0 < leading < x.ndim and tuple(axes) == tuple(range(leading))
            and x.flags.c_contiguous):
        total = _sum_leading_axes(x, leading)
        return total.reshape((1,) * leading + total.shape) if keepdims else total
    return np.sum(x, axis=axes, keepdims=keepdims, dtype=x.dtype)


@cpu_kernel("Mean")
def mean(x, *, axes, keepdims):
    count = math.prod(x.shape[a] for a in axes)
    if x.dtype.kind == "i":
        total = np.sum(x, axis=axes, keepdims=keepdims, dtype=np.int64)
        # TF divides integers with truncation toward zero (C semantics), and an empty mean is 0.
        quotient = np.abs(total) // max(count, 1)
        return (np.sign(total) * quotient).astype(x.dtype)
    accumulate = np.float32 if x.dtype == np.float16 else x.dtype
    with np.errstate(all="ignore"):
        result = np.sum(x, axis=axes, keepdims=keepdims, dtype=accumulate) / np.array(count, accumulate)
    return result.astype(x.dtype, copy=False)


@cpu_kernel("Prod")
def prod(x, *, axes, keepdims):
    with np.errstate(all="ignore"):
        return np.prod(x, axis=axes, keepdims=keepdims, dtype=x.dtype)


def _lowest(dtype):
    return -np.inf if dtype.kind == "f" else np.iinfo(dtype).min


def _highest(dtype):
    return np.inf if dtype.kind == "f" else np.iinfo(dtype).max


@cpu_kernel("Max")
def max_(x, *, axes, keepdims):
    return np.max(x, axis=axes, keepdims=keepdims, initial=_lowest(x.dtype))


@cpu_kernel("Min")
def min_(x, *, axes, keepdims):
    return np.min(x, axis=axes, keepdims=keepdims, initial=_highest(x.dtype))


@cpu_kernel("Any")
def any_(x, *, axes, keepdims):
    return np.any(x, axis=axes, keepdims=keepdims)


@cpu_kernel("All")
def all_(x, *, axes, keepdims):
    return np.all(x, axis=axes, keepdims=keepdims)


@cpu_kernel("LogSumExp")
def log_sum_exp(x, *, axes, keepdims):
    work = x.astype(np.float32, copy=False)
    peak = np.max(work, axis=axes, keepdims=True, initial=-np.inf)
    # Shifting by an infinite maximum would give inf - inf; such slices are already exact without a shift.
    peak = np.where(np.isfinite(peak), peak, np.float32(0))
    with np.errstate(all="ignore"):
        result = np.log(np.sum(np.exp(work - peak), axis=axes, keepdims=True)) + peak
    if not keepdims:
        result = result.reshape([d for i, d in enumerate(result.shape) if i not in axes])
    return result.astype(x.dtype, copy=False)


@cpu_kernel("ArgMax")
def arg_max(x, *, axis):
    return np.argmax(x, axis=axis).astype(np.int32)


@cpu_kernel("ArgMin")
def arg_min(x, *, axis):
    return np.argmin(x, axis=axis).astype(np.int32)


def _scan(x, scan, identity, axis, exclusive, reverse):
    if reverse:
        x = np.flip(x, axis)
    with np.errstate(all="ignore"):
        result = scan(x, axis=axis, dtype=x.dtype)
    if exclusive:
        shifted = np.empty_like(result)
        head = [slice(None)] * x.ndim
        head[axis] = slice(0, 1)
        tail = list(head)
        tail[axis] = slice(1, None)
        body = list(head)
        body[axis] = slice(0, -1)
        shifted[tuple(head)] = identity
        shifted[tuple(tail)] = result[tuple(body)]
        result = shifted
    return np.flip(result, axis) if reverse else result


@cpu_kernel("Cumsum")
def cumsum(x, *, axis, exclusive, reverse):
    return _scan(x, np.cumsum, 0, axis, exclusive, reverse)


@cpu_kernel("Cumprod")
def cumprod(x, *, axis, exclusive, reverse):
    return _scan(x, np.cumprod, 1, axis, exclusive, reverse)


@cpu_kernel("TopKV2")
def top_k(x, *, k):
    # A stable sort of the order-reversed keys keeps equal values in index order, as TF does.
    if x.dtype.kind == "f":
        keys = -x
    else:
        keys = np.invert(x.astype(np.int32, copy=False))
    order = np.argsort(keys, axis=-1, kind="stable")[..., :k]
    return np.take_along_axis(x, order, axis=-1), order.astype(np.int32)

"""The cpu backend's threads: a pool for all cores but the caller's, numpy's BLAS kept on one thread while the
kernels split their work over the pool, the helpers that split it, and a per-thread scratch buffer.

numpy releases the GIL in BLAS, copies and ufuncs, so blocks of one kernel run on all cores; below a few
hundred microseconds of work, handing a block to a pool thread costs more than it saves.
"""
import itertools
import math
import os
import threading
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import threadpoolctl


class _Scratch(threading.local):
    def __init__(self):
        self.buffer = np.empty(0, np.float32)


_scratch = _Scratch()


def scratch_buffer(size):
    """A float32 work array reused across calls on this thread.

    Freeing and reallocating multi-MiB arrays on every call costs page faults
    that measured about three times the whole convolution here.
    """
    if _scratch.buffer.size < size:
        _scratch.buffer = np.empty(size, np.float32)
    return _scratch.buffer[:size]


# Work below this many multiply-adds (or element operations, for kernels without products) runs on the calling
# thread: handing it to the pool costs more than it saves.
_PARALLEL_WORK = 1 << 20


def _blas_threads_requested(environ):
    """The BLAS thread count the environment asks for (a string), or None where it names none: OpenBLAS, MKL and
    Accelerate read these variables when numpy loads them, their own before OMP_NUM_THREADS."""
    for name in ("OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "VECLIB_MAXIMUM_THREADS", "OMP_NUM_THREADS"):
        if environ.get(name, "").strip():
            return environ[name].strip()
    return None


class _Pool:
    """Worker threads for all cores but the caller's, created on first use (and again in a forked child)."""

    def __init__(self):
        self.lock = threading.Lock()
        self.executor = None
        self.pid = None
        self.workers = os.cpu_count() or 1
        # A multi-threaded BLAS runs each product on all cores itself, and its idle threads spin for a while
        # after each: threads of ours beside them would take the cores from each other (bench/train.py's CNN
        # on 2 cores with OpenBLAS's default threads: 5-8% slower with ours than without). See own_blas_threads.
        self.blas_threaded = _blas_threads_requested(os.environ) != "1"

    def map(self, fn, parts):
        """[fn(part) for part in parts]. The calling thread and the pool's threads take the parts one at a time
        until none is left, so on a busy machine a worker that is not scheduled delays at most the part it took."""
        with self.lock:
            if self.pid != os.getpid():
                self.executor = ThreadPoolExecutor(self.workers - 1, thread_name_prefix="engine-cpu")
                self.pid = os.getpid()
            executor = self.executor
        results = [None] * len(parts)
        claims = itertools.count()  # next() on it is atomic under the GIL

        def take_parts():
            index = next(claims)
            while index < len(parts):
                results[index] = fn(parts[index])
                index = next(claims)

        helpers = [executor.submit(take_parts) for _ in range(min(self.workers, len(parts)) - 1)]
        try:
            take_parts()
        finally:
            for helper in helpers:
                helper.result()
        return results


_pool = _Pool()


def own_blas_threads():
    """When the cpu backend starts: run numpy's BLAS on one thread and the kernels' blocks on all cores, unless the
    environment names a BLAS thread count (the user's choice wins). Big products are split over the pool instead
    (see matmul): on 2 cores, [401408, 32] x [32, 16] took 88 ms on OpenBLAS's 2 threads and 11-13 ms in blocks on
    ours. This limits BLAS for the whole process, as OMP_NUM_THREADS=1 would."""
    if _blas_threads_requested(os.environ) is None:
        threadpoolctl.threadpool_limits(limits=1, user_api="blas")
        _pool.blas_threaded = False


def _split(n, parts):
    bounds = [n * p // parts for p in range(parts + 1)]
    return [slice(a, b) for a, b in zip(bounds, bounds[1:]) if b > a]


def map_row_blocks(fn, n, out_h, work):
    """[fn((samples, rows)) for blocks of the [n, out_h] output], run on all cores when `work` is large.

    For numpy calls that release the GIL (einsum, ufuncs on big arrays).
    """
    workers = _pool.workers
    if work < _PARALLEL_WORK or workers == 1 or n * out_h < 2:
        return [fn((slice(None), slice(None)))]
    if n >= workers:
        parts = [(samples, slice(None)) for samples in _split(n, workers)]
    else:
        parts = [(slice(None), rows) for rows in _split(out_h, workers)]
    return _pool.map(fn, parts)


def map_output_blocks(fn, n, out_h, work):
    """[fn((samples, rows)) for blocks of the [n, out_h] output], on all cores when `work` is large and BLAS
    does not thread its products itself (see _Pool).

    Unlike map_row_blocks, every block is contiguous in an [n, out_h, ...] array (whole samples, or rows of
    one sample), so BLAS can write a block's product straight into it. out_h=1 asks for whole samples only.
    """
    workers = _pool.workers
    if work < _PARALLEL_WORK or workers == 1 or _pool.blas_threaded or n * out_h < 2:
        return [fn((slice(0, n), slice(0, out_h)))]
    if n >= workers:
        parts = [(samples, slice(0, out_h)) for samples in _split(n, workers)]
    else:
        row_parts = -(-workers // n)
        parts = [(slice(b, b + 1), rows) for b in range(n) for rows in _split(out_h, row_parts)]
    return _pool.map(fn, parts)


def split_rows(a, operations):
    """Slices of a's first axis, one per core, for an elementwise kernel that makes `operations` element operations
    per value of `a`; None where that is too little work to share, or where BLAS keeps the cores (see _Pool)."""
    if (operations * a.size < _PARALLEL_WORK or a.ndim == 0 or a.shape[0] < 2 or _pool.workers == 1
            or _pool.blas_threaded):
        return None
    return _split(a.shape[0], min(_pool.workers, a.shape[0]))


def map_parts(fn, parts):
    """[fn(part) for part in parts], on the pool's threads and the calling one."""
    return _pool.map(fn, parts)


# Products split over the pool give each thread at least this many rows (or summed terms): below it, BLAS's own
# blocking loses more than a second core gains.
_MIN_PART = 32
# A product of fewer multiply-adds (about 0.6 ms on one core here) runs whole on the calling thread: waking a pool
# thread takes 30-180 us on this 2-core VM, and split products of a few million multiply-adds lost more than they
# gained (bench/train.py's MLP, 32x784x128 products, on a busy machine: 8,300 samples/s split in two, 13,700 whole).
_PARALLEL_PRODUCT = 1 << 25


def matmul(a, b):
    """np.matmul(a, b) on all cores where BLAS runs on one thread (see _Pool): big products are cut into blocks
    of a's rows, or, for a product of few rows and a long inner dimension (a filter gradient), into blocks of that
    dimension whose products are summed."""
    if (a.ndim < 2 or b.ndim < 2 or a.dtype != np.float32 or b.dtype != np.float32 or _pool.blas_threaded
            or _pool.workers == 1):
        return np.matmul(a, b)
    batch = np.broadcast_shapes(a.shape[:-2], b.shape[:-2])
    rows, depth, columns = a.shape[-2], a.shape[-1], b.shape[-1]
    if math.prod(batch) * rows * depth * columns < _PARALLEL_PRODUCT:
        return np.matmul(a, b)
    if rows >= 2 * _MIN_PART:
        out = np.empty(batch + (rows, columns), np.float32)
        parts = _split(rows, min(_pool.workers, rows // _MIN_PART))
        _pool.map(lambda part: np.matmul(a[..., part, :], b, out=out[..., part, :]), parts)
        return out
    if a.ndim == b.ndim == 2 and depth >= 2 * _MIN_PART:
        parts = _split(depth, min(_pool.workers, depth // _MIN_PART))
        return sum(_pool.map(lambda part: np.matmul(a[:, part], b[part]), parts))
    return np.matmul(a, b)


def map_blocks(fn, blocks, work):
    """[fn(block) for block in blocks], on all cores when `work` is large; for kernels without BLAS products."""
    if work < _PARALLEL_WORK or _pool.workers == 1 or len(blocks) < 2:
        return [fn(block) for block in blocks]
    return _pool.map(fn, blocks)


def worker_count():
    return _pool.workers

"""The compute path's one-pass softmax and log-softmax over the last axis (gl_kernels/nn_softmax_rows.comp).

Rows up to MAX_ROW_SIZE fit in the registers of at most 256 invocations; other axes, longer rows,
float16 and tensors past one SSBO binding take the shared two-program kernels of nn.py.
"""

from ....dtypes import float32
from .. import program as programs
from ..kernel import gl_kernel, shared_kernel
from ..program import ComputeSpec

MAX_ROW_SIZE = 8192
GROUP_SIZE = 128   # invocations a workgroup, unless one row takes more


def _one_pass(backend, name, logits, axis, log_softmax):
    shape = tuple(logits.shape)
    row_size = shape[-1] if shape else 0
    if (axis != len(shape) - 1 or logits.dtype is not float32 or not logits.size
            or not 0 < row_size <= MAX_ROW_SIZE or logits.size > programs.PART_WORDS):
        return shared_kernel(name)(backend, logits, axis=axis)
    rows = logits.size // row_size
    vec4 = row_size % 4 == 0
    items = row_size // 4 if vec4 else row_size
    # About 8 items a thread: enough work per thread to hide the reductions' barriers.
    row_threads = min(256, 1 << (-(-items // 8) - 1).bit_length())
    group_size = max(row_threads, GROUP_SIZE)
    rows_per_group = group_size // row_threads
    defines = {"ROWS": rows, "ROW_SIZE": row_size, "ROW_THREADS": row_threads, "ROWS_PER_GROUP": rows_per_group,
               "WG_SIZE": group_size, "PER_THREAD": -(-items // row_threads), "VEC4": int(vec4),
               "LOG_SOFTMAX": int(log_softmax)}
    return backend.program(ComputeSpec("nn_softmax_rows.comp", [logits], shape, float32,
                                       programs.dispatch_grid(-(-rows // rows_per_group)), defines))


@gl_kernel("Softmax", path="compute")
def softmax(backend, logits, *, axis):
    return _one_pass(backend, "Softmax", logits, axis, log_softmax=False)


@gl_kernel("LogSoftmax", path="compute")
def log_softmax(backend, logits, *, axis):
    return _one_pass(backend, "LogSoftmax", logits, axis, log_softmax=True)

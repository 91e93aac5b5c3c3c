import ctypes
import sys

import numpy as np

from ...dtypes import from_numpy
from ...errors import BackendError
from ...runtime import current_trace, refuse_trace
from ...tensor import Tensor
from ..base import Backend, DataBuffer
from . import replay as replays
from .parallel import own_blas_threads
from .kernel import KERNELS


class CpuBuffer(DataBuffer):
    __slots__ = ("array",)

    def __init__(self, backend, array):
        self.array = array
        super().__init__(backend, array.nbytes)


def _keep_large_allocations_mapped():
    """glibc returns big freed blocks to the OS at once and faults them back in on the next
    allocation; kernels allocate multi-MB arrays every call, so keep up to 256 MiB around.
    (conv2d [1,224,224,3]x[3,3,3,32]: 2.2 ms -> 0.54 ms on this 2-core machine.)"""
    if sys.platform != "linux":
        return
    try:
        libc = ctypes.CDLL("libc.so.6")
        libc.mallopt(_M_MMAP_THRESHOLD, 64 << 20)
        libc.mallopt(_M_TRIM_THRESHOLD, 256 << 20)
    except (OSError, AttributeError):  # not glibc (musl, ...): keep its defaults
        pass


_M_TRIM_THRESHOLD = -1
_M_MMAP_THRESHOLD = -3


class CpuBackend(Backend):
    name = "cpu"
    can_replay = True     # tf.function replays the kernel calls it recorded (engine/tracing.py, replay.py)

    def __init__(self):
        super().__init__()
        self.kernels = KERNELS
        _keep_large_allocations_mapped()
        own_blas_threads()

    def describe(self):
        return {"device": "CPU (numpy " + np.__version__ + ")"}

    def write(self, array):
        return CpuBuffer(self, array)

    def read(self, buffer, shape, dtype):
        refuse_trace("it reads a tensor's value (numpy())")
        return buffer.array.reshape(shape).copy()

    def run(self, kernel, inputs, attrs):
        result = kernel(*[t._buffer.array for t in inputs], **attrs)
        if type(result) is tuple:
            outputs = [self._wrap(a, kernel) for a in result]
        else:
            outputs = [self._wrap(result, kernel)]
        trace = current_trace()
        if trace is not None and trace.backend is self:
            trace.steps.append((kernel, [t._buffer for t in inputs], attrs, [t._buffer for t in outputs]))
        return outputs

    # --- tf.function replays -----------------------------------------------------------------
    def make_replay_plan(self, trace, argument_buffers, output_buffers):
        return replays.build_plan(trace.steps, trace.variables, argument_buffers, output_buffers,
                                  [pair for _, pair in trace.seed_requests])

    def replay(self, plan, arguments, variables, seed_pairs):
        """Call the recorded kernels on these buffers, the random ones drawing `seed_pairs`; returns the buffer of
        each output leaf and assigned Variable."""
        return replays.run_plan(plan, arguments, variables, seed_pairs, lambda array: CpuBuffer(self, array))

    def _wrap(self, array, kernel):
        if type(array) is not np.ndarray:
            array = np.asarray(array)
        try:
            dtype = from_numpy(array.dtype)
        except Exception:
            raise BackendError(f"cpu kernel {kernel.__name__} returned dtype {array.dtype}") from None
        # Views into inputs are fine: buffers are never written in place.
        return Tensor(CpuBuffer(self, array), array.shape, dtype)

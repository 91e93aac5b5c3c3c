"""The interface every backend implements. Ops never call it; runtime.run_kernel does."""
from concurrent.futures import Future


class DataBuffer:
    """Backend-owned storage for one tensor value. Several tensors may share a buffer."""

    __slots__ = ("backend", "nbytes", "__weakref__")

    def __init__(self, backend, nbytes):
        self.backend = backend
        self.nbytes = nbytes
        backend.on_buffer_created(self)

    def __del__(self):
        self.backend.on_buffer_released(self)


class Backend:
    name = "abstract"

    def __init__(self):
        self.kernels = {}
        self._num_buffers = 0
        self._num_bytes = 0

    # bookkeeping shared by every backend
    def on_buffer_created(self, buffer):
        self._num_buffers += 1
        self._num_bytes += buffer.nbytes

    def on_buffer_released(self, buffer):
        self._num_buffers -= 1
        self._num_bytes -= buffer.nbytes

    def num_bytes(self):
        return self._num_bytes

    def memory(self):
        return {"num_bytes": self._num_bytes, "num_data_buffers": self._num_buffers}

    def describe(self):
        """Facts for `engine.backends()` and `main.py info` (vendor, renderer, version...)."""
        return {}

    # what each backend provides
    def write(self, array):
        """Take a C-contiguous numpy array of an engine storage dtype; return a DataBuffer."""
        raise NotImplementedError

    def read(self, buffer, shape, dtype):
        """Return a new numpy array with the buffer's contents, blocking until ready."""
        raise NotImplementedError

    @staticmethod
    def replay_dispatches(plan):
        """How many kernel calls (dispatches, draws) a tf.function replay of `plan` makes: one per recorded step
        unless the backend prepares its plans further."""
        return len(plan.steps)

    def read_async(self, buffer, shape, dtype):
        future = Future()
        try:
            future.set_result(self.read(buffer, shape, dtype))
        except Exception as exc:
            future.set_exception(exc)
        return future

    def run(self, kernel, inputs, attrs):
        """Run a kernel function on input tensors; return a list of output Tensors."""
        raise NotImplementedError

    def synchronize(self):
        """Block until queued work is done (used by the profiler)."""

    def flush(self):
        """Run every queued command, so that buffers only queued work still held are released."""

"""The GL thread: owns the context and runs every GL call, in submission order.

Ops from any Python thread `submit` work without waiting; `call` waits for a
result. Readbacks for `Tensor.data()` wait on a fence that the thread polls
between commands, so no caller ever blocks on the GPU unless it asks to.
"""
import collections
import queue
import sys
import threading
import time
from concurrent.futures import Future

_IDLE_POLL_SECONDS = 0.0005
# Callers may run this many commands ahead of the GL thread; past that, submit waits.
# This bounds the memory held by queued work (each command keeps its buffers alive).
MAX_QUEUED = 256
# How long a caller sleeps between looks at a full queue. A semaphore would wake it sooner, but costs every
# command two Python-level lock operations (about 10 us of the ~50 us an eager op costs); a full queue means
# the GPU is far behind anyway.
_FULL_QUEUE_POLL_SECONDS = 0.0001


class GLThread:
    def __init__(self, setup, name="glimmer-gl", on_idle=None):
        """`setup()` runs first on the new thread (create the context) and its result is `self.setup_result`;
        `on_idle()` runs on it whenever it has run every queued command."""
        self._on_idle = on_idle
        self._queue = queue.SimpleQueue()
        self._pending_fences = []   # (poll() -> bool, finish())
        self._before_next = collections.deque()   # (fn, args) run before the next command (see release)
        self._thread = threading.Thread(target=self._main, args=(setup,), name=name, daemon=True)
        self._started = Future()
        self._thread.start()
        self.setup_result = self._started.result()

    @property
    def ident(self):
        return self._thread.ident

    def on_thread(self):
        return threading.get_ident() == self._thread.ident

    def submit(self, fn, *args):
        """Queue fn(*args) on the GL thread; errors surface at the next `call`.

        On the GL thread itself it runs at once: what the GL thread submits (a
        buffer released by a finished command) depends on nothing still queued.
        """
        if threading.get_ident() == self._thread.ident:
            fn(*args)
            return
        if not self._room():
            # The interpreter is exiting and has stopped the GL thread: nothing would run this
            # (tensors released at exit), and waiting for room would hang the exit.
            return
        self._queue.put((fn, args, None))

    def release(self, fn, *args):
        """Run fn(*args) on the GL thread before its next command, without waking it or waiting for room:
        for a dead tensor's buffer (GlBuffer.__del__), which a training step makes dozens of and which need
        not be back in the pool before the next command asks for one. Nothing queued can still read it:
        queued commands hold their buffers."""
        if threading.get_ident() == self._thread.ident:
            fn(*args)
            return
        self._before_next.append((fn, args))

    def call(self, fn, *args):
        """Run fn(*args) on the GL thread and return its result (re-raising its exception)."""
        if self.on_thread():
            return fn(*args)
        future = Future()
        self._room()
        self._queue.put((fn, args, future))
        return future.result()

    def _room(self):
        """Wait until the queue holds fewer than MAX_QUEUED commands; False if the GL thread has stopped."""
        while self._queue.qsize() >= MAX_QUEUED:
            if sys.is_finalizing() or not self._thread.is_alive():
                return False
            time.sleep(_FULL_QUEUE_POLL_SECONDS)
        return not sys.is_finalizing()

    def watch_fence(self, poll, finish):
        """On the GL thread: run finish() once poll() says the GPU got there."""
        self._pending_fences.append((poll, finish))

    def _main(self, setup):
        try:
            result = setup()
        except BaseException as exc:
            self._started.set_exception(exc)
            return
        self._started.set_result(result)
        deferred_error = None
        while True:
            if self._on_idle is not None and self._queue.empty():
                self._on_idle()
            try:
                item = self._queue.get(timeout=_IDLE_POLL_SECONDS) if self._pending_fences else self._queue.get()
            except queue.Empty:
                self._poll_fences()
                continue
            try:
                self._run_releases()
            except BaseException as exc:  # reported to the next waiting caller, as a failed command is
                deferred_error = deferred_error or exc
            fn, args, future = item
            if future is None:
                try:
                    fn(*args)
                except BaseException as exc:  # reported to the next waiting caller
                    deferred_error = deferred_error or exc
                continue
            if deferred_error is not None and not future.done():
                future.set_exception(deferred_error)
                deferred_error = None
                continue
            try:
                future.set_result(fn(*args))
            except BaseException as exc:
                future.set_exception(exc)
            if self._pending_fences:
                self._poll_fences()

    def _run_releases(self):
        releases = self._before_next
        while releases:
            fn, args = releases.popleft()
            fn(*args)

    def _poll_fences(self):
        still = []
        for poll, finish in self._pending_fences:
            if poll():
                finish()
            else:
                still.append((poll, finish))
        self._pending_fences = still

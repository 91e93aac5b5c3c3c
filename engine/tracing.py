"""`tf.function`: trace a Python function once per input signature, then replay the kernels it ran.

A forward pass through a Keras model is hundreds of kernels, and each eager op costs tens of
microseconds of Python (argument checks, shape inference, autodiff records, Keras's layer calls;
on the GL backends also program lookup and queueing) while a small model's kernels themselves take
a few. A traced function runs the Python once per signature (the shapes and dtypes of its tensor
arguments and the values of the others) while the backend records every kernel it runs; later
calls with the same signature run only what was recorded. The GL backends hand the whole recorded
sequence to the GL thread at once, with each batch normalization and activation folded into the
dispatch whose result it reads where nothing else reads that result (engine/backends/gl/fusion.py);
the cpu backend calls the recorded numpy kernels in order (engine/backends/cpu/replay.py).
As with TensorFlow's tf.function, Python side effects happen while tracing only. On the GL
backends the tracing call records the work on its arguments and Variables without running it, and
its results come from the first replay: the GPU does that work once, not twice.

What is replayed reads the current values of the Variables it used (so assigning new weights
needs no retrace) and the arguments given to this call, and gives every Variable it assigned
(weights, optimizer slots, metric totals) its new value, so a whole training step replays.
Stateful random ops (dropout, tf.random.*) draw their next seed pair on every replay, exactly as
the eager call would have: under tf.random.set_seed a traced function draws the eager numbers.
Every other tensor it read is a constant of the trace. A trace that cannot be replayed
faithfully runs eagerly on every call, with a one-time warning naming the reason: it read a
tensor's value back (numpy(), data(), or on a GL backend a kernel that runs on the cpu), or a
replay met a kernel result of another shape than traced (a kernel whose output shape follows the
values). Calls under an active GradientTape and calls on a backend that records nothing run
eagerly too, with identical results.
"""
import functools
import threading
import warnings
import weakref

import numpy as np

from . import nest, runtime
from .errors import ReplayMismatchError
from .ops import random as random_ops
from .tensor import Tensor, Variable

__all__ = ["function", "Function"]


class Trace:
    """What one tracing call saw: the Variables its kernels read and assigned, the random seed pairs it drew,
    and why it cannot be replayed (if so).

    A backend may record a kernel that reads the call's arguments or Variables, or the result of such a
    kernel, without running it (`deferred`, GL backends): the call's results then come from the first replay
    instead. Whatever needs a deferred result before that (a Variable made from it, or a refusal: a read,
    a kernel on another backend) has the backend run every deferred kernel first (`run_deferred`)."""

    def __init__(self, backend, argument_buffers=()):
        self.backend = backend
        self.refused = None
        self.arguments = {id(buffer) for buffer in argument_buffers}
        self.variables = {}       # id(buffer) -> (buffer, Variable) for every Variable a kernel read unassigned
        self.assigned = {}        # id(Variable) -> Variable, for every Variable given a new value
        self.assigned_from = {}   # id(Variable) -> its buffer before the trace first assigned it
        self.seed_requests = []   # ((kernel, seed, op name), (seed0, seed1)) per stateful random op, in order
        self.steps = []           # backend-specific records of the work it queued
        self.deferred = set()     # ids of the buffers of recorded kernels that have not run

    def refuse(self, reason):
        """Mark the trace as one that runs eagerly; whatever it deferred runs now, since its results are used."""
        if self.refused is None:
            self.refused = reason
        self.run_deferred()

    def reads_call_data(self, buffer):
        """Whether a kernel reading `buffer` depends on the call's arguments or Variables."""
        key = id(buffer)
        return key in self.deferred or key in self.arguments or key in self.variables

    def run_deferred(self):
        if self.deferred:
            self.backend.run_deferred(self)
            self.deferred.clear()

    def saw_assignment(self, variable, previous_buffer):
        self.assigned[id(variable)] = variable
        self.assigned_from.setdefault(id(variable), previous_buffer)

    def saw_new_variable(self, variable):
        if id(variable.buffer) in self.deferred:
            self.run_deferred()

    def saw_seed_request(self, request, pair):
        self.seed_requests.append((request, pair))

    def saw_kernel(self, name, inputs, attrs, backend):
        if backend is not self.backend:
            self.refuse(f"kernel {name!r} ran on {backend.name!r}, not on {self.backend.name!r}")
        for tensor in inputs:
            # A replay reads a Variable's value at the call; one that the trace assigned has a value the trace
            # computed (or a constant), which the replay computes too.
            if isinstance(tensor, Variable) and id(tensor) not in self.assigned:
                buffer = tensor.buffer
                self.variables[id(buffer)] = (buffer, tensor)


class _Plan:
    __slots__ = ("replay", "variables", "outputs", "structure", "static_leaves", "assigned", "seed_requests")

    def __init__(self, replay, variables, outputs, structure, static_leaves, assigned, seed_requests):
        self.replay = replay                  # the backend's replay plan
        self.variables = variables            # [weakref to Variable], in the order the replay plan reads them
        self.outputs = outputs                # [(shape, dtype) or None] per output leaf (None: a static leaf)
        self.structure = structure
        self.static_leaves = static_leaves    # non-tensor output leaves, returned as traced
        self.assigned = assigned              # [weakref to Variable] whose new values follow the outputs
        self.seed_requests = seed_requests    # (kernel, seed, op name) per stateful random op, drawn anew per call


def _signature(flat):
    """A hashable key for the flat argument leaves, and the tensors among them."""
    key, tensors, first_use = [], [], {}
    for leaf in flat:
        if isinstance(leaf, Tensor):
            alias = first_use.setdefault(id(leaf.buffer), len(tensors))
            key.append(("tensor", tuple(leaf.shape), leaf.dtype.name, alias))
            tensors.append(leaf)
        else:
            try:
                hash(leaf)
                key.append(("value", type(leaf), leaf))
            except TypeError:
                key.append(("object", id(leaf)))
    return tuple(key), tensors


class Function:
    """A Python function traced per input signature and replayed on backends that record (see the module)."""

    def __init__(self, python_function, name=None):
        functools.update_wrapper(self, python_function, updated=())
        self.python_function = python_function
        self.name = name or getattr(python_function, "__name__", type(python_function).__name__)
        self._plans = {}          # (backend name, signature) -> _Plan, or the reason it runs eagerly
        self._held = {}           # signature -> unhashable argument objects, kept so their ids stay theirs
        self._lock = threading.Lock()
        self._warned = set()
        self.trace_count = 0

    def __get__(self, instance, owner):
        if instance is None:
            return self
        return functools.partial(self, instance)

    def eager_reason(self, *args, **kwargs):
        """Why a call with these arguments would run eagerly now, or None when it would replay a trace."""
        backend = runtime.current_backend()
        if not getattr(backend, "can_replay", False):
            return f"backend {backend.name!r} records no dispatches"
        key, _ = self._key(*_converted(args, kwargs))
        plan = self._plans.get(key, "not traced yet for these argument shapes")
        return plan if isinstance(plan, str) else None

    def dispatch_count(self, *args, **kwargs):
        """How many GPU dispatches a replay of a call with these arguments issues (None where it runs eagerly)."""
        if self.eager_reason(*args, **kwargs) is not None:
            return None
        key, _ = self._key(*_converted(args, kwargs))
        return runtime.current_backend().replay_dispatches(self._plans[key].replay)

    @staticmethod
    def _key(args, kwargs):
        signature, tensors = _signature(nest.flatten((list(args), kwargs)))
        return (runtime.current_backend().name, signature), tensors

    def __call__(self, *args, **kwargs):
        flat = nest.flatten((list(args), kwargs))
        if any(isinstance(leaf, np.ndarray) for leaf in flat):
            args, kwargs = _converted(args, kwargs)
            flat = nest.flatten((list(args), kwargs))
        backend = runtime.current_backend()
        if not getattr(backend, "can_replay", False) or runtime.active_tapes() or runtime.current_trace():
            return self.python_function(*args, **kwargs)
        signature, tensors = _signature(flat)
        key = (backend.name, signature)
        plan = self._plans.get(key)
        if plan is None:
            return self._trace(key, backend, tensors, args, kwargs)
        if isinstance(plan, str):
            return self.python_function(*args, **kwargs)
        variables = [reference() for reference in plan.variables]
        assigned = [reference() for reference in plan.assigned]
        if any(variable is None for variable in variables + assigned):
            # A Variable the trace read is gone (its layer was deleted and rebuilt): trace again.
            with self._lock:
                self._plans.pop(key, None)
            return self._trace(key, backend, tensors, args, kwargs)
        seed_pairs = [random_ops.stateful_seed_pair(*request) for request in plan.seed_requests]
        try:
            return self._replay(plan, backend, tensors, variables, assigned, seed_pairs)
        except ReplayMismatchError as error:
            reason = f"a replay's result did not match its trace ({error})"
            with self._lock:
                self._plans[key] = reason
            self._warn_once(reason, backend)
            return self.python_function(*args, **kwargs)

    @staticmethod
    def _replay(plan, backend, tensors, variables, assigned, seed_pairs):
        arguments = [runtime.move_to_backend(tensor, backend).buffer if tensor.buffer.backend is not backend
                     else tensor.buffer for tensor in tensors]
        buffers = backend.replay(plan.replay, arguments, [variable.buffer for variable in variables], seed_pairs)
        for variable, buffer in zip(assigned, buffers[len(plan.outputs):]):
            variable.adopt_buffer(buffer)
        static = iter(plan.static_leaves)
        leaves = [next(static) if spec is None else Tensor(buffer, spec[0], spec[1])
                  for spec, buffer in zip(plan.outputs, buffers)]
        return nest.pack_sequence_as(plan.structure, leaves)

    def _trace(self, key, backend, tensors, args, kwargs):
        trace = Trace(backend, [tensor.buffer for tensor in tensors])
        runtime.set_trace(trace)
        try:
            result = self.python_function(*args, **kwargs)
        finally:
            runtime.set_trace(None)
        self.trace_count += 1
        flat = nest.flatten(result)
        plan = None
        if trace.refused is None:
            outputs = [leaf.buffer if isinstance(leaf, Tensor) else None for leaf in flat]
            if any(buffer is not None and buffer.backend is not backend for buffer in outputs):
                trace.refuse("it returns a tensor that lives on another backend")
            else:
                assigned = list(trace.assigned.values())
                if any(variable.buffer.backend is not backend for variable in assigned):
                    trace.refuse("it assigns a Variable that lives on another backend")
            if trace.refused is None:
                replay, variables = backend.make_replay_plan(trace, [tensor.buffer for tensor in tensors],
                                                             outputs + [variable.buffer for variable in assigned])
                plan = _Plan(replay, [weakref.ref(variable) for variable in variables],
                             [None if leaf is None else (tuple(flat[i].shape), flat[i].dtype)
                              for i, leaf in enumerate(outputs)],
                             result, [leaf for leaf in flat if not isinstance(leaf, Tensor)],
                             [weakref.ref(variable) for variable in assigned],
                             [request for request, _ in trace.seed_requests])
        reason = trace.refused
        with self._lock:
            self._plans[key] = plan if reason is None else reason
            self._held[key] = [leaf for leaf in nest.flatten((list(args), kwargs))
                               if not isinstance(leaf, Tensor) and _unhashable(leaf)]
        if reason is not None:
            self._warn_once(reason, backend)
            return result
        if not trace.deferred:
            return result
        # The backend recorded the call's work without running it: the first replay does it, from the Variables'
        # values before the trace assigned them and with the seed pairs the trace drew.
        for key, buffer in trace.assigned_from.items():
            trace.assigned[key].adopt_buffer(buffer)
        return self._replay(plan, backend, tensors, [reference() for reference in plan.variables],
                            [reference() for reference in plan.assigned], [pair for _, pair in trace.seed_requests])

    def _warn_once(self, reason, backend):
        if reason not in self._warned:
            self._warned.add(reason)
            warnings.warn(f"tf.function {self.name!r} runs eagerly on {backend.name!r}: {reason}", RuntimeWarning,
                          stacklevel=4)


def _unhashable(value):
    try:
        hash(value)
        return False
    except TypeError:
        return True


def _converted(args, kwargs):
    """(args, kwargs) with numpy arrays made constant tensors: they join the signature by shape, not value."""
    from .ops.convert import convert_to_tensor
    flat = [convert_to_tensor(leaf) if isinstance(leaf, np.ndarray) else leaf
            for leaf in nest.flatten((list(args), kwargs))]
    return nest.pack_sequence_as((list(args), kwargs), flat)


def function(func=None, *, name=None):
    """tf.function: `@tf.function`, `tf.function(fn)` or `tf.function(model)`; see the module docstring."""
    if func is None:
        return lambda f: Function(f, name=name)
    return Function(func, name=name)

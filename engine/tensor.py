"""Tensor (immutable handle on backend data) and Variable (mutable, for weights)."""
import itertools

import numpy as np

from ._export import lookup
from . import runtime
from .errors import DisposedTensorError, InvalidArgumentError
from .shape import TensorShape

_ids = itertools.count(1)


class Tensor:
    """An immutable n-dimensional array living on one backend.

    `numpy()` blocks until the data is on the CPU; `data()` returns a Future.
    """

    __slots__ = ("_buffer", "shape", "dtype", "id", "__weakref__")
    __array_priority__ = 100  # numpy defers `ndarray + Tensor` to Tensor.__radd__

    def __init__(self, buffer, shape, dtype):
        self._buffer = buffer
        self.shape = TensorShape(shape)
        self.dtype = dtype
        self.id = next(_ids)
        runtime.STATE.on_tensor_created(self)

    def __del__(self):
        if self._buffer is not None:
            runtime.STATE.num_tensors -= 1

    # --- data access -------------------------------------------------------
    @property
    def buffer(self):
        buffer = self._buffer
        if buffer is None:
            raise DisposedTensorError(f"tensor {self.id} (shape {list(self.shape)}, {self.dtype.name}) was disposed")
        return buffer

    @property
    def backend(self):
        return self.buffer.backend

    @property
    def is_disposed(self):
        return self._buffer is None

    def numpy(self):
        """Block until the data is on the CPU and return a fresh numpy array."""
        buffer = self.buffer
        return buffer.backend.read(buffer, self.shape, self.dtype)

    def data(self):
        """A concurrent.futures.Future resolving to the numpy array, without blocking the caller."""
        buffer = self.buffer
        return buffer.backend.read_async(buffer, self.shape, self.dtype)

    def dispose(self):
        runtime.dispose_tensor(self)

    def ref(self):
        """A hashable reference to this tensor (tensors themselves compare elementwise)."""
        return _TensorRef(self)

    # --- Python protocol ---------------------------------------------------
    @property
    def ndim(self):
        return len(self.shape)

    @property
    def rank(self):
        return len(self.shape)

    @property
    def size(self):
        return self.shape.num_elements()

    def get_shape(self):
        return self.shape

    def __array__(self, dtype=None, copy=None):
        array = self.numpy()
        return array if dtype is None else array.astype(dtype, copy=False)

    def __len__(self):
        if not self.shape:
            raise TypeError("len() of a scalar tensor")
        return self.shape[0]

    def __iter__(self):
        if not self.shape:
            raise TypeError("iteration over a scalar tensor")
        return iter(lookup("unstack")(self, axis=0))

    def _scalar(self):
        if self.shape.num_elements() != 1:
            raise InvalidArgumentError(
                f"only a tensor with one element converts to a Python scalar; this one has shape {list(self.shape)}")
        return self.numpy().reshape(())

    def __bool__(self):
        return bool(self._scalar())

    def __float__(self):
        return float(self._scalar())

    def __int__(self):
        return int(self._scalar())

    def __index__(self):
        if not self.dtype.is_integer:
            raise TypeError(f"a {self.dtype.name} tensor cannot be used as an index")
        return int(self._scalar())

    def __complex__(self):
        return complex(self._scalar())

    def __repr__(self):
        if self._buffer is None:
            return f"<tf.Tensor: shape={tuple(self.shape)}, dtype={self.dtype.name}, disposed>"
        body = np.array2string(self.numpy(), separator=", ", threshold=200, prefix="       ")
        return f"<tf.Tensor: shape={tuple(self.shape)}, dtype={self.dtype.name}, numpy=\n{body}>"

    def __str__(self):
        return f"tf.Tensor({self.numpy() if self._buffer is not None else 'disposed'}, shape={tuple(self.shape)}, dtype={self.dtype.name})"

    __hash__ = None

    # Operators route through the public ops so autodiff and every backend see them.
    def __add__(self, other): return lookup("add")(self, other)
    def __radd__(self, other): return lookup("add")(other, self)
    def __sub__(self, other): return lookup("subtract")(self, other)
    def __rsub__(self, other): return lookup("subtract")(other, self)
    def __mul__(self, other): return lookup("multiply")(self, other)
    def __rmul__(self, other): return lookup("multiply")(other, self)
    def __truediv__(self, other): return lookup("divide")(self, other)
    def __rtruediv__(self, other): return lookup("divide")(other, self)
    def __floordiv__(self, other): return lookup("math.floordiv")(self, other)
    def __rfloordiv__(self, other): return lookup("math.floordiv")(other, self)
    def __mod__(self, other): return lookup("math.floormod")(self, other)
    def __rmod__(self, other): return lookup("math.floormod")(other, self)
    def __pow__(self, other): return lookup("pow")(self, other)
    def __rpow__(self, other): return lookup("pow")(other, self)
    def __matmul__(self, other): return lookup("matmul")(self, other)
    def __rmatmul__(self, other): return lookup("matmul")(other, self)
    def __neg__(self): return lookup("negative")(self)
    def __pos__(self): return self
    def __abs__(self): return lookup("abs")(self)
    def __invert__(self): return lookup("logical_not")(self)
    def __and__(self, other): return lookup("logical_and")(self, other)
    def __rand__(self, other): return lookup("logical_and")(other, self)
    def __or__(self, other): return lookup("logical_or")(self, other)
    def __ror__(self, other): return lookup("logical_or")(other, self)
    def __eq__(self, other): return self._compare("equal", other, False)
    def __ne__(self, other): return self._compare("not_equal", other, True)
    def __lt__(self, other): return lookup("less")(self, other)
    def __le__(self, other): return lookup("less_equal")(self, other)
    def __gt__(self, other): return lookup("greater")(self, other)
    def __ge__(self, other): return lookup("greater_equal")(self, other)
    def __getitem__(self, key): return lookup("__getitem__")(self, key)

    def _compare(self, op_name, other, when_unrelated):
        """TF 2's `==`/`!=`: elementwise where it can be, a plain bool for None or unbroadcastable shapes."""
        if other is None:
            return when_unrelated
        try:
            return lookup(op_name)(self, other)
        except (InvalidArgumentError, TypeError):
            return when_unrelated


class _TensorRef:
    __slots__ = ("tensor",)

    def __init__(self, tensor):
        self.tensor = tensor

    def deref(self):
        return self.tensor

    def __hash__(self):
        return hash(self.tensor.id)

    def __eq__(self, other):
        return isinstance(other, _TensorRef) and other.tensor is self.tensor


_variable_names = itertools.count()


class Variable(Tensor):
    """A mutable tensor for weights: `assign`, `assign_add`, `assign_sub`.

    Variables are never disposed by `tidy`; trainable ones are watched by any
    active GradientTape automatically.
    """

    __slots__ = ("name", "trainable", "constraint")

    def __init__(self, initial_value, trainable=True, name=None, dtype=None, constraint=None):
        from .ops.convert import convert_to_tensor
        value = convert_to_tensor(initial_value() if callable(initial_value) else initial_value, dtype=dtype)
        # Buffers are never written in place, so sharing the value's buffer is safe.
        super().__init__(value.buffer, value.shape, value.dtype)
        self.name = name if name is not None else f"Variable_{next(_variable_names)}"
        self.trainable = bool(trainable)
        self.constraint = constraint
        runtime.STATE.scope_keep(self)
        trace = runtime.current_trace()
        if trace is not None:
            trace.saw_new_variable(self)

    def _set(self, value, op):
        from .ops.convert import convert_to_tensor
        value = convert_to_tensor(value, dtype=self.dtype)
        if value.dtype != self.dtype:
            raise InvalidArgumentError(f"{op} on variable {self.name!r}: dtype {value.dtype.name} does not match {self.dtype.name}")
        if tuple(value.shape) != tuple(self.shape):
            raise InvalidArgumentError(
                f"{op} on variable {self.name!r}: shape {list(value.shape)} does not match {list(self.shape)}")
        backend = self.backend
        if value.backend is not backend:
            value = runtime.move_to_backend(value, backend)
        # Buffers are never written in place: tensors that read the old value keep it.
        previous, self._buffer = self._buffer, value.buffer
        trace = runtime.current_trace()
        if trace is not None:
            trace.saw_assignment(self, previous)
        return self

    def adopt_buffer(self, buffer):
        """Take `buffer` as the new value without checks: a tf.function replay's assignment, whose shape, dtype and
        backend were checked when the trace was made (engine/tracing.py)."""
        self._buffer = buffer

    def assign(self, value, read_value=True):
        with runtime.no_recording():
            self._set(value, "assign")
        return self if read_value else None

    def assign_add(self, delta, read_value=True):
        with runtime.no_recording():
            self._set(lookup("add")(self, delta), "assign_add")
        return self if read_value else None

    def assign_sub(self, delta, read_value=True):
        with runtime.no_recording():
            self._set(lookup("subtract")(self, delta), "assign_sub")
        return self if read_value else None

    def read_value(self):
        return lookup("identity")(self)

    def value(self):
        return self.read_value()

    def __repr__(self):
        body = np.array2string(self.numpy(), separator=", ", threshold=200) if self._buffer is not None else "disposed"
        return f"<tf.Variable '{self.name}' shape={tuple(self.shape)} dtype={self.dtype.name}, numpy=\n{body}>"


def is_tensor(value):
    return isinstance(value, Tensor)

"""Tape-based reverse-mode autodiff: GradientTape (TF Python) and grad/value_and_grad/variable_grads (TF.js)."""
import functools

from ._export import lookup
from . import nest, runtime
from .errors import GradientError, InvalidArgumentError
from .gradients.registry import Op, get_gradient, takes_missing_gradients
from .tensor import Tensor, Variable


class GradientTape:
    """Records kernels run on watched tensors so `gradient()` can backpropagate through them."""

    def __init__(self, persistent=False, watch_accessed_variables=True):
        self.persistent = persistent
        self.watch_accessed_variables = watch_accessed_variables
        self._watched = {}      # tensor id -> tensor (strong refs keep ids unique)
        self._variables = {}    # id -> Variable: what watched_variables() reports, kept after gradient()
        self._entries = []      # (Op, grad_fn or None)
        self._recording = False
        self._used = False

    def __enter__(self):
        runtime.active_tapes().append(self)
        self._recording = True
        return self

    def __exit__(self, *exc):
        self._recording = False
        tapes = runtime.active_tapes()
        if self in tapes:
            tapes.remove(self)
        return False

    def watch(self, tensor):
        for leaf in nest.flatten(tensor):
            if not isinstance(leaf, Tensor):
                raise InvalidArgumentError(f"GradientTape.watch takes tensors or variables, not {type(leaf).__name__}")
            self._watched[leaf.id] = leaf
            if isinstance(leaf, Variable):
                self._variables[leaf.id] = leaf

    def watched_variables(self):
        return tuple(self._variables.values())

    def reset(self):
        self._watched.clear()
        self._variables.clear()
        self._entries.clear()

    class _StopRecording:
        def __init__(self, tape):
            self.tape = tape

        def __enter__(self):
            self.tape._recording = False

        def __exit__(self, *exc):
            self.tape._recording = True
            return False

    def stop_recording(self):
        """Context manager: ops inside it are not recorded on this tape."""
        return GradientTape._StopRecording(self)

    def _record(self, name, inputs, attrs, outputs, grad_fn):
        if not self._recording:
            return
        watched = self._watched
        needs = []
        for tensor in inputs:
            if tensor.id in watched:
                needs.append(True)
            elif self.watch_accessed_variables and isinstance(tensor, Variable) and tensor.trainable:
                watched[tensor.id] = tensor
                self._variables[tensor.id] = tensor
                needs.append(True)
            else:
                needs.append(False)
        if not any(needs):
            return
        self._entries.append((Op(name, list(inputs), list(outputs), attrs, tuple(needs)), grad_fn))
        for tensor in outputs:
            watched[tensor.id] = tensor

    def gradient(self, target, sources, output_gradients=None, unconnected_gradients="none"):
        if self._used and not self.persistent:
            raise GradientError("a non-persistent GradientTape can compute gradients only once; "
                                "use GradientTape(persistent=True)")
        self._used = True
        if unconnected_gradients not in ("none", "zero"):
            raise InvalidArgumentError(f"unconnected_gradients must be 'none' or 'zero', not {unconnected_gradients!r}")
        targets = nest.flatten(target)
        seeds = nest.flatten(output_gradients) if output_gradients is not None else [None] * len(targets)
        if len(seeds) != len(targets):
            raise InvalidArgumentError(f"{len(seeds)} output_gradients given for {len(targets)} targets")
        flat_sources = nest.flatten(sources)
        was_recording = self._recording
        self._recording = False
        try:
            grads = _backprop(self._entries, targets, seeds)
        finally:
            self._recording = was_recording
        if not self.persistent:
            self._entries = []
            self._watched = {}
        results = []
        for source in flat_sources:
            if not isinstance(source, Tensor):
                raise InvalidArgumentError(f"gradient sources must be tensors or variables, not {type(source).__name__}")
            found = grads.get(source.id)
            if found is None and unconnected_gradients == "zero":
                found = lookup("zeros_like")(source)
            results.append(found)
        return nest.pack_sequence_as(sources, results)

    def jacobian(self, target, sources):
        raise GradientError("GradientTape.jacobian is not implemented; use gradient() per output element")


def _backprop(entries, targets, seeds):
    """Walk the recorded entries backwards, accumulating gradients by tensor id."""
    grads = {}
    for target, seed in zip(targets, seeds):
        if not target.dtype.is_floating and not target.dtype.is_complex:
            continue
        seed = lookup("ones_like")(target) if seed is None else lookup("convert_to_tensor")(seed, dtype=target.dtype)
        _accumulate(grads, target.id, seed)
    for op, custom in reversed(entries):
        output_grads = [grads.get(t.id) for t in op.outputs]
        if all(g is None for g in output_grads):
            continue
        if custom is not None or not takes_missing_gradients(op.name):
            output_grads = [g if g is not None else lookup("zeros_like")(t) for g, t in zip(output_grads, op.outputs)]
        fn = custom if custom is not None else get_gradient(op.name)
        if fn is None:
            continue
        input_grads = fn(op, *output_grads)
        if isinstance(input_grads, Tensor) or input_grads is None:
            input_grads = [input_grads]
        input_grads = list(input_grads)
        if len(input_grads) != len(op.inputs):
            raise GradientError(f"the gradient of {op.name!r} returned {len(input_grads)} values "
                                f"for {len(op.inputs)} inputs")
        for tensor, grad in zip(op.inputs, input_grads):
            if grad is None or not (tensor.dtype.is_floating or tensor.dtype.is_complex):
                continue
            if tuple(grad.shape) != tuple(tensor.shape):
                raise GradientError(f"the gradient of {op.name!r} has shape {list(grad.shape)} "
                                    f"for an input of shape {list(tensor.shape)}")
            _accumulate(grads, tensor.id, grad)
    return grads


def _accumulate(grads, key, grad):
    previous = grads.get(key)
    grads[key] = grad if previous is None else lookup("add")(previous, grad)


def stop_gradient(x):
    """The same value, with no gradient flowing back through it."""
    x = lookup("convert_to_tensor")(x)
    with runtime.no_recording():
        return runtime.run_kernel("Identity", [x])


def custom_gradient(f):
    """Decorator: `f(*x)` returns `(y, grad_fn)`; `grad_fn(*dy)` returns the gradients of the inputs."""

    @functools.wraps(f)
    def wrapper(*args):
        inputs = [lookup("convert_to_tensor")(a) for a in args]
        with runtime.no_recording():
            y, grad_fn = f(*inputs)
        outputs = nest.flatten(y)

        def backward(op, *dys):
            result = grad_fn(*dys)
            return list(result) if isinstance(result, (list, tuple)) else [result]

        if runtime.active_tapes():
            for tape in runtime.active_tapes():
                tape._record("CustomGradient", inputs, {}, outputs, backward)
        return y

    return wrapper


def grad(f):
    """TF.js `tf.grad`: returns g(x, dy=None) giving df/dx."""
    def g(x, dy=None):
        value, gradient = value_and_grad(f)(x, dy)
        return gradient
    return g


def grads(f):
    """TF.js `tf.grads`: returns g(xs, dy=None) giving [df/dx for x in xs]."""
    def g(xs, dy=None):
        value, gradients = value_and_grads(f)(xs, dy)
        return gradients
    return g


def value_and_grad(f):
    """TF.js `tf.valueAndGrad`: returns g(x, dy=None) -> (f(x), df/dx)."""
    def g(x, dy=None):
        x = lookup("convert_to_tensor")(x)
        with GradientTape() as tape:
            tape.watch(x)
            value = f(x)
        return value, tape.gradient(value, x, output_gradients=dy)
    return g


def value_and_grads(f):
    """TF.js `tf.valueAndGrads`: returns g(xs, dy=None) -> (f(*xs), [df/dx...])."""
    def g(xs, dy=None):
        xs = [lookup("convert_to_tensor")(x) for x in xs]
        with GradientTape() as tape:
            tape.watch(xs)
            value = f(*xs)
        return value, tape.gradient(value, xs, output_gradients=dy)
    return g


def variable_grads(f, var_list=None):
    """TF.js `tf.variableGrads`: (value, {variable name: gradient}) for the trainable variables f uses."""
    with GradientTape(watch_accessed_variables=var_list is None) as tape:
        if var_list is not None:
            tape.watch(list(var_list))
        value = f()
    if value.shape.num_elements() != 1:
        raise InvalidArgumentError(f"variable_grads needs f to return a scalar, got shape {list(value.shape)}")
    variables = list(var_list) if var_list is not None else [v for v in tape.watched_variables() if v.trainable]
    gradients = tape.gradient(value, variables)
    return value, {v.name: g for v, g in zip(variables, gradients) if g is not None}

"""Gradient registry: kernel name -> function(op, *output_grads) -> input grads.

A gradient function is written with public ops, so it runs on every backend
and can itself be differentiated (higher-order gradients).
"""
from ..errors import GradientError

_GRADIENTS = {}
_NON_DIFFERENTIABLE = set()
_TAKES_MISSING = set()   # kernels whose gradient function takes None for an output nothing depends on


class Op:
    """What a gradient function sees of one recorded kernel call.

    `needs_gradient[i]` is False when input i is connected to nothing the tape
    watches, so a gradient function may return None for it without computing
    (TF's skip_input_indices): e.g. no gradient for the images fed to a first layer.
    """

    __slots__ = ("name", "inputs", "outputs", "attrs", "needs_gradient")

    def __init__(self, name, inputs, outputs, attrs, needs_gradient=None):
        self.name = name
        self.inputs = inputs
        self.outputs = outputs
        self.attrs = attrs
        self.needs_gradient = needs_gradient if needs_gradient is not None else (True,) * len(inputs)


def register_gradient(kernel_name, takes_missing=False):
    """Register fn(op, *output_grads). With takes_missing, an output that nothing downstream depends on
    gets None instead of zeros, so the function can skip the work it would do for it (as TensorFlow's
    gradients check IsZero): e.g. the cross-entropy kernels' backprop output, which losses never read."""
    def decorator(fn):
        if kernel_name in _GRADIENTS or kernel_name in _NON_DIFFERENTIABLE:
            raise GradientError(f"a gradient for kernel {kernel_name!r} is already registered")
        _GRADIENTS[kernel_name] = fn
        if takes_missing:
            _TAKES_MISSING.add(kernel_name)
        return fn
    return decorator


def takes_missing_gradients(kernel_name):
    return kernel_name in _TAKES_MISSING


def not_differentiable(*kernel_names):
    """Mark kernels whose outputs carry no gradient (comparisons, argmax, integer ops)."""
    for name in kernel_names:
        if name in _GRADIENTS:
            raise GradientError(f"kernel {name!r} already has a gradient")
        _NON_DIFFERENTIABLE.add(name)


def get_gradient(kernel_name):
    """The gradient function, or None for a kernel marked not differentiable."""
    fn = _GRADIENTS.get(kernel_name)
    if fn is None and kernel_name not in _NON_DIFFERENTIABLE:
        raise GradientError(f"no gradient is registered for kernel {kernel_name!r}")
    return fn


def has_gradient_entry(kernel_name):
    return kernel_name in _GRADIENTS or kernel_name in _NON_DIFFERENTIABLE

"""Gradients of the binary kernels (TF's conventions: complex gradients carry conj of the partner)."""
from ..ops.binary import (add, divide, divide_no_nan, floordiv, greater, greater_equal, less_equal, multiply, not_equal,
                          pow, subtract)
from ..ops.creation import zeros_like
from ..ops.indexing import where
from ..ops.unary import conj, log, negative
from .core import unbroadcast
from .registry import not_differentiable, register_gradient

not_differentiable("FloorDiv", "Equal", "NotEqual", "Less", "LessEqual", "Greater", "GreaterEqual", "LogicalAnd",
                   "LogicalOr")


@register_gradient("Add")
def _add_grad(op, dy):
    x, y = op.inputs
    return unbroadcast(dy, x.shape), unbroadcast(dy, y.shape)


@register_gradient("Sub")
def _sub_grad(op, dy):
    x, y = op.inputs
    return unbroadcast(dy, x.shape), unbroadcast(negative(dy), y.shape)


@register_gradient("Mul")
def _mul_grad(op, dy):
    x, y = op.inputs
    return unbroadcast(multiply(dy, conj(y)), x.shape), unbroadcast(multiply(conj(x), dy), y.shape)


@register_gradient("RealDiv")
def _real_div_grad(op, dy):
    x, y = op.inputs
    x_conj, y_conj = conj(x), conj(y)
    grad_x = divide(dy, y_conj)
    grad_y = multiply(dy, divide(divide(negative(x_conj), y_conj), y_conj))
    return unbroadcast(grad_x, x.shape), unbroadcast(grad_y, y.shape)


@register_gradient("DivNoNan")
def _div_no_nan_grad(op, dy):
    x, y = op.inputs
    x_conj, y_conj = conj(x), conj(y)
    grad_x = divide_no_nan(dy, y_conj)
    grad_y = multiply(dy, divide_no_nan(divide_no_nan(negative(x_conj), y_conj), y_conj))
    return unbroadcast(grad_x, x.shape), unbroadcast(grad_y, y.shape)


@register_gradient("FloorMod")
def _floor_mod_grad(op, dy):
    x, y = op.inputs
    return unbroadcast(dy, x.shape), unbroadcast(multiply(dy, negative(floordiv(x, y))), y.shape)


@register_gradient("Pow")
def _pow_grad(op, dy):
    x, y = op.inputs
    x_conj, y_conj, z_conj = conj(x), conj(y), conj(op.outputs[0])
    grad_x = multiply(dy, multiply(y_conj, pow(x_conj, subtract(y_conj, 1))))
    # d(x^y)/dy = x^y log(x): zero where log(x) is undefined (x <= 0, or 0 for complex), as TF does.
    defined = not_equal(x_conj, 0) if x.dtype.is_complex else greater(x_conj, 0)
    log_x = where(defined, log(where(defined, x_conj, 1)), 0)
    return unbroadcast(grad_x, x.shape), unbroadcast(multiply(dy, multiply(z_conj, log_x)), y.shape)


def _selection_grads(op, dy, x_selected):
    """Route dy to x where `x_selected`, to y elsewhere (ties go to x, as in TF)."""
    x, y = op.inputs
    zeros = zeros_like(dy)
    return unbroadcast(where(x_selected, dy, zeros), x.shape), unbroadcast(where(x_selected, zeros, dy), y.shape)


@register_gradient("Maximum")
def _maximum_grad(op, dy):
    x, y = op.inputs
    return _selection_grads(op, dy, greater_equal(x, y))


@register_gradient("Minimum")
def _minimum_grad(op, dy):
    x, y = op.inputs
    return _selection_grads(op, dy, less_equal(x, y))


@register_gradient("SquaredDifference")
def _squared_difference_grad(op, dy):
    x, y = op.inputs
    grad_x = multiply(multiply(dy, 2), subtract(x, y))
    return unbroadcast(grad_x, x.shape), unbroadcast(negative(grad_x), y.shape)


@register_gradient("Atan2")
def _atan2_grad(op, dy):
    y, x = op.inputs
    scaled = divide(dy, add(multiply(x, x), multiply(y, y)))
    return unbroadcast(multiply(x, scaled), y.shape), unbroadcast(multiply(negative(y), scaled), x.shape)

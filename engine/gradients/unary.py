"""Gradients of the unary kernels. Complex ones follow TF's convention: dy * conj(f'(x))."""
import math

from ..ops.binary import add, multiply
from ..ops.creation import zeros_like
from ..ops.unary import (abs, cast, clip_by_value_grad, conj, cos, elu_grad, exp, leaky_relu_grad, negative,  # noqa: A004
                         reciprocal, relu6_grad, relu_grad, selu_grad, sigmoid, sigmoid_grad, sign, sin, square,
                         tanh_grad)
from .core import unbroadcast
from .registry import not_differentiable, register_gradient

not_differentiable("Floor", "Ceil", "Round", "LogicalNot", "IsNan", "IsFinite", "IsInf")

_TWO_OVER_SQRT_PI = 2.0 / math.sqrt(math.pi)
_CLIP_INPUTS = ("t", "clip_value_min", "clip_value_max")


@register_gradient("Conj")
def _conj_grad(op, dy):
    return conj(dy)


@register_gradient("Abs")
def _abs_grad(op, dy):
    return multiply(dy, sign(op.inputs[0]))


@register_gradient("Neg")
def _neg_grad(op, dy):
    return negative(dy)


@register_gradient("Exp")
def _exp_grad(op, dy):
    return multiply(dy, conj(op.outputs[0]))


@register_gradient("Expm1")
def _expm1_grad(op, dy):
    return multiply(dy, exp(op.inputs[0]))


@register_gradient("Log")
def _log_grad(op, dy):
    return multiply(dy, reciprocal(conj(op.inputs[0])))


@register_gradient("Log1p")
def _log1p_grad(op, dy):
    return multiply(dy, reciprocal(add(op.inputs[0], 1.0)))


@register_gradient("Sqrt")
def _sqrt_grad(op, dy):
    return multiply(dy, multiply(reciprocal(conj(op.outputs[0])), 0.5))


@register_gradient("Rsqrt")
def _rsqrt_grad(op, dy):
    y = op.outputs[0]
    return multiply(dy, multiply(multiply(square(y), y), -0.5))


@register_gradient("Square")
def _square_grad(op, dy):
    return multiply(dy, multiply(conj(op.inputs[0]), 2.0))


@register_gradient("Sin")
def _sin_grad(op, dy):
    return multiply(dy, cos(op.inputs[0]))


@register_gradient("Cos")
def _cos_grad(op, dy):
    return multiply(dy, negative(sin(op.inputs[0])))


@register_gradient("Tan")
def _tan_grad(op, dy):
    return multiply(dy, add(square(op.outputs[0]), 1.0))


@register_gradient("Reciprocal")
def _reciprocal_grad(op, dy):
    return multiply(negative(dy), square(conj(op.outputs[0])))


@register_gradient("Erf")
def _erf_grad(op, dy):
    return multiply(dy, multiply(exp(negative(square(op.inputs[0]))), _TWO_OVER_SQRT_PI))


@register_gradient("Sign")
def _sign_grad(op, dy):
    return zeros_like(op.inputs[0])


@register_gradient("Cast")
def _cast_grad(op, dy):
    source = op.inputs[0].dtype
    if source.is_floating or source.is_complex:
        return cast(dy, source)
    return None


@register_gradient("ClipByValue")
def _clip_by_value_grad(op, dy):
    t, low, high = op.inputs
    return tuple(unbroadcast(clip_by_value_grad(dy, t, low, high, wrt), source.shape)
                 for wrt, source in zip(_CLIP_INPUTS, op.inputs))


@register_gradient("ClipByValueGrad")
def _clip_by_value_grad_grad(op, grad):
    # The kernel masks dy, a linear map that is its own adjoint; the masks carry no gradient.
    _, t, low, high = op.inputs
    return clip_by_value_grad(grad, t, low, high, op.attrs["wrt"]), None, None, None


# --- activations ---------------------------------------------------------------
def _where_not_positive(value, y):
    """`value` where y <= 0, else 0: the complement of relu_grad's mask."""
    return add(value, negative(relu_grad(value, y)))


@register_gradient("Relu")
def _relu_grad(op, dy):
    return relu_grad(dy, op.outputs[0])


@register_gradient("ReluGrad")
def _relu_grad_grad(op, grad):
    return relu_grad(grad, op.inputs[1]), None


@register_gradient("Relu6")
def _relu6_grad(op, dy):
    return relu6_grad(dy, op.inputs[0])


@register_gradient("Relu6Grad")
def _relu6_grad_grad(op, grad):
    return relu6_grad(grad, op.inputs[1]), None


@register_gradient("LeakyRelu")
def _leaky_relu_grad(op, dy):
    return leaky_relu_grad(dy, op.inputs[0], op.attrs["alpha"])


@register_gradient("LeakyReluGrad")
def _leaky_relu_grad_grad(op, grad):
    return leaky_relu_grad(grad, op.inputs[1], op.attrs["alpha"]), None


@register_gradient("Elu")
def _elu_grad(op, dy):
    return elu_grad(dy, op.outputs[0])


@register_gradient("EluGrad")
def _elu_grad_grad(op, grad):
    dy, y = op.inputs
    return elu_grad(grad, y), _where_not_positive(multiply(grad, dy), y)


@register_gradient("Selu")
def _selu_grad(op, dy):
    return selu_grad(dy, op.outputs[0])


@register_gradient("SeluGrad")
def _selu_grad_grad(op, grad):
    dy, y = op.inputs
    return selu_grad(grad, y), _where_not_positive(multiply(grad, dy), y)


@register_gradient("Sigmoid")
def _sigmoid_grad(op, dy):
    return sigmoid_grad(op.outputs[0], dy)


@register_gradient("SigmoidGrad")
def _sigmoid_grad_grad(op, grad):
    y, dy = op.inputs
    return multiply(multiply(grad, dy), add(multiply(y, -2.0), 1.0)), sigmoid_grad(y, grad)


@register_gradient("Tanh")
def _tanh_grad(op, dy):
    return tanh_grad(op.outputs[0], dy)


@register_gradient("TanhGrad")
def _tanh_grad_grad(op, grad):
    y, dy = op.inputs
    return multiply(multiply(grad, dy), multiply(y, -2.0)), tanh_grad(y, grad)


@register_gradient("Softplus")
def _softplus_grad(op, dy):
    return multiply(dy, sigmoid(op.inputs[0]))


@register_gradient("Softsign")
def _softsign_grad(op, dy):
    return multiply(dy, square(reciprocal(add(abs(op.inputs[0]), 1.0))))

"""Gradients of the nn kernels.

The cross-entropy kernels also output backprop = softmax(logits) - labels; their
gradients use it for the loss and pass any gradient of backprop itself through
softmax's Jacobian, so second derivatives come out right.
"""
from ..ops.binary import add, multiply, subtract
from ..ops.creation import zeros_like
from ..ops.nn import log_softmax, softmax, stateless_dropout
from ..ops.reduction import reduce_sum
from ..ops.shape import expand_dims
from ..ops.unary import exp, negative, rsqrt, sigmoid
from .core import unbroadcast
from .registry import register_gradient


def _softmax_backward(probs, dprobs, axis):
    """The gradient of softmax's input, given probs = softmax(x) and the gradient dprobs of probs."""
    return multiply(probs, subtract(dprobs, reduce_sum(multiply(dprobs, probs), axis, keepdims=True)))


@register_gradient("Softmax")
def _softmax_grad(op, dy):
    return _softmax_backward(op.outputs[0], dy, op.attrs["axis"])


@register_gradient("LogSoftmax")
def _log_softmax_grad(op, dy):
    return subtract(dy, multiply(exp(op.outputs[0]), reduce_sum(dy, op.attrs["axis"], keepdims=True)))


def _cross_entropy_logits_grad(op, dloss, dbackprop, axis):
    """dloss (None when only backprop is used) times backprop, plus dbackprop (None when only the loss is
    used, as in every loss) through softmax's Jacobian."""
    logits, backprop = op.inputs[0], op.outputs[1]
    if dloss is None:
        dloss = zeros_like(op.outputs[0])
    dlogits = multiply(expand_dims(dloss, axis), backprop)
    if dbackprop is not None:
        dlogits = add(dlogits, _softmax_backward(softmax(logits, axis), dbackprop, axis))
    return dlogits, dloss


@register_gradient("SoftmaxCrossEntropyWithLogits", takes_missing=True)
def _softmax_cross_entropy_grad(op, dloss, dbackprop):
    axis = op.attrs["axis"]
    dlogits, dloss = _cross_entropy_logits_grad(op, dloss, dbackprop, axis)
    dlabels = multiply(expand_dims(dloss, axis), negative(log_softmax(op.inputs[0], axis)))
    if dbackprop is not None:
        dlabels = subtract(dlabels, dbackprop)
    return dlogits, dlabels


@register_gradient("SparseSoftmaxCrossEntropyWithLogits", takes_missing=True)
def _sparse_softmax_cross_entropy_grad(op, dloss, dbackprop):
    return _cross_entropy_logits_grad(op, dloss, dbackprop, op.inputs[0].ndim - 1)[0], None


@register_gradient("SigmoidCrossEntropyWithLogits")
def _sigmoid_cross_entropy_grad(op, dy):
    logits, labels = op.inputs
    return multiply(dy, subtract(sigmoid(logits), labels)), multiply(dy, negative(logits))


@register_gradient("Dropout")
def _dropout_grad(op, dy):
    attrs = op.attrs
    return stateless_dropout(dy, attrs["rate"], (attrs["seed0"], attrs["seed1"]), noise_shape=attrs["noise_shape"])


@register_gradient("FusedBatchNorm")
def _fused_batch_norm_grad(op, dy):
    x, mean, variance, offset, scale = op.inputs
    inverse_std = rsqrt(add(variance, op.attrs["epsilon"]))
    centred = subtract(x, mean)
    dy_factor = multiply(dy, multiply(scale, inverse_std))
    d_variance = multiply(multiply(dy_factor, centred), multiply(multiply(inverse_std, inverse_std), -0.5))
    return (unbroadcast(dy_factor, x.shape), unbroadcast(negative(dy_factor), mean.shape),
            unbroadcast(d_variance, variance.shape), unbroadcast(dy, offset.shape),
            unbroadcast(multiply(dy, multiply(centred, inverse_std)), scale.shape))

"""Gradients of the convolution and pooling kernels.

A convolution is bilinear in (input, filters), so each of its gradient kernels
is differentiated with the other two kernels of its family: that is what
makes conv2d_transpose (Conv2DBackpropInput used forward) trainable.
"""
from ..ops.conv import (conv2d_backprop_filter, conv2d_backprop_input, conv2d_explicit,
                        depthwise_conv2d_backprop_filter, depthwise_conv2d_backprop_input, depthwise_conv2d_explicit)
from ..ops.pool import avg_pool_explicit, avg_pool_grad, max_pool_grad
from .registry import not_differentiable, register_gradient


def _window(op):
    return op.attrs["strides"], op.attrs["pads"], op.attrs["dilations"]


@register_gradient("Conv2D")
def _conv2d_grad(op, dy):
    x, filters = op.inputs
    wants_x, wants_filters = op.needs_gradient
    return (conv2d_backprop_input(dy, filters, x.shape, *_window(op)) if wants_x else None,
            conv2d_backprop_filter(x, dy, filters.shape, *_window(op)) if wants_filters else None)


@register_gradient("Conv2DBackpropInput")
def _conv2d_backprop_input_grad(op, dz):
    dy, filters = op.inputs
    return conv2d_explicit(dz, filters, *_window(op)), conv2d_backprop_filter(dz, dy, filters.shape, *_window(op))


@register_gradient("Conv2DBackpropFilter")
def _conv2d_backprop_filter_grad(op, dz):
    x, dy = op.inputs
    return conv2d_backprop_input(dy, dz, x.shape, *_window(op)), conv2d_explicit(x, dz, *_window(op))


@register_gradient("DepthwiseConv2dNative")
def _depthwise_conv2d_grad(op, dy):
    x, filters = op.inputs
    return (depthwise_conv2d_backprop_input(dy, filters, x.shape, *_window(op)),
            depthwise_conv2d_backprop_filter(x, dy, filters.shape, *_window(op)))


@register_gradient("DepthwiseConv2dNativeBackpropInput")
def _depthwise_conv2d_backprop_input_grad(op, dz):
    dy, filters = op.inputs
    return (depthwise_conv2d_explicit(dz, filters, *_window(op)),
            depthwise_conv2d_backprop_filter(dz, dy, filters.shape, *_window(op)))


@register_gradient("DepthwiseConv2dNativeBackpropFilter")
def _depthwise_conv2d_backprop_filter_grad(op, dz):
    x, dy = op.inputs
    return (depthwise_conv2d_backprop_input(dy, dz, x.shape, *_window(op)),
            depthwise_conv2d_explicit(x, dz, *_window(op)))


@register_gradient("MaxPool")
def _max_pool_grad(op, dy):
    (x,), (y,) = op.inputs, op.outputs
    return max_pool_grad(x, y, dy, op.attrs["ksize"], op.attrs["strides"], op.attrs["pads"])


@register_gradient("AvgPool")
def _avg_pool_grad(op, dy):
    (x,) = op.inputs
    return avg_pool_grad(dy, x.shape, op.attrs["ksize"], op.attrs["strides"], op.attrs["pads"])


@register_gradient("AvgPoolGrad")
def _avg_pool_grad_grad(op, dz):
    return avg_pool_explicit(dz, op.attrs["ksize"], op.attrs["strides"], op.attrs["pads"])


# TF's MaxPoolGradGrad would need one more kernel; second derivatives of max pooling are rarely wanted.
not_differentiable("MaxPoolGrad")

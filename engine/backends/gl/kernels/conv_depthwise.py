"""Depthwise convolution kernels (GL): per-output-element gathers over the window taps
(gl_kernels/conv_depthwise*.glsl; the filter gradient shares conv_backprop_filter.glsl)."""
from ..kernel import gl_kernel
from .conv import filter_gradient, output_hw, summed_program, window_defines


@gl_kernel("DepthwiseConv2dNative")
def depthwise_conv2d(backend, x, filters, *, strides, pads, dilations):
    kh, kw, channels, multiplier = filters.shape
    out_hw = output_hw(x.shape, (kh, kw), strides, pads, dilations)
    defines = {**window_defines(x.shape, out_hw, (kh, kw), strides, pads, dilations),
               "MULTIPLIER": multiplier, "OUT_C": channels * multiplier}
    return summed_program(backend, [x, filters], ("x", "filters"), (x.shape[0],) + out_hw + (channels * multiplier,),
                          x.dtype, ("conv_depthwise.glsl",), defines, None)


@gl_kernel("DepthwiseConv2dNativeBackpropInput")
def depthwise_conv2d_backprop_input(backend, dy, filters, *, input_shape, strides, pads, dilations):
    kh, kw, channels, multiplier = filters.shape
    defines = {**window_defines(input_shape, dy.shape[1:3], (kh, kw), strides, pads, dilations),
               "MULTIPLIER": multiplier, "OUT_C": channels * multiplier}
    return summed_program(backend, [dy, filters], ("dy", "filters"), input_shape, dy.dtype,
                          ("conv_depthwise_backprop_input.glsl",), defines, multiplier, lanes=1)


@gl_kernel("DepthwiseConv2dNativeBackpropFilter")
def depthwise_conv2d_backprop_filter(backend, x, dy, *, filter_shape, strides, pads, dilations):
    return filter_gradient(backend, x, dy, filter_shape, strides, pads, dilations, depthwise=True)

"""Pooling kernels (GL): window maxima and means, and their gradients as gathers over the windows
that cover each input pixel (gl_kernels/pool_*.glsl on conv_window.glsl's geometry)."""
from ..kernel import gl_kernel
from ..program import ProgramSpec
from .conv import output_hw, summed_program, window_defines

_NO_DILATION = (1, 1)


def _lowest(dtype):
    """The GLSL value padding holds in a max pool: -inf, or the least int32."""
    return {"LOWEST": "uintBitsToFloat(0xff800000u)", "FLOAT_VALUES": 1} if dtype.is_floating else \
        {"LOWEST": "(-2147483647 - 1)"}


def _pool_defines(input_shape, out_hw, ksize, strides, pads):
    return window_defines(input_shape, out_hw, ksize, strides, pads, _NO_DILATION)


@gl_kernel("MaxPool")
def max_pool(backend, x, *, ksize, strides, pads):
    out_hw = output_hw(x.shape, ksize, strides, pads, _NO_DILATION)
    defines = {**_pool_defines(x.shape, out_hw, ksize, strides, pads), **_lowest(x.dtype)}
    return summed_program(backend, [x], ("x",), (x.shape[0],) + out_hw + (x.shape[3],), x.dtype, ("pool_max.glsl",),
                          defines, None, merge="MAX")


@gl_kernel("MaxPoolGrad")
def max_pool_grad(backend, x, y, dy, *, ksize, strides, pads):
    defines = {**_pool_defines(x.shape, dy.shape[1:3], ksize, strides, pads), **_lowest(x.dtype)}
    return backend.program(ProgramSpec([x, y, dy], x.shape, dy.dtype,
                                       ("conv_window.glsl", "pool_window.glsl", "pool_max_grad.glsl"), defines,
                                       input_names=("x", "y", "dy")))


@gl_kernel("AvgPool")
def avg_pool(backend, x, *, ksize, strides, pads):
    out_hw = output_hw(x.shape, ksize, strides, pads, _NO_DILATION)
    return summed_program(backend, [x], ("x",), (x.shape[0],) + out_hw + (x.shape[3],), x.dtype,
                          ("pool_window.glsl", "pool_avg.glsl"), _pool_defines(x.shape, out_hw, ksize, strides, pads),
                          None)


@gl_kernel("AvgPoolGrad")
def avg_pool_grad(backend, dy, *, input_shape, ksize, strides, pads):
    return backend.program(ProgramSpec([dy], input_shape, dy.dtype,
                                       ("conv_window.glsl", "pool_window.glsl", "pool_avg_grad.glsl"),
                                       _pool_defines(input_shape, dy.shape[1:3], ksize, strides, pads),
                                       input_names=("dy",)))

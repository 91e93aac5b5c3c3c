"""Max and average pooling over NHWC / NWC tensors (1-D pools run as 2-D pools over a height of one)."""
from .._export import tf_export
from ..errors import DTypeError, InvalidArgumentError, UnimplementedError
from ..runtime import run_kernel
from .conv import check_data_format, check_rank, resolve_padding, spatial_argument
from .convert import convert_to_tensor
from .shape import reshape

_POOL_DTYPES = {"MaxPool": ("float32", "float16", "int32"), "AvgPool": ("float32", "float16")}


def max_pool_grad(x, y, dy, ksize, strides, pads):
    return run_kernel("MaxPoolGrad", [x, y, dy], {"ksize": ksize, "strides": strides, "pads": pads})


def avg_pool_explicit(x, ksize, strides, pads):
    return run_kernel("AvgPool", [x], {"ksize": ksize, "strides": strides, "pads": pads})


def avg_pool_grad(dy, input_shape, ksize, strides, pads):
    return run_kernel("AvgPoolGrad", [dy], {"input_shape": tuple(input_shape), "ksize": ksize, "strides": strides,
                                            "pads": pads})


def _pool(kernel, input, ksize, strides, padding, data_format, spatial_rank, op_name):
    check_data_format(data_format, spatial_rank, op_name)
    x = convert_to_tensor(input)
    check_rank(x, spatial_rank + 2, op_name, "input")
    if x.dtype.name not in _POOL_DTYPES[kernel]:
        raise DTypeError(f"{op_name}: input must be one of {', '.join(_POOL_DTYPES[kernel])}, got {x.dtype.name}")
    ksize = spatial_argument(ksize, spatial_rank, op_name, "ksize")
    strides = spatial_argument(strides, spatial_rank, op_name, "strides")
    pads, _ = resolve_padding(padding, x.shape[1:-1], ksize, strides, op_name, explicit=kernel == "MaxPool")
    if any(pad > ksize[axis // 2] for axis, pad in enumerate(pads)):
        raise InvalidArgumentError(f"{op_name}: explicit padding {list(pads)} may not exceed the window {list(ksize)}")
    if spatial_rank == 2:
        return run_kernel(kernel, [x], {"ksize": ksize, "strides": strides, "pads": pads})
    batch, width, depth = x.shape
    y = run_kernel(kernel, [reshape(x, [batch, 1, width, depth])],
                   {"ksize": (1,) + ksize, "strides": (1,) + strides, "pads": (0, 0) + pads})
    return reshape(y, [batch, y.shape[2], depth])


@tf_export("nn.max_pool2d")
def max_pool2d(input, ksize, strides, padding, data_format="NHWC", name=None):
    """The maximum of each ksize window; padding (SAME or explicit) never wins."""
    return _pool("MaxPool", input, ksize, strides, padding, data_format, 2, "max_pool2d")


@tf_export("nn.avg_pool2d")
def avg_pool2d(input, ksize, strides, padding, data_format="NHWC", name=None):
    """The mean of each ksize window; with SAME padding the mean is over the window's pixels inside the input."""
    return _pool("AvgPool", input, ksize, strides, padding, data_format, 2, "avg_pool2d")


@tf_export("nn.max_pool1d")
def max_pool1d(input, ksize, strides, padding, data_format="NWC", name=None):
    return _pool("MaxPool", input, ksize, strides, padding, data_format, 1, "max_pool1d")


@tf_export("nn.avg_pool1d")
def avg_pool1d(input, ksize, strides, padding, data_format="NWC", name=None):
    return _pool("AvgPool", input, ksize, strides, padding, data_format, 1, "avg_pool1d")


def _pool_by_rank(pool1d, pool2d, input, ksize, strides, padding, data_format, op_name):
    x = convert_to_tensor(input)
    spatial_rank = x.ndim - 2
    if spatial_rank == 1:
        return pool1d(x, ksize, strides, padding, data_format or "NWC")
    if spatial_rank == 2:
        return pool2d(x, ksize, strides, padding, data_format or "NHWC")
    if spatial_rank == 3:
        raise UnimplementedError(f"{op_name}: 3-D pooling is not supported (input shape {list(x.shape)})")
    raise InvalidArgumentError(f"{op_name}: input must have rank 3 or 4, got shape {list(x.shape)}")


@tf_export("nn.max_pool")
def max_pool(input, ksize, strides, padding, data_format=None, name=None):
    """max_pool1d or max_pool2d, by the input's rank."""
    return _pool_by_rank(max_pool1d, max_pool2d, input, ksize, strides, padding, data_format, "max_pool")


@tf_export("nn.avg_pool")
def avg_pool(input, ksize, strides, padding, data_format=None, name=None):
    """avg_pool1d or avg_pool2d, by the input's rank."""
    return _pool_by_rank(avg_pool1d, avg_pool2d, input, ksize, strides, padding, data_format, "avg_pool")

"""Tensor creation: zeros, ones, fill, range, linspace, eye, *_like."""
from .._export import tf_export
from ..dtypes import as_dtype, float32
from ..runtime import run_kernel
from .convert import convert_to_tensor


@tf_export("zeros_like")
def zeros_like(input, dtype=None, name=None):
    x = convert_to_tensor(input)
    return run_kernel("ZerosLike", [x], {"dtype": as_dtype(dtype) if dtype is not None else x.dtype})


@tf_export("ones_like")
def ones_like(input, dtype=None, name=None):
    x = convert_to_tensor(input)
    return run_kernel("OnesLike", [x], {"dtype": as_dtype(dtype) if dtype is not None else x.dtype})

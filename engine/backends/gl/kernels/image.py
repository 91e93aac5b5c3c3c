"""image family (GL): resizes as one program per axis (gl_kernels/image_resample*.glsl), crop_and_resize,
and their adjoints as gathers over the outputs that reach each input pixel (no atomics).

The float32 scales that place the samples are computed here exactly as the cpu kernels compute them and
passed as uniforms, so both backends round sample positions the same way.
"""
import math

import numpy as np

from ....dtypes import float32
from ....tensor import Tensor
from ...cpu.image import _check_box_indices
from ..kernel import gl_kernel
from ..program import ProgramSpec


def _span_setup(kind, in_size, out_size):
    """Defines and uniforms of gl_kernels/image_spans.glsl for one axis, and the filter radius in input samples."""
    defines = {"SPAN_" + kind: 1, "IN_LEN": in_size, "OUT_LEN": out_size}
    if kind == "TRIANGLE":
        inv_scale = np.float32(1.0 / float(np.float32(out_size) / np.float32(in_size)))
        kernel_scale = max(inv_scale, np.float32(1))
        defines["TAPS"] = min(2 * int(np.ceil(kernel_scale)) + 1, in_size)
        uniforms = {"inv_scale": ("float", float(inv_scale)), "kernel_scale": ("float", float(kernel_scale))}
        return defines, uniforms, float(kernel_scale)
    defines["TAPS"] = 2 if kind == "BILINEAR" else 1
    return defines, {"scale": ("float", float(np.float32(in_size) / np.float32(out_size)))}, 1.0


def _resample_axis(backend, x, axis, size, kind):
    """x resized along `axis` (1 or 2 of NHWC) to `size` samples, in float32."""
    shape = tuple(x.shape)
    defines, uniforms, _ = _span_setup(kind, shape[axis], size)
    defines["INNER"] = math.prod(shape[axis + 1:])
    return backend.program(ProgramSpec([x], shape[:axis] + (size,) + shape[axis + 1:], float32,
                                       ("image_spans.glsl", "image_resample.glsl"), defines, uniforms))


def _resample_adjoint_axis(backend, dy, axis, size, kind, out_dtype):
    """The adjoint of resizing `size` samples to dy's along `axis`."""
    shape = tuple(dy.shape)
    defines, uniforms, radius = _span_setup(kind, size, shape[axis])
    out_per_in = shape[axis] / size
    # The outputs reaching one input sample span (2 radius + 2) input samples (edges clamp by half a sample);
    # the window adds a margin for rounding.
    defines.update(INNER=math.prod(shape[axis + 1:]), WINDOW=math.ceil((2 * radius + 2) * out_per_in) + 4)
    uniforms.update(out_per_in=("float", out_per_in), reach=("float", radius + 0.5))
    return backend.program(ProgramSpec([dy], shape[:axis] + (size,) + shape[axis + 1:], out_dtype,
                                       ("image_spans.glsl", "image_resample_adjoint.glsl"), defines, uniforms))


def _resample(backend, images, size, kind):
    rows = _resample_axis(backend, images, 1, size[0], kind)
    return _resample_axis(backend, rows, 2, size[1], kind)


def _resample_adjoint(backend, dy, size, kind, dtype):
    cols = _resample_adjoint_axis(backend, dy, 2, size[1], kind, float32)
    return _resample_adjoint_axis(backend, cols, 1, size[0], kind, dtype)


@gl_kernel("ResizeBilinear")
def resize_bilinear(backend, images, *, size):
    return _resample(backend, images, size, "BILINEAR")


@gl_kernel("ResizeBilinearGrad")
def resize_bilinear_grad(backend, grads, *, size, dtype):
    return _resample_adjoint(backend, grads, size, "BILINEAR", dtype)


@gl_kernel("ScaleAndTranslate")
def scale_and_translate(backend, images, *, size):
    return _resample(backend, images, size, "TRIANGLE")


@gl_kernel("ScaleAndTranslateGrad")
def scale_and_translate_grad(backend, grads, *, size, dtype):
    return _resample_adjoint(backend, grads, size, "TRIANGLE", dtype)


@gl_kernel("ResizeNearestNeighbor")
def resize_nearest_neighbor(backend, images, *, size):
    batch, height, width, channels = images.shape
    uniforms = {"row_scale": ("float", float(np.float32(height) / np.float32(size[0]))),
                "col_scale": ("float", float(np.float32(width) / np.float32(size[1])))}
    return backend.program(ProgramSpec([images], (batch, size[0], size[1], channels), images.dtype,
                                       ("image_spans.glsl", "image_resize_nearest.glsl"), uniforms=uniforms))


@gl_kernel("ResizeNearestNeighborGrad")
def resize_nearest_neighbor_grad(backend, grads, *, size, dtype):
    return _resample_adjoint(backend, grads, size, "NEAREST", dtype)


# --- crop_and_resize ------------------------------------------------------------
def _axis_positions(start, end, image_size, crop_size):
    """The cpu kernel's float32 sampling positions [boxes, crop_size] in input pixels, before the inside test."""
    last = np.float32(image_size - 1)
    with np.errstate(all="ignore"):
        if crop_size > 1:
            step = (end - start) * last / np.float32(crop_size - 1)
            return start[:, None] * last + np.arange(crop_size, dtype=np.float32)[None, :] * step[:, None]
        return (0.5 * (start + end).astype(np.float64) * (image_size - 1)).astype(np.float32)[:, None]


def _crop_positions(backend, boxes, box_indices, image_shape, crop_size):
    """Validate the box indices (read back, as the cpu kernel does) and upload every box's sampling positions.

    The positions depend only on the boxes and sizes; computing them here in float32 as the cpu kernel does
    keeps the inside-the-image tests (and so the extrapolated samples) identical on every GPU.
    """
    _check_box_indices(box_indices.numpy(), image_shape[0])
    corners = boxes.numpy()
    positions = np.concatenate([_axis_positions(corners[:, 0], corners[:, 2], image_shape[1], crop_size[0]),
                                _axis_positions(corners[:, 1], corners[:, 3], image_shape[2], crop_size[1])],
                               axis=1).astype(np.float32)
    return Tensor(backend.write(positions), positions.shape, float32)


def _method_defines(method):
    return {"METHOD_NEAREST": 1} if method == "nearest" else {}


@gl_kernel("CropAndResize")
def crop_and_resize(backend, image, boxes, box_indices, *, crop_size, method, extrapolation_value):
    positions = _crop_positions(backend, boxes, box_indices, tuple(image.shape), crop_size)
    out_shape = (boxes.shape[0], crop_size[0], crop_size[1], image.shape[3])
    return backend.program(ProgramSpec([image, positions, box_indices], out_shape, float32,
                                       ("image_crop_and_resize.glsl",), _method_defines(method),
                                       {"extrapolation": ("float", float(extrapolation_value))}))


@gl_kernel("CropAndResizeGradImage")
def crop_and_resize_grad_image(backend, grads, boxes, box_indices, *, image_shape, method, dtype):
    positions = _crop_positions(backend, boxes, box_indices, tuple(image_shape), tuple(grads.shape[1:3]))
    return backend.program(ProgramSpec([grads, positions, box_indices], image_shape, dtype,
                                       ("image_crop_and_resize_grad.glsl",), _method_defines(method)))

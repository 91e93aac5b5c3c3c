"""Image ops (TF 2's tf.image, NHWC): resize, crop_and_resize, flips, grayscale, standardization, central_crop.

Every op takes a batch [N, H, W, C] or a single image [H, W, C]. The functions
at the end run the resize kernels and their adjoints; they are not exported and
exist for engine/gradients/image.py.
"""
import math

import numpy as np

from .._export import tf_export
from ..dtypes import float16, float32, int32
from ..errors import DTypeError, InvalidArgumentError, UnimplementedError
from ..runtime import run_kernel
from ..tensor import Tensor
from .binary import divide, maximum, multiply, subtract
from .convert import constant, convert_to_tensor
from .indexing import slice_
from .reduction import reduce_mean, reduce_sum
from .shape import reshape, reverse
from .unary import cast, sqrt, square

_IMAGE_DTYPES = (float32, float16, int32)
_GRAYSCALE_WEIGHTS = (0.2989, 0.5870, 0.1140)


@tf_export("image.ResizeMethod")
class ResizeMethod:
    """The `method` names tf.image.resize accepts."""

    BILINEAR = "bilinear"
    NEAREST_NEIGHBOR = "nearest"
    BICUBIC = "bicubic"
    AREA = "area"
    LANCZOS3 = "lanczos3"
    LANCZOS5 = "lanczos5"
    GAUSSIAN = "gaussian"
    MITCHELLCUBIC = "mitchellcubic"


_UNIMPLEMENTED_METHODS = ("bicubic", "area", "lanczos3", "lanczos5", "gaussian", "mitchellcubic")


def _image_batch(images, op_name, dtypes=_IMAGE_DTYPES):
    """`images` as a 4-D tensor, and whether the caller gave a single 3-D image."""
    x = convert_to_tensor(images)
    if x.ndim not in (3, 4):
        raise InvalidArgumentError(f"{op_name}: images must have shape [height, width, channels] or "
                                   f"[batch, height, width, channels], got shape {list(x.shape)}")
    if x.dtype not in dtypes:
        raise DTypeError(f"{op_name}: {x.dtype.name} images are not supported (shape {list(x.shape)}); "
                         f"it takes {', '.join(d.name for d in dtypes)}")
    if x.ndim == 3:
        return reshape(x, (1,) + tuple(x.shape)), True
    return x, False


def _unbatch(x, single):
    return reshape(x, x.shape[1:]) if single else x


def _positive_pair(value, op_name, what):
    if isinstance(value, Tensor):
        value = value.numpy()
    try:
        pair = [int(v) for v in np.asarray(value).reshape(-1)]
    except (TypeError, ValueError):
        raise InvalidArgumentError(f"{op_name}: {what} must be two integers, got {value!r}") from None
    if len(pair) != 2 or min(pair) <= 0:
        raise InvalidArgumentError(f"{op_name}: {what} must be two positive integers [height, width], got {pair}")
    return tuple(pair)


def _aspect_preserving_size(height, width, size):
    """TF's float32 arithmetic: the largest size within `size` with the image's aspect ratio."""
    scale = min(np.float32(size[0]) / np.float32(height), np.float32(size[1]) / np.float32(width))
    return int(np.round(scale * np.float32(height))), int(np.round(scale * np.float32(width)))


@tf_export("image.resize")
def resize(images, size, method=ResizeMethod.BILINEAR, preserve_aspect_ratio=False, antialias=False, name=None):
    """TF 2's resize (half-pixel centres). Bilinear returns float32; nearest keeps the images' dtype."""
    x, single = _image_batch(images, "image.resize")
    size = _positive_pair(size, "image.resize", "size")
    if method in _UNIMPLEMENTED_METHODS:
        raise UnimplementedError(f"image.resize: method {method!r} is not implemented; use 'bilinear' or 'nearest'")
    if method not in (ResizeMethod.BILINEAR, ResizeMethod.NEAREST_NEIGHBOR):
        raise InvalidArgumentError(f"image.resize: unknown method {method!r}; expected one of ResizeMethod's names")
    _, height, width, _ = x.shape
    if height == 0 or width == 0:
        raise InvalidArgumentError(f"image.resize: images must have a non-zero height and width, "
                                   f"got shape {list(x.shape)}")
    if preserve_aspect_ratio:
        size = _aspect_preserving_size(height, width, size)
    if method == ResizeMethod.NEAREST_NEIGHBOR:
        kernel = "ResizeNearestNeighbor"
    else:
        # TF 2 antialiases with ScaleAndTranslate's triangle filter (the same as bilinear when upsampling).
        kernel = "ScaleAndTranslate" if antialias else "ResizeBilinear"
    return _unbatch(resize_kernel(kernel, x, size), single)


def _typed_input(value, dtype, op_name, what):
    """A tensor of `dtype`: Python and numpy values are converted to it, tensors must already have it."""
    if not isinstance(value, Tensor):
        return convert_to_tensor(value, dtype=dtype)
    if value.dtype is not dtype:
        raise DTypeError(f"{op_name}: {what} must be {dtype.name}, got {value.dtype.name} "
                         f"(shape {list(value.shape)})")
    return value


@tf_export("image.crop_and_resize")
def crop_and_resize(image, boxes, box_indices, crop_size, method="bilinear", extrapolation_value=0.0, name=None):
    """Crop boxes [y1, x1, y2, x2] (normalised: 0 and 1 are the first and last pixel centres) and resize each."""
    op_name = "image.crop_and_resize"
    image = convert_to_tensor(image)
    if image.ndim != 4 or image.shape[1] == 0 or image.shape[2] == 0:
        raise InvalidArgumentError(f"{op_name}: image must have shape [batch, height, width, channels] with a "
                                   f"non-zero height and width, got shape {list(image.shape)}")
    if image.dtype not in _IMAGE_DTYPES:
        raise DTypeError(f"{op_name}: {image.dtype.name} images are not supported (shape {list(image.shape)})")
    boxes = _typed_input(boxes, float32, op_name, "boxes")
    box_indices = _typed_input(box_indices, int32, op_name, "box_indices")
    if boxes.ndim != 2 or boxes.shape[1] != 4:
        raise InvalidArgumentError(f"{op_name}: boxes must have shape [num_boxes, 4], got {list(boxes.shape)}")
    if tuple(box_indices.shape) != (boxes.shape[0],):
        raise InvalidArgumentError(f"{op_name}: box_indices must have shape [{boxes.shape[0]}] to match boxes "
                                   f"{list(boxes.shape)}, got {list(box_indices.shape)}")
    if method not in ("bilinear", "nearest"):
        raise InvalidArgumentError(f"{op_name}: method must be 'bilinear' or 'nearest', got {method!r}")
    attrs = {"crop_size": _positive_pair(crop_size, op_name, "crop_size"), "method": method,
             "extrapolation_value": float(extrapolation_value)}
    return run_kernel("CropAndResize", [image, boxes, box_indices], attrs)


def _flip(image, axis, op_name):
    x = convert_to_tensor(image)
    if x.ndim not in (3, 4):
        raise InvalidArgumentError(f"{op_name}: image must have shape [height, width, channels] or "
                                   f"[batch, height, width, channels], got shape {list(x.shape)}")
    return reverse(x, [axis + x.ndim - 3])


@tf_export("image.flip_left_right")
def flip_left_right(image):
    return _flip(image, 1, "image.flip_left_right")


@tf_export("image.flip_up_down")
def flip_up_down(image):
    return _flip(image, 0, "image.flip_up_down")


@tf_export("image.rgb_to_grayscale")
def rgb_to_grayscale(images, name=None):
    """0.2989 R + 0.5870 G + 0.1140 B, keeping a last axis of size 1 and the images' dtype."""
    x = convert_to_tensor(images)
    if x.ndim == 0 or x.shape[-1] != 3:
        raise InvalidArgumentError(f"image.rgb_to_grayscale: the last axis must hold 3 channels (R, G, B), "
                                   f"got shape {list(x.shape)}")
    if x.dtype not in _IMAGE_DTYPES:
        raise DTypeError(f"image.rgb_to_grayscale: {x.dtype.name} images are not supported "
                         f"(shape {list(x.shape)})")
    weights = constant(_GRAYSCALE_WEIGHTS, dtype=float32)
    gray = reduce_sum(multiply(cast(x, float32), weights), axis=-1, keepdims=True)
    return cast(gray, x.dtype)


@tf_export("image.per_image_standardization")
def per_image_standardization(image):
    """(x - mean) / max(stddev, 1/sqrt(N)) over each image's last three axes; float32."""
    x = convert_to_tensor(image)
    if x.ndim < 3:
        raise InvalidArgumentError(f"image.per_image_standardization: image must have at least 3 dimensions "
                                   f"[height, width, channels], got shape {list(x.shape)}")
    if x.dtype not in _IMAGE_DTYPES:
        raise DTypeError(f"image.per_image_standardization: {x.dtype.name} images are not supported "
                         f"(shape {list(x.shape)})")
    x = cast(x, float32)
    num_pixels = math.prod(x.shape[-3:])
    if num_pixels == 0:
        return x
    axes = [-3, -2, -1]
    centered = subtract(x, reduce_mean(x, axis=axes, keepdims=True))
    variance = reduce_mean(square(centered), axis=axes, keepdims=True)
    # sqrt(max(var, 1/N)) == max(stddev, 1/sqrt(N)), without sqrt's infinite slope at a uniform image.
    return divide(centered, sqrt(maximum(variance, 1.0 / num_pixels)))


@tf_export("image.central_crop")
def central_crop(image, central_fraction):
    """The central `central_fraction` of each image's height and width."""
    x = convert_to_tensor(image)
    fraction = float(central_fraction)
    if not 0.0 < fraction <= 1.0:
        raise InvalidArgumentError(f"image.central_crop: central_fraction must be within (0, 1], got {fraction}")
    if x.ndim not in (3, 4):
        raise InvalidArgumentError(f"image.central_crop: image must have rank 3 or 4, got shape {list(x.shape)}")
    if fraction == 1.0:
        return x
    height_axis = x.ndim - 3
    begin, size = [0] * x.ndim, [-1] * x.ndim
    for axis in (height_axis, height_axis + 1):
        length = x.shape[axis]
        start = int((length - length * fraction) / 2)
        begin[axis], size[axis] = start, length - 2 * start
    return slice_(x, begin, size)


# --- kernels for engine/gradients/image.py ------------------------------------------
def resize_kernel(kernel, images, size):
    """Run a resize kernel (ResizeBilinear, ResizeNearestNeighbor, ScaleAndTranslate) on a 4-D batch."""
    return run_kernel(kernel, [convert_to_tensor(images)], {"size": tuple(size)})


def resize_grad(kernel, grads, image):
    """The gradient of resizing `image` (ResizeBilinearGrad, ResizeNearestNeighborGrad or ScaleAndTranslateGrad)."""
    return run_kernel(kernel, [convert_to_tensor(grads)], {"size": tuple(image.shape[1:3]), "dtype": image.dtype})


def crop_and_resize_grad_image(grads, boxes, box_indices, image, method):
    return run_kernel("CropAndResizeGradImage", [convert_to_tensor(grads), boxes, box_indices],
                      {"image_shape": tuple(image.shape), "method": method, "dtype": image.dtype})


def crop_and_resize_boxes(image, boxes, box_indices, crop_size, method):
    """crop_and_resize of an already validated 4-D float image, extrapolating with zeros."""
    return run_kernel("CropAndResize", [convert_to_tensor(image), boxes, box_indices],
                      {"crop_size": tuple(crop_size), "method": method, "extrapolation_value": 0.0})

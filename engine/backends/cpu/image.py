"""Image kernels: resizing (TF 2's half-pixel-centre convention), crop_and_resize and their adjoints.

A resize is separable: along each spatial axis every output sample is a weighted
sum of a few input samples (a "span": indices [out, taps] and weights [out, taps]),
so one gather helper and one scatter helper serve bilinear, nearest and the
antialiasing triangle filter, forward and backward.
"""
import numpy as np

from ...errors import InvalidArgumentError
from .kernel import cpu_kernel

_HALF = np.float32(0.5)


def _bilinear_spans(in_size, out_size):
    """TF's ResizeBilinear with half_pixel_centers: src = (dst + 0.5) * in/out - 0.5, edges clamped."""
    scale = np.float32(in_size) / np.float32(out_size)
    src = (np.arange(out_size, dtype=np.float32) + _HALF) * scale - _HALF
    floor = np.floor(src)
    lower = np.maximum(floor, 0).astype(np.intp)
    upper = np.minimum(np.ceil(src), in_size - 1).astype(np.intp)
    lerp = src - floor
    return np.stack([lower, upper], axis=1), np.stack([1 - lerp, lerp], axis=1)


def _nearest_indices(in_size, out_size):
    """TF's ResizeNearestNeighbor with half_pixel_centers: floor((dst + 0.5) * in/out), clamped."""
    scale = np.float32(in_size) / np.float32(out_size)
    src = np.floor((np.arange(out_size, dtype=np.float32) + _HALF) * scale)
    return np.clip(src, 0, in_size - 1).astype(np.intp)


def _nearest_spans(in_size, out_size):
    index = _nearest_indices(in_size, out_size)[:, None]
    return index, np.ones(index.shape, np.float32)


def _triangle_spans(in_size, out_size):
    """TF's ScaleAndTranslate spans for the triangle kernel with antialiasing (widened when downsampling)."""
    scale = np.float32(out_size) / np.float32(in_size)
    inv_scale = np.float32(1.0 / float(scale))
    kernel_scale = max(inv_scale, np.float32(1))
    taps = min(2 * int(np.ceil(kernel_scale)) + 1, in_size)
    sample = (np.arange(out_size, dtype=np.float32) + _HALF) * inv_scale
    start = np.clip(np.ceil(sample - kernel_scale - _HALF), 0, in_size - 1).astype(np.intp)
    end = np.clip(np.floor(sample + kernel_scale - _HALF), 0, in_size - 1).astype(np.intp) + 1
    index = start[:, None] + np.arange(taps)[None, :]
    position = index.astype(np.float32) + _HALF - sample[:, None]
    weight = np.maximum(np.float32(0), 1 - np.abs(position / kernel_scale)) * (index < end[:, None])
    total = weight.sum(axis=1, keepdims=True)
    usable = np.abs(total) >= 1000 * np.finfo(np.float32).tiny
    weight = np.where(usable, weight / np.where(usable, total, 1), 0).astype(np.float32)
    return np.minimum(index, in_size - 1), weight


def _gather(x, axis, index, weight):
    """out[.., i, ..] = sum_t weight[i, t] * x[.., index[i, t], ..] along `axis`."""
    shape = (-1,) + (1,) * (x.ndim - axis - 1)
    out = None
    # One tap at a time: a handful of cheap gathers beats one [.., out, taps, ..] temporary.
    for tap in range(index.shape[1]):
        term = np.take(x, index[:, tap], axis=axis) * weight[:, tap].reshape(shape)
        out = term if out is None else np.add(out, term, out=out)
    return out


def _scatter(dy, axis, index, weight, in_size):
    """The adjoint of `_gather`: add weight[i, t] * dy[.., i, ..] into out[.., index[i, t], ..]."""
    shape = (-1,) + (1,) * (dy.ndim - axis - 1)
    targets = index.reshape(-1)
    order = np.argsort(targets, kind="stable")
    targets = targets[order]
    sources = order // index.shape[1]
    contributions = np.take(dy, sources, axis=axis) * weight.reshape(-1)[order].reshape(shape)
    # Contributions sorted by target: each run of equal targets sums with one reduceat.
    starts = np.flatnonzero(np.concatenate([[True], targets[1:] != targets[:-1]]))
    out = np.zeros(dy.shape[:axis] + (in_size,) + dy.shape[axis + 1:], np.float32)
    out[(slice(None),) * axis + (targets[starts],)] = np.add.reduceat(contributions, starts, axis=axis)
    return out


def _resample(x, size, spans):
    x = x.astype(np.float32, copy=False)
    rows = _gather(x, 1, *spans(x.shape[1], size[0]))
    return _gather(rows, 2, *spans(x.shape[2], size[1]))


def _resample_adjoint(dy, size, spans, dtype):
    dy = dy.astype(np.float32, copy=False)
    cols = _scatter(dy, 2, *spans(size[1], dy.shape[2]), size[1])
    return _scatter(cols, 1, *spans(size[0], dy.shape[1]), size[0]).astype(dtype.as_numpy_dtype, copy=False)


@cpu_kernel("ResizeBilinear")
def resize_bilinear(images, *, size):
    return _resample(images, size, _bilinear_spans)


@cpu_kernel("ResizeBilinearGrad")
def resize_bilinear_grad(grads, *, size, dtype):
    return _resample_adjoint(grads, size, _bilinear_spans, dtype)


@cpu_kernel("ScaleAndTranslate")
def scale_and_translate(images, *, size):
    return _resample(images, size, _triangle_spans)


@cpu_kernel("ScaleAndTranslateGrad")
def scale_and_translate_grad(grads, *, size, dtype):
    return _resample_adjoint(grads, size, _triangle_spans, dtype)


@cpu_kernel("ResizeNearestNeighbor")
def resize_nearest_neighbor(images, *, size):
    rows = _nearest_indices(images.shape[1], size[0])
    cols = _nearest_indices(images.shape[2], size[1])
    return images[:, rows][:, :, cols]


@cpu_kernel("ResizeNearestNeighborGrad")
def resize_nearest_neighbor_grad(grads, *, size, dtype):
    return _resample_adjoint(grads, size, _nearest_spans, dtype)


# --- crop_and_resize ------------------------------------------------------------
def _crop_coordinates(start, end, image_size, crop_size):
    """TF's sampling positions [boxes, crop_size] in input pixels, and which fall inside the image."""
    last = np.float32(image_size - 1)
    with np.errstate(all="ignore"):
        if crop_size > 1:
            step = (end - start) * last / np.float32(crop_size - 1)
            coords = start[:, None] * last + np.arange(crop_size, dtype=np.float32)[None, :] * step[:, None]
        else:
            coords = (0.5 * (start + end).astype(np.float64) * (image_size - 1)).astype(np.float32)[:, None]
        inside = (coords >= 0) & (coords <= last)
    return np.where(inside, coords, np.float32(0)), inside


def _crop_taps(boxes, crop_size, image_shape, method):
    """Per output pixel: flat image indices [boxes, h, w, taps] and their weights (zero outside the image)."""
    _, height, width, _ = image_shape
    ys, y_inside = _crop_coordinates(boxes[:, 0], boxes[:, 2], height, crop_size[0])
    xs, x_inside = _crop_coordinates(boxes[:, 1], boxes[:, 3], width, crop_size[1])
    inside = y_inside[:, :, None] & x_inside[:, None, :]
    if method == "nearest":
        # roundf: half away from zero (coordinates inside the image are non-negative).
        y = np.floor(ys + _HALF).astype(np.intp)
        x = np.floor(xs + _HALF).astype(np.intp)
        index = (y[:, :, None] * width + x[:, None, :])[..., None]
        return index, inside[..., None].astype(np.float32), inside
    top, left = np.floor(ys), np.floor(xs)
    y_lerp, x_lerp = ys - top, xs - left
    top, left = top.astype(np.intp), left.astype(np.intp)
    bottom, right = np.ceil(ys).astype(np.intp), np.ceil(xs).astype(np.intp)
    rows = np.stack([top, top, bottom, bottom], axis=-1)[:, :, None, :]
    cols = np.stack([left, right, left, right], axis=-1)[:, None, :, :]
    y_weight = np.stack([1 - y_lerp, 1 - y_lerp, y_lerp, y_lerp], axis=-1)[:, :, None, :]
    x_weight = np.stack([1 - x_lerp, x_lerp, 1 - x_lerp, x_lerp], axis=-1)[:, None, :, :]
    return rows * width + cols, (y_weight * x_weight) * inside[..., None], inside


def _check_box_indices(box_indices, batch):
    if box_indices.size and (box_indices.min() < 0 or box_indices.max() >= batch):
        bad = box_indices[(box_indices < 0) | (box_indices >= batch)][0]
        raise InvalidArgumentError(f"crop_and_resize: box index {bad} is outside [0, {batch}) for an image batch "
                                   f"of {batch}")


@cpu_kernel("CropAndResize")
def crop_and_resize(image, boxes, box_indices, *, crop_size, method, extrapolation_value):
    batch, height, width, channels = image.shape
    _check_box_indices(box_indices, batch)
    index, weight, inside = _crop_taps(boxes, crop_size, image.shape, method)
    pixels = image.reshape(batch, height * width, channels).astype(np.float32, copy=False)
    taps = pixels[box_indices[:, None, None, None], index]
    values = np.sum(taps * weight[..., None], axis=-2, dtype=np.float32)
    return np.where(inside[..., None], values, np.float32(extrapolation_value)).astype(np.float32)


@cpu_kernel("CropAndResizeGradImage")
def crop_and_resize_grad_image(grads, boxes, box_indices, *, image_shape, method, dtype):
    batch, height, width, channels = image_shape
    _check_box_indices(box_indices, batch)
    index, weight, _ = _crop_taps(boxes, tuple(grads.shape[1:3]), image_shape, method)
    flat = box_indices[:, None, None, None] * (height * width) + index
    contributions = grads.astype(np.float32, copy=False)[..., None, :] * weight[..., None]
    out = np.zeros((batch * height * width, channels), np.float32)
    np.add.at(out, flat.reshape(-1), contributions.reshape(-1, channels))
    return out.reshape(image_shape).astype(dtype.as_numpy_dtype, copy=False)

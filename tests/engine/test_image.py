import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

import engine as tf
from engine.ops.image import resize_grad
from tests.engine.opcheck import check_grad, check_op


# --- float64 references: TF's documented formulas, one axis at a time -------------------
def _bilinear_matrix(in_size, out_size):
    """[out, in] weights of TF 2's half-pixel bilinear: src = (dst + 0.5) * in/out - 0.5, clamped."""
    src = np.clip((np.arange(out_size) + 0.5) * in_size / out_size - 0.5, 0, in_size - 1)
    lower = np.floor(src).astype(int)
    upper = np.minimum(lower + 1, in_size - 1)
    matrix = np.zeros((out_size, in_size))
    np.add.at(matrix, (np.arange(out_size), lower), 1 - (src - lower))
    np.add.at(matrix, (np.arange(out_size), upper), src - lower)
    return matrix


def _nearest_matrix(in_size, out_size):
    """TF 2's half-pixel nearest: floor((dst + 0.5) * in/out), in float32 as TF computes it."""
    scale = np.float32(in_size) / np.float32(out_size)
    index = np.minimum(np.floor((np.arange(out_size, dtype=np.float32) + np.float32(0.5)) * scale), in_size - 1)
    return np.eye(in_size)[index.astype(int)]


def _triangle_matrix(in_size, out_size):
    """TF's antialiased triangle filter: tent of radius max(in/out, 1) at (dst + 0.5) * in/out, renormalised."""
    ratio = in_size / out_size
    radius = max(ratio, 1.0)
    sample = (np.arange(out_size) + 0.5) * ratio
    weights = np.maximum(0.0, 1 - np.abs(np.arange(in_size)[None, :] + 0.5 - sample[:, None]) / radius)
    return weights / weights.sum(axis=1, keepdims=True)


def _resize_reference(matrix_fn, size):
    def reference(x):
        batched = x if x.ndim == 4 else x[None]
        rows, cols = matrix_fn(batched.shape[1], size[0]), matrix_fn(batched.shape[2], size[1])
        out = np.einsum("ih,jw,nhwc->nijc", rows, cols, batched)
        return out if x.ndim == 4 else out[0]
    return reference


def _resize(size, **kwargs):
    return lambda x: tf.image.resize(x, size, **kwargs)


SIZES = [((1, 4, 5, 2), (7, 3)), ((2, 3, 3, 1), (3, 3)), ((4, 6, 3), (2, 4)), ((1, 1, 5, 1), (3, 2)),
         ((1, 5, 4, 1), (10, 8))]


@pytest.mark.parametrize("shape,size", SIZES)
def test_resize_bilinear_matches_half_pixel_formula(backend, shape, size):
    x = np.random.default_rng(0).standard_normal(shape)
    reference = _resize_reference(_bilinear_matrix, size)
    check_op(_resize(size), reference, [x], check_dtype=tf.float32)
    check_grad(_resize(size), reference, [x])


@pytest.mark.parametrize("shape,size", SIZES)
def test_resize_nearest_matches_half_pixel_formula(backend, shape, size):
    x = np.random.default_rng(1).standard_normal(shape)
    reference = _resize_reference(_nearest_matrix, size)
    check_op(_resize(size, method="nearest"), reference, [x])
    check_grad(_resize(size, method="nearest"), reference, [x])


@pytest.mark.parametrize("shape,size", SIZES + [((1, 9, 7, 2), (2, 3)), ((1, 8, 8, 1), (3, 5))])
def test_resize_antialias_matches_triangle_filter(backend, shape, size):
    x = np.random.default_rng(2).standard_normal(shape)
    reference = _resize_reference(_triangle_matrix, size)
    check_op(_resize(size, antialias=True), reference, [x])
    check_grad(_resize(size, antialias=True), reference, [x])


def test_resize_values_from_tf_docs(backend):
    image = np.eye(5, dtype=np.int32)[None, ..., None]
    bilinear = tf.image.resize(image, [3, 5])[0, ..., 0].numpy()
    np.testing.assert_allclose(bilinear, [[2 / 3, 1 / 3, 0, 0, 0], [0, 0, 1, 0, 0], [0, 0, 0, 1 / 3, 2 / 3]],
                               atol=1e-6)
    nearest = tf.image.resize(image, [5, 7], method="nearest")
    assert nearest.dtype == tf.int32
    np.testing.assert_array_equal(nearest[0, ..., 0].numpy(), [[1, 0, 0, 0, 0, 0, 0], [0, 1, 1, 0, 0, 0, 0],
                                                               [0, 0, 0, 1, 0, 0, 0], [0, 0, 0, 0, 1, 1, 0],
                                                               [0, 0, 0, 0, 0, 0, 1]])
    upsampled = tf.image.resize(image, [5, 10])
    np.testing.assert_array_equal(upsampled.numpy(), tf.image.resize(image, [5, 10], antialias=True).numpy())


def test_resize_2x_upsampling_known_values(backend):
    row = np.array([[[[1.0], [3.0]]]], np.float32)
    np.testing.assert_allclose(tf.image.resize(row, [1, 4]).numpy().reshape(-1), [1.0, 1.5, 2.5, 3.0])
    np.testing.assert_array_equal(tf.image.resize(row, [1, 4], method="nearest").numpy().reshape(-1),
                                  [1.0, 1.0, 3.0, 3.0])
    square = np.array([[0.0, 4.0], [8.0, 12.0]], np.float32)[None, :, :, None]
    np.testing.assert_allclose(tf.image.resize(square, [4, 4])[0, :, :, 0].numpy(),
                               [[0, 1, 3, 4], [2, 3, 5, 6], [6, 7, 9, 10], [8, 9, 11, 12]])


@pytest.mark.parametrize("method", ["bilinear", "nearest"])
def test_resize_to_the_same_size_is_the_identity(backend, method):
    x = np.random.default_rng(3).standard_normal((2, 5, 3, 4)).astype(np.float32)
    np.testing.assert_array_equal(tf.image.resize(x, [5, 3], method=method).numpy(), x)
    np.testing.assert_array_equal(tf.image.resize(x, [5, 3], antialias=True).numpy(), x)


def test_resize_dtypes_and_edge_shapes(backend):
    ints = tf.constant(np.arange(12, dtype=np.int32).reshape(1, 3, 4, 1))
    assert tf.image.resize(ints, [2, 2]).dtype == tf.float32
    assert tf.image.resize(ints, [2, 2], method="nearest").dtype == tf.int32
    half = tf.constant(np.ones((2, 2, 1), np.float16))
    assert tf.image.resize(half, [3, 3]).dtype == tf.float32
    assert tf.image.resize(half, [3, 3], method="nearest").dtype == tf.float16
    assert tf.image.resize(tf.zeros([0, 4, 4, 3]), [2, 5]).shape == (0, 2, 5, 3)
    assert tf.image.resize(tf.zeros([2, 4, 4, 0]), [2, 5], method="nearest").shape == (2, 2, 5, 0)
    assert tf.image.resize(tf.zeros([4, 4, 3]), (8, 2)).shape == (8, 2, 3)
    assert tf.image.resize(tf.zeros([4, 4, 3]), tf.constant([8, 2])).shape == (8, 2, 3)
    assert tf.image.resize(tf.zeros([2, 8, 4, 3]), [6, 6], preserve_aspect_ratio=True).shape == (2, 6, 3, 3)
    assert tf.image.resize(tf.zeros([5, 5, 1]), [10, 20], preserve_aspect_ratio=True).shape == (10, 10, 1)
    assert tf.image.ResizeMethod.NEAREST_NEIGHBOR == "nearest"
    for kwargs in ({}, {"method": "nearest"}, {"antialias": True}):
        with tf.GradientTape() as tape:
            tape.watch(half)
            loss = tf.reduce_sum(tf.cast(tf.image.resize(half, [3, 1], **kwargs), tf.float32))
        assert tape.gradient(loss, half).dtype == tf.float16


def test_resize_errors(backend):
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"images must have shape.*\[4, 4\]"):
        tf.image.resize(tf.zeros([4, 4]), [2, 2])
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"size must be two positive integers.*\[0, 2\]"):
        tf.image.resize(tf.zeros([4, 4, 1]), [0, 2])
    with pytest.raises(tf.errors.InvalidArgumentError, match="size"):
        tf.image.resize(tf.zeros([4, 4, 1]), [2, 2, 2])
    with pytest.raises(tf.errors.UnimplementedError, match="bicubic"):
        tf.image.resize(tf.zeros([4, 4, 1]), [2, 2], method="bicubic")
    with pytest.raises(tf.errors.InvalidArgumentError, match="'cubist'"):
        tf.image.resize(tf.zeros([4, 4, 1]), [2, 2], method="cubist")
    with pytest.raises(tf.errors.DTypeError, match="bool"):
        tf.image.resize(tf.zeros([4, 4, 1], dtype=tf.bool), [2, 2])
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"non-zero height.*\[1, 0, 4, 1\]"):
        tf.image.resize(tf.zeros([1, 0, 4, 1]), [2, 2])


@pytest.mark.parametrize("kernel,matrix_fn", [("ResizeBilinearGrad", _bilinear_matrix),
                                              ("ResizeNearestNeighborGrad", _nearest_matrix),
                                              ("ScaleAndTranslateGrad", _triangle_matrix)])
def test_resize_adjoint_kernels_and_their_gradients(backend, kernel, matrix_fn):
    image = tf.zeros([2, 5, 3, 2])
    dy = np.random.default_rng(4).standard_normal((2, 3, 4, 2))
    rows, cols = matrix_fn(5, 3), matrix_fn(3, 4)
    reference = lambda g: np.einsum("ih,jw,nijc->nhwc", rows, cols, g)  # noqa: E731
    engine_fn = lambda g: resize_grad(kernel, g, image)  # noqa: E731
    check_op(engine_fn, reference, [dy])
    check_grad(engine_fn, reference, [dy])


def test_resize_second_order_gradient(backend):
    x = tf.constant(np.random.default_rng(5).standard_normal((1, 3, 4, 1)).astype(np.float32))
    with tf.GradientTape() as outer:
        outer.watch(x)
        with tf.GradientTape() as inner:
            inner.watch(x)
            y = tf.reduce_sum(tf.square(tf.image.resize(x, [5, 2])))
        dx = inner.gradient(y, x)
        z = tf.reduce_sum(dx)
    ddx = outer.gradient(z, x)
    rows, cols = _bilinear_matrix(3, 5), _bilinear_matrix(4, 2)
    # z = sum(2 R^T R x), so dz/dx = 2 R^T R 1.
    resized_ones = np.einsum("ih,jw,nhwc->nijc", rows, cols, np.ones((1, 3, 4, 1)))
    np.testing.assert_allclose(ddx.numpy(), 2 * np.einsum("ih,jw,nijc->nhwc", rows, cols, resized_ones), rtol=1e-5)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(in_h=st.integers(1, 9), in_w=st.integers(1, 9), out_h=st.integers(1, 12), out_w=st.integers(1, 12),
       method=st.sampled_from(["bilinear", "nearest", "antialias"]))
def test_resize_matches_reference_for_any_sizes(backend, in_h, in_w, out_h, out_w, method):
    x = np.random.default_rng(in_h * 13 + in_w).standard_normal((1, in_h, in_w, 2))
    matrix_fn = {"bilinear": _bilinear_matrix, "nearest": _nearest_matrix, "antialias": _triangle_matrix}[method]
    kwargs = {"antialias": True} if method == "antialias" else {"method": method}
    check_op(_resize((out_h, out_w), **kwargs), _resize_reference(matrix_fn, (out_h, out_w)), [x], atol=1e-5)


# --- crop_and_resize -------------------------------------------------------------------
def _crop_reference(boxes, box_indices, crop_size, method="bilinear", extrapolation_value=0.0):
    def axis_coords(start, end, image_size, crop):
        if crop > 1:
            return start[:, None] * (image_size - 1) + np.arange(crop) * ((end - start) * (image_size - 1)
                                                                           / (crop - 1))[:, None]
        return (0.5 * (start + end) * (image_size - 1))[:, None]

    def reference(image):
        _, height, width, _ = image.shape
        ys = axis_coords(boxes[:, 0], boxes[:, 2], height, crop_size[0])
        xs = axis_coords(boxes[:, 1], boxes[:, 3], width, crop_size[1])
        inside = ((ys >= 0) & (ys <= height - 1))[:, :, None] & ((xs >= 0) & (xs <= width - 1))[:, None, :]
        ys, xs = np.clip(ys, 0, height - 1), np.clip(xs, 0, width - 1)
        b = box_indices[:, None, None]
        if method == "nearest":
            y, x = np.floor(ys + 0.5).astype(int), np.floor(xs + 0.5).astype(int)
            values = image[b, y[:, :, None], x[:, None, :]]
        else:
            top, left = np.floor(ys).astype(int), np.floor(xs).astype(int)
            bottom, right = np.ceil(ys).astype(int), np.ceil(xs).astype(int)
            dy, dx = (ys - top)[:, :, None, None], (xs - left)[:, None, :, None]
            t, bo, le, ri = top[:, :, None], bottom[:, :, None], left[:, None, :], right[:, None, :]
            upper = image[b, t, le] * (1 - dx) + image[b, t, ri] * dx
            lower = image[b, bo, le] * (1 - dx) + image[b, bo, ri] * dx
            values = upper * (1 - dy) + lower * dy
        return np.where(inside[..., None], values, extrapolation_value)
    return reference


# No box samples a position that float32 and float64 round to different nearest pixels.
BOXES = np.array([[0.0, 0.0, 1.0, 1.0], [0.2, 0.1, 0.7, 0.9], [0.9, 0.8, 0.15, 0.3], [-0.5, 0.25, 1.5, 0.5]])


@pytest.mark.parametrize("method", ["bilinear", "nearest"])
@pytest.mark.parametrize("crop_size", [(3, 4), (1, 1), (1, 3), (5, 2)])
def test_crop_and_resize_matches_reference(backend, method, crop_size):
    image = np.random.default_rng(6).standard_normal((2, 4, 5, 2))
    box_indices = np.array([0, 1, 1, 0], np.int32)
    reference = _crop_reference(BOXES, box_indices, crop_size, method, extrapolation_value=-1.5)
    engine_fn = lambda img: tf.image.crop_and_resize(img, BOXES, box_indices, crop_size, method=method,  # noqa: E731
                                                     extrapolation_value=-1.5)
    check_op(engine_fn, reference, [image], check_dtype=tf.float32)
    check_grad(engine_fn, reference, [image])


def test_crop_and_resize_full_box_is_align_corners_resize(backend):
    image = np.arange(12, dtype=np.float32).reshape(1, 3, 4, 1)
    out = tf.image.crop_and_resize(image, [[0, 0, 1, 1]], [0], [5, 7])
    np.testing.assert_allclose(out[0, :, :, 0].numpy(), np.arange(5)[:, None] * 2 + np.arange(7) * 0.5)
    centre = tf.image.crop_and_resize(image, [[0, 0, 1, 1]], [0], [1, 1])
    np.testing.assert_allclose(centre.numpy().reshape(-1), [5.5])
    ints = tf.image.crop_and_resize(tf.constant(image.astype(np.int32)), [[0, 0, 1, 1]], [0], [3, 4])
    assert ints.dtype == tf.float32
    np.testing.assert_array_equal(ints.numpy(), image)
    assert tf.image.crop_and_resize(image, np.zeros((0, 4)), np.zeros(0, np.int32), [2, 2]).shape == (0, 2, 2, 1)


def test_crop_and_resize_gradient_adjoint_and_second_order(backend):
    image = tf.constant(np.random.default_rng(7).standard_normal((2, 4, 3, 1)).astype(np.float32))
    boxes = tf.constant(BOXES.astype(np.float32))
    indices = tf.constant([1, 0, 1, 1])
    with tf.GradientTape() as outer:
        outer.watch(image)
        with tf.GradientTape() as inner:
            inner.watch(image)
            y = tf.reduce_sum(tf.square(tf.image.crop_and_resize(image, boxes, indices, [3, 2])))
        dx = inner.gradient(y, image)
        z = tf.reduce_sum(dx)
    ddx = outer.gradient(z, image)
    crop = _crop_reference(BOXES, np.array([1, 0, 1, 1]), (3, 2))
    # z = 2 <crop(x), crop(1)>, so dz/dx = 2 crop^T(crop(1)); crop^T via finite differences of <crop(x), v>.
    weights = crop(np.ones((2, 4, 3, 1)))
    basis = np.eye(24).reshape(24, 2, 4, 3, 1)
    expected = np.array([2 * np.sum(crop(e) * weights) for e in basis]).reshape(2, 4, 3, 1)
    np.testing.assert_allclose(ddx.numpy(), expected, rtol=1e-5, atol=1e-6)


def test_crop_and_resize_errors(backend):
    image = tf.zeros([2, 4, 4, 1])
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"image must have shape.*\[4, 4, 1\]"):
        tf.image.crop_and_resize(tf.zeros([4, 4, 1]), [[0, 0, 1, 1]], [0], [2, 2])
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"boxes must have shape.*\[1, 3\]"):
        tf.image.crop_and_resize(image, [[0, 0, 1]], [0], [2, 2])
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"box_indices must have shape \[1\]"):
        tf.image.crop_and_resize(image, [[0, 0, 1, 1]], [0, 1], [2, 2])
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"crop_size.*\[2, 0\]"):
        tf.image.crop_and_resize(image, [[0, 0, 1, 1]], [0], [2, 0])
    with pytest.raises(tf.errors.InvalidArgumentError, match="'bicubic'"):
        tf.image.crop_and_resize(image, [[0, 0, 1, 1]], [0], [2, 2], method="bicubic")
    with pytest.raises(tf.errors.DTypeError, match="boxes must be float32, got int32"):
        tf.image.crop_and_resize(image, tf.constant([[0, 0, 1, 1]]), [0], [2, 2])
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"box index 2 is outside \[0, 2\)"):
        tf.image.crop_and_resize(image, [[0, 0, 1, 1]], [2], [2, 2])


# --- flips, grayscale, standardization, central_crop -----------------------------------
@pytest.mark.parametrize("shape", [(3, 4, 2), (2, 3, 4, 1), (0, 2, 1), (1, 1, 1)])
@pytest.mark.parametrize("name,axis", [("flip_left_right", -2), ("flip_up_down", -3)])
def test_flips(backend, name, axis, shape):
    x = np.random.default_rng(8).standard_normal(shape)
    op = getattr(tf.image, name)
    check_op(op, lambda a: np.flip(a, axis=axis), [x])
    check_grad(op, lambda a: np.flip(a, axis=axis), [x])


def test_flip_values_dtypes_and_errors(backend):
    x = [[[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], [[7.0, 8.0, 9.0], [10.0, 11.0, 12.0]]]
    np.testing.assert_array_equal(tf.image.flip_left_right(x).numpy(), np.array(x)[:, ::-1])
    np.testing.assert_array_equal(tf.image.flip_up_down(x).numpy(), np.array(x)[::-1])
    ints = tf.image.flip_left_right(tf.constant([[[1], [2]]]))
    assert ints.dtype == tf.int32 and ints.numpy().reshape(-1).tolist() == [2, 1]
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"flip_up_down.*\[2, 2\]"):
        tf.image.flip_up_down(tf.zeros([2, 2]))


def _grayscale(x):
    return np.sum(x * np.array([0.2989, 0.5870, 0.1140]), axis=-1, keepdims=True)


@pytest.mark.parametrize("shape", [(2, 3, 3), (2, 2, 2, 3), (3,), (0, 3)])
def test_rgb_to_grayscale(backend, shape):
    x = np.random.default_rng(9).uniform(0, 1, shape)
    check_op(tf.image.rgb_to_grayscale, _grayscale, [x], check_dtype=tf.float32)
    check_grad(tf.image.rgb_to_grayscale, _grayscale, [x])


def test_rgb_to_grayscale_dtypes_and_errors(backend):
    ints = tf.image.rgb_to_grayscale(tf.constant([[[100, 200, 50]]]))
    assert ints.dtype == tf.int32
    assert ints.numpy().reshape(-1).tolist() == [int(_grayscale(np.array([100, 200, 50]))[0])]
    half = tf.image.rgb_to_grayscale(tf.constant(np.ones((1, 1, 3), np.float16)))
    assert half.dtype == tf.float16
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"3 channels.*\[2, 2, 4\]"):
        tf.image.rgb_to_grayscale(tf.zeros([2, 2, 4]))


def _standardize(x):
    axes = (-3, -2, -1)
    count = np.prod(x.shape[-3:])
    centered = x - x.mean(axis=axes, keepdims=True)
    return centered / np.maximum(x.std(axis=axes, keepdims=True), 1 / np.sqrt(count))


@pytest.mark.parametrize("shape", [(2, 3, 2), (2, 2, 2, 3), (1, 2, 1, 2, 2)])
def test_per_image_standardization(backend, shape):
    x = np.random.default_rng(10).standard_normal(shape)
    check_op(tf.image.per_image_standardization, _standardize, [x], check_dtype=tf.float32)
    check_grad(tf.image.per_image_standardization, _standardize, [x])


def test_per_image_standardization_values_and_uniform_images(backend):
    image = tf.constant(np.arange(1, 13, dtype=np.int32).reshape(2, 2, 3))
    np.testing.assert_allclose(tf.image.per_image_standardization(image).numpy().reshape(-1)[:3],
                               [-1.593255, -1.3035723, -1.0138896], rtol=1e-6)
    flat = tf.constant(np.full((2, 2, 1), 3.0, np.float32))
    with tf.GradientTape() as tape:
        tape.watch(flat)
        out = tf.image.per_image_standardization(flat)
        loss = tf.reduce_sum(out * tf.constant([[[1.0], [2.0]], [[3.0], [4.0]]]))
    np.testing.assert_array_equal(out.numpy(), np.zeros((2, 2, 1), np.float32))
    # At a uniform image the stddev is floored at 1/sqrt(N) = 1/2, so the map is 2 * (x - mean).
    np.testing.assert_allclose(tape.gradient(loss, flat).numpy().reshape(-1), [-3.0, -1.0, 1.0, 3.0])
    assert tf.image.per_image_standardization(tf.zeros([0, 2, 2])).shape == (0, 2, 2)
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"at least 3 dimensions.*\[4, 4\]"):
        tf.image.per_image_standardization(tf.zeros([4, 4]))


def test_central_crop(backend):
    x = np.arange(1.0, 49.0).reshape(4, 4, 3)
    np.testing.assert_array_equal(tf.image.central_crop(x, 0.5).numpy(), x[1:3, 1:3])
    batch = np.random.default_rng(11).standard_normal((2, 5, 7, 1))
    crop = lambda a: tf.image.central_crop(a, 0.6)  # noqa: E731
    check_op(crop, lambda a: a[:, 1:4, 1:6], [batch])
    check_grad(crop, lambda a: a[:, 1:4, 1:6], [batch])
    assert tf.image.central_crop(tf.zeros([3, 3, 1]), 1.0).shape == (3, 3, 1)
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"within \(0, 1\], got 0.0"):
        tf.image.central_crop(tf.zeros([3, 3, 1]), 0.0)
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"rank 3 or 4.*\[3, 3\]"):
        tf.image.central_crop(tf.zeros([3, 3]), 0.5)

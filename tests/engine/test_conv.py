import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

import engine as tf
from engine.gradients.registry import has_gradient_entry
from tests.engine.opcheck import check_grad, check_op

RNG = np.random.default_rng(0)


def rand(*shape):
    return RNG.standard_normal(shape)


# --- float64 references: direct loops over output pixels and window taps ---------------
def ref_pads(padding, sizes, windows, strides, dilations):
    """[(before, after)] per spatial axis, by TF's rules written out again."""
    if padding == "VALID":
        return [(0, 0)] * len(sizes)
    if padding == "SAME":
        pads = []
        for size, k, s, d in zip(sizes, windows, strides, dilations):
            out = -(-size // s)
            total = max((out - 1) * s + (k - 1) * d + 1 - size, 0)
            pads.append((total // 2, total - total // 2))
        return pads
    return [tuple(pair) for pair in padding[1:-1]]


def ref_conv2d_all(x, w, dy, strides, padding, dilations):
    """float64 (output, input gradient, filter gradient) of conv2d, as loops over output pixels and taps."""
    (sh, sw), (dh, dw) = strides, dilations
    kh, kw, _, out_c = w.shape
    pads = ref_pads(padding, x.shape[1:3], (kh, kw), strides, dilations)
    xp = np.pad(x, [(0, 0), pads[0], pads[1], (0, 0)])
    oh = (xp.shape[1] - (kh - 1) * dh - 1) // sh + 1
    ow = (xp.shape[2] - (kw - 1) * dw - 1) // sw + 1
    y = np.zeros((x.shape[0], oh, ow, out_c))
    dxp, dfilters = np.zeros_like(xp), np.zeros_like(w)
    for a in range(oh):
        for b in range(ow):
            for i in range(kh):
                for j in range(kw):
                    row, col = a * sh + i * dh, b * sw + j * dw
                    y[:, a, b] += xp[:, row, col] @ w[i, j]
                    if dy is not None:
                        dxp[:, row, col] += dy[:, a, b] @ w[i, j].T
                        dfilters[i, j] += xp[:, row, col].T @ dy[:, a, b]
    dx = dxp[:, pads[0][0]:pads[0][0] + x.shape[1], pads[1][0]:pads[1][0] + x.shape[2]]
    return y, dx, dfilters


def ref_conv2d(x, w, strides=(1, 1), padding="VALID", dilations=(1, 1)):
    return ref_conv2d_all(x, w, None, strides, padding, dilations)[0]


def ref_depthwise(x, w, strides=(1, 1), padding="VALID", dilations=(1, 1)):
    (sh, sw), (dh, dw) = strides, dilations
    kh, kw, c, m = w.shape
    pads = ref_pads(padding, x.shape[1:3], (kh, kw), strides, dilations)
    xp = np.pad(x, [(0, 0), pads[0], pads[1], (0, 0)])
    oh = (xp.shape[1] - (kh - 1) * dh - 1) // sh + 1
    ow = (xp.shape[2] - (kw - 1) * dw - 1) // sw + 1
    out = np.zeros((x.shape[0], oh, ow, c, m))
    for a in range(oh):
        for b in range(ow):
            for i in range(kh):
                for j in range(kw):
                    out[:, a, b] += xp[:, a * sh + i * dh, b * sw + j * dw, :, None] * w[i, j]
    return out.reshape(x.shape[0], oh, ow, c * m)


def ref_conv2d_transpose(x, w, output_shape, strides=(1, 1), padding="SAME", dilations=(1, 1)):
    """Each input pixel scatters w[i, j] @ x into the output pixels a forward convolution would read."""
    (sh, sw), (dh, dw) = strides, dilations
    kh, kw, out_c, _ = w.shape
    n, h, wd, _ = output_shape
    pads = ref_pads(padding, (h, wd), (kh, kw), strides, dilations)
    out = np.zeros((n, h + sum(pads[0]), wd + sum(pads[1]), out_c))
    for a in range(x.shape[1]):
        for b in range(x.shape[2]):
            for i in range(kh):
                for j in range(kw):
                    out[:, a * sh + i * dh, b * sw + j * dw] += x[:, a, b] @ w[i, j].T
    return out[:, pads[0][0]:pads[0][0] + h, pads[1][0]:pads[1][0] + wd]


def ref_pool(x, ksize, strides, padding, reduce):
    (kh, kw), (sh, sw) = ksize, strides
    pads = ref_pads(padding, x.shape[1:3], ksize, strides, (1, 1))
    xp = np.pad(x.astype(np.float64), [(0, 0), pads[0], pads[1], (0, 0)], constant_values=np.nan)
    oh = (xp.shape[1] - kh) // sh + 1
    ow = (xp.shape[2] - kw) // sw + 1
    out = np.zeros((x.shape[0], oh, ow, x.shape[3]))
    for a in range(oh):
        for b in range(ow):
            out[:, a, b] = reduce(xp[:, a * sh:a * sh + kh, b * sw:b * sw + kw], axis=(1, 2))
    return out


def ref_max_pool(x, ksize, strides, padding):
    return ref_pool(x, ksize, strides, padding, np.nanmax)


def ref_avg_pool(x, ksize, strides, padding):
    return ref_pool(x, ksize, strides, padding, np.nanmean)


def distinct(*shape):
    """Values at least 0.1 apart, so no pooling window has a tie for finite differences to trip on."""
    size = int(np.prod(shape))
    return RNG.permutation(size).reshape(shape) * 0.1 - size * 0.05


# --- conv2d -------------------------------------------------------------------------------
CONV2D_CASES = [
    # x shape, w shape, strides, padding, dilations
    ((1, 5, 5, 2), (3, 3, 2, 3), 1, "SAME", None),
    ((2, 6, 6, 2), (2, 2, 2, 3), 2, "VALID", None),
    ((1, 7, 5, 2), (3, 3, 2, 2), 2, "SAME", None),
    ((1, 6, 4, 1), (2, 3, 1, 2), [1, 2, 1, 1], "SAME", None),
    ((1, 5, 6, 2), (3, 2, 2, 2), (1, 2), [[0, 0], [1, 2], [0, 1], [0, 0]], None),
    ((1, 7, 7, 2), (3, 3, 2, 2), 1, "SAME", 2),
    ((1, 7, 8, 1), (2, 3, 1, 2), 1, "VALID", [1, 2, 1, 1]),
    ((1, 4, 5, 3), (1, 1, 3, 4), 1, "VALID", None),
    ((1, 5, 5, 3), (1, 1, 3, 2), 2, "SAME", None),
    ((2, 4, 4, 2), (4, 4, 2, 1), 3, "SAME", None),
    ((1, 4, 4, 2), (2, 2, 2, 2), 1, [[0, 0], [2, 0], [1, 3], [0, 0]], None),
]


def _pair(value):
    if value is None:
        return (1, 1)
    if isinstance(value, int):
        return (value, value)
    return tuple(value[1:3]) if len(value) == 4 else tuple(value)


@pytest.mark.parametrize("x_shape,w_shape,strides,padding,dilations", CONV2D_CASES)
def test_conv2d_matches_reference(backend, x_shape, w_shape, strides, padding, dilations):
    x, w = rand(*x_shape), rand(*w_shape)
    engine_fn = lambda a, b: tf.nn.conv2d(a, b, strides, padding, dilations=dilations)  # noqa: E731
    reference = lambda a, b: ref_conv2d(a, b, _pair(strides), padding, _pair(dilations))  # noqa: E731
    check_op(engine_fn, reference, [x, w], rtol=1e-4, atol=1e-5, check_dtype=tf.float32)
    check_grad(engine_fn, reference, [x, w])


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(size=st.tuples(st.integers(1, 7), st.integers(1, 7)), kernel=st.tuples(st.integers(1, 3), st.integers(1, 3)),
       strides=st.tuples(st.integers(1, 3), st.integers(1, 3)), dilation=st.integers(1, 2),
       padding=st.sampled_from(["SAME", "VALID"]), channels=st.tuples(st.integers(1, 3), st.integers(1, 3)))
def test_conv2d_any_window_matches_reference(backend, size, kernel, strides, dilation, padding, channels):
    if padding == "VALID" and any((k - 1) * dilation + 1 > s for k, s in zip(kernel, size)):
        return
    x, w = rand(2, *size, channels[0]), rand(*kernel, *channels)
    check_op(lambda a, b: tf.nn.conv2d(a, b, strides, padding, dilations=dilation),
             lambda a, b: ref_conv2d(a, b, strides, padding, (dilation, dilation)), [x, w], rtol=1e-4, atol=1e-5)


def test_conv2d_float16_and_empty_batch(backend):
    x, w = rand(1, 4, 4, 2), rand(3, 3, 2, 2)
    got = tf.nn.conv2d(tf.constant(x.astype(np.float16)), tf.constant(w.astype(np.float16)), 1, "SAME")
    assert got.dtype == tf.float16
    np.testing.assert_allclose(got.numpy(), ref_conv2d(x, w, padding="SAME"), rtol=1e-2, atol=2e-2)
    empty = tf.nn.conv2d(tf.zeros([0, 4, 4, 2]), tf.constant(w.astype(np.float32)), 2, "SAME")
    assert tuple(empty.shape) == (0, 2, 2, 2)


def test_conv2d_in_blocks_matches_one_block(backend, monkeypatch):
    from engine.backends.cpu import conv as cpu_conv
    x, w = rand(3, 6, 5, 2), rand(3, 3, 2, 2)
    for limit in (40, 200):  # row blocks within a sample, then several samples per block
        monkeypatch.setattr(cpu_conv, "_BLOCK_ELEMENTS", limit)
        check_op(lambda a, b: tf.nn.conv2d(a, b, 1, "SAME"), lambda a, b: ref_conv2d(a, b, padding="SAME"), [x, w],
                 rtol=1e-4, atol=1e-5)
        check_grad(lambda a, b: tf.nn.conv2d(a, b, 1, "SAME"), lambda a, b: ref_conv2d(a, b, padding="SAME"), [x, w])


def test_conv2d_errors(backend):
    x, w = tf.zeros([1, 5, 5, 3]), tf.zeros([3, 3, 4, 2])
    with pytest.raises(tf.errors.IncompatibleShapesError, match=r"\[1, 5, 5, 3\].*\[3, 3, 4, 2\]"):
        tf.nn.conv2d(x, w, 1, "SAME")
    w = tf.zeros([3, 3, 3, 2])
    for bad in ("same", "FULL"):
        with pytest.raises(tf.errors.InvalidArgumentError, match="padding must be 'SAME', 'VALID'"):
            tf.nn.conv2d(x, w, 1, bad)
    with pytest.raises(tf.errors.InvalidArgumentError, match="batch and channel"):
        tf.nn.conv2d(x, w, 1, [[1, 0], [1, 1], [1, 1], [0, 0]])
    with pytest.raises(tf.errors.InvalidArgumentError, match="explicit padding"):
        tf.nn.conv2d(x, w, 1, [[1, 1], [1, 1]])
    with pytest.raises(tf.errors.InvalidArgumentError, match="list of 1, 2 or 4"):
        tf.nn.conv2d(x, w, [1, 2, 2], "SAME")
    with pytest.raises(tf.errors.InvalidArgumentError, match="batch and channel"):
        tf.nn.conv2d(x, w, [2, 1, 1, 1], "SAME")
    with pytest.raises(tf.errors.InvalidArgumentError, match="positive"):
        tf.nn.conv2d(x, w, 0, "SAME")
    with pytest.raises(tf.errors.UnimplementedError, match="NCHW"):
        tf.nn.conv2d(x, w, 1, "SAME", data_format="NCHW")
    with pytest.raises(tf.errors.InvalidArgumentError, match="negative"):
        tf.nn.conv2d(tf.zeros([1, 2, 2, 3]), tf.zeros([5, 5, 3, 1]), 1, "VALID")
    with pytest.raises(tf.errors.InvalidArgumentError, match="rank 4"):
        tf.nn.conv2d(tf.zeros([5, 5, 3]), w, 1, "SAME")
    with pytest.raises(tf.errors.DTypeError, match="int32"):
        tf.nn.conv2d(tf.zeros([1, 5, 5, 3], tf.int32), tf.zeros([3, 3, 3, 2], tf.int32), 1, "SAME")
    with pytest.raises(tf.errors.DTypeError, match="float16"):
        tf.nn.conv2d(x, tf.zeros([3, 3, 3, 2], tf.float16), 1, "SAME")


# --- conv1d and convolution ---------------------------------------------------------------
def ref_conv1d(x, w, stride, padding, dilation=1):
    if not isinstance(padding, str):
        padding = [[0, 0], [0, 0], *padding[1:]]
    return ref_conv2d(x[:, None], w[None], (1, stride), padding, (1, dilation))[:, 0]


@pytest.mark.parametrize("x_shape,w_shape,stride,padding,dilation", [
    ((2, 7, 2), (3, 2, 3), 1, "SAME", None),
    ((1, 8, 2), (2, 2, 2), 2, "VALID", None),
    ((1, 9, 1), (3, 1, 2), 2, "SAME", None),
    ((1, 9, 2), (3, 2, 1), 1, "SAME", 2),
    ((1, 6, 2), (2, 2, 2), [1], [[0, 0], [2, 1], [0, 0]], None),
])
def test_conv1d_matches_reference(backend, x_shape, w_shape, stride, padding, dilation):
    x, w = rand(*x_shape), rand(*w_shape)
    engine_fn = lambda a, b: tf.nn.conv1d(a, b, stride, padding, dilations=dilation)  # noqa: E731
    scalar_stride = stride[0] if isinstance(stride, list) else stride
    reference = lambda a, b: ref_conv1d(a, b, scalar_stride, padding, dilation or 1)  # noqa: E731
    check_op(engine_fn, reference, [x, w], rtol=1e-4, atol=1e-5)
    check_grad(engine_fn, reference, [x, w])


def test_conv1d_with_extra_batch_dims_and_errors(backend):
    x, w = rand(2, 3, 6, 2), rand(3, 2, 4)
    check_op(lambda a, b: tf.nn.conv1d(a, b, 1, "SAME"),
             lambda a, b: ref_conv1d(a.reshape(6, 6, 2), b, 1, "SAME").reshape(2, 3, 6, 4), [x, w], rtol=1e-4, atol=1e-5)
    with pytest.raises(tf.errors.IncompatibleShapesError, match=r"\[2, 6, 3\].*\[3, 2, 4\]"):
        tf.nn.conv1d(tf.zeros([2, 6, 3]), tf.constant(w.astype(np.float32)), 1, "SAME")
    with pytest.raises(tf.errors.UnimplementedError, match="NCW"):
        tf.nn.conv1d(tf.zeros([2, 6, 2]), tf.constant(w.astype(np.float32)), 1, "SAME", data_format="NCW")


def test_convolution_dispatches_on_rank(backend):
    x2, w2 = rand(1, 5, 5, 2), rand(3, 3, 2, 2)
    check_op(lambda a, b: tf.nn.convolution(a, b, padding="SAME"), lambda a, b: ref_conv2d(a, b, padding="SAME"),
             [x2, w2], rtol=1e-4, atol=1e-5)
    x1, w1 = rand(1, 6, 2), rand(2, 2, 3)
    check_op(lambda a, b: tf.nn.convolution(a, b, strides=2), lambda a, b: ref_conv1d(a, b, 2, "VALID"),
             [x1, w1], rtol=1e-4, atol=1e-5)
    with pytest.raises(tf.errors.UnimplementedError, match="3-D"):
        tf.nn.convolution(tf.zeros([1, 2, 2, 2, 1]), tf.zeros([1, 1, 1, 1, 1]))


# --- depthwise and separable --------------------------------------------------------------
DEPTHWISE_CASES = [
    ((1, 5, 5, 2), (3, 3, 2, 1), 1, "SAME", None),
    ((2, 6, 5, 3), (3, 3, 3, 2), 2, "SAME", None),
    ((1, 6, 6, 2), (2, 2, 2, 3), 2, "VALID", None),
    ((1, 7, 6, 2), (3, 3, 2, 1), 1, "SAME", 2),
    ((1, 5, 6, 1), (2, 3, 1, 2), [1, 1, 2, 1], [[0, 0], [1, 0], [2, 1], [0, 0]], None),
    ((1, 4, 5, 2), (2, 2, 2, 2), 1, [[0, 0], [0, 3], [2, 1], [0, 0]], None),
    ((1, 7, 7, 2), (3, 2, 2, 1), [2, 1], "VALID", [1, 2]),
]


@pytest.mark.parametrize("x_shape,w_shape,strides,padding,dilations", DEPTHWISE_CASES)
def test_depthwise_conv2d_matches_reference(backend, x_shape, w_shape, strides, padding, dilations):
    x, w = rand(*x_shape), rand(*w_shape)
    engine_fn = lambda a, b: tf.nn.depthwise_conv2d(a, b, strides, padding, dilations=dilations)  # noqa: E731
    reference = lambda a, b: ref_depthwise(a, b, _pair(strides), padding, _pair(dilations))  # noqa: E731
    check_op(engine_fn, reference, [x, w], rtol=1e-4, atol=1e-5)
    check_grad(engine_fn, reference, [x, w])


def ref_input_grad(reference, x_shape, dy, *args):
    """d/dx sum(reference(x, *args) * dy) of a function linear in x, one basis vector at a time."""
    basis = np.eye(int(np.prod(x_shape))).reshape(-1, *x_shape)
    return np.array([np.sum(reference(e, *args) * dy) for e in basis]).reshape(x_shape)


@pytest.mark.parametrize("w_shape,strides,padding", [
    ((3, 3, 2, 1), 1, "SAME"), ((3, 2, 2, 2), 2, "SAME"), ((2, 2, 2, 1), 1, [[0, 0], [2, 0], [0, 2], [0, 0]])])
def test_depthwise_input_gradient_is_differentiable(backend, w_shape, strides, padding):
    x_shape = (1, 5, 4, 2)
    x = tf.zeros(x_shape)
    out_shape = ref_depthwise(np.zeros(x_shape), np.zeros(w_shape), _pair(strides), padding).shape
    w, dy = rand(*w_shape), rand(*out_shape)

    def engine_fn(b, g):
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = tf.nn.depthwise_conv2d(x, b, strides, padding)
        return tape.gradient(y, x, output_gradients=g)

    def reference(b, g):
        return ref_input_grad(lambda a: ref_depthwise(a, b, _pair(strides), padding), x_shape, g)
    check_op(engine_fn, reference, [w, dy], rtol=1e-4, atol=1e-5)
    check_grad(engine_fn, reference, [w, dy])


def test_depthwise_in_parallel_blocks(backend, monkeypatch):
    from engine.backends.cpu import parallel as cpu_parallel
    monkeypatch.setattr(cpu_parallel, "_PARALLEL_WORK", 0)
    monkeypatch.setattr(cpu_parallel._pool, "workers", 2)
    for x_shape in ((1, 6, 5, 2), (3, 4, 4, 2)):  # split by rows, then by samples
        x, w = rand(*x_shape), rand(3, 3, 2, 2)
        engine_fn = lambda a, b: tf.nn.depthwise_conv2d(a, b, [1, 1, 2, 1], "SAME")  # noqa: E731
        reference = lambda a, b: ref_depthwise(a, b, (1, 2), "SAME")  # noqa: E731
        check_op(engine_fn, reference, [x, w], rtol=1e-4, atol=1e-5)
        check_grad(engine_fn, reference, [x, w])


def test_depthwise_conv2d_errors(backend):
    with pytest.raises(tf.errors.IncompatibleShapesError, match=r"\[1, 4, 4, 3\].*\[3, 3, 2, 1\]"):
        tf.nn.depthwise_conv2d(tf.zeros([1, 4, 4, 3]), tf.zeros([3, 3, 2, 1]), [1, 1, 1, 1], "SAME")
    with pytest.raises(tf.errors.InvalidArgumentError, match="padding"):
        tf.nn.depthwise_conv2d(tf.zeros([1, 4, 4, 2]), tf.zeros([3, 3, 2, 1]), [1, 1, 1, 1], "HALF")


@pytest.mark.parametrize("strides,padding,dilations,multiplier", [
    (1, "SAME", None, 1), ([1, 2, 2, 1], "VALID", None, 2), (1, "SAME", [2, 2], 2)])
def test_separable_conv2d_matches_reference(backend, strides, padding, dilations, multiplier):
    x, dw, pw = rand(1, 5, 6, 2), rand(3, 3, 2, multiplier), rand(1, 1, 2 * multiplier, 3)
    engine_fn = lambda a, b, c: tf.nn.separable_conv2d(a, b, c, strides, padding, dilations=dilations)  # noqa: E731

    def reference(a, b, c):
        return ref_conv2d(ref_depthwise(a, b, _pair(strides), padding, _pair(dilations)), c)
    check_op(engine_fn, reference, [x, dw, pw], rtol=1e-4, atol=1e-5)
    check_grad(engine_fn, reference, [x, dw, pw])


def test_separable_conv2d_checks_the_pointwise_filter(backend):
    with pytest.raises(tf.errors.IncompatibleShapesError, match=r"\[1, 1, 4, out\].*\[1, 1, 2, 3\]"):
        tf.nn.separable_conv2d(tf.zeros([1, 4, 4, 2]), tf.zeros([3, 3, 2, 2]), tf.zeros([1, 1, 2, 3]), 1, "SAME")


# --- transposed convolutions ----------------------------------------------------------------
TRANSPOSE_CASES = [
    # x shape, w shape [kh, kw, out, in], output_shape, strides, padding, dilations
    ((1, 3, 3, 2), (3, 3, 3, 2), (1, 6, 6, 3), 2, "SAME", None),
    ((2, 4, 3, 2), (3, 3, 2, 2), (2, 7, 5, 2), 2, "SAME", None),
    ((1, 3, 3, 2), (2, 2, 1, 2), (1, 6, 6, 1), 2, "VALID", None),
    ((1, 2, 3, 1), (3, 3, 2, 1), (1, 5, 7, 2), 2, "VALID", None),
    ((1, 4, 4, 2), (3, 3, 2, 2), (1, 4, 4, 2), 1, "SAME", 2),
    ((1, 3, 3, 1), (2, 2, 2, 1), (1, 5, 3, 2), (2, 1), [[0, 0], [1, 0], [0, 1], [0, 0]], None),
]


@pytest.mark.parametrize("x_shape,w_shape,output_shape,strides,padding,dilations", TRANSPOSE_CASES)
def test_conv2d_transpose_matches_reference(backend, x_shape, w_shape, output_shape, strides, padding, dilations):
    x, w = rand(*x_shape), rand(*w_shape)

    def engine_fn(a, b):
        return tf.nn.conv2d_transpose(a, b, output_shape, strides, padding, dilations=dilations)

    def reference(a, b):
        return ref_conv2d_transpose(a, b, output_shape, _pair(strides), padding, _pair(dilations))
    got = check_op(engine_fn, reference, [x, w], rtol=1e-4, atol=1e-5)
    assert tuple(got[0].shape) == output_shape
    check_grad(engine_fn, reference, [x, w])


def test_conv2d_transpose_is_the_adjoint_of_conv2d(backend):
    x, w, y = rand(2, 5, 4, 2), rand(3, 2, 2, 3), rand(2, 3, 2, 3)
    forward = tf.nn.conv2d(tf.constant(x, tf.float32), tf.constant(w, tf.float32), 2, "SAME").numpy()
    back = tf.nn.conv2d_transpose(tf.constant(y, tf.float32), tf.constant(w, tf.float32), tf.constant([2, 5, 4, 2]),
                                  [1, 2, 2, 1], "SAME").numpy()
    np.testing.assert_allclose(np.sum(forward * y), np.sum(x * back), rtol=1e-4)


def test_conv2d_transpose_errors(backend):
    x, w = tf.zeros([1, 3, 3, 2]), tf.zeros([3, 3, 4, 2])
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"output_shape \[1, 8, 8, 4\] is inconsistent.*\[4, 4\]"):
        tf.nn.conv2d_transpose(x, w, [1, 8, 8, 4], 2, "SAME")
    with pytest.raises(tf.errors.IncompatibleShapesError, match="depth 4"):
        tf.nn.conv2d_transpose(x, w, [1, 6, 6, 3], 2, "SAME")
    with pytest.raises(tf.errors.IncompatibleShapesError, match="batch 1"):
        tf.nn.conv2d_transpose(x, w, [2, 6, 6, 4], 2, "SAME")
    with pytest.raises(tf.errors.IncompatibleShapesError, match=r"\[1, 3, 3, 2\].*\[3, 3, 2, 4\]"):
        tf.nn.conv2d_transpose(x, tf.zeros([3, 3, 2, 4]), [1, 6, 6, 2], 2, "SAME")
    with pytest.raises(tf.errors.InvalidArgumentError, match="4 non-negative ints"):
        tf.nn.conv2d_transpose(x, w, [6, 6], 2, "SAME")


@pytest.mark.parametrize("x_shape,w_shape,output_shape,stride,padding", [
    ((1, 4, 2), (3, 3, 2), (1, 8, 3), 2, "SAME"),
    ((2, 3, 1), (2, 2, 1), (2, 6, 2), 2, "VALID"),
    ((1, 5, 2), (3, 1, 2), (1, 5, 1), 1, "SAME"),
])
def test_conv1d_transpose_matches_reference(backend, x_shape, w_shape, output_shape, stride, padding):
    x, w = rand(*x_shape), rand(*w_shape)
    engine_fn = lambda a, b: tf.nn.conv1d_transpose(a, b, output_shape, stride, padding)  # noqa: E731

    def reference(a, b):
        shape = (output_shape[0], 1, *output_shape[1:])
        return ref_conv2d_transpose(a[:, None], b[None], shape, (1, stride), padding)[:, 0]
    check_op(engine_fn, reference, [x, w], rtol=1e-4, atol=1e-5)
    check_grad(engine_fn, reference, [x, w])


# --- second derivatives: the gradient kernels' own gradients --------------------------------
def ref_conv2d_filter_grad(x, dy, w_shape, strides, padding):
    """d/dw sum(conv2d(x, w) * dy), written out."""
    kh, kw = w_shape[:2]
    pads = ref_pads(padding, x.shape[1:3], (kh, kw), strides, (1, 1))
    xp = np.pad(x, [(0, 0), pads[0], pads[1], (0, 0)])
    dw = np.zeros(w_shape)
    for a in range(dy.shape[1]):
        for b in range(dy.shape[2]):
            for i in range(kh):
                for j in range(kw):
                    dw[i, j] += xp[:, a * strides[0] + i, b * strides[1] + j].T @ dy[:, a, b]
    return dw


@pytest.mark.parametrize("depthwise", [False, True])
def test_filter_gradient_is_differentiable(backend, depthwise):
    x, dy = rand(1, 5, 4, 2), rand(1, 3, 2, 2)
    w_shape = (3, 2, 2, 1) if depthwise else (3, 2, 2, 2)
    op = tf.nn.depthwise_conv2d if depthwise else tf.nn.conv2d
    w = tf.zeros(w_shape)

    def engine_fn(a, g):
        with tf.GradientTape() as tape:
            tape.watch(w)
            y = op(a, w, [1, 2, 2, 1], "SAME")
        return tape.gradient(y, w, output_gradients=g)

    def reference(a, g):
        if not depthwise:
            return ref_conv2d_filter_grad(a, g, w_shape, (2, 2), "SAME")
        per_channel = [ref_conv2d_filter_grad(a[..., c:c + 1], g[..., c:c + 1], (3, 2, 1, 1), (2, 2), "SAME")
                       for c in range(2)]
        return np.concatenate(per_channel, axis=2)
    check_op(engine_fn, reference, [x, dy], rtol=1e-4, atol=1e-5)
    check_grad(engine_fn, reference, [x, dy])


def test_avg_pool_gradient_is_differentiable(backend):
    x_shape, dy = (1, 5, 4, 2), rand(1, 3, 2, 2)
    x = tf.zeros(x_shape)

    def engine_fn(g):
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = tf.nn.avg_pool2d(x, 3, 2, "SAME")
        return tape.gradient(y, x, output_gradients=g)

    def reference(g):
        return ref_input_grad(lambda a: ref_avg_pool(a, (3, 3), (2, 2), "SAME"), x_shape, g)
    check_op(engine_fn, reference, [dy], rtol=1e-5, atol=1e-6)
    check_grad(engine_fn, reference, [dy])


def test_every_conv_kernel_has_a_gradient_entry(backend):
    for name in ("Conv2D", "Conv2DBackpropInput", "Conv2DBackpropFilter", "DepthwiseConv2dNative",
                 "DepthwiseConv2dNativeBackpropInput", "DepthwiseConv2dNativeBackpropFilter", "MaxPool", "MaxPoolGrad",
                 "AvgPool", "AvgPoolGrad"):
        assert has_gradient_entry(name), name


# --- pooling ------------------------------------------------------------------------------
POOL_CASES = [
    # x shape, ksize, strides, padding
    ((1, 4, 4, 2), 2, 2, "VALID"),
    ((2, 5, 5, 1), 2, 2, "SAME"),
    ((1, 7, 6, 2), 3, 2, "SAME"),
    ((1, 5, 4, 2), (3, 2), 1, "SAME"),
    ((1, 6, 7, 1), [1, 3, 3, 1], [1, 2, 1, 1], "VALID"),
    ((1, 5, 5, 2), 1, 1, "VALID"),
]


@pytest.mark.parametrize("x_shape,ksize,strides,padding", POOL_CASES)
@pytest.mark.parametrize("name,ref", [("max_pool2d", ref_max_pool), ("avg_pool2d", ref_avg_pool)])
def test_pool2d_matches_reference(backend, name, ref, x_shape, ksize, strides, padding):
    x = distinct(*x_shape)
    engine_fn = lambda a: getattr(tf.nn, name)(a, ksize, strides, padding)  # noqa: E731
    reference = lambda a: ref(a, _pair(ksize), _pair(strides), padding)  # noqa: E731
    check_op(engine_fn, reference, [x], rtol=1e-5, atol=1e-5)
    check_grad(engine_fn, reference, [x])


def test_max_pool_explicit_padding_int32_and_float16(backend):
    x = distinct(1, 5, 5, 2)
    padding = [[0, 0], [1, 0], [1, 1], [0, 0]]
    engine_fn = lambda a: tf.nn.max_pool2d(a, 2, 2, padding)  # noqa: E731
    reference = lambda a: ref_max_pool(a, (2, 2), (2, 2), padding)  # noqa: E731
    check_op(engine_fn, reference, [x])
    check_grad(engine_fn, reference, [x])
    ints = RNG.integers(-50, 50, (1, 5, 5, 2))
    check_op(lambda a: tf.nn.max_pool2d(a, 3, 2, "SAME"), lambda a: ref_max_pool(a, (3, 3), (2, 2), "SAME"),
             [ints.astype(np.int32)], check_dtype=tf.int32)
    halves = tf.nn.max_pool2d(tf.constant(x.astype(np.float16)), 2, 2, "SAME")
    assert halves.dtype == tf.float16
    np.testing.assert_allclose(halves.numpy(), ref_max_pool(x, (2, 2), (2, 2), "SAME"), rtol=1e-3)


def test_avg_pool_same_excludes_padding_from_the_count(backend):
    got = tf.nn.avg_pool2d(tf.ones([1, 3, 3, 1]), 2, 1, "SAME").numpy()
    np.testing.assert_array_equal(got, np.ones([1, 3, 3, 1]))
    x = np.arange(9.0).reshape(1, 3, 3, 1)
    np.testing.assert_allclose(tf.nn.avg_pool2d(tf.constant(x, tf.float32), 2, 2, "SAME").numpy()[0, :, :, 0],
                               [[2.0, 3.5], [6.5, 8.0]])


def test_max_pool_ties_send_the_gradient_to_the_first_maximum(backend):
    x = tf.ones([1, 2, 4, 1])
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.nn.max_pool2d(x, 2, 2, "VALID")
    grad = tape.gradient(y, x).numpy()[0, :, :, 0]
    np.testing.assert_array_equal(grad, [[1, 0, 1, 0], [0, 0, 0, 0]])


@pytest.mark.parametrize("name,ref", [("max_pool1d", ref_max_pool), ("avg_pool1d", ref_avg_pool)])
@pytest.mark.parametrize("ksize,strides,padding", [(2, 2, "VALID"), (3, 2, "SAME"), ([2], [1], "SAME")])
def test_pool1d_matches_reference(backend, name, ref, ksize, strides, padding):
    x = distinct(2, 7, 2)
    k = ksize[0] if isinstance(ksize, list) else ksize
    s = strides[0] if isinstance(strides, list) else strides
    engine_fn = lambda a: getattr(tf.nn, name)(a, ksize, strides, padding)  # noqa: E731
    reference = lambda a: ref(a[:, None], (1, k), (1, s), padding)[:, 0]  # noqa: E731
    check_op(engine_fn, reference, [x], rtol=1e-5, atol=1e-5)
    check_grad(engine_fn, reference, [x])


def test_max_pool1d_explicit_padding(backend):
    x = distinct(1, 6, 2)
    check_op(lambda a: tf.nn.max_pool1d(a, 3, 2, [[0, 0], [1, 2], [0, 0]]),
             lambda a: ref_max_pool(a[:, None], (1, 3), (1, 2), [[0, 0], [0, 0], [1, 2], [0, 0]])[:, 0], [x])


@pytest.mark.parametrize("name,ref", [("max_pool", ref_max_pool), ("avg_pool", ref_avg_pool)])
def test_generic_pools_dispatch_on_rank(backend, name, ref):
    x2, x1 = distinct(1, 4, 5, 2), distinct(1, 6, 2)
    op = getattr(tf.nn, name)
    check_op(lambda a: op(a, 2, 2, "SAME"), lambda a: ref(a, (2, 2), (2, 2), "SAME"), [x2])
    check_op(lambda a: op(a, 3, 1, "VALID"), lambda a: ref(a[:, None], (1, 3), (1, 1), "VALID")[:, 0], [x1])
    with pytest.raises(tf.errors.UnimplementedError, match="3-D"):
        op(tf.zeros([1, 2, 2, 2, 1]), 1, 1, "VALID")


def test_pool_errors(backend):
    x = tf.zeros([1, 4, 4, 2])
    with pytest.raises(tf.errors.InvalidArgumentError, match="'SAME' or 'VALID'"):
        tf.nn.avg_pool2d(x, 2, 2, [[0, 0], [1, 1], [1, 1], [0, 0]])
    with pytest.raises(tf.errors.InvalidArgumentError, match="may not exceed the window"):
        tf.nn.max_pool2d(x, 2, 2, [[0, 0], [3, 0], [0, 0], [0, 0]])
    with pytest.raises(tf.errors.InvalidArgumentError, match="padding must be"):
        tf.nn.max_pool2d(x, 2, 2, "valid")
    with pytest.raises(tf.errors.InvalidArgumentError, match="ksize"):
        tf.nn.max_pool2d(x, [1, 2, 2, 2], 2, "VALID")
    with pytest.raises(tf.errors.DTypeError, match="int32"):
        tf.nn.avg_pool2d(tf.zeros([1, 4, 4, 2], tf.int32), 2, 2, "VALID")
    with pytest.raises(tf.errors.UnimplementedError, match="NCHW"):
        tf.nn.max_pool2d(x, 2, 2, "VALID", data_format="NCHW")

"""Float64 numpy references and a finite-difference gradient check for the core, conv and pooling layer tests."""
import numpy as np

import engine as tf


def conv_nd_reference(x, kernel, strides, padding, dilation, groups=1):
    """Cross-correlation of channels-last `x` (batch, *spatial, in) with kernel (*window, in / groups, out).

    Written with explicit loops over output positions; SAME puts the odd padding after, as TF does.
    """
    x = np.asarray(x, np.float64)
    kernel = np.asarray(kernel, np.float64)
    spatial_rank = x.ndim - 2
    window = kernel.shape[:spatial_rank]
    effective = [(k - 1) * d + 1 for k, d in zip(window, dilation)]
    pads = []
    for size, eff, stride in zip(x.shape[1:-1], effective, strides):
        if padding == "same":
            out = -(-size // stride)
            total = max((out - 1) * stride + eff - size, 0)
            pads.append((total // 2, total - total // 2))
        else:
            pads.append((0, 0))
    x = np.pad(x, [(0, 0), *pads, (0, 0)])
    out_sizes = [(size - eff) // stride + 1 for size, eff, stride in zip(x.shape[1:-1], effective, strides)]
    in_per_group = kernel.shape[-2]
    out_per_group = kernel.shape[-1] // groups
    y = np.zeros((x.shape[0], *out_sizes, kernel.shape[-1]))
    for position in np.ndindex(*out_sizes):
        starts = [p * s for p, s in zip(position, strides)]
        index = tuple(slice(start, start + eff, d) for start, eff, d in zip(starts, effective, dilation))
        patch = x[(slice(None), *index, slice(None))]
        for g in range(groups):
            group_patch = patch[..., g * in_per_group:(g + 1) * in_per_group]
            group_kernel = kernel[..., g * out_per_group:(g + 1) * out_per_group]
            axes = list(range(1, spatial_rank + 2))
            y[(slice(None), *position, slice(g * out_per_group, (g + 1) * out_per_group))] = np.tensordot(
                group_patch, group_kernel, axes=(axes, list(range(spatial_rank + 1))))
    return y


def depthwise_reference(x, kernel, strides, padding, dilation):
    """Depthwise 2-D convolution: channel c with kernel[..., c, m] gives output channel c * multiplier + m."""
    channels, multiplier = kernel.shape[2], kernel.shape[3]
    outputs = [conv_nd_reference(x[..., c:c + 1], kernel[:, :, c:c + 1, :], strides, padding, dilation)
               for c in range(channels)]
    return np.concatenate(outputs, axis=-1).reshape(*outputs[0].shape[:-1], channels * multiplier)


def conv_transpose_reference(x, kernel, strides, out_size, crop=(0, 0)):
    """2-D transposed convolution of x with kernel (kh, kw, out, in) by scattering, then cropping.

    Each input pixel adds kernel[:, :, :, c] times its value at stride spacing into a full output;
    the window of out_size starting at `crop` is kept (the forward convolution's leading padding).
    """
    x = np.asarray(x, np.float64)
    kernel = np.asarray(kernel, np.float64)
    batch, height, width, _ = x.shape
    kh, kw, out_channels, _ = kernel.shape
    full = np.zeros((batch, (height - 1) * strides[0] + kh, (width - 1) * strides[1] + kw, out_channels))
    for i in range(height):
        for j in range(width):
            contribution = np.einsum("bc,hwoc->bhwo", x[:, i, j, :], kernel)
            full[:, i * strides[0]:i * strides[0] + kh, j * strides[1]:j * strides[1] + kw, :] += contribution
    full = np.pad(full, [(0, 0), (0, max(0, crop[0] + out_size[0] - full.shape[1])),
                         (0, max(0, crop[1] + out_size[1] - full.shape[2])), (0, 0)])
    return full[:, crop[0]:crop[0] + out_size[0], crop[1]:crop[1] + out_size[1], :]


def pool_reference(x, window, strides, padding, kind):
    """Max or average pooling over channels-last x; SAME excludes the padding from averages (as TF)."""
    x = np.asarray(x, np.float64)
    spatial_rank = x.ndim - 2
    pads, out_sizes = [], []
    for size, w, s in zip(x.shape[1:-1], window, strides):
        if padding == "same":
            out = -(-size // s)
            total = max((out - 1) * s + w - size, 0)
            pads.append(total // 2)
        else:
            out = (size - w) // s + 1
            pads.append(0)
        out_sizes.append(out)
    y = np.zeros((x.shape[0], *out_sizes, x.shape[-1]))
    for position in np.ndindex(*out_sizes):
        index = []
        for p, w, s, pad, size in zip(position, window, strides, pads, x.shape[1:-1]):
            start = p * s - pad
            index.append(slice(max(start, 0), min(start + w, size)))
        patch = x[(slice(None), *index, slice(None))]
        axes = tuple(range(1, spatial_rank + 1))
        y[(slice(None), *position, slice(None))] = patch.max(axis=axes) if kind == "max" else patch.mean(axis=axes)
    return y


def finite_difference_check(layer, x, rtol=2e-2, atol=2e-3, epsilon=1e-2, seed=0):
    """Compare the tape's gradients of sum(w * layer(x)) for every trainable weight with central differences.

    The random weighting `w` makes every output element matter. Differences are taken in float64 around
    the float32 weights, so the tolerance covers float32 rounding of the layer's forward pass.
    """
    rng = np.random.default_rng(seed)
    y = layer(x)
    weighting = rng.standard_normal(tuple(y.shape)).astype(np.float32)
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(layer(x) * weighting)
    grads = tape.gradient(loss, layer.trainable_weights)
    assert len(grads) == len(layer.trainable_weights) > 0
    for variable, grad in zip(layer.trainable_weights, grads):
        assert grad is not None, f"no gradient for {variable.name}"
        original = variable.numpy()
        numeric = np.zeros(original.shape)
        for index in np.ndindex(*original.shape):
            values = []
            for sign in (1, -1):
                bumped = original.copy()
                bumped[index] += sign * epsilon
                variable.assign(bumped)
                values.append(float(np.sum(layer(x).numpy().astype(np.float64) * weighting)))
            numeric[index] = (values[0] - values[1]) / (2 * epsilon)
        variable.assign(original)
        np.testing.assert_allclose(grad.numpy(), numeric, rtol=rtol, atol=atol, err_msg=variable.name)

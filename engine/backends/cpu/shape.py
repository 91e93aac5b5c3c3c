"""Shape kernels."""
import numpy as np

from .kernel import cpu_kernel


@cpu_kernel("Reshape")
def reshape(x, shape):
    return x.reshape(shape)


@cpu_kernel("BroadcastTo")
def broadcast_to(x, shape):
    return np.array(np.broadcast_to(x, shape), order="C")


@cpu_kernel("Transpose")
def transpose(x, perm):
    return np.transpose(x, perm)


@cpu_kernel("Concat")
def concat(*values, axis):
    return np.concatenate(values, axis=axis)


@cpu_kernel("Split")
def split(x, axis, sizes):
    return tuple(np.split(x, np.cumsum(sizes[:-1]), axis=axis))


@cpu_kernel("Tile")
def tile(x, multiples):
    return np.tile(x, multiples)


@cpu_kernel("Pad")
def pad(x, constant_value, paddings):
    padded = np.full([before + n + after for (before, after), n in zip(paddings, x.shape)], constant_value, x.dtype)
    padded[tuple(slice(before, before + n) for (before, _), n in zip(paddings, x.shape))] = x
    return padded


@cpu_kernel("MirrorPad")
def mirror_pad(x, paddings, mode):
    return np.pad(x, paddings, mode=mode.lower())


@cpu_kernel("MirrorPadGrad")
def mirror_pad_grad(dy, paddings, mode):
    """Sum each mirrored border element into the interior element it copied, one axis at a time."""
    edge = 1 if mode == "REFLECT" else 0
    grad = dy
    for axis, (before, after) in enumerate(paddings):
        length = grad.shape[axis] - before - after
        moved = np.moveaxis(grad, axis, 0)
        folded = moved[before:before + length].copy()
        if before:
            folded[edge:edge + before] += moved[before - 1::-1]
        if after:
            folded[length - edge - after:length - edge] += moved[before + length:][::-1]
        grad = np.moveaxis(folded, 0, axis)
    return np.ascontiguousarray(grad)


@cpu_kernel("Reverse")
def reverse(x, axes):
    return np.flip(x, axes)

"""Gradients of the shape kernels."""
import numpy as np

from ..ops.indexing import slice_
from ..ops.reduction import reduce_sum
from ..ops.shape import concat, mirror_pad_grad, pad, reshape, reverse, split, transpose
from .core import unbroadcast
from .registry import register_gradient


@register_gradient("Reshape")
def _reshape_grad(op, dy):
    return reshape(dy, op.inputs[0].shape)


@register_gradient("BroadcastTo")
def _broadcast_to_grad(op, dy):
    return unbroadcast(dy, op.inputs[0].shape)


@register_gradient("Transpose")
def _transpose_grad(op, dy):
    return transpose(dy, tuple(int(p) for p in np.argsort(op.attrs["perm"])))


@register_gradient("Concat")
def _concat_grad(op, dy):
    axis = op.attrs["axis"]
    return split(dy, [t.shape[axis] for t in op.inputs], axis)


@register_gradient("Split")
def _split_grad(op, *dys):
    return concat(list(dys), op.attrs["axis"])


@register_gradient("Tile")
def _tile_grad(op, dy):
    # Tile lays copies out as [m0, d0, m1, d1, ...]; summing the copy axes folds them back.
    shape = op.inputs[0].shape
    interleaved = [n for pair in zip(op.attrs["multiples"], shape) for n in pair]
    return reduce_sum(reshape(dy, interleaved), axis=list(range(0, 2 * len(shape), 2)))


@register_gradient("Pad")
def _pad_grad(op, dy):
    x = op.inputs[0]
    return slice_(dy, [before for before, _ in op.attrs["paddings"]], x.shape), None


@register_gradient("MirrorPad")
def _mirror_pad_grad(op, dy):
    return mirror_pad_grad(dy, op.attrs["paddings"], op.attrs["mode"])


@register_gradient("MirrorPadGrad")
def _mirror_pad_grad_grad(op, ddy):
    return pad(ddy, op.attrs["paddings"], op.attrs["mode"])


@register_gradient("Reverse")
def _reverse_grad(op, dy):
    return reverse(dy, op.attrs["axes"])

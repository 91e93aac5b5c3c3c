"""Shape kernels: copies of x through an index map, mostly one strided view (gl_kernels/shape_*.glsl)."""
import math

from ..kernel import gl_kernel
from ..program import ProgramSpec, strides_of
from .core import alias

MAX_PROGRAM_INPUTS = 8     # the input names a program has (x, y, z, w, u, v, p, q)


def int_array(values):
    """A GLSL int array constructor (for a define): shapes and steps are compile-time."""
    return f"int[{len(values)}]({', '.join(str(int(v)) for v in values)})"


def strided_view(backend, x, shape, steps, offset=0):
    """The tensor of `shape` whose element at coordinate c is x's flat element offset + sum(c * steps).

    Size-1 axes are dropped and axes that walk x contiguously merged, so most views need a rank-1 or
    rank-2 program (and share it); a view that is x itself in order aliases x's buffer.
    """
    axes = []
    for size, step in zip(shape, steps):
        if size == 1:
            continue
        if axes and axes[-1][1] == step * size:
            axes[-1] = (axes[-1][0] * size, step)
        else:
            axes.append((size, step))
    axes = axes or [(1, 0)]
    if len(axes) == 1 and axes[0] == (x.shape.num_elements(), 1) and offset == 0:
        return alias(x, shape)
    view = backend.program(ProgramSpec([x], [size for size, _ in axes], x.dtype, ("shape_affine.glsl",),
                                       {"STEPS": int_array([step for _, step in axes])},
                                       {"offset": ("int", offset)}))
    return alias(view, shape)


_CONTIGUOUS = (("STEPS", int_array([1])),)


def contiguous_offset(spec):
    """The element offset in its input of a view program that copies one contiguous run of it (a slice along
    the first axis), else None: a replay may bind that run of the input instead of copying it."""
    if spec.libraries == ("shape_affine.glsl",) and spec.defines == _CONTIGUOUS:
        return spec.uniforms["offset"][1]
    return None


@gl_kernel("Reshape")
def reshape(backend, x, shape):
    return alias(x, shape)


@gl_kernel("BroadcastTo")
def broadcast_to(backend, x, shape):
    return backend.program(ProgramSpec([x], shape, x.dtype, ("copy.glsl",)))


@gl_kernel("Transpose")
def transpose(backend, x, perm):
    strides = strides_of(x.shape)
    return strided_view(backend, x, [x.shape[p] for p in perm], [strides[p] for p in perm])


@gl_kernel("Reverse")
def reverse(backend, x, axes):
    strides = strides_of(x.shape)
    steps = [-s if axis in axes else s for axis, s in enumerate(strides)]
    offset = sum((n - 1) * s for axis, (n, s) in enumerate(zip(x.shape, strides)) if axis in axes and n)
    return strided_view(backend, x, x.shape, steps, offset)


@gl_kernel("Split")
def split(backend, x, axis, sizes):
    strides = strides_of(x.shape)
    pieces, start = [], 0
    for size in sizes:
        shape = (*x.shape[:axis], size, *x.shape[axis + 1:])
        pieces.append(strided_view(backend, x, shape, strides, start * strides[axis]))
        start += size
    return tuple(pieces)


def _join_rows(backend, parts, outer):
    """Concatenate 2-D tensors [outer, row_k] along their rows, at most MAX_PROGRAM_INPUTS per program."""
    if len(parts) == 1:
        return parts[0]
    if len(parts) > MAX_PROGRAM_INPUTS:
        groups = range(0, len(parts), MAX_PROGRAM_INPUTS)
        return _join_rows(backend, [_join_rows(backend, parts[k:k + MAX_PROGRAM_INPUTS], outer) for k in groups],
                          outer)
    rows = sum(part.shape[1] for part in parts)
    return backend.program(ProgramSpec(parts, (outer, rows), parts[0].dtype, ("shape_concat.glsl",),
                                       {"PARTS": len(parts)}))


@gl_kernel("Concat")
def concat(backend, *values, axis):
    shape = (*values[0].shape[:axis], sum(v.shape[axis] for v in values), *values[0].shape[axis + 1:])
    outer = math.prod(shape[:axis])
    parts = [alias(v, (outer, v.shape.num_elements() // outer)) for v in values if v.shape.num_elements()]
    if not parts:
        return backend.program(ProgramSpec([], shape, values[0].dtype))
    return alias(_join_rows(backend, parts, outer), shape)


@gl_kernel("Tile")
def tile(backend, x, multiples):
    shape = tuple(n * m for n, m in zip(x.shape, multiples))
    return backend.program(ProgramSpec([x], shape, x.dtype, ("shape_tile.glsl",)))


def _padded(backend, inputs, paddings, defines):
    x = inputs[0]
    if not any(before or after for before, after in paddings):
        return alias(x, x.shape)
    shape = tuple(before + n + after for (before, after), n in zip(paddings, x.shape))
    return backend.program(ProgramSpec(inputs, shape, x.dtype, ("shape_pad.glsl",),
                                       {"PAD_BEFORE": int_array([before for before, _ in paddings]), **defines}))


@gl_kernel("Pad")
def pad(backend, x, constant_value, paddings):
    return _padded(backend, [x, constant_value], paddings, {})


@gl_kernel("MirrorPad")
def mirror_pad(backend, x, paddings, mode):
    return _padded(backend, [x], paddings, {"MIRROR_EDGE": 1 if mode == "REFLECT" else 0})


@gl_kernel("MirrorPadGrad")
def mirror_pad_grad(backend, dy, paddings, mode):
    """Fold the mirrored borders back onto the interior, one padded axis per pass (as the cpu kernel does)."""
    grad = dy
    for axis, (before, after) in enumerate(paddings):
        if not before and not after:
            continue
        length = grad.shape[axis] - before - after
        shape = (*grad.shape[:axis], length, *grad.shape[axis + 1:])
        grad = backend.program(ProgramSpec([grad], shape, grad.dtype, ("shape_mirror_pad_grad.glsl",), {
            "BEFORE": before, "AFTER": after, "LENGTH": length, "INNER": math.prod(grad.shape[axis + 1:]),
            "MIRROR_EDGE": 1 if mode == "REFLECT" else 0}))
    return alias(dy, dy.shape) if grad is dy else grad

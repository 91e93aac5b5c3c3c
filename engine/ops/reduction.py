"""Reductions over axes (with keepdims), arg-reductions, scans and statistics."""
from .._export import tf_export
from ..errors import InvalidArgumentError
from ..runtime import run_kernel
from .convert import convert_to_tensor


def normalize_axes(axis, rank, op_name):
    """`axis` (None, int or list, negatives allowed) as a sorted tuple of distinct non-negative axes."""
    if axis is None:
        return tuple(range(rank))
    if hasattr(axis, "numpy"):
        axis = axis.numpy().tolist()
    axes = [axis] if isinstance(axis, int) else [int(a) for a in axis]
    result = set()
    for a in axes:
        if not -rank <= a < max(rank, 1):
            raise InvalidArgumentError(f"{op_name}: axis {a} is out of range for a tensor of rank {rank}")
        result.add(a % rank if rank else 0)
    return tuple(sorted(result))


@tf_export("reduce_sum", "math.reduce_sum")
def reduce_sum(input_tensor, axis=None, keepdims=False, name=None):
    x = convert_to_tensor(input_tensor)
    axes = normalize_axes(axis, x.ndim, "reduce_sum")
    if x.dtype.is_bool:
        raise InvalidArgumentError("reduce_sum: bool tensors are not summable; cast them first")
    return run_kernel("Sum", [x], {"axes": axes, "keepdims": bool(keepdims)})

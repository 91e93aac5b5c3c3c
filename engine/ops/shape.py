"""Shape manipulation: reshape, transpose, concat, stack, split, tile, pad, broadcast_to..."""
import math

from .._export import tf_export
from ..errors import InvalidArgumentError
from ..runtime import run_kernel
from .convert import broadcast_shapes, convert_to_tensor


def _as_int_list(value, op_name, what):
    if hasattr(value, "numpy"):
        value = value.numpy().tolist()
    try:
        return [int(v) for v in value]
    except (TypeError, ValueError):
        raise InvalidArgumentError(f"{op_name}: {what} must be a list of integers, got {value!r}") from None


@tf_export("reshape")
def reshape(tensor, shape, name=None):
    x = convert_to_tensor(tensor)
    shape = _as_int_list(shape, "reshape", "shape")
    unknown = [i for i, d in enumerate(shape) if d == -1]
    if len(unknown) > 1 or any(d < -1 for d in shape):
        raise InvalidArgumentError(f"reshape: invalid target shape {shape}")
    size = x.shape.num_elements()
    if unknown:
        known = math.prod(d for d in shape if d != -1)
        if known == 0 or size % known:
            raise InvalidArgumentError(f"reshape: cannot reshape {list(x.shape)} ({size} elements) into {shape}")
        shape[unknown[0]] = size // known
    if math.prod(shape) != size:
        raise InvalidArgumentError(f"reshape: cannot reshape {list(x.shape)} ({size} elements) into {shape}")
    return run_kernel("Reshape", [x], {"shape": tuple(shape)})


@tf_export("broadcast_to")
def broadcast_to(input, shape, name=None):
    x = convert_to_tensor(input)
    shape = tuple(_as_int_list(shape, "broadcast_to", "shape"))
    if broadcast_shapes(x.shape, shape, "broadcast_to") != shape:
        raise InvalidArgumentError(f"broadcast_to: cannot broadcast {list(x.shape)} to {list(shape)}")
    return run_kernel("BroadcastTo", [x], {"shape": shape})


@tf_export("identity")
def identity(input, name=None):
    return run_kernel("Identity", [convert_to_tensor(input)])

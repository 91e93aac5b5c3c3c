"""Gradients of the reduction kernels."""
from ..ops.binary import add, divide, equal, multiply, subtract
from ..ops.creation import range as range_, zeros_like
from ..ops.indexing import scatter_nd
from ..ops.reduction import cumprod, cumsum, reduce_prod, reduce_sum, reduction_count
from ..ops.shape import broadcast_to, reshape
from ..ops.unary import cast, conj, exp
from .registry import not_differentiable, register_gradient

not_differentiable("Any", "All", "ArgMax", "ArgMin")


def expand_reduced(dy, op):
    """Reshape the gradient of a reduction to the input's rank (size 1 on reduced axes)."""
    x = op.inputs[0]
    if op.attrs["keepdims"]:
        return dy
    kept = [1 if i in op.attrs["axes"] else d for i, d in enumerate(x.shape)]
    return reshape(dy, kept)


def spread_reduced(dy, op):
    """The gradient of a reduction broadcast back over the input's shape."""
    grad = expand_reduced(dy, op)
    shape = op.inputs[0].shape
    return grad if grad.shape == shape else broadcast_to(grad, shape)


@register_gradient("Sum")
def _sum_grad(op, dy):
    return spread_reduced(dy, op)


@register_gradient("Mean")
def _mean_grad(op, dy):
    # An empty input has an empty gradient; max() only avoids dividing by zero to get there.
    scale = 1.0 / max(reduction_count(op.inputs[0], op.attrs["axes"]), 1)
    return multiply(spread_reduced(dy, op), scale)


@register_gradient("Prod")
def _prod_grad(op, dy):
    # The product of all other elements of a group, without dividing by the element (zeros are fine):
    # split the group by the first reduced axis where another element differs from this one; along
    # that axis the exclusive forward and reverse cumprods of the partial products over later axes
    # cover exactly those elements.
    x = op.inputs[0]
    axes = op.attrs["axes"]
    grad = spread_reduced(dy, op)
    for position, axis in enumerate(axes):
        later = axes[position + 1:]
        partial = reduce_prod(x, axis=later, keepdims=True) if later else x
        others = multiply(cumprod(partial, axis, exclusive=True), cumprod(partial, axis, exclusive=True, reverse=True))
        grad = multiply(grad, conj(others))
    return grad


@register_gradient("Cumsum")
def _cumsum_grad(op, dy):
    attrs = op.attrs
    return cumsum(dy, attrs["axis"], exclusive=attrs["exclusive"], reverse=not attrs["reverse"])


@register_gradient("Max")
@register_gradient("Min")
def _extremum_grad(op, dy):
    # As in TF, the gradient is shared evenly between all elements equal to the extremum.
    x = op.inputs[0]
    chosen = cast(equal(x, expand_reduced(op.outputs[0], op)), x.dtype)
    share = divide(chosen, reduce_sum(chosen, axis=op.attrs["axes"], keepdims=True))
    return multiply(share, expand_reduced(dy, op))


@register_gradient("LogSumExp")
def _log_sum_exp_grad(op, dy):
    x = op.inputs[0]
    return multiply(exp(subtract(x, expand_reduced(op.outputs[0], op))), expand_reduced(dy, op))


@register_gradient("Cumprod")
def _cumprod_grad(op, dy):
    # TF's formula: it divides by x, so (as in TF) an input holding zeros gets a non-finite gradient.
    attrs = op.attrs
    x = op.inputs[0]
    summed = cumsum(multiply(conj(op.outputs[0]), dy), attrs["axis"], exclusive=attrs["exclusive"],
                    reverse=not attrs["reverse"])
    return divide(summed, conj(x))


@register_gradient("TopKV2")
def _top_k_grad(op, dvalues, dindices):
    x = op.inputs[0]
    depth, k = x.shape[-1], op.attrs["k"]
    rows = x.shape.num_elements() // depth if depth else 0
    if rows == 0 or k == 0:
        return zeros_like(x)
    row_starts = reshape(range_(0, rows * depth, depth), [rows, 1])
    flat_indices = add(reshape(op.outputs[1], [rows, k]), row_starts)
    grad = scatter_nd(reshape(flat_indices, [rows * k, 1]), reshape(dvalues, [rows * k]), [rows * depth])
    return reshape(grad, x.shape)

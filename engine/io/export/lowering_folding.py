"""Folding per-channel multiply-adds into the convolution or Dense before them (BatchNormalization's inference form).

BatchNormalization lowers to `x * scale + shift` with one scale and shift per channel (the last
axis). When the tensor it reads comes straight from a conv2d, depthwise_conv2d or dense node with
constant weights, and that node's output goes nowhere else, the multiply scales the kernel's
output channels and the add joins the bias: the pair disappears. The same rule folds any
per-channel constant multiply or add there (a Rescaling after a Dense, the log-mel's scale).
"""
import numpy as np

__all__ = ["fold_affine"]

_LINEAR_OPS = ("conv2d", "depthwise_conv2d", "dense")


def _per_channel(array, channels, rank):
    """`array` as a [channels] vector when it broadcasts along the last axis only (scalars included), else None."""
    if array.ndim > rank or any(size != 1 for size in array.shape[:-1]):
        return None
    if array.ndim and array.shape[-1] not in (1, channels):
        return None
    return np.broadcast_to(array.reshape(-1), (channels,)).astype(np.float64)


def _folding_partner(graph, node, outputs):
    """(the mul/add node that alone reads `node`'s output, its per-channel constant) or None."""
    tensor = node.outputs[0]
    if tensor in outputs:
        return None
    consumers = graph.consumers(tensor)
    if len(consumers) != 1 or consumers[0].op not in ("mul", "add"):
        return None
    partner = consumers[0]
    others = [name for name in partner.inputs if name != tensor]
    if len(others) != 1 or others[0] not in graph.constants:
        return None
    if partner.attrs.get("keep_float", False) != node.attrs.get("keep_float", False):
        return None
    shape = graph.tensors[tensor].shape
    vector = _per_channel(graph.constants[others[0]], shape[-1], len(shape))
    return None if vector is None else (partner, vector)


def _scaled_kernel(op, kernel, scale):
    if op == "depthwise_conv2d":
        # Output channel c * multiplier + m is input channel c's m-th filter: kernel[..., c, m].
        return kernel * scale.reshape(kernel.shape[-2:])
    return kernel * scale


def fold_affine(graph):
    """Fold every foldable per-channel mul/add into the linear node before it (module docstring), in place."""
    outputs = {info.name for info in graph.outputs}
    for node in list(graph.nodes):
        if node.op not in _LINEAR_OPS or node.inputs[1] not in graph.constants:
            continue
        if len(node.inputs) > 2 and node.inputs[2] not in graph.constants:
            continue
        kernel = graph.constants[node.inputs[1]].astype(np.float64)
        channels = graph.tensors[node.outputs[0]].shape[-1]
        bias = graph.constants[node.inputs[2]].astype(np.float64) if len(node.inputs) > 2 else np.zeros(channels)
        folded = False
        while (found := _folding_partner(graph, node, outputs)) is not None:
            partner, vector = found
            if partner.op == "mul":
                kernel, bias = _scaled_kernel(node.op, kernel, vector), bias * vector
            else:
                bias = bias + vector
            # The linear node now computes the partner's output, under the partner's name.
            del graph.tensors[node.outputs[0]]
            node.outputs = partner.outputs
            graph.nodes.remove(partner)
            folded = True
        if folded:
            node.inputs = (node.inputs[0], graph.add_constant(f"{node.layer}/folded_kernel", kernel),
                           graph.add_constant(f"{node.layer}/folded_bias", bias))

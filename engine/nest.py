"""Flatten and rebuild nested lists, tuples and dicts of tensors (TF's tf.nest, the part we need)."""


def flatten(structure):
    if isinstance(structure, dict):
        return [leaf for key in sorted(structure) for leaf in flatten(structure[key])]
    if isinstance(structure, (list, tuple)):
        return [leaf for item in structure for leaf in flatten(item)]
    return [structure]


def pack_sequence_as(structure, flat):
    return _build(structure, iter(flat))


# A module-level function, not a recursive closure: the closure's cell would make a reference
# cycle holding the leaves, and tensors in a cycle wait for the garbage collector to free their memory.
def _build(node, leaves):
    if isinstance(node, dict):
        return {key: _build(node[key], leaves) for key in sorted(node)}
    if isinstance(node, (list, tuple)):
        items = [_build(item, leaves) for item in node]
        return type(node)(*items) if hasattr(node, "_fields") else type(node)(items)
    return next(leaves)

"""Where each variable of a model lives in each file format.

Keras 3 (`.keras`, `.weights.h5`, TF.js converted from `.keras`): a tree of groups found by
walking the model as Keras's saver does: a layer's own variables under `<path>/vars/<i>`
(trainable first, then non-trainable, in creation order), a model's layers under
`<path>/layers/<snake_case class name>[_<n>]` (numbered per class, not by layer name),
other sublayers under the attribute that holds them (`cell`, `forward_layer`, ...).

Keras 2 (legacy `.h5`, TF.js): one entry per top-level layer, whose variables are named
`<owner layer>/<variable>` where the owner chain runs through sublayers (LSTM ->
`lstm/lstm_cell/kernel`) but not through nested models (a Dense inside a nested Sequential
is just `dense_3/kernel`, as tf_keras names it), with Keras 2's names for the variables
Keras 3 renamed (DepthwiseConv2D's `kernel` was `depthwise_kernel`).
"""
from ..keras.layer import Layer, to_snake_case

__all__ = ["keras3_weight_groups", "keras2_layer_weights", "legacy_weight_order"]

_BASE_ATTRIBUTES = None
# Keras 3 renamed a few variables; Keras 2 files (and TF.js) use the old names.
_KERAS2_VARIABLE_NAMES = {("DepthwiseConv1D", "kernel"): "depthwise_kernel",
                          ("DepthwiseConv2D", "kernel"): "depthwise_kernel"}


def _base_attributes():
    """Attributes every Layer has: never sublayers of interest (Keras skips those of a bare Layer too)."""
    global _BASE_ATTRIBUTES
    if _BASE_ATTRIBUTES is None:
        _BASE_ATTRIBUTES = frozenset(vars(Layer(name="_weight_names_probe"))) | frozenset(dir(Layer))
    return _BASE_ATTRIBUTES


def _model_kind(layer):
    from ..keras.models import Model
    if not isinstance(layer, Model):
        return None
    names = {cls.__name__ for cls in type(layer).__mro__}
    if "Sequential" in names:
        return "Sequential"
    if "Functional" in names:
        return "Functional"
    return "Model"


def _model_layers(model, kind):
    from ..keras.layers import InputLayer
    layers = list(model.layers)
    if kind == "Sequential":
        # Keras 3's Sequential.layers leaves its InputLayer out; its weight files follow.
        layers = [layer for layer in layers if not isinstance(layer, InputLayer)]
    return layers


def _holds_layers(value):
    if isinstance(value, Layer):
        return True
    if isinstance(value, dict):
        value = list(value.values())
    return isinstance(value, (list, tuple)) and any(_holds_layers(item) for item in value)


def _children(layer):
    """(attribute, value) pairs to walk below `layer`, in Keras's order: public names sorted, then private."""
    kind = _model_kind(layer)
    children = []
    if kind in ("Sequential", "Functional"):
        children.append(("layers", _model_layers(layer, kind)))
    attributes = {name: value for name, value in vars(layer).items()
                  if name not in _base_attributes() and _holds_layers(value)}
    if kind in ("Sequential", "Functional"):
        attributes = {name: value for name, value in attributes.items() if not name.startswith("_")}
    elif kind == "Model":
        attributes["layers"] = layer.layers
    for name in sorted(attributes, key=lambda n: "~" + n if n.startswith("_") else n):
        children.append((name, attributes[name]))
    return children


def keras3_weight_groups(model):
    """[(path, layer, own variables)] for every layer reached from `model`, in Keras 3's walk order.

    Paths are relative to the file root: "" for the model itself, "layers/dense_1", ...;
    the variables go under `<path>/vars`.
    """
    groups = []
    visited = set()

    def join(path, name):
        return f"{path}/{name}" if path else name

    def walk(layer, path):
        if id(layer) in visited:
            return
        visited.add(id(layer))
        groups.append((path, layer, list(layer._own_variables())))
        for attribute, value in _children(layer):
            if isinstance(value, Layer):
                walk(value, join(path, attribute))
            else:
                walk_container(value, join(path, attribute), set())

    def walk_container(container, path, seen_containers):
        if id(container) in seen_containers:
            return
        seen_containers.add(id(container))
        used = {}
        for item in (container.values() if isinstance(container, dict) else container):
            if isinstance(item, Layer):
                walk(item, join(path, _unique(to_snake_case(type(item).__name__), used)))
            elif isinstance(item, (list, tuple, dict)):
                walk_container(item, join(path, _unique("container", used)), seen_containers)

    walk(model, "")
    return groups


def _unique(name, used):
    if name in used:
        used[name] += 1
        return f"{name}_{used[name]}"
    used[name] = 0
    return name


def legacy_weight_order(layer):
    """A layer's variables in the order legacy `.h5` files list them: trainable first, then the rest."""
    return list(layer.trainable_weights) + list(layer.non_trainable_weights)


def keras2_layer_weights(model):
    """[(top-level layer, [(Keras 2 weight name, variable), ...])] with each layer's variables in legacy order."""
    result = []
    for layer in model.layers:
        names = {}

        def visit(owner, prefix):
            own_prefix = prefix if _model_kind(owner) is not None else f"{prefix}{owner.name}/"
            for variable in owner._own_variables():
                name = _KERAS2_VARIABLE_NAMES.get((type(owner).__name__, variable.name), variable.name)
                names.setdefault(id(variable), f"{own_prefix}{name}")
            for child in owner._layers:
                visit(child, own_prefix)

        visit(layer, "")
        result.append((layer, [(names[id(v)], v) for v in legacy_weight_order(layer)]))
    return result

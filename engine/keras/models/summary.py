"""`Model.summary()`: Keras 3's table of layers (name and type, output shape, parameters) and the totals."""
import numpy as np

from ...dtypes import as_dtype

__all__ = []


def readable_memory_size(size):
    """Bytes as Keras prints them: "60.00 B", "1.50 KB", ... (powers of 1024)."""
    for unit in ("B", "KB", "MB", "GB", "TB"):
        if size / 1024 < 1:
            return f"{size:.2f} {unit}"
        size /= 1024
    return f"{size:.2f} PB"


def _count(variables):
    return int(sum(np.prod(v.shape, dtype=np.int64) for v in variables))


def _memory(variables):
    return sum(int(np.prod(v.shape, dtype=np.int64)) * np.dtype(as_dtype(v.dtype).name).itemsize
               for v in variables)


def _unique(variables):
    seen, result = set(), []
    for variable in variables:
        if id(variable) not in seen:
            seen.add(id(variable))
            result.append(variable)
    return result


def _graph_nodes(model, layer):
    node_ids = getattr(model, "_node_ids", None)
    if node_ids is None:
        return list(layer._inbound_nodes)
    return [node for node in layer._inbound_nodes if id(node) in node_ids]


def _format_shape(shape):
    return "(" + ", ".join("None" if d is None else str(d) for d in shape) + ("," if len(shape) == 1 else "") + ")"


def _output_shape_text(model, layer):
    nodes = _graph_nodes(model, layer)
    if not nodes:
        return "?"
    shapes = {_format_shape(t.shape) for node in nodes for t in node.outputs}
    if len(shapes) != 1:
        return "multiple"
    outputs = nodes[0].outputs
    if len(outputs) > 1:
        return "[" + ", ".join(_format_shape(t.shape) for t in outputs) + "]"
    return shapes.pop()


def _connections(model, layer):
    lines = []
    for node in _graph_nodes(model, layer):
        for tensor in node.input_tensors:
            history = tensor._keras_history
            lines.append(f"{history.operation.name}[{history.node_index}][{history.tensor_index}]")
    return lines or ["-"]


def _is_sequential_like(model):
    from .sequential import Sequential
    if isinstance(model, Sequential):
        return True
    node_ids = getattr(model, "_node_ids", None)
    if node_ids is None:
        return True
    if len(model.inputs) != 1 or len(model.outputs) != 1:
        return False
    for layer in model.layers:
        nodes = _graph_nodes(model, layer)
        if len(nodes) > 1 or any(len(node.input_tensors) > 1 for node in nodes):
            return False
    return True


def _row_cells(model, layer, sequential_like, show_trainable):
    params = f"{layer.count_params():,}" if layer.built else "0 (unbuilt)"
    cells = [[f"{layer.name} ({type(layer).__name__})"], [_output_shape_text(model, layer)], [params]]
    if not sequential_like:
        cells.append(_connections(model, layer))
    if show_trainable:
        cells.append(["Y" if layer.trainable else "N"])
    return cells


def _layers_for_summary(model, layer_range):
    layers = model.layers
    if layer_range is None:
        return layers
    names = [layer.name for layer in layers]
    start, end = layer_range
    return layers[names.index(start):names.index(end) + 1]


def print_summary(model, line_length=None, positions=None, print_fn=None, expand_nested=False,
                  show_trainable=False, layer_range=None):
    """Print (or hand to `print_fn`, line by line) the summary table of `model`."""
    from .sequential import Sequential
    graph_model = model._functional if isinstance(model, Sequential) and model._functional is not None else model
    sequential_like = _is_sequential_like(model)
    headers = ["Layer (type)", "Output Shape", "Param #"]
    if not sequential_like:
        headers.append("Connected to")
    if show_trainable:
        headers.append("Trainable")
    line_length = line_length or (84 if sequential_like else 110)
    positions = positions or ([0.45, 0.84, 1.0] if sequential_like else [0.3, 0.6, 0.7, 1.0])
    if positions[-1] <= 1:
        positions = [int(line_length * p) for p in positions]
    widths = [positions[0]] + [b - a for a, b in zip(positions, positions[1:])]
    if show_trainable:
        widths.append(11)
    widths = [max(w - 3, 4) for w in widths]

    rows = []

    def add_rows(current, prefix):
        for layer in _layers_for_summary(current, layer_range if current is model else None):
            cells = _row_cells(graph_model if current is model else current, layer, sequential_like, show_trainable)
            if prefix:
                cells[0] = [prefix + cells[0][0]]
            rows.append(cells)
            if expand_nested and hasattr(layer, "layers") and layer is not current:
                add_rows(layer, prefix + " ")

    add_rows(model, "")
    for cells in rows + [[[h] for h in headers]]:
        for index, lines in enumerate(cells):
            widths[index] = max(widths[index], *(len(line) for line in lines))

    def border(left, fill, middle, right):
        return left + middle.join(fill * (w + 2) for w in widths) + right

    def line(values, separator, right_aligned=(2,)):
        parts = []
        for index, (value, width) in enumerate(zip(values, widths)):
            parts.append(" " + (value.rjust(width) if index in right_aligned else value.ljust(width)) + " ")
        return separator + separator.join(parts) + separator

    print_fn = print_fn or print
    output = [f'Model: "{model.name}"', border("┏", "━", "┳", "┓"), line(headers, "┃", ()),
              border("┡", "━", "╇", "┩")]
    for index, cells in enumerate(rows):
        for line_index in range(max(len(c) for c in cells)):
            output.append(line([c[line_index] if line_index < len(c) else "" for c in cells], "│"))
        if index < len(rows) - 1:
            output.append(border("├", "─", "┼", "┤"))
    output.append(border("└", "─", "┴", "┘"))
    weights = _unique(model.weights)
    trainable = _unique(model.trainable_weights)
    trainable_ids = {id(v) for v in trainable}
    non_trainable = [v for v in weights if id(v) not in trainable_ids]
    output.append(f" Total params: {_count(weights):,} ({readable_memory_size(_memory(weights))})")
    output.append(f" Trainable params: {_count(trainable):,} ({readable_memory_size(_memory(trainable))})")
    output.append(f" Non-trainable params: {_count(non_trainable):,} "
                  f"({readable_memory_size(_memory(non_trainable))})")
    optimizer = getattr(model, "optimizer", None)
    optimizer_variables = getattr(optimizer, "variables", None) if optimizer is not None else None
    if optimizer_variables and getattr(optimizer, "built", False):
        output.append(f" Optimizer params: {_count(optimizer_variables):,} "
                      f"({readable_memory_size(_memory(optimizer_variables))})")
    for text in output:
        print_fn(text)


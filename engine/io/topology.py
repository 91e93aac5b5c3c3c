"""Model configs in Keras 2 style (tf_keras, TF.js, legacy .h5) and Keras 3 style, each turned into the other.

Keras 2 style: InputLayer has `batch_input_shape`, `dtype` is a plain name, and a functional
layer's `inbound_nodes` are nested lists `[[[layer, node_index, tensor_index, kwargs], ...]]`.
Keras 3 style: `batch_shape`, `dtype` as a DTypePolicy dict, and `inbound_nodes` as
`[{"args": [...], "kwargs": {...}}]` with `__keras_tensor__` dicts naming `keras_history`.

Both translations work on a deep copy, one layer at a time, so a config that mixes the two
styles (tf_keras 2.13+ writes Keras-3-like initializer dicts inside Keras 2 layers) comes out
consistent. `to_keras3` leaves Keras 2 inbound nodes as they are: the functional model reads
both forms, and only it knows the node numbering of nested models (in Keras 2 a nested model's
node 0 is its own construction, so calls on it count from 1). `to_keras2` writes that numbering;
`_keras2_node_offsets` says where it differs from Keras 3's.
TF.js 4.22 loads only Keras 2 style, hence `to_keras2` for what we write.
"""
import copy

from ..errors import ModelFormatError

__all__ = ["to_keras3", "to_keras2", "MODEL_CLASSES", "KERAS2_VERSION"]

MODEL_CLASSES = ("Sequential", "Functional", "Model")
# The tf_keras release whose file layout we write for Keras 2 readers (legacy .h5, TF.js).
KERAS2_VERSION = "2.19.0"

# Older tf.keras wrote versioned class names for the same layers.
_CLASS_ALIASES = {"BatchNormalizationV1": "BatchNormalization", "BatchNormalizationV2": "BatchNormalization",
                  "UnifiedGRU": "GRU", "UnifiedLSTM": "LSTM", "Model": "Functional",
                  "GRUV2": "GRU", "LSTMV2": "LSTM"}
# Keys that one Keras writes and the other's constructor rejects, by class (value: the key's
# Keras 3 default, which is the only value that may be dropped without changing the model).
_KERAS2_ONLY = {
    "SeparableConv1D": ("kernel_initializer", "kernel_regularizer", "kernel_constraint", "groups"),
    "SeparableConv2D": ("kernel_initializer", "kernel_regularizer", "kernel_constraint", "groups"),
    "DepthwiseConv1D": ("groups",),
    "DepthwiseConv2D": ("groups",),
    "Embedding": ("input_length",),
    "LSTM": ("time_major",),
    "GRU": ("time_major",),
    "SimpleRNN": ("time_major",),
}
_KERAS3_DEFAULTS = {
    "InputLayer": {"optional": False},
    "Dense": {"quantization_config": None, "lora_rank": None, "lora_alpha": None},
    "Embedding": {"quantization_config": None, "lora_rank": None, "lora_alpha": None},
    "BatchNormalization": {"synchronized": False, "renorm": False, "renorm_clipping": None,
                           "renorm_momentum": 0.99},
    "LayerNormalization": {"rms_scaling": False},
}
_KERAS3_ONLY_INITIALIZER_DEFAULTS = {"input_axes": None, "output_axes": None}
_RENAMED = {"LeakyReLU": ("alpha", "negative_slope")}  # Keras 2 name, Keras 3 name
_NESTED_LAYER_KEYS = ("layer", "backward_layer", "cell")


def _require_layer_dict(entry, where):
    if not isinstance(entry, dict) or not isinstance(entry.get("class_name"), str):
        raise ModelFormatError(f"{where}: expected a layer as {{'class_name': ..., 'config': {{...}}}}, "
                               f"got {type(entry).__name__}")
    config = entry.get("config")
    if config is not None and not isinstance(config, (dict, list)):
        raise ModelFormatError(f"{where}: the config of {entry['class_name']!r} must be an object")


def to_keras3(entry, where="model config"):
    """A deep copy of the serialized layer or model `entry` in Keras 3 style."""
    entry = copy.deepcopy(entry)
    _layer_to_keras3(entry, where)
    return entry


def _layer_to_keras3(entry, where):
    _require_layer_dict(entry, where)
    class_name = _CLASS_ALIASES.get(entry["class_name"], entry["class_name"])
    entry["class_name"] = class_name
    if class_name in ("Sequential", "Functional") and isinstance(entry.get("config"), list):
        # Keras 2.0-2.1 stored a Sequential's layers list directly as its config.
        entry["config"] = {"name": entry.get("name", "sequential"), "layers": entry["config"]}
    config = entry.setdefault("config", {})
    if class_name in ("Sequential", "Functional"):
        layers = config.get("layers")
        if not isinstance(layers, list):
            raise ModelFormatError(f"{where}: model {config.get('name')!r} has no 'layers' list")
        for index, layer in enumerate(layers):
            _layer_to_keras3(layer, f"{where}, layer {index}")
        if class_name == "Sequential":
            _insert_sequential_input(config)
        return
    for key in _KERAS2_ONLY.get(class_name, ()):
        config.pop(key, None)
    old, new = _RENAMED.get(class_name, (None, None))
    if old in config:
        config.setdefault(new, config.pop(old))
    if class_name == "InputLayer" and "batch_input_shape" in config:
        config.setdefault("batch_shape", config.pop("batch_input_shape"))
    if class_name == "BatchNormalization" and isinstance(config.get("axis"), list) and len(config["axis"]) == 1:
        config["axis"] = config["axis"][0]
    for key in _NESTED_LAYER_KEYS:
        if isinstance(config.get(key), dict) and "class_name" in config[key]:
            _layer_to_keras3(config[key], f"{where}, {class_name}.{key}")


def _as_list(value, where):
    if not isinstance(value, list):
        raise ModelFormatError(f"{where}: expected a list, got {type(value).__name__}")
    return value


def _insert_sequential_input(config):
    """Give a Sequential whose first layer carries the input shape an explicit InputLayer, as Keras 3 has."""
    layers = config["layers"]
    if not layers or layers[0].get("class_name") == "InputLayer":
        return
    first = layers[0].get("config")
    if not isinstance(first, dict):
        return
    shape = first.pop("batch_input_shape", None) or first.pop("batch_shape", None)
    if shape is None:
        return
    input_config = {"batch_shape": shape, "dtype": first.get("dtype", "float32"), "sparse": False,
                    "name": f"{first.get('name', 'sequential')}_input"}
    layers.insert(0, {"class_name": "InputLayer", "config": input_config})


def to_keras2(entry, where="model config"):
    """A deep copy of the serialized Keras 3 layer or model `entry` in Keras 2 (tf_keras) style."""
    entry = copy.deepcopy(entry)
    return _layer_to_keras2(entry, where)


def _layer_to_keras2(entry, where):
    _require_layer_dict(entry, where)
    class_name = entry["class_name"]
    config = entry.get("config") or {}
    # tf_keras keeps "module" and "registered_name" on layers; Keras 3's legacy loader needs them on nested ones.
    result = {key: entry[key] for key in ("module", "class_name", "registered_name") if key in entry}
    result["config"] = _value_to_keras2(config)
    config = result["config"]
    if class_name in ("Sequential", "Functional"):
        entries = _as_list(config.get("layers"), where)
        call_offsets, endpoint_offsets = _keras2_node_offsets(entries)
        layers = []
        for index, layer in enumerate(entries):
            converted = _layer_to_keras2(layer, f"{where}, layer {index}")
            if class_name == "Functional":
                converted["name"] = layer.get("name", converted["config"].get("name"))
                converted["inbound_nodes"] = [_node_to_keras2(node, call_offsets, f"{where}, layer {index}")
                                              for node in layer.get("inbound_nodes", [])]
            layers.append(converted)
        config["layers"] = layers
        if class_name == "Functional":
            for key in ("input_layers", "output_layers"):
                config[key] = [_offset_history(history, endpoint_offsets)
                               for history in _history_list(config.get(key), where)]
        return result
    for key, default in _KERAS3_DEFAULTS.get(class_name, {}).items():
        if key in config and config[key] == default:
            del config[key]
    new, old = _RENAMED.get(class_name, (None, None))[::-1]
    if new in config:
        config.setdefault(old, config.pop(new))
    if class_name == "InputLayer" and "batch_shape" in config:
        config["batch_input_shape"] = config.pop("batch_shape")
    for key in _NESTED_LAYER_KEYS:
        if isinstance(config.get(key), dict) and "class_name" in config[key]:
            config[key] = _layer_to_keras2(config[key], f"{where}, {class_name}.{key}")
    if class_name == "Bidirectional":
        _bidirectional_to_keras2(config)
    return result


def _bidirectional_to_keras2(config):
    """Keras 3 stores the wrapped copies ("forward_lstm" and its mirror); Keras 2 stores the original layer.

    TF.js and tf_keras name the copies "forward_" + the stored name themselves, so the stored name
    loses its prefix, and a backward layer that only mirrors the forward one is left for them to make
    (TF.js 4.22 knows no other: a custom backward layer reaches only tf_keras and Keras).
    """
    forward, backward = config.get("layer"), config.get("backward_layer")
    if not isinstance(forward, dict) or not isinstance(forward.get("config"), dict):
        return
    name = forward["config"].get("name")
    if not (isinstance(name, str) and name.startswith("forward_")):
        return
    base = name[len("forward_"):]
    if isinstance(backward, dict) and isinstance(backward.get("config"), dict):
        mirror = dict(backward["config"], name=name, go_backwards=forward["config"].get("go_backwards"))
        if backward.get("class_name") == forward.get("class_name") and mirror == forward["config"] \
                and backward["config"].get("name") == f"backward_{base}":
            del config["backward_layer"]
    forward["config"]["name"] = base


def _value_to_keras2(value):
    """Config values in Keras 2 form: dtype policies become names, Keras-3-only bookkeeping goes."""
    if isinstance(value, list):
        return [_value_to_keras2(item) for item in value]
    if not isinstance(value, dict):
        return value
    if value.get("class_name") in ("DTypePolicy", "FloatDTypePolicy") and isinstance(value.get("config"), dict):
        return value["config"].get("name", "float32")
    if value.get("class_name") == "__tuple__" and isinstance(value.get("config"), dict):
        return _value_to_keras2(value["config"].get("value"))
    result = {}
    for key, item in value.items():
        if key in ("build_config", "compile_config", "shared_object_id"):
            continue
        result[key] = _value_to_keras2(item)
    if "class_name" in result and isinstance(result.get("config"), dict) and "layers" not in result["config"]:
        for key, default in _KERAS3_ONLY_INITIALIZER_DEFAULTS.items():
            if key in result["config"] and result["config"][key] == default:
                del result["config"][key]
    return result


def _keras2_node_offsets(entries):
    """What to add to a Keras 3 node index of each layer in `entries` to get its Keras 2 index.

    Keras 2 (tf_keras, TF.js) counts a nested model's construction as its node 0 wherever a node
    is named, so its calls in a graph are nodes 1, 2, ... (tf_keras's `_should_skip_first_node`;
    a nested model here always has its InputLayer, so the rule always applies). Keras 3 numbers
    the calls 0, 1, ... in inbound nodes, but in input_layers/output_layers it already counts the
    construction of a functional model (not of a Sequential). Returns two {layer name: offset}
    maps: for inbound nodes, and for input_layers/output_layers.
    """
    call_offsets, endpoint_offsets = {}, {}
    for layer in entries:
        name = layer.get("name", layer.get("config", {}).get("name"))
        is_model = layer.get("class_name") in MODEL_CLASSES
        call_offsets[name] = 1 if is_model else 0
        endpoint_offsets[name] = 1 if is_model and layer.get("class_name") == "Sequential" else 0
    return call_offsets, endpoint_offsets


def _offset_history(history, node_offsets):
    if not (isinstance(history, list) and len(history) == 3 and isinstance(history[1], int)):
        return history
    return [history[0], history[1] + node_offsets.get(history[0], 0), history[2]]


def _node_to_keras2(node, node_offsets, where):
    if isinstance(node, list):
        return node
    if not isinstance(node, dict):
        raise ModelFormatError(f"{where}: an inbound node must be an object, got {node!r}")
    kwargs = {key: value for key, value in (node.get("kwargs") or {}).items() if value is not None}
    entries = [[*_offset_history(history, node_offsets), kwargs]
               for history in _keras_histories(node.get("args", []))]
    if not entries:
        raise ModelFormatError(f"{where}: inbound node {node!r} names no input tensor")
    return entries


def _keras_histories(value):
    if isinstance(value, dict) and value.get("class_name") == "__keras_tensor__":
        history = value.get("config", {}).get("keras_history")
        return [list(history)] if isinstance(history, list) and len(history) == 3 else []
    if isinstance(value, (list, tuple)):
        return [history for item in value for history in _keras_histories(item)]
    if isinstance(value, dict):
        return [history for item in value.values() for history in _keras_histories(item)]
    return []


def _history_list(value, where):
    """input_layers / output_layers as a list of [name, node, tensor] (Keras 3 may write a single one flat)."""
    if isinstance(value, list) and len(value) == 3 and isinstance(value[0], str):
        return [value]
    if not isinstance(value, list):
        raise ModelFormatError(f"{where}: input_layers/output_layers must be lists, got {value!r}")
    return value

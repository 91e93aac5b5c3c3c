"""Keras 3's object registry and JSON form: `{"module", "class_name", "config", "registered_name"}`.

Built-in classes are registered by class name under the Keras module they are
published in ("keras.layers", "keras.initializers", ...); user classes register
with `register_keras_serializable(package, name)` under "package>name".
Deserialisation only ever looks names up in these tables (and in the caller's
`custom_objects`): the "module" of a config is a hint to pick between
built-ins of the same name, never something to import, and no code stored in a
config is evaluated.
"""
import inspect
import threading

import numpy as np

from ..errors import InvalidArgumentError, ModelFormatError

__all__ = ["register_keras_serializable", "serialize_keras_object", "deserialize_keras_object",
           "get_registered_object", "get_registered_name", "custom_object_scope", "CustomObjectScope",
           "register_builtin"]

_CUSTOM_OBJECTS = {}        # registered name ("package>name") -> class or function
_CUSTOM_NAMES = {}          # id(class or function) -> registered name
_BUILTINS = {}              # (keras module, name) -> class or function
_BUILTINS_BY_NAME = {}      # name -> [(keras module, class or function), ...] in registration order
_BUILTIN_MODULES = {}       # id(class or function) -> keras module

_scopes = threading.local()


def register_builtin(obj, module, name=None):
    """Publish a built-in class or function under `module` (e.g. "keras.layers") and its name."""
    name = name or obj.__name__
    _BUILTINS[(module, name)] = obj
    _BUILTINS_BY_NAME.setdefault(name, []).append((module, obj))
    _BUILTIN_MODULES.setdefault(id(obj), module)
    return obj


def builtin_module(obj):
    """The Keras module a built-in class or function is published in, or None."""
    return _BUILTIN_MODULES.get(id(obj))


def register_keras_serializable(package="Custom", name=None):
    """Decorator registering a class or function as "package>name" so configs can name it."""

    def decorator(obj):
        registered_name = f"{package}>{name or obj.__name__}"
        if isinstance(obj, type) and not hasattr(obj, "get_config"):
            raise InvalidArgumentError(
                f"register_keras_serializable: class {obj.__name__} has no get_config() method; "
                "only classes that can describe themselves can be registered")
        previous = _CUSTOM_OBJECTS.get(registered_name)
        if previous is not None and previous is not obj:
            _CUSTOM_NAMES.pop(id(previous), None)
        _CUSTOM_OBJECTS[registered_name] = obj
        _CUSTOM_NAMES[id(obj)] = registered_name
        return obj

    return decorator


def get_registered_name(obj):
    """"package>name" for a registered object, else its class or function name."""
    if not isinstance(obj, type) and hasattr(obj, "get_config"):
        obj = type(obj)
    return _CUSTOM_NAMES.get(id(obj), getattr(obj, "__name__", None))


def get_registered_object(name, custom_objects=None, module_objects=None):
    """The class or function registered as `name`: caller's objects, active scopes, registry, built-ins."""
    for table in (custom_objects, *_active_scopes(), _CUSTOM_OBJECTS, module_objects):
        if table and name in table:
            return table[name]
    candidates = _BUILTINS_BY_NAME.get(name)
    return candidates[0][1] if candidates else None


class CustomObjectScope:
    """`with custom_object_scope({"MyLayer": MyLayer}):` makes the objects visible to every deserialisation."""

    def __init__(self, custom_objects):
        self.custom_objects = dict(custom_objects or {})

    def __enter__(self):
        _active_scopes().append(self.custom_objects)
        return self

    def __exit__(self, *exc):
        _active_scopes().pop()
        return False


custom_object_scope = CustomObjectScope


def _active_scopes():
    stack = getattr(_scopes, "stack", None)
    if stack is None:
        stack = _scopes.stack = []
    return stack


def _class_config(obj):
    """(module, class_name, registered_name) of an object Keras writes as a dict."""
    cls = obj if isinstance(obj, type) else type(obj)
    registered = _CUSTOM_NAMES.get(id(cls))
    if registered is not None:
        return cls.__module__, cls.__name__, registered
    module = builtin_module(cls)
    if module is not None:
        # Classes Keras does not publish under a public module (Functional) are written with their own name.
        return module, cls.__name__, cls.__dict__.get("_keras_registered_name")
    return cls.__module__, cls.__name__, cls.__name__


def serialize_keras_object(obj):
    """Keras 3's JSON-ready form of `obj` (plain values pass through; objects become class dicts)."""
    if obj is None or isinstance(obj, (bool, int, float, str)):
        return obj
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, np.ndarray):
        return {"class_name": "__numpy__", "config": {"value": obj.tolist(), "dtype": obj.dtype.name}}
    if isinstance(obj, (list, tuple)):
        return [serialize_keras_object(item) for item in obj]
    if isinstance(obj, dict):
        return {key: serialize_keras_object(value) for key, value in obj.items()}
    if hasattr(obj, "name") and type(obj).__name__ == "DType":
        return obj.name
    if not isinstance(obj, type) and hasattr(obj, "get_config"):
        module, class_name, registered_name = _class_config(obj)
        result = {"module": module, "class_name": class_name,
                  "config": serialize_keras_object(obj.get_config()), "registered_name": registered_name}
        build_config = obj.get_build_config() if hasattr(obj, "get_build_config") else None
        if build_config is not None:
            result["build_config"] = serialize_keras_object(build_config)
        compile_config = obj.get_compile_config() if hasattr(obj, "get_compile_config") else None
        if compile_config is not None:
            result["compile_config"] = serialize_keras_object(compile_config)
        return result
    if callable(obj):
        registered = _CUSTOM_NAMES.get(id(obj))
        if registered is not None:
            return {"module": obj.__module__, "class_name": "function", "config": registered,
                    "registered_name": registered}
        module = builtin_module(obj)
        if module is not None:
            return {"module": module, "class_name": "function", "config": obj.__name__,
                    "registered_name": "function"}
        raise InvalidArgumentError(
            f"cannot serialize function {getattr(obj, '__name__', obj)!r}: register it with "
            "register_keras_serializable() so a saved model can name it")
    raise InvalidArgumentError(f"cannot serialize {type(obj).__name__} object {obj!r}: it has no get_config()")


def deserialize_keras_object(config, custom_objects=None, safe_mode=True, module_objects=None, **kwargs):
    """The object `config` describes (Keras 3's dict form; Keras 2's {"class_name", "config"} also works).

    Names resolve through `custom_objects`, any active `custom_object_scope`,
    registered objects, `module_objects`, then built-ins. An unknown name raises
    ModelFormatError naming it; nothing from the config is imported or evaluated.
    """
    if config is None or isinstance(config, (bool, int, float)):
        return config
    if isinstance(config, (list, tuple)):
        return [deserialize_keras_object(item, custom_objects, safe_mode, module_objects) for item in config]
    if isinstance(config, str):
        return _resolve(config, None, custom_objects, module_objects, config)
    if not isinstance(config, dict):
        raise ModelFormatError(f"cannot deserialize a {type(config).__name__}: {config!r}")
    if "class_name" not in config:
        raise ModelFormatError(f"a serialized object needs a 'class_name'; got keys {sorted(config)}")
    class_name = config["class_name"]
    inner = config.get("config")
    if class_name == "__tuple__":
        return tuple(deserialize_keras_object(inner["value"], custom_objects, safe_mode, module_objects))
    if class_name == "__numpy__":
        return np.array(inner["value"], dtype=inner.get("dtype"))
    if class_name in ("__lambda__", "Lambda", "TFOpLambda", "SlicingOpLambda"):
        raise ModelFormatError(
            f"the config holds a {class_name!r}, i.e. Python code; loading never runs code from a file "
            "(rebuild that part of the model in code instead)")
    if class_name == "function":
        name = inner if isinstance(inner, str) else config.get("registered_name")
        return _resolve(name, config.get("module"), custom_objects, module_objects, name)
    registered_name = config.get("registered_name") or class_name
    obj = None
    for name in dict.fromkeys((registered_name, class_name)):
        obj = _lookup(name, config.get("module"), custom_objects, module_objects)
        if obj is not None:
            break
    if obj is None:
        raise ModelFormatError(f"unknown class {class_name!r}"
                               + (f" (registered as {registered_name!r})" if registered_name != class_name else "")
                               + ": it is neither built in nor registered; pass it in custom_objects or "
                                 "register it with register_keras_serializable()")
    if not isinstance(obj, type) and not hasattr(obj, "from_config"):
        return obj
    inner = {} if inner is None else inner
    if not isinstance(inner, dict):
        raise ModelFormatError(f"the config of {class_name!r} must be a dict, got {type(inner).__name__}")
    with CustomObjectScope(custom_objects):
        try:
            instance = _from_config(obj, inner, custom_objects)
        except ModelFormatError:
            raise
        except (TypeError, ValueError, KeyError) as exc:
            raise ModelFormatError(f"cannot rebuild {class_name!r} from its config: {exc}") from exc
        build_config = config.get("build_config")
        if build_config and hasattr(instance, "build_from_config") and not getattr(instance, "built", False):
            instance.build_from_config(build_config)
        compile_config = config.get("compile_config")
        if compile_config and hasattr(instance, "compile_from_config"):
            instance.compile_from_config(compile_config)
    return instance


def _from_config(cls, config, custom_objects):
    from_config = cls.from_config
    try:
        accepts_objects = "custom_objects" in inspect.signature(from_config).parameters
    except (TypeError, ValueError):
        accepts_objects = False
    return from_config(config, custom_objects=custom_objects) if accepts_objects else from_config(config)


def _lookup(name, module, custom_objects, module_objects):
    for table in (custom_objects, *_active_scopes(), _CUSTOM_OBJECTS, module_objects):
        if table and name in table:
            return table[name]
    if module is not None and (module, name) in _BUILTINS:
        return _BUILTINS[(module, name)]
    candidates = _BUILTINS_BY_NAME.get(name)
    if not candidates:
        return None
    if module is not None:
        # "keras.src.layers.core.dense" and similar internal paths still pick the right family.
        for candidate_module, obj in candidates:
            family = candidate_module.split(".")[-1]
            if f".{family}" in module or module.endswith(family):
                return obj
    return candidates[0][1]


def _resolve(name, module, custom_objects, module_objects, shown):
    obj = _lookup(name, module, custom_objects, module_objects) if isinstance(name, str) else None
    if obj is None:
        raise ModelFormatError(f"unknown object {shown!r}: it is neither built in nor registered; pass it in "
                               "custom_objects or register it with register_keras_serializable()")
    return obj


def module_functions(kind, module_objects, known_names, base_class):
    """`serialize`, `deserialize` and `get` of a Keras module of objects (initializers, regularizers,
    constraints): `get` takes None, a name, a serialized dict, a class or a callable."""
    def serialize(obj):
        return serialize_keras_object(obj)

    def deserialize(config, custom_objects=None):
        return deserialize_keras_object(config, custom_objects=custom_objects, module_objects=module_objects)

    def get(identifier):
        if identifier is None:
            return None
        if isinstance(identifier, str):
            found = module_objects.get(identifier) or get_registered_object(identifier)
            if found is None:
                raise InvalidArgumentError(f"unknown {kind} {identifier!r}; known: {known_names}")
            return found() if isinstance(found, type) else found
        if isinstance(identifier, dict):
            return deserialize(identifier)
        if isinstance(identifier, type) and issubclass(identifier, base_class):
            return identifier()
        if callable(identifier):
            return identifier
        raise InvalidArgumentError(f"could not interpret {kind} identifier: {identifier!r}")

    return serialize, deserialize, get

"""`@tf_export("add", "math.add")`: publish an op under TF 2 names.

`engine/__init__.py` installs every exported name once all op modules are
imported: plain names on `engine`, dotted ones on namespace modules such as
`engine.math`, `engine.nn`, `engine.signal`.
"""
import sys
import types

_EXPORTS = {}

NAMESPACES = ("math", "nn", "image", "signal", "random", "linalg", "dtypes", "errors_")


def tf_export(*names):
    def decorator(fn):
        for name in names:
            if name in _EXPORTS and _EXPORTS[name] is not fn:
                raise RuntimeError(f"API name {name!r} is exported twice")
            _EXPORTS[name] = fn
        return fn
    return decorator


def lookup(name):
    return _EXPORTS[name]


def exported():
    return dict(_EXPORTS)


def install(package):
    """Attach the exported names to `package` and its namespace submodules."""
    for name, fn in _EXPORTS.items():
        target = package
        *path, leaf = name.split(".")
        prefix = package.__name__
        for part in path:
            prefix = f"{prefix}.{part}"
            child = getattr(target, part, None)
            if child is None:
                child = types.ModuleType(prefix, f"TF-compatible namespace {prefix}")
                sys.modules[prefix] = child
                setattr(target, part, child)
            target = child
        setattr(target, leaf, fn)
